"""What the learner's code tests by identity with ``True`` or ``False`` (``flag is True``,
``match flag: case True:``), where a comparison of numbers read (``z.data > 0``) is followed
as a number of the program, not the engine's ``True``: such a test would see the followed
number. Where the code testing it is on the stack when the comparison is made, the
comparison is the engine's bool and a guard (``traced.py``); code that starts later and
tests an argument, or an attribute of one or of a global (``self.flag is True``), is
looked at as it starts (``seen_starting``: given a comparison, refused; a flag of its own
is the engine's), and refused where code that ran wrote that attribute or global
(``tested_later``); code that tests anything else (an item, a call's result) is refused
where a comparison was followed. And code that tests two things by identity (``a.data is
b.data``, ``t[0] is t[1]``) where it reads the numbers of two Values, or a helper that
does given a number read (``same(a.data, b.data)``), is refused (``read_in``,
``seen_starting``): whether two Values hold one float object is no number a program can
follow."""

from __future__ import annotations

import builtins
import dis
import numbers
import os
import types
from sys import _getframe  # (Python's own: a capture puts its own in sys while it runs)
from typing import Any

from tinygrad_edu.program.learners_code import _HERE, user_code
from tinygrad_edu.program.reading import number_of
from tinygrad_edu.program.traced import Recording, Traced, source_of, value_of

__all__ = ["ANYTHING", "bool_tests", "operand_start", "read_in", "read_outside", "seen_at_start",
           "seen_starting", "tested_later", "tests_by_identity"]

_BOOL_TESTS: dict[types.CodeType, Any] = {}
ANYTHING = "anything"
"""What ``bool_tests`` gives where the code tests by identity something other than an
argument it never rebinds (an attribute, a global, a call's result)."""
MISSING_ = object()


def bool_tests(code: types.CodeType) -> Any:
    """What the learner's ``code`` tests by identity with ``True`` or ``False`` (``flag is
    True``, ``case True:``): None if nothing; else each test, where each is of an argument
    the code never rebinds (``("flag",)``: what it holds when the code starts is what is
    tested: ``seen_starting`` looks), or of an attribute chain from one, or from a global,
    that the code does not write (``("self", "flag")``, ``("", "FLAG")``: looked at as it
    starts, and ``tested_later`` sees whether code that ran wrote it); else ``ANYTHING`` (an
    item, a call's result)."""
    found = _BOOL_TESTS.get(code, MISSING_)
    if found is not MISSING_:
        return found
    import dis

    found = None
    if user_code(code):
        at = list(dis.get_instructions(code))
        arguments = set(code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]) - set(
            code.co_cellvars)
        rebound = {n for i in at if i.opname.startswith(("STORE_FAST", "DELETE_FAST"))
                   for n in (i.argval if isinstance(i.argval, tuple) else (i.argval,))}
        written = {i.argval for i in at if i.opname in ("STORE_ATTR", "STORE_GLOBAL")}
        tests: set[tuple[str, ...]] = set()
        for k, instruction in enumerate(at):
            if instruction.opname != "IS_OP":
                continue
            right = operand_start(at, k)
            spans = [at[operand_start(at, right):right], at[right:k]]
            bools = [len(p) == 1 and p[0].opname == "LOAD_CONST" and type(p[0].argval) is bool
                     for p in spans]
            if not any(bools):
                continue
            span = spans[0] if bools[1] else spans[1]
            if len(span) == 1 and span[0].opname in ("COPY", "DUP_TOP"):
                copy = at.index(span[0])  # (``match flag:`` keeps its subject)
                span = at[operand_start(at, copy):copy]
            test = _chain(span, arguments - rebound, written)
            if test is None:
                tests = {(ANYTHING,)}
                break
            tests.add(test)
        found = ANYTHING if (ANYTHING,) in tests else tuple(sorted(tests)) or None
    if len(_BOOL_TESTS) > 4096:
        _BOOL_TESTS.clear()
    _BOOL_TESTS[code] = found
    return found


