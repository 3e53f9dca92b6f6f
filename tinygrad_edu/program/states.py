"""What an object a capture does not look into holds (``state_of``): the standard library's
and C's objects (a ``threading.Event``, a ``queue.Queue``, a ``ConfigParser``, a
``multiprocessing.Value``, a ``weakref.WeakKeyDictionary``, an ElementTree element). A
capture reads a number or a flag there through their own methods (``is_set()``, ``locked()``,
``qsize()``, ``getfloat()``, ``.value``), which it does not follow; what they hold is kept
as it was and checked at every call (``guards.py``): where it is not as it was, the function
is captured again.

What is kept, a few steps deep (at most ``BUDGET`` items, the same ones at every call): its
attributes by identity, a container's length and its items (a set's in the order of their
identities: a ``WeakSet``'s), the attributes of an object of the learner's class
(``SETTINGS[model].wd`` of a ``WeakKeyDictionary``, ``Q.queue[0].reward``, ``LOG.hp.lr``;
one a capture walks too, by a name, let go: guarded as places there, ``let_go``;
past the depth too, three steps more while the learner's objects lead on:
``Q.queue[0][0].sub.lr``; a write to one inside, ``STATE[m].t += 1``, is a change the
function makes, said and captured again while it does: ``returned.py``), a ctypes object's and a
buffer's bytes, the attributes of an object a ``weakref`` refers to and of a
``multiprocessing`` object (a semaphore's count: an ``Event``'s flag) and of a logger's
handler (its level), a lock's being held
(``locked()``), a reentrant lock's owner and count (its ``repr``), a dict's view's dict, an
element's text, tail, attributes and children; an object with no ``__dict__``, by the fields
its class declares (C's: a ``decimal.Context``'s ``prec``; ``__slots__``). Past the budget
(or the depth), a container is kept by its items' identities, all of them (copied at C's
speed, no step further: an item changed in place there is not seen). So a number the
function used that is held deeper is looked for there by identity and guarded where it is
(``held.held_inside``), and one still of unknown origin while such an object holds a number
its state does not keep (``numbers_kept``) is refused. What Python does not show (a
``hashlib`` object's state) is not kept: ``verify=`` checks."""

from __future__ import annotations

import _thread
import ctypes
import logging
import operator
import pickle
import types
import weakref
from collections import deque
from typing import Any

from tinygrad_edu.program.learners_objects import plain_data

__all__ = ["BUDGET", "CTYPES", "DEPTH", "GENERATORS", "exact_key", "exact_keys",
           "generator_state", "let_go", "numbers_kept", "state_of", "torch_generator"]

GENERATORS = ("random", "numpy.random", "numpy.random.mtrand", "numpy.random._generator")
"""The modules whose objects are random generators (``kinds.py``), PyTorch's apart."""

CTYPES = (ctypes.Structure, ctypes.Union, ctypes.Array, ctypes._SimpleCData)
"""ctypes' objects held by their bytes (a number, a structure's fields, an array's items)."""
BUDGET = 256
"""Items kept per object, at most (the rest by their identity alone)."""
DEPTH = 3
"""Steps kept down from the object (deeper, by identity alone)."""
_CONTAINERS = (list, tuple, dict, deque, set, frozenset)


