"""Numbers from the world outside the process's own objects, reached by the names a learner's
code (or a library it calls) uses: the clock and the system's random bytes by other names, a
generator made with no seed, which thread runs the function, the file system, the
interpreter's own state, a stream read. Each gave the first call's number again, silently
(issue 64); each is refused now, naming the line and
saying what to do."""

import asyncio
import builtins
import functools
import gc
import glob
import io
import mmap
import os
import random
import re
import resource
import sqlite3
import struct
import sys
import sysconfig
import threading
import time
import timeit
import uuid
import warnings

import pytest

from tinygrad_edu import Value
from tinygrad_edu.program import compile

np = pytest.importorskip("numpy")

W = Value(2.0)
LOOP = asyncio.new_event_loop()


def refused(f, what, *args):
    """``compile(f)`` refuses at its first call, saying ``what`` it reads (and through which
    library function, where one read it), that it cannot follow it, what to do, and the
    learner's line (this file's)."""
    with pytest.raises(RuntimeError, match=rf"it reads {re.escape(what)}( \(through [\w.]+\))?, "
                       r".*, which a program cannot follow; .*pass it in, at "
                       r"test_outside_world\.py:\d+"):
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


class Timed:
    static = staticmethod(time.perf_counter)

    def __init__(self):
        self.clock = time.monotonic


HELD = {"dict": {"t": time.perf_counter}, "object": Timed(),
        "partial": functools.partial(time.perf_counter)}


def clock_as_default(clock=time.perf_counter):
    return W * clock()


@pytest.mark.parametrize("where", ["dict", "object", "staticmethod", "partial", "default"])
def test_the_clock_held_by_the_learners_objects_is_refused(where):
    """The clock kept in a dict, an attribute, a class's staticmethod, a partial, a default
    argument (a refused function by identity, wherever the walk finds it): the first call's
    number forever. The class's own is put back after."""
    f = {"dict": lambda: W * HELD["dict"]["t"](), "object": lambda: W * HELD["object"].clock(),
         "staticmethod": lambda: W * Timed.static() + W * HELD["object"].static(),
         "partial": lambda: W * HELD["partial"](), "default": clock_as_default}[where]
    with pytest.raises(RuntimeError, match=r"(it reads time\.\w+\(\)|it holds 'perf_counter' at "
                       r"\S+, where a capture cannot see it called), .*which a program cannot "
                       r"follow.*, at test_outside_world\.py:\d+"):
        compile(f)()
    assert type(vars(Timed)["static"]) is staticmethod
    assert vars(Timed)["static"].__func__ is time.perf_counter


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


THREADS = {
    "threading.current_thread()": lambda: W * (
        2.0 if threading.current_thread() is threading.main_thread() else 3.0),
    "threading.get_ident()": lambda: W * float(threading.get_ident() % 7),
    "threading.get_native_id()": lambda: W * float(threading.get_native_id() % 7),
}


@pytest.mark.parametrize("name", THREADS)
def test_which_thread_runs_it_is_refused(name):
    """Captured in one thread, the same step called from a worker gave the capture's
    thread's number (a branch on ``current_thread() is main_thread()``)."""
    refused(THREADS[name], name)


FILES = {
    "glob.glob": ("os.scandir()", lambda d: W * len(glob.glob(str(d) + "/*"))),
    "os.walk": ("os.scandir()", lambda d: W * sum(len(fs) for _, _, fs in os.walk(d))),
    "os.access": ("os.access()", lambda d: W * (2.0 if os.access(d / "flag", os.F_OK) else 1.0)),
    "os.getcwd": ("os.getcwd()", lambda d: W * len(os.getcwd())),
}


@pytest.mark.parametrize("name", FILES)
def test_the_file_system_read_through_a_library_is_refused(name, tmp_path):
    """``glob`` and ``os.walk`` read the directory for the learner's code (a library's
    ``os.scandir``); whether a file may be opened, the working directory: each gave the
    first call's number while files came and went."""
    what, f = FILES[name]
    refused(f, what, tmp_path)
    if name == "glob.glob":
        with pytest.raises(RuntimeError, match=r"os\.scandir\(\) \(through glob\.glob\)"):
            compile(f)(tmp_path)


def test_a_warning_shown_inside_is_not_a_read_of_the_file_system():
    """Showing a warning reads its line from the file (``os.stat``), for Python's own use:
    not refused."""
    def f():
        warnings.warn("shown", UserWarning, stacklevel=1)
        return W * 3.0

    with pytest.warns(UserWarning, match="shown"):
        step = compile(f)
        assert step().data == step().data == 6.0


