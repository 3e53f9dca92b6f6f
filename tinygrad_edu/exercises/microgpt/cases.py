"""The inputs the microgpt track is graded on (hypothesis's strategies), and the worked
examples every stage is tried on first: the smallest input on which each classic mistake
shows.

Numbers have one decimal (easy to follow in a verdict), sizes are small (a failing input
shrinks to one position, one head, two features) and every case holds its own loss
weights ``c``, so that the gradients a stage lets through are graded with its outputs.
"""

from __future__ import annotations

import math
from typing import Any

from hypothesis import strategies as st

from tinygrad_edu.exercises.cases import tenths
from tinygrad_edu.exercises.drawn_graphs import SHAPES, GrowingExpression, expression
from tinygrad_edu.exercises.learner.expression_cases import Expression, SumChain
from tinygrad_edu.exercises.learner.gpt_cases import (
    DEFAULTS,
    AdamCase,
    AttentionCase,
    BlockCase,
    GptCase,
    LinearCase,
    Matrix,
    TargetCase,
    TrainCase,
    Vector,
    VectorCase,
    Weights,
)

__all__: list[str] = []  # the grader's inner workings

UNIT = tenths(-2.0, 2.0)
SMALL = tenths(-1.0, 1.0)

# ----------------------------------------------------------------------------- the node


class _GrowingNode(GrowingExpression):
    """An expression of microgpt's operations: + - * / with Values and plain numbers, ``**``
    a number, log, exp and relu (no tanh). An op that would leave order one becomes the
    node times 0.5."""

    METHODS = ("log", "relu", "exp", "relu")
    FALLBACK = ("*c", 0.5)

    def fits(self, op: str, xs: list[float], number: Any) -> bool:
        """As an expression's, and log only of a number at least 0.25 (its slope at most 4)."""
        if op == "log":
            return xs[0] >= 0.25
        return super().fits(op, xs, number)


@st.composite
def node_expressions(draw: st.DrawFn, max_steps: int = 8) -> Expression:
    """Expressions of every kind the Value exercise draws, with microgpt's operations."""
    shape = draw(st.sampled_from(SHAPES))
    g = _GrowingNode(draw, 3 if shape is SHAPES[0] else 2)
    shape(g, max_steps)
    return g.result()


def node_examples() -> tuple[Expression, ...]:
    """x0 + x0 (= for +=), a chain (the order), 2.0 - x0 and 2.0 / x0 (__rsub__ and
    __rtruediv__ the wrong way round), a node used at two depths (a pre-order walk), one of
    each op with its own local derivatives (x0·x1, x0 ** 3, log, exp, relu below 0)."""
    return (
        expression([1.5], ("+", (0, 0))),
        expression([0.5], ("exp", (0,)), ("*c", (1,), 2.0), ("exp", (2,))),
        expression([1.5], ("c-", (0,), 2.0)),
        expression([1.5], ("c/", (0,), 2.0)),
        expression([2.0, 1.0], ("*", (0, 0)), ("+", (2, 1)), ("*", (2, 3))),
        expression([1.5, -0.5], ("*", (0, 1)), ("**", (0,), 3), ("log", (0,)), ("exp", (1,)),
                   ("relu", (1,)), ("+", (2, 3)), ("+", (6, 4)), ("*", (7, 5)),
                   ("+", (8, 6))),
    )


def _smallest_first(cases: list[Any]) -> tuple[Any, ...]:
    """``cases`` by their size (``size()``); those of one size as they are given."""
    return tuple(sorted(cases, key=lambda case: case.size()))


def node_smallest() -> tuple[Expression, ...]:
    """The smallest expressions (``ExerciseSpec.smallest``): one step on x0 = 1.5 (-x0, each
    op with a number on either side, a power, log, exp, relu, of -1.5 too, x0 with itself),
    then one step on x0 and x1 = -0.5. Of one size, the first that fails as the failure
    found does is shown (``grading._smallest``): -x0 before 2.0 - x0, whose ``__rsub__``
    negates, where a ``__neg__`` that calls itself is found, and after
    x0 * 2.0, since -x0 multiplies by -1 (a ``__mul__`` that calls itself fails there too)."""
    numbered = [expression([1.5], ("neg", (0,)) if op == "neg" else (op, (0,), 2.0))
                for op in ("+c", "c+", "-c", "*c", "c*", "neg", "c-", "/c", "c/")]
    powers = [expression([1.5], ("**", (0,), k)) for k in (2, 3, -1, 0.5)]
    methods = [expression([x], (op, (0,))) for x in (1.5, -1.5) for op in ("log", "exp", "relu")
               if x > 0 or op == "relu"]
    itself = [expression([1.5], (op, (0, 0))) for op in "+-*/"]
    pairs = [expression([1.5, -0.5], (op, (0, 1))) for op in "+-*/"]
    return _smallest_first([*numbered, *powers, *methods, *itself, *pairs])


