"""The ``train`` command's work: data, model, optimizer, schedule, loop, run outputs.

Kept apart from ``parser`` (arguments) and ``train`` (the run directory's life cycle) so
each file holds one concept. ``nn`` and ``optim`` are imported here, by the command, a
layer above the library; nothing in the core imports this package.
"""
import json
import math
import platform
import sys
import time
import warnings

import numpy as np

import autograd_core as ac
from autograd_core.data import (DataLoader, Standardizer, TensorDataset, load_digits,
                                load_mnist, train_dev_test_split)
from autograd_core.viz import GraphvizNotFoundWarning, draw_graph, save_graph

__all__ = ["load_data", "build_model", "make_optimizer", "make_scheduler", "run_training"]


class TrainingError(RuntimeError):
    """Training cannot go on (diverged); the CLI reports it and exits 1."""


def load_data(args):
    """dict with 'train', 'dev', 'test' (X, y) Tensor pairs and a 'name'.

    Digits: the fixed stratified 80/10/10 split of ``load_digits(split=True)``.
    MNIST (``--data DIR``): its test set, and a stratified 10% of its training set
    (seed 0) as dev.
    """
    if args.data is None:
        train, dev, test = load_digits(split=True, seed=0)
        return {"name": "digits (bundled UCI 8x8)", "train": train, "dev": dev, "test": test}
    train_full, test = load_mnist(args.data)
    train, dev, _ = train_dev_test_split(*train_full, fractions=(0.9, 0.1, 0.0), seed=0,
                                         stratify=True)
    return {"name": f"MNIST IDX files in {args.data}", "train": train, "dev": dev, "test": test}


def build_model(n_in, hidden, n_out, dropout, init, batch_norm=True):
    """``[Linear -> BatchNorm1d -> ReLU -> Dropout] * len(hidden) -> Linear``."""
    import nn

    layers, width = [], n_in
    for h in hidden:
        layers.append(nn.Linear(width, h))
        if batch_norm:
            layers.append(nn.BatchNorm1d(h))
        layers.append(nn.ReLU())
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        width = h
    layers.append(nn.Linear(width, n_out))
    model = nn.Sequential(*layers)
    if init != "default":
        for m in model.modules():
            if isinstance(m, nn.Linear):
                if init == "he":
                    nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
                elif init == "xavier":
                    nn.init.xavier_uniform_(m.weight)
                else:  # lecun
                    nn.init.lecun_normal_(m.weight)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
    return model


def make_optimizer(name, model, lr, weight_decay):
    """L2 weight decay on the Linear weights only (decaying biases and batch-norm
    scales only hurts); two parameter groups."""
    import optim

    decay = [p for n, p in model.named_parameters() if p.ndim >= 2]
    rest = [p for n, p in model.named_parameters() if p.ndim < 2]
    groups = [{"params": decay, "weight_decay": weight_decay},
              {"params": rest, "weight_decay": 0.0}]
    if name == "adam":
        return optim.Adam(groups, lr=lr)
    if name == "adamw":
        return optim.AdamW(groups, lr=lr)
    if name == "sgd":
        return optim.SGD(groups, lr=lr)
    if name == "momentum":
        return optim.SGD(groups, lr=lr, momentum=0.9)
    if name == "rmsprop":
        return optim.RMSprop(groups, lr=lr)
    raise ValueError(f"unknown optimizer {name!r}")


