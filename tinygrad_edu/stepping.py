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

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tinygrad_edu.engine import Value, backpropagate, walk
from tinygrad_edu.errors import as_float

if TYPE_CHECKING:
    from tinygrad_edu.ops import Op


def fmt(x: Any) -> str:
    """A number as learners like to read it: 5 significant digits, always with a point
    (``3.0``, ``0.76159``, ``1e-10``). A Value (a gradient under create_graph) shows its data."""
    text = f"{x.data if isinstance(x, Value) else x:.5g}"
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


@dataclass(frozen=True)
class Text:
    """How stepping and drawing print an op. In ``formula``, ``{0}``, ``{1}``, ... are the
    operands, ``{all}`` all of them, ``{first}`` and ``{second}`` the two halves of a ``dot``
    and ``{out}`` the output; ``local[i]`` says d(output)/d(operand i) in words (the last one
    serves every further operand), where ``{partner}`` is dot's other factor. ``symbol`` is
    the op's label in a drawing."""

    formula: str
    local: tuple[str, ...]
    symbol: str = ""


TEXT: dict[str, Text] = {
    "+": Text("{0} + {1}", ("1", "1")),
    "-": Text("{0} - {1}", ("1", "-1")),
    "*": Text("{0} * {1}", ("{1}", "{0}")),
    "/": Text("{0} / {1}", ("1/{1}", "-{out}/{1}")),
    "**": Text("{0} ** {1}", ("{1}·{0}^({1}-1)", "{out}·ln({0})")),
    "neg": Text("-{0}", ("-1",)),
    "exp": Text("exp({0})", ("{out}",)),
    "log": Text("log({0})", ("1/{0}",)),
    "sqrt": Text("sqrt({0})", ("1/(2·{out})",)),
    "tanh": Text("tanh({0})", ("1 - {out}²",)),
    "sigmoid": Text("sigmoid({0})", ("{out}·(1 - {out})",)),
    "relu": Text("relu({0})", ("1 if {0} > 0 else 0",)),
    "leaky_relu": Text("leaky_relu({0})", ("1 if {0} > 0 else α",)),
    "abs": Text("abs({0})", ("sign({0})",)),
    "sin": Text("sin({0})", ("cos({0})",)),
    "cos": Text("cos({0})", ("-sin({0})",)),
    "step": Text("step({0})", ("0",)),
    "sign": Text("sign({0})", ("0",)),
    "vsum": Text("sum({all})", ("1",), symbol="Σ"),
    "dot": Text("dot([{first}], [{second}])", ("{partner}",)),
}
"""The text of every built-in op; ``describe`` adds your own."""


def describe(name: str, formula: str | None = None, local: Sequence[str] | None = None) -> None:
    """Say how stepping and drawing should print your op ``name`` (``unary_op`` and
    ``binary_op`` call this with their ``formula=`` and ``local=``)."""
    default = TEXT.get(name)
    TEXT[name] = Text(formula or (default.formula if default else f"{name}({{0}})"),
                      tuple(local) if local else (default.local if default else ()))


def text_of(op: Op) -> Text:
    """The op's ``Text``, with plain defaults for what was not described: ``name({0}, {1})``
    and ``∂name/∂{0}`` (``name'({0})`` for one operand)."""
    text = TEXT.get(op.name)
    n = op.arity or 1
    formula = text.formula if text else f"{op.name}({', '.join(f'{{{i}}}' for i in range(n))})"
    local = text.local if text and text.local else (f"{op.name}'({{0}})",) if n == 1 else \
        tuple(f"∂{op.name}/∂{{{i}}}" for i in range(n))
    return Text(formula, local, text.symbol if text else "")


def _operands(node: Value, names: dict[Value, str]) -> list[str]:
    """What to put in the op's ``{0}``, ``{1}``, ...: parents' names, and a plain-number
    operand (the 2.0 in ``a * 2`` or ``2 - a``) where it stood."""
    assert node._op is not None
    return [names[v] if isinstance(v, Value) else fmt(v) for v in node._op.operands(node)]


def _fill(template: str, operands: list[str], out: str, partner: str = "") -> str:
    half = len(operands) // 2
    try:
        return template.format(*operands, out=out, all=", ".join(operands), partner=partner,
                               first=", ".join(operands[:half]),
                               second=", ".join(operands[half:]))
    except (IndexError, KeyError, ValueError):  # a user's op with an unusual template
        return template


def formula(node: Value, names: dict[Value, str]) -> str:
    """How ``node`` was computed, with names: ``'x + y'``, ``'tanh(v2)'``, ``'dot([w1, w2],
    [x1, x2])'``; ``''`` for a leaf."""
    op = node._op
    if op is None:
        return ""
    text = _fill(text_of(op).formula, _operands(node, names), names[node])
    if op.param is not None and node._const is not None:  # e.g. leaky_relu's alpha
        text = f"{text[:-1]}, {fmt(node._const)})" if text.endswith(")") else text
    return text


def _local_texts(node: Value, names: dict[Value, str]) -> list[str]:
    """d(node)/d(parent) in words for each parent: ``'b'`` for ``a * b``."""
    assert node._op is not None
    operands = _operands(node, names)
    templates = text_of(node._op).local
    half = len(operands) // 2
    values = [i for i, v in enumerate(node._op.operands(node)) if isinstance(v, Value)]
    return [_fill(templates[min(i, len(templates) - 1)], operands, names[node],
                  operands[i - half] if half else "") for i in values]


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
    return f"({fmt(x)})" if x < 0 else fmt(x)


def _same_number(text: str, x: float) -> bool:
    try:
        return float(text) == x
    except ValueError:
        return False


def backward_steps(root: Value, grad: float = 1.0) -> Iterator[Step]:
    """``root.backward()`` one node at a time: the engine's ``backpropagate``, stopped after
    every step to say what it did. Nothing happens until you ask for the first step; running
    all of them leaves exactly the gradients ``backward()`` leaves (inner nodes zeroed first,
    leaves accumulate). Leaves have nothing to pass on, so they get no step."""
    names = node_names(root)
    seed = grad if type(grad) is float else as_float(grad, "backward_steps(grad)")
    passes = backpropagate(root, seed)
    node = next(passes, None)
    index = 0
    while node is not None:
        upstream = node.grad
        running = {p: p.grad for p in node.parents}  # what each parent holds before the step
        following = next(passes, None)  # the engine runs this node's step
        updates = []
        for parent, local, said in zip(node.parents, node.local_grads,
                                       _local_texts(node, names)):
            contribution = local * upstream  # the same arithmetic as Value._backward
            running[parent] = running[parent] + contribution
            updates.append(ParentUpdate(parent, names[parent], local, said, contribution,
                                        running[parent]))
        index += 1
        yield Step(index, node, names[node], node.op, formula(node, names), names[root],
                   upstream, tuple(updates))
        node = following


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
