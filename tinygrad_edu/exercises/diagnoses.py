"""Diagnoses: the common mistake that a learner's wrong answers show, if one does.

A diagnosis names a common mistake only when a model of that mistake does what the learner's
solution does on every input tried (the same answers, or the same exception). The models are
the mistakes an exercise knows (``Exercise.mistakes``, each with a solution that makes it),
those fitted to the solution (``Exercise.fit``), and a few recognised from the answers alone:
a sign flipped, a constant factor, a transposed matrix, the right numbers in the wrong shape.
When none matches, ``diagnose`` returns nothing, and the verdict says so plainly.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from tinygrad_edu.arrays import is_array
from tinygrad_edu.exercises.comparing import Outcome, entries, scaled, shape_of
from tinygrad_edu.exercises.exercise import ExerciseSpec
from tinygrad_edu.exercises.learner.parts import Numbers, close
from tinygrad_edu.exercises.mistakes import Diagnosis, Mistake, Solution
from tinygrad_edu.exercises.remote import Remote
from tinygrad_edu.exercises.running import run_solution
from tinygrad_edu.formatting import shape_text

__all__: list[str] = []  # the grader's inner workings: import from tinygrad_edu.exercises


def _behaviour(outcome: Outcome) -> Any:
    """What the solution did on an input: its answer, the type of exception it raised, or
    None for an answer of the wrong kind."""
    if outcome.got is not None:
        return outcome.got
    return type(outcome.error) if outcome.error is not None else None


def _model_answers(exercise: ExerciseSpec, mistake: Mistake, outcomes: list[Outcome],
                   got: list[Any]) -> list[Any] | None:
    """What the mistaken solution does on each outcome's case (its answer or its exception's
    type); None as soon as one case rules it out (``_rules_out``): most models are ruled
    out on the first case, the learner's failure, and need not run on the others."""
    answers: list[Any] = []
    assert mistake.solution is not None, f"the mistake {mistake.key} has no solution to run"
    for o, learners in zip(outcomes, got):
        answer: Any
        try:
            answer = run_solution(mistake.solution, exercise, o.case)[0]
        except Exception as error:  # a mistake can fail where the learner's fails
            answer = type(error)
        if _rules_out(answer, learners, o.expected, len(exercise.parts)):
            return None
        answers.append(answer)
    return answers


def _rules_out(model: Any, got: Any, expected: Any, n: int) -> bool:
    """One case shows a mistake's model is not the learner's mistake, whatever the other
    cases give: in a part the model changes there (``_changed_parts``: every part, where it
    raises) it does not do what the learner's solution did, on a case ``_explains`` compares
    (not one where only one of the two overflows)."""
    if (got is OverflowError) != (model is OverflowError):
        return False
    changed = range(n) if not isinstance(model, tuple) else [
        i for i in range(n) if not _same(model[i], expected[i])]
    return any(not _agrees(got, model, i) for i in changed)


def _agrees(got: Any, model: Any, i: int) -> bool:
    """A model does what the learner's solution did on one case, for part ``i``: the same
    answer there, or an exception of the same type."""
    if isinstance(got, type):
        return model is got
    return isinstance(got, tuple) and isinstance(model, tuple) and _same(got[i], model[i])


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
            for g, m in zip(entries(got), entries(model)))
    return False


def _explains(got: list[Any], model: list[Any], rows: list[int], i: int) -> bool:
    """The model does what the learner's solution does, on every row, for part ``i``: the
    same answer, or an exception of the same type. A row where one of the two overflows a
    float and the other does not is left out (tanh written with exp overflows above
    x = 355, ``math.tanh`` never does: both are right), so long as some row remains where
    the solution answered: one that overflows on every input (``s = 10.0 ** 400`` first) is
    not explained by a model that overflows on some (before, such an answer was told "the
    largest logit not subtracted")."""
    def overflow_on_one_side(r: int) -> bool:
        return (got[r] is OverflowError) != (model[r] is OverflowError)

    compared = [r for r in rows if not overflow_on_one_side(r)]
    if len(compared) < len(rows) and all(isinstance(got[r], type) for r in compared):
        return False
    return bool(compared) and all(_agrees(got[r], model[r], i) for r in compared)


def _generic(i: int, exercise: ExerciseSpec, outcomes: list[Outcome]) -> list[tuple[Mistake, Any]]:
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

    best = max(wrong, key=lambda o: max(map(abs, entries(o.expected[i])), default=-1.0)
               if comparable(o) else -1.0, default=None)
    if best is None or best.got is None or not comparable(best):
        return None
    e, g = entries(best.expected[i]), entries(best.got[i])
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


def diagnose(exercise: ExerciseSpec, failure: Outcome, outcomes: list[Outcome],
             solution: Solution | Remote | None = None) -> tuple[Diagnosis, ...]:
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
        model = _model_answers(exercise, mistake, outcomes, got)
        if model is None:
            continue
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
    expected = shape_text(outcomes[failing[0]].expected[i].shape, tuple_below_2d=True)
    return Diagnosis(Mistake(
        "shape", "right numbers, wrong shape",
        f"{name} has the right numbers in the wrong shape "
        f"({expected} was expected). A gradient has "
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
    expected, yours = (shape_text(s, tuple_below_2d=True) for s in (e.shape, shape_of(g)))
    return Diagnosis(Mistake(
        "shape", "wrong shape",
        f"{name} should have shape {expected}, yours has {yours}. "
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
    if isinstance(error, RuntimeError) and _NO_THREAD in text:
        return (Diagnosis(Mistake("thread", "a thread started", _THREAD_WORDS)),)
    return ()


_NO_THREAD = "can't start new thread"
"""What CPython raises where a thread cannot be started: in the learner's process, always (the
kernel refuses it a new thread: ``syscall_filter.py``)."""
_THREAD_WORDS = ("Your code started a thread, and the grader runs your code in one thread "
                 "only: the operating system refuses it another (a flood of them would keep "
                 "your classmates' code from being graded). No exercise needs one: compute "
                 "the answer in the function itself.")
