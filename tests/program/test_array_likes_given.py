"""An argument that looks like an array but is no NumPy array (a pandas ``Series``, a torch
tensor, a subclass of ``np.ndarray`` with an attribute of its own, a class of the learner's
with ``shape`` and ``tolist()``), and a tuple of a class of its own, is an object given: a
program by its identity, what it holds guarded. Before, such an array-like was keyed by its
numbers alone and a tuple subclass rebuilt from its items alone, so what else it held took no
part, silently: a Series' index (``for x, y in s.items()``: the first index's numbers at every
call), a tensor's ``.grad``, an ``ndarray`` subclass's ``.scale``, a ``.weight`` set on a
namedtuple's object (the class's default read instead, from the first call). A
``__getattr__`` that answers every name (``shape`` and ``tolist`` among them) made a config
given fail with "'float' object is not callable", and ``class Point(tuple)`` with "tuple
expected at most 1 argument". Earlier still, the floats of an array-like were counted among
the inputs (``w * x + float(t.sum())`` of ``torch.tensor([1.0]), 2.0``: engine 2.0,
compiled 1.5)."""

import collections
import warnings

import pytest

from tests.program.against_engine import bits, same
from tinygrad_edu import Value
from tinygrad_edu.program import compile
from tinygrad_edu.program.capture import ProgramWarning

W = Value(0.5)


class Column:
    """An array-like of the learner's: a shape, its numbers as a list, and a weight."""

    def __init__(self, *numbers, weight=1.0):
        self.numbers, self.shape, self.weight = list(numbers), (len(numbers),), weight

    def tolist(self):
        return list(self.numbers)

    def sum(self):
        return sum(self.numbers)


def f(t, x):
    return W * x * t.weight + float(t.sum())


@pytest.mark.parametrize("native", [True, False])
def test_an_array_like_of_the_learners_is_an_object_given_and_guarded(native):
    step = compile(f, native=native)
    t = Column(1.0)
    calls = [(t, 2.0), (t, 3.0), (Column(1.0, weight=2.0), 2.0), (Column(1.0, weight=3.0), 2.0)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProgramWarning)
        for t_, x in calls:
            assert bits(step(t_, x).data) == bits(f(t_, x).data)
        t.weight, t.numbers[0] = 4.0, 5.0  # (the same object, changed in place)
        assert bits(step(t, 2.0).data) == bits(f(t, 2.0).data) == bits(9.0)
    assert step.captures == 4  # (a float given is an input; each other Column its program)


def test_a_pandas_series_given_reads_its_index_and_labels():
    pd = pytest.importorskip("pandas")
    w, b = Value(2.0), Value(0.5)

    def loss(s):
        return sum((w * x + b - y) ** 2 for x, y in s.items())

    def by_label(s):
        return w * s["lr"]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProgramWarning)
        step, labelled = compile(loss), compile(by_label)
        for index in ([0.0, 1.0], [1.0, 2.0], [2.0, 3.0]):
            same(step, loss, [w, b], pd.Series([1.0, 3.0], index=index))
        for labels in (["lr", "wd"], ["wd", "lr"]):
            same(labelled, by_label, [w], pd.Series([0.25, 0.5], index=labels))


def test_an_ndarray_subclass_with_its_own_attribute_and_a_tensors_grad():
    np = pytest.importorskip("numpy")

    class Scaled(np.ndarray):
        pass

    def scaled(a):
        return W * float(a[0]) * a.scale

    step = compile(scaled)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProgramWarning)
        for scale in (1.0, 2.0, 3.0):
            a = np.array([2.0]).view(Scaled)
            a.scale = scale
            same(step, scaled, [W], a)
        matrix = compile(lambda m: W * float(m.sum()))  # (one that holds nothing of its
        for k in range(3):  # own: by its numbers, a program for them)
            assert matrix(np.matrix([[1.0, float(k)]])).data == 0.5 * (1.0 + k)
    assert matrix.captures == 3
    torch = pytest.importorskip("torch")
    t = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)

    def by_grad(t):
        return W * float(t.grad[0])

    grads = compile(by_grad)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProgramWarning)
        for k in (1.0, 2.0, 3.0):
            t.grad = None
            (t * k).sum().backward()  # (outside, between calls: the same tensor)
            same(grads, by_grad, [W], t)


Sample = collections.namedtuple("Sample", "x y")


class Weighted(Sample):
    weight = 1.0


class Point(tuple):
    pass


@pytest.mark.parametrize("native", [True, False])
def test_a_tuple_of_its_own_class_is_given_as_itself(native):
    w, b = Value(2.0), Value(0.5)

    def loss(s):
        return (w * s[0] + b - s[1]) ** 2 * getattr(s, "weight", 1.0)

    step = compile(loss, native=native)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProgramWarning)
        for weight in (2.0, 3.0, 0.5):
            s = Weighted(1.0, 3.0)
            s.weight = weight  # (set on the object: the class says 1.0)
            same(step, loss, [w, b], s)
        same(step, loss, [w, b], Point((1.0, 2.0)))
    plain = compile(loss, native=native)
    for k in range(3):  # (a namedtuple's object: its floats inputs, one program)
        same(plain, loss, [w, b], Sample(float(k), 3.0))
    assert plain.captures == 1


