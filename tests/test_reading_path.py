"""What runs is what a learner reads, traced: an ordinary step runs the engine's own code.

The engine's docstring and docs/engine.md tell a learner to read ``engine.py`` and
``graph.py``. These tests run ordinary steps with a profiler on (``sys.setprofile``) and
require that the package's code they enter is in those two files, besides the two a step
needs beyond them: ``safe_math.py`` (forward functions that say what went wrong, and the slopes
of relu and ``**``) and ``errors.py`` (a plain number's conversion, ``sum()``'s 0). Grad
mode's one question, ``is_grad_enabled()``, is a context variable's own ``get``: no Python
frame. And the rule the op table lists for each op is the function that computes its local
derivative: a learner who puts a breakpoint in the rule they read stops there, and one who
edits it sees the gradient change. A rule that is a constant (``+``'s 1.0) is a number,
with nothing to call.
"""

import gc
import inspect
import itertools
import math
import re
import sys
from pathlib import Path

import pytest

import tinygrad_edu
from tinygrad_edu import OPS, Value, engine

PACKAGE = Path(tinygrad_edu.__file__).parent
READ = {"engine.py", "graph.py"}  # the reading path: the engine
HELPERS = {"safe_math.py", "errors.py"}  # (see the docstring)
MICROGRAD_NN = pytest.importorskip("micrograd.nn", reason="micrograd is not installed: "
                                   "pip install -e '.[test]'")


def traced(run):
    """Run ``run()`` under a profiler: the package's files it entered, and every code object
    it called (of the package or not)."""
    files, code = set(), set()

    def profile(frame, event, arg):
        if event == "call":
            code.add(frame.f_code)
            name = frame.f_code.co_filename
            if name.startswith(str(PACKAGE)):
                files.add(str(Path(name).relative_to(PACKAGE)))

    sys.setprofile(profile)
    try:
        run()
    finally:
        sys.setprofile(None)
    return files, code


# Each op a micrograd or microgpt program uses, as it writes it, with operands where the
# derivative is defined.
STEPS = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
    "/": lambda a, b: a / b, "**": lambda a, b: a ** b, "neg": lambda a, b: -a,
    "exp": lambda a, b: a.exp(), "log": lambda a, b: a.log(), "tanh": lambda a, b: a.tanh(),
    "relu": lambda a, b: a.relu(), "sigmoid": lambda a, b: a.sigmoid(),
}


@pytest.mark.parametrize("name", sorted(STEPS))
def test_an_op_and_backward_run_the_engine_and_call_the_rule_the_table_lists(name):
    a, b = Value(1.5, label="a"), Value(0.5, label="b")

    def step():
        STEPS[name](a, b).backward()

    files, code = traced(step)
    assert files <= READ | HELPERS, f"{name}: ran {sorted(files - READ - HELPERS)} too"
    assert "engine.py" in files and "graph.py" in files
    op = OPS[name]
    for rule in op.rules:  # d/da (and d/db): each rule of the row computed a local derivative
        assert not callable(rule) or rule.__code__ in code, f"{name}: {rule} was not called"
        assert callable(rule) or type(rule) is float, f"{name}: a constant rule is a number"
    forward = getattr(op.forward, "__code__", None)  # (a C function, operator.mul, is not traced)
    assert forward is None or forward in code, f"{name}: its forward function was not called"
    if name in STORY:  # the ops of engine.py's first screen run nothing below its line
        below = [c.co_name for c in code if c.co_filename == engine.__file__
                 and c.co_firstlineno > first_screen_ends()]
        assert not below, f"{name} ran {below}, below engine.py's line"


STORY = {"+", "*", "**", "exp", "log", "tanh", "relu"}


def first_screen_ends() -> int:
    """The line of engine.py that ends its first screen: below it, the guard rails."""
    lines = Path(engine.__file__).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.strip().startswith(
        "# ==== Below the line"))


def test_editing_the_rule_in_the_table_changes_the_gradient(monkeypatch):
    """The row is the code: put another function in the row's place and backward uses it."""
    mul = OPS["*"]
    a, b = Value(2.0), Value(3.0)
    rule = mul.rules[0]
    monkeypatch.setattr(rule, "__code__", (lambda a, b, y: 10 * b).__code__)
    (a * b).backward()
    assert a.grad == 30.0 and b.grad == 2.0


def micrograd_step(model, xs, ys):
    """One step of micrograd's demo, with micrograd's own nn.py run on tinygrad_edu's Value."""
    scores = [model([Value(x0), Value(x1)]) for x0, x1 in xs]
    losses = [(1 + -y * s).relu() for y, s in zip(ys, scores)]
    loss = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())
    model.zero_grad()
    loss.backward()
    for p in model.parameters():
        p.data -= 0.1 * p.grad
    return loss.data


def micrograd_nn_on_our_value():
    source = Path(MICROGRAD_NN.__file__).read_text(encoding="utf-8")
    namespace = {"Value": Value}  # micrograd's own nn.py, its Value swapped for ours
    exec(compile(source.replace("from micrograd.engine import Value", ""), "nn.py", "exec"),
         namespace)
    return namespace


