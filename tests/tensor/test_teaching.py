"""The tensor engine teaches as the scalar engine does: stepped, drawn, replayed, with the
matrix chain rule in words and shapes, and never changing a gradient it shows."""

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.viz.test_drawing import assert_drawn_exactly, stretch
from tests.viz.test_replay import requires_renderer
from tinygrad_edu import Value, backward_steps, grad, no_grad, text_graph, walk
from tinygrad_edu.commands.demo import two_layer_network
from tinygrad_edu.tensor import MLP, Tensor, cross_entropy
from tinygrad_edu.viz import GraphTooLarge, draw_dot, frames, replay_html, step_slider
from tinygrad_edu.viz.drawing import MAX_LAYOUT, STRETCH


def network(seed=0):
    """The two-layer network (X 10×3 → 4 relu → 2 classes, cross-entropy), labelled."""
    loss, params = two_layer_network(seed)
    return loss, params, {node.label: node for node in walk(loss)}


# ----------------------------------------------------------------------------- stepping


def test_each_step_says_the_matrix_chain_rule_with_names_and_shapes():
    loss, params, _ = network()
    text = "\n".join(map(str, loss.backward_steps(params=params.values())))
    assert text.splitlines() == [
        "L = cross_entropy(Z2, Y)   (scalar)",
        "  backprop path:  dZ2 = (softmax(Z2) − Y) ⊙ dL / N   (scalar → 10×2)",
        "Z2 = A1W2 + b2   (10×2)",
        "  backprop path:  dA1W2 = dZ2                            (10×2)",
        "  parameter path: b2.grad += dZ2 summed over the batch   (10×2 → 1×2)",
        "A1W2 = A1 @ W2   (10×2)",
        "  backprop path:  dA1 = dA1W2 @ W2ᵀ        (10×2 @ 2×4 → 10×4)",
        "  parameter path: W2.grad += A1ᵀ @ dA1W2   (4×10 @ 10×2 → 4×2)",
        "A1 = relu(Z1)   (10×4)",
        "  backprop path:  dZ1 = dA1 ⊙ (Z1 > 0)   (10×4)",
        "Z1 = XW1 + b1   (10×4)",
        "  backprop path:  dXW1 = dZ1                             (10×4)",
        "  parameter path: b1.grad += dZ1 summed over the batch   (10×4 → 1×4)",
        "XW1 = X @ W1   (10×4)",
        "  backprop path:  X.grad += dXW1 @ W1ᵀ   (10×4 @ 4×3 → 10×3)",
        "  parameter path: W1.grad += Xᵀ @ dXW1   (3×10 @ 10×4 → 3×4)",
    ]


def test_every_leaf_is_on_the_parameter_path_unless_params_says_otherwise():
    loss, _, nodes = network()
    last = list(loss.backward_steps())[-1]
    assert [u.path for u in last.updates] == ["parameter", "parameter"]  # X and W1
    last = list(loss.backward_steps(params=[nodes["W1"]]))[-1]
    assert [(u.name, u.path) for u in last.updates] == [("X", "backprop"), ("W1", "parameter")]


def test_steps_leave_exactly_what_backward_leaves():
    loss, _, nodes = network()
    names = [step.name for step in loss.backward_steps()]
    stepped = {name: node.grad.copy() for name, node in nodes.items()}
    fresh, _, again = network()
    fresh.backward()
    for name, node in again.items():
        np.testing.assert_array_equal(stepped[name], node.grad)  # bit for bit
    # the function form takes Tensors too, with the same steps
    assert [step.name for step in backward_steps(fresh)] == names and len(names) > 3


def test_a_step_holds_the_arrays_it_added():
    loss, _, nodes = network()
    steps = list(loss.backward_steps())
    step = next(s for s in steps if s.name == "A1W2")
    dA1, dW2 = (u.contribution for u in step.updates)
    np.testing.assert_allclose(dA1, step.upstream @ nodes["W2"].data.T, rtol=1e-15)
    np.testing.assert_allclose(dW2, nodes["A1"].data.T @ step.upstream, rtol=1e-15)
    assert step.updates[1].first  # W2's first share: what it holds after is that share
    np.testing.assert_array_equal(step.updates[1].grad_after, dW2)


