"""The checker's side of the engine's process (``child.py``): start it, ask it, and survive it.

An engine is someone else's code: a C extension may segfault on ``2.0 + v``, a port may
overwrite small integers or loop for ever. Each request has a time limit; a process that
dies, hangs or no longer computes (its ``health``) is reported for that request and a fresh
one is started, loaded again, for the next. A class with no file to import (defined in a
notebook or a REPL) goes as its source, with the modules its own module had imported.
"""

from __future__ import annotations

import ast
import inspect
import json
import linecache
import os
import select
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import types
from pathlib import Path
from typing import Any

from tinygrad_edu.testing.conformance import child

CHILD = Path(child.__file__).resolve()

__all__: list[str] = []


def spec_of(target: Any, class_name: str | None = None) -> dict[str, Any]:
    """How the engine's process finds the engine: ``target`` is ``module:Class``, a path to a
    .py file or a package's folder (``path:Class`` or the class given apart), or the class
    itself."""
    if isinstance(target, type):
        module = sys.modules.get(target.__module__)
        file = getattr(module, "__file__", None)
        if module is not None and file and module.__name__ != "__main__":
            return {"module": module.__name__, "names": {"class": target.__qualname__}}
        source = "\n\n".join(class_source(k) for k in reversed(target.__mro__[:-1])
                               if k.__module__ == target.__module__)
        imports = {name: value.__name__ for name, value in vars(module or types).items()
                   if isinstance(value, types.ModuleType)}
        return {"source": source, "imports": imports,
                "names": {"class": target.__name__}, "filename": f"<{target.__qualname__}>"}
    text = str(target)
    found = text.rsplit(":", 1) if ":" in text[2:] else [text]
    where, name = (found[0], found[1]) if len(found) == 2 else (found[0], class_name)
    names = {"class": name or class_name}
    if where.endswith(".py") or os.sep in where or Path(where).is_dir():
        return {"path": str(Path(where).resolve()), "names": names}
    return {"module": where, "names": names}


class NoSource(ValueError):
    """A class whose source cannot be found, to be sent to a process of its own."""


def class_source(cls: type) -> str:
    """The source of a class statement: inspect's, else (a class of a notebook's cell, whose
    module has no file) found from where its methods were compiled (IPython keeps each cell
    in linecache). The methods must be the statement's own."""
    try:
        return inspect.getsource(cls)
    except (OSError, TypeError):
        pass
    for member in vars(cls).values():
        code = getattr(getattr(member, "__func__", member), "__code__", None)
        if code is None:
            continue
        lines = linecache.getlines(code.co_filename)
        try:
            tree = ast.parse("".join(lines))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name == cls.__name__ and (
                    node.lineno <= code.co_firstlineno <= (node.end_lineno or 0)):
                start = node.decorator_list[0].lineno if node.decorator_list else node.lineno
                return textwrap.dedent("".join(lines[start - 1:node.end_lineno]))
    raise NoSource(f"conform: cannot find the source of the class {cls.__qualname__} to run "
                   "it in a process of its own (a class made with type() or methods set on it "
                   "afterwards); write it as a class statement, or pass isolate=False to run "
                   "it in this process")


