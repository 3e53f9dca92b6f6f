"""A node made in a compiled function is computed by a program from its op's row, as the
engine's own builder makes it. What the engine's backward() would follow otherwise is refused,
naming what: a field of a node set after its op made it (a gradient reversal written into a
local derivative, a straight-through relu, an operand or the row rewired), a node made by the
engine's builder reached past the capture's watch (``apply`` or ``fill`` imported by name),
the engine's builder replaced; and a row of the engine's whose forward was replaced by one
that draws is noted as an op of one's own is. Before, each gave other numbers than the
engine's, silently, native and Python (an attacker's, a64l S1-S3, S6, S7, L1)."""

import math
import random
import warnings

import pytest

from tests.program.against_engine import same
from tinygrad_edu import Value, engine, unary_op
from tinygrad_edu.ops import OPS
from tinygrad_edu.program import compile
from tinygrad_edu.row import Op

W, U = Value(2.0), Value(3.0)
KEY = "_data"  # (a name the function's code does not spell)
SLOTS = (KEY, "_row", "_a", "_da", "_b", "_db", "_list", "_list_grads")


def reversal(x):
    r = (W * x) * 1.0
    r._da = -1.0  # (DANN's gradient reversal, micrograd's way)
    return r * r


def straight_through(x):
    out = (W * x).relu()
    out._da = 1.0
    return out * 3.0


def list_grads(x):
    from tinygrad_edu.sums import vsum
    h = vsum([W * x, U * x])
    h._list_grads = (2.0, -1.0)
    return h * 1.0


def rewired(x):
    h = W * x
    h._a = U
    return h * 3.0


def swapped(x):
    h = W * U
    h._a, h._b = h._b, h._a
    return h * x


def row_set(x):
    h = W * x
    h._row = OPS["+"]
    return h * 3.0


@pytest.mark.parametrize("native", [True, False])
@pytest.mark.parametrize("f, field", [
    (reversal, "_da"), (straight_through, "_da"), (list_grads, "_list_grads"),
    (rewired, "_a"), (swapped, "_a"), (row_set, "_row")],
    ids=["reversal", "straight-through", "list_grads", "rewired", "swapped", "row"])
def test_a_field_set_on_a_node_after_its_op_made_it_is_refused(f, field, native):
    with pytest.raises(RuntimeError, match=rf"cannot be captured as a program: it sets {field} "
                       r"of a Value made in the call \(Value\(.*\)\), which the engine's "
                       r"backward\(\) then follows .* unary_op or binary_op"):
        compile(f, native=native)(-0.5)


def test_a_node_made_in_the_call_and_left_as_made_is_the_engines():
    """The control: nodes read (``h.data``, ``h.op``) and not written give the engine's
    numbers at every call."""
    def f(x):
        h = W * x
        return h * (h.data + len(h.op))
    step = compile(f)
    for x in (0.5, 1.5, -2.0):
        same(step, f, [W], x)


@pytest.mark.parametrize("how", ["apply", "fill", "with_numbers", "engine.fill"])
def test_a_node_made_by_the_engines_builder_held_by_name_is_refused(how):
    from tinygrad_edu.engine import MUL, TANH, apply, bare, fill, with_numbers

    def made(h):
        t = math.tanh(h.data)
        return {"apply": lambda: apply(TANH, h),
                "fill": lambda: fill(bare(Value), t, TANH, h, 1 - t * t),
                "with_numbers": lambda: with_numbers(MUL, h, 2.0),
                "engine.fill": lambda: engine.fill(engine.bare(Value), t, TANH, h, 1 - t * t)
                }[how]()

    def f(x):
        return (made(W * x) * 3.0) ** 2

    with pytest.raises(RuntimeError, match=r"it makes a node with the engine's builder reached "
                       r"past what a capture watches \(Value\(.*\): the engine's apply or fill "
                       r"held by name"):
        compile(f, native=False)(0.5)


