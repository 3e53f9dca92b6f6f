"""See a stage work: the learner's own stage run on tinygrad_edu's ``Value``, to draw by its
parts and step through like any graph.

A learner's stages are plain functions of Values, so they run on tinygrad_edu's nodes as
they run on their own. ``by_parts(found)`` wraps the stages a learner's file defines
(``found``: its namespace, as ``loading.load_solutions`` gives it) so that each call runs in
a ``named_scope`` of the stage's name: a block's graph then has boxes for its rmsnorms, its
linears and its attention heads (``draw_dot(loss, depth=2)``). ``example(found, stage)``
runs the stage on its first worked example, with tinygrad_edu's nodes, and returns the loss
the grader weighs its outputs by (``L = Σ c·out``): draw it, or step through its
``backward_steps()``.

    >>> found = load_solutions("gpt.py")
    >>> by_parts(found)
    >>> loss = example(found, "block")
    >>> draw_dot(loss, depth=1)                  # the block, its parts as boxes
    >>> next(loss.backward_steps())              # the first step of the chain rule
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from tinygrad_edu import Value, named_scope
from tinygrad_edu.exercises.microgpt.stages import TRACK

__all__ = ["by_parts", "example"]

PARTS = ("linear", "softmax", "nll", "rmsnorm", "attention", "block", "gpt")
"""The stages that are drawn as parts (a box each) when called inside another."""


def by_parts(found: dict[str, Any]) -> None:
    """Wrap each stage of ``PARTS`` that ``found`` defines, in place, so that its calls (the
    ones its other stages make too) run in a ``named_scope`` of its name."""
    for name in PARTS:
        function = found.get(name)
        if callable(function) and not getattr(function, "_by_parts", False):
            found[name] = _scoped(name, function)


def _scoped(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def scoped(*args: Any, **kwargs: Any) -> Any:
        with named_scope(name):
            return function(*args, **kwargs)

    scoped._by_parts = True  # type: ignore[attr-defined]
    return scoped


def example(found: dict[str, Any], stage: str) -> Value:
    """The learner's ``stage`` (one of ``PARTS``, from ``found``) on its first worked example
    (of two heads, for a block and a GPT: their smaller examples, tried first, are for
    showing a slip on the smallest input), built of tinygrad_edu's Values: the loss L = Σ
    c·out the grader weighs its outputs by (the loss itself for ``nll``)."""
    if stage not in PARTS:
        raise ValueError(f"example: {stage!r} is not a stage that computes with Values; one "
                         f"of {', '.join(PARTS)}")
    function = found.get(stage)
    if not callable(function):
        raise ValueError(f"example: your file defines no {stage}; write it first")
    examples = TRACK[stage].examples
    case = next((e for e in examples if getattr(e, "n_head", 2) == 2), examples[0])
    nodes = lambda xs: [Value(float(x)) for x in xs]
    rows = lambda m: [nodes(row) for row in m]
    if stage == "nll":
        return function(nodes(case.logits), case.target)
    if stage in ("softmax", "rmsnorm"):
        return _weighed(function(nodes(case.x)), case.c)
    if stage == "linear":
        return _weighed(function(nodes(case.x), rows(case.w)), case.c)
    if stage == "attention":
        out = function(rows(case.q), rows(case.k), rows(case.v))
    elif stage == "block":
        out = function(rows(case.x), {n: rows(m) for n, m in case.weights}, case.n_head)
    else:
        out = function({n: rows(m) for n, m in case.weights}, list(case.tokens), case.n_head)
    return _weighed([v for row in out for v in row], [c for row in case.c for c in row])


def _weighed(outputs: Sequence[Any], weights: Sequence[float]) -> Value:
    """Σ c_i·out_i, as the grader builds it."""
    loss = outputs[0] * weights[0]
    for out, c in zip(outputs[1:], weights[1:]):
        loss = loss + out * c
    return loss
