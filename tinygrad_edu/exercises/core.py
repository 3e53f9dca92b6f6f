"""The grader: run a learner's solution against the reference with hypothesis, then diagnose.

Grading is deterministic: hypothesis runs with a fixed seed, ``derandomize=True`` and no
example database, so the same solution always gets the same verdict. It runs twice:

1. a *search* that stops at the first failing input and shrinks it to the simplest one
   (the input the verdict shows), and
2. if that found a failure, a *probe* over a fixed spread of inputs that never stops early,
   so the diagnosis sees the solution's answers on many different inputs.

A diagnosis names a common mistake only when a model of that mistake does what the learner's
solution does on every input tried (the same answers, or the same exception). Otherwise the
verdict says plainly that no common mistake matches, and shows the failing input with the
expected and the given answer.
"""

from __future__ import annotations

import contextlib
import importlib.util
import inspect
import io
import math
import sys
import textwrap
import traceback
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, example, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import HypothesisException

from tinygrad_edu import Value
from tinygrad_edu.arrays import is_array
from tinygrad_edu.exercises.limit import TimeLimit, call_with_time_limit
from tinygrad_edu.testing import ATOL, RTOL

__all__ = ["TIME_LIMIT", "Diagnosis", "Exercise", "Mistake", "Numbers", "Verdict", "grade"]

Solution = Callable[..., Any]

_HERE = str(Path(__file__).resolve().parent)

TIME_LIMIT = 5.0
"""Seconds one call of a solution may take before it is stopped (every input is tiny, so only
an endless loop comes near). Enforced with a timer signal, so in the main thread of a POSIX
system only: a terminal, a notebook kernel or pytest; elsewhere there is no limit. How it
stops a loop that catches exceptions: ``tinygrad_edu.exercises.limit``."""


# ----------------------------------------------------------------------------- mistakes


@dataclass(frozen=True)
class Mistake:
    """A common mistake: a short ``title``, the ``hint`` a teacher would give and, for the
    mistakes an exercise knows in advance, a ``solution`` that makes exactly that mistake
    (the grader compares the learner's answers with its answers). ``key`` groups mistakes
    of one kind: ``sign``, ``factor``, ``in_out``, ``upstream``, ``assign``, ``shape``,
    ``batch_sum`` and a few that belong to one exercise."""

    key: str
    title: str
    hint: str
    solution: Solution | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class Diagnosis:
    """A mistake found in the learner's answers. ``part`` names the answer it concerns when an
    exercise asks for several (``'dy/db'``, ``'dW'``); ``everywhere`` is True when the mistake
    gives the learner's answers on every input tried, False when it does so on every input
    where the answer is wrong (the rest being right)."""

    mistake: Mistake
    part: str | None = None
    everywhere: bool = True
    note: str = ""

    @property
    def key(self) -> str:
        return self.mistake.key

    @property
    def title(self) -> str:
        return self.mistake.title

    def __str__(self) -> str:
        where = f" ({self.part})" if self.part else ""
        scope = f" ({self.note})" if self.note else ""
        return f"diagnosis{where}: {self.mistake.title}{scope}.\n{_indent(self.mistake.hint, 2)}"


# ----------------------------------------------------------------------------- exercises


class AnswerError(Exception):
    """The solution returned something that is not an answer of the right kind (None, a
    string, two numbers where three were asked for, ...)."""


@dataclass(frozen=True, eq=False)
class Exercise:
    """One exercise: what to write, how it is graded, and the mistakes it can diagnose.

    ``cases`` draws inputs; ``call(solution, case)`` runs a solution on fresh copies of a
    case's inputs and returns its answer as a tuple of parts (one per name in ``parts``),
    raising ``AnswerError`` for an answer of the wrong kind. ``examples`` are always tried:
    the smallest input on which each classic mistake shows. ``judge``, if given, grades an
    answer by a property instead of by comparison with the reference (a topological order
    is right if every node comes after its parents, whichever valid order it is) and
    returns the mistake it shows, or None. ``fit(solution)``, if given, returns mistakes
    whose models are fitted to the solution (which operations of a class assign, say);
    ``explain(exercise, solution, failure, outcomes)``, if given, may diagnose first, from
    the solution itself.

    An exercise that asks for a class (``kind="class"``) can be graded in stages: the
    exercises in ``before`` first (each with a ``stage`` saying what it checks, shown in its
    verdict), then this one, then those in ``after``. The first stage that fails gives the
    verdict, unless its ``tolerate(failure)`` returns a note: then the note goes with the
    passing verdict. ``examples_first`` tries the examples before any random input (for a
    class whose answers may hang on the order of a set, the examples give a failing input
    that does not). ``arrays`` marks an exercise on NumPy arrays; the others need no NumPy,
    and are graded where it is not installed.
    """

    number: int
    name: str
    title: str
    level: int
    params: str
    statement: str
    starter: str
    domain: str
    cases: st.SearchStrategy[Any] = field(repr=False)
    call: Callable[[Solution, Any], tuple[Any, ...]] = field(repr=False)
    reference: Solution = field(repr=False)
    parts: tuple[str, ...] = ("answer",)
    mistakes: tuple[Mistake, ...] = field(default=(), repr=False)
    examples: tuple[Any, ...] = field(default=(), repr=False)
    judge: Callable[[Any, tuple[Any, ...]], Mistake | None] | None = field(default=None,
                                                                          repr=False)
    fit: Callable[[Any], tuple[Mistake, ...]] | None = field(default=None, repr=False)
    explain: Callable[[Exercise, Solution, Outcome, list[Outcome]], tuple[Diagnosis, ...]
                      ] | None = field(default=None, repr=False)
    forward: Callable[..., float] | None = field(default=None, repr=False)
    rows: Callable[[Any], list[str]] | None = field(default=None, repr=False)
    max_examples: int = 100
    probe_examples: int = 40
    kind: str = "function"
    examples_first: bool = False
    stage: str = ""
    before: tuple[Exercise, ...] = field(default=(), repr=False)
    after: tuple[Exercise, ...] = field(default=(), repr=False)
    tolerate: Callable[[Outcome], str | None] | None = field(default=None, repr=False)
    arrays: bool = False

    @property
    def signature(self) -> str:
        return f"{self.name}({self.params})"

    @property
    def definition(self) -> str:
        """How the learner's code starts: ``def d_mul(a, b, y): ...`` or ``class Value: ...``."""
        return f"class {self.name}: ..." if self.kind == "class" else f"def {self.signature}: ..."

    def describe(self) -> str:
        """The statement and the starter code, as printed by ``show`` and the command line."""
        head = f"Exercise {self.number} (level {self.level}): {self.title}"
        graded = textwrap.fill(f"Graded on: {self.domain}.", width=92)
        return (f"{head}\n{'=' * len(head)}\n\n{self.statement.strip()}\n\n{graded}\n\n"
                f"Starter:\n\n{_indent(self.starter.strip(), 4)}\n")

    def __str__(self) -> str:
        return self.describe()

    def __repr__(self) -> str:
        return f"<Exercise {self.number} {self.signature}: {self.title}>"

    def check(self, solution: Solution) -> Verdict:
        """Grade ``solution``; see ``tinygrad_edu.exercises.check``."""
        return grade(self, solution)


