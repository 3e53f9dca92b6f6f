"""Numbers from the world outside the process's own objects, reached by the names a learner's
code (or a library it calls) uses: the clock and the system's random bytes by other names, a
generator made with no seed, which thread runs the function, the file system, the
interpreter's own state, a stream read. Each gave the first call's number again, silently
(issue 64's attack, h-attack64c groups 2 to 8); each is refused now, naming the line and
saying what to do."""

import asyncio
import os
import re
import resource
import time
import timeit
import uuid

import pytest

from tinygrad_edu import Value
from tinygrad_edu.program import compile

np = pytest.importorskip("numpy")

W = Value(2.0)
LOOP = asyncio.new_event_loop()


def refused(f, what, *args):
    """``compile(f)`` refuses at its first call, saying ``what`` it reads, that it cannot
    follow it, what to do, and the learner's line (this file's)."""
    with pytest.raises(RuntimeError, match=rf"it reads {re.escape(what)}, .*, which a program "
                       r"cannot follow; .*pass it in, at test_outside_world\.py:\d+"):
        compile(f)(*args)


CLOCKS = {
    "timeit.default_timer": ("time.perf_counter()", lambda: W * timeit.default_timer()),
    "asyncio loop.time()": ("time.monotonic()", lambda: W * LOOP.time()),
    "time.clock_gettime": ("time.clock_gettime()",
                           lambda: W * time.clock_gettime(time.CLOCK_MONOTONIC)),
    "time.strftime, no time": ("time.strftime()", lambda: W * float(time.strftime("%S"))),
    "time.asctime, no time": ("time.asctime()", lambda: W * float(time.asctime()[17:19])),
    "uuid.uuid1": ("uuid.uuid1()", lambda: W * float(uuid.uuid1().time % 1009)),
    "os.getrandom": ("os.getrandom()", lambda: W * float(os.getrandom(4)[0])),
    "resource.getrusage": ("resource.getrusage()",
                           lambda: W * resource.getrusage(resource.RUSAGE_SELF).ru_utime),
}


@pytest.mark.parametrize("name", CLOCKS)
def test_the_clock_and_the_systems_bytes_by_other_names_are_refused(name):
    """A module's own name for the clock (``timeit.default_timer``), a library that returns
    it as it is (asyncio's ``loop.time()``), the clock's other functions, a time formatted
    with no time given, the process's use of the machine: each gave the first call's
    number forever."""
    what, f = CLOCKS[name]
    refused(f, what)


def test_a_time_given_is_fixed():
    """Formatted of a time given, the number is the same at every call: it compiles."""
    at = time.gmtime(0)
    step = compile(lambda: W * float(time.strftime("%S", at) + "1") +
                   float(time.asctime(at)[17:19]))
    assert step().data == 2.0 and step().data == 2.0 and step.captures == 1


GENERATORS = {
    "RandomState()": ("numpy.random.RandomState() with no seed",
                      lambda: W * np.random.RandomState().rand()),
    "Generator(PCG64())": ("os.urandom()",
                           lambda: W * np.random.Generator(np.random.PCG64()).random()),
    "SeedSequence()": ("os.urandom()",
                       lambda: W * float(np.random.SeedSequence().entropy % 1009)),
}


@pytest.mark.parametrize("name", GENERATORS)
def test_a_generator_made_with_no_seed_is_refused(name):
    """NumPy's generators made with no seed draw the system's random bytes (through
    ``random``'s own name for ``os.urandom``): each gave the first call's draw forever.
    Seeded, one made inside gives the same numbers at every call: it compiles."""
    what, f = GENERATORS[name]
    refused(f, what)
    step = compile(lambda: W * np.random.RandomState(3).rand())
    assert step().data == step().data == (W * np.random.RandomState(3).rand()).data
