"""An op of one's own is a step of a program only where its code reads nothing but its
operands, constants and functions that compute (``own_reads.looked_at``): a setting it reads
any other way may change between two uses in one call (a temperature per layer), and a
program calls the op's functions after the function's own writes. Each route below gave
the program both uses at the last setting, silently, native and Python (an attacker's, a64o
S1, S2, S5, S6): now the call runs as the engine, said."""

import array
import builtins
import collections
import dataclasses
import functools
import itertools
import math
import operator
import os
import random
import types
import warnings

import numpy
import pytest

from tests.program.against_engine import bits, same
from tinygrad_edu import Value, unary_op
from tinygrad_edu.program import compile

W = Value(0.8)


class Cfg:
    T = 1.0


class Act:
    def __init__(self):
        self.T = 1.0

    def forward(self, v):
        return v / self.T

    def rule(self, v, out):
        return 1.0 / self.T


class Module:  # (PyTorch's way: ``__call__`` on a base class)
    def __call__(self, *args):
        return self.forward(*args)


class Soft(Module):
    def __init__(self):
        self.T = 1.0

    def forward(self, v):
        return v / self.T


class DSoft(Module):
    def __init__(self, soft):
        self.soft = soft

    def forward(self, v, out):
        return 1.0 / self.soft.T


HP = {"T": 1.0}
MOD = types.ModuleType("a_learners_settings")
MOD.T = 1.0
exec("def soft(v):\n    return v / T\ndef dsoft(v, out):\n    return 1.0 / T\n", vars(MOD))
TEMP = 1.0


def fwd(v):
    return v / fwd.T


fwd.T = 1.0


def _setter(statement):
    """A function of this module setting T as the learner's code does (``Cfg.T = t``)."""
    space = {}
    exec(f"def set_t(t):\n    {statement}\n", globals(), space)
    return space["set_t"]


def _set_global(t):
    global TEMP
    TEMP = t


def _checked(function):  # (an ordinary decorator: each costs the reading a level)
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        return function(*args, **kwargs)
    return wrapper


HP2 = {"T": 1.0}


@_checked
def _temperature():
    return HP2["T"]


@_checked
def _scaled(v):
    return v / _temperature()


@_checked
def _d_scaled(v):
    return 1.0 / _temperature()


def _by_default(v, T=1.0):
    return v / T


def _set_default(t):
    _by_default.__defaults__ = (t,)


HP4 = {"T": 1.0}


def _like_exp(function):  # (a learner's decorator that copies ``math.exp``'s name and module)
    @functools.wraps(math.exp)
    def wrapper(v):
        return function(v)
    return wrapper


@_like_exp
def _tempered(v):
    return v / HP4["T"]


