"""The time limit: a learner's solution that runs too long is stopped, whatever it catches.

A timer signal ends a call that runs past its time: the signal's handler raises ``TimeLimit``,
a ``BaseException``, so the ``except Exception:`` a learner writes around a line does not catch
it. Two things make that harder than it looks, and are handled here:

* Python runs a signal's handler only at certain points of the running code. Python 3.10 skips
  the point where a loop jumps back to a ``try:``, so a loop such as ``while x > 1: try: ...
  except Exception: ...`` that calls no Python function never runs the handler (Ctrl-C cannot
  stop it either). On 3.10 a trace function therefore watches the learner's lines while the
  solution runs: it is Python code, and each of its calls is a point where the handler runs.
* A bare ``except:`` (or ``except BaseException:``) does catch ``TimeLimit``. So once the time
  is up, the learner's lines raise it again (the first line of the handler that caught it, for
  one) and the timer goes on firing every ``TICK`` seconds, until the learner's code has ended.
  If it catches a stop and returns, or raises something else, the verdict is still the stop.
  A trace function that raises is switched off by Python, so on 3.10, where nothing else stops
  such a loop, it raises only where no ``try:`` or ``with`` block of the function is open.

What cannot be stopped: one call into C that never returns (``sum(itertools.count())``); and, on
Python 3.10 only, a loop that never leaves a ``try:`` of its function and catches every stop
inside it with a bare ``except:`` (two nested ``try: ... except: pass`` around a loop).
"""

from __future__ import annotations

import dis
import functools
import os
import signal
import sys
import sysconfig
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import CodeType, FrameType
from typing import Any, TypeVar

__all__ = ["TimeLimit", "call_with_time_limit", "not_counted", "stopped_from_a_watch"]

_set_recursion_limit = sys.setrecursionlimit
"""Python's own, bound as the grader imports this module: the learner's process caps what
its code sets at the page's limit, with a warning (``serve._capped_recursion``), which the
grader's own room for ``signal.signal`` (``end``) must not meet."""

T = TypeVar("T")

_PY310 = sys.version_info < (3, 11)

TICK = 0.05
"""Seconds between two stops once the time is up, for as long as the learner's code runs."""

# Code that is not the learner's: this package, the standard library, installed packages, and
# code they make from text (a dataclass's __init__, named "<string>"; a learner's file is
# always compiled under its own name). A repeated stop never interrupts it (the `with` blocks
# of the grader must finish their exits, a hook of the test runner its report). The standard
# library is also where its modules are (a browser's Python keeps it in a zip file,
# /lib/python314.zip, not in the folder sysconfig names).
_FOLDERS = {str(Path(__file__).parent.parent), os.path.dirname(os.__file__),
            *(sysconfig.get_path(p) for p in ("stdlib", "platstdlib", "purelib", "platlib"))}
_NOT_LEARNERS = ("<frozen ", "<string>", *(folder + os.sep for folder in sorted(_FOLDERS)))


def _learners(code: CodeType) -> bool:
    return not code.co_filename.startswith(_NOT_LEARNERS)


class TimeLimit(BaseException):
    """A solution ran longer than its time limit on one input and was stopped. A
    BaseException, so that neither an ``except Exception`` in the learner's loop nor
    hypothesis (which would try ever simpler inputs, each as slow) catches it: it ends the
    grading, and ``grade`` turns it into the verdict. ``outcome`` is the input it was on."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"still running after {seconds:g} s on this input, so it was stopped")
        self.outcome: Any = None  # (the grader's Outcome)
        self.seconds = seconds


class PageStop(KeyboardInterrupt):
    """The page's Stop, or its time limit for a Check, interrupting the browser's Python
    (``viz.playground.checked`` has SIGINT raise it): the Check ends with no verdict. Any other
    exception the learner's code raises while graded here, a KeyboardInterrupt or a
    GeneratorExit of its own, is its answer's error: the verdict the command gives, whose
    learner's process that exception ends."""


def call_with_time_limit(seconds: float, function: Callable[..., T], *args: Any) -> T:
    """``function(*args)``, stopped with ``TimeLimit`` once it has run for ``seconds``, where a
    timer signal can: in the main thread of a POSIX system (a terminal, a notebook kernel,
    pytest); elsewhere there is no limit. A timer someone else had set (pytest-timeout's, say)
    is set going again afterwards with the time it had left."""
    in_main = threading.current_thread() is threading.main_thread()
    if not hasattr(signal, "setitimer") or not in_main:
        return function(*args)
    stop = _Stop(seconds, sys._getframe())
    stop.start()
    _RUNNING.append(stop)
    try:
        answer = function(*args)
    except BaseException as error:
        if stop.first is None or error is stop.first or isinstance(error, KeyboardInterrupt):
            raise
        raise stop.first from None  # it caught the stop and raised something else
    finally:
        _RUNNING.remove(stop)
        stop.end()
    if stop.first is not None:  # it caught the stop and returned all the same
        raise stop.first
    return answer


