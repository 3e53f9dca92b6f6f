"""Reading and running a learner's file of solutions: a ``.py`` file, or a notebook (its code
cells, as ``nbgrader`` collects them), run as a module named ``solutions``.

``load_solutions(path)`` is what ``python -m tinygrad_edu exercises check FILE`` runs. Each
step raises ``SolutionFileError`` naming the file and the line, with the ``kind`` of problem:
a file that cannot be read (``"unreadable"``), is not valid Python (``"syntax"``), raises an
error (``"crash"``) or exits (``"exit"``) when it runs, or is a link or another thing than a
file (``"not a file"``); grading a class adds an import it may
not make (``"import"``, ``classroom.imports``) and a run that does not finish (``"loop"``).
"""

from __future__ import annotations

import ast
import base64
import functools
import io
import json
import marshal
import os
import re
import stat
import sys
import tokenize
import traceback
import types
from collections.abc import Callable, Sequence
from pathlib import Path
from types import CodeType
from typing import Any

from tinygrad_edu.exercises.fstring_scan import FIELDS, most_fields
from tinygrad_edu.exercises.learner import duals
from tinygrad_edu.exercises.starters import PROG

__all__ = ["SolutionFileError", "load_solutions"]


class SolutionFileError(Exception):
    """A solutions file could not be read, compiled or run (the message says where; ``kind``
    says what went wrong: see the module's docstring)."""

    def __init__(self, message: str, kind: str = "crash") -> None:
        super().__init__(message)
        self.kind = kind


LARGEST = 8 * 2**20
"""The largest file graded, in bytes (8 MiB: a notebook with its outputs, say); a larger one
is not read."""

LARGEST_CODE = 512 * 2**10
"""The most code graded, in characters (512 KiB, some twenty times a whole track's answers): a
file of 8 MiB of ``a=1`` lines took the grader's process to 5.3 GB in Python's parser."""


LARGEST_COMPILED = 32 * 10**6
"""The most compiled code graded, in bytes (``marshal``'s, as the learner's process is sent
it): within ``LARGEST_CODE``, a constant is made whole as the file is compiled, and 37,744
lines such as ``c = '2a' * 2048`` compiled to 155 MB; their message to the learner's process
was larger than it reads (``wire.MAX_MESSAGE``), and ``exercises check`` ended without a
word."""


def read_source(path: Path, within: Path | None = None) -> str:
    """The text of a ``.py`` file, or the code cells of a notebook (``.ipynb``) one after
    the other, each under a ``# cell N`` line (IPython's ``%`` and ``!`` lines commented
    out). Read as ``read_submitted`` reads it: the file itself, never what a link points
    to."""
    data = read_submitted(path, within)
    encoding = "utf-8-sig"  # UTF-8, a byte-order mark (which some editors write) allowed
    problem = None  # (a coding line Python cannot use, said once the bytes are known UTF-8)
    if path.suffix != ".ipynb":  # a .py file: read as Python reads it, its coding line too
        try:
            encoding = tokenize.detect_encoding(io.BytesIO(data).readline)[0]
        except SyntaxError as error:
            problem = error
    try:
        source = data.decode(encoding)
    except UnicodeDecodeError as error:
        name = "UTF-8" if encoding.startswith("utf-8") else encoding
        raise SolutionFileError(
            f"{path} is not {name} text (byte {error.object[error.start]:#04x} at position "
            f"{error.start} is not valid there); save it as UTF-8, the encoding of Python "
            "source files", "unreadable") from None
    except (LookupError, UnicodeError) as error:  # (a codec that is no text encoding, rot13,
        # hex, base64: Python refuses such a coding line; or one that fails otherwise, idna)
        why = "which Python cannot read source in" if isinstance(error, LookupError) else \
            f"in which it cannot be read ({error})"
        raise SolutionFileError(
            f"{path}: its coding line names {encoding}, {why}; save it as UTF-8, the "
            "encoding of Python source files, without the coding line", "unreadable") \
            from None
    if problem is not None:
        raise SolutionFileError(f"{path}: {problem}; save it as UTF-8, the encoding of Python "
                                "source files, without the coding line", "unreadable")
    source = source.replace("\r\n", "\n").replace("\r", "\n")  # as Python reads a file
    code = notebook_code(path, source) if path.suffix == ".ipynb" else source
    if len(code) > LARGEST_CODE:
        raise SolutionFileError(f"{path} holds {len(code) // 2**10} KiB of code, more than the "
                                f"{LARGEST_CODE // 2**10} KiB graded; hand in your solutions "
                                "alone", "unreadable")
    if code.count("{") > FIELDS:  # (cheap: only then is the code read for its f-strings)
        fields, line = most_fields(code)
        if fields > FIELDS:
            raise SolutionFileError(
                f"{path}, line {line}: an f-string of {fields:,} fields ({{...}}); at most "
                f"{FIELDS:,} in one f-string are graded (Python takes a time that grows as the "
                "square of their number to read it: 170,000 took 45 s); join shorter strings "
                "when your code runs", "unreadable")
    return code


