"""A program run natively: the tape read by a loop in C (``native.c``), built once per machine
with the C compiler found there and loaded with the standard library's ctypes (``c_build.py``).

``native_program(program)`` packs the program's tape into arrays, once per structure: an op
code per step, its operands' slots, which of them are nodes. Each ``run`` writes the leaves'
numbers (and the number inputs) into the array of numbers, runs the forward and the backward
pass in C, and adds each leaf's gradient to its ``.grad``, as ``Program.run`` does, with the
same numbers bit for bit: the C code computes the same float operations in the same order,
with the same libm functions Python's ``math`` calls, built with no fast-math and no
contraction (``-ffp-contract=off``). Where the engine does something particular at a step
(an error to raise, an infinite or NaN number, a sum that overflows half-way), the C loop
stops there and that call runs the Python program, which gives the engine's numbers or raises
the engine's error; ``fallbacks`` counts those calls. NumPy's numbers (an item of a float64
array given, the bools its comparisons give, the int64 a sum of them gives) are computed as
NumPy does, with C stopping wherever NumPy does something particular (an inf, a NaN, an
underflow): ``numpy_numbers.py``.

Where the program cannot run natively, it runs as Python, and says why in one line (a
``NativeUnavailable`` warning, and ``reason`` in its repr): an op with no C spelling (an op
of your own), no C compiler (set ``CC``, or install ``cc``), a compiler error, or a library
the system refuses to load.
"""

from __future__ import annotations

import builtins
import ctypes
import math
import operator
import os
import re
import sys
import threading
import warnings
from array import array
from collections.abc import Sequence
from typing import Any

from tinygrad_edu import safe_math
from tinygrad_edu.ops import edited, find_op
from tinygrad_edu.program.c_build import IN_A_BROWSER, SOURCE, TEXT, library
from tinygrad_edu.program.captured import copy
from tinygrad_edu.program.number_steps import (
    COMPARED,
    as_float,
    floor_divide,
    fsum,
    is_integer,
    modulo,
    power,
    total,
    total_from,
)
from tinygrad_edu.program.numpy_numbers import (
    double,
    integral,
    numpy_computes,
    numpy_kind,
    numpy_spelled,
    of_numpy,
)
from tinygrad_edu.program.program import Program, still_holds
from tinygrad_edu.program.reading import number_of
from tinygrad_edu.program.tape import NumberStep, Raises, Step, Tape
from tinygrad_edu.row import GivenOp, ListOp, Op

__all__ = ["NativeProgram", "NativeUnavailable", "c_code", "native_program"]

C_NAMES = {"+": "ADD", "-": "SUB", "*": "MUL", "/": "DIV", "**": "POW", "neg": "NEG",
           "exp": "EXP", "log": "LOG", "sqrt": "SQRT", "tanh": "TANH", "sigmoid": "SIGMOID",
           "sin": "SIN", "cos": "COS", "relu": "RELU", "abs": "ABS",
           "leaky_relu": "LEAKY_RELU", "vsum": "VSUM", "dot": "DOT"}
"""The engine's built-in ops that native.c spells, by name: the op's code there."""

NUMBER_NAMES: dict[Any, str] = {
    operator.add: "N_ADD", operator.sub: "N_SUB", operator.mul: "N_MUL",
    operator.truediv: "N_DIV", operator.pow: "N_POW", power: "N_POW", operator.neg: "N_NEG",
    builtins.abs: "N_ABS", builtins.max: "N_MAX", builtins.min: "N_MIN",
    copy: "N_COPY", as_float: "N_COPY", operator.pos: "N_COPY", floor_divide: "N_FLOORDIV",
    modulo: "N_MOD", is_integer: "N_ISINT", total: "N_SUM", total_from: "N_SUM",
    fsum: "N_FSUM",
    math.exp: "N_EXP",
    math.log: "N_LOG", math.sqrt: "N_SQRT", math.tanh: "N_TANH", math.sin: "N_SIN",
    math.cos: "N_COS", math.fabs: "N_FABS",
    **{COMPARED[op]: code for op, code in (("<", "N_LT"), ("<=", "N_LE"), (">", "N_GT"),
                                           (">=", "N_GE"), ("==", "N_EQ"), ("!=", "N_NE"))}}
