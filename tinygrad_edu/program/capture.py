"""``compile(f)``: a function of Values captured once as a program, then run as one.

The first call runs ``f`` as the engine runs it, and records its graph (the loss's, and of
every Value whose number the code read) as a tape (``tape.py``); later calls run the program
(``program.py``: Python, or native code where a C compiler is found) with the new numbers.
A program is only right while ``f`` would build the same graph, so the capture follows every
plain number that can change from one call to the next (``traced.py``):

- a number given to ``f`` (a float, or a list of them) is an input of the program;
- ``v.data`` read by the code is a number the capture follows: arithmetic on it is a step of
  the program (microgpt's softmax subtracts ``max(v.data for v in logits)``: the program
  takes that max at each run);
- a comparison or a truth test (``if x.data > 0``, ``max``, micrograd's accuracy
  ``scorei.data > 0``) is a guard: the program checks, at each run, that it comes out as it
  did; where it does not, ``f`` is captured again (and that program is cached too);
- a number the capture cannot follow (``math.exp(v.data)``, ``int(...)``, a print) is a
  constant of the program, guarded to be the very same number at each run.

Structure that comes from anything else given to ``f`` (an int, a string, the length of a
list) picks the program: one per structure, cached (``Compiled.programs``). microgpt's
step takes a name's tokens as ints, so each name is a structure of its own: its tokens pick
which rows of the embedding feed the graph, a choice made by Python's list indexing, which no
program here can follow; a program per name is repaid only by a name seen again.

Calling the compiled function returns what ``f`` returns, with each Value replaced by a
``Result`` (its number, ``.data``; ``.backward()`` on the loss adds every leaf's gradient to
its ``.grad``, as ``loss.backward()`` does). Errors are the engine's: a run that fails (a
log of a negative number) runs ``f`` again, as the engine, which raises the engine's error
or takes another branch.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from tinygrad_edu.engine import Value
from tinygrad_edu.program import reading
from tinygrad_edu.program.captured import captured_tape
from tinygrad_edu.program.program import Program
from tinygrad_edu.program.tape import Tape
from tinygrad_edu.program.traced import Recording, Traced, recording, set_recording
from tinygrad_edu.program.watching import watching

__all__ = ["Compiled", "Result", "compile"]

def compile(function: Callable[..., Any], *, native: bool = True,
            programs: int = 8) -> Compiled:
    """``f`` captured as a program (see the module's docstring): ``step = compile(loss_of)``
    then ``loss = step(xs, ys); loss.backward()``. ``native``: run the program as C where a
    compiler is found; ``programs``: how many programs to keep per structure."""
    if not callable(function):
        raise TypeError(f"compile() takes a function of Values, got {function!r}")
    return Compiled(function, native, programs)


class Result:
    """A Value of the compiled function's answer, as a number: ``.data`` (and ``float()``,
    formatting); ``backward()`` on the loss adds every leaf's gradient to its ``.grad``."""

    __slots__ = ("_run", "data", "is_loss")

    def __init__(self, data: float, run: Any, is_loss: bool) -> None:
        self.data, self._run, self.is_loss = data, run, is_loss

    def item(self) -> float:
        return self.data

    def __float__(self) -> float:
        return self.data

    def __format__(self, spec: str) -> str:
        return format(self.data, spec)

    def __repr__(self) -> str:
        return f"Result(data={self.data!r}{', the loss' if self.is_loss else ''})"

    def backward(self, grad: float = 1.0) -> None:
        """Every leaf's gradient of the loss × ``grad``, added to its ``.grad``."""
        if not self.is_loss:
            raise RuntimeError("backward() on a compiled function's answer runs from its loss "
                               "only (the first Value it returns): call it on that one")
        self._run.backward(float(grad))


class _Entry:
    """One captured program, with the Values its leaves are (bound again at each call where
    they were given to the function) and how to read the function's answer."""

    def __init__(self, program: Program, answer: Any, arg_leaves: list[tuple[int, int]]
                 ) -> None:
        self.program, self.answer, self.arg_leaves = program, answer, arg_leaves


class _Run:
    """A call's run of the program: the gradients it found from the loss (each leaf's,
    from 0), added by ``backward()``."""

    def __init__(self, entry: _Entry, leaves: list[Value], numbers: list[float],
                 found: tuple[float, ...]) -> None:
        self.entry, self.leaves, self.numbers, self.found = entry, leaves, numbers, found

    def backward(self, seed: float) -> None:
        grads = [reading.gradient_number(leaf) for leaf in self.leaves]
        if seed == 1.0 and all(g == 0.0 and math.copysign(1.0, g) == 1.0 for g in grads):
            new = self.found  # (from 0.0, as backward() adds them: the very same numbers)
        else:  # (gradients held already, or another seed: the whole program again)
            ran = self.entry.program.function([reading.number_of(v) for v in self.leaves],
                                              grads, self.numbers, seed)
            new = ran[2]
        for leaf, grad in zip(self.leaves, new):
            leaf.grad = grad