def read_submitted(path: Path, within: Path | None = None) -> bytes:
    """The bytes of a submitted file, at most ``LARGEST``. ``within`` is the folder the
    grader was given (default: the file's own folder): from there on, no symbolic link is
    followed, neither the file nor a folder on the way to it, and the file must be a regular
    file. A student controls what a submission holds, and a link to the package's answers
    would otherwise be graded as their work (root reads it); so each step is opened
    without following links (``O_NOFOLLOW``, relative to the folder before it) and the
    file checked once open (``fstat``), where a name could no longer be swapped."""
    if path.is_dir() and not path.is_symlink():
        raise SolutionFileError(f"{path} is a directory; give the .py file with your "
                                "solutions", "unreadable")
    within = path.parent if within is None else within
    try:
        steps = path.relative_to(within).parts
    except ValueError:
        steps = ()
    if not steps or ".." in steps:
        raise SolutionFileError(f"{path} is not inside {within}, the folder to grade",
                                "unreadable")
    if os.open not in os.supports_dir_fd:  # (no openat: Windows) each step looked at first
        for k in range(len(steps)):
            here = within.joinpath(*steps[:k + 1])
            if here.is_symlink():
                raise SolutionFileError(f"{here} is a symbolic link: a submission is graded "
                                        "as the files handed in, never what a link points "
                                        "to; hand in the file itself", "not a file")
        try:
            with open(path, "rb") as file:
                return _read_regular(file.fileno(), path)
        except FileNotFoundError:
            raise SolutionFileError(f"there is no file {path}; write one with `{PROG} start "
                                    f"{path}`", "unreadable") from None
        except OSError as error:
            raise SolutionFileError(f"cannot read {path}: {error}", "unreadable") from None
    nofollow = getattr(os, "O_NOFOLLOW", 0)
    flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        folder = os.open(within, flags | getattr(os, "O_DIRECTORY", 0))
    except OSError as error:
        raise SolutionFileError(f"cannot read {within}: {error.strerror}", "unreadable") \
            from None
    try:
        for k, step in enumerate(steps):
            last = k == len(steps) - 1
            here = path if last else within.joinpath(*steps[:k + 1])
            try:
                opened = os.open(step, flags | nofollow | (
                    0 if last else getattr(os, "O_DIRECTORY", 0)), dir_fd=folder)
            except FileNotFoundError:
                raise SolutionFileError(f"there is no file {path}; write one with `{PROG} "
                                        f"start {path}`", "unreadable") from None
            except OSError as error:
                if os.path.islink(here):
                    raise SolutionFileError(
                        f"{here} is a symbolic link: a submission is graded as the files "
                        "handed in, never what a link points to; hand in the file itself",
                        "not a file") from None
                if not last and not os.path.isdir(here):
                    raise SolutionFileError(f"{here} is not a folder", "unreadable") from None
                raise SolutionFileError(f"cannot read {path}: {error.strerror}",
                                        "unreadable") from None
            os.close(folder)
            folder = opened
        return _read_regular(folder, path)
    finally:
        os.close(folder)


def _read_regular(fd: int, path: Path) -> bytes:
    """The bytes of the open file ``fd``, if it is a regular file of at most ``LARGEST``."""
    status = os.fstat(fd)
    if stat.S_ISDIR(status.st_mode):
        raise SolutionFileError(f"{path} is a directory; give the .py file with your "
                                "solutions", "unreadable")
    if not stat.S_ISREG(status.st_mode):
        raise SolutionFileError(f"{path} is not a regular file (a device, a pipe or a "
                                "socket): hand in the file itself", "not a file")
    if status.st_size > LARGEST:
        raise SolutionFileError(f"{path} holds {status.st_size:,} bytes, more than the "
                                f"{LARGEST // 2**20} MiB a submission may have",
                                "unreadable")
    chunks, size = [], 0
    while size <= LARGEST:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > LARGEST:
        raise SolutionFileError(f"{path} grew past the {LARGEST // 2**20} MiB a submission "
                                "may have as it was read", "unreadable")
    return b"".join(chunks)