def test_a_node_used_twice_gets_a_second_share_added():
    x = Tensor([[1.0, -2.0]], label="x")
    y = x * x
    y.label = "y"
    _, step = y.sum().backward_steps()
    assert str(step).count("x.grad +=") == 2
    np.testing.assert_array_equal(step.updates[1].grad_after, 2 * x.data)


@pytest.mark.parametrize("root, problem", [
    (lambda: Tensor([1.0], label="w"), "w is a leaf"),
    (lambda: no_grad()(lambda: (Tensor([1.0]) * 2).sum())(), "computed under no_grad"),
])
def test_stepping_a_graph_without_a_gradient_path_says_why(root, problem):
    with pytest.raises(ValueError, match=problem):
        backward_steps(root())


def test_a_seed_of_the_wrong_shape_is_refused_before_any_step():
    y = Tensor([[1.0, 2.0]]) * 3
    with pytest.raises(ValueError, match=r"backward_steps: the output has shape \(1×2\)"):
        y.backward_steps()
    with pytest.raises(ValueError, match=r"grad has shape \(2\) but the output has shape"):
        y.backward_steps(np.ones(2))
    assert len(list(y.backward_steps(np.ones((1, 2))))) == 1


def test_text_graph_of_tensors_has_shapes_and_short_numbers():
    loss, _, _ = network()
    loss.backward()
    table = text_graph(loss)
    lines = table.splitlines()
    assert lines[0].split() == ["value", "computed", "as", "shape", "data", "grad"]
    assert len(lines) == len(walk(loss)) + 1
    assert re.search(r"^b1 +\(leaf\) +1×4 +\[", table, re.M)
    assert re.search(r"^Z1 +XW1 \+ b1 +10×4 +min .* · mean .* · max ", table, re.M)
    assert max(map(len, lines)) < 130


# ----------------------------------------------------------------------------- drawing


def nodes_of(source):
    return dict(re.findall(r"^\t(n\d+(?:op)?) \[(.*)\]$", source, re.M))


def test_a_drawing_shows_name_shape_numbers_and_gradient():
    loss, params, _nodes = network()
    before = draw_dot(loss).source
    assert "grad None" in before
    loss.backward()
    source = draw_dot(loss, params=params).source
    found = nodes_of(source)
    order = walk(loss)
    index = {node.label: f"n{i}" for i, node in enumerate(order)}
    b2 = found[index["b2"]]  # top to bottom, the default for Tensors: fields stacked
    assert 'rankdir=TB' in source
    assert b2.startswith('label="{ b2 1×2 | data [') and "| grad [" in b2
    W2 = found[index["W2"]]  # 8 entries: a matrix, one row per line
    assert W2.count("\\l") == 1 + 4 + 1 + 4
    Z1 = found[index["Z1"]]  # 40 entries: a summary
    assert "data min " in Z1 and " · mean " in Z1 and " · max " in Z1
    assert re.search(rf'{index["W1"]} -> {index["XW1"]}op \[label="3×4"', source)
    assert "fillcolor=\"#fde68a\"" in W2  # a parameter


@pytest.mark.slow
def test_mnist_size_arrays_draw_small():
    images = Tensor(np.random.default_rng(0).random((60000, 784), dtype=np.float32),
                    label="images")
    model = MLP(784, [16, 10], seed=0)
    loss = cross_entropy(model(images[:6000]), np.zeros(6000, dtype=int))
    source = draw_dot(loss).source
    assert len(source) < 6000  # a handful of lines per node, whatever the arrays' sizes
    assert "images 60000×784" in source and "data min 0.0" in source


