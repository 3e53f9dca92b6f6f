"""A file graded on a derivative rule, or on the chain rule, is read whole (``rule_reading.py``):
complex numbers or exact arithmetic anywhere in it, or a name bound dynamically (with which
the code that runs is not the code read), fail those exercises and the verdict names the
line. Each route here scored full marks before: a complex step with no name to give it away
(``(-1.0) ** 0.5`` is 1j), the real rules installed under a decoy def with
``globals().update``, a Value whose backward() is the complex step. Honest files (the
package's model answers, the starters, the assignments' notebooks, a right microgpt) are
left alone."""

import inspect
import textwrap
from pathlib import Path

import pytest

from tests.exercises.gpt_answers import RIGHT as RIGHT_GPT
from tinygrad_edu.exercises import EXERCISES
from tinygrad_edu.exercises import lecture as lecture_module
from tinygrad_edu.exercises import model_answers as model_module
from tinygrad_edu.exercises.classroom.submissions import grade_file
from tinygrad_edu.exercises.cli import main as cli
from tinygrad_edu.exercises.microgpt import reference as reference_module
from tinygrad_edu.exercises.microgpt.stages import TRACK
from tinygrad_edu.exercises.rule_reading import CHAIN_RULE, RuleReading, reads

EVERY = [*EXERCISES.values(), *TRACK.values()]
READ = [ex for ex in EVERY if reads(ex)]

HIDDEN_STEP = '''\
import math
# The complex step with no name the reading looks for: i made as (-1) ** 0.5, the imaginary
# part read as ((z - conj z) / 2i).real, exp of a complex number as math.e ** z.
_I = (-1.0) ** 0.5
_H = 1e-30

def _im(z):
    return ((z - z.conjugate()) / (2 * _I)).real

def _step(f, x):
    x = float(x)
    return _im(f(x + _I * _H)) / _H

def _exp(z): return math.e ** z
def _tanh(z):
    e = math.e ** (2 * z)
    return (e - 1) / (e + 1)

def d_tanh(x, y): return _step(_tanh, x)
def d_sigmoid(x, y): return _step(lambda z: 1 / (1 + math.e ** (-z)), x)
def d_exp(x, y): return _step(_exp, x)
def d_mul(a, b, y):
    a, b = float(a), float(b)
    return _step(lambda z: z * b, a), _step(lambda z: a * z, b)
def d_div(a, b, y):
    a, b = float(a), float(b)
    return _step(lambda z: z / b, a), _step(lambda z: a / z, b)
'''
"""Every rule by the complex step, hidden in a helper: 5/5 before."""

REBOUND = '''\
import cmath
def _slope(f):
    def rule(x, y):
        x = float(x)
        return f(complex(x, 1e-30)).imag / 1e-30
    return rule

def d_tanh(x, y):
    raise NotImplementedError   # what the grader reads

def d_sigmoid(x, y):
    raise NotImplementedError   # what the grader reads

globals().update(d_tanh=_slope(cmath.tanh),                         # what it runs
                 d_sigmoid=_slope(lambda z: 1 / (1 + cmath.exp(-z))))
'''
"""Rules rebound after their defs: 2/2 before (the def read was a decoy)."""

VALUE_CS = (Path(__file__).parent / "attacks" / "value_cs.py.txt").read_text()
"""Exercise 18, a Value whose backward takes the complex step: 1/1 before."""


