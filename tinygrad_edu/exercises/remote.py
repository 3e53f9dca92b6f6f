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
grader reports such a submission and never scores it. A process that stops answering is
ended after ``DEADLINE`` seconds.
"""

from __future__ import annotations

import builtins
import os
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

from tinygrad_edu.errors import DomainError
from tinygrad_edu.exercises.exercise import ExerciseSpec
from tinygrad_edu.exercises.learner import engines, serve, wire
from tinygrad_edu.exercises.learner.audit import CHANNEL_LOST
from tinygrad_edu.exercises.learner.parts import AnswerError
from tinygrad_edu.exercises.limit import TimeLimit

__all__ = ["LEARNER", "LearnerProcess", "Remote", "Stopped"]

LEARNER = "nobody"
"""The user a learner's process goes on as when the grader runs as root."""
DEADLINE = serve.TIME_LIMIT * 4 + 10.0
"""Seconds the grader waits for any answer, with the default time limits (a solution's own
time limit is enforced in its process; this ends one that no signal reaches): four times a
call's time limit, and 10 s more."""
START_DEADLINE = serve.LOAD_LIMIT + 30.0
"""Seconds the grader waits for the process to start and run the learner's file, with the
default time limits: the file's time limit, and 30 s more."""

PACKAGE = Path(__file__).resolve().parent.parent

ONE_THREAD = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
              "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")
"""NumPy's libraries start no thread of their own in the learner's process: the kernel's
file rules (Landlock) hold for the thread that asks for them, and every thread the learner's
code starts afterwards (``learner/sandbox.py``)."""

REQUIRE = "TINYGRAD_EDU_REQUIRE_SANDBOX"
"""Set to 1 (``--require-sandbox``), a grader refuses to run a learner's code where the
kernel lacks a protection of ``learner/sandbox.py``: the submission is not graded, and the
report says which protection is missing."""


def required() -> bool:
    """Whether every protection of the learner's process is required (``REQUIRE``)."""
    return os.environ.get(REQUIRE, "") not in ("", "0")


