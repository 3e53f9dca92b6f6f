"""The diagnoses of issue 66, graded here as the page grades (``grade_here``): an inner loop
one short in linear is told so (not "computed with .data"), rmsnorm's 1e-5 outside the
square root is named, a silent mistake points at the learner's line, and a node's mistake
found in a worked example is shown on the smallest input hypothesis shrinks to."""

import re

import pytest

from tests.exercises.gpt_answers import RIGHT, SLIPS, with_slip
from tinygrad_edu.exercises import EXERCISES, TRACK
from tinygrad_edu.exercises.apart import grade_here

LINEAR = "return [sum(wi * xi for wi, xi in zip(wo, x)) for wo in w]"


def verdict_of(tmp_path, source, stage):
    path = tmp_path / "gpt.py"
    path.write_text(source, encoding="utf-8")
    return grade_here(path, [TRACK[stage]]).verdicts[stage]


def line_of(source, text):
    return source.splitlines().index(text) + 1


def test_an_inner_loop_one_short_is_a_sum_of_nothing_not_a_cut_graph_at_its_line(tmp_path):
    """And at the loop's line, the sentence ended (before: no line, and no full stop); in
    attention, at the sum over range(t), empty at t = 0, where the scores' loop is right
    (before, at 'for t in range(len(q)):')."""
    weighted = "out.append([sum(w * v[s][j] for s, w in enumerate(weights)) for j"
    short = "        out.append([sum(weights[s] * v[s][j] for s in range(t)) for j"
    source = RIGHT.replace(weighted, short.strip())
    line = line_of(source, f"{short} in range(len(v[0]))])")
    assert f"goes over them all.\n    in gpt.py, line {line}, in attention  (out.append(" \
        in str(verdict_of(tmp_path, source, "attention"))
    for loop in ("range(len(x) - 1)", "range(1, len(x))"):
        short = f"sum(wo[i] * x[i] for i in {loop})"
        source = RIGHT.replace(LINEAR, f"out = []\n    for wo in w:\n        out.append("
                                       f"{short})\n    return out")
        verdict = str(verdict_of(tmp_path, source, "linear"))
        assert "holds the number 0, not a Value: a sum that added nothing" in verdict
        assert ".data" not in verdict and "graph is cut" not in verdict
        line = line_of(source, f"        out.append({short})")
        assert f"range(len(x)) goes over them all.\n    in gpt.py, line {line}, in linear  " \
            f"(out.append({short}))" in verdict, verdict


def test_eps_outside_the_square_root_is_named_at_its_line(tmp_path):
    for old, new in [(a, b) for title, a, b in SLIPS["rmsnorm"] if "outside" in title]:
        source = with_slip(old, new)
        verdict = verdict_of(tmp_path, source, "rmsnorm")
        assert [d.title for d in verdict.diagnoses] == ["1e-5 added outside the square root"]
        said = str(verdict)
        assert "ZeroDivisionError" in said  # (the error, and what made it)
        shown = next(line for line in new.splitlines() if "**" in line).strip()
        assert said.count(f"in gpt.py, line {line_of(source, '    ' + shown)}, in rmsnorm  "
                          f"({shown})") == 1  # (the error's line, or the diagnosis's)


def test_a_nodes_silent_mistake_points_at_its_line_on_the_smallest_input(tmp_path):
    """Before: a 9-node worked example, and no line."""
    title, old, new = next(s for s in SLIPS["node"] if s[0].startswith("log:"))
    source = with_slip(old, new)
    verdict = verdict_of(tmp_path, source, "node")
    assert verdict.diagnosis.title == title
    assert re.fullmatch(r"x0 = Value\(\S+\)\nv1 = x0\.log\(\)", str(verdict.failure.case))
    line = next(k for k, text in enumerate(source.splitlines(), 1)
                if "math.log(self.data)," in text)
    assert verdict.diagnosis.line == (f"in gpt.py, line {line}, in log  "
                                      f"({source.splitlines()[line - 1].strip()})")
    assert f"\n    in gpt.py, line {line}, in log  (" in str(verdict)


