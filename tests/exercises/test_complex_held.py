"""The complex step on numbers the watched numbers no longer follow earns nothing: a rule's
input made plain first (``float(x)`` and its family), the arrays of the array rules copied
plain (``np.asarray(Z).tolist()``), a class Value's ``.data`` in its ``backward()``, each
with its imaginary unit made at run time (no literal the reading sees). Each complex number
is held in a name of the learner's function, given to a function of the file, or held by
the module (``learner/held.py``): 1/1 on every route before (issue 65: a complex step
through ``float(x)``, one on the arrays' rules, one written inline in a Value's tanh), now
each fails, the name and the line said. Honest answers hold no complex number and pass
(``test_shortcuts.py``'s corpus)."""

import itertools
import sys

import numpy as np
import pytest

from tests.exercises.learners import lecture, said_at_exact_points, solution, value_class

MADE_PLAIN = '''
import math
import statistics
import struct

_IM = "im" + "ag"


def _unit():
    return float("-1") ** 0.5 - float("6.123233995736766e-17")


def d_tanh(x, y):
    u = float(x)
    z = u + 1e-30 * float("-1") ** 0.5
    t = (math.e ** (2 * z) - 1) / (math.e ** (2 * z) + 1)
    return getattr(t, _IM) / 1e-30


def d_exp(x, y):
    u = struct.unpack("d", struct.pack("d", x))[0]
    z = u + 1e-30 * float("-1") ** 0.5
    z = getattr(math.e ** z, _IM) / 1e-30  # (the complex number's name used again after)
    return z


def d_sigmoid(x, y):
    u = statistics.fmean([x])
    return getattr(1 / (1 + math.e ** (-(u + 1e-30 * _unit()))), _IM) / 1e-30


def d_mul(a, b, y):
    p, q = float("%.17g" % a), b.__float__()
    return (getattr((p + 1e-30 * _I) * q, _IM) / 1e-30,
            getattr(p * (q + 1e-30 * _I), _IM) / 1e-30)


_I = _unit()
'''
"""Rules by the complex step on their inputs made plain (``float(x)``, a ``struct`` round
trip, ``statistics.fmean``, ``'%.17g' % a``): held in a name (d_tanh), overwritten before
the return (d_exp), given only to a function of the file as it returns (d_sigmoid: the unit),
held by the module (d_mul)."""


@pytest.mark.parametrize("name, held", [
    ("d_tanh", "held in z on line"), ("d_exp", "held in z on line"),
    ("d_sigmoid", "returned by _unit on line"), ("d_mul", "held in the name _I of your file")])
def test_the_complex_step_on_an_input_made_plain_earns_nothing(name, held):
    said = said_at_exact_points(name, solution(MADE_PLAIN, name))
    assert "your answer computes with complex numbers (it met " in said, said
    assert held in said, said


ON_PLAIN_COPIES = '''
_IM = "im" + "ag"


def _plain(a):
    return np.array(np.asarray(a).tolist(), dtype=float)


def _loss(Z, Y):
    E = np.exp(Z - Z.real.max(axis=1, keepdims=True))
    return -(Y * np.log(E / E.sum(axis=1, keepdims=True))).sum(axis=1)


def d_softmax_cross_entropy(Z, Y):
    Zp, Yp = _plain(Z), _plain(Y)
    out = np.zeros(Zp.shape)
    for j in range(Zp.shape[1]):  # (a column of every row at once)
        step = np.zeros(Zp.shape)
        step[:, j] = 1e-30
        out[:, j] = getattr(_loss(Zp + step * np.sqrt(np.array(-1.0).astype("c" + "16")),
                                  Yp), _IM) / 1e-30
    return out


def dense_backward(X, W, b, dZ):
    Xp, Wp, bp, G = _plain(X), _plain(W), _plain(b), _plain(dZ)
    unit = np.sqrt(np.array(-1.0).astype("c" + "16"))
    dX, dW = np.zeros(Xp.shape), np.zeros(Wp.shape)
    for j in range(Xp.shape[1]):  # (the rows of Z apart: a column of X at once)
        Xc = Xp + 0 * unit
        Xc[:, j] += 1e-30 * unit
        dX[:, j] = getattr((G * (Xc @ Wp + bp)).sum(axis=1), _IM) / 1e-30
    for j in range(Wp.shape[0]):
        Wc = Wp + 0 * unit
        Wc[j, :] += 1e-30 * unit
        dW[j, :] = getattr((G * (Xp @ Wc + bp)).sum(axis=0), _IM) / 1e-30
    return dX, dW, G.sum(axis=0, keepdims=True)
'''
"""The array rules by the complex step on plain copies of their arrays, the complex dtype
named at run time (2/2 on every route before, entry by entry; here its leaner form, a
column at once)."""


