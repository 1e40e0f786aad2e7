"""Command line: ``autograd-core train`` / ``python -m autograd_core train`` and ``graph``.

``train`` fits an MLP (Linear, BatchNorm1d, ReLU, Dropout; L2 on the weights; Adam by
default) on the bundled handwritten digits, or on MNIST IDX files with ``--data DIR``,
and writes a run directory: ``metrics.json``, ``curves.png``, ``graph.svg`` (``.dot``
without Graphviz), ``model.npz`` (``nn.load``), ``standardizer.npz``, ``summary.txt``.
The directory is filled under a temporary name next to it and renamed when everything
is written, so a failed or interrupted run leaves nothing half-written.

``graph`` draws the default model's graph, or that of a small expression
(``--expr "tanh(x*w+b)"``, parsed by ``autograd_core._expr``; nothing is eval'd).

Bad arguments give argparse's usage message and exit status 2, never a traceback.
"""
import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["main", "build_parser"]

OPTIMIZERS = ("adam", "adamw", "sgd", "momentum", "rmsprop")
SCHEDULES = ("none", "step", "exp", "cosine", "inverse-time", "warmup-cosine")
INITS = ("he", "xavier", "lecun", "default")


# -- argument types: range errors become argparse usage errors (exit 2) -------------------
def _int_at_least(low):
    def parse(text):
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
        if v < low:
            raise argparse.ArgumentTypeError(f"must be >= {low}, got {v}")
        return v
    parse.__name__ = "int"
    return parse


def _float_in(low, high=None, low_open=False, high_open=True):
    def parse(text):
        try:
            v = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid float value: {text!r}") from None
        ok = (v > low if low_open else v >= low) and (
            high is None or (v < high if high_open else v <= high))
        if not ok:  # nan fails every comparison
            lo = f"> {low}" if low_open else f">= {low}"
            hi = "" if high is None else (f" and < {high}" if high_open else f" and <= {high}")
            raise argparse.ArgumentTypeError(f"must be {lo}{hi}, got {text}")
        return v
    parse.__name__ = "float"
    return parse


def _shape_var(text):
    name, sep, dims = text.partition("=")
    if not sep or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"expected NAME=SHAPE like x=3,4, got {text!r}")
    try:
        shape = tuple(int(d) for d in dims.split(",") if d.strip()) if dims.strip() else ()
    except ValueError:
        raise argparse.ArgumentTypeError(f"shape of {name} must be comma-separated ints, got {dims!r}") from None
    if any(d < 1 for d in shape):
        raise argparse.ArgumentTypeError(f"shape of {name} must have positive sizes, got {shape}")
    return name, shape


def _model_args(p):
    p.add_argument("--hidden", type=_int_at_least(1), nargs="+", default=[128, 64],
                   metavar="N", help="hidden layer sizes (default: 128 64)")
    p.add_argument("--dropout", type=_float_in(0.0, 1.0), default=0.2, metavar="P",
                   help="dropout probability after each hidden layer, 0 <= P < 1 (default: 0.2)")
    p.add_argument("--init", choices=INITS, default="he",
                   help="weight initialization of the Linear layers (default: he)")
    p.add_argument("--no-batch-norm", action="store_true", help="leave out BatchNorm1d layers")
    p.add_argument("--seed", type=_int_at_least(0), default=0,
                   help="seed of initialization, dropout and shuffling (default: 0)")


