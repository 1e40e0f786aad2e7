"""``Optimizer``: the base class. Parameter groups, lazily created per-parameter state,
``step(closure)``, ``zero_grad``, ``state_dict`` in PyTorch's layout, and the launch of
the fused updates.

A subclass gives its defaults to ``__init__``, checks hyperparameters in
``_validate(options, where)`` and describes its update rule for a group in
``_plan(group)`` (a ``Plan``: which kernels of ``autograd_core/kernels/optim/``, which
state buffers, the group's options for the kernels' scalars, the flags); the base class
prepares every parameter, refills the small per-step arrays and launches the kernels
(``_fused_update``), then records the write (``Tensor._written``) so a graph that saved
the old value notices. An optimizer that does not run fused kernels overrides
``_update(group, params)`` instead (it runs under ``no_grad``).

State is a ``defaultdict(dict)`` keyed by the parameter objects themselves (Tensors hash
by identity), never by ``id(p)``: an id can be reused by a new object after the old one
is freed, silently handing it someone else's momentum.
"""
import copy
import numbers
from collections import defaultdict

import numpy as np

from typing import Callable, NamedTuple

from autograd_core import Tensor, enable_grad, no_grad

from ._prepared import Scalars, array_of, launch, prepare, state_buffer

__all__ = ["Optimizer", "Plan", "required", "state_buffer"]


class Plan(NamedTuple):
    """How to update one param group with a fused kernel (``Optimizer._plan``; built
    every step: pass the fields positionally, keywords cost ~0.4 us more)."""

    kernels: object      # the algorithm's module in autograd_core.kernels.optim
    variant: str         # its VARIANTS key
    keys: tuple          # the state buffers the loop takes, in its order
    init: Callable       # init(p, state[p]): create missing state entries
    hyper: tuple         # the group's options, as the module's fill() reads them
    flags: tuple         # the loop's trailing booleans
    steps: bool          # count state["step"] (fill gets the new count)
    first: bool          # append "the state buffer keys[0] is new" (SGD's momentum)


_NO_STATE = {}


