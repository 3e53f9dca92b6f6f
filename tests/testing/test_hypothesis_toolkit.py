"""tinygrad_edu.testing: strategies and checks, user-defined ops, the property-testing doc."""

import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st

from tests.conftest import softplus_forward, wrong_softplus
from tinygrad_edu import (
    OPS,
    GradcheckError,
    Value,
    backward_steps,
    binary_op,
    grad,
    sigmoid,
    tanh,
    text_graph,
    unary_op,
)
from tinygrad_edu.autograd import gradients as autograd
from tinygrad_edu.testing import (
    KINK_MARGIN,
    as_op,
    assert_grads_close,
    assert_op_derivatives,
    check_op,
    domain_of,
    expressions,
    floats_in,
    floats_in_domain,
    op_inputs,
)

ROOT = Path(__file__).resolve().parents[2]


# ----------------------------------------------------------------------------- strategies


@pytest.mark.parametrize("name", sorted(OPS))
@given(data=st.data())
def test_op_inputs_stay_in_the_domain_and_away_from_kinks(name, data):
    op = OPS[name]
    xs = data.draw(op_inputs(op))
    domain = domain_of(op)
    if op.arity:
        assert len(xs) == op.arity
    else:
        assert len(xs) % op.lists == 0 and xs
    for i, x in enumerate(xs):
        lo, hi = domain.interval(i if op.arity else 0)
        assert lo <= x <= hi and all(abs(x - k) >= KINK_MARGIN for k in domain.kinks)


@given(floats_in((-1.0, 1.0), kinks=(0.0, 0.5), margin=0.1))
def test_floats_in_cuts_a_margin_around_each_kink(x):
    assert -1 <= x <= 1 and abs(x) >= 0.1 and abs(x - 0.5) >= 0.1


def test_floats_in_domain_reaches_both_sides_of_a_kink():
    assert find(floats_in_domain("relu"), lambda x: x < 0) < 0
    assert find(floats_in_domain("relu"), lambda x: x > 0) > 0


def test_floats_in_refuses_an_interval_with_no_room():
    with pytest.raises(ValueError, match="no room"):
        floats_in((-0.01, 0.01), kinks=(0.0,), margin=0.1)


@settings(max_examples=200)
@given(expressions())
def test_every_op_in_an_expression_sees_operands_inside_its_domain(expr):
    assert 1 <= len(expr.inputs) <= 4 and 1 <= len(expr.steps) <= 12
    nodes = [x for x in expr.inputs]
    for op, args in expr.steps:
        for i, j in enumerate(args):
            lo, hi = domain_of(op).interval(i)
            assert lo <= nodes[j] <= hi and all(abs(nodes[j] - k) >= KINK_MARGIN
                                                for k in domain_of(op).kinks)
        nodes.append(op(*(Value(nodes[j]) for j in args)).data)
    leaves, root = expr.build()
    assert root.data == nodes[-1] and [v.label for v in leaves][:1] == ["x0"]


@pytest.mark.slow
def test_expressions_share_sub_expressions_and_use_every_op():
    seen, shared = set(), []

    @settings(max_examples=300, derandomize=True, database=None, phases=[Phase.generate])
    @given(expressions())
    def collect(e):
        seen.update(op.name for op, _ in e.steps)
        inner_uses = [j for _, args in e.steps for j in args if j >= len(e.inputs)]
        shared.append(len(inner_uses) > len(set(inner_uses)))  # a node used twice

    collect()
    assert seen == {n for n, op in OPS.items() if op.arity}
    assert sum(shared) > 30


@given(expressions(ops=["*", "tanh"], n_leaves=2, max_nodes=3))
def test_expressions_use_only_the_ops_asked_for(expr):
    assert len(expr.inputs) == 2 and {op.name for op, _ in expr.steps} <= {"*", "tanh"}


def test_as_op_accepts_names_ops_and_factory_functions():
    hyp = binary_op("hyp", math.hypot, lambda a, b, y: a / y, lambda a, b, y: b / y,
                    register_op=False)
    assert as_op("tanh") is OPS["tanh"] is as_op(OPS["tanh"]) is as_op(tanh)
    assert as_op(hyp) is hyp.op
    with pytest.raises(KeyError, match="no op named 'nope' in OPS"):
        as_op("nope")
    with pytest.raises(TypeError, match="made by unary_op/binary_op"):
        as_op(len)


def test_assert_grads_close_reports_both_numbers_and_the_input():
    with pytest.raises(GradcheckError, match=r"input x0 = 0\.5 is wrong: backward\(\) gives"):
        assert_grads_close(lambda x: wrong_softplus()(x), [0.5])
    assert_grads_close(lambda x, y: (x * y).exp() - y.log(), [0.3, 1.7])