def test_a_config_whose_getattr_answers_every_name_is_an_object_given():
    class Config:
        def __init__(self, **known):
            self.known = known

        def __getattr__(self, name):
            return self.known.get(name, 0.0)

    def f(cfg):
        return W * cfg.lr + cfg.momentum

    step = compile(f)
    cfg = Config(lr=0.4)
    assert bits(step(cfg).data) == bits(f(cfg).data) == bits(0.2)
    cfg.known["lr"] = 2.0
    assert bits(step(cfg).data) == bits(f(cfg).data) == bits(1.0)


def test_an_object_with_a_shape_given_is_guarded_or_refused():
    """Before, an object with a .shape and no tolist() was keyed by its address but
    not kept, its numbers not guarded: Box(x) fresh at each call ran an old Box's program (2.1
    where the engine gives 2.8); a Tensor given changed in place kept its first number (2.1,
    engine 4.9). A Box's attributes are guarded now; a Tensor (its numbers in slots) refused."""
    np = pytest.importorskip("numpy")
    from tinygrad_edu.tensor import Tensor

    class Box:
        shape = (1,)

        def __init__(self, x):
            self.x = x

    v = Value(0.7)
    step = compile(lambda b: v * b.x)
    for k in range(1, 7):
        assert bits(step(Box(float(k))).data) == bits((v * float(k)).data)
    with pytest.raises(TypeError, match=r"argument 0 is a Tensor \(a shape, no tolist\(\).*"
                       r"np\.asarray\(x\)"):
        compile(lambda t: v * float(t.sum().data))(Tensor(np.array([1.0, 2.0])))


HELD = None  # (a Tensor held outside: a global)


def test_a_tensor_held_outside_and_changed_in_place_is_guarded():
    """Before, a Tensor of the package's held outside the function (a global)
    and changed in place between calls gave the first call's number (2.1, engine 4.9): the
    walk did not look into it. Its numbers are guarded now, as a NumPy array's are."""
    global HELD
    np = pytest.importorskip("numpy")
    from tinygrad_edu.tensor import Tensor

    HELD = Tensor(np.array([1.0, 2.0]))

    def g():
        return W * float(HELD.sum().data)

    step = compile(g, native=False)
    first = step().data
    HELD.data[0] = 5.0  # (in place)
    assert (first, step().data) == (1.5, g().data) and step.captures == 2


def test_an_ndarray_subclass_given_changed_in_place_or_its_class_changed():
    """An attacker's S1 and S6 (a64h): ``np.matrix`` (whose object holds ``_getitem``) given
    and changed in place, and a subclass's class attribute changed between calls, gave the
    first call's number: each is keyed by its numbers and what it holds now, and walked as
    an object given (its class's numbers guarded)."""
    np = pytest.importorskip("numpy")
    w = Value(2.0)

    class Quantity(np.ndarray):
        scale = 1.0

    def of_matrix(m):
        return w * float(m[0, 0]) + float(m.sum())

    def of_quantity(q):
        return w * float(q[0]) * q.scale

    m = np.matrix([[1.0, 2.0]])
    q = np.array([1.5]).view(Quantity)
    matrix, quantity = compile(of_matrix), compile(of_quantity)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProgramWarning)
        for k in (1.0, 2.0, 3.0):
            m[0, 0] = k
            Quantity.scale = k
            same(matrix, of_matrix, [w], m)
            same(quantity, of_quantity, [w], q)
    Quantity.scale = 1.0


def test_what_a_torch_tensor_holds_beside_its_numbers_is_guarded():
    """a64h's S2: ``p.lr_mult`` of a ``torch.nn.Parameter`` given, ``t.scale``, a branch on
    a global tensor's ``requires_grad`` and a tensor subclass's class attribute gave the
    first call's number; each is guarded now (captured again, said)."""
    torch = pytest.importorskip("torch")
    w = Value(2.0)

    class Scaled(torch.Tensor):
        scale = 1.0

    p = torch.nn.Parameter(torch.tensor([1.0], dtype=torch.float64))
    s = torch.tensor([1.0], dtype=torch.float64).as_subclass(Scaled)
    global FLAGGED
    FLAGGED = torch.tensor([1.0], dtype=torch.float64)

    def f(p, s):
        return w * p.lr_mult * s.scale + (w if FLAGGED.requires_grad else 0.0)

    step = compile(f)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProgramWarning)
        for k in (1.0, 2.0, 3.0):
            p.lr_mult, Scaled.scale = k, k + 1.0
            FLAGGED.requires_grad_(k == 2.0)
            same(step, f, [w], p, s)


FLAGGED = None
