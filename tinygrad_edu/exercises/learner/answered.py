"""Earlier stages of a track, answered by the grader: what a learner's later stage calls where
their own earlier stage has not passed (or is not there), so that one mistake does not sink
the stages after it, and no reference's code ever enters the learner's process.

Two kinds, made in the learner's process from data alone:

- ``answered_node(ask)``: a node class for a stage whose learner's ``Value`` has not passed.
  Its nodes compute their numbers (the forward pass: ``a * b`` is ``a.data * b.data``) and
  remember how they were made, but not their local derivatives: ``backward()`` sends the
  whole graph (every node's operation, operands and current grad) to the grader, which
  runs the track's own backward on it and sends every node's new grad back.
- ``answered_call(name, ask, node)``: a function of an earlier stage (``softmax``,
  ``linear``, ...). It sends the numbers of its arguments (and which of them are nodes)
  to the grader, which runs the stage's reference on them and sends back the outputs'
  numbers with their local derivatives towards every input node (a row of the Jacobian);
  each output is then one node of the class ``node``, made from those inputs with those
  local derivatives, so that gradients flow through it as through the learner's own.
  Lists of plain numbers given to it (Adam's moments) are updated in place, and so are the
  inputs' ``data``.

``ask(message)`` sends a question to the grader and returns its reply (``serve.py``).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

__all__ = ["answered_call", "answered_node"]

Ask = Callable[[dict[str, Any]], dict[str, Any]]


def answered_node(ask: Ask) -> type:
    """The grader's node class, as a learner's stage uses it (see the module's docstring)."""
    made = itertools.count()

    class Value:
        """A node whose gradients the grader works out: see ``answered.py``."""

        __slots__ = ("_children", "_local_grads", "_made", "_op", "data", "grad")

        def __init__(self, data: float, children: tuple[Any, ...] = (),
                     local_grads: tuple[float, ...] = (), op: Any = None) -> None:
            self.data = data
            self.grad: float = 0
            self._children = tuple(children)
            self._local_grads = tuple(local_grads)  # (given by whoever made a node by hand)
            self._op = op
            self._made = next(made)

        def __add__(self, other: Any) -> Value:
            other = other if isinstance(other, Value) else Value(other)
            return Value(self.data + other.data, (self, other), op={"op": "+"})

        def __mul__(self, other: Any) -> Value:
            other = other if isinstance(other, Value) else Value(other)
            return Value(self.data * other.data, (self, other), op={"op": "*"})

        def __pow__(self, k: float) -> Value:
            return Value(self.data**k, (self,), op={"op": "**", "k": k})

        def log(self) -> Value:
            return Value(math.log(self.data), (self,), op={"op": "log"})

        def exp(self) -> Value:
            return Value(math.exp(self.data), (self,), op={"op": "exp"})

        def relu(self) -> Value:
            return Value(max(0, self.data), (self,), op={"op": "relu"})

        def __neg__(self) -> Value: return self * -1
        def __radd__(self, other: Any) -> Value: return self + other
        def __sub__(self, other: Any) -> Value: return self + (-other)
        def __rsub__(self, other: Any) -> Value: return other + (-self)
        def __rmul__(self, other: Any) -> Value: return self * other
        def __truediv__(self, other: Any) -> Value: return self * other**-1
        def __rtruediv__(self, other: Any) -> Value: return other * self**-1

        def backward(self) -> None:
            """Every node's grad, as the track's backward leaves it, from the grader."""
            nodes, seen, todo = [], set(), [self]
            while todo:  # (every node this one was made from, in any order)
                node = todo.pop()
                if id(node) not in seen:
                    seen.add(id(node))
                    nodes.append(node)
                    todo.extend(node._children)
            nodes.sort(key=lambda node: node._made)  # (made after what it was made from)
            index = {id(node): k for k, node in enumerate(nodes)}
            reply = ask({"kind": "backward", "root": index[id(self)], "nodes": [
                [_number(n.data), _number(n.grad), [index[id(c)] for c in n._children],
                 n._op if n._op is not None else {"local": [_number(g) for g in n._local_grads]}]
                for n in nodes]})
            for node, grad in zip(nodes, _numbers(reply, "grads", len(nodes))):
                node.grad = grad

        def __repr__(self) -> str:
            return f"Value(data={self.data}, grad={self.grad})"

    return Value


def answered_call(name: str, ask: Ask, node: type) -> Callable[..., Any]:
    """The grader's ``name`` (an earlier stage), as a learner's stage calls it (see the
    module's docstring); its outputs are nodes of the class ``node``."""

    def call(*args: Any, **kwargs: Any) -> Any:
        leaves: list[Any] = []
        index: dict[int, int] = {}

        def sent(x: Any) -> Any:
            if isinstance(x, node):
                if id(x) not in index:
                    index[id(x)] = len(leaves)
                    leaves.append(x)
                return {"node": index[id(x)]}
            if isinstance(x, (list, tuple)):
                return {"list" if isinstance(x, list) else "tuple": [sent(v) for v in x]}
            if isinstance(x, dict):
                return {"dict": [[str(k), sent(v)] for k, v in x.items()]}
            if x is None or isinstance(x, (bool, int, float, str)):
                return x
            raise TypeError(f"{name} (the grader's, standing in for yours) takes Values, "
                            f"numbers and lists of them, not {type(x).__name__}")

        question = {"kind": "call", "name": name, "args": sent(list(args)),
                    "kwargs": {k: sent(v) for k, v in kwargs.items()}}
        question["leaves"] = [[_number(v.data), _number(v.grad)] for v in leaves]
        reply = ask(question)
        for leaf, data in zip(leaves, _numbers(reply, "data", len(leaves))):
            if data != leaf.data:
                leaf.data = data
        _update_lists(list(args), reply.get("args"))
        outputs = []
        for data, row in reply.get("outputs", []):
            pairs = [(leaves[int(k)], float(g)) for k, g in row]
            outputs.append(node(float(data), tuple(p for p, _ in pairs),
                                tuple(g for _, g in pairs)))
        return _built(reply.get("result"), outputs, leaves)

    call.__name__ = call.__qualname__ = name
    return call


def _number(x: Any) -> float:
    return float(x)


def _numbers(reply: dict[str, Any], key: str, count: int) -> list[float]:
    """The grader's reply's list of ``count`` numbers ``key``; raises what the grader's
    stage raised (an OverflowError of exp, a ValueError of log...)."""
    if "error" in reply:
        import builtins

        kind = getattr(builtins, str(reply["error"]), None)
        if not (isinstance(kind, type) and issubclass(kind, Exception)):
            kind = RuntimeError
        raise kind(str(reply.get("message", "")))
    values = reply.get(key)
    if not isinstance(values, list) or len(values) != count:
        raise RuntimeError(f"the grader's answer is not what was asked: {str(reply)[:200]}")
    return [float(v) for v in values]


def _update_lists(given: Any, now: Any) -> None:
    """Lists of plain numbers among the arguments, updated in place to what they hold after
    the grader's stage ran (Adam's moments m and v)."""
    if isinstance(given, list) and isinstance(now, list) and len(given) == len(now):
        if given and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                         for v in given) and all(isinstance(v, (int, float)) for v in now):
            given[:] = now
            return
        for g, n in zip(given, now):
            _update_lists(g, n)


def _built(shape: Any, outputs: list[Any], leaves: list[Any]) -> Any:
    """The grader's result, its nodes made here (``{"out": k}``, or an input node itself:
    ``{"node": k}``)."""
    if isinstance(shape, dict):
        if "out" in shape:
            return outputs[int(shape["out"])]
        if "node" in shape:
            return leaves[int(shape["node"])]
        if "list" in shape:
            return [_built(v, outputs, leaves) for v in shape["list"]]
        if "tuple" in shape:
            return tuple(_built(v, outputs, leaves) for v in shape["tuple"])
        if "dict" in shape:
            return {str(k): _built(v, outputs, leaves) for k, v in shape["dict"]}
    return shape
