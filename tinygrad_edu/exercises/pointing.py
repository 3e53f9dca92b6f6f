"""Where a diagnosed mistake is in the learner's code: the line a silent mistake (a wrong
number, no error to name a line) is most likely on.

A mistake may say where it is made (``Mistake.where``): the function or method it is in,
and a pattern of the line there. ``pointed`` finds that line in the learner's source (the
last definition of that name, at the top level or in the class the exercise asks for) and
adds it to the diagnosis, as an error's line is shown: ``in your answer, line 27, in log
(return ...)``. A method whose line the pattern does not find is pointed at by its
``def``; a stage's own function is not (the learner knows which function the stage is),
and nothing is said where the name is not defined as expected, nor where the error the
verdict shows names that line already. A pattern is looked for in the code alone, never in
a comment or a docstring (``_code_lines``; before, rmsnorm's starter docstring, "x /
sqrt(mean(x²) + 1e-5)", was the line its root's mistakes pointed at). A mistake may give
several patterns, tried in turn (the first that finds a line wins).
"""

from __future__ import annotations

import ast
import dataclasses
import io
import re
import tokenize
import traceback
from pathlib import Path

from tinygrad_edu.exercises.exercise import ExerciseSpec
from tinygrad_edu.exercises.learner.gpt_cases import CUT, EMPTY_SUM, LOSS_VALUE
from tinygrad_edu.exercises.loading import cell_texts, cells_of, parsed
from tinygrad_edu.exercises.mistakes import LOOP, ONE_SHORT, WHOLE, Where
from tinygrad_edu.exercises.text_blocks import place
from tinygrad_edu.exercises.verdicts import Verdict

__all__: list[str] = []  # the grader's inner workings


PROBLEMS = ((EMPTY_SUM, (rf"\brange\(\s*{LOOP}\s*\)", ONE_SHORT, r"\brange\(",
                        r"\bsum\(")),
            (CUT, (r"\.data\b",)), (LOSS_VALUE, (r"\breturn\b",)))
"""An answer of the wrong kind whose line can be found (its text, and patterns of that line
in the exercise's own function, tried in turn): a sum that added nothing, at the loop empty
the first time round (``range(t)`` inside ``for t``: before, attention's weighted
sum over range(t) was pointed at its ``for t in range(len(q))``) or one short (issue 66:
an inner loop one short in linear was told so, with no line; then ``range(len(x) - 1)``,
a call inside the range, was not seen as one short, and the outer loop was pointed at); a
number where a Value was
meant, at the line that reads ``.data`` (issue 66: linear with .data on both operands
was told so, with no line); train_step's loss returned as its Value, at its
return."""


def pointed(verdict: Verdict, source: str, path: Path) -> Verdict:
    """``verdict`` with each diagnosis whose mistake says where it is made pointing at that
    line of ``source`` (the learner's file at ``path``; a notebook's code, ``loading.
    notebook_code``: its cell, and the line in it), and an answer of the wrong kind whose
    line can be found (``PROBLEMS``) too."""
    problem = verdict.failure.problem if verdict.failure is not None else ""
    patterns = next((p for text, p in PROBLEMS if text in problem), ())
    if verdict.passed or not (patterns or any(d.mistake.where for d in verdict.diagnoses)):
        return verdict
    lines = source.split("\n")
    cells = cells_of(path, source)
    tree = ast.Module(body=[], type_ignores=[])
    for text in cell_texts(path, source, cells):
        try:  # (each cell at its own lines; one that is not Python is left out)
            tree.body += parsed(text).body
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            if not cells:
                return verdict
    said = verdict.failure.error_text if verdict.failure is not None else ""
    diagnoses = []
    for d in verdict.diagnoses:
        found = _line(d.mistake.where, verdict.exercise, tree, lines, path.name, cells)
        if found and found.split("  (", 1)[0] not in said:  # (not the error's line again)
            d = dataclasses.replace(d, line=found)
        diagnoses.append(d)
    verdict = dataclasses.replace(verdict, diagnoses=tuple(diagnoses))
    for pattern in patterns:
        found = _line((verdict.exercise.symbol, pattern), verdict.exercise, tree, lines,
                      path.name, cells)
        if found and verdict.failure is not None:
            failure = dataclasses.replace(verdict.failure, problem=f"{problem}\n    {found}")
            return dataclasses.replace(verdict, failure=failure)
    return verdict


