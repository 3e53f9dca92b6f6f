"""How long a learner's process has run, as far as the machine let it: what ``remote.py``
holds against a process's time limit before it stops it from outside (``remote.OVERRUN``)."""

from __future__ import annotations

import os
import time

__all__ = ["Running"]


class Running:
    """How long a learner's process has run since it was made, as far as the machine let
    it: its main thread's time (which runs the learner's code) on a CPU or asleep, not
    waiting for one (the time since, less the time it waited on a run queue, as Linux counts
    it in ``/proc/PID/schedstat``), and every thread's CPU time (``/proc/PID/stat``). A
    loop, or a sleep, with the time limit's signal blocked runs; an honest answer on a
    loaded machine waits, and its own time limit stops it first. Where ``/proc`` says
    neither (not Linux), nothing is counted: the deadlines alone stand."""

    TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    def __init__(self, pid: int) -> None:
        self.pid, self.since = pid, time.monotonic()
        self.grader = 0.0  # (seconds the grader took answering its questions meanwhile)
        self.waited, self.cpu = self._counts()

    def over(self, limit: float) -> float | None:
        """The seconds it has run, if more than ``limit`` (its threads' CPU time, if more
        than twice ``limit``: threads of its own that keep its main thread waiting)."""
        waited, cpu = self._counts()
        if waited is not None and self.waited is not None:
            ran = time.monotonic() - self.since - self.grader - (waited - self.waited)
            if ran > limit:
                return ran
        if cpu is not None and self.cpu is not None and cpu - self.cpu > 2 * limit:
            return cpu - self.cpu
        return None

    def _counts(self) -> tuple[float | None, float | None]:
        """(seconds its main thread has waited for a CPU, seconds of CPU of all its
        threads), each None where ``/proc`` does not say."""
        found: list[float | None] = []
        for name, read in (("schedstat", lambda f: int(f[1]) / 1e9),
                           ("stat", lambda f: (int(f[11]) + int(f[12])) / self.TICKS)):
            try:
                with open(f"/proc/{self.pid}/{name}", "rb") as file:
                    found.append(read(file.read().rsplit(b")", 1)[-1].split()))
            except (OSError, ValueError, IndexError):
                found.append(None)
        return found[0], found[1]
