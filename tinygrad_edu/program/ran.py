"""The functions of the learner's code that ran while a function was captured, each with its
code object: one whose ``__code__`` is replaced in place afterwards (as IPython's
``autoreload`` does, keeping the function object) would run other code than its program
follows, so a program runs only while each still has the code that ran (``functions``,
checked by ``capture.py`` at every call); where one is reached by name (a class's method, a
module's function: ``M.fwd``, ``helpers.act``), that place is guarded to hold it
(``guard_named``: rebound, or its module reloaded, the function is captured again). The
engine's own code that ran is followed so too (``Value.tanh = my_tanh``, ``F.mse_loss =
...`` after the capture: a64d f2), but not looked for where no name holds it. A
function memoized (``functools.lru_cache``, ``functools.cache``) gives a number its capture
cannot place: a program runs only while its cache is as it was (``cache_state``: a
``cache_clear()``, a call outside, captured again); one whose function ran in the capture
(``computed``) keeps no program, since the engine's next call takes what it cached. Code
picked through a descriptor or a registry of Python's is followed as the function it holds
(a ``functools.partialmethod``, a ``singledispatchmethod``: rebound on the class, captured
again; an implementation registered on the latter, too); a class registered on an ABC
(``ABC.register``) after the capture, which ``isinstance`` answers otherwise from then on,
means no program runs (``registered``: Python's count of such registrations)."""

from __future__ import annotations

import abc
import functools
import gc
import os
import types
from typing import Any

from tinygrad_edu.ops import code_of
from tinygrad_edu.program import reading
from tinygrad_edu.program.kinds import freed
from tinygrad_edu.program.learners_code import engines_file, learners_file, user_code
from tinygrad_edu.program.places import own
from tinygrad_edu.row import GivenOp, ListOp, Op

__all__ = ["cache_state", "computed", "functions", "guard_named", "registered", "replaced",
           "rows_of"]


Named = tuple[str, Any, str]
"""Where a function that ran is reached by name: ``("class", the class looked up from, the
name)`` (``M.fwd``, ``Value.swish``: whatever the class or a base holds there) or
``("globals", a module's globals, the name)`` (``helpers.act``)."""


def functions(codes: Any, near: Any) -> tuple[list[tuple[Any, Any]], list[Any], list[Named]]:
    """The function objects that hold one of ``codes`` (the learner's code that ran: code
    -> its globals), each with it: looked for first where the code reached them (``near``:
    the compiled function, closure cells; the names each code loads from its globals, a
    class's functions, an object's class's), then, for code still not placed, in its module
    (every name of its globals, and the items of a dict, list or tuple there: a dataclass's
    ``__init__``, a dict of functions), and last among every object (``gc.get_referrers``:
    slow where the process holds many, a third of a second at each capture in a test
    process that imported PyTorch). And the functions memoized (``functools.lru_cache``,
    ``functools.cache``) found where the code reached them. And where each function found
    is reached by name (``Named``), for the capture to guard: a method rebound (``M.fwd =
    ...``, ``Value.swish = ...``), a module's function rebound (``helpers.act = ...``,
    ``importlib.reload(helpers)``) runs other code than the program follows."""
    ran = {code: g for code, g in codes if not _librarys(g)}
    found: dict[int, tuple[types.FunctionType, types.CodeType]] = {}
    memoized: dict[int, Any] = {}
    named: dict[tuple[int, str], Named] = {}

    def look(x: Any, deep: bool, reached: bool = True, via: tuple[Named, ...] = ()) -> None:
        x = _inner(x)  # (a method, a property, a partial: read as they are)
        if isinstance(x, _MEMOIZED):
            if reached:  # (not one the module merely holds)
                memoized[id(x)] = x
            x = x.__wrapped__
        if isinstance(x, types.FunctionType):
            if x.__code__ in ran:
                found.setdefault(id(x), (x, x.__code__))
                for where in via:
                    named.setdefault((id(where[1]), where[2]), where)
        elif deep and not isinstance(x, types.ModuleType):
            looked = x if isinstance(x, type) else type(x)
            for klass in looked.__mro__[:-1]:  # (looked up from the class; and the base that
                for name, item in list(vars(klass).items()):  # holds it, which a subclass's
                    look(item, False, reached, (("class", looked, name),  # method may call
                                                ("class", klass, name)))  # with super())

    for x in near:
        look(x, True)
    for code, globals_ in ran.items():
        for name in code.co_names:
            if name in globals_:
                look(globals_[name], True)
    inner = {c for code in ran for c in code.co_consts if isinstance(c, types.CodeType)}
    left = set(ran) - inner - {code for _, code in found.values()}  # (a code made inside
    # another that ran, a generator expression's: replaced with it)
    modules = {id(ran[code]): ran[code] for code in left}  # (then in its module: a class's
    classes: set[int] = set()  # __init__ a dataclass made, a lambda in a dict of functions)
    for globals_ in modules.values():
        for name, x in list(globals_.items()):
            held = list(x.values() if type(x) is dict else x) \
                if type(x) in _HOLDING and len(x) <= _ITEMS else []
            for y in (x, *held):
                if freed(y):  # (a freed weakref.proxy of the module's: any look raises)
                    continue
                if not isinstance(y, type):
                    look(y, False, False, (("globals", globals_, name),) if y is x else ())
                elif id(y) not in classes:
                    classes.add(id(y))
                    look(y, True, False)
    left -= {code for _, code in found.values()}
    left = {code for code in left if user_code(code)}  # (the engine's own, held in no name:
    if left:  # a row's rule, checked with its row, ``rows_of``)
        for f in gc.get_referrers(*left):
            if isinstance(f, types.FunctionType) and f.__code__ in left:
                found.setdefault(id(f), (f, f.__code__))
    return list(found.values()), list(memoized.values()), list(named.values())