def _line(where: Where | None, ex: ExerciseSpec, tree: ast.Module, lines: list[str],
          name: str, cells: list[tuple[int, int, int]]) -> str:
    """The line ``where`` (a function's name, and a pattern of the line, or patterns tried
    in turn) says, in ``tree``'s last definition of that function: ``in your answer, line
    27, in log (...)``."""
    if not where:
        return ""
    function, patterns = where
    defs: list[ast.AST] = [n for n in tree.body if isinstance(n, ast.FunctionDef)
                           and n.name == function]
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == ex.symbol:
            defs += [n for n in node.body if isinstance(n, ast.FunctionDef)
                     and n.name == function]
    if not defs:
        return ""
    found = max(defs, key=lambda n: getattr(n, "lineno", 0))
    first, last = getattr(found, "lineno", 0), getattr(found, "end_lineno", None) or 0
    body = getattr(found, "body", None) or [found]  # (its lines, not its def's: 'logits')
    code = _code_lines(lines, first, last)
    for pattern in (patterns,) if isinstance(patterns, str) else patterns:
        if pattern == WHOLE:
            numbers = _inner_loops_over_all(found)
            if numbers:
                return _said(place(name, cells, numbers[0], lines), function,
                             lines[numbers[0] - 1])
            continue
        if LOOP in pattern:
            pattern = pattern.replace(LOOP, _loop_names(found))
        for number in range(getattr(body[0], "lineno", first), last + 1):
            if pattern and re.search(pattern, code[number]):
                return _said(place(name, cells, number, lines), function, lines[number - 1])
    if function == ex.symbol:
        return ""  # (the stage's own function: its def says nothing new)
    return _said(place(name, cells, first, lines), function, lines[first - 1])


def _code_lines(lines: list[str], first: int, last: int) -> dict[int, str]:
    """Lines ``first`` to ``last`` of ``lines`` (counted from 1; a function's), each with its
    comments and docstrings blanked (a statement that is a string and nothing else, where
    it is): what a pattern may match. A string in an expression stays (``p["attn_wo"]`` is
    where block's residual is). Where the lines cannot be read as Python tokens, each line
    before its first ``#``."""
    code = {n: lines[n - 1] for n in range(first, last + 1)}
    text = "\n".join(lines[first - 1:last]) + "\n"
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return {n: line.split("#", 1)[0] for n, line in code.items()}

    def blank(token: tokenize.TokenInfo) -> None:
        (row, start), (end_row, end) = token.start, token.end
        for number in range(first + row - 1, first + end_row):
            line = code[number]
            left = start if number == first + row - 1 else 0
            right = end if number == first + end_row - 1 else len(line)
            code[number] = line[:left] + " " * (right - left) + line[right:]

    strings: list[tokenize.TokenInfo] | None = []  # (a statement's strings, while only those)
    for token in tokens:
        kind = tokenize.tok_name[token.type]
        if kind == "COMMENT":
            blank(token)
        elif kind == "NEWLINE" or (kind == "OP" and token.string == ";"):
            for string in strings or ():
                blank(string)
            strings = []
        elif kind == "STRING" and strings is not None:
            strings.append(token)
        elif kind not in ("NL", "INDENT", "DEDENT"):
            strings = None
    return code


def _loop_names(function: ast.AST) -> str:
    """A pattern of the names the ``for`` loops and comprehensions of ``function`` bind
    (``mistakes.LOOP``); one that matches nothing where there are none."""
    names = sorted({n.target.id for n in ast.walk(function)
                    if isinstance(n, (ast.For, ast.comprehension))
                    and isinstance(n.target, ast.Name)})
    return rf"\b(?:{'|'.join(names)})\b" if names else "(?!)"


def _inner_loops_over_all(function: ast.AST) -> list[int]:
    """The lines of the loops (``for`` statements and comprehensions) inside another loop of
    ``function`` that go over the whole of one of its arguments: ``range(len(q))``, or
    ``range(T)`` where ``T = len(q)`` (``mistakes.WHOLE``). Not ``range(len(q[0]))``, nor
    ``range(head_dim)``: a loop over features is no mistake there."""
    arguments = getattr(function, "args", None)
    names = {a.arg for a in arguments.args} if arguments is not None else set()

    def length(node: ast.AST) -> bool:  # len(q), q an argument
        return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id == "len" and len(node.args) == 1
                and isinstance(node.args[0], ast.Name) and node.args[0].id in names)

    lengths = {target.id for node in ast.walk(function) if isinstance(node, ast.Assign)
               and length(node.value) for target in node.targets
               if isinstance(target, ast.Name)}

    def over_all(node: ast.AST) -> bool:
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id == "range" and len(node.args) == 1):
            return False
        (end,) = node.args
        return length(end) or (isinstance(end, ast.Name) and end.id in lengths)

    inner: list[ast.AST] = []  # (what runs inside a loop: a for's body, a comprehension's rest)
    for node in ast.walk(function):
        if isinstance(node, (ast.For, ast.AsyncFor)):
            inner += node.body
        elif isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            inner += node.generators[1:] + [c for g in node.generators for c in g.ifs]
            inner += [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
    return sorted({n.iter.lineno for part in inner for n in ast.walk(part)
                   if isinstance(n, (ast.For, ast.AsyncFor, ast.comprehension))
                   and over_all(n.iter)})


def _said(where: str, function: str, code: str) -> str:
    return f"in {where}, in {function}  ({code.strip()[:100]})"


def stopped_at(error: BaseException, file: str) -> str:
    """Where the learner's code in ``file`` was when ``error`` (the page's Stop) stopped it:
    ``"It was at your answer, line 52, in backward  (while True:)"``; nothing if it was
    not in that code (the grader's own work)."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == file]
    if not frames:
        return ""
    f = frames[-1]
    return f"It was at {file}, line {f.lineno}, in {f.name}  ({(f.line or '').strip()})\n"
