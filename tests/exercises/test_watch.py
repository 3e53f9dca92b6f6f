"""The grader's watch: after each exercise, the learner's process compiles a canary of fresh
random digits, and the grader checks that the audit hook sent it (``remote.watching``): a
file that switched the hook off from inside its process (issue 65: its set of events let
pass found through ``gc.get_objects()``, or its check replaced) is found out, whatever its
text (``test_tampered_routes.py``: flagged for the teacher on every route)."""

import binascii

import pytest

from tests.exercises.test_copies import write
from tinygrad_edu.exercises import EXERCISES
from tinygrad_edu.exercises.apart import grade_apart
from tinygrad_edu.exercises.heard import Heard, canary_text
from tinygrad_edu.exercises.learner.audit import BYTES, CANARY, RAN, READ, TALLY, TEXT

D_TANH = "\n\ndef d_tanh(x, y):\n    return 1 - y * y\n"

GC = '''
import random

_s = random._os.sys
_gc = _s.modules.get("gc") or _s.modules["_imp"].create_builtin(
    _s.modules["importlib._bootstrap"].BuiltinImporter.find_spec("gc"))
'''
"""``gc``, reached from inside the process without an import the hook sees."""

MUTED = GC + '''
for _o in _gc.get_objects():
    if type(_o) is set and "gc.get_objects" in frozenset(_o):
        _o.add("compile")
'''
"""The hook's set of events let pass, found from inside the process, ``compile`` added."""

QUIETED = MUTED.replace('"compile"', '"sys.setprofile"')
"""The same, another event added: the route of issue 65's file that then set a profiler of
its own (its complex step unseen), or of one that imported what it may not (``import``)."""

EMPTIED = GC + '''
for _f in _gc.get_objects():
    if type(_f).__name__ == "function" and _f.__name__ == "hook" and _f.__closure__:
        for _cell in _f.__closure__:
            if getattr(_cell.cell_contents, "__name__", "") == "check":
                _cell.cell_contents = lambda event, args: None
'''
"""The hook's own check replaced (the suite's kernel-boundary tests' route,
``test_boundary.READS_THE_ANSWERS``)."""


def _line(text):
    return RAN + TEXT + binascii.b2a_base64(text.encode(), newline=False).decode()


def test_a_canary_heard_is_kept_apart_from_the_code_compiled():
    heard = Heard()
    canary = canary_text("0123456789abcdef" * 2)
    heard.take(TALLY + "0 0 0")  # (as the hook sends it before each canary: nothing sent yet)
    heard.take(_line(canary))
    code = [canary + "exec('')\n", CANARY + "not hex digits, as long as them!\n"]
    for text in code:  # (code that begins so is code)
        heard.take(_line(text))
    other = canary_text("f" * 32)  # (as the hook sends it: compile's bytes)
    heard.take(TALLY + _tally(code))
    heard.take(RAN + BYTES + binascii.b2a_base64(other.encode(), newline=False).decode())
    assert heard.canaries == {canary, other}
    assert heard.ran == code


def _tally(texts):
    crcs = sum(binascii.crc32(text.encode()) for text in texts) & 0xFFFFFFFF
    return f"{sum(map(len, texts))} {len(texts)} {crcs}"


@pytest.mark.parametrize("told", ["past what it reads", "a text it never sent", "none",
                                  "a text of a kind of its own"])
def test_a_canary_whose_hook_tally_is_not_what_was_heard_is_not_heard(told):
    """Issue 65's second attacker set the hook's count past what it reads (it then sent no
    code, and still the canary); a hook told a text was sent that never was skips it too:
    the tally sent before the canary says so."""
    heard = Heard()
    code = ["x = 1\n"]
    heard.take(_line(code[0]))
    heard.take(TALLY + {"past what it reads": f"{1 << 40} 1 {_tally(code).split()[2]}",
                        "a text it never sent": _tally([*code, "answer = 2\n"]),
                        "none": "",
                        # (a str subclass equal to any text, put among those it sent: -1)
                        "a text of a kind of its own": f"{len(code[0])} 1 -1"}[told])
    heard.take(_line(canary_text("a" * 32)))
    assert heard.canaries == set()


@pytest.mark.slow
@pytest.mark.parametrize("how", ["muted", "quieted", "emptied"])
def test_a_hook_switched_off_from_inside_is_seen(tmp_path, how):
    """Whatever of the hook's state was changed, the canary is not heard: ``watch_off``;
    an honest file's is heard, however much it compiled (past ``READ``, which the hook
    sends no more of)."""
    path = write(tmp_path, {"muted": MUTED, "quieted": QUIETED, "emptied": EMPTIED}[how]
                 + D_TANH)
    graded = grade_apart(path, [EXERCISES["d_tanh"]])
    assert graded.verdicts["d_tanh"].passed and graded.watch_off and not graded.reported


@pytest.mark.slow
def test_an_honest_file_keeps_the_watch_even_past_what_the_hook_sends(tmp_path):
    path = write(tmp_path, f"compile('x = 1' + ' ' * {READ + 10}, 'a', 'exec')\n" + D_TANH)
    graded = grade_apart(path, [EXERCISES["d_tanh"], EXERCISES["d_mul"]])
    assert graded.verdicts["d_tanh"].passed and not graded.watch_off
    assert any("more than the grader reads" in how for how in graded.built), graded.built
    path = write(tmp_path, D_TANH, "honest.py")
    graded = grade_apart(path, [EXERCISES["d_tanh"]])
    assert graded.verdicts["d_tanh"].passed and not graded.watch_off and not graded.built


@pytest.mark.long(sibling="test_an_honest_file_keeps_the_watch_even_past_what_the_hook_sends")
def test_every_right_variant_keeps_the_watch(tmp_path):
    """Every honest form of every exercise of the suite's corpus, graded: its canary is heard
    (no honest process puts an event the hook checks among those it lets pass)."""
    from tests.exercises import right_variants

    for name, forms in right_variants.VARIANTS.items():
        for k, (what, source) in enumerate(forms):
            path = write(tmp_path, right_variants.HEAD + source, f"{name}_{k}.py")
            graded = grade_apart(path, [EXERCISES[name]])
            assert graded.verdicts[name].passed and not graded.watch_off, (name, what)
