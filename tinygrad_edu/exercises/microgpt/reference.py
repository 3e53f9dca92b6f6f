"""The references of the microgpt track: each stage's answer, as a learner writes it.

Every stage is written the way microgpt writes a GPT, one scalar at a time: a ``Value``
holds a number, its gradient, the nodes it was made from (``_children``) and the local
derivative towards each (``_local_grads``), and every layer is Python ``sum``s of
products of Values. The grader computes each stage's expected answer with these.

Each definition stands alone (only ``math`` besides) and calls the other stages by name.
They run in the grader's process only: where a learner's earlier stage did not pass, the
grader answers for it with these (``answering.py``), and the learner's later stages call
that as they would have called their own. The mistakes' models are made from their source
(``source_of``).
"""

from __future__ import annotations

import functools
import inspect
import math
from typing import Any

__all__ = ["Value", "adam", "attention", "block", "gpt", "linear", "nll", "rmsnorm",
           "softmax", "source_of", "train_step"]


class Value:
    """A number in a computation: ``data``, ``grad`` (0 until ``backward``), the nodes it was
    made from and the local derivative of it with respect to each."""

    __slots__ = ("_children", "_local_grads", "data", "grad")

    def __init__(self, data: float, children: tuple[Any, ...] = (),
                 local_grads: tuple[float, ...] = ()) -> None:
        self.data = data
        self.grad: float = 0
        self._children = children
        self._local_grads = local_grads

    def __add__(self, other: Any) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, (self, other), (1, 1))

    def __mul__(self, other: Any) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, (self, other), (other.data, self.data))

    def __pow__(self, k: float) -> Value:
        return Value(self.data**k, (self,), (k * self.data ** (k - 1),))

    def log(self) -> Value:
        return Value(math.log(self.data), (self,), (1 / self.data,))

    def exp(self) -> Value:
        e = math.exp(self.data)
        return Value(e, (self,), (e,))

    def relu(self) -> Value:
        return Value(max(0, self.data), (self,), (float(self.data > 0),))

    def __neg__(self) -> Value: return self * -1
    def __radd__(self, other: Any) -> Value: return self + other
    def __sub__(self, other: Any) -> Value: return self + (-other)
    def __rsub__(self, other: Any) -> Value: return other + (-self)
    def __rmul__(self, other: Any) -> Value: return self * other
    def __truediv__(self, other: Any) -> Value: return self * other**-1
    def __rtruediv__(self, other: Any) -> Value: return other * self**-1

    def backward(self) -> None:
        """d(self)/d(node) into every node's grad: each node after all the nodes made from
        it (a topological order, found without recursion, so any depth works)."""
        order, seen, todo = [], set(), [(self, False)]
        while todo:
            node, finished = todo.pop()
            if finished:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                todo.append((node, True))
                todo.extend((child, False) for child in node._children)
        self.grad = 1
        for node in reversed(order):
            for child, local in zip(node._children, node._local_grads):
                child.grad += local * node.grad

    def __repr__(self) -> str:  # (as the grader's node in a learner's process says it:
        return f"Value(data={self.data}, grad={self.grad})"  # learner/answered.py)


def linear(x: list[Any], w: list[list[Any]]) -> list[Any]:
    """w·x: one weighted sum of x per row of w."""
    return [sum(wi * xi for wi, xi in zip(row, x)) for row in w]


def softmax(logits: list[Any]) -> list[Any]:
    """Probabilities from logits; the largest is subtracted first (a number, not a node:
    softmax does not change), so that no exp overflows."""
    top = max(v.data for v in logits)
    exps = [(v - top).exp() for v in logits]
    total = sum(exps)
    return [e / total for e in exps]


def nll(logits: list[Any], target: int) -> Any:
    """The negative log-likelihood of the target token: -log softmax(logits)[target]."""
    return -softmax(logits)[target].log()


def rmsnorm(x: list[Any]) -> list[Any]:
    """x scaled to a root mean square of 1: x / sqrt(mean(x²) + 1e-5)."""
    scale = (sum(xi * xi for xi in x) / len(x) + 1e-5) ** -0.5
    return [xi * scale for xi in x]


