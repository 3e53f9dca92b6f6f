"""What a capture changes while it runs (``watching()``), and why; every change is seen by
the capture of the thread that runs one only (other threads, and everything outside a
capture, see things as they are), and is put back when the last capture ends.

- **Value's ways to give its number to code** (``data``, ``item``, ``detach``, ``float``,
  formatting, ``repr``, comparisons, truth): a learner's code reads a number there, which
  the capture follows (``traced.py``). The engine's own code reads ``_data`` and never
  sees a ``Traced`` (the learner's code that names ``_data`` does: ``fields.py``).
  ``Value(...)`` too (a leaf made inside, or a node made by hand, from a followed number);
  ``.grad``, ``local_grads`` (each of its names), ``_data_before`` and ``backward()`` are
  refused there, naming the line (numbers a program cannot follow); the class's ``label``
  read, noted (``fields.py``); micrograd's ``_prev``, the set of a node's parents, is the
  learner's ``set`` (``seen.SetSeen``: gone through where they were made in the call or
  given to it, refused, as ``set(z.parents)`` is).
- **The functions that build a node** (``engine.apply``, ``sums.many``): the
  capture lists every node made (so that one made before it, given or kept outside, is
  known as such), and every op that raised (where the code caught the error, the program
  checks it raises again).
- **Python's ``max``, ``min``, ``sum``, ``print``**, **``math``'s functions** and the
  functions of a list of numbers (``math.fsum``, ``statistics.mean``, ``fmean``,
  ``median``, ``stdev``...: ``ITEMS``): over followed numbers they are steps of the program
  (``max(v.data for v in logits)``, a ``math.exp`` of a number read), ``sum`` as the
  running Python sums; ``print`` prints the numbers and is said once (a program does not
  print). Each function a module holds is put there as a ``seen.Standing``: held as a thing
  (a key of a dict, ``inspect.isbuiltin(max)``), it is the function it stands for.
- **``logging.Logger.handle``, ``sys.stdout`` and ``sys.stderr``** (``written_out.py``): a
  line logged or written out by the capture's thread is said once, as a print is.
- **``random`` and ``numpy.random``'s global generator** (``randomness.py``).
- **``decimal.Decimal``, ``json.dumps``/``dump``, ``pickle.dumps``/``dump``** (``seen.py``).
- **``importlib.import_module``**: the module it gives the learner's code is a place, as
  ``sys.modules[name]`` is.
- **``open``** (``builtins``' and ``io``'s, which ``pathlib`` and NumPy call): where the
  learner's code (or a library it called) reads a file, refused, naming the file and the
  line; where it writes one, said once.
- **Reading and writing ``os.environ``** (its class's ``__getitem__``, which ``get``,
  ``getenv`` and ``in`` call, and ``__setitem__``): each variable read is a place outside
  the function (``outside.py``), guarded to keep its text; one written is written again.
  These two are put in place at the first capture and kept (``outside_calls.environ_once``:
  outside a capture they call Python's own).
- **What a capture refuses** where the learner's code calls it (``refused.py``): the clock,
  the interpreter's state, the file system; starting another thread or process.
"""

from __future__ import annotations

import builtins
import gc
import importlib
import io
import itertools
import math
import sys
import threading
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from sys import _getframe  # (Python's own: a capture puts its own in sys while it runs)
from typing import Any

from tinygrad_edu import copying, engine, sums
from tinygrad_edu.engine import Value
from tinygrad_edu.program import outside_calls, reading, settings, torch_seeds, traced, written_out
from tinygrad_edu.program.class_names import INHERITED as _INHERITED  # (and what is put:
from tinygrad_edu.program.class_names import PUT as _original  # ``vars``, ``dir`` see it)
from tinygrad_edu.program.fields import (
    REFUSED,
    BackwardField,
    ClassLabel,
    DataField,
    RefusedField,
    ScopeField,
    copies,
    label_read,
    local_grads_refused,
    missing,
)
from tinygrad_edu.program.identity import read_in
from tinygrad_edu.program.learners_code import learners_line
from tinygrad_edu.program.number_steps import BY_THE_NUMBERS, as_float, fsum
from tinygrad_edu.program.own_ops import ENGINES, built, new_capture
from tinygrad_edu.program.places import MISSING
from tinygrad_edu.program.refused import clocks
from tinygrad_edu.program.seen import (
    SetSeen,
    Standing,
    largest_or_smallest,
    seen,
    standing,
    summed,
)
from tinygrad_edu.program.sets import made_into_a_set
from tinygrad_edu.program.traced import Raised, Traced, _state, _step, recording
from tinygrad_edu.row import ListOp, Op

