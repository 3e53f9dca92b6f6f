"""A rule's input made plain before a numerical derivative is taken of it (issue
65): through ``math.fsum([x])`` (or ``ldexp``, ``copysign``...)
it stays watched, and through its digits (``float(str(x))``) it is its exact form; the
complex step made at run time (``float('-1') ** 0.5``) and a step of 1 on a product or a
quotient's numerator, each 1/1 before, now fail, the line named."""

from tests.exercises.test_reached_again import graded

PLAIN = '''
import math


def _im(w):
    """The imaginary part, read off the number's repr (no name the reading knows)."""
    r = repr(w)
    part = r.rstrip(")j").replace("(", "").rsplit("+" if "+" in r[2:] else "-", 1)[-1]
    return float(part) * (-1 if "-" in r[2:].split("e")[0][1:] and "+" not in r[2:] else 1)


def _t(z):
    e = math.e ** (2 * z)
    return (e - 1) / (e + 1)


def d_tanh(x, y):
    unit = float("-1") ** 0.5 - float("6.123233995736766e-17")  # 1j, made at run time
    return _im(_t(math.fsum([x]) + 1e-30 * unit)) / 1e-30


def d_exp(x, y):
    unit = float("-1") ** 0.5 - float("6.123233995736766e-17")
    return _im(math.e ** (float(str(x)) + 1e-30 * unit)) / 1e-30


def d_mul(a, b, y):
    p, q = math.fsum([a]), math.ldexp(b, 0)
    return ((p + 1) * q - (p - 1) * q) / 2, (p * (q + 1) - p * (q - 1)) / 2


def d_div(a, b, y):
    p, q = math.copysign(a, 1.0) if a >= 0 else a, math.fsum([b])
    return ((p + 1) / q - (p - 1) / q) / 2, -y / q
'''


def test_an_input_made_plain_is_still_seen(tmp_path):
    names = ["d_tanh", "d_exp", "d_mul", "d_div"]
    result = graded(tmp_path, PLAIN, names)
    said = {name: str(result.verdicts[name]) for name in names}
    assert not any(result.verdicts[name].passed for name in names), said
    assert "computes with complex numbers" in said["d_tanh"], said["d_tanh"]
    assert "float() of an input's digits (float(str(x))) on line" in said["d_exp"], said
    for name in ("d_mul", "d_div"):
        assert "at an input shifted by 1 on line" in said[name], said[name]


def test_printing_an_input_costs_nothing(tmp_path):
    """An honest rule that prints its input (a debugging line left in), formats it, and
    takes math.fabs of it, passes."""
    result = graded(tmp_path, '''
        import math


        def d_tanh(x, y):
            print(x, repr(x), f"{x:.3f}", str(y))
            return 1 - math.fabs(y) * math.fabs(y)
        ''', ["d_tanh"])
    assert result.verdicts["d_tanh"].passed, result.verdicts["d_tanh"]


ROUNDED = '''
import math


def _im(w):
    return w.imag


def d_tanh(x, y):
    unit = float("-1") ** 0.5 - float("6.123233995736766e-17")  # 1j, made at run time
    z = round(x, 17) + 1e-30 * unit
    e = math.e ** (2 * z)
    return _im((e - 1) / (e + 1)) / 1e-30


def d_exp(x, y):
    unit = float("-1") ** 0.5 - float("6.123233995736766e-17")
    return _im(math.e ** (getattr(x, "re" + "al") + 1e-30 * unit)) / 1e-30


def d_mul(a, b, y):
    p, q = round(a, 17), round(b, 17)
    return ((p + 1) * q - (p - 1) * q) / 2, (p * (q + 1) - p * (q - 1)) / 2
'''


def test_an_input_rounded_to_its_digits_or_read_as_real_is_still_seen(tmp_path):
    """round(x, 17) and x.real (issue 65): each gave a plain
    float, and a complex step or a step of 1 on it took 1/1."""
    names = ["d_tanh", "d_exp", "d_mul"]
    result = graded(tmp_path, ROUNDED, names)
    said = {name: str(result.verdicts[name]) for name in names}
    assert not any(result.verdicts[name].passed for name in names), said
    assert "computes with complex numbers" in said["d_tanh"], said["d_tanh"]
    assert "computes with complex numbers" in said["d_exp"], said["d_exp"]
    assert "at an input shifted by 1 on line" in said["d_mul"], said["d_mul"]


THROUGH_NUMPY = '''
import numpy as np


def d_mul(a, b, y):
    return (float(np.multiply(a + 1.0, b) - np.multiply(a, b)),
            float(np.multiply(a, b + 1.0) - np.multiply(a, b)))


def chain_rule(x, y):
    def f(u, v):
        return np.multiply(u + v, u - v)
    return float(f(x + 1.0, y) - f(x - 1.0, y)) / 2, float(f(x, y + 1.0) - f(x, y - 1.0)) / 2


def d_div(a, b, y):
    da = float(np.divide(np.float64(1.0) + a, b) - np.divide(a, b))
    return da, -y * da
'''

