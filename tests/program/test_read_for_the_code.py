"""What a compiled function reads that its code does not name as a place: ``os.environb``
(the bytes twin of ``os.environ``), streams read without ``open()`` (a ``StringIO``'s
``getvalue()``, ``io.FileIO``, ``io.open_code``), state the standard library reads for the
code (a parent logger's level, ``sys.argv`` through ``argparse``, ``calendar``'s first
weekday) and the interpreter's and NumPy's settings. Each changed between calls: the program
gives the engine's numbers (guarded: captured again), or the capture refuses, naming the
line and what to do."""

import argparse
import calendar
import decimal
import faulthandler
import io
import logging
import os
import re
import reprlib
import signal
import struct
import sys
import warnings

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


def _spooled():
    import tempfile

    held = tempfile.SpooledTemporaryFile(max_size=1000)
    held.write(b"0.5000")
    return held


@pytest.mark.parametrize("native", [True, False])
@pytest.mark.parametrize("make, text", [
    (lambda: io.TextIOWrapper(io.BytesIO(), encoding="utf-8", write_through=True), True),
    (lambda: io.BufferedRandom(io.BytesIO()), False),
    (_spooled, False),
], ids=["TextIOWrapper(BytesIO)", "BufferedRandom(BytesIO)", "SpooledTemporaryFile"])
def test_a_stream_in_memory_under_layers_rewritten_between_calls(make, text, native):
    """A config kept in memory under a stream's layers (``io.TextIOWrapper`` over a
    ``BytesIO``, a ``BufferedRandom`` over one, a ``tempfile.SpooledTemporaryFile``),
    rewritten between calls and read back in the function: the program kept the capture's
    number (engine (0.375, 1.25), (1.25, 3.0); program (0.5, 1.5), silently); a
    SpooledTemporaryFile's first capture was refused, "it draws from a generator ...
    Random.random" (the capture asked its ``fileno()``, which rolled it over to a file of a
    random name). Each is guarded by what it holds and where it stands."""
    held = make()

    def f():
        held.seek(0)
        return W * float(held.read()) + W * W

    step = compile(f, native=native)
    for v in ("0.5000", "0.5000", "0.2500", "2.0000"):
        held.seek(0)
        held.write(v if text else v.encode())
        held.flush()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ProgramWarning)
            same(step, f, [W])
    assert not getattr(held, "_rolled", False)


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


def captured_again_at_each_change(f, changes, said):
    """``f`` compiled gives the engine's numbers before and after each change (two calls
    each), captured again at each, saying ``said``: three captures, two runs as a program."""
    step = compile(f, native=False)  # (guards: the same in both)
    same(step, f, [W])
    with pytest.warns(ProgramWarning, match=rf"captured again because {re.escape(said)}"):
        for change in changes:
            change()
            same(step, f, [W])
            same(step, f, [W])
    assert step.captures == 3 and step.runs == 2, f.__name__

def test_state_the_standard_library_reads_for_the_code_is_guarded(monkeypatch):
    """A parent logger's level (getEffectiveLevel climbs to it), sys.argv (argparse reads it
    where no arguments are given), calendar's first weekday, reprlib's limits."""
    log = logging.getLogger("tg_edu_train.step")
    parent = logging.getLogger("tg_edu_train")
    monkeypatch.setattr(parent, "level", logging.WARNING)
    parser = argparse.ArgumentParser()
    parser.add_argument("--lr", type=float, default=0.5)
    monkeypatch.setattr(sys, "argv", ["train.py"])
    monkeypatch.setattr(reprlib.aRepr, "maxlist", reprlib.aRepr.maxlist)
    monkeypatch.setattr(calendar.c, "firstweekday", calendar.firstweekday())

    def level():
        return W * (log.getEffectiveLevel() / 10)

    def argv():
        opts, _ = parser.parse_known_args()
        return W * opts.lr

    def weekday():
        return W * (calendar.firstweekday() + 1.0)

    def shown():
        return W * len(reprlib.repr(list(range(20))))

    for f, changes, said in (
            (level, [lambda: parent.setLevel(logging.DEBUG),
                     lambda: parent.setLevel(logging.ERROR)], "a logger's level"),
            (argv, [lambda: sys.argv.extend(["--lr", "3.0"]),
                    lambda: sys.argv.__setitem__(2, "-2.0")], "sys.argv"),
            (weekday, [lambda: calendar.setfirstweekday(3), lambda: calendar.setfirstweekday(6)],
             "calendar's first weekday"),
            (shown, [lambda: setattr(reprlib.aRepr, "maxlist", 12),
                     lambda: setattr(reprlib.aRepr, "maxlist", 3)], "reprlib's limits")):
        captured_again_at_each_change(f, changes, said)


