"""What shows the address of an object made in the call, as a capture sees it. Such an object
is new at every call, and so is its address: a set of them is gone through in their
addresses' order, a sort by ``hash()`` or ``repr()`` is in that order, and the graph built so
changes from call to call (the engine's own numbers change too). No program can follow
that, so the capture refuses it, naming the line (``sets.py`` says what to do instead, and
holds what tells such an object, which this module asks; it imports nothing of this one):

- ``sets.by_address(x)``: whether ``hash(x)`` is an address (object's ``__hash__``, a Value's, a
  tuple holding one), or hashes a Value made in the call (a frozen dataclass's hash of its
  fields: counted by the Value's hash as a capture sees it, ``watching.py``);
- ``sets.ordered_by_address(x)``: whether a set holding ``x`` is ordered by the address of
  something made in the call: ``x`` is a Value made in the call, or holds one (its
  attributes, its items, a few levels deep: ``Term(p * x)``, ``(p * x, i)``) and hashes by
  address;
- ``Classes``: the learner's classes whose objects hash by address (object's ``__hash__``, a
  dataclass with ``eq=False``) or show it (object's ``__repr__``), given a ``__hash__`` and
  a ``__repr__`` of the capture's while it runs (put back when it ends). Python's own set
  (``{Term(p * x) for p in P}``) goes through its items unseen, but it hashes each one: an
  object holding a Value made in the call hashed into one is refused where it is made
  (``sets.into_a_set``); its address shown (``repr``, ``str``, an f-string: ``sorted(terms,
  key=repr)``) is refused where it is shown;
- ``class_names_read``: the learner's code that reads those two names of a class it names
  (``HP.__repr__``, ``HP.__dict__``, ``getattr(HP, "__repr__")``), refused;
  ``type_names_read``: ``type(c)`` of such a class, in code that reads them
  (``len(type(c).__dict__)``, ``D = type(c)`` then ``D.__dict__``), refused;
  ``given_classes_passed``: such a class given to a function that reads them of its
  argument (``count(type(c))``, ``def count(D): return len(D.__dict__)``), refused;
  ``subclasses_read``: the learner's code that reads a class's ``__subclasses__()``, which
  classes there are, refused;
- Value's class, whose names a capture changes too (``class_names.py``): ``vars(Value)``, its
  names as outside a capture; its ``__dict__`` read whole (``len(Value.__dict__)``,
  ``type(v).__dict__``, ``v.__class__.__dict__``, ``getattr(Value, "__dict__")``), refused
  (before: engine 152, program 158, silently); one name of it (``type(v).__dict__["data"]``),
  the capture's, through which a number read is followed.
"""

from __future__ import annotations

import itertools
import os
import types
from sys import _getframe  # (Python's own: a capture puts its own in sys while it runs)
from typing import Any

from tinygrad_edu.engine import Value
from tinygrad_edu.program.asking import static
from tinygrad_edu.program.class_names import added_to, names_outside
from tinygrad_edu.program.identity import operand_start
from tinygrad_edu.program.learners_code import user_code
from tinygrad_edu.program.sets import into_a_set, made_in_call
from tinygrad_edu.program.traced import recording

__all__ = ["Classes", "class_names_read", "given_classes_passed", "given_ours",
           "names_read_of_a_local", "type_names_read", "vars_seen"]

_HERE = os.path.dirname(os.path.abspath(__file__))
# ----------------------------------------------------------------------------- the classes
class Classes:
    """The learner's classes given a ``__hash__`` and a ``__repr__`` of the capture's while it
    runs (``watch``: those of a module whose code runs, and the class of ``self`` in a method
    that starts; ``restore``: put back)."""

    def __init__(self) -> None:
        self.modules: set[int] = set()
        self.given: list[tuple[type, str, Any]] = []

    def watch(self, code: types.CodeType, globals_: dict[str, Any], frame: Any) -> None:
        if not user_code(code):
            return
        if id(globals_) not in self.modules:
            self.modules.add(id(globals_))
            for held in list(globals_.values()):
                if issubclass(type(held), type) and held.__module__ == globals_.get(
                        "__name__"):  # (by its type: no look at a freed proxy, places.FREED)
                    self._give(held)
        if frame is not None and code.co_argcount and code.co_varnames[0] == "self":
            held = frame.f_locals.get("self")
            if held is not None and type(held).__module__ == globals_.get("__name__"):
                self._give(type(held))  # (a class made in a function)

    def _give(self, cls: type) -> None:
        for name, ours in _GIVEN:
            if name in given_ours(cls) and name not in vars(cls):
                try:
                    setattr(cls, name, ours)
                except (TypeError, AttributeError):  # (a class that takes no attributes)
                    continue
                self.given.append((cls, name, ours))

    def restore(self) -> None:
        for cls, name, ours in reversed(self.given):
            if vars(cls).get(name) is ours:
                delattr(cls, name)
        self.given.clear()


