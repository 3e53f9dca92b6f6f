"""What a compiled function returns, as the engine's function returns it: a namedtuple as
itself, a dataclass as itself (found by an independent attacker: a namedtuple came back a plain
tuple, ``out.loss`` raised AttributeError; a dataclass was refused), and arithmetic on a Result
refused saying what to do (before: Python's "unsupported operand type(s)")."""

from collections import namedtuple
from dataclasses import dataclass

import pytest

from tests.program.against_engine import bits
from tinygrad_edu import Value
from tinygrad_edu.program import compile

W = Value(0.7)
Out = namedtuple("Out", "loss acc")


@dataclass
class Scored:
    loss: object
    acc: float
    note: str = "train"


@dataclass(frozen=True)
class Frozen:
    pred: object
    loss: object


def as_named(x):
    return Out((W * x).tanh(), x.data * 2)


def as_dataclass(x):
    return Scored((W * x).tanh(), x.data * 2)


def as_frozen(x):
    pred = W * x
    return Frozen(pred, (pred - 1.0) ** 2)


@pytest.mark.parametrize("native", [True, False])
def test_a_namedtuple_or_a_dataclass_comes_back_as_itself(native):
    for f, loss_of in ((as_named, lambda a: a.loss), (as_dataclass, lambda a: a.loss),
                       (as_frozen, lambda a: a.pred)):
        step = compile(f, native=native)
        for x in (1.5, -0.5, 2.0):
            W.grad = 0.0
            ours = step(Value(x))
            assert type(ours) is type(f(Value(x)))
            loss_of(ours).backward()
            got = W.grad
            W.grad = 0.0
            theirs = f(Value(x))
            loss_of(theirs).backward()
            assert bits(loss_of(ours).data) == bits(loss_of(theirs).data)
            assert bits(got) == bits(W.grad)
            if f is as_named:
                assert ours.acc == theirs.acc and ours[1] == theirs[1]
            if f is as_dataclass:
                assert (ours.acc, ours.note) == (theirs.acc, theirs.note)
        assert step.captures == 1


def test_arithmetic_on_a_result_says_what_to_do():
    step = compile(lambda x: (W * x).tanh())
    loss = step(Value(1.0))
    for make in (lambda: loss * 2.0, lambda: 2.0 * loss, lambda: loss + W, lambda: -loss):
        with pytest.raises(TypeError, match=r"a Result .* not a Value: .* inside the compiled "
                                            r"function \(return loss \* 2.0 \+ reg"):
            make()
    with pytest.raises(AttributeError, match=r"has no 'tanh'.* call .tanh inside the compiled"):
        loss.tanh()


def test_a_results_truth_comparisons_and_options_are_a_values():
    """Before, bool(r) was True and r == 0.0 False where the engine's Value holding
    0.0 gives False and True; r > 0, sorted(results) raised Python's bare TypeError."""
    w = Value(2.0)
    step = compile(lambda x: (w * x).relu())
    for x in (-1.0, 0.5, 2.0, -1.0):
        e, r = (w * x).relu(), step(x)
        assert (bool(r), r == 0.0, r != 0.0, r > 0, r <= 1.0, 1.0 < r) == \
            (bool(e), e == 0.0, e != 0.0, e > 0, e <= 1.0, 1.0 < e)
    results = [step(x) for x in (2.0, -1.0, 0.5)]
    assert [r.data for r in sorted(results)] == [0.0, 1.0, 4.0] and max(results).data == 4.0
    assert results[0] == results[0] and results[0] != results[2] and results[1] != "0.0"
    with pytest.raises(TypeError, match=r"abs\(result\): .*result\.data"):
        abs(results[0])
    with pytest.raises(TypeError, match=r"create_graph=.*call the function itself"):
        results[0].backward(create_graph=True)
