"""detect_anomaly: a NaN/Inf gradient names the op and shows where it was created."""
import numpy as np
import pytest

import autograd_core as ac


class NaNBackward(ac.Function):
    """Identity forward; backward returns NaN in one element."""

    def forward(self, a):
        return a.copy()

    def backward(self, g):
        bad = np.ones(g.shape)
        bad.reshape(-1)[0] = np.nan
        return g * g._make(bad)


class InfBackward(ac.Function):
    def forward(self, a):
        return a.copy()

    def backward(self, g):
        return g * g._make(np.full(g.shape, np.inf))


def leaf(v):
    return ac.tensor(np.asarray(v, dtype=np.float64), requires_grad=True)


def test_nan_in_backward_names_the_op_and_the_forward_line():
    x = leaf([1.0, 2.0])
    with ac.detect_anomaly():
        h = ac.Tensor._apply(NaNBackward, x)  # the line the report must show
        y = (h * 3.0).sum()
        with pytest.raises(ac.AnomalyError) as info:
            y.backward()
    msg = str(info.value)
    assert "NaNBackward" in msg and "nan" in msg
    assert "test_anomaly.py" in msg
    assert "h = ac.Tensor._apply(NaNBackward, x)" in msg
    assert x.grad is None  # stopped before anything reached the leaf


def test_inf_is_reported_too():
    x = leaf([1.0])
    with ac.detect_anomaly():
        y = ac.Tensor._apply(InfBackward, x).sum()
        with pytest.raises(ac.AnomalyError, match="InfBackward.*inf"):
            y.backward()


def test_natural_nan_from_pow_at_zero():
    """d/dx (0 * sqrt(x)) at x = 0 is 0 * inf = NaN inside pow's backward."""
    x = leaf([0.0, 1.0])
    with ac.detect_anomaly(), np.errstate(invalid="ignore", divide="ignore"):
        y = ((x ** 0.5) * 0.0).sum()
        with pytest.raises(ac.AnomalyError) as info:
            y.backward()
    msg = str(info.value)
    assert "pow" in msg and "nan" in msg
    assert "y = ((x ** 0.5) * 0.0).sum()" in msg


def test_outside_the_context_nan_just_propagates():
    x = leaf([1.0, 2.0])
    ac.Tensor._apply(NaNBackward, x).sum().backward()
    assert np.isnan(x.grad.numpy()[0]) and x.grad.numpy()[1] == 1.0
    assert not ac.anomaly.is_anomaly_enabled()


def test_node_created_before_enabling_still_named():
    x = leaf([1.0])
    y = ac.Tensor._apply(NaNBackward, x).sum()
    with ac.detect_anomaly():
        with pytest.raises(ac.AnomalyError, match="(?s)NaNBackward.*created before detect_anomaly"):
            y.backward()


def test_decorator_and_state_restored():
    @ac.detect_anomaly()
    def run():
        assert ac.anomaly.is_anomaly_enabled()
        x = leaf([1.0])
        ac.Tensor._apply(NaNBackward, x).sum().backward()

    with pytest.raises(ac.AnomalyError):
        run()
    assert not ac.anomaly.is_anomaly_enabled()
    with ac.detect_anomaly():
        with ac.detect_anomaly(check_nan=False):
            assert not ac.anomaly.is_anomaly_enabled()
        assert ac.anomaly.is_anomaly_enabled()
    assert not ac.anomaly.is_anomaly_enabled()


def test_finite_gradients_pass_through_unchanged():
    x = leaf([1.0, 2.0])
    with ac.detect_anomaly():
        (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])
