"""What an independent attacker still found silently wrong (or falsely refused) in compile()
after issue 64's first parts, each as a learner writes it: the program gives the engine's
numbers bit for bit, or refuses naming the line."""

import sys
import warnings

import pytest

from tests.program.against_engine import same
from tinygrad_edu import Value
from tinygrad_edu.program import compile
from tinygrad_edu.program.capture import ProgramWarning

np = pytest.importorskip("numpy")

W = Value(0.5)
FLAG = False
MODE = False


def test_a_comparison_tested_with_is_or_matched_is_the_engines_bool():
    def tested(x):
        z = W * x
        pos = z.data > 0
        return z * (2.0 if pos is True else -1.0)

    def matched(x):
        z = W * x
        match z.data > 0:
            case True:
                return z * 2.0
            case False:
                return z * -1.0

    for f in (tested, matched):
        step = compile(f)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ProgramWarning)
            for x in (1.0, -1.0, 1.0, 3.0, -2.0):
                same(step, f, [W], Value(x))
        assert step.captures == 2  # (one program each way: the comparison is a guard)


def test_a_global_bool_that_changes_stays_a_bool():
    global FLAG, MODE

    def tested(x):
        return W * x * (3.0 if FLAG is True else 1.0)

    def matched(x):
        match MODE:
            case True:
                return W * x * 3.0
            case _:
                return W * x

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProgramWarning)
        for f in (tested, matched):
            step = compile(f)
            try:
                for flag in (False, True, False, True, True):
                    FLAG = MODE = flag
                    same(step, f, [W], Value(1.0))
            finally:
                FLAG = MODE = False
            assert step.captures == 2  # (a program for each, kept)


def test_numpy_seeded_inside_the_function_is_seeded_again_at_every_call():
    def f(x):
        np.random.seed(0)  # (the same noise at every step)
        return W * x * float(np.random.rand()) + W * np.random.sample()

    step = compile(f)
    for x in (1.0, 2.0, -1.0):
        same(step, f, [W], Value(x))
        after = np.random.get_state()[1].copy()  # (the stream left as the engine leaves it)
        step(Value(x))
        assert (np.random.get_state()[1] == after).all()
    assert step.captures == 1 and step.runs >= 3


LR = 0.1


@pytest.mark.parametrize("how", ["json", "json_dump", "pickle", "deepcopy", "copy", "decimal",
                                 "decimal_of_data", "decimal_type"])
def test_a_followed_number_passes_where_python_takes_a_float(how, tmp_path):
    """json, pickle, copy and Decimal of a loss's .data or of a global that changes: the
    engine's text, bytes and numbers (they were refused, or failed with a TypeError)."""
    import copy
    import decimal
    import io
    import json
    import pickle

    global LR

    def f(x):
        loss = (W * x - LR) ** 2
        if how == "json":
            said = json.dumps({"loss": loss.data, "lr": [LR, loss.data]})
        elif how == "json_dump":
            out = io.StringIO()
            json.dump([loss.data], out)
            said = out.getvalue()
        elif how == "pickle":
            said = pickle.dumps((loss.data, {"lr": LR}))
        elif how == "deepcopy":
            said = copy.deepcopy({"loss": loss.data})["loss"] * 2.0
        elif how == "copy":
            said = copy.copy(loss.data) + LR
        elif how == "decimal":
            said = float(decimal.Decimal(LR).quantize(decimal.Decimal("0.01")))
        elif how == "decimal_of_data":
            said = float(decimal.Decimal(loss.data) / 3)
        else:
            said = float(type(decimal.Decimal(1)) is decimal.Decimal)
        return loss * 2.0 + (W * said if type(said) is not bytes and type(said) is not str
                             else W), said

    step = compile(f)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProgramWarning)
        try:
            for lr, x in ((0.1, 1.0), (0.2, 1.0), (0.2, 3.0), (0.7, -2.0)):
                LR = lr
                ours = same(step, f, [W], Value(x))
                assert ours[1] == f(Value(x))[1]
        finally:
            LR = 0.1


