"""L2 / L1 regularisation as taught: a differentiable penalty added to the cost.

    J_reg = J + lambda / (2 m) * sum_l ||W[l]||_F^2          (L2, "Frobenius")
    J_reg = J + lambda / m * sum_l sum |W[l]|                  (L1, sparse weights)

with m the number of training examples (the size of the set J averages over).
Only *weights* are penalised by default, not biases or normalisation / PReLU
parameters: a module names its weights in the class attribute
``penalized_parameters`` (``Linear``: ``("weight",)``; ``Maxout`` through its
``Linear``). Custom layers opt in the same way; ``include_all=True`` penalises every
parameter.

Relation to an optimizer's ``weight_decay`` (exact): the gradient of
``l2_penalty(model, lambd, m)`` with respect to W is (lambd / m) * W, so
``SGD(lr=lr, weight_decay=lambd / m)`` applied to the same parameters makes the same
update, W <- W - lr * (dW + lambd/m * W) = (1 - lr * lambd / m) * W - lr * dW: each step
shrinks the weights by the factor (1 - lr * lambd / m), hence "weight decay". The same
holds for Adam's (coupled) ``weight_decay``, which is added to the gradient before the
moment estimates; it does not hold for AdamW, whose decoupled decay
W <- W - lr * wd * W bypasses the adaptive scaling. A plain ``weight_decay`` on
``model.parameters()`` also decays biases and BatchNorm's gamma/beta; use
``weight_decay_groups`` to decay exactly what the penalty covers.
"""
import autograd_core as ac

__all__ = ["penalized_parameters", "l2_penalty", "l1_penalty", "weight_decay_groups"]


def penalized_parameters(model, include_all=False):
    """(name, Parameter) pairs of ``model`` that regularisation acts on: those each
    module lists in ``penalized_parameters`` (or all with ``include_all``). ``model`` may
    also be an iterable of parameters, which are then all penalised (names '0', '1', ...)."""
    if not hasattr(model, "named_modules"):
        return [(str(i), p) for i, p in enumerate(model)]
    if include_all:
        return list(model.named_parameters())
    out, seen = [], set()
    for mname, mod in model.named_modules():
        for pname in getattr(type(mod), "penalized_parameters", ()):
            p = mod._parameters.get(pname)
            if p is not None and id(p) not in seen:
                seen.add(id(p))
                out.append((f"{mname}.{pname}" if mname else pname, p))
    return out


def _check(lambd, m):
    if lambd < 0:
        raise ValueError(f"regularisation strength lambd must be >= 0, got {lambd}")
    if m is None:
        m = 1
    if m <= 0:
        raise ValueError(f"m (number of training examples) must be positive, got {m}")
    return float(lambd), float(m)


def _total(terms):
    terms = list(terms)
    if not terms:
        return ac.tensor(0.0)
    out = terms[0]
    for t in terms[1:]:
        out = out + t
    return out


def l2_penalty(model, lambd, m=None, include_all=False):
    """lambd / (2 m) * sum of squared Frobenius norms of the weights of ``model`` (a
    Module or an iterable of parameters); a 0-d Tensor in the graph, so
    ``(loss + l2_penalty(model, lambd, m)).backward()`` adds (lambd / m) * W to each
    weight's gradient. ``m`` defaults to 1 (then it is lambd / 2 * sum ||W||^2)."""
    lambd, m = _check(lambd, m)
    params = [p for _, p in penalized_parameters(model, include_all)]
    return _total((p * p).sum() for p in params) * (lambd / (2.0 * m))


def l1_penalty(model, lambd, m=None, include_all=False):
    """lambd / m * sum of |w| over the weights of ``model``; gradient (lambd / m) sign(w)."""
    lambd, m = _check(lambd, m)
    params = [p for _, p in penalized_parameters(model, include_all)]
    return _total(p.abs().sum() for p in params) * (lambd / m)


def weight_decay_groups(model, weight_decay, include_all=False):
    """Optimizer parameter groups: the penalised weights with ``weight_decay``, every
    other parameter with 0. ``SGD(weight_decay_groups(model, lambd / m), lr)`` equals
    training on loss + ``l2_penalty(model, lambd, m)``."""
    chosen = penalized_parameters(model, include_all)
    ids = {id(p) for _, p in chosen}
    rest = [p for p in model.parameters() if id(p) not in ids]
    groups = [{"params": [p for _, p in chosen], "weight_decay": float(weight_decay)}]
    if rest:
        groups.append({"params": rest, "weight_decay": 0.0})
    return groups