def long_chain() -> SumChain:
    """A sum of 2001 terms: a graph 2000 nodes deep, deeper than Python's recursion limit."""
    return SumChain(0.5, 2000)


# ----------------------------------------------------------------------------- vectors


def _vector(draw: st.DrawFn, n: int, entries: st.SearchStrategy[float] = UNIT) -> Vector:
    return tuple(draw(st.lists(entries, min_size=n, max_size=n)))


def _matrix(draw: st.DrawFn, rows: int, cols: int, entries: st.SearchStrategy[float] = UNIT
            ) -> Matrix:
    return tuple(_vector(draw, cols, entries) for _ in range(rows))


@st.composite
def linear_cases(draw: st.DrawFn) -> LinearCase:
    """x of 1 to 4 numbers, w of 1 to 4 rows; square half the time (where w read by its
    columns gives numbers, and wrong ones)."""
    n = draw(st.integers(1, 4))
    m = n if draw(st.booleans()) else draw(st.integers(1, 4))
    return LinearCase(_vector(draw, n), _matrix(draw, m, n), _vector(draw, m))


LINEAR_EXAMPLES = (
    LinearCase((1.0, 2.0), ((0.5, -1.0), (2.0, 0.5)), (1.0, 1.0)),
    LinearCase((1.0, -1.0, 0.5), ((1.0, 2.0, 3.0), (0.5, 0.5, -1.0)), (1.0, -2.0)),
)

LINEAR_SMALLEST = _smallest_first([
    LinearCase((1.0,), ((0.5,),), (1.0,)), LinearCase((1.0,), ((0.5,), (2.0,)), (1.0, 1.0)),
    LinearCase((1.0, 2.0), ((0.5, -1.0),), (1.0,)), *LINEAR_EXAMPLES[:1]])
"""The smallest inputs (``ExerciseSpec.smallest``): one number and one row, then two rows,
then two numbers in one row, then in two."""


@st.composite
def logits(draw: st.DrawFn) -> VectorCase:
    """1 to 5 logits in [-4, 4], all moved by 750 or -750 one time in four: exp(750)
    overflows a float, and exp(-750) is 0."""
    n = draw(st.integers(1, 5))
    shift = draw(st.sampled_from((0.0, 0.0, 750.0, -750.0)))
    x = tuple(v + shift for v in _vector(draw, n, tenths(-4.0, 4.0)))
    return VectorCase(x, _vector(draw, n), "logits")


SOFTMAX_SMALLEST = _smallest_first([
    VectorCase(x, c, "logits") for x, c in (
        ((0.0,), (1.0,)), ((800.0,), (1.0,)), ((-800.0,), (1.0,)), ((1.0,), (1.0,)),
        ((0.0, 0.0), (1.0, 0.0)),
        ((1.0, 0.0), (1.0, 0.0)), ((800.0, 799.0), (1.0, 0.0)),
        ((-800.0, -801.0), (1.0, 0.0)))])
"""The smallest inputs (``ExerciseSpec.smallest``): one logit, then two; 0, then ±800 (and
1: exp(1) / 1 is wrong in both parts, where no sum divides and no largest is subtracted)."""

SOFTMAX_EXAMPLES = (
    VectorCase((1.0, 2.0, 0.5), (1.0, 0.0, -1.0), "logits"),
    VectorCase((800.0, 799.0, 797.5), (1.0, -1.0, 0.5), "logits"),
    VectorCase((-800.0, -801.0), (1.0, 0.5), "logits"),
)


@st.composite
def targets(draw: st.DrawFn) -> TargetCase:
    """2 to 5 logits in [-4, 4] (moved by ±750 one time in four) and a target among them."""
    n = draw(st.integers(2, 5))
    shift = draw(st.sampled_from((0.0, 0.0, 750.0, -750.0)))
    x = tuple(v + shift for v in _vector(draw, n, tenths(-4.0, 4.0)))
    return TargetCase(x, draw(st.integers(0, n - 1)))


NLL_SMALLEST = _smallest_first([
    TargetCase(x, 0) for x in ((0.0, 0.0), (1.0, 0.0), (800.0, 799.0), (-800.0, -801.0))])
"""The smallest inputs (``ExerciseSpec.smallest``): two logits, 0, then ±800."""

