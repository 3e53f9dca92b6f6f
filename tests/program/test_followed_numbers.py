"""Plain numbers a capture follows (read from a Value's ``.data``), each way the differential
fuzzer found a program wrong (its causes 1 to 13: a Value given twice, a node given, a caught
engine error, ``isinstance``, ``str`` of a comparison, formatting and parsing back, a power
that turns complex, errors of code the program drops, ``sum`` as this Python sums,
``to_torch``, NumPy floats, ``no_grad``, a backward later), ``statistics`` and ``math.fsum``;
and what was loud before and is right now (a lambda, every operator, a node made by hand,
``repr``, an operator that raised and was caught)."""

import marshal
import math
import statistics
import sys
import warnings
from statistics import mean as average

import pytest

from tests.program.against_engine import same
from tests.program.parameters import W
from tinygrad_edu import Value, no_grad
from tinygrad_edu.program import compile
from tinygrad_edu.program.capture import ProgramWarning

np = pytest.importorskip("numpy")

# ------------------------------------------------------------------- the fuzzer's causes
def test_cause_1_the_same_value_given_twice_or_also_read_from_outside():
    def f(a, b):
        return a * b + W * a

    step = compile(f)
    x, y = Value(2.0), Value(3.0)
    same(step, f, [x, y, W], x, y)
    same(step, f, [x, W], x, x)  # (one Value for both)
    same(step, f, [x, W], W, x)  # (the global as an argument)
    z = Value(-1.0)
    same(step, f, [x, z, W], x, z)


def test_cause_2_a_node_given_runs_as_the_engine():
    def f(a):
        return a * W

    step = compile(f)
    u, v = Value(2.0), Value(3.0)
    same(step, f, [u, W], u)
    same(step, f, [u, v, W], u * v)  # (its leaves get their gradients)
    assert step.engine_calls == 1


def test_cause_3_a_caught_engine_error_must_raise_again():
    x = Value(-1.0)

    def f():
        try:
            y = x.log()
        except ValueError:
            y = x * 2.0
        return y

    step = compile(f)
    for number in (-1.0, -2.0, 3.0, -4.0):
        x.data = number
        same(step, f, [x])


@pytest.mark.parametrize("native", [True, False])
def test_cause_3_the_caught_error_of_another_type_or_text_is_the_engines(native):
    """Before, (-2.0) ** -1.5 took the except ZeroDivisionError of 0.0 ** -1.5 (2.0,
    engine 6.0); str(e) kept the captured number ('sqrt: got -2.0', engine 'got -8.0')."""
    def f(x):
        try:
            return x ** -1.5, ""
        except ZeroDivisionError:
            return W * 1.0, ""
        except ValueError as e:
            return W * 3.0, str(e)

    step = compile(f, native=native)
    for number in (0.0, -2.0, -4.0, 0.0, -2.0):
        x = Value(number)
        assert same(step, f, [x, W], x)[1] == f(x)[1]


def test_cause_4_isinstance_and_type_of_a_followed_number():
    def f():
        d = W.data
        a = 2.0 if isinstance(d, float) else 3.0
        b = 5.0 if type(d) is float else 7.0
        return W * a * b

    step = compile(f)
    same(step, f, [W])
    assert step().data == 20.0


@pytest.mark.parametrize("native", [False, True])
def test_a_followed_number_has_no_slots_as_a_float_has_none(native):
    """``hasattr(x, "__slots__")`` of a float argument, or of a Value's ``.data``: False, as
    in the engine (before: True of the number the capture follows, and the program took the
    other branch at every call, 2.0 where the engine gives 1.0, with no warning: a64s)."""
    def f(x):
        a = 2.0 if hasattr(x, "__slots__") else 1.0
        b = 3.0 if hasattr(W.data, "__slots__") else 1.0
        return W * x * a * b

    step = compile(f, native=native)
    same(step, f, [W], 2.0)
    assert step(2.0).data == f(2.0).data == W.data * 2.0


def test_cause_5_str_of_a_comparison_is_true_or_false():
    def f():
        return W * (1.0 if str(W.data > 0) == "True" else 2.0)

    step = compile(f)
    for number in (2.0, -1.0, 3.0):
        W.data = number
        same(step, f, [W])
    W.data = 2.0


def test_cause_6_formatting_a_value_and_parsing_it_back():
    def f():
        return W * float(f"{W:.3g}")

    step = compile(f)
    for number in (2.0, 2.5, 3.25):
        W.data = number
        same(step, f, [W])
    W.data = 2.0


