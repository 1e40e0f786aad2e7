"""Shared test helpers: parameters built with ``autograd_core.tensor`` (no nn), gradient
sequences, and runners that drive our optimizers and PyTorch's on the same numbers."""
import numpy as np

import autograd_core as ac

SHAPES = [(3, 4), (5,), ()]  # a matrix, a vector, a 0-d parameter


def arrays(shapes, seed, dtype=np.float64, scale=1.0):
    rng = np.random.default_rng(seed)
    return [(scale * rng.standard_normal(s)).astype(dtype) for s in shapes]


def grad_seq(shapes, steps, seed, dtype=np.float64):
    """``steps`` lists of gradients, one array per shape."""
    return [arrays(shapes, seed * 1000 + k, dtype) for k in range(steps)]


def params(init):
    return [ac.tensor(a, requires_grad=True) for a in init]


def run_ours(cls, kwargs, init, grads, groups=None):
    """Step ``cls`` with the given gradients; returns the parameter values after each
    step (a list of lists of arrays). ``groups``: optional list of (indices, options)."""
    ps = params(init)
    if groups is None:
        opt = cls(ps, **kwargs)
    else:
        opt = cls([{"params": [ps[i] for i in idx], **o} for idx, o in groups], **kwargs)
    out = []
    for gs in grads:
        for p, g in zip(ps, gs):
            p.grad = None if g is None else ac.tensor(g)
        opt.step()
        out.append([p.numpy().copy() for p in ps])
    return out


def run_torch(torch, cls_name, kwargs, init, grads, groups=None):
    """The same with ``torch.optim.<cls_name>``."""
    ps = [torch.tensor(a, requires_grad=True) for a in init]
    cls = getattr(torch.optim, cls_name)
    if groups is None:
        opt = cls(ps, **kwargs)
    else:
        opt = cls([{"params": [ps[i] for i in idx], **o} for idx, o in groups], **kwargs)
    out = []
    for gs in grads:
        for p, g in zip(ps, gs):
            p.grad = None if g is None else torch.tensor(g)
        opt.step()
        out.append([p.detach().numpy().copy() for p in ps])
    return out


def tol(dtype):
    """Comparison tolerances: float64 to rounding; float32 a few ulps over a few steps."""
    return dict(rtol=1e-12, atol=1e-14) if dtype == np.float64 else dict(rtol=2e-5, atol=2e-6)


def assert_trajectories(a, b, dtype):
    for k, (xs, ys) in enumerate(zip(a, b)):
        for i, (x, y) in enumerate(zip(xs, ys)):
            assert x.dtype == y.dtype == np.dtype(dtype), (x.dtype, y.dtype)
            np.testing.assert_allclose(x, y, err_msg=f"step {k + 1}, parameter {i}",
                                       **tol(dtype))
