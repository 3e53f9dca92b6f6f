"""The engine a learner reads in one sitting: a working engine on the first screen, a Value
defined in one place.

A teaching engine is read before it is run. These tests hold the promises engine.py's
docstring and docs/engine.md make to a reader: the first screen (at most 110 lines) is a
whole engine (the node's fields, the rows of + - * ** exp log tanh relu, the one function from a
row to a node, the operators, backward), the guard rails follow below a line; every method a
Value has is written in its class, and no module adds to it when imported; and the rooms the
docs name are the ones the docstring names, in the same order.
"""

import ast
import importlib
import pkgutil
import re
from pathlib import Path

import tinygrad_edu
from tinygrad_edu import engine
from tinygrad_edu.engine import Value

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "tinygrad_edu"
FIRST_SCREEN = 110  # lines
LINE = "# ==== Below the line"
STORY_ROWS = ["ADD", "SUB", "MUL", "POW", "EXP", "LOG", "TANH", "RELU"]
STORY_METHODS = ["__init__", "__add__", "__sub__", "__mul__", "__pow__", "exp", "log", "tanh",
                 "relu", "backward", "_backward"]
# The files a reader opens, in the order the docstring and docs/engine.md give.
READING_ORDER = ["engine.py", "graph.py", "row.py", "sums.py", "above.py"]


def source() -> str:
    return (PACKAGE / "engine.py").read_text(encoding="utf-8")


def first_screen() -> ast.Module:
    """The statements that start on the first screen of engine.py."""
    tree = ast.parse(source())
    return tree


def test_the_first_screen_is_a_whole_engine():
    lines = source().splitlines()
    line = next(i for i, text in enumerate(lines, 1) if text.strip().startswith(LINE))
    assert line - 1 <= FIRST_SCREEN, f"the story runs to line {line - 1}, more than a screen"
    tree = ast.parse(source())
    starts = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    starts.setdefault(target.id, node.lineno)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            starts[node.name] = node.lineno
            if isinstance(node, ast.ClassDef) and node.name == "Value":
                for item in node.body:
                    if isinstance(item, ast.FunctionDef):
                        starts[f"Value.{item.name}"] = item.lineno
    for name in [*STORY_ROWS, "apply", "Value", *(f"Value.{m}" for m in STORY_METHODS)]:
        assert name in starts and starts[name] < line, f"{name} is not on the first screen"
    slots = Value.__slots__
    for field in ("_data", "grad", "_row", "_a", "_da", "_b", "_db"):
        assert field in slots


def test_the_guard_rails_are_below_the_line_each_once():
    """The rows not in the story, and the functions that handle plain numbers, errors and
    grad mode, start below the line; every row is written once."""
    lines = source().splitlines()
    line = next(i for i, text in enumerate(lines, 1) if text.strip().startswith(LINE))
    rows = [(i, m.group(1)) for i, text in enumerate(lines, 1)
            if (m := re.match(r"^([A-Z_]+) = Op\(", text))]
    names = [name for _, name in rows]
    assert len(names) == len(set(names)), "a row is written twice"
    for i, name in rows:
        assert (i < line) == (name in STORY_ROWS), f"{name} (line {i}) is on the wrong side"
    tree = ast.parse(source())
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name in (
                "with_numbers", "on_numbers", "made_by_hand", "backward_more"):
            assert node.lineno > line, f"{node.name} belongs below the line"


def test_the_first_screen_imports_only_what_it_uses():
    """A name imported above the line is used above it: what the guard rails alone need is
    imported below the line, so that nothing a newcomer reads first looks unused."""
    lines = source().splitlines()
    line = next(i for i, text in enumerate(lines, 1) if text.strip().startswith(LINE))
    screen = "\n".join(lines[:line - 1])
    tree = ast.parse(screen)
    imported = {(a.asname or a.name).split(".")[0] for n in tree.body
                if isinstance(n, (ast.Import, ast.ImportFrom))
                and getattr(n, "module", None) != "__future__"
                for a in n.names}
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    assert imported and imported <= used, f"imported above the line, unused: {imported - used}"


def test_engine_py_is_a_room_of_a_size_to_live_in():
    assert len(source().splitlines()) <= 600


