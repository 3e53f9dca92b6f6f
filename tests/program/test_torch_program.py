"""A graph's program handed to PyTorch (``to_torch(program)``) computes the same graph: with
torch.autograd its value and gradients equal ours (relative 1e-12, and an absolute 1e-12 of
the gradient's size for gradients near zero), on random graphs, nodes made by hand and plain
numbers computed from the data. A model of our nn handed to PyTorch (``to_torch(model)``) is
the torch.nn module a PyTorch user would write, with the same weights: the same outputs, and
one training step gives the same loss, gradients and new weights."""

from __future__ import annotations

import math
import operator
import subprocess
import sys

import pytest

from tests.differential.bounds import (
    error_bounds,
    gradient_bounds,
    shaky_paths,
    uncertain_nodes,
)
from tests.differential.programs import generate
from tinygrad_edu import OPS, Value, dot, vsum
from tinygrad_edu.nn import MLP, Layer, Neuron, hinge_loss, l2_penalty
from tinygrad_edu.program.program import Program
from tinygrad_edu.program.tape import NumberStep, Step, Tape, tape_of
from tinygrad_edu.program.torch import TorchProgram, to_torch

RTOL = 1e-12


@pytest.fixture
def torch():
    return pytest.importorskip("torch", reason="PyTorch is not installed; install the pinned "
                                               "extra with pip install -e '.[torch]'")


def close(ours: float, theirs: float, size: float = 0.0) -> bool:
    """The same number to RTOL, or to RTOL × ``size`` (the gradient's size, for one near 0)."""
    return math.isclose(ours, theirs, rel_tol=RTOL, abs_tol=RTOL * size) or ours == theirs


def gradients(f: TorchProgram, torch) -> tuple[float, list[float]]:
    leaves = f.leaves()
    out = f(*leaves)
    grads = torch.autograd.grad(out, leaves, allow_unused=True)
    return out.item(), [0.0 if g is None else g.item() for g in grads]


# ----------------------------------------------------------------------------- programs


def comparable(nodes: list[Value]) -> tuple[bool, set[Value]]:
    """Whether the output's number is certain to 1e-12 in both engines, and the leaves whose
    gradients are not (a cancellation on their way: two libms' roundings may differ more),
    by tests/differential/bounds.py's running error bounds."""
    uncertain = uncertain_nodes(nodes, error_bounds(nodes))
    return not uncertain[-1], shaky_paths(nodes, nodes[-1], uncertain)


@pytest.mark.parametrize("seed", range(150))
def test_a_random_graphs_torch_function_gives_our_value_and_gradients(seed, torch):
    _, nodes = generate(seed, edge_rate=0.0)  # (ordinary numbers: PyTorch raises nothing)
    root = nodes[-1]
    certain, shaky = comparable(nodes)
    f = to_torch(tape_of(root))
    value, theirs = gradients(f, torch)
    root.backward()
    scale, _ = gradient_bounds(root, 1.0)
    assert close(root.data, value) or not certain, (root.data, value)
    for (_, leaf), grad in zip(f.tape.leaves, theirs):
        assert close(leaf.grad, grad, scale.get(leaf, 0.0)) or leaf in shaky, (leaf.grad, grad)


def test_the_random_graphs_numbers_compared_are_most_of_them():
    """(The test above leaves out a number a cancellation makes uncertain: about a quarter of
    them, 111 of 150 outputs and 414 of 531 gradients.)"""
    values = leaves = gradients_compared = 0
    for seed in range(150):
        nodes = generate(seed, edge_rate=0.0)[1]
        certain, shaky = comparable(nodes)
        values += certain
        own = [n for n in nodes if n._row is None]
        leaves += len(own)
        gradients_compared += sum(leaf not in shaky for leaf in own)
    assert values >= 100 and gradients_compared >= 0.7 * leaves, (values, gradients_compared,
                                                                  leaves)


def test_a_wrong_spelling_is_found(torch, monkeypatch):
    """Never a test that cannot fail: tanh spelled as PyTorch's tanh times (1 + 1e-11)."""
    from tinygrad_edu.program import torch as ours

    x = Value(0.3)
    y = x.tanh() * 2.0
    monkeypatch.setitem(ours.SPELLED, "tanh", lambda t, v: t.tanh(v) * (1 + 1e-11))
    value, _ = gradients(to_torch(tape_of(y)), torch)
    assert not close(y.data, value)


