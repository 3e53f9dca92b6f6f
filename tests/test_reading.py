"""The engine a learner reads in one sitting: the story first, the machinery beside it.

A teaching engine is read before it is run. These tests hold the promises the engine's
docstring and docs/engine.md make to a reader: how long the story is, where the op table
starts, that every room beside it says why it exists and adds to a Value only what the
engine does not define, and that the rooms the docstring names are the ones the docs name,
in the same order.
"""

import ast
import inspect
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "tinygrad_edu"
TABLE_ROW = re.compile(r"^ *[A-Z_]+ = Op\(")

# The story of each engine, and where its op table must start.
STORIES = {"engine.py": (400, 150)}
SCALAR_READING_PATH = ["engine.py", "graph.py"]  # the whole engine, at most 450 lines
# The rooms beside the scalar engine, which put a Value's other habits on it, in the order
# its docstring gives.
SCALAR_MACHINERY = ["as_number.py", "familiar_names.py", "copying.py", "autograd/gradients.py",
                    "viz/stepping.py"]


def lines_of(name: str) -> list[str]:
    return (PACKAGE / name).read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("name", sorted(STORIES))
def test_the_story_is_short_and_its_op_table_comes_early(name):
    most, table_before = STORIES[name]
    lines = lines_of(name)
    first_row = next((i for i, line in enumerate(lines, 1) if TABLE_ROW.match(line)), None)
    assert len(lines) <= most, f"{name}: {len(lines)} lines, at most {most} are read in one sitting"
    assert first_row is not None, f"{name}: no op table (a line `ADD = Op(...)`)"
    assert first_row < table_before, f"{name}: the op table starts at line {first_row}"


def test_the_scalar_engine_reads_in_at_most_450_lines():
    assert sum(len(lines_of(name)) for name in SCALAR_READING_PATH) <= 450


@pytest.mark.parametrize("name", SCALAR_MACHINERY)
def test_every_module_beside_the_story_says_why_it_exists(name):
    docstring = ast.get_docstring(ast.parse((PACKAGE / name).read_text(encoding="utf-8")))
    assert docstring and len(docstring.split()) >= 15, f"{name}: no docstring saying why"


def test_the_docstring_and_the_docs_give_the_same_reading_order():
    docstring = ast.get_docstring(ast.parse((PACKAGE / "engine.py").read_text("utf-8")))
    page = (ROOT / "docs" / "engine.md").read_text(encoding="utf-8")
    page = page[page.index("## Reading the engine"):]
    page = page[:page.index("\n## ", 1)]
    order = SCALAR_MACHINERY
    for text, where in ((docstring, "engine.py's docstring"), (page, "docs/engine.md")):
        positions = [text.find(name) for name in order]
        assert -1 not in positions, f"{where} does not name {order[positions.index(-1)]}"
        assert positions == sorted(positions), f"{where} names the files in another order"


def test_the_story_has_no_fast_path_bound_over_a_method_after_the_class():
    """What a learner reads is what runs: no ``Value.__add__ = ...`` below the class."""
    for name in STORIES:
        tree = ast.parse((PACKAGE / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    assert not (isinstance(target, ast.Attribute)
                                and isinstance(target.value, ast.Name)
                                and target.value.id in ("Value", "Tensor")), (
                        f"{name}:{node.lineno} binds {target.value.id}.{target.attr} after "
                        "the class")


def test_the_rooms_add_to_a_value_only_what_the_engine_does_not_define():
    """A room beside the engine puts methods on Value (as_number.py's comparisons, ...); none
    replaces what engine.py defines, so the code a learner reads there is the code that runs."""
    import tinygrad_edu  # noqa: F401 (every room has put its methods on Value)
    from tinygrad_edu.engine import Value

    tree = ast.parse((PACKAGE / "engine.py").read_text(encoding="utf-8"))
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Value")
    defined = {n.name for n in cls.body if isinstance(n, ast.FunctionDef)}
    defined |= {t.id for n in cls.body if isinstance(n, ast.Assign) for t in n.targets
                if isinstance(t, ast.Name)}
    for name, member in vars(Value).items():
        function = getattr(member, "fget", member)
        module = function.__module__ if inspect.isfunction(function) else None
        if module not in (None, "tinygrad_edu.engine"):
            assert name not in defined, f"{module} replaces Value.{name}, which engine.py defines"
            path = module.removeprefix("tinygrad_edu.").replace(".", "/") + ".py"
            assert path in SCALAR_MACHINERY, (
                f"Value.{name} comes from {module}, which engine.py's docstring does not name")