def test_a_mistake_is_pointed_at_in_the_body_not_at_the_def_whose_names_match(tmp_path):
    """nll's minus sign missing, and its log missing: the def line (logits) was named."""
    for title, slip, shown in [
            ("the minus sign missing", "return probs[target].log()", "return probs[target].log()"),
            ("the log missing", "return -probs[target]", "probs = softmax(logits)")]:
        source = RIGHT.replace("    return -softmax(logits)[target].log()\n",
                               f"    probs = softmax(logits)\n    {slip}\n")
        verdict = verdict_of(tmp_path, source, "nll")
        assert verdict.diagnosis.title == title
        assert verdict.diagnosis.line == (f"in gpt.py, line {line_of(source, '    ' + shown)}, "
                                          f"in nll  ({shown})")


def test_a_notebooks_diagnosis_names_the_cell_and_line_as_check_and_grade_alike(tmp_path):
    """A notebook's silent mistake points at its cell and its line in the cell, as a .py
    file's at its line (before: no line for a notebook), and the student's practice check
    (the kernel's cells run so far, ``graded_cell.practice``) names that cell as the grade
    does, by its first line of code: Jupyter numbers no cell but its runs (before: "cell 4"
    in the grade, "the cell run as [3]" in the check)."""
    import json

    from tinygrad_edu.exercises.apart import grade_apart
    from tinygrad_edu.exercises.classroom.graded_cell import practice

    title, old, new = next(s for s in SLIPS["node"] if s[0].startswith("log:"))
    source = with_slip(old, new)
    split = source.index("\nclass Value")
    cells = [source[:split], "seen = 1  # a cell of the student's own\n", source[split + 1:]]
    path = tmp_path / "gpt.ipynb"
    path.write_text(json.dumps({"cells": [
        {"cell_type": "markdown", "source": "# My microgpt", "metadata": {}},
        *({"cell_type": "code", "source": c, "metadata": {}, "outputs": [],
           "execution_count": k} for k, c in enumerate(cells, 5))],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5}), encoding="utf-8")
    graded = grade_apart(path, [TRACK["node"]]).verdicts["node"]
    assert graded.diagnosis.title == title
    line = next(k for k, text in enumerate(cells[2].splitlines(), 1)
                if "math.log(self.data)," in text)
    where = f"the cell that begins `class Value:`, line {line}, in log  ("
    assert graded.diagnosis.line.startswith(f"in gpt.ipynb, {where}"), graded.diagnosis.line
    namespace = {"In": ["", *cells]}
    exec(source, namespace)
    passed, checked = practice(TRACK["node"], namespace)
    assert not passed and f"in your notebook, {where}" in checked, checked


RULE_AND_BACKWARD = '''from tinygrad_edu import walk


def d_tanh(x, y):
    """x is the input, y = tanh(x) the output. Return dy/dx."""
    slope = 1 - x * x
    return slope


def backward(root):
    order = walk(root)
    root.grad = 1.0
    for node in order:
        for parent, local in zip(node.parents, node.local_grads):
            parent.grad += local * node.grad
'''