math.TGE_T = 1.0  # (a learner's setting where math's constants are: read as math.pi is)
TARR = numpy.array([1.0])
TBUF = array.array("d", [1.0])
UF = numpy.frompyfunc(lambda v: v / Cfg.T, 1, 1)
ACT, SOFT = Act(), Soft()
ROUTES = {  # (each route: the op's forward and rule, how the function sets T)
    "class attribute": (lambda v: v / Cfg.T, lambda v, out: 1.0 / Cfg.T,
                        _setter("Cfg.T = t")),
    "self.T": (ACT.forward, ACT.rule, _setter("ACT.T = t")),
    "default": (lambda v, H=HP: v / H["T"], lambda v, out, H=HP: 1.0 / H["T"],
                lambda t: HP.update(T=t)),
    "module": (lambda v: v / MOD.T, lambda v, out: 1.0 / MOD.T,
               _setter("MOD.T = t")),
    "function attribute": (fwd, lambda v, out: 1.0 / fwd.T,
                           _setter("fwd.T = t")),
    "globals()": (lambda v: v / globals()["TEMP"], lambda v, out: 1.0 / globals()["TEMP"],
                  _set_global),
    "os.environ": (lambda v: v / float(os.environ["TGE_T"]),
                   lambda v, out: 1.0 / float(os.environ["TGE_T"]),
                   lambda t: os.environ.__setitem__("TGE_T", str(t))),
    "another module's function": (lambda v: MOD.soft(v), lambda v, out: MOD.dsoft(v, out),
                                  _setter("MOD.T = t")),
    "inherited __call__": (SOFT, DSoft(SOFT), _setter("SOFT.T = t")),
    # (a64p's: past what the reading read, or compared by identity where it changed in place)
    "decorated helpers": (lambda v: _scaled(v), lambda v, out: _d_scaled(v),
                          lambda t: HP2.update(T=t)),
    "a default per layer": (_by_default, lambda v, out: 1.0 / _by_default.__defaults__[0],
                            _set_default),
    "a NumPy array": (lambda v: v / TARR[0], lambda v, out: 1.0 / TARR[0],
                      lambda t: TARR.__setitem__(0, t)),
    "an array.array": (lambda v: v / TBUF[0], lambda v, out: 1.0 / TBUF[0],
                       lambda t: TBUF.__setitem__(0, t)),
    "np.frompyfunc": (lambda v: float(UF(v)), lambda v, out: 1.0 / Cfg.T,
                      _setter("Cfg.T = t")),
    "functools.wraps(math.exp)": (lambda v: _tempered(v), lambda v, out: 1.0 / HP4["T"],
                                  lambda t: HP4.update(T=t)),  # (a64q S7)
    "a setting kept on the math module": (lambda v: v / math.TGE_T, lambda v, out: 1.0,
                                          lambda t: setattr(math, "TGE_T", t)),  # (a64q S5)
}


def _losses_and_grads(g, xs=(1.0, 2.0, 3.0), before=None, after=None):
    """The loss's number and ``W``'s gradient, to the bit, of ``g(x)`` at each x (``before``
    and ``after`` run around each call, outside the function, as a training loop's code)."""
    found = []
    for x in xs:
        if before is not None:
            before()
        W.grad = 0.0
        loss = g(x)
        loss.backward()
        found.append(bits(loss.data) + bits(W.grad))
        if after is not None:
            after()
    return found


def _engine_and_program(f, native, **around):
    """What ``f`` gives in the engine, what its compiled program gives, called the same way
    (``_losses_and_grads``), and the messages of the warnings the program gave."""
    want = _losses_and_grads(f, **around)
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        got = _losses_and_grads(compile(f, native=native), **around)
    return want, got, [str(w.message) for w in said]


@pytest.mark.parametrize("route", list(ROUTES))
@pytest.mark.parametrize("native", [True, False])
def test_a_setting_read_past_the_operands_and_changed_between_uses_runs_as_the_engine(
        route, native):
    forward, rule, set_t = ROUTES[route]
    op = unary_op(f"per_layer_{len(route)}", forward, rule, register_op=False)

    def f(x):
        h1 = op(W * x)  # (layer 1 at T = 1)
        set_t(2.0)
        return h1 * op(W * x)  # (layer 2 at T = 2)

    try:
        try:
            want, got, said = _engine_and_program(
                f, native, before=lambda: set_t(1.0))  # (the loop's, outside the function)
        except RuntimeError as why:  # (or refused, saying why)
            assert "cannot be captured as a program" in str(why)
        else:
            assert got == want
            assert any("(an op of your own)" in w or "captured again" in w for w in said)
    finally:
        set_t(1.0)
        os.environ.pop("TGE_T", None)


class Noisy:
    def __init__(self):
        self.noise = random.gauss

    def forward(self, v):
        return v + self.noise(0.0, 0.1) if v > 0 else v


class Noise(Module):
    def forward(self, v):
        return v + random.gauss(0.0, 0.1) if v > 0 else v


