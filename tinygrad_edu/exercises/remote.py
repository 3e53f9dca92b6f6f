"""The grader's end of a learner's process: the process started, and a solution in it asked,
input by input, what it does.

``LearnerProcess`` starts that process (``learner/serve.py``) as a fresh Python, never
forked from this one, so it holds no reference to grade against, and gives it the learner's
source and the engine its exercises may have (``learner/engines.py``: one process per
group of exercises). Started as root (Gradescope's autograder), it goes on as ``LEARNER``,
a user who cannot read the grader's files. ``Remote`` is a solution in that process, as the
grader sees it: ``run`` asks for its answer on one case, ``probe`` asks the Value
exercise's probes about the learner's class. What comes back is data, decoded strictly
(``learner/wire.py``); an exception the solution raised comes back as its class's name and
message, and is raised here as that class (a class of the learner's own as a stand-in of
that name), so the diagnoses compare it with the models' as before.

Whatever the audit hook of that process saw (``learner/audit.py``: a file opened, a module
of tinygrad_edu it does not have, a program run, a tracer set) is in ``reports``; the
grader reports such a submission and never scores it. The code it compiled at run time (and
whether it made code from bytes) is in ``heard`` (``heard.Heard``): the copy check reads it. A
process that stops answering is ended once it has run a second past its time limit without
answering (``process_time.Running``: its own time limit's signal, which it may block, did
not stop it), or after ``DEADLINE`` seconds.
"""

from __future__ import annotations

import base64
import os
import secrets
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from tinygrad_edu.exercises import syscall_filter
from tinygrad_edu.exercises.exercise import ExerciseSpec
from tinygrad_edu.exercises.heard import Heard, canary_text
from tinygrad_edu.exercises.learner import engines, sandbox, serve, wire
from tinygrad_edu.exercises.learner.audit import CANARY_DIGITS, CHANNEL_LOST, READ
from tinygrad_edu.exercises.learner.parts import AnswerError
from tinygrad_edu.exercises.limit import TimeLimit
from tinygrad_edu.exercises.loading import learner_code
from tinygrad_edu.exercises.machinery import noted
from tinygrad_edu.exercises.process_time import Running
from tinygrad_edu.exercises.replies import answer_part, exception, with_output

__all__ = ["EXERCISE_DEADLINE", "LEARNER", "LearnerProcess", "Remote", "Stopped",
           "too_long"]

LEARNER = "nobody"
"""The user a learner's process goes on as when the grader runs as root."""
DEADLINE = serve.TIME_LIMIT * 4 + 10.0
"""Seconds the grader waits for any answer, with the default time limits (a solution's own
time limit is enforced in its process; this ends one that no signal reaches): four times a
call's time limit, and 10 s more."""
START_DEADLINE = serve.LOAD_LIMIT + 30.0
"""Seconds the grader waits for the process to start and run the learner's file, with the
default time limits: the file's time limit, and 30 s more."""
EXERCISE_DEADLINE = START_DEADLINE + DEADLINE + 15.0
"""Seconds the grading of one exercise may take, wherever it is graded (``exercises check``,
a class's report, an assignment's autograder: ``apart.grade_apart``): an answer whose every
call ends within its time limit, but so slowly that the exercise takes longer, is stopped
there, and the exercise fails (``too_long``). (A class's grading process that is itself
stuck is stopped a little later: ``isolation.py``.)"""


def too_long(seconds: float) -> str:
    """How a verdict says that grading an exercise was stopped after ``seconds``."""
    return f"grading it took longer than {seconds:g} s, so it was stopped"
OVERRUN = 1.0
"""Seconds a learner's process may run past its time limit (a call's, the file's, four
times a call's for the Value exercise's probes) before it is stopped from outside: its own
time limit is a signal, which its code can block or ignore (it would run to the deadline, 30 s
an exercise). Its running is the time the machine let it run (``process_time.Running``), so
a loaded machine stops no honest answer early: there the deadlines above stand."""