# ----------------------------------------------------------------------------- outcomes


@dataclass
class Outcome:
    """What happened on one input: the reference's answer, the solution's answer (None if it
    raised or returned something unusable), the parts that are wrong, and why."""

    case: Any
    expected: tuple[Any, ...]
    got: tuple[Any, ...] | None = None
    wrong: tuple[int, ...] = ()
    error: BaseException | None = None
    error_text: str = ""
    problem: str = ""
    printed: str = ""
    judged: Mistake | None = None

    @property
    def ok(self) -> bool:
        return self.got is not None and not self.wrong


class _Failed(Exception):
    """Raised inside hypothesis to mark a failing input; carries its outcome."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__("failed")
        self.outcome = outcome


class Numbers(tuple[float, ...]):
    """Several numbers as one part of an answer: every node's grad, or every parameter's
    data, in order. Compared entry by entry within the tolerance, as an array is, but made
    without NumPy: the exercises on numbers and Values need none."""


def _refuse(x: Any, what: str) -> None:
    """An AnswerError for what is no answer at all: None, a Value, text, a dict or a set."""
    if x is None:
        raise AnswerError(f"{what} is None: the function returned nothing (a missing `return`?)")
    if isinstance(x, Value):
        raise AnswerError(f"{what} is a Value; return a plain number (its .data)")
    if isinstance(x, (str, bytes, dict, set)):
        raise AnswerError(f"{what} is a {type(x).__name__} ({x!r:.60}), not a number")


def as_number(x: Any, what: str) -> float:
    """One part of an answer that is one number, as a float (a 0-d array is one number)."""
    _refuse(x, what)
    if is_array(x) and x.shape != ():
        raise AnswerError(f"{what} should be one number, got an array of shape {x.shape}: "
                          f"{x!r:.80}")
    if isinstance(x, (list, tuple)):
        raise AnswerError(f"{what} should be one number, got a {type(x).__name__} of "
                          f"{len(x)} items: {x!r:.80}")
    try:
        return float(x)
    except (TypeError, ValueError) as error:
        raise AnswerError(f"{what} is not a number: {x!r:.80} ({error})") from None


def as_answer(x: Any, what: str) -> Any:
    """One part of an answer to an exercise on arrays, as a float64 array (a number becomes
    a 0-d array)."""
    _refuse(x, what)
    import numpy as np

    try:
        array = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise AnswerError(f"{what} is not a number or an array of numbers: {x!r:.80} "
                          f"({error})") from None
    return array


def parts_of(answer: Any, parts: Sequence[str], scalar: bool) -> tuple[Any, ...]:
    """Split a returned answer into its parts: the answer itself when one part is asked for,
    else a tuple or list of exactly ``len(parts)`` items. Each part is a float (``scalar``)
    or an array."""
    convert = as_number if scalar else as_answer
    if len(parts) == 1:
        return (convert(answer, "the answer"),)
    names = ", ".join(parts)
    if answer is None:
        raise AnswerError(f"the function returned None; it should return ({names}) "
                          "(a missing `return`?)")
    if not isinstance(answer, (tuple, list)) or len(answer) != len(parts):
        raise AnswerError(f"the function should return {len(parts)} things, ({names}), "
                          f"got {answer!r:.80}")
    return tuple(convert(x, name) for name, x in zip(parts, answer))


def close(got: Any, expected: Any) -> bool:
    """``got`` equals ``expected`` to the project's tolerance: of the same kind (a number,
    ``Numbers`` as many, an array of the same shape) and |got - expected| <= ATOL +
    RTOL·|expected| everywhere (NaN never passes)."""
    if is_array(expected):
        import numpy as np

        if not is_array(got) or got.shape != expected.shape:
            return False
        with np.errstate(invalid="ignore", over="ignore"):
            return bool(np.all(np.abs(got - expected) <= ATOL + RTOL * np.abs(expected)))
    if isinstance(expected, Numbers):
        return (isinstance(got, Numbers) and len(got) == len(expected)
                and all(map(_near, got, expected)))
    if isinstance(expected, float):
        return isinstance(got, float) and _near(got, expected)
    return bool(got == expected)


def _near(got: float, expected: float) -> bool:
    return abs(got - expected) <= ATOL + RTOL * abs(expected)


def shape_of(part: Any) -> tuple[int, ...]:
    """The shape of a part of an answer: an array's, (n,) for n ``Numbers``, () for one."""
    if is_array(part):
        return tuple(part.shape)
    return (len(part),) if isinstance(part, Numbers) else ()