def test_assert_op_derivatives_checks_a_plain_number_on_either_side():
    # right when both operands are floats (backward) or both Values (create_graph), wrong
    # when a plain number meets a Value, which only happens for `a * 2.0` under create_graph
    def d_left(a, b, y):
        return b if isinstance(a, Value) == isinstance(b, Value) else 2 * b

    method = binary_op("mixed", lambda a, b: a * b, d_left, lambda a, b, y: a,
                       register_op=False)
    assert_op_derivatives(method, 0.5, 2.0, second_order=False)
    with pytest.raises(GradcheckError, match=r"mixed at a = 0\.5, b = 2\.0 with b = 2\.0 a plain"):
        assert_op_derivatives(method, 0.5, 2.0)


def test_assert_op_derivatives_wants_one_number_per_operand():
    with pytest.raises(TypeError, match=r"\* takes 2 operand\(s\), got 1"):
        assert_op_derivatives("*", 1.0)


def test_a_rule_written_with_math_is_told_how_to_get_second_derivatives():
    floats_only = unary_op("sp_math", softplus_forward,
                           lambda x, y: 1 / (1 + math.exp(-x)), register_op=False)
    assert_op_derivatives(floats_only, 0.4, second_order=False)
    check_op(floats_only, second_order=False, max_examples=20)
    with pytest.raises(TypeError, match="instead of math, or pass second_order=False"):
        assert_op_derivatives(floats_only, 0.4)


def test_check_op_raises_one_failure_for_an_op_wrong_in_two_ways():
    # wrong at first order for x < 0, and on Values (create_graph) for x >= 0: hypothesis
    # finds both, and would raise a group of the two (which the seed decides) in place of
    # the GradcheckError that check_op promises; it raises the simplest one, shrunk
    two_ways = unary_op("two_ways_wrong", lambda x: x, lambda x, y: 2.0 if x < 0 else 1.0,
                        graph_derivative=lambda x, y: x * 0.0 + (1.0 if x.data < 0 else 3.0),
                        register_op=False)
    with pytest.raises(GradcheckError, match=r"^two_ways_wrong at x = "):
        check_op(two_ways, max_examples=100, database=None)
    with pytest.raises(Exception) as both:  # asked for by name, hypothesis reports them all
        check_op(two_ways, max_examples=100, database=None, report_multiple_bugs=True)
    assert [type(e) for e in both.value.exceptions] == [GradcheckError, GradcheckError]


def test_a_rule_that_differs_on_values_is_caught_by_the_second_order_check():
    # right on floats, doubled on Values: only create_graph=True sees the difference
    sneaky = unary_op("sneaky", math.sin,
                      lambda x, y: math.cos(x) if isinstance(x, float) else 2 * x.cos(),
                      register_op=False)
    assert_op_derivatives(sneaky, 0.4, second_order=False)
    with pytest.raises(GradcheckError, match="different numbers on Values than on floats"):
        assert_op_derivatives(sneaky, 0.4)


def test_the_second_order_check_follows_the_gradient_arriving_at_the_output(monkeypatch):
    # d(u·out)/dx is a function of x and of u, the gradient arriving at the output: the check
    # differentiates it with respect to both (as PyTorch's gradgradcheck does). A scalar rule
    # never sees u (the engine multiplies by it), so break the engine's step of the chain
    # rule instead: with the numbers of the arriving gradient in place of the gradient, the
    # second derivatives of tanh(tanh(x)) would be wrong, and every op's check must say so
    real = autograd.shares

    def numbers_of_upstream(node, upstream, create_graph=False):
        return real(node, upstream.data if isinstance(upstream, Value) else upstream,
                    create_graph)

    x = Value(0.7)
    (g,) = grad(tanh(tanh(x)), [x], create_graph=True)
    right = grad(g, [x])[0]
    monkeypatch.setattr(autograd, "shares", numbers_of_upstream)
    (g,) = grad(tanh(tanh(x)), [x], create_graph=True)
    assert abs(grad(g, [x])[0] - right) > 0.1
    for name in ("tanh", "*", "dot"):
        with pytest.raises(GradcheckError) as failure:
            check_op(name, database=None, max_examples=20, phases=[Phase.generate])
        message = str(failure.value)
        assert re.match(rf"{re.escape(name)} at .*: second derivatives d²/d\w+d· \(grad with "
                        r"create_graph=True\)\nThe row of u is d/du of d\(u·out\)/d\w+", message)
        assert "gradient of input u = 1.0 is wrong: backward() gives 0.0" in message


# ----------------------------------------------------------------------------- user ops


