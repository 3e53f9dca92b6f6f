"""What an exercise is: what to write, the inputs it is graded on, how a solution is called,
and the mistakes it can diagnose (``ExerciseSpec``, the part of an exercise the grader
reads). ``grading.Exercise`` adds ``check``; the exercises themselves are in ``catalog.py``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from tinygrad_edu.exercises.comparing import Outcome
from tinygrad_edu.exercises.learner.inputs import Call
from tinygrad_edu.exercises.mistakes import Diagnosis, Mistake, Solution
from tinygrad_edu.exercises.text_blocks import indent

__all__ = ["ExerciseSpec"]


@dataclass(frozen=True, eq=False)
class ExerciseSpec:
    """One exercise: what to write, how it is graded, and the mistakes it can diagnose
    (``grading.Exercise``, which the catalog makes, adds ``check``).

    ``cases`` draws inputs; ``call(solution, case)`` (a ``Call``: data, so that a learner's
    process can run it too) runs a solution on fresh copies of a case's inputs and returns
    its answer as a tuple of parts (one per name in ``parts``), raising ``AnswerError`` for
    an answer of the wrong kind. ``examples`` are always tried:
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
    that does not); with ``shrink_examples`` too, a failing example is followed by
    hypothesis's search for a simpler failing input, shown instead (where each input is
    quick to run: the node's expressions, not a GPT). ``arrays`` marks an exercise on NumPy
    arrays; the others need no NumPy, and are graded where it is not installed.

    ``smallest`` are the smallest inputs, smallest first (by the case's ``size()``): once an
    answer has failed, the first of them on which it fails as it did is the input shown,
    where hypothesis's shrinking stopped at a larger one (``grading._smallest``; a right
    answer never runs them). They are tried on the first failing input drawn, and
    hypothesis shrinks it only where none of them fails as it does.

    A rule exercise has ``exact`` points: where a rule is exact and no numerical derivative
    of the function is, so that an answer which is one earns no points (``shortcuts.py``).
    It holds what draws them (``cases.ExactPoints``, ``cases.ExactArrays``), afresh at every
    grading: no file can know them. A class graded on the chain rule (the Value) has
    ``exact_graphs``: expressions where its gradients, made of local derivatives written as
    expressions, are exact to their rounding, and made of finite differences are not
    (``exact_graphs.py``); they are drawn and tried with the exact points.

    A stage of a track (``track``: ``"microgpt"``) may ask for a name other than its own
    (``defines``: the node stage asks for ``class Value``), is run on nodes of the class
    ``node`` in the grader's process (the track's reference ``Value``), and ``uses`` the
    earlier stages: where one of them has not passed in the same grading, the grader answers
    for it (``learner/answered.py``: the learner's process asks, with numbers, and no
    reference's code goes there), so that one mistake does not sink the stages after it.
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
    call: Call = field(repr=False)
    reference: Solution = field(repr=False)
    parts: tuple[str, ...] = ("answer",)
    mistakes: tuple[Mistake, ...] = field(default=(), repr=False)
    examples: tuple[Any, ...] = field(default=(), repr=False)
    judge: Callable[[Any, tuple[Any, ...]], Mistake | None] | None = field(default=None,
                                                                          repr=False)
    fit: Callable[[Any], tuple[Mistake, ...]] | None = field(default=None, repr=False)
    explain: Callable[[ExerciseSpec, Any, Outcome, list[Outcome]], tuple[Diagnosis, ...]
                      ] | None = field(default=None, repr=False)
    forward: Callable[..., float] | None = field(default=None, repr=False)
    rows: Callable[[Any], list[Any]] | None = field(default=None, repr=False)
    max_examples: int = 100
    probe_examples: int = 40
    kind: str = "function"
    examples_first: bool = False
    shrink_examples: bool = False
    stage: str = ""
    before: tuple[ExerciseSpec, ...] = field(default=(), repr=False)
    after: tuple[ExerciseSpec, ...] = field(default=(), repr=False)
    tolerate: Callable[[Outcome], str | None] | None = field(default=None, repr=False)
    arrays: bool = False
    track: str = ""
    defines: str = ""
    node: type | None = field(default=None, repr=False)
    uses: tuple[ExerciseSpec, ...] = field(default=(), repr=False)
    exact: tuple[Any, ...] = field(default=(), repr=False)
    exact_graphs: tuple[Any, ...] = field(default=(), repr=False)
    smallest: tuple[Any, ...] = field(default=(), repr=False)

    @property
    def symbol(self) -> str:
        """The name the learner's code defines: ``defines``, else the exercise's name."""
        return self.defines or self.name

    @property
    def graded_parts(self) -> tuple[str, ...]:
        """What partial credit splits the exercise's points between: its stages, for a class
        graded in stages (the node's data, its _children and _local_grads, its grads, a long
        chain), else the parts of its answer (dX, dW and db); one part is all or nothing."""
        stages = (*self.before, self, *self.after)
        if len(stages) > 1:
            return tuple(s.stage or s.name for s in stages)
        return self.parts

    @property
    def heading(self) -> str:
        """Its heading in an assignment, which holds a few exercises of the set: what the
        learner's code defines and its title (``d_tanh: the derivative of tanh``), no number
        (the set's numbers run over the whole set; a stage of the track, over the track)."""
        return f"stage {self.number} of microgpt: {self.title}" if self.track else (
            f"{self.symbol}: {self.title}")

    @property
    def signature(self) -> str:
        return f"{self.symbol}({self.params})"

    @property
    def definition(self) -> str:
        """How the learner's code starts: ``def d_mul(a, b, y): ...`` or ``class Value: ...``."""
        return (f"class {self.symbol}: ..." if self.kind == "class"
                else f"def {self.signature}: ...")

    def describe(self) -> str:
        """The statement and the starter code, as printed by ``show`` and the command line."""
        head = (f"Build {self.track} yourself, stage {self.number} ({self.name}): {self.title}"
                if self.track else f"Exercise {self.number} (level {self.level}): {self.title}")
        graded = textwrap.fill(f"Graded on: {self.domain}.", width=92)
        return (f"{head}\n{'=' * len(head)}\n\n{self.statement.strip()}\n\n{graded}\n\n"
                f"Starter:\n\n{indent(self.starter.strip(), 4)}\n")

    def __str__(self) -> str:
        return self.describe()

    def __repr__(self) -> str:
        return f"<Exercise {self.number} {self.signature}: {self.title}>"
