"""nn.summary: rows per module call, output shapes, parameter counts and totals, no side effects."""
import re

import numpy as np
import pytest

import autograd_core as ac
import nn


def _mlp():
    return nn.Sequential(nn.Linear(64, 128), nn.BatchNorm1d(128), nn.ReLU(), nn.Dropout(0.2),
                         nn.Linear(128, 10))


def _row(text, start):
    line = next(l for l in text.splitlines() if l.strip().startswith(start))
    return line.split()


def test_rows_shapes_and_counts():
    text = nn.summary(_mlp(), (4, 64))
    assert _row(text, "0 (Linear)")[-3:] == ["(4,", "128)", "8,320"]
    assert _row(text, "1 (BatchNorm1d)")[-1] == "256"
    assert _row(text, "2 (ReLU)")[-1] == "0"
    assert _row(text, "4 (Linear)")[-3:] == ["(4,", "10)", "1,290"]
    assert "Total params: 9,866" in text
    assert "Trainable params: 9,866" in text
    assert "Non-trainable params: 0" in text
    assert "Buffer elements: 257" in text  # running mean, var (128 each), num_batches_tracked
    assert "Input shape: (4, 64) float32" in text


def test_frozen_parameters_are_non_trainable_and_column_adds_up():
    model = _mlp()
    model[0].requires_grad_(False)
    text = nn.summary(model, (2, 64), dtype=ac.float64)
    assert "Trainable params: 1,546" in text and "Non-trainable params: 8,320" in text
    counts = [int(m.group(1).replace(",", "")) for m in
              re.finditer(r"\)\s+([\d,]+)$", text, re.M)]
    assert sum(counts) == 9_866
    assert "float64" in text


def test_nested_modules_and_shared_module():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(3, 5), nn.Tanh())
            self.head = nn.Linear(5, 5)

        def forward(self, x):
            return self.head(self.head(self.body(x)))  # head called twice

    text = nn.summary(Net(), (1, 3))
    lines = text.splitlines()
    body = next(l for l in lines if "body (Sequential)" in l)
    inner = next(l for l in lines if "body.0 (Linear)" in l)
    assert len(inner) - len(inner.lstrip()) > len(body) - len(body.lstrip())  # indented
    heads = [l for l in lines if "head (Linear)" in l]
    assert len(heads) == 2 and heads[0].split()[-1] == "30" and heads[1].split()[-1] == "--"
    assert "Total params: 50" in text


def test_no_side_effects_and_print_fn():
    model = _mlp()
    model.train()
    bn = model[1]
    before = bn.running_mean.numpy().copy()
    state = ac.random.default_generator().bit_generator.state
    printed = []
    text = nn.summary(model, (8, 64), print_fn=printed.append)
    assert printed == [text]
    assert model.training and bn.training
    np.testing.assert_array_equal(bn.running_mean.numpy(), before)
    assert ac.random.default_generator().bit_generator.state == state


def test_errors():
    with pytest.raises(TypeError, match="nn.Module"):
        nn.summary(lambda x: x, (1, 3))
    with pytest.raises(ValueError, match="positive ints"):
        nn.summary(_mlp(), (0, 64))
    with pytest.raises(RuntimeError, match=r"forward pass of Sequential failed.*\(1, 63\)"):
        nn.summary(_mlp(), (1, 63))
