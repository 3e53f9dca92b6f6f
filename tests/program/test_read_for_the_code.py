"""What a compiled function reads that its code does not name as a place: ``os.environb``
(the bytes twin of ``os.environ``), streams read without ``open()`` (a ``StringIO``'s
``getvalue()``, ``io.FileIO``, ``io.open_code``), state the standard library reads for the
code (a parent logger's level, ``sys.argv`` through ``argparse``, ``calendar``'s first
weekday) and the interpreter's and NumPy's settings. Each changed between calls: the program
gives the engine's numbers (guarded: captured again), or the capture refuses, naming the
line and what to do."""

import os

import pytest

from tests.program.against_engine import same
from tests.program.parameters import W
from tinygrad_edu.program import compile
from tinygrad_edu.program.capture import ProgramWarning


def test_a_variable_of_os_environb_is_guarded(monkeypatch):
    if not hasattr(os, "environb"):
        pytest.skip("no os.environb here")
    monkeypatch.setitem(os.environb, b"TG_EDU_LRB", b"0.5")

    def f():
        return W * float(os.environb.get(b"TG_EDU_LRB", b"1.0"))

    step = compile(f)
    with pytest.warns(ProgramWarning, match=r"os\.environb\[b'TG_EDU_LRB'\]"):
        for lr in (b"0.5", b"3.0", b"3.0", b"-2.0"):
            os.environb[b"TG_EDU_LRB"] = lr
            same(step, f, [W])
    assert step.captures == 3 and step.runs == 1
