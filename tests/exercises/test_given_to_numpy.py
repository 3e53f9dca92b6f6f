"""What NumPy's functions, ``cmath``'s and ``getattr`` are given while a rule runs is seen on
every Python (``learner/given.py``, issue 65): the complex step made and used within one
expression on a number made plain, through ``np.sinh``, ``np.expm1``, ``np.exp2`` (d_tanh,
d_exp and d_sigmoid 3/3 on ``check`` under Python 3.11, where a profile function is told
nothing of a ufunc's call), or read out by ``getattr`` alone, fails, the function and the line
said. And a rule on arrays that runs its forward pass again on nudged copies of its arrays
(a finite difference of a high order on ``d_softmax_cross_entropy``, a step of 1 on the
linear ``dense_backward``: both exact enough to pass, 2/2 before) fails: a ufunc or a
function of the file given arrays that equal one it was given but in a few entries, moved by
a step. Honest rules, row by row with helpers of their own, pass on every input."""


import numpy as np
import pytest

from tests.exercises.learners import said_at_exact_points, solution
from tinygrad_edu.exercises import EXERCISES
from tinygrad_edu.exercises.learner import given
from tinygrad_edu.exercises.learner.number_cases import Arrays
from tinygrad_edu.exercises.learner.watched import call

ONE_EXPRESSION = '''
_IM = "im" + "ag"


def d_tanh(x, y):
    return getattr(np.sinh(float(x) + 1e-20 * float("-1") ** 0.5) / np.cosh(
        float(x) + 1e-20 * float("-1") ** 0.5), _IM) / 1e-20


def d_exp(x, y):
    return getattr(np.expm1(float(x) + 1e-20 * float("-1") ** 0.5), _IM) / 1e-20


def d_sigmoid(x, y):
    return getattr(1 / (1 + np.exp2(-(float(x) + 1e-20 * float("-1") ** 0.5) / np.log(2))),
                   _IM) / 1e-20


def d_mul(a, b, y):
    return (getattr((float(a) + 1e-20 * float("-1") ** 0.5) * float(b), _IM) / 1e-20,
            getattr(float(a) * (float(b) + 1e-20 * float("-1") ** 0.5), _IM) / 1e-20)
'''
"""The complex step within one expression on an input made plain, its unit made at run time,
held in no name: through NumPy's ufuncs that are not the op's own, or with operators alone,
its imaginary part read by ``getattr``."""


@pytest.mark.parametrize("name, where", [
    ("d_tanh", "given to sinh() on line 9"), ("d_exp", "given to expm1() on line 14"),
    ("d_sigmoid", "given to exp2() on line 18"), ("d_mul", "given to getattr() on line 23")])
def test_the_complex_step_given_to_numpy_or_getattr_earns_nothing(name, where):
    said = said_at_exact_points(name, solution(ONE_EXPRESSION, name))
    assert "your answer computes with complex numbers (it met a complex number, (" in said, said
    assert where in said, said


def test_numpys_functions_are_themselves_again_after_a_rule_and_keep_their_parts():
    import builtins
    import cmath

    before = (np.sinh, np.add, np.imag, cmath.exp, builtins.getattr)
    assert said_at_exact_points("d_tanh", solution("def d_tanh(x, y):\n    return np.add.reduce("
                                        "[1.0, -y * y])\n", "d_tanh")) == ""
    assert (np.sinh, np.add, np.imag, cmath.exp, builtins.getattr) == before


FINITE = '''
def _plain(a):
    return np.array(np.asarray(a).tolist(), dtype=float)


def _loss(Z, Y):
    M = Z - Z.max(axis=1, keepdims=True)
    return -(Y * (M - np.log(np.exp(M).sum(axis=1, keepdims=True)))).sum(axis=1)


def d_softmax_cross_entropy(Z, Y):
    Zp, Yp = _plain(Z), _plain(Y)
    out = np.zeros(Zp.shape)
    for j in range(Zp.shape[1]):
        total = 0.0
        for k, c in ((1, 4 / 5), (2, -1 / 5), (3, 4 / 105), (4, -1 / 280)):
            s = np.zeros(Zp.shape)
            s[:, j] = k * H
            total = total + c * (_loss(Zp + s, Yp) - _loss(Zp - s, Yp))
        out[:, j] = total / H
    return out


H = 2.0 ** -7


def _out(X, W, b, G):
    return (G * (X @ W + b)).sum()


def dense_backward(X, W, b, dZ):
    Xp, Wp, bp, G = _plain(X), _plain(W), _plain(b), _plain(dZ)
    base = _out(Xp, Wp, bp, G)
    dX, dW = np.zeros(Xp.shape), np.zeros(Wp.shape)
    for i in range(Xp.shape[0]):
        for j in range(Xp.shape[1]):
            E = np.zeros(Xp.shape)
            E[i, j] = 1.0
            dX[i, j] = _out(Xp + E, Wp, bp, G) - base
    for i in range(Wp.shape[0]):
        for j in range(Wp.shape[1]):
            E = np.zeros(Wp.shape)
            E[i, j] = 1.0
            dW[i, j] = _out(Xp, Wp + E, bp, G) - base
    return dX, dW, G.sum(axis=0, keepdims=True)
'''
"""Finite differences on the arrays made plain: an eighth-order central difference of the
loss, a column of every row at once (exact to about 1e-13, which passed), and a step of 1 on
each entry of the linear Dense layer (exact)."""

