"""A rule exercise is graded on the rule: an answer that has the right numbers without one (a
numerical derivative of the function) earns no points, and the verdict says why.

The derivative of tanh at x can be had from tanh's values alone: by the complex step,
Im tanh(x + ih) / h (exact to the last digit), or by a finite difference, (tanh(x + h) -
tanh(x - h)) / 2h (good to about ten digits, well within the grader's tolerance of 1e-5). A
learner who does that has not written the rule, which is what the exercise is (and what the
engine needs: a rule it can run on Values, for second derivatives). So:

- every call of a rule is run on watched numbers (``learner/watched.py``): one that met a
  complex number raises ``ComplexUsed``, and ``complex_step`` turns that failure into the
  verdict that says why (no rule needs a complex number);
- once an answer of an exercise with ``exact`` points has passed, ``shortcut`` runs it on
  those points, with the same call as every other input (nothing tells the learner's code
  which inputs these are): further from the rule than ``EXACT_NUMBERS`` (5e-15; on arrays
  ``EXACT``, 1e-12; relative to the answer's
  largest entry), it is a finite difference (a rule written as an expression of its inputs
  is exact to about 1e-15 on these points, chosen away from 0, kinks and numbers a power of
  two apart, and a central difference in floats of a function that is not a polynomial
  comes no closer than about 1e-11 on all of them unless it is of a high order: a
  sixth-order one is within about 1e-14 at most points, and over 5e-15 at one of the four
  on every seed measured); an error there, a run past the time
  limit or an answer of another shape fails too: a rule works on every number of its
  domain, and these points are in it. The points are drawn afresh at every grading, seeded
  by the operating system (``cases.ExactPoints``): a file cannot hold a table of answers
  for them, as it could for points fixed and published with the package;
- the rule's file is read whole, never run, for complex numbers, exact arithmetic and
  names bound dynamically (``rule_reading.py``), which a number made plain first
  (``float(x)``) would hide from the watch.

And as it runs (``learner/watched.py``, issue 65): a rule whose numbers, or the op's own
functions, show it evaluated the op at its input shifted by a step (``ShiftedPoint``: a
finite difference of any order; on a product or a quotient's numerator, of any step, as a
step of 1 is exact there), or that calls a function of its own at two numbers a tiny step
apart (``STEP``: a finite difference in integers, fractions or floats), or that takes an
input's exact form (``ExactForm``: ``x.as_integer_ratio()``, ``int(x * 10**30)``, where a
finite difference made exact in integers starts), or whose code holds an integer of more
bits than a float has, a decimal or a fraction (``LongIntegers``: the scale of fixed point,
or many-digit arithmetic, on a number made plain first: ``learner/stepped.py``'s
``long_held``) fails with the line named
(``complex_step`` says it). A complex number held by the learner's own code (in a name of
a function of its file, given to one or given back, or in a name of its module:
``learner/held.py``; under Python 3.12 and later, given to any call: ``getattr(w, "imag")``)
is the complex step too, however its input was made plain (``float(x)``, an array's
``.tolist()``) and its unit made (``float("-1") ** 0.5``, a dtype named ``"c" + "16"``):
``ComplexUsed``, the name and the line said. And on every Python the making of complex
numbers is watched in the learner's process (``learner/complex_arithmetic.py``: the complex
type's operators and constructor, a float's power of a negative base): the complex step
written as one expression, held in no name and given to no call (its imaginary part read by
``abs`` of a difference, or from its text), still makes complex numbers, and fails there,
the operation and the line said.

While a rule runs, NumPy's ufuncs, ``cmath``'s functions and ``getattr`` are stand-ins that
see a complex number given to them on every Python (``learner/given.py``: ``np.sinh(z)``
under 3.10 and 3.11 too), and a rule on arrays that gives a ufunc or a function of its file
nudged copies of its arrays (a finite difference on them) fails (``ShiftedPoint``).

What this cannot stop: the complex step on arrays computed by NumPy's C code that is neither
a ufunc, nor a NumPy function, nor those methods of an array (``complex_arithmetic``'s
``ARRAY_CALLS``: a ufunc's calls, ``np.dot``, ``np.frombuffer``, ``.view()``...); a finite
difference of a function the file computes without the op's own, in one function and on a
number made plain first (``float(x)``), or through the op's own function bound before it is
graded into an object of its own (a dict, a default argument: ``math``'s or NumPy's), which
the exact points catch unless it is exact to the last bits (a sixth-order difference in
floats is not: ``EXACT_NUMBERS``; one in double-double arithmetic is); a step on the
arrays of ``dense_backward`` (linear: a step of any size is exact) whose nudged copies
only operators use; code that reaches into the watch itself (it
runs in the learner's process: a
diagnosis, not a boundary). The reading of the code, a teacher's, is the check there. (A
``Value`` whose backward takes finite differences of its own forward pass is watched as it
runs: ``learner/rerun.py``, ``FORWARD_AGAIN_VALUE``.)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from tinygrad_edu.exercises.cases import draw_exact
from tinygrad_edu.exercises.exact_graphs import GRADS, off_by
from tinygrad_edu.exercises.exercise import ExerciseSpec
from tinygrad_edu.exercises.learner.expression_cases import Expression
from tinygrad_edu.exercises.learner.parts import AnswerError
from tinygrad_edu.exercises.learner.watched import (
    ComplexUsed,
    ExactForm,
    LongIntegers,
    ShiftedPoint,
)
from tinygrad_edu.exercises.limit import TimeLimit, call_with_time_limit
from tinygrad_edu.exercises.mistakes import Solution
from tinygrad_edu.exercises.remote import Remote
from tinygrad_edu.exercises.running import run_solution
from tinygrad_edu.exercises.verdicts import Verdict

__all__ = ["EXACT", "EXACT_NUMBERS", "complex_step", "shortcut"]

EXACT = 1e-12
"""How close to the rule a rule on arrays's answer is on its exact case, relative to its
largest entry: 1000 times the rounding of float64, 10 times closer than any finite
difference."""
EXACT_NUMBERS = 5e-15
"""How close to the rule a rule on numbers's answer is on the exact points, relative to its
largest entry (more where the rule is ill-conditioned there: ``tolerance``). A sixth-order
central difference in floats, with its own exp (a65h's c8), is within 2e-12 at worst and
within 1e-14 at most points: under 1e-12 it passed d_tanh, d_exp and d_sigmoid 3/3; under
this, over 2,000 seeds of 4 points each, its worst point is 1.95 times over at least
(d_exp; d_sigmoid 3.3, d_tanh 6.4). The right forms of every rule on numbers
(``tests/exercises/right_variants.py`` and 22 more of tanh, exp and sigmoid: ``4 / (e^x +
e^-x)^2``, ``2 ** (x / log 2)``, ``(1 - tanh(x/2)^2) / 4``...) come within 0.3 of it
(``1/cosh(x)**2``) over 500 to 2,000 seeds."""
ROUNDING = 2.0**-53
"""Half an ulp of 1.0, relative: how far a float64 input may be from the number it stands
for (y = tanh(x), rounded)."""
NUDGE = 2.0**-30
"""The relative change of one input that measures how the rule's answer follows it."""

COMPLEX = ("your answer computes with complex numbers (it met {what}{at}): that is the "
           "complex-step derivative, Im f(x + ih) / h, which gets the slope from the "
           "function's values. It gives the right numbers, but the exercise is the rule: "
           "write dy/dx as an expression of the inputs (and y), as the statement asks, as the "
           "engine's own rules are written. A numerical derivative earns no points here. (No "
           "rule on real numbers needs a complex number: if you did not mean one, look for a "
           "power of a negative number, which Python makes complex.)")
INEXACT = ("your answer agrees with the rule only to about {error:.0e} (at {case}), where a "
           "rule is exact to about 1e-15: that is a finite difference, (f(x + h) - f(x - "
           "h)) / 2h, which gets the slope from the function's values. The exercise is the "
           "rule: write dy/dx as an expression of the inputs (and y), as the statement asks. "
           "A numerical derivative earns no points here.")
SHIFTED = ("your answer evaluates the function at a point shifted from its input ({what}{at}"
           "{line}): that is a numerical derivative, a finite difference such as (f(x + h) - "
           "f(x - h)) / 2h (of any order, with any step: on a product, a step of 1 is exact), "
           "which gets the slope from the function's values. The exercise is the rule: write "
           "dy/dx as an expression of the inputs (and y), as the statement asks, as the "
           "engine's own rules are written. A numerical derivative earns no points here.")
EXACT_FORM = ("your answer takes its input's exact form ({what}{at}{line}): that is how a "
              "finite difference, (f(x + h) - f(x - h)) / 2h, is made exact, computed in "
              "integers with far more digits than a float has, and it gets the slope from "
              "the function's values. No rule needs an input's exact digits: write dy/dx as "
              "an expression of the inputs (and y), as the statement asks, as the engine's "
              "own rules are written. A numerical derivative earns no points here.")
LONG_INTEGERS = ("your answer computes with far more digits than a float has "
                 "({what}{at}{line}): that is a numerical derivative, a finite difference, "
                 "(f(x + h) - f(x - h)) / 2h, computed in fixed point or in many-digit "
                 "decimals or fractions, exact enough to come "
                 "as close as a rule, which gets the slope from the function's values. No rule "
                 "needs more digits than a float has: write dy/dx as an expression of the "
                 "inputs (and y), as the statement asks, as the engine's own rules are written. "
                 "A numerical derivative earns no points here.")
"""What a rule whose code held an integer of more bits than a float has, a decimal or a
fraction, is told
(``learner/stepped.py``: ``long_held``)."""
NOT_A_RULE = ("your answer passed on the inputs tried, but on the exact numbers it was given "
              "at {case} it {what}: a rule works on every number of its domain, and these "
              "are in it. The exercise is the rule: write dy/dx as an expression of the "
              "inputs (and y), as the statement asks, and run it by hand on these numbers.")
INEXACT_VALUE = (
    "your gradients agree with the chain rule only to about {error:.0e} of their size (at "
    "{case}), where a chain rule of local derivatives written as expressions is exact to "
    "about 1e-15 (and two right forms of a rule agree to that): your local derivatives are "
    "finite differences, such as (f(u + h) - f(u - h)) / 2h, which get them from the "
    "function's values. The exercise is the rules and the chain rule: each op's _backward "
    "adds its local derivative, written as an expression (for tanh, (1 - t**2) * "
    "out.grad), to its operands' grads. Gradients found numerically earn no points here.")
"""What a class Value whose gradients are no closer than a finite difference's is told, on
the expressions where it is tried for exactness (``exact_graphs.py``)."""
NOT_CHAINED = ("your class passed on the expressions tried, but on another one ({case}) it "
               "{what}: it must work on every expression of its ops. Build that expression "
               "with your class and run backward() on it by hand.")

FORWARD_AGAIN = ("your answer runs the forward pass again ({what}{at}{line}): it evaluates "
                 "the graph's functions at numbers nudged from those the graph was computed "
                 "at, to take finite differences, which get the gradients from the "
                 "function's values, with no chain rule. The exercise is the chain rule, on "
                 "the local derivatives each node holds, node.local_grads (a node made by "
                 "hand has those of no op). Gradients found numerically earn no points here.")
FORWARD_AGAIN_VALUE = (
    "your backward() runs the forward pass again ({what}{at}{line}): it evaluates your ops' "
    "own functions at numbers nudged from those the graph was computed at, to take finite "
    "differences, which get the gradients from the function's values, with no chain rule. "
    "The exercise is the chain rule: each op's _backward adds its local derivative times "
    "out.grad to its operands' grads (for tanh, (1 - t**2) * out.grad), and backward() runs "
    "them from the root down, in topological order. Gradients found numerically earn no "
    "points here.")
"""``FORWARD_AGAIN``'s words for the Value exercise, a class with no ``local_grads``
(``learner/rerun.py``)."""
FORWARD_DIFFERENCES = (
    "your forward pass takes finite differences as it makes each node ({what}{at}{line}): "
    "it evaluates your ops' own functions at numbers nudged from the node's operands and "
    "keeps what comes out as the local derivatives, which gets them from the function's "
    "values, with no derivative rule. The exercise is the rules: each op's local derivative "
    "written as an expression of its operands and its output (for tanh, 1 - t**2), as the "
    "node keeps it (in _local_grads, as microgpt's node does, or in what its _backward adds "
    "to its operands' grads, as micrograd's does). Gradients found numerically earn no "
    "points here.")
"""What a forward pass that takes finite differences is told (``learner/rerun.py``:
``ForwardDifferences``)."""
OWN_NUMBERS = ("your answer computes with numbers of a class of your own "
               "({what}{at}{line}): that is automatic differentiation, a dual number whose "
               "own + and * carry the derivative along, which gets the slope from the "
               "function's evaluation, with no rule written. The exercise is the rule: write "
               "dy/dx as an expression of the inputs (and y), as the statement asks, as the "
               "engine's own rules are written. A derivative found so earns no points here.")
"""What a rule that computes with numbers of its own class is told (``learner/duals.py``:
``own_number``)."""
OWN_NUMBERS_VALUE = (
    "your class computes with dual numbers ({what}{at}{line}): that is automatic "
    "differentiation, numbers whose own + and * carry the derivative along, which gets "
    "each op's local derivative from running the op's function on them, with no rule "
    "written. The exercise is the rules and the chain rule: each op's local derivative "
    "written as an expression of its operands (for tanh, 1 - t**2), times out.grad, added "
    "to its operands' grads in topological order. Gradients found so earn no points here.")
"""``OWN_NUMBERS``' words for a class Value (``learner/rerun.py``: a number of a class of the
file's own besides the Value, or pairs multiplied as dual numbers are)."""
DUAL_MATRIX = ("your answer computes with {what}{at}{line}: that is automatic "
               "differentiation, a dual number a + a'ε written as the matrix [[a, a'], [0, "
               "a]] (or as a·I plus any nilpotent part, or x + ih as [[x, -h], [h, x]]: "
               "the complex step), whose products carry the derivative along (its inverse, "
               "the quotient "
               "rule's), which gets the slope from the function's evaluation, with no rule "
               "written. The exercise is the rule: write dy/dx as an expression of the inputs "
               "(and y), as the statement asks, as the engine's own rules are written. A "
               "derivative found so earns no points here.")
"""What a rule that computes with dual numbers as matrices is told (``learner/given.py``:
``DualMatrices``)."""
WORDS = {"ShiftedPoint": SHIFTED, "DualMatrix": DUAL_MATRIX, "ExactForm": EXACT_FORM,
         "LongIntegers": LONG_INTEGERS,
         "ForwardAgain": FORWARD_AGAIN,
         "ForwardDifferences": FORWARD_DIFFERENCES, "OwnNumbers": OWN_NUMBERS}
"""The verdict of each way of getting the slope from the function's values that the watch
notices, other than a complex number, by the name of its exception."""


def complex_step(exercise: ExerciseSpec, verdict: Verdict) -> Verdict:
    """``verdict``, a failure, or if it failed because the answer met a complex number
    (``ComplexUsed``, raised where the rule ran, watched) or evaluated the function at a
    shifted input (``ShiftedPoint``), the verdict that says why that is no rule, with the
    line of the learner's code where it was."""
    failure = verdict.failure
    error = None if failure is None else failure.error
    kind = type(error).__name__
    if verdict.passed or failure is None or error is None or \
            kind not in ("ComplexUsed", *WORDS):
        return verdict
    at = f", at {_one_line(failure.case)}"
    if kind in WORDS:
        words = WORDS[kind] if exercise.kind != "class" else {
            "ForwardAgain": FORWARD_AGAIN_VALUE, "OwnNumbers": OWN_NUMBERS_VALUE}.get(
                kind, WORDS[kind])
        return Verdict(exercise, False, message=words.format(
            what=_said(error, 300), at=at, line=_line_of(failure.error_text)))
    return Verdict(exercise, False, message=COMPLEX.format(
        what=_said(error, 200), at=at + _line_of(failure.error_text)))


def _line_of(text: str) -> str:
    """The learner's line an error text names (``; in hw1.py, line 7, in d_tanh``), or
    nothing."""
    for line in text.splitlines()[1:]:
        if line.strip().startswith("in "):
            return "; " + " ".join(line.split())
    return ""


def shortcut(exercise: ExerciseSpec, solution: Solution | Remote,
             cases: Sequence[Any] | None = None) -> str:
    """Why ``solution``, which has passed ``exercise``, is not a rule (see the module's
    docstring) on the exercise's ``exact`` points, drawn afresh (or on ``cases``: a test's);
    empty if it is a rule there (or the exercise has none)."""
    worst, where, far = 0.0, None, 0.0
    odd = NOT_CHAINED if exercise.exact_graphs else NOT_A_RULE
    for case in draw_exact(exercise) if cases is None else cases:
        expected = exercise.call(exercise.reference, case)
        at = _one_line(case)
        try:
            if isinstance(solution, Remote):
                got = solution.run(exercise, case)[0]
            else:  # (what it prints is kept from the page, as in each input's run)
                got = call_with_time_limit(5.0, run_solution, solution, exercise, case)[0]
        except ComplexUsed as used:
            return COMPLEX.format(what=_said(used), at=f", at {at}")
        except (ShiftedPoint, ExactForm, LongIntegers) as shifted:
            return _words(exercise, type(shifted).__name__).format(
                what=_said(shifted, 300), at=f", at {at}", line="")
        except TimeLimit:
            return odd.format(case=at, what="did not finish within its time limit")
        except AnswerError as problem:
            return odd.format(case=at, what=f"gave an answer of the wrong kind "
                                            f"({_said(problem, 300)})")
        except Exception as error:  # (a stand-in of its class, from the learner's process)
            if type(error).__name__ == "ComplexUsed":
                return COMPLEX.format(what=_said(error), at=f", at {at}")
            if type(error).__name__ in WORDS:
                return _words(exercise, type(error).__name__).format(
                    what=_said(error, 300), at=f", at {at}",
                    line=_line_of(getattr(error, "learner_text", "")))
            return odd.format(case=at, what=f"raised {type(error).__name__}: "
                                            f"{_said(error, 300)}")
        theirs = "the engine's" if exercise.exact_graphs else "the rule's"
        if not _same_shape(got, expected):
            return odd.format(case=at, what=f"gave an answer of another shape than {theirs}")
        if isinstance(case, Expression):  # (a class Value: each gradient against its bound)
            scaled = off_by(got[0], expected[0], case)
            off = scaled * GRADS
        else:
            off = _relative(got, expected)
            scaled = off / tolerance(exercise, case, expected)
        if off != off or off == float("inf"):  # (NaN, or a number where the rule gives 0)
            return odd.format(case=at, what=f"gave an answer far from {theirs}")
        if scaled > worst:
            worst, where, far = scaled, case, off
    if worst > 1:
        return (INEXACT_VALUE if exercise.exact_graphs else INEXACT).format(
            error=far, case=_one_line(where))
    return ""


def _words(exercise: ExerciseSpec, kind: str) -> str:
    """What an answer the watch noticed is told: ``WORDS``'s, a class Value's own for a
    forward pass run again."""
    if kind == "ForwardAgain" and exercise.kind == "class":
        return FORWARD_AGAIN_VALUE
    return WORDS[kind]


def tolerance(exercise: ExerciseSpec, case: Any, expected: tuple[Any, ...]) -> float:
    """How far from the reference's answer a rule's may be at ``case`` (relative to its
    largest entry): ``EXACT_NUMBERS`` (on arrays, ``EXACT``), or, where the rule is
    ill-conditioned there, 16 times the
    rounding of an input times how much the answer follows that input (the reference's
    answer with one input nudged). Two honest forms of a rule that read different inputs
    differ by that much: ``1 - y²`` reads y, rounded, ``1/cosh²(x)`` reads x, and at
    x = 10 they are 1e-8 apart; a finite difference is off by far more wherever the rule is
    well-conditioned, as it is at most points."""
    values = getattr(case, "values", None)
    if values is None:  # (arrays: products and sums, exact to their rounding)
        return EXACT
    inputs = [*values, *([] if case.y is None else [case.y])]
    follows = 0.0
    for k, v in enumerate(inputs):
        if not v:
            continue
        nudged = list(inputs)
        nudged[k] = v * (1 + NUDGE)
        moved = dataclasses.replace(case, values=tuple(nudged[:len(values)]),
                                    y=nudged[-1] if case.y is not None else None)
        try:
            answer = exercise.call(exercise.reference, moved)
        except Exception:  # (a nudge out of the domain: no measure there)
            continue
        change = _relative(answer, expected)
        if change == change and change != float("inf"):
            follows = max(follows, change / NUDGE)
    return max(EXACT_NUMBERS, 16 * ROUNDING * follows)


def _said(error: BaseException, most: int = 80) -> str:
    """An exception's message as a verdict quotes it: on one line, at most ``most``
    characters (it may come from the learner's process)."""
    text = " ".join(str(error).split())
    return text if len(text) <= most else text[:most - 1] + "…"


def _one_line(case: Any) -> str:
    return str(case).replace("\n", "; ")


def _same_shape(got: Any, expected: Any) -> bool:
    """Whether two answers have the same parts, each of the same shape."""
    if isinstance(expected, (tuple, list)):
        return isinstance(got, (tuple, list)) and len(got) == len(expected) and all(
            map(_same_shape, got, expected))
    return getattr(got, "shape", ()) == getattr(expected, "shape", ())


def _relative(got: tuple[Any, ...], expected: tuple[Any, ...]) -> float:
    """The largest difference between the two answers' entries, over the largest entry of
    the expected one."""
    a, b = _entries(got), _entries(expected)
    if len(a) != len(b):
        return float("inf")
    scale = max((abs(x) for x in b), default=0.0)
    if scale == 0.0:
        return 0.0 if all(x == 0 for x in a) else float("inf")
    return max(abs(x - y) for x, y in zip(a, b)) / scale


def _entries(answer: Any) -> list[float]:
    """Every number of an answer (its parts: numbers, Numbers, arrays), in order."""
    if isinstance(answer, (tuple, list)):
        return [v for part in answer for v in _entries(part)]
    ravel = getattr(answer, "ravel", None)
    if ravel is not None:
        return [float(v) for v in ravel()]
    return [float(answer)]
