"""Formulas as text: the whitelisted parser behind ``python -m tinygrad_edu replay``, and the
command itself (every mistake is a message that points at the spot, never a traceback)."""

import itertools
import math
import subprocess
import sys

import pytest

from tests.viz.test_replay import requires_renderer
from tinygrad_edu import Value, dot, leaky_relu, relu, tanh, vsum, walk
from tinygrad_edu.__main__ import main
from tinygrad_edu.viz.expression import ExpressionError, callable_ops, parse_expression
from tinygrad_edu.viz.stepping import backward_steps

X, Y = 3.0, 2.0


def leaves(root):
    return {node.label: node for node in walk(root) if not node.parents}


# ----------------------------------------------------------------------------- the language


@pytest.mark.parametrize("text, by_hand", [
    ("(x + y) * (x - y)", lambda x, y: (x + y) * (x - y)),
    ("x * x + x", lambda x, y: x * x + x),
    ("-x ** 2 / y", lambda x, y: -x ** 2 / y),
    ("2 ** x - 1 / y", lambda x, y: 2 ** x - 1 / y),
    ("+x - -y", lambda x, y: x - -y),
    ("tanh(x * 0.1) + relu(y - 5) + leaky_relu(y - 5, 0.2)",
     lambda x, y: tanh(x * 0.1) + relu(y - 5) + leaky_relu(y - 5, 0.2)),
    ("exp(x / 3) * log(y) + sqrt(x) - sin(y) * cos(x) + abs(-y) + sigmoid(x)",
     lambda x, y: (x / 3).exp() * y.log() + x.sqrt() - y.sin() * x.cos()
     + abs(-y) + x.sigmoid()),
    ("dot([x, y], [y, 2]) + vsum([x, y, 1])",
     lambda x, y: dot([x, y], [y, 2.0]) + vsum([x, y, 1.0])),
    ("tanh(2) * x", lambda x, y: math.tanh(2) * x),
])
def test_formulas_build_the_graph_python_would(text, by_hand):
    root = parse_expression(text, {"x": X, "y": Y})
    x, y = Value(X, label="x"), Value(Y, label="y")
    expected = by_hand(x, y)
    assert root.data == expected.data
    root.backward()
    expected.backward()
    got = leaves(root)
    for name, value in (("x", x), ("y", y)):
        assert got[name].grad == value.grad if name in got else value.grad == 0.0, name


def test_a_name_is_one_leaf_however_often_it_appears():
    root = parse_expression("x * x + x", {"x": 3})
    named = [node for node in walk(root) if node.label == "x"]
    assert len(named) == 1 and named[0].data == 3.0
    assert [str(s) for s in backward_steps(root)][-1].endswith("(now 7.0)")
    assert named[0].grad == 7.0  # 2x + 1


def test_plain_number_operands_stay_constants_not_leaves():
    root = parse_expression("2 * x - 1", {"x": 3})
    assert [node.label for node in walk(root) if not node.parents] == ["x"]
    assert root.data == 5.0


def test_callable_ops_come_from_the_registry():
    names = callable_ops()
    assert {"tanh", "relu", "exp", "log", "dot", "vsum", "leaky_relu"} <= set(names)
    assert "+" not in names and "**" not in names


# ----------------------------------------------------------------------------- mistakes


def where(text, values=None):
    """The message and the underlined part of the formula for a bad formula."""
    with pytest.raises(ExpressionError) as info:
        parse_expression(text, values if values is not None else {"x": 1.0, "y": 2.0})
    error = info.value
    shown = str(error).splitlines()
    assert shown[1] == "    " + text.splitlines()[error.line - 1]
    underline = shown[2][4:]
    start = len(underline) - len(underline.lstrip(" "))
    part = shown[1][4:][start:len(underline)]
    assert set(underline[start:]) == {"^"}
    return error.message, part


