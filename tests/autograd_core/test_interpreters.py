"""Every primitive's one backward rule through both interpreters: on arrays (a plain
``backward()``) and as recorded Tensor ops (``create_graph=True``) it must give the same
bits, for every registered differentiable primitive, with broadcasting, 0-d, size-1 and
non-contiguous inputs, in float32 and float64; and hooks, retain_grad, grad(), anomaly
mode, version counters and freed-graph errors must behave the same on the array path."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import autograd_core as ac
from autograd_core import gradcheck
from autograd_core.ops.activation import (EluGrad, LeakyReluGrad, ReluGrad,
                                          SigmoidGrad, SoftplusGrad, TanhGrad)
from autograd_core.ops.index import GetItemGrad
from autograd_core.ops.nnops import BinaryCrossEntropy
from autograd_core.ops.softmax import LogSoftmaxGrad, SoftmaxGrad
from tests.strategies import array, broadcast_pairs, layouts, leaf, seeds


def _unary(fn, away=None, low=-2.0, high=2.0):
    return {"fn": fn, "arity": 1, "away": away, "low": low, "high": high}


def _binary(fn, away=None):
    return {"fn": fn, "arity": 2, "away": away, "low": -2.0, "high": 2.0}


# op name -> how to exercise it (each must route through that primitive)
CASES = {
    "add": _binary(lambda a, b: a + b),
    "sub": _binary(lambda a, b: a - b),
    "mul": _binary(lambda a, b: a * b),
    "div": _binary(lambda a, b: a / b, away=0.0),
    "neg": _unary(lambda a: -a),
    "add_scalar": _unary(lambda a: a + 2.5),
    "rsub_scalar": _unary(lambda a: 2.5 - a),
    "mul_scalar": _unary(lambda a: a * 1.5),
    "div_scalar": _unary(lambda a: a / 1.5),
    "rdiv_scalar": _unary(lambda a: 2.5 / a, away=0.0),
    "cast": _unary(lambda a: a.float().double() if a.dtype == np.float64 else a.double()),
    "clone": _unary(lambda a: a.clone()),
    "relu": _unary(lambda a: a.relu(), away=0.0),
    "sigmoid": _unary(lambda a: a.sigmoid()),
    "tanh": _unary(lambda a: a.tanh()),
    "exp": _unary(lambda a: a.exp()),
    "log": _unary(lambda a: a.log(), low=0.2, high=3.0),
    # -- elementwise
    "expm1": _unary(lambda a: a.expm1()),
    "log1p": _unary(lambda a: a.log1p(), low=-0.5, high=3.0),
    "log2": _unary(lambda a: a.log2(), low=0.2, high=3.0),
    "log10": _unary(lambda a: a.log10(), low=0.2, high=3.0),
    "sqrt": _unary(lambda a: a.sqrt(), low=0.2, high=3.0),
    "rsqrt": _unary(lambda a: a.rsqrt(), low=0.2, high=3.0),
    "reciprocal": _unary(lambda a: a.reciprocal(), away=0.0),
    "abs": _unary(lambda a: a.abs(), away=0.0),
    "sin": _unary(lambda a: a.sin()),
    "cos": _unary(lambda a: a.cos()),
    "sign": _unary(lambda a: a.sign() * a, away=0.0),
    "floor": _unary(lambda a: a.floor() + a),
    "ceil": _unary(lambda a: a.ceil() + a),
    "round": _unary(lambda a: a.round() + a),
    "trunc": _unary(lambda a: a.trunc() + a),
    "pow": _binary(lambda a, b: (a.abs() + 0.5) ** b),
    "pow_scalar": _unary(lambda a: a ** 3),
    "pow_scalar:square": _unary(lambda a: a ** 2),
    "pow_scalar:frac": _unary(lambda a: a.abs() ** -1.5, away=0.0),
    "pow_scalar:one": _unary(lambda a: a ** 1 * a),
    "pow_scalar:zero": _unary(lambda a: a ** 0 + a),
    "where": _binary(lambda a, b: ac.where(a > 0, a, b), away=0.0),
    "clamp": _unary(lambda a: a.clamp(-0.5, 0.8)),
    "clamp:min": _unary(lambda a: a.clamp(min=0.3)),
    "clamp_tensor": _binary(lambda a, b: a.clamp(min=b * 0.5)),
    "clamp_tensor:max": _binary(lambda a, b: a.clamp(max=b * 0.5)),
    "clamp_tensor:both": _binary(lambda a, b: a.clamp(b * 0.5 - 0.5, b * 0.5 + 0.5)),
    "maximum": _binary(lambda a, b: a.maximum(b)),
    "minimum": _binary(lambda a, b: a.minimum(b)),
    # -- activations and their fused backward primitives (called directly: second order)
    "relu_backward": _unary(lambda a: a._apply(ReluGrad, a.cos(), a.relu()), away=0.0),
    "sigmoid_backward": _unary(lambda a: a._apply(SigmoidGrad, a.cos(), a.sigmoid())),
    "tanh_backward": _unary(lambda a: a._apply(TanhGrad, a.cos(), a.tanh())),
    "leaky_relu": _unary(lambda a: a.leaky_relu(0.1), away=0.0),
    "leaky_relu_backward": _unary(
        lambda a: a._apply(LeakyReluGrad, a.cos(), a, negative_slope=0.1), away=0.0),
    "elu": _unary(lambda a: a.elu(0.7), away=0.0),
    "elu_backward": _unary(lambda a: a._apply(EluGrad, a.cos(), a, alpha=0.7), away=0.0),
    "softplus": _unary(lambda a: a.softplus(beta=1.5, threshold=2.0)),
    "softplus_backward": _unary(
        lambda a: a._apply(SoftplusGrad, a.cos(), a, beta=1.5, threshold=2.0)),
    "softmax": _unary(lambda a: a.softmax(-1)),
    "log_softmax": _unary(lambda a: a.log_softmax(0 if a.ndim else -1)),
    "softmax_backward": _unary(
        lambda a: a._apply(SoftmaxGrad, a.cos(), a.softmax(-1), dim=_last(a))),
    "log_softmax_backward": _unary(
        lambda a: a._apply(LogSoftmaxGrad, a.cos(), a.log_softmax(-1), dim=_last(a))),
    "binary_cross_entropy": _unary(
        lambda a: a._apply(BinaryCrossEntropy, a.sigmoid(), (a * 0.5).cos().abs())),
    # -- reductions
    "sum": _unary(lambda a: a.sum()),
    "sum:dim": _unary(lambda a: a.sum(_d(a))),
    "sum:keepdim": _unary(lambda a: a.sum(_d(a), keepdim=True)),
    "sum:dims": _unary(lambda a: a.sum((0, -1)) if a.ndim > 1 else a.sum(())),
    "logsumexp": _unary(lambda a: a.logsumexp(_d(a))),
    "logsumexp:keepdim": _unary(lambda a: (a * 300).logsumexp(None, keepdim=True)),
    "prod": _unary(lambda a: a.prod(_d(a)), away=0.0),
    "prod:all": _unary(lambda a: a.prod(keepdim=True), away=0.0),
    "amax": _unary(lambda a: a.amax(_d(a))),
    "amax:keepdim": _unary(lambda a: a.amax(None, keepdim=True)),
    "amin": _unary(lambda a: a.amin(_d(a), keepdim=True)),
    "max": _unary(lambda a: a.max(_d(a) or 0).values),
    "amax:all": _unary(lambda a: a.max()),
    "min": _unary(lambda a: a.min(0, keepdim=True).values),
    "norm": _unary(lambda a: a.norm()),
    "norm:dim": _unary(lambda a: a.norm(2, _d(a), keepdim=True)),
    "norm:p1": _unary(lambda a: a.norm(1, _d(a)), away=0.0),
    "norm:p3": _unary(lambda a: a.norm(3, _d(a)), away=0.0),
    "norm:p0.5": _unary(lambda a: a.norm(0.5), away=0.0),
    "norm:neg": _unary(lambda a: a.norm(-1.5, _d(a)), away=0.0),
    "norm:inf": _unary(lambda a: a.norm(float("inf"), _d(a))),
    "norm:-inf": _unary(lambda a: a.norm(float("-inf"))),
    "norm:p0": _unary(lambda a: a.norm(0) + a.sum()),
    # -- shape and indexing
    "reshape": _unary(lambda a: a.reshape(-1) if a.ndim != 1 else a.reshape(1, -1)),
    "permute": _unary(lambda a: a.permute(*reversed(range(a.ndim)))),
    "expand": _unary(lambda a: a.unsqueeze(0).expand(3, *[2 if s == 1 else s for s in a.shape])),
    "getitem": _unary(lambda a: a[..., ::2] if a.ndim else a[None]),
    "getitem:ints": _unary(lambda a: a.reshape(-1)[[0, 0, -1]]),
    "getitem:mask": _unary(lambda a: a[a > 0] if a.ndim else a[None], away=0.0),
    "getitem_backward": _unary(lambda a: a._apply(
        GetItemGrad, a, shape=(3,) + a.shape, index=(1, Ellipsis), accumulate=False)),
    "getitem_backward:acc": _unary(lambda a: a._apply(  # repeated rows add up
        GetItemGrad, a.unsqueeze(0).expand(3, *a.shape), shape=(4,) + a.shape,
        index=(np.array([2, 0, 2]), Ellipsis), accumulate=True)),
    "cat": _binary(lambda a, b: ac.cat([a.reshape(-1), b.reshape(-1), a.reshape(-1)])),
    "cat:stack": _unary(lambda a: ac.stack([a, a * 2], dim=-1)),
    "pad": _unary(lambda a: ac.pad(a.reshape(1, -1), (2, -1, 0, 1))),
    "gather": _unary(lambda a: _flat(a).gather(0, _ids([0, -1, 0], a))),
    "scatter_add": _unary(lambda a: _flat(a).scatter_add(0, _ids([0] * a.numel(), a), _flat(a) * 2)),
    "scatter": _binary(lambda a, b: _flat(b).scatter(0, _ids([-1], b), _flat(a)[:1] * 2)),
    "index_put": _unary(lambda a: _flat(a).index_put(_ids([0, 0], a), _flat(a)[-1:] * 3,
                                                     accumulate=True)),
    "index_put:set": _binary(lambda a, b: _flat(b).index_put(_ids([0], b), _flat(a).sum() * 3)),
    # -- tensor ops (issue 15: tensorops)
    "remainder": _binary(lambda a, b: a % (b.abs() + 0.5)),
    "remainder:neg": _binary(lambda a, b: (a * 3) % -(b.abs() + 0.5)),
    "fmod": _binary(lambda a, b: ac.fmod(a * 3, b.abs() + 0.5)),
    "cumsum": _unary(lambda a: a.cumsum(-1)),
    "cumsum:first": _unary(lambda a: a.cumsum(0) * a),
    "cumprod": _unary(lambda a: a.cumprod(-1), away=0.0),
    "cumprod:zeros": _unary(lambda a: a.relu().cumprod(0)),
    "erf": _unary(lambda a: a.erf()),
    "erfc": _unary(lambda a: a.erfc()),
    "erfinv": _unary(lambda a: (a * 0.45).erfinv()),
}


def _flat(a):
    return a.reshape(-1)


def _ids(idx, a):
    """int64 indices into ``a`` flattened (negative ones counted from the end)."""
    return ac.tensor(np.array(idx, dtype=np.int64) % a.numel())


def _d(a):
    """A dim every drawn shape has: the last, or None (all) for 0-d."""
    return -1 if a.ndim else None


def _last(a):
    return a.ndim - 1 if a.ndim else 0


def _op(name):
    return name.split(":")[0]  # "sum:keepdim" exercises the op "sum"


# ops whose two interpreters are compared by a dedicated test below rather than through CASES
DEDICATED = {"matmul", "linear", "cross_entropy", "batch_norm", "dropout",
             "dropout_backward", "cross_entropy_backward", "cross_entropy_target_backward",
             "batch_norm_backward"}


# differentiable primitives whose backward needs no rule of its own to compare: their
# gradient is the incoming one (a view or copy) or they have no differentiable input
PASS_THROUGH = set()


def test_every_differentiable_primitive_is_covered_here():
    """Generated from the registry: a new primitive without a case here fails."""
    ops = {n for n, c in ac.OPS.items() if c.differentiable}
    missing = sorted(ops - {_op(n) for n in CASES} - DEDICATED - PASS_THROUGH)
    assert not missing, f"differentiable primitives with no two-interpreter test: {missing}"
    for name in set(CASES) | DEDICATED:
        assert _op(name) in ac.OPS, name


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_case_routes_through_its_op(name):
    a = ac.tensor(np.array([[0.7, -1.3, 1.9], [-0.4, 1.1, -1.6]]), requires_grad=True)
    b = ac.tensor(np.array([0.5, -0.9, 1.2]), requires_grad=True)
    out = CASES[name]["fn"](*[a, b][: CASES[name]["arity"]])
    seen, stack = set(), [out.grad_fn]
    while stack:
        n = stack.pop()
        if n is not None and n not in seen:
            seen.add(n)
            stack += [e[0] for e in n.edges if e is not None]
    assert _op(name) in {n.op_name for n in seen}


def _both_paths(fn, xs, dtype):
    """Gradients of fn(*xs) by the array path and by the Tensor path."""
    out = fn(*xs)
    rng = np.random.default_rng(1)
    seed = ac.tensor(rng.uniform(-1, 1, out.shape).astype(dtype))
    fast = ac.grad(out, xs, seed, retain_graph=True)
    slow = ac.grad(out, xs, seed, create_graph=True)
    return fast, slow


def _check_same(fast, slow, xs):
    for f, s, x in zip(fast, slow, xs):
        assert type(f._data) is np.ndarray and type(s._data) is np.ndarray
        assert f.shape == x.shape and f.dtype == x.dtype
        assert s.shape == x.shape and s.dtype == x.dtype
        # the same ufuncs in the same order: equal, not just close
        np.testing.assert_array_equal(f.numpy(), s.numpy())


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@settings(max_examples=25, deadline=None)
@given(pair=broadcast_pairs(), seed=seeds, layout=layouts)
def test_array_path_equals_tensor_path(name, dtype, pair, seed, layout):
    case = CASES[name]
    shapes = pair[: case["arity"]]
    xs = []
    for k, shape in enumerate(shapes):
        a = array(shape, seed + k, case["low"], case["high"], away_from=case["away"])
        x = leaf(a, layout)
        xs.append(ac.from_numpy(x.numpy().astype(dtype)).requires_grad_()
                  if dtype != np.float64 else x)
    fast, slow = _both_paths(case["fn"], xs, dtype)
    _check_same(fast, slow, xs)


@pytest.mark.parametrize("name", sorted(CASES))
@settings(max_examples=25, deadline=None)
@given(pair=broadcast_pairs(), seed=seeds, layout=layouts)
def test_array_path_gradcheck(name, pair, seed, layout):
    case = CASES[name]
    if name == "cast":  # a float32 round trip cannot pass a 1e-6 finite difference
        return
    xs = [leaf(array(s, seed + k, case["low"], case["high"], away_from=case["away"]), layout)
          for k, s in enumerate(pair[: case["arity"]])]
    assert gradcheck(case["fn"], xs)


SPECIAL = [0.0, -0.0, 1.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 1e30, -1e-30, 3e4, -2.5]
# forward rejects these inputs (BCE needs probabilities, ints index 3 entries, a max
# over an empty dim has no value), so there is no backward to compare
NO_SPECIAL = {"binary_cross_entropy"}
NO_EMPTY = {"getitem:ints", "amax", "amax:keepdim", "amax:all", "amin", "max", "min",
            "norm:inf", "norm:-inf", "gather", "scatter", "index_put", "index_put:set"}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(12,), (2, 6), (0, 3)])
def test_array_path_equals_tensor_path_on_special_values(name, dtype, shape):
    """NaN, +-inf, signed zeros, ties, huge and tiny values, empty tensors: the array
    path gives what the Tensor path gives (warnings aside: both may warn)."""
    case = CASES[name]
    if name in (NO_SPECIAL if shape[0] else NO_EMPTY):
        return
    vals = np.array(SPECIAL, dtype)
    if shape == (2, 6):
        vals = vals.reshape(6, 2).T  # non-contiguous
    elif shape == (0, 3):
        vals = np.zeros(shape, dtype)
    xs = [ac.from_numpy(vals).requires_grad_(),
          ac.from_numpy(np.ascontiguousarray(vals[..., ::-1])).requires_grad_()]
    xs = xs[: case["arity"]]
    with np.errstate(all="ignore"):
        fast, slow = _both_paths(case["fn"], xs, dtype)
    _check_same(fast, slow, xs)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("act", ["relu", "sigmoid", "tanh", "leaky_relu", "elu", "softplus",
                                 "softmax", "log_softmax", "abs", "sqrt"])
def test_fused_kernels_take_the_read_only_broadcast_gradient_of_sum(act, dtype):
    # sum's backward on arrays hands on a zero-stride, read-only view (Expand's): the
    # next backward must read it, never write into it, and match the Tensor path
    x = ac.tensor(np.random.default_rng(0).uniform(0.1, 2, (4, 5)).astype(dtype),
                  requires_grad=True)
    fn = {"softmax": lambda t: t.softmax(1), "log_softmax": lambda t: t.log_softmax(0)}.get(
        act, lambda t: getattr(t, act)())
    y = fn(x).sum(0, keepdim=True).sum()
    (fast,) = ac.grad(y, [x], retain_graph=True)
    (slow,) = ac.grad(y, [x], create_graph=True)
    np.testing.assert_array_equal(fast.numpy(), slow.numpy())
    fast._data += 1  # a gradient handed out is a writable array of its own


def test_tied_extremes_and_nan_share_the_gradient():
    x = ac.tensor(np.array([[1.0, 3.0, 3.0], [np.nan, 2.0, np.nan]]), requires_grad=True)
    x.amax(dim=1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 0.5, 0.5], [0.5, 0, 0.5]])
    y = ac.tensor(np.array([2.0, 5.0, 5.0]), requires_grad=True)
    z = ac.tensor(np.array([2.0, 1.0, 7.0]), requires_grad=True)
    y.maximum(z).sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [0.5, 1, 0])
    np.testing.assert_array_equal(z.grad.numpy(), [0.5, 0, 1])


def test_prod_with_zeros_and_pow_at_zero_on_the_array_path():
    x = ac.tensor(np.array([[2.0, 0.0, 3.0], [0.0, 0.0, 4.0], [1.0, 2.0, 3.0]]),
                  requires_grad=True)
    x.prod(dim=1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 6, 0], [0, 0, 0], [6, 3, 2]])
    assert gradcheck(lambda t: t.prod(dim=1), [x])
    a = ac.tensor(np.array([0.0, 2.0, 0.0]), requires_grad=True)
    b = ac.tensor(np.array([2.0, 3.0, 0.5]), requires_grad=True)
    with np.errstate(all="raise"):  # 0 ** b and log(0) are handled, not warned about
        (a ** b).sum().backward()
    np.testing.assert_array_equal(b.grad.numpy(), [0.0, 8 * np.log(2.0), 0.0])
    np.testing.assert_array_equal(a.grad.numpy(), [0.0, 12.0, np.inf])


def test_reductions_and_shapes_against_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    x0 = rng.standard_normal((3, 4, 5)).astype(np.float32)

    def run(lib, x):
        a = x.permute(2, 0, 1).reshape(5, 12)[:, ::2]
        b = a.abs().sqrt() + (a * 3).logsumexp(1, keepdim=True) + a.amax(0)
        c = b.clamp(-1.0, 2.5).softmax(1) * a.norm(dim=1, keepdim=True)
        d = lib.where(a > 0, c.log_softmax(0), a.sin() ** 2)
        return (d.sum(0) * a.max(1).values.mean() + a.prod(1).sum()).sum()

    x = ac.tensor(x0, requires_grad=True)
    run(ac, x).backward()
    tx = torch.tensor(x0, requires_grad=True)
    run(torch, tx).backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=2e-4, atol=1e-5)


MATMUL_SHAPES = [((4,), (4,)), ((4,), (4, 3)), ((2, 4), (4,)), ((2, 4), (4, 3)),
                 ((5, 2, 4), (4, 3)), ((2, 4), (5, 4, 3)), ((1, 2, 4), (3, 4, 1)),
                 ((4,), (2, 4, 3)), ((2, 3, 4), (4,))]


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matmul_array_path(sa, sb, dtype):
    rng = np.random.default_rng(0)
    a = ac.tensor(rng.standard_normal(sa).astype(dtype), requires_grad=True)
    b = ac.tensor(rng.standard_normal(sb).astype(dtype), requires_grad=True)
    fast, slow = _both_paths(lambda a, b: a @ b, [a, b], dtype)
    _check_same(fast, slow, [a, b])
    if dtype == np.float64:
        assert gradcheck(lambda a, b: a @ b, [a, b])


@pytest.mark.parametrize("sx", [(4,), (3, 4), (2, 3, 4)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_array_path(sx, bias):
    rng = np.random.default_rng(0)
    x = ac.tensor(rng.standard_normal(sx), requires_grad=True)
    w = ac.tensor(rng.standard_normal((5, 4)), requires_grad=True)
    b = ac.tensor(rng.standard_normal(5), requires_grad=True)
    ins = [x, w, b] if bias else [x, w]

    def fn(*ins):
        return ins[0]._linear(*ins[1:])

    fast, slow = _both_paths(fn, ins, np.float64)
    _check_same(fast, slow, ins)  # one rule: the same products on both paths
    assert gradcheck(fn, ins)


# -- fused nn primitives and their fused-backward primitives: one rule each, so the array
# walk and the recorded walk give the same bits, at first order (cross_entropy, batch_norm,
# dropout) and at second order (their *_backward primitives' own rules).

def _view_leaf(a, layout):
    """A leaf requiring grad holding ``a``'s values contiguously, as a transposed view,
    or as a strided slice of a larger array."""
    if layout == "transposed" and a.ndim >= 2:
        a = np.ascontiguousarray(np.swapaxes(a, -1, -2)).swapaxes(-1, -2)
    elif layout == "sliced":
        big = np.zeros(a.shape[:-1] + (2 * a.shape[-1],), a.dtype)
        big[..., ::2] = a
        a = big[..., ::2]
    return ac.from_numpy(a).requires_grad_()


def _nn_case(name, dtype, layout):
    """(function of the differentiable inputs, those inputs) for one fused nn op."""
    from autograd_core.ops.nnops import BatchNormTrain, Dropout, SoftmaxCrossEntropy
    rng = np.random.default_rng(5)

    def inp(shape):
        return _view_leaf(rng.uniform(-2, 2, shape).astype(dtype), layout)

    if name.startswith("cross_entropy"):
        z = inp((5, 4, 2) if name.endswith("3d") else (5, 4))
        if name.startswith("cross_entropy_prob"):
            q = rng.dirichlet(np.ones(4), size=z.numel() // 4).astype(dtype)
            if z.ndim == 3:
                q = np.moveaxis(q.reshape(5, 2, 4), -1, 1)
            q = _view_leaf(np.ascontiguousarray(q), layout)
            kw = {"label_smoothing": 0.1, "weight": np.array([1.0, 2.0, 0.5, 3.0])}
            if name.endswith("none_3d"):
                kw["reduction"] = "none"
            return (lambda z, q: z._apply(SoftmaxCrossEntropy, z, q, **kw)), [z, q]
        t = ac.tensor(rng.integers(0, 4, (5, 2) if z.ndim == 3 else 5))
        extra = {"cross_entropy": {},
                 "cross_entropy_none": {"reduction": "none", "ignore_index": 1},
                 "cross_entropy_smooth": {"label_smoothing": 0.2, "reduction": "sum",
                                          "weight": np.array([1.0, 2.0, 0.5, 3.0])},
                 "cross_entropy_mean_3d": {"label_smoothing": 0.3, "ignore_index": 2,
                                           "weight": np.array([1.0, 2.0, 0.5, 3.0])}}[name]
        return (lambda z: z._apply(SoftmaxCrossEntropy, z, t, **extra)), [z]
    if name.startswith("batch_norm"):
        x = inp((6, 3, 4) if name.endswith("3d") else (6, 3))
        if "plain" in name:
            return (lambda x: x._apply(BatchNormTrain, x, eps=1e-5)[0]), [x]
        w = _view_leaf(rng.uniform(0.5, 2, 3).astype(dtype), layout)
        b = _view_leaf(rng.uniform(-1, 1, 3).astype(dtype), layout)
        return (lambda x, w, b: x._apply(BatchNormTrain, x, w, b, eps=1e-5)[0]), [x, w, b]
    return (lambda x: x._apply(Dropout, x, p=0.4, seed=11)), [inp((3, 8))]


NN_CASES = ["cross_entropy", "cross_entropy_none", "cross_entropy_smooth",
            "cross_entropy_mean_3d", "cross_entropy_prob", "cross_entropy_prob_none_3d",
            "batch_norm", "batch_norm_3d", "batch_norm_plain", "batch_norm_plain_3d",
            "dropout"]
# the fused-backward primitive each case's first backward records
NN_BACKWARD = {"cross_entropy": {"cross_entropy_backward"},
               "cross_entropy_prob": {"cross_entropy_backward",
                                      "cross_entropy_target_backward"},
               "batch_norm": {"batch_norm_backward"}, "dropout": {"dropout_backward"}}


def _nn_backward_ops(name):
    kind = "cross_entropy_prob" if name.startswith("cross_entropy_prob") else \
        name.split("_")[0] if name == "dropout" else \
        "cross_entropy" if name.startswith("cross") else "batch_norm"
    return NN_BACKWARD[kind]


def _second_order(fn, xs, v):
    """A scalar made of fn's first-order gradients for the incoming gradient ``v`` (a
    leaf too), recorded: its backward runs the fused-backward primitives' own rules."""
    grads = ac.grad(fn(*xs), xs, v, create_graph=True)
    total = None
    for k, g in enumerate(grads):
        r = ac.tensor(np.random.default_rng(10 + k).uniform(-1, 1, g.shape).astype(g.dtype))
        term = (g * r).sum()
        total = term if total is None else total + term
    return total