def _drawn_alike(step, f, leaves, *args):
    """The compiled call and the engine's from the same random streams: value, gradients,
    and the streams left alike."""
    state = np.random.get_state()
    ours = same_state = None
    for leaf in leaves:
        leaf.grad = 0.0
    ours = step(*args)
    ours.backward()
    got = [ours.data] + [leaf.grad for leaf in leaves]
    same_state = np.random.get_state()[1].copy()
    np.random.set_state(state)
    for leaf in leaves:
        leaf.grad = 0.0
    theirs = f(*args)
    theirs.backward()
    assert got == [theirs.data] + [leaf.grad for leaf in leaves]
    assert (np.random.get_state()[1] == same_state).all()


@pytest.mark.parametrize("how", ["mask", "scaled", "noise", "matrix", "summed", "dtype",
                                 "ints", "where"])
def test_arrays_drawn_from_numpy_random_are_followed(how):
    """np.random.rand(2) (a dropout mask), normal(size=...), randint(size=...): the engine's
    numbers at every call (they were refused)."""
    b = Value(-0.25)

    def f(x):
        h = [W * x, b * x, W * b, x * 2.0]
        if how == "mask":
            m = np.random.rand(2) > 0.5
            return W * x * float(m[0]) + W * float(m[1])
        if how == "scaled":
            keep = (np.random.rand(4) < 0.7) / 0.7
            return sum(v * k for v, k in zip(h, keep))
        if how == "noise":
            return sum(v + e for v, e in zip(h, np.random.normal(0.0, 0.1, size=4)))
        if how == "matrix":
            m = np.random.randn(2, 2)
            return h[0] * m[0, 1] + h[1] * m[1][0] - m[1, 1] * h[2]
        if how == "summed":  # (not item by item: its numbers, guarded)
            m = np.random.rand(3) > 0.5
            return h[0] * float(m.sum()) + h[1] * float(np.mean(m))
        if how == "dtype":
            m = np.random.rand(2)
            return h[0] * float(m.dtype == np.float64) + h[1] * (m > 0.5).dtype.itemsize
        if how == "ints":
            m = np.random.randint(0, 2, size=4)
            return sum(v * float(k) for v, k in zip(h, m))
        m = np.random.rand(3)
        return h[0] * float(np.where(m > 0.5, m, 0.0)[1])

    step = compile(f)
    np.random.seed(3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProgramWarning)
        for x in (1.0, 2.0, -1.5, 0.5, 3.0, 1.0, -2.0):
            _drawn_alike(step, f, [W, b], Value(x))
    if how in ("scaled", "noise", "matrix", "dtype") or (
            how == "mask" and sys.version_info >= (3, 11)):  # (3.10: float(x) a constant)
        assert step.captures == 1  # (one program, whatever is drawn)


def test_an_array_drawn_returned_is_refused_with_why():
    def f(x):
        m = np.random.rand(2)
        return W * x, m

    with pytest.raises(TypeError, match="array drawn from numpy"):
        compile(f)(Value(1.0))


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
    """Each kept the first call's number, silently (an independent attacker's C4, C5, C6,
    S12, W02, B5b; sys.modules taken whole, an object's .__hash__(), a Timer, _thread's, a
    pool's worker started before, asyncio's executor, a process's output: issue 64's last
    list)."""
    f = _steps(kind)
    elsewhere = {"timer": "thread", "start_new_thread": "thread", "pool made before": "thread",
                 "run_in_executor": "thread", "process": "process"}.get(kind, "")
    with pytest.raises(RuntimeError, match=r"cannot be captured as a program: .*"
                                           rf"{elsewhere}.* at test_silent\.py:\d+"):
        compile(f)(Value(1.0))


def test_a_descriptor_holding_its_own_number_and_decimals_context_are_guarded():
    """opt.lr from a __get__ whose state changes, and decimal's precision changed between
    calls: the engine's numbers (each kept the first call's, silently: S07, S11)."""
    import decimal

    class StepDecay:
        def __init__(self):
            self.t = 0

        def __get__(self, obj, owner):
            return 0.1 * 0.5 ** self.t

    class Optimizer:
        lr = StepDecay()

    opt = Optimizer()

    def scheduled(x):
        return W * x * opt.lr

    def divided(x):
        return W * x * float(decimal.Decimal(1) / decimal.Decimal(3))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        step = compile(scheduled)
        for t in range(5):
            Optimizer.__dict__["lr"].t = t
            same(step, scheduled, [W], Value(1.0 + t))
        assert step.captures == 2  # (t: an input from its first change)
        step = compile(divided)
        with decimal.localcontext() as context:
            for precision in (28, 3, 5, 5):
                context.prec = precision
                same(step, divided, [W], Value(2.0))


