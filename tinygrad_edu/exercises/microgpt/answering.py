"""The grader's side of the earlier stages a learner's later stage calls where theirs has not
passed (``learner/answered.py`` is the learner's side): the track's references run here, in
the grader's process, on the numbers the learner's process sends, and only numbers go back.

``answer(question)`` answers one question:

- ``"backward"``: a graph of the grader's node class (each node's number, grad, operands and
  operation, or the local derivatives it was made with by hand): rebuilt with the
  reference's ``Value`` (each operation run again, so each local derivative is the
  reference's), ``backward()`` run from the root, every node's grad sent back;
- ``"call"``: an earlier stage by name, its arguments (numbers, lists, the inputs' numbers
  and grads): the reference run on the reference's nodes, and sent back are the outputs'
  numbers, each with its local derivatives towards the inputs (one row of the Jacobian,
  each found by a backward pass from that output), the inputs' numbers and the arguments'
  lists afterwards (Adam changes them in place), and where the nodes are in the result.

What the reference raises (exp's OverflowError, log's ValueError) goes back as its class's
name and message. A question that is not one (not of this shape) is refused. The grader's
work on a question is bounded whatever the learner's process asks, before anything runs and
while it runs: a question of more than ``LARGEST`` parts (every value it holds: each list,
each of its items, each reference to a node, however many times the same node is named) is
not read any further, and is the process's problem (``"oversized"``: its grader stops it and
the exercise fails); a stage that would make more than ``MADE`` nodes (attention's work
grows as the square of its sequence), or backward passes that would visit more than
``WORK`` nodes, are refused.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

from tinygrad_edu.exercises.microgpt import reference as R

__all__ = ["LARGEST", "MADE", "WORK", "answer"]

LARGEST = 200_000
"""The most parts a question may hold (every value in it: the track's largest question, a
GPT's graph for its node class, holds under 40,000)."""
MADE = 200_000
"""The most nodes the references may make answering one question (a stage of the track's
cases makes under 5,000)."""
WORK = 2_000_000
"""The most nodes the backward passes of one question may visit, all outputs together (a
stage of the track's cases visits under 100,000)."""


class Refused(ValueError):
    """A question that is not one the learner's side of ``answered.py`` asks."""


class Oversized(Refused):
    """A question too large to read: the process that asked it is stopped."""


_LEFT = [0]
"""How many nodes the question being answered may still make (``_Node``)."""


class _Node(R.Value):
    """The reference's node, counted: the question being answered may make ``MADE``."""

    __slots__ = ()

    def __init__(self, data: float, children: tuple[Any, ...] = (),
                 local_grads: tuple[float, ...] = ()) -> None:
        _LEFT[0] -= 1
        if _LEFT[0] < 0:
            raise Refused(f"a question whose answer makes more than {MADE} nodes")
        self.data = data  # (as the reference's ``__init__``, without its call: this runs for
        self.grad: float = 0  # every node the references make)
        self._children = children
        self._local_grads = local_grads


_COUNTED: dict[str, Any] = dict(vars(R))
"""The references' module as the stages answered here see it: its ``Value`` is ``_Node``,
and each stage calls the others in it (their code is the references', run with these
names)."""


def _counted(function: Any) -> Any:
    return types.FunctionType(function.__code__, _COUNTED, function.__name__,
                              function.__defaults__, function.__closure__)


for _name, _method in vars(R.Value).items():  # (the operations make ``_Node``s)
    if isinstance(_method, types.FunctionType) and _name != "__init__":
        setattr(_Node, _name, _counted(_method))
CALLS: dict[str, Callable[..., Any]] = {
    name: _counted(getattr(R, name)) for name in (
        "linear", "softmax", "nll", "rmsnorm", "attention", "block", "gpt", "adam",
        "train_step")}
"""The stages that can be answered, by the name the learner's code calls (the references,
their nodes counted)."""
_COUNTED.update(CALLS, Value=_Node)


def answer(question: dict[str, Any]) -> dict[str, Any]:
    """The reply to one question of the learner's process (see the module's docstring)."""
    try:
        _parts(question)
        _LEFT[0] = MADE
        if question.get("kind") == "backward":
            return _backward(question)
        if question.get("kind") == "call":
            return _call(question)
        raise Refused(f"no such question: {str(question.get('kind'))[:40]}")
    except Oversized as oversized:
        return {"refused": str(oversized), "oversized": True}
    except Refused as refused:
        return {"refused": str(refused)}
    except (ArithmeticError, ValueError, TypeError, IndexError, KeyError,
            ZeroDivisionError) as error:  # (the reference's own error, as it raised it)
        return {"error": type(error).__name__, "message": str(error)[:500]}


def _parts(question: Any) -> int:
    """How many parts ``question`` holds (every value in it, and every key, counted one by
    one, without recursion); ``Oversized`` past ``LARGEST``, before anything else is read."""
    count, todo = 0, [question]
    while todo:
        part = todo.pop()
        count += 1
        if isinstance(part, dict):
            count += len(part)  # (its keys)
            todo.extend(part.values())
        elif isinstance(part, (list, tuple)):
            todo.extend(part)
        if count > LARGEST:
            raise Oversized(f"a question of more than {LARGEST} parts")
    return count


def _backward(question: dict[str, Any]) -> dict[str, Any]:
    rows = _list(question.get("nodes"))
    nodes: list[R.Value] = []
    for data, grad, children, how in rows:
        made = [nodes[_index(c, len(nodes))] for c in _list(children)]
        node = _rebuilt(float(data), made, how)
        node.grad = float(grad)
        nodes.append(node)
    nodes[_index(question.get("root"), len(nodes))].backward()
    return {"grads": [node.grad for node in nodes]}


def _rebuilt(data: float, children: list[R.Value], how: Any) -> R.Value:
    """One node of the learner's graph as the reference makes it: its operation run again on
    the reference's nodes (a node made by hand keeps the local derivatives it was given)."""
    if not isinstance(how, dict):
        raise Refused("a node without its operation")
    op = how.get("op")
    if "local" in how:
        return _Node(data, tuple(children), tuple(float(g) for g in _list(how["local"])))
    if op in ("+", "*") and len(children) == 2:
        return children[0] + children[1] if op == "+" else children[0] * children[1]
    if op == "**" and len(children) == 1:
        return children[0] ** float(how["k"])
    if op in ("log", "exp", "relu") and len(children) == 1:
        return getattr(children[0], str(op))()
    raise Refused(f"no such operation: {str(op)[:20]}")


def _call(question: dict[str, Any]) -> dict[str, Any]:
    stage = CALLS.get(str(question.get("name")))
    if stage is None:
        raise Refused(f"no such stage: {str(question.get('name'))[:40]}")
    given = _list(question.get("leaves"))
    leaves: list[R.Value] = []
    for data, grad in given:
        leaf = _Node(float(data))
        leaf.grad = float(grad)
        leaves.append(leaf)
    args = _taken(question.get("args"), leaves)
    kwargs = {str(k): _taken(v, leaves) for k, v in dict(question.get("kwargs") or {}).items()}
    result = stage(*args, **kwargs)
    outputs: list[R.Value] = []
    shape = _shape(result, outputs, {id(leaf): k for k, leaf in enumerate(leaves)})
    data = [leaf.data for leaf in leaves]
    rows = _jacobian(outputs, leaves)
    return {"result": shape, "outputs": [[out.data, row] for out, row in zip(outputs, rows)],
            "data": data, "args": _plain(args)}


def _taken(x: Any, leaves: list[R.Value]) -> Any:
    """An argument as the learner's side sent it, its nodes the reference's."""
    if isinstance(x, dict):
        if "node" in x:
            return leaves[_index(x["node"], len(leaves))]
        if "list" in x:
            return [_taken(v, leaves) for v in _list(x["list"])]
        if "tuple" in x:
            return tuple(_taken(v, leaves) for v in _list(x["tuple"]))
        if "dict" in x:
            return {str(k): _taken(v, leaves) for k, v in _list(x["dict"])}
        raise Refused("an argument that is not one")
    if x is None or isinstance(x, (bool, int, float, str)):
        return x
    if isinstance(x, list):
        raise Refused("a list sent without its tag")
    raise Refused("an argument that is not one")


def _shape(x: Any, outputs: list[R.Value], inputs: dict[int, int]) -> Any:
    """The result, its nodes replaced by where they are: an input (``{"node": k}``) or an
    output (``{"out": k}``, appended to ``outputs``)."""
    if isinstance(x, R.Value):
        if id(x) in inputs:
            return {"node": inputs[id(x)]}
        outputs.append(x)
        return {"out": len(outputs) - 1}
    if isinstance(x, list):
        return {"list": [_shape(v, outputs, inputs) for v in x]}
    if isinstance(x, tuple):
        return {"tuple": [_shape(v, outputs, inputs) for v in x]}
    if isinstance(x, dict):
        return {"dict": [[str(k), _shape(v, outputs, inputs)] for k, v in x.items()]}
    return x


def _plain(x: Any) -> Any:
    """The arguments after the call, their lists of numbers as they now are."""
    if isinstance(x, R.Value):
        return None
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, dict):
        return None
    return x


def _jacobian(outputs: list[R.Value], leaves: list[R.Value]) -> list[list[list[float]]]:
    """Per output, its local derivatives towards the inputs it depends on, as (input's
    index, derivative): the reference's ``backward()`` from each output, every grad below it
    first set to 0."""
    index = {id(leaf): k for k, leaf in enumerate(leaves)}
    rows, work = [], 0
    for out in outputs:
        below, seen, todo = [], set(), [out]
        while todo:
            node = todo.pop()
            if id(node) not in seen:
                seen.add(id(node))
                below.append(node)
                todo.extend(node._children)
        work += len(below)
        if work > WORK:
            raise Refused(f"a question of more than {WORK} steps of backward")
        for node in below:
            node.grad = 0
        out.backward()
        rows.append([[index[id(node)], float(node.grad)] for node in below
                     if id(node) in index and node.grad != 0])
    return rows


def _list(x: Any) -> list[Any]:
    if not isinstance(x, list):
        raise Refused("a list was expected")
    return x


def _index(x: Any, size: int) -> int:
    if not isinstance(x, int) or isinstance(x, bool) or not 0 <= x < size:
        raise Refused("an index that is not one")
    return x