def _hashed(x: Any) -> int:
    """A learner's object's hash (its address) while a capture runs: one that holds a Value
    made in the call, hashed into Python's own set, is refused (``sets.into_a_set``)."""
    if recording() is not None and made_in_call(x):
        into_a_set(_getframe(1))
    return object.__hash__(x)


_hashed.by_address = _hashed.given = True  # type: ignore[attr-defined]


def _shown(x: Any) -> str:
    """A learner's object shown by object's ``__repr__`` (``<Term object at 0x...>``) while a
    capture runs: one that holds a Value made in the call is refused (its address, new at
    every call, is in the text)."""
    found = recording()
    if found is not None and not _getframe(1).f_code.co_filename.startswith(_HERE) and \
            made_in_call(x):  # (``print(term)``: printed once, nothing follows from it)
        name = type(x).__name__
        found.refuse(f"it shows the address of an object made in the call (repr(), str() or a "
                     f"format of a {name}, which has object's __repr__: '<{name} object at "
                     "0x...>'), new at every call, which a program cannot follow; give "
                     f"{name} a __repr__ of its own, or keep the objects in a list in the "
                     "order you made them")
    return object.__repr__(x)


_shown.given = True  # type: ignore[attr-defined]
_GIVEN = (("__hash__", _hashed), ("__repr__", _shown))


def given_ours(cls: Any) -> tuple[str, ...]:
    """The names of ``_GIVEN`` a capture gives ``cls`` (or gave it) while it runs: where it
    keeps object's (not a Value's class: ``watching.py`` sees its hash)."""
    if not issubclass(type(cls), type) or static(cls, "EMPTY_GRAD") is not None:
        return ()
    return tuple(name for name, theirs in (("__hash__", object.__hash__),
                                           ("__repr__", object.__repr__))
                 if static(cls, name) is theirs or getattr(static(cls, name), "given", False))


def vars_seen(*given: Any) -> Any:
    """``vars`` in the learner's module while a capture runs: of a class given a ``__hash__``
    or a ``__repr__`` of the capture's, its names as they are when no capture runs (before:
    ``len(vars(HP))``, ``"__repr__" in vars(HP)`` counted the capture's two, and the program
    kept the other answer at every call, silently: a64s); the order of a class's or a
    module's names taken so is guarded (``[v for k, v in vars(HP).items()][0]`` after ``del
    HP.lr; HP.lr = v``: before, the first call's order). ``vars()``: the caller's names."""
    if not given:
        names = _getframe(1).f_locals
        return names if type(names) is dict else dict(names)  # (3.13: a snapshot, as vars())
    held = vars(*given)
    found = recording()
    if found is not None and issubclass(type(given[0]), (type, types.ModuleType)):
        found.taken_whole.add(id(given[0]))  # (its names' order guarded: ``guards.py``)
    outside = names_outside(given[0]) if issubclass(type(given[0]), type) else None
    if outside is not None:  # (Value's class: as outside a capture, ``class_names.py``)
        return outside
    ours = [name for name, _ in _GIVEN if getattr(held.get(name), "given", False)]
    if not ours or not issubclass(type(given[0]), type):
        return held
    return types.MappingProxyType({k: v for k, v in held.items() if k not in ours})


_READ = ("__dict__", "__hash__", "__repr__")
_BY_NAME = ("getattr", "getattr_static", "hasattr")  # (``getattr(C, "__repr__")``)