__all__ = ["MATH", "REPLACED", "follow_data", "no_collection", "put_over", "watching"]

_patch_lock = threading.Lock()
_patched = 0

MATH = ("exp", "log", "sqrt", "tanh", "sin", "cos", "tan", "fabs", "atan", "asin", "acos",
        "sinh", "cosh", "asinh", "acosh", "atanh", "log2", "log10", "log1p", "expm1",
        "erf", "erfc", "pow", "atan2", "hypot", "copysign", "fmod", "exp2", "cbrt")
"""``math``'s functions of real numbers a capture follows (those this Python has)."""

ITEMS = {"math": ("fsum",),
         "statistics": ("mean", "fmean", "geometric_mean", "harmonic_mean", "median",
                        "median_low", "median_high", "median_grouped", "pstdev", "pvariance",
                        "stdev", "variance")}
"""The functions of a list of numbers a capture follows (where the module is imported and
has them): of followed numbers, one step of the program."""

FOLLOWED: dict[int, Any] = {}
"""id(a function) -> what a capture puts in its place (a global that holds ``math.exp``,
``from math import exp``, is swapped too: ``outside.py``)."""


@contextmanager
def watching() -> Iterator[None]:
    """Value, the node builders and the functions above as a capture sees them, while the
    block runs."""
    global _patched
    with _patch_lock:
        _patched += 1
        if _patched == 1:
            new_capture()  # (a row of the engine's edited since: an op of one's own)
            REPLACED[:] = [reading.number_parts_replaced()]  # (before ours: ``built.py``)
            _patch()
    try:
        with no_collection():
            yield
    finally:
        with _patch_lock:
            _patched -= 1
            if _patched == 0:
                for owner, name, held in reversed(_original):
                    if held is _INHERITED:
                        delattr(owner, name)
                    else:
                        setattr(owner, name, held)
                _original.clear()
                _OVER.clear()
                _given_in_this_thread.clear()
                FOLLOWED.clear()


@contextmanager
def no_collection() -> Iterator[None]:
    """No automatic collection while the block runs, in any thread (see ``_threshold``): a
    capture's function, and the build of its program (a graph of 65,077 nodes alive, the
    tape's 200,000 objects made: a full collection or more at each step of it before)."""
    with _patch_lock:
        _not_collecting[0] += 1
        if _not_collecting[0] == 1:
            _threshold[:] = gc.get_threshold()
            gc.set_threshold(0)
    try:
        yield
    finally:
        with _patch_lock:
            _not_collecting[0] -= 1
            if _not_collecting[0] == 0:
                gc.set_threshold(*_threshold)


_not_collecting = [0]
_threshold: list[int] = []
"""The collector's thresholds before the first capture: none collects while one runs (what a
collection runs, ``gc.callbacks`` and finalizers, is not the function's), its first threshold
0 (automatic collection off) rather than ``gc.disable()``, so that ``gc.isenabled()`` says
what it said before, to a library (``timeit``) as to the learner's code, refused there
(``refused.READERS``)."""


def _put(owner: Any, name: str, new: Any) -> None:
    _original.append((owner, name, owner.__dict__.get(name, _INHERITED)
                      if isinstance(owner, type) else getattr(owner, name)))
    if isinstance(owner, types.ModuleType) and isinstance(new, Standing):
        FOLLOWED.setdefault(id(new.stands_for), new)
    if isinstance(owner, types.ModuleType) and not isinstance(new, written_out.Written):
        _OVER[(id(owner), name)] = _original[-1][2]  # (``sys.stdout``: not a root for it)
    setattr(owner, name, new)


_OVER: dict[tuple[int, str], Any] = {}
"""(id(a module), a name) -> what the module held there before a capture put its own
(``math.tanh``): ``put_over``."""


def put_over(module: Any, name: str) -> Any:
    """What ``module.name`` held before the capture put its own there (``math.tanh``,
    ``random.gauss``: a place of the learner's code is guarded to hold that), else MISSING."""
    return _OVER.get((id(module), name), MISSING)


