"""Which exercises a file attempts, read from the names it defines (not run): the exercises
whose functions it defines, and the stages of microgpt if it defines one of theirs but the
node (then its class ``Value`` is the track's node, not exercise 18's). ``exercises check
FILE`` and ``exercises report DIR`` grade these when no exercise is named."""

from __future__ import annotations

from collections.abc import Iterable

from tinygrad_edu.exercises.catalog import EXERCISES
from tinygrad_edu.exercises.grading import Exercise
from tinygrad_edu.exercises.microgpt.stages import TRACK

__all__ = ["attempted_in", "by_name"]


def attempted_in(defined: Iterable[str], everything: bool = False) -> list[Exercise]:
    """The exercises (then the stages) that code defining the names ``defined`` attempts;
    with ``everything``, every exercise (a file of starters lists them all) and, for a file
    of the track, every stage."""
    names = set(defined)
    track = bool(names & {ex.symbol for ex in TRACK.values()} - {"Value"})
    exercises = [ex for name, ex in EXERCISES.items() if (everything or name in names)
                 and not (track and (name == "Value" or everything))]
    stages = [ex for ex in TRACK.values() if everything or ex.symbol in names] if track else []
    return [*exercises, *stages]


def by_name(name: str) -> Exercise:
    """An exercise, or a stage of microgpt, by its name (a ``KeyError`` for neither)."""
    return EXERCISES[name] if name in EXERCISES else TRACK[name]
