"""Numbers that can change at every call by themselves: the random streams (draws, a dropout
written as a number, a choice: the engine's numbers for the same seed, captured again where a
draw picks the graph), another generator, the clock, the interpreter's own state and the file
system, an iterator from outside, a queue taken from, a file read or written. Followed where a
program can follow them; refused, naming the line, where it cannot."""

import gc
import math
import os
import pathlib
import random
import re
import sys
import threading
import time
import warnings

import pytest

from tests.program.against_engine import bits, same
from tests.program.parameters import PARAMS, W
from tinygrad_edu import Value, unary_op
from tinygrad_edu.program import compile
from tinygrad_edu.program.capture import ProgramWarning

np = pytest.importorskip("numpy")

def test_an_iterator_from_outside_is_refused_naming_the_line():
    picks = iter([W, PARAMS[0]])

    def f():
        return next(picks) * 2.0

    with pytest.raises(RuntimeError,
                       match=r"picks \(a closure cell\), an iterator .* "
                             r"test_randomness_and_state\.py:\d+: ret"):
        compile(f)()


def test_random_draws_are_the_engines_for_the_same_seed():
    def f():
        noise = random.gauss(0.0, 1.0) + random.random() * np.random.normal()
        keep = random.random() > 0.3  # (dropout)
        return W * noise * (2.0 if keep else 0.0) + W * random.uniform(-1.0, 1.0)

    step = compile(f)
    for seed in range(8):
        random.seed(seed)
        np.random.seed(seed)
        state = random.getstate(), np.random.get_state()
        ours = step()
        ours.backward()
        after = random.getstate(), np.random.get_state()[1].tolist()
        random.setstate(state[0])
        np.random.set_state(state[1])
        loss = f()
        assert bits(ours.data) == bits(loss.data)
        assert after == (random.getstate(), np.random.get_state()[1].tolist())
    assert step.captures == 2  # (the dropout's branch, both ways)


RUN = {"u": -1.0}


@pytest.mark.parametrize("native", [True, False], ids=["native", "python"])
def test_a_capture_made_again_at_once_draws_once(native):
    """A number read at every call that the graph also takes by another route (its Value's
    text, ``repr(v)``) makes the capture start again at once, guarded: the draws of the
    first attempt were left made, so after the call the stream was two draws on where the
    engine's is one, silently (the fuzzer's seed 2840, native and Python); now put back."""
    def f(x):
        v = Value(RUN["u"])
        shown = float(len(repr(v)) > 3)
        return W * x * shown + W * float(random.getrandbits(3))

    step = compile(f, native=native)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (captured again: said)
            for k, u in enumerate((-1.0, -1.0, 1.8441183185915515, 2.5)):
                RUN["u"] = u
                random.seed(k)
                loss = f(2.0)
                engine = random.getstate(), bits(loss.data)
                random.seed(k)
                ours = step(2.0)
                assert (random.getstate(), bits(ours.data)) == engine, k
    finally:
        RUN["u"] = -1.0


@pytest.mark.parametrize("native", [True, False], ids=["native", "python"])
def test_a_capture_made_again_at_once_prints_once(native):
    """Its first attempt printed as the engine's call does, and the second printed again:
    "a step" twice at that call (the fuzzer's seed 6009); now once, as the engine."""
    import contextlib
    import io

    def f(x):
        print("a step")
        v = Value(RUN["u"])
        return W * x * float(len(repr(v)) > 3)

    step = compile(f, native=native)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (captured again: said)
            for u in (-1.0, -1.0, 1.8441183185915515, 2.5):
                RUN["u"] = u
                for call in (f, step):
                    shown = io.StringIO()
                    with contextlib.redirect_stdout(shown):
                        call(2.0)
                    assert shown.getvalue() in ("a step\n", ""), (call, u)  # (a program
                    # prints at a capture only: said once, the guide)
                    if call is f:
                        assert shown.getvalue() == "a step\n"
    finally:
        RUN["u"] = -1.0


def test_dropout_written_as_a_number_is_one_program():
    ws = [Value(0.5), Value(-1.5), Value(2.0)]

    def f():
        return sum(w * (2.0 * (random.random() > 0.5)) for w in ws)

    step = compile(f)
    for seed in range(6):
        random.seed(seed)
        for w in ws:
            w.grad = 0.0
        ours = step()
        ours.backward()
        got = [ours.data] + [w.grad for w in ws]
        random.seed(seed)
        for w in ws:
            w.grad = 0.0
        theirs = f()
        theirs.backward()
        assert got == [theirs.data] + [w.grad for w in ws]
    assert step.captures == 1


def test_a_random_choice_picks_the_program():
    choices = [W, PARAMS[1]]

    def f():
        return random.choice(choices) * random.randint(1, 3)

    step = compile(f)
    for seed in range(12):
        random.seed(seed)
        ours = step().data
        random.seed(seed)
        assert ours == f().data
    assert step.captures <= 6  # (each of the 2 x 3 ways at most once)


