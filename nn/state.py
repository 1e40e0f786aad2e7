"""``state_dict`` / ``load_state_dict`` for Modules (PyTorch's keys, semantics and
error text). Loading checks every key and shape first and copies only if all fit."""
from collections import OrderedDict, namedtuple

import numpy as np

from autograd_core import Tensor, no_grad

__all__ = ["state_dict", "load_state_dict", "IncompatibleKeys"]


class IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` returns: the keys it did not find / did not expect."""

    __slots__ = ()

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


def state_dict(module, destination=None, prefix="", keep_vars=False):
    """Parameters and persistent buffers of ``module`` and its descendants, by dotted
    name, in registration order (a shared submodule appears under each of its names)."""
    if destination is None:
        destination = OrderedDict()
    for name, p in module._parameters.items():
        if p is not None:
            destination[prefix + name] = p if keep_vars else p.detach()
    for name, b in module._buffers.items():
        if b is not None and name not in module._non_persistent_buffers_set:
            destination[prefix + name] = b if keep_vars else b.detach()
    for name, m in module._modules.items():
        if m is not None:
            state_dict(m, destination, prefix + name + ".", keep_vars)
    return destination


def _as_array(value):
    if isinstance(value, Tensor):
        return value.numpy()
    if isinstance(value, (np.ndarray, np.generic, int, float, bool)):
        return np.asarray(value)
    return None


def load_state_dict(module, sd, strict=True):
    """Copy ``sd``'s values into ``module`` (see ``Module.load_state_dict``)."""
    if not hasattr(sd, "keys") or not hasattr(sd, "__getitem__"):
        raise TypeError(f"Expected state_dict to be dict-like, got {type(sd).__name__}.")
    own = state_dict(module, keep_vars=True)
    missing = [k for k in own if k not in sd]
    unexpected = [k for k in sd if k not in own]
    problems = []
    for k, target in own.items():
        if k not in sd:
            continue
        arr = _as_array(sd[k])
        if arr is None:
            problems.append(
                f'While copying the parameter named "{k}", expected a Tensor or array from '
                f"checkpoint but received {type(sd[k]).__name__}"
            )
        elif arr.shape != target.shape:
            problems.append(
                f"size mismatch for {k}: copying a param with shape {tuple(arr.shape)} from "
                f"checkpoint, the shape in current model is {tuple(target.shape)}."
            )
        elif arr.dtype.kind not in "biuf" or (arr.dtype.kind == "f" and target.dtype.kind in "iub"):
            problems.append(
                f"dtype mismatch for {k}: cannot copy {arr.dtype} from checkpoint into "
                f"{target.dtype} in current model."
            )
    msgs = []
    if strict:
        if missing:
            msgs.append("Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ". ")
        if unexpected:
            msgs.append("Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected) + ". ")
    msgs.extend(problems)
    if msgs:
        raise RuntimeError(
            f"Error(s) in loading state_dict for {type(module).__name__}:\n\t" + "\n\t".join(msgs)
        )
    for k, target in own.items():
        if k not in sd:
            continue
        arr = _as_array(sd[k])
        if target.numpy().flags.writeable:
            with no_grad():  # in place: views of the parameter see the new values
                target.copy_(arr)
        else:
            target._written(np.array(arr, dtype=target.dtype))
    return IncompatibleKeys(missing, unexpected)