@pytest.mark.parametrize("name", ["fill", "apply_rest"])
def test_the_engines_node_builder_replaced_is_refused(name, monkeypatch):
    own = getattr(engine, name)

    def floored(*args):  # (an anti-saturation hack: tanh's slope never under 0.2)
        if name == "fill" and args[2] is engine.TANH:
            args = (*args[:4], max(args[4], 0.2), *args[5:])
        return own(*args)

    monkeypatch.setattr(engine, name, floored)
    with pytest.raises(RuntimeError, match=rf"the engine is not its own "
                       rf"\(tinygrad_edu\.engine\.{name} replaced\)"):
        compile(lambda x: ((W * x).tanh() * 3.0) ** 2, native=False)(1.5)


@pytest.mark.parametrize("native", [True, False])
def test_a_row_of_the_engines_whose_forward_draws_runs_as_the_engine(native, monkeypatch):
    """``OPS["tanh"].forward`` replaced by a noisy tanh: its draws are noted as an own op's
    are, the call runs as the engine, said (before: the program's draws out of step with the
    engine's, silently)."""
    tanh = OPS["tanh"]
    monkeypatch.setattr(tanh, "forward", lambda x: math.tanh(x) + random.gauss(0.0, 0.1))

    def f(x):
        return (W * x).tanh() * 3.0

    step = compile(f, native=native)
    for k in range(3):
        random.seed(k)
        state = random.getstate()
        for leaf in (W,):
            leaf.grad = 0.0
        ours = step(0.5 + k)
        ours.backward()
        got = (ours.data, W.grad)
        random.setstate(state)
        W.grad = 0.0
        theirs = f(0.5 + k)
        theirs.backward()
        assert got == (theirs.data, W.grad)


def test_an_own_op_whose_row_equals_an_engine_row_is_still_an_own_op():
    """An op of one's own whose row class compares and hashes as the engine's tanh row: what
    its forward draws is noted (the engine's rows are known by identity, per capture), and
    applied to a plain number it is refused in its own words (before: a bare KeyError)."""
    class Named(Op):
        def __eq__(self, other):
            return getattr(other, "name", None) == self.name

        def __hash__(self):
            return hash(OPS[self.name]) if self.name in OPS else hash(self.name)

    noisy = unary_op("tanh_noisy", lambda x: math.tanh(x) + random.gauss(0.0, 0.1),
                     lambda x, y: 1 - y * y, register_op=False)
    noisy.op.__class__ = Named
    noisy.op.name = "tanh"
    compile(lambda x: (W * x).tanh())(0.3)  # (a capture that met the engine's tanh row)
    with pytest.raises(RuntimeError, match=r"it applies the op 'tanh' \(an op of your own\) "
                       r"to plain numbers"):
        compile(lambda x: noisy(x) * W, native=False)(0.5)


def test_a_local_derivative_read_through_the_engines_copying_helper_is_refused():
    """``copying.fields_of(out)["_da"]``: the engine's helper hands the field back to the
    learner's code, which reads it as its own read is (before: the capture's number at every
    call; a64l S4); the engine's own API (``.parents`` of a deep copy) still reads it for
    itself."""
    from tinygrad_edu.copying import fields_of

    def f(x):
        out = (W * x).tanh()
        return out * fields_of(out)["_da"]

    with pytest.raises(RuntimeError, match=r"it reads a Value's fields through "
                       r"tinygrad_edu\.copying \(fields_of\), its local derivatives among them"):
        compile(f, native=False)(0.5)


def test_data_read_by_a_name_made_at_run_time_is_followed():
    """``getattr(w, KEY)`` with ``KEY = "_da" + "ta"``: code that calls ``getattr`` reads
    ``.data`` through the capture's follower (before: the capture's number at every call
    where the engine's moved, as an optimizer moved w; a64l S5)."""
    key = "_da" + "ta"
    w = Value(2.0)

    def f(x):
        return W * x * getattr(w, key)

    step = compile(f)
    for k in range(3):
        w.data = 1.5 + k
        same(step, f, [W], 0.5 + k)