def test_nodes_made_by_hand_and_every_op_on_lists(torch):
    def gelu_by_hand(a, b):
        return Value(a.data * b.data + 1.0, (a, b, a), (b.data, a.data, 0.5))

    a, b, c = Value(1.5), Value(-2.0), Value(0.25)
    root = gelu_by_hand(a, b) * vsum([a, c, 2.0]) + dot([a, b, 3.0], [c, c, a]) + (
        (a * c) ** 2.0 + (c ** b) + b.leaky_relu(0.2)).sigmoid()
    f = to_torch(Program(tape_of(root)))
    value, theirs = gradients(f, torch)
    root.backward()
    assert close(root.data, value)
    for (_, leaf), grad in zip(f.tape.leaves, theirs):
        assert close(leaf.grad, grad, 1.0)


@pytest.mark.parametrize("function, name", [(operator.truediv, "/"), (max, "max"),
                                            (operator.neg, "-x")])
def test_plain_numbers_computed_from_the_data_are_given_at_each_call(function, name, torch):
    tape, x = Tape(), Value(1.5)
    leaf, first, second, computed, out = (tape.slot() for _ in range(5))
    tape.leaves.append((leaf, x))
    tape.numbers += [(first, 0), (second, 1)]
    args = (first,) if name == "-x" else (first, second)
    tape.steps.append(NumberStep(name, function, computed, args))
    tape.steps.append(Step(OPS["*"], out, (leaf, computed), (True, False)))
    tape.root = out
    f, python = to_torch(tape), Program(tape)
    for numbers in ([3.0, -4.0], [-1.5, 0.25]):
        x.grad = 0.0
        expected = (python.run(numbers), x.grad)
        x.grad = 0.0
        assert (f.run(numbers), x.grad) == expected


