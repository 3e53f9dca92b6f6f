"""The microgpt track's cases as data, and how a stage's solution is run on them.

A case holds plain numbers: vectors and matrices as tuples, a block's or a model's weights
as ``(name, matrix)`` pairs, tokens as integers. ``GPT_CALLS`` says, for each stage, how a
solution is run on a case: every number becomes a node of the class ``node`` (in the
learner's process, the learner's own ``Value`` where it passed, else the track's reference;
in the grader's, the reference), the solution is called, and the answer is read back as
numbers: the outputs' ``data`` and, after ``backward()`` on a loss that weighs every output
by a number of the case (``c``), every input's ``grad``. So an answer says both what a
stage computes and how its gradients flow; a solution that computes with ``.data`` (and so
cuts the graph) gives the right outputs and no gradient.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from tinygrad_edu.exercises.learner.parts import AnswerError, Numbers

__all__ = ["GPT_CALLS"]

EMPTY_SUM = "a sum that added nothing"
"""What an answer that holds the number 0 where a Value was meant is said to be (a loop one
short, empty for one entry); ``pointing.pointed`` names the line of the loop."""
LOSS_VALUE = "return the loss as a number, got its Value"
"""What train_step returning its loss's Value is said to do; ``pointing.pointed`` names the
line of its return."""
CUT = "computed with .data, the graph is cut and no gradient can flow back."
"""What a number where a Value was meant is said to be; ``pointing.pointed`` names the line
that reads ``.data``."""

Vector = tuple[float, ...]
Matrix = tuple[Vector, ...]
Weights = tuple[tuple[str, Matrix], ...]

DEFAULTS = (0.85, 0.99, 1e-8)
"""Adam's beta1, beta2 and eps in microgpt, the defaults of the track's ``adam``."""


def _vector(xs: Sequence[float]) -> str:
    return "[" + ", ".join(f"{x:g}" for x in xs) + "]"


def _matrix(m: Matrix) -> str:
    return "[" + ", ".join(_vector(row) for row in m) + "]"


def _weights(ws: Weights) -> str:
    return "\n".join(f"{name} = {_matrix(m)}" for name, m in ws)


@dataclass(frozen=True)
class VectorCase:
    """One vector (``logits`` for softmax, ``x`` for rmsnorm) and the loss's weights ``c``:
    L = Σ c_i·out_i."""

    x: Vector
    c: Vector
    name: str = "x"

    def size(self) -> tuple[int, int]:
        """Its length, then how many of its numbers are not 0."""
        return (len(self.x), sum(v != 0 for v in (*self.x, *self.c)))

    def __str__(self) -> str:
        return f"{self.name} = {_vector(self.x)}; then L = Σ c_i·out_i, c = {_vector(self.c)}"


@dataclass(frozen=True)
class TargetCase:
    """Logits and the index of the right token, for the negative log-likelihood."""

    logits: Vector
    target: int

    def size(self) -> tuple[int, int]:
        """Its length, then how many of its logits are not 0."""
        return (len(self.logits), sum(v != 0 for v in self.logits))

    def __str__(self) -> str:
        return f"logits = {_vector(self.logits)}, target = {self.target}"


@dataclass(frozen=True)
class LinearCase:
    """x (n numbers), w (m rows of n) and the loss's weights c (m): L = Σ c_j·out_j."""

    x: Vector
    w: Matrix
    c: Vector

    def size(self) -> tuple[int, int]:
        """Its inputs, then its outputs (w's rows)."""
        return (len(self.x), len(self.w))

    def __str__(self) -> str:
        return (f"x = {_vector(self.x)}, w = {_matrix(self.w)}; then L = Σ c_j·out_j, "
                f"c = {_vector(self.c)}")


@dataclass(frozen=True)
class AttentionCase:
    """One head's queries, keys and values (T rows of d each) and the loss's weights c
    (T rows of d): L = Σ c[t][j]·out[t][j]."""

    q: Matrix
    k: Matrix
    v: Matrix
    c: Matrix

    def size(self) -> tuple[int, int]:
        """Its positions, then the features of each."""
        return (len(self.q), len(self.q[0]) if self.q else 0)

    def __str__(self) -> str:
        return (f"q = {_matrix(self.q)}\nk = {_matrix(self.k)}\nv = {_matrix(self.v)}\n"
                f"then L = Σ c[t][j]·out[t][j], c = {_matrix(self.c)}")