def _patch() -> None:
    _original_grad[0] = Value.__dict__.get("grad")
    for name, new in _value_methods().items():
        _put(Value, name, new)
    if type(Value.__dict__.get("label")) is str:  # (``p.label`` of one with none: noted)
        _put(Value, "label", ClassLabel(Value.__dict__["label"]))
    if "__getattr__" not in Value.__dict__:  # (a name a Value lacks, asked: noted)
        _put(Value, "__getattr__", missing)
    for module, name in ((engine, "apply"), (sums, "many")):
        _put(module, name, _watched(getattr(module, name)))
    for name, new in (("max", largest_or_smallest(builtins.max, "max")),
                      ("min", largest_or_smallest(builtins.min, "min")),
                      ("sum", summed(builtins.sum)), ("print", _printed(builtins.print))):
        _put(builtins, name, standing(new, getattr(builtins, name)))
    for name in MATH:
        function = getattr(math, name, None)
        if function is not None:
            _put(math, name, standing(_followed(function, f"math.{name}"), function))
    for module_name, names in ITEMS.items():  # (statistics imported here: followed
        held = importlib.import_module(module_name)  # wherever the code imports it)
        for name in names:
            function = getattr(held, name, None)
            if function is not None:
                _put(held, name, standing(_of_items(function, f"{module_name}.{name}"),
                                          function))
    outside_calls.environ_once()
    outside_calls.audited_once()
    from tinygrad_edu.program import randomness

    _put(importlib, "import_module", standing(outside_calls.imported(importlib.import_module),
                                              importlib.import_module))
    _put(builtins, "__import__", standing(outside_calls.imports(builtins.__import__),
                                          builtins.__import__))
    opened = standing(outside_calls.opened(builtins.open), builtins.open)
    _put(builtins, "open", opened)  # (pathlib's and numpy's too: they call io.open)
    _put(io, "open", opened)
    accessor = getattr(sys.modules.get("pathlib"), "_NormalAccessor", None)
    if accessor is not None and "open" in vars(accessor):  # (3.10's pathlib: its own)
        _put(accessor, "open", staticmethod(opened))
    for owner, name, new in [*randomness.patches(), *clocks(), *seen(),
                             *outside_calls.files(), *settings.patches(),
                             *written_out.patches(), *torch_seeds.patches()]:
        held = getattr(owner, name)
        if isinstance(new, type) and isinstance(owner, types.ModuleType):
            FOLLOWED[id(held)] = new
            _put_in_this_thread(owner, name, new)
        elif isinstance(owner, types.ModuleType) and isinstance(new, types.FunctionType):
            _put(owner, name, standing(new, held))  # (a module's function: held as a
        else:  # thing, the function itself; a class's method is bound: a function)
            FOLLOWED[id(held)] = new
            _put(owner, name, new)


def follow_data() -> None:
    """Value's ``_data`` read by the learner's code followed as ``.data`` (``fields.py``),
    from now until the capture ends: code of the learner's that names it starts."""
    with _patch_lock:
        slot = Value.__dict__.get("_data")
        if _patched and slot is not None and not isinstance(slot, DataField):
            _put(Value, "_data", DataField(slot, Value.__dict__["data"]))


def _put_in_this_thread(module: types.ModuleType, name: str, new: type) -> None:
    """A module's class (``decimal.Decimal``) as the capture's thread meets it, ``new``
    (``seen.stand_in``); another thread meets the class itself (its ``type(d) is
    decimal.Decimal`` is true): the name leaves the module's dict, and the module's
    ``__getattr__`` (PEP 562) gives one or the other."""
    held = vars(module)[name]
    given = _given_in_this_thread.get(module)
    if given is None:
        given = _given_in_this_thread[module] = {}
        previous = vars(module).get("__getattr__")
        _original.append((module, "__getattr__", _INHERITED if previous is None else previous))

        def __getattr__(attribute: str) -> Any:
            found = given.get(attribute)
            if found is not None:
                return found[1] if recording() is not None else found[0]
            if previous is not None:
                return previous(attribute)
            raise AttributeError(f"module {module.__name__!r} has no attribute {attribute!r}")

        module.__getattr__ = __getattr__  # type: ignore[method-assign]
    _original.append((module, name, held))
    given[name] = (held, new)
    delattr(module, name)


_given_in_this_thread: dict[types.ModuleType, dict[str, tuple[Any, type]]] = {}