def test_a_comparison_tested_by_identity_in_code_run_after_it_is_refused():
    """`flag is True` in a function called with a comparison made before it ran: the
    comparison was followed as a number (the test saw False where the engine has True),
    now refused naming that function; where the code testing it is on the stack, it works."""
    def positive(z):
        return z.data > 0

    def scale(flag):
        return 2.0 if flag is True else -1.0

    def f(x):
        z = W * x
        return z * scale(positive(z))

    with pytest.raises(RuntimeError, match=r"scale\(\) tests a value with `is True`"):
        compile(f)(Value(1.0))

    def g(x):
        z = W * x
        return z * scale(z.data > 0) + sum(v.data > 0 for v in (z, W))

    with pytest.raises(RuntimeError, match=r"scale\(\) tests"):
        compile(g)(Value(1.0))


def test_a_flag_of_its_own_tested_by_identity_after_a_comparison_is_the_engines():
    """`flag is True` (or `case True:`) on an argument that is no comparison, in code run
    after a comparison was followed: refused before (issue 64's last list: a false
    refusal); the engine's numbers now. Given the comparison itself, still refused."""
    def scale(flag):
        return 2.0 if flag is True else 1.0

    def sign(flag):
        match flag:
            case True:
                return 1.0
            case _:
                return -1.0

    def f(x, verbose=True):
        z = W * x
        k = 3.0 if z.data > 0 else -1.0
        return z * k * scale(verbose) * sign(not verbose)

    step = compile(f)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProgramWarning)
        for x in (1.0, -1.0, 2.0, -3.0):
            same(step, f, [W], Value(x))

    def g(x):
        z = W * x
        return z * (3.0 if z.data > 0 else -1.0) * sign(z.data > 1)

    with pytest.raises(RuntimeError, match=r"sign\(\) tests a value with `is True`"):
        compile(g)(Value(4.0))


def test_the_same_value_read_twice_is_the_same_number_object():
    """`z.data is z.data` is True in the engine (one float object); the capture gave two
    followed numbers, and the program 0.5 where the engine gives 1.0, silently."""
    def f(x):
        z = W * x
        return z * (2.0 if z.data is z.data else 1.0)

    step = compile(f)
    for x in (1.0, -2.0, 3.0):
        same(step, f, [W], Value(x))
    assert step.captures == 1


def test_another_thread_meets_decimal_and_datetime_as_they_are_while_a_capture_runs():
    """The capture's stand-ins for decimal.Decimal, datetime.datetime and datetime.date were
    put in their modules for every thread: another thread's `type(d) is decimal.Decimal`
    was False while a capture ran (issue 64's last list); now only the capture's thread
    meets them."""
    import datetime
    import decimal
    import threading

    capturing, checked = threading.Event(), threading.Event()
    seen = []

    def other():
        capturing.wait()
        seen.append((type(decimal.Decimal(1)) is decimal.Decimal,
                     type(datetime.datetime(2020, 1, 1)) is datetime.datetime,
                     type(datetime.date(2020, 1, 1)) is datetime.date))
        checked.set()

    def f(x):
        capturing.set()
        checked.wait()
        return W * x * float(decimal.Decimal("0.5"))

    thread = threading.Thread(target=other)
    thread.start()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProgramWarning)
        same(compile(f), f, [W], Value(3.0))
    thread.join()
    assert seen == [(True, True, True)]


def test_two_values_numbers_tested_by_identity_are_refused_with_the_line():
    """`a.data is b.data`: True in the engine where the two hold one float object (b made
    from a.data, one number given to both), which no program can follow: the program gave
    the other branch, silently (issue 64's last list); now refused, naming the line."""
    shared = float("2.5")
    a, b = Value(shared), Value(shared)

    def held(x):
        return W * x * (2.0 if a.data is b.data else 1.0)

    def made(x):
        copy = Value(x.data)
        return W * x * (2.0 if x.data is copy.data else 1.0)

    def given(x, y):
        return W * x * y * (2.0 if x.data is y.data else 1.0)

    def named(x, y):
        first, second = x.data, y.data
        return W * x * y * (2.0 if first is second else 1.0)

    for f, args in ((held, (Value(1.0),)), (made, (Value(1.0),)),
                    (given, (Value(3.5), Value(3.5))), (named, (Value(3.5), Value(3.5)))):
        with pytest.raises(RuntimeError, match=r"tests two things by identity .* at "
                                               r"test_silent\.py:\d+"):
            compile(f)(*args)

    def typed(x):  # (a type, a class of a module, an item: no number's identity)
        layers = [W, x]
        z = W * x * (2.0 if type(x.data) is float and type(W.data) is not np.float64
                     else 1.0)
        for layer in layers:
            z = z * layer if layer is not layers[-1] and z.data > W.data else z
        return z

    step = compile(typed)
    for x in (1.0, -2.0, 3.0):
        same(step, typed, [W], Value(x))