class Compiled:
    """A function captured as programs, one per structure of its arguments (see the
    module's docstring). ``captures``: how many times the function ran as the engine;
    ``programs``: the programs kept, by structure; ``last_capture``: why the last one was
    made."""

    def __init__(self, function: Callable[..., Any], native: bool, keep: int) -> None:
        self.function, self.native, self.keep = function, native, keep
        self.programs: dict[Any, list[_Entry]] = {}
        self.captures = 0
        self.runs = 0
        self.last_capture = ""
        self.last: _Entry | None = None
        self.__wrapped__ = function
        self.__name__ = getattr(function, "__name__", "compiled")
        self.__doc__ = getattr(function, "__doc__", None)

    def __repr__(self) -> str:
        count = sum(len(v) for v in self.programs.values())
        return (f"<compiled {self.__name__}: {count} program(s) for {len(self.programs)} "
                f"structure(s), {self.captures} capture(s), {self.runs} run(s) as a program>")

    def program(self) -> Program:
        """The program the last call ran (or captured)."""
        if self.last is None:
            raise RuntimeError(f"{self.__name__} has no program yet: call it once first")
        return self.last.program

    def source(self) -> str:
        """The last call's program as Python (``Program.source``)."""
        return self.program().source()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if recording() is not None:
            raise RuntimeError(f"{self.__name__}: a compiled function called while another "
                               "is being captured; call the function itself there")
        key, numbers, values = _flatten((args, kwargs))
        entries = self.programs.get(key, [])
        for entry in entries[-1:]:  # (the last one that ran: a failed guard captures again)
            ran = self._run(entry, numbers, values)
            if ran is not None:
                self.runs += 1
                self.last = entry
                return ran
        return self._capture(key, args, kwargs, numbers)

    def _run(self, entry: _Entry, numbers: list[float], values: list[Value]) -> Any:
        program = entry.program
        leaves = [leaf for _, leaf in program.tape.leaves]
        for k, at in entry.arg_leaves:
            leaves[k] = values[at]
        try:
            found = program.function([reading.number_of(v) for v in leaves],
                                     [0.0] * len(leaves), numbers, 1.0)
        except (ArithmeticError, ValueError):
            self.last_capture = "a run raised an error: the function runs as the engine"
            return None
        if found is None:
            self.last_capture = "a guard failed"
            return None
        out, outputs, grads = found
        return _answer(entry.answer, out, outputs, _Run(entry, leaves, numbers, grads))

    def _capture(self, key: Any, args: Any, kwargs: Any, numbers: list[float]) -> Any:
        self.captures += 1
        traced_args = _traced((args, kwargs), iter(range(len(numbers))), numbers)
        record = Recording()
        with watching():
            set_recording(record)
            try:
                answer = self.function(*traced_args[0], **traced_args[1])
            finally:
                set_recording(None)
        if record.refused:
            raise RuntimeError(f"{self.__name__} cannot be captured as a program: "
                               f"{record.refused}")
        entry, result = _build(self.__name__, answer, record, len(numbers), (args, kwargs),
                               self.native)
        kept = self.programs.setdefault(key, [])
        kept.append(entry)
        self.last = entry
        del kept[:-self.keep]
        return result


# --------------------------------------------------------------------- the function's inputs
def _flatten(tree: Any) -> tuple[Any, list[float], list[Value]]:
    """A call's arguments: the structure that picks the program (types, lengths, ints,
    strings, objects by identity), the floats in order, the Values in order."""
    numbers: list[float] = []
    values: list[Value] = []

    def key_of(x: Any) -> Any:
        if type(x) is float:
            numbers.append(x)
            return float
        if isinstance(x, Value):
            values.append(x)
            return Value
        if isinstance(x, (list, tuple)):
            return (type(x), tuple(key_of(v) for v in x))
        if isinstance(x, dict):
            return (dict, tuple((k, key_of(v)) for k, v in x.items()))
        if isinstance(x, (bool, int, str, bytes, type(None))):
            return (type(x), x)
        number = _numpy_float(x)
        if number is not None:
            numbers.append(number)
            return float
        shape = getattr(x, "shape", None)
        if shape is not None and hasattr(x, "tolist"):  # (a NumPy array: its entries)
            return ("array", str(getattr(x, "dtype", "")), key_of(x.tolist()))
        return ("object", id(x))

    return key_of(tree), numbers, values


