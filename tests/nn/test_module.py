"""Module: registration on attribute assignment, traversal order, modes, grads, dtype
conversion, hooks, repr; Parameter; containers."""
import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest

import autograd_core as ac
import nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.scale = nn.Parameter(ac.ones(4))
        self.register_buffer("count", ac.zeros(1))
        self.register_buffer("cache", ac.zeros(2), persistent=False)
        self.act = nn.ReLU()

    def forward(self, x):
        return self.act(self.fc(x)) * self.scale


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()
        self.head = nn.Linear(4, 2, bias=False)
        self.plain = 3  # not registered

    def forward(self, x):
        return self.head(self.block(x))


def test_registration_order_and_names():
    net = Net()
    assert [n for n, _ in net.named_parameters()] == [
        "block.scale", "block.fc.weight", "block.fc.bias", "head.weight"]
    assert [n for n, _ in net.named_buffers()] == ["block.count", "block.cache"]
    assert [n for n, _ in net.named_children()] == ["block", "head"]
    assert [n for n, _ in net.named_modules()] == ["", "block", "block.fc", "block.act", "head"]
    assert len(list(net.parameters(recurse=False))) == 0
    assert [n for n, _ in net.block.named_parameters(recurse=False)] == ["scale"]
    assert net.plain == 3 and "plain" not in dict(net.named_parameters())
    assert list(net.block.children()) == [net.block.fc, net.block.act]
    assert net.get_submodule("block.fc") is net.block.fc
    assert net.get_parameter("block.fc.bias") is net.block.fc.bias
    assert net.get_buffer("block.count") is net.block.count


def test_reassign_and_delete():
    net = Net()
    net.head = nn.Linear(4, 5)
    assert net.get_parameter("head.weight").shape == (5, 4)
    net.block.scale = None
    assert "block.scale" not in dict(net.named_parameters())
    with pytest.raises(TypeError, match="parameter 'scale'"):
        net.block.scale = ac.ones(4)
    del net.head
    assert [n for n, _ in net.named_children()] == ["block"]
    with pytest.raises(AttributeError, match="has no attribute 'head'"):
        net.head
    with pytest.raises(KeyError, match="buffer name"):
        net.register_buffer("a.b", ac.zeros(1))
    with pytest.raises(TypeError, match="nn.Parameter or None required"):
        net.register_parameter("w", ac.ones(2))


def test_assignment_before_init_fails():
    class Bad(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(ac.ones(1))
            super().__init__()

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Bad()


def test_shared_parameter_listed_once():
    a = nn.Linear(2, 2)
    seq = nn.Sequential(a, nn.ReLU(), a)
    assert len(list(seq.parameters())) == 2
    assert [n for n, _ in seq.named_modules()] == ["", "0", "1"]
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_train_eval_recurse():
    net = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout(), nn.BatchNorm1d(2)))
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net[1].train()
    assert net[1][0].training and not net[0].training and not net.training
    with pytest.raises(ValueError):
        net.train("yes")

    class AlwaysEval(nn.Module):  # an overridden train() is honoured when recursing
        def train(self, mode=True):
            return super().train(False)

    outer = nn.Sequential(AlwaysEval(), nn.Dropout())
    outer.train()
    assert outer.training and outer[1].training and not outer[0].training


def test_zero_grad_and_requires_grad_():
    net = Net()
    out = net(ac.randn(5, 3)).sum()
    out.backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.numpy().any() for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())


def test_apply_and_to_dtype():
    net = Net()
    seen = []
    assert net.apply(lambda m: seen.append(type(m).__name__)) is net
    assert seen == ["Linear", "ReLU", "Block", "Linear", "Net"]
    params = list(net.parameters())
    net.double()
    assert all(p.dtype == np.float64 for p in net.parameters())
    assert list(net.parameters())[0] is params[0]  # same objects: optimizers keep working
    assert net.block.count.dtype == np.float64
    net.to(ac.float32)
    assert all(p.dtype == np.float32 for p in net.parameters())
    net.to("float64")
    assert net(ac.randn(2, 3, dtype=ac.float64)).dtype == np.float64
    bn = nn.BatchNorm1d(3).double()
    assert bn.num_batches_tracked.dtype == np.int64
    with pytest.raises(TypeError):
        net.to(ac.int64)