"""The functions of plain numbers computed from the data (a ``NumberStep``) that native.c
spells: Python's operators on floats (``//`` and ``%`` as CPython computes them), ``abs``,
``max``, ``min``, ``sum`` (as the running Python sums), ``math.fsum``, ``is_integer``, ``math``'s
``exp``, ``log``, ``sqrt``, ``tanh``, ``sin``, ``cos`` and ``fabs``, and a capture's
comparisons as numbers (1.0 where it holds, else 0.0: ``number_steps.COMPARED``). Ints and bools
are computed as doubles, exact below 2**53 (checked after every run)."""

UNARY_NUMBERS = {"N_NEG", "N_ABS", "N_COPY", "N_ISINT", "N_EXP", "N_LOG", "N_SQRT", "N_TANH",
                 "N_SIN", "N_COS", "N_FABS"}
EXACT = 2.0 ** 53  # (an int or a bool computed as a double is exact below this)
NUMPY = 4  # (a step's ``first``: NumPy computes it; C stops where it underflows)
INT = 8  # (a step's ``first``: its number is an int, whose 0 has no sign: C's -0.0 is 0.0)


def _codes(text: str) -> dict[str, int]:
    """native.c's op codes by name, read from its enum (their order is their number)."""
    found = re.search(r"enum\s*\{(.*?)\}", text, re.S)
    if found is None:  # (native.c is in the package: a broken copy)
        raise RuntimeError(f"{SOURCE} has no enum of op codes")
    body = re.sub(r"/\*.*?\*/", "", found.group(1), flags=re.S)
    return {name.strip(): i for i, name in enumerate(body.split(",")) if name.strip()}


CODES = _codes(TEXT)


class NativeUnavailable(UserWarning):
    """A program runs as Python, not natively; the message says why, in one line."""


_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def _callers_level() -> int:
    """The ``stacklevel`` of a warning of the frame that calls this (level 1) that names
    the first line outside the package: the learner's call of a compiled function (which
    captured), of ``native_program`` or of ``fit(compile=True)``, not a line of
    ``capture.py`` (under the default filter a warning is shown once per line)."""
    frame, level = sys._getframe(1), 1
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    return level


# ----------------------------------------------------------------------------- the tape as arrays


def c_codes(tape: Tape) -> list[int | None]:
    """``c_code`` of each step's row, in the tape's order (None for a step of plain
    numbers): each of the engine's rows asked once (a tape of the demo step has 65,077
    steps of 3 rows; a row is its own key, as no ``id()`` is: each ``id()`` is an audit event
    a capture's hook hears), a row of a class of one's own at each step."""
    known: dict[Any, int | None] = {}
    found: list[int | None] = []
    for step in tape.steps:
        if not isinstance(step, Step):
            found.append(None)
        elif type(step.row) not in _ROWS:
            found.append(c_code(step.row))
        else:
            code = known.get(step.row, _ROWS)
            if code is _ROWS:
                code = known[step.row] = c_code(step.row)
            found.append(code)  # type: ignore[arg-type]
    return found


_ROWS = (Op, ListOp, GivenOp)  # (the engine's classes of rows: keys by identity)


def c_code(row: Op) -> int | None:
    """The code of ``row`` in native.c; None where it has none: an op of your own, or a row
    that is not the built-in one of its name (a row defined again)."""
    if isinstance(row, GivenOp):
        return CODES["GIVEN"]
    name = C_NAMES.get(row.name)
    if name is None or find_op(row.name, missing_ok=True) is not row or edited(row):
        return None  # (its forward or rules set since: C spells the row as the engine made it)
    return CODES[name]


