"""Watch the chain rule happen: backward one node at a time, and a graph as plain text.

>>> from tinygrad_edu import Value
>>> a, b = Value(2.0, label="a"), Value(3.0, label="b")
>>> c = a * b
>>> c.label = "c"
>>> for step in c.backward_steps():
...     print(step)  # doctest: +NORMALIZE_WHITESPACE
c = a * b  upstream dc/dc = 1.0;  dc/da = b = 3.0 -> a.grad += 1.0 * 3.0 = 3.0;
  dc/db = a = 2.0 -> b.grad += 1.0 * 2.0 = 2.0

Every value gets a short name: its label if it has one, else ``v1``, ``v2``, ... in the
order ``walk`` lists the graph (so the same graph always gets the same names). Steps, the
text view and the drawings of ``tinygrad_edu.viz`` all use these names.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tinygrad_edu.engine import Value, _num, _to_float, dot_operands, walk


def fmt(x: Any) -> str:
    """A number as learners like to read it: 5 significant digits, always with a point
    (``3.0``, ``0.76159``, ``1e-10``). A Value (a gradient under create_graph) shows its data."""
    text = f"{_num(x):.5g}"
    return text if any(c in text for c in ".ein") else text + ".0"


def node_names(*roots: Value) -> dict[Value, str]:
    """A short name for every value the roots depend on: its label, or ``v1``, ``v2``, ... in
    ``walk`` order for unlabelled values. A label that is used twice (every neuron has a
    ``b``) gets ``#2``, ``#3``, ... on its later uses, so that names stay unique."""
    order = walk(*roots)
    taken = {node.label for node in order if node.label}
    names: dict[Value, str] = {}
    used: dict[str, int] = {}
    counter = 0
    for node in order:
        if node.label:
            used[node.label] = used.get(node.label, 0) + 1
            name = node.label if used[node.label] == 1 else f"{node.label}#{used[node.label]}"
        else:
            counter += 1
            while f"v{counter}" in taken:  # never clash with a user's label "v3"
                counter += 1
            name = f"v{counter}"
        names[node] = name
    return names


# ----------------------------------------------------------------------------- formulas


def _operands(node: Value, names: dict[Value, str]) -> list[str]:
    """What to put in the op's ``{0}``, ``{1}``: parents' names, and a plain-number operand
    (the 2.0 in ``a * 2`` or ``2 - a``) where it stood."""
    op, const = node._op, node._const
    if op is not None and op.name == "dot":
        return [names[v] if isinstance(v, Value) else fmt(v) for v in dot_operands(node)]
    ops = [names[p] for p in node.parents]
    if op is not None and const is not None and op.arity == 2 and len(node.parents) == 1:
        ops.insert(0 if op.const_left else 1, fmt(const))
    return ops


def _fill(template: str, operands: list[str], out: str) -> str:
    try:
        return template.format(*operands, out=out, all=", ".join(operands))
    except (IndexError, KeyError, ValueError):  # a user's op with an unusual template
        return template


def formula(node: Value, names: dict[Value, str]) -> str:
    """How ``node`` was computed, with names: ``'x + y'``, ``'tanh(v2)'``, ``'dot([w1, w2],
    [x1, x2])'``; ``''`` for a leaf."""
    op = node._op
    if op is None:
        return ""
    operands = _operands(node, names)
    if op.name == "dot":
        half = len(operands) // 2
        return f"dot([{', '.join(operands[:half])}], [{', '.join(operands[half:])}])"
    text = _fill(op.formula, operands, names[node])
    if op.arity == 1 and node._const is not None:  # an op parameter, e.g. leaky_relu's alpha
        text = f"{text[:-1]}, {fmt(node._const)})" if text.endswith(")") else text
    return text


