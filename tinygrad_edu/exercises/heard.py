"""The audit's channel, as the grader hears it (``learner/audit.py`` writes it): the reports of
a learner's process, the code it compiled at run time read as source, and how it made code
that has no source to read.

What the process compiled reaches the grader as it was given to ``compile``, and is read here,
in the grader's process, with the grader's own codecs and parser, never the learner's: bytes
are decoded as Python decodes a file (a BOM, or a coding line naming one of the standard
library's text encodings, else UTF-8); a syntax tree, sent as plain data, is built again of
the ast module's classes and unparsed. Code whose coding line names no codec the grader has
(one the learner's file registered), or that the grader cannot build again, is said in
``built``: flagged for the teacher as code the grader could not read.
"""

from __future__ import annotations

import ast
import binascii
import codecs
import contextlib
import io
import tokenize
from typing import Any

from tinygrad_edu.exercises.fstring_scan import FIELDS, all_fields
from tinygrad_edu.exercises.learner.audit import (
    BUILT,
    BY_MODULE,
    BYTES,
    CANARY,
    CANARY_DIGITS,
    OVER,
    RAN,
    READ,
    TALLY,
    TEXT,
    TREE,
)

__all__ = ["UNREAD", "Heard", "canary_text", "source_of_tree"]

CANARIES = 256
"""The most canaries kept (the grader asks one for each exercise graded)."""
UNREAD = "compiled what the grader could not read"
"""How ``built`` says that code compiled at run time could not be read as source."""


class Heard:
    """What the grader has heard on a learner's process's channel (``take``, line by line):
    the audit's ``reports``; the code it compiled at run time (``ran``, up to ``READ``
    characters in all; ``made``: those of it a module's code wrote, ``audit.BY_MODULE``);
    how it made code that has no source to read (``built``); the grader's canaries it
    compiled (``canaries``: ``learner/audit.py``'s ``CANARY``, kept apart, never read as the
    file's code)."""

    def __init__(self) -> None:
        self.reports: list[str] = []
        self.ran: list[str] = []
        self.made: set[str] = set()  # (of ``ran``, what a module's code wrote: BY_MODULE)
        self.built: list[str] = []
        self.canaries: set[str] = set()
        self._size = 0
        self._tally = [0, 0, 0]  # (what the hook sent: characters, texts, their CRC-32s)
        self._over = False
        self._claimed: list[int] | None = None  # (the hook's TALLY before a canary)
        self._fields = 0  # (of the f-strings in ``ran``, or an upper bound: _fields_bounded)

    def take(self, line: str) -> None:
        if line.startswith(TALLY):
            with contextlib.suppress(ValueError):
                self._claimed = [int(part) for part in line[len(TALLY):].split()][:3]
            return
        if line.startswith(RAN):
            data = line[len(RAN):]
            by_module = data.startswith(BY_MODULE)
            data = data.removeprefix(BY_MODULE)
            text, how = _source(data)
            if text is not None and _is_canary(text):
                claimed, self._claimed = self._claimed, None
                if claimed == self._expected() and len(self.canaries) < CANARIES:
                    self.canaries.add(text)  # (heard, and the hook's tally is what was heard)
                return
            self._count(data)
            if text is not None and self._size + len(text) > READ:
                text, how = None, f"compiled more than the grader reads ({READ // 1024} KiB)"
            if text is not None:
                text, how = self._fields_bounded(text)
            if text is not None:
                self.ran.append(text)
                if by_module:
                    self.made.add(text)
                self._size += len(text)
                return
        elif line.startswith(BUILT):
            how = line[len(BUILT):][:200]
        elif line.startswith(OVER):
            how = f"compiled more than the grader reads ({READ // 1024} KiB)"
            self._over = True
        else:
            self.reports.append(line)
            return
        if how not in self.built and len(self.built) < 20:
            self.built.append(how)

    def _count(self, data: str) -> None:
        """What a ``RAN`` line adds to the hook's tally, counted as the hook counts it
        (``audit.TALLY``): a text's characters or bytes' length, one text, its CRC-32."""
        with contextlib.suppress(binascii.Error, ValueError, UnicodeDecodeError):
            raw = binascii.a2b_base64(data[1:])
            length = len(raw) if data[:1] == BYTES else len(raw.decode("utf-8", "surrogatepass"))
            self._tally[0] += length
            self._tally[1] += 1
            self._tally[2] = (self._tally[2] + binascii.crc32(raw)) & 0xFFFFFFFF

    def _expected(self) -> list[int]:
        """The tally a hook that was not tampered with sends: past ``READ``, its count is
        set to ``READ`` + 1 (and it said ``OVER``)."""
        size, texts, total = self._tally
        return [READ + 1 if self._over else size, texts, total]

    def _fields_bounded(self, text: str) -> tuple[str | None, str]:
        """``text``, if the f-strings of all the code kept have at most ``FIELDS`` fields
        in all; else None and why (_fields_bounded)."""
        fields = text.count("{")  # (cheap, and at least its fields: only past the bound
        if self._fields + fields > FIELDS:  # is it read for its f-strings)
            fields = all_fields(text)
        if self._fields + fields > FIELDS:
            return None, (f"compiled f-strings of {self._fields + fields:,} fields ({{...}}) "
                          f"in all, more than the {FIELDS:,} the grader reads (Python takes "
                          "a time that grows as the square of their number to read them)")
        self._fields += fields
        return text, ""