THIRD = None


def test_a_decimal_made_outside_computes_under_each_calls_context():
    """A Decimal made outside the function (a global, a cell, an attribute), divided or
    rounded inside as decimal's context says: the program kept the first call's digits
    after the precision changed, silently (issue 64's last list); the context is guarded."""
    import decimal
    import types

    global THIRD
    THIRD = decimal.Decimal(1)
    held = decimal.Decimal("1.23456789")
    cfg = types.SimpleNamespace(d=decimal.Decimal(2))

    def divided(x):
        return W * x * float(THIRD / 3)

    def rounded(x):
        return W * x * float(+held)

    def attribute(x):
        return W * x * float(cfg.d / 7)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProgramWarning)
        for f in (divided, rounded, attribute):
            step = compile(f)
            with decimal.localcontext() as context:
                for precision in (28, 3, 5, 5, 28):
                    context.prec = precision
                    same(step, f, [W], Value(2.0))


def test_going_through_a_set_of_values_made_in_the_call_is_refused_with_the_line():
    """A set of nodes added to in a for loop, then gone through: its order is the nodes'
    addresses, new at every call, and the sum's rounding with it (the engine's own numbers
    change too); the program kept one order, silently (issue 64's last list): refused,
    naming the line. A set used to ask `in`, or a set of Values made before the call, is
    the engine's."""
    xs = [Value(0.1 * i + 1e-9) for i in range(12)]

    def added(vs):
        nodes = set()
        for v in vs:
            nodes.add(v * W)
        total = Value(0.0)
        for n in nodes:
            total = total + n
        return total

    def braces(vs):
        return sum(sorted({v * W for v in vs}, key=lambda n: 0.0), Value(0.0))

    def listed(vs):
        return sum(list(frozenset(v * W for v in vs)), Value(0.0))

    for f in (added, braces, listed):
        with pytest.raises(RuntimeError, match=r"goes through a set of Values made in the "
                                               r"call .* at test_silent\.py:\d+"):
            compile(f)(xs)

    def asked(vs):
        seen, total = set(), Value(0.0)
        for v in vs + vs[:3]:
            n = v * W
            if v not in seen and type(seen) is set is type({1}) and isinstance(seen, set):
                seen.add(v)
                total = total + n
        for p in set(vs[:4]):  # (made before the call: the same order at every call)
            total = total + p * 0.0
        return total

    step = compile(asked)
    for k in range(3):
        xs[k].data = 0.5 + k
        same(step, asked, [W, *xs], xs)

    import pickle

    shown = []

    def kept(x):  # (a set made while a capture runs is shown and pickled as one)
        made = set([1.5])
        shown.append((repr(made), pickle.loads(pickle.dumps(made))))
        return W * x

    compile(kept)(Value(1.0))
    assert shown == [("{1.5}", {1.5})]


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
                                           r"test_silent\.py:\d+: remembered\.__dict__"):
        compile(remembered)(Value(1.0))


SHARED = float("2.5")  # (one float object, held by two Values below)


def same_object(p, q):
    return p is q


def first_is_second(pair):
    return pair[0] is pair[1]


