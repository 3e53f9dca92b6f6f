"""The grader: run a learner's solution against the reference with hypothesis, then diagnose.

``grade(exercise, solution)`` grades one answer and returns its ``Verdict``. Its inputs
are drawn from the grading's seed (``cases.begin``: afresh at every grading, recorded), with
no example database, so the same solution gets the same verdict for the same seed (and a
right one passes whatever the seed). It runs twice
(``running.py``):

1. a *search* that stops at the first failing input and shrinks it to the simplest one
   (the input the verdict shows; where the exercise lists its ``smallest`` inputs and one
   of them fails as it does, that one, with no shrinking), and
2. if that found a failure, a *probe* over a fixed spread of inputs that never stops early,
   so the diagnosis sees the solution's answers on many different inputs.

A diagnosis names a common mistake only when a model of that mistake does what the learner's
solution does on every input tried (the same answers, or the same exception): see
``diagnoses.py``. Otherwise the verdict (``verdicts.py``) says plainly that no common mistake
matches, and shows the failing input with the expected and the given answer.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import inspect
import re
from typing import Any

from hypothesis.errors import HypothesisException

from tinygrad_edu.exercises.comparing import Outcome
from tinygrad_edu.exercises.diagnoses import diagnose
from tinygrad_edu.exercises.exercise import ExerciseSpec
from tinygrad_edu.exercises.learner.printed import printed_lines, shortened
from tinygrad_edu.exercises.limit import TimeLimit
from tinygrad_edu.exercises.mistakes import Diagnosis, Solution
from tinygrad_edu.exercises.remote import Remote
from tinygrad_edu.exercises.running import Filled, Flooded, attempt, begin_floods, probe, search
from tinygrad_edu.exercises.shortcuts import complex_step, shortcut
from tinygrad_edu.exercises.text_blocks import indent
from tinygrad_edu.exercises.verdicts import Verdict

__all__ = ["Exercise", "grade"]


class Exercise(ExerciseSpec):
    """One exercise: what to write, how it is graded, and the mistakes it can diagnose (the
    fields of ``ExerciseSpec``), and ``check`` to grade a solution. ``EXERCISES`` holds them."""

    def check(self, solution: Solution | Remote) -> Verdict:
        """Grade ``solution``; see ``tinygrad_edu.exercises.check``."""
        return grade(self, solution)


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


def _showcase(failure: Outcome, outcomes: list[Outcome]) -> Outcome:
    """The failure to show: hypothesis's simplest one, unless some part is right there but
    wrong elsewhere; then the shortest probed input where every such part is wrong."""
    wrong = {i for o in outcomes if o.got is not None for i in o.wrong}
    if failure.got is None or wrong <= set(failure.wrong):
        return failure
    showing_all = [o for o in outcomes if o.got is not None and wrong <= set(o.wrong)]
    return min(showing_all, key=lambda o: len(str(o.case)), default=failure)


def size(case: Any) -> Any:
    """How large ``case`` is: its own ``size()`` (a graph's steps, a vector's length, Adam's
    step), else the length of its text."""
    own = getattr(case, "size", None)
    return own() if callable(own) else len(str(case))


def _smallest(exercise: ExerciseSpec, solution: Solution | Remote, failure: Outcome,
              outcomes: list[Outcome]) -> Outcome:
    """The failure to show: the first of the exercise's ``smallest`` inputs smaller than
    ``failure``'s on which the answer fails as it does there (the same exception, or every
    part wrong that is wrong on some input tried), else ``failure``. Hypothesis's shrinking
    stops at a simple input, not always at the smallest: softmax shown failing on [0.2, 3.4]
    where [0, 0] fails, a __sub__ that calls itself on 4 to 8 nodes where x0 - 2.0 does
    (issue 66). One of the same size comes first where it is listed before ``failure``'s:
    ``__radd__`` that calls itself, found on 2.0 - x0 (a worked example, through
    ``__rsub__``), is shown on 2.0 + x0. Only a failing answer runs them, and none past a
    stop (a loop). An answer of the wrong kind (``Outcome.problem``: a Value where a number
    was asked for) is shown on the first that gives the same problem, its numbers aside
    (before, train_step's ``return loss`` was shown on two heads and a name of two letters,
    though every input shows it)."""
    if not exercise.smallest:
        return failure
    wrong = {i for o in (failure, *outcomes) if o.got is not None for i in o.wrong}
    for case in exercise.smallest:
        if type(case) is not type(failure.case) or size(case) > size(failure.case):
            continue
        if case == failure.case:
            break  # (it is the first of its size that fails so: as it is)
        try:
            tried = attempt(exercise, solution, case)
        except Filled:
            raise  # (the code's memory freed: the grading ends on that input)
        except TimeLimit:
            return failure
        if failure.problem:
            if tried.problem and _numbers_aside(tried.problem) == _numbers_aside(
                    failure.problem):
                return tried
        elif failure.error is not None:
            if type(tried.error) is type(failure.error):
                return tried
        elif tried.got is not None and tried.wrong and wrong <= set(tried.wrong):
            return tried
    return failure


def _numbers_aside(text: str) -> str:
    """``text`` with each number in it made ``#``: a problem's kind, whatever the input."""
    return re.sub(r"-?\d[\d.]*(?:e[-+]?\d+)?", "#", text)