PACKAGE = Path(__file__).resolve().parent.parent

ONE_THREAD = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
              "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")
"""NumPy's libraries start no thread of their own in the learner's process: the kernel's
file rules (Landlock) hold for the thread that asks for them, and the process may start no
other once confined (``syscall_filter.py`` refuses ``clone``)."""

LARGEST = 4 * 2**20
"""The largest message the grader reads from a learner's process, in bytes (an answer is a
few numbers; the largest question, a GPT's graph of the track, is under 200 KB). A message
is decoded whole before anything checks it: 16 MiB of small parts cost the grader 250 MB."""
TEXT, MESSAGE, PRINTED = 4000, 2000, 20_000
"""The most characters the grader keeps of an error's text (its line of the learner's code),
of its message and of what a call printed: whatever the learner's process sends, a verdict
and a class's report stay small."""

LOOK, FIRST_LOOK = 0.25, 0.05
"""Seconds between two looks at a process that has not answered yet: has it stopped itself?
The first look waits less: most answers come sooner, and how long the process runs
(``process_time.Running``, which reads /proc) is counted from FIRST_LOOK after the question
on, or from the first look that finds no answer (reading /proc at every question took a
tenth of the grader's time)."""

CHANNEL = 32 * 2**20
"""The most a learner's process may write on the audit's channel: many times what the audit
writes (a report ends the grading; the code compiled at run time is sent up to
``audit.READ`` characters in all, in base64). More was written there by the process itself
(``os.write`` on the channel, which no audit event sees), without end: it is stopped as one
that tampered with the grader's check. Before, the grader read such a flood as one line,
copying all it had at each read, and never came back to its deadlines: 115 s an exercise
(a PrairieLearn question of three took 6 minutes, past its timeout: an attacker's, issue 65).
Nor may one line be longer than the audit's longest, ``audit.READ`` characters of code in
base64 (``LINE``): a forged one was parsed whole, 18 s and 3 GB for 11 MiB (a reviewer's)."""
LINE = 6 * READ

FOLDERS: str | None = None
"""Where each learner's process gets its folder (None: the system's temporary folder); a
class's grading (``classroom/isolation.py``) has one of its own, removed when it ends, so
that a grading process that was stopped leaves nothing behind."""

REQUIRE = "TINYGRAD_EDU_REQUIRE_SANDBOX"
"""The protections of ``learner/sandbox.py`` a learner's process must have applied before it
runs any of the submission's code, by name, separated by commas (1: all of them,
``--require-sandbox``; a teacher's route sets those this machine offers: ``boundary.py``):
where one is missing, the submission is not graded, and the result says which."""


def required() -> list[str]:
    """The protections a learner's process requires (``REQUIRE``)."""
    value = os.environ.get(REQUIRE, "")
    if value in ("", "0"):
        return []
    if value == "1":
        return list(sandbox.PROTECTIONS)
    return [name.strip() for name in value.split(",") if name.strip()]


