"""What NumPy's functions, ``cmath``'s and ``getattr`` are given while a rule runs (issue 65).

A complex number is seen by the watched numbers, in the names of the learner's functions
(``held.py``), in the complex type's own arithmetic (``complex_arithmetic.py``) and, on
Python 3.12 and later, given to any call (``held.CallsSeen``). Under
Python 3.10 and 3.11 a profile function is told which built-in is called, never what it is
given, and a NumPy ufunc (``np.sinh``), an object of its own, is no built-in function: its
call is not told at all. So the complex step made and used within one expression on a number
made plain, ``getattr(np.sinh(float(x) + 1e-20 * float("-1") ** 0.5), "imag")``, passed
there (tanh through sinh and cosh, exp through expm1 or exp2: d_tanh, d_exp and d_sigmoid
3/3 on ``check`` under 3.11, 0/3 under 3.13). ``put`` puts, in their modules (and
``watched._watching_functions`` in the learner's names for them), stand-ins for each ufunc of
NumPy, its functions that read a complex number out (``np.imag``...), ``cmath``'s functions
and ``getattr``, that look at what they are given: a complex number, or an array of them,
is noted (``GIVEN``), and the rule fails as where the watched numbers see one. No rule needs
a complex number, so nothing right is refused; a stand-in otherwise does what its function
does (a ufunc's ``.reduce``, ``.outer``, ``.at`` are its own).

And on the rules on arrays, the arrays a ufunc, or a function of the learner's file
(``stepped.recording``), is given are noted (``NearArrays``): arrays that differ from one it
was given before in some entries by a small step (or, on numbers drawn from a continuum, by
one step of any size: ``dense_backward`` is linear, where a step of 1 is exact) and equal it
in the rest are the points of a finite difference, the forward pass run again on a nudged
copy of the inputs; two of them next to one array, and the rule fails (``ShiftedPoint``).
This is looked for only where the rule's arrays hold numbers drawn from a continuum (the
points where a rule is tried for exactness, which every answer that passes reaches): the
tenths the other inputs are made of can make two rows of an input that close, and an honest
rule that works row by row would be refused.
"""

from __future__ import annotations

import builtins
import functools
import sys
from collections.abc import Callable
from typing import Any

from tinygrad_edu.exercises.learner.held import StandsIn, _held, complex_held
from tinygrad_edu.exercises.learner.matrix_forms import dual_matrix
from tinygrad_edu.exercises.learner.watched_numbers import FORWARD, SMALL, here, lines_said

__all__ = ["GIVEN", "HELD", "MATRICES", "NEAR", "DualMatrices", "NearArrays", "StandIn",
           "dual_matrix",
           "next_to", "put"]

READS = ("real", "imag", "angle", "conj", "real_if_close", "array", "asarray", "sum", "prod",
         "dot", "vdot", "inner", "mean", "isreal", "iscomplex")
"""NumPy's functions, besides its ufuncs, that a complex step may read its answer out with
(``np.imag(w)``) or sum it by."""


def put() -> tuple[dict[int, Callable[..., Any]], dict[int, Any], Callable[[], None]]:
    """The stand-ins put in place while a rule runs, for NumPy's ufuncs and ``READS``,
    ``cmath``'s functions and ``getattr``, in their modules (a function another watch put
    there already is left alone): {id of the function: its stand-in} and {id: the function},
    for the learner's own names for them, and what puts the functions back. (Made afresh at
    each call, and kept nowhere after: a stand-in of ``np.exp`` is d_exp's slope, which no
    module of the learner's process holds; only the names are kept. A rule is called
    thousands of times in a grading: this is a loop of plain steps.)"""
    stand_ins: dict[int, Callable[..., Any]] = {}
    functions: dict[int, Any] = {}
    back: list[tuple[dict[str, Any], dict[str, Any]]] = []

    def restore() -> None:
        for space, reals in back:
            space.update(reals)

    numpy = sys.modules.get("numpy")
    ufunc = numpy.ufunc if numpy is not None else None
    kinds = (_BUILTIN, ufunc)
    try:  # (what is put is put back if anything stops it half-way)
        for module, names in ((numpy, _numpy_names(numpy) if numpy is not None else ()),
                              (sys.modules.get("cmath"), _cmath_names()),
                              (builtins, ("getattr",))):
            if module is None:
                continue
            space = vars(module)
            made: dict[str, Any] = {}
            reals: dict[str, Any] = {}
            for name in names:  # (the module's own functions: not another watch's stand-in)
                real = space.get(name)
                kind = type(real)
                if kind in kinds or (module is numpy and callable(real) and str(
                        getattr(real, "__module__", "")).startswith("numpy")):
                    made[name] = stand_in = StandIn(name, real, kind is ufunc)
                    reals[name] = real
                    stand_ins[id(real)], functions[id(real)] = stand_in, real
            back.append((space, reals))
            space.update(made)  # (at once, one update)
    except BaseException:
        restore()
        raise
    return stand_ins, functions, restore


