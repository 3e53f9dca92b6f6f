"""What a code object's bytecode names (``Reads``): the globals it loads and stores, the
closure cells it uses, the attributes it stores, and the first line of each; read once per
code object (``reads_of``). ``walk.py`` walks from what it names."""

from __future__ import annotations

import dis
import sys
import types

__all__ = ["Reads", "reads_of"]


class Reads:
    """What a code object's bytecode names: globals loaded and stored, cells loaded and
    stored, attributes stored; the first line of each."""

    __slots__ = ("attributes", "cells", "float_called", "globals", "lines", "stored_cells",
                 "stored_globals")

    def __init__(self, code: types.CodeType) -> None:
        self.globals: set[str] = set()
        self.stored_globals: set[str] = set()
        self.cells: set[str] = set()
        self.stored_cells: set[str] = set()
        self.attributes: set[str] = set()
        self.lines: dict[tuple[str, str], int] = {}
        self.float_called = sys.version_info >= (3, 11)  # (``float`` only ever called)
        line = code.co_firstlineno
        for op in dis.get_instructions(code):
            if op.starts_line:
                line = op.starts_line if type(op.starts_line) is int else \
                    (getattr(op, "line_number", None) or line)  # (3.13: a bool)
            elif getattr(op, "line_number", None):
                line = op.line_number  # type: ignore[attr-defined]
            name = op.argval
            kind = {"LOAD_GLOBAL": "globals", "LOAD_NAME": "globals",
                    "STORE_GLOBAL": "stored_globals", "STORE_NAME": "stored_globals",
                    "LOAD_DEREF": "cells", "STORE_DEREF": "stored_cells",
                    "LOAD_CLOSURE": "cells",  # (a cell handed to a comprehension, a lambda)
                    "STORE_ATTR": "attributes"}.get(op.opname)
            if kind is None or not isinstance(name, str):
                continue
            if kind in ("cells", "stored_cells") and name not in code.co_freevars:
                continue
            if name == "float" and not (op.opname == "LOAD_GLOBAL" and op.arg is not None
                                        and op.arg & 1):  # (3.11 on: loaded to be called)
                self.float_called = False
            getattr(self, kind).add(name)
            self.lines.setdefault((kind, name), line)


_READS: dict[types.CodeType, Reads] = {}


def reads_of(code: types.CodeType) -> Reads:
    """What ``code`` reads and writes (``Reads``), once per code object."""
    found = _READS.get(code)
    if found is None:
        found = _READS[code] = Reads(code)
    return found