def test_a_database_or_a_stream_read_from_outside_is_refused(tmp_path):
    """An ``sqlite3`` query, a line read from an ``io.StringIO``: the first call's number
    again, while the table or the stream moved on."""
    con = sqlite3.connect(tmp_path / "lr.db")
    con.execute("create table c(lr real)")
    con.execute("insert into c values (0.5)")
    buffer = io.StringIO("0.5\n1.5\n")
    for f, what in ((lambda: W * con.execute("select lr from c").fetchone()[0],
                     r"it reads con \(a closure cell\), a connection to something outside the "
                     r"process \(sqlite3\.Connection\)"),
                    (lambda: W * float(buffer.readline()),
                     r"it reads buffer \(a closure cell\), a stream \(StringIO\)")):
        with pytest.raises(RuntimeError, match=what + r".*pass the numbers in, at "
                           r"test_outside_world\.py:\d+"):
            compile(f)()
    con.close()
    written = io.StringIO()  # (written to, not read: left as a print is)
    step = compile(lambda: W * float(written.write("x")))
    assert step().data == step().data == 2.0


@pytest.mark.parametrize("native", [True, False])
def test_a_shelf_or_a_managers_proxy_read_from_outside_is_refused(tmp_path, native):
    """a64e's F1: a ``shelve`` (a C dbm file: its items unpickled afresh at each read), a
    ``multiprocessing.Manager``'s dict or Namespace (the object in the manager's process): a
    number read from one was a constant of unknown origin, the first call's at every call
    ([1.2, 0.1, 1.0] where the engine gave [1.4, 0.2, 1.0] once another process set it)."""
    import multiprocessing
    import shelve

    shelf = shelve.open(str(tmp_path / "hp"))
    shelf["lr"] = 0.1
    in_memory = shelve.Shelf({})
    in_memory["lr"] = 0.1
    manager = multiprocessing.Manager()
    try:
        shared, space = manager.dict({"lr": 0.1}), manager.Namespace(lr=0.1)
        for f, what in ((lambda: W * shelf["lr"], r"shelf \(a closure cell\), a connection"
                         r".* \(shelve\.DbfilenameShelf\)|reads the file"),
                        (lambda: W * in_memory["lr"], r"in_memory \(a closure cell\), a "
                         r"connection to something outside the process \(shelve\.Shelf\)"),
                        (lambda: W * shared["lr"], r"shared \(a closure cell\), a connection"
                         r" to something outside the process \(multiprocessing\.managers\."
                         r"DictProxy\)"),
                        (lambda: W * space.lr, r"space \(a closure cell\), a connection to "
                         r"something outside the process \(multiprocessing\.managers\."
                         r"NamespaceProxy\)")):
            with pytest.raises(RuntimeError, match=r"cannot be captured as a program: it "
                               r"reads .*(" + what + r").*at test_outside_world\.py:\d+"):
                compile(f, native=native)()
    finally:
        manager.shutdown()
        shelf.close()


def test_a_file_reached_and_not_read_is_no_read(tmp_path):
    """A trainer keeping its data file open, the function reading only its ``lr``: refused
    as "it reads TR.data_file, a stream" before; the same
    file read (its position moved) still is."""
    (tmp_path / "data.txt").write_text("1\n2\n3\n")

    class Trainer:
        def __init__(self):
            self.lr = 0.1
            self.data_file = open(tmp_path / "data.txt")  # (kept open, as a trainer does)

    trainer = Trainer()
    step = compile(lambda x: W * x * trainer.lr)
    for lr in (0.1, 0.2, 0.3):
        trainer.lr = lr
        assert step(W).data == W.data * W.data * lr
    with pytest.raises(RuntimeError, match=r"it reads trainer\.data_file, a stream "
                       r"\(TextIOWrapper\)"):
        compile(lambda x: x * float(trainer.data_file.readline()))(W)
    trainer.data_file.close()


def test_randoms_global_generator_by_its_private_name_is_refused_as_such():
    """``random._inst.random()`` was refused as "a generator a program cannot follow ...
    draw from random's global generator", which it is."""
    with pytest.raises(RuntimeError, match=r"it draws from random's global generator by a way "
                       r"the capture does not see \(random\._inst\.random\); call random's "
                       r"function \(random\.random\(\): followed.* at test_outside_world"):
        compile(lambda: W * random._inst.random())()