NLL_EXAMPLES = (TargetCase((1.0, 2.0, 0.5), 1), TargetCase((-1.0, 0.5, 2.0), 0),
                TargetCase((800.0, 799.0), 0))


@st.composite
def rms_inputs(draw: st.DrawFn) -> VectorCase:
    """1 to 5 numbers, of order one, or a hundred times smaller (where 1e-5 is no longer
    small beside their mean square)."""
    n = draw(st.integers(1, 5))
    scale = draw(st.sampled_from((1.0, 1.0, 0.01)))
    return VectorCase(tuple(v * scale for v in _vector(draw, n)), _vector(draw, n))


RMS_SMALLEST = _smallest_first([
    VectorCase(x, c) for x, c in (
        ((0.0,), (1.0,)), ((1.0,), (1.0,)), ((0.01,), (1.0,)), ((0.0, 0.0), (1.0, 0.0)),
        ((1.0, 0.0), (1.0, 0.0)), ((0.01, -0.02), (1.0, 0.0)))])
"""The smallest inputs (``ExerciseSpec.smallest``): one number, then two; 0, 1, and a
hundred times smaller."""

RMS_EXAMPLES = (
    VectorCase((1.0, 2.0, -2.0), (1.0, 0.5, -1.0)),
    VectorCase((0.01, -0.02), (1.0, 2.0)),
    VectorCase((0.0, 0.0), (1.0, -1.0)),
)

# ----------------------------------------------------------------------------- attention


@st.composite
def heads(draw: st.DrawFn) -> AttentionCase:
    """1 to 4 positions of queries, keys and values with 1 to 4 features each."""
    t, d = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    entries = tenths(-1.5, 1.5)
    return AttentionCase(_matrix(draw, t, d, entries), _matrix(draw, t, d, entries),
                         _matrix(draw, t, d, entries), _matrix(draw, t, d))


ATTENTION_SMALLEST = _smallest_first([
    AttentionCase(((1.0,),), ((2.0,),), ((3.0,),), ((1.0,),)),
    AttentionCase(((1.0,), (0.5,)), ((0.5,), (1.0,)), ((1.0,), (-1.0,)), ((1.0,), (0.5,))),
    AttentionCase(((1.0, 0.5), (0.5, -1.0)), ((0.5, 1.0), (1.0, 0.0)), ((1.0, 2.0), (-1.0, 0.5)),
                  ((1.0, 0.5), (-1.0, 1.0)))])
"""The smallest inputs (``ExerciseSpec.smallest``): one position of one feature, then two
positions, then two positions of two features."""

ATTENTION_EXAMPLES = (
    AttentionCase(((1.0, 0.5), (0.5, -1.0), (-1.0, 1.0)),
                  ((0.5, 1.0), (1.0, 0.0), (-0.5, 0.5)),
                  ((1.0, 2.0), (-1.0, 0.5), (0.5, -0.5)),
                  ((1.0, 0.5), (-1.0, 1.0), (0.5, 2.0))),
    AttentionCase(((1.0,),), ((2.0,),), ((3.0,),), ((1.0,),)),
)

# ----------------------------------------------------------------------------- the block


def _block_weights(draw: st.DrawFn, dim: int, prefix: str = "") -> Weights:
    shapes = (("attn_wq", dim, dim), ("attn_wk", dim, dim), ("attn_wv", dim, dim),
              ("attn_wo", dim, dim), ("mlp_fc1", 4 * dim, dim), ("mlp_fc2", dim, 4 * dim))
    return tuple((prefix + name, _matrix(draw, rows, cols, SMALL))
                 for name, rows, cols in shapes)


@st.composite
def blocks(draw: st.DrawFn) -> BlockCase:
    """1 to 3 positions of 2 or 4 features, 1 or 2 heads (2 of 1 or 2 features each)."""
    t, dim = draw(st.integers(1, 3)), draw(st.sampled_from((2, 4)))
    n_head = draw(st.sampled_from((1, 2)))
    return BlockCase(_matrix(draw, t, dim), _block_weights(draw, dim), n_head,
                     _matrix(draw, t, dim))


def _grid(rows: int, cols: int, start: int) -> Matrix:
    """Fixed numbers of one decimal in [-1, 1], different for every ``start``."""
    return tuple(tuple(round(math.sin(1.7 * (start + r * cols + c)), 1) for c in range(cols))
                 for r in range(rows))