def _ops_in(t):
    seen, stack = set(), [t.grad_fn]
    while stack:
        n = stack.pop()
        if n is not None and n not in seen:
            seen.add(n)
            stack += [e[0] for e in n.edges if e is not None]
    return {n.op_name for n in seen}


@pytest.mark.parametrize("name", NN_CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layout", ["contiguous", "transposed", "sliced"])
def test_nn_array_path_equals_fused_tensor_backward(name, dtype, layout):
    fn, xs = _nn_case(name, dtype, layout)
    fast, slow = _both_paths(fn, xs, dtype)  # the one fused rule on arrays and recorded
    _check_same(fast, slow, xs)
    if dtype == np.float64:
        assert gradcheck(fn, xs)


@pytest.mark.parametrize("name", NN_CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layout", ["contiguous", "sliced"])
def test_nn_fused_backward_primitives_on_both_interpreters(name, dtype, layout):
    fn, xs = _nn_case(name, dtype, layout)
    shape = fn(*xs).shape
    v = ac.tensor(np.random.default_rng(4).uniform(-1, 1, shape).astype(dtype),
                  requires_grad=True)
    out = _second_order(fn, xs, v)
    assert _nn_backward_ops(name) <= _ops_in(out)
    ins = xs + [v]
    # some inputs drop out at second order (batch norm's bias): allow_unused
    fast = ac.grad(out, ins, retain_graph=True, allow_unused=True)
    slow = ac.grad(out, ins, create_graph=True, allow_unused=True)
    assert fast[-1] is not None
    for f, s, x in zip(fast, slow, ins):
        assert (f is None) == (s is None)
        if f is not None:
            assert f.shape == x.shape and f.dtype == x.dtype
            np.testing.assert_array_equal(f.numpy(), s.numpy())


def test_dropout_backward_on_both_interpreters_and_double_backward():
    from autograd_core.ops.nnops import Dropout
    x = ac.tensor(np.arange(1.0, 13.0).reshape(3, 4), requires_grad=True)
    y = x._apply(Dropout, x, p=0.5, seed=3)
    v = ac.tensor(np.ones((3, 4)), requires_grad=True)
    (g,) = ac.grad(y, [x], v, create_graph=True)  # g = dropout_backward(v)
    assert g.grad_fn is not None and g.grad_fn.op_name == "dropout_backward"
    seed = np.arange(12.0).reshape(4, 3).T  # non-contiguous (3, 4)
    (fast,) = ac.grad(g, [v], ac.tensor(seed), retain_graph=True)  # its rule on arrays
    (slow,) = ac.grad(g, [v], ac.tensor(seed), create_graph=True)  # ... recorded
    np.testing.assert_array_equal(fast.numpy(), slow.numpy())
    mask = y.numpy() != 0
    np.testing.assert_array_equal(fast.numpy(), np.where(mask, seed * 2.0, 0.0))


def test_dropout_key_array_is_read_when_the_kernel_runs():
    from autograd_core.ops.nnops import Dropout
    x = ac.tensor(np.ones(64))
    key = np.array([12345], dtype=np.uint64)
    a = x._apply(Dropout, x, p=0.5, seed=key).numpy()
    np.testing.assert_array_equal(a, x._apply(Dropout, x, p=0.5, seed=12345).numpy())
    key[0] = 777  # the same array, updated in place: the next call sees the new key
    b = x._apply(Dropout, x, p=0.5, seed=key).numpy()
    np.testing.assert_array_equal(b, x._apply(Dropout, x, p=0.5, seed=777).numpy())
    assert (a != b).any()


def test_array_path_against_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    a0 = rng.uniform(0.5, 2, (3, 1)).astype(np.float32)
    b0 = rng.uniform(0.5, 2, (4,)).astype(np.float32)
    m0 = rng.standard_normal((4, 2)).astype(np.float32)

    def run(lib, a, b, m):
        y = ((a * b + 1.5) / b - a).tanh().sigmoid().exp().log().relu()
        return ((2.0 / (y + 1)) @ m).sum()

    a, b, m = (ac.tensor(v, requires_grad=True) for v in (a0, b0, m0))
    run(ac, a, b, m).backward()
    ta, tb, tm = (torch.tensor(v, requires_grad=True) for v in (a0, b0, m0))
    run(torch, ta, tb, tm).backward()
    for ours, theirs in ((a, ta), (b, tb), (m, tm)):
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=2e-5, atol=1e-6)


def test_zero_dim_gradients_are_arrays_not_numpy_scalars():
    x = ac.tensor(np.float64(1.5), requires_grad=True)
    c = ac.tensor(np.float64(2.0))
    y = (x * c + x * x).tanh()
    y.backward()
    assert type(x.grad._data) is np.ndarray and x.grad.shape == ()
    expected = (1 - np.tanh(1.5 * 2 + 1.5 ** 2) ** 2) * (2 + 2 * 1.5)
    np.testing.assert_allclose(x.grad.item(), expected, rtol=1e-12)
    x.grad._data += 1  # a real, writable array


def test_special_values_flow_through_the_array_path():
    x = ac.tensor(np.array([0.0, np.inf, -np.inf, np.nan, 1e30], np.float32), requires_grad=True)
    with np.errstate(divide="raise", invalid="raise"):  # 1/0 and 0/0 are the answer: silent
        (1.0 / x).backward(ac.ones(5))
    g = x.grad.numpy()
    assert np.isneginf(g[0]) and g[1] == 0 and g[2] == 0 and np.isnan(g[3])


def test_large_inputs_tanh_sigmoid_stay_finite():
    x = ac.tensor(np.array([-1e4, -50, 0, 50, 1e4], np.float32), requires_grad=True)
    (x.tanh() + x.sigmoid()).backward(ac.ones(5))
    assert np.isfinite(x.grad.numpy()).all()
    np.testing.assert_allclose(x.grad.numpy()[2], 1.25, rtol=1e-6)


def test_empty_tensors():
    x = ac.tensor(np.zeros((0, 3), np.float32), requires_grad=True)
    b = ac.tensor(np.ones(3, np.float32), requires_grad=True)
    (x * b + 1).tanh().backward(ac.zeros((0, 3)))
    assert x.grad.shape == (0, 3)
    np.testing.assert_array_equal(b.grad.numpy(), np.zeros(3, np.float32))


# -- engine behaviour on the array path ---------------------------------------------

def test_hooks_see_tensors_and_can_replace_the_gradient():
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    seen = []
    y.register_hook(lambda g: (seen.append(type(g).__name__), g * 10)[1])
    x.register_hook(lambda g: seen.append(("leaf", g.numpy().tolist())))
    (y + 1).sum().backward()
    assert seen == ["Tensor", ("leaf", [30.0, 30.0])]
    np.testing.assert_array_equal(x.grad.numpy(), [30.0, 30.0])


def test_retain_grad_does_not_alias_a_leaf_grad():
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    y = x + 0.0  # add_scalar passes the gradient array through unchanged
    y.retain_grad()
    y.sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [1.0, 1.0])
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0])
    x.grad._data += 5
    np.testing.assert_array_equal(y.grad.numpy(), [1.0, 1.0])


