"""The replay page as text: what it holds, that it is self-contained, escaped and the same
every time, and what happens without a renderer. tests/viz/test_replay_browser.py clicks it."""

import base64
import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pytest

from tests.viz.test_drawing import DOT, PURE, hide_renderers
from tinygrad_edu import Value, tanh, viz, walk
from tinygrad_edu.__main__ import main
from tinygrad_edu.commands.demo import replay_neuron
from tinygrad_edu.formatting import fmt
from tinygrad_edu.nn import MLP
from tinygrad_edu.tensor import Tensor
from tinygrad_edu.viz import GraphTooLarge, RenderError, replay
from tinygrad_edu.viz.replay import Replay, replay_html
from tinygrad_edu.viz.stepping import backward_steps, node_names

requires_renderer = pytest.mark.skipif(
    viz.find_renderer() is None,
    reason="no Graphviz renderer: sudo apt-get install graphviz, or pip install "
           "graphviz-pure")


def sum_times_difference():
    x, y = Value(3.0, label="x"), Value(2.0, label="y")
    f = (x + y) * (x - y)
    f.label = "f"
    return x, y, f


def embedded(page):
    """The frames and values the page's script reads."""
    blob = re.search(r'<script type="application/json" id="replay-data">(.*?)</script>',
                     page.html, re.S).group(1)
    return json.loads(blob)


@requires_renderer
def test_the_page_holds_every_step_as_backward_steps_prints_it():
    f = sum_times_difference()[2]
    page = replay_html(f)
    assert isinstance(page, Replay) and page.steps == 3
    frames = embedded(page)["frames"]
    assert [fr["kind"] for fr in frames] == ["start", "forward", "forward", "forward",
                                            "backward", "backward", "backward", "done"]
    assert [fr["text"] for fr in frames[1:4]] == ["v1 = x + y = 5.0", "v2 = x - y = 1.0",
                                                  "f = v1 * v2 = 5.0"]
    f.zero_grad()
    assert [fr["text"] for fr in frames[4:7]] == [str(s) for s in backward_steps(f)]
    assert frames[-1]["text"] == "Done: every value holds df/d(value). x.grad = 6.0, y.grad = -4.0"
    assert frames[4]["updates"] == [[2, "1.0", "1.0"], [3, "5.0", "5.0"]]


@requires_renderer
def test_backward_only_starts_with_every_value_computed():
    page = replay_html(sum_times_difference()[2], forward=False)
    data = embedded(page)
    assert all(node["known"] for node in data["nodes"])
    assert [fr["kind"] for fr in data["frames"]] == ["start", "backward", "backward",
                                                     "backward", "done"]
    assert page.title == "Backward pass of f = (x + y) * (x - y)"  # unnamed ones written out


@requires_renderer
def test_gradients_are_left_as_they_were_and_pages_are_reproducible():
    x, y, f = sum_times_difference()
    f.backward()
    f.backward()  # leaves now hold 12 and -8: the page must still replay one clean pass
    first = replay_html(f)
    assert (x.grad, y.grad, f.grad) == (12.0, -8.0, 1.0)
    assert "x.grad = 6.0, y.grad = -4.0" in first.html
    again = replay_html(sum_times_difference()[2])  # a fresh graph built the same way
    assert again.html == first.html
    assert repr(first) == ("<Replay: Forward and backward pass of f = (x + y) * (x - y), 3 "
                           "backward steps>")


@requires_renderer
def test_the_page_is_self_contained():
    page = replay_html(sum_times_difference()[2]).html
    assert page.startswith("<!DOCTYPE html>") and page.count("<svg") == 1
    assert not re.search(r"\b(src|href)\s*=", page)  # nothing to fetch
    assert not re.search(r"@import|url\(", page)
    urls = set(re.findall(r"https?://[^\s\"'<>]*", page))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}, urls
    assert "<!--" not in page and "<?xml" not in page  # no Graphviz version in the page
    assert "default-src 'none'" in page  # the browser itself refuses every request


@requires_renderer
def test_the_page_is_made_of_the_packages_files_and_allows_only_its_script():
    pages = Path(replay.__file__).parent / "pages"
    script = (pages / "replay.js").read_text(encoding="utf-8").strip()
    style = (pages / "replay.css").read_text(encoding="utf-8").strip()
    page = replay_html(sum_times_difference()[2]).html
    assert re.search(r"<script>(.*?)</script>", page, re.S).group(1) == script
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    assert f"script-src 'sha256-{digest}';" in page
    assert style in re.search(r"<style>(.*?)</style>", page, re.S).group(1)
    assert "@@" not in page and "var(--hot)" in page and f"--hot: {viz.HOT};" in page