def test_numbers_read_then_tested_by_identity_in_a_helper_or_as_items_are_refused():
    """`same(a.data, b.data)` with `p is q` in the helper (or `pair[0] is pair[1]`, or
    `t[0] is t[1]` in the function itself, `operator.is_`): True in the engine where the two
    Values hold one float object, the other branch in the program, silently (issue 64's
    last list); now refused, naming the helper's line. A helper given Values, not numbers,
    is the engine's."""
    a, b = Value(SHARED), Value(SHARED)

    def helper(x):
        return W * x * (2.0 if same_object(a.data, b.data) else 1.0)

    def copied(x):
        copy = Value(x.data)
        return W * x * (2.0 if same_object(x.data, copy.data) else 1.0)

    def paired(x):
        return W * x * (2.0 if first_is_second((a.data, b.data)) else 1.0)

    def items(x):
        t = (a.data, b.data)
        return W * x * (2.0 if t[0] is t[1] else 1.0)

    def called(x):
        import operator

        return W * x * (2.0 if operator.is_(a.data, b.data) else 1.0)

    for f, where in ((called, r"tests a number read by identity \(operator\.is_\)"),
                     (helper, r"same_object\(\) tests two things .*\(line \d+ of "
                              r"test_silent\.py"),
                     (copied, r"same_object\(\) tests two things"),
                     (paired, r"first_is_second\(\) tests two things"),
                     (items, r"tests two things by identity .* at test_silent\.py:\d+")):
        for native in (True, False):
            with pytest.raises(RuntimeError, match=where):
                compile(f, native=native)(Value(1.0))

    def values(x):  # (Values tested by identity, not their numbers)
        return W * x * (2.0 if same_object(a, b) or first_is_second([W, W]) else 1.0)

    def one(x):  # (one number read, tested against itself: one object, as the engine)
        import operator

        return W * x * (2.0 if operator.is_not(x.data, x.data) else 1.0)

    for f in (values, one):
        step = compile(f)
        for x in (1.0, -2.0, 3.0):
            same(step, f, [W], Value(x))


def test_a_set_of_values_made_by_a_set_operator_then_gone_through_is_refused():
    """`s | t`, `s.union(...)`, `s - t`, `copy.copy(s)`, `d.keys() | e.keys()`... of sets (or
    dicts) of Values made in the call gave Python's own set, gone through unseen: its order
    is the nodes' addresses, and the program kept one, silently (the last bits differ;
    issue 64's last list): refused, naming the line."""
    import copy

    xs = [Value(0.1 * i + 1e-9) for i in range(12)]

    def added(vs, how):
        s, t = set(), set()
        for v in vs[:6]:
            s.add(v * W)
        for v in vs[6:]:
            t.add(v * W)
        total = Value(0.0)
        for n in how(s, t):
            total = total + n
        return total

    hows = (lambda s, t: s | t, lambda s, t: s.union(t), lambda s, t: (s | t) - {W},
            lambda s, t: s ^ t, lambda s, t: frozenset(s) | t, lambda s, t: s.copy(),
            lambda s, t: set.union(s, t), lambda s, t: copy.copy(s),
            lambda s, t: dict.fromkeys(list(s)).keys() | t)
    for how in hows:
        for native in (True, False):
            with pytest.raises(RuntimeError, match=r"goes through a set of Values made in "
                                                   r"the call .* at test_silent\.py:\d+"):
                compile(added, native=native)(xs, how)

    def keys(vs):  # (the keys of dicts of Values made in the call, made a set)
        d, e = {v * W: 0 for v in vs[:6]}, {v * W: 0 for v in vs[6:]}
        return sum(d.keys() | e.keys(), Value(0.0))

    with pytest.raises(RuntimeError, match=r"goes through a set of Values made in the call"):
        compile(keys)(xs)

    def asked(vs):  # (a set made by an operator, asked `in`: the engine's)
        s = set(vs[:4]) | set(vs[8:])
        return sum((v * W for v in vs if v in s), Value(0.0))

    step = compile(asked)
    for k in range(3):
        xs[k].data = 0.5 + k
        same(step, asked, [W, *xs], xs)


def test_numpys_std_and_var_of_numbers_read_say_nothing_changed():
    """np.std and np.var read NumPy's own {dtype: dtype} (its keys not walked): it was said
    to change ("it changes _complex_to_float"), though nothing did."""
    P = [Value(0.1 + 0.37 * i * (-1) ** i) for i in range(20)]

    def f(x):
        r = [(p * x).data for p in P]
        return W * float(np.std(r)) + W * float(np.var(r))

    with warnings.catch_warnings():
        warnings.simplefilter("error", ProgramWarning)
        step = compile(f)
        same(step, f, [W, *P], Value(1.1))


def fill(s, vs):
    for v in vs:
        s.add(v * W)