class Process:
    """The engine's process: ``ask`` sends a request and returns its answer, or what became
    of the process instead (``crash``: died, hung or corrupted, with its last words)."""

    def __init__(self, spec: dict[str, Any], python: str | None = None,
                 timeout: float = 20.0) -> None:
        self.spec = spec
        self.python = python or sys.executable
        self.timeout = timeout
        self.proc: subprocess.Popen[bytes] | None = None
        self.loaded: dict[str, Any] | None = None
        self.restarts = 0

    def start(self) -> dict[str, Any]:
        self.close()
        self.stderr = tempfile.TemporaryFile()
        env = dict(os.environ, PYTHONFAULTHANDLER="1", PYTHONDONTWRITEBYTECODE="1")
        paths = [os.getcwd()]
        if self.python == sys.executable:
            paths += [p for p in sys.path if p and Path(p).resolve() != CHILD.parent]
        env["PYTHONPATH"] = os.pathsep.join(paths)
        self.proc = subprocess.Popen([self.python, "-u", str(CHILD)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.stderr, env=env, start_new_session=True)
        answer = self._ask({"do": "load", "spec": self.spec}, self.timeout)
        self.loaded = answer
        return answer

    def ask(self, request: dict[str, Any], timeout: float | None = None) -> dict[str, Any]:
        if self.proc is None or self.proc.poll() is not None:
            self.restarts += 1
            loaded = self.start()
            if "crash" in loaded or not loaded.get("ok") or loaded.get("health"):
                return {**loaded, "crash": loaded.get("crash") or {
                    "kind": "reload", "text": "the engine's process could not be started again",
                    "stderr": self._last_words()}}
        answer = self._ask(request, timeout or self.timeout)
        if "crash" not in answer and answer.get("health"):
            answer["crash"] = {"kind": "corrupt", "text": "after this, the interpreter no "
                               "longer computes: " + "; ".join(answer["health"]),
                               "stderr": self._last_words()}
            self.close()
        return answer

    def _ask(self, request: dict[str, Any], timeout: float) -> dict[str, Any]:
        assert self.proc is not None and self.proc.stdin and self.proc.stdout
        try:
            self.proc.stdin.write((json.dumps(request) + "\n").encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            return self._crashed(request, "died")
        line, deadline = b"", time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while not line.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return self._crashed(request, "timeout", timeout)
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return self._crashed(request, "died")
            line += chunk
        answer: dict[str, Any] = json.loads(line)
        return answer

    def _crashed(self, request: dict[str, Any], how: str, timeout: float = 0.0
                 ) -> dict[str, Any]:
        proc = self.proc
        assert proc is not None
        if how == "timeout":
            self._kill()
            text = f"did not answer within {timeout:g} s, and was stopped"
        else:
            try:
                code = proc.wait(5)
            except subprocess.TimeoutExpired:
                self._kill()
                code = proc.wait()
            text = f"the process died: {describe_exit(code)}"
        words = self._last_words()
        self.proc = None
        return {"crash": {"kind": how, "text": text, "stderr": words}, "health": []}

    def _last_words(self) -> str:
        try:
            self.stderr.seek(0)
            return self.stderr.read()[-4000:].decode(errors="replace")
        except (OSError, ValueError):
            return ""

    def _kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                self.proc.kill()
            self.proc.wait()

    def close(self) -> None:
        if self.proc is not None:
            if self.proc.stdin:
                try:
                    self.proc.stdin.close()
                except OSError:
                    pass
            try:
                self.proc.wait(2)
            except subprocess.TimeoutExpired:
                self._kill()
            if self.proc.stdout:
                self.proc.stdout.close()
            self.proc = None


class TimeoutInProcess(BaseException):
    """Raised by SIGALRM in an engine's code that runs in this process for too long."""


class InProcess:
    """The same questions answered in this process (``isolate=False``): for a class that
    cannot be sent apart; an engine that crashes then takes the checker with it."""

    def __init__(self, cls: type) -> None:
        self.engine = child.Engine()
        self.cls = cls
        self.spec: dict[str, Any] = {}

    def start(self) -> dict[str, Any]:
        try:
            self.engine.adopt(self.cls, {})
            answer = {**self.engine.describe(), "ok": True}
        except Exception as error:
            answer = {"ok": False, "error": child.failure(error)}
        answer["health"] = child.health()
        loaded: dict[str, Any] = json.loads(json.dumps(answer))
        return loaded

    def ask(self, request: dict[str, Any], timeout: float | None = None) -> dict[str, Any]:
        """The answer, or a timeout after ``timeout`` seconds (by SIGALRM, in the main thread
        of a POSIX system: a pure-Python loop is interrupted; elsewhere, no limit)."""
        alarm = threading.current_thread() is threading.main_thread() and hasattr(
            signal, "setitimer")
        if alarm:
            def stop(signum: int, frame: Any) -> None:
                raise TimeoutInProcess
            before = signal.signal(signal.SIGALRM, stop)
            signal.setitimer(signal.ITIMER_REAL, timeout or 20.0)
        try:
            answer = child.handle(self.engine, json.loads(json.dumps(request)))
        except TimeoutInProcess:
            answer = {"error": {"type": "TimeoutInProcess"}}
        finally:
            if alarm:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, before)
        if answer.get("error", {}).get("type") == "TimeoutInProcess":
            return {"crash": {"kind": "timeout", "text": f"did not answer within "
                              f"{timeout or 20.0:g} s, and was stopped", "stderr": ""},
                    "health": []}
        loaded: dict[str, Any] = json.loads(json.dumps(answer))
        return loaded

    def close(self) -> None:
        pass


def describe_exit(code: int) -> str:
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"killed by {name}" + (" (a segmentation fault)" if name == "SIGSEGV" else "")
    return f"exit code {code}"