@pytest.mark.parametrize("name, held", [
    ("d_softmax_cross_entropy", "an array of complex numbers, held in Z on line"),
    ("dense_backward", "a complex number, (0+1j), held in unit on line")])
def test_the_complex_step_on_plain_copies_of_arrays_earns_nothing(name, held):
    said = said_at_exact_points(name, solution(ON_PLAIN_COPIES, name))
    assert "your answer computes with complex numbers (it met " in said, said
    assert held in said, said


def test_an_array_rule_of_python_loops_passes():
    """An honest dense_backward of loops over the entries, as a learner may write it."""
    assert said_at_exact_points("dense_backward", solution('''
        def dense_backward(X, W, b, dZ):
            dX, dW = np.zeros(X.shape), np.zeros(W.shape)
            for i in range(X.shape[0]):
                for k in range(W.shape[1]):
                    g = dZ[i, k]
                    for j in range(X.shape[1]):
                        dX[i, j] += g * W[j, k]
                        dW[j, k] += X[i, j] * g
            return dX, dW, np.array([[sum(row[k] for row in dZ.tolist())
                                      for k in range(dZ.shape[1])]])
        ''', "dense_backward")) == ""


INLINE_IN_BACKWARD = [(
    "        self.grad += (1 - t**2) * out.grad",
    """        u = float(x)
            z = u + 1e-30 * (float("-1") ** 0.5 - float("6.123233995736766e-17"))
            e2 = math.e ** (2 * z)
            d = getattr((e2 - 1) / (e2 + 1), "im" + "ag") / 1e-30
            self.grad += d * out.grad""")]
"""The lecture's Value whose tanh's ``_backward`` takes the complex step of tanh, written as
exponentials, inline (1/1 on every route before): no function of the
forward pass is called at a complex number, but one is held in its names."""


def test_the_complex_step_inline_in_a_values_backward_earns_nothing():
    """(On the expressions where a class is tried for exactness, watched as every other
    input is: the complex step is exact there, and passed before.)"""
    said = said_at_exact_points("Value", value_class(lecture(*INLINE_IN_BACKWARD)))
    assert "your backward() runs the forward pass again (" in said, said
    assert "a complex number, (" in said and "held in z, in _backward on line" in said, said


def test_what_is_complex_is_told_by_its_type():
    """The check looks at types: a float, a NumPy float array and a list of floats are
    nothing complex (and the names say what is)."""
    from tinygrad_edu.exercises.learner.held import is_complex

    assert not any(is_complex(x) for x in (1.0, np.zeros(2), np.float64(1.0), [1.0], "1j"))
    assert is_complex(np.zeros(2, dtype=complex)) == "an array of complex numbers"
    assert is_complex(np.dtype("c16")) == "NumPy's complex type complex128"


ONE_EXPRESSION = '''
_IM = "im" + "ag"


def d_tanh(x, y):
    return getattr((math.e ** (2 * (float(x) + 1e-30 * float("-1") ** 0.5)) - 1)
                   / (math.e ** (2 * (float(x) + 1e-30 * float("-1") ** 0.5)) + 1), _IM) / 1e-30


def d_softmax_cross_entropy(Z, Y):
    Zp, Yp = np.array(np.asarray(Z).tolist()), np.array(np.asarray(Y).tolist())
    Zp = Zp - Zp.max(axis=1, keepdims=True)
    out = np.zeros(Zp.shape)
    for j in range(Zp.shape[1]):
        e = np.zeros(Zp.shape)
        e[:, j] = 1e-30
        out[:, j] = -(Yp * (Zp + e * np.sqrt(np.array(-1.0).astype("c" + "16")) - np.log(np.exp(
            Zp + e * np.sqrt(np.array(-1.0).astype("c" + "16"))).sum(axis=1, keepdims=True)))
                      ).sum(axis=1).__getattribute__(_IM) / 1e-30
    return out
'''
"""The complex step made and used within one expression, held in no name and given to no
function of the file: seen where its complex numbers are added or multiplied (the complex
type's operators: ``learner/complex_arithmetic.py``, on every Python) or where it is given
to a call (``getattr``, ``np.sqrt``), which Python 3.12 and later tell (``held.CallsSeen``)."""
ONE_EXPRESSION_IN_BACKWARD = [(
    "        self.grad += (1 - t**2) * out.grad",
    """        self.grad += getattr((math.e ** (2 * (x + 1e-30 * float("-1") ** 0.5)) - 1) / (
                math.e ** (2 * (x + 1e-30 * float("-1") ** 0.5)) + 1), "im" + "ag"
                ) / 1e-30 * out.grad""")]