def test_a_set_of_values_copied_unseen_into_another_is_refused():
    """A set filled in a helper, then `{*s, *t}` (or `{*s}`, `[*{*s}]`): Python copies a set
    into another without going through it, and `builtins.set(p * x for p in P)` is Python's
    own set, not the one a capture sees: both were gone through unseen, the program kept one
    order of the nodes' addresses, silently (the attacker's: verify=1 mismatched). Refused,
    naming the line. Sets of Values made before the call keep their order: the engine's."""
    import builtins

    xs = [Value(0.1 * i + 1e-9) for i in range(8)]
    S = builtins.set

    def star(vs, how):
        s, t = set(), set()
        fill(s, vs[:4])
        fill(t, vs[4:])
        total = Value(0.0)
        for n in how(s, t):
            total = total * 1.01 + n.tanh()
        return total

    for how, where in ((lambda s, t: {*s, *t}, "{\\*s, \\*t}"), (lambda s, t: {*s}, "{\\*s}"),
                       (lambda s, t: [*{*s, *t}], "\\[\\*{"),
                       (lambda s, t: builtins.set(s), "builtins.set"),
                       (lambda s, t: builtins.frozenset(t), "builtins.frozenset")):
        for native in (True, False):
            with pytest.raises(RuntimeError, match=r"copies a set of Values made in the call "
                                                   r".* at test_silent\.py:\d+: .*" + where):
                compile(star, native=native)(xs, how)

    def pythons(vs, how):
        total = Value(0.0)
        for n in how(vs):
            total = total * 1.01 + n.tanh()
        return total

    def added(vs):
        s = S()
        for v in vs:
            s.add(v * W)
        return s

    for how in (lambda vs: builtins.set(v * W for v in vs), lambda vs: S([v * W for v in vs]),
                lambda vs: builtins.frozenset(v * W for v in vs), added):
        for native in (True, False):
            with pytest.raises(RuntimeError, match=r"goes through a set of Values made in the "
                                                   r"call .* at test_silent\.py:\d+"):
                compile(pythons, native=native)(xs, how)

    def before(vs):  # (Values made before the call: their set's order is the same each call)
        s = set(vs[:4])
        return pythons(vs, lambda _: [*{*s, *builtins.set(vs[4:])}])

    step = compile(before)
    for k in range(3):
        xs[k].data = 0.5 + k
        same(step, before, [W, *xs], xs)


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
                                               r"test_silent\.py\)"):
            compile(f)(Value(1.0))


FLAGGED = True


class _Scaled:
    def __init__(self):
        self.flag = True

    def scale(self):
        return 2.0 if self.flag is True else 1.0

    def right(self):
        return 2.0 if True is self.flag else 1.0

    def matched(self):
        match self.flag:
            case True:
                return 2.0
            case _:
                return 1.0


def _flagged():
    return 2.0 if FLAGGED is True else 1.0


def test_an_attribute_or_a_global_tested_by_identity_after_a_comparison_is_the_engines():
    """`self.flag is True` (or `FLAG is True`, `True is self.flag`, `match self.flag:`) in a
    function called after a comparison was followed: refused before (issue 64's last list:
    a false refusal); the engine's numbers now. Where the function wrote the comparison
    there (`m.flag = z.data > 0`, a global, `setattr`), still refused, naming the code."""
    m = _Scaled()

    def f(x):
        z = W * x
        k = 3.0 if z.data > 0 else -1.0
        return z * k * m.scale() * m.right() * m.matched() * _flagged()

    for native in (True, False):
        step = compile(f, native=native)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ProgramWarning)
            for x in (1.0, -2.0, 3.0):
                same(step, f, [W], Value(x))

    def stored(x):
        z = W * x
        m.flag = z.data > 0
        return z * m.right()

    def stored_global(x):
        global FLAGGED
        z = W * x
        FLAGGED = z.data > 0
        return z * _flagged()

    def set_by_name(x):
        z = W * x
        name = "flag"  # (written by name: no STORE_ATTR to see)
        setattr(m, name, z.data > 0)
        return z * m.matched()

    for f, name in ((stored, "right"), (stored_global, "_flagged"),
                    (set_by_name, "matched")):
        try:
            with pytest.raises(RuntimeError, match=name + r"\(\) tests a value with `is "):
                compile(f)(Value(1.0))
        finally:
            m.flag = True
            globals()["FLAGGED"] = True
