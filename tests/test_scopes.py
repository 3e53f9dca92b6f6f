"""Named scopes mark the values a part of a model makes; the nn layers open theirs."""

import asyncio
import contextlib
import gc
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_edu import Value, dot, named_scope, no_grad, scope_of, scopes, walk
from tinygrad_edu.nn import MLP


def test_values_made_inside_nested_scopes_carry_the_path():
    x = Value(2.0, label="x")
    with named_scope("block"):
        a = x * 3.0
        with named_scope("mlp"):
            b = (a + x).relu()
            c = dot([a, b], [x, 1.0])
            d = Value(c.data, (c,), (1.0,))  # made by hand, microgpt's way
        e = d.tanh()
    f = e * 2.0
    assert [scope_of(v) for v in (x, a, b, c, d, e, f)] == [
        "", "block", "block/mlp", "block/mlp", "block/mlp", "block", ""]


def test_a_decorated_function_opens_its_scope_on_every_call():
    @named_scope("norm")
    def rms(v):
        return v * (v * v + 1e-5) ** -0.5

    @named_scope
    def attention(v):
        return rms(v).exp()

    y = attention(Value(0.5))
    assert scope_of(y) == "attention" and scope_of(y.parents[0]) == "attention/norm"
    assert attention.__name__ == "attention"


def test_a_scope_is_closed_on_an_error_and_kept_per_thread():
    with pytest.raises(ZeroDivisionError), named_scope("broken"):
        Value(1.0) / 0.0
    assert scope_of(Value(1.0) * 2.0) == ""
    seen = []

    def other_thread():
        seen.append(scope_of(Value(1.0) * 2.0))

    with named_scope("mine"):
        worker = threading.Thread(target=other_thread)
        worker.start()
        worker.join()
        assert scope_of(Value(1.0) * 2.0) == "mine"
    assert seen == [""]


def test_no_grad_values_have_no_scope_and_names_are_checked():
    with named_scope("eval"), no_grad():
        assert scope_of(Value(1.0) * 2.0) == ""
    for bad in ("", "a/b", 3):
        with pytest.raises(ValueError, match="named_scope: a scope's name"):
            named_scope(bad)


def test_the_layers_of_a_model_mark_what_they_make_by_their_attribute_names():
    model = MLP(2, [3, 3, 1], seed=0)
    out = model([Value(0.5), Value(-1.0)])
    scopes = {scope_of(node) for node in walk(out) if node.parents}
    assert scopes == {"layers.0", "layers.1", "layers.2"}
    assert scope_of(out) == "layers.2"


# ----------------------------------------------------------------------------- generators,
# tasks and threads: what is open is kept per thread and per task, and closing a scope
# closes that scope wherever it is among the open ones


def made_in():
    """The scope a value made here and now is marked with."""
    return scope_of(Value(1.0) * 2.0)


def assert_nothing_open():
    assert scopes.current() == "" and not scopes.opened
    with named_scope("c"):
        assert made_in() == "c"
    assert made_in() == "" and not scopes.opened


@pytest.mark.parametrize("first", ["a", "b"])
def test_two_generators_each_in_its_own_scope_stepped_in_turns_leave_nothing_open(first):
    def steps(name):
        with named_scope(name):
            yield made_in()
            yield made_in()

    gens = {"a": steps("a"), "b": steps("b")}
    assert next(gens["a"]) == "a"
    next(gens["b"])  # 'a/b': a `with` in a generator is open for whatever runs meanwhile
    list(gens[first])  # one of them finishes, closing its scope
    other = "b" if first == "a" else "a"
    assert next(gens[other]) == other  # its own scope is still open, the finished one's not
    assert list(gens[other]) == []
    assert_nothing_open()  # on main: 'a' stayed open, and a later scope c was 'a/c'


STEP = st.tuples(st.integers(0, 3), st.sampled_from(["next", "close"]), st.booleans())


@settings(max_examples=100, deadline=None)
@given(decorated=st.lists(st.booleans(), min_size=2, max_size=4),
       lengths=st.lists(st.integers(0, 3), min_size=4, max_size=4),
       nested=st.lists(st.booleans(), min_size=4, max_size=4),
       steps=st.lists(STEP, max_size=16),
       dropped=st.lists(st.booleans(), min_size=4, max_size=4))
def test_generators_stepped_in_any_order_mark_their_own_values_and_leave_nothing_open(
        decorated, lengths, nested, steps, dropped):
    # A generator with @named_scope has its scope open while its body runs, inside whatever
    # scope its caller is in at that step. One whose body keeps a scope open across a
    # `yield` shares it with its caller between steps (as any `with` in a generator does),
    # but closing it closes only its own, however the steps interleave (one named_scope
    # object, `shared`, is open in several of them at once), and whether the generators are
    # run to the end, closed half-way or dropped
    shared = named_scope("s")

    def plain(i):
        with named_scope(f"g{i}"):
            for _ in range(lengths[i]):
                with shared if nested[i] else contextlib.nullcontext():
                    yield made_in()

    def body(i):
        for _ in range(lengths[i]):
            with shared if nested[i] else contextlib.nullcontext():
                made = made_in()
            yield made

    gens = [named_scope(f"g{i}")(body)(i) if deco else plain(i)
            for i, deco in enumerate(decorated)]
    for i, action, in_caller_scope in steps:
        if i >= len(gens) or gens[i] is None:
            continue
        with named_scope("caller") if in_caller_scope else contextlib.nullcontext():
            before = scopes.current()
            if action == "close":
                gens[i].close()
                gens[i] = None
                assert scopes.current() == before or not decorated[i]
                continue
            try:
                made = next(gens[i])
            except StopIteration:
                gens[i] = None
                continue
            if decorated[i]:
                assert made == "/".join(filter(None, [before, f"g{i}", "s" * nested[i]]))
                assert scopes.current() == before  # the caller is back in its own scope
                assert made_in() == before
            else:
                assert f"g{i}" in made.split("/")  # its scope is open while its body runs
    for i, gen in enumerate(gens):
        if gen is not None and dropped[i]:
            gens[i] = None  # dropped half-way: Python closes it
        elif gen is not None:
            list(gen)
    del gen  # (CPython closes a generator as its last reference goes)
    assert_nothing_open()