def test_tensor_frames_and_slider_leave_every_gradient_as_it_was():
    loss, params, nodes = network()
    loss.backward()
    held = {name: node.grad.copy() for name, node in nodes.items()}
    pictures = frames(loss, params=params)
    assert [p.step.name for p in pictures] == ["L", "Z2", "A1W2", "A1", "Z1", "XW1"]
    assert "step 3: A1W2 = A1 @ W2, upstream 10×2" in pictures[2].source
    assert re.search(r'label="\+= dW2"', pictures[2].source)
    for name, node in nodes.items():
        np.testing.assert_array_equal(node.grad, held[name])
    assert [p.source for p in frames(loss, params=params)] == [p.source for p in pictures]
    assert len(step_slider(loss).children) == 3 if _has_widgets() else True


def _has_widgets():
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return False
    return True


def test_a_graph_of_many_tensors_is_refused_with_advice():
    x = Tensor([1.0])
    y = x
    for _ in range(600):
        y = y * 1.0001
    with pytest.raises(GraphTooLarge, match="602 tensors, more than max_nodes=500") as info:
        draw_dot(y.sum())
    assert "one op on the whole array" in str(info.value) and "neuron" not in str(info.value)


def unrolled_rnn(steps):
    """h = tanh(h @ W + x_t), ``steps`` times, summed: one W used at every step."""
    rng = np.random.default_rng(0)
    W = Tensor(rng.normal(size=(3, 3)) * 0.5, label="W")
    h = Tensor(np.zeros((1, 3)), label="h0")
    for _ in range(steps):
        h = (h @ W + rng.normal(size=(1, 3))).tanh()
    return h.sum()


@pytest.mark.parametrize("rankdir", ["LR", "TB"])
def test_an_unrolled_recurrent_net_draws_its_far_uses_of_W_from_copies(rankdir):
    # 67 steps, 204 tensors: W's arrows to every step kept Graphviz busy for minutes; now
    # the far ones start at a copy of W beside the step, and nothing else changes
    loss = unrolled_rnn(67)
    loss.backward()
    source = draw_dot(loss, rankdir=rankdir).source
    copies = assert_drawn_exactly(loss, source)
    assert 40 < copies < 67
    assert stretch(source) <= MAX_LAYOUT // STRETCH // 2  # its labels double every rank
    assert source.count('label="3×3"') == 67 and "W 3×3" in source  # shapes on the arrows
    pictures = frames(loss)
    assert len(pictures) == 202 and "atn" in pictures[3].source
    assert_drawn_exactly(loss, pictures[3].source)
    assert "atn" not in draw_dot(unrolled_rnn(8)).source  # a short loop: drawn as it is


@requires_renderer
def test_the_replay_page_of_an_unrolled_recurrent_net_has_its_copies_of_W():
    loss = unrolled_rnn(67)
    page = replay_html(loss)
    assert page.steps == 202
    assert len(re.findall(r"<title>n\d+atn\d+</title>", page.html)) > 40


def test_the_graph_of_a_tensor_gradient_can_be_drawn():
    W = Tensor([[0.5, -1.0], [2.0, 0.25]], label="W")
    x = Tensor([[1.0, 2.0]], label="x")
    (dW,) = grad((x @ W).tanh().sum(), [W], create_graph=True)
    source = draw_dot(dW).source
    assert "W 2×2" in source and "tanh" in source


# ----------------------------------------------------------------------------- replay


