"""A big graph by its parts: ``draw_dot(root, depth=k)`` draws each named scope as one box
with what it holds and what enters and leaves it; ``text_graph`` and the steps name each
value's scope; a refusal of a big graph says that ``depth=`` exists when it has scopes."""

import html
import importlib.util
import random
import re

import numpy as np
import pytest

from tinygrad_edu import Value, named_scope, scope_of, text_graph, walk
from tinygrad_edu.formatting import fmt
from tinygrad_edu.nn import MLP
from tinygrad_edu.nn.gpt import GPT
from tinygrad_edu.training.text import CharTokenizer, load_names
from tinygrad_edu.viz import MAX_NODES, GraphTooLarge, draw_dot, frames, step_slider
from tinygrad_edu.viz.drawing import layout_budget


def boxes_of(source):
    """{id: (title, [its other lines])} for every box of a DOT source drawn by parts."""
    found = {}
    for box_id, label in re.findall(r"^\t(b\d+) \[label=<(.*)> ", source, re.M):
        cells = [re.sub(r"<[^>]+>", "", c).replace("&amp;", "&").replace("&lt;", "<")
                 .replace("&gt;", ">") for c in re.findall(r"<td[^>]*>(.*?)</td>", label)]
        found[box_id] = (cells[0], cells[1:])
    return found


def arrows_of(source):
    """[(tail, head, label or '')] for every arrow of a DOT source."""
    return [(tail, head, re.search(r'label="([^"]*)"', rest).group(1)
             if "label=" in rest else "")
            for tail, head, rest in re.findall(r"^\t(\w+) -> (\w+)(.*)$", source, re.M)]


def titled(source):
    """{box title: box id}."""
    return {title: box_id for box_id, (title, _) in boxes_of(source).items()}


def spread(numbers):
    """What a box says of these numbers (``boxes.spread``; imported here, so that on a
    version without it each test fails by itself)."""
    from tinygrad_edu.viz.by_parts import spread

    return spread(numbers)


def small_gpt():
    model = GPT(6, n_embd=4, n_head=2, n_layer=1, block_size=4, std=0.5, seed=3)
    loss = model.loss([5, 1, 2, 0, 5])
    loss.backward()
    return model, loss


# ----------------------------------------------------------------------------- boxes


def test_an_mlp_at_depth_1_draws_its_layers_as_boxes_without_any_marking():
    model = MLP(2, [4, 4, 1], seed=0)
    out = model([Value(0.5, label="x1"), Value(-1.0, label="x2")])
    out.backward()
    source = draw_dot(out, depth=1).source
    boxes = boxes_of(source)
    assert [title for title, _ in boxes.values()] == ["layers.0", "layers.1", "layers.2"]
    assert not re.search(r"^\tn\d+ ", source, re.M)  # every value and leaf is in a box
    # the layers one after the other, 4 values from each to the next
    ids = titled(source)
    assert arrows_of(source) == [(ids["layers.0"], ids["layers.1"], "4 values"),
                                 (ids["layers.1"], ids["layers.2"], "4 values")]
    # without params= every leaf used by one layer only is counted in it: weights and x
    assert boxes[ids["layers.0"]][1][0] == "12 values · 14 leaves"  # 8 w + 4 b + x1, x2
    assert boxes[ids["layers.2"]][1][0] == "2 values · 5 leaves"


def test_with_params_the_inputs_stay_in_sight_and_the_leaves_are_parameters():
    model = MLP(2, [4, 1], seed=0)
    x1, x2 = Value(0.5, label="x1"), Value(-1.0, label="x2")
    out = model([x1, x2])
    out.backward()
    source = draw_dot(out, depth=1, params=model).source
    boxes = boxes_of(source)
    ids = titled(source)
    assert boxes[ids["layers.0"]][1][0] == "12 values · 12 parameters"
    assert re.search(r"^\tn\d+ \[label=\"x1 \| data 0.5 \| grad ", source, re.M)  # TB: a row
    lines = boxes[ids["layers.0"]][1]
    assert lines[lines.index("in  2 values") + 1:][:2] == [
        "data 0.5, -1.0", f"grad {spread([x1.grad, x2.grad])}"]


