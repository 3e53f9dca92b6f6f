"""Iterators that are not a global name or a closure cell: given as an argument (a generator,
a list iterator, ``itertools.count``/``map``, ``enumerate(zip(...))``, ``csv.reader``, a loader
object holding a generator), or held an attribute, a default or an item deeper (a trainer's
``self.step = itertools.count(1)``). Each gave the first call's number forever, and never
advanced the caller's iterator (issue 64); each is refused now,
naming the line and saying what to do. One reached and not advanced is no read."""

import csv
import io
import itertools

import pytest

from tinygrad_edu import Value
from tinygrad_edu.program import compile

W = Value(1.5)


def counting():
    k = 0.0
    while True:
        k += 1.0
        yield k


class Loader:
    def __init__(self, source):
        self.gen = source

    def batch(self):
        return next(self.gen)


class Trainer:
    def __init__(self):
        self.batches = counting()
        self.cycle = itertools.cycle([1.0, 2.0, 3.0])
        self.step = itertools.count(1)
        self.rows = csv.DictReader(io.StringIO("x\n1\n2\n3\n4\n"))
        self.lr = 0.5


T = Trainer()
BOX = {"it": counting()}


GIVEN = {
    "a generator": (counting, next),
    "a list iterator": (lambda: iter([1.0, 2.0, 3.0, 4.0]), next),
    "itertools.count": (lambda: itertools.count(1.0), next),
    "map": (lambda: map(float, [1, 2, 3, 4]), next),
    "enumerate(zip(...))": (lambda: enumerate(zip([1.0, 2.0, 3.0, 4.0], [3.0] * 4)),
                            lambda it: (lambda k, ab: ab[0] * ab[1] + k)(*next(it))),
    "csv.reader": (lambda: csv.reader(io.StringIO("1\n2\n3\n4\n")),
                   lambda it: float(next(it)[0])),
    "a loader holding a generator": (lambda: Loader(counting()), lambda it: it.batch()),
}


@pytest.mark.parametrize("name", list(GIVEN))
def test_an_iterator_given_as_an_argument_and_advanced_is_refused(name):
    make, read = GIVEN[name]

    def f(it):
        return W * read(it)

    step = compile(f)
    with pytest.raises(RuntimeError, match=r"argument 0.*an iterator \(\w+\).*pass them in as "
                                           r"arguments, at test_iterators_held\.py:\d+: +step"):
        step(make())


def f_attribute(x):
    return W * x * next(T.batches)


def f_cycle(x):
    return W * x * next(T.cycle)


def f_step_count(x):
    return W * x * (1.0 / next(T.step))


def f_rows(x):
    return W * x * float(next(T.rows)["x"])


def f_default(x, it=counting()):  # noqa: B008 (the learner's loader, made once)
    return W * x * next(it)


def f_item(x):
    return W * x * next(BOX["it"])


@pytest.mark.parametrize("f, said", [
    (f_attribute, r"T\.batches"), (f_cycle, r"T\.cycle"), (f_step_count, r"T\.step"),
    (f_rows, r"T\.rows"), (f_default, r"f_default.*it"), (f_item, r"BOX.*it")])
def test_an_iterator_held_deeper_and_advanced_is_refused(f, said):
    with pytest.raises(RuntimeError, match=said + r".*, an iterator .*at test_iterators_held"
                                                  r"\.py:\d+"):
        compile(f)(Value(2.0))


def test_an_iterator_reached_and_not_advanced_is_no_read():
    """A trainer holding its loader's generator, the function reading only its rate."""
    def f(x):
        return W * x * T.lr

    step = compile(f)
    assert [step(Value(2.0)).data for _ in range(2)] == [1.5, 1.5] and step.captures == 1
    given = iter([1.0, 2.0])
    g = compile(lambda it, x: W * x)
    assert g(given, Value(2.0)).data == 3.0 and next(given) == 1.0


class Warmup:
    """An iterator class of the learner's (a warm-up schedule): its state is its attributes."""

    def __init__(self):
        self.t = 0

    def __iter__(self):
        return self

    def __next__(self):
        self.t += 1
        return min(1.0, self.t / 4)


SCHED = Warmup()


class Trainer:
    def __init__(self):
        self.sched = Warmup()


TRAINER = Trainer()


@pytest.mark.filterwarnings("ignore:<lambda>. captured again")
@pytest.mark.parametrize("f", [lambda x: W * x * next(SCHED),
                               lambda x: W * x * next(TRAINER.sched),
                               lambda x, s=Warmup(): W * x * next(s)],  # noqa: B008
                         ids=["a global", "an attribute", "a default"])
def test_an_iterator_class_of_the_learners_is_followed(f):
    """Refused as "an iterator (Warmup)" before, while the
    same class with a ``.next()`` method was followed: its ``__next__`` is the learner's code,
    what it writes (``self.t``) written again by the program at every call."""
    def start():
        for schedule in (SCHED, TRAINER.sched, *(f.__defaults__ or ())):
            schedule.t = 0

    start()
    engine = [f(Value(2.0)).data for _ in range(5)]
    start()
    step = compile(f)
    assert [step(Value(2.0)).data for _ in range(5)] == engine
    assert engine[0] != engine[1]


def test_a_mock_config_is_no_iterator():  # (before, refused as one)
    from unittest import mock

    cfg = mock.MagicMock()

    def f(x):
        return W * x * cfg.lr

    step = compile(f)
    for lr in (0.1, 0.2, 0.3):
        cfg.lr = lr
        assert step(Value(2.0)).data == f(Value(2.0)).data