def test_a_rules_and_backwards_silent_mistakes_point_at_their_lines(tmp_path):
    """d_tanh written with x for y points at its return; backward not reversed at its loop
    over the nodes, with `=` for `+=` at the line that sets the grad, in a .py file ("FILE,
    line N") and in a notebook ("the cell that begins ..., line N") as the Value exercise's
    diagnoses do. Before: no line on either route."""
    import json

    from tinygrad_edu.exercises import get_exercise
    from tinygrad_edu.exercises.apart import grade_apart

    source = RULE_AND_BACKWARD
    wanted = {"d_tanh": ("the input x used where the output y was meant", "return slope"),
              "backward": ("nodes visited parents first (not reversed)", "for node in order:")}
    exercises = [get_exercise(name) for name in wanted]
    path = tmp_path / "answers.py"
    path.write_text(source, encoding="utf-8")
    verdicts = grade_here(path, exercises).verdicts
    for name, (title, shown) in wanted.items():
        (said,) = [d for d in verdicts[name].diagnoses if d.title == title]
        line = next(k for k, text in enumerate(source.splitlines(), 1) if shown in text)
        assert said.line == f"in answers.py, line {line}, in {name}  ({shown})", said
        assert said.line in str(verdicts[name])
    split = source.index("\ndef backward")
    cells = [source[:split], source[split + 1:]]
    path = tmp_path / "answers.ipynb"
    path.write_text(json.dumps({"cells": [
        {"cell_type": "code", "source": c, "metadata": {}, "outputs": [],
         "execution_count": None} for c in cells],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5}), encoding="utf-8")
    verdicts = grade_apart(path, exercises).verdicts
    for name, (title, shown), cell in zip(wanted, wanted.values(), cells):
        (said,) = [d for d in verdicts[name].diagnoses if d.title == title]
        line = next(k for k, text in enumerate(cell.splitlines(), 1) if shown in text)
        first = cell.strip().splitlines()[0]
        assert said.line == (f"in answers.ipynb, the cell that begins `{first}`, line {line}, "
                             f"in {name}  ({shown})"), said
    assigns = source.replace("    for node in order:", "    for node in reversed(order):"
                             ).replace("parent.grad +=", "parent.grad =")
    path = tmp_path / "assigns.py"
    path.write_text(assigns, encoding="utf-8")
    verdict = grade_here(path, exercises[1:]).verdicts["backward"]
    shown = "parent.grad = local * node.grad"
    line = next(k for k, text in enumerate(assigns.splitlines(), 1) if shown in text)
    assert [d.line for d in verdict.diagnoses if d.key == "assign"] == [
        f"in assigns.py, line {line}, in backward  ({shown})"], str(verdict)


def test_an_answer_cut_from_the_graph_names_its_line(tmp_path):
    """A named diagnosis that gave no line (issue 66): linear
    with .data on both operands ("linear's result holds the number 0.0, not a Value:
    computed with .data ..."). Block's forgotten residuals: test_microgpt.py's slips."""
    loop = ("out = []\n    for row in w:\n        total = 0\n        for wi, xi in zip(row, x):\n"
            "            total += wi.data * xi.data\n        out.append(total)\n    return out")
    source = RIGHT.replace(LINEAR, loop)
    said = str(verdict_of(tmp_path, source, "linear"))
    assert "computed with .data, the graph is cut" in said, said
    line = line_of(source, "            total += wi.data * xi.data")
    assert f"in gpt.py, line {line}, in linear  (total += wi.data * xi.data)" in said, said


def test_a_reflected_op_that_calls_itself_is_shown_on_its_own_operator(tmp_path):
    """``__radd__`` as ``other + self``: before, shown on ``v1 = 2.0 - x0`` (the worked
    example met first, through ``__rsub__``), where ``2.0 + x0``, as small, is the mistake's
    own."""
    source = RIGHT.replace("def __radd__(self, other): return self + other",
                           "def __radd__(self, other): return other + self")
    verdict = verdict_of(tmp_path, source, "node")
    assert str(verdict.failure.case) == "x0 = Value(1.5)\nv1 = 2.0 + x0", str(verdict)
    assert re.search(r"Recursion deeper than (the limit|this Python's stack allows)", str(verdict))


def test_a_negation_that_calls_itself_is_shown_on_its_own_operator(tmp_path):
    """``__neg__`` as ``-self`` (and as ``self * 1``): before, shown on ``v1 = 2.0 - x0``
    (through ``__rsub__``), where ``-x0`` is as small. A ``__mul__`` that
    calls itself is shown on x0 * 2.0, not on -x0 (x0 * -1), listed after it."""
    for slip in ("-self", "self * 1"):
        source = RIGHT.replace("def __neg__(self): return self * -1",
                               f"def __neg__(self): return {slip}")
        verdict = verdict_of(tmp_path, source, "node")
        assert str(verdict.failure.case) == "x0 = Value(1.5)\nv1 = -x0", str(verdict)
    assert "nested calls at line " in str(verdict_of(tmp_path, RIGHT.replace(
        "def __neg__(self): return self * -1", "def __neg__(self): return -self"), "node"))
    source = re.sub(r"def __mul__\(self, other\):.*?\n(?=    def )",
                    "def __mul__(self, other):\n        return self * other\n\n", RIGHT,
                    count=1, flags=re.S)
    verdict = verdict_of(tmp_path, source, "node")
    assert str(verdict.failure.case) == "x0 = Value(1.5)\nv1 = x0 * 2.0", str(verdict)
    assert "__mul__ calls itself" in str(verdict)