@dataclass(frozen=True)
class BlockCase:
    """A sequence x (T rows of D), a block's weights by name, its number of heads and the
    loss's weights c (T rows of D)."""

    x: Matrix
    weights: Weights
    n_head: int
    c: Matrix

    def __str__(self) -> str:
        return (f"x = {_matrix(self.x)}, n_head = {self.n_head}\n{_weights(self.weights)}\n"
                f"then L = Σ c[t][j]·out[t][j], c = {_matrix(self.c)}")


@dataclass(frozen=True)
class GptCase:
    """A model's weights by name (microgpt's state_dict), tokens, the number of heads and
    the loss's weights c (one row of vocabulary size per token)."""

    weights: Weights
    tokens: tuple[int, ...]
    n_head: int
    c: Matrix

    def size(self) -> tuple[int, int, int, int, int]:
        """Its tokens, layers, heads, features, then the size of its vocabulary."""
        wte = dict(self.weights)["wte"]
        layers = sum(name.endswith("attn_wq") for name, _ in self.weights)
        return (len(self.tokens), layers, self.n_head, len(wte[0]) if wte else 0, len(wte))

    def __str__(self) -> str:
        return (f"tokens = {list(self.tokens)}, n_head = {self.n_head}\n"
                f"{_weights(self.weights)}\nthen L = Σ c[t][j]·logits[t][j], "
                f"c = {_matrix(self.c)}")


@dataclass(frozen=True)
class AdamCase:
    """Parameters (their data and grad), Adam's moments m and v, the step t (from 1) and
    the hyperparameters."""

    data: Vector
    grads: Vector
    m: Vector
    v: Vector
    t: int
    lr: float
    beta1: float
    beta2: float
    eps: float = 1e-8

    @property
    def defaults(self) -> bool:
        """Whether the hyperparameters are microgpt's, left to the function's defaults."""
        return (self.beta1, self.beta2, self.eps) == DEFAULTS

    def size(self) -> tuple[int, int]:
        """The step t (the first, t = 1, is the smallest), then how many parameters."""
        return (self.t, len(self.data))

    def __str__(self) -> str:
        ps = ", ".join(f"p{i}: data {d:g}, grad {g:g}"
                       for i, (d, g) in enumerate(zip(self.data, self.grads)))
        call = (f"adam(params, m, v, t={self.t}, lr={self.lr:g})  (beta1, beta2 and eps left "
                "to their defaults)" if self.defaults else
                f"adam(params, m, v, t={self.t}, lr={self.lr:g}, beta1={self.beta1:g}, "
                f"beta2={self.beta2:g}, eps={self.eps:g})")
        return f"{ps}; m = {_vector(self.m)}, v = {_vector(self.v)}\n{call}"


@dataclass(frozen=True)
class TrainCase:
    """A model's weights, two names as tokens (one training step on each, t = 1 then 2,
    with the same m and v), the number of heads and the learning rate."""

    weights: Weights
    names: tuple[tuple[int, ...], ...]
    n_head: int
    lr: float

    def size(self) -> tuple[int, int, int]:
        """Its heads, then the tokens of its names, then its features: two names of one
        letter each ([2, 0, 2], [2, 1, 2]) with one head of 2 features is the smallest, and
        one head comes before two (issue 66: the losses summed were shown on two heads,
        where one head and names of one and two letters show them)."""
        return (self.n_head, sum(len(n) for n in self.names), len(self.weights[0][1][0]))

    def __str__(self) -> str:
        steps = "; ".join(f"step {t}: tokens {list(n)}" for t, n in enumerate(self.names, 1))
        return (f"n_head = {self.n_head}, lr = {self.lr:g}, m and v all 0 at first; "
                f"{steps}\n{_weights(self.weights)}")


# ----------------------------------------------------------------------------- running a stage


def _nodes(node: type, xs: Sequence[float]) -> list[Any]:
    return [node(float(x)) for x in xs]


def _rows(node: type, m: Matrix) -> list[list[Any]]:
    return [_nodes(node, row) for row in m]


def _model(node: type, weights: Weights) -> dict[str, list[list[Any]]]:
    return {name: _rows(node, m) for name, m in weights}


