"""Drawing graphs: DOT structure, styles, determinism, highlighted steps, the size limit and
every rendering path (Graphviz's dot, graphviz-pure, nothing installed)."""

import re
import shutil
import stat
import sys

import graphviz
import numpy as np
import pytest

from tinygrad_edu import Value, dot, grad, viz, vsum, walk
from tinygrad_edu.commands.demo import draw_neuron
from tinygrad_edu.formatting import fmt
from tinygrad_edu.nn import MLP, Neuron
from tinygrad_edu.viz import (
    Drawing,
    GraphTooLarge,
    RenderError,
    draw_dot,
    drawing,
    frames,
    rendering,
    step_slider,
)

DOT = shutil.which("dot")
PURE = next(filter(None, (shutil.which("graphviz-pure", path=d)
                           for d in (None, *rendering._SCRIPT_DIRS))), None)
requires_dot = pytest.mark.skipif(
    DOT is None, reason="Graphviz's dot is not installed: sudo apt-get install graphviz")
requires_pure = pytest.mark.skipif(
    PURE is None, reason="graphviz-pure is not installed: pip install graphviz-pure")


def sum_times_difference():
    x, y = Value(3.0, label="x"), Value(2.0, label="y")
    return x, y, (x + y) * (x - y)


def nodes(source):
    """{id: attribute text} for every node statement of a DOT source."""
    return dict(re.findall(r"^\t(n\d+(?:op)?) \[(.*)\]$", source, re.M))


def edges(source):
    return re.findall(r"^\t(n\d+(?:op)?) -> (n\d+(?:op)?)", source, re.M)


# ----------------------------------------------------------------------------- structure


def test_records_ops_and_edges_of_the_sum_times_difference():
    f = sum_times_difference()[2]
    f.backward()
    d = draw_dot(f)
    assert isinstance(d, graphviz.Digraph) and d.format == "svg"
    found = nodes(d.source)
    assert found["n0"].startswith('label="{ x | data 3.0 | grad 6.0 }"')
    assert found["n1"].startswith('label="{ y | data 2.0 | grad -4.0 }"')
    assert found["n4"].startswith('label="{ v3 | data 5.0 | grad 1.0 }"')
    assert [found[f"n{i}op"].split('"')[1] for i in (2, 3, 4)] == ["+", "-", "*"]
    assert sorted(edges(d.source)) == sorted([
        ("n2op", "n2"), ("n0", "n2op"), ("n1", "n2op"),
        ("n3op", "n3"), ("n0", "n3op"), ("n1", "n3op"),
        ("n4op", "n4"), ("n2", "n4op"), ("n3", "n4op")])


def test_one_edge_per_operand_use():
    a = Value(3.0, label="a")
    source = draw_dot(a * a).source
    assert edges(source).count(("n0", "n1op")) == 2
    assert len(nodes(source)) == 3


def test_counts_for_a_neuron_with_dot_and_constants():
    model = MLP(3, [4, 1], seed=1)
    out = model([1.0, -2.0, 0.5]) * 2 - 1
    graph = walk(out)
    source = draw_dot(out).source
    inner = [n for n in graph if n.parents]
    assert len(nodes(source)) == len(graph) + len(inner)
    assert len(edges(source)) == len(inner) + sum(len(n.parents) for n in inner)
    assert '[label="* 2.0"' in source and '[label="- 1.0"' in source
    assert '[label="2.0 -"' in draw_dot(2 - Value(1.0)).source
    assert '[label="Σ"' in draw_dot(vsum([Value(1.0), Value(2.0)])).source


def test_show_grad_and_rankdir():
    f = sum_times_difference()[2]
    assert "grad" not in draw_dot(f, show_grad=False).source
    top_down = draw_dot(f, rankdir="TB").source
    assert "rankdir=TB" in top_down and 'label="x | data 3.0 | grad 0.0"' in top_down


def test_record_characters_in_labels_are_escaped():
    v = Value(1.0, label="x{1}|<a>")
    assert r'label="{ x\{1\}\|\<a\> | data 1.0' in draw_dot(v * 2).source