def _number_code(step: NumberStep, tape: Tape | None = None) -> int | None:
    """The code of a plain number's step in native.c, or None: a function it does not
    spell, or numbers of kinds it does not compute as Python does (NumPy's but those of
    ``numpy_numbers.numpy_spelled``, an int to an int power, a max of an int and a
    float)."""
    name = NUMBER_NAMES.get(step.function)
    if name is None or (name in ("N_MAX", "N_MIN", "N_SUM") and len(step.args) < 2 and
                        name != "N_SUM"):
        return None  # (max of one number is Python's TypeError)
    if name not in ("N_MAX", "N_MIN", "N_SUM", "N_FSUM") and \
            len(step.args) != (1 if name in UNARY_NUMBERS else 2):
        return None
    if tape is not None:
        kinds, out = [_kind(tape, a) for a in step.args], _kind(tape, step.out)
        numpy = any(of_numpy(k) for k in [*kinds, out])
        if numpy and not numpy_spelled(name, kinds, out):
            return None
        if not numpy and any(k not in (float, int, bool) for k in [*kinds, out]):
            return None
        if name == "N_POW" and not any(k is float or double(k) for k in kinds):
            return None  # (an int to an int power: an int, a float below 0, NumPy's error)
        if name in ("N_MAX", "N_MIN") and len(set(kinds)) > 1 and \
                step.out in _answered(tape):
            return None  # (an int or a float, by the numbers: where the answer shows which)
        if name == "N_SUM" and len(set(k is float for k in kinds)) > 1:
            return None  # (ints and floats: Python sums them in two ways)
    return CODES[name]


def _summed(tape: Tape, step: NumberStep) -> int:
    """How native.c's ``py_sum`` sums a ``sum()`` step (its ``first``): 1 compensated (a
    float sum, from Python 3.12 on), 2 from a start (``sum(xs, 0.5)``: its first number is
    the start, as it is, not added to 0)."""
    compensated = sys.version_info >= (3, 12) and _kind(tape, step.args[0]) is float
    return int(compensated) | (2 if step.function is total_from else 0)


def _answered(tape: Tape) -> set[int]:
    """The slots whose plain numbers reach the program's answer (or a number it writes)
    through plain numbers only (a node's number is a float whatever it was made from)."""
    found = getattr(tape, "_answered", None)
    if found is None:
        found = set(tape.outputs)
        for step in reversed(tape.steps):
            if isinstance(step, NumberStep) and step.out in found:
                found.update(step.args)
        tape._answered = found  # type: ignore[attr-defined]
    return found


def _kind(tape: Tape, slot: int) -> type:
    """The kind of number a slot holds (a float unless the tape says otherwise)."""
    if slot in tape.constants:
        return type(tape.constants[slot])
    return tape.kinds.get(slot, float)


GUARDS = {"<": "G_LT", "<=": "G_LE", ">": "G_GT", ">=": "G_GE", "==": "G_EQ", "!=": "G_NE",
          "same": "G_SAME"}
"""The comparisons of a captured program's guards, by their op: their code in native.c."""


class _Tape(ctypes.Structure):
    """native.c's ``tg_tape``."""

    _fields_ = [("steps", ctypes.c_int32), ("size", ctypes.c_int32),
                ("leaves", ctypes.c_int32), ("root", ctypes.c_int32),
                *[(name, ctypes.c_void_p) for name in ("op", "out", "start", "count", "first",
                                                        "args", "isnode", "v", "g", "d",
                                                        "masked", "scratch")],
                ("backs", ctypes.c_int32), ("guards", ctypes.c_int32),
                *[(name, ctypes.c_void_p) for name in ("back", "guard_op", "guard_left",
                                                        "guard_right", "guard_outcome")],
                ("seed", ctypes.c_double)]


def _address(buffer: array[Any]) -> int:
    return buffer.buffer_info()[0]