def test_a_step_of_micrograds_nn_runs_only_the_engine_and_its_walker():
    nn = micrograd_nn_on_our_value()
    model = nn["MLP"](2, [4, 4, 1])
    xs, ys = [(0.5, -1.0), (-0.3, 0.8), (1.2, 0.1)], [1.0, -1.0, 1.0]
    files, code = traced(lambda: micrograd_step(model, xs, ys))
    assert READ <= files <= READ | HELPERS  # (errors.py reads the 0 that sum() starts from)
    for name in ("*", "relu"):
        assert all(rule.__code__ in code for rule in OPS[name].rules), name
    assert all(math.isfinite(p.grad) for p in model.parameters())


def test_the_operator_a_learner_opens_is_the_engines_own_and_names_its_row():
    """``Value.__mul__??`` in a REPL shows a line of engine.py that names the row of ``*``."""
    source = inspect.getsource(Value.__mul__)
    assert inspect.getsourcefile(Value.__mul__) == str(PACKAGE / "engine.py")
    assert "apply(MUL, self, other)" in source
    assert OPS["*"] is engine.MUL and engine.MUL.name == "*"


def test_a_node_is_one_object_for_the_garbage_collector():
    a, b = Value(2.0), Value(3.0)
    gc.collect()
    gc.disable()
    try:
        before = gc.get_count()[0]
        nodes = [a * b for _ in range(1000)]
        per_node = (gc.get_count()[0] - before) / len(nodes)
    finally:
        gc.enable()
    assert per_node <= 1.01, f"{per_node:.2f} objects the collector tracks per a * b node"


# The lines docs/engine.md tells a learner to read, each range by its first line and a text in
# its last, so that the numbers the page gives cannot go stale: a change that moves them fails
# here, saying the numbers to write instead.
READ_RANGES = {
    "engine.py": [("NO_OTHER = object()", "return fill(bare(Value)"),
                  ("class Value:", "backward_lists(self, g)")],
    "graph.py": [("def backpropagate(", "return order"),
                 ("def walk(", "A first reading stops here")],
}
STOP = "# (a first reading stops here: skip the rest"


def located(name: str) -> tuple[list[str], list[tuple[int, int]]]:
    lines = (PACKAGE / name).read_text(encoding="utf-8").splitlines()
    ranges = []
    for first, last in READ_RANGES[name]:
        start = next(i for i, text in enumerate(lines, 1) if text.strip().startswith(first))
        end = next(i for i, text in enumerate(lines[start - 1:], start) if last in text)
        ranges.append((start, end))
    return lines, ranges


def test_the_engine_pages_line_numbers_are_the_lines_to_read():
    """docs/engine.md gives the first reading as line ranges of engine.py and graph.py: each
    is where the text it stands for is now, and every line between two ranges (and from the
    last of engine.py to its line) is blank or starts with a line that says skip."""
    page = (Path(__file__).resolve().parents[1] / "docs" / "engine.md").read_text(
        encoding="utf-8")
    section = page.split("## Reading the engine", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `tinygrad_edu/(\w+\.py)` \| (\d+)–(\d+) \|", section, re.M)
    for name in READ_RANGES:
        said = [(int(a), int(b)) for row, a, b in rows if row == name]
        lines, ranges = located(name)
        assert said == ranges, (f"docs/engine.md gives {name}'s lines to read as {said}; "
                                f"they are {ranges} now: write those")
        ends = [*ranges, (first_screen_ends(), 0)] if name == "engine.py" else ranges
        for (_, end), (start, _) in itertools.pairwise(ends):
            gap = [text for text in lines[end:start - 1] if text.strip()]
            assert not gap or "skip" in gap[0], (
                f"{name}: lines {end + 1}-{start - 1} are skipped, and {gap[0]!r} does not say so")
    counted = sum(end - start + 1 for name in READ_RANGES for start, end in located(name)[1])
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    said = re.search(r"then the (\d+) lines of\s+code it names", readme)
    assert said and int(said.group(1)) == counted, (
        f"README.md's count of the lines to read is not {counted}")
    lines, ranges = located("engine.py")
    stop = int(re.search(r"Stop at line (\d+)", section).group(1))
    assert stop == ranges[-1][1] + 1 and lines[stop - 1].strip().startswith(STOP), (
        f"the page says to stop at engine.py's line {stop}: {lines[stop - 1]!r}")
    for said in re.findall(r"__slots__, line (\d+)", "\n".join(lines)):  # apply's comment
        assert lines[int(said) - 1].strip().startswith("__slots__ = "), (
            f"engine.py says __slots__ is at line {said}: {lines[int(said) - 1]!r}")


GUARDS = ("is not Value", "not is_grad_enabled", "more or named", "create_graph", "skip")


def test_the_engines_lines_to_read_hold_the_common_case_alone():
    """engine.py's first reading is the common case alone: apply's test names the case it
    builds (two Values, gradients on), and the guards that send the other cases elsewhere (a
    plain number, an int, no_grad(), Value(data, children, local_grads), backward's options)
    and their skip comments are outside the lines docs/engine.md gives."""
    lines, ranges = located("engine.py")
    for start, end in ranges:
        for number in range(start, end + 1):
            found = [g for g in GUARDS if g in lines[number - 1]]
            assert not found, (f"engine.py line {number}, a line to read first, has {found}: "
                               f"{lines[number - 1].strip()!r}")
