"""Exercises: write the derivative rules and backward passes yourself, and get them graded.

>>> from tinygrad_edu.exercises import check, show
>>> show("d_tanh")                      # the statement and a starter
>>> def d_tanh(x, y):
...     return 1 - x * x                # a first attempt
>>> check("d_tanh", d_tanh)             # the smallest failing input and a diagnosis
>>> my_tanh = make_op("d_tanh", lambda x, y: 1 - y * y)   # once it passes: use it

``check`` runs hypothesis against a reference on the exercise's inputs, drawn afresh at each
grading from a seed it records (the same solution gets the same verdict for the same seed:
``cases.begin``), and when the answer is wrong names the
common mistake it shows: a sign flipped, a factor missing or doubled, the input used where
the output was meant, the upstream gradient not multiplied in, ``=`` instead of ``+=``, a
backward in pre-order, a wrong shape or a transposed matrix, a forgotten batch sum, and
more. A mistake is named only when a solution making exactly that mistake gives your
answers on every input tried; otherwise the verdict shows what differs and names nothing.

The last exercise asks for a whole class, your own micrograd:

>>> class Value: ...                    # data, grad, + - * / ** tanh exp relu, backward()
>>> check("Value", Value)               # forward values first, then gradients

And a track of ten stages builds microgpt, from its node to a GPT that makes up names
(``TRACK``: ``node``, ``linear``, ``softmax``, ``nll``, ``rmsnorm``, ``attention``,
``block``, ``gpt``, ``adam``, ``train_step``):

>>> show("attention")                   # one causal head over a sequence
>>> check("attention", attention)       # graded with the track's own Value

From a terminal: ``python -m tinygrad_edu exercises`` lists the exercises with your
progress; ``... exercises start FILE`` writes a file of starters and
``... exercises check FILE`` grades it. Needs hypothesis (``pip install hypothesis``;
in a clone of tinygrad_edu, ``pip install -e '.[testing]'``). For a whole class (an
assignment for nbgrader, Gradescope or GitHub Classroom, and a report of what the class got
wrong): ``tinygrad_edu.exercises.classroom``.

The folder stands above everything it grades: it may import both engines, ``autograd``,
``nn``, ``training``, ``viz`` and ``testing``; nothing but the command line and the
playground imports it.

A map of the grading house (who calls each room is in brackets):

- What an exercise is: ``exercise.py`` (the spec), ``catalog.py`` and
  ``graph_exercises.py`` (exercises 1-19), ``microgpt/`` (the track: ``stages.py``,
  ``node.py``). [everyone]
- The grader, in the grader's process: ``grading.py`` (``grade``: search, probe,
  diagnose) [``check``, ``apart``], ``running.py`` (hypothesis's runs) [grading],
  ``shortcuts.py`` (a numerical derivative is not a rule) [grading], ``rule_reading.py``
  (the file of a rule, or of a backward pass, read, never run, for complex numbers, exact
  arithmetic and names bound dynamically) [check, report, the graded cell],
  ``copies.py`` (what was graded compared with the answers the package ships: the same
  code is flagged, never scored differently) [check, report],
  ``diagnoses.py`` and ``value.py`` (which mistake the answers show) [grading],
  ``value_words.py`` (the words of the Value exercise's explained mistakes, said from the
  facts its probes found) [value], ``comparing.py``, ``verdicts.py``, ``mistakes.py`` and
  ``text_blocks.py`` (outcomes and their words).
- Its four kinds of code, one name each: a *reference* is what the grader compares with
  (``answers.py``; the track's ``microgpt/reference.py``); a *mistake* is a solution that
  makes one slip on purpose (``answers.py``, ``microgpt/mistakes.py``; ``value.py`` fits
  them to a learner's class); a *model answer* is what a teacher's copy holds, written as a
  learner writes it (``model_answers.py``, ``lecture.py`` for exercise 18; the track's
  references are written so, and are its model answers too); a *case* is an input, as data
  (``learner/inputs.py``, ``learner/graph_cases.py``, ``learner/expression_cases.py``,
  ``learner/number_cases.py``, ``learner/gpt_cases.py``), drawn
  by hypothesis's strategies (``cases.py``; the graphs' in ``drawn_graphs.py``;
  ``microgpt/cases.py``). None of them ever enters a learner's process.
- A learner's file, graded apart: ``loading.py`` (read it, never through a link; a
  notebook's cells) [apart, report], ``apart.py`` (how every route grades a file: one
  learner's process per group of exercises, each exercise graded here) [check, report,
  the assignments' graders], ``remote.py`` (the grader's end of a learner's process:
  ``LearnerProcess`` starts it, ``Remote`` is a solution in it; ``process_time.py``, how
  long it ran; ``replies.py``, its replies read) [apart, grading],
  ``microgpt/answering.py`` (the earlier stages the grader answers for) [apart],
  ``limit.py`` (the time limit) [both sides].
- The learner's process, ``learner/`` (it imports nothing above it but ``limit``,
  ``mistakes`` and ``text_blocks``): ``serve.py`` (the process), ``sandbox.py`` (the
  kernel's boundary: resource limits, Landlock, seccomp; the filter is the grader's,
  ``syscall_filter.py``: the allow-list of system calls, built with libseccomp [remote]),
  ``audit.py`` (what it tried, as a
  diagnosis), ``imports.py``, ``engines.py`` (the engine without what is asked),
  ``wire.py`` (messages), ``inputs.py``, ``graph_cases.py``, ``expression_cases.py``,
  ``gpt_cases.py``, ``parts.py``, ``watched.py`` (its numbers: ``watched_numbers.py``),
  ``nudged.py``, ``rerun.py`` (a class Value's watch: ``nearby.py``, numbers next to numbers),
  ``answered.py``, ``value_probes.py`` [remote starts it].
- ``boundary.py``: what each of the teacher's routes needs of the kernel, whether this
  machine has it (else the route grades nothing, unless ``--allow-unsandboxed``), and the
  line every result states [cli, ``classroom/isolation.py``]; ``package_copies.py``: every
  copy of the package the grader finds, and which the learner's user can read (a stand-in
  for Landlock holds only if none) [boundary].
- Around them: ``cli.py`` (the commands), ``choosing.py``, ``starters.py``,
  ``progress.py`` [cli]; ``classroom/`` (assignments for nbgrader, Gradescope, GitHub
  Classroom; the class report, each submission in a grading process of its own:
  ``isolation.py``) [cli, nbgrader's configuration].
"""