@pytest.mark.parametrize("text, message, part", [
    ("(x + z) * 2", "no value for z: give it one, e.g. z=1.5", "z"),
    ("x +* y", "this is not a formula", "*"),
    ("x // y", "the operator // is not allowed", "x // y"),
    ("foo(x) + y", "unknown function foo; the ops are: abs, cos, dot", "foo"),
    ("math.tanh(x)", "only a registered op can be called", "math.tanh"),
    ("x.data * 2", "an attribute (.data) is not allowed", "x.data"),
    ("x[0]", "indexing ([...]) is not allowed", "x[0]"),
    ("x if y else 1", "if ... else is not allowed", "x if y else 1"),
    ("x == y", "a comparison is not allowed", "x == y"),
    ("'a' + x", "only numbers and names are allowed here, not 'a'", "'a'"),
    ("True * x", "only numbers and names are allowed here, not True", "True"),
    ("tanh(x, y)", "tanh takes 1 argument, got 2: tanh(x)", "tanh(x, y)"),
    ("leaky_relu(x, alpha=0.1)", "write its arguments in order", "alpha=0.1"),
    ("leaky_relu(x, y)", "leaky_relu: its second argument (alpha) must be a number, not "
                         "a formula with names", "y"),
    ("leaky_relu(x, 0.1 * y)", "leaky_relu: its second argument (alpha) must be a number",
     "0.1 * y"),
    ("dot(x, y)", "dot takes lists: dot([w1, w2], [x1, x2])", "dot(x, y)"),
    ("x + [y]", "a list can only be an argument of dot or vsum", "[y]"),
    ("dot([x, [y]], [1, 2])", "a list can only be an argument of dot or vsum", "[y]"),
    ("vsum([x, [[y]]])", "a list can only be an argument of dot or vsum", "[[y]]"),
    ("tanh + x", "tanh is an operation: call it, e.g. tanh(x)", "tanh"),
    ("y * log(x - 4)", "cannot compute this: log: got -3.0", "log(x - 4)"),
    ("y + x / (y - 2)", "cannot compute this: /: division by zero", "x / (y - 2)"),
    ("(-y) ** 0.5", "is not a real number", "(-y) ** 0.5"),
    ("10 ** 400 * x", "cannot compute this: **: 10.0 ** 400.0 is too large", "10 ** 400"),
    ("2 * 3", "the formula has no names", "2 * 3"),
    ("(x +\n  y * q)", "no value for q", "q"),
])
def test_every_mistake_points_at_its_spot(text, message, part):
    got_message, got_part = where(text)
    assert message in got_message
    assert got_part == part


def test_columns_count_characters_not_utf8_bytes():
    assert where("é * x + zz", {"x": 1.0, "é": 2.0}) == ("no value for zz: give it one, e.g. "
                                                          "zz=1.5", "zz")


def test_nothing_is_ever_evaluated_as_python(tmp_path):
    marker = tmp_path / "ran"
    attempts = [f"__import__('os').system('touch {marker}')",
                f"open('{marker}', 'w')",
                "(lambda: 1)()",
                "[c for c in ().__class__.__base__.__subclasses__()]",
                "exec('1')", "eval('1')", "globals()"]
    for text in attempts:
        with pytest.raises(ExpressionError):
            parse_expression(text, {})
    assert not marker.exists()


def test_absurd_sizes_are_errors_not_crashes():
    with pytest.raises(ExpressionError, match="nested"):
        parse_expression("(" * 400 + "x" + ")" * 400, {"x": 1})
    with pytest.raises(ExpressionError):
        parse_expression("1" * 5000 + " * x", {"x": 1})
    assert parse_expression(" + ".join(["x"] * 200), {"x": 1.0}).data == 200.0


# One of every kind of argument, right or wrong for the op it is given to.
ARGUMENTS = ["x", "-2.5", "x * y", "[x, 1]", "[]", "[x, [y]]", "[[x]]", "True", "z"]


