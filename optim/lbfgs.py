"""``LBFGS``: limited-memory BFGS (Nocedal 1980, "Updating Quasi-Newton Matrices with
Limited Storage"), PyTorch's algorithm step for step.

The course notes' quasi-Newton section: BFGS keeps an approximation ``D_k`` of the
inverse Hessian, updated from ``s_k = x_{k+1} - x_k`` and ``y_k = grad_{k+1} -
grad_k``; L-BFGS stores only the last ``m`` pairs ``(s, y)`` (``history_size``) and
computes ``D_k grad`` with the two-loop recursion, starting from ``D_0 = H_diag * I``,
``H_diag = s.y / y.y``. The step length comes from a strong-Wolfe line search (the
course's damped Newton, ``lambda = argmin f(x + lambda d)`` done inexactly) or is fixed
at ``lr``.

It works on one flat vector of all parameters (concatenated in group order), needs a
``closure`` that re-evaluates the loss (and gradients: call ``backward`` inside), and
supports a single param group. ``step(closure)`` runs up to ``max_iter`` iterations and
returns the loss from the *first* closure call, as PyTorch does.
"""
import numbers

import numpy as np

from autograd_core import Tensor, enable_grad, no_grad

from ._line_search import strong_wolfe
from .optimizer import Optimizer, check_real

__all__ = ["LBFGS"]


def _check_int(name, value, where, low=1):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"LBFGS: {name} must be an int{where}, got {value!r}")
    if value < low:
        raise ValueError(f"LBFGS: invalid {name} {value!r}{where} (must be >= {low})")