from __future__ import annotations

try:
    import hypothesis  # noqa: F401 (checked first, to say how to install it)
except ImportError as error:  # an optional dependency
    raise ImportError(
        "tinygrad_edu.exercises grades solutions with hypothesis, which is not installed: "
        "pip install hypothesis (in a clone of tinygrad_edu: pip install -e '.[testing]')"
    ) from error

import warnings
from collections.abc import Callable
from difflib import get_close_matches
from typing import Any

from tinygrad_edu import Value, binary_op, unary_op
from tinygrad_edu.exercises.catalog import EXERCISES
from tinygrad_edu.exercises.grading import Exercise, grade
from tinygrad_edu.exercises.microgpt.stages import TRACK
from tinygrad_edu.exercises.mistakes import Diagnosis, Mistake
from tinygrad_edu.exercises.progress import (
    ProgressError,
    Status,
    load_progress,
    progress_path,
    record,
)
from tinygrad_edu.exercises.verdicts import Verdict

__all__ = [
    "EXERCISES",
    "TRACK",
    "Diagnosis",
    "Exercise",
    "ExerciseError",
    "Mistake",
    "ProgressError",
    "Status",
    "Verdict",
    "check",
    "get_exercise",
    "load_progress",
    "make_op",
    "progress_path",
    "show",
]


class ExerciseError(ValueError):
    """An exercise was asked for that does not exist, or a rule that has not passed was
    plugged into the engine."""