def test_styles_for_inputs_parameters_operations_and_output():
    x = [Value(0.5, label="x1"), Value(-1.0, label="x2")]
    neuron = Neuron(2, seed=0)
    out = neuron(x)
    found = nodes(draw_dot(out, params=neuron.parameters()).source)
    names = {n: re.search(r"\{ (\S+) \|", a).group(1) for n, a in found.items() if "op" not in n}
    fill = {names[n]: re.search(r'fillcolor="?([^" ]+)', a).group(1)
            for n, a in found.items() if "op" not in n}
    assert fill["x1"] == fill["x2"] == drawing.STYLE["input"]["fillcolor"]
    assert fill["w.0"] == fill["w.1"] == fill["b"] == drawing.STYLE["param"]["fillcolor"]
    assert fill[names[f"n{len(walk(out)) - 1}"]] == drawing.STYLE["output"]["fillcolor"]
    assert all(drawing.OP_STYLE["fillcolor"] in a for n, a in found.items() if n.endswith("op"))
    assert len(set(fill.values())) == 4  # inputs, parameters, the inner value, the output


def test_deterministic_across_calls_and_fresh_graphs():
    def build():
        a, b = Value(2.0), Value(-1.0)
        c = (a * b + a).tanh()
        return dot([c, a], [b, c]) + vsum([a, b, 3.0])

    one, two = build(), build()
    one.backward()
    two.backward()
    assert draw_dot(one).source == draw_dot(one).source == draw_dot(two).source
    assert str(id(one)) not in draw_dot(one).source


# ----------------------------------------------------------------------------- highlight


def test_frames_highlight_each_step_and_leave_gradients_as_they_were():
    x, y, f = sum_times_difference()
    pictures = frames(f)
    assert [p.step.name for p in pictures] == ["v3", "v2", "v1"]
    assert (x.grad, y.grad, f.grad) == (0.0, 0.0, 0.0)  # drawing changes nothing it draws
    assert [p.source for p in frames(f)] == [p.source for p in pictures]  # a cell run again
    second = pictures[1].source  # v2 = x - y passes 5.0 * 1 to x and 5.0 * -1 to y
    assert 'label="step 2: v2 = x - y, upstream 5.0"' in second
    found = nodes(second)
    assert viz.HOT in found["n3"] and viz.HOT in found["n3op"]
    assert viz.WARM in found["n0"] and viz.WARM in found["n1"]
    assert viz.HOT not in found["n2"] and viz.WARM not in found["n2"]
    assert re.search(r'n0 -> n3op \[label="\+= 5.0".*dir=back', second)
    assert re.search(r'n1 -> n3op \[label="\+= -5.0"', second)
    assert 'x | data 3.0 | grad 5.0' in second  # the gradients as they were after step 2
    assert 'x | data 3.0 | grad 6.0' in pictures[2].source
    f.backward()
    x.grad = 100.0  # gradients from elsewhere: the frames start from 0 and leave them be
    assert [p.source for p in frames(f)] == [p.source for p in pictures]
    assert (x.grad, y.grad, f.grad) == (100.0, -4.0, 1.0)
    with pytest.raises(ValueError, match="is a leaf"):
        frames(Value(1.0, label="c"))


def test_highlight_a_value_or_refuse_a_stranger():
    x, _, f = sum_times_difference()
    assert viz.HOT in nodes(draw_dot(f, highlight=x).source)["n0"]
    with pytest.raises(ValueError, match="not in this graph"):
        draw_dot(f, highlight=Value(1.0))


# ----------------------------------------------------------------------------- size limit


def test_large_graphs_are_refused_with_advice():
    model = MLP(4, [16, 16, 1], seed=0)
    out = vsum([model([0.1 * i, 0.2, 0.3, 0.4]) for i in range(2)])  # two examples
    n = len(walk(out))
    with pytest.raises(GraphTooLarge, match=rf"{n} values, more than max_nodes=500") as info:
        draw_dot(out)
    assert "neuron" in str(info.value) and f"max_nodes={n}" in str(info.value)
    assert isinstance(info.value, ValueError)
    assert len(nodes(draw_dot(out, max_nodes=n).source)) > n
    with pytest.raises(GraphTooLarge):
        frames(out, max_nodes=10)
    assert out.grad == 0.0  # refused before any step ran


# ----------------------------------------------------------------------------- layout cost
# Graphviz's dot slows down with the arrows and, far more, with arrows that cross many ranks
# (a value used at every step of a long loop). Accepted graphs must have neither (their far
# arrows start at a copy of the value's name); the others are refused at once. No test here
# times anything: benchmarks/README.md has the seconds.


def arrows_into_ops(source):
    """(tail, op) for every arrow into an op: from a value (n3) or a copy of it (n3atn7)."""
    return re.findall(r"^\t(n\d+(?:atn\d+)?) -> (n\d+op)", source, re.M)