def type_names_read(found: Any, frame: Any) -> None:
    """``type(x)`` in the learner's code (``frame``'s) while a capture runs, where it is
    ``found``, a class given a ``__hash__`` or a ``__repr__`` of the capture's: refused with
    the line if that code (or code made in it) reads the names the capture changes
    (``__dict__``, or a name given), by attribute or as a text, unless the answer is only
    asked another name (``type(c).__name__``), or kept in a local only asked another name
    or compared (``D = type(c)``, ``D.__name__``, beside ``o.__dict__``: ``_kept_apart``).
    Before: ``len(type(c).__dict__)``, an alias ``D = type(c)`` then ``D.__dict__``,
    counted the capture's two, engine 2.5, program 3.5 at every call, silently. Of a Value,
    its class's ``__dict__`` read whole, refused so (``len(type(v).__dict__)``: engine 152,
    program 158 before); one name of it asked (``type(v).__dict__["data"]``) is not."""
    given = [name for name, _ in _GIVEN if getattr(vars(found).get(name), "given", False)]
    code = frame.f_code
    if not (given or (found is Value and added_to(Value))) or not user_code(code):
        return
    read = ("__dict__", *given)
    said = _names_in(code, read) if given else _dict_read_whole(code)
    if said:
        import dis

        at = list(dis.get_instructions(code))
        after = [k for k, i in enumerate(at) if i.offset > frame.f_lasti][:1]
        if after and at[after[0]].opname in ("LOAD_ATTR", "LOAD_METHOD"):
            said = at[after[0]].argval if at[after[0]].argval in read else ""  # (only this
            if found is Value and _one_name(at, after[0]):  # asked; of Value's class, one
                said = ""  # name of its dict: ``type(v).__dict__["data"]``, the capture's)
        elif after and at[after[0]].opname == "STORE_FAST" and _kept_apart(
                at, at[after[0]].argval, read, code):
            said = ""  # (``D = type(c)``, only ``D.__name__`` and ``D is C`` asked of it)
    found_ = recording()
    if said and found_ is not None and found is Value:
        found_.refuse(_VALUES.format(what="type(...).__dict__ of a Value", line=""))
    elif said and found_ is not None:
        found_.refuse(f"it reads {found.__name__}.{said} through type(...) (a class's own "
                      f"names, which a capture changes while it runs: it gives "
                      f"{found.__name__} a __hash__ and a __repr__ of its own, to see its "
                      "objects' addresses): read it outside the compiled function and pass "
                      "it in, or give the class a __hash__ and a __repr__ of its own")


_VALUES = ("it reads {what}{line}, Value's own names, which a capture changes while it "
           "runs (it puts methods and fields of its own in Value's class, to follow the numbers "
           "read from a Value): use vars(type(v)) or dir(v) (the names as outside a capture), or "
           "read it outside the compiled function and pass it in")


def _one_name(at: list[Any], k: int) -> bool:
    """Whether the class's ``__dict__`` loaded at ``at[k]`` is only asked one name
    (``type(v).__dict__["data"]``, ``Value.__dict__[KEY]``), one a capture did not add
    (its own then: a number read through it followed)."""
    key, subscript = (at[k + 1], at[k + 2]) if len(at) > k + 2 else (None, None)
    return key is not None and subscript is not None and subscript.opname == "BINARY_SUBSCR" \
        and key.opname in ("LOAD_CONST", "LOAD_GLOBAL", "LOAD_FAST", "LOAD_DEREF", "LOAD_NAME") \
        and not (key.opname == "LOAD_CONST" and key.argval in added_to(Value))


def _dict_read_whole(code: types.CodeType) -> str:
    """``"__dict__"`` where ``code`` (or code made in it) reads a class's ``__dict__`` whole,
    or names it as a text; not where it only asks it one name (``_one_name``)."""
    if "__dict__" in code.co_consts:
        return "__dict__"
    if "__dict__" in code.co_names:
        import dis

        at = list(dis.get_instructions(code))
        if any(i.opname in ("LOAD_ATTR", "LOAD_METHOD") and i.argval == "__dict__" and
               not _one_name(at, k) for k, i in enumerate(at)):
            return "__dict__"
    return next((said for c in code.co_consts if isinstance(c, types.CodeType)
                 for said in [_dict_read_whole(c)] if said), "")


def _kept_apart(at: list[Any], name: str, read: tuple[str, ...], code: types.CodeType) -> bool:
    """Whether the local ``name`` (``D = type(c)``), and each local it is put in (``E =
    D``), is only asked another name than ``read`` (``D.__name__``) or compared (``D is C``)
    in ``code`` (``at``, its instructions), and no name of ``read`` is in it as a text
    (``getattr(o, "__dict__")``): then the code's other reads of them are of other objects
    (``o.__dict__``: before, refused too). Passed to a function, the class is seen there
    (``given_classes_passed``); any other use of it (an item, an attribute): not apart."""
    if any(r in code.co_consts for r in read):
        return False
    kept, compared, loads = {name}, ("IS_OP", "COMPARE_OP"), ("LOAD_FAST", "LOAD_FAST_CHECK")
    while True:  # (its aliases, wherever they are made: a loop's too)
        more = {at[k + 1].argval for k, i in enumerate(at[:-1]) if i.opname in loads and
                i.argval in kept and at[k + 1].opname == "STORE_FAST"}
        if more <= kept:
            break
        kept |= more
    for k, i in enumerate(at):
        if i.opname not in loads or i.argval not in kept:
            continue
        after, then = [*at[k + 1:k + 3], None, None][:2]
        if after is None or not (
                (after.opname in ("LOAD_ATTR", "LOAD_METHOD") and after.argval not in read) or
                after.opname == "STORE_FAST" or after.opname in compared or (
                    after.opname in ("LOAD_FAST", "LOAD_CONST", "LOAD_GLOBAL") and
                    then is not None and then.opname in compared)):
            return False
    return True