_BUILTIN = type(len)


@functools.lru_cache(maxsize=4)
def _numpy_names(numpy: Any) -> tuple[str, ...]:
    """NumPy's ufuncs and ``READS`` (and the ops' own, which may be the rule's watch's
    stand-ins as this is first asked: ``put`` leaves those out)."""
    return tuple(name for name, value in vars(numpy).items()
                 if isinstance(value, numpy.ufunc) or name in OPS or
                 (name in READS and callable(value)))


OPS = ("tanh", "exp", "log", "power")
"""NumPy's names for the ops' own functions (``watched.OUTPUTS``)."""


@functools.lru_cache(maxsize=1)
def _cmath_names() -> tuple[str, ...]:
    import cmath

    return tuple(name for name, value in vars(cmath).items()
                 if callable(value) and not name.startswith("_"))


class StandIn(StandsIn):
    """A function (``_real``, named ``_name``) while a rule runs: a complex number it is
    given is noted (``GIVEN``), and on a rule on arrays the arrays a ufunc is given
    (``NEAR``), on a rule on numbers a dual matrix (``MATRICES``); otherwise it is the
    function (its other attributes are the function's: a ufunc's ``.reduce``...)."""

    __slots__ = ("_name", "_real", "_ufunc")

    def __init__(self, name: str, real: Any, ufunc: bool) -> None:
        self._name, self._real, self._ufunc = name, real, ufunc

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        name = self._name
        for x in (*args, *kwargs.values()):
            if type(x) in PLAIN_KINDS:
                continue
            found = _held(x)
            if found:
                GIVEN.append(f"{found}, given to {name}(){here()}")
                _held_by_caller()
            elif NEAR.on and self._ufunc:
                NEAR.note(name, x, here)
            elif MATRICES.on:
                MATRICES.look(x, lambda: f"given to {name}(){here()}")
        result = self._real(*args, **kwargs)
        if MATRICES.on:
            MATRICES.look(result, lambda: f"made by {name}(){here()}")
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def __repr__(self) -> str:
        return repr(self._real)


def _held_by_caller() -> None:
    """Where a stand-in met a complex number, the one a name of the learner's function that
    called it holds, if any (``HELD``: as the profile function sees one at a built-in's call,
    which a stand-in, no built-in, is not)."""
    file = FORWARD.get("file")
    frame = sys._getframe(2)
    while frame is not None and file and frame.f_code.co_filename != file:
        frame = frame.f_back  # type: ignore[assignment]
    if frame is not None and file and not HELD:
        found = complex_held(frame)
        if found:
            HELD.append(f"{found} {lines_said(file, [frame.f_lineno])}")


HELD: list[str] = []
"""What ``_held_by_caller`` found (said as the learner's names are, before ``GIVEN``)."""
GIVEN: list[str] = []
"""The complex numbers the stand-ins were given while a rule ran (after what the watched
numbers saw and what the learner's names held, which say more, in ``watched.call``)."""
PLAIN_KINDS = frozenset({float, int, bool, str, type(None)})


