"""A learner's process that keeps its time limit's signal out (blocked, ignored, the audit
hook off) is stopped from outside once it has run a second past its limit
(``remote.OVERRUN``), looping or asleep: before, it ran to the grader's deadline, about
30 s an exercise, and one such file took a class's report from 6 s to 101 s (issue
65). Its running is the time the machine let it run, so the numbers below hold on a
loaded machine too; an honest slow answer is stopped by its own time limit, as before."""

import re
import textwrap

import pytest

from tests.exercises.test_reached_again import AUDIT_OFF, graded
from tinygrad_edu.exercises import remote
from tinygrad_edu.exercises.learner import serve

SIGNALS_OUT = AUDIT_OFF + '''
signal = sys.modules["signal"]
signal.pthread_sigmask(signal.SIG_BLOCK, set(signal.Signals) - {signal.SIGKILL,
                                                                signal.SIGSTOP})
for _s in (signal.SIGALRM, signal.SIGVTALRM, signal.SIGPROF, signal.SIGXCPU):
    signal.signal(_s, signal.SIG_IGN)
'''
"""The attacker's opening: every signal it may block blocked, the timers' ignored."""


def seconds_said(verdict):
    found = re.search(r"still running after ([0-9.]+) s", str(verdict))
    assert found, verdict
    return float(found.group(1))


@pytest.mark.parametrize("how", ["while True:\n        pass",
                                 'sys.modules["time"].sleep(1000)'])
def test_a_call_that_keeps_its_time_limit_out_is_stopped_a_second_past_it(
        tmp_path, short_time_limit, how):
    """A 0.3 s time limit: the call is stopped after it ran 1.3 s or so, whether it loops or
    sleeps (before: the deadline, 11.2 s, for this limit)."""
    result = graded(tmp_path, SIGNALS_OUT + f"\n\ndef d_tanh(x, y):\n    {how}\n", ["d_tanh"])
    verdict = result.verdicts["d_tanh"]
    assert not verdict.passed and "TimeLimit" in str(verdict), verdict
    assert 0.3 + remote.OVERRUN <= seconds_said(verdict) < 0.3 + remote.OVERRUN + 1, verdict


def test_a_file_that_keeps_its_time_limit_out_is_stopped_a_second_past_it(
        tmp_path, monkeypatch):
    """The file's own code, run with a 0.5 s limit, loops: it is stopped after it ran 1.5 s
    or so (before: the start's deadline, 35 s), and its exercises are not graded."""
    monkeypatch.setattr(serve, "LOAD_LIMIT", 0.5)
    result = graded(tmp_path, SIGNALS_OUT + textwrap.dedent('''
        while True:
            pass


        def d_tanh(x, y):
            return 1 - y * y
        '''), ["d_tanh"])
    verdict = str(result.verdicts["d_tanh"])
    assert "no answer after it ran 1." in verdict, verdict
    assert "time limit's signal did not stop it" in verdict, verdict


def test_half_a_message_to_the_grader_does_not_keep_it_waiting(tmp_path, short_time_limit,
                                                               monkeypatch):
    """A call that writes the length of a message and one byte of it on its channel to the
    grader: the grader waited for the rest for good (`check` hung;
    a report took about 80 s an exercise). Now the rest must come by the reply's deadline
    (11.2 s for a 0.3 s limit; 3.2 s here, its 10 s of slack made 2, which the test waits
    out), else the process was 'garbled' and is stopped."""
    import time

    monkeypatch.setattr(remote, "DEADLINE", serve.TIME_LIMIT * 4 + 2.0)
    started = time.monotonic()
    result = graded(tmp_path, '''
import typing

_os = typing.sys.modules["os"]


def d_tanh(x, y):
    _os.write(int(typing.sys.argv[3]), (4000).to_bytes(4, "big") + b"{")
    return 0.0
''', ["d_tanh"])
    verdict = result.verdicts["d_tanh"]
    assert not verdict.passed and "a message cut short" in str(verdict), verdict
    assert time.monotonic() - started < 60


def test_questions_every_50_ms_do_not_keep_a_call_running_past_its_limit(tmp_path,
                                                                          short_time_limit):
    """A call that ignores its time limit's signal and asks the grader a question every
    50 ms (refused at once): its running was looked at only when
    it said nothing, so it ran to the deadline (11.2 s for this limit; 30 s at the default).
    Now it is stopped about a second past its limit, as a silent one is."""
    result = graded(tmp_path, '''
import typing

_s = typing.sys
json, time, _os, _sig = (_s.modules[m] for m in ("json", "time", "os", "signal"))
_req, _ans = int(_s.argv[2]), int(_s.argv[3])


def _read(n):
    b = b""
    while len(b) < n:
        b += _os.read(_req, n - len(b))
    return b


def d_tanh(x, y):
    _sig.signal(_sig.SIGALRM, _sig.SIG_IGN)
    while True:
        data = json.dumps({"ask": {"kind": "call", "name": "x"}}).encode()
        _os.write(_ans, len(data).to_bytes(4, "big") + data)
        _read(int.from_bytes(_read(4), "big"))
        time.sleep(0.05)
''', ["d_tanh"])
    verdict = result.verdicts["d_tanh"]
    assert not verdict.passed and "TimeLimit" in str(verdict), verdict
    assert 0.3 + remote.OVERRUN <= seconds_said(verdict) < 0.3 + remote.OVERRUN + 1, verdict