def test_pass_through_gradients_do_not_alias_the_seed_or_each_other():
    a = ac.tensor([1.0, 2.0], requires_grad=True)
    b = ac.tensor([3.0, 4.0], requires_grad=True)
    seed = ac.tensor([1.0, 1.0])
    (a + b).backward(seed)  # Add returns (g, g): the same array twice
    a.grad._data += 1
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 1.0])
    np.testing.assert_array_equal(seed.numpy(), [1.0, 1.0])


def test_accumulation_across_calls_and_fan_out():
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    for _ in range(2):
        y = x * x
        (y + y * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), 2 * 3 * 2 * np.array([1.0, 2.0]))


def test_version_counter_is_checked_by_saved_arrays():
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    c = ac.tensor([3.0, 4.0])
    z = (x * c).tanh()
    c.mul_(2)  # mul saved c
    with pytest.raises(RuntimeError, match="modified by an inplace operation.*saved by mul"):
        z.sum().backward()


def test_second_backward_through_freed_graph_names_the_op():
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_anomaly_mode_names_the_op_on_the_array_path():
    x = ac.tensor([0.0, 1.0], requires_grad=True)
    with ac.detect_anomaly():
        y = x.log()
        with pytest.raises(ac.AnomalyError if hasattr(ac, "AnomalyError") else RuntimeError,
                           match="log"):
            y.sum().backward()