def test_every_call_of_every_op_gives_a_graph_or_an_expression_error():
    """Each op with 0 to 3 arguments of every kind: a wrong one is always a message that
    points into the formula, never an exception from deeper down (a TypeError, say)."""
    calls = [f"{op}({', '.join(args)})" for op in [*callable_ops(), "foo"]
             for n in range(4) for args in itertools.product(ARGUMENTS, repeat=n)]
    formulas = calls + [f"{a} {symbol} {b}" for a, b in itertools.product(ARGUMENTS, repeat=2)
                        for symbol in ("+", "*", "**")]
    built = 0
    for text in formulas:
        try:
            root = parse_expression(text, {"x": X, "y": Y})
        except ExpressionError as error:
            assert str(error).splitlines()[1] == "    " + text, text
        else:
            assert isinstance(root, Value), text
            built += 1
    assert built > 40  # the right ones are among them: tanh(x), dot([x, 1], [x, 1]), ...


# ----------------------------------------------------------------------------- the command


def run(capsys, *args):
    code = main(["replay", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


@requires_renderer
def test_command_writes_the_page(capsys, tmp_path, monkeypatch):
    page = tmp_path / "replay.html"
    code, out, err = run(capsys, "(x + y) * (x - y)", "x=3", "y=2", "-o", str(page))
    assert code == 0 and err == ""
    assert out.strip() == (f"wrote {page}: 3 backward steps of f = (x + y) * (x - y) at "
                           "x = 3.0, y = 2.0; open it in a web browser")
    html = page.read_text(encoding="utf-8")
    assert "f = v1 * v2  upstream df/df = 1.0" in html
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "x * x", "x=2", "y=5")
    assert code == 0 and (tmp_path / "replay.html").exists()
    assert err == "replay: note: y=5.0 is not used in the formula\n"
    code, out, err = run(capsys, "f * f", "f=2", "-o", "-")
    assert code == 0 and out.startswith("<!DOCTYPE html>") and "out = f * f" in out


@pytest.mark.parametrize("args, message", [
    (["(x + z) * 2", "x=3"], "replay: no value for z: give it one, e.g. z=1.5\n"
                            "    (x + z) * 2\n         ^\n"),
    (["x +* y", "x=1", "y=2"], "replay: this is not a formula: invalid syntax\n"
                               "    x +* y\n       ^\n"),
    (["x * y", "x=1", "y=abc"], "replay: y=abc: 'abc' is not a number\n"),
    (["x * y", "3"], "replay: expected NAME=VALUE, such as x=3, but got '3'\n"),
    (["x * y", "x=1", "x=2"], "replay: x is given twice (x=1.0 and x=2)\n"),
    (["--", "-x * y", "x=1", "y=2"], "replay: -o comes after --, so it is not read as an "
                                     "option; put the options first: replay -o page.html -- "
                                     "\"-x * y\" x=1 y=2\n"),
    (["x", "x=1"], "replay: the formula 'x' is a single value, so backward has nothing to "
                   "do; write one that computes something, e.g. x * x\n"),
    (["log(x)", "x=-1"], "replay: cannot compute this: log: got -1.0"),
    (["leaky_relu(x, y)", "x=1", "y=2"], "replay: leaky_relu: its second argument (alpha) "
                                          "must be a number"),
])
def test_command_mistakes_are_messages_and_exit_2(capsys, tmp_path, args, message):
    code, out, err = run(capsys, *args, "-o", str(tmp_path / "p.html"))
    assert code == 2 and out == "" and err.startswith(message)
    assert not (tmp_path / "p.html").exists()


@requires_renderer
def test_command_cannot_write(capsys, tmp_path):
    code, _, err = run(capsys, "x * x", "x=1", "-o", str(tmp_path / "missing" / "p.html"))
    assert code == 1 and err.startswith("replay: cannot write ") and "No such file" in err


def test_command_runs_as_a_module_without_a_traceback(tmp_path):
    done = subprocess.run([sys.executable, "-m", "tinygrad_edu", "replay", "x * q", "x=1"],
                          capture_output=True, text=True, cwd=tmp_path, check=False)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == "replay: no value for q: give it one, e.g. q=1.5\n    x * q\n        ^\n"