def test_zero_grad_on_an_answer_says_to_zero_before_the_call():
    """``r.zero_grad()`` on a compiled function's answer (PyTorch's habit): told to zero the
    parameters before calling it, which is what a compiled function allows (before: told to
    call it inside, which is refused; a64l L4)."""
    r = compile(lambda x: (W * x).tanh())(0.5)
    with pytest.raises(AttributeError, match=r"zero the parameters' gradients before calling "
                       r"the compiled function"):
        r.zero_grad()


def test_the_grad_of_a_value_made_inside_and_returned_says_to_make_it_outside():
    """``x = Value(a)`` made inside and returned beside the loss (a saliency): its ``.grad``
    told to make the Value outside and pass it, which a program follows (before: told to
    call .grad inside, after a backward() there, which is refused; an attacker's a64 F2)."""
    def f(a):
        x = Value(a)
        return (W * x).tanh(), x

    loss, x = compile(f)(0.3)
    loss.backward()
    with pytest.raises(AttributeError, match=r"make its Value outside and pass it"):
        x.grad  # noqa: B018
    step = compile(lambda x: (W * x).tanh())
    given = Value(0.3)
    step(given).backward()
    made = Value(0.3)
    (W * made).tanh().backward()
    assert given.grad == made.grad


def detached_rewired(x):
    h = (W * x).detach()  # (a leaf made in the call, turned into a straight-through tanh)
    t = (W * x).tanh()
    h._row, h._a, h._da = t._row, W * x, 1.0
    return h * 3.0


def copy_rewired(x):
    import copy
    h = copy.deepcopy(W * x)
    h._da = -1.0
    return h * h


def data_set_by_name(x):
    h = W * x
    setattr(h, KEY, 5.0)
    return h * 3.0


@pytest.mark.parametrize("f, field", [
    (detached_rewired, "_row"), (copy_rewired, "_da"), (data_set_by_name, "_data")],
    ids=["leaf-made-in-the-call", "deep-copy", "data-by-a-made-name"])
def test_a_field_set_on_any_value_made_in_the_call_is_refused(f, field):
    """A leaf made in the call (``detach()``, ``Value(...)``, a copy) turned into a node, a
    deep copy rewired, an inner node's number written by a made name: each Value made in the
    call is kept as made (before: the engine's straight-through gradient where the program
    gave the leaf's, silently; a64m S1, S2, S8)."""
    with pytest.raises(RuntimeError, match=rf"it sets {field} of a Value made in the call"):
        compile(f, native=False)(0.5)


def test_a_node_switched_to_a_class_of_its_own_is_refused():
    """``h.__class__ = Reversed`` (a subclass whose ``_da`` property negates it: a gradient
    reversal by class; a64m S12)."""
    class Reversed(Value):
        __slots__ = ()

        @property
        def _da(self):
            return -1.0

    def f(x):
        h = W * x
        h.__class__ = Reversed
        return h * h

    with pytest.raises(RuntimeError, match=r"it sets its class \(now .*Reversed\) of a Value "
                       r"made in the call"):
        compile(f, native=False)(0.5)


@pytest.mark.parametrize("what", ["field", "before_a_pass"])
def test_the_engines_fields_or_pass_changed_outside_are_refused(what, monkeypatch):
    """``Value._da`` replaced on the class by a property that halves it, or a check put in
    ``graph.before_a_pass`` that clips the local derivatives: the engine's backward() is
    not its own (a64m S9, S10)."""
    from tinygrad_edu import graph

    if what == "field":
        slot = vars(Value)["_da"]
        monkeypatch.setattr(Value, "_da", property(lambda v: slot.__get__(v) * 0.5,
                                                   slot.__set__))
        said = r"Value\._da replaced"
    else:
        monkeypatch.setattr(graph, "before_a_pass", [lambda order: None])
        said = r"graph\.before_a_pass replaced"
    with pytest.raises(RuntimeError, match=rf"the engine is not its own "
                       rf"\({said}\)"):
        compile(lambda x: (W * x).tanh() * 3.0, native=False)(0.5)


