"""Graph building on and off: no_grad and enable_grad as context managers and decorators
(generators included), and per thread, as in PyTorch."""

import asyncio
import threading

import pytest

from tinygrad_edu import DomainError, Value, dot, enable_grad, no_grad, vsum
from tinygrad_edu.grad_mode import is_grad_enabled


def test_no_grad_context_builds_no_graph():
    a = Value(2.0)
    with no_grad():
        b = a * 3 + 1
        assert not is_grad_enabled()
        with enable_grad():
            c = a * 3
    assert is_grad_enabled()
    assert b.data == 7.0 and b.parents == () and b.op == ""
    assert c.parents == (a,)


def test_no_grad_decorator_with_and_without_parentheses():
    @no_grad
    def f(v):
        return v * 2

    @no_grad()
    def g(v, depth):
        return g(v, depth - 1) if depth else v * 2  # recursion must restore the mode

    assert f(Value(1.0)).parents == ()
    assert g(Value(1.0), 3).parents == ()
    assert is_grad_enabled()


def test_no_grad_restores_mode_after_an_exception():
    with pytest.raises(DomainError), no_grad():
        Value(-1.0).log()
    assert is_grad_enabled()


def test_no_grad_in_one_thread_leaves_other_threads_building_graphs():
    inside, leave = threading.Event(), threading.Event()

    def evaluate():
        with no_grad():
            inside.set()
            leave.wait(10)

    other = threading.Thread(target=evaluate)
    other.start()
    try:
        assert inside.wait(10)
        x = Value(2.0)
        y = x * x  # a training step here must still build its graph
        y.backward()
        assert is_grad_enabled() and y.parents == (x, x) and x.grad == 4.0
    finally:
        leave.set()
        other.join()


def test_no_grad_entered_and_left_out_of_order_by_two_threads_leaves_both_on():
    barrier = threading.Barrier(2, timeout=10)
    seen = {}

    def run(name, enter_turn, exit_turn):
        mode = no_grad()
        for turn in range(4):
            if turn == enter_turn:
                mode.__enter__()
            if turn == exit_turn:
                mode.__exit__(None, None, None)
            barrier.wait()
        seen[name] = is_grad_enabled()

    # A enters, B enters, A leaves, B leaves: with one shared flag B would restore "off".
    threads = [threading.Thread(target=run, args=("A", 0, 2)),
               threading.Thread(target=run, args=("B", 1, 3))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {"A": True, "B": True} and is_grad_enabled()


def test_no_grad_decorator_covers_a_generator_body_and_not_its_caller():
    @no_grad
    def scaled(x):
        received = None
        for k in range(3):
            received = yield x * (received or k), is_grad_enabled()
        return "done"

    items = list(scaled(Value(2.0)))
    assert [v.data for v, _ in items] == [0.0, 2.0, 4.0]
    assert all(v.parents == () and not mode for v, mode in items)
    gen = scaled(Value(2.0))
    next(gen)
    assert is_grad_enabled()  # between two steps the caller builds graphs as usual
    value, mode = gen.send(5.0)
    assert value.data == 10.0 and value.parents == () and not mode
    with pytest.raises(StopIteration) as stop:
        gen.send(None)
        gen.send(None)
    assert stop.value.value == "done" and is_grad_enabled()


def test_a_thread_that_ends_inside_no_grad_is_not_counted_for_good():
    from tinygrad_edu import grad_mode

    def ends_inside():
        no_grad().__enter__()  # and never leaves
        assert not grad_mode.is_grad_enabled() and (Value(1.0) * 2).parents == ()

    thread = threading.Thread(target=ends_inside)
    thread.start()
    thread.join()
    assert grad_mode.is_grad_enabled()  # graph building is on here, as it was
    assert (Value(1.0) * 2).parents != ()


# ----------------------------------------------------------------------------- async
# The mode is per thread and asyncio's tasks share one, so a decorated async function
# holds it only while its own body runs, step by step, never while it waits.


def test_no_grad_decorator_covers_an_async_body_and_not_the_tasks_beside_it():
    seen = []

    @no_grad
    async def infer(x, gate):
        y = x * 2
        seen.append(("infer", is_grad_enabled(), y.parents))
        await gate.wait()  # another task runs here, building its graph
        z = y * 3
        seen.append(("infer", is_grad_enabled(), z.parents))
        return z

    async def train(x, gate):
        seen.append(("train", is_grad_enabled(), (x * 2).parents == (x,)))
        gate.set()

    async def main():
        x, gate = Value(1.0), asyncio.Event()
        z, _ = await asyncio.gather(infer(x, gate), train(x, gate))
        return z.data, is_grad_enabled()

    assert asyncio.run(main()) == (6.0, True)
    assert seen == [("infer", False, ()), ("train", True, True), ("infer", False, ())]


def test_no_grad_async_function_passes_on_errors_and_cancellation():
    @no_grad
    async def fails():
        raise KeyError("inside")

    @enable_grad
    async def waits(event):
        with no_grad():
            await event.wait()

    async def main():
        with pytest.raises(KeyError, match="inside"):
            await fails()
        task = asyncio.create_task(waits(asyncio.Event()))
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return is_grad_enabled()

    assert asyncio.run(main()) is True


def test_no_grad_decorator_covers_an_async_generator_body_and_not_its_consumer():
    seen = []

    @no_grad
    async def scaled(x):
        for k in range(3):
            sent = yield x * k
            seen.append(("body", is_grad_enabled(), sent))

    async def main():
        x = Value(1.0)
        gen = scaled(x)
        first = await gen.__anext__()
        seen.append(("consumer", is_grad_enabled(), first.parents))
        second = await gen.asend("hi")
        await gen.aclose()
        items = [v.data async for v in scaled(x)]
        return second.parents, items

    assert asyncio.run(main()) == ((), [0.0, 1.0, 2.0])
    assert seen[:2] == [("consumer", True, ()), ("body", False, "hi")]
    assert all(mode is False for who, mode, _ in seen if who == "body")


def test_under_no_grad_no_derivative_rule_runs():
    """Under no_grad there is no graph, so no local derivative is taken: d(a**b)/db needs
    a > 0, yet (-2) ** b computes; outside no_grad the same line says why it cannot."""
    with no_grad():
        v = Value(-2.0) ** Value(2.0)
        d = dot([Value(1.0), Value(2.0)], [Value(3.0), 4.0])
        s = vsum([Value(1.0), 2.0])
    assert (v.data, d.data, s.data) == (4.0, 11.0, 3.0)
    assert all(x.parents == () and x._no_graph for x in (v, d, s))
    with pytest.raises(DomainError, match=r"\*\*: the base -2.0 is negative"):
        Value(-2.0) ** Value(2.0)
