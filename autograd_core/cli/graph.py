"""``autograd-core graph``: draw the default model's graph, or that of a small expression
(``--expr "tanh(x*w+b)"``, parsed by ``autograd_core._expr``; nothing is eval'd)."""
import sys

__all__ = ["run"]


def run(args, parser):
    """Handler of ``graph``: build the graph and save it as ``--out`` says."""
    import numpy as np

    import autograd_core as ac
    from autograd_core.viz import GraphvizNotFoundWarning, draw_graph, save_graph

    from autograd_core import _expr

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

        from autograd_core.data import load_digits

        from .training import build_model

        ac.manual_seed(args.seed)
        X, y = load_digits()
        model = build_model(X.shape[1], args.hidden, 10, args.dropout, args.init,
                            batch_norm=not args.no_batch_norm)
        dot = draw_graph(model=model, input=X[:8], show_values=args.values,
                         loss_fn=lambda out: nn.functional.cross_entropy(out, y[:8]),
                         group_by_module=True, legend=True)
    import warnings
    from pathlib import Path

    suffix = Path(args.out).suffix.lower().lstrip(".")
    if args.format and suffix in ("svg", "png", "pdf", "dot") and suffix != args.format:
        parser.error(f"argument --format: {args.format} does not match --out {args.out}; "
                     f"name the file .{args.format} or drop --format")
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
