"""Running a learner's solution on the exercise's inputs, as property tests do.

``attempt`` runs the reference and the solution on one input and compares their answers
(what the solution prints is kept; an exception, or a call past ``TIME_LIMIT`` seconds, is
part of the outcome, not a crash). ``search`` lets hypothesis find the simplest failing
input, and ``probe`` tries a spread of inputs without stopping at a failure, for the
diagnosis to see the solution's answers on many different inputs.

Every input is drawn from the grading's seed (``cases.begin``: a new one from the operating
system's random numbers at each grading, unless one is given to grade again as before,
``--seed``), through hypothesis with no example database: no file can hold a table of the
answers to the inputs it will be asked, and the same solution gets the same verdict for the
same seed, which every result records.
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, example, given, seed, settings
from hypothesis.errors import HypothesisException, HypothesisWarning

from tinygrad_edu.exercises.cases import drawn_from, grading_seed
from tinygrad_edu.exercises.comparing import Outcome
from tinygrad_edu.exercises.exercise import ExerciseSpec
from tinygrad_edu.exercises.learner.frames import learners_frames
from tinygrad_edu.exercises.learner.parts import AnswerError, close
from tinygrad_edu.exercises.learner.printed import Printed, printed_lines
from tinygrad_edu.exercises.learner.sandbox import MORE_MEMORY
from tinygrad_edu.exercises.limit import TimeLimit, call_with_time_limit
from tinygrad_edu.exercises.mistakes import Solution
from tinygrad_edu.exercises.remote import Remote, Stopped

__all__ = ["FLOOD", "FLOOD_SECONDS", "TIME_LIMIT"]

_HERE = str(Path(__file__).resolve().parent)

TIME_LIMIT = 5.0
"""Seconds one call of a solution may take before it is stopped (every input is tiny, so only
an endless loop comes near). Enforced with a timer signal, so in the main thread of a POSIX
system only: a terminal, a notebook kernel or pytest; elsewhere there is no limit. How it
stops a loop that catches exceptions: ``tinygrad_edu.exercises.limit``."""


FLOOD = 10_000
"""The lines a call must print to count as a flood: the time of the calls that do counts
towards the grading's ``FLOOD_SECONDS`` (``Flooded``). (A line per node in a learner's
backward is a few thousand lines on the graded stages' largest graphs.)"""
FLOOD_SECONDS = 15.0
"""Seconds the calls of one grading that print a flood may take together. A backward that
prints 20,000 lines a call passes the node stage in the page (about 6 s of them, 86 calls)
as on the command line; one that prints a million is stopped after two or three calls."""


class Flooded(TimeLimit):
    """The calls of one grading that printed ``FLOOD`` lines or more have taken
    ``FLOOD_SECONDS`` together: the grading is stopped there, as a call past its time is (a
    print in a loop a million times, in a learner's backward, would take minutes over the
    hundreds of inputs a grading tries). ``outcome``: the last such call's."""

    def __init__(self, calls: int, lines: int, seconds: float) -> None:
        super().__init__(FLOOD_SECONDS)
        self.calls, self.lines, self.seconds = calls, lines, seconds


PAGE_MEMORY: list[Callable[[], int | None]] = []
"""What reads the memory the page's Python has (``viz.playground`` puts ``page_python``'s
``memory_bytes`` here; empty elsewhere): a call stopped by the time limit that took
``sandbox.MORE_MEMORY`` more meanwhile is told it ran out of memory, as a learner's process
on a computer is (``attempt``)."""
PAGE_FREE: list[Callable[[], Any]] = []
"""What frees what the learner's code holds in the page's Python (``viz.playground`` puts
``page_python``'s ``let_go`` here, which empties the namespaces the answer file ran in;
empty elsewhere): called where a call ran out of memory (``Filled``)."""