@pytest.mark.parametrize("how", ["self.noise", "another module", "inherited __call__"])
def test_an_own_op_drawing_past_what_its_code_names_runs_as_the_engine(how):
    """The draw not taken at the capture (x < 0 then): later calls draw where the engine
    draws, in the engine's order (a64o S2: before, the function's and the op's draws
    swapped, silently)."""
    noisy = types.ModuleType("a_learners_noise")
    noisy.random = random
    exec("def jitter(v):\n    return v + random.gauss(0.0, 0.1) if v > 0 else v\n",
         vars(noisy))
    forward = {"self.noise": Noisy().forward, "another module": lambda v: noisy.jitter(v),
               "inherited __call__": Noise()}[how]
    op = unary_op(f"noisy_{len(how)}", forward, lambda v, out: 1.0, register_op=False)

    def f(x):
        return op(W * x) * random.random()

    step = compile(f, native=False)
    with pytest.warns(UserWarning, match=r"\(an op of your own\)"):
        for x in (-1.0, 1.0, 2.0):
            state = random.getstate()
            ours = step(x).data
            random.setstate(state)
            assert ours == f(x).data


@pytest.mark.parametrize("kind", ["object", "nested dict", "nested list", "defaultdict",
                                  "deque", "NumPy array", "tuple of a list"])