@requires_renderer
def test_labels_are_escaped_in_svg_html_and_json():
    nasty = 'a<b>&"q\'</script><script>alert(1)</script>'
    a = Value(2.0, label=nasty)
    f = a * a + 1
    page = replay_html(f, title=f"title {nasty}").html
    assert page.count("<script") == 2 and page.count("</script>") == 2
    assert "<b>" not in page and "alert(1)</script>" not in page
    data = embedded(replay_html(f))
    assert nasty in data["frames"][-1]["text"]  # the JSON holds the label unchanged


@requires_renderer
def test_labels_get_room_for_the_widest_number_they_will_show():
    a = Value(1.0, label="a")
    f = a * (1 / 3) + a * (2 / 3)  # a.grad is 0.66667 after one step, 1.0 at the end
    page = replay_html(f).html
    assert "a.grad = 1.0" in page
    a_box = re.search(r"<title>n0</title>.*?</g>", page, re.S).group(0)
    assert re.search(r">grad 0\.(33333|66667)</text>", a_box)  # the widest one it will show
    assert re.findall(r">(\+= [^<]*)</text>", page) == ["+= 0.33333", "+= 0.66667",
                                                         "+= 1.0", "+= 1.0"]


@requires_renderer
def test_a_leaf_or_a_huge_graph_is_refused_with_advice():
    with pytest.raises(ValueError, match="the root is a leaf"):
        replay_html(Value(1.0))
    big = sum((Value(float(i)) for i in range(300)), Value(0.0))
    with pytest.raises(GraphTooLarge, match="max_nodes"):
        replay_html(big)
    assert replay_html(big, max_nodes=700).steps == 300


@requires_renderer
def test_writes_the_file_and_shows_itself_in_a_notebook(tmp_path):
    path = tmp_path / "replay.html"
    page = replay_html(sum_times_difference()[2], path)
    assert page.path == path and path.read_text(encoding="utf-8") == page.html
    frame = page._repr_html_()
    assert frame.startswith("<iframe srcdoc=\"&lt;!DOCTYPE html&gt;")
    assert 'sandbox="allow-scripts"' in frame and "<script" not in frame
    assert page.save(tmp_path / "again.html").read_text(encoding="utf-8") == page.html


def test_without_a_renderer_it_says_what_to_install(monkeypatch, tmp_path):
    hide_renderers(monkeypatch, tmp_path, keep_pure=False)
    x, y, f = sum_times_difference()
    with pytest.raises(RenderError, match=r"apt-get install graphviz.*pip install graphviz-pure"):
        replay_html(f, tmp_path / "page.html")
    assert not (tmp_path / "page.html").exists()
    assert (x.grad, y.grad) == (0.0, 0.0)


@pytest.mark.skipif(DOT is None or PURE is None, reason="needs both Graphviz's dot and "
                    "graphviz-pure (sudo apt-get install graphviz; pip install "
                    "graphviz-pure)")
def test_graphviz_pure_draws_the_same_nodes(monkeypatch, tmp_path):
    with_dot = replay_html(sum_times_difference()[2]).html
    hide_renderers(monkeypatch, tmp_path, keep_pure=True)
    with_pure = replay_html(sum_times_difference()[2]).html
    assert "graphviz-pure" not in with_pure  # its version comment is gone too
    titles = re.compile(r"<title>(n\d+(?:op)?(?:&#45;&gt;n\d+(?:op)?)?)</title>")
    assert sorted(titles.findall(with_pure)) == sorted(titles.findall(with_dot))
    assert len(titles.findall(with_dot)) == 5 + 3 + 9
    assert embedded(Replay(with_pure, 3, "")) == embedded(Replay(with_dot, 3, ""))


@requires_renderer
def test_the_demo_writes_a_replay_of_its_neuron(tmp_path):
    model = MLP(2, [4, 1], seed=3)
    for p in model.parameters():
        p.grad = 100.0  # as if training had left gradients behind
    assert replay_neuron(model, np.array([[0.5, -1.0]]), tmp_path / "backward.html")
    html = (tmp_path / "backward.html").read_text(encoding="utf-8")
    assert ">out<" in html and ".w.1<" in html and "grad 100" not in html
    assert all(p.grad == 100.0 for p in model.parameters())