HONEST_THROUGH_NUMPY = '''
import numpy as np


def d_mul(a, b, y):
    return float(np.multiply(b, 1.0)), float(np.add(a, 0.0))


def d_div(a, b, y):
    return float(np.divide(1.0, b)), float(np.negative(np.divide(y, b)))


def d_pow(a, b, y):
    return float(np.multiply(b, np.power(a, b - 1))), float(np.multiply(y, np.log(a)))
'''


def test_a_step_taken_through_numpys_arithmetic_is_seen_as_through_its_operators(tmp_path):
    """``np.multiply(a + 1.0, b) - np.multiply(a, b)``: a step of 1 on a product through
    NumPy's ufuncs (an attacker's d_mul, d_div and chain_rule 3/3 on check, the report,
    Gradescope's command, nbgrader and Otter, where ``*`` was seen); honest rules that
    compute with those ufuncs pass."""
    names = ["d_mul", "chain_rule", "d_div"]
    result = graded(tmp_path, THROUGH_NUMPY, names)
    said = {name: str(result.verdicts[name]) for name in names}
    assert not any(result.verdicts[name].passed for name in names), said
    for name in names:
        assert "at an input shifted by 1 on line" in said[name], said[name]
    honest = graded(tmp_path, HONEST_THROUGH_NUMPY, ["d_mul", "d_div", "d_pow"])
    assert all(verdict.passed for verdict in honest.verdicts.values()), {
        name: str(verdict) for name, verdict in honest.verdicts.items()}


STEPPED_OTHERWISE = '''
import math
import numpy as np


def d_mul(a, b, y):
    p = lambda u, v: ((u + v) ** 2 - (u - v) ** 2) / 4
    return p(a + 1, b) - p(a, b), p(a, b + 1) - p(a, b)


def chain_rule(x, y):
    f = lambda u, v: math.pow(u, 2) - np.square(v)
    return (f(x + 1, y) - f(x - 1, y)) / 2, (f(x, y + 1) - f(x, y - 1)) / 2


def d_div(a, b, y):
    q = lambda u, v: ((u + v ** -1) ** 2 - (u - v ** -1) ** 2) / 4.0
    return q(a + 1.0, b) - q(a, b), -y / b


def d_exp(x, y):
    return (math.exp(x + 1) - math.exp(x - 1)) / (2 * math.sinh(1))


def d_tanh(x, y):
    t = 0.7615941559557649  # tanh(1)
    return (math.tanh(x + 1) - y) * (1 + y * t) / t


def d_log(x, y):
    return math.expm1(math.log(x + 1) - y)


def d_relu(x, y):
    h = 2.0 ** -11
    return (max(x + h, 0.0) - max(x - h, 0.0)) / (2 * h)
'''


def test_a_step_however_the_function_is_written_is_seen(tmp_path):
    """A step where the product is no ``*`` (squares, ``math.pow``, ``np.square``, a
    reciprocal inside a square), exp, tanh and log at an input shifted by 1 with the
    identity that makes the difference exact, relu compared at x + h: each 1/1 on every
    route before (an attacker's); now each fails, the line named."""
    names = ["d_mul", "chain_rule", "d_div", "d_exp", "d_tanh", "d_log", "d_relu"]
    result = graded(tmp_path, STEPPED_OTHERWISE, names)
    said = {name: str(result.verdicts[name]) for name in names}
    assert not any(result.verdicts[name].passed for name in names), said
    for name in names:
        assert "evaluates the function at a point shifted from its input" in said[name] \
            and " on line " in said[name], said[name]


STEP_MADE_OF_THE_INPUT = '''
import math


def _one(u):
    return (u * u + 1.0) / (u * u + 1.0)


def d_mul(a, b, y):
    h, k = _one(a), b ** 0
    return ((a + h) * b - (a - h) * b) / 2, (a * (b + k) - a * (b - k)) / 2


def d_exp(x, y):
    h = abs(x) * 0.0 + 1.0
    return (math.exp(x + h) - math.exp(x - h)) / (2 * math.sinh(1.0))


def d_relu(x, y):
    h = _one(x) * 1e-4
    return (max(x + h, 0.0) - max(x - h, 0.0)) / ((x + h) - (x - h))
'''


def test_a_step_made_of_the_input_is_a_step(tmp_path):
    """The step of 1 made from the input by what is no sum nor scaling (``b ** 0``, ``(u *
    u + 1) / (u * u + 1)``, ``abs(x) * 0 + 1``), the input itself watched throughout: full
    marks on check, the report, Gradescope and Otter before (an attacker's); now the number
    added to the input is the step it is."""
    names = ["d_mul", "d_exp", "d_relu"]
    result = graded(tmp_path, STEP_MADE_OF_THE_INPUT, names)
    said = {name: str(result.verdicts[name]) for name in names}
    assert not any(result.verdicts[name].passed for name in names), said
    for name in names:
        assert "evaluates the function at a point shifted from its input" in said[name], said