@pytest.mark.parametrize("name, given", [
    ("d_tanh", ["given to getattr() on line "]),
    ("Value", ["(-1) ** 0.5, a complex number, in _backward on line ",
               "given to getattr(), in _backward on line "])])
def test_the_complex_step_in_one_expression_earns_nothing(name, given):
    """On every Python (a rule's ``getattr`` is a stand-in; a class's, seen as a call under
    3.12 and later, and its unit made, on every Python: before, under 3.10 and 3.11, the
    Value took 1/1)."""
    answer = value_class(lecture(*ONE_EXPRESSION_IN_BACKWARD)) if name == "Value" else \
        solution(ONE_EXPRESSION, name)
    said = said_at_exact_points(name, answer)
    assert "complex number" in said and any(words in said for words in given), said


@pytest.mark.skipif(sys.version_info < (3, 12), reason="a call's arguments are seen by "
                    "sys.monitoring, of Python 3.12 and later; earlier, this stays unseen")
def test_an_array_of_complex_numbers_given_to_a_call_earns_nothing():
    said = said_at_exact_points("d_softmax_cross_entropy", solution(
        ONE_EXPRESSION, "d_softmax_cross_entropy"))
    assert "an array of complex numbers" in said and ", given to " in said, said
    assert " on line " in said, said


NO_CALL = [("""
def d_tanh(x, y):
    return abs((math.e ** (2 * (float(x) + float("1e-30") * float("-1") ** 0.5)) - 1)
               / (math.e ** (2 * (float(x) + float("1e-30") * float("-1") ** 0.5)) + 1)
               - (math.e ** (2 * (float(x) - float("1e-30") * float("-1") ** 0.5)) - 1)
               / (math.e ** (2 * (float(x) - float("1e-30") * float("-1") ** 0.5)) + 1)
               ) / float("2e-30")
""", "d_tanh", "(-1) ** 0.5, a complex number on line "), ("""
def d_sigmoid(x, y):
    return float(str(1 / (1 + math.e ** -(float(x) + (-float("1e-60")) ** 0.5))).split(
        "+" if "+" in str(1 / (1 + math.e ** -(float(x) + (-float("1e-60")) ** 0.5)))[1:]
        else "-")[-1].rstrip("j)")) / 1e-30
""", "d_sigmoid", "(-1e-60) ** 0.5, a complex number on line ")]
"""The complex step in one expression that gives no complex number to any call: its
imaginary part read by ``abs`` of a difference (a65q's, 2/2 on every route under 3.11
before: d_tanh, d_sigmoid, d_pow, d_div, a Value's tanh, microgpt's node), or from its text
(``str``, which 3.12's ``CallsSeen`` sees given a complex number; an f-string is no call)."""


POWERS_ONLY = """
Z = type(float("-1") ** 0.5)
IM = "{0.%s}" % ("im" + "ag")


def d_exp(x, y):
    return float(IM.format(math.e ** Z(float(x), 1e-30))) / 1e-30


def d_tanh(x, y):
    return -2 * float(IM.format(Z(math.e ** Z(2 * float(x), 2e-30), Z(0.0, -1.0)) ** -1)) / 1e-30


def d_pow(a, b, y):
    return (float(IM.format(Z(float(a), 1e-30) ** float(b))) / 1e-30,
            float(IM.format(float(a) ** Z(float(b), 1e-30))) / 1e-30)


def d_div(a, b, y):
    return (float(a) / float(b) * 0 + 1 / float(b),
            float(a) * float(IM.format(Z(float(b), 1e-30) ** -1)) / 1e-30)
"""
"""a65r's complex step with no watched operator but ``**`` and the constructor (``Z(w,
Z(0.0, -1.0))`` is w + 1, added in C), its imaginary part read by ``str.format``: 5/5 on
``check`` under 3.11 before, and the Value and microgpt's node so, 1/1."""


@pytest.mark.parametrize("name, said_", [
    ("d_exp", "in complex(), the constructor on line "),
    ("d_tanh", "in complex(), the constructor on line "),
    ("d_pow", "in complex(), the constructor on line "),
    ("d_div", "in complex(), the constructor on line ")])
def test_the_complex_step_by_the_constructor_and_powers_earns_nothing(name, said_):
    said = said_at_exact_points(name, solution(POWERS_ONLY, name))
    assert "your answer computes with complex numbers (it met " in said and " on line " in said
    assert said_ in said or _a_call_seen_first(said), said


