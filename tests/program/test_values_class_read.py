"""Value's class looked at by the compiled function. While a capture runs it replaces many of
Value's names (``data``, ``__repr__``, ``grad``...) and adds three Value lacks
(``__getattr__``, ``_data_before``, ``_scope``); code that looked at the class saw the
capture's, and the program kept that answer at every call, silently: ``len(vars(type(v)))``
and ``len(dir(v))``, engine 152 and 176, program 158 and 182; ``hasattr(Value,
"__getattr__")``, engine 0.0, program 1.0. Now ``vars``, ``dir`` (and ``inspect.getmembers``)
answer as outside a capture, the three names read from the class are not there, and the
class's ``__dict__`` read whole (``Value.__dict__``, ``type(v).__dict__``,
``v.__class__.__dict__``) is refused, naming the line. Ordinary code is the engine's."""

import inspect
import warnings

import pytest

from tests.program.against_engine import same
from tests.program.parameters import W
from tinygrad_edu import Value, named_scope, scope_of
from tinygrad_edu.program import compile


class Sub(Value):
    """A learner's subclass of Value (it inherits what a capture puts in Value's class)."""


def vars_counted(v):
    return len(vars(type(v)))


def vars_last_name(v):
    return len(list(vars(Value))[-1]) + 10.0 * ("_scope" in vars(Value))


def dir_counted(v):
    return len(dir(v))


def dir_of_the_class(v):
    return len(dir(Value))


def dir_of_a_subclass(v):
    return len(dir(Sub)) + len(dir(Sub(1.0)))


def getattr_named_in_dir(v):
    return 1.0 + ("__getattr__" in dir(v)) + 2.0 * ("_scope" in dir(v))


def members(v):
    return len(inspect.getmembers(Value))


def class_has_getattr(v):
    return 1.0 + hasattr(Value, "__getattr__") + 2.0 * hasattr(Sub, "__getattr__")


def class_getattr_by_getattr(v):
    return 1.0 + (getattr(Value, "__getattr__", None) is None)


def class_has_scope(v):
    return 1.0 + hasattr(type(v), "_scope") + 2.0 * (getattr(Value, "_scope", None) is None)


def class_has_data_before(v):
    return 1.0 + (getattr(Value, "_data_before", None) is None) + 2.0 * hasattr(
        Sub, "_data_before")


ANSWERED = [vars_counted, vars_last_name, dir_counted, dir_of_the_class, dir_of_a_subclass,
            getattr_named_in_dir, members, class_has_getattr, class_getattr_by_getattr,
            class_has_scope, class_has_data_before]


def _calls(read):
    def f(x):
        v = W * x
        return v * read(v) + W

    return f


@pytest.mark.parametrize("native", [True, False], ids=["native", "python"])
@pytest.mark.parametrize("read", ANSWERED, ids=lambda f: f.__name__)
def test_values_class_looked_at_is_the_engines(read, native):
    """Each route gives the engine's number from the program, at every call, with new
    numbers (before: the capture's class, counted or asked, at every call)."""
    f = _calls(read)
    before = dict(vars(Value))
    w = W.data
    try:
        step = compile(f, native=native)
        for data, x in ((0.5, 2.0), (2.5, -3.0), (1.5, 4.0)):
            W.data = data
            same(step, f, [W], x)
    finally:
        W.data = w
    assert dict(vars(Value)) == before  # (put back)
    assert not hasattr(Value, "__getattr__")


def dict_of_type(v):
    return len(type(v).__dict__)


def dict_of_the_class(v):
    return len(Value.__dict__)


def dict_of_class_attribute(v):
    return len(v.__class__.__dict__)


def dict_by_name(v):
    return len(getattr(Value, "__dict__"))  # noqa: B009 (by name, as a learner may)


def dict_asked_an_added_name(v):
    return 1.0 + ("_scope" in type(v).__dict__)


def instance_has_getattr(v):
    return 1.0 + hasattr(v, "__getattr__")


def dict_of_a_class_held(v):
    kind = v.__class__
    return len(kind.__dict__)


def added_name_by_getattr_static(v):
    return 1.0 + (inspect.getattr_static(Value, "_scope", None) is None)