def build_parser():
    parser = argparse.ArgumentParser(
        prog="autograd-core",
        description="Train a small MLP with autograd-core, or draw a computation graph.")
    sub = parser.add_subparsers(dest="command", metavar="{train,graph}")

    t = sub.add_parser(
        "train", help="train an MLP on the bundled digits (or MNIST with --data)",
        description="Train an MLP (Linear -> BatchNorm1d -> ReLU -> Dropout per hidden layer) "
                    "with cross-entropy, L2 weight decay on the weights, and the chosen "
                    "optimizer. Prints train/dev loss and accuracy per epoch and the final "
                    "test accuracy; writes metrics.json, curves.png, graph.svg, model.npz, "
                    "standardizer.npz and summary.txt into the run directory.")
    _model_args(t)
    t.add_argument("--epochs", type=_int_at_least(1), default=30, help="(default: 30)")
    t.add_argument("--batch-size", type=_int_at_least(1), default=64, help="(default: 64)")
    t.add_argument("--lr", type=_float_in(0.0, low_open=True), default=1e-3,
                   help="learning rate (default: 1e-3; sgd/momentum want about 0.05)")
    t.add_argument("--optimizer", choices=OPTIMIZERS, default="adam",
                   help="momentum = SGD with momentum 0.9 (default: adam)")
    t.add_argument("--weight-decay", type=_float_in(0.0), default=1e-4, metavar="WD",
                   help="L2 penalty on the Linear weights (AdamW: decoupled decay) (default: 1e-4)")
    t.add_argument("--schedule", choices=SCHEDULES, default="none",
                   help="per-epoch learning-rate schedule: step (x0.3 every epochs/3), exp "
                        "(to 1%% at the end), cosine (to 0), inverse-time (lr/(1+9e/E)), "
                        "warmup-cosine (linear warm-up over 10%% of the epochs, then cosine) "
                        "(default: none)")
    t.add_argument("--data", metavar="DIR", default=None,
                   help="directory with MNIST IDX files (train-images-idx3-ubyte[.gz] ...) "
                        "instead of the bundled digits")
    t.add_argument("--out", metavar="DIR", default=None,
                   help="run directory to create (default: runs/<timestamp>/)")
    t.add_argument("--no-progress", action="store_true", help="no progress bars")
    t.add_argument("--blas-threads", type=_int_at_least(1), default=1, metavar="N",
                   help="BLAS threads for the matrix products (default: 1). The MLP's "
                        "products are small: on 2 cores, 2 OpenBLAS threads made a training "
                        "step 8-20x slower whenever another process was busy")
    t.set_defaults(func=_cmd_train)

    g = sub.add_parser(
        "graph", help="draw the default model's graph, or an expression's",
        description="Draw the computation graph of the default model (forward + loss on a "
                    "batch of 8 digits, grouped by module) or of --expr, an expression over "
                    "+ - * / ** @, parentheses, numbers, variables and the functions "
                    "tanh sigmoid relu exp log sin cos sqrt abs square sum mean.")
    g.add_argument("--expr", default=None, help='e.g. "tanh(x*w+b)"')
    g.add_argument("--var", type=_shape_var, action="append", default=[], metavar="NAME=SHAPE",
                   help="shape of a variable of --expr, e.g. --var x=4,3 (default: scalar)")
    g.add_argument("--out", default="graph.svg", metavar="FILE",
                   help="output file; .svg .png .pdf or .dot (default: graph.svg)")
    g.add_argument("--format", choices=("svg", "png", "pdf", "dot"), default=None,
                   help="output format (default: from --out's suffix)")
    g.add_argument("--values", action="store_true", help="show value summaries")
    _model_args(g)
    g.set_defaults(func=_cmd_graph)
    return parser


# -- train --------------------------------------------------------------------------------
def _fail(parser, command, message, status=1):
    print(f"{parser.prog} {command}: error: {message}", file=sys.stderr)
    return status


def _run_dir(out, parser):
    """(final dir, temporary dir next to it, parent dirs we created)."""
    if out is None:
        base = Path("runs") / time.strftime("%Y%m%d-%H%M%S")
        final, k = base, 1
        while final.exists():
            k += 1
            final = base.with_name(f"{base.name}-{k}")
    else:
        final = Path(out)
        if final.exists() and (not final.is_dir() or any(final.iterdir())):
            parser.error(f"argument --out: {final} already exists and is not an empty directory")
    created, p = [], final.parent
    while not p.exists():
        created.append(p)
        p = p.parent
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.partial-", dir=final.parent))
        umask = os.umask(0o022)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it private; a run dir is not
    except OSError as e:
        parser.error(f"argument --out: cannot create {final}: {e.strerror or e}")
    return final, tmp, created