def test_a_process_the_code_ended_is_said_as_what_the_code_did_at_its_line(tmp_path):
    """On the command line too (its own process, ``grade_apart``): before, "it ended the
    process it was graded in (exit code 3): learner's process: KeyboardInterrupt:  (serve.py:63
    in main; serve.py:135 in _serve; ...; gpt.py:1 in <module>): does your answer end Python,
    or fill the memory?" (the page's words: test_page_python.py)."""
    from tinygrad_edu.exercises.apart import grade_apart

    path = tmp_path / "gpt.py"
    path.write_text("raise KeyboardInterrupt\n" + RIGHT, encoding="utf-8")
    said = str(grade_apart(path, [TRACK["softmax"]]).verdicts["softmax"])
    assert said.startswith(f"✗ softmax: your code raised KeyboardInterrupt at {path}, line 1, "
                           "in <module> (raise KeyboardInterrupt): a KeyboardInterrupt that "
                           "nothing catches ends a program, as Ctrl-C does, so the process it "
                           "was graded in ended there, with no verdict: take that line out, or "
                           "put it under if __name__ == \"__main__\":"), said
    path.write_text(RIGHT.replace("    return [e / total for e in exps]",
                                  "    raise GeneratorExit"), encoding="utf-8")
    said = str(grade_apart(path, [TRACK["softmax"]]).verdicts["softmax"])
    line = line_of(path.read_text(encoding="utf-8"), "    raise GeneratorExit")
    assert said.startswith(f"✗ softmax: your code raised GeneratorExit at {path}, line {line}, "
                           "in softmax (raise GeneratorExit): an exception that is not an "
                           "Exception (a GeneratorExit) is not caught"), said
    assert "serve.py" not in said and "does your answer end Python" not in said



def named_at(tmp_path, slips):
    """Each slip (the stage, RIGHT's text, the learner's, the diagnosis, the learner's line)
    named, at that line (its last occurrence: the node's, not __init__'s)."""
    for stage, old, new, title, shown in slips:
        source = with_slip(old, new)
        verdict = verdict_of(tmp_path, source, stage)
        assert [d.title for d in verdict.diagnoses] == [title], str(verdict)
        function = "backward" if stage == "node" else stage
        line = len(source.splitlines()) - source.splitlines()[::-1].index(shown)
        assert verdict.diagnosis.line == (f"in gpt.py, line {line}, in {function}  "
                                          f"({shown.strip()[:100]})"), str(verdict)


_SHORT = "    losses = [nll(logits[i], tokens[i + 1]) for i in range(len(tokens) - 2)]"


def test_named_diagnoses_name_the_learners_line(tmp_path):
    """Before, train_step over one position too few (the learner's own words) was
    "No common mistake matches". The summed losses and softmax's denominator from .data:
    test_microgpt.py's slips (``POINTED``)."""
    named_at(tmp_path, [
        ("train_step", "    losses = [nll(lg, target) for lg, target in zip(logits, tokens[1:])]"
         "\n    loss = (1 / len(losses)) * sum(losses)",
         f"{_SHORT}\n    loss = sum(losses) / len(losses)", "the last position left out", _SHORT)])


@pytest.mark.long(sibling="test_named_diagnoses_name_the_learners_line")
def test_a_root_seeded_with_0_is_named_at_its_line(tmp_path):
    """Before, the unseeded root pointed at 'def backward(self):' (the long tier).
    Attention's unscaled scores and gpt's missing rmsnorm, which gave no line:
    test_microgpt.py's slips (``POINTED``)."""
    named_at(tmp_path, [
        ("node", "        self.grad = 1\n", "        self.grad = 0\n",
         "every gradient 0: the root not seeded with 1", "        self.grad = 0")])


