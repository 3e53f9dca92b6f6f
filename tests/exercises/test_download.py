"""The exercises page's "Download my answers" (docs/assets/live/answers.js, run by Node.js on
what the page keeps): the file it makes is graded as it is by ``exercises check`` (text and
``--json``) and by a teacher's ``exercises report``."""

import csv
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.exercises.class_work import answer
from tests.exercises.gpt_answers import RIGHT
from tinygrad_edu.exercises.cli import main as cli
from tinygrad_edu.viz.playground import exercises as page_exercises

ROOT = Path(__file__).resolve().parents[2]
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is not on PATH, so nothing can "
                                "run the page's script: sudo apt-get install nodejs")

OWN_SORT = """\
def topological_sort(root):  # mine, before I did exercise 14
    order, seen = [], set()
    def visit(node):
        if node not in seen:
            seen.add(node)
            for parent in node.parents:
                visit(parent)
            order.append(node)
    visit(root)
    return order

def backward(root):
    root.grad = 1.0
    for node in reversed(topological_sort(root)):
        for parent, local in zip(node.parents, node.local_grads):
            parent.grad += local * node.grad
"""


def download(codes, tmp_path, name="my_answers.py", track=""):
    """The file the page saves, for the answers ``codes`` (name: the code kept in the
    browser), written to ``tmp_path / name``; None if the page would save nothing. With
    ``track``: the file of the stages of that track (saved on one of its stages)."""
    script = ("const answers = require(process.argv[1]);"
              "const data = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
              "const text = answers.file(data.exercises, (n) => data.codes[n] ?? null,"
              f" '2026-11-24', '{name}', '{track}');"
              "process.stdout.write(text === null ? 'NULL' : text);")
    done = subprocess.run([NODE, "-e", script, str(ROOT / "docs/assets/live/answers.js")],
                          input=json.dumps({"exercises": page_exercises(), "codes": codes}),
                          capture_output=True, text=True, timeout=60, check=True)
    if done.stdout == "NULL":
        return None
    path = tmp_path / name
    path.write_text(done.stdout, encoding="utf-8")
    return path


def test_nothing_is_saved_before_an_answer_is_written(tmp_path):
    starters = {ex["name"]: ex["starter"] for ex in page_exercises()}
    assert download({}, tmp_path) is None
    assert download(starters, tmp_path) is None


@pytest.mark.slow  # (a long run: under the main Python only)
def test_the_downloaded_answers_are_graded_as_they_are(tmp_path, capsys):
    starters = {ex["name"]: ex["starter"] for ex in page_exercises()}
    codes = {**starters,
             "d_tanh": answer("d_tanh"),
             "d_mul": "def d_mul(a, b, y):\n    return a, b\n",  # swapped
             "backward": OWN_SORT,
             "topological_sort": answer("topological_sort"),
             "dense_backward": "def dense_backward(X, W, b, dZ):\n    return 1\n"}  # on arrays
    path = download(codes, tmp_path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith('"""My answers to the tinygrad_edu exercises, from the exercises '
                           "page (2026-11-24).\nGrade them with\npython -m tinygrad_edu "
                           "exercises check my_answers.py")
    assert "dense_backward" not in text and "class Value" not in text  # done elsewhere, unchanged
    # backward defines topological_sort too: it comes first, exercise 14's answer is kept
    assert text.index("# 1. the local derivatives") < text.index(
        "# 15. the whole backward pass") < text.index("# 14. a topological order of a graph")
    assert "This answer also defines topological_sort" in text
    assert cli(["check", str(path)]) == 1
    out = capsys.readouterr().out
    for passed in ("d_tanh", "topological_sort", "backward"):
        assert f"✓ {passed} passed" in out, out
    assert "✗ d_mul: not yet" in out and "the two derivatives swapped" in out
    assert "3 of 4 attempted exercises pass" in out
    assert cli(["check", str(path), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert {e["name"]: e["status"] for e in data["exercises"]} == {
        "d_mul": "failed", "d_tanh": "passed", "topological_sort": "passed",
        "backward": "passed"}


def test_a_teacher_reports_on_the_downloaded_answers(tmp_path, capsys):
    folder = tmp_path / "handed_in"
    folder.mkdir()
    download({"d_tanh": answer("d_tanh")}, folder, "ada.py")
    download({"d_tanh": "def d_tanh(x, y):\n    return 1 - x * x\n",
              "d_mul": answer("d_mul")}, folder, "alan.py")
    # (d_mul is named: of two submissions one defines it, which is not more than half)
    assert cli(["report", str(folder), "d_mul", "d_tanh", "-o",
                str(tmp_path / "report.csv")]) == 0
    rows = list(csv.DictReader((tmp_path / "report.csv").open(encoding="utf-8")))
    assert [(r["student"], r["d_mul"], r["d_tanh"], r["d_tanh mistakes"]) for r in rows] == [
        ("ada", "missing", "passed", ""),
        ("alan", "passed", "failed", "the input x used where the output y was meant")]


@pytest.mark.slow  # (a long run: under the main Python only)
def test_the_stages_of_microgpt_are_saved_apart_and_graded_as_they_are(tmp_path, capsys):
    """On a stage of microgpt the page saves my_gpt.py: the stages only (their Value is the
    track's node, not exercise 18's), graded by `check my_gpt.py microgpt`."""
    value = RIGHT.split("\n\n\ndef linear")[0].replace("import math\n\n\n", "")
    softmax = "def softmax" + RIGHT.split("def softmax", 1)[1].split("\n\n\n")[0] + "\n"
    codes = {"node": value, "softmax": softmax.replace("(val - max_val).exp()", "val.exp()"),
             "d_tanh": answer("d_tanh")}
    path = download(codes, tmp_path, "my_gpt.py", "microgpt")
    text = path.read_text(encoding="utf-8")
    assert text.startswith('"""My microgpt, from the exercises page (2026-11-24).\nGrade it '
                           "with\npython -m tinygrad_edu exercises check my_gpt.py microgpt")
    assert "def d_tanh" not in text and "# stage 1. the node" in text
    assert cli(["check", str(path), "microgpt"]) == 1
    out = capsys.readouterr().out
    assert "✓ node passed" in out and "✗ softmax: not yet" in out
    assert "the largest logit not subtracted" in out
    assert download(codes, tmp_path).read_text(encoding="utf-8").count("class Value") == 0


def test_each_import_is_written_once_at_the_top(tmp_path, capsys):
    """Each stage written in the page imports math itself (it is graded on its own there):
    my_gpt.py imports it once, at its top, and so each other module an answer imports."""
    value = RIGHT.split("\n\n\ndef linear")[0]  # (it begins with import math)
    softmax = "import math\n\n\ndef softmax" + RIGHT.split("def softmax", 1)[1].split(
        "\n\n\n")[0] + "\n"
    nll = "import math  # for log\nimport random\n\ndef nll" + RIGHT.split(
        "def nll", 1)[1].split("\n\n\n")[0] + "\n"
    path = download({"node": value, "softmax": softmax, "nll": nll}, tmp_path, "my_gpt.py",
                    "microgpt")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [line for line in lines if "import" in line] == ["import math", "import random"]
    assert lines.index("import random") < min(k for k, line in enumerate(lines)
                                              if line.startswith("# stage 1."))
    assert cli(["check", str(path), "microgpt"]) == 0
    assert "3 of 3 attempted stages of microgpt pass" in capsys.readouterr().out