def test_a_decorated_generator_marks_what_its_body_makes_and_not_its_caller():
    @named_scope("gen")
    def scaled(x):
        received = None
        for k in range(3):
            received = yield x * (received or k), made_in()
        return "done"

    items = list(scaled(Value(2.0)))
    assert [(v.data, scope_of(v), where) for v, where in items] == [
        (0.0, "gen", "gen"), (2.0, "gen", "gen"), (4.0, "gen", "gen")]
    gen = scaled(Value(2.0))
    with named_scope("outer"):
        next(gen)
        assert made_in() == "outer"  # between two steps the caller is in its own scope
        value, where = gen.send(5.0)
    assert value.data == 10.0 and scope_of(value) == where == "outer/gen"
    assert made_in() == ""
    with pytest.raises(KeyError):
        gen.throw(KeyError("into the body"))
    gen = scaled(Value(2.0))
    with pytest.raises(StopIteration) as stop:
        for _ in range(4):
            gen.send(None)
    assert stop.value.value == "done" and scaled.__name__ == "scaled"
    assert_nothing_open()


def test_a_decorated_async_function_marks_its_body_and_not_the_tasks_beside_it():
    seen = []

    @named_scope("infer")
    async def infer(x, gate):
        y = x * 2
        seen.append(("infer", scope_of(y)))
        await gate.wait()  # another task runs here, making values of its own
        z = y * 3
        seen.append(("infer", scope_of(z)))
        return z

    async def train(x, gate):
        seen.append(("train", made_in()))
        gate.set()

    async def main():
        x, gate = Value(1.0), asyncio.Event()
        z, _ = await asyncio.gather(infer(x, gate), train(x, gate))
        return z.data, made_in()

    assert asyncio.run(main()) == (6.0, "")
    assert seen == [("infer", "infer"), ("train", ""), ("infer", "infer")]
    assert_nothing_open()


def test_a_decorated_async_generator_marks_its_body_and_not_its_consumer():
    seen = []

    @named_scope
    async def scaled(x):
        for k in range(3):
            sent = yield x * k
            seen.append(("body", made_in(), sent))

    async def main():
        x = Value(1.0)
        gen = scaled(x)
        first = await gen.__anext__()
        seen.append(("consumer", made_in(), scope_of(first)))
        second = await gen.asend("hi")
        await gen.aclose()
        items = [scope_of(v) async for v in scaled(x)]
        return scope_of(second), items

    assert asyncio.run(main()) == ("scaled", ["scaled"] * 3)
    assert seen[:2] == [("consumer", "", "scaled"), ("body", "scaled", "hi")]
    assert all(where == "scaled" for who, where, _ in seen if who == "body")
    assert_nothing_open()


def test_a_task_made_inside_a_scope_makes_its_values_there_after_the_scope_closed():
    # an asyncio task starts with the scopes open where it was made (its context is a copy):
    # its values are marked with them, though the code that made it has left the scope
    async def work(gate):
        await gate.wait()
        return made_in(), scopes.current()

    async def main():
        gate = asyncio.Event()
        with named_scope("spawned"):
            task = asyncio.create_task(work(gate))
        assert made_in() == ""
        gate.set()
        return await task

    assert asyncio.run(main()) == ("spawned", "spawned")
    gc.collect()
    assert_nothing_open()


def test_one_named_scope_entered_by_two_threads_in_turns_works_in_both():
    scope = named_scope("shared")
    barrier = threading.Barrier(2, timeout=10)
    seen, errors = {}, []

    def run(name, enter_turn, exit_turn):
        try:
            for turn in range(4):
                if turn == enter_turn:
                    scope.__enter__()
                if turn == exit_turn:
                    scope.__exit__(None, None, None)
                seen.setdefault(name, []).append(made_in())
                barrier.wait()
        except BaseException as error:  # on main: ValueError, <Token> from another Context
            errors.append(error)
            barrier.abort()

    # A enters, B enters, A leaves, B leaves: with the tokens kept on the object, A would
    # close B's opening
    threads = [threading.Thread(target=run, args=("A", 0, 2)),
               threading.Thread(target=run, args=("B", 1, 3))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert seen == {"A": ["shared", "shared", "", ""], "B": ["", "shared", "shared", ""]}
    assert_nothing_open()


def test_a_thread_that_ends_inside_a_scope_leaves_nothing_open():
    def ends_inside():
        named_scope("forgotten").__enter__()  # and never leaves
        assert made_in() == "forgotten" and scopes.opened

    thread = threading.Thread(target=ends_inside)
    thread.start()
    thread.join()
    gc.collect()
    assert_nothing_open()  # every node is back on the fast check