def _outputs(got: Any, node: type, count: int, what: str) -> list[Any]:
    """``got`` as a list of ``count`` nodes of class ``node``, or an AnswerError saying
    what it is instead."""
    if got is None:
        raise AnswerError(f"{what} is None: the function returned nothing (a missing "
                          "`return`?)")
    values = f"{count} Value{'s' * (count != 1)}"
    if _is_node(got, node):  # (not a Value's repr, which names a class of the grader's)
        raise AnswerError(f"{what} should be a list of {values}, got one Value (data "
                          f"{getattr(got, 'data', None)!r:.30}): one per row, in a list")
    try:
        items = list(got)
    except TypeError:
        raise AnswerError(f"{what} should be a list of {values}, got {got!r:.60}"
                          ) from None
    if len(items) != count:
        raise AnswerError(f"{what} should be a list of {values}, got {len(items)}")
    for item in items:
        if type(item) is int and item == 0:  # (the nodes hold floats: no .data gives 0)
            raise AnswerError(f"{what} holds the number 0, not a Value: {EMPTY_SUM} (sum() "
                              "of no terms is 0). Does a loop leave entries out "
                              "(range(len(x) - 1) or range(1, len(x)): one short, and empty "
                              "for one entry; range(t) in a loop over t: empty at t = 0)? "
                              "range(len(x)) goes over them all.")
        if isinstance(item, numbers.Real) and not isinstance(item, bool):
            raise AnswerError(f"{what} holds the number {item!r}, not a Value: {CUT}")
        if not _is_node(item, node):
            raise AnswerError(f"{what} holds {item!r:.60}, not a Value")
    return items


def _is_node(x: Any, node: type) -> bool:
    """A node of the class the case was built with, or of another class of nodes (the
    learner's own ``Value``, made in a stage graded on the reference's nodes): something
    with a ``data``, a ``grad`` and a ``backward()``."""
    return isinstance(x, node) or (hasattr(x, "data") and hasattr(x, "grad")
                                   and callable(getattr(x, "backward", None)))


def _table(got: Any, node: type, rows: int, cols: int, what: str) -> list[list[Any]]:
    """``got`` as ``rows`` lists of ``cols`` nodes each."""
    outer = _outputs_any(got, rows, what)
    return [_outputs(row, node, cols, f"{what}[{i}]") for i, row in enumerate(outer)]


def _outputs_any(got: Any, count: int, what: str) -> list[Any]:
    if got is None:
        raise AnswerError(f"{what} is None: the function returned nothing (a missing "
                          "`return`?)")
    try:
        items = list(got)
    except TypeError:
        raise AnswerError(f"{what} should be a list of {count} lists, got {got!r:.60}"
                          ) from None
    if len(items) != count:
        raise AnswerError(f"{what} should be a list of {count} lists (one per position), "
                          f"got {len(items)}")
    return items


def _number(x: Any, what: str) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise AnswerError(f"{what} became {x!r:.60}, not a number")
    return float(x)


def _data(nodes: Sequence[Any], what: str) -> Numbers:
    return Numbers(_number(n.data, f"{what}.data") for n in nodes)


def _grads(nodes: Sequence[Any], what: str) -> Numbers:
    return Numbers(_number(n.grad, f"{what}.grad") for n in nodes)


def _backward_of(outputs: Sequence[Any], weights: Sequence[float]) -> None:
    """``backward()`` on L = Σ c_i·out_i, built with the nodes' own operators."""
    loss = outputs[0] * weights[0]
    for out, c in zip(outputs[1:], weights[1:]):
        loss = loss + out * c
    loss.backward()


def _flat(m: Sequence[Sequence[Any]]) -> list[Any]:
    return [x for row in m for x in row]


def _on_a_vector(stage: str, inputs: str) -> Callable[[Callable[..., Any], VectorCase, type],
                                                   tuple[Any, ...]]:
    """The call of a stage of one vector to as many outputs (softmax, rmsnorm): the outputs'
    numbers and the inputs' gradients (named ``inputs`` in an answer's complaint)."""
    def call(solution: Callable[..., Any], case: VectorCase, node: type) -> tuple[Any, ...]:
        x = _nodes(node, case.x)
        out = _outputs(solution(x), node, len(x), f"{stage}'s result")
        data = _data(out, "out")
        _backward_of(out, case.c)
        return (data, _grads(x, inputs))

    return call


call_softmax, call_rmsnorm = _on_a_vector("softmax", "logits"), _on_a_vector("rmsnorm", "x")


def call_nll(solution: Callable[..., Any], case: TargetCase, node: Any) -> tuple[Any, ...]:
    logits = _nodes(node, case.logits)
    loss: Any = solution(logits, case.target)
    if isinstance(loss, numbers.Real) and not isinstance(loss, bool):
        raise AnswerError(f"the loss is the number {loss!r}, not a Value: {CUT}")
    if not _is_node(loss, node):
        raise AnswerError(f"the loss should be one Value, got {loss!r:.60}")
    value = _number(loss.data, "loss.data")
    loss.backward()
    return (value, _grads(logits, "logits"))