@pytest.mark.parametrize("native", [True, False])
@pytest.mark.parametrize("dtype", ["float32", "float16", "float64"])
def test_plain_numbers_of_a_float32_array_given_are_computed_in_float32(dtype, native, torch):
    """a64f's F4: the product of two items of a float32 array given is NumPy's float32 one in
    the engine and the program; to_torch computed it of two float64 tensors (1.5e-8 relative
    off, silently). Now its number steps take the numbers as the program has them."""
    import warnings

    np = pytest.importorskip("numpy")
    from tinygrad_edu.program import compile

    w = Value(3.0)

    def loss(xs):
        return w * (xs[0] * xs[1]) + (xs[0] - xs[1]) / xs[1]

    xs = np.array([0.1, 0.3], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (NativeUnavailable: float32 runs as Python)
        step = compile(loss, native=native)
        w.grad = 0.0
        got = step(xs)
        got.backward()
    engine = (got.data, w.grad)
    w.grad = 0.0
    e = loss(xs)
    e.backward()
    assert engine == (e.data, w.grad)
    w.grad = 0.0
    assert (to_torch(step.program()).run(list(xs)), w.grad) == engine


@pytest.mark.parametrize("op", ["relu", "abs", "leaky_relu", "** 0", "** b at b = 0"])
def test_a_nan_operand_gives_the_engines_nan_slopes(op, torch):
    """Where PyTorch picks a slope by a comparison (relu, abs, leaky_relu) or masks it (a ** 0),
    a NaN operand got 1, 0, alpha or 0 from it, a finite gradient where the engine's is NaN,
    silently: a diverged model looked healthy (an attacker's a64c F1;
    tests/torch_deviations.py, 2 and 3). Now the engine's NaN, and its numbers elsewhere."""
    spelled = {"relu": lambda x, b: x.relu(), "abs": lambda x, b: abs(x),
               "leaky_relu": lambda x, b: x.leaky_relu(0.1), "** 0": lambda x, b: x ** 0,
               "** b at b = 0": lambda x, b: x ** b}[op]
    for a in (math.nan, -0.75, 0.5) if op != "** b at b = 0" else (math.nan, 0.5):
        w, b = Value(a), Value(0.0)  # (a negative base of a Value exponent: refused)
        y = spelled(w * 2.0, b) * 3.0
        y.backward()
        engine = [y.data, w.grad, b.grad]
        w.grad = b.grad = 0.0
        got = [to_torch(tape_of(y)).run(), w.grad, b.grad]
        assert [math.isnan(x) for x in got] == [math.isnan(x) for x in engine], (a, got, engine)
        assert all(close(p, q) for p, q in zip(got, engine) if not math.isnan(q)), (got, engine)


@pytest.mark.parametrize("a, b, spelled", [
    (-0.0, 1.0, lambda a, b: a.sqrt() * b), (0.0, -math.inf, lambda a, b: a ** b),
    (math.inf, 2.0, lambda a, b: a.relu() * b), (-math.inf, 0.5, lambda a, b: abs(a) ** b)],
    ids=["sqrt at -0.0", "0 ** -inf", "relu at inf", "abs at -inf"])
def test_at_an_edge_the_slopes_are_the_engines(a, b, spelled, torch):
    """Where an operand is not finite or is zero, each slope is the engine's (√x at -0.0:
    +inf, PyTorch's -inf; 0 ** -inf: +inf and 0, PyTorch's -inf and -inf; an attacker's
    a64d F6): the engine's own local derivatives there, PyTorch's number."""
    x, y = Value(a), Value(b)
    out = spelled(x, y)
    out.backward()
    engine = [out.data, x.grad, y.grad]
    x.grad = y.grad = 0.0
    got = [to_torch(tape_of(out)).run(), x.grad, y.grad]
    assert [math.isnan(n) for n in got] == [math.isnan(n) for n in engine], (got, engine)
    assert [n for n in got if not math.isnan(n)] == [n for n in engine if not math.isnan(n)]


def test_run_adds_the_gradients_as_program_run_does(torch):
    a, b = Value(0.5), Value(-1.25)
    y = (a * b).exp() + a.sin()
    python, f = Program(tape_of(y)), to_torch(tape_of(y))
    a.grad, b.grad = 1.0, 2.0
    out = f.run()
    ours = (a.grad, b.grad)
    a.grad, b.grad = 1.0, 2.0
    assert close(python.run(), out)
    assert all(close(p, q) for p, q in zip((a.grad, b.grad), ours))


def test_an_op_of_your_own_has_no_torch_spelling_and_the_error_says_so(softplus):
    y = softplus(Value(0.3)) * 2.0
    with pytest.raises(ValueError, match="the op 'softplus' has no PyTorch spelling"):
        TorchProgram(tape_of(y))


def test_the_wrong_number_of_leaves_is_said(torch):
    f = to_torch(tape_of(Value(1.0) * Value(2.0)))
    with pytest.raises(TypeError, match="takes 2 leaves and 0 numbers; got 1 leaves"):
        f(torch.tensor(1.0, dtype=torch.float64))


def test_torch_is_imported_only_when_asked_for():
    code = ("import sys, tinygrad_edu, tinygrad_edu.program.torch, tinygrad_edu.program.native; "
            "assert 'torch' not in sys.modules, 'imported torch'")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, timeout=120)
    assert done.returncode == 0, done.stderr


def test_without_torch_the_error_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # (import torch raises ImportError)
    with pytest.raises(ImportError, match=r"pip install -e '\.\[torch\]'"):
        to_torch(tape_of(Value(1.0) * 2.0))
    # in a web page's Python, where nothing can be installed: said so (before: only pip)
    monkeypatch.setattr(sys, "platform", "emscripten")
    with pytest.raises(ImportError, match=r"a web page's Python \(Pyodide\) does not have: "
                                          r"run this on your computer"):
        to_torch(tape_of(Value(1.0) * 2.0))


# ----------------------------------------------------------------------------- models


def points(n: int = 24) -> tuple[list[list[float]], list[float]]:
    X = [[math.cos(1.7 * k) * (1 + k / n), math.sin(2.3 * k)] for k in range(n)]
    return X, [1.0 if x[0] * x[1] > 0 else -1.0 for x in X]


def test_an_mlp_becomes_the_sequential_a_pytorch_user_writes(torch):
    model = MLP(2, [16, 16, 1], seed=0)
    theirs = to_torch(model)
    nn = torch.nn
    assert [type(m) for m in theirs] == [nn.Linear, nn.ReLU, nn.Linear, nn.ReLU, nn.Linear]
    assert [(m.in_features, m.out_features) for m in theirs if isinstance(m, nn.Linear)] == [
        (2, 16), (16, 16), (16, 1)]
    assert all(p.dtype == torch.float64 for p in theirs.parameters())
    first = model.layers[0].neurons[3]
    assert theirs[0].weight[3].tolist() == [w.data for w in first.w]
    assert theirs[0].bias[3].item() == first.b.data