def stretch(source):
    """How many ranks the arrows of a DOT source cross beyond the next, in all, with every
    box one rank after the latest box with an arrow into it, and a box with no arrow into it
    (an input, a copy) one rank before its first arrow out: dot's ranks, or longer."""
    found = re.findall(r"^\t(\w+) -> (\w+)", source, re.M)
    into, out = {}, {}
    for a, b in found:
        into.setdefault(b, []).append(a)
        out.setdefault(a, []).append(b)
    rank, todo = {}, [n for n in out if n not in into]
    waiting = {b: len(tails) for b, tails in into.items()}
    while todo:
        node = todo.pop()
        rank[node] = max((rank[a] + 1 for a in into.get(node, [])), default=0)
        for b in out.get(node, []):
            waiting[b] -= 1
            if not waiting[b]:
                todo.append(b)
    for node in out:
        if node not in into:
            rank[node] = min(rank[b] for b in out[node]) - 1
    return sum(rank[b] - rank[a] - 1 for a, b in found)


def assert_drawn_exactly(root, source):
    """Every use of a value has its arrow, from the value or from a copy of its name; the
    value's first use is always its own arrow."""
    order = walk(root)
    ids = {node: f"n{i}" for i, node in enumerate(order)}
    names = dict(re.findall(r'^\t(n\d+atn\d+) \[label=(\S+) ', source, re.M))
    drawn = arrows_into_ops(source)
    assert sorted((tail.split("at")[0], op) for tail, op in drawn) == sorted(
        (ids[p], f"{ids[node]}op") for node in order for p in node.parents)
    for tail, op in drawn:
        if "at" in tail:
            value = order[int(tail[1:].split("at")[0])]
            assert tail == f"{ids[value]}at{op[:-2]}" and "dashed" in source
            assert names[tail].strip('"') == (value.label or names[tail].strip('"'))
    firsts = {}
    for tail, _ in drawn:
        firsts.setdefault(tail.split("at")[0], tail)
    assert all("at" not in tail for tail in firsts.values())
    return sum("at" in tail for tail, _ in drawn)


def horner(n):
    """p = p·x + k, n times: x is used at every step, its arrows reach ever further."""
    x, p = Value(0.5, label="x"), Value(1.0, label="c")
    for k in range(n):
        p = p * x + 0.01 * k
    p.label = "p"
    return p


def test_the_layout_cost_counts_boxes_arrows_and_the_ranks_they_cross():
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    f = a * b + a  # a's second arrow crosses the ranks of a * b: 2 beyond the next
    order = walk(f)
    cost, arrows = drawing.layout_cost(order, labelled=False)
    assert cost == 6 + 6 + drawing.STRETCH * 2  # 4 values and 2 ops; 4 arrows and 2
    span, node, i = arrows[0]  # the longest first
    assert (span, order.index(node), i) == (3, 3, 1)
    labelled, _ = drawing.layout_cost(order, labelled=True)  # every step two ranks
    assert labelled == 6 + 2 * 6 + drawing.STRETCH * 4
    assert drawing.layout_cost(order, False, copies=[(f, 1)])[0] == 6 + 6 + 1


@pytest.mark.parametrize("rankdir", ["LR", "TB"])
def test_a_value_used_at_every_step_of_a_long_loop_is_drawn_with_copies(rankdir):
    p = horner(120)  # 242 values; x's arrows would cross 29,000 ranks in all
    p.backward()
    source = draw_dot(p, rankdir=rankdir).source
    copies = assert_drawn_exactly(p, source)
    assert 80 < copies < 120  # the far uses of x, not the near ones
    assert stretch(source) <= drawing.MAX_LAYOUT // drawing.STRETCH
    assert re.search(r'^\tn\d+atn\d+ \[label=x .*style="filled,dashed"', source, re.M)
    assert stretch(draw_dot(horner(15)).source) > 0  # a short loop: drawn as it is
    assert "dashed" not in draw_dot(horner(15)).source
    pictures = frames(horner(60))  # drawn when looked at: frames(...) itself costs little
    assert len(pictures) == 120 and isinstance(pictures, viz.Frames)
    assert len(pictures._drawn) == 0
    # step 2 is v119 = v118 * x: its amount for x goes back along an arrow from a copy of x
    assert re.search(r'\tn1atn120 -> n120op \[label="\+= 1.14" color="#dc2626"',
                     pictures[1].source)
    assert len(pictures._drawn) == 1 and pictures[1] is pictures[-119]
    assert [d.step.index for d in pictures[:2]] == [1, 2]
    with pytest.raises(IndexError, match="there are 120 steps"):
        pictures[120]