def not_counted(function: Callable[..., T], *args: Any) -> T:
    """``function(*args)`` inside a limited call, its time not counted against that call's
    limit: a learner's process waiting for the grader's answer to a question of the
    learner's code (an earlier stage the grader answers for: ``serve._asking``), which is
    the grader's time, not the learner's (the grader leaves it out of the process's running
    too: ``process_time.Running.grader``): an honest call whose question a busy grader, on a
    loaded machine, answered late was stopped as not finishing (a right attention, which
    asks for softmax at every position). The timer's signal waits meanwhile (where a thread
    can hold it back), so that a stop never cuts a message in two."""
    blocked = hasattr(signal, "pthread_sigmask")
    if blocked:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    stop = _RUNNING[-1] if _RUNNING else None
    started = time.monotonic()
    if stop is not None:
        stop.waiting += 1
    try:
        return function(*args)
    finally:
        if stop is not None:
            stop.waiting -= 1
            stop.postpone(time.monotonic() - started)
        if blocked:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGALRM})


_RUNNING: list[_Stop] = []
"""The limited calls running, the innermost last."""


class _Stop:
    """The timer, its signal's handler and the trace functions of one limited call, whose
    frame is ``grader``: the frames below it are the solution's."""

    def __init__(self, seconds: float, grader: FrameType) -> None:
        self.seconds = seconds
        self.grader = grader
        self.up = False  # the time is up
        self.raises: Callable[[], BaseException] | None = None  # (else TimeLimit)
        self.first: BaseException | None = None  # the first stop raised
        self.ends = 0.0  # when the time is up (``start``; later by the time ``not_counted``)
        self.waiting = 0  # how many ``not_counted`` calls it is in

    def start(self) -> None:
        before = signal.signal(signal.SIGALRM, self.alarm)
        # kept as a plain number or function: signal.signal turns a Handlers member back with
        # int(), which a learner's code may replace, and the grader's handler would stay set
        self.handler = before.value if isinstance(before, signal.Handlers) else before
        self.trace = sys.gettrace()
        self.ends = time.monotonic() + self.seconds  # (read before the timer goes off)
        self.outer, self.interval = signal.setitimer(signal.ITIMER_REAL, self.seconds, TICK)
        self.started = time.monotonic()
        if _PY310:  # see the module's docstring
            sys.settrace(self.watch)

    def end(self) -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)
        depth = sys.getrecursionlimit()  # (the code may have lowered it to just above its
        _set_recursion_limit(depth + 100)  # depth: signal.signal's enum calls need room)
        try:
            signal.signal(signal.SIGALRM, 0 if self.handler is None else self.handler)  # 0: SIG_DFL
        finally:
            _set_recursion_limit(depth)
        if sys.gettrace() is not self.trace:
            sys.settrace(self.trace)
        if self.outer:
            left = max(self.outer - (time.monotonic() - self.started), 1e-3)
            signal.setitimer(signal.ITIMER_REAL, left, self.interval)

    def postpone(self, seconds: float) -> None:
        """Stop ``seconds`` later (the time ``not_counted``), unless the time is up."""
        if self.up:
            return
        self.ends += seconds
        left = self.ends - time.monotonic()
        if left > 0 and not self.waiting:
            signal.setitimer(signal.ITIMER_REAL, left, TICK)

    def alarm(self, signum: int, frame: FrameType | None) -> None:
        """The timer's handler: while the learner's code runs, stop it here, and have its
        lines stop it again from now on."""
        learners = self._learners_frames(frame)
        if not learners:
            return  # the solution has ended: the grader is tidying up
        if not self.up and (self.waiting or time.monotonic() < self.ends):
            return  # (a time not counted: ``postpone`` set the timer again)
        self.stop_at_lines(learners)
        if not _in_our_trace_function(frame):
            self._raise()
        # else it came in our own trace function (or in what that calls), which stops the
        # learner's code itself once it has returned

    def stop_at_lines(self, learners: list[FrameType]) -> None:
        """From now on, each line of the learner's code stops it (``learners``: its frames)."""
        self.up = True
        for f in learners:
            f.f_trace, f.f_trace_opcodes = self.line, _PY310
        try:
            sys.settrace(self.watch)  # for the frames it calls, and to switch the lines'
        except RuntimeError:  # tracing on (the timer's next tick, come while this very call
            pass  # was installing it: "Cannot install a trace function while another...")

    def watch(self, frame: FrameType, event: str, arg: Any) -> Any:
        """The trace function of every new frame: follows the learner's only."""
        if not _learners(frame.f_code):
            return None
        frame.f_trace_opcodes = self.up and _PY310
        return self.line

    def line(self, frame: FrameType, event: str, arg: Any) -> Any:
        """The trace function of a learner's frame: once the time is up, each line stops it
        (on 3.10, each instruction outside a ``try:`` or ``with`` block)."""
        if self.up and event in ("line", "opcode") and not _in_a_block(frame):
            self._raise()
        return self.line

    def _raise(self) -> None:
        stop = self.raises() if self.raises is not None else TimeLimit(self.seconds)
        if self.first is None:
            self.first = stop
        raise stop

    def _learners_frames(self, frame: FrameType | None) -> list[FrameType]:
        """The learner's frames on the stack from ``frame`` up to the grader's (none if the
        grader's frame is not reached, or no frame on the way is the learner's)."""
        found = []
        while frame is not None and frame is not self.grader:
            if _learners(frame.f_code):
                found.append(frame)
            frame = frame.f_back
        return found if frame is self.grader else []