def test_a_training_step_gives_the_same_loss_gradients_and_weights(torch):
    model = MLP(2, [16, 16, 1], seed=1)
    theirs = to_torch(model)
    X, y = points()
    # ours: micrograd's demo step with our nn
    scores = [model([Value(a), Value(b)]) for a, b in X]
    loss = hinge_loss(scores, y) + l2_penalty(model.parameters(), 1e-4)
    model.zero_grad()
    loss.backward()
    # PyTorch's, as a PyTorch user writes it
    Xt, yt = torch.tensor(X, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)
    out = theirs(Xt).squeeze(1)
    t_loss = torch.relu(1 - yt * out).mean() + 1e-4 * sum((p * p).sum()
                                                          for p in theirs.parameters())
    theirs.zero_grad()
    t_loss.backward()
    assert all(close(s.data, t) for s, t in zip(scores, out.tolist()))
    assert close(loss.data, t_loss.item())
    linears = [m for m in theirs if isinstance(m, torch.nn.Linear)]
    size = max(abs(p.grad) for p in model.parameters())
    for layer, linear in zip(model.layers, linears):
        for j, neuron in enumerate(layer.neurons):
            assert all(close(w.grad, g, size)
                       for w, g in zip(neuron.w, linear.weight.grad[j].tolist()))
            assert close(neuron.b.grad, linear.bias.grad[j].item(), size)
    # and the step itself
    for p in model.parameters():
        p.data -= 0.5 * p.grad
    torch.optim.SGD(theirs.parameters(), lr=0.5).step()
    again = to_torch(model)
    for mine, stepped in zip(again.parameters(), theirs.parameters()):
        assert torch.allclose(mine, stepped, rtol=RTOL, atol=RTOL)


@pytest.mark.parametrize("make, activation", [
    (lambda: Layer(3, 4, "tanh", seed=2), "Tanh"),
    (lambda: Neuron(3, "sigmoid", seed=3), "Sigmoid"),
    (lambda: MLP(3, [5, 2], "leaky_relu", seed=4), "LeakyReLU")])
def test_layers_and_neurons_keep_their_activation(make, activation, torch):
    model = make()
    theirs = to_torch(model)
    assert activation in [type(m).__name__ for m in theirs]
    for x in ([0.5, -1.0, 2.0], [-3.0, 0.1, 0.0]):
        ours = model(x)
        ours = ours if isinstance(ours, list) else [ours]
        out = theirs(torch.tensor([x], dtype=torch.float64))[0].tolist()
        assert all(close(o.data, t, 1.0) for o, t in zip(ours, out))


def test_an_activation_of_your_own_is_said(torch):
    model = Layer(2, 3, activation=lambda z: z * z, seed=0)
    with pytest.raises(TypeError, match=r"has no torch\.nn module here; use one of relu"):
        to_torch(model)


def test_anything_else_is_said(torch):
    with pytest.raises(TypeError, match="to_torch takes a program, a tape, or a model"):
        to_torch([1.0, 2.0])


def test_its_run_checks_the_programs_guards_and_errors(torch):
    """Before, after a.data = -2.0 the branch a.data > 0 flips (engine -6.0, torch
    gave -4.0 and the gradient 2.0); log(a * w) at a < 0 gave NaN with finite gradients."""
    from tinygrad_edu.errors import DomainError
    from tinygrad_edu.program import compile

    a, w = Value(0.5), Value(2.0)
    branch = compile(lambda: a * 2.0 if a.data > 0 else a * 3.0)
    logged = compile(lambda: (a * w).log())
    branch(), logged()
    t, u = to_torch(branch.program()), to_torch(logged.program())
    a.data = -2.0
    with pytest.raises(RuntimeError, match=r"a guard of this program fails .*a\.data > 0"):
        t.run()
    with pytest.raises(DomainError, match=r"log: got -4\.0"):
        u.run()
    assert (a.grad, w.grad) == (0.0, 0.0)