def test_hooks():
    lin = nn.Linear(2, 2)
    calls = []
    h1 = lin.register_forward_pre_hook(lambda m, args: calls.append("pre"))
    h2 = lin.register_forward_hook(lambda m, args, out: out * 0)
    y = lin(ac.ones(1, 2))
    assert calls == ["pre"] and not y.numpy().any()
    h1.remove()
    h2.remove()
    assert lin(ac.ones(1, 2)).numpy().any() and calls == ["pre"]


def test_repr_nested():
    net = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.ReLU(), nn.Dropout(0.1)), nn.Maxout(3, 2, 4))
    assert repr(net) == (
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=3, bias=True)\n"
        "  (1): Sequential(\n"
        "    (0): ReLU()\n"
        "    (1): Dropout(p=0.1, inplace=False)\n"
        "  )\n"
        "  (2): Maxout(\n"
        "    in_features=3, out_features=2, pieces=4\n"
        "    (linear): Linear(in_features=3, out_features=8, bias=True)\n"
        "  )\n"
        ")"
    )


def test_forward_missing():
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(1)


def test_parameter():
    arr = np.ones(3, dtype=np.float32)
    p = nn.Parameter(arr)
    assert p.requires_grad and p.is_leaf and isinstance(p, ac.Tensor)
    assert p.numpy() is arr  # shares memory, as PyTorch
    assert repr(p).startswith("Parameter containing:\ntensor(")
    assert type(p * 2) is ac.Tensor
    assert not nn.Parameter(ac.ones(2), requires_grad=False).requires_grad
    q = copy.deepcopy(p)
    assert isinstance(q, nn.Parameter) and q.numpy() is not arr
    r = pickle.loads(pickle.dumps(p))
    assert isinstance(r, nn.Parameter) and r.requires_grad


def test_deepcopy_module():
    net = Net()
    twin = copy.deepcopy(net)
    x = ac.randn(2, 3)
    np.testing.assert_array_equal(net(x).numpy(), twin(x).numpy())
    twin.head.weight.numpy()[...] = 0
    assert net.head.weight.numpy().any()


def test_sequential():
    a, b, c = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    seq = nn.Sequential(a, b, c)
    assert len(seq) == 3 and seq[0] is a and seq[-1] is c and list(seq) == [a, b, c]
    sub = seq[1:]
    assert isinstance(sub, nn.Sequential) and list(sub) == [b, c]
    x = ac.randn(4, 2)
    np.testing.assert_allclose(seq(x).numpy(), c(b(a(x))).numpy())
    seq.append(nn.Sigmoid())
    assert len(seq) == 4 and list(seq._modules) == ["0", "1", "2", "3"]
    del seq[1]
    assert list(seq._modules) == ["0", "1", "2"] and seq[1] is c
    named = nn.Sequential(OrderedDict([("fc", a), ("act", b)]))
    assert named.fc is a and [n for n, _ in named.named_children()] == ["fc", "act"]
    with pytest.raises(IndexError):
        seq[5]


def test_module_list_and_dict():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(layers) == 3 and len(list(layers.parameters())) == 6
    layers.append(nn.ReLU())
    layers.extend([nn.Tanh()])
    assert isinstance(layers[-1], nn.Tanh) and isinstance(layers[1:3], nn.ModuleList)
    layers.insert(0, nn.Identity())
    assert isinstance(layers[0], nn.Identity) and len(layers) == 6
    with pytest.raises(TypeError):
        layers.extend(nn.ReLU())
    d = nn.ModuleDict({"enc": nn.Linear(2, 3), "dec": nn.Linear(3, 2)})
    d["act"] = nn.ReLU()
    assert list(d.keys()) == ["enc", "dec", "act"] and "enc" in d and len(d) == 3
    assert [n for n, _ in d.named_parameters()] == ["enc.weight", "enc.bias", "dec.weight", "dec.bias"]
    assert isinstance(d.pop("act"), nn.ReLU) and len(d) == 2
