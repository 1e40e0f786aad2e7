"""A tiny, safe expression language for ``autograd-core graph --expr "tanh(x*w+b)"``.

Nothing is evaluated as Python: the text is tokenized and parsed here (precedence
climbing) into calls of Tensor operations from a fixed list.

Grammar (usual precedence; ``**`` binds tighter than unary minus and is right
associative, so ``-x**2`` is ``-(x**2)``)::

    expr   := term (("+" | "-") term)*
    term   := unary (("*" | "/" | "@") unary)*
    unary  := ("-" | "+") unary | power
    power  := atom ("**" unary)?
    atom   := NUMBER | NAME | FUNC "(" expr ")" | "(" expr ")"

A NAME that is not a function is a variable; numbers are Python floats.
"""
import re

__all__ = ["parse", "evaluate", "variables", "FUNCTIONS", "ExprError"]

#: function name -> Tensor method called (one tensor argument each)
FUNCTIONS = {
    "tanh": "tanh", "sigmoid": "sigmoid", "relu": "relu", "exp": "exp", "log": "log",
    "sin": "sin", "cos": "cos", "sqrt": "sqrt", "abs": "abs", "sum": "sum", "mean": "mean",
    "square": "square",
}

_TOKEN = re.compile(r"\s*(?:(\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|([A-Za-z_]\w*)"
                    r"|(\*\*|[-+*/@(),]))")
MAX_LENGTH = 1000


class ExprError(ValueError):
    """The expression is not valid; the message gives the column."""


def _tokens(text):
    pos, out = 0, []
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m:
            col = pos + len(text[pos:]) - len(text[pos:].lstrip())
            raise ExprError(f"unexpected character {text[col]!r} at column {col + 1}")
        num, name, op = m.groups()
        col = m.start(m.lastindex) + 1
        if num is not None:
            out.append(("num", float(num), col))
        elif name is not None:
            out.append(("name", name, col))
        else:
            out.append(("op", op, col))
        pos = m.end()
    out.append(("end", None, len(text) + 1))
    return out


class _Parser:
    def __init__(self, text):
        self.toks = _tokens(text)
        self.i = 0
        self.depth = 0

    def peek(self):
        return self.toks[self.i]

    def take(self):
        t = self.toks[self.i]
        self.i += 1
        return t

    def expect(self, op):
        kind, val, col = self.take()
        if kind != "op" or val != op:
            got = "end of expression" if kind == "end" else repr(val)
            raise ExprError(f"expected {op!r} at column {col}, got {got}")

    def nest(self):
        self.depth += 1
        if self.depth > 100:  # keeps the recursive descent far from Python's limit
            raise ExprError("expression nested too deeply (more than 100 levels)")

    def expr(self):
        self.nest()
        node = self.term()
        while self.peek()[0] == "op" and self.peek()[1] in "+-":
            node = (self.take()[1], node, self.term())
        self.depth -= 1
        return node

    def term(self):
        node = self.unary()
        while self.peek()[0] == "op" and self.peek()[1] in ("*", "/", "@"):
            node = (self.take()[1], node, self.unary())
        return node

    def unary(self):
        if self.peek()[0] == "op" and self.peek()[1] in "+-":
            op = self.take()[1]
            self.nest()
            operand = self.unary()
            self.depth -= 1
            return ("neg", operand) if op == "-" else operand
        return self.power()

    def power(self):
        base = self.atom()
        if self.peek()[0] == "op" and self.peek()[1] == "**":
            self.take()
            self.nest()
            exponent = self.unary()
            self.depth -= 1
            return ("**", base, exponent)
        return base

    def atom(self):
        kind, val, col = self.take()
        if kind == "num":
            return ("num", val)
        if kind == "name":
            if self.peek()[0] == "op" and self.peek()[1] == "(":
                if val not in FUNCTIONS:
                    raise ExprError(f"unknown function {val!r} at column {col}; known: "
                                    f"{', '.join(sorted(FUNCTIONS))}")
                self.take()
                arg = self.expr()
                self.expect(")")
                return ("call", val, arg)
            if val in FUNCTIONS:
                raise ExprError(f"function {val!r} at column {col} needs parentheses: {val}(...)")
            return ("var", val)
        if kind == "op" and val == "(":
            node = self.expr()
            self.expect(")")
            return node
        got = "end of expression" if kind == "end" else repr(val)
        raise ExprError(f"unexpected {got} at column {col}")


def parse(text):
    """Parse ``text`` into a tree of tuples; raises ``ExprError`` naming the column."""
    if len(text) > MAX_LENGTH:
        raise ExprError(f"expression too long ({len(text)} characters, at most {MAX_LENGTH})")
    p = _Parser(text)
    tree = p.expr()
    kind, val, col = p.peek()
    if kind != "end":
        raise ExprError(f"unexpected {val!r} at column {col}")
    return tree


def variables(tree):
    """Variable names in order of first appearance."""
    out, stack = [], [tree]
    while stack:
        node = stack.pop()
        if node[0] == "var":
            if node[1] not in out:
                out.append(node[1])
        elif node[0] == "call":
            stack.append(node[2])
        elif node[0] != "num":
            stack.extend(reversed(node[1:]))
    return out


def evaluate(tree, env):
    """Evaluate ``tree`` with variables from ``env`` (name -> Tensor) using Tensor ops."""
    kind = tree[0]
    if kind == "num":
        return tree[1]
    if kind == "var":
        return env[tree[1]]
    if kind == "neg":
        return -evaluate(tree[1], env)
    if kind == "call":
        arg = evaluate(tree[2], env)
        if isinstance(arg, float):
            raise ExprError(f"{tree[1]}() needs a variable in its argument, got a number")
        return getattr(arg, FUNCTIONS[tree[1]])()
    a, b = evaluate(tree[1], env), evaluate(tree[2], env)
    if kind == "+":
        return a + b
    if kind == "-":
        return a - b
    if kind == "*":
        return a * b
    if kind == "/":
        return a / b
    if kind == "**":
        return a ** b
    if isinstance(a, float) or isinstance(b, float):
        raise ExprError("@ (matrix product) needs tensors on both sides, got a number")
    return a @ b
