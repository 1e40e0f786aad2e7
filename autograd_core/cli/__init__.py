"""The command line: ``autograd-core train|graph`` (also ``python -m autograd_core``).

``train`` fits an MLP (Linear, BatchNorm1d, ReLU, Dropout; L2 on the weights; Adam by
default) on the bundled handwritten digits, or on MNIST IDX files with ``--data DIR``,
and writes a run directory: ``metrics.jsonl`` (one line per epoch, as training goes),
``metrics.json`` (written last; ``"status"`` complete or interrupted), ``curves.png``,
``graph.svg`` (``.dot`` without Graphviz), ``model.npz`` (the epoch best on dev;
``nn.load``), ``last.npz`` (the last completed epoch), ``standardizer.npz``,
``summary.txt``. Ctrl-C or SIGTERM ends training and finishes the run with the
completed epochs; ``--patience N`` stops early on the dev metric.
``graph`` draws the default model's graph, or that of a small expression.

This package is an application on top of the library: it uses ``autograd_core``'s public
surface, ``nn`` and ``optim``; nothing else in ``autograd_core`` imports it or them
(``tests/test_import_structure.py`` checks). Modules: ``parser`` (arguments), ``train``
(the run directory), ``training`` (data, model, optimizer, loop, outputs), ``graph``.
"""
import sys

from .parser import build_parser

__all__ = ["main", "build_parser"]


def main(argv=None):
    """Entry point of ``autograd-core`` and ``python -m autograd_core``; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    # errors found after parsing show the subcommand's usage, as parsing errors do
    command_parser = vars(args).pop("command_parser")
    return args.func(args, command_parser)