def test_grad_captures_intermediates_on_the_array_path():
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    y = (h * h).sum()
    gh, gx = ac.grad(y, [h, x])
    np.testing.assert_array_equal(gh.numpy(), [4.0, 8.0])
    np.testing.assert_array_equal(gx.numpy(), [8.0, 16.0])
    assert x.grad is None


def test_custom_function_gets_tensors_on_the_array_path():
    class Twice(ac.Function):
        def forward(self, a):
            return a * 2

        def backward(self, g):
            assert type(g).__name__ == "Tensor"
            return g * 2

    x = ac.tensor(np.array([1.0, 2.0]), requires_grad=True)
    (Twice.apply(x).tanh() * 3).sum().backward()
    expected = 3 * (1 - np.tanh(2 * np.array([1.0, 2.0])) ** 2) * 2
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-12)


@pytest.mark.parametrize("n", [3000])
def test_deep_chain_frees_its_graph(n):
    import gc
    import weakref
    x = ac.tensor(np.ones(4, np.float32), requires_grad=True)
    c = ac.tensor(np.full(4, 0.999, np.float32))
    y = x
    for _ in range(n):
        y = (y * c).tanh()
    node = weakref.ref(y.grad_fn)
    y.backward(ac.ones(4))
    del y
    gc.collect()
    assert node() is None
    assert np.isfinite(x.grad.numpy()).all()


