"""The tensor engine is read in one sitting: ``tensor/engine.py`` tells the story (a Tensor,
its operators, backward, then the op table) in at most 500 lines with the table before line
300; the matrix rules and ``unbroadcast`` stand in it; its docstring names the files to read
in order, and every module beside it says why it exists."""

import ast
import re
from pathlib import Path

import tinygrad_edu.tensor.engine as engine
from tinygrad_edu.tensor.registry import OPS

TENSOR = Path(engine.__file__).parent
LINES = (TENSOR / "engine.py").read_text(encoding="utf-8").splitlines()
MAX_LINES, TABLE_BEFORE = 500, 300


def first_line(pattern: str) -> int:
    """The number (from 1) of the first line of engine.py that matches ``pattern``."""
    return next(i for i, line in enumerate(LINES, 1) if re.match(pattern, line))


def test_the_story_fits_in_500_lines():
    assert len(LINES) <= MAX_LINES, f"tensor/engine.py has {len(LINES)} lines"


def test_the_op_table_begins_before_line_300():
    table = first_line(r"(add|mul|tanh) = ")
    assert table < TABLE_BEFORE, f"the op table begins at line {table}"


def test_the_story_comes_in_the_order_a_learner_reads_it():
    order = [first_line(r"class Tensor\b"), first_line(r"    def __add__"),
             first_line(r"    def backward\("), first_line(r"    def _backward\("),
             first_line(r"(add|mul|tanh) = ")]
    assert order == sorted(order), order


def test_the_matrix_rules_and_unbroadcast_are_in_the_story():
    source = "\n".join(LINES)
    assert "return g @ w.T" in source and "return x.T @ g" in source  # dX = dZ Wᵀ, dW = Xᵀ dZ
    assert OPS["@"].rules == (engine._d_matmul_left, engine._d_matmul_right)
    assert engine.unbroadcast.__module__ == engine.__name__
    assert "b's gradient is the sum" in engine.unbroadcast.__doc__


def test_the_docstring_names_every_file_to_read_in_order():
    doc = engine.__doc__
    files = ["This file", "graph.py"] + [f"``{p.name}``" for p in sorted(TENSOR.glob("*.py"))
                                         if p.name not in ("__init__.py", "engine.py")]
    missing = [f for f in files if f not in doc]
    assert missing == [], f"engine.py's docstring does not name {missing}"
    positions = [doc.index(f) for f in files[:3]]  # the story, the walker, the machinery
    assert positions == sorted(positions)


def test_every_module_beside_the_engine_says_why_it_exists():
    for path in TENSOR.glob("*.py"):
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        assert len(doc.split()) >= 25, f"tensor/{path.name} needs a docstring that says why"