@pytest.mark.parametrize("end", ["\x0c", "\x1c", "\u2028"])
def test_a_line_is_quoted_as_python_numbers_it(tmp_path, end):
    """A character ``str.splitlines`` ends a line at and Python does not (a form feed, a file
    separator, a line separator), in a comment above: the line a verdict names is quoted as
    Python reads it. Before, the lines were counted by ``splitlines``, and the quote was a
    piece of the comment: "line 2: os may not be imported ... more notes", "line 6, in
    d_tanh (on this)", "line 5, in softmax (the notes)"."""
    from tinygrad_edu.exercises.apart import grade_apart

    path = tmp_path / "work.py"
    path.write_text(f"# my notes{end} more notes\nimport os\n", encoding="utf-8")
    problem = str(grade_apart(path, [EXERCISES["d_tanh"]]).problem)
    assert problem.startswith(f"{path}, line 2: os may not be imported"), problem
    assert problem.endswith("\n    import os"), problem

    path.write_text(f"def d_tanh(x, y):\n    # my notes{end} on this\n"
                    "    raise ValueError('mine')\n", encoding="utf-8")
    said = str(grade_apart(path, [EXERCISES["d_tanh"]]).verdicts["d_tanh"])
    assert f"in {path.name}, line 3, in d_tanh  (raise ValueError('mine'))" in said, said

    path = tmp_path / "gpt.py"
    source = RIGHT.replace("    return [e / total for e in exps]",
                           f"    # the notes{end} on this\n    raise GeneratorExit")
    path.write_text(source, encoding="utf-8")
    said = str(grade_apart(path, [TRACK["softmax"]]).verdicts["softmax"])
    line = source.split("\n").index("    raise GeneratorExit") + 1  # (not line_of: splitlines)
    assert said.startswith(f"✗ softmax: your code raised GeneratorExit at {path}, line {line}, "
                           "in softmax (raise GeneratorExit)"), said


_RMSNORM = ("    ms = sum(xi * xi for xi in x) / len(x)\n    scale = (ms + 1e-5) ** -0.5\n"
            "    return [xi * scale for xi in x]\n")
_STARTER_DOC = '    """x: a list of Values. Return x / sqrt(mean(x²) + 1e-5)."""\n'


def test_a_docstring_or_comment_is_never_the_line_pointed_at(tmp_path):
    """rmsnorm's 1e-5 outside the root under the starter's docstring (which says sqrt and
    1e-5), with comments that say ** 0.5 + 1e-5, and a mean square of xi ** 2 (a line of a
    root's ** too): pointed at the line that adds the 1e-5, once (the error's line, or the
    diagnosis's). Before: "line 2, in rmsnorm (\"\"\"x: a list of Values. Return x /
    sqrt(mean(x²) + 1e-5).\"\"\")", the docstring; and without it, the mean square's line."""
    assert _STARTER_DOC.strip() in TRACK["rmsnorm"].starter
    for doc in (_STARTER_DOC, ""):
        for body, shown in [
                ("    ms = sum(xi * xi for xi in x) / len(x)\n    scale = ms ** -0.5 + 1e-5\n"
                 "    return [xi * scale for xi in x]\n", "    scale = ms ** -0.5 + 1e-5"),
                ("    ms = sum(xi ** 2 for xi in x) / len(x)  # the mean of x ** 2, + 1e-5\n"
                 "    # then scale = 1 / (ms ** 0.5 + 1e-5), 1 / sqrt\n"
                 "    scale = 1 / (ms ** 0.5 + 1e-5)\n    return [xi * scale for xi in x]\n",
                 "    scale = 1 / (ms ** 0.5 + 1e-5)")]:
            source = RIGHT.replace("def rmsnorm(x):\n" + _RMSNORM, "def rmsnorm(x):\n" + doc + body)
            assert source != RIGHT
            verdict = verdict_of(tmp_path, source, "rmsnorm")
            said = str(verdict)
            assert [d.title for d in verdict.diagnoses] == ["1e-5 added outside the square root"]
            line = line_of(source, shown)
            assert said.count(f"in gpt.py, line {line}, in rmsnorm  ({shown.strip()})") == 1, said
            assert re.findall(r"line (\d+), in rmsnorm", said) == [str(line)], said