def attention(q: list[list[Any]], k: list[list[Any]], v: list[list[Any]]) -> list[list[Any]]:
    """One causal head: position t weighs the values of positions 0..t by the softmax of
    q[t]·k[s] / sqrt(d)."""
    d = len(q[0])
    out = []
    for t in range(len(q)):
        scores = [sum(a * b for a, b in zip(q[t], k[s])) / math.sqrt(d) for s in range(t + 1)]
        weights = softmax(scores)
        out.append([sum(weights[s] * v[s][j] for s in range(t + 1)) for j in range(len(v[0]))])
    return out


def block(x: list[list[Any]], p: dict[str, Any], n_head: int) -> list[list[Any]]:
    """A transformer block over a sequence: causal multi-head attention, then a relu MLP,
    each on the rmsnorm of its input and added to it (the residuals)."""
    size = len(x[0]) // n_head
    h = [rmsnorm(xt) for xt in x]
    q = [linear(ht, p["attn_wq"]) for ht in h]
    k = [linear(ht, p["attn_wk"]) for ht in h]
    v = [linear(ht, p["attn_wv"]) for ht in h]
    joined: list[list[Any]] = [[] for _ in x]
    for head in range(n_head):
        part = slice(head * size, (head + 1) * size)
        outs = attention([qt[part] for qt in q], [kt[part] for kt in k], [vt[part] for vt in v])
        for t, out in enumerate(outs):
            joined[t] += out
    x = [[a + b for a, b in zip(xt, linear(jt, p["attn_wo"]))] for xt, jt in zip(x, joined)]
    result = []
    for xt in x:
        hidden = [z.relu() for z in linear(rmsnorm(xt), p["mlp_fc1"])]
        result.append([a + b for a, b in zip(xt, linear(hidden, p["mlp_fc2"]))])
    return result


def gpt(model: dict[str, Any], tokens: list[int], n_head: int) -> list[list[Any]]:
    """The logits of the next token at every position: token and position embeddings added,
    rmsnorm, the blocks layer0, layer1, ..., then lm_head."""
    x = [[a + b for a, b in zip(model["wte"][token], model["wpe"][pos])]
         for pos, token in enumerate(tokens)]
    x = [rmsnorm(xt) for xt in x]
    layer = 0
    while f"layer{layer}.attn_wq" in model:
        prefix = f"layer{layer}."
        p = {name[len(prefix):]: m for name, m in model.items() if name.startswith(prefix)}
        x = block(x, p, n_head)
        layer += 1
    return [linear(xt, model["lm_head"]) for xt in x]


def adam(params: list[Any], m: list[float], v: list[float], t: int, lr: float,
         beta1: float = 0.85, beta2: float = 0.99, eps: float = 1e-8) -> None:
    """Step t (from 1) of Adam: the moments m and v updated in place, bias-corrected, and
    every parameter moved by lr·m̂ / (sqrt(v̂) + eps)."""
    for i, p in enumerate(params):
        m[i] = beta1 * m[i] + (1 - beta1) * p.grad
        v[i] = beta2 * v[i] + (1 - beta2) * p.grad**2
        m_hat = m[i] / (1 - beta1**t)
        v_hat = v[i] / (1 - beta2**t)
        p.data -= lr * m_hat / (v_hat**0.5 + eps)


def train_step(model: dict[str, Any], tokens: list[int], n_head: int, m: list[float],
               v: list[float], t: int, lr: float) -> float:
    """One step of training on one name: the mean loss of predicting each next token,
    backward, Adam, and every gradient back to 0 for the next step. Returns the loss."""
    logits = gpt(model, tokens[:-1], n_head)
    loss = sum(nll(z, target) for z, target in zip(logits, tokens[1:])) * (1 / len(logits))
    loss.backward()
    params = [p for matrix in model.values() for row in matrix for p in row]
    adam(params, m, v, t, lr)
    for p in params:
        p.grad = 0
    return loss.data


@functools.cache
def source_of(definition: Any) -> str:
    """The source of one of the definitions above, ``math`` imported first (the one module
    they use): what a mistake's model is made from, a line changed. (Read once: a class's
    source is found by parsing its whole file.)"""
    return "import math\n\n\n" + inspect.getsource(definition)