# _fields_bounded: the grader reads the code a process compiled at run time (its copies, in
# the grading process and again in the class's report), and a file's own f-strings are held
# to ``fstring_scan.FIELDS`` fields, but not this code: a file that compiled f'{a}{a}...' of
# 170,000 fields in each of its four processes cost the report's main process 44 to 57 s of
# Python 3.11's parser for each text, the class's report 462 s instead of 11.5 s (issue 65).
# Kept to FIELDS in all (the parser's time on them at most that
# of one f-string of FIELDS fields, 0.06 s); past it, the code is not kept but said in
# ``built``: flagged for the teacher as code the grader did not read.


def canary_text(digits: str) -> str:
    """The text the learner's process compiles for the grader's watch (``CANARY``), of
    ``CANARY_DIGITS`` hex digits."""
    return f"{CANARY}{digits}\n"


def _is_canary(text: str) -> bool:
    """Whether ``text`` is a canary, and nothing more (code that begins so is code)."""
    digits = text[len(CANARY):-1]
    return text.startswith(CANARY) and text.endswith("\n") and len(digits) == CANARY_DIGITS \
        and all(c in "0123456789abcdef" for c in digits)


def _source(data: str) -> tuple[str | None, str]:
    """The source a ``RAN`` line carries, or None and why it cannot be read."""
    tag, payload = data[:1], data[1:]
    try:
        raw = binascii.a2b_base64(payload)
    except (binascii.Error, ValueError):
        return None, UNREAD
    if tag == BYTES:
        return _decoded(raw)
    try:
        text = raw.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return None, UNREAD
    if tag == TEXT:
        return text, ""
    if tag == TREE:
        try:
            return source_of_tree(text), ""
        except Exception:  # (a tree forged to unparse as no tree does: a BinOp whose op is
            return None, f"{UNREAD} (a syntax tree)"  # a Name, KeyError; anything else)
    return None, UNREAD


def _decoded(raw: bytes) -> tuple[str | None, str]:
    """Bytes given to ``compile``, decoded as Python decodes them (their BOM or coding line),
    with the standard library's codecs alone."""
    try:
        encoding = tokenize.detect_encoding(io.BytesIO(raw).readline)[0]
    except SyntaxError as error:  # (a codec the grader does not have: the learner's own)
        return None, f"{UNREAD} (bytes whose coding line names no standard codec: {error})"[
            :200]
    try:
        if not codecs.lookup(encoding)._is_text_encoding:
            raise LookupError(encoding)
        text = raw.decode(encoding)
    except (LookupError, UnicodeDecodeError) as error:
        return None, f"{UNREAD} (bytes in {encoding}: {type(error).__name__})"
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n"), ""


def source_of_tree(data: str) -> str:
    """The source of a syntax tree sent as ``audit.py``'s ``tree_data`` writes it: built again
    of the ast module's own classes, and unparsed (raises ValueError, or another error of
    reading, if it is not such a tree)."""
    if data.count("{") > FIELDS and all_fields(data):  # (no tree's data is an f-string:
        raise ValueError("not a tree")                 # one of many fields, slow to parse)
    tokens = ast.literal_eval(data)
    if not isinstance(tokens, list) or not tokens:
        raise ValueError("not a tree")
    at = 0

    def value() -> Any:
        nonlocal at
        token = tokens[at]
        at += 1
        if not isinstance(token, tuple) or not token:
            raise ValueError("not a tree")
        kind, rest = token[0], token[1:]
        if kind == "n":
            name, fields = rest
            cls = getattr(ast, name, None)
            if not (isinstance(cls, type) and issubclass(cls, ast.AST)) or not set(
                    fields) <= set(cls._fields):
                raise ValueError(f"no node {name!r}")
            node = cls.__new__(cls)  # (no default of 3.13's, no warning: as sent)
            for field in fields:
                setattr(node, field, value())
            return node
        if kind in ("l", "t", "s"):
            items = [value() for _ in range(rest[0])]
            return items if kind == "l" else tuple(items) if kind == "t" else frozenset(items)
        if kind == "c":
            return rest[0]
        if kind == "i":
            return int(rest[0], 16)
        if kind == "f":
            return float.fromhex(rest[0])
        if kind == "j":
            return complex(float.fromhex(rest[0]), float.fromhex(rest[1]))
        if kind == "e":
            return ...
        raise ValueError("not a tree")

    root = value()
    if at != len(tokens) or not isinstance(root, ast.AST):
        raise ValueError("not a tree")
    return ast.unparse(ast.fix_missing_locations(root))