def test_settings_asked_for_are_guarded():
    """NumPy's error mode and buffer size, Python's limit on an int's digits, decimal's
    context, faulthandler's state, a timer's interval, each changed between calls."""
    np = pytest.importorskip("numpy")

    def errors():
        return W * (2.0 if np.geterr()["divide"] == "raise" else 1.0)

    def buffer():
        return W * (np.getbufsize() / 8192)

    def tolerance():
        return W * 10.0 ** -decimal.getcontext().prec

    def handler():
        return W * (2.0 if faulthandler.is_enabled() else 1.0)

    def timer():
        return W * signal.getitimer(signal.ITIMER_VIRTUAL)[1]

    cases = [(errors, lambda on: np.seterr(divide="raise" if on else "warn"), "error mode"),
             (buffer, lambda on: np.setbufsize(16384 if on else 8192), "buffer size"),
             (tolerance, lambda on: setattr(decimal.getcontext(), "prec", 5 if on else 28),
              "decimal's context"),
             (handler, lambda on: faulthandler.enable() if on else faulthandler.disable(),
              "faulthandler's state"),
             (timer, lambda on: signal.setitimer(signal.ITIMER_VIRTUAL, 100.0,
                                                 2.0 if on else 1.0), "a timer")]
    if hasattr(sys, "get_int_max_str_digits"):
        def digits():
            return W * (sys.get_int_max_str_digits() / 1000)

        cases.append((digits, lambda on: sys.set_int_max_str_digits(640 if on else 4300),
                      "limit on an int's digits"))
    was = (np.geterr(), np.getbufsize(), decimal.getcontext().prec,
           faulthandler.is_enabled(), getattr(sys, "get_int_max_str_digits", lambda: 0)())
    try:
        for f, change, said in cases:
            change(False)
            step = compile(f, native=False)  # (guards: the same in both)
            same(step, f, [W])
            with pytest.warns(ProgramWarning, match=re.escape(said)):
                for on in (True, False):
                    change(on)
                    same(step, f, [W])
                    same(step, f, [W])
            assert step.captures >= 2 and step.captures + step.runs == 5, f.__name__
    finally:
        np.seterr(**was[0])
        np.setbufsize(was[1])
        decimal.getcontext().prec = was[2]
        (faulthandler.enable if was[3] else faulthandler.disable)()
        signal.setitimer(signal.ITIMER_VIRTUAL, 0.0)
        if was[4]:
            sys.set_int_max_str_digits(was[4])


@pytest.mark.parametrize("make", [lambda: io.StringIO("abcdefgh"), lambda: io.BytesIO(b"abcd")],
                         ids=["StringIO", "BytesIO"])
def test_a_stream_in_memorys_position_is_guarded(make):
    held = make()  # (a step count kept as a log's length: moved by seek() or a write outside)

    def f():
        return W * (1 + held.tell())

    step = compile(f, native=False)
    with pytest.warns(ProgramWarning, match=r"held\.tell\(\) is not what it was"):
        for at in (0, 2, 2, 3):
            held.seek(at)
            same(step, f, [W])
    assert step.captures == 3 and step.runs == 1