def test_an_opened_part_shows_its_values_and_gathers_the_weights_only_it_uses():
    """draw_dot(..., opened=[path]): that part's values on their own, with their numbers;
    the leaves only they use in one box of its own (amber, given params=: the layer's
    parameters); the other parts still boxes, joined to each value that uses them."""
    model = MLP(2, [4, 4, 1], seed=0)
    x1, x2 = Value(0.5, label="x1"), Value(-1.0, label="x2")
    out = model([x1, x2])
    out.backward()
    source = draw_dot(out, depth=1, params=model, opened=["layers.1"]).source
    boxes = boxes_of(source)
    ids = titled(source)
    assert sorted(ids) == ["layers.0", "layers.1: parameters", "layers.2"]
    assert boxes[ids["layers.1: parameters"]][1][0] == "20 parameters"  # 16 w + 4 b
    assert f'{ids["layers.1: parameters"]} [label=' in source and "#fde68a" in source
    assert len(re.findall(r'\[label="v\d+ \| data [^|]+ \| grad', source)) == 12  # 4·3 values
    arrows = arrows_of(source)
    assert sum(tail == ids["layers.1: parameters"] for tail, _, _ in arrows) == 8  # 4 dot, 4 +
    assert sum(tail == ids["layers.0"] for tail, _, _ in arrows) == 4  # into each dot
    closed = draw_dot(out, depth=1, params=model).source
    assert draw_dot(out, depth=1, params=model, opened=[]).source == closed
    with pytest.raises(ValueError, match=r"no part 'layers\.3'; its parts are layers\.0, "):
        draw_dot(out, depth=1, opened=["layers.3"])
    with pytest.raises(ValueError, match="it needs depth="):
        draw_dot(out, opened=["layers.1"])


def test_each_box_holds_the_values_of_its_scope_and_says_how_many():
    _, loss = small_gpt()
    order = walk(loss)
    made = [node for node in order if node.parents]
    from tinygrad_edu.viz.by_parts import parts

    for depth in (1, 2, 3, 4):
        plan = parts([loss], order, depth)
        source = draw_dot(loss, depth=depth).source
        boxes = boxes_of(source)
        said = {title: lines[0] for title, lines in boxes.values()}
        expected = {}
        for node in made:
            if scope_of(node):
                path = "/".join(scope_of(node).split("/")[:depth])
                expected[path] = expected.get(path, 0) + 1
        assert {box.path: len(box.values) for box in plan.boxes} == expected
        for path, n in expected.items():
            assert said[path].split(" · ")[0] == f"{n:,} value{'s' * (n > 1)}"
        # every value made in a scope is in exactly one box, none twice
        assert sum(len(box.values) for box in plan.boxes) == sum(map(bool, map(scope_of, made)))
        # what enters a box: the parents from outside it; what leaves: what is used outside
        for box in plan.boxes:
            inside = set(box.values) | set(box.leaves)
            users = {node for node in order for p in node.parents if p in inside
                     and node not in inside}
            assert set(box.inputs) == {p for v in box.values for p in v.parents
                                       if p not in inside}
            assert set(box.outputs) == {v for v in box.values if v is loss or any(
                p is v for u in users for p in u.parents)}
            said_lines = boxes[titled(source)[box.path]][1]
            for heading, nodes in (("in", box.inputs), ("out", box.outputs)):
                if nodes:
                    n = len(nodes)
                    k = said_lines.index(f"{heading}  {n:,} value{'s' * (n > 1)}")
                    assert said_lines[k + 1:k + 3] == [
                        "data " + spread([v.data for v in nodes]),
                        "grad " + spread([v.grad for v in nodes])]
    assert sorted(said) == sorted({scope_of(node) for node in made})  # depth 4: all scopes