def test_a_unit_made_by_a_power_is_seen_where_it_is_made():
    """``float("-1") ** 0.5``: a float's power hands a negative base's fractional power to
    the complex type's, and that is seen, with the base."""
    said = said_at_exact_points("d_exp", solution("""
        def d_exp(x, y):
            return float(("{0.%s}" % ("im" + "ag")).format(
                math.e ** (float("-1e-60") ** 0.5))) * 0 + y
        """, "d_exp"))
    assert "it met (-1e-60) ** 0.5, a complex number on line " in said, said


BY_UFUNCS = """
_K = "c" + "16"
_U = (np.tanh, np.exp, np.negative, np.add, np.reciprocal)


class _S:
    pass


def _z(x):
    s = _S()
    s.a = np.array([float(x), 1e-20]).view(_K)
    return s


def _im(s):
    return float(np.frombuffer(s.a, dtype=np.float64)[1])


def d_tanh(x, y):
    s = _z(x)
    _U[0].at(s.a, 0)
    return _im(s) / 1e-20


def d_sigmoid(x, y):
    s = _z(x)
    for u in _U[2:3] + _U[1:2]:
        u.at(s.a, 0)
    _U[3].at(s.a, 0, 1.0)
    _U[4].at(s.a, 0)
    return _im(s) / 1e-20
"""
"""a65s's complex step on a NumPy array alone: a float array viewed as complex (its dtype
named at run time), held in an object's attribute, computed on by the ``.at`` of ufuncs kept
in a tuple (where no stand-in is put), read by ``np.frombuffer``: no Python complex number is
made. d_tanh, d_exp, d_sigmoid, d_pow, d_div 5/5, a Value 1/1, microgpt 10/10 before."""


@pytest.mark.parametrize("name", ["d_tanh", "d_sigmoid"])
def test_the_complex_step_on_an_array_by_ufuncs_kept_away_earns_nothing(name):
    said = said_at_exact_points(name, solution(BY_UFUNCS, name))
    assert "your answer computes with complex numbers (it met an array of complex numbers, " \
        in said, said
    assert "made by .view() on line " in said or _a_call_seen_first(said), said


@pytest.mark.parametrize("source, name, said_", NO_CALL, ids=["abs", "text"])
def test_the_complex_step_given_to_no_call_earns_nothing(source, name, said_):
    said = said_at_exact_points(name, solution(source, name))
    assert "your answer computes with complex numbers (it met " in said
    assert said_ in said or _a_call_seen_first(said), said


def _a_call_seen_first(said):
    """Under Python 3.12 and later, a complex number given to a call (``abs``, ``str``,
    ``complex``) is said first, where the call's watch saw it (``held.CallsSeen``)."""
    return sys.version_info >= (3, 12) and ", given to " in said and " on line " in said


def test_the_operators_give_the_same_numbers_and_notice_nothing_unwatched():
    """Watched or not, each operator's answer is the complex type's own, bit for bit; with
    no learner's frame on the stack nothing is noted."""
    from tinygrad_edu.exercises.learner import complex_arithmetic

    def numbers(z, w, minus):
        return [z + w, z - w, z * w, z / w, -z, +z, abs(z), z + 1.5, 1.5 - z, 2 * z, 3 / z,
                z ** 2, 2 ** z, z ** w, minus ** 0.5, minus ** (1 / 3), int(minus) ** 0.25,
                pow(minus, 2.5), minus ** 2.0, 2.0 ** minus, 0.5 ** 0.5, complex(1.5, minus),
                complex("1e-30j"), np.complex128(z) * 2, np.complex128(z) ** 0.5,
                np.exp(np.arange(3.0)).sum(), np.ones((2, 3)) @ np.ones(3), np.add.reduce(
                    np.arange(4.0)), np.dot(np.ones(2), np.ones(2)), np.arange(2.0).view("c16")]

    z, w, minus = complex(0.3, -1.7), complex(-2.5, 1e-300), float("-3")
    found = []
    with complex_arithmetic.watching({"<nowhere>"}, found, lambda: None):
        answers = numbers(z, w, minus)
    assert found == []
    assert complex.__dict__["__add__"].__name__ == "__add__"  # (the watching function)
    complex_arithmetic.remove()
    try:
        plain = numbers(z, w, minus)
        assert type(complex.__dict__["__add__"]).__name__ == "wrapper_descriptor"
        assert type(float.__dict__["__pow__"]).__name__ == "wrapper_descriptor"
    finally:
        complex_arithmetic.install()
    assert [repr(a) for a in answers] == [repr(a) for a in plain]
    assert type(np.ufunc.__dict__["__call__"]).__name__ == "function"  # (arrays: watched)
    for errors in (lambda: 0j ** -1, lambda: 0.0 ** -1.0, lambda: complex("x")):
        with pytest.raises((ZeroDivisionError, ValueError)):
            errors()


