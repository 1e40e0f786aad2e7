"""The training command's run life: a last batch of one sample under batch norm,
interruption by SIGINT and SIGTERM (real signals, subprocesses), metrics written per
epoch, --patience and the best model saved, --version, and the warnings for a run that
did not learn."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from autograd_core.cli import main
from autograd_core.cli.training import health_warnings

ROOT = Path(__file__).resolve().parents[1]
SMALL = ["--hidden", "8", "--no-progress"]


def _run(args, capsys):
    try:
        status = main(args)
    except SystemExit as e:
        status = e.code
    out, err = capsys.readouterr()
    return status, out, err


def _model(hidden=(8,), batch_norm=True, dropout=0.2):
    from autograd_core.cli.training import build_model

    return build_model(64, list(hidden), 10, dropout, "he", batch_norm=batch_norm)


def _dev_accuracy(run_dir, weights):
    """Dev accuracy of the saved ``weights`` file, recomputed from the run's files."""
    import nn

    import autograd_core as ac
    from autograd_core.data import load_digits

    _, (X, y), _ = load_digits(split=True, seed=0)
    std = np.load(run_dir / "standardizer.npz")
    X = ac.tensor((X.numpy() - std["mean"]) / std["std"]).float()
    model = _model()
    model.load_state_dict(nn.load(run_dir / weights))
    model.eval()
    with ac.no_grad():
        pred = model(X).numpy().argmax(axis=1)
    return float((pred == y.numpy()).mean())


# -- a last batch of one sample with batch norm -------------------------------------------
@pytest.mark.parametrize("batch_size, batches", [(479, 3), (1437, 1)])
def test_single_sample_tail_is_merged(tmp_path, capsys, batch_size, batches):
    # 1438 training digits: 3 x 479 + 1, 1437 + 1
    status, out, err = _run(["train", "--epochs", "1", "--batch-size", str(batch_size),
                             "--out", str(tmp_path / "r"), *SMALL], capsys)
    assert status == 0, err
    assert "Traceback" not in err
    assert "last batch of 1 sample" in out and f"({batch_size + 1} samples)" in out
    m = json.loads((tmp_path / "r" / "metrics.json").read_text())
    assert m["status"] == "complete" and len(m["history"]) == 1


def test_merge_keeps_every_sample_and_the_batch_count():
    import autograd_core as ac
    from autograd_core.cli.training import MergeSingleTail
    from autograd_core.data import DataLoader, TensorDataset

    X = ac.tensor(np.arange(7, dtype=np.float32).reshape(7, 1))
    loader = MergeSingleTail(DataLoader(TensorDataset(X, ac.tensor(np.arange(7))), batch_size=3))
    sizes = [len(yb) for _, yb in loader]
    assert sizes == [3, 4] and len(loader) == 2
    assert sorted(np.concatenate([yb.numpy() for _, yb in loader]).tolist()) == list(range(7))


def test_single_sample_tail_without_batch_norm_is_left_alone(tmp_path, capsys):
    status, out, err = _run(["train", "--epochs", "1", "--batch-size", "479",
                             "--no-batch-norm", "--out", str(tmp_path / "r"), *SMALL], capsys)
    assert status == 0, err
    assert "merged" not in out


