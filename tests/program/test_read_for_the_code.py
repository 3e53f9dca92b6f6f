"""What a compiled function reads that its code does not name as a place: ``os.environb``
(the bytes twin of ``os.environ``), streams read without ``open()`` (a ``StringIO``'s
``getvalue()``, ``io.FileIO``, ``io.open_code``), state the standard library reads for the
code (a parent logger's level, ``sys.argv`` through ``argparse``, ``calendar``'s first
weekday) and the interpreter's and NumPy's settings. Each changed between calls: the program
gives the engine's numbers (guarded: captured again), or the capture refuses, naming the
line and what to do."""

import io
import os
import struct

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


class _Settings(io.StringIO):  # (a stream of the learner's class: read the same way)
    pass


@pytest.mark.parametrize("make, read, write", [
    (lambda: io.StringIO("0.5"), lambda s: float(s.getvalue()),
     lambda s, v: (s.seek(0), s.truncate(), s.write(repr(v)))),
    (lambda: _Settings("0.5"), lambda s: float(s.getvalue()),
     lambda s, v: (s.seek(0), s.truncate(), s.write(repr(v)))),
    (lambda: io.BytesIO(struct.pack("<d", 0.5)),
     lambda s: struct.unpack("<d", s.getbuffer())[0],
     lambda s, v: (s.seek(0), s.write(struct.pack("<d", v)))),
], ids=["StringIO.getvalue", "a subclass's getvalue", "BytesIO.getbuffer"])
def test_a_stream_in_memory_read_without_moving_is_guarded_by_what_it_holds(make, read, write):
    held = make()

    def f():
        return W * read(held)

    step = compile(f)
    with pytest.warns(ProgramWarning, match=r"held\.getvalue\(\) is not what it was"):
        for v in (0.5, 3.0, 3.0, -2.0):
            write(held, v)
            same(step, f, [W])
    assert step.captures == 3 and step.runs == 1


def test_a_file_read_through_io_fileio_or_open_code_is_refused_as_by_open(tmp_path):
    path = tmp_path / "lr.txt"
    path.write_text("0.5")

    def with_file_io():
        with io.FileIO(path) as fh:
            return W * float(fh.read())

    def with_open_code():
        with io.open_code(str(path)) as fh:
            return W * float(fh.read())

    for f, how in ((with_file_io, "io.FileIO"), (with_open_code, "io.open_code")):
        with pytest.raises(RuntimeError, match=rf"it reads the file .*lr.txt'\)? \({how}\): "
                           r"what a file holds can change between calls.*pass the numbers "
                           r"in, at test_read_for_the_code.py:\d+: *with io"):
            compile(f)()
    held = open(path, "rb", buffering=0)  # (a FileIO made outside: its class is io's)

    def g():
        return W * ((type(held) is io.FileIO) + 2 * isinstance(held, io.FileIO))

    try:
        same(compile(g), g, [W])
    finally:
        held.close()
