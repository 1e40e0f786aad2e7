"""state_dict / load_state_dict (strict errors list the keys) and nn.save / nn.load
(round trips, optimizer-like nesting, truncated / foreign / tampered files)."""
import io
import os
import zipfile

import numpy as np
import pytest

import autograd_core as ac
import nn


def mlp():
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))


def test_state_dict_keys_and_sharing():
    m = mlp()
    sd = m.state_dict()
    assert list(sd) == ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean",
                        "1.running_var", "1.num_batches_tracked", "3.weight", "3.bias"]
    assert not sd["0.weight"].requires_grad and not isinstance(sd["0.weight"], nn.Parameter)
    assert np.shares_memory(sd["0.weight"].numpy(), m[0].weight.numpy())
    assert m.state_dict(keep_vars=True)["0.weight"] is m[0].weight


def test_non_persistent_buffer_left_out():
    m = nn.Module()
    m.register_buffer("a", ac.zeros(2))
    m.register_buffer("b", ac.zeros(2), persistent=False)
    assert list(m.state_dict()) == ["a"]


def test_load_round_trip_in_place():
    src, dst = mlp(), mlp()
    w = dst[0].weight
    res = dst.load_state_dict(src.state_dict())
    assert res.missing_keys == [] and res.unexpected_keys == []
    assert repr(res) == "<All keys matched successfully>"
    assert dst[0].weight is w  # copied in place
    for (k, a), (_, b) in zip(src.state_dict().items(), dst.state_dict().items()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=k)


def test_strict_errors_list_every_key_and_change_nothing():
    dst = mlp()
    before = {k: v.numpy().copy() for k, v in dst.state_dict().items()}
    sd = mlp().state_dict()
    del sd["3.bias"]
    sd["extra.weight"] = ac.zeros(1)
    sd["0.weight"] = ac.zeros(5, 3)
    with pytest.raises(RuntimeError) as e:
        dst.load_state_dict(sd)
    msg = str(e.value)
    assert "Error(s) in loading state_dict for Sequential" in msg
    assert 'Missing key(s) in state_dict: "3.bias"' in msg
    assert 'Unexpected key(s) in state_dict: "extra.weight"' in msg
    assert "size mismatch for 0.weight: copying a param with shape (5, 3) from checkpoint, " \
           "the shape in current model is (4, 3)" in msg
    for k, v in dst.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), before[k], err_msg=k)


def test_non_strict_returns_keys_but_size_mismatch_still_raises():
    dst = mlp()
    sd = mlp().state_dict()
    del sd["3.bias"]
    sd["extra"] = ac.zeros(1)
    res = dst.load_state_dict(sd, strict=False)
    assert res.missing_keys == ["3.bias"] and res.unexpected_keys == ["extra"]
    np.testing.assert_array_equal(dst[0].weight.numpy(), sd["0.weight"].numpy())
    sd["0.weight"] = ac.zeros(2, 2)
    with pytest.raises(RuntimeError, match="size mismatch for 0.weight"):
        dst.load_state_dict(sd, strict=False)


def test_load_accepts_arrays_and_casts():
    lin = nn.Linear(2, 2)
    lin.load_state_dict({"weight": np.eye(2), "bias": np.zeros(2)})
    assert lin.weight.dtype == np.float32
    np.testing.assert_array_equal(lin.weight.numpy(), np.eye(2))
    with pytest.raises(RuntimeError, match="expected a Tensor or array"):
        lin.load_state_dict({"weight": "x", "bias": np.zeros(2)})


def test_save_load_model_round_trip(tmp_path):
    m = mlp()
    m(ac.randn(5, 3))  # moves the running stats
    path = tmp_path / "model.ckpt"
    nn.save(m.state_dict(), path)
    assert os.listdir(tmp_path) == ["model.ckpt"]  # no temp file left, name kept as given
    sd = nn.load(path)
    assert list(sd) == list(m.state_dict())
    for k, v in m.state_dict().items():
        assert isinstance(sd[k], ac.Tensor) and sd[k].dtype == v.dtype
        np.testing.assert_array_equal(sd[k].numpy(), v.numpy())
    m2 = mlp()
    m2.load_state_dict(sd)
    m.eval(), m2.eval()
    x = ac.randn(4, 3)
    np.testing.assert_array_equal(m(x).numpy(), m2(x).numpy())