def _entries(part: Any) -> list[float]:
    """The numbers in a part of an answer, in order (an array's row by row)."""
    if is_array(part):
        return list(part.ravel().tolist())
    return list(part) if isinstance(part, Numbers) else [part]


def scaled(c: float, part: Any) -> Any:
    """``c`` times a part of an answer: a number, ``Numbers`` or an array."""
    return Numbers(c * x for x in part) if isinstance(part, Numbers) else c * part


def numpy_installed() -> bool:
    """Whether NumPy can be imported here (asked without importing it)."""
    try:
        return importlib.util.find_spec("numpy") is not None
    except (ImportError, ValueError):
        return False


NEEDS_NUMPY = ("works on NumPy arrays, and NumPy is not installed here. Do it on a computer "
               "with NumPy: pip install numpy (in a clone of tinygrad_edu, pip install -e "
               "'.[testing]' installs it)")
"""What an exercise on arrays says where NumPy is missing (after its name)."""


class _Printed(io.StringIO):
    """What a solution prints, kept up to ``LIMIT`` characters (the verdict shows fewer): a
    loop that prints on every turn does not fill the memory."""

    LIMIT = 20_000

    def write(self, text: str) -> int:
        room = self.LIMIT - self.tell()
        if room > 0:
            super().write(text[:room])
        return len(text)


def _run(solution: Solution, exercise: Exercise, case: Any, out: io.StringIO | None = None
         ) -> tuple[tuple[Any, ...], str]:
    """The solution's answer on ``case`` and what it printed meanwhile (into ``out``, if
    given, so that it is there even when the solution raises). NumPy's warnings (a division
    by zero, ...) are silenced: the verdict shows the inf or NaN they produced."""
    out = _Printed() if out is None else out
    numpy = sys.modules.get("numpy")  # (the exercises on numbers may run without it)
    quiet = contextlib.nullcontext() if numpy is None else numpy.errstate(all="ignore")
    with contextlib.redirect_stdout(out), warnings.catch_warnings(), quiet:
        warnings.simplefilter("ignore")
        answer = exercise.call(solution, case)
    return answer, out.getvalue()


def attempt(exercise: Exercise, solution: Solution, case: Any) -> Outcome:
    """Run the reference and the solution on ``case`` and compare."""
    expected, _ = _run(exercise.reference, exercise, case)
    outcome = Outcome(case, expected)
    out = _Printed()
    try:
        got, outcome.printed = call_with_time_limit(TIME_LIMIT, _run, solution, exercise, case,
                                                    out)
    except AnswerError as problem:
        outcome.problem, outcome.printed = str(problem), out.getvalue()
        return outcome
    except (Exception, SystemExit, TimeLimit) as error:  # a verdict, not a crash
        outcome.error, outcome.error_text = error, _where(error, solution)
        outcome.printed = out.getvalue()
        if isinstance(error, TimeLimit):
            error.outcome = outcome
            raise
        return outcome
    outcome.got = got
    if exercise.judge is not None:
        outcome.judged = exercise.judge(case, got)
        outcome.wrong = () if outcome.judged is None else (0,)
    else:
        outcome.wrong = tuple(i for i, (g, e) in enumerate(zip(got, expected)) if not close(g, e))
    return outcome


def _where(error: BaseException, solution: Solution) -> str:
    """The exception with the last line of the learner's own code that it passed through
    (in the file that defines ``solution``, else anywhere outside this package)."""
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if not f.filename.startswith(_HERE)]
    code = getattr(solution, "__code__", None)
    own = [f for f in frames if code is not None and f.filename == code.co_filename]
    frames = own or frames
    text = f"{type(error).__name__}: {error}"
    if frames:
        f = frames[-1]
        line = f"  ({f.line})" if f.line else ""
        text += f"\n  in {Path(f.filename).name}, line {f.lineno}, in {f.name}{line}"
    return text


# ----------------------------------------------------------------------------- hypothesis


def _settings(max_examples: int, shrink: bool) -> settings:
    phases = [Phase.explicit, Phase.generate] + ([Phase.shrink] if shrink else [])
    return settings(database=None, derandomize=True, deadline=None, max_examples=max_examples,
                    phases=phases, suppress_health_check=list(HealthCheck),
                    report_multiple_bugs=False, print_blob=False, verbosity=Verbosity.quiet)