def _chain(span: list[Any], arguments: set[str], written: set[str]) -> tuple[str, ...] | None:
    """An operand that loads an argument (``flag``), or a global (``FLAG``), then attributes
    the code does not write (``self.flag``), as its names (a global's after ``""``)."""
    if not span or any(i.opname != "LOAD_ATTR" or i.argval in written for i in span[1:]):
        return None
    first, attributes = span[0], tuple(i.argval for i in span[1:])
    if first.opname in ("LOAD_FAST", "LOAD_FAST_CHECK") and first.argval in arguments:
        return (first.argval, *attributes)
    if first.opname in ("LOAD_GLOBAL", "LOAD_NAME") and first.argval not in written:
        return ("", first.argval, *attributes)
    return None


def read_outside(record: Any, x: Any) -> bool:
    """Whether ``x`` is the stand-in of a number outside read at every call (``cfg[0]``
    once it changed): its ``is`` is the place's object's, checked by ``aliases.pattern`` (a number
    read from a Value, or computed, is refused where the code tests it by identity)."""
    return type(x) is Traced and source_of(x)[0] == "input" and \
        record.inputs[source_of(x)[1]][0] == "place"


def operand_start(at: list[Any], end: int) -> int:
    """Where the operand that ends before ``at[end]`` starts."""
    import dis

    j, pushed = end - 1, 0
    while j >= 0 and pushed < 1:
        i = at[j]
        pushed += dis.stack_effect(i.opcode, i.arg if i.opcode >= dis.HAVE_ARGUMENT else None)
        j -= 1
    return j + 1


def seen_at_start(code: types.CodeType) -> bool:
    """Whether the learner's ``code`` is looked at each time it starts (``seen_starting``):
    it tests arguments with ``is True`` (``bool_tests``), or two things by identity where
    one is a local (``same(p, q)``: ``p is q``, given ``a.data`` and ``b.data``)."""
    return type(bool_tests(code)) is tuple or _identities(code)


def seen_starting(record: Recording, code: types.CodeType, frame: Any) -> None:
    """The learner's ``code`` starting, where it tests arguments by identity with ``True`` or
    ``False`` (``bool_tests``): one given a followed comparison is refused, naming the code
    (its ``is`` would see a followed number, not the engine's bool); a flag of its own
    (``verbose is True``) is the engine's. Where it tests two things by identity and is
    given a followed number (in a list, a tuple or a dict too), refused as ``read_in``
    refuses ``a.data is b.data``."""
    if frame is not None and _identities(code) and any(_holds_array(frame.f_locals.get(
            name)) for name in code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]) \
            and any(not any(_a_class(side, frame) for side in pair)
                    for pair in _operands_of(code)):
        record.refuse(f"{code.co_name}() tests two things by identity (`is`) and is "
                      "given a NumPy array of floats: the function gets a copy followed "
                      "item by item, not the caller's array; pass which one it is as a "
                      "flag argument (line "
                      f"{code.co_firstlineno} of {os.path.basename(code.co_filename)})")
        return
    if frame is not None and _identities(code) and any(all(
            _may_be_read(side, frame, True) for side in pair) for pair in _operands_of(code)):
        given = code.co_varnames[:code.co_argcount + code.co_kwonlyargcount + bool(
            code.co_flags & 4) + bool(code.co_flags & 8)]  # (and ``*args``, ``**kw``)
        held = frame.f_locals
        if any(_holds_followed(record, held.get(name)) for name in given):
            import dis

            line = next((getattr(getattr(i, "positions", None), "lineno", None) for i in
                         dis.get_instructions(code) if i.opname == "IS_OP"), None) or \
                code.co_firstlineno  # (3.11 on: the line of its ``is``)
            record.refuse(f"{code.co_name}() tests two things by identity (`is`) and is "
                          "given a number the program follows (read from a Value, an "
                          "argument's, or computed from one), and a capture cannot tell "
                          "what it tests: whether two numbers are one object (a.data is "
                          "b.data, a[0] is a[1] of [F, F]) is no number a program can "
                          "follow; compare numbers with ==, and where it asks which of some "
                          "Values (or other objects) one is (best is vs[0]), keep its index "
                          "or a flag instead (line "
                          f"{line} of {os.path.basename(code.co_filename)})")
            return
    tests = bool_tests(code)
    if tests is None or tests == ANYTHING or frame is None:
        return
    for test in tests:
        x = frame.f_locals.get(test[0], MISSING_) if test[0] else frame.f_globals.get(
            test[1], MISSING_)
        for name in test[1 if test[0] else 2:]:  # (what it holds, not what a property gives)
            x = getattr(x, "__dict__", {}).get(name, MISSING_)
        if type(x) is Traced and type(value_of(x)) is bool:
            _refuse_tested(record, code)
            return