class LBFGS(Optimizer):
    """``LBFGS(params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7,
    tolerance_change=1e-9, history_size=100, line_search_fn=None)``;
    ``line_search_fn``: None (fixed step ``lr``) or ``"strong_wolfe"``;
    ``max_eval`` defaults to ``max_iter * 5 // 4``. Memory: ``history_size + 1`` extra
    copies of the parameters (per stored pair, two)."""

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7,
                 tolerance_change=1e-9, history_size=100, line_search_fn=None):
        if max_eval is None and isinstance(max_iter, numbers.Integral):
            max_eval = max_iter * 5 // 4
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                        tolerance_grad=tolerance_grad, tolerance_change=tolerance_change,
                        history_size=history_size, line_search_fn=line_search_fn)
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options "
                             "(parameter groups)")
        self._params = self.param_groups[0]["params"]

    def _validate(self, o, where):
        check_real("LBFGS", "lr", o["lr"], where)
        _check_int("max_iter", o["max_iter"], where)
        _check_int("max_eval", o["max_eval"], where)
        check_real("LBFGS", "tolerance_grad", o["tolerance_grad"], where)
        check_real("LBFGS", "tolerance_change", o["tolerance_change"], where)
        _check_int("history_size", o["history_size"], where)
        if o["line_search_fn"] not in (None, "strong_wolfe"):
            raise ValueError(f"LBFGS: line_search_fn{where} must be None or "
                             f"'strong_wolfe', got {o['line_search_fn']!r}")

    # -- the flat view of the parameters ----------------------------------------------
    def _dtype(self):
        return np.result_type(*[p.dtype for p in self._params])

    def _gather_flat_grad(self):
        views = [np.zeros(p.numel(), dtype=p.dtype) if p.grad is None
                 else p.grad.numpy().reshape(-1) for p in self._params]
        return np.concatenate(views).astype(self._dtype(), copy=False)

    def _add_grad(self, step_size, update):
        offset = 0
        for p in self._params:
            n = p.numel()
            p.add_(step_size * update[offset:offset + n].reshape(p.shape))
            offset += n

    def _clone_param(self):
        return [p.numpy().copy() for p in self._params]

    def _set_param(self, params_data):
        for p, data in zip(self._params, params_data):
            p.copy_(data)

    def _directional_evaluate(self, closure, x, t, d):
        self._add_grad(t, d)
        loss = float(closure())
        flat_grad = self._gather_flat_grad()
        self._set_param(x)
        return loss, flat_grad

    # -- the step -----------------------------------------------------------------------
    def step(self, closure=None):
        """Run up to ``max_iter`` L-BFGS iterations; ``closure()`` must zero the grads,
        compute the loss, call ``backward`` and return the loss. Returns the loss of the
        first evaluation."""
        if closure is None:
            raise TypeError("LBFGS.step requires a closure that re-evaluates the loss "
                            "(zero the grads, compute the loss, backward, return it)")
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options "
                             "(parameter groups)")
        for i, p in enumerate(self._params):
            if not p.numpy().flags.writeable:
                raise ValueError(f"LBFGS.step: parameter {i} is backed by a read-only array")
        with no_grad():
            loss = self._step(closure)
        self._step_count += 1
        return loss

    def _step(self, closure):
        def evaluate():
            with enable_grad():
                return closure()

        group = self.param_groups[0]
        lr = group["lr"]
        max_iter, max_eval = group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        line_search_fn, history_size = group["line_search_fn"], group["history_size"]

        # LBFGS has only global state; it lives in the first parameter's entry, as in
        # PyTorch (so load_state_dict casts it with that parameter)
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss = evaluate()
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._gather_flat_grad()
        if np.abs(flat_grad).max() <= tolerance_grad:
            return orig_loss

        def arr(key):
            v = state.get(key)
            return v.numpy() if isinstance(v, Tensor) else v

        d, t = arr("d"), state.get("t")
        old_dirs = [a.numpy() for a in state["old_dirs"]] if "old_dirs" in state else None
        old_stps = [a.numpy() for a in state["old_stps"]] if "old_stps" in state else None
        ro, H_diag = state.get("ro"), state.get("H_diag")
        prev_flat_grad, prev_loss = arr("prev_flat_grad"), state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1

            # descent direction
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro = [], [], []
                H_diag = 1
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = y.dot(s)
                if ys > 1e-10:  # curvature condition: keep the pair
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    H_diag = ys / y.dot(y)
                # two-loop recursion: d = -D_k grad
                num_old = len(old_dirs)
                if "al" not in state:
                    state["al"] = [None] * history_size
                al = state["al"]
                q = -flat_grad
                for i in range(num_old - 1, -1, -1):
                    al[i] = old_stps[i].dot(q) * ro[i]
                    q -= al[i] * old_dirs[i]
                d = r = q * H_diag
                for i in range(num_old):
                    be_i = old_dirs[i].dot(r) * ro[i]
                    r += (al[i] - be_i) * old_stps[i]

            prev_flat_grad = flat_grad.copy()
            prev_loss = loss

            # step length
            if state["n_iter"] == 1:
                t = min(1.0, 1.0 / np.abs(flat_grad).sum()) * lr
            else:
                t = lr
            gtd = flat_grad.dot(d)
            if gtd > -tolerance_change:  # not a descent direction (any more)
                break

            ls_func_evals = 0
            if line_search_fn is not None:
                x_init = self._clone_param()

                def obj_func(x, t, d):
                    return self._directional_evaluate(evaluate, x, t, d)

                loss, flat_grad, t, ls_func_evals = strong_wolfe(
                    obj_func, x_init, t, d, loss, flat_grad, gtd,
                    max_ls=max_eval - current_evals)
                self._add_grad(t, d)
                opt_cond = np.abs(flat_grad).max() <= tolerance_grad
            else:
                self._add_grad(t, d)
                opt_cond = False
                if n_iter != max_iter:
                    # re-evaluate only if another iteration follows (no use in the
                    # stochastic setting otherwise)
                    loss = float(evaluate())
                    flat_grad = self._gather_flat_grad()
                    opt_cond = np.abs(flat_grad).max() <= tolerance_grad
                    ls_func_evals = 1

            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals

            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if np.abs(d * t).max() <= tolerance_change:  # no progress in x
                break
            if abs(loss - prev_loss) < tolerance_change:  # no progress in f
                break

        wrap = Tensor._make
        state["d"] = None if d is None else wrap(d)
        state["t"] = t
        state["old_dirs"] = [wrap(a) for a in old_dirs]
        state["old_stps"] = [wrap(a) for a in old_stps]
        state["ro"] = ro
        state["H_diag"] = H_diag
        state["prev_flat_grad"] = None if prev_flat_grad is None else wrap(prev_flat_grad)
        state["prev_loss"] = prev_loss
        return orig_loss