def _failure_in(error: BaseException) -> Outcome | None:
    """The outcome carried by a ``_Failed`` in ``error`` or in an exception group inside it."""
    if isinstance(error, _Failed):
        return error.outcome
    for inner in getattr(error, "exceptions", ()):
        found = _failure_in(inner)
        if found is not None:
            return found
    return None


# The inputs hypothesis draws for an exercise, by (exercise, for the probe): with a fixed seed
# they are the same every time a run finds no failure, so a passing run's inputs are kept and
# tried again directly (``call`` runs a solution on fresh copies of a case's inputs).
_DRAWN: dict[tuple[Exercise, bool], list[Any]] = {}


def search(exercise: Exercise, solution: Solution) -> tuple[Outcome | None, int]:
    """The simplest failing input hypothesis finds, else the first failing worked example
    (the inputs always tried), else None; and how many inputs were tried. With
    ``examples_first`` the examples come first, and a failing one ends the search."""
    tried = [0]
    examples = exercise.examples
    if exercise.examples_first:
        for case in examples:
            tried[0] += 1
            outcome = attempt(exercise, solution, case)
            if not outcome.ok:
                return outcome, tried[0]
        examples = ()

    drawn = _DRAWN.get((exercise, False))
    if drawn is not None and all(attempt(exercise, solution, case).ok for case in drawn):
        tried[0] += len(drawn)  # what hypothesis would try, in its order: all pass
    else:  # hypothesis draws, and on a failure finds the simplest failing input
        cases: list[Any] = []

        def test(case: Any) -> None:
            cases.append(case)
            tried[0] += 1
            outcome = attempt(exercise, solution, case)
            if not outcome.ok:
                raise _Failed(outcome)

        run = given(exercise.cases)(test)
        run = seed(exercise.number)(_settings(exercise.max_examples, shrink=True)(run))
        try:
            run()
        except Exception as error:
            found = _failure_in(error)
            if found is None:
                raise
            return found, tried[0]
        _DRAWN[exercise, False] = cases  # none failed: these are the inputs drawn
    for case in examples:  # the worked examples must pass too
        tried[0] += 1
        outcome = attempt(exercise, solution, case)
        if not outcome.ok:
            return outcome, tried[0]
    return None, tried[0]


def probe_cases(exercise: Exercise) -> list[Any]:
    """The fixed spread of inputs ``probe`` tries: the examples, then ``probe_examples``
    drawn with seed 1000 + the exercise's number."""
    cases = _DRAWN.get((exercise, True))
    if cases is None:
        cases = []

        def collect(case: Any) -> None:
            cases.append(case)

        run = given(exercise.cases)(collect)
        for case in reversed(exercise.examples):
            run = example(case)(run)
        run = seed(1000 + exercise.number)(_settings(exercise.probe_examples, False)(run))
        run()
        _DRAWN[exercise, True] = cases
    return cases


def probe(exercise: Exercise, solution: Solution) -> list[Outcome]:
    """The solution's answers on a fixed spread of inputs (never stopping at a failure)."""
    return [attempt(exercise, solution, case) for case in probe_cases(exercise)]


# ----------------------------------------------------------------------------- verdicts


@dataclass(frozen=True)
class Verdict:
    """The result of ``check``: ``passed``, or the simplest failing input with the expected
    and the given answer and, when one matches, a diagnosis. ``print(verdict)`` (or a
    notebook cell ending in it) shows it; ``bool(verdict)`` is ``passed``."""

    exercise: Exercise
    passed: bool
    examples: int = 0
    failure: Outcome | None = None
    diagnoses: tuple[Diagnosis, ...] = ()
    message: str = ""
    notes: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.passed

    @property
    def diagnosis(self) -> Diagnosis | None:
        """The first diagnosis, or None when no common mistake matches."""
        return self.diagnoses[0] if self.diagnoses else None

    @property
    def keys(self) -> tuple[str, ...]:
        """The keys of the diagnosed mistakes (``('sign',)``, ``('assign',)``, ...)."""
        return tuple(d.key for d in self.diagnoses)

    def __str__(self) -> str:
        ex = self.exercise
        if self.passed:
            return "\n".join([f"✓ {ex.name} passed: it agrees with the reference on "
                              f"{self.examples} inputs ({ex.domain})."]
                             + [_indent(note, 2) for note in self.notes])
        if self.failure is None:
            return f"✗ {ex.name}: {self.message}"
        f = self.failure
        stage = f" ({ex.stage})" if ex.stage else ""
        lines = [f"✗ {ex.name}: not yet{stage}.", f"  failing input:{_case_text(f.case)}"]
        if isinstance(f.error, TimeLimit):
            lines += ["  your function did not finish:", _indent(f.error_text, 4)]
        elif f.error is not None:
            yours = f"your {ex.name}" if ex.kind == "class" else "your function"
            lines += [f"  {yours} raised an error:", _indent(f.error_text, 4)]
        elif f.problem:
            lines.append(f"  {f.problem}")
        else:
            lines += _comparison(ex, f)
        if f.printed.strip():
            lines += ["  it printed:", _indent(_shorten(f.printed.rstrip(), 600, 12), 4)]
        lines += [_indent(str(d), 2) for d in self.diagnoses]
        if self.message:
            lines.append(f"  {self.message}")
        return "\n".join(lines)

    def __repr__(self) -> str:  # a notebook cell ending in a verdict shows the text
        return str(self)