def tested_later(record: Recording, codes: Any, written: Any) -> None:
    """Where comparisons were followed as numbers, the learner's code that ran and tests by
    identity with ``True`` or ``False`` an item, a call's result, or an attribute or a
    global that code which ran wrote (``written``: ``self.flag = z.data > 0``, then ``self.flag
    is True`` in a function called later): refused, naming the code (its ``is`` could see a
    followed number, not the engine's bool)."""
    if not getattr(record, "compared", False):
        return
    for code in codes:
        tests = bool_tests(code)  # (on the stack of a followed comparison, it would
        if tests == ANYTHING or any(len(t) > 1 and t[-1] in written  # have made it a bool)
                                    for t in tests or ()):
            _refuse_tested(record, code)
            return


def _refuse_tested(record: Recording, code: types.CodeType) -> None:
    record.refuse(f"{code.co_name}() tests a value with `is True` or `is False` (or `case "
                  "True:`), where a comparison of numbers read is followed as a number, not "
                  "the engine's bool; compare with == instead (line "
                  f"{code.co_firstlineno} of {os.path.basename(code.co_filename)})")


def read_in(record: Recording, v: Any) -> None:
    """A Value's number read (``v.data``, ``v.item()``) by the learner's code that tests two
    things by identity, neither a constant nor a class (``a.data is b.data``, not ``type(x)
    is float``): the numbers of a second Value read there are refused, naming the line.
    Whether two Values hold one float object (``b = Value(a.data)``, or one number given to
    both) is no number a program can follow; the same Value read twice is one followed
    number (``z.data is z.data``, as the engine)."""
    frame: Any = _getframe(2)
    while frame is not None and frame.f_code.co_filename.startswith(_HERE):
        frame = frame.f_back  # (``item()``: this folder's own)
    if frame is None:
        return
    outside = record.outside
    if outside is not None and outside.number_ids.get(id(number_of(v))):
        if tests_by_identity(frame.f_code, frame.f_globals):
            record.refuse("it tests numbers by identity (`is`) where it reads the number of a "
                          "Value that holds the very float object a number outside holds "
                          "(Value(DEFAULT).data is DEFAULT): whether a Value's number is one "
                          "object with another is no number a program can follow; compare "
                          "numbers with ==")
            return
    if not _compares_identities(frame):
        return
    if record.read_here.setdefault(frame, id(v)) != id(v):
        record.refuse("it tests two things by identity (`is`) where it reads the numbers of "
                      "two Values: whether two Values hold one float object (a.data is "
                      "b.data) is no number a program can follow; compare numbers with ==")


_OPERANDS: dict[types.CodeType, tuple[Any, ...]] = {}
_NAMED = ("LOAD_GLOBAL", "LOAD_NAME")
_LOCAL = ("LOAD_FAST", "LOAD_FAST_CHECK", "LOAD_DEREF", "LOAD_FAST_LOAD_FAST")  # (3.13: the
# last of two locals loaded at once, ``best * (... best is vs[0] ...)``, is the operand)
_ITEM = "item"  # (an item of a local: ``pair[0]``)
_READS = ("data", "item")  # (a Value's number read: ``a.data``, ``a.item()``)


