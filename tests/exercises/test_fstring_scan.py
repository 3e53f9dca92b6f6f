"""``fstring_scan`` counts each f-string's fields as Python 3.12's tokenizer does (which
``most_fields`` used there, and which took 2 minutes on one long line)."""

import io
import sys
import time
import tokenize
from pathlib import Path

import pytest

from tinygrad_edu.exercises.fstring_scan import fstring_fields

SNIPPETS = [
    "x = f'{a}{b:{c}}{{}}'\n", "x = f'{ {1: 2} }' + f\"{'a'}\"\n", "x = f'{f'{f'{a}'}'}'\n",
    "x = rf'\\{a}\\'' + f'\\N{DASH}{a}'\n", "x = f'''\n{a}\n{b!r:>{w}}\n'''\n",
    "# f'{a}'\nx = 'f{a}'\n", "x = f'{a:{b}{c}}' ; y = f'{d[\"k\"]}'\n",
    "x = f'{(lambda q: q)(1)}'\n", "x = fr'{a}' + Rb'{'\n", "x = f'{a}' if'x' else f'{b}{c}'\n",
    "x = f'{a=}{b = !r}'\n", "x = f'{\n  a # c\n}'\n", "s = '''f'{a}' '''\nt = f'{x}'\n",
    "x = f'{a:%Y-%m}'\n", "x = b'{' + u'{{' + f'{a}' 'b'\n"]


def _tokenized(code: str) -> list[int]:
    """Each outermost f-string's ``{`` as 3.12's tokenizer gives them."""
    counts, depth, count = [], 0, 0
    for token in tokenize.generate_tokens(io.StringIO(code).readline):
        if token.type == tokenize.FSTRING_START:
            depth, count = depth + 1, 0 if depth == 0 else count
        elif token.type == tokenize.FSTRING_END:
            depth -= 1
            if depth == 0:
                counts.append(count)
        elif depth and token.type == tokenize.OP and token.string == "{":
            count += 1
    return counts


@pytest.mark.skipif(sys.version_info < (3, 12), reason="3.12's f-strings (PEP 701)")
def test_the_fields_are_counted_as_the_tokenizer_counts_them():
    package = Path(__file__).resolve().parents[2] / "tinygrad_edu"
    for code in SNIPPETS + [p.read_text(encoding="utf-8") for p in package.rglob("*.py")]:
        assert [count for count, _ in fstring_fields(code)] == _tokenized(code), code[:200]


def test_an_f_string_is_said_at_its_first_line_and_one_long_line_is_read_at_once():
    assert list(fstring_fields("a = 1\n\nz = f'''\n{a}\n''' + f'{a}{{'\n")) == [(1, 3), (1, 5)]
    code = "a = 1\nz = f'" + "{a}" * 170_000 + "'\n"
    start = time.monotonic()
    assert list(fstring_fields(code)) == [(170_000, 2)]
    assert time.monotonic() - start < 10  # (about 1 s; 3.12.1's tokenizer: 2 minutes)