def _case_text(case: Any) -> str:
    """A case after "failing input:": on the same line, or as code on the lines below."""
    text = str(case)
    return " " + text if "\n" not in text else "\n" + _indent(text, 4)


def _comparison(ex: Exercise, f: Outcome) -> list[str]:
    assert f.got is not None
    if ex.rows is not None and len(ex.parts) == 1 and shape_of(f.got[0]) == shape_of(
            f.expected[0]):
        return _table(ex.rows(f.case), f.expected[0], f.got[0])
    lines = []
    label = len(ex.parts) > 1
    for i, (name, e, g) in enumerate(zip(ex.parts, f.expected, f.got)):
        mark = ("  ✓", "  ✗")[i in f.wrong] if label else ""
        prefix = f"{name}: " if label else ""
        e_text, g_text = format_part(e), format_part(g)
        if "\n" in e_text or "\n" in g_text or len(e_text) + len(g_text) > 60:
            lines += [f"  {prefix}expected{mark}", _indent(e_text, 4), "  got",
                      _indent(g_text, 4)]
        else:
            lines.append(f"  {prefix}expected {e_text}, got {g_text}{mark}")
    return lines


def _table(names: list[str], expected: Any, got: Any) -> list[str]:
    rows = [("", "expected", "got", "")] + [
        (n, fmt(float(e)), fmt(float(g)), "" if close(g, e) else "✗")
        for n, e, g in zip(names, expected, got)]
    widths = [max(len(r[k]) for r in rows) for k in range(3)]
    return ["  " + "  ".join(c.ljust(w) for c, w in zip(r, [*widths, 1])).rstrip()
            for r in rows]


def format_part(x: Any) -> str:
    """A part of an answer for the verdict: a number, an array with its shape, or a list."""
    if isinstance(x, float):
        return fmt(x)
    if isinstance(x, Numbers):
        return f"[{', '.join(map(fmt, x))}]"
    if is_array(x):
        if x.shape == ():
            return fmt(float(x))
        import numpy as np

        body = np.array2string(x, precision=6, suppress_small=True, separator=", ")
        return f"{body}  (shape {shape_text(x.shape)})"
    if isinstance(x, tuple):
        return ", ".join(map(str, x))
    return str(x)


def fmt(x: float) -> str:
    """A number as Python shows it (``1.0``, ``0.25``), or to 10 significant digits."""
    text = repr(float(x))
    return text if len(text) <= 12 else f"{x:.10g}"


def shape_text(shape: Sequence[int]) -> str:
    """(3, 4) as 3×4; a 1-d shape as (4,)."""
    return "×".join(map(str, shape)) if len(shape) > 1 else f"({shape[0]},)" if shape else "()"


def _indent(text: str, n: int) -> str:
    return "\n".join(" " * n + line if line else line for line in text.splitlines())


def _shorten(text: str, n: int, lines: int) -> str:
    """At most ``n`` characters and ``lines`` lines of ``text``, with … where it was cut."""
    kept = "\n".join(text.splitlines()[:lines])
    kept = kept[:n]
    return text if kept == text else kept + " …"


# ----------------------------------------------------------------------------- diagnosis


def _behaviour(outcome: Outcome) -> Any:
    """What the solution did on an input: its answer, the type of exception it raised, or
    None for an answer of the wrong kind."""
    if outcome.got is not None:
        return outcome.got
    return type(outcome.error) if outcome.error is not None else None


def _model_answers(exercise: Exercise, mistake: Mistake, cases: list[Any]) -> list[Any]:
    """What the mistaken solution does on each case (its answer or its exception's type)."""
    answers: list[Any] = []
    assert mistake.solution is not None, f"the mistake {mistake.key} has no solution to run"
    for case in cases:
        try:
            answers.append(_run(mistake.solution, exercise, case)[0])
        except Exception as error:  # a mistake can fail where the learner's fails
            answers.append(type(error))
    return answers


def _same(got: Any, model: Any) -> bool:
    """Two answers agree: within tolerance, or the same infinities/NaNs where both have them."""
    if close(got, model):
        return True
    if is_array(got) and is_array(model):
        import numpy as np

        return bool(np.array_equal(got, model, equal_nan=True))
    if isinstance(got, (float, Numbers)) and type(model) is type(got):
        return shape_of(got) == shape_of(model) and all(
            g == m or (math.isnan(g) and math.isnan(m))
            for g, m in zip(_entries(got), _entries(model)))
    return False


def _explains(got: list[Any], model: list[Any], rows: list[int], i: int) -> bool:
    """The model does what the learner's solution does, on every row, for part ``i``: the
    same answer, or an exception of the same type."""
    def agrees(r: int) -> bool:
        if isinstance(got[r], type):
            return model[r] is got[r]
        return (isinstance(got[r], tuple) and isinstance(model[r], tuple)
                and _same(got[r][i], model[r][i]))

    return bool(rows) and all(agrees(r) for r in rows)