@pytest.mark.parametrize("make", [
    lambda: random.Random(0), lambda: np.random.default_rng(0), lambda: np.random.RandomState(0)])
def test_another_generator_is_refused(make):
    rng = make()

    def f():
        return W * float(rng.random() if hasattr(rng, "random") else rng.rand())

    with pytest.raises(RuntimeError, match=r"(a random generator of its own|cannot follow)"
                       r".*, at test_randomness_and_state\.py:\d+: "
                       r"return W \* float"):  # (the line)
        compile(f)()


def test_the_clock_and_an_unseeded_generator_are_refused():
    import time

    def clock():
        return W * (time.perf_counter() % 1.0)

    def unseeded():
        return W * np.random.default_rng().random()

    for f in (clock, unseeded):
        with pytest.raises(RuntimeError, match="changes at every call"):
            compile(f)()


STATE_READS = {
    "gc.get_objects()": lambda: W * float(len(gc.get_objects()) % 7),
    "id()": lambda: W * float(id(STATE_HELD) % 7),
    "sys.getrefcount()": lambda: W * float(sys.getrefcount(STATE_HELD)),
    "sys.getsizeof()": lambda: W * float(sys.getsizeof(STATE_HELD.copy())),  # (a list's
    # size is how it was made: a copied argument's is not the engine's; issue 64)
    "gc.get_count()": lambda: W * float(gc.get_count()[0]),
    "gc.collect()": lambda: W * float(gc.collect()),  # (before: the capture's 0, silently)
    "threading.active_count()": lambda: W * float(threading.active_count()),
    "time.thread_time()": lambda: W * (1.0 + int(time.thread_time() * 1e6) % 5),
    "os.times()": lambda: W * os.times().user,
    "time.localtime()": lambda: W * float(time.localtime().tm_sec),
    "os.path.exists()": lambda: W * (0.0 if os.path.exists(__file__ + ".flag") else 0.1),
    "Path.exists()": lambda: W * (0.0 if pathlib.Path(__file__ + ".flag").exists() else 0.1),
}
"""Numbers computed from the clock, the interpreter's own state or the file system: each can
change at every call."""
STATE_HELD: list = []


@pytest.mark.parametrize("what", STATE_READS)
def test_a_number_read_from_the_interpreters_state_or_the_file_system_is_refused(what):
    """Objects alive, an address, a count of references, threads, the time a thread ran,
    whether a file exists: refused with the line, as the clock is (before, the first call's
    number was kept, silently). ``time.localtime(0)`` is fixed: it compiles."""
    with pytest.raises(RuntimeError, match=rf"it reads {re.escape(what)}, .*, which a "
                       r"program cannot follow.*, at test_randomness_and_state\.py:\d+"):
        compile(STATE_READS[what])()
    fixed = compile(lambda: W * float(time.localtime(0).tm_sec + 1))
    assert fixed().data == 2.0


@pytest.mark.parametrize("native", [True, False])
def test_gc_collect_as_a_statement_compiles(native):
    """``gc.collect()`` whose number is dropped (a statement, to free memory between steps) is
    no number of the graph: it compiles and runs as a program (``w * gc.collect()`` is
    refused: ``STATE_READS``)."""
    def f():
        gc.collect()
        return W * 2.0

    step = compile(f, native=native)
    for _ in range(3):
        same(step, f, [W])
    assert step.runs >= 1  # (once more captured where a gc callback of a library in the
    # process writes its globals as it runs: hypothesis' timing, in the whole suite)


def test_a_queue_taken_from_is_captured_again_while_it_changes():
    import queue

    held = queue.Queue()
    for t in (2.0, 4.0, -1.5, 0.25, 3.0, 5.0):
        held.put(t)

    def make():
        def f():
            return W * held.get()
        return f

    step, f = compile(make()), make()
    with pytest.warns(ProgramWarning, match=r"it changes held .*\(Queue\)"):
        got = [step().data for _ in range(3)]
    assert got == [4.0, 8.0, -3.0] and step.captures == 3
    assert f().data == 0.5


def test_reading_a_file_is_refused_and_writing_one_is_said(tmp_path):
    import json

    path = tmp_path / "config.json"
    path.write_text('{"t": 2.0}')

    def reads():
        with open(path) as held:
            return W * json.load(held)["t"]

    def reads_text():
        return W * float(path.read_text().strip("{}").split(":")[1])

    for f in (reads, reads_text):
        with pytest.raises(RuntimeError, match=r"it reads the file .*config\.json.* pass the "
                           r"numbers in, at test_randomness_and_state\.py:\d+"):
            compile(f)()

    def writes():
        with open(tmp_path / "log.txt", "a") as log:
            log.write("a step\n")
        return W * 2.0

    step = compile(writes)
    with pytest.warns(ProgramWarning, match=r"it writes to the file .*log\.txt"):
        assert step().data == 4.0
    assert step().data == 4.0 and step.captures == 1