ALPHA = [0.1]


@pytest.mark.parametrize("how", ["global", "cell"])
def test_an_own_op_reading_what_the_function_changes_after_it_runs_as_the_engine(how):
    """A slope set per layer (``ALPHA[0] = 0.1; h1 = act(...); ALPHA[0] = 0.3; h2 =
    act(...)``), or an op made in the call over a local changed between its uses: a program
    runs the op's functions after the function's writes, so the call runs as the engine,
    said (before: both layers at the last slope, silently; a64m S11)."""
    w, v = Value(0.8), Value(-0.5)
    act = unary_op("leaky_set", lambda x: x if x > 0 else ALPHA[0] * x,
                   lambda x, out: 1.0 if x > 0 else ALPHA[0], register_op=False)

    def by_global(x):
        ALPHA[0] = 0.1
        h1 = act(w * x)
        ALPHA[0] = 0.3
        return act(v * h1 - 1.0) ** 2

    def by_cell(x):
        a = 0.1
        own = unary_op("leaky_local", lambda z: z if z > 0 else a * z,
                       lambda z, o: 1.0 if z > 0 else a, register_op=False)
        h1 = own(w * x)
        a = 0.3
        return own(v * h1 - 1.0) ** 2

    f = by_global if how == "global" else by_cell
    step = compile(f, native=False)
    with pytest.warns(UserWarning, match=r"\(an op of your own\) (may read|reads a variable) "):
        for x in (-0.5, -1.5, -2.5):
            same(step, f, [w, v], x)


@pytest.mark.parametrize("how", ["draws", "counts"])
def test_an_own_op_that_draws_or_counts_only_sometimes_runs_as_the_engine(how):
    """An op whose forward draws (or counts) only on one side of its input: at the capture
    it did not, yet its code does; it runs as the engine, said (before: its draws out of
    step with the engine's at every later call, silently; a64m S4)."""
    counted = [0]

    def forward(x):
        if x > 0:
            counted[0] += 1
        return x

    noisy = unary_op("noisy_sometimes", lambda x: x + (random.gauss(0, 0.1) if x > 0 else 0.0),
                     lambda x, out: 1.0, register_op=False)
    counting = unary_op("count_sometimes", forward, lambda x, out: 1.0, register_op=False)
    op = noisy if how == "draws" else counting
    w = Value(2.0)

    def f(x):
        return op(w * x) * random.random()

    step = compile(f, native=False)
    with pytest.warns(UserWarning, match=r"\(an op of your own\) may (draw|write)"):
        for k, x in enumerate((-0.5, 1.5, 2.5)):
            random.seed(k)
            state = random.getstate()
            w.grad = 0.0
            ours = step(x)
            ours.backward()
            got = (ours.data, w.grad)
            random.setstate(state)
            w.grad = 0.0
            theirs = f(x)
            theirs.backward()
            assert got == (theirs.data, w.grad)


def test_a_node_built_slot_by_slot_is_refused():
    """``object.__new__(Value)`` and each field set by hand over Values made in the call: no
    builder runs, and the node is no node made before the capture (a64m S5: before, the
    capture's node read at every call, said once in words that read as handled)."""
    from tinygrad_edu.engine import TANH

    def f(x):
        h = W * x
        t = object.__new__(Value)
        for name, value in zip(SLOTS, (math.tanh(h.data), TANH, h, 1.0, None, None, None,
                                       None)):
            setattr(t, name, value)
        return t * 3.0

    with pytest.raises(RuntimeError, match=r"it makes a node past what a capture watches "
                       r"\(Value\(.*\), of Values made in the call"):
        compile(f, native=False)(0.5)