def state_of(x: Any) -> Any:
    """What ``x`` holds (see the module's docstring), to compare with what it held; None
    where it holds nothing a capture can read again (no ``__dict__``, not an element)."""
    left = [BUDGET]
    if torch_generator(x):  # (its seed and state, in C: set outside between calls, seen)
        return x.initial_seed(), x.get_state().numpy().tobytes()
    if type(x).__module__ in GENERATORS:  # (random's, NumPy's: its state and spawns)
        return generator_state(x)
    if (_SORTS.get(type(x)) or _sort(x, type(x))) in ("element", "lock", "count", "bytes",
                                                       "rlock", "view", "finalizer"):
        return _state(x, DEPTH, left)  # (no ``__dict__``: what it holds, itself)
    try:
        attributes = object.__getattribute__(x, "__dict__")
    except Exception:  # (none, or one of its own making: its class's fields, if any)
        attributes = None
    try:
        if attributes is None:
            return _fields(x, DEPTH, left) if _declared(type(x)) else None
        if type(attributes) is not dict:
            return None
        pairs = list(attributes.items())
        if isinstance(x, logging.Logger):  # (not its ``_cache``: what ``isEnabledFor`` said,
            pairs = [(k, v) for k, v in pairs if k != "_cache"]  # kept by logging for it)
        return _items(pairs, DEPTH, left)
    except RuntimeError:  # (changed by another thread as it was read: not as it was)
        return object()


def numbers_kept(state: Any) -> set[int]:
    """The ids a state (``state_of``'s) keeps: a number held there, kept by its identity, is
    one of them (one past the depth or the budget is not: ``held.held_inside`` tells)."""
    kept: set[int] = set()
    stack = [state]
    while stack:
        x = stack.pop()
        if type(x) is int:
            kept.add(x)
        elif type(x) is tuple:
            stack += x
        elif type(x) is _Same:
            kept.update(map(id, x.items))
    return kept


def generator_state(generator: Any) -> Any:
    """A random generator's state (to see whether a capture drew from it), and for NumPy's,
    how many children its seed sequence has spawned (``rng.spawn(1)`` draws no number from
    it, but each child draws others: before, the program kept the capture's child's draw,
    silently). Checked at every call where the function reached it: its state read as a
    number (``rng.bit_generator.state``, ``Random.getstate()``) while it is drawn from
    outside between calls is seen, the function captured again."""
    if torch_generator(generator):  # (its seed and state, as bytes: a tensor pickles anew)
        return state_of(generator)
    for how in ("getstate", "get_state"):
        if hasattr(generator, how):
            try:
                return pickle.dumps(getattr(generator, how)())
            except NotImplementedError:  # (random.SystemRandom: its draws are refused)
                return None
    found = getattr(generator, "bit_generator", generator)
    spawned = getattr(getattr(found, "seed_seq", None), "n_children_spawned", None)
    return pickle.dumps((getattr(found, "state", None), spawned))


def torch_generator(x: Any) -> bool:
    """Whether ``x`` is a ``torch.Generator`` (``torch_seeds.py``: a random generator whose
    state, in C, a capture checks at every call)."""
    kind = type(x)
    return kind.__module__ == "torch._C" and kind.__name__ == "Generator"


def _items(pairs: list[tuple[Any, Any]], depth: int, left: list[int]) -> Any:
    return tuple([(k if type(k) in (str, int) else id(k), _state(v, depth - 1, left))
                  for k, v in pairs])