class Filled(TimeLimit):
    """In the page's Python, a call that ran out of memory (a MemoryError, or the time limit
    after it took ``sandbox.MORE_MEMORY`` more): what the learner's code holds is freed at
    once (``PAGE_FREE``) and the grading ends there, on ``outcome``, as a call past its time
    ends it. The learner's code shares the page's Python with the grader: kept full (a list
    grown in a function, held by the file's top level, until the Check's end), the memory
    left the grader none to answer in, and the answer came back garbled or with its last
    lines binary junk, in 8 of 9 first Checks (issue 66, N1: the playground, which frees
    such code's memory at once, ``page_python.flat_exec``, was clean). On a computer the
    learner's process holds it, not the grader's."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(TIME_LIMIT)
        self.outcome = outcome


def _filled(error: BaseException, outcome: Outcome) -> Filled:
    """Free what the code holds (the frames ``error`` came through, then what
    ``PAGE_FREE`` frees), and end the grading on ``outcome`` (``Filled``)."""
    _let_go(error.__traceback__)
    for free in PAGE_FREE:
        free()
    return Filled(outcome)

_floods = [0.0, 0, 0]  # this grading's floods: seconds, lines, calls


def begin_floods() -> None:
    """A grading (of one stage) starts with no flood counted (``Flooded``)."""
    _floods[:] = [0.0, 0, 0]


def _counted(outcome: Outcome, seconds: float) -> None:
    """Count a call that printed a flood; ``Flooded`` once they have taken
    ``FLOOD_SECONDS``."""
    lines = printed_lines(outcome.printed)
    if lines < FLOOD:
        return
    _floods[0] += seconds
    _floods[1] += lines
    _floods[2] += 1
    if _floods[0] >= FLOOD_SECONDS:
        stop = Flooded(int(_floods[2]), int(_floods[1]), _floods[0])
        stop.outcome = outcome
        raise stop


def run_solution(solution: Solution | Remote, exercise: ExerciseSpec, case: Any,
                 out: io.StringIO | None = None) -> tuple[tuple[Any, ...], str]:
    """The solution's answer on ``case`` and what it printed meanwhile (into ``out``, if
    given, so that it is there even when the solution raises). NumPy's warnings (a division
    by zero, ...) are silenced: the verdict shows the inf or NaN they produced. A ``Remote``
    solution is asked in its own process, which does the same there."""
    out = Printed() if out is None else out
    if isinstance(solution, Remote):
        try:
            answer, printed = solution.run(exercise, case)
        except Stopped:
            raise
        except BaseException as error:
            out.write(getattr(error, "printed", ""))
            raise
        out.write(printed)
        return answer, out.getvalue()
    numpy = sys.modules.get("numpy")  # (the exercises on numbers may run without it)
    quiet = contextlib.nullcontext() if numpy is None else numpy.errstate(all="ignore")
    with contextlib.redirect_stdout(out), warnings.catch_warnings(), quiet:
        warnings.simplefilter("ignore")
        answer = exercise.call(solution, case, exercise.node)
    return answer, out.getvalue()


def attempt(exercise: ExerciseSpec, solution: Solution | Remote, case: Any,
            expected: tuple[Any, ...] | None = None) -> Outcome:
    """Run the reference (unless its answer is given as ``expected``) and the solution on
    ``case`` and compare."""
    if expected is None:
        expected, _ = run_solution(exercise.reference, exercise, case)
    outcome = Outcome(case, expected)
    out = Printed()
    started = time.monotonic()
    memory = None if isinstance(solution, Remote) or not PAGE_MEMORY else PAGE_MEMORY[0]()
    try:
        if isinstance(solution, Remote):  # (its time limit is its own process's)
            got, outcome.printed = run_solution(solution, exercise, case, out)
        else:
            got, outcome.printed = call_with_time_limit(TIME_LIMIT, run_solution, solution,
                                                        exercise, case, out)
    except Stopped:
        raise  # (the learner's process ended: the grader says so, not the verdict)
    except AnswerError as problem:
        outcome.problem, outcome.printed = str(problem), out.getvalue()
        return outcome
    except (Exception, SystemExit, TimeLimit) as error:  # a verdict, not a crash
        if memory is not None and isinstance(error, MemoryError):  # (the page's Python: its
            outcome.error, outcome.error_text = error, _where(error, solution)  # text made
            outcome.printed = out.getvalue()  # before the frames are cleared)
            raise _filled(error, outcome) from None
        outcome.error, outcome.error_text = error, _where(error, solution)
        if isinstance(error, RecursionError) and not hasattr(error, "limit"):
            error.limit = sys.getrecursionlimit()  # type: ignore[attr-defined]  # (run here:
            # the limit it went past; from a learner's process, as it sent it: remote.py)
        outcome.printed = out.getvalue()
        if isinstance(error, TimeLimit):
            # The frames the stop came through, cleared once its text is made: a finished
            # frame keeps its locals, and the stop the verdict keeps holds its frames, in a
            # cycle with the grader's frame that caught it, which only the garbage collector
            # frees. A list grown in a loop until the stop (big.append([0] * 10 ** 6)) was
            # kept so, and the page's gc.collect() after the grading looked at each of its
            # hundreds of millions of references: the verdict came 2 to 10 s after the stop
            # (measured in Chromium; cleared, 0.4 to 0.6 s). A stop's only: after another
            # error hypothesis shrinks the input (but for the page's MemoryError, which
            # ends the grading: ``Filled``).
            _let_go(error.__traceback__)
            error.outcome = outcome
            now = PAGE_MEMORY[0]() if memory is not None else None
            if now is not None and memory is not None and now - memory >= MORE_MEMORY:
                for free in PAGE_FREE:  # (what it filled, freed before the verdict is made)
                    free()
                error.grown = now - memory  # type: ignore[attr-defined]  # (a learner's
                outcome.error_text = outcome.error_text.replace(  # process on a computer
                    f"{type(error).__name__}: {error}",  # raises MemoryError: said so)
                    f"MemoryError: it ran out of memory (it took {(now - memory) / 2 ** 30:.1f}"
                    " GB more)", 1)
            raise
        _counted(outcome, time.monotonic() - started)
        return outcome
    _counted(outcome, time.monotonic() - started)
    if not isinstance(got, tuple) or len(got) != len(expected):  # (read before judged)
        count = f"{len(got)} part(s)" if isinstance(got, tuple) else "no parts"
        outcome.problem = (f"the answer has {count} where the exercise reads "
                           f"{len(expected)}: {', '.join(exercise.call.parts)}")
        return outcome
    outcome.got = got
    if exercise.judge is not None:
        try:
            outcome.judged = exercise.judge(case, got)
        except Exception as error:  # (an answer the judge cannot read is a wrong one)
            outcome.got, outcome.problem = None, (
                f"the answer could not be read as {', '.join(exercise.call.parts)} "
                f"({type(error).__name__})")
            return outcome
        outcome.wrong = () if outcome.judged is None else (0,)
    else:
        outcome.wrong = tuple(i for i, (g, e) in enumerate(zip(got, expected)) if not close(g, e))
    return outcome


def _let_go(tb: TracebackType | None) -> None:
    """Clear the finished frames of the traceback ``tb`` (the frame that caught it, still
    running, is left as it is), and on Python 3.11 and 3.12 the dict of locals that tracing
    made of each, which ``frame.clear()`` leaves (from 3.13 on there is none)."""
    while tb is not None:
        frame = tb.tb_frame
        try:
            frame.clear()
        except RuntimeError:  # (a frame still running)
            pass
        else:
            made = frame.f_locals
            if isinstance(made, dict):
                made.clear()
        tb = tb.tb_next


def _where(error: BaseException, solution: Solution | Remote) -> str:
    """The exception with the last line of the learner's own code that it passed through
    (in the file that defines ``solution``, else anywhere outside this package; for a
    ``Remote`` solution, as its process wrote it)."""
    if getattr(error, "learner_text", ""):
        return _unqualified(str(error.learner_text))  # type: ignore[attr-defined]
    code = getattr(solution, "__code__", None)
    frames = learners_frames(error, lambda f: not f.filename.startswith(_HERE))
    own = learners_frames(error, lambda f: code is not None and f.filename ==
                          code.co_filename and not f.filename.startswith(_HERE))
    frames = own or frames  # (the solution's file's, else any outside this package)
    text = _unqualified(f"{type(error).__name__}: {error}")
    if frames:
        f = frames[-1]
        line = f"  ({f.line})" if f.line else ""
        text += f"\n  in {Path(f.filename).name}, line {f.lineno}, in {f.name}{line}"
    return text


def _unqualified(text: str) -> str:
    """``text`` with the learner's classes named as the learner wrote them: Python 3.14 says
    "cannot use 'solutions.Value' as a set element", ``solutions`` being the module the grader
    runs the learner's file as, a name the learner never wrote."""
    return re.sub(r"'solutions\.(\w)", r"'\1", text)