INLINE = '''
def d_softmax_cross_entropy(Z, Y):
    Zp, Yp = np.array(np.asarray(Z).tolist()), np.array(np.asarray(Y).tolist())
    out = np.zeros(Zp.shape)
    for i in range(Zp.shape[0]):
        for j in range(Zp.shape[1]):
            total = 0.0
            for k, c in ((1, 4 / 5), (2, -1 / 5), (3, 4 / 105), (4, -1 / 280)):
                for sign in (1.0, -1.0):
                    row = Zp[i].copy()
                    row[j] += sign * k * 2.0 ** -7
                    total += sign * c * -(Yp[i] * np.log(np.exp(row) / np.exp(row).sum())).sum()
            out[i, j] = total / 2.0 ** -7
    return out
'''
"""The same difference written in one function, entry by entry, through ``np.exp``."""


@pytest.mark.parametrize("source, name, where", [
    (FINITE, "d_softmax_cross_entropy", "(_loss at 2 arrays that differ from one it was given "
                                        "in some entries by a step of"),
    (FINITE, "dense_backward", "(_out at 2 arrays that differ from one it was given in some "
                               "entries by a step of 1 and equal it in the rest on line 4"),
    (INLINE, "d_softmax_cross_entropy", "(exp at 2 arrays that differ from one it was given "
                                        "in some entries by a step of")])
def test_a_finite_difference_on_the_arrays_earns_nothing(source, name, where):
    said = said_at_exact_points(name, solution(source, name))
    assert "your answer evaluates the function at a point shifted from its input " in said, said
    assert where in said, said


ROW_BY_ROW = '''
def _softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def d_softmax_cross_entropy(Z, Y):
    return np.array([_softmax(z) - y for z, y in zip(Z, Y)])


def _dot(u, v):
    return float(np.multiply(u, v).sum())


def dense_backward(X, W, b, dZ):
    dX = np.array([[_dot(g, w) for w in W] for g in dZ])
    dW = np.array([[_dot(X[:, i], dZ[:, j]) for j in range(dZ.shape[1])]
                   for i in range(X.shape[1])])
    acc = np.zeros(b.shape)
    for g in dZ:
        acc = np.add(acc, g)
    return dX, dW, acc
'''
"""Honest rules that give a helper of their own a row at a time, and add row by row."""


@pytest.mark.parametrize("name", ["d_softmax_cross_entropy", "dense_backward"])
def test_honest_rules_row_by_row_pass_on_rows_alike(name):
    answer = solution(ROW_BY_ROW, name)
    for seed in range(2):
        assert said_at_exact_points(name, answer, seed) == ""
    # rows of tenths that differ in an entry, as the other inputs may draw them
    Z = np.array([[1.2, 3.9, 0.5, 2.0], [1.2, 4.0, 0.5, 2.0], [1.2, 3.9, 0.6, 2.0]])
    arrays = {"d_softmax_cross_entropy": (("Z", Z), ("Y", np.eye(4)[[0, 1, 2]])),
              "dense_backward": (("X", Z[:, :2]), ("W", Z[:2]), ("b", Z[:1]), ("dZ", Z))}
    parts = EXERCISES[name].parts
    assert len(call(answer, Arrays(arrays[name]), parts, scalar=False)) == len(parts)