def test_user_softplus_works_everywhere(softplus):
    x = Value(0.8, label="x")
    y = softplus(x) * 3.0
    y.backward()
    assert x.grad == pytest.approx(3 * sigmoid(0.8), rel=1e-12)
    assert softplus(0.8) == pytest.approx(math.log1p(math.exp(0.8)), rel=1e-15)
    assert softplus(800.0) == 800.0  # the stable forward does not overflow
    (d1,) = grad(softplus(x), [x], create_graph=True)
    (d2,) = grad(d1, [x])
    assert d2 == pytest.approx(sigmoid(0.8) * (1 - sigmoid(0.8)), rel=1e-12)  # σ' = σ(1 - σ)
    assert OPS["softplus"] is softplus.op and softplus.__name__ == "softplus"
    check_op(softplus, max_examples=30)
    check_op("softplus", max_examples=30)
    assert_grads_close(lambda a, b: softplus(a * b) + softplus(-b), [0.4, -1.2])


def test_user_op_steps_and_draws(softplus):
    viz = pytest.importorskip("tinygrad_edu.viz")
    x = Value(0.8, label="x")
    y = softplus(x)
    y.label = "y"
    text = str(next(iter(backward_steps(y))))
    assert "y = softplus(x)" in text and "dy/dx = σ(x)" in text
    assert "softplus(x)" in text_graph(y)
    assert "softplus" in viz.draw_dot(y).source


def test_user_binary_op_gets_readable_default_text():
    hypot = binary_op("hypot", math.hypot, lambda a, b, y: a / y, lambda a, b, y: b / y,
                      domain=((0.5, 3.0), (0.5, 3.0)), register_op=False)
    a, b = Value(3.0, label="a"), Value(4.0, label="b")
    c = hypot(a, b)
    c.label = "c"
    step = str(next(iter(c.backward_steps())))
    assert "c = hypot(a, b)" in step and "dc/da = ∂hypot/∂a" in step
    d = hypot(3.0, b)  # a plain number on either side, Values too
    d.label = "d"
    assert d.data == 5.0 and "d = hypot(3.0, b)" in str(next(iter(d.backward_steps())))
    assert hypot(3.0, 4.0) == 5.0 and hypot(a, 4.0).parents == (a,)
    check_op(hypot, max_examples=30)


@pytest.mark.slow
def test_registered_user_op_joins_random_expressions(softplus):
    used = []

    @settings(max_examples=200, derandomize=True, database=None)
    @given(expressions())
    def check(e):
        used.append(any(op is softplus.op for op, _ in e.steps))
        assert_grads_close(e, e.inputs)

    check()
    # about one expression in 15 (it is one op of the 17 or so registered by then: how many
    # depends on which other tests registered theirs in this process before)
    assert sum(used) >= 5