# ----------------------------------------------------------------------------- hypothesis


class _Failed(Exception):
    """Raised inside hypothesis to mark a failing input; carries its outcome."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__("failed")
        self.outcome = outcome


def _settings(max_examples: int, shrink: bool) -> settings:
    phases = [Phase.explicit, Phase.generate] + ([Phase.shrink] if shrink else [])
    return settings(database=None, derandomize=False, deadline=None, max_examples=max_examples,
                    phases=phases, suppress_health_check=list(HealthCheck),
                    report_multiple_bugs=False, print_blob=False, verbosity=Verbosity.quiet)


def _quietly(run: Any) -> None:
    """Run a hypothesis test without its warnings, which are the grader's, not the
    learner's: where the learner's code lowered the recursion limit (to 60) and the page's
    Python keeps it under its own (``viz.page_python.DEPTH``), hypothesis could not set it
    back and said so, three lines through its own files before the verdict (issue 66)."""
    with warnings.catch_warnings(), _drawn_alike():
        warnings.simplefilter("ignore", HypothesisWarning)
        run()


@contextlib.contextmanager
def _drawn_alike() -> Any:
    """While the grader draws, hypothesis mixes none of the numbers written in the source of
    the modules loaded into its draws. It does (6.131 on) for every module it takes for the
    user's own (not the standard library's, not in site-packages), reading and parsing each
    file once a process: a grading's inputs from one seed then hung on what was loaded, and
    on whether tinygrad_edu came from a clone or a wheel (``--seed`` drew other inputs), and
    every grading's process parsed each of the package's files (1 s of a 2.9 s ``check``).
    Where a hypothesis has no such numbers, or keeps them otherwise, nothing changes."""
    providers: Any = sys.modules.get("hypothesis.internal.conjecture.providers")
    local = getattr(providers, "_get_local_constants", None)
    cache: Any = getattr(getattr(providers, "CONSTANTS_CACHE", None), "cache", None)
    none = getattr(providers, "Constants", None)
    if local is None or not hasattr(cache, "clear") or none is None:
        yield
        return
    empty = none()
    providers._get_local_constants = lambda: empty
    cache.clear()  # (what it kept of the numbers found so far)
    try:
        yield
    finally:
        providers._get_local_constants = local
        cache.clear()


def _failure_in(error: BaseException) -> Outcome | None:
    """The outcome carried by a ``_Failed`` in ``error`` or in an exception group inside it."""
    if isinstance(error, _Failed):
        return error.outcome
    for inner in getattr(error, "exceptions", ()):
        found = _failure_in(inner)
        if found is not None:
            return found
    return None


# The inputs hypothesis draws for an exercise, by (exercise, for the probe, the grading's
# seed): from one seed they are the same every time a run finds no failure, so a passing
# run's inputs are kept and tried again directly (``call`` runs a solution on fresh copies
# of a case's inputs). And the reference's answers on them, in the same order: the reference
# is deterministic, and its answers are only read, so they are worked out once (grading a
# class tries them hundreds of times).
_DRAWN: dict[tuple[ExerciseSpec, bool, int], list[Any]] = {}
_EXPECTED: dict[tuple[ExerciseSpec, bool, int], list[tuple[Any, ...]]] = {}


def _key(exercise: ExerciseSpec, for_probe: bool) -> tuple[ExerciseSpec, bool, int]:
    """The key of ``_DRAWN`` and ``_EXPECTED`` under this grading's seed; what was kept
    for another seed is let go (a notebook's kernel draws afresh at each practice check)."""
    seed = grading_seed()
    for kept in (_DRAWN, _EXPECTED):
        for old in [k for k in kept if k[2] != seed]:
            del kept[old]
    return (exercise, for_probe, seed)


def search(exercise: ExerciseSpec, solution: Solution | Remote, shrink: bool = True
           ) -> tuple[Outcome | None, int]:
    """The simplest failing input hypothesis finds, else the first failing worked example
    (the inputs always tried), else None; and how many inputs were tried. With
    ``examples_first`` the examples come first, and a failing one ends the search (with
    ``shrink_examples``, once hypothesis has looked for a simpler one: ``_simpler``). Not
    ``shrink``: the first failing input hypothesis draws, as drawn (``grading._grade_stage``
    tries the exercise's ``smallest`` inputs on it first)."""
    tried = [0]
    examples = exercise.examples
    if exercise.examples_first:
        for case in examples:
            tried[0] += 1
            outcome = attempt(exercise, solution, case)
            if not outcome.ok:
                return (_simpler(exercise, solution, outcome, tried)
                        if exercise.shrink_examples else (outcome, tried[0]))
        examples = ()
    return _drawn(exercise, solution, examples, tried, shrink)


def _simpler(exercise: ExerciseSpec, solution: Solution | Remote, failure: Outcome,
             tried: list[int]) -> tuple[Outcome, int]:
    """A worked example failed (``examples_first``): the simplest failing input hypothesis
    finds and shrinks to, if it finds one that is shorter to show (a worked example is
    never shrunk: a node's mistake in log, found in a 9-node expression, is shown in
    x0.log() alone); else the example. An answer that changes from run to run (the order
    of a set) keeps the example, which does not hang on it. The first of the exercise's
    ``smallest`` inputs (smallest first) that fails as the example does, and is no longer to
    show (the example itself, when it is one), is taken with no search: it is what
    ``grading._smallest`` would show after one, and the search's shrinking, which cannot
    find a shorter one, took 6 s on some seeds (2.0 / x computed as x / 2.0, found on the
    worked example 2.0 / x0: 13.5 s in CI)."""
    if not failure.problem:
        for case in exercise.smallest:
            if len(str(case)) > len(str(failure.case)):
                continue
            tried[0] += 1
            outcome = attempt(exercise, solution, case)
            if outcome.ok or outcome.problem:
                continue
            if (type(outcome.error) is type(failure.error) if failure.error is not None
                    else outcome.error is None and outcome.got is not None):
                return outcome, tried[0]
    try:
        found, _ = _drawn(exercise, solution, (), tried)
    except HypothesisException:
        return failure, tried[0]
    if found is not None and len(str(found.case)) < len(str(failure.case)):
        return found, tried[0]
    return failure, tried[0]


def _drawn(exercise: ExerciseSpec, solution: Solution | Remote, examples: tuple[Any, ...],
           tried: list[int], shrink: bool = True) -> tuple[Outcome | None, int]:
    """The simplest failing input hypothesis finds (with ``shrink``; else the first it
    draws), else the first failing example of ``examples`` (tried after the drawn ones),
    else None."""
    key = _key(exercise, False)
    drawn = _DRAWN.get(key)
    if drawn is not None and all(attempt(exercise, solution, case, expected).ok for case, expected
                                 in zip(drawn, _EXPECTED[key])):
        tried[0] += len(drawn)  # what hypothesis would try, in its order: all pass
    else:  # hypothesis draws, and on a failure finds the simplest failing input
        cases: list[Any] = []
        answers: list[tuple[Any, ...]] = []

        def test(case: Any) -> None:
            cases.append(case)
            tried[0] += 1
            outcome = attempt(exercise, solution, case)
            answers.append(outcome.expected)
            if not outcome.ok:
                raise _Failed(outcome)

        run = given(exercise.cases)(test)
        run = seed(drawn_from("search", exercise.number))(
            _settings(exercise.max_examples, shrink)(run))
        try:
            _quietly(run)
        except Exception as error:
            found = _failure_in(error)
            if found is None:
                raise
            return found, tried[0]
        _DRAWN[key] = cases  # none failed: these are the inputs drawn
        _EXPECTED[key] = answers
    for case in examples:  # the worked examples must pass too
        tried[0] += 1
        outcome = attempt(exercise, solution, case)
        if not outcome.ok:
            return outcome, tried[0]
    return None, tried[0]


def probe_cases(exercise: ExerciseSpec) -> list[Any]:
    """The spread of inputs ``probe`` tries: the examples, then ``probe_examples`` drawn
    from the grading's seed."""
    key = _key(exercise, True)
    cases = _DRAWN.get(key)
    if cases is None:
        cases = []

        def collect(case: Any) -> None:
            cases.append(case)

        run = given(exercise.cases)(collect)
        for case in reversed(exercise.examples):
            run = example(case)(run)
        run = seed(drawn_from("probe", exercise.number))(
            _settings(exercise.probe_examples, False)(run))
        _quietly(run)
        _DRAWN[key] = cases
    return cases


def probe(exercise: ExerciseSpec, solution: Solution | Remote) -> list[Outcome]:
    """The solution's answers on a fixed spread of inputs (never stopping at a failure)."""
    cases = probe_cases(exercise)
    key = _key(exercise, True)
    answers = _EXPECTED.get(key)
    if answers is None:
        outcomes = [attempt(exercise, solution, case) for case in cases]
        _EXPECTED[key] = [o.expected for o in outcomes]
        return outcomes
    return [attempt(exercise, solution, case, expected)
            for case, expected in zip(cases, answers)]