@pytest.mark.parametrize("a, b, step", [
    ([1.5, -0.7, 0.3], [1.5, -0.7 + 2.0**-7, 0.3], 2.0**-7),
    ([1.5, -0.7, 0.3], [2.5, -0.7, 1.3], 1.0),
    ([1.5, -0.7, 0.3], [1.5, -0.6, 0.5], None),  # (two steps, neither small)
    ([0.0, 1.0, 0.3], [1.0, 2.0, 0.3], None),  # (one step of whole numbers: labels)
    ([1.5, -0.7, 0.3], [1.6, -0.6, 0.4], None),  # (every entry moved)
    ([1.5, -0.7, 0.3], [1.5, -0.7, 0.3], None)])
def test_arrays_next_to_one_another(a, b, step):
    found = given.next_to(np.array(a), np.array(b))
    assert (found is None) == (step is None)
    assert step is None or found == pytest.approx(step)


MATRICES = '''
def _dual(x, e=0.0):
    return np.array([[float(x), e], [0.0, float(x)]])


def _exp(M):
    k = 0
    while abs(M[0, 0]) / 2 ** k > 0.25:
        k += 1
    W = M / 2 ** k
    term = total = np.eye(2)
    for n in range(1, 30):
        term = term @ W / n
        total = total + term
    for _ in range(k):
        total = total @ total
    return total


def d_exp(x, y):
    return _exp(_dual(x, 1.0))[0, 1]


def d_tanh(x, y):
    E = _exp(2 * _dual(x, 1.0))
    return ((E - np.eye(2)) @ np.linalg.inv(E + np.eye(2)))[0, 1]


def d_sigmoid(x, y):
    return np.linalg.inv(np.eye(2) + _exp(-_dual(x, 1.0)))[0, 1]


def d_mul(a, b, y):
    return (_dual(a, 1.0) @ _dual(b))[0, 1], (_dual(a) @ _dual(b, 1.0))[0, 1]


def d_div(a, b, y):
    return ((_dual(a, 1.0) @ np.linalg.inv(_dual(b)))[0, 1],
            (_dual(a) @ np.linalg.inv(_dual(b, 1.0)))[0, 1])
'''
"""Dual numbers as 2x2 matrices [[x, x'], [0, x]]: their product is the product rule, their
inverse the quotient rule, exp a series of products (each exact: 5/5 before)."""

MATRICES_INLINE = '''
def d_exp(x, y):
    M = np.eye(3) * (float(x) / 64)
    M[1, 0] = M[2, 1] = 1.0 / 64
    term = total = np.eye(3)
    for n in range(1, 30):
        term = term @ M / n
        total = total + term
    for _ in range(6):
        total = total @ total
    return total[1, 0]
'''
"""The same, transposed, of order 3, scaled, made in one function with ``np.eye`` and held
in a name."""


@pytest.mark.parametrize("source, name, what", [
    (MATRICES, "d_exp", "[[-1.415, 1], [0, -1.415]], made by array() on line 6"),
    (MATRICES, "d_tanh", "made by array() on line 6"),
    (MATRICES, "d_sigmoid", "made by array() on line 6"),
    (MATRICES, "d_mul", "made by array() on line 6"),
    (MATRICES, "d_div", "made by array() on line 6"),
    (MATRICES_INLINE, "d_exp", "of order 3, beginning [[-0.02211, 0], [0.01562, -0.02211], "
                               "...], ")])
def test_a_rule_by_dual_numbers_as_matrices_earns_nothing(source, name, what):
    said = said_at_exact_points(name, solution(source, name))
    assert said.startswith("your answer computes with a dual number as the matrix "), said
    assert what in said, said


@pytest.mark.parametrize("matrix, dual", [
    ([[0.5, 1.0], [0.0, 0.5]], True), ([[0.5, 0.0], [2.0, 0.5]], True),
    ([[0.5, 0.0], [0.0, 0.5]], False), ([[0.5, 1.0], [0.0, 0.6]], False),
    ([[0.5, 1.0], [1.0, 0.5]], False), ([[0.5, 1.0, 0.0]], False),
    ([[1.5, 1.0], [-1.0, -0.5]], True),  # (an uneven diagonal: 0.5 I + a nilpotent part)
    ([[0.5, 0.0, 1.0], [0.0, 0.5, 0.0], [0.0, 1.0, 0.5]], True),  # (both sides of it)
    ([[0.5, -1e-20], [1e-20, 0.5]], True),  # (x + ih: the complex step in real numbers)
    (np.eye(9) * 0.5 + np.eye(9, k=2), True),  # (past the order 8 of before)
    ([[0.5, 1e-3], [-1e-3, 0.5]], False), (np.random.default_rng(0).random((4, 4)), False)])
def test_the_form_of_a_dual_matrix(matrix, dual):
    assert bool(given.dual_matrix(np.array(matrix))) == dual