def test_batch_size_1_with_batch_norm_is_a_usage_error(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, err = _run(["train", "--batch-size", "1", "--out", "r"], capsys)
    assert status == 2 and "usage:" in err and "--batch-size" in err
    assert "--no-batch-norm" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


# -- metrics as training goes, the best model saved, --patience ------------------------------
def test_metrics_jsonl_matches_history_and_models_are_best_and_last(tmp_path, capsys):
    status, out, err = _run(["train", "--epochs", "6", "--lr", "0.05", "--optimizer", "sgd",
                             "--out", str(tmp_path / "r"), *SMALL], capsys)
    assert status == 0, err
    r = tmp_path / "r"
    m = json.loads((r / "metrics.json").read_text())
    lines = [json.loads(l) for l in (r / "metrics.jsonl").read_text().splitlines()]
    assert lines == m["history"] and len(lines) == 6
    best = max(m["history"], key=lambda h: (h["dev_acc"], -h["dev_loss"]))
    assert m["saved_epoch"] == m["best_dev"]["epoch"] == best["epoch"]
    assert _dev_accuracy(r, "model.npz") == pytest.approx(best["dev_acc"])
    assert _dev_accuracy(r, "last.npz") == pytest.approx(m["history"][-1]["dev_acc"])
    assert m["status"] == "complete" and m["stopped_early"] is False


def test_patience_stops_on_the_dev_metric(tmp_path, capsys):
    # 8 hidden units plateau on the dev set well before 40 epochs
    status, out, err = _run(["train", "--epochs", "40", "--patience", "2", "--lr", "0.3",
                             "--optimizer", "sgd", "--out", str(tmp_path / "r"), *SMALL], capsys)
    assert status == 0, err
    m = json.loads((tmp_path / "r" / "metrics.json").read_text())
    hist = m["history"]
    key = [(h["dev_acc"], -h["dev_loss"]) for h in hist]
    best = max(range(len(hist)), key=lambda i: key[i])
    assert m["stopped_early"] is True and "early stop" in out
    assert len(hist) < 40
    assert len(hist) - 1 - best == 2  # stopped exactly `patience` epochs after the best
    assert all(k <= key[best] for k in key)
    assert m["saved_epoch"] == hist[best]["epoch"]
    assert _dev_accuracy(tmp_path / "r", "model.npz") == pytest.approx(hist[best]["dev_acc"])


def test_patience_is_validated(capsys):
    status, out, err = _run(["train", "--patience", "0"], capsys)
    assert status == 2 and "--patience: must be >= 1" in err


# -- interruption by real signals ------------------------------------------------------------
def _start(out, *extra):
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.Popen(
        [sys.executable, "-m", "autograd_core", "train", "--epochs", "100000", "--out",
         str(out), *SMALL, *extra],
        cwd=out.parent, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_epochs(proc, jsonl, n, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"training ended early: {proc.communicate()}")
        if jsonl.exists() and len(jsonl.read_text().splitlines()) >= n:
            return
        time.sleep(0.05)
    proc.kill()
    pytest.fail("no epochs written in time")


@pytest.mark.parametrize("sig, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_finishes_the_run_marked_interrupted(tmp_path, sig, status):
    out = tmp_path / "run"
    proc = _start(out)
    _wait_for_epochs(proc, out / "metrics.jsonl", 3)
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == status, stderr
    assert "Traceback" not in stderr
    name = signal.Signals(sig).name
    assert f"run interrupted by {name}" in stdout and "status: interrupted" in stdout
    m = json.loads((out / "metrics.json").read_text())
    assert m["status"] == "interrupted" and m["interrupted_by"] == name
    n = m["epochs_completed"]
    assert n >= 3 and len(m["history"]) == n
    assert [json.loads(l) for l in (out / "metrics.jsonl").read_text().splitlines()] == m["history"]
    for f in ("model.npz", "last.npz", "standardizer.npz", "curves.png", "summary.txt"):
        assert (out / f).exists(), f
    # last.npz is the last completed epoch's model, model.npz the best one
    assert _dev_accuracy(out, "last.npz") == pytest.approx(m["history"][-1]["dev_acc"])
    assert _dev_accuracy(out, "model.npz") == pytest.approx(m["best_dev"]["accuracy"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # no hidden .partial


def test_signal_before_the_first_epoch_leaves_nothing(tmp_path):
    out = tmp_path / "run"
    proc = _start(out)
    deadline = time.monotonic() + 120
    while not (out / "summary.txt").exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    if (out / "metrics.jsonl").exists() and (out / "metrics.jsonl").read_text():
        proc.kill()
        pytest.skip("the first epoch finished before the signal could be sent")
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=120)
    if proc.returncode == 143 and (out / "metrics.json").exists():
        pytest.skip("the first epoch finished before the signal arrived")
    assert proc.returncode == 143, stderr
    assert "before the first epoch finished; no run directory written" in stderr
    assert "Traceback" not in stderr
    assert list(tmp_path.iterdir()) == []


def test_keyboard_interrupt_in_process(tmp_path, capsys, monkeypatch):
    """Ctrl-C as a KeyboardInterrupt in the middle of epoch 3, in-process."""
    from autograd_core.cli import training

    real, calls = training._train_pass, []

    def interrupt_third(*a, **k):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(*a, **k)

    monkeypatch.setattr(training, "_train_pass", interrupt_third)
    status, out, err = _run(["train", "--epochs", "10", "--out", str(tmp_path / "r"), *SMALL],
                            capsys)
    assert status == 130
    m = json.loads((tmp_path / "r" / "metrics.json").read_text())
    assert m["status"] == "interrupted" and m["epochs_completed"] == 2
    assert "interrupted (SIGINT) during epoch 3" in out


# -- --version and warnings ---------------------------------------------------------------
def test_version(capsys):
    import autograd_core as ac

    status, out, err = _run(["--version"], capsys)
    assert status == 0 and out.startswith(f"autograd-core {ac.__version__} (numpy ")


def test_exploding_loss_warns(tmp_path, capsys):
    status, out, err = _run(["train", "--epochs", "2", "--lr", "1e6", "--out",
                             str(tmp_path / "r"), *SMALL], capsys)
    assert status == 0, err
    assert "warning: the loss exploded" in err and "--lr" in err
    m = json.loads((tmp_path / "r" / "metrics.json").read_text())
    assert any("exploded" in w for w in m["warnings"])


def test_health_warnings_rule():
    y = np.array([0] * 50 + [1] * 30 + [2] * 20)  # the most frequent class: 50%
    rec = lambda acc, loss=1.0: {"dev_acc": acc, "train_loss": loss, "dev_loss": loss}
    assert health_warnings([rec(0.9)], rec(0.9), y, 3) == []
    w = health_warnings([rec(0.52)], rec(0.52), y, 3)
    assert len(w) == 1 and "chance level" in w[0] and "50.0%" in w[0]
    w = health_warnings([rec(0.9, 20.0)], rec(0.9), y, 3)  # 20 > 10 * ln 3
    assert len(w) == 1 and "exploded to 20" in w[0]


def test_good_run_has_no_warnings(tmp_path, capsys):
    status, out, err = _run(["train", "--epochs", "3", "--lr", "0.01", "--out",
                             str(tmp_path / "r"), *SMALL], capsys)
    assert status == 0 and "warning" not in err
    assert json.loads((tmp_path / "r" / "metrics.json").read_text())["warnings"] == []


# -- messages after parsing ----------------------------------------------------------------
def test_errors_after_parsing_use_the_subcommands_usage(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, err = _run(["train", "--data", str(tmp_path / "nope")], capsys)
    assert status == 2 and err.startswith("usage: autograd-core train ")
    assert "autograd-core train: error: argument --data" in err
    status, out, err = _run(["graph", "--expr", "x +"], capsys)
    assert status == 2 and err.startswith("usage: autograd-core graph ")


def test_training_failure_names_the_subcommand(tmp_path, capsys):
    status, out, err = _run(["train", "--epochs", "3", "--optimizer", "sgd", "--lr", "1e30",
                             "--no-batch-norm", "--dropout", "0", "--out",
                             str(tmp_path / "r"), *SMALL], capsys)
    assert status == 1 and err.startswith("autograd-core train: error: training diverged")


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else True,
                    reason="root can write into a read-only directory")
def test_unwritable_default_place_does_not_blame_out(tmp_path, capsys, monkeypatch):
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs").chmod(0o500)
    monkeypatch.chdir(tmp_path)
    try:
        status, out, err = _run(["train", "--epochs", "1", *SMALL], capsys)
    finally:
        (tmp_path / "runs").chmod(0o700)
    assert status == 2 and "cannot create the run directory runs" in err
    assert "argument --out" not in err and "choose a writable place with --out" in err


def test_unwritable_default_place_message(tmp_path, capsys, monkeypatch):
    """The same message where permissions cannot be taken away (root): a file where
    the default directory's parent should be."""
    (tmp_path / "runs").write_text("not a directory")
    monkeypatch.chdir(tmp_path)
    status, out, err = _run(["train", "--epochs", "1", *SMALL], capsys)
    assert status == 2 and "cannot create the run directory runs" in err
    assert "argument --out" not in err and "--out DIR" in err


def test_graph_format_must_match_the_out_suffix(tmp_path, capsys):
    status, out, err = _run(["graph", "--expr", "x*y", "--out", str(tmp_path / "x.svg"),
                             "--format", "png"], capsys)
    assert status == 2 and "--format: png does not match --out" in err
    assert list(tmp_path.iterdir()) == []
    status, out, err = _run(["graph", "--expr", "x*y", "--out", str(tmp_path / "x.dot"),
                             "--format", "dot"], capsys)
    assert status == 0 and (tmp_path / "x.dot").exists()
