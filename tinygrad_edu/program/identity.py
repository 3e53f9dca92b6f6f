"""What the learner's code tests by identity with ``True`` or ``False`` (``flag is True``,
``match flag: case True:``), where a comparison of numbers read (``z.data > 0``) is followed
as a number of the program, not the engine's ``True``: such a test would see the followed
number. Where the code testing it is on the stack when the comparison is made, the
comparison is the engine's bool and a guard (``traced.py``); code that starts later and
tests an argument is looked at as it starts (``seen_starting``: given a comparison,
refused; a flag of its own is the engine's); code that tests anything else (an attribute,
a global) is refused where a comparison was followed (``tested_later``). And code that
tests two things by identity (``a.data is b.data``) where it reads the numbers of two
Values is refused (``read_in``): whether two Values hold one float object is no number a
program can follow."""

from __future__ import annotations

import builtins
import numbers
import os
import sys
import types
from typing import Any

from tinygrad_edu.program.traced import _HERE, Recording, Traced, user_code

__all__ = ["ANYTHING", "bool_tests", "read_in", "seen_starting", "tested_later"]

_BOOL_TESTS: dict[types.CodeType, Any] = {}
ANYTHING = "anything"
"""What ``bool_tests`` gives where the code tests by identity something other than an
argument it never rebinds (an attribute, a global, a call's result)."""
MISSING_ = object()


def bool_tests(code: types.CodeType) -> Any:
    """What the learner's ``code`` tests by identity with ``True`` or ``False`` (``flag is
    True``, ``case True:``): None if nothing; the names of the arguments it tests, where
    each test is of an argument the code never rebinds (what it holds when the code starts
    is what is tested: ``seen_starting`` looks); else ``ANYTHING`` (an attribute, a global,
    a call's result: ``tested_later``)."""
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
        names: set[str] = set()
        for k, instruction in enumerate(at):
            if instruction.opname != "IS_OP" or k < 2:
                continue
            before, first = at[k - 1], at[k - 2]
            if before.opname == "LOAD_CONST" and type(before.argval) is bool:
                operand = first
            elif first.opname == "LOAD_CONST" and type(first.argval) is bool:
                operand = before
            else:
                continue
            while operand.opname in ("COPY", "DUP_TOP") and operand.offset > 0:
                operand = at[at.index(operand) - 1]  # (``match flag:`` keeps its subject)
            if operand.opname in ("LOAD_FAST", "LOAD_FAST_CHECK") and \
                    operand.argval in arguments and operand.argval not in rebound:
                names.add(operand.argval)
            else:
                names = {ANYTHING}
                break
        found = ANYTHING if ANYTHING in names else tuple(sorted(names)) or None
    if len(_BOOL_TESTS) > 4096:
        _BOOL_TESTS.clear()
    _BOOL_TESTS[code] = found
    return found


def seen_starting(record: Recording, code: types.CodeType, frame: Any) -> None:
    """The learner's ``code`` starting, where it tests arguments by identity with ``True`` or
    ``False`` (``bool_tests``): one given a followed comparison is refused, naming the code
    (its ``is`` would see a followed number, not the engine's bool); a flag of its own
    (``verbose is True``) is the engine's."""
    names = bool_tests(code)
    if names is None or names == ANYTHING or frame is None:
        return
    held = frame.f_locals
    for name in names:
        x = held.get(name)
        if type(x) is Traced and type(x.value) is bool:
            _refuse_tested(record, code)
            return


def tested_later(record: Recording, codes: Any) -> None:
    """Where comparisons were followed as numbers, the learner's code that ran and tests by
    identity with ``True`` or ``False`` a thing other than an argument (``self.flag is
    True``, in a function called after the comparison was made): refused, naming the code
    (its ``is`` could see a followed number, not the engine's bool)."""
    if not getattr(record, "compared", False):
        return
    for code in codes:
        if bool_tests(code) == ANYTHING:  # (not on the stack of a followed comparison:
            _refuse_tested(record, code)  # there it would have made it a bool)
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
    frame: Any = sys._getframe(2)
    while frame is not None and frame.f_code.co_filename.startswith(_HERE):
        frame = frame.f_back  # (``item()``: this folder's own)
    if frame is None or not _compares_identities(frame):
        return
    if record.read_here.setdefault(frame, id(v)) != id(v):
        record.refuse("it tests two things by identity (`is`) where it reads the numbers of "
                      "two Values: whether two Values hold one float object (a.data is "
                      "b.data) is no number a program can follow; compare numbers with ==")


_OPERANDS: dict[types.CodeType, tuple[Any, ...]] = {}
_NAMED = ("LOAD_GLOBAL", "LOAD_NAME")
_LOCAL = ("LOAD_FAST", "LOAD_FAST_CHECK", "LOAD_DEREF")
_READS = ("data", "item")  # (a Value's number read: ``a.data``, ``a.item()``)


def _compares_identities(frame: Any) -> bool:
    """Whether the learner's code of ``frame`` tests by identity two things each of which
    may be a number read (``a.data is b.data``, ``x is y`` of locals): not ``layer is
    layers[-1]``, ``type(x) is float``, ``x is np.float64``, ``x is None``."""
    code = frame.f_code
    operands = _OPERANDS.get(code)
    if operands is None:
        operands = _operands(code) if user_code(code) else ()
        if len(_OPERANDS) > 4096:
            _OPERANDS.clear()
        _OPERANDS[code] = operands
    return any(all(_may_be_read(side, frame) for side in pair) for pair in operands)


def _may_be_read(side: Any, frame: Any) -> bool:
    """Whether an operand of ``is`` may be a number read: ``True`` (it reads ``.data``, or
    is a local), ``False``, or the names of a chain (a global, then attributes) that leads,
    in ``frame``'s module, to a number."""
    if type(side) is bool:
        return side
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

    def start(end: int) -> int:  # (where the operand that ends before ``end`` starts)
        j, pushed = end - 1, 0
        while j >= 0 and pushed < 1:
            i = at[j]
            pushed += dis.stack_effect(i.opcode, i.arg if i.opcode >= dis.HAVE_ARGUMENT
                                       else None)
            j -= 1
        return j + 1

    def side(span: list[Any]) -> Any:
        if any(i.opname in ("LOAD_ATTR", "LOAD_METHOD") and i.argval in _READS for i in span):
            return True
        if len(span) == 1 and span[0].opname in _LOCAL:
            return True
        if span and span[0].opname in _NAMED and all(i.opname == "LOAD_ATTR"
                                                    for i in span[1:]):
            return (span[0].argval, *(i.argval for i in span[1:]))
        return False

    found = []
    for k, instruction in enumerate(at):
        if instruction.opname == "IS_OP" and k and at[k - 1].opname == "LOAD_FAST_LOAD_FAST":
            found.append((True, True))  # (3.13: two locals loaded at once)
        elif instruction.opname == "IS_OP":
            right = start(k)
            left = start(right)
            found.append((side(at[left:right]), side(at[right:k])))
    return tuple(found)