def test_cause_7_a_power_that_turns_complex_is_the_engines():
    x = Value(2.0)

    def f():
        p = x.data ** 0.5
        return x * (p.real if isinstance(p, complex) else p)

    step = compile(f)
    for number in (2.0, 4.0, -4.0, 9.0):
        x.data = number
        same(step, f, [x])


def test_cause_8_errors_in_code_the_program_drops():
    x = Value(2.0)

    def f():
        _ = x.log()  # (unused)
        _ = 1.0 / x.data
        return x * (x ** Value(0.5))  # (a Value made inside as the exponent: its rule runs)

    step = compile(f)
    for number in (2.0, -1.0, 0.0, 3.0):
        x.data = number
        try:
            ours = step().data
        except (ValueError, ArithmeticError) as error:
            with pytest.raises(type(error)):
                f()
        else:
            assert ours == f().data


def test_statistics_and_fsum_of_followed_numbers_are_steps():
    a, b = Value(1.0), Value(2.0)

    def f():
        xs = [a.data, b.data, 0.1]
        return (a * statistics.mean(xs) + b * statistics.fmean(xs) + a * math.fsum(xs) +
                b * statistics.median(xs) + a * statistics.pstdev(xs) + b * average(
                    v.data for v in (a, b)))  # (imported by name: followed too)

    step = compile(f)
    for x in (1.0, 1.5, -2.0, 0.1, 1e16):
        a.data = x
        same(step, f, [a, b])
    assert step.captures == 1
    a.data = 1.0

    def make():
        from statistics import pstdev  # (held by the function's closure cell)

        def h():
            return a * pstdev([a.data, b.data])

        return h

    h = make()
    step = compile(h)
    for x in (1.0, 2.5, -0.5):
        a.data = x
        same(step, h, [a, b])
    assert step.captures == 1
    a.data = 1.0

    def g():
        return a * math.fsum([a.data, b.data, 1e16, -1e16])

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (native: fsum is spelled in C)
        summed = compile(g)
        for x in (1.0, 0.5, 1e-17):
            a.data = x
            same(summed, g, [a, b])
    assert summed.captures == 1 and "fsum(" in summed.source()
    a.data = 1.0


def test_cause_9_sum_of_floats_as_this_python_sums():
    x = Value(1.0)

    def f():
        return x * sum([x.data * 1e16, 1.0, -x.data * 1e16])

    step = compile(f)
    for number in (1.0, 2.0):
        x.data = number
        assert step().data == f().data  # (3.12 on: 1.0; before: 0.0)
    assert f().data == (1.0 * x.data if sys.version_info >= (3, 12) else 0.0)


@pytest.mark.parametrize("native", [True, False])
@pytest.mark.parametrize("start", [0.0, 0.5, -0.0, 1, True, "read", "empty"])
def test_a_sum_from_a_start_as_this_python_sums(native, start):
    """``sum(xs, 0.0)``, ``sum(xs, 0.5)``: from 3.12 on Python compensates from the start on
    (the capture added one by one: the engine 3.0 and 1.5, the program 0.0 and 0.0, from
    the first call); from an int, a bool, a number read, over nothing: Python's numbers."""
    P = [Value(1e16), Value(1.0), Value(-1e16)]
    w = Value(2.0)

    def f(x):
        zs = [p * x for p in P]
        begin = zs[1].data * 0.5 if start in ("read", "empty") else start
        return w * sum((z.data for z in zs if start != "empty"), begin)

    step = compile(f, native=native)
    with warnings.catch_warnings():
        if type(start) is float or start in ("read", "empty"):
            warnings.simplefilter("error")  # (natively: no "runs as Python")
        for number in (1.0, 3.0, -2.0, 0.5):
            same(step, f, [*P, w], Value(number))
    assert step.captures == 1


def test_cause_10_to_torch_passes_no_gradient_through_data():
    torch = pytest.importorskip("torch")
    from tinygrad_edu.program.torch import to_torch

    a = Value(1.5)

    def f():
        return (a - a.data).exp() + (a * a.item()) + a.detach() * a

    step = compile(f)
    step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        in_torch = to_torch(step.program())
        leaves = in_torch.leaves()
        out = in_torch(*leaves)
        grad = torch.autograd.grad(out, leaves)[0].item()
    a.grad = 0.0
    f().backward()
    assert abs(grad - a.grad) <= 1e-12 * abs(a.grad)


