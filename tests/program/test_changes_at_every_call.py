"""What changes at every call where a capture did not look (the date, ``sys.modules`` taken
whole, an object's hash, a set's order, code run in another thread or a process): each kept
the first call's number, silently (an independent attacker's, after issue 64's first parts),
and is refused now, naming the line. A counter a function keeps on itself is written and read
at every call; ``__hash__`` of an object that hashes by its value is the engine's."""

import warnings

import pytest

from tests.program.against_engine import same
from tests.program.attacker_weight import W
from tinygrad_edu import Value
from tinygrad_edu.program import compile
from tinygrad_edu.program.capture import ProgramWarning


def _steps(kind):
    """A function reading a number from outside the arguments that changes at every call,
    a way no program can follow, and what changes it between calls."""
    import datetime
    import sys
    import threading
    from concurrent.futures import ThreadPoolExecutor

    if kind == "datetime":
        return lambda x: W * x * (1 + datetime.datetime.now().microsecond % 2)
    if kind == "date":
        return lambda x: W * x * datetime.date.today().day
    if kind == "modules":
        return lambda x: W * x * len(sys.modules)
    if kind == "modules listed":
        return lambda x: W * x * (len(list(sys.modules)) % 7)
    if kind == "modules' own length":
        return lambda x: W * x * (sys.modules.__len__() % 7)
    if kind == "__hash__":
        return lambda x: W * x * (1 + object().__hash__() % 5)
    if kind == "hash":
        return lambda x: W * x * (1 + hash(object()) % 5)
    if kind == "set":
        u, v = Value(1e16), Value(-1e16)
        return lambda x: sum({W * x, u * x, v * x, W * W, u * W})
    if kind == "thread":
        def f(x):
            out = {}
            t = threading.Thread(target=lambda: out.__setitem__("h", W * x * 2.0))
            t.start()
            t.join()
            return out["h"] + W
        return f

    if kind == "executor":
        def f(x):
            with ThreadPoolExecutor(1) as pool:
                part = pool.submit(lambda: x * W * 1.5).result()
            return part + W
        return f
    return _elsewhere(kind)


def _elsewhere(kind):
    """Code run in another thread or process, each way but Thread.start and a new
    ThreadPoolExecutor's submit (each silent before: the first call's graph again)."""
    import _thread
    import asyncio
    import subprocess
    import threading
    import time
    from multiprocessing.pool import ThreadPool

    if kind == "timer":
        def f(x):
            out = []
            timer = threading.Timer(0.0, lambda: out.append(W * x))
            timer.start()
            timer.join()
            return out[0]
    elif kind == "start_new_thread":
        def f(x):
            out = []
            _thread.start_new_thread(lambda: out.append(W * x), ())
            while not out:
                time.sleep(0.001)
            return out[0]
    elif kind == "pool made before":
        pool = ThreadPool(1)
        pool.apply(float)  # (its worker started before the capture)

        def f(x):
            return pool.apply(lambda: W * x)
    elif kind == "run_in_executor":
        def f(x):
            async def main():
                return await asyncio.get_running_loop().run_in_executor(None, lambda: W * x)
            return asyncio.run(main())
    else:
        def f(x):
            echoed = subprocess.run(["echo", "3"], capture_output=True, text=True).stdout
            return W * x * float(echoed)
    return f


@pytest.mark.parametrize("kind", ["datetime", "date", "modules", "modules listed",
                                  "modules' own length", "hash", "__hash__", "set", "thread",
                                  "executor", "timer", "start_new_thread", "pool made before",
                                  "run_in_executor", "process"])
def test_what_changes_at_every_call_unseen_before_is_refused_with_the_line(kind):
    """Each kept the first call's number, silently (found by independent attackers:
    sys.modules taken whole, an object's .__hash__(), a Timer, _thread's, a
    pool's worker started before, asyncio's executor, a process's output: issue 64's last
    list)."""
    f = _steps(kind)
    elsewhere = {"timer": "thread", "start_new_thread": "thread", "pool made before": "thread",
                 "run_in_executor": "thread", "process": "process"}.get(kind, "")
    with pytest.raises(RuntimeError, match=r"cannot be captured as a program: .*"
                                           rf"{elsewhere}.* at test_changes_at_every_call\.py:\d+"):
        compile(f)(Value(1.0))