def test_save_load_nested_optimizer_like_state(tmp_path):
    obj = {
        "state": {0: {"step": 3, "exp_avg": ac.ones(2, 2), "flag": True},
                  1: {"momentum_buffer": None}},
        "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "params": [0, 1],
                          "name": "main", "eps": float("inf"), "nan": float("nan"),
                          "big": 2**70}],
        "arr": np.arange(6, dtype=np.int32).reshape(2, 3),
        "scalar": np.float32(2.5),
        "p": nn.Parameter(ac.zeros(2)),
        2.5: "float key", None: "none key",
    }
    buf = io.BytesIO()
    nn.save(obj, buf)
    buf.seek(0)
    out = nn.load(buf)
    assert out["state"][0]["step"] == 3 and out["state"][0]["flag"] is True
    assert out["state"][1]["momentum_buffer"] is None
    g = out["param_groups"][0]
    assert g["betas"] == (0.9, 0.999) and isinstance(g["betas"], tuple)
    assert g["params"] == [0, 1] and g["name"] == "main" and g["eps"] == float("inf")
    assert np.isnan(g["nan"]) and g["big"] == 2**70
    assert out["arr"].dtype == np.int32 and out["arr"].shape == (2, 3)
    assert isinstance(out["scalar"], np.float32) and out["scalar"] == 2.5
    assert isinstance(out["p"], nn.Parameter) and out["p"].requires_grad
    assert out[2.5] == "float key" and out[None] == "none key"
    np.testing.assert_array_equal(out["state"][0]["exp_avg"].numpy(), np.ones((2, 2)))


def test_save_refuses_unsupported_objects(tmp_path):
    with pytest.raises(TypeError, match=r"type function at obj\['f'\]"):
        nn.save({"f": lambda: 0}, tmp_path / "x")
    with pytest.raises(TypeError, match="dtype object"):
        nn.save({"a": np.array([None])}, tmp_path / "x")
    assert not os.listdir(tmp_path)


def test_load_truncated_file(tmp_path):
    path = tmp_path / "m.npz"
    nn.save(mlp().state_dict(), path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="m.npz.*not a valid checkpoint"):
        nn.load(path)


def test_load_foreign_files(tmp_path):
    txt = tmp_path / "notes.txt"
    txt.write_text("hello")
    with pytest.raises(ValueError, match="notes.txt"):
        nn.load(txt)
    npy = tmp_path / "a.npy"
    np.save(npy, np.zeros(3))
    with pytest.raises(ValueError, match="a.npy.*bare .npy"):
        nn.load(npy)
    plain = tmp_path / "plain.npz"
    np.savez(plain, x=np.zeros(2))
    with pytest.raises(ValueError, match="plain.npz.*no __structure__"):
        nn.load(plain)
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, __structure__=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match="pickled.npz"):
        nn.load(pickled)
    with pytest.raises(FileNotFoundError):
        nn.load(tmp_path / "missing.npz")


def test_load_tampered_files(tmp_path):
    path = tmp_path / "m.npz"
    nn.save({"w": ac.ones(100)}, path)
    data = bytearray(path.read_bytes())
    i = data.find(np.ones(100, dtype=np.float32).tobytes()[:16])
    data[i + 8] ^= 0xFF  # flip bits inside the array payload: the zip CRC catches it
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="m.npz.*not a valid checkpoint"):
        nn.load(path)
    # a structure pointing at an array that is not there
    bad = tmp_path / "bad.npz"
    np.savez(bad, __structure__=np.array(
        '{"format": "autograd_core.nn.save", "version": 1, "root": {"tensor": "a7"}}'))
    with pytest.raises(ValueError, match="bad.npz.*missing array 'a7'"):
        nn.load(bad)
    wrong = tmp_path / "wrong.npz"
    np.savez(wrong, __structure__=np.array('{"format": "x", "root": 1}'))
    with pytest.raises(ValueError, match="wrong.npz.*format marker"):
        nn.load(wrong)
    junk = tmp_path / "junk.npz"
    np.savez(junk, __structure__=np.array("{not json"))
    with pytest.raises(ValueError, match="junk.npz"):
        nn.load(junk)


def test_save_is_atomic_on_failure(tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    nn.save({"a": ac.ones(2)}, path)
    good = path.read_bytes()

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", boom)
    with pytest.raises(OSError, match="disk full"):
        nn.save({"a": ac.zeros(2)}, path)
    assert path.read_bytes() == good and os.listdir(tmp_path) == ["m.npz"]


def test_load_never_unpickles(tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    nn.save({"a": ac.ones(2)}, path)
    calls = []
    real = np.load
    monkeypatch.setattr(np, "load", lambda *a, **k: calls.append(k) or real(*a, **k))
    nn.load(path)
    assert calls and all(k.get("allow_pickle") is False for k in calls)
    assert zipfile.is_zipfile(path)