# ----------------------------------------------------------------------------- Value
def _value_methods() -> dict[str, Any]:
    """Value's methods as a capture sees them (only those Value has)."""
    has = Value.__dict__
    data, init = has["data"], has["__init__"]
    item, detach, grad = has.get("item"), has.get("detach"), has.get("grad")
    replaced: dict[str, Any] = {}

    def get(v: Value) -> Any:
        found = recording()
        if found is None:
            return data.__get__(v)
        read = found.read_of.get(id(v))  # (the same read twice is the same object, as
        if read is None:  # the engine's float is: ``z.data is z.data``)
            read = found.read_of[id(v)] = Traced(reading.number_of(v), ("node", v))
            found.reads.append(read)
        read_in(found, v)  # (``a.data is b.data``: refused)
        return read

    def set_(v: Value, number: Any) -> None:
        found = recording()
        if found is not None:
            found.refuse("it changes a Value's .data (a program cannot); change numbers "
                         "outside the compiled function")
        data.__set__(v, traced.value_of(number) if isinstance(number, Traced) else number)

    def __init__(v: Value, number: Any, *more: Any, **named: Any) -> None:
        # (named __init__: the op of a node made by hand is named after its caller)
        found = recording()
        if found is None or not isinstance(number, Traced):
            init(v, number, *more, **named)
        else:
            init(v, traced.value_of(number), *more, **named)
            found.leaves[id(v)] = number if type(traced.value_of(number)) is float else \
                _step("float", as_float, number)
        if found is not None:
            found.made[id(v)] = v
            found.as_made.append((v, reading.as_made(v)))  # (set since: ``built.py``)
            if not isinstance(number, Traced):
                found.lines[id(v)] = learners_line()

    replaced["data"] = property(get, set_, doc=data.__doc__)
    replaced["__init__"] = __init__
    if item is not None:
        replaced["item"] = lambda v: get(v) if recording() is not None else item(v)
    if detach is not None:
        def detach_(v: Value) -> Any:
            if recording() is None:
                return detach(v)
            label_read(v)  # (the engine's, its number followed: its class and label kept)
            return type(v)(get(v), label=v.label)

        replaced["detach"] = detach_
    if grad is not None:
        def grad_get(v: Value) -> Any:
            found = recording()
            if found is not None and _getframe(1).f_code.co_filename != copying.__file__:
                found.refuse("it reads a Value's .grad: a number a program cannot follow; "
                             "read gradients outside the compiled function")
            return grad.__get__(v)

        def grad_set(v: Value, number: Any) -> None:
            found = recording()
            if found is not None:
                if _getframe(1).f_code.co_filename not in _BUILDERS:
                    found.grad_writes.append((v, learners_line()))  # (not a node being made)
                elif not found.building:  # (a node filled past the watched builder: a
                    found.filled.append(v)  # leaf, a copy, or ``engine.fill`` held)
            grad.__set__(v, number)

        replaced["grad"] = property(grad_get, grad_set)
    local_grads = has.get("local_grads")
    for name in [n for n, x in has.items() if x is local_grads is not None]:  # (and every
        replaced[name] = local_grads_refused(name, local_grads)  # alias: ``_local_grads``)
    for name in REFUSED:  # (a node's local derivatives, ``_data_before``: refused)
        replaced[name] = RefusedField(name, has.get(name))
    replaced["_scope"] = ScopeField()  # (a node's named_scope path: ``fields.py``)
    replaced["_backward"] = BackwardField(has["_backward"])  # (one set on a node: refused)
    prev = has.get("_prev")  # (micrograd's set of a node's parents: the learner's ``set``,
    if prev is not None:  # gone through where they were made in the call, refused)
        replaced["_prev"] = property(lambda v: prev.__get__(v) if recording() is None else
                                     SetSeen(v.parents), doc=prev.__doc__)
    backward = has["backward"]

    def backward_(v: Value, *args: Any, **kwargs: Any) -> Any:
        if recording() is not None:
            raise RuntimeError(
                f"backward() inside a compiled function ({learners_line()}): return the "
                "loss, and call .backward() on what the compiled function returns")
        return backward(v, *args, **kwargs)

    replaced["backward"] = backward_
    replaced.update(copies(has, get))
    for name, method in has.items():  # (``leaky_relu``'s alpha: guarded where it is called)
        if name not in replaced and isinstance(method, types.FunctionType) and any(
                type(d) in (int, float) for d in (*(method.__defaults__ or ()),
                                                  *(method.__kwdefaults__ or {}).values())):
            replaced[name] = settings.engines_defaults(name, method)

    def hash_(v: Value) -> int:
        found = recording()
        if found is not None and found.new_at_call(v):
            found.hashed_made += 1
            made_into_a_set(v)  # (``{a * x, b * x}``: refused)
        return object.__hash__(v)

    hash_.by_address = True  # type: ignore[attr-defined]
    replaced["__hash__"] = hash_
    for name in ("__lt__", "__le__", "__gt__", "__ge__", "__eq__", "__ne__", "__bool__",
                 "__float__", "__format__", "__repr__", "__int__", "__round__"):
        if name in has:
            replaced[name] = _as_number(name, has[name])
    return replaced