def _local_text(node: Value, i: int, names: dict[Value, str]) -> str:
    """d(node)/d(parent i) in words, from the op's ``local_text``: ``'b'`` for ``a * b``."""
    op = node._op
    assert op is not None
    parents = node.parents
    if op.name == "dot":  # d/dwᵢ = xᵢ and d/dxᵢ = wᵢ: the partner in the other half
        operands = _operands(node, names)
        where = [k for k, v in enumerate(dot_operands(node)) if isinstance(v, Value)][i]
        return operands[(where + len(operands) // 2) % len(operands)]
    if op.arity == 2 and len(parents) == 1:  # the other operand was a plain number
        template = op.local_text[1 if op.const_left else 0]
    else:
        template = op.local_text[min(i, len(op.local_text) - 1)]
    return _fill(template, _operands(node, names), names[node])


# ----------------------------------------------------------------------------- steps


@dataclass(frozen=True)
class ParentUpdate:
    """What one step did to one parent: ``parent.grad += upstream * local``."""

    parent: Value
    name: str
    local: float  # d(node)/d(parent)
    local_text: str  # the same in words, e.g. "b" for c = a * b
    contribution: float  # upstream * local, the amount added
    grad_after: float  # the parent's grad once it was added


@dataclass(frozen=True)
class Step:
    """One node's share of the backward pass: its gradient (``upstream``) times each local
    derivative is added to the parent's gradient. ``print(step)`` shows it with numbers."""

    index: int  # 1 for the first step
    node: Value
    name: str
    op: str
    formula: str  # "a * b"
    root_name: str
    upstream: float  # d(root)/d(node), complete by the time this step runs
    updates: tuple[ParentUpdate, ...]  # one per operand use: a * a has two

    def __str__(self) -> str:
        root, me = self.root_name, self.name
        head = f"{me} = {self.formula}  upstream d{root}/d{me} = {fmt(self.upstream)}"
        parts = []
        for u in self.updates:
            local = fmt(u.local)
            said = u.local_text if _same_number(u.local_text, u.local) else \
                f"{u.local_text} = {local}"
            text = (f"d{me}/d{u.name} = {said} -> {u.name}.grad += {_paren(self.upstream)} * "
                    f"{_paren(u.local)} = {fmt(u.contribution)}")
            if u.grad_after != u.contribution:  # it already held something: say the total
                text += f" (now {fmt(u.grad_after)})"
            parts.append(text)
        if len(parts) <= 2:
            return ";  ".join([head, *parts])
        return "\n    ".join([head + ":", *parts])

    def __repr__(self) -> str:
        return f"<Step {self.index}: {self.name} = {self.formula}>"


def _paren(x: float) -> str:
    return f"({fmt(x)})" if _num(x) < 0 else fmt(x)


def _same_number(text: str, x: float) -> bool:
    try:
        return float(text) == x
    except ValueError:
        return False


def backward_steps(root: Value, grad: float = 1.0) -> Iterator[Step]:
    """``root.backward()`` one node at a time. Nothing happens until you ask for the first
    step; running all of them leaves exactly the gradients ``backward()`` leaves (inner nodes
    zeroed first, leaves accumulate). Leaves have nothing to pass on, so they get no step."""
    order = walk(root)
    names = node_names(root)
    for node in order:
        if node.parents:
            node.grad = 0.0
    root.grad += _to_float(grad, "backward_steps(grad)") if type(grad) is not float else grad
    index = 0
    for node in reversed(order):  # as in Value.backward
        if not node.parents:
            continue
        upstream = node.grad
        updates = []
        for i, (parent, local) in enumerate(zip(node.parents, node.local_grads)):
            contribution = local * upstream
            parent.grad += contribution  # the chain rule, exactly as in Value._backward
            updates.append(ParentUpdate(parent, names[parent], local,
                                        _local_text(node, i, names), contribution, parent.grad))
        index += 1
        yield Step(index, node, names[node], node.op, formula(node, names), names[root],
                   upstream, tuple(updates))


# ----------------------------------------------------------------------------- text view


def text_graph(root: Value, width: int = 48) -> str:
    """The graph as a table, one line per value in topological order (parents first): its
    name, how it was computed, its data and its grad. Needs no Graphviz; fine for hundreds
    of values. Expressions longer than ``width`` characters are shortened with ``…``.

    >>> from tinygrad_edu import Value
    >>> x, y = Value(3.0, label="x"), Value(2.0, label="y")
    >>> f = (x + y) * (x - y)
    >>> f.backward()
    >>> print(text_graph(f))
    value  computed as  data  grad
    x      (leaf)        3.0   6.0
    y      (leaf)        2.0  -4.0
    v1     x + y         5.0   1.0
    v2     x - y         1.0   5.0
    v3     v1 * v2       5.0   1.0
    """
    names = node_names(root)
    rows = [("value", "computed as", "data", "grad")]
    for node in names:
        how = formula(node, names) or "(leaf)"
        if len(how) > width:
            how = how[: width - 1] + "…"
        rows.append((names[node], how, fmt(node.data), fmt(node.grad)))
    w = [max(len(row[k]) for row in rows) for k in range(4)]
    lines = [f"{a:<{w[0]}}  {b:<{w[1]}}  {c:>{w[2]}}  {d:>{w[3]}}" for a, b, c, d in rows]
    return "\n".join(line.rstrip() for line in lines)