def test_an_inner_index_loop_one_short_is_pointed_at_not_the_outer_loop(tmp_path):
    """linear as ``for j in range(len(w))`` with an inner ``for i in range(len(x) - 1)``:
    before, "in gpt.py, line N, in linear (for j in range(len(w)):)", the outer loop (the
    call inside the short range, len(x), hid its - 1); range(1, len(x)) was pointed at."""
    for short in ("range(len(x) - 1)", "range(len(w[j])-1)", "range(1, len(x))"):
        loop = ("out = []\n    for j in range(len(w)):\n        total = 0\n"
                f"        for i in {short}:\n            total += w[j][i] * x[i]\n"
                "        out.append(total)\n    return out")
        source = RIGHT.replace(LINEAR, loop)
        said = str(verdict_of(tmp_path, source, "linear"))
        assert "holds the number 0, not a Value: a sum that added nothing" in said, said
        line = line_of(source, f"        for i in {short}:")
        assert (f"goes over them all.\n    in gpt.py, line {line}, in linear  "
                f"(for i in {short}:)") in said, said


def test_a_missing_chain_rule_factor_is_named_at_its_line(tmp_path):
    """The node's backward with no node.grad, or no local derivative, in its one line of
    the chain rule; and the backward exercise's with no local derivative. Before: "No common
    mistake matches your answers" (each but the backward exercise's missing node.grad)."""
    grad_line = "                child.grad += local_grad * v.grad"
    named_at(tmp_path, [
        ("node", grad_line, "                child.grad += local_grad",
         "the upstream gradient not multiplied in", "                child.grad += local_grad"),
        ("node", grad_line, "                child.grad += v.grad",
         "the local derivative not multiplied in", "                child.grad += v.grad")])
    from tinygrad_edu.exercises import get_exercise

    path = tmp_path / "answers.py"
    for slip, title in [("local", "the upstream gradient not multiplied in"),
                        ("node.grad", "the local derivative not multiplied in")]:
        source = RULE_AND_BACKWARD.replace("    for node in order:",
                                           "    for node in reversed(order):").replace(
            "parent.grad += local * node.grad", f"parent.grad += {slip}")
        path.write_text(source, encoding="utf-8")
        verdict = grade_here(path, [get_exercise("backward")]).verdicts["backward"]
        assert [d.title for d in verdict.diagnoses] == [title], str(verdict)
        line = line_of(source, f"            parent.grad += {slip}")
        assert verdict.diagnosis.line == (f"in answers.py, line {line}, in backward  "
                                          f"(parent.grad += {slip})"), str(verdict)


def test_a_rules_flipped_sign_points_at_its_return(tmp_path):
    """-1/x for log's slope (and exp's, tanh's, relu's, sigmoid's slopes negated): named, at
    the learner's return line, with the rule. Before: the generic "sign flipped", with no
    line."""
    from tinygrad_edu.exercises import get_exercise

    flipped = {"d_exp": "return -y", "d_log": "return -1 / x", "d_tanh": "return y * y - 1",
               "d_relu": "return -1.0 if x > 0 else 0.0",
               "d_sigmoid": "return -y * (1 - y)"}
    source = "import math\n\n" + "".join(
        f"def {name}(x, y):\n    slope = 0.0  # worked out below\n    {line}\n\n\n"
        for name, line in flipped.items())
    path = tmp_path / "rules.py"
    path.write_text(source, encoding="utf-8")
    verdicts = grade_here(path, [get_exercise(name) for name in flipped]).verdicts
    for name, shown in flipped.items():
        (said,) = verdicts[name].diagnoses
        assert said.title == "sign flipped" and "the rule is" in said.hint, verdicts[name]
        line = next(k for k, text in enumerate(source.splitlines(), 1) if shown in text)
        assert said.line == f"in rules.py, line {line}, in {name}  ({shown})", said
        assert said.line in str(verdicts[name])


