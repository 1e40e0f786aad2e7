"""``save`` / ``load`` of state dicts (models, optimizers) in a format that runs no code
on load: an uncompressed ``.npz`` (a zip of ``.npy`` arrays, read with
``allow_pickle=False``) whose entry ``__structure__`` is JSON describing the nested
object, with arrays referenced by entry name.

Supported values: dict (keys str, int, float, bool or None), list, tuple, Tensor
(Parameter kept as such), ndarray (numeric or bool), numpy scalars, int, float
(nan/inf included), bool, str, None. Anything else is refused at save time, naming
where it sits. Files are written to a temporary file next to the target and renamed
over it, so a crash never leaves a half-written checkpoint.
"""
import json
import os
import tempfile
import zipfile

import numpy as np

from autograd_core import Tensor

__all__ = ["save", "load"]

FORMAT = "autograd_core.nn.save"
VERSION = 1
_STRUCT = "__structure__"


class _Writer:
    def __init__(self):
        self.arrays = {}

    def add(self, arr, where):
        if arr.dtype.kind not in "biufc":
            raise TypeError(f"save: cannot save an array of dtype {arr.dtype} at {where} (numeric or bool only)")
        name = f"a{len(self.arrays)}"
        self.arrays[name] = arr if arr.flags.c_contiguous else arr.copy(order="C")  # 0-d stays 0-d
        return name

    def encode(self, obj, where):
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, int):
            return {"int": str(obj)} if abs(obj) >= 2**53 else obj
        if isinstance(obj, float):
            return obj if np.isfinite(obj) else {"float": repr(obj)}
        if isinstance(obj, Tensor):
            from .parameter import Parameter
            node = {"tensor": self.add(obj.numpy(), where)}
            if isinstance(obj, Parameter):
                node["parameter"] = True
            if obj.requires_grad:
                node["requires_grad"] = True
            return node
        if isinstance(obj, np.ndarray):
            return {"ndarray": self.add(obj, where)}
        if isinstance(obj, np.generic):
            return {"scalar": self.add(np.asarray(obj), where)}
        if isinstance(obj, dict):
            keys, values = [], []
            for k, v in obj.items():
                if not (k is None or isinstance(k, (str, int, float, bool))):
                    raise TypeError(f"save: dict key {k!r} of type {type(k).__name__} at {where} is not supported")
                keys.append(self.encode(k, where))
                values.append(self.encode(v, f"{where}[{k!r}]"))
            return {"dict": keys, "values": values}
        if isinstance(obj, (list, tuple)):
            items = [self.encode(v, f"{where}[{i}]") for i, v in enumerate(obj)]
            return {"list" if isinstance(obj, list) else "tuple": items}
        raise TypeError(
            f"save: cannot save object of type {type(obj).__name__} at {where}; supported: "
            "dict, list, tuple, Tensor, ndarray, numbers, str, None"
        )


def save(obj, f):
    """Write ``obj`` (e.g. ``model.state_dict()`` or ``optimizer.state_dict()``) to
    ``f``, a path (written atomically) or a writable binary file object."""
    w = _Writer()
    root = w.encode(obj, "obj")
    struct = json.dumps({"format": FORMAT, "version": VERSION, "root": root})
    entries = dict(w.arrays)
    entries[_STRUCT] = np.array(struct)
    if hasattr(f, "write"):
        np.savez(f, **entries)
        return
    path = os.fspath(f)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".npz", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **entries)  # a file object: numpy adds no ".npz" to the name
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class _Reader:
    def __init__(self, npz, name):
        self.npz, self.name = npz, name

    def bad(self, why):
        return ValueError(f"load: {self.name} is not a valid checkpoint: {why}")

    def array(self, ref):
        if not isinstance(ref, str) or ref == _STRUCT or ref not in self.npz.files:
            raise self.bad(f"the structure refers to a missing array {ref!r}")
        return self.npz[ref]

    def decode(self, node):
        if node is None or isinstance(node, (bool, str, int, float)):
            return node
        if isinstance(node, dict) and len(node) >= 1:
            if "tensor" in node:
                from .parameter import Parameter
                arr = self.array(node["tensor"])
                if node.get("parameter"):
                    return Parameter(arr, requires_grad=bool(node.get("requires_grad")))
                t = Tensor(arr)
                if node.get("requires_grad"):
                    t.requires_grad_()
                return t
            if set(node) == {"ndarray"}:
                return self.array(node["ndarray"])
            if set(node) == {"scalar"}:
                return self.array(node["scalar"])[()]
            if set(node) == {"int"}:
                return int(node["int"])
            if set(node) == {"float"}:
                return float(node["float"])
            if set(node) == {"dict", "values"}:
                keys, values = node["dict"], node["values"]
                if not isinstance(keys, list) or not isinstance(values, list) or len(keys) != len(values):
                    raise self.bad("a dict entry has mismatched keys and values")
                return {self.decode(k): self.decode(v) for k, v in zip(keys, values)}
            if set(node) == {"list"} and isinstance(node["list"], list):
                return [self.decode(v) for v in node["list"]]
            if set(node) == {"tuple"} and isinstance(node["tuple"], list):
                return tuple(self.decode(v) for v in node["tuple"])
        raise self.bad(f"unknown entry in the structure: {str(node)[:80]}")


def load(f):
    """Read what ``save`` wrote (a path or a readable binary file object). Raises
    ValueError naming the file if it is truncated, corrupt, tampered with or not a
    checkpoint, FileNotFoundError if it does not exist."""
    name = repr(os.fspath(f)) if not hasattr(f, "read") else repr(getattr(f, "name", "<file object>"))
    try:
        npz = np.load(f, allow_pickle=False)
    except FileNotFoundError:
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as e:
        raise ValueError(f"load: {name} is not a valid checkpoint (truncated, corrupt or not an .npz written by nn.save): {e}") from None
    if not isinstance(npz, np.lib.npyio.NpzFile):
        raise ValueError(f"load: {name} is a bare .npy array, not a checkpoint written by nn.save")
    with npz:
        try:
            if _STRUCT not in npz.files:
                raise ValueError(f"load: {name} is not a checkpoint written by nn.save (no {_STRUCT} entry)")
            meta = json.loads(str(npz[_STRUCT][()]))
            if not isinstance(meta, dict) or meta.get("format") != FORMAT or "root" not in meta:
                raise ValueError(f"load: {name} is not a checkpoint written by nn.save (unknown format marker)")
            if meta.get("version") != VERSION:
                raise ValueError(f"load: {name} has format version {meta.get('version')!r}; this library reads version {VERSION}")
            return _Reader(npz, name).decode(meta["root"])
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError) as e:
            if str(e).startswith("load:"):
                raise
            raise ValueError(f"load: {name} is not a valid checkpoint (truncated, corrupt or tampered with): {e}") from None