def test_a_stream_given_as_an_argument_is_refused_at_the_line_that_gave_it():
    """Its refusal ended "at ?" before: now the line calling the
    compiled function, as an iterator given is said."""
    step = compile(lambda x, buf: x * float(buf.readline()))
    with pytest.raises(RuntimeError, match=r"it reads argument 1, a stream \(StringIO\).*at "
                       r"test_outside_world\.py:\d+: step\(W, io\.StringIO"):
        step(W, io.StringIO("0.5\n0.25\n"))


@pytest.mark.filterwarnings("ignore:f. captured again")
def test_a_memory_mapped_file_is_guarded_by_its_bytes(tmp_path):
    """Its numbers change under the program (another process, a write): captured again."""
    path = tmp_path / "lr.bin"
    path.write_bytes(struct.pack("d", 0.5))
    with open(path, "r+b") as held:
        mapped = mmap.mmap(held.fileno(), 8)

        def f():
            return W * struct.unpack_from("d", mapped)[0]

        step = compile(f)
        for lr in (0.5, 1.5, -2.0):
            mapped[0:8] = struct.pack("d", lr)
            assert step().data == f().data == 2.0 * lr
        mapped.close()


STATE = {
    "sys.getrecursionlimit()": lambda: W * float(sys.getrecursionlimit() % 7),
    "gc.isenabled()": lambda: W * (2.0 if gc.isenabled() else 1.0),
    "sys.gettrace()": lambda: W * (1.0 if sys.gettrace() is None else 3.0),
}


@pytest.mark.parametrize("name", STATE)
def test_the_interpreters_state_is_refused(name):
    """A recursion limit raised between calls, the collector switched off, a debugger's
    tracer: the capture's number again (and ``gc.isenabled()`` was False in the capture
    itself, ``sys.gettrace()`` the capture's own tracer before Python 3.12)."""
    refused(STATE[name], name)


@pytest.mark.parametrize("read", [lambda: len(os.environ), lambda: len(dict(os.environ)),
                                  lambda: sum(1 for _ in os.environ.items())])
def test_os_environ_read_whole_is_refused(read):
    """How many variables there are (one set between calls): the capture's count again.
    One read by its name is guarded (test_places_walked.py)."""
    with pytest.raises(RuntimeError, match=r"it reads os\.environ whole .*os\.getenv\('LR'\).*"
                       r"at test_outside_world\.py:\d+"):
        compile(lambda: W * float(read()))()


def test_the_collector_is_not_switched_off_where_a_library_looks():
    """A library asking whether the collector runs (``timeit`` does) is told what was so
    before the capture (it was told False: a capture switched the collector off); none
    collects while a capture runs, and the thresholds are put back after."""
    space: dict = {"gc": gc}
    library = os.path.join(sysconfig.get_paths()["stdlib"], "a_library.py")
    exec(builtins.compile("def collecting():\n    old = gc.isenabled()  # (as timeit keeps it)\n"
                          "    return old\n", library, "exec"), space)
    collecting = space["collecting"]
    before = gc.get_threshold()
    seen = []

    def f():
        seen.append(collecting())
        return W * 2.0

    assert gc.isenabled()
    compile(f)()
    assert seen == [True] and gc.get_threshold() == before and gc.isenabled()


def check_random_state(seed):  # (as scikit-learn's: None gives NumPy's global generator)
    return np.random.mtrand._rand if seed is None else np.random.RandomState(seed)


def test_the_global_generator_drawn_from_by_a_way_not_seen_is_refused():
    """NumPy's global generator drawn from through the object itself (a library's
    ``check_random_state(None)``): the first call's draw forever, while the engine drew
    anew. ``numpy.random``'s own functions beside it are drawn again at every call."""
    with pytest.raises(RuntimeError, match=r"it draws from numpy\.random's global generator by "
                       r"a way the capture does not see .*numpy\.random\.rand\(\)"):
        compile(lambda: W * check_random_state(None).rand() + W * np.random.rand())()
    np.random.seed(0)
    step = compile(lambda: W * np.random.rand() + W * check_random_state(5).rand())
    got = [step().data for _ in range(3)]
    np.random.seed(0)
    assert got == [(W * np.random.rand() + W * check_random_state(5).rand()).data
                   for _ in range(3)]
