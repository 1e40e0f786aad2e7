"""The command line: `train` end to end (2 epochs, tmp dir), bad flags, missing data,
no half-written run directories; `graph` for the default model and expressions; the
expression parser."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import autograd_core as ac
from autograd_core import _expr
from autograd_core.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[1]


def _run(args, capsys):
    """main(args) in-process: (exit status, stdout, stderr); argparse's exit included."""
    try:
        status = main(args)
    except SystemExit as e:
        status = e.code
    out, err = capsys.readouterr()
    return status, out, err


# -- train end to end -------------------------------------------------------------------
@pytest.fixture(scope="module")
def run2(tmp_path_factory):
    """One 2-epoch run through `python -m autograd_core` in a subprocess (the real entry
    point), shared by the tests that inspect its outputs."""
    tmp = tmp_path_factory.mktemp("cli")
    out = tmp / "run"
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run(
        [sys.executable, "-m", "autograd_core", "train", "--epochs", "2", "--out", str(out),
         "--no-progress", "--hidden", "32", "16", "--lr", "0.01"],
        cwd=tmp, env=env, capture_output=True, text=True, timeout=600)
    return proc, out


def test_train_exits_0_and_prints_epochs_and_test_accuracy(run2):
    proc, out = run2
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stdout.splitlines()
    epochs = [l for l in lines if l.lstrip().startswith("epoch")]
    assert len(epochs) == 2
    for l in epochs:
        assert "train loss" in l and "dev loss" in l and "acc" in l
    assert any(l.startswith("test: ") and "accuracy" in l for l in lines)
    assert f"run written to {out}" in proc.stdout