_OF_A_LOCAL: dict[types.CodeType, tuple[str, int] | None] = {}


def names_read_of_a_local(code: types.CodeType) -> tuple[str, int] | None:
    """Where the learner's ``code`` reads a name a capture changes (``__dict__``,
    ``__hash__``, ``__repr__``) of a local, an argument (``def count(D): return
    len(D.__dict__)``, a classmethod's ``cls.__dict__``): that name and its line; else None.
    Such code is looked at each time it starts (``given_classes_passed``)."""
    if code in _OF_A_LOCAL:
        return _OF_A_LOCAL[code]
    found = None
    if any(name in code.co_names for name in _READ):
        import dis

        for before, i in itertools.pairwise(dis.get_instructions(code)):
            if i.opname in ("LOAD_ATTR", "LOAD_METHOD") and i.argval in _READ and \
                    before.opname.startswith(("LOAD_FAST", "LOAD_DEREF")):
                found = (i.argval, getattr(getattr(i, "positions", None), "lineno", None) or
                         code.co_firstlineno)
                break
    if len(_OF_A_LOCAL) > 4096:
        _OF_A_LOCAL.clear()
    _OF_A_LOCAL[code] = found
    return found


def given_classes_passed(record: Any, code: types.CodeType, frame: Any) -> None:
    """The learner's ``code`` starting, where it reads a name a capture changes of a local
    (``names_read_of_a_local``): refused, naming that line, if it is given a class the
    capture gives a ``__hash__`` or a ``__repr__`` (an argument, or an item of one given as
    a tuple, a list, ``*args``). ``type_names_read`` sees ``type(c)`` read in the code that
    calls it; a class so reached and passed to another function (``count(type(c))``, ``def
    count(D): return len(D.__dict__)``), or passed as it is (``count(HP)``), or a
    classmethod's ``cls``, was read there, silently: engine 2.5, program 3.5 at every call."""
    read = names_read_of_a_local(code)
    if read is None or frame is None:
        return
    held = frame.f_locals
    for name in code.co_varnames[:code.co_argcount + code.co_kwonlyargcount + bool(
            code.co_flags & 4) + bool(code.co_flags & 8)]:  # (and ``*args``, ``**kw``)
        given = held.get(name)
        items = list(given.values()) if type(given) is dict else list(given) if type(
            given) in (tuple, list) else []
        for cls in (given, *items):
            if issubclass(type(cls), type) and any(getattr(vars(cls).get(n), "given", False)
                                             for n, _ in _GIVEN):
                record.refuse(
                    f"{code.co_name}() reads {read[0]} of a class it is given, "
                    f"{cls.__name__} (line {read[1]} of {os.path.basename(code.co_filename)}"
                    f"), a class's own names, which a capture changes while it runs (it gives "
                    f"{cls.__name__} a __hash__ and a __repr__ of its own, to see its "
                    "objects' addresses): read it outside the compiled function and pass it "
                    "in, or give the class a __hash__ and a __repr__ of its own")
                return


def _names_in(code: types.CodeType, read: tuple[str, ...]) -> str:
    """The first of ``read`` that ``code`` (or code made in it) names or holds as a text."""
    for name in read:
        if name in code.co_names or name in code.co_consts:
            return name
    return next((said for c in code.co_consts if isinstance(c, types.CodeType)
                 for said in [_names_in(c, read)] if said), "")