def _state(v: Any, depth: int, left: list[int], through: bool = False) -> Any:
    left[0] -= 1
    kind = type(v)
    sort = _SORTS.get(kind) or _sort(v, kind)
    if sort == "same":  # (an immutable number or text, a function, another object: by
        return id(v)  # identity, as it was replaced)
    if sort == "bytes":
        try:
            return id(v), memoryview(v).tobytes()
        except (TypeError, ValueError):
            return id(v)
    if sort == "lock":  # (held or not: ``LOCK.locked()``)
        return id(v), v.locked()
    if sort == "count":  # (a multiprocessing semaphore's)
        try:
            return id(v), v._get_value()
        except (OSError, NotImplementedError):
            return id(v)
    if sort == "finalizer":  # (alive or not: finalize's own property, not a subclass's)
        return id(v), weakref.finalize.alive.fget(v)  # type: ignore[attr-defined]
    if sort == "rlock":  # (its owner and count: ``<unlocked _thread.RLock object owner=0
        return id(v), repr(v)  # count=0 at 0x...>``)
    if sort == "view":  # (``d.values()``: what its dict holds)
        return id(v), _items(list(v.mapping.items()), depth, left)
    if (depth <= 0 and (sort != "learners" or depth <= -DEPTH)) or left[0] <= 0:
        return (id(v), len(v), _Same(v)) if sort == "items" else (id(v), -1)
    if sort == "items":
        if len(v) > left[0]:
            return id(v), len(v), _Same(v)
        pairs = list(v.items()) if isinstance(v, dict) else list(enumerate(v)) if not \
            isinstance(v, (set, frozenset)) else list(enumerate(sorted(v, key=id)))
        return id(v), _items(pairs, depth, left)  # (a set's items in the order of their
        # identities: a ``WeakSet``'s weak references, what each refers to)
    if sort == "ref":
        return id(v), _state(v(), depth, left, True)  # (what it refers to: no step further)
    if sort == "element":
        return id(v), v.text, v.tail, _state(v.attrib, depth, left), \
            tuple([_state(c, depth, left) for c in list(v)[:left[0]]])
    if sort == "object" and not through:
        return id(v)  # (an object's attributes: of the learner's class, of one a weakref
    try:  # refers to, of a multiprocessing lock, semaphore, event; else by identity)
        attributes = object.__getattribute__(v, "__dict__")
    except Exception:
        found = _fields(v, depth, left) if _declared(kind) else id(v)
        return _Own(id(v), found[1]) if sort == "learners" and type(found) is tuple else found
    if type(attributes) is not dict:
        return id(v)
    found = _items(list(attributes.items()), depth, left)
    return _Own(id(v), found) if sort == "learners" else (id(v), found)


class _Own:
    """An object of the learner's class by its attributes (``_state``): equal to another
    where it is the very object and holds the same, or where either's attributes were let
    go (``let_go``: a capture walks that object too, its attributes places of their own,
    guarded there and written again by the program; kept here as well, a write the program
    does again was taken for one it does not, and the function captured again at each call,
    run as the engine after five)."""

    __slots__ = ("at", "attributes")

    def __init__(self, at: int, attributes: Any) -> None:
        self.at, self.attributes = at, attributes

    def __eq__(self, other: object) -> bool:
        return type(other) is _Own and other.at == self.at and (
            self.attributes is None or other.attributes is None or
            self.attributes == other.attributes)

    __hash__ = None  # type: ignore[assignment]


def let_go(held: Any, walked: set[int]) -> None:
    """In ``held`` (what ``state_of`` kept), the attributes of the learner's objects a capture
    walked (``walked``: their ids), let go: those are guarded as places."""
    stack = [held]
    while stack:
        x = stack.pop()
        if type(x) is tuple:
            stack += x
        elif type(x) is _Own:
            if x.at in walked:
                x.attributes = None
            else:
                stack.append(x.attributes)


class _Same:
    """A container's items by their identities, all of them (past the budget): equal to
    another where each item is the very same object."""

    __slots__ = ("items",)

    def __init__(self, v: Any) -> None:
        self.items = (*v, *v.values()) if isinstance(v, dict) else tuple(v)  # (C's speed)

    def __eq__(self, other: object) -> bool:
        return type(other) is _Same and len(other.items) == len(self.items) and all(
            map(operator.is_, other.items, self.items))

    __hash__ = None  # type: ignore[assignment]


def _fields(v: Any, depth: int, left: list[int]) -> Any:
    """An object with no ``__dict__`` by the fields its class declares (``_declared``)."""
    found: list[Any] = []
    kind = type(v)
    for name, field in _declared(kind):
        try:
            held = field.__get__(v, kind)
            if type(held) is float:  # (by its bits: a NaN is the same NaN)
                found.append((name, held.hex()))
            elif type(held) in _PLAIN:  # (by value: C gives a new int at every read)
                found.append((name, held))
            elif field.__get__(v, kind) is held:  # (else a new object at every read, a
                found.append((name, _state(held, depth - 1, left)))  # view: not kept)
        except Exception:  # (a slot not set, a field that cannot be read now)
            found.append((name, None))
    return id(v), tuple(found)