def every_module() -> list[str]:
    return [m.name for m in pkgutil.walk_packages(tinygrad_edu.__path__, "tinygrad_edu.")]


def test_a_value_is_defined_in_one_place():
    """Every attribute of Value is written in its class in engine.py (vars(Value) is the whole
    Value), and importing every module of the package adds nothing to it."""
    before = dict(vars(Value))
    for name in every_module():
        if name.endswith("__main__"):
            continue
        try:
            importlib.import_module(name)
        except ImportError:  # (a module that needs an extra that is not installed)
            continue
    assert dict(vars(Value)) == before, "a module put something on Value when it was imported"
    tree = ast.parse(source())
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Value")
    written = {n.name for n in cls.body if isinstance(n, ast.FunctionDef)}
    written |= {t.id for n in cls.body if isinstance(n, (ast.Assign, ast.AnnAssign))
                for t in (n.targets if isinstance(n, ast.Assign) else [n.target])
                if isinstance(t, ast.Name)}
    written |= {e.id for n in cls.body if isinstance(n, ast.Assign) for t in n.targets
                if isinstance(t, ast.Tuple) for e in t.elts if isinstance(e, ast.Name)}
    automatic = {"__module__", "__qualname__", "__doc__", "__slots__", "__dict__",
                 "__annotations__", "__firstlineno__", "__static_attributes__"}
    for name in vars(Value):
        if name in automatic or name in Value.__slots__:
            continue
        assert name in written, f"Value.{name} is not written in the class"


NODE_FIELDS = {name for name in Value.__slots__ if name not in ("__dict__", "grad", "_data")}
"""The fields a node is built with, which nothing changes after (``grad`` and ``_data`` are
set again: by backward passes, by ``p.data -= lr * p.grad``)."""


def test_no_module_sets_an_attribute_of_a_node_class_and_one_function_builds_every_node():
    """No ``setattr(Value, ...)``, ``Value.x = ...`` (or Tensor's) anywhere in the package,
    but in the capture of a program, which changes what a Value does while it runs and puts
    it back (program/watching.py). And engine.fill is the one function that sets a node's
    fields, every one: apply's node, apply_rest's, a leaf's (``__init__``), sums.py's, a node
    made by hand or under no_grad all call it (copying.py copies any class's node, field by
    field, with setattr; the tensor engine's nodes are its own)."""
    setters = set()
    for path in PACKAGE.rglob("*.py"):
        if path.name == "watching.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        functions, fields_set = [], []
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                functions.append(node)
            targets = node.targets if isinstance(node, ast.Assign) else []
            for target in targets:
                assert not (isinstance(target, ast.Attribute) and isinstance(
                    target.value, ast.Name) and target.value.id in ("Value", "Tensor")), (
                    f"{path.name}:{node.lineno} sets {target.value.id}.{target.attr}")
                for t in target.elts if isinstance(target, ast.Tuple) else [target]:
                    if isinstance(t, ast.Attribute) and t.attr in NODE_FIELDS:
                        fields_set.append(node.lineno)
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "setattr":
                first = node.args[0] if node.args else None
                assert not (isinstance(first, ast.Name) and first.id in ("Value", "Tensor")), (
                    f"{path.name}:{node.lineno} puts something on {first.id}")
        if "tensor" not in path.relative_to(PACKAGE).parts:
            for line in fields_set:  # (in the innermost function around the line)
                around = [f for f in functions if f.lineno <= line <= (f.end_lineno or 0)]
                name = max(around, key=lambda f: f.lineno).name if around else "(module)"
                setters.add(f"{path.name}:{name}")
    assert setters == {"engine.py:fill"}, f"a node's fields are set in {sorted(setters)}"
    leaf = engine.fill(engine.bare(Value), 2.0, None)
    assert all(hasattr(leaf, name) for name in Value.__slots__ if name != "__dict__")