def notebook_code(path: Path, text: str) -> str:
    """The code cells of a notebook as one file (see ``read_source``), each under a line
    ``# cell N`` (its number among all the cells). An nbgrader test cell (a locked, graded
    cell that is not a solution: the teacher's, which grades) is left out: it is not the
    student's code, and nbgrader puts it back as the teacher wrote it anyway."""
    try:
        cells = json.loads(text)["cells"]
        sources = [(i, _text(c["source"])) for i, c in enumerate(cells, 1)
                   if c["cell_type"] == "code" and not _test_cell(c)]
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as error:
        why = ("its JSON nests too deep to be read" if isinstance(error, RecursionError)
               else "not the JSON a notebook is made of")
        raise SolutionFileError(f"{path} is not a notebook ({why}); save it again from "
                                "Jupyter", "unreadable") from None
    blocks, line, padded = [], 1, 0
    for number, source in sources:
        lines = _LINE_END.split(source)
        if lines[-1] == "":  # (a last line end ends a line: none after it)
            lines.pop()
        if not "".join(lines).strip():  # (an empty cell runs nothing)
            continue
        for k in _magics(lines):
            lines[k] = f"# {lines[k]}"
        blocks.append(f"# cell {number}\n" + "\n".join(lines))
        padded, line = padded + line, line + len(lines) + 2
    if len(blocks) > MOST_CELLS or padded > MOST_PADDED:
        raise SolutionFileError(
            f"{path} holds {len(blocks):,} cells of code over {line - 2:,} lines, more than the "
            f"grader reads (each cell is read at its own lines: at most {MOST_CELLS:,} cells, "
            f"and {MOST_PADDED // 10**6:,} million lines above them all told); hand in your "
            "solutions in fewer cells", "unreadable")
    return "\n\n".join(blocks) + "\n"


MOST_CELLS = 1000
"""The most non-empty code cells a notebook's grading reads (``notebook_code``): each cell is
read at its own lines (``cell_texts``: the blank lines above it kept), a work that grows as
the number of cells times the lines; a notebook of 31,000 empty cells and one answer, 2.5 MB,
took the report's own process 33 s and 1.7 GB before any grading began, and every grading
of it 115 s (an attacker's, issue 65). Honest notebooks hold tens."""

MOST_PADDED = 32 * 10**6
"""The most blank lines put above a notebook's cells, all told, as they are read
(``cell_texts``): within ``MOST_CELLS`` and ``LARGEST_CODE``, a thousand cells below a cell
of half a million blank lines would be 500 million."""

_LINE_END = re.compile(r"\r\n|\r|\n")
"""Where Python ends a line of code, and nowhere else: ``str.splitlines`` also ends one at a
form feed, a file separator and the like, which Python reads inside a comment, so that
``# see notes\x0c    return 1 - y * y`` was graded as a return that Jupyter never runs
(a right answer graded where the notebook's function returns 0.0: an attacker's, issue 65)."""


def _magics(lines: list[str]) -> list[int]:
    """The lines IPython does not run as Python (a ``%`` magic, a ``!`` shell command, a
    grading tool's line: ``TOOLS``), each at the start of a logical line: not inside
    brackets, a string or after a backslash, where black writes ``!= 1.0`` on a line of its
    own (those were commented out too: an honest notebook lost its comparison)."""
    found, depth, quote, continued = [], 0, "", False
    for k, line in enumerate(lines):
        if not (depth or quote or continued) and (
                line.lstrip().startswith(("%", "!")) or TOOLS.match(line)):
            found.append(k)
            continue
        i, continued = 0, False
        while i < len(line):
            c = line[i]
            if quote:  # inside a string: its end, or an escaped character
                if c == "\\":
                    i += 1
                elif line.startswith(quote, i):
                    i, quote = i + len(quote) - 1, ""
            elif c == "#":
                break
            elif c in "'\"":
                quote = c * 3 if line.startswith(c * 3, i) else c
                i += len(quote) - 1
            elif c in "([{":
                depth += 1
            elif c in ")]}":
                depth = max(depth - 1, 0)
            i += 1
        if quote and len(quote) == 1:  # (a one-line string never ends on a later line)
            quote = ""
        continued = line.rstrip().endswith("\\") and not quote
    return found