def test_cause_11_numpy_floats_keep_numpys_numbers():
    def f(k):
        return W * (k / 0.0 if k > 5 else k)  # (NumPy: inf, with a warning; Python: an error)

    step = compile(f)
    with np.errstate(divide="ignore"):
        for k in (1.0, 7.0, 2.0):
            same(step, f, [W], np.float64(k))


def test_a_numpy_float_given_to_an_op_under_no_grad_is_a_float_as_in_the_engine():
    def f():
        with no_grad():
            half = W * np.tanh(0.5)  # (the engine keeps a float in the node: so does a program)
        return W * half

    step = compile(f, native=False)
    for w in (2.0, 3.0, -1.0):
        W.data = w
        same(step, f, [W])
    W.data = 2.0


def test_cause_12_a_value_made_under_no_grad_given():
    def f(a):
        return a

    step = compile(f)
    step(Value(2.0)).backward()
    with no_grad():
        made = W * 2.0
    with pytest.raises(RuntimeError, match="no_grad"):
        step(made).backward()
    with pytest.raises(RuntimeError, match="no_grad"):
        f(made).backward()


def test_cause_13_backward_later_uses_the_numbers_of_its_own_call():
    x = Value(3.0)

    def f():
        return x * x

    step = compile(f)
    step()
    x.grad = 1.0
    ours = step()
    x.data = 10.0  # (between the call and its backward)
    ours.backward()
    got = x.grad
    x.data, x.grad = 3.0, 1.0
    theirs = f()
    x.data = 10.0
    theirs.backward()
    assert got == x.grad == 7.0


# ------------------------------------------------------------------- loud, now right
@pytest.mark.parametrize("native", [True, False])
def test_compile_a_lambda(native):
    step = compile(lambda x: (x * W).tanh(), native=native)
    x = Value(0.5)
    same(step, lambda x: (x * W).tanh(), [x, W], x)
    assert "def _lambda_(" in step.source()