def write(tmp_path, text, name="solutions.py"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def blocks(out):
    return {block.split(":")[0][2:]: block for block in out.split("\n\n")
            if block.startswith(("✓ ", "✗ "))}


def test_a_complex_step_with_no_name_to_give_it_away_fails(tmp_path, capsys):
    path = write(tmp_path, HIDDEN_STEP)
    assert cli(["check", str(path)]) == 1
    out = capsys.readouterr().out
    said = blocks(out)
    assert set(said) == {"d_tanh", "d_sigmoid", "d_exp", "d_mul", "d_div"}, out
    for name, block in said.items():  # (read in the file, or met where the code holds it)
        assert block.startswith((
            f"✗ {name}: your {name} computes with complex numbers (at solutions.py, line 4, it "
            "uses (-1.0) ** 0.5, the complex number 6.12e-17+1j: `_I = (-1.0) ** 0.5`)",
            f"✗ {name}: your answer computes with complex numbers (it met a complex number, ")), \
            block
        assert " line " in block.splitlines()[0], block  # (where it is, either way)
        assert "A numerical derivative earns no points here." in block
    assert "0 of 5 attempted exercises pass" in out


def test_rules_installed_under_a_decoy_def_fail(tmp_path, capsys):
    path = write(tmp_path, REBOUND)
    assert cli(["check", str(path), "d_tanh", "d_sigmoid"]) == 1
    out = capsys.readouterr().out
    for name in ("d_tanh", "d_sigmoid"):  # (read in the file; or seen as it runs: the op's
        # own function called on a complex number)
        assert blocks(out)[name].startswith((
            f"✗ {name}: your file computes with complex numbers (at solutions.py, line 1, it "
            f"uses cmath: `import cmath`), and {name} is graded on the rule: a file graded on "
            "it may use that nowhere", f"✗ {name}: your answer computes with complex "
            "numbers")), out
    assert "0 of 2 attempted exercises pass" in out


@pytest.mark.parametrize("binding, line, what", [
    ("globals().update(d_tanh=_rule)", "globals().update(d_tanh=_rule)", "globals()"),
    ("globals()['d_tanh'] = _rule", "globals()['d_tanh'] = _rule", "globals()"),
    ("vars()['d_tanh'] = _rule", "vars()['d_tanh'] = _rule", "vars()"),
    ("exec('d_tanh = _rule')", "exec('d_tanh = _rule')", "exec()"),
    ("d_tanh.__code__ = _rule.__code__", "d_tanh.__code__ = _rule.__code__", ".__code__"),
    ("(lambda: 0).__globals__['d_tanh'] = _rule", "(lambda: 0).__globals__['d_tanh'] = _rule",
     ".__globals__"),
], ids=["globals().update", "globals()[...]", "vars()", "exec", "__code__", "__globals__"])
def test_a_name_bound_dynamically_fails(binding, line, what, tmp_path):
    """The code that runs is not the def the grader reads: the rule here is honest, but
    nothing else in such a file can be trusted to be what it says."""
    path = write(tmp_path, "def _rule(x, y):\n    return 1 - y * y\n\n\n"
                           "def d_tanh(x, y):\n    raise NotImplementedError\n\n\n"
                           f"{binding}\n")
    result = grade_file(path, [EXERCISES["d_tanh"]], {"d_tanh": 1.0})
    (mark,) = result.marks
    assert mark.status == "failed" and mark.points == 0, mark
    assert mark.text.startswith(f"✗ d_tanh: your file binds names dynamically (at "
                                f"solutions.py, line 9, it uses {what}: `{line}`)"), mark.text
    assert "the d_tanh that runs need not be the code the grader reads" in mark.text


def test_a_value_whose_backward_is_the_complex_step_fails(tmp_path, capsys):
    path = write(tmp_path, VALUE_CS)
    assert cli(["check", str(path), "Value"]) == 1
    out = capsys.readouterr().out
    block = blocks(out)["Value"]
    assert block.startswith("✗ Value: your Value computes with complex numbers (at "
                            "solutions.py, line 6, it uses (-1.0) ** 0.5"), block
    assert "The exercise is the chain rule" in block and "earn no points here" in block


@pytest.mark.parametrize("name", ["backward", "backward_step", "sum_over_paths"])
def test_a_chain_rule_exercise_in_a_file_with_complex_numbers_fails(name, tmp_path):
    answer = inspect.getsource(getattr(model_module, name))
    path = write(tmp_path, "import cmath\n\n\n" + answer)
    result = grade_file(path, [EXERCISES[name]], {name: 1.0})
    (mark,) = result.marks
    assert mark.status == "failed", mark
    assert mark.text.startswith(f"✗ {name}: your file computes with complex numbers (at "
                                "solutions.py, line 1, it uses cmath: `import cmath`), and "
                                f"{name} is graded on the chain rule"), mark.text


def test_the_microgpt_node_is_read_too(tmp_path):
    path = write(tmp_path, "_I = (-1) ** 0.5\n\n" + RIGHT_GPT)
    why = RuleReading(path).why(TRACK["node"])
    assert why.startswith("your file computes with complex numbers (at solutions.py, line 1"), \
        why
    assert RuleReading(path).why(TRACK["softmax"]) == ""  # (not the chain rule's subject)


def test_which_exercises_are_read():
    assert {ex.name for ex in READ} == {n for n, ex in EXERCISES.items() if ex.exact} | {
        name for track, name in CHAIN_RULE}
    assert not reads(EXERCISES["central_difference"])  # (a finite difference is its subject)


@pytest.mark.parametrize("source, what", [
    ("Z = pow(-1, 0.5)", "pow(-1, 0.5), the complex number 6.12e-17+1j"),
    ("A = -1.0\nB = A ** 0.5", "A ** 0.5, the complex number 6.12e-17+1j"),
    ("import math\nZ = math.cos(math.pi) ** 0.5", "math.cos(math.pi) ** 0.5"),
    ("import numpy as np\nZ = np.zeros(3).astype('D')", "the dtype 'D'"),
    ("import numpy as np\nZ = np.roots([1, 0, 1])", ".roots"),
    ("import numpy as np\nZ = np.ones(2, dtype=np.longdouble)", ".longdouble"),
    ("def f(z):\n    return z.conjugate()", ".conjugate"),
    ("def f(z):\n    return z.real", ".real"),
    ("def f(x):\n    return eval('x')", "eval()"),
    ("def f(z):\n    match z:\n        case object(imag=im):\n            return im",
     "imag= in a class pattern"),
    ("def f(z):\n    match z:\n        case object(f_builtins=b):\n            return b",
     "f_builtins= in a class pattern"),
    ("class P:\n    __match_args__ = ('imag',)", "'imag' in __match_args__"),
    ("def f(z):\n    return z.__complex__()", ".__complex__"),
    # (the standard library's exact numbers given by another of its modules: a65f's e7)
    ("from statistics import Decimal as D", "statistics.Decimal"),
    ("import statistics\nH = statistics.Fraction(1, 10**12)", ".Fraction"),
    ("import statistics\nD = getattr(statistics, 'Decimal')", "'Decimal'"),
], ids=["pow", "through names", "math", "dtype code", "roots", "longdouble", "conjugate",
        "real", "eval", "pattern imag", "pattern f_builtins", "__match_args__",
        "__complex__", "Decimal from statistics", "statistics.Fraction", "getattr Decimal"])
def test_the_reading_finds_what_is_looked_for_anywhere(source, what, tmp_path):
    path = write(tmp_path, source + "\n\n\ndef d_tanh(x, y):\n    return 1 - y * y\n")
    why = RuleReading(path).why(EXERCISES["d_tanh"])
    assert why.startswith("your file ") and f"it uses {what}" in why, why


COMPLEX_STEP_MATCH = (Path(__file__).parent / "attacks" / "complex_step_match.py.txt"
                      ).read_text()
"""A fourth attacker's (a65, b1): d_tanh by the complex step with i made by an operator,
``(x - x - 1) ** 0.5``, tanh written with ``**``, and the imaginary part read by a class
pattern, ``case object(imag=im)``: 1/1 unflagged on Python 3.11 and 3.13 before."""


def test_a_complex_step_read_by_a_pattern_fails(tmp_path):
    why = RuleReading(write(tmp_path, COMPLEX_STEP_MATCH)).why(EXERCISES["d_tanh"])
    assert why.startswith("your d_tanh computes with complex numbers (at solutions.py, line "
                          "12, it "
                          "uses imag= in a class pattern: `case object(imag=im):`)"), why


def test_names_of_the_learners_own_are_no_builtins(tmp_path):
    path = write(tmp_path, "def d_tanh(x, y):\n    vars, imag = 1.0, 2.0\n"
                           "    return vars - y * y + 0 * imag\n")
    assert RuleReading(path).why(EXERCISES["d_tanh"]) == ""


def honest_files(tmp_path):
    from tinygrad_edu.exercises.cli import main

    files = [Path(model_module.__file__), Path(lecture_module.__file__),
             Path(reference_module.__file__), write(tmp_path, RIGHT_GPT, "gpt.py")]
    for name, args in (("start.py", []), ("gpt_start.py", ["microgpt"])):
        assert main(["start", str(tmp_path / name), *args]) == 0
        files.append(tmp_path / name)
    notebooks = Path(__file__).resolve().parents[2] / "notebooks"
    files += sorted(notebooks.glob("*.ipynb"))
    everything = [ex.name for ex in EXERCISES.values()]
    for tool in ("nbgrader", "otter", "prairielearn"):
        out = tmp_path / tool
        network = ["--network"] if tool == "prairielearn" else []
        assert main(["assignment", "--for", tool, "-o", str(out), *everything, *network]) == 0
        files += [p for p in out.rglob("*") if p.suffix in (".ipynb", ".py")
                  and "tests" not in p.parts and p.name != "nbgrader_config.py"]
    return files


def test_honest_files_are_left_alone(tmp_path, capsys):
    """Every model answer, the starters, the lessons' notebooks and the assignments'
    notebooks (model answers in their solution cells): nothing read."""
    files = honest_files(tmp_path)
    capsys.readouterr()
    assert len(files) > 15
    for path in files:
        reading = RuleReading(path)
        assert reading.trees, path
        for ex in READ:
            assert reading.why(ex) == "", (path, ex.name, reading.why(ex))