_TRACE_FUNCTIONS = {_Stop.watch.__code__, _Stop.line.__code__}


def stopped_from_a_watch(raises: Callable[[], BaseException], frame: FrameType | None) -> bool:
    """Where a stop of the page's (its Stop: ``raises`` makes its exception) comes while
    ``frame`` runs the grader's own code inside a limited call (a trace or profile function of
    ``stops_by_lines``: the line watch, the class watch), have the learner's next line raise
    it, as the time limit's does, and say so (True); else False, for the caller to raise it
    there. Raised in the watch, it was swallowed by the watch's own guard (which keeps a
    learner's object that raises from ending the look): the learner's loop ran on to the time
    limit, whose verdict was recorded."""
    stop = _RUNNING[-1] if _RUNNING else None
    if stop is None or stop.up or not _in_our_trace_function(frame):
        return False
    learners = stop._learners_frames(frame)
    if not learners:
        return False
    stop.raises = raises
    stop.stop_at_lines(learners)
    return True


def _in_our_trace_function(frame: FrameType | None) -> bool:
    """Whether ``frame`` runs in one of the time limit's trace functions (or a profile
    function of ``stops_by_lines``), or in a function it calls, above the learner's frames.
    A stop raised there would come out of the trace function, which CPython then switches
    off, calling ``sys.settrace`` for it: on 3.10, where every call is traced, one in about
    five loops stopped so was reported as the learner's tracer (the watch calls
    ``_learners``, where the timer's signal came; a flake of test_shortcuts under 3.10)."""
    while frame is not None and not _learners(frame.f_code):
        if frame.f_code in _TRACE_FUNCTIONS:
            return True
        frame = frame.f_back
    return False


def stops_by_lines(code: CodeType) -> None:
    """Have the timer never raise in ``code``, a profile function of the grader's that runs
    inside a limited call (CPython switches a profile function off, itself, when it raises):
    there the timer only has the learner's lines traced, which stop it."""
    _TRACE_FUNCTIONS.add(code)


def _in_a_block(frame: FrameType) -> bool:
    """On 3.10, whether ``frame`` is about to run an instruction inside a ``try:`` or ``with``
    block of its code, where a stop could be caught or suppressed. (Later Pythons run the
    signal's handler again on each tick, so any line may stop them.)"""
    return _PY310 and any(start <= frame.f_lasti < end for start, end in _blocks(frame.f_code))


@functools.lru_cache(maxsize=64)
def _blocks(code: CodeType) -> tuple[tuple[int, int], ...]:
    """3.10: the offsets each ``try:`` or ``with`` block of ``code`` spans: from its set-up
    instruction to its handler (a little more than the block, never less)."""
    return tuple((i.offset + 2, i.argval) for i in dis.get_instructions(code)
                 if i.opname in ("SETUP_FINALLY", "SETUP_WITH", "SETUP_ASYNC_WITH"))
