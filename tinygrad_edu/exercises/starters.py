"""What a learner starts from: a file of starters (``python -m tinygrad_edu exercises start
FILE``, and the starter file of an assignment), and for a teacher's copy each starter's head
with the model answer's body to put under it (``model_answers.py``, ``lecture.py``)."""

from __future__ import annotations

import ast
from collections.abc import Sequence
from pathlib import Path

from tinygrad_edu.exercises.exercise import ExerciseSpec

__all__ = ["starter", "starter_file"]

PROG = "python -m tinygrad_edu exercises"


def starter(name: str, params: str, doc: str) -> str:
    """A function's starter: its ``def`` line, a docstring of ``doc``, and a ``raise
    NotImplementedError`` for the learner to replace."""
    return (f"def {name}({params}):\n    \"\"\"{doc}\"\"\"\n"
            f"    raise NotImplementedError(\"{name}: not written yet\")\n")


def imports_for(chosen: Sequence[ExerciseSpec]) -> str:
    """The imports a file of these exercises' starters begins with: math always, NumPy for
    the exercises on arrays, and tinygrad_edu's ``walk``."""
    if all(ex.track for ex in chosen):  # (microgpt is built from nothing but math)
        return "import math\n"
    numpy = "\nimport numpy as np\n" if any(ex.arrays for ex in chosen) else ""
    return f"import math\n{numpy}\nfrom tinygrad_edu import walk\n"


def starter_file(file_name: str, chosen: Sequence[ExerciseSpec], grade_with: str | None = None,
                 *, numbered: bool = False) -> str:
    """A file of the starters of ``chosen``, each under its number, title and statement, as
    ``python -m tinygrad_edu exercises start FILE_NAME`` writes it: a learner replaces each
    ``raise NotImplementedError`` by an answer, and grades the file with ``check``, or as
    ``grade_with`` says (where the learner has no command line: "Grade them with" and
    what follows). Each is headed by its ``heading``, as in an assignment, or ``numbered``
    by the set's numbers, as ``exercises list`` shows them."""
    what = ("My microgpt, built stage by stage" if all(ex.track for ex in chosen) else
            "My solutions to the tinygrad_edu exercises")
    then = (f"\nOnce every stage passes, watch it learn: {PROG} train {file_name}\n"
            if all(ex.track for ex in chosen) and grade_with is None else "")
    how = grade_with or f"{PROG} check {file_name}"
    blocks = [f'"""{what}. Grade {"it" if all(ex.track for ex in chosen) else "them"} with\n'
              f'{how}\n{then}\nA function that still raises '
              'NotImplementedError is not written yet: it earns no points."""\n\n'
              f'{imports_for(chosen)}']
    for ex in chosen:
        statement = "\n".join(f"# {line}".rstrip() for line  # (code in `...`, as Markdown)
                              in ex.statement.strip().replace("``", "`").splitlines())
        head = ex.heading if not numbered else f"{ex.number}. {ex.title}" if not ex.track \
            else f"stage {ex.number} of microgpt. {ex.title}"
        blocks.append(f"\n# {head}\n#\n{statement}\n\n{ex.starter}")
    return "\n".join(blocks)


def starter_head(ex: ExerciseSpec) -> str:
    """The starter's first lines: its ``def`` (or ``class``) line and its docstring, without
    the ``raise NotImplementedError`` (nor, for the class, the ``__init__`` that raises)."""
    lines = ex.starter.strip("\n").splitlines()
    node = ast.parse(ex.starter).body[0]
    assert isinstance(node, (ast.FunctionDef, ast.ClassDef)), ex.name
    first = node.body[0]
    docstring = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
    end = first.end_lineno if docstring else node.lineno
    assert end is not None
    return "\n".join(lines[:end])


def model_answer_body(ex: ExerciseSpec) -> str:
    """The body of the model answer to ``ex``, indented by four spaces as under its ``def``
    (or, for ``Value``, the lecture's class body): what goes below ``starter_head``. A stage
    of microgpt's is its reference's, without its docstring and type hints (a notebook runs
    it without the reference's imports)."""
    if ex.track:
        return _plain_body(Path(__file__).with_name("microgpt") / "reference.py", ex.symbol)
    name = "lecture.py" if ex.kind == "class" else "model_answers.py"  # (read, not imported)
    source = Path(__file__).with_name(name).read_text(encoding="utf-8")
    tree = ast.parse(source)
    kind = ast.ClassDef if ex.kind == "class" else ast.FunctionDef
    node = next(n for n in tree.body if isinstance(n, kind) and n.name == ex.name)
    lines = source.splitlines()
    start, end = node.body[0].lineno, node.body[-1].end_lineno
    return "\n".join(lines[start - 1:end])


class _Plain(ast.NodeTransformer):
    """A definition without type hints (annotated assignments become plain ones) and without
    docstrings."""

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        node.returns = None
        for arg in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs,
                    node.args.vararg, node.args.kwarg]:
            if arg is not None:
                arg.annotation = None
        node.body = _without_docstring(node.body)
        self.generic_visit(node)
        return node

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.ClassDef:
        node.body = _without_docstring(node.body)
        self.generic_visit(node)
        return node

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST:
        if node.value is None:
            return ast.Pass()
        return ast.copy_location(ast.Assign([node.target], node.value), node)


def _without_docstring(body: list[ast.stmt]) -> list[ast.stmt]:
    first = body[0] if body else None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and \
            isinstance(first.value.value, str) and len(body) > 1:
        return body[1:]
    return body


def _plain_body(path: Path, name: str) -> str:
    """The body of the definition ``name`` in ``path``, made plain (``_Plain``), indented by
    four spaces."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    node = next(n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))
                and n.name == name)
    plain = _Plain().visit(node)
    ast.fix_missing_locations(plain)
    blocks = [("\n" if isinstance(stmt, ast.FunctionDef) and k else "") + ast.unparse(stmt)
              for k, stmt in enumerate(plain.body)]  # (a blank line before a class's methods)
    return "\n".join("    " + line if line else line
                     for block in blocks for line in block.splitlines())