def _generic(i: int, exercise: Exercise, outcomes: list[Outcome]) -> list[tuple[Mistake, Any]]:
    """Mistakes recognised from the answers alone, for part ``i``: each with a function that
    turns the expected part into the answer that mistake gives (or None where it cannot).
    The hints do not name the part (the diagnosis does), so that one mistake made in two
    parts is shown once, naming both."""
    candidates: list[tuple[Mistake, Any]] = [
        (Mistake("sign", "sign flipped",
                 "Every value is minus the right one. Look for a term whose sign "
                 "you turned round: d(-u) = -du, and the derivative of a - b with respect "
                 "to b is -1."), lambda e: scaled(-1.0, e)),
    ]
    wrong = [o for o in outcomes if o.got is not None and i in o.wrong]
    factor = _constant_factor(i, wrong)
    if factor is not None:
        candidates.append((_factor_mistake(factor), lambda e, c=factor: scaled(c, e)))
    candidates += [
        (Mistake("shape", "transposed",
                 "The right numbers, but rows and columns swapped: you returned the "
                 "transpose. A gradient has the shape of the thing it is the gradient of; "
                 "check which side of each product every factor goes on, and which one is "
                 "transposed."),
         lambda e: e.T if is_array(e) and e.ndim == 2 else None),
    ]
    return candidates


def _constant_factor(i: int, wrong: list[Outcome]) -> float | None:
    """c when every wrong answer is c times the expected one (c not 0, 1 or -1)."""
    def comparable(o: Outcome) -> bool:
        return o.got is not None and shape_of(o.got[i]) == shape_of(o.expected[i])

    best = max(wrong, key=lambda o: max(map(abs, _entries(o.expected[i])), default=-1.0)
               if comparable(o) else -1.0, default=None)
    if best is None or best.got is None or not comparable(best):
        return None
    e, g = _entries(best.expected[i]), _entries(best.got[i])
    k = max(range(len(e)), key=lambda j: abs(e[j]), default=0)
    if not e or abs(e[k]) < 1e-6 or not math.isfinite(g[k]):
        return None
    c = g[k] / e[k]
    if min(abs(c), abs(c - 1), abs(c + 1)) < 1e-6:
        return None
    return c


def _factor_mistake(c: float) -> Mistake:
    if abs(c - 2) < 1e-9:
        what, hint = "a factor 2 too many (doubled)", "It is exactly twice the right value."
    elif abs(c - 0.5) < 1e-9:
        what, hint = "a factor 2 missing (halved)", "It is exactly half the right value."
    else:
        what, hint = f"off by a constant factor {c:.6g}", (
            f"It is {c:.6g} times the right value, on every input tried.")
    return Mistake("factor", what,
                   f"{hint} Look for a constant you dropped or added (a 2 from a "
                   "square, a 1/2, the learning rate, a batch size).")


def diagnose(exercise: Exercise, failure: Outcome, outcomes: list[Outcome],
             solution: Solution | None = None) -> tuple[Diagnosis, ...]:
    """The common mistakes that explain the wrong answers in ``failure`` and ``outcomes`` (the
    probe's), part by part.

    A mistake with a model is named only when the model gives the learner's answer, in every
    part the mistake changes, on every input tried: ``d_mul`` returning (b, b) is not "the
    two derivatives swapped", though (a, b) has the same dy/db. A mistake known from the
    answers alone (a sign, a constant factor, a transpose) concerns one part and must give
    that part on every input tried. ``solution`` lets an exercise fit models to it first
    (``Exercise.fit``: which of a class's operations assign, say)."""
    if isinstance(failure.error, NotImplementedError) or failure.problem:
        return _diagnose_error(failure)
    if exercise.judge is not None:
        return _judged(failure, outcomes) if failure.got is not None else ()
    if exercise.explain is not None and solution is not None:
        explained = exercise.explain(exercise, solution, failure, outcomes)
        if explained:
            return explained
    outcomes = [o for o in [failure, *outcomes] if _behaviour(o) is not None]
    cases = [o.case for o in outcomes]
    got = [_behaviour(o) for o in outcomes]
    answered = [o for o in outcomes if o.got is not None]
    mistakes = list(exercise.mistakes)
    if exercise.fit is not None and solution is not None:
        mistakes += exercise.fit(solution)
    rows = list(range(len(outcomes)))
    models = []
    for mistake in mistakes:
        if mistake.solution is None:
            continue
        model = _model_answers(exercise, mistake, cases)
        changed = _changed_parts(model, outcomes, len(exercise.parts))
        if changed and all(_explains(got, model, rows, i) for i in changed):
            models.append((mistake, changed))
    wrong_parts = {i for o in answered for i in o.wrong}
    if not wrong_parts:  # wrong only by raising: every part is in question
        wrong_parts = set(range(len(exercise.parts)))
    found: list[Diagnosis] = []
    for i in sorted(wrong_parts):
        part = exercise.parts[i] if len(exercise.parts) > 1 else None
        failing = [r for r, o in enumerate(outcomes) if o.got is None or i in o.wrong]
        diagnosis = next((Diagnosis(m, part) for m, changed in models if i in changed), None)
        if diagnosis is None:  # a mistake recognised from the answers alone
            generic = [(mistake, [_transformed(transform, o.expected, i) for o in outcomes])
                       for mistake, transform in _generic(i, exercise, answered)]
            diagnosis = _best(generic, got, rows, i, part)
        if diagnosis is None:  # facts about the answers it did give
            diagnosis = _reshaped(outcomes, [r for r in failing if outcomes[r].got is not None],
                                  i, part) or _shape_fact(failure, i, part)
        if diagnosis is not None:
            found.append(diagnosis)
    if not found and failure.error is not None:
        return _diagnose_error(failure)
    return _merge(found)