def test_multi_output_node_on_the_array_path():
    x = ac.tensor(np.array([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]]), requires_grad=True)
    values, idx = x.max(dim=1)  # two outputs; the indices carry no gradient
    (values * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 2, 0], [0, 0, 2]])
    assert values.grad_fn.n_outputs == 2 and len(values.grad_fn.output_meta) == 2


def test_several_roots_on_one_node_accumulate():
    x = ac.tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = x * 3
    ac.backward([y, y], [ac.ones(2), ac.tensor(np.array([2.0, 2.0]))])
    np.testing.assert_array_equal(x.grad.numpy(), [9.0, 9.0])


def test_broadcast_gradients_are_reduced_on_the_array_path():
    x = ac.tensor(np.ones((3, 1), np.float32), requires_grad=True)
    b = ac.tensor(np.arange(4, dtype=np.float64), requires_grad=True)
    y = x * b  # float32 (3, 1) * float64 (4,) -> float64 (3, 4)
    y.backward(ac.ones((3, 4), dtype=np.float64))
    assert x.grad.shape == (3, 1) and x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.numpy(), np.full((3, 1), 6.0, np.float32))
    assert b.grad.shape == (4,) and b.grad.dtype == np.float64
    np.testing.assert_array_equal(b.grad.numpy(), np.full(4, 3.0))


