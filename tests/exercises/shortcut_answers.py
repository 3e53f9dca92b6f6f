"""What the tests of shortcuts grade: the complex step, finite differences and rules in other
honest forms, one body per rule exercise, and the file of solutions made of some of them
(``test_shortcuts.py``, ``test_shortcuts_in_code.py``, ``test_forward_again.py``,
``test_exact_points.py``)."""

import textwrap

HEAD = "import cmath\nimport math\n\nimport numpy as np\n\nH = 1e-20\n"

COMPLEX_STEP = {
    "d_mul": ("def d_mul(a, b, y):\n"
              "    return ((a + 1j * H) * b).imag / H, (a * (b + 1j * H)).imag / H"),
    "chain_rule": ("def chain_rule(x, y):\n    f = lambda x, y: (x + y) * (x - y)\n"
                   "    return f(x + 1j * H, y).imag / H, f(x, y + 1j * H).imag / H"),
    "d_exp": "def d_exp(x, y):\n    return cmath.exp(x + 1j * H).imag / H",
    "d_log": "def d_log(x, y):\n    return cmath.log(x + 1j * H).imag / H",
    "d_tanh": "def d_tanh(x, y):\n    return cmath.tanh(1j * H + x).imag / H",  # (complex first)
    "d_sigmoid": "def d_sigmoid(x, y):\n    return (1 / (1 + cmath.exp(-(x + 1j * H)))).imag / H",
    "d_relu": ("def d_relu(x, y):\n    z = x + (-1) ** 0.5 * H\n"  # (no 1j, no cmath)
               "    return (z if z.real > 0 else 0 * z).imag / H"),
    "d_div": ("def d_div(a, b, y):\n"
              "    return ((a + 1j * H) / b).imag / H, (a / (b + 1j * H)).imag / H"),
    "d_pow": ("def d_pow(a, b, y):\n    return ((a + 1j * H) ** b).imag / H, "
              "(a ** (b + 1j * H)).imag / H"),
    "d_softmax_cross_entropy": """
def d_softmax_cross_entropy(Z, Y):
    def loss(Zc):
        e = np.exp(Zc - Zc.real.max(axis=1, keepdims=True))
        return -(Y * np.log(e / e.sum(axis=1, keepdims=True))).sum()
    dZ = np.zeros(Z.shape)
    for i in np.ndindex(Z.shape):
        E = np.zeros(Z.shape)
        E[i] = H
        dZ[i] = loss(Z + 1j * E).imag / H
    return dZ""",
    "dense_backward": """
def dense_backward(X, W, b, dZ):
    loss = lambda X, W, b: ((X @ W + b) * dZ).sum()
    grads = []
    for k, A in enumerate((X, W, b)):
        G = np.zeros(A.shape)
        for i in np.ndindex(A.shape):
            E = np.zeros(A.shape, dtype=complex)
            E[i] = 1j * H
            args = [X, W, b]
            args[k] = A + E
            G[i] = loss(*args).imag / H
        grads.append(G)
    return tuple(grads)""",
}
"""Every rule exercise answered by the complex step, Im f(x + ih) / h: exact, no rule."""

FINITE = {
    "d_tanh": ("def d_tanh(x, y):\n    h = 1e-6\n"
               "    return (math.tanh(x + h) - math.tanh(x - h)) / (2 * h)"),
    "d_mul": ("def d_mul(a, b, y):\n    h = 2.0 ** -20\n"  # (a power of two: exact steps)
              "    return (((a + h) * b - (a - h) * b) / (2 * h),\n"
              "            (a * (b + h) - a * (b - h)) / (2 * h))"),
    "d_pow": ("def d_pow(a, b, y):\n    h = 1e-5\n"
              "    return (((a + h) ** b - (a - h) ** b) / (2 * h),\n"
              "            (a ** (b + h) - a ** (b - h)) / (2 * h))"),
    "dense_backward": """
def dense_backward(X, W, b, dZ):
    loss = lambda X, W, b: ((X @ W + b) * dZ).sum()
    h, grads = 1e-5, []
    for k, A in enumerate((X, W, b)):
        G = np.zeros(A.shape)
        for i in np.ndindex(A.shape):
            up, down = [X, W, b], [X, W, b]
            E = np.zeros(A.shape)
            E[i] = h
            up[k], down[k] = A + E, A - E
            G[i] = (loss(*up) - loss(*down)) / (2 * h)
        grads.append(G)
    return tuple(grads)""",
}
"""Finite differences, (f(x + h) - f(x - h)) / 2h: within the tolerance, but not exact."""

HONEST = {
    "d_tanh": "def d_tanh(x, y):\n    return 1 / math.cosh(x) ** 2",
    "d_exp": "def d_exp(x, y):\n    return math.exp(x)",
    "d_log": "def d_log(x, y):\n    return x ** -1",
    "d_sigmoid": "def d_sigmoid(x, y):\n    return math.exp(-x) / (1 + math.exp(-x)) ** 2",
    "d_relu": "def d_relu(x, y):\n    return float(np.heaviside(x, 0.0))",
    "d_div": "def d_div(a, b, y):\n    return 1 / b, -y / b",
    "d_pow": "def d_pow(a, b, y):\n    return b * y / a, np.log(a) * a ** b",
    "chain_rule": "def chain_rule(x, y):\n    return 2 * x, -2 * y",
    "d_softmax_cross_entropy": """
def d_softmax_cross_entropy(Z, Y):
    e = np.exp(Z - np.max(Z, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True) - Y""",
    "dense_backward": """
def dense_backward(X, W, b, dZ):
    return np.dot(dZ, W.T), np.einsum("bi,bo->io", X, dZ), np.sum(dZ, axis=0)[None, :]""",
}
"""Rules in other forms than the references': each passes."""


def solutions(tmp_path, bodies):
    path = tmp_path / "solutions.py"
    path.write_text(HEAD + "\n\n" + "\n\n\n".join(textwrap.dedent(b).strip()
                                                    for b in bodies.values()) + "\n")
    return path
