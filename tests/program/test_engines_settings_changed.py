"""The engine's own settings changed between calls (an attacker's, a64b f6): a default of
one of Value's methods (``Value.leaky_relu.__defaults__ = (0.3,)``: the program kept alpha
0.01, -0.4175 where the engine gave -0.925), guarded where the method is called: captured
again; ``Value.EMPTY_GRAD`` (what an inner node's gradient starts from as backward begins:
the program's backward started from 0.0, 1.2215 where the engine gave -0.1138), refused at
``backward()``, saying what to do."""

import contextlib

import pytest

from tests.program.against_engine import same
from tinygrad_edu import Value
from tinygrad_edu.program import compile


def test_a_default_of_values_method_changed_between_calls_is_followed():
    w, b = Value(0.7), Value(-0.4)

    def f(x):
        return (w * -x).leaky_relu() + b

    alpha = Value.leaky_relu.__defaults__
    try:
        for native in (True, False):
            Value.leaky_relu.__defaults__ = alpha
            step = compile(f, native=native)
            for k in range(3):
                if k == 1:
                    Value.leaky_relu.__defaults__ = (0.3,)
                with pytest.warns(Warning) if k == 1 else contextlib.nullcontext():
                    same(step, f, [w, b], 0.5 + k)
            assert "Value.leaky_relu's defaults" in step.explain()
    finally:
        Value.leaky_relu.__defaults__ = alpha


def test_empty_grad_changed_is_refused_at_backward():
    w, b = Value(0.7), Value(-0.4)

    def f(x):
        return (w * x).tanh() * b

    try:
        for native in (True, False):
            Value.EMPTY_GRAD = 0.0
            step = compile(f, native=native)
            same(step, f, [w, b], 0.5)
            same(step, f, [w, b], 1.5)
            Value.EMPTY_GRAD = 0.5
            answer = step(2.5)
            assert answer.data == f(2.5).data
            with pytest.raises(RuntimeError, match=r"Value\.EMPTY_GRAD is 0\.5 .* set "
                                                   r"Value\.EMPTY_GRAD back to 0\.0"):
                answer.backward()
    finally:
        Value.EMPTY_GRAD = 0.0

