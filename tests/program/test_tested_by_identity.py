"""Numbers, comparisons and flags tested by identity (``is True``, ``case True:``, ``a.data is
b.data``, a helper's ``p is q``, ``operator.is_``), as an independent attacker wrote them after
issue 64's first parts: the engine's bools and numbers bit for bit where a program can follow
them, refused naming the line where it cannot (each was silently wrong, or falsely refused,
before)."""

import warnings

import pytest

from tests.program.against_engine import same
from tests.program.attacker_weight import W
from tinygrad_edu import Value
from tinygrad_edu.program import compile
from tinygrad_edu.program.capture import ProgramWarning

np = pytest.importorskip("numpy")

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
                                               r"test_tested_by_identity\.py:\d+"):
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
                              r"test_tested_by_identity\.py"),
                     (copied, r"same_object\(\) tests two things"),
                     (paired, r"first_is_second\(\) tests two things"),
                     (items, r"tests two things by identity .* at "
                             r"test_tested_by_identity\.py:\d+")):
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


# Ints computed from a counter, tested by identity: CPython keeps one object of each int from
# -5 to 256, so the engine's ``t + 1 is WARM`` holds at 3 (an attacker's, after issue 64's
# identity work: the program took the other branch, or wrote another state for good, with
# no warning, on every Python, as Python and as C).
WARM = CAP = 3
EVERY = 2
t = 0
counter = [0]
last = [None]


def warm():
    global t
    t += 1
    return W * 2.0 if t is WARM else W * t


def clipped():
    global t
    t += 1
    m = max(t, CAP)
    return W * (1.0 if m is CAP else 0.5 * m)


def every_second():
    global t
    t += 1
    s = W * 2.0
    if last[0] is None:
        last[0] = t
    elif t - last[0] is EVERY:
        s = s * 3.0
        last[0] = t
    return s


def from_outside():
    k = counter[0] + 1
    return W * 2.0 if k is WARM else W + W * k


@pytest.mark.parametrize("native", [False, True], ids=["python", "native"])
@pytest.mark.parametrize("f", [warm, clipped, every_second, from_outside],
                         ids=lambda f: f.__name__)
def test_an_int_computed_from_a_counter_tested_by_identity_is_the_engines(f, native):
    global t
    t, counter[0], last[0] = 0, 0, None
    step = compile(f, native=native)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProgramWarning)
        for call in range(7):
            counter[0] = call
            state = (t, last[0])
            W.grad = 0.0
            ours = step()
            ours.backward()
            got = (ours.data, W.grad, t, last[0])
            t, last[0] = state  # (the engine's call from the same state)
            W.grad = 0.0
            theirs = f()
            theirs.backward()
            assert got == (theirs.data, W.grad, t, last[0]), (f.__name__, call)


def test_values_tested_by_identity_where_a_number_is_given_are_refused_in_words_of_both():
    """``best is vs[0]`` of two Values, in a function given a followed number, is refused
    (a capture cannot tell what an ``is`` tests), and the refusal spoke of numbers only,
    "compare numbers with ==", where the code compared Values (an attacker's a64, L1): it
    says both now, and what to do for Values."""
    b = Value(-0.2)

    def best_of(x):
        vs = [W * x, b * x]
        best = vs[0] if vs[0].data > vs[1].data else vs[1]
        return best * (1.0 if best is vs[0] else 2.0)

    with pytest.raises(RuntimeError, match=r"tests two things by identity .*compare numbers "
                                           r"with ==, and where it asks which of some Values "
                                           r".*keep its index or a flag instead"):
        compile(best_of)(0.6)
