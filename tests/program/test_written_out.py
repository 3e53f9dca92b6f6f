"""Text the function writes out besides ``print``: a record logged (``log.info``,
``logging.warning``) and text written to ``sys.stdout`` or ``sys.stderr`` by its methods.
A program writes neither again; before, both were done at the capture only and nothing was
said (an attacker's S11, issue 64). Each is said once now, with the line, as a print is."""

import logging
import sys
import warnings

import pytest

from tinygrad_edu import Value
from tinygrad_edu.program import compile
from tinygrad_edu.program.capture import ProgramWarning

W = Value(0.5)
LOG = logging.getLogger("tg_edu_written_out")
OUT = sys.stdout


def _said(function, calls=3):
    """What ``compile(function)`` says over ``calls`` calls (ProgramWarnings' texts)."""
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        step = compile(function)
        for k in range(calls):
            step(Value(1.0 + k))
    return step, [str(w.message) for w in said if w.category is ProgramWarning]


@pytest.fixture
def logged(monkeypatch, capfd):
    """LOG's records written to the process's stderr (a handler holds its stream: the
    capture does not see it written), its level INFO: put in place by the test itself
    (pytest adds its own handlers, which keep every record, to the list it finds)."""
    def start():
        monkeypatch.setattr(LOG, "handlers", [logging.StreamHandler(sys.__stderr__)])
        monkeypatch.setattr(LOG, "propagate", False)
        monkeypatch.setattr(LOG, "level", logging.INFO)
        return lambda: capfd.readouterr().err
    return start


def test_a_record_logged_is_said_once_with_its_line(logged):
    written = logged()
    def f(x):
        LOG.info("a step")
        return (W * x).tanh()

    step, said = _said(f)
    assert written() == "a step\n"  # (the capture's: a program does not log)
    assert step.captures == 1
    assert len(said) == 1 and "it logs (" in said[0] and 'LOG.info("a step")' in said[0]


def test_logging_s_own_functions_and_a_record_no_handler_takes_are_said(monkeypatch):
    monkeypatch.setattr(logging.root, "handlers", [])  # (logging's last resort: sys.stderr)

    def f(x):
        logging.warning("loss is large")
        return W * x

    step, said = _said(f)
    assert len(said) == 1 and "it logs (" in said[0] and "logging.warning(" in said[0]
    assert step.captures == 1


def test_a_number_logged_that_changes_is_the_engines_line_at_every_call(logged):
    written = logged()
    def f(x):
        y = W * x
        LOG.info("y=%.3f", y.data)
        return y

    step, said = _said(f)
    assert written() == "y=0.500\ny=1.000\ny=1.500\n" and step.captures == 3
    assert sum("it logs (" in t for t in said) == 1


def _stdout(x):
    sys.stdout.write("a step\n")
    return W * x


def _stderr(x):
    sys.stderr.write("a step\n")
    return W * x


def _held(x):
    OUT.write("a step\n")
    return W * x


def _lines(x):
    sys.stdout.writelines(["a step\n"])
    return W * x


def _buffer(x):
    sys.stdout.buffer.write(b"a step\n")
    return W * x


@pytest.mark.parametrize("function, where, line", [
    (_stdout, "sys.stdout", "sys.stdout.write("), (_stderr, "sys.stderr", "sys.stderr.write("),
    (_held, "sys.stdout", "OUT.write("), (_lines, "sys.stdout", "sys.stdout.writelines("),
    (_buffer, "sys.stdout.buffer", "sys.stdout.buffer.write(")])
def test_text_written_to_sys_stdout_or_stderr_is_said_once_with_its_line(function, where, line,
                                                                         capfd, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "OUT", sys.stdout)  # (a global that holds it)
    step, said = _said(function)
    sys.stdout.flush()
    written = capfd.readouterr()
    assert (written.out + written.err).count("a step") == 1  # (the capture's)
    assert len(said) == 1 and f"it writes to {where} (" in said[0] and line in said[0]
    assert step.captures == 1


def test_a_print_is_said_as_a_print_only(capsys):
    def f(x):
        print("a step")
        print("to stderr", file=sys.stderr)
        return W * x

    step, said = _said(f)
    assert len(said) == 2 and all("it prints (" in t for t in said)
    assert capsys.readouterr().out == "a step\n" and step.captures == 1


def test_the_streams_are_python_s_own_again_after_a_capture():
    before = sys.stdout, sys.stderr

    def f(x):
        sys.stdout.write("")
        return W * x

    _said(f, calls=1)
    assert sys.stdout is before[0] and sys.stderr is before[1]


def test_a_file_written_is_said_once_with_its_line(tmp_path):
    """A file held outside that the function writes to, by a global or through an object
    (an attacker of issue 64: ``FH.write("step\\n")`` was written at the capture only, and
    nothing said); one only reached, a trainer's log file, says nothing."""
    held = open(tmp_path / "log.txt", "w")
    logs = type("Logs", (), {})()
    logs.file = held
    quiet = open(tmp_path / "quiet.txt", "w")
    try:
        def f(x):
            held.write("a step\n")
            return (W * x).tanh()

        def g(x):
            logs.file.write("a step\n")
            return (W * x).tanh()

        def h(x):
            assert not quiet.closed
            return (W * x).tanh()

        for function, line in ((f, 'held.write("a step\\n")'),
                               (g, 'logs.file.write("a step\\n")')):
            step, said = _said(function)
            assert step.captures == 1, step.explain()
            assert len(said) == 1 and "(TextIOWrapper)" in said[0] and line in said[0], said
            assert "a program does not write again" in said[0]
        step, said = _said(h)
        assert said == [] and step.captures == 1
    finally:
        held.close()
        quiet.close()