def test_every_node_has_every_field_with_one_meaning():
    """Every node has every field, each with the one meaning the class's __slots__ give it
    (set by engine.fill, the one function that sets them: test_one_function_builds_every_node):
    leaves, nodes of one and two operands, with plain numbers, of whole lists, made by
    hand, and under no_grad."""
    from tinygrad_edu import dot, no_grad, vsum

    a, b = Value(2.0), Value(3.0)
    with no_grad():
        quiet = a * b
    nodes = [a, a * b, a.tanh(), a * 2.0, 2.0 - a, dot([a, b], [b, 1.0]), vsum([a, 2.0]),
             Value(1.0, (a, b), (1.0, 2.0)), quiet, a.leaky_relu(0.1)]
    for node in nodes:
        for field in Value.__slots__:
            if field != "__dict__":
                assert hasattr(node, field), f"{node!r} has no {field}"
        for operand, local in ((node._a, node._da), (node._b, node._db)):
            assert (local is None) or isinstance(operand, Value)  # a local derivative: a parent
            if node._list is None:  # an operand as given: a Value, a float, or none
                assert operand is None or isinstance(operand, Value) or type(operand) is float
                assert (local is None) == (not isinstance(operand, Value) or node._row is None)
        if node._list is not None:  # its parents, and the local derivative towards each
            assert node._da is None and node._db is None
            assert len(node._list) == len(node._list_grads)
            assert all(isinstance(p, Value) for p in node._list)
            assert all(type(d) is float for d in node._list_grads)
            given = (*node._a, *(node._b or ()))  # its lists as given: the parents among them
            assert [x for x in given if isinstance(x, Value)] == list(node._list)
            assert all(isinstance(x, Value) or type(x) is float for x in given)
        assert node._operands == tuple(x for x in (node._a, node._b) if x is not None) or \
            node._list is not None  # what it was computed from: its operands, in order
    assert quiet._row is None and not quiet.requires_grad and a.requires_grad
    left = 2.0 - a  # a number on the left stays on the left
    assert (left._a, left._da, left._b, left._db) == (2.0, None, a, -1.0)
    assert left._operands == (2.0, a) and left.parents == (a,)
    assert dot([a, 2.0], [b, a])._operands == (a, 2.0, b, a)


def test_the_docstring_and_the_docs_give_the_same_reading_order():
    docstring = ast.get_docstring(ast.parse(source()))
    assert docstring and "graph.py" in docstring
    page = (ROOT / "docs" / "engine.md").read_text(encoding="utf-8")
    page = page[page.index("## Reading the engine"):].split("\n## ", 1)[0]
    positions = [page.find(f"`tinygrad_edu/{name}`") for name in READING_ORDER]
    assert -1 not in positions, f"docs/engine.md does not name {READING_ORDER[positions.index(-1)]}"
    assert positions == sorted(positions), "docs/engine.md names the files in another order"
    for name in READING_ORDER:
        module = ast.get_docstring(ast.parse((PACKAGE / name).read_text(encoding="utf-8")))
        assert module and len(module.split()) >= 15, f"{name}: no docstring saying why"


def test_rules_on_floats_compute_on_floats():
    """An ordinary backward pass runs each rule on floats and gets a float: no rule calls the
    engine (sin's rule is math.cos, not Value.cos); where a rule must build a graph, the row
    says so once (graph_rules)."""
    for name in ("SIN", "COS", "POW", "RELU", "ABS", "LEAKY_RELU"):
        row = getattr(engine, name)
        assert row.graph_rules is not row.rules, f"{name}: no graph rule of its own"
    for row in (engine.SIN, engine.COS, engine.TANH, engine.EXP, engine.LOG):
        for rule in row.rules:
            assert type(rule(0.5, row.forward(0.5))) is float


def test_the_first_screen_runs_on_its_own():
    """engine.py cut at its line is still a working engine for + - * ** exp log tanh relu and
    backward: the same numbers and gradients as the whole engine."""
    lines = source().splitlines()
    line = next(i for i, text in enumerate(lines, 1) if text.strip().startswith(LINE))
    screen: dict[str, object] = {"__name__": "first_screen"}
    exec(compile("\n".join(lines[:line - 1]), "engine_first_screen.py", "exec"), screen)
    found = []
    for kind in (screen["Value"], Value):
        a, b = kind(1.5), kind(0.5)
        c = (a * b + a.tanh() + (a ** b).log() + b.exp() + (a + -2.0).relu() - b) * 3.0
        c.backward()
        found.append((c.data, a.grad, b.grad))
    assert found[0] == found[1]
