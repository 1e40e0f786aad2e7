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


def _epoch(epoch, args, model, loader, loss_fn, opt, sched, dev, log):
    """One pass over the training data, then the dev evaluation; the history record."""
    from tqdm import tqdm

    te = time.perf_counter()
    lr = opt.param_groups[0]["lr"]
    model.train()
    tot, correct, n = 0.0, 0, 0
    bar = tqdm(loader, desc=f"epoch {epoch}/{args.epochs}", unit="batch", leave=False,
               disable=args.no_progress, file=sys.stderr, dynamic_ncols=True)
    for xb, yb in bar:
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
        tot += lv * len(yb)
        correct += int((out.numpy().argmax(axis=1) == yb.numpy()).sum())
        n += len(yb)
        bar.set_postfix(loss=f"{tot / n:.4f}", refresh=False)
    bar.close()
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


def run_training(args, data, out_dir, log=print):
    """Train as ``args`` say, writing every output into ``out_dir``; returns metrics."""
    import nn

    t0 = time.perf_counter()
    ac.manual_seed(args.seed)
    (Xtr, ytr), (Xdv, ydv), (Xte, yte) = data["train"], data["dev"], data["test"]
    std = Standardizer().fit(Xtr)
    Xtr, Xdv, Xte = std.transform(Xtr), std.transform(Xdv), std.transform(Xte)
    n_in = int(np.prod(Xtr.shape[1:]))
    n_classes = int(max(ytr.numpy().max(), ydv.numpy().max(initial=0), yte.numpy().max()) + 1)
    model = build_model(n_in, args.hidden, n_classes, args.dropout, args.init,
                        batch_norm=not args.no_batch_norm)
    opt = make_optimizer(args.optimizer, model, args.lr, args.weight_decay)
    sched = make_scheduler(args.schedule, opt, args.epochs)
    loss_fn = nn.CrossEntropyLoss()
    loader = DataLoader(TensorDataset(Xtr, ytr), batch_size=args.batch_size, shuffle=True,
                        seed=args.seed)
    summary = nn.summary(model, (1, n_in))
    (out_dir / "summary.txt").write_text(summary + "\n", encoding="utf-8")
    log(f"data: {data['name']}: train {len(ytr)}, dev {len(ydv)}, test {len(yte)}, "
        f"{n_in} features, {n_classes} classes")
    log(f"model: {sum(p.numel() for p in model.parameters()):,} parameters; optimizer "
        f"{args.optimizer}, lr {args.lr:g}, weight decay {args.weight_decay:g}, schedule "
        f"{args.schedule}")

    history = []
    t_train = time.perf_counter()
    # Overflow on the way to divergence is reported once, as a clear error, by the
    # finiteness checks below, instead of as a stream of numpy warnings.
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(1, args.epochs + 1):
            history.append(_epoch(epoch, args, model, loader, loss_fn, opt, sched,
                                  (Xdv, ydv), log))
    train_seconds = time.perf_counter() - t_train
    test_loss, test_acc = evaluate(model, Xte, yte, loss_fn)
    log(f"test: loss {test_loss:.4f}, accuracy {100 * test_acc:.2f}% ({len(yte)} samples)")

    nn.save(model.state_dict(), out_dir / "model.npz")
    np.savez(out_dir / "standardizer.npz", **std.state_dict())
    _plot_curves(history, test_acc, out_dir / "curves.png")
    k = min(args.batch_size, len(ytr))
    graph_path = _save_graph(model, Xtr[:k], ytr[:k], loss_fn, out_dir, log)
    best = max(history, key=lambda h: (h["dev_acc"], -h["dev_loss"]))
    params = list(model.parameters())
    metrics = {
        "args": {k: v for k, v in vars(args).items() if k != "func"},
        "data": {"name": data["name"], "train": len(ytr), "dev": len(ydv), "test": len(yte),
                 "features": n_in, "classes": n_classes},
        "model": {"layers": [type(m).__name__ for m in model],
                  "parameters": sum(p.numel() for p in params),
                  "trainable_parameters": sum(p.numel() for p in params if p.requires_grad)},
        "history": history,
        "best_dev": {"epoch": best["epoch"], "accuracy": best["dev_acc"], "loss": best["dev_loss"]},
        "test_loss": test_loss,
        "test_accuracy": test_acc,
        "timing": {"train_seconds": train_seconds,
                   "seconds_per_epoch": train_seconds / args.epochs,
                   "total_seconds": time.perf_counter() - t0},
        "files": {"model": "model.npz", "standardizer": "standardizer.npz",
                  "curves": "curves.png", "graph": graph_path.name, "summary": "summary.txt"},
        "versions": {"autograd_core": ac.__version__, "numpy": np.__version__,
                     "python": platform.python_version()},
    }
    (out_dir / "metrics.json").write_text(json.dumps(metrics, indent=2, default=str) + "\n",
                                          encoding="utf-8")
    return metrics