def test_an_op_of_ones_own_that_draws_or_counts_is_called_as_the_engine_calls_it():
    """Before, a program called such an op's forward again where it also followed
    what the forward did (its draws, its writes), and the function ran again as the engine
    where a guard failed after it: other noise ([1.094172, 1.332029, ...] for the engine's
    [1.094172, 1.260342, ...]), 9 calls for 4. Now the function runs as the engine for those
    arguments, said once (a pure op of one's own stays a program: test_native_program's
    test_why_a_compiled_function_runs_as_python_is_said_at_the_learners_line)."""
    from tinygrad_edu import unary_op

    calls = [0]

    def counting(x):
        calls[0] += 1
        return x * calls[0]

    def noise(x):
        return x + random.gauss(0.0, 0.1)

    def one(x, y):
        return 1.0

    counted = unary_op("counted", counting, one, register_op=False)
    noisy = unary_op("noisy", noise, one, register_op=False)

    def f(x):
        return noisy(counted(W * x))

    numbers = []
    for g in (f, compile(f, native=False)):
        random.seed(0)
        calls[0] = 0
        with warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always")
            numbers.append([g(x).data for x in (0.5, 0.7, 0.5)] + [calls[0], random.random()])
    assert bits(numbers[0]) == bits(numbers[1])
    (warned,) = [str(w.message) for w in said if w.category is ProgramWarning]
    assert "the op 'counted' (an op of your own) writes calls[0] " in warned
    assert "the op 'noisy' (an op of your own) draws random numbers (random.gauss)" in warned
    assert "runs as the engine for these arguments" in warned and f"{g!r}".startswith(
        "<compiled f: 0 program(s)")


TEMP = 2.0  # (a setting an op of one's own reads, annealed between calls)
soft = unary_op("soft_t", lambda x: math.log1p(math.exp(x * TEMP)) / TEMP,
                lambda x, y: 1 / (1 + math.exp(-x * TEMP)), register_op=False)


@pytest.mark.parametrize("native", [True, False])
def test_an_op_of_ones_own_reading_a_global_changed_between_calls_stays_a_program(native):
    """a64e's L3: once the global changed, the capture followed it (a stand-in at ``TEMP``),
    the op's functions computed with the stand-in, and the op was said to write ``TEMP``
    ("the op 'soft_t' ... writes TEMP"): the function ran as the engine for good. Now the op
    computes with the number (a program calls its functions at every run, reading it then):
    captured again once, said, then a program with the engine's numbers."""
    global TEMP
    b = Value(0.1)

    def f():
        return soft(W * 3.0 + b) ** 2

    TEMP = 2.0
    try:
        step = compile(f, native=native)
        with warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always")
            for temp in (2.0, 2.0, 1.0, 1.0, 0.5, 3.0):
                TEMP = temp
                same(step, f, [W, b])
        warned = [str(w.message) for w in said if w.category is ProgramWarning]
        assert len(warned) == 1 and "captured again because TEMP is not what it was" in \
            warned[0], warned
        assert "writes" not in step.explain() and step.captures == 2 and step.runs == 4
    finally:
        TEMP = 2.0


def test_a_child_spawned_from_a_generator_held_outside_is_refused():
    """``rng.spawn(1)[0].random()`` of a NumPy generator held outside: spawning draws no
    number from it, but moves its seed sequence on, and each call's child draws others.
    Before, the program kept the capture's child's draw, silently (an attacker's, a64k S9a);
    now refused as a draw from it is."""
    np = pytest.importorskip("numpy")
    held = {"rng": np.random.default_rng(0)}
    w = Value(2.0)

    def noisy(x):
        return w * x * held["rng"].spawn(1)[0].random()

    with pytest.raises(RuntimeError, match=r"""it draws from "held\['rng'\]", a random """
                       r"generator of its own \(Generator\)"):
        compile(noisy, native=False)(1.5)


@pytest.mark.parametrize("native", [True, False])
@pytest.mark.parametrize("how", ["numpy", "random"])
def test_a_generators_state_read_while_drawn_from_outside_is_read_again(how, native):
    """A generator held outside whose state the function reads as a number
    (``rng.bit_generator.state``, ``Random.getstate()``), drawn from outside between calls (a
    data loader's): its state is guarded, the function captured again and said. Before, the
    capture's number at every call, silently (an attacker's, a64k S9b, S9c)."""
    np = pytest.importorskip("numpy")
    held = {"rng": np.random.default_rng(0), "r": random.Random(0)}
    w = Value(2.0)

    def from_numpy(x):
        return w * x * float(held["rng"].bit_generator.state["state"]["state"] % 7)

    def from_random(x):
        return w * x * float(held["r"].getstate()[1][5] % 7)

    f = from_numpy if how == "numpy" else from_random
    step = compile(f, native=native)
    seen = set()
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        for _ in range(4):
            seen.add(same(step, f, [w], 1.5).data)
            for _ in range(3):
                held["rng"].random()
                held["r"].random()
    assert len(seen) > 1 and step.captures == 4
    assert any("a random generator, has been drawn from since the capture" in str(m.message)
               for m in said)