@requires_renderer
def test_the_replay_page_of_tensors_holds_matrices_as_tables():
    loss, params, nodes = network()
    loss.backward()
    held = {name: node.grad.copy() for name, node in nodes.items()}
    page = replay_html(loss, params=params)
    assert page.steps == 6
    for name, node in nodes.items():
        np.testing.assert_array_equal(node.grad, held[name])  # left as it was found
    import json

    data = json.loads(re.search(r'id="replay-data">(.*?)</script>', page.html).group(1)
                      .replace("\\u003c", "<").replace("\\u003e", ">").replace("\\u0026", "&"))
    frames_ = data["frames"]
    forward = [f for f in frames_ if f["kind"] == "forward"]
    assert [f["text"] for f in forward][:2] == ["XW1 = X @ W1   (10×4)", "Z1 = XW1 + b1   (10×4)"]
    z1 = forward[1]["tables"][0]
    assert z1[0] == "Z1" and len(z1[1]) == 10 and len(z1[1][0]) == 4
    backward = [f for f in frames_ if f["kind"] == "backward"]
    w2 = backward[2]["tables"]
    assert [t[0] for t in w2] == ["dA1W2 (arriving at A1W2)", "dA1 = dA1W2 @ W2ᵀ",
                                  "W2.grad += A1ᵀ @ dA1W2"]
    assert frames_[-1]["kind"] == "done" and [t[0] for t in frames_[-1]["tables"]] == [
        "X.grad", "W1.grad", "b1.grad", "W2.grad", "b2.grad"]
    assert "<svg" in page.html and "https://" not in page.html.replace(
        "http://www.w3.org", "")


@requires_renderer
def test_large_matrices_are_summarised_on_the_page():
    x = Tensor(np.arange(100.0).reshape(10, 10) / 100, label="x")
    page = replay_html((x * x).sum())
    squares = f"min 0.0 · mean {np.mean(x.data ** 2):.4g} · max 0.9801"  # 100 entries
    assert squares in page.html and "mean 0.328 · max 0.98" in page.html  # table, box


# ----------------------------------------------------------------------------- one engine a graph


def test_a_value_in_a_tensor_graph_is_refused_with_what_to_do():
    with pytest.raises(TypeError, match=r"cannot join a tensor graph.*v\.data"):
        Tensor([1.0, 2.0]) * Value(2.0)
    with pytest.raises(TypeError, match="mix Values and Tensors"):
        grad(Tensor([1.0]).sum(), [Value(1.0)])


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000))
def test_tensor_gradients_equal_the_scalar_engines(seed):
    """The two-layer network in matrix form gives, bit for bit up to rounding, what the
    scalar engine gives one number at a time."""
    from tinygrad_edu import dot
    from tinygrad_edu.nn import cross_entropy as scalar_cross_entropy

    loss, params, nodes = network(seed)
    loss.backward()
    X = nodes["X"].data
    W1, b1, W2, b2 = ([[Value(float(v)) for v in row] for row in params[k].data]
                      for k in ("W1", "b1", "W2", "b2"))
    targets = _targets(seed)
    logits = []
    for x in X.tolist():
        hidden = [(dot([row[j] for row in W1], x) + b1[0][j]).relu() for j in range(4)]
        logits.append([dot([row[k] for row in W2], hidden) + b2[0][k] for k in range(2)])
    scalar_loss = scalar_cross_entropy(logits, targets)
    scalar_loss.backward()
    assert abs(scalar_loss.data - loss.item()) < 1e-12
    for name, values in (("W1", W1), ("b1", b1), ("W2", W2), ("b2", b2)):
        np.testing.assert_allclose(params[name].grad, [[v.grad for v in row] for row in values],
                                   rtol=1e-10, atol=1e-14)


def _targets(seed):
    rng = np.random.default_rng(seed)
    rng.normal(size=(10, 3))
    return rng.integers(0, 2, size=10).tolist()


def test_the_guide_steps_print_what_the_guide_shows(capsys):
    from pathlib import Path

    guide = Path(__file__).parents[2] / "docs" / "guides" / "tensor-engine.md"
    section = guide.read_text(encoding="utf-8").split("## Seeing the matrix form", 1)[1]
    code, shown = re.findall(r"```(?:python|text)\n(.*?)```", section, re.S)[:2]
    exec(compile(code, "docs/guides/tensor-engine.md", "exec"), {})
    printed = capsys.readouterr().out
    assert shown in printed
