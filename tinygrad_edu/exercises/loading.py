"""Reading and running a learner's file of solutions: a ``.py`` file, or a notebook (its code
cells, as ``nbgrader`` collects them), run as a module named ``solutions``.

``load_solutions(path)`` is what ``python -m tinygrad_edu exercises check FILE`` runs. Each
step raises ``SolutionFileError`` naming the file and the line, with the ``kind`` of problem:
a file that cannot be read (``"unreadable"``), is not valid Python (``"syntax"``), raises an
error (``"crash"``) or exits (``"exit"``) when it runs; grading a class adds an import it may
not make (``"import"``, ``classroom.imports``) and a run that does not finish (``"loop"``).
"""

from __future__ import annotations

import json
import sys
import traceback
import types
from collections.abc import Callable
from pathlib import Path
from types import CodeType
from typing import Any

from tinygrad_edu.exercises.starters import PROG

__all__ = ["SolutionFileError", "load_solutions"]


class SolutionFileError(Exception):
    """A solutions file could not be read, compiled or run (the message says where; ``kind``
    says what went wrong: see the module's docstring)."""

    def __init__(self, message: str, kind: str = "crash") -> None:
        super().__init__(message)
        self.kind = kind


def read_source(path: Path) -> str:
    """The text of a ``.py`` file, or the code cells of a notebook (``.ipynb``) one after
    the other, each under a ``# cell N`` line (IPython's ``%`` and ``!`` lines commented
    out)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SolutionFileError(f"there is no file {path}; write one with `{PROG} start "
                                f"{path}`", "unreadable") from None
    except IsADirectoryError:
        raise SolutionFileError(f"{path} is a directory; give the .py file with your "
                                "solutions", "unreadable") from None
    except OSError as error:
        raise SolutionFileError(f"cannot read {path}: {error}", "unreadable") from None
    try:
        source = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise SolutionFileError(
            f"{path} is not UTF-8 text (byte {error.object[error.start]:#04x} at position "
            f"{error.start} is not valid there); save it as UTF-8, the encoding of Python "
            "source files", "unreadable") from None
    source = source.replace("\r\n", "\n").replace("\r", "\n")  # as Python reads a file
    return notebook_code(path, source) if path.suffix == ".ipynb" else source


def notebook_code(path: Path, text: str) -> str:
    """The code cells of a notebook as one file (see ``read_source``)."""
    try:
        cells = json.loads(text)["cells"]
        sources = [(i, "".join(c["source"]) if isinstance(c["source"], list) else c["source"])
                   for i, c in enumerate(cells, 1) if c["cell_type"] == "code"]
    except (ValueError, KeyError, TypeError):
        raise SolutionFileError(f"{path} is not a notebook (not the JSON a notebook is made "
                                "of); save it again from Jupyter", "unreadable") from None
    blocks = []
    for number, source in sources:
        lines = [f"# {line}" if line.lstrip().startswith(("%", "!")) else line
                 for line in source.splitlines()]
        blocks.append(f"# cell {number}\n" + "\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def compile_source(source: str, path: Path) -> CodeType:
    """The file's code, or a ``SolutionFileError`` naming the line of a syntax error."""
    null = source.find("\0")  # said here: Python 3.10 and 3.11 raise different errors for it
    if null >= 0:
        lineno = source.count("\n", 0, null) + 1
        column = null - source.rfind("\n", 0, null)
        raise SolutionFileError(
            f"{path}, line {lineno}: a null byte (\\x00) at column {column}, which Python code "
            "cannot contain; delete it, or save the file again as UTF-8 text (a file saved as "
            "UTF-16 has one after every letter)", "syntax")
    try:
        return compile(source, str(path), "exec")
    except SyntaxError as error:
        where = f"{path}, line {error.lineno}" if error.lineno else str(path)
        lines = [f"{where}: {type(error).__name__}: {error.msg}"]
        if error.text:
            lines.append("    " + error.text.rstrip("\n").strip())
            if error.offset:
                indent = len(error.text) - len(error.text.lstrip())
                lines.append("    " + " " * max(error.offset - 1 - indent, 0) + "^")
        raise SolutionFileError("\n".join(lines), "syntax") from None


def run_code(code: CodeType, path: Path, builtins: dict[str, Any] | None = None,
             call: Callable[..., Any] | None = None) -> dict[str, Any]:
    """Run the file's code as a module named ``solutions`` (its folder first on
    ``sys.path``, so that it may import its neighbours) and return what it defines. Code
    under ``if __name__ == "__main__":`` does not run. ``builtins``: the module's builtins,
    if not Python's; ``call(function, *args)`` runs the code (default: directly), as
    ``limit.call_with_time_limit`` may. An error raised, or an exit, is a
    ``SolutionFileError`` naming the line; a stop of the time limit goes through."""
    module = types.ModuleType("solutions")
    module.__file__ = str(path)
    if builtins is not None:
        module.__dict__["__builtins__"] = builtins
    folder = str(path.parent.resolve())
    sys.path.insert(0, folder)
    try:
        if call is None:
            exec(code, module.__dict__)
        else:
            call(exec, code, module.__dict__)
    except (Exception, SystemExit) as error:
        frames = [f for f in traceback.extract_tb(error.__traceback__)
                  if f.filename == str(path)]
        where = f"{path}, line {frames[-1].lineno}" if frames else str(path)
        line = f"\n    {frames[-1].line}" if frames and frames[-1].line else ""
        if isinstance(error, SystemExit):
            raise SolutionFileError(
                f"{where}: the file exits when it runs; put the code that exits "
                f"under `if __name__ == \"__main__\":`, which grading does not run{line}",
                "exit") from None
        kind = "import" if type(error).__name__ == "ImportRefused" else "crash"
        raise SolutionFileError(f"{where}: running the file raised {type(error).__name__}: "
                                f"{error}{line}", kind) from None
    finally:
        sys.path.remove(folder)
    return module.__dict__


def load_solutions(path: str | Path) -> dict[str, Any]:
    """Run a learner's file as a module named ``solutions`` and return what it defines.

    A syntax error, or an error raised while the file runs, becomes a ``SolutionFileError``
    naming the file and the line; code under ``if __name__ == "__main__":`` does not run.
    """
    path = Path(path)
    return run_code(compile_source(read_source(path), path), path)
