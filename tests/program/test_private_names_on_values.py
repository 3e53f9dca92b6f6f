"""What a learner keeps on a Value under a private name (``self._decay`` set by a subclass,
``w._lr_mult``, a tied weight ``w._tied``, a given Value's ``_masked``, a running average
``w._ema`` the function writes) is walked and guarded as any attribute: only the engine's own
fields and marks (``reading.ENGINES_OWN``, read from the class) are not. Each was silent
before (an attacker's a64c f1, f4: 2.018 where the engine gives 2.009; 5.29 with the
gradient on the weight no longer tied, where the engine gives 1.44)."""

import warnings

from tests.program.against_engine import bits, same
from tinygrad_edu import Value
from tinygrad_edu.program import compile
from tinygrad_edu.program.reading import ENGINES_OWN


class Param(Value):
    def __init__(self, x, decay=True, **kw):
        super().__init__(x, **kw)
        self._decay = decay


def test_the_engines_own_names_are_read_from_its_class():
    assert {"_data", "_row", "_scope", "_no_graph", "_data_before"} <= ENGINES_OWN
    assert "_decay" not in ENGINES_OWN and not any(n.startswith("__") for n in ENGINES_OWN)


def test_a_private_option_a_private_number_and_a_tied_weight_changed_after_the_capture():
    w, b = Param(0.7, label="w"), Param(0.3, label="b")
    u, t1, t2 = Value(0.5), Value(0.2), Value(-0.9)

    def f(x):
        loss = (w * x * w._lr_mult + b - 1.0) ** 2 + (u * x + u._tied) ** 2
        for p in (w, b):
            if p._decay:
                loss = loss + 0.1 * p * p
        return loss

    for native in (True, False):
        b._decay, w._lr_mult, u._tied = True, 1.0, t1
        step = compile(f, native=native)
        with warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always")
            for k in range(4):
                if k == 1:
                    b._decay = False
                if k == 2:
                    w._lr_mult = 2.0
                if k == 3:
                    u._tied = t2
                same(step, f, [w, b, u, t1, t2], 1.0 + k)
        assert any("b._decay is not what it was" in str(s.message) for s in said)


def test_a_given_values_private_flag_picks_its_program():
    w = Value(0.7)

    def f(a):
        return w * a * (2.0 if a._masked else 1.0)

    for native in (True, False):
        step = compile(f, native=native)
        for k in range(4):
            a = Value(1.0 + k)
            a._masked = k % 2 == 1
            same(step, f, [w, a], a)


def test_a_private_number_the_function_writes_on_a_value_is_written_again():
    def made():
        w = Value(0.7)
        w._ema = 0.07

        def f(x):
            w._ema = 0.9 * w._ema + 0.1 * w.data
            return (w * x - w._ema) ** 2

        return w, f

    for native in (True, False):
        (w, f), (theirs, engine) = made(), made()
        step = compile(f, native=native)
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            for k in range(4):
                w.grad = theirs.grad = 0.0
                got, want = step(1.0 + k), engine(1.0 + k)
                got.backward()
                want.backward()
                assert [bits(got.data), bits(w.grad), bits(w._ema)] == [
                    bits(want.data), bits(theirs.grad), bits(theirs._ema)]