def _compares_identities(frame: Any) -> bool:
    """Whether the learner's code of ``frame`` tests by identity two things each of which
    may be a number read (``a.data is b.data``, ``x is y`` of locals, ``t[0] is t[1]``):
    not ``layer is layers[-1]``, ``type(x) is float``, ``x is np.float64``, ``x is
    None``."""
    return any(pair == (_ITEM, _ITEM) or all(_may_be_read(side, frame, False) for side in pair)
               for pair in _operands_of(frame.f_code))  # (``t[0] is t[1]``)


def _operands_of(code: types.CodeType) -> tuple[Any, ...]:
    return _of_code(_OPERANDS, code, _operands)


def _of_code(cache: dict[types.CodeType, tuple[Any, ...]], code: types.CodeType,
             read: Any) -> tuple[Any, ...]:
    """``read(code)`` of the learner's ``code`` (nothing of other code), kept in ``cache`` (at
    most 4096 codes: then it starts again)."""
    found = cache.get(code)
    if found is None:
        found = read(code) if user_code(code) else ()
        if len(cache) > 4096:
            cache.clear()
        cache[code] = found
    return found


def _identities(code: types.CodeType) -> bool:
    """Whether the learner's ``code`` tests by identity two things, a local (or an item of
    one: ``pair[0] is pair[1]``) one of them."""
    return any(any(s is True or s == _ITEM for s in pair) and all(pair)
               for pair in _operands_of(code))


def _holds_array(x: Any) -> bool:
    """Whether ``x`` is a NumPy array given followed item by item (a stand-in: ``Drawn``), or
    a list, a tuple or a dict holding one."""
    if isinstance(x, (list, tuple)):
        return any(map(_holds_array, x))
    if isinstance(x, dict):
        return any(map(_holds_array, x.values()))
    return type(x) is not Traced and getattr(  # (a followed number's attribute: a guard)
        getattr(x, "given_as", None), "__name__", "") == "ndarray"


def _a_class(side: Any, frame: Any) -> bool:
    """Whether an operand of ``is`` names a class or None (``type(x) is float``)."""
    if type(side) is not tuple or len(side) != 1:
        return False
    held = frame.f_globals.get(side[0], vars(builtins).get(side[0], MISSING_))
    return held is None or isinstance(held, type)


def _holds_followed(record: Recording, x: Any) -> bool:
    """Whether ``x`` is a followed number, or a list, a tuple or a dict holding one (not a
    number outside read at every call: whether it is one object with another number outside
    is checked at every call, ``aliases.py``)."""
    if isinstance(x, (list, tuple)):  # (a list given: the capture's copy, of a class of its own)
        return any(type(item) is Traced and not read_outside(record, item) for item in x)
    if isinstance(x, dict):
        return any(type(item) is Traced and not read_outside(record, item)
                   for item in x.values())
    return type(x) is Traced and not read_outside(record, x)


def _may_be_read(side: Any, frame: Any, items: bool) -> bool:
    """Whether an operand of ``is`` may be a number read: ``True`` (it reads ``.data``, or
    is a local), ``False``, an item of a local (``items``: where the locals were given,
    not read here: ``layer is layers[-1]`` is no number read), or the names of a chain (a
    global, then attributes) that leads, in ``frame``'s module, to a number."""
    if type(side) is bool or side == _ITEM:
        return side is True or (side == _ITEM and items)
    held = frame.f_globals.get(side[0], MISSING_)
    if held is MISSING_:
        held = vars(builtins).get(side[0], MISSING_)
    for attribute in side[1:]:
        if not isinstance(held, (types.ModuleType, type)):
            return True  # (an attribute of an object of its own: perhaps a number)
        held = vars(held).get(attribute, MISSING_)
    return isinstance(held, numbers.Number) and type(held) is not bool


