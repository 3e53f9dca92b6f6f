"""A followed number where Python takes a float (``json``, ``pickle``, ``copy``,
``decimal.Decimal``), a descriptor holding its own number, and ``decimal``'s context: the
precision changed between calls, a Decimal made outside, another thread meeting ``decimal``
and ``datetime`` while a capture runs. The engine's numbers and texts bit for bit (each was
refused, failed or kept the first call's numbers: an independent attacker's, after issue 64's
first parts)."""

import warnings

import pytest

from tests.program.against_engine import same
from tests.program.attacker_weight import W
from tinygrad_edu import Value
from tinygrad_edu.program import compile
from tinygrad_edu.program.capture import ProgramWarning

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