class _RequiredParameter:
    """Marks a default that every param group must set itself."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


def check_real(opt, name, value, where, low=0.0, high=None, high_open=False):
    """Raise unless ``low <= value`` (and ``value < high`` / ``<= high``); ``where`` says
    which param group ("" for the constructor arguments). A ``required`` default passes
    (each group must then set the value, which is checked when the group is added)."""
    if value is required:
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{opt}: {name} must be a real number{where}, got "
                        f"{type(value).__name__} {value!r}")
    ok = value >= low
    if high is not None:
        ok = ok and (value < high if high_open else value <= high)
    if not ok:  # also catches nan
        hi = "" if high is None else (f" and < {high}" if high_open else f" and <= {high}")
        raise ValueError(f"{opt}: invalid {name} {value!r}{where} (must be >= {low}{hi})")


def _copy_value(value, dtype=None):
    """Deep copy of a state value: Tensors and arrays copied (floating ones cast to
    ``dtype`` when given, C-contiguous), containers recursed, the rest deep-copied."""
    if isinstance(value, Tensor):
        return Tensor._make(_copy_value(value.numpy(), dtype))
    if isinstance(value, np.ndarray):
        dt = dtype if dtype is not None and value.dtype.kind == "f" else value.dtype
        return np.array(value, dtype=dt, order="C", copy=True)
    if isinstance(value, dict):
        return {k: _copy_value(v, dtype) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_copy_value(v, dtype) for v in value)
    return copy.deepcopy(value)


class Optimizer:
    """Base class of all optimizers.

    ``params``: an iterable of Tensors, of ``(name, Tensor)`` pairs, or of dicts (param
    groups: ``{"params": [...], "lr": ..., ...}``; options a group leaves out take the
    optimizer's defaults). Use ordered collections: the order defines the parameter
    indices of ``state_dict``.
    """

    #: per-parameter state entries shaped like the parameter (checked on load)
    _buffers = ()

    def __init__(self, params, defaults):
        name = type(self).__name__
        self._validate(defaults, "")
        self.defaults = dict(defaults)
        self.state = defaultdict(dict)
        self._prepared = {}  # parameter -> _prepared.Prepared (see _prepare)
        self._scalars = {}  # id(group) -> (group, _prepared.Scalars)
        self.param_groups = []
        self._step_count = 0
        if isinstance(params, Tensor):
            raise TypeError(f"{name}: params should be an iterable of Tensors or dicts, "
                            f"got a single Tensor (wrap it in a list)")
        if isinstance(params, dict):
            raise TypeError(f"{name}: params should be an iterable of Tensors or dicts, "
                            f"got a dict (pass [group] for one param group)")
        groups = list(params)
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # -- hooks for subclasses ---------------------------------------------------------
    def _validate(self, options, where):
        """Raise ValueError naming the argument for a bad hyperparameter in ``options``
        (a defaults dict or a filled-in param group; ``where`` names the group)."""

    def _plan(self, group):
        """The ``Plan`` of ``group``'s fused update."""
        raise NotImplementedError

    def _update(self, group, params):
        """Apply the update rule to ``params`` (Tensors with a grad) of ``group``."""
        self._fused_update(group, params)

    # -- param groups -----------------------------------------------------------------
    def add_param_group(self, param_group):
        """Add a param group (a dict with ``"params"`` and optional options), e.g. to
        start training layers that were frozen. A parameter may be in one group only."""
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"{name}: param_group must be a dict, got "
                            f"{type(param_group).__name__}")
        if "params" not in param_group:
            raise ValueError(f"{name}: param_group has no 'params' entry")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError("optimizer parameters need to be organized in ordered "
                            "collections, but the ordering of tensors in sets will change "
                            "between runs. Please use a list instead.")
        else:
            params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        params = [p[1] if isinstance(p, tuple) else p for p in params]
        if names and len(names) != len(params):
            raise ValueError("all optimizer params should be with/without names. "
                             "Some param names are missing")
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(f"{name} can only optimize Tensors, but parameter {i} of "
                                f"the group is a {type(p).__name__}")
            if p.grad_fn is not None and not p.retains_grad:
                raise ValueError(f"{name}: can't optimize a non-leaf Tensor (parameter "
                                 f"{i} of the group, created by {p.grad_fn.op_name})")
        seen = {}
        for i, p in enumerate(params):
            if p in seen:
                raise ValueError(f"{name}: parameter {i} of the group repeats parameter "
                                 f"{seen[p]} (a parameter may appear once)")
            seen[p] = i
        clash = [(gi, seen[p]) for gi, g in enumerate(self.param_groups)
                 for p in g["params"] if p in seen]
        if clash:
            where = ", ".join(f"parameter {i} (already in param group {gi})"
                              for gi, i in clash)
            raise ValueError("some parameters appear in more than one parameter group: "
                             + where)
        for key, default in self.defaults.items():
            if default is required and key not in param_group:
                raise ValueError(f"{name}: parameter group didn't specify a value of "
                                 f"required optimization parameter {key}")
        options = {**self.defaults, **param_group}
        self._validate(options, f" in param group {len(self.param_groups)}")
        if self.param_groups and bool(names) != ("param_names" in self.param_groups[0]):
            raise ValueError("all optimizer param groups should be with/without names")
        # everything checked: now change state
        param_group["params"] = params
        if names:
            param_group["param_names"] = names
        for key, default in self.defaults.items():
            param_group.setdefault(key, default)
        self.param_groups.append(param_group)

    # -- gradients and steps ------------------------------------------------------------
    def zero_grad(self, set_to_none=True):
        """Reset the gradients: ``None`` (default; a step then skips the parameter until
        a backward gives it a gradient again) or zeros written in place."""
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if set_to_none:
                    p.grad = None
                    continue
                if g.grad_fn is not None:
                    g.detach_()
                else:
                    g.requires_grad_(False)
                if g.numpy().flags.writeable:
                    g.zero_()
                else:
                    p.grad = Tensor._make(np.zeros_like(g.numpy()))

    def _gather(self, group, gi):
        """The group's parameters that have a gradient, checked before any update.
        The dtype and writeable checks are skipped for an array already prepared."""
        name = type(self).__name__
        prepared = self._prepared
        out = []
        for i, p in enumerate(group["params"]):
            g = p.grad
            if g is None:
                continue
            d = array_of(p)
            if array_of(g).shape != d.shape:
                raise ValueError(
                    f"{name}.step: the gradient of parameter {i} in param group {gi} has "
                    f"shape {tuple(g.shape)}, the parameter {tuple(d.shape)}")
            e = prepared.get(p)
            if e is None or e.data is not d:
                if d.dtype.kind != "f":
                    raise TypeError(f"{name}.step: parameter {i} in param group {gi} has "
                                    f"non-floating dtype {d.dtype}")
                if not d.flags.writeable:
                    raise ValueError(f"{name}.step: parameter {i} in param group {gi} is "
                                     f"backed by a read-only array")
            out.append(p)
        return out

    def step(self, closure=None):
        """One optimization step. ``closure``: optional callable that re-evaluates the
        model and returns the loss; it runs with grad enabled and its value is returned."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            work = [(g, self._gather(g, gi)) for gi, g in enumerate(self.param_groups)]
            for group, params in work:
                if params:
                    self._update(group, params)
                    for p in params:
                        p._written()
        self._step_count += 1
        return loss

    def _prepare(self, p, keys, init):
        """``p``'s cached preparation for the state buffers ``keys`` (``_prepared.py``)."""
        return prepare(self.state, self._prepared, p, keys, init, type(self).__name__)

    def _group_scalars(self, group):
        """``group``'s small per-step arrays (``_prepared.Scalars``)."""
        entry = self._scalars.get(id(group))
        if entry is None or entry[0] is not group:
            entry = self._scalars[id(group)] = (group, Scalars())
        return entry[1]

    def _fused_update(self, group, params):
        """One fused-kernel update of ``params`` as ``self._plan(group)`` says: prepare
        every parameter first (errors leave state untouched), refill the group's small
        arrays, then bump the step counts and launch."""
        kernels, variant, keys, init, hyper, flags, steps, first = self._plan(group)
        scalars = self._group_scalars(group)
        scalars.begin(hyper)
        prepared, state = self._prepared, self.state
        local = {}  # (dtype char, step) -> (loop, scalar array): usually one per group
        calls, counts = [], []
        step = 0
        for p in params:
            if first:  # the buffer is set from the gradient on its first step
                new = state.get(p, _NO_STATE).get(keys[0]) is None
            e = prepared.get(p)
            if e is None or e.data is not array_of(p) or not e.fresh(state.get(p), keys):
                e = self._prepare(p, keys, init)
            if steps:
                st = e.state
                step = st["step"] + 1
                counts.append((st, step))
            key = (e.ch, step)
            s = local.get(key)
            if s is None:
                s = local[key] = (kernels.kernel(variant, e.ch),
                                  scalars.pack(kernels, e.dtype, step))
            args = (e.grad(p), *e.flats, s[1], *flags)
            if first:
                args += (new,)
            calls.append((s[0], e, args))
        for st, n in counts:  # everything prepared: now change state
            st["step"] = n
        launch(calls)

    # -- copying -------------------------------------------------------------------------
    def __getstate__(self):
        # the cache of flat views is not state: a copied (deepcopy/pickle) view would no
        # longer alias the copied buffer it was made from, so the copy prepares anew
        d = self.__dict__.copy()
        d["_prepared"] = {}
        d["_scalars"] = {}
        return d

    def __setstate__(self, d):
        self.__dict__.update(d)
        self.__dict__.setdefault("_prepared", {})
        self.__dict__.setdefault("_scalars", {})

    # -- saving and loading -------------------------------------------------------------
    def state_dict(self):
        """``{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}``.

        Parameters are numbered in group order, as PyTorch does. Unlike PyTorch, state
        Tensors are copies (a snapshot), so continuing to train does not change a saved
        state dict."""
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            ids = []
            for p in group["params"]:
                if p not in index:
                    index[p] = len(index)
                ids.append(index[p])
            packed["params"] = ids
            groups.append(packed)
        state = {}
        for key, value in self.state.items():
            k = index[key] if isinstance(key, Tensor) and key in index else key
            if isinstance(k, Tensor):
                continue  # state of a parameter no longer in any group
            state[k] = _copy_value(value)
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Load a ``state_dict()``: groups are matched by position and parameters by order
        within them; a mismatch raises ValueError listing every difference found, and
        nothing is changed."""
        name = type(self).__name__
        if not isinstance(state_dict, dict):
            raise TypeError(f"{name}.load_state_dict: expected a dict, got "
                            f"{type(state_dict).__name__}")
        missing = [k for k in ("state", "param_groups") if k not in state_dict]
        if missing:
            raise ValueError(f"{name}.load_state_dict: the state dict has no "
                             f"{' or '.join(repr(k) for k in missing)} entry")
        groups = self.param_groups
        saved = state_dict["param_groups"]
        if len(groups) != len(saved):
            raise ValueError(
                f"{name}.load_state_dict: loaded state dict has a different number of "
                f"parameter groups ({len(saved)}) than the optimizer ({len(groups)})")
        sizes = [f"group {i}: {len(s['params'])} in the state dict, {len(g['params'])} in "
                 f"the optimizer" for i, (g, s) in enumerate(zip(groups, saved))
                 if len(g["params"]) != len(s["params"])]
        if sizes:
            raise ValueError(f"{name}.load_state_dict: loaded state dict contains a "
                             f"parameter group that doesn't match the size of optimizer's "
                             f"group (parameter counts differ: {'; '.join(sizes)})")
        id_map = {}
        for s, g in zip(saved, groups):
            for k, p in zip(s["params"], g["params"]):
                id_map[k] = p
        errors = []
        state = defaultdict(dict)
        for k, value in state_dict["state"].items():
            if k not in id_map:
                if isinstance(k, numbers.Integral):
                    errors.append(f"state for parameter index {k}, which no group lists")
                else:
                    state[k] = _copy_value(value)
                continue
            p = id_map[k]
            for key in self._buffers:
                buf = value.get(key) if isinstance(value, dict) else None
                if buf is not None and np.shape(buf) != p.shape:
                    errors.append(f"state[{k!r}][{key!r}] has shape "
                                  f"{tuple(np.shape(buf))}, the parameter {tuple(p.shape)}")
            state[p] = _copy_value(value, p.dtype)
        new_groups = []
        for i, (g, s) in enumerate(zip(groups, saved)):
            ng = {k: copy.deepcopy(v) for k, v in s.items() if k != "params"}
            for key, default in self.defaults.items():
                ng.setdefault(key, default)
            ng["params"] = g["params"]
            if "param_names" in g and "param_names" not in ng:
                ng["param_names"] = g["param_names"]
            try:
                self._validate(ng, f" in loaded param group {i}")
            except (TypeError, ValueError) as e:
                errors.append(str(e))
            new_groups.append(ng)
        if errors:
            raise ValueError(f"{name}.load_state_dict: " + "; ".join(errors))
        self.state = state
        self._prepared = {}
        self._scalars = {}
        self.param_groups[:] = new_groups

    def __repr__(self):
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key not in ("params", "param_names"):
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)