def class_names_read(code: types.CodeType, globals_: dict[str, Any], closure: Any,
                     taken_whole: set[int]) -> str:
    """Why the learner's ``code`` cannot be followed, if it reads the names a capture changes
    of a class it names (``HP.__dict__``, ``HP.__repr__ is object.__repr__``: the class a
    global or a cell holds, given ``given_ours`` while a capture runs; or of ``type(x)``, where
    a class of the file is so given: a64s's attacker's ``type(c).__repr__``; or by name,
    ``getattr(C, "__repr__")``: ``_read_by_name``); else ''. Where the class is reached
    through ``type(x)`` otherwise (an alias ``D = type(c)``), ``type_names_read``. A class's or a
    module's ``__dict__`` read so is noted in ``taken_whole`` (its names' order guarded).
    Value's ``__dict__`` read whole (``Value.__dict__``, ``v.__class__.__dict__`` of an object
    not known here: a Value, maybe, or through an alias ``C = v.__class__``), and a name a
    capture adds to Value asked by ``inspect.getattr_static``, refused: a capture changes
    them (``class_names.py``).
    ``closure``: the cells of the function whose code it is, if any."""
    if "getattr_static" in code.co_names and any(type(c) is str and c in added_to(Value)
                                                 for c in code.co_consts):
        import dis

        line = next((getattr(getattr(i, "positions", None), "lineno", None)
                     for i in dis.get_instructions(code)
                     if i.opname == "LOAD_CONST" and i.argval in added_to(Value)), None)
        return _VALUES.format(what="a name a capture adds to Value by inspect.getattr_static",
                              line=f" (line {line or code.co_firstlineno} of "
                              f"{os.path.basename(code.co_filename)})")
    by_name = any(name in code.co_consts for name in _READ) and \
        any(name in code.co_names for name in _BY_NAME)
    if not by_name and not any(name in code.co_names for name in _READ):
        return ""
    import dis

    cells: dict[str, Any] = {}
    for name, cell in zip(code.co_freevars, closure or ()):
        try:
            cells[name] = cell.cell_contents
        except ValueError:  # (empty)
            pass

    at = list(dis.get_instructions(code))
    classes = {j.argval for h, j in itertools.pairwise(at) if h.opname == "LOAD_ATTR" and
               h.argval == "__class__" and j.opname.startswith("STORE_")}  # (``C = v.__class__``)
    if by_name:
        why = _read_by_name(code, at, globals_, cells)
        if why:
            return why
    for k, (before, i) in enumerate(itertools.pairwise(at), 1):
        if i.opname not in ("LOAD_ATTR", "LOAD_METHOD") or i.argval not in _READ:
            continue
        held: Any = globals_.get(before.argval) if before.opname in ("LOAD_GLOBAL", "LOAD_NAME") \
            else cells.get(before.argval) if before.opname == "LOAD_DEREF" else None
        by_type = i.argval != "__dict__" and _of_type_called(at, k, globals_)  # (not
        # ``type(v).__dict__``: read of a Value's class too, in a file with a plain class)
        if by_type:  # (``type(c).__repr__``: c's class is not known here; refused where a
            held = next((c for c in list(globals_.values()) if given_ours(c) and  # class of
                         vars(c).get("__module__") == globals_.get("__name__")), None)  # the
            # file is given the two names: a64s's attacker's route)
        elif i.argval == "__dict__" and issubclass(type(held), (type, types.ModuleType)):
            taken_whole.add(id(held))  # (``HP.__dict__.values()``, ``cfg.__dict__``: the
            # order of its names guarded, as of ``vars(HP)``; a64s)
        if i.argval == "__dict__" and (held is Value or (
                before.opname == "LOAD_ATTR" and before.argval == "__class__") or (
                before.opname.startswith("LOAD_") and before.argval in classes)) and \
                added_to(Value) and not _one_name(at, k):  # (``v.__class__.__dict__``: of a
            line = getattr(getattr(i, "positions", None), "lineno", None) or \
                code.co_firstlineno  # Value, maybe; ``vars(type(v))`` answers)
            return _VALUES.format(what="Value.__dict__" if held is Value else "x.__class__."
                                  "__dict__", line=f" (line {line} of "
                                  f"{os.path.basename(code.co_filename)})")
        if given_ours(held) and vars(held).get("__module__") == globals_.get("__name__"):
            line = getattr(getattr(i, "positions", None), "lineno", None) or \
                code.co_firstlineno
            name = "type(...)" if by_type else held.__name__
            given = f"your file's classes that keep object's ({held.__name__}...)" if by_type \
                else held.__name__
            return (f"it reads {name}.{i.argval} (line {line} of "
                    f"{os.path.basename(code.co_filename)}), a class's own names, which a "
                    f"capture changes while it runs (it gives {given} a __hash__ and a "
                    "__repr__ of its own, to see its objects' addresses): read it outside "
                    "the compiled function and pass it in, or give the class a __hash__ "
                    "and a __repr__ of its own")
    return ""