def _signature_problem(exercise: ExerciseSpec, solution: Solution | Remote) -> str:
    wanted = [p.strip() for p in exercise.params.split(",") if p.strip()]
    if isinstance(solution, Remote):  # (its process has tried the parameters on it)
        return (f"{exercise.name} should take {len(wanted)} argument(s), "
                f"{exercise.signature}, but yours is {solution.__name__}{solution.signature}."
                if solution.misfits else "")
    try:
        sig = inspect.signature(solution)
    except (TypeError, ValueError):
        return ""  # a builtin or a callable object: let the call decide
    try:
        sig.bind(*wanted)
    except TypeError:
        return (f"{exercise.name} should take {len(wanted)} argument(s), "
                f"{exercise.signature}, but yours is {getattr(solution, '__name__', 'it')}"
                f"{sig}.")
    return ""


def grade(exercise: ExerciseSpec, solution: Solution | Remote) -> Verdict:
    """Grade ``solution`` on ``exercise``, stage by stage: see ``tinygrad_edu.exercises.check``
    and ``Exercise``."""
    if isinstance(solution, Remote):
        if solution.kind not in ("function", "class"):
            raise TypeError(f"check: the solution must be a {exercise.kind}, e.g. "
                            f"{exercise.definition}, got {solution.kind}")
        if exercise.kind == "class" and solution.kind != "class":
            return Verdict(exercise, False, message=(
                f"{exercise.name} is a class: write class {exercise.name}: ..., not a "
                f"{solution.kind}"))
    elif not callable(solution):
        raise TypeError(f"check: the solution must be a {exercise.kind}, e.g. "
                        f"{exercise.definition}, got {type(solution).__name__} "
                        f"{solution!r:.60}")
    elif exercise.kind == "class" and not inspect.isclass(solution):
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
    right: list[str] = []  # (the stages passed: partial credit)
    stages = (*exercise.before, exercise, *exercise.after)
    for stage in stages:
        verdict = _grade_stage(stage, solution)
        if not verdict.passed:
            verdict = complex_step(stage, verdict)  # (a rule that met a complex number)
            note = stage.tolerate(verdict.failure) if (
                stage.tolerate is not None and verdict.failure is not None) else None
            if note is None:
                return dataclasses.replace(verdict, right=tuple(right) if len(stages) > 1
                                           else verdict.right)
            notes.append(note)
        right.append(stage.stage or stage.name)
        examples += verdict.examples
    numerical = shortcut(exercise, solution)
    if numerical:
        return Verdict(exercise, False, message=numerical)
    return Verdict(exercise, True, examples=examples, notes=tuple(notes),
                   right=exercise.graded_parts)


def _grade_stage(exercise: ExerciseSpec, solution: Solution | Remote) -> Verdict:
    """Grade one stage: search, and if that fails, probe and diagnose. Where the exercise
    lists its ``smallest`` inputs, they are tried on the first wrong answer hypothesis
    draws, and hypothesis shrinks it only where none of them is wrong as it is: the
    shrinking took most of a grading (1.5 s of an attention slip's 1.6) to find an input
    that a listed one then replaced. An error is shrunk as before: which error hypothesis
    draws first hangs on the grading's seed (softmax's exp overflowing at 800, or its sum
    0 at -800), and shrinking it finds the same one whatever the seed."""
    begin_floods()
    quick = bool(exercise.smallest) and not exercise.shrink_examples
    try:
        failure, tried = search(exercise, solution, shrink=not quick)
        if failure is None:
            return Verdict(exercise, True, examples=tried)
        drawn = quick and failure.case not in exercise.examples  # (not shrunk)
        if drawn and (failure.error is not None or failure.problem):
            failure, drawn = search(exercise, solution)[0] or failure, False  # (shrunk)
        outcomes = _probed(exercise, solution, failure, None)
        shown = _smallest(exercise, solution, _showcase(failure, outcomes), outcomes)
        if drawn and shown.case not in exercise.smallest:
            shrunk, _ = search(exercise, solution)  # (as drawn the first time, and shrunk)
            if shrunk is not None:
                outcomes = _probed(exercise, solution, shrunk, outcomes)
                shown = _smallest(exercise, solution, _showcase(shrunk, outcomes), outcomes)
    except HypothesisException as error:  # e.g. Flaky: the same input gave two answers
        why = ("does it keep state between calls, or use random numbers?" if exercise.kind
               != "class" else "does a result hang on the order in which a set lists its "
               "Values? micrograd keeps _prev as a set, whose order changes from run to run")
        return Verdict(exercise, False, message=(
            f"your {exercise.kind} gave different answers for the same input ({why}). "
            f"Hypothesis says: {error}"))
    except Filled as filled:  # (the page's MemoryError: the error's verdict, as here)
        return Verdict(exercise, False, failure=filled.outcome,
                       message=_fix_first(exercise, filled.outcome))
    except TimeLimit as slow:
        failure = None if isinstance(slow, Flooded) else slow.outcome  # (its answer
        return Verdict(exercise, False, failure=failure, message=_stopped(slow))  # aside)
    failure = shown
    right = _right_parts(exercise, failure, outcomes)
    diagnoses = diagnose(exercise, failure, outcomes, solution)
    message = "" if failure.problem else _what_differs(exercise, failure, outcomes, diagnoses)
    if failure.error is not None and not diagnoses:
        message = _fix_first(exercise, failure)
    return Verdict(exercise, False, failure=failure, diagnoses=diagnoses, message=message,
                   right=right)