class Packed:
    """A tape as native.c reads it, in arrays. Its slots are numbered again: the leaves first
    (0 .. L-1), then the number inputs, so that each run writes them as one block; a guard's
    constant gets a slot of its own, after the tape's."""

    def __init__(self, tape: Tape) -> None:
        slots: dict[int, int] = {}
        for slot in [s for s, _ in tape.leaves] + [s for s, _ in tape.numbers]:
            slots.setdefault(slot, len(slots))
        for slot in range(tape.size):
            slots.setdefault(slot, len(slots))
        constants = {slots[slot]: number for slot, number in tape.constants.items()}
        leaves, numbers = len(tape.leaves), len(tape.numbers)
        places = [slots[s] for s, _ in tape.numbers]
        self.numbers_at = None if places == list(range(leaves, leaves + numbers)) else places
        self.leaves, self.numbers, self.root = leaves, numbers, slots[tape.root]
        self.outputs = [slots[s] for s in tape.outputs]
        codes, out, start, count, first = (array("i") for _ in range(5))
        args, nodes = array("i"), array("B")
        self.ints = [slots[s] for s, kind in tape.kinds.items() if kind is bool or
                     integral(kind)]
        self.kinds = [tape.kinds.get(s, float) for s in tape.outputs]
        self.inner = [slots[s] for s, _ in tape.inner]
        for step, code in zip(tape.steps, c_codes(tape)):
            assert not isinstance(step, Raises)  # (native_program checked)
            code = code if isinstance(step, Step) else _number_code(step, tape)
            assert code is not None  # (native_program checked)
            codes.append(code)
            out.append(slots[step.out])
            start.append(len(args))
            if isinstance(step, NumberStep):
                operands, which = step.args, (False,) * len(step.args)
            elif isinstance(step.row, GivenOp):
                operands = step.args + step.given
                which = step.nodes + (False,) * len(step.given)
            else:
                operands, which = step.args, step.nodes
            count.append(len(operands))
            first.append(step.first if isinstance(step, Step) else (_summed(tape, step)
                         if code == CODES["N_SUM"] else 0) |
                         (NUMPY if numpy_computes(NUMBER_NAMES[step.function],
                                                [_kind(tape, a) for a in step.args]) else 0) |
                         (INT if integral(_kind(tape, step.out)) else 0))
            args.extend(slots[a] for a in operands)
            nodes.extend(map(int, which))
        order = list(range(len(tape.steps)))[::-1] if tape.backward_order is None else \
            tape.backward_order
        back = array("i", [k for k in order if isinstance(tape.steps[k], Step)])
        guard_op, left, right, outcome = array("i"), array("i"), array("i"), array("B")
        for check in tape.guards:
            guard_op.append(CODES[GUARDS[check.op]])
            for side, found in ((left, check.left), (right, check.right)):
                if isinstance(found, int) and not isinstance(found, bool):
                    side.append(slots[found])
                else:  # (a constant: a slot of its own)
                    side.append(len(slots) + len(constants) - len(tape.constants))
                    constants[side[-1]] = float(found)
            outcome.append(bool(check.outcome))
        size = len(slots) + len(constants) - len(tape.constants)
        self.v = array("d", bytes(8 * max(1, size)))
        for slot, number in constants.items():
            self.v[slot] = float(number)
        self.g = array("d", bytes(8 * max(1, size)))
        self.d = array("d", bytes(8 * max(1, len(args))))
        self.masked = array("B", bytes(max(1, len(args))))
        self.scratch = array("d", bytes(8 * (2 * max(count, default=0) + 2)))
        backs = len(back)
        steps: list[array[Any]] = [codes, out, start, count, first, args, nodes]
        guards: list[array[Any]] = [back, guard_op, left, right, outcome]
        for empty in [*steps, *guards]:
            if not empty:
                empty.append(0)  # (an address to give, never read)
        self.arrays = [*steps, self.v, self.g, self.d, self.masked, self.scratch, *guards]
        self.struct = _Tape(len(tape.steps), size, leaves, self.root,
                            *[_address(buffer) for buffer in self.arrays[:12]],
                            backs, len(tape.guards),
                            *[_address(buffer) for buffer in guards], 1.0)
        self.pointer = ctypes.addressof(self.struct)

    @property
    def bytes(self) -> int:
        """The memory its arrays take."""
        return sum(b.itemsize * len(b) for b in self.arrays)


# ----------------------------------------------------------------------------- the program


def why_not_native(tape: Tape) -> str:
    """Why ``tape`` cannot run natively (its ops with no C spelling), or ''."""
    missing: list[str] = []
    for step, code in zip(tape.steps, c_codes(tape)):
        if isinstance(step, Raises):
            missing.append(f"the check that {step.where} raises again (a try/except)")
        elif isinstance(step, Step):
            if code is None:
                what = edited(step.row)
                missing.append(f"the op {step.row.name!r} (its row's {what} set)" if what
                               else f"the op {step.row.name!r}")
        elif _number_code(step, tape) is None:
            missing.append(f"the step {step.name!r} of plain numbers")
    if any(not isinstance(c, (float, int, bool)) for c in tape.constants.values()):
        missing.append("a constant of NumPy's")
    if any(type(c) is int and abs(c) >= 2 ** 1024 for c in tape.constants.values()):
        missing.append("an int too large for a float (10**400)")  # (C's doubles hold it)
    missing += [f"the guard {check.op!r}" for check in tape.guards if check.op not in GUARDS]
    if not missing:
        return ""
    names = list(dict.fromkeys(missing))
    several = len(names) > 1
    return (f"{', '.join(names)} {'have' if several else 'has'} no C spelling (an op of "
            "your own, a NumPy number, statistics' functions and an error caught run as "
            "Python)")