def test_train_writes_every_output_file(run2):
    import nn

    proc, out = run2
    assert proc.returncode == 0, proc.stderr
    assert (out / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    graph = out / "graph.svg" if (out / "graph.svg").exists() else out / "graph.dot"
    text = graph.read_text()
    assert ("<svg" in text) if graph.suffix == ".svg" else text.startswith("digraph")
    assert "0.weight" in text  # parameters named in the drawing
    state = nn.load(out / "model.npz")
    assert set(state) >= {"0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean"}
    model = nn.Sequential(nn.Linear(64, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Dropout(0.2),
                          nn.Linear(32, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.2),
                          nn.Linear(16, 10))
    model.load_state_dict(state)  # strict: same keys and shapes
    std = np.load(out / "standardizer.npz")
    assert std["mean"].shape == (64,) and np.all(std["std"] > 0)
    assert "Total params" in (out / "summary.txt").read_text()
    # nothing else was left behind next to the run directory
    assert sorted(p.name for p in out.parent.iterdir()) == ["run"]


def test_train_metrics_json(run2):
    proc, out = run2
    m = json.loads((out / "metrics.json").read_text())
    assert {"args", "data", "model", "history", "test_accuracy", "test_loss", "timing",
            "best_dev", "files"} <= set(m)
    assert len(m["history"]) == 2
    assert {"epoch", "lr", "train_loss", "train_acc", "dev_loss", "dev_acc", "seconds"} <= set(m["history"][0])
    assert m["args"]["epochs"] == 2 and m["args"]["hidden"] == [32, 16]
    assert m["data"] == {"name": m["data"]["name"], "train": 1438, "dev": 180, "test": 179,
                         "features": 64, "classes": 10}
    assert 0.6 < m["test_accuracy"] <= 1.0  # 2 epochs at lr 0.01 already learn a lot
    assert m["history"][1]["train_loss"] < m["history"][0]["train_loss"]
    assert m["timing"]["train_seconds"] > 0
    # the printed test accuracy is the stored one
    assert f"accuracy {100 * m['test_accuracy']:.2f}%" in proc.stdout


def test_train_is_reproducible_in_process(tmp_path, capsys):
    a = _run(["train", "--epochs", "1", "--hidden", "16", "--out", str(tmp_path / "a"),
              "--no-progress"], capsys)
    b = _run(["train", "--epochs", "1", "--hidden", "16", "--out", str(tmp_path / "b"),
              "--no-progress"], capsys)
    assert a[0] == b[0] == 0
    ma = json.loads((tmp_path / "a" / "metrics.json").read_text())
    mb = json.loads((tmp_path / "b" / "metrics.json").read_text())
    assert ma["history"][0]["train_loss"] == mb["history"][0]["train_loss"]
    assert ma["test_accuracy"] == mb["test_accuracy"]


@pytest.mark.parametrize("opt, sched", [("sgd", "step"), ("momentum", "exp"),
                                        ("rmsprop", "cosine"), ("adamw", "inverse-time"),
                                        ("adam", "warmup-cosine")])
def test_train_every_optimizer_and_schedule(tmp_path, capsys, opt, sched):
    status, out, err = _run(["train", "--epochs", "2", "--hidden", "8", "--optimizer", opt,
                             "--schedule", sched, "--init", "xavier", "--dropout", "0",
                             "--lr", "0.01", "--out", str(tmp_path / "r"), "--no-progress"],
                            capsys)
    assert status == 0, err
    m = json.loads((tmp_path / "r" / "metrics.json").read_text())
    lrs = [h["lr"] for h in m["history"]]
    if sched == "warmup-cosine":
        assert lrs[0] < 0.01  # warming up
    else:
        assert lrs[0] == pytest.approx(0.01)


def test_default_out_dir_is_timestamped_under_runs(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, err = _run(["train", "--epochs", "1", "--hidden", "8", "--no-progress"], capsys)
    assert status == 0, err
    runs = list((tmp_path / "runs").iterdir())
    assert len(runs) == 1 and (runs[0] / "metrics.json").exists()
    assert runs[0].name[:8].isdigit()


# -- bad flags and missing data: usage errors, no tracebacks, nothing written -------------
@pytest.mark.parametrize("flags, message", [
    (["--epochs", "-1"], "--epochs: must be >= 1"),
    (["--epochs", "two"], "--epochs: invalid int value"),
    (["--dropout", "1.5"], "--dropout: must be >= 0.0 and < 1.0"),
    (["--dropout", "nan"], "--dropout: must be"),
    (["--lr", "0"], "--lr: must be > 0.0"),
    (["--batch-size", "0"], "--batch-size: must be >= 1"),
    (["--weight-decay", "-0.001"], "--weight-decay: must be >= 0.0"),
    (["--weight-decay=-1e-4"], "--weight-decay: must be >= 0.0"),
    (["--hidden", "64", "0"], "--hidden: must be >= 1"),
    (["--optimizer", "adagrad2"], "--optimizer: invalid choice"),
    (["--schedule", "linear"], "--schedule: invalid choice"),
    (["--init", "zeros"], "--init: invalid choice"),
    (["--bogus"], "unrecognized arguments: --bogus"),
])
def test_bad_flags_give_usage_error(tmp_path, capsys, monkeypatch, flags, message):
    monkeypatch.chdir(tmp_path)
    status, out, err = _run(["train", *flags], capsys)
    assert status == 2
    assert "usage:" in err and message in err
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_missing_data_path(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, err = _run(["train", "--data", str(tmp_path / "nope"), "--out", "r"], capsys)
    assert status == 2
    assert "--data" in err and "nope" in err and "is not a directory" in err
    (tmp_path / "empty").mkdir()
    status, out, err = _run(["train", "--data", str(tmp_path / "empty"), "--out", "r"], capsys)
    assert status == 2 and "train-images-idx3-ubyte" in err and "not found" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty"]


def test_corrupt_mnist_gives_clear_error(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    d = tmp_path / "mnist"
    d.mkdir()
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                 "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        (d / name).write_bytes(b"\x12\x34\x56\x78")
    status, out, err = _run(["train", "--data", str(d), "--out", "r"], capsys)
    assert status == 1 and "wrong magic number 0x12345678" in err and "Traceback" not in err
    assert not (tmp_path / "r").exists()


def test_train_on_mnist_idx_files(tmp_path, capsys):
    from tests.autograd_core.data.test_datasets import _write_mnist

    d = tmp_path / "mnist"
    d.mkdir()
    _write_mnist(d, n_train=60, n_test=20, gz=True)
    status, out, err = _run(["train", "--data", str(d), "--epochs", "1", "--hidden", "8",
                             "--batch-size", "16", "--out", str(tmp_path / "r"), "--no-progress"],
                            capsys)
    assert status == 0, err
    m = json.loads((tmp_path / "r" / "metrics.json").read_text())
    assert m["data"]["features"] == 784 and m["data"]["test"] == 20
    assert m["data"]["train"] + m["data"]["dev"] == 60


def test_out_dir_must_be_new_or_empty(tmp_path, capsys):
    full = tmp_path / "full"
    full.mkdir()
    (full / "keep.txt").write_text("x")
    status, out, err = _run(["train", "--out", str(full)], capsys)
    assert status == 2 and "already exists" in err
    assert [p.name for p in full.iterdir()] == ["keep.txt"]
    empty = tmp_path / "empty"
    empty.mkdir()
    status, out, err = _run(["train", "--epochs", "1", "--hidden", "8", "--out", str(empty),
                             "--no-progress"], capsys)
    assert status == 0 and (empty / "metrics.json").exists()


def test_failed_run_leaves_no_directory(tmp_path, capsys, monkeypatch):
    """A failure mid-run (here: the loss diverging) removes the partial directory and
    the parents it created."""
    from autograd_core.cli import training

    def boom(*a, **k):
        raise training.TrainingError("training diverged at epoch 1: the loss is nan")

    monkeypatch.setattr(training, "run_training", boom)
    status, out, err = _run(["train", "--out", str(tmp_path / "a" / "b" / "run")], capsys)
    assert status == 1 and "diverged" in err
    assert list(tmp_path.iterdir()) == []


def test_divergence_is_reported(tmp_path, capsys):
    status, out, err = _run(["train", "--epochs", "3", "--optimizer", "sgd", "--lr", "1e30",
                             "--no-batch-norm", "--dropout", "0", "--hidden", "8",
                             "--out", str(tmp_path / "r"), "--no-progress"], capsys)
    assert status == 1 and "diverged" in err and "--lr" in err
    assert list(tmp_path.iterdir()) == []


def test_no_command_prints_help(capsys):
    status, out, err = _run([], capsys)
    assert status == 2 and "train" in err and "graph" in err


# -- graph ------------------------------------------------------------------------------------
def test_graph_default_model(tmp_path, capsys):
    status, out, err = _run(["graph", "--out", str(tmp_path / "g.dot")], capsys)
    assert status == 0, err
    src = (tmp_path / "g.dot").read_text()
    assert src.startswith("digraph") and "cluster_0" in src and "0.weight" in src
    assert "(8, 128)" in src


def test_graph_expression(tmp_path, capsys):
    status, out, err = _run(["graph", "--expr", "tanh(x@w + b)", "--var", "x=2,3",
                             "--var", "w=3,4", "--var", "b=4", "--out",
                             str(tmp_path / "e.dot"), "--values"], capsys)
    assert status == 0, err
    src = (tmp_path / "e.dot").read_text()
    for s in ("matmul", "add", "tanh", "x\\n(2, 3)", "w\\n(3, 4)", "b\\n(4,)", "output\\n(2, 4)"):
        assert s in src


def test_graph_renders_svg_when_dot_exists(tmp_path, capsys):
    import shutil
    if not shutil.which("dot"):
        pytest.skip("Graphviz `dot` not installed")
    status, out, err = _run(["graph", "--expr", "x*y+x", "--out", str(tmp_path / "e.svg")], capsys)
    assert status == 0 and "<svg" in (tmp_path / "e.svg").read_text()


@pytest.mark.parametrize("expr, message", [
    ("tanh(x", "expected ')'"),
    ("x + * y", "unexpected '*' at column 5"),
    ("__import__('os')", "unexpected character"),
    ("open(x)", "unknown function 'open'"),
    ("2 * 3", "no variables"),
    ("x @ y", "cannot evaluate"),  # scalars cannot be matrix-multiplied
])
def test_graph_bad_expressions(tmp_path, capsys, expr, message):
    status, out, err = _run(["graph", "--expr", expr, "--out", str(tmp_path / "e.dot")], capsys)
    assert status == 2 and message in err and "Traceback" not in err
    assert not (tmp_path / "e.dot").exists()


def test_graph_bad_var(tmp_path, capsys):
    status, out, err = _run(["graph", "--expr", "x", "--var", "y=2"], capsys)
    assert status == 2 and "y not in the expression" in err
    status, out, err = _run(["graph", "--expr", "x", "--var", "x=2,-1"], capsys)
    assert status == 2 and "positive sizes" in err


# -- the expression parser --------------------------------------------------------------------
@pytest.mark.parametrize("text, value", [
    ("x + y * 2", 1.5 + 2.0 * 2),
    ("(x + y) * 2", (1.5 + 2.0) * 2),
    ("-x ** 2", -(1.5 ** 2)),
    ("x ** y ** 0.5", 1.5 ** (2.0 ** 0.5)),
    ("x - y - 1", 1.5 - 2.0 - 1),
    ("x / y / 2", 1.5 / 2.0 / 2),
    ("exp(log(x))", 1.5),
    ("2.5e-1 * x + .5", 0.25 * 1.5 + 0.5),
    ("tanh(x) + sigmoid(y) + relu(-x)", np.tanh(1.5) + 1 / (1 + np.exp(-2.0))),
])
def test_expression_values(text, value):
    env = {"x": ac.tensor(1.5, dtype=ac.float64, requires_grad=True),
           "y": ac.tensor(2.0, dtype=ac.float64, requires_grad=True)}
    out = _expr.evaluate(_expr.parse(text), env)
    assert out.item() == pytest.approx(value)


def test_expression_variables_and_limits():
    assert _expr.variables(_expr.parse("a*b + a@c")) == ["a", "b", "c"]
    with pytest.raises(_expr.ExprError, match="too deeply"):
        _expr.parse("(" * 200 + "x" + ")" * 200)
    with pytest.raises(_expr.ExprError, match="too long"):
        _expr.parse("x+" * 600 + "x")
    with pytest.raises(_expr.ExprError, match="needs parentheses"):
        _expr.parse("tanh + x")


def test_parser_help_lists_defaults():
    text = build_parser().format_help()
    assert "train" in text and "graph" in text


def test_train_without_graphviz_writes_dot_and_says_how_to_install(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    status, out, err = _run(["train", "--epochs", "1", "--hidden", "8", "--out",
                             str(tmp_path / "r"), "--no-progress"], capsys)
    assert status == 0, err
    assert (tmp_path / "r" / "graph.dot").read_text().startswith("digraph")
    assert not (tmp_path / "r" / "graph.svg").exists()
    assert "apt-get install graphviz" in out
    m = json.loads((tmp_path / "r" / "metrics.json").read_text())
    assert m["files"]["graph"] == "graph.dot"


def test_progress_bar_goes_to_stderr(tmp_path, capsys):
    status, out, err = _run(["train", "--epochs", "1", "--hidden", "8", "--out",
                             str(tmp_path / "r")], capsys)
    assert status == 0
    assert "epoch 1/1" in err and "batch" in err  # tqdm's bar
    assert "epoch   1/1" in out  # the per-epoch summary line


def test_default_training_reaches_97_percent_on_digits(tmp_path, capsys):
    """The acceptance criterion: the default command (30 epochs, Adam, batch norm,
    dropout, L2) reaches at least 97% on the fixed digits test split."""
    status, out, err = _run(["train", "--out", str(tmp_path / "r"), "--no-progress"], capsys)
    assert status == 0, err
    m = json.loads((tmp_path / "r" / "metrics.json").read_text())
    assert len(m["history"]) == 30
    assert m["test_accuracy"] >= 0.97
    assert m["history"][-1]["dev_acc"] >= 0.95


def test_blas_threads_flag_is_validated_and_applied(tmp_path, monkeypatch):
    from threadpoolctl import threadpool_info

    from autograd_core import cli
    from autograd_core.cli import training

    with pytest.raises(SystemExit) as e:
        cli.main(["train", "--blas-threads", "0"])
    assert e.value.code == 2
    seen = []
    real = training.run_training

    def spy(*a, **k):
        seen.extend(i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas")
        return real(*a, **k)

    monkeypatch.setattr(training, "run_training", spy)
    assert cli.main(["train", "--epochs", "1", "--no-progress", "--blas-threads", "1",
                     "--out", str(tmp_path / "r")]) == 0
    assert seen and all(n == 1 for n in seen)