_COMPARISONS = {"__lt__": "<", "__le__": "<=", "__gt__": ">", "__ge__": ">=", "__eq__": "==",
                "__ne__": "!="}


def _as_number(name: str, original: Any) -> Any:
    """A method of Value that gives its number to code, as a capture sees it: the number
    followed (a comparison, truth, ``float``, formatting, ``int``), ``repr`` with it."""
    op = _COMPARISONS.get(name)

    def method(v: Value, *other: Any) -> Any:
        found = recording()
        if found is None or (op in ("==", "!=") and isinstance(other[0], Value)):
            return original(v, *other)  # (Values are equal when they are the same node)
        number = Traced(reading.number_of(v), ("node", v))
        if op is not None:
            return traced.compare(number, op, other[0])
        if name == "__repr__":
            return _shown(v, traced.as_constant(number, "repr"))
        return getattr(number, name)(*other)

    method.__name__ = name
    return method


# ----------------------------------------------------------------------------- node builders
def _watched(builder: Callable[..., Any]) -> Callable[..., Any]:
    """A node builder of the engine as a capture sees it: every node it makes is known as
    made inside the capture (where it took a constant, with the learner's line), and an op
    that raises is recorded with its operands."""
    def build(row: Any, a: Any, b: Any = _NO, *more: Any) -> Any:
        found = getattr(_state, "recording", None)
        args = (row, a) if b is _NO else (row, a, b, *more)
        if found is None:
            return builder(*args)
        handed = len(found.given)
        found.building += 1
        try:  # (an engine's row as it made it, by identity: ``own_ops.ENGINES``)
            node = builder(*args) if type(row) in _ROWS and row in ENGINES else \
                built(found, builder, args)  # (an op of one's own: what it did, noted)
        except (ArithmeticError, ValueError) as error:
            found.raised.append(Raised(("node", row, args[1:]), type(error), learners_line(),
                                       error.args))
            raise
        finally:
            found.building -= 1
        if node.__class__ is not Value:
            return node
        found.made[id(node)] = node
        found.as_made.append((node, (Value, _DATA(node), _ROW(node), _A(node), _DA(node),
                                     _B(node), _DB(node), _LIST(node), _LIST_GRADS(node))))
        if builder is not _many:
            given = found.given
            if (type(a) in _PLAIN and id(a) not in given) or \
                    (type(b) in _PLAIN and id(b) not in given):
                found.lines[id(node)] = learners_line()  # (a constant: explain() says where)
        if node._row is None and reading.made_without_graph(node):
            found.no_graph[id(node)] = (builder.__name__, args)
            if len(found.given) > handed:  # (floats the engine made of followed numbers)
                found.handed_in[id(node)] = list(itertools.islice(
                    reversed(found.given), len(found.given) - handed))
        return node

    build.__name__ = builder.__name__
    build.__doc__ = builder.__doc__
    build.builder = builder  # type: ignore[attr-defined]  # (``reading.engines_builder``)
    return build


REPLACED = [""]
"""Value's number-giving parts the learner replaced, found before a capture put its own."""
_NO = object()
_BUILDERS = frozenset(m.__file__ for m in (engine, sums, copying))  # (a new node's .grad)
_ROWS = (Op, ListOp)  # (the engine's classes of rows: keyed by identity)
_DATA, _ROW, _A, _DA, _B, _DB, _LIST, _LIST_GRADS = reading.FIELD_READERS  # (``built.py``)
_PLAIN = frozenset((float, int))
_many = sums.many


# ----------------------------------------------------------------------------- functions
def _followed(function: Callable[..., Any], name: str) -> Callable[..., Any]:
    """A function of real numbers (``math.exp``) as a capture sees it: of followed numbers,
    a step of the program (the same function at every run)."""
    def call(*args: Any) -> Any:
        if recording() is None or not any(isinstance(a, Traced) for a in args) or not all(
                isinstance(a, Traced) or type(a) in (float, int, bool) for a in args):
            return function(*args)
        return _step(name, function, *args)

    call.__name__ = function.__name__
    call.__doc__ = function.__doc__
    return call


_STEPS: dict[Any, Callable[..., Any]] = {math.fsum: fsum}  # (each one's step: fsum's in C too)