class NearArrays:
    """The arrays ufuncs and the learner's functions were given while a rule on arrays ran,
    by function: each one kept (a copy) unless it is next to one kept before, whose count
    goes up (``next_to``). ``found`` says the first kept one with ``NUDGED`` next to it."""

    NUDGED = 2
    KEPT = 4
    """How many arrays are kept for each function and shape (the first ones given): a
    finite difference nudges the same array again and again, the first one among them."""

    def __init__(self) -> None:
        self.on = False
        self.kept: dict[Any, list[list[Any]]] = {}
        self.said = ""

    def start(self, args: tuple[Any, ...]) -> None:
        """Before a rule runs on ``args``: on where one of them holds a number off the grid
        of tenths (numbers drawn from a continuum), else off."""
        self.kept.clear()
        self.said = ""
        numpy = sys.modules.get("numpy")
        self.on = numpy is not None and any(
            isinstance(a, numpy.ndarray) and a.dtype.kind == "f" and a.size and bool(
                numpy.any(numpy.abs(a * 10 - numpy.round(a * 10)) > 1e-6)) for a in args)

    def stop(self) -> str:
        said = self.said
        self.on = False
        self.kept.clear()
        self.said = ""
        return said

    def note(self, key: Any, x: Any, where: Callable[[], str] | None = None,
             name: str = "") -> None:
        """``x`` given to ``key`` (a ufunc's name, a code object of the learner's file)."""
        numpy = sys.modules.get("numpy")
        if self.said or not self.on or numpy is None or not isinstance(x, numpy.ndarray) or \
                x.dtype.kind != "f" or x.size < 2 or x.size > 100_000:
            return
        self.on = False  # (NumPy's functions this calls are the stand-ins)
        try:
            self._note(numpy, key, x, where, name)
        finally:
            self.on = True

    def _note(self, numpy: Any, key: Any, x: Any, where: Callable[[], str] | None,
              name: str) -> None:
        a = x.view(numpy.ndarray)
        kept = self.kept.setdefault((key, a.shape), [])
        for entry in kept:
            if numpy.array_equal(entry[0], a):
                return
            step = next_to(entry[0], a)
            if step is not None:
                entry[1].add(a.tobytes())  # (the same array given again counts once)
                if len(entry[1]) >= self.NUDGED:
                    self.said = (f"{name or key} at {len(entry[1])} arrays that differ from "
                                 f"one it was given in some entries by a step of {step:.3g} "
                                 f"and equal it in the rest"
                                 f"{where() if where is not None else ''}")
                return
        if len(kept) < self.KEPT:
            kept.append([a.copy(), set()])


def next_to(a: Any, b: Any) -> float | None:
    """The step ``b`` is from ``a`` (arrays of one shape), where it is one of a finite
    difference's points around ``a``: some entries equal, the others moved by a small step
    (``SMALL``, relative to the entry, and below 1) or all by one step of any size where those
    entries of ``a`` are no whole numbers (the one-hot labels, and what is made of them, are
    passed over); else None."""
    import numpy as np

    with np.errstate(all="ignore"):
        d = b - a
        size = np.maximum(np.abs(a), np.abs(b))
        moved = np.abs(d) > 1e-12 * np.maximum(size, 1.0)
        if not moved.any() or moved.all() or not np.isfinite(d).all():
            return None
        steps = np.abs(d[moved])
        if bool(np.all((steps <= SMALL * np.abs(a[moved])) & (steps < 1.0))):
            return float(steps.max())
        whole = a[moved] == np.round(a[moved])
        if not whole.any() and float(steps.max() - steps.min()) <= 1e-9 * float(steps.max()):
            return float(steps.max())
    return None


NEAR = NearArrays()
"""The arrays noted while the rule on arrays being watched runs."""


class DualMatrices:
    """In a rule on numbers: the first matrix of a dual number's form (``dual_matrix``) that
    a stand-in or a function of the learner's file (``stepped.recording``) is given, makes,
    returns or holds, said with where (``said``). A dual number a + a'ε is also the matrix
    [[a, a'], [0, a]]: their product is the product rule's, their inverse the quotient
    rule's, and the op's function run on it (exp as a series of products) gives the
    derivative in its corner, exact, with no rule written (d_mul, d_exp, d_tanh, d_sigmoid
    and d_div 5/5 on every route before). No rule on numbers makes a square matrix, let alone
    a triangular one with the same number all along its diagonal."""

    def __init__(self) -> None:
        self.on = False
        self.said = ""

    def start(self, on: bool) -> None:
        self.on, self.said = on, ""

    def stop(self) -> str:
        said, self.on, self.said = self.said, False, ""
        return said

    def look(self, x: Any, where: Callable[[], str]) -> None:
        """``x``, seen ``where()`` says, if it is a matrix of the form."""
        numpy = sys.modules.get("numpy")
        if self.said or not self.on or numpy is None or not isinstance(x, numpy.ndarray) or \
                x.ndim != 2:
            return
        self.on = False  # (NumPy's functions this calls are the stand-ins)
        try:
            found = dual_matrix(x)
            if found:
                self.said = f"a dual number as the matrix {found}, {where()}"
        finally:
            self.on = True


MATRICES = DualMatrices()
"""The matrices looked at while the rule on numbers being watched runs."""