def _read_by_name(code: types.CodeType, at: list[Any], globals_: dict[str, Any],
                  cells: dict[str, Any]) -> str:
    """Why ``code`` cannot be followed if it names a class of its file given ours and passes
    one of ``_READ`` as a text (``getattr(C, "__repr__")``, ``inspect.getattr_static(C,
    "__dict__")``: before, the capture's, engine 1.0, program 0.5, silently); else ''."""
    named = ("LOAD_GLOBAL", "LOAD_NAME", "LOAD_DEREF")
    held: list[Any] = [
        v for i in at if i.opname in named
        for v in [cells.get(i.argval) if i.opname == "LOAD_DEREF" else globals_.get(i.argval)]
        if given_ours(v) and vars(v).get("__module__") == globals_.get("__name__")]
    text = next((i for i in at if i.opname == "LOAD_CONST" and i.argval in _READ), None)
    if text is not None and text.argval == "__dict__" and added_to(Value) and any(
            (cells.get(i.argval) if i.opname == "LOAD_DEREF" else globals_.get(i.argval)) is
            Value for i in at if i.opname in named):  # (``getattr(Value, "__dict__")``)
        line = getattr(getattr(text, "positions", None), "lineno", None) or code.co_firstlineno
        return _VALUES.format(what="Value's __dict__ by name", line=f" (line {line} of "
                              f"{os.path.basename(code.co_filename)})")
    if not held or text is None:
        return ""
    line = getattr(getattr(text, "positions", None), "lineno", None) or code.co_firstlineno
    return (f"it reads {held[0].__name__}'s {text.argval} by name (line {line} of "
            f"{os.path.basename(code.co_filename)}), a class's own names, which a capture "
            f"changes while it runs (it gives {held[0].__name__} a __hash__ and a __repr__ of "
            "its own, to see its objects' addresses): read it outside the compiled function "
            "and pass it in, or give the class a __hash__ and a __repr__ of its own")


def subclasses_read(code: types.CodeType, globals_: dict[str, Any]) -> str:
    """Why the learner's ``code`` cannot be followed, if it reads a class's
    ``__subclasses__()`` (``Term.__subclasses__()``, ``getattr(Term, "__subclasses__")``, a
    global ``SUBS = Term.__subclasses__`` held before the call): which classes there are is
    the interpreter's own state (before: the first call's classes, silently, a64s); else ''."""
    line: Any = None
    if "__subclasses__" in code.co_consts or any(
            _subclasses(globals_.get(n)) for n in code.co_names):
        line = code.co_firstlineno
    elif "__subclasses__" in code.co_names:
        import dis

        line = next((getattr(getattr(i, "positions", None), "lineno", None) or
                     code.co_firstlineno for i in dis.get_instructions(code)
                     if i.opname in ("LOAD_ATTR", "LOAD_METHOD") and
                     i.argval == "__subclasses__"), None)
    if line is None:
        return ""
    return (f"it reads a class's __subclasses__() (line {line} of "
            f"{os.path.basename(code.co_filename)}): which classes there are is the "
            "interpreter's own state (one made later is among them), which a program cannot "
            "follow; keep the classes in a list of your own")


def _subclasses(x: Any) -> bool:
    """Whether ``x`` is a class's ``__subclasses__`` (bound, or type's own): asked of
    Python's own method types only, so that no code of the learner's runs."""
    if type(x) is types.BuiltinMethodType:
        return x.__name__ == "__subclasses__" and isinstance(x.__self__, type)
    return type(x) is types.MethodDescriptorType and x.__name__ == "__subclasses__"


def _of_type_called(at: list[Any], k: int, globals_: dict[str, Any]) -> bool:
    """Whether the attribute loaded at ``at[k]`` is of ``type(x)``'s result: a call of one
    argument just before it (3.10's CALL_FUNCTION, 3.11's and 3.12's CALL), of a class named
    ``type`` (Python's, or the capture's stand-in for it) loaded by name where that operand
    starts."""
    call = at[k - 1]
    if call.opname not in ("CALL", "CALL_FUNCTION") or call.argval != 1:
        return False
    first = at[operand_start(at, k)]  # (the called: ``type``, then its argument, ``HP()``)
    return first.opname in ("LOAD_GLOBAL", "LOAD_NAME") and first.argval == "type" and \
        issubclass(type(globals_.get("type", type)), type)