def _of_items(function: Callable[..., Any], name: str) -> Callable[..., Any]:
    """A function of a list of numbers (``statistics.mean``) as a capture sees it: of
    followed numbers and plain ones, one step of the program (the same function of them
    at every run); with more arguments, or of anything else, the function of their plain
    numbers (each followed one then a constant, guarded to the bit)."""
    step = _STEPS.get(function)
    if step is None:
        def of(*items: Any) -> Any:
            return function(list(items))

        of.__name__ = of.__qualname__ = function.__name__
        step = _STEPS[function] = of
        BY_THE_NUMBERS.add(of)  # (``mean([1, 3])`` is the int 2, ``mean([1, 2])`` 1.5)

    def call(data: Any, *more: Any, **options: Any) -> Any:
        found = recording()
        if found is None:
            return function(data, *more, **options)
        try:
            items = list(data)
        except TypeError:
            return function(data, *more, **options)  # (its own error)
        if not any(isinstance(x, Traced) for x in items):
            return function(items, *more, **options)
        if more or options or not all(isinstance(x, Traced) or type(x) in (float, int, bool)
                                      for x in items):
            def plain(x: Any) -> Any:
                return found.constant(x, name) if isinstance(x, Traced) else x

            return function([plain(x) for x in items], *map(plain, more),
                            **{k: plain(v) for k, v in options.items()})
        return _step(name, step, *items)

    call.__name__ = function.__name__
    call.__doc__ = function.__doc__
    return call


def _shown(v: Value, number: float) -> str:
    """A Value as its repr shows it, with ``number``, its gradient read past the capture's
    property (a repr is not a read of ``.grad`` a program would need)."""
    slot = _original_grad[0]
    held = slot.__get__(v) if slot is not None else 0.0
    label = v.__dict__.get("label") if hasattr(v, "__dict__") else None
    row = reading.row_of(v)
    return (f"Value(data={number!r}, grad={held!r}{f', label={label!r}' if label else ''}"
            f"{f', op={row.name!r}' if row is not None else ''})")


_original_grad: list[Any] = [None]


def _printed(original: Callable[..., Any]) -> Callable[..., Any]:
    """``print`` in a capture: it prints the numbers (no guard: what is printed changes
    nothing), and it is said once, since a program does not print."""
    def print(*args: Any, **options: Any) -> None:
        found = recording()
        if found is not None:
            found.effect("it prints (a program does not print again: print outside the "
                         "compiled function, or from what it returns)")
            args = tuple(traced.value_of(a) if isinstance(a, Traced) else  # (printing
                         _shown(a, reading.number_of(a)) if isinstance(a, Value) else a
                         for a in args)  # fixes nothing)
            with written_out.saying():  # (sys.stdout's write: the print is said)
                original(*args, **options)
            return
        original(*args, **options)

    return print


def leaves_made(function: Any, args: Any, kwargs: Any) -> tuple[Any, set[int]]:
    """``function``'s answer and the ids of the leaves made while it ran, for ``verify=``:
    ``Value.__init__`` noted, and every node the engine makes with no ``__init__``
    (``bare(Value)``: one made under ``no_grad()`` is a leaf made in the call), and the
    engine's copies (``copy.copy``, ``copy.deepcopy``), then put back (not while a capture
    has Value's methods in place)."""
    made: set[int] = set()
    shallow, deep, bare = copying.shallow_copy, copying.deep_copy, engine.bare
    with _patch_lock:
        if (init := None if _patched else Value.__dict__["__init__"]) is not None:
            def noted(v: Value, *more: Any, **named: Any) -> None:
                init(v, *more, **named)
                made.add(id(v))

            def made_bare(kind: Any) -> Any:
                node = bare(kind)
                made.add(id(node))
                return node

            def copied(value: Any, memo: Any = None) -> Any:
                new = shallow(value) if memo is None else deep(value, memo)
                made.update(id(x) for x in ([new] if memo is None else memo.values())
                            if isinstance(x, Value))
                return new
            Value.__init__ = noted  # type: ignore[method-assign, assignment]
            copying.shallow_copy = copying.deep_copy = copied
            for module in (engine, sums):  # (the engine's bare(Value), where it is read)
                module.bare = made_bare  # type: ignore[attr-defined]
    try:
        return function(*args, **kwargs), made
    finally:
        if init is not None:
            with _patch_lock:
                Value.__init__ = init  # type: ignore[method-assign]
                copying.shallow_copy, copying.deep_copy = shallow, deep
                for module in (engine, sums):
                    module.bare = bare  # type: ignore[attr-defined]