_STOPPED: Any = object()  # (C stopped at a step: the Python program runs that call)


def _functions_of(*modules: Any) -> tuple[tuple[Any, str], ...]:
    return tuple((module, name) for module in modules for name, held in vars(module).items()
                 if callable(held) and not isinstance(held, type) and not name.startswith("__")
                 and not (module is safe_math and str(getattr(held, "__module__", "")).startswith(
                     "tinygrad_edu.") and not _own(module, held)))  # (errors.explained: not
    # called by a row)


def _own(module: Any, held: Any) -> bool:
    """Whether ``held`` is ``math``'s own function (a builtin of its), or ``safe_math``'s
    (its code in that file)."""
    if module is math:
        return getattr(held, "__self__", None) is math
    return getattr(getattr(held, "__code__", None), "co_filename", None) == _SAFE_MATH


_SAFE_MATH = safe_math.__file__
_CALLED = _functions_of(math, safe_math)
"""The functions the engine's rows call as they run (``math``'s, ``safe_math``'s), each as
Python has it: C calls its own library's instead, so a native run gives the engine's numbers
only while each is still its own (a learner's ``math.exp = clamped``, ``safe_math.step``
replaced: before, native gave exp(12.0) where the engine and the Python program gave
exp(10.0), silently; an attacker's, a64k S5). Where one is not, the Python program runs."""


def _as_python_has_them() -> bool:
    now = tuple([getattr(module, name, None) for module, name in _CALLED])
    known = _OWN_NOW.get(now)
    if known is None:
        known = all(_own(module, held) for (module, _), held in zip(_CALLED, now))
        if len(_OWN_NOW) < 16:
            _OWN_NOW[now] = known
    return known


_OWN_NOW: dict[tuple[Any, ...], bool] = {}