NILPOTENT = '''
def _lift(x):
    M = np.eye(3) * float(x)
    M[0, 2] = M[2, 1] = 1.0
    return M


def d_exp(x, y):
    term = total = np.eye(3)
    for n in range(1, 60):
        term = (term @ _lift(x)) / n
        total = total + term
    return total[0, 2] / total[0, 0] * float(np.exp(float(x)))


def d_sigmoid(x, y):
    H = 2.0 ** -60
    z = np.array([[float(x), -H], [H, float(x)]]) * -1
    term = total = np.eye(2)
    for n in range(1, 60):
        term = (term @ z) / n
        total = total + term
    return np.linalg.inv(np.eye(2) + total)[1, 0] / -H
'''
"""a65t's forms: a·I + N with N nilpotent and entries on both sides of the diagonal (3×3),
and x + ih as [[x, -h], [h, x]] (the complex step in real numbers): 5/5, a Value 1/1,
microgpt 10/10 with no flag before, through matrix functions of their own (``@`` and
``np.linalg.inv``: no stand-in is called with them)."""


@pytest.mark.parametrize("name, what", [("d_exp", "of order 3, beginning "),
                                        ("d_sigmoid", "[[")])
def test_a_rule_by_matrices_of_other_forms_earns_nothing(name, what):
    said = said_at_exact_points(name, solution(NILPOTENT, name))
    assert said.startswith("your answer computes with a dual number as the matrix " + what), \
        said


def test_an_honest_array_rule_whose_matrix_is_nilpotent_passes(tmp_path):
    """The softmax's P - Y at Z = 0 (one-hot Y) is nilpotent (rank one, trace 0): the rules
    on arrays are not looked at for matrices (their matrices are the exercise)."""
    from tinygrad_edu.exercises.cli import main as cli

    path = tmp_path / "arrays.py"
    path.write_text("import numpy as np\n\n\ndef d_softmax_cross_entropy(Z, Y):\n"
                    "    E = np.exp(Z - Z.max(axis=1, keepdims=True))\n"
                    "    return E / E.sum(axis=1, keepdims=True) - Y\n", encoding="utf-8")
    assert cli(["check", str(path)]) == 0


def test_the_ops_own_functions_are_stand_ins_in_the_other_rules():
    """``np.tanh`` is the op's own, watched otherwise, while d_tanh runs: it is a stand-in
    all the same in d_exp's, graded after."""
    assert said_at_exact_points("d_tanh", solution(
        "def d_tanh(x, y):\n    return 1 - np.tanh(x) ** 2\n", "d_tanh")) == ""
    said = said_at_exact_points("d_exp", solution(
        "def d_exp(x, y):\n    return getattr((1 + np.tanh((float(x) + 1e-20 * float('-1') "
        "** 0.5) / 2)) / (1 - np.tanh(float(x) / 2)), 'imag') / 1e-20\n", "d_exp"))
    assert "given to tanh() on line 5" in said, said


def _stopped(*args, **kwargs):
    raise KeyboardInterrupt  # (the page's Stop; the time limit's stop is one too)


@pytest.mark.parametrize("where", ["as getattr's stand-in is made", "as the file's names "
                                   "are read", "as the profile function is made"])
def test_a_stop_as_a_rule_starts_leaves_every_function_itself(monkeypatch, where):
    """A stop that lands after the stand-ins are put and before the rule runs, or half-way
    through putting them, leaves NumPy's, cmath's and ``getattr`` themselves. Before, the
    stand-ins stayed put for the rest of the process: ``getattr(v, "_data")`` in code a
    program captured later read a number where it reads a Value's ``.data``."""
    import builtins
    import cmath

    from tinygrad_edu.exercises.learner import watched

    before = (np.sinh, np.imag, cmath.exp, builtins.getattr)
    if where == "as getattr's stand-in is made":
        stand_in = given.StandIn
        monkeypatch.setattr(given, "StandIn", lambda name, real, ufunc: _stopped() if
                            name == "getattr" else stand_in(name, real, ufunc))
    elif where == "as the file's names are read":
        monkeypatch.setattr(watched, "complex_in_names", _stopped)
    else:
        monkeypatch.setattr(watched, "recording", _stopped)
    with pytest.raises(KeyboardInterrupt):
        said_at_exact_points("d_tanh", solution("def d_tanh(x, y):\n    return 1 - y * y\n",
                                                "d_tanh"))
    assert (np.sinh, np.imag, cmath.exp, builtins.getattr) == before