def _text(source: Any) -> str:
    """A cell's source: a string, or a list of strings (its lines)."""
    text = "".join(source) if isinstance(source, list) else source
    if not isinstance(text, str):
        raise TypeError("a cell's source is text")
    return text


TOOLS = re.compile(r"\s*(import otter\b|grader\s*=\s*otter\.|grader\.\w+\()")
"""Lines a grading tool puts in the student's notebook, not the student's code: Otter's set-up
and checks (``grader.check("d_tanh")``), commented out as IPython's ``%`` lines are."""


def _test_cell(cell: dict[str, Any]) -> bool:
    """Whether a notebook's cell is an nbgrader test cell (graded, not a solution)."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("grade")) and not meta.get("solution")


CELL = re.compile(r"^# cell (\d+)$", re.MULTILINE)
"""The line ``notebook_code`` puts above each cell of a notebook."""


def cells_of(path: Path, source: str) -> list[tuple[int, int, int]]:
    """A notebook's cells in its code (``notebook_code``), as (cell number, first line, last
    line), lines counted from 1 in ``source``; ``[]`` for a ``.py`` file, which runs as one
    block. A notebook's cells run one after the other, as Jupyter runs them: a cell that is
    not valid Python, or raises, does not stop the cells after it."""
    if path.suffix != ".ipynb":
        return []
    marks, line, seen = [], 1, 0
    for m in CELL.finditer(source):  # (lines counted on from the last mark: linear)
        line, seen = line + source.count("\n", seen, m.start()), m.start()
        marks.append((int(m.group(1)), line))
    total = source.count("\n") + 1
    return [(number, first, (marks[k + 1][1] - 1) if k + 1 < len(marks) else total)
            for k, (number, first) in enumerate(marks)]


def cell_texts(path: Path, source: str, cells: list[tuple[int, int, int]] | None = None
               ) -> list[str]:
    """The code of each of a notebook's ``cells`` (all of them: ``cells_of``), each at its own
    lines of ``source`` (blank lines before it), as the grader parses and runs them; a
    ``.py`` file's ``[source]``."""
    cells = cells_of(path, source) if cells is None else cells
    if not cells:
        return [source]
    lines = source.split("\n")
    return ["\n" * (first - 1) + "\n".join(lines[first - 1:last]) for _, first, last in cells]


def learner_code(path: Path, source: str, cells: Sequence[tuple[int, int, int]]) -> str:
    """What the process that runs the file runs (``learner/serve.py``), as ``marshal``'s
    bytes in base64: each of a notebook's ``cells`` (those that are valid Python) by its
    number, or a ``.py`` file's code (None if it is not valid Python: the grader has said
    why). Compiled from the trees the grader has parsed already (``parsed``), so that no
    process it starts parses the file again, and once for all of them (the last file's kept).
    A ``SolutionFileError`` if it is larger than ``LARGEST_COMPILED``."""
    return _learner_code(path, source, tuple(tuple(cell) for cell in cells))


@functools.lru_cache(maxsize=1)
def _learner_code(path: Path, source: str, cells: tuple[tuple[int, int, int], ...]) -> str:
    code: list[tuple[int, CodeType]] | CodeType | None = None
    if cells:
        code = [(number, compiled(text, str(path)))
                for (number, _, _), text in zip(cells, cell_texts(path, source, list(cells)))]
    elif not path.suffix == ".ipynb":
        try:
            code = compile_source(source, path)
        except SolutionFileError:
            pass
    return base64.b64encode(_marshalled(code, path)).decode("ascii")


def _marshalled(code: Any, path: Path) -> bytes:
    """``marshal.dumps(code)``, or a ``SolutionFileError`` if it is larger than
    ``LARGEST_COMPILED``."""
    data = marshal.dumps(code)
    if len(data) > LARGEST_COMPILED:
        raise SolutionFileError(
            f"{path}: your file compiles to {len(data) / 1e6:.0f} MB of code; at most "
            f"{LARGEST_COMPILED // 10**6} MB is graded (a constant such as 'ab' * 2048 is made "
            "whole when Python compiles the file): make large values when your code runs, "
            "and hand in your solutions alone", "unreadable")
    return data