def test_without_hypothesis_the_strategies_say_what_to_install():
    code = ("import sys; sys.modules['hypothesis'] = None\n"
            "import tinygrad_edu.testing as t\n"
            "assert t.domain_of('log').interval(0) == (0.2, 5.0)\n"
            "try:\n    t.floats_in_domain('log')\n"
            "except ImportError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True).stdout
    assert "pip install hypothesis" in out and "pip install -e '.[testing]'" in out


# ----------------------------------------------------------------------------- the suite


PLUGIN = """
import math
from tinygrad_edu import sigmoid, unary_op
forward = lambda x: max(x, 0.0) + math.log1p(math.exp(-abs(x)))
unary_op("softplus_good", forward, lambda x, y: sigmoid(x))
unary_op("softplus_bad", forward, lambda x, y: sigmoid(-x))
"""


def run_pytest(args, cwd, extra_path=()):
    """pytest ARGS in a new process, with hypothesis's plugin and none of the others installed
    here (nbmake's and PrairieLearn's take seconds to import, at every run)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *map(str, extra_path)]),
           "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    env.pop("PYTEST_XDIST_WORKER", None)
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider",
                           "-p", "_hypothesis_pytestplugin", *args], cwd=cwd, env=env,
                          capture_output=True, text=True)


@pytest.mark.slow
def test_a_newly_registered_op_is_picked_up_by_the_project_tests(tmp_path):
    """Two ops registered by a plugin before collection: the right one passes every per-op
    test, the wrong one fails them, and the teeth test breaks both."""
    (tmp_path / "softplus_plugin.py").write_text(PLUGIN)
    files = ["tests/test_engine.py", "tests/autograd/test_gradients.py", "tests/test_teeth.py"]
    result = run_pytest(["-p", "softplus_plugin", "-k", "softplus", "-rA", "-q", *files],
                        ROOT, [tmp_path])
    out = result.stdout + result.stderr
    for test, bad_outcome in (
        ("test_engine.py::test_derivatives_match_central_differences[{}]", "FAILED"),
        ("autograd/test_gradients.py::"
         "test_second_derivatives_match_central_differences_of_the_first[{}]", "FAILED"),
        ("test_teeth.py::test_control_an_unbroken_copy_passes[{}-0]", "FAILED"),
        ("test_teeth.py::test_a_broken_rule_is_caught[{}-0-sign flipped]", "PASSED"),
    ):
        assert f"PASSED tests/{test.format('softplus_good')}" in out, out
        assert f"{bad_outcome} tests/{test.format('softplus_bad')}" in out, out
    assert "softplus_bad at x = " in out and result.returncode == 1


# ----------------------------------------------------------------------------- the doc


def doc_blocks():
    text = (ROOT / "docs" / "property-testing.md").read_text()
    return text, [b for b in re.findall(r"```python\n(.*?)```", text, re.S)]


@pytest.mark.slow
def test_the_doc_snippet_passes_and_its_broken_version_fails_as_shown(tmp_path):
    text, blocks = doc_blocks()
    test_file = blocks[0]
    broken_line = re.search(r"```text\n(    lambda x, y: .*?)\n```", text).group(1)
    code_lines = [ln for ln in test_file.splitlines() if ln.strip() and not ln.startswith("#")]
    assert len(code_lines) < 15
    (tmp_path / "test_softplus.py").write_text(test_file)
    passing = run_pytest(["-q", "test_softplus.py"], tmp_path)
    assert passing.returncode == 0 and "1 passed" in passing.stdout, passing.stdout

    good_line = next(ln for ln in test_file.splitlines() if ln.startswith("    lambda x, y:"))
    (tmp_path / "test_softplus.py").write_text(test_file.replace(good_line, broken_line))
    failing = run_pytest(["-q", "test_softplus.py"], tmp_path)
    assert failing.returncode == 1, failing.stdout
    shown = re.search(r"```text\n(E .*?)```", text, re.S).group(1).splitlines()
    real = [ln.rstrip() for ln in failing.stdout.splitlines()]
    for line in shown:
        assert line.rstrip() in real, f"the doc shows {line!r}, which pytest did not print"


@pytest.mark.slow
def test_the_doc_expression_example_runs(tmp_path):
    _, blocks = doc_blocks()
    example = "\n".join(ln[2:] for ln in blocks[1].splitlines())  # it is indented in a list
    (tmp_path / "test_graphs.py").write_text(blocks[0] + example)
    result = run_pytest(["-q", "test_graphs.py"], tmp_path)
    assert result.returncode == 0 and "2 passed" in result.stdout, result.stdout


@pytest.mark.slow
def test_the_guide_example_passes_and_fails_when_broken(tmp_path):
    guide = (ROOT / "docs" / "guides" / "gradient-checking.md").read_text(encoding="utf-8")
    section = guide[guide.index("## Check gradients and property-test your own ops"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    (tmp_path / "test_readme_softplus.py").write_text(code)
    assert run_pytest(["-q", "test_readme_softplus.py"], tmp_path).returncode == 0
    broken = code.replace("lambda x, y: sigmoid(x)", "lambda x, y: sigmoid(-x)")
    (tmp_path / "test_readme_softplus.py").write_text(broken)
    result = run_pytest(["-q", "test_readme_softplus.py"], tmp_path)
    assert result.returncode == 1
    assert "backward() gives 0.2689414213699951, central differences give 0.731058578" in (
        result.stdout)


@pytest.mark.slow
def test_the_tensor_doc_examples_pass_and_the_broken_one_fails_as_shown(tmp_path):
    text, blocks = doc_blocks()
    section = text[text.index("## Tensor ops"):]
    softplus = next(b for b in blocks if "engine import sigmoid, unary_op" in b)
    outer = next(b for b in blocks if 'tensor_op("outer"' in b)
    (tmp_path / "test_tensor_softplus.py").write_text(softplus)
    (tmp_path / "test_outer.py").write_text(outer)
    passing = run_pytest(["-q", "test_tensor_softplus.py", "test_outer.py"], tmp_path)
    assert passing.returncode == 0 and "2 passed" in passing.stdout, passing.stdout

    slip = re.search(r"\(`(lambda x, y:\s+sigmoid\(-x\))`\)", section).group(1)
    good = "lambda x, y: sigmoid(x)"
    assert good in softplus
    broken = softplus.replace(good, re.sub(r"\s+", " ", slip))
    (tmp_path / "test_tensor_softplus.py").write_text(broken)
    failing = run_pytest(["-q", "test_tensor_softplus.py"], tmp_path)
    assert failing.returncode == 1, failing.stdout
    shown = re.search(r"```text\n(E .*?)```", section, re.S).group(1).splitlines()
    real = [ln.rstrip() for ln in failing.stdout.splitlines()]
    for line in shown:
        assert line.rstrip() in real, f"the doc shows {line!r}, which pytest did not print"