def test_graphs_without_far_arrows_are_drawn_as_before():
    model = MLP(2, [16, 16, 1], seed=0)
    out = model([Value(0.5), Value(-1.0)])  # 437 values: the largest the docs draw
    for source in (draw_dot(out).source, draw_dot(sum_times_difference()[2]).source,
                   frames(sum_times_difference()[2])[1].source):
        assert "dashed" not in source and "atn" not in source
    assert stretch(draw_dot(out).source) == 0


def fully_connected(width, depth):
    """Layers of sums, each of every value of the layer before: many arrows, none long."""
    xs = [Value(0.01 * i, label=f"x{i}") for i in range(width)]
    for _ in range(depth):
        xs = [vsum(xs).tanh() for _ in range(width)]
    return vsum(xs)


def test_a_graph_of_too_many_arrows_is_refused_at_once_with_advice():
    out = fully_connected(40, 3)  # 281 values, 4960 arrows
    arrows = sum(len(node.parents) for node in walk(out))
    with pytest.raises(GraphTooLarge, match=rf"^draw_dot: this graph of 281 values has "
                                            rf"{arrows} arrows, which Graphviz would take far "
                                            r"more than a second to lay out") as info:
        draw_dot(out)
    message = str(info.value)
    assert "text_graph(root)" in message and "neuron" in message
    enough = int(re.search(r"pass max_nodes=(\d+) to draw it all anyway", message).group(1))
    assert isinstance(draw_dot(out, max_nodes=enough), Drawing)  # drawn, if slowly
    with pytest.raises(GraphTooLarge):
        draw_dot(out, max_nodes=enough - 1)
    for show in (frames, step_slider, viz.replay_html):
        with pytest.raises(GraphTooLarge, match="arrows"):
            show(out)
        assert out.grad == 0.0  # refused before any gradient was left behind
    small = fully_connected(20, 4)  # 1700 arrows: drawn, but with an amount on the arrows
    draw_dot(small)  # of a step (every rank doubled) it is too many
    with pytest.raises(GraphTooLarge, match="arrows"):
        frames(small)


# ----------------------------------------------------------------------------- graphs of grads


def test_the_graph_of_a_gradient_can_be_drawn():
    x = Value(2.0, label="x")
    (dy,) = grad(x**3 * x.tanh(), [x], create_graph=True)
    source = draw_dot(dy).source
    assert len(nodes(source)) > 4 and "x | data 2.0" in source
    y = Value(1.5, label="y")
    loss = (x * y).sigmoid()
    loss.backward(create_graph=True)
    assert isinstance(x.grad, Value)
    assert f"x | data 2.0 | grad {fmt(x.grad.data)}" in draw_dot(loss).source
    d2 = draw_dot(x.grad)
    if viz.find_renderer():
        assert "<svg" in d2.pipe(format="svg", encoding="utf-8")


# ----------------------------------------------------------------------------- rendering


@requires_dot
def test_real_svg_with_graphviz_dot(tmp_path):
    f = sum_times_difference()[2]
    f.backward()
    d = draw_dot(f)
    svg = d.pipe(format="svg", encoding="utf-8")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and "graphviz-pure" not in svg
    assert "grad 6.0" in svg and "data 5.0" in svg
    assert set(d._repr_mimebundle_()) == {"image/svg+xml"}
    path = d.render(tmp_path / "graph")
    assert path.endswith("graph.svg") and "grad 6.0" in open(path, encoding="utf-8").read()