CONSTANT = '''
def d_tanh(x, y):
    return getattr((math.e ** (2 * (float(x) + 1e-20j)) - 1)
                   / (math.e ** (2 * (float(x) + 1e-20j)) + 1), "im" + "ag") / 1e-20
'''
"""The complex step made and used within one expression, its unit a literal (which the
file's reading refuses: this is graded here as a function, where no file is read)."""
CONSTANT_IN_BACKWARD = [(
    "        self.grad += (1 - t**2) * out.grad",
    """        self.grad += getattr((math.e ** (2 * (x + 1e-20j)) - 1) / (
                math.e ** (2 * (x + 1e-20j)) + 1), "im" + "ag") / 1e-20 * out.grad""")]


@pytest.mark.parametrize("name", ["d_tanh", "Value"])
def test_the_complex_step_in_one_expression_on_a_constant_earns_nothing(name):
    """Under Python 3.10 and 3.11 too, where no call's arguments are seen: a complex
    constant of the learner's code (before, 3.10 and 3.11: shortcut said '', 1/1)."""
    answer = value_class(lecture(*CONSTANT_IN_BACKWARD)) if name == "Value" else \
        solution(CONSTANT, name)
    said = said_at_exact_points(name, answer)
    assert "a complex number, (" in said and " on line " in said, said


def test_a_method_of_a_complex_array_in_one_expression_earns_nothing():
    """``ONE_EXPRESSION``'s arrays: under 3.10 and 3.11, seen where a method of the complex
    array is called (``.sum(axis=1, keepdims=True)``); under 3.12 and later, given to a
    call first."""
    said = said_at_exact_points("d_softmax_cross_entropy", solution(ONE_EXPRESSION,
                                                         "d_softmax_cross_entropy"))
    assert "an array of complex numbers, " in said and " on line " in said, said
    if sys.version_info < (3, 12):
        assert ", whose sum() was called on line " in said, said


def test_the_complex_step_given_to_no_call_earns_nothing_on_check(tmp_path, capsys):
    """Through ``check``, in the learner's process, where the operators are replaced before
    the learner's file is loaded (``serve.py``): 2/2 before under 3.10 and 3.11 (the text
    route under 3.12 and later too), 0/2 now."""
    from tinygrad_edu.exercises.cli import main as cli

    path = tmp_path / "steps.py"
    path.write_text("import math\n" + "".join(source for source, _, _ in NO_CALL),
                    encoding="utf-8")
    assert cli(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "0 of 2 attempted exercises pass" in out, out
    for _, name, said in NO_CALL:
        assert f"✗ {name}: your answer computes with complex numbers (it met " in out, out
        assert said in out or _a_call_seen_first(out), out


def test_every_power_gives_what_it_gave_unwatched():
    """A float's and an int's ``**`` are replaced too (each hands some powers to a wider
    type's: ``complex_arithmetic._handed_power``): every pair of these numbers gives the same
    answer, or the same error and message, watched or not, and three-argument ``pow``."""
    from tinygrad_edu.exercises.learner import complex_arithmetic

    numbers = [0, 1, -1, 2, -3, True, 0.0, -0.0, 1.0, -1.0, 0.5, -0.5, -2.5, 1 / 3,
               float("inf"), float("-inf"), float("nan"), 1e308, -1e308, 1j, 0j,
               complex(1, 2), complex(-0.0, 0.0), 10**400, -(3**500)]

    def powers():
        said = []
        for a, b in itertools.product(numbers, numbers):
            if type(b) is int and abs(b) > 3 and type(a) in (int, bool) and abs(a) > 1:
                continue  # (an int of 400 digits to a power of as many: no)
            try:
                said.append(repr(a ** b))
            except Exception as error:
                said.append(f"{type(error).__name__}: {error}")
        for a, b, m in [(2, -1, 5), (3, 4, 7), (-2, 3, 5)]:
            said.append(repr(pow(a, b, m)))
        return said

    watched = powers()
    complex_arithmetic.remove()
    try:
        plain = powers()
    finally:
        complex_arithmetic.install()
    assert len(plain) > 600 and watched == plain