def guard_named(watcher: Any, named: list[Named],
                found: list[tuple[Any, Any]]) -> list[tuple[Any, str, Any, str]]:
    """Each place a function that ran is reached by name (``functions``' ``Named``) is a
    place outside, guarded by identity as any other (``outside.Watcher``): a method of a
    class (whatever the class, or the first base that has it, holds by that name: a method
    given to a subclass is seen too), a function of a module. What a method holds besides
    (``_HELD_WITHIN``) is returned too, as ``held.py``'s places are (held again at the next
    capture: a number there that changed is an input of it)."""
    within_held = []
    lines = {}
    for function, code in found:
        lines[id(function)] = f"{os.path.basename(code.co_filename)}:{code.co_firstlineno}: " \
            f"def {code.co_name}"
    for kind, holder, name in named:
        if kind == "globals":
            held = holder.get(name)
            watcher._root(("global", holder, name), held, lines.get(id(_inner(held)), ""))
        else:
            try:
                held = own(holder, name)
            except AttributeError:
                continue
            label, line = getattr(holder, "__qualname__", "?"), lines.get(id(_inner(held)), "")
            watcher.held(holder, label, (("own", name),), line)
            for within in _HELD_WITHIN.get(type(held), ()):  # (what it dispatches to, what
                steps = (("own", name), *within)  # it gives)
                watcher.held(holder, label, steps, line)
                within_held.append((holder, label, steps, line))
    return within_held


def _inner(x: Any) -> Any:
    """The function a method, a static or class method, a property or a partial holds."""
    while isinstance(x, _HOLDS):
        x = x.fget if isinstance(x, property) else x.func \
            if isinstance(x, _FUNC) else x.__func__
    return x


_HELD_WITHIN: dict[type, tuple[tuple[tuple[str, str], ...], ...]] = {
    functools.singledispatchmethod: ((("attr", "dispatcher"), ("attr", "registry")),),
    functools.partialmethod: ((("attr", "args"),), (("attr", "keywords"),)),
    staticmethod: ((("attr", "__func__"),),), classmethod: ((("attr", "__func__"),),)}
"""What a method of a class's held besides itself is guarded to hold: a
``singledispatchmethod``'s implementations (one registered later is another function), a
``partialmethod``'s arguments (its keywords changed in place: a64d f5), a static or class
method's function, walked as a function (its defaults: ``Opt.update.__defaults__ =
(0.5,)`` kept the old ``lr``, engine 0.56, program 0.14, silently, a64e F1)."""
_FUNC = (functools.partial, functools.partialmethod, functools.singledispatchmethod)
_HOLDS = (types.MethodType, staticmethod, classmethod, property, *_FUNC)


def registered() -> object:
    """Python's count of classes registered on an ABC (``ABC.register``), as it is now."""
    return abc.get_cache_token()


