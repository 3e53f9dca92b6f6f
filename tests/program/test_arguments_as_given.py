"""A list or a dict given to a compiled function is, to the function, of the caller's class:
``type(batch) is list``, ``d.__class__ is dict``, ``json.dumps(hp)``, ``pickle.dumps``; it
takes no attribute and no weak reference, as the caller's does not (issue
64). The program gives the engine's numbers bit for bit."""

import json
import pickle
import weakref

import pytest

from tests.program.against_engine import same
from tinygrad_edu import Value
from tinygrad_edu.program import compile

W = Value(1.5)


def test_a_list_or_dict_given_is_of_the_callers_class():
    def mean(batch):  # (a mean over a list, a sum over anything else)
        scale = 1.0 / len(batch) if type(batch) is list else 1.0
        return sum((W * x for x in batch), Value(0.0)) * scale

    def table(d):
        return W * (2.0 if type(d) is dict and d.__class__ is dict else 3.0) * d["lr"]

    assert same(compile(mean), mean, [W], [0.5, 0.25]).data == 0.5625
    assert same(compile(table), table, [W], {"lr": 0.5}).data == 1.5


def test_a_dict_given_is_written_as_json_and_pickled_as_the_callers():
    def logged(hp):
        note = json.dumps(hp)  # (the hyperparameters, logged)
        size = len(pickle.dumps(hp))
        return W * hp["lr"] * (2.0 if note == '{"lr": 0.1}' else 3.0) * size

    same(compile(logged), logged, [W], {"lr": 0.1})


def test_a_list_given_takes_no_attribute_and_no_weak_reference():
    def marked(batch):
        try:
            batch.seen = True
            first = 2.0
        except AttributeError:
            first = 3.0
        try:
            weakref.ref(batch)
            second = 5.0
        except TypeError:
            second = 7.0
        return W * batch[0] * first * second

    assert same(compile(marked), marked, [W], [0.5]).data == 15.75


def test_a_list_held_twice_in_the_arguments_is_one_list_to_the_function():
    def f(pair):
        shared = 2.0 if pair[0] is pair[1] else 3.0  # (one list held twice, or two)
        return W * pair[0][0] * shared + W * pair[1][0]

    g = compile(f)
    row = [0.5]
    assert same(g, f, [W], [row, row]).data == 2.25
    assert same(g, f, [W], [[0.5], [0.25]]).data == 2.625  # (another program)
    other = [0.25]
    assert same(g, f, [W], [other, other]).data == 1.125


TRAIN = [0.5, 0.25, 0.75]
TEST = [0.1, 0.9]
PAIR = (0.5, 0.25)


def _is_train(data):  # (a helper of the same module that tests it)
    return data is TRAIN


def test_a_list_that_is_also_a_global_is_that_global_to_the_function():
    def loss(data):
        noise = 0.1 if data is TRAIN else 0.0  # (train or evaluate, by which set was given)
        return sum((W * x + noise for x in data), Value(0.0))

    def helped(data, pair):
        return W * data[0] * (2.0 if _is_train(data) else 3.0) * (5.0 if pair is PAIR else 7.0)

    g, h = compile(loss), compile(helped)
    for data in (TRAIN, TEST, TRAIN, [0.5, 0.25, 0.75]):
        same(g, loss, [W], data)
        same(h, helped, [W], data, PAIR)
        same(h, helped, [W], data, (0.5, 0.25))
    TRAIN[0] = 0.125  # (the global changed between calls: its number is seen)
    assert same(g, loss, [W], TRAIN).data == same(g, loss, [W], TRAIN).data
    TRAIN[0] = 0.5


def test_a_float_held_twice_and_tested_by_identity_is_refused():
    f_ = 0.123

    def f(a):
        return W * (2.0 if a[0] is a[1] else 3.0)

    with pytest.raises(RuntimeError, match=r"tests two things by identity .* a\[0\] is a\[1\]"):
        compile(f)([f_, f_])


class Lr(float):  # (a learning rate that carries its own scale)
    pass


class Name(str):
    pass


def _made(cls, x, **attributes):
    made = cls(x)
    vars(made).update(attributes)
    return made


def test_an_argument_of_a_subclass_of_float_int_or_str_is_given_as_itself():
    def f(x):
        return W * x * x.scale

    def named(x, a):
        return W * x * getattr(a, "k", 1.0)

    g, h = compile(f), compile(named)
    for x, scale in ((0.5, 1.0), (0.5, 2.0), (0.7, 2.0), (0.7, 2.0), (0.5, 1.0)):
        same(g, f, [W], _made(Lr, x, scale=scale))  # (made afresh: one id, another object)
    for a in (_made(Name, "a", k=1.0), _made(Name, "a", k=2.0), "a", _made(Name, "a", k=3.0)):
        same(h, named, [W], 1.0, a)


class Trainer:
    def __init__(self):
        self.train = [0.5, 0.25, 0.75]

    def loss(self, data):
        noise = 0.1 if data is self.train else 0.0  # (held deeper than a name)
        return sum((W * x + noise for x in data), Value(0.0))

    def plain(self, data):  # (no identity of objects tested: a copy is as good)
        kind = 2.0 if type(data) is list and data is not None else 3.0
        return sum((W * x for x in data), Value(0.0)) * kind


def test_a_list_given_and_reached_deeper_and_tested_by_identity_is_refused():
    t = Trainer()
    with pytest.raises(RuntimeError, match=r"is given a list that it also reaches as "
                                           r"self.train, and tests identity .* at "
                                           r"test_arguments_as_given.py:\d+: noise = "):
        compile(t.loss)(t.train)
    same(compile(t.plain), t.plain, [W], t.train)