def test_a_loggers_own_level_and_its_handlers_are_guarded(monkeypatch):
    """A logger got by its name (``logging.getLogger().level``, how many handlers it has)
    and a handler's level reached through a logger held outside."""
    log = logging.getLogger("tg_edu_handled")
    monkeypatch.setattr(log, "level", logging.INFO)
    monkeypatch.setattr(log, "handlers", [logging.NullHandler()])

    def level():
        return W * (2.0 if logging.getLogger("tg_edu_handled").level <= logging.DEBUG else 1.0)

    def handlers():
        return W * len(logging.getLogger("tg_edu_handled").handlers)

    def handler_level():
        return W * (log.handlers[0].level + 1)

    for f, changes, said in (
            (level, [lambda: log.setLevel(logging.DEBUG), lambda: log.setLevel(logging.ERROR)],
             "a logger's level or handlers"),
            (handlers, [lambda: log.addHandler(logging.NullHandler()),
                        lambda: log.addHandler(logging.NullHandler())],
             "a logger's level or handlers"),
            (handler_level, [lambda: log.handlers[0].setLevel(logging.DEBUG),
                             lambda: log.handlers[0].setLevel(logging.ERROR)],
             "log (a closure cell) is not what it was")):
        captured_again_at_each_change(f, changes, said)


def test_a_log_line_under_logging_disable_is_written_as_the_engine_writes_it(monkeypatch):
    """``log.debug(...)`` asks the logger's level as ``isEnabledFor`` does: with
    ``logging.disable`` toggled between calls, the lines the engine writes (before: a program
    wrote none; and the capture said 'it changes log', of the cache logging keeps)."""
    log = logging.getLogger("tg_edu_disabled")
    monkeypatch.setattr(log, "level", logging.DEBUG)
    monkeypatch.setattr(log, "propagate", False)

    def f(x):
        y = W * x
        log.debug("y=%.3f", y.data)
        return y

    written = []
    try:
        for run in (compile(f, native=False), f):
            stream = io.StringIO()
            monkeypatch.setattr(log, "handlers", [logging.StreamHandler(stream)])
            with warnings.catch_warnings(record=True) as said:
                warnings.simplefilter("always")
                for i in range(4):
                    logging.disable(logging.DEBUG if i % 2 else logging.NOTSET)
                    run(1.0 + i)
            assert not [w for w in said if "it changes log" in str(w.message)]
            written.append(stream.getvalue())
    finally:
        logging.disable(logging.NOTSET)
    assert written[0] == written[1] and written[1].count("\n") == 2  # (calls 0 and 2)



def _digits(on):
    if not hasattr(sys, "set_int_max_str_digits"):
        pytest.skip("Python 3.11 on: a limit on an int's digits")
    sys.set_int_max_str_digits(640 if on else 4300)


def _print_options(on):
    np = pytest.importorskip("numpy")
    if np.__version__ < "2":
        pytest.skip("NumPy 2 on: a NumPy number's text changes with its print options")
    np.set_printoptions(legacy="1.25" if on else False)


def _month():
    return W * calendar.monthcalendar(2024, 2)[0][0]


def _long_int():
    try:
        return W * len(str(10 ** 700))
    except ValueError:  # (more digits than Python's limit)
        return W * 1.0


def _number_text():
    import numpy as np
    return W * len(repr(np.float64(0.25)))


@pytest.mark.parametrize("f, change", [
    (_month, lambda on: calendar.setfirstweekday(3 if on else 0)),
    (_long_int, _digits), (_number_text, _print_options)],
    ids=["calendar.monthcalendar", "str of an int", "a NumPy number's text"])
def test_settings_read_for_the_code_where_it_does_not_ask_are_guarded(f, change):
    """calendar's first weekday read by ``calendar.monthcalendar`` itself; Python's limit on
    an int's digits read by ``str()`` of an int, NumPy's print options by a NumPy number's
    text: read by code the capture does not see (issue 64)."""
    np = pytest.importorskip("numpy")
    was = calendar.firstweekday(), np.get_printoptions(), \
        getattr(sys, "get_int_max_str_digits", lambda: 0)()
    try:
        change(False)
        step = compile(f, native=False)  # (guards: the same in both)
        for on in (False, True, False):
            change(on)
            same(step, f, [W])
    finally:
        calendar.setfirstweekday(was[0])
        np.set_printoptions(**was[1])
        if was[2]:
            sys.set_int_max_str_digits(was[2])