def test_what_enters_and_leaves_a_box_is_counted_and_its_numbers_are_shown():
    a, b = Value(1.5, label="a"), Value(-2.0, label="b")
    with named_scope("first"):
        h1 = a * b          # -3.0, leaves to second
        h2 = (a + b).relu()  # 0.0, stays inside
        h3 = h1 + h2 + a    # -1.5, leaves to the output
    with named_scope("second"):
        y1 = h1.tanh()
        y2 = h1 * 2.0
    out = y1 + y2 + h3
    out.label = "out"
    out.backward()
    source = draw_dot(out, depth=1).source
    boxes, ids = boxes_of(source), titled(source)
    first, second = boxes[ids["first"]][1], boxes[ids["second"]][1]
    assert first[0] == "5 values · 2 leaves"  # a * b, a + b, relu, + h2, + a; a and b inside
    assert first[first.index("out  2 values") + 1:] == [
        f"data {fmt(-3.0)}, {fmt(-1.5)}", f"grad {spread([h1.grad, h3.grad])}"]
    assert second[second.index("in  1 value") + 1:second.index("in  1 value") + 3] == [
        "data -3.0", f"grad {spread([h1.grad])}"]
    assert second[second.index("out  2 values") + 1:] == [
        f"data {spread([y1.data, y2.data])}", f"grad {spread([y1.grad, y2.grad])}"]
    assert h1.grad == pytest.approx(1 - np.tanh(-3.0) ** 2 + 2.0 + 1.0)  # tanh, * 2, + h2
    # one arrow from first to second (one value), and from each box into out's op, once
    arrows = arrows_of(source)
    assert (ids["first"], ids["second"], "") in arrows
    into_out = [(t, label) for t, h, label in arrows if h.endswith("op") and t.startswith("b")]
    assert sorted(into_out) == sorted([(ids["first"], ""), (ids["second"], "2 values")])


def test_many_values_between_two_boxes_are_one_arrow_with_their_count():
    xs = [Value(float(i), label=f"x{i}") for i in range(3)]
    with named_scope("spread"):
        hs = [x * 2.0 for x in xs for _ in range(2)]  # 6 values
    with named_scope("gather"):
        total = sum(hs[1:], hs[0])
    source = draw_dot(total, depth=1).source
    ids = titled(source)
    assert [a for a in arrows_of(source) if a[0].startswith("b")] == [
        (ids["spread"], ids["gather"], "6 values")]


def test_depth_none_draws_exactly_as_without_scopes():
    def graph(scoped):
        x, y = Value(3.0, label="x"), Value(2.0, label="y")
        if scoped:
            with named_scope("sum"):
                s = x + y
            with named_scope("diff"):
                d = x - y
        else:
            s, d = x + y, x - y
        f = s * d
        f.backward()
        return f

    plain = draw_dot(graph(False)).source
    assert draw_dot(graph(True), depth=None).source == plain
    assert draw_dot(graph(True)).source == plain
    assert [f.source for f in frames(graph(True), depth=None)] == \
        [f.source for f in frames(graph(False))]


def test_depth_2_opens_one_attention_head():
    model, _ = small_gpt()
    head = model.blocks[0].attn.heads[1]  # runs in its scope, heads.1, called on its own too
    rng = random.Random(0)
    memory = ([], [])
    for _ in range(3):
        out = head([Value(rng.gauss(0, 1)) for _ in range(4)], memory)
    assert [title for title, _ in boxes_of(draw_dot(out, depth=1).source).values()] == \
        ["heads.1"]  # the whole head is one box: its inputs are used by it alone
    opened = {title for title, _ in boxes_of(draw_dot(out, depth=2).source).values()}
    assert opened == {"inputs", "heads.1/query", "heads.1/key", "heads.1/value",
                      "heads.1/scores", "heads.1/softmax", "heads.1/mix"}
    # in the whole model: the heads side by side at depth 3, each opened at depth 4
    _, loss = small_gpt()
    at_3 = {title for title, _ in boxes_of(draw_dot(loss, depth=3).source).values()}
    assert {"blocks.0/attn/heads.0", "blocks.0/attn/heads.1", "blocks.0/attn/proj"} <= at_3
    at_4 = {title for title, _ in boxes_of(draw_dot(loss, depth=4).source).values()}
    assert "blocks.0/attn/heads.1/softmax" in at_4 and "blocks.0/attn/heads.1" not in at_4


def test_many_leaves_that_only_boxes_use_are_one_box_of_inputs():
    xs = [Value(float(i), label=f"x{i}") for i in range(6)]
    with named_scope("left"):
        a = sum((x * 2.0 for x in xs), Value(0.0))
    with named_scope("right"):
        b = sum((x * 3.0 for x in xs), Value(0.0))
    out = a + b
    source = draw_dot(out, depth=1).source
    boxes, ids = boxes_of(source), titled(source)
    assert boxes[ids["inputs"]][1][:2] == ["6 leaves", "out  6 values"]
    assert (ids["inputs"], ids["left"], "6 values") in arrows_of(source)
    few = [Value(1.0, label="p"), Value(2.0, label="q")]  # a few are drawn as they are
    with named_scope("left"):
        c = few[0] * few[1]
    with named_scope("right"):
        d = few[0] + few[1]
    source = draw_dot(c * d, depth=1).source
    assert "inputs" not in titled(source) and 'label="p | data 1.0' in source