def defined_names(source: str, path: Path) -> set[str]:
    """The names the code defines at its top level (functions, classes, assignments), read
    from its source, not run; a notebook's cell that is not valid Python is skipped, and so
    is a file that Python's parser cannot take (nested past its limits: ``compile_source``
    says so when the file is graded)."""
    names: set[str] = set()
    for block in cell_texts(path, source):
        try:
            tree = parsed(block)
        except Exception:  # (SyntaxError; MemoryError or RecursionError for code nested
            continue       # past the parser's limits, z = ------...1: a student's own problem)
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Assign):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


_PARSED: dict[str, ast.Module | Exception] = {}
_PARSED_MOST = 1 << 21  # (characters of text kept parsed: a file's 512 KiB, four times)


def parsed(text: str) -> ast.Module:
    """``ast.parse(text)``, parsed once however many times the grader asks. It reads a file's
    tree in several places (its imports, what it defines, its copies, its rules, the line a
    diagnosis points at), and the process that runs the file compiles it again from that tree
    (``learner_code``). Python 3.10 and 3.11 take a time that grows as the square of its
    length to parse an f-string with many fields (170,000 ``{a}`` took 20 s here): parsed
    once, such a file costs the grader one parse, not one in each of those places and each
    process it starts. A tree is shared: callers never change one (``copy.deepcopy`` it
    first). A text that does not parse raises the same error each time."""
    tree = _PARSED.get(text)
    if tree is None:
        if sum(map(len, _PARSED)) + len(text) > _PARSED_MOST:
            _PARSED.clear()
        try:
            tree = ast.parse(text)
        except Exception as error:  # (SyntaxError; MemoryError or RecursionError for code
            tree = error            # nested past the parser's limits)
        _PARSED[text] = tree
    if isinstance(tree, Exception):
        raise tree
    return tree


def compiled(text: str, filename: str) -> CodeType:
    """``compile(text)``, from its tree (``parsed``), or from the text itself if the tree is
    too deep to compile: Python 3.10 to 3.12 compile from a tree less deeply nested code than
    from its text (``z = 1+1+...+1`` with 1,500 terms: a RecursionError from the tree, where
    ``python file.py`` runs it), and a file Python runs is graded. Raises what Python's
    ``compile`` does."""
    tree = parsed(text)
    try:
        return compile(tree, filename, "exec")
    except RecursionError:
        return compile(text, filename, "exec")


def compile_source(source: str, path: Path) -> CodeType:
    """The file's code, or a ``SolutionFileError`` naming the line of a syntax error. A file
    that Python's parser or compiler cannot take at all (code nested past their limits:
    ``z = ------...1`` with 100,000 signs raises MemoryError, ``z = 1+1+...+1`` with 20,000
    terms RecursionError) is a ``"syntax"`` problem too, never an error of the grader:
    whatever the file holds, it is its own problem, and the other submissions are graded.
    Once this has returned, the file's tree, ``parsed(source)``, is there too."""
    null = source.find("\0")  # said here: Python 3.10 and 3.11 raise different errors for it
    if null >= 0:
        lineno = source.count("\n", 0, null) + 1
        column = null - source.rfind("\n", 0, null)
        raise SolutionFileError(
            f"{path}, line {lineno}: a null byte (\\x00) at column {column}, which Python code "
            "cannot contain; delete it, or save the file again as UTF-8 text (a file saved as "
            "UTF-16 has one after every letter)", "syntax")
    try:  # (from the tree the grader reads, loading the file: apart.py)
        code = compiled(source, str(path))
        _marshalled(code, path)
        return code
    except SyntaxError as error:
        where = f"{path}, line {error.lineno}" if error.lineno else str(path)
        lines = [f"{where}: {type(error).__name__}: {error.msg}"]
        if error.text:
            lines.append("    " + error.text.rstrip("\n").strip())
            if error.offset:
                indent = len(error.text) - len(error.text.lstrip())
                lines.append("    " + " " * max(error.offset - 1 - indent, 0) + "^")
        raise SolutionFileError("\n".join(lines), "syntax") from None
    except SolutionFileError:
        raise
    except Exception as error:  # (MemoryError, RecursionError: past the parser's limits)
        said = f": {error}" if str(error) else ""
        why = ("its code is nested deeper than Python's parser goes (a long run of brackets, "
               "or of signs as in ------1); write that expression flatter")
        if isinstance(error, MemoryError):
            why = "parsing it needs more memory than a grading may use; hand in less code"
        raise SolutionFileError(f"{path}: Python cannot parse this file ({type(error).__name__}"
                                f"{said}): {why}", "syntax") from None