AT = r".*, at test_values_class_read\.py:{line}: "
REFUSED = {dict_of_type: r"it reads type\(\.\.\.\)\.__dict__ of a Value, Value's own names" + AT,
           dict_of_the_class: r"it reads Value\.__dict__ \(line {line} of "
                              r"test_values_class_read\.py\), Value's own names",
           dict_of_class_attribute: r"it reads x\.__class__\.__dict__ \(line {line} of "
                                    r"test_values_class_read\.py\), Value's own names",
           dict_by_name: r"it reads Value's __dict__ by name \(line {line} of "
                         r"test_values_class_read\.py\), Value's own names",
           dict_asked_an_added_name: r"it reads type\(\.\.\.\)\.__dict__ of a Value" + AT,
           instance_has_getattr: r"it reads a Value's __getattr__, which Value has only while "
                                 r"a capture runs" + AT,
           dict_of_a_class_held: r"it reads x\.__class__\.__dict__ \(line {line1} of "
                                 r"test_values_class_read\.py\), Value's own names",
           added_name_by_getattr_static: r"it reads a name a capture adds to Value by "
                                         r"inspect\.getattr_static \(line {line} of "
                                         r"test_values_class_read\.py\), Value's own names"}


@pytest.mark.parametrize("native", [True, False], ids=["native", "python"])
@pytest.mark.parametrize("read", list(REFUSED), ids=lambda f: f.__name__)
def test_values_class_dict_read_whole_is_refused_with_the_line(read, native):
    """What cannot be answered as outside a capture (the class's own ``__dict__``, which the
    capture changes while it runs): refused, naming the learner's line and saying to use
    ``vars(type(v))`` (before: the capture's dict counted, engine 152, program 158)."""
    line = inspect.getsourcelines(read)[1] + 1
    with pytest.raises(RuntimeError, match=REFUSED[read].format(line=line, line1=line + 1)):
        compile(_calls(read), native=native)(1.0)
    assert not hasattr(Value, "__getattr__")


def ordinary(v):
    kind = type(v)
    a = 1.0 + (kind is Value) + 2.0 * isinstance(v, Value) + 4.0 * (kind.__name__ == "Value")
    b = 8.0 * hasattr(v, "label") + 16.0 * hasattr(v, "_scope") + 32.0 * len(scope_of(v))
    c = len(type(v).__dict__["data"].__class__.__name__) + len(dir())
    return a + b + c


def test_ordinary_code_about_a_values_class_is_the_engines():
    """``type(v) is Value``, ``isinstance``, ``type(v).__name__``, ``hasattr(v, "label")``,
    ``scope_of(v)``, one name of the class's dict, ``dir()`` (the caller's names): not
    refused, the engine's numbers, in a named_scope and outside one."""
    f = _calls(ordinary)
    for native in (True, False):
        step = compile(f, native=native)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            same(step, f, [W], 2.0)
            with named_scope("block"):
                same(step, f, [W], 3.0)
            same(step, f, [W], -1.0)


def test_a_name_a_value_lacks_is_still_noted():
    """``hasattr(p, "frozen")`` of a Value of the caller's (Python calls the capture's
    ``__getattr__``): noted, so that setting it between calls is seen (captured again)."""
    p = Value(1.5)

    def f(x):
        return p * x * (3.0 if hasattr(p, "frozen") else 1.0)

    step = compile(f, native=False)
    same(step, f, [p], 2.0)
    p.frozen = True
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            same(step, f, [p], 2.0)
    finally:
        del p.frozen


class Lazy(Value):
    """A learner's subclass with a ``__getattr__`` of its own that falls back on Value's
    (outside a capture Value has none: an AttributeError, as in one)."""

    def __getattr__(self, name):
        if name == "wd":
            return 0.5
        return super().__getattr__(name)


LAZY = Lazy(1.5)


def test_a_subclass_falling_back_on_values_getattr_is_the_engines():
    def f(x):
        return LAZY * x * LAZY.wd * (3.0 if hasattr(LAZY, "frozen") else 1.0)

    for native in (True, False):
        step = compile(f, native=native)
        same(step, f, [LAZY], 2.0)
        same(step, f, [LAZY], -1.0)