_PLAIN = (int, bool, str, bytes, type(None))


_DECLARED: dict[type, tuple[tuple[str, Any], ...]] = {}


def _declared(kind: type) -> tuple[tuple[str, Any], ...]:
    """The fields ``kind`` declares: C's (``decimal.Context.prec``) and ``__slots__``'
    (once per class)."""
    found = _DECLARED.get(kind)
    if found is None:
        seen: dict[str, Any] = {}
        for cls in reversed(kind.__mro__):
            for name, field in vars(cls).items():
                if isinstance(field, (types.GetSetDescriptorType,
                                      types.MemberDescriptorType)) and \
                        name not in ("__weakref__", "__dict__"):
                    seen[name] = field
        found = _DECLARED[kind] = tuple(seen.items())
    return found


_SORTS: dict[type, str] = {t: "same" for t in (str, int, float, bool, bytes, type(None))}
_RLOCK = getattr(_thread, "RLock", None)
_VIEWS: tuple[type, ...] = (type({}.keys()), type({}.values()), type({}.items()))


def _sort(v: Any, kind: type) -> str:
    """How ``_state`` keeps what an object of ``kind`` holds (once per class)."""
    if isinstance(v, weakref.finalize):
        sort = "finalizer"  # (``FIN.alive``: whether its object lives, kept in finalize's
        # own registry; before, by identity: the first call's answer, silently)
    elif callable(v) and not isinstance(v, (weakref.ref, *CTYPES)):
        sort = "same"
    elif isinstance(v, CTYPES) or kind in (bytearray, memoryview):
        sort = "bytes" if not callable(v) else "same"
    elif kind is _thread.LockType:
        sort = "lock"
    elif kind is _RLOCK:
        sort = "rlock"
    elif kind in _VIEWS:
        sort = "view"
    elif kind.__name__ == "SemLock" and hasattr(v, "_get_value"):
        sort = "count"
    elif isinstance(v, _CONTAINERS):
        sort = "items"
    elif isinstance(v, weakref.ref):
        sort = "ref"
    elif _element(v):
        sort = "element"
    elif kind.__module__.startswith("multiprocessing") or isinstance(v, logging.Handler) or \
            kind.__module__ == "configparser":
        sort = "inside"  # (a handler's attributes: ``log.handlers[0].level``; a section's
        # parser: ``HP = CONFIG["train"]``, then ``HP.getfloat("lr")``; a64h's S3)
    elif plain_data(kind):
        sort = "learners"  # (its attributes, past the depth too: ``SETTINGS[m].wd``
        # of a WeakKeyDictionary, ``Q.queue[0].reward``, ``LOG.hp.lr``, ``CFG.optim.lr`` of
        # a class with its own ``__getattribute__``; before, by identity: changed between
        # calls, the capture's number stayed, silently; written by the function, ``s.t +=
        # 1``, done once: the engine's 0.025, 0.0475, the program's 0.025, 0.025)
    else:
        sort = "object"
    _SORTS[kind] = sort
    return sort


def _element(v: Any) -> bool:
    """An ElementTree element (its text, tail and attributes: no ``__dict__``)."""
    module = type(v).__module__
    return module in ("xml.etree.ElementTree", "_elementtree") and type(v).__name__ == "Element"


def exact_key(k: Any) -> Any:
    """A dict's key as a program tells it: its type, and a float by its bits (``1``,
    ``1.0``, ``True`` are one key to a dict, as are ``0.0`` and ``-0.0``; the code reading
    it tells them apart: ``isinstance(step, float)``, ``str(k)``), a tuple's items so."""
    if type(k) is float:
        return (float, k.hex())
    if type(k) is tuple:
        return (tuple, tuple(map(exact_key, k)))
    return (type(k), k)


def exact_keys(d: Any) -> tuple[Any, ...]:
    """A dict's keys in their order, each as ``exact_key`` tells it."""
    return tuple(map(exact_key, d))