def test_the_demo_without_a_renderer_skips_the_page_with_a_message(monkeypatch, tmp_path,
                                                                   capsys):
    hide_renderers(monkeypatch, tmp_path, keep_pure=False)
    assert not replay_neuron(MLP(2, [4, 1], seed=3), np.array([[0.5, -1.0]]),
                             tmp_path / "backward.html")
    assert "pip install graphviz-pure" in capsys.readouterr().err
    assert not (tmp_path / "backward.html").exists()


@requires_renderer
@pytest.mark.skipif(PURE is None,
                    reason="graphviz-pure is not installed: pip install graphviz-pure")
@pytest.mark.slow
def test_the_demo_on_a_machine_without_graphviz_writes_every_file(monkeypatch, tmp_path, capsys):
    """What ./run.sh demo gives on a fresh machine: the render extra, no system Graphviz."""
    pytest.importorskip("matplotlib", reason="the demo needs pip install matplotlib")
    hide_renderers(monkeypatch, tmp_path, keep_pure=True)
    out = tmp_path / "demo_output"
    assert main(["demo", "--steps", "2", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["backward.html", "decision_boundary.png",
                                                     "neuron.svg", "two_layer.html"]
    printed = capsys.readouterr()
    assert "skipped" not in printed.err and f"wrote {out / 'backward.html'}" in printed.out
    assert f"wrote {out / 'two_layer.html'}" in printed.out
    page = (out / "two_layer.html").read_text(encoding="utf-8")
    assert "W2.grad += A1ᵀ @ dA1W2" in page and "<table" not in page  # tables: made by script


@requires_renderer
def test_numbers_use_the_same_format_as_the_steps():
    x = Value(0.123456789, label="x")
    f = tanh(x * 1e-7) * 12345678.0
    data = embedded(replay_html(f))
    assert [n["data"] for n in data["nodes"]] == [fmt(v.data) for v in walk(f)]


@requires_renderer
def test_the_guide_example_writes_the_page_it_promises(tmp_path, monkeypatch):
    guide = Path(__file__).resolve().parents[2] / "docs" / "guides" / "replay.md"
    section = guide.read_text(encoding="utf-8").split("\n## ", 1)[0]
    command, code = re.findall(r"```(?:bash|python)\n(.*?)```", section, re.S)[:2]
    assert (Path(__file__).resolve().parents[2] / "docs" / "replay.png").stat().st_size < 150_000
    monkeypatch.chdir(tmp_path)
    exec(code, {})
    page = (tmp_path / "replay.html").read_text(encoding="utf-8")
    assert "v3 = v1 * v2  upstream dv3/dv3 = 1.0" in page
    assert command.startswith("python -m tinygrad_edu replay ")
    size = len(page.encode("utf-8")) / 1000
    assert 10 < size < 30, f"the guide says about 20 KB; the page is {size:.0f} KB"
    assert "one HTML file of about 20 KB" in " ".join(section.split())


def test_the_title_writes_out_the_unnamed_values_with_the_parentheses_python_needs():
    x, y = Value(3.0, label="x"), Value(2.0, label="y")
    cases = [(x - (y - x), "x - (y - x)"), ((x - y) - x, "x - y - x"), ((-x) ** 2, "(-x) ** 2.0"),
             (tanh(x * y + 2 * x), "tanh(x * y + 2.0 * x)"), (x / (x * y), "x / (x * y)")]
    for f, written in cases:
        assert replay.expression(f, node_names(f)) == written
    long = x
    for _ in range(30):
        long = long * y + x
    assert replay.expression(long, node_names(long)) is None  # then the title says v59 = ...
    named = x * y
    named.label = "p"
    g = named + x
    assert replay.expression(g, node_names(g)) == "p + x"


@requires_renderer
def test_tables_never_show_minus_zero():
    X = Tensor(np.array([[0.0, 2.0]]), label="X")
    L = (X * -1.0).sum()  # its middle node holds -0.0 and -2.0
    tables = json.dumps(embedded(replay_html(L))["frames"], ensure_ascii=False)
    assert '"0.0"' in tables and '"-0.0"' not in tables