def test_followed_numbers_have_every_operator():
    def f():
        d = W.data
        q, r = divmod(d * 3.5, 1.25)
        return W * (d // 0.75) + W * (d % 0.75) + W * q + W * r + \
            W * (2.0 if (d * 2).is_integer() else 3.0)

    step = compile(f)
    for number in (2.0, 2.3, -1.7, 5.0):
        W.data = number
        same(step, f, [W])
    W.data = 2.0
    assert step.captures <= 2


def test_a_hand_made_node_of_followed_numbers_is_one_program():
    import math

    def f(x):
        t = math.tanh(x.data)
        return Value(t, (x,), (1 - t**2,)) * W  # (microgpt's way: data and derivative read)

    step = compile(f)
    for number in (0.1, -0.7, 2.5, 0.0):
        x = Value(number)
        same(step, f, [x, W], x)
    assert step.captures == 1


@pytest.mark.parametrize("native", [True, False])
def test_the_number_alone_of_a_node_made_outside(native):
    """Before, the Python program raised NameError 'g4' at the second call (natively at
    a NaN); the node's .grad is the engine's: untouched (it is not in the loss's graph). Its
    name is guarded all the same (before, rebound to another node, the old one's
    number was read)."""
    h = W * 3.0  # (made outside; its number alone is read)
    h.grad = 5.0

    def f(x):
        return W * (h.data * x) + W * max(h.item(), x)

    step = compile(f, native=native)
    for number in (0.5, 0.7, float("nan"), 0.7):
        same(step, f, [W], number)
    assert h.grad == 5.0 and step.captures == 1
    h = W * 7.0  # (a "previous loss" kept: another node under the same name)
    with pytest.warns(ProgramWarning, match=r"because h \(a closure cell\) is not what it was"):
        same(step, f, [W], 0.5)
    assert step.captures == 2


def test_repr_a_hand_made_node_and_numpy_inside():
    import math

    x = Value(0.3)

    def f():
        shown = repr(x)  # (not refused)
        node = Value(math.exp(x.data), (x,), (math.exp(x.data),))  # (microgpt's way)
        return node * float(np.tanh(x.data)) + len(shown) * 0.0  # (the text read: fixed)

    step = compile(f)
    for number in (0.3, 0.7, -0.2, 0.7):
        x.data = number
        same(step, f, [x])
    assert step.captures == 3


def test_an_operator_that_raised_and_was_caught_raises_again_in_the_program():
    """``try: 1.0 / z.data except ZeroDivisionError`` captured at z = 0, then run where it
    does not raise: the program checks that ``/`` raises again (before, writing that check
    for an operator ended in a bare StopIteration at the third call, found by an
    independent attacker)."""
    w = Value(0.5)

    def safe_inverse(x):
        z = w * x
        try:
            inverse = 1.0 / z.data
        except ZeroDivisionError:
            inverse = 0.0
        return z * inverse + w

    step = compile(safe_inverse)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for x in (2.0, 0.0, 4.0, 0.0, 3.0):
            same(step, safe_inverse, [w], Value(x))


def test_marshal_of_a_followed_number_is_refused_and_a_builtins_reduction_is_the_engines():
    """``marshal.dumps`` given a number read from a Value: refused, saying why (its bytes hang
    on how many references Python holds to each object: ``marshal.dumps((w.data,))[0]`` was
    0xa9 in the program where the engine gives 0x29; before that, "ValueError:
    unmarshallable object"); of numbers of its own, the engine's. ``sum.__reduce__()``:
    "sum" (before: "cannot pickle", the capture's stand-in for ``sum`` reduced as an
    object). a64s."""
    def marshalled(x):
        return W * x * float(marshal.dumps((W.data,))[0])

    def own_numbers(x):
        return W * x * float(len(marshal.dumps((1.5, "lr"))))

    def reduced(x):
        return W * x * (2.0 if sum.__reduce__() == "sum" else 1.0)

    with pytest.raises(RuntimeError, match=r"it gives a number read from a Value to "
                                           r"marshal\.dumps\(\), whose bytes hang on how many "
                                           r"references Python holds"):
        compile(marshalled)(1.0)
    for f in (own_numbers, reduced):
        step = compile(f, native=False)
        for x in (0.3, 1.7):
            same(step, f, [W], x)


def test_a_followed_numbers_size_and_reduction_are_its_numbers():
    """``x.__sizeof__()`` and ``x.__reduce_ex__(2)`` of a float given: the float's (24, and
    ``copyreg.__newobj__``'s arguments), not the capture's stand-in's (32, and a reduction
    holding the capture's number), which the program kept at every call before, silently
    (an attacker's, a64j S5)."""
    def sized(x):
        return W * float(x.__sizeof__()) + 1.0

    def reduced(x):
        args = x.__reduce_ex__(2)[1]
        return W * (args[0] if args and isinstance(args[0], float) else 0.0) + 1.0

    for f in (sized, reduced):
        step = compile(f, native=False)
        for x in (0.3, 1.7, -2.9):
            same(step, f, [W], x)


def test_a_leafs_gradient_of_false_is_added_to_and_a_float32_one_is_refused_in_its_words():
    """``p.grad = False`` before a call: the engine adds to it (False + g is g), and so does
    the program; ``p.grad = np.float32(0)``: the engine adds in float32, which a program
    does not, refused saying so (before: both refused, "a graph, from create_graph=True?";
    an attacker's, a64k L3)."""
    def f(x):
        return W * x

    step = compile(f, native=False)
    step(0.5).backward()
    W.grad = False
    step(0.5).backward()
    assert W.grad == 0.5
    W.grad = np.float32(0.0)
    with pytest.raises(TypeError, match=r"has the gradient np.float32\(0.0\) \(float32\), "
                       "which the engine adds to as float32 arithmetic does"):
        step(0.5).backward()
    W.grad = 0.0


def test_a_dict_keyed_by_a_number_read_is_refused_as_an_answer():
    """``return loss, {loss.data: "best"}``: a program would give back the capture's keys (its
    stand-ins for the numbers: ``type(k) is float`` false, ``json.dumps`` refusing them;
    an attacker's, a64k L2): refused, saying to return the number as a value."""
    with pytest.raises(TypeError, match=r"not a dict keyed by a number it reads \(answer\[1\]\)"):
        compile(lambda x: (W * x, {(W * x).data: "best"}), native=False)(0.5)


def test_a_named_tuples_default_changed_is_captured_again():
    """``HP().lr`` of a named tuple whose default is changed between calls through
    ``HP.__new__.__defaults__`` (where Python keeps a named tuple's defaults): before, the
    capture's 0.5 at every call (1.5 where the engine gave 4.5), silently (an attacker's,
    a64k S8); now captured again, said once."""
    import collections

    held = {"HP": collections.namedtuple("HP", "lr", defaults=[0.5])}
    hp = held["HP"]

    def f(x):
        return W * x * hp().lr

    step = compile(f, native=False)
    try:
        for lr in (0.5, 1.5, 2.5):
            hp.__new__.__defaults__ = (lr,)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                same(step, f, [W], 1.5)
    finally:
        hp.__new__.__defaults__ = (0.5,)