def _changed_parts(model: list[Any], outcomes: list[Outcome], n: int) -> set[int]:
    """The parts a mistake's model changes: those where its answer differs from the expected
    one on some input tried (every part, where it raises or answers with the wrong kind)."""
    changed: set[int] = set()
    for answer, o in zip(model, outcomes):
        if not isinstance(answer, tuple):
            return set(range(n))
        changed |= {i for i in range(n) if not _same(answer[i], o.expected[i])}
    return changed


def _judged(failure: Outcome, outcomes: list[Outcome]) -> tuple[Diagnosis, ...]:
    """For an exercise graded by a property: the mistake found on every failing input. A
    list that is a valid order reversed also has a node before one of its parents, so when
    some failures are "reversed" and others not, the general "order" mistake is named."""
    found = [o.judged for o in [failure, *outcomes] if o.judged is not None]
    keys = {m.key for m in found}
    shown = failure.judged
    if shown is None:
        return ()
    if len(keys) == 1:
        return (Diagnosis(shown),)
    if keys <= {"reversed", "order"}:
        return (Diagnosis(shown if shown.key == "order" else Mistake(
            "order", "a node before one of its parents",
            "On this input your list is a valid order reversed, but on others it is not even "
            "that: some nodes come before one of their parents. Append a node only once all "
            "of its parents are in the list: visit the parents first, then append the node.")),)
    return (Diagnosis(shown, everywhere=False,
                      note="on this input; on others your list goes wrong in other ways too"),)


def _transformed(transform: Callable[[Any], Any], expected: tuple[Any, ...], i: int) -> Any:
    part = transform(expected[i])
    if part is None:
        return None
    return tuple(part if j == i else e for j, e in enumerate(expected))


def _best(answers: list[tuple[Mistake, list[Any]]], got: list[Any], rows: list[int],
          i: int, part: str | None) -> Diagnosis | None:
    """The first mistake that does what the learner's solution does for part ``i`` on every
    input tried. A mistake that matches only where the answer is wrong is not named: a rule
    that is 0 everywhere is not "relu's two sides swapped", though it agrees with that
    mistake wherever it is wrong. (The same holds for the models in ``diagnose``.)"""
    for mistake, model in answers:
        if _explains(got, model, rows, i):
            return Diagnosis(mistake, part)
    return None


def _reshaped(outcomes: list[Outcome], failing: list[int], i: int, part: str | None
              ) -> Diagnosis | None:
    """The right numbers in the wrong shape, on every failing input."""
    def same_numbers(o: Outcome) -> bool:
        e, g = o.expected[i], o.got[i] if o.got is not None else None
        return (is_array(g) and is_array(e) and g.shape != e.shape and g.size == e.size
                and close(g.ravel(), e.ravel()))

    if not failing or not all(same_numbers(outcomes[r]) for r in failing):
        return None
    name = part or "your answer"
    return Diagnosis(Mistake(
        "shape", "right numbers, wrong shape",
        f"{name} has the right numbers in the wrong shape "
        f"({shape_text(outcomes[failing[0]].expected[i].shape)} was expected). A gradient has "
        "exactly the shape of what it is the gradient of: use keepdims=True when you sum, or "
        ".reshape."), part)


def _shape_fact(failure: Outcome, i: int, part: str | None) -> Diagnosis | None:
    """A wrong shape is a fact, not a guess: say so when nothing more specific matched."""
    if failure.got is None:
        return None
    e, g = failure.expected[i], failure.got[i]
    if not is_array(e) or e.shape == shape_of(g):
        return None
    name = part or "the answer"
    return Diagnosis(Mistake(
        "shape", "wrong shape",
        f"{name} should have shape {shape_text(e.shape)}, yours has {shape_text(shape_of(g))}. "
        "A gradient has exactly the shape of what it is the gradient of; write the shape of "
        "every factor under your formula and check that the product gives that shape."), part)


def _merge(found: list[Diagnosis]) -> tuple[Diagnosis, ...]:
    """One diagnosis for a mistake that explains several parts at once."""
    merged: list[Diagnosis] = []
    for d in found:
        same = next((m for m in merged if m.mistake == d.mistake), None)
        if same is None:
            merged.append(d)
        else:
            parts = f"{same.part}, {d.part}" if same.part and d.part else same.part
            merged[merged.index(same)] = Diagnosis(same.mistake, parts,
                                                   same.everywhere and d.everywhere)
    return tuple(merged)


_NUMPY_SHAPE_ERRORS = (  # what NumPy says when the shapes of its operands do not fit
    "could not be broadcast", "mismatch in its core dimension", "not aligned",
    "could not broadcast", "cannot reshape array")


def _diagnose_error(failure: Outcome) -> tuple[Diagnosis, ...]:
    error = failure.error
    if isinstance(error, NotImplementedError):
        return (Diagnosis(Mistake("todo", "not written yet",
                                  "The starter still raises NotImplementedError: replace that "
                                  "line with your code.")),)
    text = str(error)
    if isinstance(error, ValueError) and any(w in text for w in _NUMPY_SHAPE_ERRORS):
        return (Diagnosis(Mistake("shape", "wrong shape",
                                  "NumPy could not combine two of your arrays: their shapes do "
                                  "not fit. Write the shape of every factor under your formula "
                                  "(the failing input above gives them) and check that each "
                                  "product's inner dimensions agree.")),)
    return ()


# ----------------------------------------------------------------------------- grading