def test_wrong_gradient_shape_from_a_custom_backward_names_the_op():
    class Bad(ac.Function):
        def forward(self, a):
            return a * 1

        def backward(self, g):
            return ac.tensor(np.ones(7))

    x = ac.tensor(np.ones(3), requires_grad=True)
    with pytest.raises(RuntimeError, match="backward of Bad: gradient for input 0 has shape"):
        Bad.apply(x).sum().backward()


def test_node_records_describe_inputs_and_outputs():
    x = ac.tensor(np.ones((2, 3), np.float32), requires_grad=True)
    c = ac.tensor(np.ones(3, np.float64))
    same = (x * x).grad_fn
    assert same.input_meta == (((2, 3), np.float32), ((2, 3), np.float32))
    assert same.output_meta == (((2, 3), np.float32),)
    mixed = (x * c).grad_fn
    assert mixed.input_meta == (((2, 3), np.float32), ((3,), np.float64))
    assert mixed.output_meta == (((2, 3), np.float64),)


def test_shape_records_cache_is_bounded():
    import importlib
    T = importlib.import_module("autograd_core.function")
    c = ac.tensor(np.ones(1), requires_grad=True)
    for n in range(1, 40):  # broadcasting ops intern one record per new signature
        (ac.tensor(np.ones((n, 1)), requires_grad=True) * c).sum()
    assert 0 < len(T._META) <= T._META_MAX


def test_saved_values_resolved_on_the_fast_paths():
    x = ac.tensor(np.array([0.5, -1.5]), requires_grad=True)
    sq = x * x  # both inputs are the same tensor
    th = x.tanh()  # saves its output
    lg = (x * x).log()  # saves its input
    assert [kind for _, kind, _ in th.grad_fn.saved] == ["output"]
    assert [(kind, k) for _, kind, k in sq.grad_fn.saved] == [("input", 0), ("input", 1)]
    assert all(a is x.numpy() for a, _, _ in sq.grad_fn.saved)
    (sq + th + lg).sum().backward()
    expected = 2 * x.numpy() + (1 - np.tanh(x.numpy()) ** 2) + 2 / x.numpy()
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-12)
    assert sq.grad_fn.saved is None and sq.grad_fn.released