def _fix_first(exercise: ExerciseSpec, failure: Outcome) -> str:
    """What to do about ``failure``'s error, where no mistake is diagnosed."""
    what = "these lines" if exercise.kind == "class" else "your function"
    return (_recursion(failure.error_text, getattr(failure.error, "limit", None))
            if isinstance(failure.error, RecursionError)
            else _unhashable(failure.error_text) or _math_of_an_object(failure.error_text) or
            _reflected_missing(failure.error_text) or
            f"Fix the error first: run {what} by hand on the input above.")


def _probed(exercise: ExerciseSpec, solution: Solution | Remote, failure: Outcome,
            done: list[Outcome] | None) -> list[Outcome]:
    """The probe's outcomes for ``failure`` (none where it is a starter's
    NotImplementedError, or an answer the grader cannot read): ``done``, where the probe
    has run already."""
    if isinstance(failure.error, NotImplementedError) or failure.problem:
        return []
    return done if done else probe(exercise, solution)


def _unhashable(where: str) -> str:
    """What to do about a class Python made unhashable (``where``: the error, "unhashable
    type: 'Value'", with the learner's line), most often by an ``__eq__`` without a
    ``__hash__``; empty for any other error."""
    found = re.search(r"unhashable type: '(\w+)'", where)
    if found is None:
        return ""
    name = found.group(1)
    at = re.search(r"line (\d+), in (\w+)", where)
    line = f" at line {at.group(1)}, in {at.group(2)}" if at else ""
    return (f"A {name} cannot be put in a set or be a dict's key{line}: it has no hash. Python "
            f"takes the hash away from a class that defines __eq__ and no __hash__ (it sets "
            f"__hash__ = None), and a topological sort keeps the nodes it has seen in a set. "
            f"Delete __eq__ (a node is equal to itself alone, as the engine's is), or add "
            f"def __hash__(self): return id(self).")


def _math_of_an_object(where: str) -> str:
    """What to do about a function of ``math`` given an object that is no plain number
    (``where``: the error, "must be real number, not Value", with the learner's line), most
    often ``math.log(p)`` of a Value; empty for any other error."""
    found = re.search(r"must be real number, not (\w+)", where)
    if found is None:
        return ""
    name = found.group(1)
    called = re.search(r"\bmath\.(\w+)\(", where)
    function = f"math.{called.group(1)}" if called else "a function of math"
    at = re.search(r"line (\d+), in (\w+)", where)
    line = f" (line {at.group(1)}, in {at.group(2)})" if at else ""
    method = f"x.{called.group(1)}()" if called else "x.log(), x.exp()"
    return (f"{function} takes a plain number, and was given a {name}{line}. A Value has its "
            f"own methods, {method}, which record the step so that backward can go through "
            f"it; {function} of x.data would give the number but cut the graph there.")


def _reflected_missing(where: str) -> str:
    """What to do about a number on the left of an operator whose right is a class of the
    learner's with no reflected form (``where``: "unsupported operand type(s) for +:
    'float' and 'Value'", with the learner's line); empty for any other error. Before, "Fix
    the error first" alone (a tester's walk)."""
    found = re.search(r"unsupported operand type\(s\) for ([-+*/]): '(int|float)' and "
                      r"'(\w+)'", where)
    if found is None:
        return ""
    sign, number, name = found.groups()
    method, body = next((m, fix) for m, (op, fix) in _REFLECTED.items() if op == sign)
    at = re.search(r"line (\d+), in (\w+)", where)
    line = f" (line {at.group(1)}, in {at.group(2)})" if at else ""
    return (f"A plain number on the left of {sign} and a {name} on its right{line}: Python "
            f"first asks the {number} to do it, which knows nothing of a {name}, then asks the "
            f"{name} for {method}, which your class does not define. Add it: def "
            f"{method}(self, other): return {body}.")