def get_exercise(exercise: Exercise | str | int) -> Exercise:
    """An exercise by its function name (``'d_tanh'``), its number, or itself."""
    if isinstance(exercise, Exercise):
        return exercise
    if isinstance(exercise, int) and not isinstance(exercise, bool):
        for ex in EXERCISES.values():
            if ex.number == exercise:
                return ex
        raise ExerciseError(f"there is no exercise {exercise}; they are numbered 1 to "
                            f"{len(EXERCISES)}")
    if isinstance(exercise, str):
        if exercise in EXERCISES:
            return EXERCISES[exercise]
        if exercise in TRACK:
            return TRACK[exercise]
        close = get_close_matches(exercise, [*EXERCISES, *TRACK], n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ExerciseError(f"there is no exercise {exercise!r}; {hint}the exercises are: "
                            f"{', '.join(EXERCISES)}; the stages of microgpt: "
                            f"{', '.join(TRACK)}")
    raise TypeError(f"an exercise is given by name or number, got {type(exercise).__name__} "
                    f"{exercise!r:.60}")


def show(exercise: Exercise | str | int) -> None:
    """Print an exercise's statement and its starter code."""
    print(get_exercise(exercise).describe())


def check(exercise: Exercise | str | int, solution: Callable[..., Any], *,
          record_progress: bool = False) -> Verdict:
    """Grade ``solution`` (a function; for ``"Value"``, your class) for an exercise and
    return the verdict (print it, or end a notebook cell with it). Passed, or the simplest
    failing input, the expected and the given answer, and a diagnosis when a common mistake
    gives your answers. The inputs are drawn from this process's grading seed (a new one from
    the operating system, unless ``TINYGRAD_EDU_SEED`` names one): the same solution gets the
    same verdict for the same seed. An
    exception raised by ``solution`` is part of the verdict, not a crash, and so is a call
    that runs past ``running.TIME_LIMIT`` seconds. tinygrad_edu's own ``Value`` is refused
    (``ExerciseError``): it is not yours.
    ``record_progress=True`` also counts the attempt in the progress file (see
    ``progress_path``), as ``python -m tinygrad_edu exercises check`` does; if that file
    cannot be written, a warning says so and the verdict is returned all the same."""
    ex = get_exercise(exercise)
    if ex.kind == "class" and (solution is ex.reference or solution is Value):
        raise ExerciseError(
            f"this is tinygrad_edu's own {ex.symbol} (imported), not yours: write your own "
            f"class {ex.symbol} (in a notebook, run its cell after any `from tinygrad_edu "
            f"import {ex.symbol}`) and check that")
    verdict = grade(ex, solution)
    if record_progress:
        try:
            record(ex.name, verdict.passed)
        except ProgressError as error:
            warnings.warn(f"progress not saved: {error}", stacklevel=2)
    return verdict


def make_op(exercise: Exercise | str | int, solution: Callable[..., Any], *,
            name: str | None = None) -> Callable[..., Any]:
    """Your derivative rule as an operation of the engine, once it passes its exercise.

    For the one-input rules (``d_exp``, ``d_log``, ``d_tanh``, ``d_sigmoid``, ``d_relu``) the
    result works like ``tinygrad_edu.tanh``: give it a Value and ``backward()``,
    ``backward_steps()``, ``draw_dot`` and training all use *your* rule. For ``d_mul``,
    ``d_div`` and ``d_pow`` it is a function of two operands, the first a Value. The op is
    not added to the registry ``OPS``, so you can make it again after changing your rule.
    Raises ``ExerciseError`` with the verdict if the rule does not pass yet.
    """
    ex = get_exercise(exercise)
    if ex.forward is None:
        plugs = ", ".join(n for n, e in EXERCISES.items() if e.forward is not None)
        raise ExerciseError(f"{ex.name} is not a derivative rule of an operation; make_op "
                            f"takes one of: {plugs}")
    verdict = grade(ex, solution)
    if not verdict.passed:
        raise ExerciseError(f"{ex.name} does not pass yet, so it is not plugged in:\n{verdict}")
    op_name = name or f"my_{ex.name.removeprefix('d_')}"
    if ex.params == "x, y":
        return unary_op(op_name, ex.forward, solution, register_op=False)

    def d_left(a: Any, b: Any, y: Any) -> Any:
        return solution(a, b, y)[0]

    def d_right(a: Any, b: Any, y: Any) -> Any:
        return solution(a, b, y)[1]

    return binary_op(op_name, ex.forward, d_left, d_right, register_op=False)