class NativeProgram:
    """A program that runs natively where it can (see the module's docstring), with the
    Python program's interface: ``function(leaves, grads, numbers, seed)``, ``run``,
    ``source()``, ``tape``. ``kind`` is ``"native"``, or ``"Python"`` with the ``reason`` why;
    ``fallbacks`` counts the calls that ran as Python from a particular step on (the last at
    the step ``fallback_step``); ``python`` is the Python program (made at its first use
    where it is not given: its source takes longer to compile than the tape to pack)."""

    _python: Program | None
    tape: Tape

    def __init__(self, program: Program | NativeProgram | Tape, name: str = "program") -> None:
        if isinstance(program, NativeProgram):
            program = program._python or program.tape
        if not isinstance(program, (Program, Tape)):
            raise TypeError(f"native_program takes a Program or a Tape, got "
                            f"{type(program).__name__} {program!r}")
        self._python = program if isinstance(program, Program) else None
        self.tape = program.tape if isinstance(program, Program) else program
        self.name = name
        self.fallbacks = 0
        self.fallback_step: int | None = None
        self.packed: Packed | None = None
        self.reason = why_not_native(self.tape)
        if not self.reason:
            built = library()
            self.reason = built.reason
            if built.library is not None:
                self.packed = Packed(self.tape)
                self._step = built.library.tg_step
                self._leaves = [leaf for _, leaf in self.tape.gradients]
                self._numbers = {float, int, bool, *(k for k in self.tape.kinds.values()
                                                     if numpy_kind(k))}  # (NumPy's inputs)
                self._lock = threading.Lock()
        self.kind = "native" if self.packed is not None else "Python"
        if self.reason and self.reason != IN_A_BROWSER:
            warnings.warn(f"this program runs as Python, not natively: {self.reason}",
                          NativeUnavailable, stacklevel=_callers_level())

    @property
    def python(self) -> Program:
        """The program as Python: what runs where C stops, or where it cannot run."""
        if self._python is None:
            self._python = Program(self.tape, self.name)
        return self._python

    @property
    def nodes(self) -> int:
        """How many nodes the program computes."""
        return self.tape.nodes

    def source(self) -> str:
        """The program as Python (what runs where C stops)."""
        return self.python.source()

    def function(self, leaves: Sequence[float], grads: Sequence[float],
                 numbers: Sequence[float], seed: float = 1.0) -> Any:
        """As the Python program's function: from the leaves' numbers, their gradients so far
        and the number inputs, the output, the numbers of ``tape.outputs`` and the leaves' new
        gradients (the output's gradient ``seed``); None where a guard fails; the engine's
        error where it raises."""
        found = self._native(leaves, grads, numbers, seed)
        if found is _STOPPED:
            return self.python.function(list(leaves), list(grads), list(numbers), seed)
        return found

    def run(self, numbers: Sequence[float] = ()) -> float:
        """The forward and backward pass, as ``Program.run``: the output's number; each
        leaf's gradient added to its ``.grad``."""
        if self.packed is None:
            return self.python.run(numbers)
        still_holds(self.tape)
        values = self._leaves
        leaves = values[:self.packed.leaves]
        found = self._native([number_of(leaf) for leaf in leaves],
                             [leaf.grad for leaf in leaves], numbers, 1.0)
        if found is _STOPPED or found is None:  # (None: a guard failed; Python says how)
            return self.python.run(numbers)
        out, _, new = found
        for value, grad in zip(values, new):
            value.grad = grad
        return float(out)

    def _native(self, leaves: Sequence[float], grads: Sequence[float],
                numbers: Sequence[float], seed: float) -> Any:
        """The run in C: (output, outputs, gradients), None where a guard fails, or _STOPPED
        where C stops or the numbers are not floats (the Python program converts them, or
        says what is wrong)."""
        packed = self.packed
        if not _as_python_has_them():  # (a math function replaced: the Python program calls it)
            return _STOPPED
        if packed is None or len(leaves) != packed.leaves or len(grads) != packed.leaves or \
                len(numbers) != packed.numbers or type(seed) is not float or \
                not {*map(type, leaves), *map(type, grads)} <= {float}:
            return _STOPPED
        kinds = {*map(type, numbers)}
        if not kinds <= {float} and (not kinds <= self._numbers or any(
                type(x) is not float and not double(type(x)) and not -EXACT < x < EXACT
                for x in numbers)):
            return _STOPPED
        with self._lock:
            count = packed.leaves
            packed.v[:count] = array("d", leaves)
            if packed.numbers_at is None:
                packed.v[count:count + packed.numbers] = array("d", numbers)
            else:
                for place, number in zip(packed.numbers_at, numbers):
                    packed.v[place] = number
            packed.g[:count] = array("d", grads)
            packed.struct.seed = seed
            stopped = self._step(packed.pointer)
            if stopped == 0:
                v, g = packed.v, packed.g
                if packed.ints and not all(-EXACT < v[k] < EXACT for k in packed.ints):
                    stopped = len(self.tape.steps)  # (an int beyond a double's: Python)
                else:
                    outputs = tuple([v[k] if kind is float else kind(v[k])
                                     for k, kind in zip(packed.outputs, packed.kinds)])
                    grads = packed.g[:count].tolist() + [g[k] for k in packed.inner]
                    return (v[packed.root], outputs, tuple(grads))
        if stopped < 0:
            return None
        self.fallbacks += 1
        self.fallback_step = stopped - 1
        return _STOPPED

    def __repr__(self) -> str:
        why = f" (not native: {self.reason})" if self.reason else ""
        return (f"<{self.kind} program of {self.nodes} nodes, {len(self.tape.leaves)} leaves, "
                f"{len(self.tape.numbers)} number inputs{why}>")


def native_program(program: Program | NativeProgram | Tape, name: str = "program"
                   ) -> NativeProgram:
    """``program`` (or a tape's program, ``name`` its Python function's name) run natively
    where it can: see ``NativeProgram``."""
    return NativeProgram(program, name)