_REFLECTED = {"__radd__": ("+", "self + other"), "__rmul__": ("*", "self * other"),
              "__rsub__": ("-", "other + (-self)"), "__rtruediv__": ("/", "other * self ** -1")}


def _recursion(where: str, limit: int | None = None) -> str:
    """What to do about a RecursionError (``where``: the error with the learner's line;
    ``limit``: the recursion limit it went past, where known): a call that comes back to
    itself more than the limit allows, without end or too deep, often through an operator.
    Before, "Endless recursion" for every one, a finite deep(5000) among them (a tester's
    walk); Python cannot tell the two apart, and neither does this."""
    found = re.search(r"line (\d+), in (\w+)", where)
    stack = "Stack overflow" in where  # (the C stack's end, before the limit: the page's)
    allowed = f" of {limit} nested calls" if limit else ""
    deeper = (f"deeper than this Python's stack allows (it ran out before the limit{allowed})"
              if stack else f"deeper than the limit{allowed}")
    why = ("and either never stops (endless recursion: check the case that should end it) or "
           f"stops only past {'what the stack allows' if stack else 'the limit'} (recursion "
           "that deep is better written as a loop).")
    if found is None:
        return (f"Recursion {deeper}: a function of yours calls itself (perhaps through an "
                f"operator), {why}")
    line, name = found.groups()
    text = (f"Recursion {deeper} at line {line}: {name} calls itself (perhaps through an "
            f"operator), {why}")
    if name in _REFLECTED:
        op, fix = _REFLECTED[name]
        text += (f" 2.0 {op} x calls x.{name}(2.0); if {name} computes other {op} self, "
                 f"that is 2.0 {op} x again, without end. Write it as {fix}.")
    return text


CHATTY = 1_000
"""The lines a call stopped by the time limit must have printed for its verdict to name its
printing (each line costs a microsecond or so, a hundred times that in a rule exercise,
whose calls are watched) besides a loop that may never end."""


def _stopped(stop: TimeLimit) -> str:
    """What to do about a call stopped by the time limit: an endless loop, or one that
    printed a flood (each line costs about a microsecond), or calls whose floods took the
    time together (``Flooded``)."""
    outcome = stop.outcome
    lines = printed_lines(outcome.printed) if outcome is not None else 0
    if isinstance(stop, Flooded):
        what = "inputs" if stop.calls > 1 else "input"
        return (f"stopped after {stop.seconds:.0f} s of printing: it printed {stop.lines:,} "
                f"lines on {stop.calls} {what}, and printing that much is what takes the "
                f"time (a grading tries hundreds of inputs, the right answer or not). Take "
                f"the print out of the loop (or print every 1000th turn) and check again. "
                f"On the last input ({lines:,} lines) it printed:\n"
                + indent(shortened(outcome.printed if outcome else "", 600, 12, 3).rstrip(), 4))
    grown = getattr(stop, "grown", 0)  # (the page's Python, which has 4 GB: running.py)
    if grown:
        return (f"In its {stop.seconds:g} s it took {grown / 2 ** 30:.1f} GB more memory, "
                "past the 1 GB more a learner's process may take on your machine (there, "
                "MemoryError at the line above): that line asks for more and more (a list "
                "that grows without end, or one far too big); keep only what the function "
                "needs.")
    if lines < CHATTY:
        return ("An endless loop? The line above is where your function was when it was "
                "stopped; a print inside the loop shows what changes from one turn to the "
                "next (or what does not).")
    return (f"It printed {lines:,} lines on this input before it was stopped: printing "
            f"that much takes the time. Take the print out of the loop (or print every "
            f"1000th turn) and check again; if it is still stopped, the loop may never end "
            f"(the line above is where it was).")


def _right_parts(exercise: ExerciseSpec, failure: Outcome, outcomes: list[Outcome]
                 ) -> tuple[str, ...]:
    """The parts of the answer right on every input tried: none if it raised an error, or
    gave something that is no answer, on any."""
    tried = [failure, *outcomes]
    if any(o.got is None for o in tried):
        return ()
    wrong = {i for o in tried for i in o.wrong}
    return tuple(p for i, p in enumerate(exercise.parts) if i not in wrong)


def _what_differs(exercise: ExerciseSpec, failure: Outcome, outcomes: list[Outcome],
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