def _librarys(globals_: dict[str, Any]) -> bool:
    """Whether code compiled from a string (``user_code`` takes it for the learner's) was
    compiled by a library into its own namespace: a dataclass's ``__init__`` compiled into
    the package's module (the capture's own Guard, made as a capture runs), the ``__new__``
    of a ``collections.namedtuple`` (collections' own code, the same for every namedtuple:
    ``dis``'s, read as a capture runs). Not looked for: none of it is code of the learner's
    that autoreload could replace, and looking among every object cost a third of a second
    at each capture in a test process holding PyTorch's objects."""
    name, file = globals_.get("__name__"), globals_.get("__file__")
    if type(name) is str and name.startswith("namedtuple_") and \
            globals_.get("_tuple_new") is tuple.__new__:
        return True
    return type(file) is str and not learners_file(file) and not engines_file(file)


_MEMOIZED = functools._lru_cache_wrapper
_HOLDING = (dict, list, tuple)
_ITEMS = 10_000
"""The containers of a module whose items a function is looked for among (up to so many)."""


def cache_state(memoized: list[Any]) -> list[tuple[Any, tuple[int, int, int]]]:
    """Each memoized function with what its cache has given, computed and holds (a call
    outside, a ``cache_clear()``: another state)."""
    return [(m, _state(m.cache_info())) for m in memoized]


def _state(info: Any) -> tuple[int, int, int]:
    return info.hits, info.misses, info.currsize


def computed(memoized: list[Any], codes: Any) -> str:
    """The first memoized function whose function ran while captured (its cache missed),
    said (else "")."""
    for m in memoized:
        if getattr(m.__wrapped__, "__code__", None) in codes:
            return getattr(m, "__qualname__", "?")
    return ""


def replaced(held: list[tuple[types.FunctionType, types.CodeType]],
             caches: list[tuple[Any, tuple[int, int, int]]], token: object = None,
             rows: tuple[tuple[Any, Any, Any, Any], ...] = (),
             classes: tuple[tuple[type, tuple[Any, ...]], ...] = ()) -> str:
    """Why a program cannot run: the first function whose code was replaced, or whose cache
    changed, or a class registered on an ABC since the capture (``token``: ``registered()``
    then), or a row of the op table it computes with whose forward or rules were set since
    (``rows``: ``rows_of`` then; a64c's f5), or a part of the engine's replaced since
    (``reading.engines_builder``, ``number_parts_replaced``), or of a subclass of Value
    (``classes``: ``reading.class_parts`` then) (else "")."""
    for row, forward, rules, code in rows:
        what = "forward" if row.forward is not forward else "rules" if row.rules is not \
            rules else "code" if code_of(row) != code else ""
        if what:
            return f"the op table's row {row.name!r} was edited since the capture (its {what} set)"
    if token is not None and abc.get_cache_token() != token:
        return ("a class was registered on an abstract base class (ABC.register) since the "
                "capture: isinstance() and issubclass() may answer otherwise")
    for function, code in held:
        if function.__code__ is not code:
            return (f"the code of {function.__qualname__} was replaced (its __code__ set, "
                    "as autoreload does)")
    for m, state in caches:
        if _state(m.cache_info()) != state:
            return (f"the cache of {getattr(m, '__qualname__', '?')} (functools.lru_cache, "
                    "functools.cache) changed: cleared, or called outside")
    engines = reading.engines_builder() or reading.number_parts_replaced() or \
        reading.class_parts_changed(classes)
    if engines:  # (``Value.item`` replaced after the capture, a check put in
        return f"{engines} is not the engine's own since the capture"  # a pass: a64o S8)
    return ""


def rows_of(tape: Any) -> tuple[tuple[Any, Any, Any, Any], ...]:
    """The rows of the op table a tape computes with, each with its forward, rules and their
    code as they are now (what ``replaced`` checks stay so: a rule's ``__code__`` replaced,
    a64d f5)."""
    rows: dict[Any, Any] = {}
    for step in tape.steps:  # (an engine's row its own key: each ``id()`` an audit event)
        row = getattr(step, "row", None)
        if isinstance(row, Op) and not isinstance(row, GivenOp):
            rows.setdefault(row if type(row) in (Op, ListOp) else id(row), row)
    return tuple((row, row.forward, row.rules, code_of(row)) for row in rows.values())