@pytest.mark.parametrize("native", [True, False])
def test_a_node_made_outside_rewired_between_calls_is_captured_again(native):
    """A node made outside whose operand is rewired between calls (``d._b = u``): its
    number and local derivatives are read at every call, its wiring checked; captured
    again, said (a64m S6: before, the gradient went to the old operand, silently)."""
    w, u = Value(2.0), Value(3.0)
    d = w * 1.5

    def f(x):
        return d * x

    step = compile(f, native=native)
    same(step, f, [w, u], 2.0)
    d._a = u
    with pytest.warns(UserWarning, match=r"holds another _a since the capture"):
        same(step, f, [w, u], 2.0)


def _followed_at_every_call(w, read):
    """``read()`` (w's number, by some route) followed: the engine's numbers as w moves."""
    def f(x):
        return W * x * read()

    step = compile(f)
    for k in range(3):
        w.data = 1.5 + k
        same(step, f, [W], 0.5 + k)


pick = getattr
AG = __import__("operator").attrgetter
TEMPLATE = "{0._data!r}"  # (held outside: the function's code names no _data)


@pytest.mark.parametrize("how", ["alias", "attrgetter", "format"])
def test_data_read_through_an_alias_or_a_template_is_followed(how):
    """``pick = getattr`` held outside, ``operator.attrgetter`` aliased, ``"{0._data!r}"
    .format(w)``: ``.data`` is read through the capture's follower (a64m S3: before, the
    capture's number at every call)."""
    w = Value(2.0)
    read = {"alias": lambda: pick(w, KEY), "attrgetter": lambda: AG(KEY)(w),
            "format": lambda: float(TEMPLATE.format(w))}[how]

    _followed_at_every_call(w, read)


TEMPERATURE = [1.0]


def test_an_own_op_reading_a_schedule_stays_a_program_and_backward_again_is_refused():
    """An op of one's own reading a temperature the loop changes between calls: read at every
    call, the program kept (nothing said of the op). ``backward()`` with gradients held (no
    zero_grad between micro-batches) runs the program again, whose op would read the
    temperature as it is now: refused (a64m S13: before, the new slope, silently)."""
    soft = unary_op("soft_T", lambda x: x / TEMPERATURE[0],
                    lambda x, out: 1.0 / TEMPERATURE[0], register_op=False)
    w = Value(0.8)

    def f(x):
        return soft(w * x) * soft(w * x)

    step = compile(f, native=False)
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        for k in range(3):
            TEMPERATURE[0] = 1.0 + 0.5 * k
            same(step, f, [w], 0.5 + k)
    assert not any("an op of your own" in str(m.message) for m in said)
    w.grad = 1.0
    answer = step(0.5)
    TEMPERATURE[0] = 9.0
    with pytest.raises(RuntimeError, match=r"backward\(\) with gradients held .* whose op of "
                       r"your own \(soft_T\) would read its settings as they are now"):
        answer.backward()
    TEMPERATURE[0] = 1.0


def _jitter():
    return random.gauss(0.0, 0.1)


class _Noise:
    def __call__(self, x):
        return x + random.gauss(0.0, 0.1) if x > 0 else x


@pytest.mark.parametrize("how", ["helper", "alias", "partial", "object"])
def test_an_own_op_drawing_through_a_helper_runs_as_the_engine(how):
    """The draw not named in the op's own code: a helper of the learner's, ``gauss`` under
    another name, a ``functools.partial``, a callable object (a64n S2: before, the draws out
    of step, silently)."""
    import functools
    from random import gauss as noise
    forward = {"helper": lambda x: x + (_jitter() if x > 0 else 0.0),
               "alias": lambda x: x + (noise(0.0, 0.1) if x > 0 else 0.0),
               "partial": functools.partial(lambda s, x: x + (random.gauss(0, s) if x > 0
                                                              else 0.0), 0.1),
               "object": _Noise()}[how]
    op = unary_op(f"noisy_{how}", forward, lambda x, out: 1.0, register_op=False)
    w = Value(2.0)
    step = compile(lambda x: op(w * x) * 2.0, native=False)
    with pytest.warns(UserWarning, match=r"\(an op of your own\) may draw random numbers"):
        step(-0.5)