def make_scheduler(name, opt, epochs):
    """Per-epoch schedules, all ending after ``epochs`` steps (see ``--help``)."""
    from optim import lr_scheduler as S

    if name == "none":
        return None
    if name == "step":
        return S.StepLR(opt, step_size=max(1, epochs // 3), gamma=0.3)
    if name == "exp":
        return S.ExponentialLR(opt, gamma=0.01 ** (1.0 / epochs))
    if name == "cosine":
        return S.CosineAnnealingLR(opt, T_max=epochs)
    if name == "inverse-time":
        return S.InverseTimeDecay(opt, decay_rate=9.0 / epochs)
    if name == "warmup-cosine":
        warm = max(1, round(0.1 * epochs))
        if warm >= epochs:
            return S.LinearLR(opt, start_factor=0.1, total_iters=epochs)
        return S.SequentialLR(opt, [S.LinearLR(opt, start_factor=0.1, total_iters=warm),
                                    S.CosineAnnealingLR(opt, T_max=epochs - warm)],
                              milestones=[warm])
    raise ValueError(f"unknown schedule {name!r}")


def evaluate(model, X, y, loss_fn, batch_size=1024):
    """(mean loss, accuracy) of ``model`` in eval mode, without recording."""
    model.eval()
    total, correct, n = 0.0, 0, len(y)
    with ac.no_grad():
        for start in range(0, n, batch_size):
            xb, yb = X[start:start + batch_size], y[start:start + batch_size]
            out = model(xb)
            total += float(loss_fn(out, yb).item()) * len(yb)
            correct += int((out.numpy().argmax(axis=1) == yb.numpy()).sum())
    return total / max(n, 1), correct / max(n, 1)


def _plot_curves(history, test_acc, path):
    # Figure + Agg canvas directly: no pyplot, so the global backend is left alone
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    ep = [h["epoch"] for h in history]
    fig = Figure(figsize=(10, 4), dpi=100)
    FigureCanvasAgg(fig)
    ax1, ax2 = fig.subplots(1, 2)
    ax1.plot(ep, [h["train_loss"] for h in history], "o-", label="train", ms=3)
    ax1.plot(ep, [h["dev_loss"] for h in history], "o-", label="dev", ms=3)
    ax1.set(title="cross-entropy loss", xlabel="epoch", ylabel="loss")
    ax1.set_yscale("log")
    ax2.plot(ep, [100 * h["train_acc"] for h in history], "o-", label="train", ms=3)
    ax2.plot(ep, [100 * h["dev_acc"] for h in history], "o-", label="dev", ms=3)
    ax2.axhline(100 * test_acc, color="gray", ls="--", label=f"test {100 * test_acc:.2f}%")
    ax2.set(title="accuracy", xlabel="epoch", ylabel="accuracy (%)")
    for ax in (ax1, ax2):
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, format="png")


def _save_graph(model, xb, yb, loss_fn, out_dir, log):
    dot = draw_graph(model=model, input=xb, loss_fn=lambda o: loss_fn(o, yb),
                     group_by_module=True, legend=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", GraphvizNotFoundWarning)
        path = save_graph(dot, out_dir / "graph.svg")
    for w in caught:
        log(f"note: {w.message}")
    return path


def _train_pass(epoch, args, model, batches, loss_fn, opt, sums):
    """One optimizer step per batch; ``sums`` collects [loss * n, correct, n]."""
    for xb, yb in batches:
        out = model(xb)
        loss = loss_fn(out, yb)
        lv = float(loss.item())
        if not math.isfinite(lv):
            raise TrainingError(
                f"training diverged at epoch {epoch}: the loss is {lv}; try a smaller "
                f"--lr (now {args.lr:g})"
            )
        opt.zero_grad()
        loss.backward()
        opt.step()
        sums[0] += lv * len(yb)
        sums[1] += int((out.numpy().argmax(axis=1) == yb.numpy()).sum())
        sums[2] += len(yb)
        batches.set_postfix(loss=f"{sums[0] / sums[2]:.4f}", refresh=False)


class MergeSingleTail:
    """The batches of ``loader``, with a last batch of one sample merged into the batch
    before it: batch norm cannot normalise a single sample in training mode."""

    def __init__(self, loader):
        self.loader = loader

    def __len__(self):
        return max(1, len(self.loader) - 1)

    def __iter__(self):
        held = None
        for batch in self.loader:
            if held is not None:
                if len(batch[1]) == 1:
                    batch = tuple(ac.cat([a, b]) for a, b in zip(held, batch))
                else:
                    yield held
            held = batch
        if held is not None:
            yield held


def _epoch(epoch, args, model, loader, loss_fn, opt, sched, dev, log):
    """One pass over the training data, then the dev evaluation; the history record."""
    from tqdm import tqdm

    te = time.perf_counter()
    lr = opt.param_groups[0]["lr"]
    model.train()
    sums = [0.0, 0, 0]
    bar = tqdm(loader, desc=f"epoch {epoch}/{args.epochs}", unit="batch", leave=False,
               disable=args.no_progress, file=sys.stderr, dynamic_ncols=True,
               total=len(loader))
    try:
        _train_pass(epoch, args, model, bar, loss_fn, opt, sums)
    finally:
        bar.close()
    tot, correct, n = sums
    if sched is not None:
        sched.step()
    dev_loss, dev_acc = evaluate(model, *dev, loss_fn)
    if not math.isfinite(dev_loss):
        raise TrainingError(
            f"training diverged at epoch {epoch}: the dev loss is {dev_loss}; try a smaller "
            f"--lr (now {args.lr:g})"
        )
    rec = {"epoch": epoch, "lr": lr, "train_loss": tot / n, "train_acc": correct / n,
           "dev_loss": dev_loss, "dev_acc": dev_acc,
           "seconds": time.perf_counter() - te}
    log(f"epoch {epoch:3d}/{args.epochs}  train loss {rec['train_loss']:.4f} acc "
        f"{100 * rec['train_acc']:6.2f}%  dev loss {dev_loss:.4f} acc "
        f"{100 * dev_acc:6.2f}%  lr {lr:.2e}  {rec['seconds']:.2f}s")
    return rec


def _dev_key(rec):
    # the dev metric that picks the saved model and drives --patience
    return (rec["dev_acc"], -rec["dev_loss"])


def _snapshot(model):
    return {k: v.numpy().copy() for k, v in model.state_dict().items()}


def _write_json(path, obj, indent=2):
    tmp = path.with_name(path.name + ".tmp")  # then renamed: never half-written
    tmp.write_text(json.dumps(obj, indent=indent, default=str) + "\n", encoding="utf-8")
    tmp.replace(path)


def health_warnings(history, saved, dev_labels, n_classes):
    """Warnings for a run that ended without learning: a dev accuracy at chance level
    (within 5 points of always answering the most frequent dev class) or a loss that
    blew up without turning NaN (above 10x that of a uniform prediction, ln(classes))."""
    out = []
    counts = np.bincount(np.asarray(dev_labels, dtype=np.int64), minlength=n_classes)
    if n_classes > 1 and counts.sum() > 0:
        chance = counts.max() / counts.sum()
        if saved["dev_acc"] <= chance + 0.05:
            out.append(f"the dev accuracy {100 * saved['dev_acc']:.1f}% is at chance level "
                       f"(the most frequent class alone gives {100 * chance:.1f}%): the "
                       "model did not learn; try another --lr or more --epochs")
    uniform = math.log(max(n_classes, 2))
    worst = max(max(h["train_loss"], h["dev_loss"]) for h in history)
    if worst > 10 * uniform:
        out.append(f"the loss exploded to {worst:.3g} (a uniform prediction gives "
                   f"{uniform:.3g}) without turning NaN; try a smaller --lr")
    return out


def run_training(args, data, out_dir, log=print, warn=None, finishing=None):
    """Train as ``args`` say, writing every output into ``out_dir``; returns metrics.

    ``metrics.jsonl`` gets one line per epoch as training goes. A KeyboardInterrupt
    (Ctrl-C, or SIGTERM as the command maps it) after at least one completed epoch ends
    the loop, and the run is finished with what was done: ``metrics.json`` says
    ``"status": "interrupted"``. ``model.npz`` is the epoch with the best dev metric
    (``best_dev``), ``last.npz`` the last completed epoch. ``finishing()`` is a context
    manager under which the outputs are written (the command defers signals there).
    """
    import contextlib

    import nn

    warn = warn or (lambda m: print(m, file=sys.stderr))
    finishing = finishing or contextlib.nullcontext
    t0 = time.perf_counter()
    ac.manual_seed(args.seed)
    (Xtr, ytr), (Xdv, ydv), (Xte, yte) = data["train"], data["dev"], data["test"]
    std = Standardizer().fit(Xtr)
    Xtr, Xdv, Xte = std.transform(Xtr), std.transform(Xdv), std.transform(Xte)
    n_in = int(np.prod(Xtr.shape[1:]))
    n_classes = int(max(ytr.numpy().max(), ydv.numpy().max(initial=0), yte.numpy().max()) + 1)
    batch_norm = not args.no_batch_norm
    model = build_model(n_in, args.hidden, n_classes, args.dropout, args.init,
                        batch_norm=batch_norm)
    opt = make_optimizer(args.optimizer, model, args.lr, args.weight_decay)
    sched = make_scheduler(args.schedule, opt, args.epochs)
    loss_fn = nn.CrossEntropyLoss()
    loader = DataLoader(TensorDataset(Xtr, ytr), batch_size=args.batch_size, shuffle=True,
                        seed=args.seed)
    n_train, bs = len(ytr), args.batch_size
    if batch_norm and n_train % bs == 1:
        if n_train == 1:
            raise TrainingError("batch norm needs at least 2 training samples; "
                                "use --no-batch-norm")
        loader = MergeSingleTail(loader)
        log(f"note: {n_train} training samples in batches of {bs} leave a last batch of 1 "
            "sample, which batch norm cannot normalise; it is merged into the batch before "
            f"it ({bs + 1} samples)")
    summary = nn.summary(model, (1, n_in))
    (out_dir / "summary.txt").write_text(summary + "\n", encoding="utf-8")
    log(f"data: {data['name']}: train {len(ytr)}, dev {len(ydv)}, test {len(yte)}, "
        f"{n_in} features, {n_classes} classes")
    log(f"model: {sum(p.numel() for p in model.parameters()):,} parameters; optimizer "
        f"{args.optimizer}, lr {args.lr:g}, weight decay {args.weight_decay:g}, schedule "
        f"{args.schedule}")

    # done[i] = (record, snapshot or None): one list append per epoch, so an interrupt
    # anywhere leaves records and snapshots agreeing; only the best and the last
    # snapshots are kept.
    done, best, stopped_early, interrupted = [], None, False, None
    patience = getattr(args, "patience", None)
    t_train = time.perf_counter()
    jsonl = (out_dir / "metrics.jsonl").open("w", encoding="utf-8")
    try:
        # Overflow on the way to divergence is reported once, as a clear error, by the
        # finiteness checks, instead of as a stream of numpy warnings.
        with np.errstate(over="ignore", invalid="ignore"):
            for epoch in range(1, args.epochs + 1):
                rec = _epoch(epoch, args, model, loader, loss_fn, opt, sched, (Xdv, ydv), log)
                done.append((rec, _snapshot(model)))
                if best is None or _dev_key(rec) > _dev_key(done[best][0]):
                    best = len(done) - 1
                for i in range(len(done) - 1):
                    if i != best and done[i][1] is not None:
                        done[i] = (done[i][0], None)
                jsonl.write(json.dumps(rec) + "\n")
                jsonl.flush()
                if patience is not None and len(done) - 1 - best >= patience:
                    stopped_early = True
                    log(f"early stop: the dev metric has not improved for {patience} "
                        f"epochs (best: epoch {done[best][0]['epoch']})")
                    break
    except KeyboardInterrupt as e:
        interrupted = str(e) or "SIGINT"
        if not done:
            raise
        log(f"interrupted ({interrupted}) during epoch {len(done) + 1}; finishing the run "
            f"with the {len(done)} completed epoch(s)")
    finally:
        jsonl.close()
    train_seconds = time.perf_counter() - t_train

    with finishing():
        history = [r for r, _ in done]
        best = max(range(len(done)), key=lambda i: _dev_key(done[i][0]))
        best_rec, best_state = done[best]
        last_state = done[-1][1]
        with (out_dir / "metrics.jsonl").open("w", encoding="utf-8") as f:
            f.writelines(json.dumps(r) + "\n" for r in history)  # exactly the history
        model.load_state_dict(best_state)
        test_loss, test_acc = evaluate(model, Xte, yte, loss_fn)
        log(f"test: loss {test_loss:.4f}, accuracy {100 * test_acc:.2f}% ({len(yte)} samples; "
            f"the model of epoch {best_rec['epoch']}, best on dev)")
        warns = health_warnings(history, best_rec, ydv.numpy(), n_classes)
        for w in warns:
            warn(f"warning: {w}")

        nn.save(best_state, out_dir / "model.npz")
        nn.save(last_state, out_dir / "last.npz")
        np.savez(out_dir / "standardizer.npz", **std.state_dict())
        _plot_curves(history, test_acc, out_dir / "curves.png")
        k = min(max(args.batch_size, 2 if batch_norm else 1), len(ytr))
        graph_path = _save_graph(model, Xtr[:k], ytr[:k], loss_fn, out_dir, log)
        params = list(model.parameters())
        metrics = {
            "status": "interrupted" if interrupted else "complete",
            "interrupted_by": interrupted,
            "stopped_early": stopped_early,
            "epochs_completed": len(history),
            "args": {k: v for k, v in vars(args).items() if k != "func"},
            "data": {"name": data["name"], "train": len(ytr), "dev": len(ydv),
                     "test": len(yte), "features": n_in, "classes": n_classes},
            "model": {"layers": [type(m).__name__ for m in model],
                      "parameters": sum(p.numel() for p in params),
                      "trainable_parameters": sum(p.numel() for p in params
                                                  if p.requires_grad)},
            "history": history,
            "best_dev": {"epoch": best_rec["epoch"], "accuracy": best_rec["dev_acc"],
                         "loss": best_rec["dev_loss"]},
            "saved_epoch": best_rec["epoch"],
            "last_epoch": history[-1]["epoch"],
            "test_loss": test_loss,
            "test_accuracy": test_acc,
            "warnings": warns,
            "timing": {"train_seconds": train_seconds,
                       "seconds_per_epoch": train_seconds / len(history),
                       "total_seconds": time.perf_counter() - t0},
            "files": {"model": "model.npz", "last": "last.npz",
                      "standardizer": "standardizer.npz", "metrics_per_epoch": "metrics.jsonl",
                      "curves": "curves.png", "graph": graph_path.name,
                      "summary": "summary.txt"},
            "versions": {"autograd_core": ac.__version__, "numpy": np.__version__,
                         "python": platform.python_version()},
        }
        _write_json(out_dir / "metrics.json", metrics)
    return metrics