def test_an_attribute_the_function_sets_on_itself_is_written_and_read_at_every_call():
    """`f.calls = getattr(f, "calls", 0) + 1` (a counter kept on the function, as a
    learner's step count): the program wrote 1 at every call and divided by 1, silently
    (a fresh attacker's program); a function's attributes are walked as an object's."""
    def counted(x):
        counted.calls = getattr(counted, "calls", 0) + 1
        return W * x * (1.0 / counted.calls)

    def kept(x):
        kept.calls += 1
        return W * x * (1.0 / kept.calls)

    kept.calls = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProgramWarning)
        for f in (counted, kept):
            step = compile(f)
            for x in (1.0, 2.0, -1.0, 3.0):
                before = f.__dict__.get("calls")
                got = step(Value(x)).data
                f.__dict__.pop("calls") if before is None else setattr(f, "calls", before)
                assert got == f(Value(x)).data


def test_a_list_the_function_sets_on_itself_is_refused_naming_its_line():
    """`f.__dict__.setdefault("seen", []).append(...)`: refused (a program writes numbers
    only), the line said ('at ?' before)."""
    def remembered(x):
        remembered.__dict__.setdefault("seen", []).append(1)
        return W * x

    with pytest.raises(RuntimeError, match=r"writes list to remembered\.seen .* at "
                                           r"test_changes_at_every_call\.py:\d+: "
                                           r"remembered\.__dict__"):
        compile(remembered)(Value(1.0))


class _Key:
    def __init__(self, name):
        self.name = name

    def __hash__(self):
        return hash(self.name)


KEY, PLAIN = _Key("lr"), object()


def test_hash_called_on_an_object_that_hashes_by_value_is_the_engines():
    """`"lr".__hash__()`, `(1, 2.5).__hash__()`, a global of a class with a `__hash__` of its
    own: refused before, as an address would be (issue 64's last list: a false refusal); the
    engine's numbers now. An object hashed by its address (object's, a Value's) still
    refused, naming the line."""
    def text(x):
        return W * x * (2.0 if "lr".__hash__() == hash("lr") else 1.0)

    def pair(x):
        return W * x * (2.0 if (1, 2.5).__hash__() == hash((1, 2.5)) else 1.0)

    def own(x):
        return W * x * (2.0 if KEY.__hash__() == hash("lr") else 1.0)

    for f in (text, pair, own):
        for native in (True, False):
            step = compile(f, native=native)
            for x in (1.0, -2.0, 3.0):
                same(step, f, [W], Value(x))

    def address(x):
        return W * x * (PLAIN.__hash__() % 7)

    def node(x):
        return W * x * (W.__hash__() % 7)

    for f in (address, node):
        with pytest.raises(RuntimeError, match=r"it calls \.__hash__\(\) \(line \d+ of "
                                               r"test_changes_at_every_call\.py\)"):
            compile(f)(Value(1.0))


class _Config:
    def __init__(self, lr):
        self.lr = lr


def test_a_fresh_object_at_every_call_keeps_a_bounded_number_of_programs():  # (issue 64)
    """Each object given picks a program of its own (by identity): made afresh at every call,
    programs are kept up to a bound, then such a call runs as the engine, said once with why
    and what to do (as torch.compile's cache_size_limit)."""
    def f(cfg):
        return W * cfg.lr

    step = compile(f, native=False)
    with pytest.warns(ProgramWarning, match=r"8 structures of arguments .* an object given "
                                            r"is another one .* runs as the engine"):
        for k in range(12):
            cfg = _Config(0.1 * k)
            assert step(cfg).data == f(cfg).data
    assert len(step.programs) == 8 and step.captures == 8 and step.engine_calls == 4


def test_an_int_given_that_changes_is_named_as_what_differs():  # (said where programs are
    from tinygrad_edu.program.arguments import structure_of, what_differs  # bounded)

    old, new = (structure_of(((2.0, epoch), {}))[0] for epoch in (7, 8))
    assert what_differs(old, new) == "an int given changes (7, then 8)"