top_level: Callable[[CodeType, dict[str, Any]], Any] = exec
"""What runs a file's code at its top level (``run_code``): ``exec``; the live pages' Python
sets its own while it grades (``viz/page_python.flat_exec``, so that freeing a long chain
there cannot take it down)."""


def run_code(code: CodeType, path: Path, builtins: dict[str, Any] | None = None,
             call: Callable[..., Any] | None = None) -> dict[str, Any]:
    """Run the file's code as a module named ``solutions`` (its folder first on
    ``sys.path``, so that it may import its neighbours) and return what it defines. Code
    under ``if __name__ == "__main__":`` does not run. ``builtins``: the module's builtins,
    if not Python's; ``call(function, *args)`` runs the code (default: directly), as
    ``limit.call_with_time_limit`` may. An error raised, or an exit, is a
    ``SolutionFileError`` naming the line; a stop of the time limit goes through. The
    import path and the modules imported are put back as they were (``_put_back``)."""
    module = types.ModuleType("solutions")
    module.__file__ = str(path)
    if builtins is not None:
        module.__dict__["__builtins__"] = builtins
    folder = str(path.parent.resolve())
    path_before, modules_before = list(sys.path), dict(sys.modules)
    sys.path.insert(0, folder)
    duals.before_learner()  # (the classes there are before its code runs)
    try:
        if call is None:
            top_level(code, module.__dict__)
        else:
            call(top_level, code, module.__dict__)
    except (Exception, SystemExit) as error:
        _put_back(path_before, modules_before)  # (what reading the error needs: linecache...)
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
        if isinstance(error, MemoryError):
            raise SolutionFileError(out_of_memory(where, str(error), line), kind) from None
        raise SolutionFileError(f"{where}: running the file raised {type(error).__name__}: "
                                f"{error}{line}", kind) from None
    finally:
        _put_back(path_before, modules_before)
    return module.__dict__


def _put_back(path: list[str], modules: dict[str, Any]) -> None:
    """The import path and the modules imported as they were before a file's code ran
    (``sys.path.clear()``, ``typing.sys.modules.clear()``, ``modules['math'] = None``): the
    grader goes on with them (before: the page's own traceback, or "it raised ValueError:
    list.remove(x): x not in list", where the command line graded; a module the code
    imported stays)."""
    sys.path[:] = path
    for name, module in modules.items():
        if sys.modules.get(name) is not module:
            sys.modules[name] = module


def out_of_memory(where: str, message: str, line: str) -> str:
    """What a file that ran out of memory as it ran is told (here, and by ``apart`` for
    the learner's process: the same words)."""
    said = f": {message}" if message else ""
    return (f"{where}: running the file ran out of memory (MemoryError{said}): this line "
            f"asked for more than there is (a list that grows without end, or one far too "
            f"big); keep only what the file needs{line}")


def load_solutions(path: str | Path) -> dict[str, Any]:
    """Run a learner's file as a module named ``solutions`` and return what it defines.

    A syntax error, or an error raised while the file runs, becomes a ``SolutionFileError``
    naming the file and the line; code under ``if __name__ == "__main__":`` does not run.
    """
    path = Path(path)
    return run_code(compile_source(read_source(path), path), path)


def imported(node: ast.AST) -> list[tuple[str, str]]:
    """The names an import binds, each with what it names: ``import numpy as np`` binds np
    to ``numpy``, ``from cmath import exp as e`` binds e to ``cmath.exp`` (the rule reading
    and the copy reading ask it)."""
    if isinstance(node, ast.Import):
        return [(alias.asname, alias.name) if alias.asname else
                (alias.name.split(".")[0], alias.name.split(".")[0]) for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        return [(alias.asname or alias.name, f"{node.module or ''}.{alias.name}")
                for alias in node.names]
    return []
