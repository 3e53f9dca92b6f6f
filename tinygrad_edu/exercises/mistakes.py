"""The words of a diagnosis: a common mistake (``Mistake``) and the mistake found in a
learner's answers (``Diagnosis``). Finding it is ``diagnoses.py``'s work."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tinygrad_edu.exercises.text_blocks import indent

__all__ = ["Diagnosis", "Mistake", "Where"]

Solution = Callable[..., Any]
"""A learner's answer to an exercise: a function, or for the Value exercise a class."""


Where = tuple[str, str | tuple[str, ...]]
"""Where a mistake is made (``Mistake.where``): a function's name, and a pattern of the line
in it, or patterns tried in turn."""


@dataclass(frozen=True)
class Mistake:
    """A common mistake: a short ``title``, the ``hint`` a teacher would give and, for the
    mistakes an exercise knows in advance, a ``solution`` that makes exactly that mistake
    (the grader compares the learner's answers with its answers). ``key`` groups mistakes
    of one kind: ``sign``, ``factor``, ``in_out``, ``upstream``, ``local``, ``assign``, ``shape``,
    ``batch_sum`` and a few that belong to one exercise. ``where``, if given, says where in
    the learner's code the mistake is made: the function or method, and a pattern of the
    line in it, or patterns tried in turn (``pointing.py``)."""

    key: str
    title: str
    hint: str
    solution: Solution | None = field(default=None, repr=False, compare=False)
    where: Where | None = field(default=None, repr=False, compare=False)


RETURN = r"\breturn\b"
"""Where a function's mistake is (``Mistake.where``): the line of its return (else its def)."""

GRAD_SET = r"\.grad\s*=[^=].*\.grad"
"""A line that sets a grad with `=` from another grad (`parent.grad = local * node.grad`;
not the root's seed, `root.grad = 1.0`)."""

GRAD_ADDED = r"\.grad\s*\+="
"""A line that adds to a grad (`parent.grad += local * node.grad`)."""

VISITS = r"\bfor\s+\w+\s+in\b(?!.*(?:_children|parents|local_grads))"
"""The loop that visits the nodes in order (not the one over a node's operands)."""

_ARGS = r"(?:[^()]|\((?:[^()]|\([^()]*\))*\))*"
"""What a call's parentheses may hold: anything, with calls two deep inside (``len(x)``,
``len(w[j])``, ``len(x[0])``)."""

ONE_SHORT = rf"\brange\({_ARGS}-\s*1\s*\)|\brange\(\s*1\s*,"
"""A loop one short: ``range(len(x) - 1)``, ``range(1, len(x))`` (``pointing.PROBLEMS``,
a sum of nothing; linear's last product left out)."""

WHOLE = "<a loop inside a loop, over a whole argument>"
"""A pattern of ``Mistake.where`` that is not a pattern of text: the line of a loop (a
``for`` or a comprehension's) inside another loop of that function, over the whole of one of
its arguments: ``range(len(q))``, or ``range(T)`` where ``T = len(q)``
(``pointing._inner_loops_over_all``)."""

SEES_EVERY_KEY = (r"\brange\(\s*len\(\s*k\s*\)\s*\)", r"\benumerate\(\s*k\s*\)",
                  r"\bzip\(\s*k\b", r"\bfor\s+\w+\s+in\s+k\b", WHOLE)
"""Where attention lets a position see every key, those after it too (a loop over all of
``k``, not ``range(t + 1)``; issue 66: named, with no line; then a loop over
``range(len(q))`` or ``range(T)`` inside the loop over t was named with no line)."""

EMBEDDINGS_ADDED = (r"\bwpe\s*\[", r"[\"']wpe[\"']\s*\]\s*\[", r"wpe")
"""Where gpt adds the two embeddings (where rmsnorm belongs): the first line that indexes
wpe (``wpe[t]``, ``model["wpe"][pos]``), else the first that names it (before, that one
always: ``wte, wpe = model["wte"], model["wpe"]``, which only unpacks two names, issue 66's
fourth tester)."""

TOKENS_EMBEDDED = (r"\bwte\s*\[", r"[\"']wte[\"']\s*\]\s*\[", r"wte")
"""Where gpt embeds the tokens (where each position's row of wpe is to be added): the first
line that indexes wte, else the first that names it."""

ONE_LAYER = (r"layer0\b", r"\bwhile\b", r"\bfor\s+\w+\s+in\s+range\(", r"\bblock\(")
"""Where gpt runs only its first layer: a ``layer0`` written out, else its loop over the
layers, else its call of block."""

M_HAT = (r"\bm_?hat\s*=", r"\bp\.data\s*[-+]?=")
"""Where Adam's bias correction belongs: the line that makes m̂, else the step itself."""

STEP_ADDED = (r"\bp\.data\s*\+=", r"\bp\.data\s*=[^=]")
"""Where Adam steps uphill: the line that adds the step to p.data."""

LOOP = "<loop>"
"""In a pattern of ``Mistake.where``, any name a ``for`` of that function binds (a loop's, or
a comprehension's): ``range(<loop>)`` is ``range(t)`` inside ``for t in ...``, empty the
first time round."""


@dataclass(frozen=True)
class Diagnosis:
    """A mistake found in the learner's answers. ``part`` names the answer it concerns when an
    exercise asks for several (``'dy/db'``, ``'dW'``); ``everywhere`` is True when the mistake
    gives the learner's answers on every input tried, False when it does so on every input
    where the answer is wrong (the rest being right). ``line``: the line of the learner's
    code where the mistake is most likely made, when it can be found (``pointing.py``)."""

    mistake: Mistake
    part: str | None = None
    everywhere: bool = True
    note: str = ""
    line: str = ""

    @property
    def key(self) -> str:
        return self.mistake.key

    @property
    def title(self) -> str:
        return self.mistake.title

    @property
    def hint(self) -> str:
        """What a teacher would say about the mistake: the words shown under its title."""
        return self.mistake.hint

    def __str__(self) -> str:
        where = f" ({self.part})" if self.part else ""
        scope = f" ({self.note})" if self.note else ""
        line = f"\n  {self.line}" if self.line else ""
        return (f"diagnosis{where}: {self.mistake.title}{scope}.{line}\n"
                f"{indent(self.mistake.hint, 2)}")