def test_an_output_made_in_a_scope_stays_in_its_box_outlined_as_an_output():
    model = MLP(2, [3, 1], seed=0)
    out = model([0.5, -1.0])
    out.backward()
    source = draw_dot(out, depth=1).source
    boxes, ids = boxes_of(source), titled(source)
    last = boxes[ids["layers.1"]][1]
    assert last[last.index("out  1 value") + 1:] == [f"data {spread([out.data])}", "grad 1.0"]
    assert re.search(rf'^\t{ids["layers.1"]} \[.*color="#15803d"', source, re.M)


def test_the_tensor_engine_marks_its_scopes_and_draws_them_as_boxes():
    from tinygrad_edu.tensor import MLP as TensorMLP
    from tinygrad_edu.tensor import Tensor
    from tinygrad_edu.tensor.nn import cross_entropy

    model = TensorMLP(3, [4, 2], seed=0)
    X = Tensor(np.random.default_rng(0).normal(size=(5, 3)), label="X")
    loss = cross_entropy(model(X), [0, 1, 0, 1, 1])
    hidden = model.layers[0](X)  # a layer of a model called alone still runs in its scope
    loss.backward()
    assert scope_of(hidden) == "layers.0"
    source = draw_dot(loss, depth=1, params=model).source
    boxes, ids = boxes_of(source), titled(source)
    first = boxes[ids["layers.0"]][1]
    assert first[0] == "3 tensors · 2 parameters"
    assert first[first.index("in  1 tensor: 5×3") + 1] == f"data {spread([X.data])}"
    assert (ids["layers.0"], ids["layers.1"], "5×4") in arrows_of(source)


# ----------------------------------------------------------------------------- text and steps


def test_text_graph_and_the_steps_name_each_values_scope_only_where_there_are_scopes():
    x, y = Value(3.0, label="x"), Value(2.0, label="y")
    with named_scope("sum"):
        s = x + y
    f = s * (x - y)
    f.backward()
    lines = text_graph(f).splitlines()
    assert lines[0].split() == ["value", "scope", "computed", "as", "data", "grad"]
    assert lines[3].split() == ["v1", "sum", "x", "+", "y", "5.0", "1.0"]
    assert lines[4].split()[:2] == ["v2", "x"]  # made outside every scope: the column is empty
    steps = [str(step) for step in f.backward_steps()]
    assert steps[2].startswith("[sum] v1 = x + y  upstream") and steps[0].startswith("v3 = ")
    plain = (Value(3.0, label="x") + 1.0) * 2.0
    assert "scope" not in text_graph(plain) and "[" not in str(next(plain.backward_steps()))
    model = MLP(2, [2, 1], seed=0)
    out = model([x, y])
    assert str(next(out.backward_steps())).startswith("[layers.1] ")
    assert next(out.backward_steps()).scope == "layers.1"


# ----------------------------------------------------------------------------- size and refusals


def test_a_big_graph_is_refused_with_depth_advice_only_when_it_has_scopes():
    _, loss = small_gpt()
    with pytest.raises(GraphTooLarge) as refused:
        draw_dot(loss, max_nodes=100)
    assert "draw_dot(root, depth=1) draws each of them as one box" in str(refused.value)
    assert "(embed, blocks.0, norm_f, lm_head, loss)" in str(refused.value)
    chain = Value(1.0)
    for _ in range(600):
        chain = chain * 1.0001
    with pytest.raises(GraphTooLarge) as refused:
        draw_dot(chain)
    assert "depth" not in str(refused.value)


