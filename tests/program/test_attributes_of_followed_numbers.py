"""What a followed number (a Value's ``.data``, a float given, a count of comparisons) is
asked by name while a capture runs: ``hasattr``, ``getattr``, ``x.__doc__``, an attribute
set. Before, it answered with the names of the capture's stand-in: ``hasattr(w.data,
"value")`` (and ``"source"``, ``"shown"``, ``"_plain"``, ``"__index__"`` of a float...) was
True while capturing and False in the engine, so ``x.value if hasattr(x, "value") else x``
took the other branch at every call, silently: 6.0 where the engine gives 2.0. Now it answers
as its number does, at the first call and at the next ones, with new numbers."""

import copy

import pytest

from tests.program.against_engine import same
from tests.program.parameters import W
from tinygrad_edu.program import compile

NAMES = ("value", "source", "shown", "_plain", "_item", "_compare", "__index__", "__int__",
         "__and__", "__rand__", "__or__", "__ror__", "__xor__", "__rxor__", "__lshift__",
         "__rlshift__", "__rshift__", "__rrshift__", "__invert__", "__complex__", "__copy__",
         "__deepcopy__", "__getattr__", "__module__", "__array_ufunc__", "__slots__",
         "is_integer", "real", "hex", "bit_length", "numerator")
"""The names the capture's stand-in had (its slots, its helpers, the dunders a float lacks)
and a few its number has or lacks (a float's ``hex``, an int's ``bit_length``)."""


def a_float_read(x):
    return W.data  # (a Value's number)


def a_float_given(x):
    return x  # (a float argument)


def a_count(x):
    return (W.data > 1.0) + (x > 0.0)  # (an int, computed from comparisons)


def a_comparison(x):
    return W.data > x  # (a bool)


@pytest.mark.parametrize("number", [a_float_read, a_float_given, a_count, a_comparison],
                         ids=lambda f: f.__name__)
@pytest.mark.parametrize("name", NAMES)
def test_hasattr_and_getattr_of_a_followed_number_are_its_numbers(number, name):
    def f(x):
        n = number(x)
        a = 3.0 if hasattr(n, name) else 1.0
        b = 5.0 if getattr(n, name, None) is None else 1.0
        return W * x * a * b

    w = W.data
    try:  # (what a name answers is the capture's, the same for both programs: native for two)
        for native in (True, False) if name in ("value", "__index__") else (False,):
            step = compile(f, native=native)
            for data, x in ((0.5, 2.0), (2.5, -3.0), (1.5, 4.0)):  # (new numbers each call)
                W.data = data
                same(step, f, [W], x)
    finally:
        W.data = w


@pytest.mark.parametrize("native", [True, False], ids=["native", "python"])
def test_a_name_no_number_has_keeps_the_number_followed(native):
    """``x.value if hasattr(x, "value") else x``: one capture for every number (the answer is
    its type's, not a constant guarded to the bit)."""
    def f(x):
        n = W.data
        v = n.value if hasattr(n, "value") else n
        s = getattr(x, "source", None)
        return W * (v + x) * (2.0 if s is None else 1.0)

    step = compile(f, native=native)
    for x in (0.5, 1.5, -2.0):
        same(step, f, [W], x)
        assert f(x).data == W.data * (W.data + x) * 2.0
    assert step.captures == 1


def test_a_followed_numbers_doc_and_an_attribute_set_on_it_are_its_numbers():
    """``x.__doc__`` was the stand-in's docstring (1,367 characters where a float's has 41),
    and ``x.lr = 0.1`` raised "'Traced' object has no attribute 'lr'" where the engine's float
    says "'float' object ..."."""
    def f(x):
        n = W.data
        try:
            n.lr = 0.1
            said = "set"
        except AttributeError as err:
            said = str(err)
        return W * x * float(len(n.__doc__ or "")) + float(len(said))

    step = compile(f)
    for x in (0.5, 1.5):
        same(step, f, [W], x)


def test_a_followed_number_is_its_own_deep_copy_still():
    """``hasattr(x, "__deepcopy__")`` is False, as of a float, and ``copy.deepcopy(x)`` still
    gives the number followed: one capture for every number."""
    def f(x):
        return W * copy.deepcopy([x])[0] * (2.0 if hasattr(x, "__deepcopy__") else 1.0)

    step = compile(f)
    for x in (0.5, 1.5, -2.0):
        same(step, f, [W], x)
    assert step.captures == 1


