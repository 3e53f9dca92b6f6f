"""What a learner met walking the microgpt track in the exercises page (Chromium), with the
commonest slips, each now said plainly, here through the command, which says the same: a
class or function under another name is pointed at by the name the stage asks for (it said
"name yours node, or add node = value" for class value), and a single Value returned
where a list was asked for is said so (it showed the repr of a class of the grader's),
NumPy missing with what needs it. Recursion past the limit and a print flood: test_printed.py;
input() in the page: tests/viz/test_printing.py; a - b computed as a + b: test_microgpt.py's
slips; in Chromium: test_live_track.py."""

from tests.exercises.gpt_answers import RIGHT
from tests.viz.live import definition
from tinygrad_edu.exercises import TRACK, check
from tinygrad_edu.exercises.cli import main as cli


def test_an_answer_under_another_name_is_pointed_at_by_the_stages_own(tmp_path, capsys):
    path = tmp_path / "my_gpt.py"
    path.write_text(definition(RIGHT, "Value").replace("class Value:", "class value:"),
                    encoding="utf-8")
    assert cli(["check", str(path), "node"]) == 1
    said = capsys.readouterr().err
    assert "(it defines class value: name yours Value, or add Value = value)" in said, said
    path.write_text(definition(RIGHT, "linear").replace("def linear(", "def Linear("),
                    encoding="utf-8")
    assert cli(["check", str(path), "linear"]) == 1
    said = capsys.readouterr().err
    assert "(it defines def Linear: name yours linear, or add linear = Linear)" in said, said


def test_one_value_where_a_list_was_asked_for_is_said_so():
    def linear(x, w):
        return sum(sum(wi * xi for wi, xi in zip(wo, x)) for wo in w)

    text = str(check("linear", linear))
    assert "linear's result should be a list of 1 Value, got one Value (data " in text, text
    assert "): one per row, in a list" in text and "object at 0x" not in text


def test_the_loss_returned_as_a_value_is_said_so(tmp_path, capsys):
    """train_step returning loss, not loss.data: the verdict cut a repr of the grader's class
    at 'object at 0'."""
    path = tmp_path / "my_gpt.py"
    path.write_text(definition(RIGHT, "train_step").replace("return loss.data", "return loss"),
                    encoding="utf-8")
    assert cli(["check", str(path), "train_step"]) == 1
    said = capsys.readouterr().out
    assert "train_step should return the loss as a number, got its Value (data " in said, said
    assert "): return loss.data" in said and "object at 0" not in said
    # shown on one head and names of one letter, at its line (before: on two heads and a
    # name of two letters, though every input shows it, and no line; tester66b's m25)
    assert "n_head = 1, " in said and "step 1: tokens [2, 0, 2]" in said, said
    line = path.read_text(encoding="utf-8").splitlines().index("    return loss") + 1
    assert f"in my_gpt.py, line {line}, in train_step  (return loss)" in said, said


def test_a_sum_started_again_inside_the_loop_is_named_as_it_is_written():
    """s = 0 inside linear's loop over i keeps the last product, as s = w * x does: the
    hint named only that, and the learner's code had +=."""
    def linear(x, w):
        out = []
        for row in w:
            for i in range(len(x)):
                s = 0
                s += row[i] * x[i]
            out.append(s)
        return out

    said = str(check("linear", linear))
    assert "only the last product kept (= where += was meant)" in said, said
    assert "or total = 0 inside the loop over i" in said, said


def test_numpy_missing_says_what_needs_it():
    """import numpy in the page's Python, which has none: the stages need only math."""
    from pathlib import Path

    from tinygrad_edu.exercises.apart import _load_problem

    said = _load_problem(Path("your answer"), {
        "kind": "crash", "error": "ModuleNotFoundError", "message": "No module named 'numpy'",
        "where": "your answer, line 1", "line": "import numpy as np"})
    assert said == ("your answer, line 1: running the file raised ModuleNotFoundError: No "
                    "module named 'numpy' (NumPy is not in this Python: the browser's has "
                    "none, and the exercises on arrays are for your machine; the stages of "
                    "microgpt and the other exercises need only math)\n    import numpy as np")


def test_a_test_at_the_top_level_is_told_what_is_not_in_its_file(tmp_path):
    """A test of softmax below it, with Value: before, only "NameError:
    name 'Value' is not defined", where the page and the command lend stage 3 Value only
    while they grade it. A NameError of another name is as it was."""
    from tinygrad_edu.exercises.apart import _load_problem, grade_here

    path = tmp_path / "my_gpt.py"
    path.write_text(definition(RIGHT, "softmax") + "\nprint(softmax([Value(1.0)]))\n",
                    encoding="utf-8")
    told = ("\nValue is not in this file when it runs: the grader lends softmax (stage 3) the "
            "stages it uses, Value (stage 1) among them, only while it grades it. To try "
            "softmax at the top level, paste your Value above the test.")
    assert str(grade_here(path, [TRACK["softmax"]]).problem).endswith(
        "NameError: name 'Value' is not defined\n    print(softmax([Value(1.0)]))" + told)
    assert _load_problem(path, {"error": "NameError", "message": "name 'Value' is not defined",
                                "where": "your answer, line 8"}, [TRACK["softmax"]]) == (
        "your answer, line 8: running the file raised NameError: name 'Value' is not defined"
        + told)
    path.write_text(definition(RIGHT, "softmax") + "\nprint(softmax([Valu(1.0)]))\n",
                    encoding="utf-8")
    assert str(grade_here(path, [TRACK["softmax"]]).problem).endswith(
        "NameError: name 'Valu' is not defined\n    print(softmax([Valu(1.0)]))")