class Stopped(BaseException):
    """The learner's process ended, or stopped answering, before it answered (``kind``:
    ``"ended"``, ``"slow"``, ``"reported"``). A BaseException, as ``TimeLimit`` is, so that
    hypothesis does not take it for a failing input and try others: it ends the grading of
    the exercise."""

    def __init__(self, message: str, kind: str, reports: list[str] | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.reports = reports or []


class LearnerProcess:
    """A learner's file, run in a process of its own for the exercises of one group."""

    def __init__(self, source: str, path: str, group: str,
                 exercises: Sequence[ExerciseSpec], user: str | None = None,
                 time_limit: float = serve.TIME_LIMIT, load_limit: float = serve.LOAD_LIMIT,
                 cells: Sequence[tuple[int, int, int]] = ()) -> None:
        self.group = group
        self.time_limit = time_limit
        self.deadline = DEADLINE - serve.TIME_LIMIT * 4 + time_limit * 4
        self.exercises = list(exercises)
        self.reports: list[str] = []
        self.given: set[str] = set()  # the names the grader answers for (``answer_for``)
        self.answering: Callable[[dict[str, Any]], dict[str, Any]] | None = None
        self.asked: set[str] = set()  # the names of what it asked the grader for
        self.printed = self.stderr = ""
        self._pending = b""
        self._folder = tempfile.mkdtemp(prefix="tinygrad-edu-learner-")
        os.chmod(self._folder, 0o711)
        writable = Path(self._folder, "tmp")  # (the one folder its code may write in)
        writable.mkdir(mode=0o700)
        if user is not None:
            import pwd

            entry = pwd.getpwnam(user)
            os.chown(writable, entry.pw_uid, entry.pw_gid)
        requests_r, self._requests = os.pipe()
        self._answers, answers_w = os.pipe()
        self._reports, reports_w = os.pipe()
        self._stderr = open(Path(self._folder, "stderr"), "w+b")
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-I", "-c", serve.BOOTSTRAP, str(PACKAGE), str(requests_r),
                 str(answers_w), str(reports_w)],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self._stderr,
                pass_fds=(requests_r, answers_w, reports_w), cwd=self._folder,
                env={"PATH": os.defpath, "LANG": "C.UTF-8", "TMPDIR": str(writable),
                     **dict.fromkeys(ONE_THREAD, "1")},
                close_fds=True, start_new_session=True)
        finally:
            for fd in (requests_r, answers_w, reports_w):
                os.close(fd)
        os.set_blocking(self._reports, False)
        wire.write_message(self._requests, {
            "group": group, "source": source, "path": path, "user": user,
            "time_limit": time_limit, "load_limit": load_limit,
            "cells": [list(cell) for cell in cells], "writable": str(writable),
            "require": required(),
            "exercises": [{"name": ex.symbol, "params": ex.params} for ex in exercises]})
        self.loaded = self._reply(START_DEADLINE - serve.LOAD_LIMIT + load_limit)
        self.printed = str(self.loaded.get("printed", ""))
        sandbox = self.loaded.get("sandbox")
        self.sandbox: dict[str, Any] = sandbox if isinstance(sandbox, dict) else {}

    def ask(self, message: dict[str, Any]) -> dict[str, Any]:
        """Send a question and return the answer (``Stopped`` if none comes)."""
        if self._requests is None:
            raise Stopped("the process has ended", "ended")
        try:
            wire.write_message(self._requests, message)
        except OSError:
            raise self._stopped() from None
        return self._reply(self.deadline)

    def answer_for(self, name: str) -> None:
        """From now on the grader answers for the learner's ``name`` (an earlier stage of a
        track that did not pass), in the learner's module: ``learner/answered.py``; its
        questions are answered by ``answering``."""
        reply = self.ask({"op": "answered", "name": name})
        if reply.get("answered") != name:
            raise Stopped(f"the process did not take the grader's {name}: "
                          f"{str(reply)[:200]}", "ended")
        self.given.add(name)

    def _reply(self, seconds: float) -> dict[str, Any]:
        end = time.monotonic() + seconds
        while True:
            left = end - time.monotonic()
            if left <= 0:
                self.close()
                raise Stopped(f"no answer in {seconds:g} s: the process was stopped", "slow")
            ready, _, _ = select.select([self._answers, self._reports], [], [], left)
            self._read_reports()
            if self.reports:
                self.close()
                raise Stopped("; ".join(self.reports), "reported", self.reports)
            if self._answers in ready:
                try:
                    answer = wire.read_message(self._answers)
                except (EOFError, OSError, ValueError, wire.WireError):
                    raise self._stopped() from None
                self._read_reports()
                if self.reports:
                    self.close()
                    raise Stopped("; ".join(self.reports), "reported", self.reports)
                if "ask" in answer:  # (a question of its own first: an earlier stage's)
                    began = time.monotonic()
                    question = answer["ask"]
                    if isinstance(question, dict):
                        self.asked.add("Value" if question.get("kind") == "backward"
                                       else str(question.get("name")))
                    reply = self.answering(question) if self.answering is not None and \
                        isinstance(question, dict) else {"refused": "nothing answers here"}
                    try:
                        wire.write_message(self._requests, reply)
                    except OSError:
                        raise self._stopped() from None
                    end += time.monotonic() - began  # (the grader's time is not the call's)
                    continue
                return answer

    def _read_reports(self) -> None:
        """What the audit hook reported so far, line by line."""
        while self._reports is not None:
            try:
                chunk = os.read(self._reports, 65536)
            except BlockingIOError:
                return
            except OSError:
                return
            if not chunk:
                return
            self._pending += chunk
            *lines, self._pending = self._pending.split(b"\n")
            self.reports += [line.decode("utf-8", "replace") for line in lines if line]

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
        learner's code runs any more."""
        process = getattr(self, "process", None)
        if process is not None and process.returncode is None:
            if not self._ended(0.0) and self._requests is not None:
                try:
                    wire.write_message(self._requests, {"op": "end"})
                except OSError:
                    pass
            self._ended(2.0)
            try:  # (the process, ended or not, and whatever it started in its session)
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError, AttributeError):
                process.kill()
            process.wait()
        self._read_reports()
        for fd in ("_requests", "_answers", "_reports"):
            number = getattr(self, fd, None)
            if number is not None:
                try:
                    os.close(number)
                except OSError:
                    pass
                setattr(self, fd, None)
        if not self._stderr.closed:  # (its last 4000 bytes: a flood is never read whole)
            self._stderr.seek(max(0, self._stderr.seek(0, os.SEEK_END) - 4000))
            self.stderr = self._stderr.read(4000).decode("utf-8", "replace")
            self._stderr.close()
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
                raise TimeLimit(self.process.deadline) from None
            raise
        printed = str(reply.get("printed", ""))
        if "answer" in reply:
            answer = wire.decode(reply["answer"], arrays_as="<f8")
            if not isinstance(answer, tuple):
                raise Stopped("an answer that is not one", "ended")
            return answer, printed
        if "problem" in reply:
            raise _with(AnswerError(str(reply["problem"])), printed, "")
        if "timeout" in reply:
            raise _with(TimeLimit(self.process.time_limit), printed, str(reply.get("text", "")))
        if "error" in reply:
            raise _with(exception(str(reply["error"]), str(reply.get("message", ""))), printed,
                        str(reply.get("text", "")))
        raise Stopped(f"the process refused the question: {str(reply)[:200]}", "ended")

    def probe(self, what: str, *args: Any) -> Any:
        """What the Value exercise's probe ``what`` found on the learner's class."""
        from tinygrad_edu.exercises.mistakes import Diagnosis, Mistake

        reply = self.process.ask({"op": "probe", "exercise": self.__name__, "what": what,
                                  "args": [wire.encode(a) for a in args]})
        if what == "explain":
            return tuple(Diagnosis(Mistake(str(d["key"]), str(d["title"]), str(d["hint"])),
                                   d.get("part"), bool(d.get("everywhere", True)),
                                   str(d.get("note", "")))
                         for d in reply.get("diagnoses", []))
        return reply.get("facts", {})

    def __repr__(self) -> str:
        return f"<{self.__name__}, the learner's, in a process of its own>"


def _with(error: BaseException, printed: str, text: str) -> BaseException:
    error.printed = printed  # type: ignore[attr-defined]
    error.learner_text = text  # type: ignore[attr-defined]
    return error


_STAND_INS: dict[str, type[Exception]] = {}


def exception(name: str, message: str) -> BaseException:
    """An exception of the class named ``name`` (a builtin's name, or a full dotted one):
    the builtin itself, tinygrad_edu's ``DomainError``, else a stand-in class of that name
    (one per name, so that two such exceptions have the same class)."""
    found = getattr(builtins, name, None)
    if isinstance(found, type) and issubclass(found, BaseException):
        return found(message)
    if name == "tinygrad_edu.errors.DomainError":
        return DomainError(message)
    if name not in _STAND_INS:
        short = name.rsplit(".", 1)[-1] or "Exception"
        _STAND_INS[name] = type(short, (Exception,), {"__module__": name.rpartition(".")[0]
                                                        or "solutions"})
    return _STAND_INS[name](message)


def group_of(exercise: ExerciseSpec) -> str:
    """The group of the learner's process an exercise is graded in (``engines.GROUPS``)."""
    return engines.group_of(exercise.name)