def test_an_attribute_of_pythons_float_a_capture_does_not_follow_is_refused_when_asked():
    """``hasattr(w.data, "__getnewargs__")``: True in the engine; the capture's number does
    not follow it, and asked by ``hasattr`` its AttributeError was swallowed: False, the other
    branch taken at every call (2.0 where the engine gives 6.0), silently. Now refused,
    naming the line."""
    def f(x):
        return W * x * (3.0 if hasattr(W.data, "__getnewargs__") else 1.0)

    assert f(2.0).data == W.data * 6.0
    with pytest.raises(RuntimeError, match=r"it reads '__getnewargs__' of a number read from a "
                                           r"Value .* at test_attributes_of_followed_numbers"
                                           r"\.py:\d+: return W \* x \* \(3\.0 if hasattr"):
        compile(f)(2.0)


@pytest.mark.parametrize("native", [True, False], ids=["native", "python"])
@pytest.mark.parametrize("how", ["hasattr", "getattr", "try", "library"])
def test_a_followed_number_has_no_array_of_its_own_as_a_float(how, native):
    """``hasattr(w.data, "__array__")`` was True while capturing (NumPy asks ``__array__`` of
    the object itself) and False in the engine: ``w * (3.0 if hasattr(w.data, "__array__") else
    1.0)`` gave 6.0 where the engine gives 2.0, and a library that dispatches on it took the
    array's way. Now its number's answer, at every call (numpy_asks.py)."""
    def to_list(x):  # (a library's dispatch)
        return [1.0, 2.0, 3.0] if hasattr(x, "__array__") else [x]

    def f(x):
        n = W.data
        if how == "hasattr":
            k = 3.0 if hasattr(n, "__array__") else 1.0
        elif how == "getattr":
            k = 1.0 if getattr(x * n, "__array__", None) is None else 3.0
        elif how == "try":
            try:
                n.__array__  # noqa: B018  (the read itself: AttributeError or not)
                k = 3.0
            except AttributeError:
                k = 1.0
        else:
            k = float(len(to_list(n)))
        return W * x * k

    def k_is_one(data, x):
        assert f(x).data == data * x  # (a float has no __array__)

    assert _same_at_each_number(f, native, k_is_one).captures == 1


@pytest.mark.parametrize("native", [True, False], ids=["native", "python"])
def test_numpy_still_takes_a_followed_number_as_an_array(native):
    """What NumPy asks of a followed number, it still gets: ``np.asarray``, an array of
    followed numbers, ``np.std`` of them, a ufunc; the engine's numbers at every call."""
    np = pytest.importorskip("numpy")

    def f(x):
        n = W.data * x
        a = np.asarray(n)
        s = np.std([n, x, W.data])
        m = np.array([n, 2.0 * n]) * 0.5
        return W * float(a) + W * float(s) + W * float(m[1]) + W * float(np.tanh(n))

    _same_at_each_number(f, native)


def test_code_that_asks_as_numpy_asks_is_refused_naming_the_line():
    """The three names NumPy asks, in its order, at one instruction: the capture cannot tell
    the code from NumPy by its asks; its ``__array__`` is not called, as NumPy calls it, and
    the capture refuses, naming the line (it would see ``__array__`` where a float has none)."""
    names = ("__array_struct__", "__array_interface__", "__array__")

    def f(x):
        found = [n for n in names if hasattr(W.data, n)]
        return W * x * float(1 + len(found))

    assert f(2.0).data == W.data * 2.0
    with pytest.raises(RuntimeError, match=r"it asks '__array__' of a number read from a Value"
                                           r".* at test_attributes_of_followed_numbers\.py:\d+: "
                                           r"found = \[n for n in names"):
        compile(f)(2.0)


def _same_at_each_number(f, native, check=None):
    """``f`` compiled, then called with W's number changed between calls: the engine's
    numbers at each (``check(data, x)`` after each too); W's number put back."""
    w = W.data
    try:
        step = compile(f, native=native)
        for data, x in ((2.0, 1.0), (0.5, 2.0), (-1.5, 3.0)):
            W.data = data
            same(step, f, [W], x)
            if check is not None:
                check(data, x)
        return step
    finally:
        W.data = w