def _fixed_block(dim: int, prefix: str = "", start: int = 0) -> Weights:
    shapes = (("attn_wq", dim, dim), ("attn_wk", dim, dim), ("attn_wv", dim, dim),
              ("attn_wo", dim, dim), ("mlp_fc1", 4 * dim, dim), ("mlp_fc2", dim, 4 * dim))
    found = []
    for name, rows, cols in shapes:
        found.append((prefix + name, _grid(rows, cols, start)))
        start += rows * cols
    return tuple(found)


BLOCK_EXAMPLES = (BlockCase(_grid(1, 2, 100), _fixed_block(2), 1, _grid(1, 2, 200)),
                  BlockCase(_grid(2, 2, 100), _fixed_block(2), 1, _grid(2, 2, 200)),
                  BlockCase(_grid(2, 2, 100), _fixed_block(2), 2, _grid(2, 2, 200)),
                  BlockCase(_grid(3, 4, 300), _fixed_block(4), 2, _grid(3, 4, 400)))
"""Smallest first (tried in order, the first failing one shown: a block's examples are not
shrunk, each being slow to run): one position and one head, two positions, two heads (one
head over all the features shows there), then more of each."""

BLOCK_SMALLEST = (BlockCase(_grid(1, 4, 300), _fixed_block(4), 2, _grid(1, 4, 400)),)
"""Smaller than the last example (``ExerciseSpec.smallest``): one position of 4 features in
2 heads, the smallest where head i's features starting at i, not at 2i, show (before,
shown on the example of 3 positions)."""

# ----------------------------------------------------------------------------- the model


def _model(draw: Any, vocab: int, dim: int, block_size: int, layers: int) -> Weights:
    weights: list[tuple[str, Matrix]] = [("wte", _matrix(draw, vocab, dim, SMALL)),
                                         ("wpe", _matrix(draw, block_size, dim, SMALL))]
    for layer in range(layers):
        weights += _block_weights(draw, dim, f"layer{layer}.")
    return (*weights, ("lm_head", _matrix(draw, vocab, dim, SMALL)))


def _fixed_model(vocab: int, dim: int, block_size: int, layers: int) -> Weights:
    weights: list[tuple[str, Matrix]] = [("wte", _grid(vocab, dim, 0)),
                                         ("wpe", _grid(block_size, dim, 50))]
    for layer in range(layers):
        weights += _fixed_block(dim, f"layer{layer}.", 100 + 1000 * layer)
    return (*weights, ("lm_head", _grid(vocab, dim, 90)))


@st.composite
def models(draw: st.DrawFn) -> GptCase:
    """A vocabulary of 3 to 5 tokens, 2 or 4 features, 1 or 2 heads, 1 or 2 layers, and 1 to
    4 tokens (as many positions in wpe)."""
    vocab, dim = draw(st.integers(3, 5)), draw(st.sampled_from((2, 4)))
    t, layers = draw(st.integers(1, 4)), draw(st.integers(1, 2))
    tokens = tuple(draw(st.lists(st.integers(0, vocab - 1), min_size=t, max_size=t)))
    return GptCase(_model(draw, vocab, dim, t, layers), tokens, draw(st.sampled_from((1, 2))),
                   _matrix(draw, t, vocab))


GPT_EXAMPLES = (GptCase(_fixed_model(3, 2, 1, 1), (2,), 1, _grid(1, 3, 500)),
                GptCase(_fixed_model(3, 2, 2, 1), (2, 0), 1, _grid(2, 3, 500)),
                GptCase(_fixed_model(3, 2, 1, 2), (2,), 1, _grid(1, 3, 500)),
                GptCase(_fixed_model(3, 2, 3, 2), (2, 0, 1), 2, _grid(3, 3, 500)))
"""Smallest first, as ``BLOCK_EXAMPLES``: one token, one layer, one head; two tokens (a
position shows there); two layers; three tokens, two layers, two heads."""

GPT_SMALLEST = _smallest_first([
    *GPT_EXAMPLES[:3], GptCase(_fixed_model(4, 2, 1, 1), (3,), 1, _grid(1, 4, 500)),
    GptCase(_fixed_model(5, 2, 1, 1), (4,), 1, _grid(1, 5, 500)),
    GptCase(_fixed_model(3, 4, 1, 1), (2,), 1, _grid(1, 3, 500)),
    GptCase(_fixed_model(3, 2, 1, 1), (2,), 2, _grid(1, 3, 500)),
    GptCase(_fixed_model(3, 4, 1, 1), (2,), 2, _grid(1, 3, 500))])