def _cmd_train(args, parser):
    from autograd_core.data import IDXError

    from ._cli_train import TrainingError, load_data, run_training

    if args.data is not None and not Path(args.data).is_dir():
        parser.error(f"argument --data: {args.data} is not a directory (expected a directory "
                     "holding the MNIST IDX files train-images-idx3-ubyte[.gz] etc.)")
    try:
        data = load_data(args)
    except FileNotFoundError as e:
        parser.error(f"argument --data: {e}")
    except IDXError as e:
        return _fail(parser, "train", f"cannot read MNIST data: {e}")
    final, tmp, created = _run_dir(args.out, parser)

    def cleanup():
        shutil.rmtree(tmp, ignore_errors=True)
        for p in created:  # parents this run created, innermost first, if still empty
            try:
                p.rmdir()
            except OSError:
                break

    try:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=args.blas_threads, user_api="blas"):
            run_training(args, data, tmp)
        if final.exists():
            final.rmdir()  # the empty directory --out named
        os.replace(tmp, final)
    except TrainingError as e:
        cleanup()
        return _fail(parser, "train", str(e))
    except KeyboardInterrupt:
        cleanup()
        return _fail(parser, "train", "interrupted; no run directory written", 130)
    except BaseException:
        cleanup()
        raise
    print(f"run written to {final}{os.sep}")
    return 0


# -- graph --------------------------------------------------------------------------------
def _cmd_graph(args, parser):
    import numpy as np

    import autograd_core as ac
    from autograd_core.viz import GraphvizNotFoundWarning, draw_graph, save_graph

    from . import _expr

    if args.expr is not None:
        try:
            tree = _expr.parse(args.expr)
        except _expr.ExprError as e:
            parser.error(f"argument --expr: {e}")
        names = _expr.variables(tree)
        if not names:
            parser.error("argument --expr: the expression has no variables, so no graph")
        shapes = dict(args.var)
        unknown = sorted(set(shapes) - set(names))
        if unknown:
            parser.error(f"argument --var: {', '.join(unknown)} not in the expression")
        rng = np.random.default_rng(args.seed)
        env = {n: ac.tensor(rng.standard_normal(shapes.get(n, ())).astype(np.float32),
                            requires_grad=True) for n in names}
        try:
            with np.errstate(all="ignore"):
                result = _expr.evaluate(tree, env)
        except (ValueError, RuntimeError, TypeError) as e:
            parser.error(f"argument --expr: cannot evaluate {args.expr!r} with shapes "
                         f"{ {n: tuple(t.shape) for n, t in env.items()} }: {e}")
        dot = draw_graph(result, params=env, show_values=args.values, legend=True)
    else:
        import nn

        from ._cli_train import build_model
        from .data import load_digits

        ac.manual_seed(args.seed)
        X, y = load_digits()
        model = build_model(X.shape[1], args.hidden, 10, args.dropout, args.init,
                            batch_norm=not args.no_batch_norm)
        dot = draw_graph(model=model, input=X[:8], show_values=args.values,
                         loss_fn=lambda out: nn.functional.cross_entropy(out, y[:8]),
                         group_by_module=True, legend=True)
    import warnings
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", GraphvizNotFoundWarning)
        try:
            path = save_graph(dot, args.out, format=args.format)
        except (ValueError, OSError) as e:
            parser.error(f"argument --out: {e}")
    for w in caught:
        print(f"note: {w.message}", file=sys.stderr)
    print(f"graph written to {path}")
    return 0


def main(argv=None):
    """Entry point of ``autograd-core`` and ``python -m autograd_core``; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    return args.func(args, parser)