def test_a_gpt_step_of_the_notebook_draws_at_depth_1_within_the_layout_budget():
    tokens = CharTokenizer(load_names())
    model = GPT(tokens.vocab_size, seed=0)  # the notebook's: 4,192 parameters
    loss = model.loss(tokens.encode("emma"))
    loss.backward()
    order = walk(loss)
    assert len(order) > 10 * MAX_NODES  # far too big to draw value by value
    with pytest.raises(GraphTooLarge):
        draw_dot(loss)
    from tinygrad_edu.viz.drawing import checked_parts

    plan = checked_parts([loss], order, 1, None, MAX_NODES)  # no GraphTooLarge
    assert [box.path for box in plan.boxes] == ["embed", "blocks.0", "norm_f", "lm_head", "loss"]
    assert plan.alone == []  # every parameter is counted in the part that uses it
    assert len(boxes_of(draw_dot(loss, depth=1).source)) == 5
    for depth in (2, 3, 4):  # and deeper, still within the budget of about a second
        checked_parts([loss], order, depth, None, MAX_NODES)
    assert layout_budget(MAX_NODES) > 0


def test_too_many_parts_are_refused_with_what_to_do():
    xs = [Value(float(i)) for i in range(30)]
    outs = []
    for i, x in enumerate(xs):
        with named_scope(f"part{i}"):
            outs.append(x * 2.0)
    with pytest.raises(GraphTooLarge, match=r"at depth=1 this graph still draws as 30 boxes.*"
                                            r"smaller depth, or max_nodes="):
        draw_dot(outs, depth=1, max_nodes=20)
    draw_dot(outs, depth=1)  # within the default


def test_bad_depths_and_graphs_without_scopes_are_refused_by_name():
    x = Value(2.0)
    with named_scope("square"):
        y = x * x
    for bad in (0, -1, True, 1.5, "1"):
        with pytest.raises(ValueError, match=r"depth=.*how many parts of a scope's path"):
            draw_dot(y, depth=bad)
    with pytest.raises(ValueError, match="no value of this graph was made inside a named_scope"):
        draw_dot(x * 3.0, depth=1)
    with pytest.raises(ValueError, match=r"frames: depth=0"):
        frames(y, depth=0)


# ----------------------------------------------------------------------------- frames, slider


def test_frames_at_depth_mark_the_box_of_each_step_and_keep_the_gradients():
    model = MLP(2, [3, 1], seed=0)
    out = model([Value(1.0, label="x1"), Value(-2.0, label="x2")])
    out.backward()
    before = [node.grad for node in walk(out)]
    pictures = frames(out, depth=1, params=model)
    assert len(pictures) == sum(1 for node in walk(out) if node.parents)
    source = pictures[3].source
    assert re.search(r'label="step 4 in layers\.0: ', source)
    ids = titled(source)
    assert re.search(rf'^\t{ids["layers.0"]} \[.*color="#dc2626"', source, re.M)
    assert [node.grad for node in walk(out)] == before
    if importlib.util.find_spec("ipywidgets") is None:  # the frames instead, and a warning
        with pytest.warns(UserWarning, match="step_slider needs ipywidgets"):
            shown = step_slider(out, depth=1, params=model)
        assert [f.source for f in shown] == [f.source for f in pictures]
    else:  # a slider over the same frames: step 1 shown, then the step it is moved to
        slider, caption, picture = step_slider(out, depth=1, params=model).children
        assert (slider.min, slider.max, slider.value) == (1, len(pictures), 1)
        assert caption.value == f"<pre>{html.escape(str(pictures[0].step))}</pre>"
        slider.value = 4
        assert caption.value == f"<pre>{html.escape(str(pictures[3].step))}</pre>"
        assert picture.value == pictures[3]._html()


def test_spread_says_a_few_numbers_or_their_range_and_counts_nans():
    assert spread([0.5, -1.25]) == "0.5, -1.25"
    assert spread([1.0, 2.0, 3.0, 6.0]) == "min 1.0 · mean 3.0 · max 6.0"
    assert spread([2.0] * 5) == "all 2.0"
    assert spread([1.0, float("nan"), 3.0]) == "min 1.0 · mean 2.0 · max 3.0 · 1 NaN"
    assert spread([None, None]) == "None"
    assert spread([np.array([[1.0, 2.0], [3.0, np.nan]]), np.array([6.0])]) == \
        "min 1.0 · mean 3.0 · max 6.0 · 1 NaN"
    assert spread([Value(0.25)]) == "0.25"  # a gradient kept as a Value (create_graph)