class Stopped(BaseException):
    """The learner's process ended, or stopped answering, before it answered (``kind``:
    ``"ended"``, ``"slow"``, ``"reported"``, ``"garbled"``: it sent what is not a message;
    ``"grader"``: the grader could not start it, out of open files or memory;
    ``"oversized"``: it asked the grader a question too large to answer; ``"stopped"``: it
    stopped itself, with a stop signal, and was ended at once; ``"too long"``: the exercise
    took longer than it may, ``EXERCISE_DEADLINE``; ``"here"``: graded where there are no
    processes, what the learner's code did, said at its line, ``ended_here.py``). A
    BaseException, as ``TimeLimit`` is, so that hypothesis does not take it for a failing
    input and try others: it ends the grading of the exercise."""

    def __init__(self, message: str, kind: str, reports: list[str] | None = None,
                 seconds: float | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.reports = reports or []
        self.seconds = seconds  # (a slow one's: how long it ran, or was waited for)


class LearnerProcess:
    """A learner's file, run in a process of its own for the exercises of one group."""

    def __init__(self, source: str, path: str, group: str,
                 exercises: Sequence[ExerciseSpec], user: str | None = None,
                 time_limit: float = serve.TIME_LIMIT, load_limit: float = serve.LOAD_LIMIT,
                 cells: Sequence[tuple[int, int, int]] = ()) -> None:
        self.group = group
        self.source = source
        self.cells = [list(cell) for cell in cells]
        self.time_limit = time_limit
        self.deadline = DEADLINE - serve.TIME_LIMIT * 4 + time_limit * 4
        self.ends: float | None = None  # when the exercise graded now must end (monotonic)
        self.exercise_seconds = 0.0  # (and how long it may take: ``exercise_begins``)
        self.exercises = list(exercises)
        self.heard = Heard()  # (the audit's channel: reports, code compiled at run time)
        self.reports: list[str] = self.heard.reports
        self.given: set[str] = set()  # the names the grader answers for now (``answer_for``)
        self.answering: Callable[[dict[str, Any]], dict[str, Any]] | None = None
        self.asked: set[str] = set()  # the names of what it asked the grader for
        self.noted: list[str] = []  # what the watch noted for the teacher (``noted``)
        self.printed = self.stderr = ""
        self._pending = bytearray()  # (the channel's line begun, not yet ended)
        self._heard_bytes = 0  # (all it wrote on the channel: at most ``CHANNEL``)
        theirs: list[int] = []  # (the process's ends of the pipes, closed here once it has them)
        try:  # (out of open files, memory or disk: the exercise fails, the grader goes on)
            self._folder = tempfile.mkdtemp(prefix="tinygrad-edu-learner-", dir=FOLDERS)
            os.chmod(self._folder, 0o711)  # (its code may write nowhere: learner/sandbox.py)
            requests_r, self._requests = os.pipe()
            theirs.append(requests_r)
            self._answers, answers_w = os.pipe()
            theirs.append(answers_w)
            self._reports, reports_w = os.pipe()
            theirs.append(reports_w)
            self._stderr = open(Path(self._folder, "stderr"), "w+b")
            self.process = subprocess.Popen(
                [sys.executable, "-I", "-c", serve.BOOTSTRAP, str(PACKAGE), str(requests_r),
                 str(answers_w), str(reports_w)],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self._stderr,
                pass_fds=tuple(theirs), cwd=self._folder,
                env={"PATH": os.defpath, "LANG": "C.UTF-8",
                     **dict.fromkeys(ONE_THREAD, "1")},
                close_fds=True, start_new_session=True)
        except OSError as error:
            self.close()
            raise Stopped(f"the grader could not start a process for the code "
                          f"({type(error).__name__}: {error.strerror or error}): the machine, "
                          "or the grader's limits, ran out; this says nothing of the answer",
                          "grader") from None
        finally:
            for fd in theirs:
                os.close(fd)
        try:  # (whatever goes wrong from here, the process is ended and its folder removed)
            os.set_blocking(self._reports, False)
            wire.write_message(self._requests, {
                "kernel": _kernel(),
                "group": group, "source": source, "path": path, "user": user,
                "code": learner_code(Path(path), source, cells),
                "parent": os.getpid(), "time_limit": time_limit, "load_limit": load_limit,
                "cells": [list(cell) for cell in cells], "require": required(),
                "numpy": needs_numpy(source, exercises),
                "exercises": [{"name": ex.symbol, "params": ex.params} for ex in exercises]})
            # what the kernel's boundary is, as the process said before the learner's code
            # ran (so no learner's code wrote it), then what running the file did
            self.sandbox = _protections(self._reply(START_DEADLINE - serve.LOAD_LIMIT))
            self.loaded = self._reply(START_DEADLINE - serve.LOAD_LIMIT + load_limit,
                                      load_limit + OVERRUN)
        except BaseException:
            self.close()
            raise
        self.printed = str(self.loaded.get("printed", ""))[:PRINTED]

    def ask(self, message: dict[str, Any]) -> dict[str, Any]:
        """Send a question and return the answer (``Stopped`` if none comes)."""
        if self._requests is None:
            raise Stopped("the process has ended", "ended")
        try:
            wire.write_message(self._requests, message)
        except OSError:
            raise self._stopped() from None
        limit = self.time_limit * (4 if message.get("op") == "probe" else 1)
        left = None if self.ends is None else self.ends - time.monotonic()
        if left is None or left >= self.deadline:
            return self._reply(self.deadline, limit + OVERRUN)
        return self._reply(max(left, 0.0), limit + OVERRUN, late=Stopped(
            too_long(self.exercise_seconds), "too long", seconds=self.exercise_seconds))

    def exercise_begins(self, seconds: float | None) -> None:
        """The exercise graded from now on may take ``seconds`` (None: no limit): past them,
        the question then asked is not waited for, and ``Stopped`` (``"too long"``) ends the
        process."""
        self.exercise_seconds = seconds or 0.0
        self.ends = None if seconds is None else time.monotonic() + seconds

    @property
    def open(self) -> bool:
        """Whether the grader can still ask the process (it has not closed it)."""
        return self._requests is not None

    def watching(self) -> bool:
        """Whether the audit hook of the process still watches: it is asked to compile a
        canary of fresh random digits (``audit.CANARY``), which the hook sends here as it
        sends all code compiled, before the process answers (``Stopped`` if it does not
        answer). Where it is not heard, the learner's code switched the hook off
        (``machinery.WATCH_OFF``: for the teacher)."""
        digits = secrets.token_hex(CANARY_DIGITS // 2)
        self.ask({"op": "watch", "digits": digits})  # (its reply is the process's to forge)
        self._read_reports()
        return canary_text(digits) in self.heard.canaries

    def answer_for(self, names: Sequence[str]) -> None:
        """From now on the grader answers for the learner's ``names`` (the earlier stages of
        a track that did not pass, for the exercise graded next), and for no other name:
        in the learner's module (``learner/answered.py``), the names it answered for before
        are the learner's own again; their questions are answered by ``answering``. Called
        before each exercise (with none, where the exercise uses no earlier stage): what the
        grader stood in for in one exercise never answers in the next (an exercise of the
        same name, the Value class of exercise 18, graded after the track's stages)."""
        names = list(dict.fromkeys(names))
        if set(names) == self.given:
            return
        self.given = set()  # (nothing is answered while it changes)
        reply = self.ask({"op": "answered", "names": names})
        if reply.get("answered") != names:
            raise Stopped(f"the process did not take the grader's {', '.join(names)}: "
                          f"{str(reply)[:200]}", "ended")
        self.given = set(names)

    def _reply(self, seconds: float, running: float | None = None,
               late: Stopped | None = None) -> dict[str, Any]:
        """The process's next message, waited for ``seconds`` at most (then ``late`` is
        raised, if given); ``running``: the most it may run meanwhile
        (``process_time.Running``), past which it is stopped."""
        asked = time.monotonic()
        end = asked + seconds
        ran: Running | None = None  # (counted from FIRST_LOOK on: ``LOOK``'s docstring)
        while True:
            left = end - time.monotonic()
            if left <= 0:
                self.close()
                if late is not None:
                    raise late
                raise Stopped(f"no answer in {seconds:g} s: the process was stopped", "slow",
                              seconds=seconds)
            ready, _, _ = select.select([self._answers, self._reports], [], [],
                                        min(left, FIRST_LOOK if ran is None else LOOK))
            self._read_reports()
            if self.reports:
                self.close()
                raise Stopped("; ".join(self.reports), "reported", self.reports)
            if ran is None and (not ready or time.monotonic() - asked >= FIRST_LOOK):
                ran = Running(self.process.pid)  # (a process that asks the grader question
                if not ready:                    # after question is counted from then too)
                    continue
            if not ready and self._stopped_itself():
                self.close()
                raise Stopped("it stopped its own process (a stop signal, SIGSTOP or SIGTSTP), "
                              "so it was ended at once", "stopped")
            over = None if running is None or ran is None else ran.over(running)  # (asked or not)
            if over is not None:
                self.close()
                raise Stopped(f"no answer after it ran {over:.1f} s (its time limit's signal "
                              "did not stop it): the process was stopped", "slow",
                              seconds=round(over, 1))
            if self._answers in ready:
                try:
                    answer = wire.read_message(self._answers, LARGEST, deadline=end)
                except (EOFError, OSError):
                    raise self._stopped() from None
                except Exception as error:  # (too large, not JSON: it says nothing more)
                    self.close()
                    raise Stopped(f"it sent the grader what is not a message ({error}), so "
                                  "its process was stopped", "garbled") from None
                self._read_reports()
                if self.reports:
                    self.close()
                    raise Stopped("; ".join(self.reports), "reported", self.reports)
                if "ask" in answer:  # (a question of its own first: an earlier stage's)
                    started = time.monotonic()
                    try:
                        wire.write_message(self._requests, self._answer(answer["ask"]))
                    except OSError:
                        raise self._stopped() from None
                    if ran is not None:  # (the grader's time, not its)
                        ran.grader += time.monotonic() - started
                    continue  # (the time the grader takes to answer counts: ``end``)
                return answer

    def _answer(self, question: Any) -> dict[str, Any]:
        """The grader's reply to a question of the learner's process: only about what the
        grader answers for in it (``answer_for``: an earlier stage that did not pass), never
        about the stage being graded, nor in a process that is given nothing."""
        if not isinstance(question, dict):
            return {"refused": "a question that is not one"}
        name = "Value" if question.get("kind") == "backward" else str(question.get("name"))
        if self.answering is None or name not in self.given:
            return {"refused": f"the grader answers here for {', '.join(sorted(self.given))}"
                    if self.given else "the grader answers nothing here"}
        self.asked.add(name)
        try:
            reply = self.answering(question)
        except Exception as error:  # (a question too deep to answer)
            return {"refused": f"the question could not be answered ({type(error).__name__})"}
        if reply.get("oversized"):  # (too large to read: no question the grader's own
            self.close()            # stand-in asks on the exercise's cases)
            raise Stopped(f"it asked the grader {str(reply.get('refused'))[:200]}, so its "
                          "process was stopped", "oversized")
        return reply

    def _stopped_itself(self) -> bool:
        """Whether the process is stopped (by a signal it sent itself: nothing else may):
        it would answer nothing until its deadline, for every exercise left."""
        try:
            found = os.waitid(os.P_PID, self.process.pid,
                              os.WSTOPPED | os.WNOHANG | os.WNOWAIT)
        except (ChildProcessError, AttributeError, OSError):
            return False
        return found is not None and found.si_code == os.CLD_STOPPED

    def _read_reports(self) -> None:
        """What the audit hook reported so far, line by line: at most 4 MiB a call (a
        process that writes without end leaves its caller its deadlines), and ``CHANNEL``
        in all, past which it is a report of its own."""
        for _ in range(64):
            if self._reports is None or self._heard_bytes > CHANNEL:
                return
            try:
                chunk = os.read(self._reports, 65536)
            except OSError:  # (BlockingIOError among them: nothing more for now)
                return
            if not chunk:
                return
            self._heard_bytes += len(chunk)
            end = chunk.rfind(b"\n")
            lines: list[bytes] = []
            if end < 0:  # (no line ended: kept, never scanned again)
                self._pending += chunk
            else:
                lines = (bytes(self._pending) + chunk[:end]).split(b"\n")
                self._pending = bytearray(chunk[end + 1:])
            if self._heard_bytes > CHANNEL or len(self._pending) > LINE or any(
                    len(line) > LINE for line in lines):
                self._heard_bytes = CHANNEL + 1  # (nothing more is read)
                self.reports.append(
                    "it wrote on the channel of the grader's check (the audit of what it "
                    f"does) more than the audit ever writes (a line over {LINE // 2**20} MiB, "
                    f"or over {CHANNEL // 2**20} MiB in all): it wrote there itself")
                return
            for line in (line.decode("utf-8", "replace") for line in lines if line):
                self.heard.take(line)

    def _stopped(self) -> Stopped:
        """Why the process ended without answering."""
        self._ended(10.0)
        self.close()
        code = self.process.returncode
        if self.reports:
            return Stopped("; ".join(self.reports), "reported", self.reports)
        if code == CHANNEL_LOST:
            return Stopped("it closed or replaced the channel of the grader's check (the "
                           "audit of what it does)", "reported")
        tail = self.stderr.strip()
        how = f"signal {-code}" if code < 0 else f"exit code {code}"
        return Stopped(f"it ended the process it was graded in ({how})"
                       + (f": {tail.splitlines()[-1]}" if tail and code == 3 else ""), "ended")

    def _ended(self, seconds: float) -> bool:
        """Whether the process has ended, waiting up to ``seconds`` for it, without reaping
        it: until it is, its number names no other process, and its session's may still be
        ended (``close``)."""
        end = time.monotonic() + seconds
        while True:
            try:
                if os.waitid(os.P_PID, self.process.pid,
                             os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
                    return True
            except ChildProcessError:
                return True
            except AttributeError:  # (no waitid: reaped as it ends)
                try:
                    self.process.wait(timeout=seconds)
                    return True
                except subprocess.TimeoutExpired:
                    return False
            if time.monotonic() >= end:
                return False
            time.sleep(0.005)

    def close(self) -> None:
        """End the process (if it still runs) and wait for it: after this, nothing of the
        learner's code runs any more. It is killed, with all it started in its session, not
        asked to end: nothing it does after its last answer counts, and a Python that ends
        by itself runs the learner's finalizers and frees every module first (0.1-0.5 s of
        CPU a process, for nothing)."""
        process = getattr(self, "process", None)
        if process is not None and process.returncode is None:
            try:  # (the process, ended or not, and whatever it started in its session)
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError, AttributeError):
                process.kill()
            process.wait()
        if getattr(self, "_reports", None) is not None:
            self._read_reports()
        for fd in ("_requests", "_answers", "_reports"):
            number = getattr(self, fd, None)
            if number is not None:
                try:
                    os.close(number)
                except OSError:
                    pass
                setattr(self, fd, None)
        stderr = getattr(self, "_stderr", None)
        if stderr is not None and not stderr.closed:  # (its last 4000 bytes: a flood is
            stderr.seek(max(0, stderr.seek(0, os.SEEK_END) - 4000))  # never read whole)
            self.stderr = stderr.read(4000).decode("utf-8", "replace")
            stderr.close()
        if getattr(self, "_folder", None) is not None:
            shutil.rmtree(self._folder, ignore_errors=True)

    def __enter__(self) -> LearnerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Remote:
    """A learner's solution in a learner's process: what the grader knows of it (its
    ``kind``, ``signature``, whether it ``misfits`` the exercise's parameters) and how to
    ask what it does."""

    def __init__(self, process: LearnerProcess, name: str, info: dict[str, Any]) -> None:
        self.process = process
        self.__name__ = name
        self.info = info
        self.kind = "class" if info.get("class") else "function" if info.get("callable") \
            else str(info.get("type", "object"))
        self.signature = str(info.get("signature", "(...)"))
        self.misfits = bool(info.get("misfit"))

    def run(self, exercise: ExerciseSpec, case: Any) -> tuple[tuple[Any, ...], str]:
        """The solution's answer on ``case`` and what it printed; raises what it raised."""
        try:
            reply = self.process.ask({"op": "call", "exercise": self.__name__,
                                      "kind": exercise.call.kind,
                                      "parts": list(exercise.call.parts),
                                      "case": wire.encode(case)})
        except Stopped as stop:
            if stop.kind == "slow":
                raise TimeLimit(stop.seconds or self.process.deadline) from None
            raise
        printed = str(reply.get("printed", ""))[:PRINTED]
        text = str(reply.get("text", ""))[:TEXT]
        said = noted(reply.get("noted"), self.process.cells, self.process.source)
        if said and len(self.process.noted) < 8:
            self.process.noted.append(said)
        if "answer" in reply:
            try:
                answer = wire.decode(reply["answer"], arrays_as="<f8")
            except Exception:
                answer = None
            if not isinstance(answer, tuple) or not all(map(answer_part, answer)):
                self.process.close()
                raise Stopped("an answer that is not one (numbers, lists of them, arrays of "
                              "float64 or names)", "ended")
            return answer, printed
        if "problem" in reply:
            raise with_output(AnswerError(str(reply["problem"])[:MESSAGE]), printed, "")
        if "timeout" in reply:
            raise with_output(TimeLimit(self.process.time_limit), printed, text)
        if "error" in reply:
            error = exception(str(reply["error"])[:200], str(reply.get("message", ""))[:MESSAGE])
            if isinstance(reply.get("limit"), int) and not isinstance(reply["limit"], bool):
                error.limit = reply["limit"]  # type: ignore[attr-defined]  # (RecursionError's)
            raise with_output(error, printed, text)
        raise Stopped(f"the process refused the question: {str(reply)[:200]}", "ended")

    def probe(self, what: str, *args: Any) -> Any:
        """The facts the Value exercise's probe ``what`` found on the learner's class, as the
        learner's process sent them: data, never words, which the grader checks and says in
        its own (``value.py``, ``value_words.py``); None if it sent none."""
        reply = self.process.ask({"op": "probe", "exercise": self.__name__, "what": what,
                                  "args": [wire.encode(a) for a in args]})
        return reply.get("facts")

    def __repr__(self) -> str:
        return f"<{self.__name__}, the learner's, in a process of its own>"


def needs_numpy(source: str, exercises: Sequence[ExerciseSpec]) -> bool:
    """Whether the learner's process imports NumPy before the file runs (as it does every
    module a file may import, ``learner/serve.py``): where an exercise of its group is on
    arrays, or the file names it anywhere (an import, in a function too). A file that
    never names it cannot import it honestly; one that spells its name in pieces to
    import it is reported at that import (``serve._numpy_by_name``)."""
    return any(ex.arrays for ex in exercises) or "numpy" in source


def _kernel() -> dict[str, Any]:
    """What a learner's process needs to confine itself (``syscall_filter.py``), as the
    first message carries it."""
    found = syscall_filter.kernel()
    return {"calls": found.calls, "program": base64.b64encode(found.program).decode("ascii"),
            "unavailable": found.unavailable, "library": list(found.library)}


def _protections(said: dict[str, Any]) -> dict[str, Any]:
    """The learner's process's first message: the protections applied (names) and those
    missing (name: why)."""
    sandbox = said.get("sandbox")
    if not isinstance(sandbox, dict):
        raise Stopped(f"the process did not say how it is protected: {str(said)[:200]}",
                      "ended")
    missing = sandbox.get("missing")
    applied = sandbox.get("applied")
    return {"applied": [str(a)[:100] for a in applied] if isinstance(applied, list) else [],
            "missing": {str(k)[:100]: str(v)[:MESSAGE] for k, v in missing.items()}
            if isinstance(missing, dict) else {}}


def group_of(exercise: ExerciseSpec) -> str:
    """The group of the learner's process an exercise is graded in (``engines.GROUPS``)."""
    return engines.group_of(exercise.name)