def _showcase(failure: Outcome, outcomes: list[Outcome]) -> Outcome:
    """The failure to show: hypothesis's simplest one, unless some part is right there but
    wrong elsewhere; then the shortest probed input where every such part is wrong."""
    wrong = {i for o in outcomes if o.got is not None for i in o.wrong}
    if failure.got is None or wrong <= set(failure.wrong):
        return failure
    showing_all = [o for o in outcomes if o.got is not None and wrong <= set(o.wrong)]
    return min(showing_all, key=lambda o: len(str(o.case)), default=failure)


def _signature_problem(exercise: Exercise, solution: Solution) -> str:
    try:
        sig = inspect.signature(solution)
    except (TypeError, ValueError):
        return ""  # a builtin or a callable object: let the call decide
    wanted = [p.strip() for p in exercise.params.split(",") if p.strip()]
    try:
        sig.bind(*wanted)
    except TypeError:
        return (f"{exercise.name} should take {len(wanted)} argument(s), "
                f"{exercise.signature}, but yours is {getattr(solution, '__name__', 'it')}"
                f"{sig}.")
    return ""


def grade(exercise: Exercise, solution: Solution) -> Verdict:
    """Grade ``solution`` on ``exercise``, stage by stage: see ``tinygrad_edu.exercises.check``
    and ``Exercise``."""
    if not callable(solution):
        raise TypeError(f"check: the solution must be a {exercise.kind}, e.g. "
                        f"{exercise.definition}, got {type(solution).__name__} "
                        f"{solution!r:.60}")
    if exercise.kind == "class" and not inspect.isclass(solution):
        return Verdict(exercise, False, message=(
            f"{exercise.name} is a class: pass the class itself, as in check("
            f"{exercise.name!r}, {exercise.name}), not {getattr(solution, '__name__', 'a')} "
            f"{type(solution).__name__}"))
    if exercise.arrays and not numpy_installed():
        return Verdict(exercise, False, message=f"{exercise.name} {NEEDS_NUMPY}.")
    problem = _signature_problem(exercise, solution)
    if problem:
        return Verdict(exercise, False, message=problem)
    examples, notes = 0, []
    for stage in (*exercise.before, exercise, *exercise.after):
        verdict = _grade_stage(stage, solution)
        if not verdict.passed:
            note = stage.tolerate(verdict.failure) if (
                stage.tolerate is not None and verdict.failure is not None) else None
            if note is None:
                return verdict
            notes.append(note)
        examples += verdict.examples
    return Verdict(exercise, True, examples=examples, notes=tuple(notes))


def _grade_stage(exercise: Exercise, solution: Solution) -> Verdict:
    """Grade one stage: search, and if that fails, probe and diagnose."""
    try:
        failure, tried = search(exercise, solution)
        if failure is None:
            return Verdict(exercise, True, examples=tried)
        todo = isinstance(failure.error, NotImplementedError) or bool(failure.problem)
        outcomes = [] if todo else probe(exercise, solution)
    except HypothesisException as error:  # e.g. Flaky: the same input gave two answers
        why = ("does it keep state between calls, or use random numbers?" if exercise.kind
               != "class" else "does a result hang on the order in which a set lists its "
               "Values? micrograd keeps _prev as a set, whose order changes from run to run")
        return Verdict(exercise, False, message=(
            f"your {exercise.kind} gave different answers for the same input ({why}). "
            f"Hypothesis says: {error}"))
    except TimeLimit as slow:
        return Verdict(exercise, False, failure=slow.outcome, message=(
            "An endless loop? The line above is where your function was when it was "
            "stopped; a print inside the loop shows what changes from one turn to the next "
            "(or what does not)."))
    failure = _showcase(failure, outcomes)
    diagnoses = diagnose(exercise, failure, outcomes, solution)
    message = "" if failure.problem else _what_differs(exercise, failure, outcomes, diagnoses)
    if failure.error is not None and not diagnoses:
        what = "these lines" if exercise.kind == "class" else "your function"
        message = f"Fix the error first: run {what} by hand on the input above."
    return Verdict(exercise, False, failure=failure, diagnoses=diagnoses, message=message)


def _what_differs(exercise: Exercise, failure: Outcome, outcomes: list[Outcome],
                  diagnoses: tuple[Diagnosis, ...]) -> str:
    """Where no common mistake explains a wrong part: which parts differ and which are right
    on every input tried, so the learner knows where to look. Empty when every wrong part
    has its diagnosis."""
    answered = [o for o in [failure, *outcomes] if o.got is not None]
    wrong = sorted({i for o in answered for i in o.wrong})
    named = {p.strip() for d in diagnoses if d.part for p in d.part.split(",")}
    if diagnoses and (len(exercise.parts) == 1 or all(exercise.parts[i] in named
                                                      for i in wrong)):
        return ""
    compare = ("compare the expected and the given answer at the input above, working it "
               "out by hand.")
    if len(exercise.parts) == 1 or not wrong:
        return f"No common mistake matches your answers; {compare}"
    unexplained = [exercise.parts[i] for i in wrong if exercise.parts[i] not in named]
    right = [p for i, p in enumerate(exercise.parts) if i not in wrong]
    text = f"No common mistake matches {_and(unexplained)}"
    if right:
        verb = "is" if len(right) == 1 else "are"
        text += f" ({_and(right)} {verb} right on every input tried)"
    return f"{text}; {compare}"


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"