def test_an_own_op_over_a_local_changed_in_place_two_levels_down_runs_as_the_engine(kind):
    """An op made in the call over a local setting the function changes between uses
    (a64o S5: before, compared one level down)."""
    def f(x):
        cfg = {"object": types.SimpleNamespace(T=1.0), "nested dict": {"act": {"T": 1.0}},
               "nested list": [[1.0]], "defaultdict": collections.defaultdict(float, T=1.0),
               "deque": collections.deque([1.0]), "NumPy array": numpy.array([1.0]),
               "tuple of a list": ([1.0],)}[kind]

        def t():
            return cfg.T if kind == "object" else cfg["act"]["T"] if kind == "nested dict" \
                else cfg["T"] if kind == "defaultdict" else cfg[0][0] if kind in (
                    "nested list", "tuple of a list") else cfg[0]

        def set_t(v):
            if kind == "object":
                cfg.T = v
            elif kind == "nested dict":
                cfg["act"]["T"] = v
            elif kind == "defaultdict":
                cfg["T"] = v
            elif kind in ("nested list", "tuple of a list"):
                cfg[0][0] = v
            else:
                cfg[0] = v

        op = unary_op("local_t", lambda v: v / t(), lambda v, out: 1.0 / t(),
                      register_op=False)
        h = op(W * x)
        set_t(2.0)
        return h * op(W * x)

    step = compile(f, native=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for x in (1.0, 2.0, 3.0):
            same(step, f, [W], x)


def test_gradients_accumulated_over_micro_batches_with_an_op_reading_self_are_the_engines():
    """Two micro-batches at two temperatures, ``backward()`` of each with gradients held:
    the engine's sum (a64o S6: before, the second re-ran the op at the last temperature)."""
    act = Act()
    op = unary_op("by_self", act.forward, act.rule, register_op=False)

    def f(x):
        return op(W * x) * op(W * x)

    def accumulated(g):
        found = []
        for step in range(3):
            act.T, W.grad = 1.0, 0.0
            l1 = g(1.0 + step)  # (micro-batch 1 at T = 1)
            act.T = 2.0  # (micro-batch 2 at T = 2, set by the loop)
            l2 = g(2.0 + step)
            l2.backward()
            l1.backward()
            found.append((bits(l1.data), bits(l2.data), bits(W.grad)))
        act.T = 1.0
        return found

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = accumulated(f)
        try:
            got = accumulated(compile(f, native=False))
        except RuntimeError as refused:  # (or refused, saying why)
            assert "op of your own" in str(refused)
        else:
            assert got == want


def _act(v):
    return math.tanh(v)


HP3 = {"T": 1.0}


def test_a_helper_rebound_between_captures_is_read_again(monkeypatch):
    """A notebook cell run again rebinds the helper an op's forward calls, to one that reads
    a setting: the next capture reads the op anew (a64p S3: before, its first reading kept,
    "pure", and the program ran both layers at the last setting)."""
    op = unary_op("rebound", lambda v: _act(v), lambda v, out: 1.0, register_op=False)

    def f(x):
        HP3["T"] = 1.0
        h = op(W * x)
        HP3["T"] = 2.0
        return h * op(W * x)

    step = compile(f, native=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same(step, f, [W], 1.0)
        monkeypatch.setitem(globals(), "_act", lambda v: v / HP3["T"])
        for x in (1.0, 2.0, 3.0):
            same(step, f, [W], x)


def test_an_op_of_maths_functions_and_constant_defaults_is_a_program():
    """Pure is still pure: ``math``'s functions, computing builtins, a default that is a
    number (a program, no warning)."""
    op = unary_op("softplus_pure", lambda v, beta=1.0: max(v, 0.0) + math.log1p(
        math.exp(-abs(beta * v))) / beta,
        lambda v, out: 1.0 / (1.0 + math.exp(-v)), register_op=False)
    step = compile(lambda x: op(W * x), native=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for x in (0.5, -1.5, 2.0):
            same(step, lambda x: op(W * x), [W], x)
    assert step.runs == 2


@pytest.mark.parametrize("kind", ["NumPy array", "array.array", "NumPy array of no dimension"])
def test_a_setting_in_an_array_written_in_place_between_uses_runs_as_the_engine(kind):
    """The function writes both temperatures itself, in place (a64p S5: before, captured
    again once, then the program ran both layers at the last one, silently)."""
    held = {"NumPy array": numpy.array([1.0]), "array.array": array.array("d", [1.0]),
            "NumPy array of no dimension": numpy.array(1.0)}[kind]
    at = () if kind == "NumPy array of no dimension" else 0
    op = unary_op("in_array", (lambda v: v / held) if at == () else (lambda v: v / held[0]),
                  lambda v, out: 1.0 / held[at], register_op=False)

    def f(x):
        held[at] = 1.0
        h = op(W * x)
        held[at] = 2.0
        return h * op(W * x)

    step = compile(f, native=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for x in (1.0, 2.0, 3.0, 4.0):
            same(step, f, [W], x)


def test_a_wrapper_that_copies_a_librarys_module_is_read(tmp_path):
    """``functools.wraps(math.exp)`` copies ``__module__ = "math"`` onto the learner's
    wrapper, which reads a setting: read as the learner's code, not passed over as the
    library's (a64q S7: before, both layers at the last temperature from the third call)."""
    hp = {"T": 1.0}

    def tempered(function):
        @functools.wraps(function)
        def inner(v):
            return function(v / hp["T"])
        return inner

    texp = tempered(math.exp)
    op = unary_op("texp", lambda v: texp(v), lambda v, out: texp(v), register_op=False)

    def f(x):
        hp["T"] = 1.0
        h = op(W * x)
        hp["T"] = 2.0
        return h * op(W * x)

    step = compile(f, native=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for x in (1.0, 2.0, 3.0, 4.0):
            same(step, f, [W], x)


HP5 = {"T": 1.0}
OWN_BUILTINS = {"__builtins__": dict(vars(builtins)), "HP5": HP5}
exec("def tempered_max(*values):\n    return sorted(values)[-1] / HP5['T']\n"
     "def soft(v):\n    return max(v, -1e300)\n", OWN_BUILTINS)
OWN_BUILTINS["__builtins__"]["max"] = OWN_BUILTINS["tempered_max"]


@pytest.mark.parametrize("native", [True, False])
def test_a_builtin_replaced_by_the_learners_function_is_read(native):
    """``max`` found in the builtins a function's globals name, where the learner's code put
    a function of its own reading a setting (as ``builtins.max = my_max`` does): read as
    that function, so the op over it runs as the engine (a64q S10: before, any ``max`` was
    taken for Python's, and both layers got the last setting, silently)."""
    op = unary_op("tempered_max", OWN_BUILTINS["soft"], lambda v, out: 1.0,
                  register_op=False)  # (its rule reads nothing: the setting is max's alone)

    def f(x):
        h1 = op(W * x)  # (layer 1 at T = 1)
        HP5["T"] = 2.0
        return h1 * op(W * x)  # (layer 2 at T = 2)

    try:
        want, got, said = _engine_and_program(f, native, before=lambda: HP5.update(T=1.0))
        assert got == want
        assert any("(an op of your own)" in w for w in said)
    finally:
        HP5["T"] = 1.0


@dataclasses.dataclass(slots=True)
class SlotCfg:
    T: float


@pytest.mark.parametrize("native", [True, False])
@pytest.mark.parametrize("getter", ["attrgetter", "bound method"])
def test_an_op_reading_through_operators_getter_runs_as_the_engine(getter, native):
    """``operator.attrgetter("T")(c)`` of a slots dataclass made in the call (no
    ``__dict__`` to compare), or of ``self`` in a bound method, changed between two uses: the
    op runs as the engine, said (an attacker's, a64r S12c, S3c: before, ``operator``'s
    classes were passed over as computing, and both layers got the last setting)."""
    class Act:
        def __init__(self):
            self.cfg = {"T": 1.0}

        def forward(self, v):
            return v / operator.attrgetter("cfg")(self)["T"]

    def f(x):
        c, act = SlotCfg(1.0), Act()
        forward = (lambda v: v / operator.attrgetter("T")(c)) if getter == "attrgetter" \
            else act.forward
        op = unary_op("by_getter", forward, lambda v, out: 1.0, register_op=False)
        h = op(W * x)
        c.T = act.cfg["T"] = 2.0
        return h * op(W * x)

    want, got, said = _engine_and_program(f, native)
    assert got == want
    assert any("calls operator.attrgetter" in w for w in said)


def _partial_over_a_local_dict(x):
    cfg = {"T": 1.0}
    op = unary_op("by_partial", functools.partial(lambda v, cfg: v / cfg["T"], cfg=cfg),
                  lambda v, out: 1.0, register_op=False)
    h = op(W * x)
    cfg["T"] = 2.0
    return h * op(W * x)


def _config_four_levels_down(x):
    cfg = {"a": {"b": {"c": [1.0]}}}
    op = unary_op("by_depth", lambda v: v / cfg["a"]["b"]["c"][0], lambda v, out: 1.0,
                  register_op=False)
    h = op(W * x)
    cfg["a"]["b"]["c"][0] = 2.0
    return h * op(W * x)


def _a_local_iterator(x):
    temps = itertools.cycle([1.0, 2.0, 4.0])

    def forward(v):
        for t in temps:
            return v / t
        return v

    op = unary_op("by_cycle", forward, lambda v, out: 1.0, register_op=False)
    h = op(W * x)
    return h * op(W * x)


def _a_read_only_view(x):
    held = {"T": 1.0}
    cfg = types.MappingProxyType(held)
    op = unary_op("by_view", lambda v: v / cfg["T"], lambda v, out: 1.0, register_op=False)
    h = op(W * x)
    held["T"] = 2.0
    return h * op(W * x)


def _a_closure_four_functions_down(x):
    T = 1.0

    def l4(v):
        return v / T

    def l3(v):
        return l4(v)

    def l2(v):
        return l3(v)

    def l1(v):
        return l2(v)

    op = unary_op("by_closures", l1, lambda v, out: 1.0, register_op=False)
    h = op(W * x)
    T = 2.0
    return h * op(W * x)


@pytest.mark.parametrize("native", [True, False])
@pytest.mark.parametrize("f", [_partial_over_a_local_dict, _config_four_levels_down,
                               _a_local_iterator, _a_read_only_view,
                               _a_closure_four_functions_down],
                         ids=lambda f: f.__name__.strip("_"))
def test_a_setting_held_where_a_look_did_not_open_it_runs_as_the_engine(f, native):
    """An op made in the call over a setting held where the comparison of what it reads did
    not look: a ``functools.partial``'s dict, a config four levels down, a local iterator
    (``itertools.cycle``: each use takes the next), a read-only view of a dict, a closure
    four functions down; changed between two uses. The op runs as the engine, said (an
    attacker's, a64r S1, S8, S11, S14, S6: before, both layers at the last setting, or the
    capture's iterator carried on through, silently)."""
    want, got, said = _engine_and_program(f, native)
    assert got == want
    assert any("(an op of your own)" in w for w in said)


def _divide_by_one(v):
    return v / 1.0


def _divide_by_two(v):
    return v / 2.0


ACT = _divide_by_one
HP6 = {"T": 1.0}


def _a_helper_rebound_by_name(x):
    global ACT
    ACT = _divide_by_one
    op = unary_op("by_name", lambda v: ACT(v), lambda v, out: 1.0, register_op=False)
    h = op(W * x)
    ACT = _divide_by_two
    return h * op(W * x)


@pytest.mark.parametrize("native", [True, False])
def test_a_helper_the_op_finds_by_name_rebound_between_uses_runs_as_the_engine(native):
    """The op's forward calls ``ACT`` by its global name, and the function binds another
    function to that name between two uses: the op runs as the engine, said (an attacker's,
    a64r S2: before, both layers called the last one, silently)."""
    want, got, said = _engine_and_program(_a_helper_rebound_by_name, native)
    assert got == want
    assert any("(an op of your own)" in w for w in said)


def _helper_in_a_branch(v):
    return v


@pytest.mark.parametrize("native", [True, False])
def test_a_helpers_code_replaced_after_the_capture_is_guarded(native):
    """A helper the op calls only above 5 (not at the capture, at 0.8) has its ``__code__``
    replaced after the capture by code that reads a setting changed between two uses: the
    engine's numbers (the helper's code is guarded as the code that ran is; an attacker's,
    a64r S4: before, the program called the new code at both uses at the last setting)."""
    op = unary_op("by_branch", lambda v: _helper_in_a_branch(v) if v > 5 else v,
                  lambda v, out: 1.0, register_op=False)

    def f(x):
        HP6["T"] = 1.0
        h = op(W * x)
        HP6["T"] = 2.0
        return h * op(W * x)

    def tempered(v):
        return v / HP6["T"]

    def calls(g):
        _helper_in_a_branch.__code__ = (lambda v: v).__code__
        try:
            return _losses_and_grads(g, xs=(1.0, 10.0, 20.0), after=replace)
        finally:
            _helper_in_a_branch.__code__ = (lambda v: v).__code__

    def replace():  # (after the capture)
        _helper_in_a_branch.__code__ = tempered.__code__

    want = calls(f)
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        assert calls(compile(f, native=native)) == want


def _scaled_by(v, a):
    return v * a


SCALED = functools.partial(_scaled_by, a=1.0)


@pytest.mark.parametrize("native", [True, False])
def test_an_ops_partial_whose_keyword_the_loop_changes_is_read_at_each_call(native):
    """An op of one's own whose forward is a ``functools.partial``, its keyword changed by
    the loop between calls: the engine's numbers at each, and the partial holds the
    learner's number after each (an attacker's, a64s c1: before, the second call died with a
    bare ValueError out of the program's builder, the capture having put its own number into
    the partial after the call, and left it there)."""
    op = unary_op("by_keyword", SCALED, lambda v, out: 1.0,
                  register_op=False)
    settings = iter((1.0, 0.5, 0.25))

    def f(x):
        return op(W * x)

    def each():
        SCALED.keywords["a"] = next(settings)

    try:
        want = _losses_and_grads(f, before=each)
        settings = iter((1.0, 0.5, 0.25))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert _losses_and_grads(compile(f, native=native), before=each) == want
        assert type(SCALED.keywords["a"]) is float
    finally:
        SCALED.keywords["a"] = 1.0