def hide_renderers(monkeypatch, tmp_path, keep_pure):
    """PATH with neither dot nor (unless keep_pure) graphviz-pure on it."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    if keep_pure:
        (bin_dir / "graphviz-pure").symlink_to(PURE)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setattr(rendering, "_SCRIPT_DIRS", [str(bin_dir)])
    return bin_dir


@requires_pure
def test_without_dot_graphviz_pure_renders(monkeypatch, tmp_path):
    hide_renderers(monkeypatch, tmp_path, keep_pure=True)
    assert viz.find_renderer().endswith("graphviz-pure")
    f = sum_times_difference()[2]
    d = draw_dot(f)
    svg = d.pipe(format="svg", encoding="utf-8")
    assert "graphviz-pure" in svg and "<svg" in svg and "data 5.0" in svg
    assert isinstance(d.pipe(format="svg"), bytes)
    assert d._repr_mimebundle_()["image/svg+xml"] == svg
    path = d.render(tmp_path / "out" / "graph", format="svg")
    assert path.endswith("graph.svg") and "<svg" in open(path, encoding="utf-8").read()
    png = d.render(outfile=tmp_path / "g.png")
    assert open(png, "rb").read(4) == b"\x89PNG" and (tmp_path / "g.gv").exists()
    d.render(outfile=tmp_path / "h.svg", cleanup=True)
    assert (tmp_path / "h.svg").exists() and not (tmp_path / "h.gv").exists()
    assert "<svg" in d._html()


def test_with_no_renderer_display_shows_dot_text_and_files_raise(monkeypatch, tmp_path):
    hide_renderers(monkeypatch, tmp_path, keep_pure=False)
    assert viz.find_renderer() is None
    d = draw_dot(sum_times_difference()[2])
    bundle = d._repr_mimebundle_()
    text = bundle["text/plain"]
    assert set(bundle) == {"text/plain"}
    assert "apt-get install graphviz" in text.splitlines()[0]
    assert "pip install graphviz-pure" in text.splitlines()[0]
    assert text.endswith(d.source)
    for attempt in (lambda: d.pipe(format="svg"), lambda: d.render(tmp_path / "g"),
                    lambda: d.render(outfile=tmp_path / "g.svg")):
        with pytest.raises(RenderError, match=r"graphviz.*pip install graphviz-pure"):
            attempt()
    assert not list(tmp_path.glob("g*"))  # nothing half-written
    assert issubclass(RenderError, graphviz.ExecutableNotFound)
    assert "<pre>" in d._html()


def test_display_survives_a_broken_dot(monkeypatch, tmp_path):
    bin_dir = hide_renderers(monkeypatch, tmp_path, keep_pure=False)
    broken = bin_dir / "dot"
    broken.write_text("#!/bin/sh\necho 'dot: out of cheese' >&2\nexit 3\n")
    broken.chmod(broken.stat().st_mode | stat.S_IXUSR)
    d = draw_dot(sum_times_difference()[2])
    text = d._repr_mimebundle_()["text/plain"]
    assert text.startswith("(drawing failed:") and text.endswith(d.source)
    with pytest.raises(graphviz.CalledProcessError):
        d.pipe(format="svg")


# ----------------------------------------------------------------------------- notebook, demo


def test_step_slider_moves_through_frames():
    widgets = pytest.importorskip("ipywidgets")
    x, y, f = sum_times_difference()
    box = step_slider(f)
    slider, caption, picture = box.children
    assert isinstance(box, widgets.VBox) and (slider.min, slider.max) == (1, 3)
    assert "v3 = v1 * v2" in caption.value and picture.value
    slider.value = 2
    assert "v2 = x - y" in caption.value
    assert (x.grad, y.grad) == (0.0, 0.0)
    with pytest.raises(ValueError, match="leaf"):
        step_slider(Value(1.0))


def test_step_slider_without_ipywidgets_returns_frames(monkeypatch):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    with pytest.warns(UserWarning, match="pip install ipywidgets"):
        pictures = step_slider(sum_times_difference()[2])
    assert [p.step.index for p in pictures] == [1, 2, 3]
    assert all(isinstance(p, Drawing) for p in pictures)


def demo_inputs():
    model = MLP(2, [4, 1], seed=3)
    return model, np.array([[0.5, -1.0], [1.0, 2.0]])


def test_demo_neuron_picture_without_any_renderer_writes_dot_text(monkeypatch, tmp_path, capsys):
    hide_renderers(monkeypatch, tmp_path, keep_pure=False)
    assert draw_neuron(*demo_inputs(), tmp_path / "neuron.svg") is False
    assert "digraph" in (tmp_path / "neuron.gv").read_text()
    assert "pip install graphviz-pure" in capsys.readouterr().err


@pytest.mark.skipif(DOT is None and PURE is None, reason="no Graphviz renderer installed")
def test_demo_neuron_picture(tmp_path):
    assert draw_neuron(*demo_inputs(), tmp_path / "neuron.svg") is True
    svg = (tmp_path / "neuron.svg").read_text()
    assert "<svg" in svg and ">out<" in svg and ".w.1<" in svg


def test_demo_neuron_shows_its_own_gradients_not_leftovers(monkeypatch, tmp_path):
    hide_renderers(monkeypatch, tmp_path, keep_pure=False)
    model, X = demo_inputs()
    for p in model.parameters():
        p.grad = 100.0  # as if training had left gradients behind
    draw_neuron(model, X, tmp_path / "neuron.svg")
    assert "grad 100" not in (tmp_path / "neuron.gv").read_text()


def test_drawing_repr_is_stable():
    """A notebook stores repr() as text/plain beside the picture: no memory address in it."""
    a = Value(2.0, label="a")
    first, second = repr(draw_dot(a * a)), repr(draw_dot(a * a))
    assert first == second and "0x" not in first