"""The smallest models (``ExerciseSpec.smallest``, by ``GptCase.size``): one token, one layer
and one head, the last token of a vocabulary of 3, 4 or 5, then 4 features; two heads; two
layers; two tokens (issue 66: a mistake that the worked examples do not show, the token 3
read as 0, was shown on a drawn model of 5 tokens' vocabulary, two positions and two heads,
where one position, one head and a vocabulary of 4 show it)."""

# ----------------------------------------------------------------------------- training


@st.composite
def adam_cases(draw: st.DrawFn) -> AdamCase:
    """1 to 4 parameters; moments as after earlier steps (v >= 0) or all 0 at t = 1; the
    step t from 1 to 5; microgpt's betas (left to the defaults) or PyTorch's."""
    n, t = draw(st.integers(1, 4)), draw(st.integers(1, 5))
    fresh = t == 1 and draw(st.booleans())
    m = (0.0,) * n if fresh else _vector(draw, n, SMALL)
    v = (0.0,) * n if fresh else _vector(draw, n, tenths(0.0, 1.0))
    beta1, beta2 = draw(st.sampled_from((DEFAULTS[:2], (0.9, 0.999))))
    return AdamCase(_vector(draw, n), _vector(draw, n), m, v, t,
                    draw(st.sampled_from((0.1, 0.05, 0.01))), beta1, beta2)


ADAM_SMALLEST = _smallest_first([
    AdamCase((0.5,), (2.0,), m, v, t, 0.1, *DEFAULTS[:2])
    for m, v, t in (((0.0,), (0.0,), 1), ((0.3,), (0.4,), 1), ((0.3,), (0.4,), 2),
                    ((0.3,), (0.4,), 3))])
"""The smallest inputs (``ExerciseSpec.smallest``): one parameter at the first step (its
moments 0, then not), then the second and the third step."""

ADAM_EXAMPLES = (
    AdamCase((0.5, -1.0), (2.0, -0.5), (0.0, 0.0), (0.0, 0.0), 1, 0.1, *DEFAULTS[:2]),
    AdamCase((0.5, -1.0), (2.0, -0.5), (0.3, -0.2), (0.4, 0.1), 3, 0.1, *DEFAULTS[:2]),
    AdamCase((1.0,), (1.5,), (0.2,), (0.5,), 2, 0.05, 0.9, 0.999),
    # a gradient of 1e-8 at the first step: v̂ = 1e-16, where eps decides the step (0.05
    # with eps beside the root, 1e-5 with it under the root; random draws reach it rarely)
    AdamCase((0.5, -1.0), (1e-8, -0.5), (0.0, 0.0), (0.0, 0.0), 1, 0.1, *DEFAULTS[:2]),
)


@st.composite
def trainings(draw: st.DrawFn) -> TrainCase:
    """A model of 3 or 4 tokens (the last the start and end of a name), 2 or 4 features, 1
    or 2 heads, one layer; two names of 1 to 3 tokens between their ends."""
    vocab, dim = draw(st.integers(3, 4)), draw(st.sampled_from((2, 4)))
    bos = vocab - 1
    names = tuple((bos, *draw(st.lists(st.integers(0, bos - 1), min_size=1, max_size=3)), bos)
                  for _ in range(2))
    block_size = max(len(n) for n in names) - 1
    return TrainCase(_model(draw, vocab, dim, block_size, 1), names,
                     draw(st.sampled_from((1, 2))), draw(st.sampled_from((0.1, 0.01))))


TRAIN_EXAMPLES = (TrainCase(_fixed_model(3, 2, 3, 1), ((2, 0, 1, 2), (2, 1, 2)), 2, 0.1),)

TRAIN_SMALLEST = _smallest_first([
    TrainCase(_fixed_model(3, 2, 2, 1), ((2, 0, 2), (2, 1, 2)), 1, 0.1),
    TrainCase(_fixed_model(3, 2, 3, 1), ((2, 0, 2), (2, 1, 0, 2)), 1, 0.1),
    TrainCase(_fixed_model(3, 2, 3, 1), ((2, 0, 1, 2), (2, 1, 2)), 1, 0.1),
    TrainCase(_fixed_model(3, 2, 2, 1), ((2, 0, 2), (2, 1, 2)), 2, 0.1)])
"""The smallest inputs (``ExerciseSpec.smallest``, one head first): two names of one letter
each; then a name of two letters, second, then first; then two heads (issue 66: gradients
not zeroed were shown on two heads and [2, 0, 1, 2], where one head and [2, 0, 2] show
them; the losses summed on two heads, where one head shows them once the names differ in
length: two names of one letter give losses twice the mean and, Adam's step being the same
for a gradient twice as large, the same weights)."""