def call_linear(solution: Callable[..., Any], case: LinearCase, node: type
                ) -> tuple[Any, ...]:
    x, w = _nodes(node, case.x), _rows(node, case.w)
    out = _outputs(solution(x, w), node, len(w), "linear's result")
    data = _data(out, "out")
    _backward_of(out, case.c)
    return (data, _grads(x, "x"), _grads(_flat(w), "w"))


def call_attention(solution: Callable[..., Any], case: AttentionCase, node: type
                   ) -> tuple[Any, ...]:
    q, k, v = _rows(node, case.q), _rows(node, case.k), _rows(node, case.v)
    out = _table(solution(q, k, v), node, len(q), len(case.v[0]), "attention's result")
    data = _data(_flat(out), "out")
    _backward_of(_flat(out), _flat(case.c))
    return (data, _grads(_flat(q), "q"), _grads(_flat(k), "k"), _grads(_flat(v), "v"))


def call_block(solution: Callable[..., Any], case: BlockCase, node: type) -> tuple[Any, ...]:
    x, p = _rows(node, case.x), _model(node, case.weights)
    out = _table(solution(x, p, case.n_head), node, len(x), len(case.x[0]), "block's result")
    data = _data(_flat(out), "out")
    _backward_of(_flat(out), _flat(case.c))
    weights = [w for m in p.values() for w in _flat(m)]
    return (data, _grads(_flat(x), "x"), _grads(weights, "weights"))


def call_gpt(solution: Callable[..., Any], case: GptCase, node: type) -> tuple[Any, ...]:
    model = _model(node, case.weights)
    vocab = len(case.weights[0][1])
    logits = _table(solution(model, list(case.tokens), case.n_head), node, len(case.tokens),
                    vocab, "gpt's result")
    data = _data(_flat(logits), "logits")
    _backward_of(_flat(logits), _flat(case.c))
    weights = [w for m in model.values() for w in _flat(m)]
    return (data, _grads(weights, "weights"))


def call_adam(solution: Callable[..., Any], case: AdamCase, node: type) -> tuple[Any, ...]:
    params = _nodes(node, case.data)
    for p, g in zip(params, case.grads):
        p.grad = g
    m, v = list(case.m), list(case.v)
    if case.defaults:  # (train_step calls it so: its defaults must be microgpt's)
        solution(params, m, v, case.t, case.lr)
    else:
        solution(params, m, v, case.t, case.lr, case.beta1, case.beta2, case.eps)
    return (_data(params, "p"), Numbers(_number(x, "m[i]") for x in m),
            Numbers(_number(x, "v[i]") for x in v))


def call_train(solution: Callable[..., Any], case: TrainCase, node: type) -> tuple[Any, ...]:
    model = _model(node, case.weights)
    size = sum(len(row) for m in model.values() for row in m)
    m, v = [0.0] * size, [0.0] * size
    losses = []
    for t, tokens in enumerate(case.names, 1):
        loss = solution(model, list(tokens), case.n_head, m, v, t, case.lr)
        if _is_node(loss, node):  # (not a Value's repr, which names a class of the grader's)
            raise AnswerError(f"train_step should {LOSS_VALUE} (data "
                              f"{getattr(loss, 'data', None)!r:.30}): return loss.data")
        if not isinstance(loss, numbers.Real) or isinstance(loss, bool):
            raise AnswerError(f"train_step should return the loss as a number (loss.data), "
                              f"got {loss!r:.60}")
        losses.append(float(loss))
    weights = [w for mat in model.values() for w in _flat(mat)]
    return (Numbers(losses), _data(weights, "weights"))


GPT_CALLS: dict[str, Callable[[Callable[..., Any], Any, type], tuple[Any, ...]]] = {
    "gpt_linear": call_linear, "gpt_softmax": call_softmax, "gpt_nll": call_nll,
    "gpt_rmsnorm": call_rmsnorm, "gpt_attention": call_attention, "gpt_block": call_block,
    "gpt_gpt": call_gpt, "gpt_adam": call_adam, "gpt_train": call_train,
}
"""How each stage of the track is run, by the kind of its ``Call``; each gets the class of
the nodes to build (``node``) besides the solution and the case."""

CASES = (VectorCase, TargetCase, LinearCase, AttentionCase, BlockCase, GptCase, AdamCase,
         TrainCase)
"""The cases that cross between the processes as data (``wire.py``)."""
