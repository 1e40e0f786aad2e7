"""The argument parser of ``autograd-core`` (``train`` and ``graph``).

Range errors are argparse usage errors (exit status 2), never tracebacks. Each
subcommand's handler is ``func(args, parser)`` in its own module (``train``, ``graph``).
"""
import argparse

from . import graph, train

__all__ = ["build_parser", "OPTIMIZERS", "SCHEDULES", "INITS"]

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


def _version():
    import platform

    import numba
    import numpy

    import autograd_core

    return (f"%(prog)s {autograd_core.__version__} (numpy {numpy.__version__}, numba "
            f"{numba.__version__}, Python {platform.python_version()})")


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
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", metavar="{train,graph}")

    t = sub.add_parser(
        "train", help="train an MLP on the bundled digits (or MNIST with --data)",
        description="Train an MLP (Linear -> BatchNorm1d -> ReLU -> Dropout per hidden layer) "
                    "with cross-entropy, L2 weight decay on the weights, and the chosen "
                    "optimizer. Prints train/dev loss and accuracy per epoch and the final "
                    "test accuracy; writes metrics.jsonl (one line per epoch, as it goes), "
                    "metrics.json, curves.png, graph.svg, model.npz (the epoch best on dev), "
                    "last.npz (the last epoch), standardizer.npz and summary.txt into the "
                    "run directory. Ctrl-C or SIGTERM stops training and keeps the completed "
                    "epochs, marked interrupted in metrics.json.")
    _model_args(t)
    t.add_argument("--epochs", type=_int_at_least(1), default=30, help="(default: 30)")
    t.add_argument("--batch-size", type=_int_at_least(1), default=64,
                   help="(default: 64; with batch norm at least 2, and a last batch of one "
                        "sample is merged into the one before)")
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
    t.add_argument("--patience", type=_int_at_least(1), default=None, metavar="N",
                   help="stop when the dev accuracy (ties: dev loss) has not improved for N "
                        "epochs (default: train all --epochs); model.npz is the best epoch "
                        "either way")
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
    t.set_defaults(func=train.run, command_parser=t)

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
    g.set_defaults(func=graph.run, command_parser=g)
    return parser
