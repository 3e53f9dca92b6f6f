"""The f-strings of a file counted (``most_fields``, ``all_fields``: a graded file holds at
most ``FIELDS`` in one, as ``loading.read_source`` asks), without Python's tokenizer on
Python 3.12 and later where a line is long.

From 3.12 (PEP 701) ``tokenize`` is Python's own C tokenizer, and before 3.12.4 it gave each
token the whole physical line again (decoded anew): a time that grows as the square of a
line's length. An f-string of 170,000 fields on one line of 510 KB took 2 minutes to
tokenize on 3.12.1, where the refusal of ``loading.read_source`` was to take milliseconds
(and the parser 4 s). This scanner reads strings, f-strings (the 3.12 grammar: a field may
hold strings in the same quotes, and f-strings again), comments and brackets in one pass,
and counts as the tokenizer does: each ``{`` within an outermost f-string (a field's, a
format spec's field's, or a dict's within a field), none of a ``{{``.
"""

from __future__ import annotations

import io
import re
import sys
import tokenize
from collections.abc import Iterator

__all__ = ["FIELDS", "all_fields", "fstring_fields", "most_fields"]

_PREFIXES = frozenset({"r", "u", "f", "b", "br", "rb", "fr", "rf"})
_CODE = re.compile(r"[#'\"{}()\[\]:]")
_CODE_TOP = re.compile(r"[#'\"]")
_PLAIN_END = {q: re.compile(r"\\.|" + re.escape(q) + ("" if len(q) == 3 else r"|\n"), re.S)
              for q in ("'", '"', "'''", '"""')}
_BODY = {q: re.compile(r"[{}\\" + q[0] + ("" if len(q) == 3 else r"\n") + "]")
         for q in ("'", '"', "'''", '"""')}
_SPEC = re.compile(r"[{}\\'\"\n]")


def _word(c: str) -> bool:
    return c.isalnum() or c == "_"


def fstring_fields(code: str) -> Iterator[tuple[int, int]]:
    """Each outermost f-string's count of ``{`` (as above) and the line it starts on; one
    left open at the end of ``code`` (which Python's parser refuses) is counted there."""
    # The frames: ["f", quote, raw] an f-string's text, ["field", depth of brackets] its
    # code, ["spec"] a format spec (its text, up to the field's closing brace).
    stack: list[list[object]] = []
    i, n, count, line, at, lines = 0, len(code), 0, 0, 0, 1
    while i < n:
        top = stack[-1] if stack else None
        if top is None or top[0] == "field":
            found = (_CODE if top else _CODE_TOP).search(code, i)
            if found is None:
                break
            i, c = found.start(), found.group()
            if c == "#":
                end = code.find("\n", i)
                i = n if end < 0 else end + 1
            elif c in "'\"":
                quote = code[i:i + 3] if code.startswith(c * 3, i) else c
                prefix = ""
                for size in (2, 1):
                    start = i - size
                    if start >= 0 and code[start:i].lower() in _PREFIXES and (
                            start == 0 or not _word(code[start - 1])):
                        prefix = code[start:i].lower()
                        break
                i += len(quote)
                if "f" in prefix:
                    if not stack:
                        lines += code.count("\n", at, i)
                        at, line, count = i, lines, 0
                    stack.append(["f", quote, "r" in prefix])
                else:
                    i = _past_string(code, i, quote)
            elif top is not None:
                depth = top[1]
                assert isinstance(depth, int)
                if c in "{([":
                    top[1] = depth + 1
                    count += c == "{"
                elif c in ")]" or (c == "}" and depth):
                    top[1] = max(depth - 1, 0)
                elif c == "}":
                    stack.pop()  # (the field ends: its f-string's text, or a spec's, again)
                elif c == ":" and not depth:
                    stack.append(["spec"])
                i += 1
            else:
                i += 1
            continue
        if top[0] == "spec":
            found = _SPEC.search(code, i)
            if found is None:
                break
            i, c = found.start(), found.group()
            if c == "{":
                count += 1
                stack.append(["field", 0])
            elif c == "}":
                stack.pop()  # (the spec, and the field it ends)
                stack.pop()
            elif c == "\\":
                i += 1
            elif c == "\n" or _ends(stack, code, i):  # (an f-string left open: as ends)
                stack.pop()
                stack.pop()
                continue
            i += 1
            continue
        closing, raw = str(top[1]), bool(top[2])
        found = _BODY[closing].search(code, i)
        if found is None:
            break
        i, c = found.start(), found.group()
        if c == "{":
            if code.startswith("{{", i):
                i += 2
            else:
                count += 1
                stack.append(["field", 0])
                i += 1
        elif c == "}":
            i += 2 if code.startswith("}}", i) else 1
        elif c == "\\":
            if not raw and code.startswith("N{", i + 1):  # (\N{DASH}: a character's name)
                end = code.find("}", i)
                i = n if end < 0 else end + 1
            else:
                i += 1 if code[i + 1:i + 2] in ("{", "}") else 2
        elif c == "\n":  # (a one-line f-string left open: Python's parser refuses it)
            stack.pop()
            i += 1
        elif code.startswith(closing, i):
            stack.pop()
            i += len(closing)
        else:
            i += 1
        if not stack:
            yield count, line
    if stack:
        yield count, line


def _ends(stack: list[list[object]], code: str, i: int) -> bool:
    """Whether the quote at ``i``, in a format spec, ends the f-string the spec is of."""
    outer = stack[-3] if len(stack) >= 3 else None
    return outer is not None and isinstance(outer[1], str) and code.startswith(outer[1], i)


def _past_string(code: str, i: int, quote: str) -> int:
    """Where a string that is not an f-string, its text starting at ``i``, ends."""
    pattern = _PLAIN_END[quote]
    while True:
        found = pattern.search(code, i)
        if found is None:
            return len(code)
        i = found.end()
        if found.group() in (quote, "\n"):
            return i


FIELDS = 5000
"""The most fields (``{...}``) one f-string of a graded file may have: Python 3.10 and 3.11
take a time that grows as the square of their number to parse one (10,000: 0.24 s; 174,629 in
a file of 512 KiB: 45 s, twice over in a class's report, 90 s). Honest code has a few."""


def most_fields(code: str) -> tuple[int, int]:
    """The most fields in one f-string of ``code`` (an upper bound: ``{`` that are not
    ``{{``, a format spec's too), and its line; (0, 0) for code Python cannot tokenize (its
    parser says why)."""
    most, line = 0, 0
    for count, at in _fstring_fields(code):
        if count > most:
            most, line = count, at
    return most, line


def all_fields(code: str) -> int:
    """The fields of all the f-strings of ``code`` (as ``most_fields`` counts them), added:
    the parser's time on them is at most that of one f-string of as many."""
    return sum(count for count, _ in _fstring_fields(code))


def _fstring_fields(code: str) -> Iterator[tuple[int, int]]:
    """Each outermost f-string's fields and line, as far as ``code`` can be tokenized (from
    3.12, read by ``fstring_scan``: the tokenizer there takes a time that grows as the square
    of a line's length, 2 minutes for the f-string of 170,000 fields on 3.12.1)."""
    if sys.version_info >= (3, 12):
        yield from fstring_fields(code)
        return
    try:  # (3.10, 3.11: an f-string is one token, its prefix before a quote)
        for token in tokenize.generate_tokens(io.StringIO(code).readline):
            if token.type == tokenize.STRING and "f" in token.string[:3].lower().split(
                    token.string[-1])[0]:
                body = token.string
                yield body.count("{") - 2 * body.count("{{"), token.start[0]
    except (SyntaxError, tokenize.TokenError, IndentationError):
        return