KIND = {"kind": "a"}


def test_an_own_op_reading_a_text_setting_changed_between_uses_runs_as_the_engine():
    """A setting that is a text (``KIND["kind"]``), set by the function before each use:
    compared by what it holds (a64n S3: before, only numbers were)."""
    op = unary_op("by_kind", lambda x: x if KIND["kind"] == "a" else 0.5 * x,
                  lambda x, out: 1.0 if KIND["kind"] == "a" else 0.5, register_op=False)
    w = Value(2.0)

    def f(x):
        KIND["kind"] = "a"
        h = op(w * x)
        KIND["kind"] = "b"
        return op(h * x)

    step = compile(f, native=False)
    with pytest.warns(UserWarning, match=r"\(an op of your own\) may read"):
        for x in (0.5, 1.5):
            same(step, f, [w], x)


def test_a_value_found_outside_whose_fields_the_function_sets_is_refused():
    """A node made outside whose ``_da`` the function sets, a parameter's number set by a
    made name (a64n S5, S7: before, the capture's numbers at every call, silently)."""
    w, u = Value(1.5), Value(2.0)
    product = w * u

    def f(x):
        product._da = 0.5 * x
        return product * x

    with pytest.raises(RuntimeError, match=r"it sets _da of .*, a Value made outside it"):
        compile(f, native=False)(1.0)


def test_values_number_parts_replaced_outside_are_refused(monkeypatch):
    """``Value.item`` replaced on the class (a quantized number): the capture puts its own
    over it; refused (a64n S6)."""
    own = Value.item
    monkeypatch.setattr(Value, "item", lambda v: round(own(v), 1))
    with pytest.raises(RuntimeError, match=r"\(Value\.item replaced\)"):
        compile(lambda x: W * x * W.item(), native=False)(0.5)


def test_gradients_accumulated_over_micro_batches_with_a_pure_own_op():
    """A GELU of ``math``'s functions reads no settings: backward() with gradients held runs
    the program again, the engine's numbers (a64n L1: refused before)."""
    gelu = unary_op("gelu_pure", lambda x: 0.5 * x * (1.0 + math.erf(x / math.sqrt(2.0))),
                    lambda x, out: 0.5 * (1.0 + math.erf(x / math.sqrt(2.0))) +
                    x * math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi), register_op=False)
    w = Value(0.7)

    def f(x):
        return gelu(w * x) ** 2

    step = compile(f, native=False)
    w.grad = 0.0
    for x in (0.5, -1.5):
        step(x).backward()
    ours = w.grad
    w.grad = 0.0
    for x in (0.5, -1.5):
        f(x).backward()
    assert ours == w.grad


FORMATTER = __import__("string").Formatter()


@pytest.mark.parametrize("how", ["get_field", "vformat", "vars"])
def test_data_read_through_a_library_by_a_made_name_is_followed(how):
    """``string.Formatter().get_field("0._data", ...)``, ``vformat`` of a template held
    outside, ``vars(builtins)["getattr"]``: the read is the learner's, through a library
    (a64n S1: before, the capture's number at every call)."""
    import builtins

    w = Value(2.0)
    read = {"get_field": lambda: FORMATTER.get_field("0." + KEY, (w,), {})[0],
            "vformat": lambda: float(FORMATTER.vformat(TEMPLATE, (w,), {})),
            "vars": lambda: vars(builtins)["get" + "attr"](w, KEY)}[how]

    _followed_at_every_call(w, read)