def _numpy_float(x: Any) -> float | None:
    if type(x).__module__ == "numpy" and hasattr(x, "dtype") and x.dtype.kind == "f" and \
            getattr(x, "shape", None) == ():
        return float(x)
    return None


def _traced(tree: Any, counter: Any, numbers: list[float]) -> Any:
    """The arguments as the capture gives them to the function: each float a ``Traced``
    input (NumPy arrays as lists)."""
    if type(tree) is float or _numpy_float(tree) is not None:
        k = next(counter)
        return Traced(numbers[k], ("input", k))
    if isinstance(tree, (list, tuple)) and not isinstance(tree, Value):
        items = [_traced(v, counter, numbers) for v in tree]
        return items if isinstance(tree, list) else type(tree)(items) if type(tree) is tuple \
            else type(tree)(*items)
    if isinstance(tree, dict):
        return {k: _traced(v, counter, numbers) for k, v in tree.items()}
    if getattr(tree, "shape", None) is not None and hasattr(tree, "tolist") and \
            not isinstance(tree, Value) and str(getattr(tree, "dtype", "")).startswith("float"):
        return _traced(tree.tolist(), counter, numbers)
    return tree


# --------------------------------------------------------------------------- the program
def _build(name: str, answer: Any, record: Recording, count: int, given: Any, native: bool
           ) -> tuple[_Entry, Any]:
    """The captured graph as a program, and the first call's answer."""
    found = [v for v in _values_in(answer)]
    if not found:
        raise TypeError(f"{name} returned {answer!r}: a compiled function returns its loss, a "
                        "Value (or a tuple whose first Value is the loss)")
    root = found[0]
    for v in found:
        if reading.made_without_graph(v):
            raise RuntimeError(f"{name} returns a Value made under no_grad(): a program "
                               "cannot recompute it; compute it outside no_grad()")
    tape, arg_leaves, slot_of = captured_tape(root, _outputs_of(answer), record, count,
                                              _flatten(given)[2])
    shape, items = _answer_shape(answer, slot_of, tape)
    if native:  # (C where it can; its Python program is made only where C stops)
        from tinygrad_edu.program.native import native_program

        program: Any = native_program(tape, name)
    else:
        program = Program(tape, name)
    entry = _Entry(program, shape, arg_leaves)
    first = [reading.number_of(x) if isinstance(x, Value) else x.shown() for x in items]
    return entry, _answer(shape, reading.number_of(root), first, _EngineRun(root))


class _EngineRun:
    """The capturing call's answer: the engine's graph, whose backward() is the engine's."""

    def __init__(self, root: Value) -> None:
        self.root = root

    def backward(self, seed: float) -> None:
        self.root.backward(seed)


def _values_in(answer: Any) -> list[Value]:
    return [v for v in _outputs_of(answer) if isinstance(v, Value)]


def _outputs_of(answer: Any) -> list[Any]:
    """The Values and traced numbers in the answer, in order."""
    if isinstance(answer, (Value, Traced)):
        return [answer]
    if isinstance(answer, (list, tuple)):
        return [x for item in answer for x in _outputs_of(item)]
    if isinstance(answer, dict):
        return [x for item in answer.values() for x in _outputs_of(item)]
    return []


def _answer_shape(answer: Any, slot_of: Callable[[Any], int], tape: Tape
                  ) -> tuple[Any, list[Any]]:
    """The answer with each Value or traced number replaced by its place among the
    program's outputs (the loss, its first Value, by ``("loss",)``), and those in order."""
    first = [True]
    items: list[Any] = []

    def shape(x: Any) -> Any:
        if isinstance(x, Value) and first[0]:
            first[0] = False
            return ("loss",)
        if isinstance(x, (Value, Traced)):
            tape.outputs.append(slot_of(x))
            items.append(x)
            return ("output", len(tape.outputs) - 1, isinstance(x, Value))
        if isinstance(x, list):
            return [shape(v) for v in x]
        if isinstance(x, tuple):
            return ("tuple", tuple(shape(v) for v in x))
        if isinstance(x, dict):
            return ("dict", {k: shape(v) for k, v in x.items()})
        return ("plain", x)

    return shape(answer), items


def _answer(shape: Any, out: float, outputs: Any, run: Any) -> Any:
    """The function's answer for one call, from the shape ``_answer_shape`` made."""
    if isinstance(shape, list):
        return [_answer(s, out, outputs, run) for s in shape]
    kind = shape[0]
    if kind == "loss":
        return Result(out, run, True)
    if kind == "output":
        number = outputs[shape[1]]
        return Result(number, run, False) if shape[2] else number
    if kind == "tuple":
        return tuple(_answer(s, out, outputs, run) for s in shape[1])
    if kind == "dict":
        return {k: _answer(s, out, outputs, run) for k, s in shape[1].items()}
    return shape[1]