_LAYER0 = ('    p = {k[len("layer0."):]: w for k, w in model.items() '
           'if k.startswith("layer0.")}')
_STEP = "        p.data -= lr * m[i] / (v[i] ** 0.5 + eps)"
_EVERY_KEY = ("        logits = [sum(a * b for a, b in zip(q[t], ks)) / head_dim ** 0.5 "
              "for ks in k]")


def test_silent_mistakes_written_otherwise_are_named_at_their_lines(tmp_path):
    """The first layer written out (layer0), Adam with no m̂ at all, attention over every key
    as `for ks in k`: named at the learner's line (before, each was named with no line:
    tester66b's m19, m20, m15; their slips as test_microgpt.py writes them: ``POINTED``)."""
    loop = ('    li = 0\n    while f"layer{li}.attn_wq" in model:\n'
            '        p = {k[len(f"layer{li}."):]: w for k, w in model.items() '
            'if k.startswith(f"layer{li}.")}\n        x = block(x, p, n_head)\n        li += 1\n')
    named_at(tmp_path, [
        ("gpt", loop, f"{_LAYER0}\n    x = block(x, p, n_head)\n", "only the first layer",
         _LAYER0),
        ("adam", "        m_hat = m[i] / (1 - beta1 ** t)\n        v_hat = v[i] / (1 - beta2 ** t)"
         "\n        p.data -= lr * m_hat / (v_hat ** 0.5 + eps)", _STEP, "no bias correction",
         _STEP),
        ("attention", "        logits = [sum(q[t][j] * k[s][j] for j in range(head_dim)) / "
         "head_dim ** 0.5\n                  for s in range(t + 1)]", _EVERY_KEY,
         "a position sees the positions after it", _EVERY_KEY)])


_ALL_Q = "                  for s in range(len(q))]"
_ALL_T = "        for s in range(T):"


def test_attention_over_every_position_is_named_at_its_inner_loop(tmp_path):
    """Attention's inner loop over every position written `range(len(q))` (the outer loop's
    own words) or `range(T)`, `T = len(q)`: named at the inner loop, not the outer one and
    not the loop over features (before, named with no line: a third tester of issue 66)."""
    right = ("    for t in range(len(q)):\n        logits = [sum(q[t][j] * k[s][j] for j in "
             "range(head_dim)) / head_dim ** 0.5\n                  for s in range(t + 1)]")
    by_t = ("    T = len(q)\n    for t in range(T):\n        logits = []\n"
            f"{_ALL_T}\n            logits.append(sum(q[t][j] * k[s][j] for j in "
            "range(head_dim)) / head_dim ** 0.5)")
    named_at(tmp_path, [
        ("attention", right, right.replace("range(t + 1)", "range(len(q))"),
         "a position sees the positions after it", _ALL_Q),
        ("attention", right, by_t, "a position sees the positions after it", _ALL_T)])


_SUMMED = "    x = [[a + b for a, b in zip(wte[tok], wpe[t])] for t, tok in enumerate(tokens)]"


def test_gpt_without_rmsnorm_is_named_where_the_embeddings_are_added(tmp_path):
    """The embeddings unpacked first (``wte, wpe = model["wte"], model["wpe"]``), then added
    with no rmsnorm: named at the line that adds them. Before, at the line that unpacks
    them, which only names two things (issue 66's fourth tester, D3)."""
    right = ('    x = [rmsnorm([t + p for t, p in zip(model["wte"][tok], model["wpe"][pos])])\n'
             "         for pos, tok in enumerate(tokens)]")
    named_at(tmp_path, [("gpt", right, '    wte, wpe = model["wte"], model["wpe"]\n' + _SUMMED,
                         "no rmsnorm after the embeddings", _SUMMED)])