def _operands(code: types.CodeType) -> tuple[Any, ...]:
    """Each ``is`` of ``code`` as its two operands, each one ``True`` (it reads a Value's
    number, or is a local), ``False`` (a constant, anything else computed: a subscript, a
    call) or a chain of names (``np.float64`` is ``("np", "float64")``)."""
    import dis

    at = list(dis.get_instructions(code))

    def side(span: list[Any]) -> Any:
        if any(i.opname in ("LOAD_ATTR", "LOAD_METHOD") and i.argval in _READS for i in span):
            return True
        if len(span) == 1 and span[0].opname in _LOCAL:
            return True
        if span and span[0].opname in _LOCAL and span[-1].opname == "BINARY_SUBSCR":
            return _ITEM
        if span and span[0].opname in _NAMED and all(i.opname == "LOAD_ATTR"
                                                    for i in span[1:]):
            return (span[0].argval, *(i.argval for i in span[1:]))
        return False

    found = []
    for k, instruction in enumerate(at):
        if instruction.opname == "IS_OP" and k and at[k - 1].opname == "LOAD_FAST_LOAD_FAST":
            found.append((True, True))  # (3.13: two locals loaded at once)
        elif instruction.opname == "IS_OP":
            right = operand_start(at, k)
            left = operand_start(at, right)
            found.append((side(at[left:right]), side(at[right:k])))
    return tuple(found)


_SPANS: dict[types.CodeType, tuple[Any, ...]] = {}
_MISSING = object()
_CALLS = ("CALL", "CALL_FUNCTION", "CALL_METHOD", "PRECALL")
_IS_OP = dis.opmap["IS_OP"]


def tests_by_identity(code: types.CodeType, globals_: dict[str, Any]) -> bool:
    """Whether the learner's ``code`` tests two things by identity (``is``, ``is not``)
    neither of which is surely no number (see the module's docstring)."""
    return any(not _no_number(left, globals_) and not _no_number(right, globals_)
               for left, right in _of_code(_SPANS, code, _spans))


def _spans(code: types.CodeType) -> tuple[Any, ...]:
    """Each ``is`` of ``code`` as the instructions of its two operands (``None`` where they
    cannot be told apart: 3.13's two locals loaded at once), and of the code it holds (a
    comprehension, a generator expression, a lambda: seen as the code starts, before its
    globals are walked and its inputs put in place)."""
    at = list(dis.get_instructions(code))
    found = [span for inner in code.co_consts if isinstance(inner, types.CodeType)
             and _IS_OP in inner.co_code[::2] for span in _spans(inner)]
    for k, instruction in enumerate(at):
        if instruction.opname != "IS_OP":
            continue
        right = operand_start(at, k)
        left = operand_start(at, right) if right > 0 else right
        spans: tuple[Any, Any] = (at[left:right], at[right:k])
        if any(i.opname == "LOAD_FAST_LOAD_FAST" for i in at[left:k]):
            spans = (None, None)  # (3.13: two locals loaded at once, perhaps numbers)
        found.append(spans)
    return tuple(found)


def _no_number(span: Any, globals_: dict[str, Any]) -> bool:
    """Whether an operand is surely no number: a constant that is none (``None``, ``True``, a
    text), ``type(...)``, or a global (then attributes of modules and classes) that holds no
    number now."""
    if not span:
        return False
    first, last = span[0], span[-1]
    if len(span) == 1 and first.opname == "LOAD_CONST":
        return type(first.argval) not in (int, float, complex)
    if first.opname in _NAMED and first.argval == "type" and last.opname in _CALLS:
        return "type" not in globals_  # (Python's ``type(x)``: a class)
    if first.opname not in _NAMED or any(i.opname not in ("LOAD_ATTR", "LOAD_METHOD")
                                         for i in span[1:]):
        return False
    held = globals_.get(first.argval, _MISSING)
    if held is _MISSING:
        held = vars(builtins).get(first.argval, _MISSING)
    for i in span[1:]:
        if not isinstance(held, (types.ModuleType, type)):
            return False  # (an attribute of an object: it may hold a number later)
        held = vars(held).get(i.argval, _MISSING)
    return held is not _MISSING and not isinstance(held, (int, float, complex)) and \
        type(held).__module__ != "numpy"
