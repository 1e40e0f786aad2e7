"""``einsum``: Einstein summation, composed of existing primitives (diagonal indexing
for a label repeated within an operand, ``sum`` for labels that appear nowhere else,
``permute``/``reshape``/``matmul`` for each pairwise contraction, left to right), so
its gradient, grad-of-grad included, is theirs.

Equation syntax as PyTorch's: letters a-z and A-Z, ``...`` for broadcast dims, an
optional ``->`` output; without one the output is the ellipsis dims then the labels
used once, in alphabetical order. Dims of size 1 broadcast against the same label's
size elsewhere.
"""
import math

from ..tensor_type import is_tensor

__all__ = ["einsum"]


def _parse(eq, n_ops):
    eq = eq.replace(" ", "")
    if "->" in eq:
        lhs, out = eq.split("->", 1)
        if "->" in out:
            raise ValueError(f"einsum: equation {eq!r} has more than one '->'")
    else:
        lhs, out = eq, None
    terms = lhs.split(",")
    if len(terms) != n_ops:
        raise ValueError(f"einsum: equation {eq!r} has {len(terms)} operand subscripts but "
                         f"{n_ops} operands were given")
    return terms, out


def _labels(term, ndim, k):
    """Labels of an operand's dims: letters as themselves, ellipsis dims as ints counted
    from the right (0 = the last broadcast dim)."""
    if term.count("...") > 1:
        raise ValueError(f"einsum: operand {k} subscript {term!r} has more than one '...'")
    head, dots, tail = term.partition("...")
    for c in head + tail:
        if not c.isascii() or not c.isalpha():
            raise ValueError(f"einsum: invalid subscript {c!r} in {term!r} (letters a-z, "
                             "A-Z and '...' only)")
    n_ell = ndim - len(head) - len(tail)
    if (not dots and n_ell != 0) or n_ell < 0:
        raise ValueError(f"einsum: operand {k} has {ndim} dims but subscript {term!r} "
                         f"describes {len(head) + len(tail)}{' or more' if dots else ''}")
    return list(head) + list(range(n_ell - 1, -1, -1)) + list(tail)


def _take_diagonals(x, labels):
    """Repeated labels within one operand: keep the diagonal (moved to the end)."""
    while True:
        seen = {}
        for i, lab in enumerate(labels):
            if lab in seen:
                p = seen[lab]
                if x.shape[p] != x.shape[i]:
                    raise ValueError(f"einsum: subscript {lab!r} repeated in an operand with "
                                     f"sizes {x.shape[p]} and {x.shape[i]}")
                x = x.diagonal(0, p, i)
                labels = [l for j, l in enumerate(labels) if j not in (p, i)] + [lab]
                break
            seen[lab] = i
        else:
            return x, labels


def _sum_out(x, labels, keep):
    dims = tuple(i for i, l in enumerate(labels) if l not in keep)
    if not dims:
        return x, labels
    return x.sum(dims), [l for l in labels if l in keep]


def _expand_to(x, labels, sizes):
    target = tuple(sizes[l] for l in labels)
    return x if x.shape == target else x.expand(target)


def _contract(a, la, b, lb, later, sizes):
    """a (labels la) times b (labels lb), summed over the shared labels not in ``later``."""
    common = [l for l in la if l in lb]
    batch = [l for l in common if l in later]
    red = [l for l in common if l not in later]
    a_only = [l for l in la if l not in lb]
    b_only = [l for l in lb if l not in la]
    a = _expand_to(a, la, {**{l: a.shape[i] for i, l in enumerate(la)},
                           **{l: sizes[l] for l in common}})
    b = _expand_to(b, lb, {**{l: b.shape[i] for i, l in enumerate(lb)},
                           **{l: sizes[l] for l in common}})
    a = a.permute(*[la.index(l) for l in batch + a_only + red])
    b = b.permute(*[lb.index(l) for l in batch + red + b_only])
    bs = [sizes[l] for l in batch]
    m = [a.shape[len(batch) + i] for i in range(len(a_only))]
    n = [b.shape[len(batch) + len(red) + i] for i in range(len(b_only))]
    k = math.prod(sizes[l] for l in red)
    a = a.reshape(*bs, math.prod(m), k)
    b = b.reshape(*bs, k, math.prod(n))
    out = (a @ b).reshape(*bs, *m, *n)
    return out, batch + a_only + b_only


def einsum(equation, *operands):
    """Sum of products of ``operands`` over the labels ``equation`` contracts, e.g.
    ``einsum('ij,jk->ik', a, b)`` (matmul), ``einsum('bii->bi', x)`` (diagonals),
    ``einsum('i,j', u, v)`` (outer product), ``einsum('...ij->...ji', x)``."""
    if not isinstance(equation, str):
        raise TypeError(f"einsum: equation must be a str, got {type(equation).__name__}")
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise ValueError("einsum: at least one operand is required")
    for k, t in enumerate(operands):
        if not is_tensor(t):
            raise TypeError(f"einsum: operand {k} must be a Tensor, got {type(t).__name__}")
    terms, out = _parse(equation, len(operands))
    labels = [_labels(t, x.ndim, k) for k, (t, x) in enumerate(zip(terms, operands))]
    n_ell = max((sum(isinstance(l, int) for l in ls) for ls in labels), default=0)
    if out is None:
        once = sorted(c for c in set(c for ls in labels for c in ls if isinstance(c, str))
                      if sum(ls.count(c) for ls in labels) == 1)
        out_labels = list(range(n_ell - 1, -1, -1)) + once
    else:
        n_out = len(out.replace("...", "")) + (n_ell if "..." in out else 0)
        out_labels = _labels(out, n_out, "output")
        present = set(l for ls in labels for l in ls)
        for l in out_labels:
            if out_labels.count(l) > 1:
                raise ValueError(f"einsum: output subscript {l!r} appears more than once")
            if l not in present:
                raise ValueError(f"einsum: output subscript {l!r} does not appear in the "
                                 "operands' subscripts")
    xs, ls = [], []
    for x, lab in zip(operands, labels):
        x, lab = _take_diagonals(x, lab)
        xs.append(x)
        ls.append(lab)
    sizes = {}
    for k, (x, lab) in enumerate(zip(xs, ls)):
        for s, l in zip(x.shape, lab):
            if sizes.get(l, 1) != 1 and s != 1 and s != sizes[l]:
                name = repr(l) if isinstance(l, str) else "'...'"
                raise ValueError(f"einsum: subscript {name} has size {s} in operand {k} but "
                                 f"{sizes[l]} before it (sizes must match or be 1)")
            if s != 1 or l not in sizes:
                sizes[l] = s
    need_out = set(out_labels)
    acc, la = None, None
    for k, (x, lab) in enumerate(zip(xs, ls)):
        later = need_out.union(*[set(v) for v in ls[k + 1:]])
        x, lab = _sum_out(x, lab, later | (set(la) if la is not None else set()))
        if acc is None:
            acc, la = x, lab
            continue
        acc, la = _sum_out(acc, la, later | set(lab))
        acc, la = _contract(acc, la, x, lab, later, sizes)
    acc, la = _sum_out(acc, la, need_out)
    order = [la.index(l) for l in out_labels]
    if order != sorted(order):
        acc = acc.permute(*order)
    return _expand_to(acc, out_labels, sizes) if acc.ndim else acc
