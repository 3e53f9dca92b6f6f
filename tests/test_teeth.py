"""The tests have teeth: break each built-in derivative rule in turn and watch the check fail.

For every op in the registry and every one of its derivative rules we put a broken copy of
the op in ``OPS`` (scaled by 1.1, sign flipped, or, where the rule is a product, a factor
dropped), run the property check that the suite runs on the real op, and require it to
fail with a report that names the op. ``monkeypatch`` puts the real op back afterwards.
The controls swap in an unbroken copy made the same way, which must pass, so a failure is
the break's doing and not the copying's.
"""

import re

import pytest
from hypothesis import Phase

from tinygrad_edu import OPS, GradcheckError, Value
from tinygrad_edu.engine import apply
from tinygrad_edu.row import ListOp, Op, local_derivative
from tinygrad_edu.testing import check_op

# Few examples and no shrinking: a broken rule shows up on the first example or two (a scaled
# derivative that happens to be 0 there, relu for x < 0, takes a few more).
FAST = dict(max_examples=40, database=None, phases=[Phase.explicit, Phase.generate],
            report_multiple_bugs=False)

FIXED = sorted(name for name, op in OPS.items() if not isinstance(op, ListOp))
RULES = [(name, i) for name in FIXED for i in range(OPS[name].arity)]

# A factor left out of a product, where the rule has one: the classic slip.
DROPPED = {
    ("*", 0): lambda a, b, y: 1.0,  # d(ab)/da = b
    ("*", 1): lambda a, b, y: 1.0,  # d(ab)/db = a
    ("/", 0): lambda a, b, y: 1.0,  # 1/b
    ("/", 1): lambda a, b, y: -y,  # -y/b
    ("**", 0): lambda a, b, y: a ** (b - 1),  # b·a^(b-1)
    ("**", 1): lambda a, b, y: y,  # y·ln a
    ("sqrt", 0): lambda x, y: 1 / y,  # 1/(2y)
    ("tanh", 0): lambda x, y: 1 - y,  # 1 - y·y
    ("sigmoid", 0): lambda x, y: y,  # y·(1 - y)
    ("leaky_relu", 0): lambda x, alpha, y: 1.0,  # alpha for x < 0
}

BREAKS = {  # (a rule may be a constant, +'s 1.0: local_derivative gives its number)
    "scaled by 1.1": lambda rule: lambda *args: 1.1 * local_derivative(rule, *args),
    "sign flipped": lambda rule: lambda *args: -local_derivative(rule, *args),
}


def copy_with_rule(op, operand, rule):
    """A copy of ``op`` (same name, forward and parameter, so the same text and domain) with
    the derivative rule for ``operand`` replaced (and its rule for second derivatives, unless
    the op has one of its own: relu's step), made into a function as the engine makes its
    own ops, and not registered."""
    rules = list(op.rules)
    rules[operand] = rule
    graph = op.graph_rules if op.graph_rules is not op.rules else rules
    copy = Op(op.name, op.forward, rules, graph_rules=graph, default=op.default,
              formula=op.formula, local=op.local, domain=op.domain, kinks=op.kinks)
    copy.apply = (lambda a, b: apply(copy, a, b)) if len(rules) == 2 else (lambda x: apply(copy, x))
    return copy


def assert_caught(name, second_order):
    with pytest.raises(GradcheckError) as failure:
        check_op(name, second_order=second_order, **FAST)
    assert f"{name} at " in str(failure.value)  # names the op and the point
    assert "backward()" in str(failure.value)


CASES = [(name, i, how) for name, i in RULES for how in BREAKS] + [
    (name, i, "factor dropped") for name, i in DROPPED
]


@pytest.mark.parametrize("name, operand, how", CASES)
def test_a_broken_rule_is_caught(name, operand, how, monkeypatch):
    real = OPS[name]
    rule = real.rules[operand]
    broken = DROPPED[name, operand] if how == "factor dropped" else BREAKS[how](rule)
    with monkeypatch.context() as patch:
        patch.setitem(OPS, name, copy_with_rule(real, operand, broken))
        assert_caught(name, second_order=False)  # the first-order check alone catches it
    assert OPS[name] is real


@pytest.mark.slow
@pytest.mark.parametrize("name, operand", RULES)
def test_control_an_unbroken_copy_passes(name, operand, monkeypatch):
    real = OPS[name]
    monkeypatch.setitem(OPS, name, copy_with_rule(real, operand, real.rules[operand]))
    check_op(name, **FAST)


# dot and vsum compute their local derivatives inline (x_i, w_i and 1); the rules that build
# them as Values under create_graph=True are each op's graph_rule. Break those.
@pytest.mark.parametrize("name", ["dot", "vsum"])
@pytest.mark.parametrize("how", sorted(BREAKS))
def test_a_broken_list_op_graph_rule_is_caught(name, how, monkeypatch):
    real = OPS[name].graph_rule
    change = BREAKS[how](lambda g: g)
    monkeypatch.setattr(OPS[name], "graph_rule",
                        lambda operands, node: tuple(map(change, real(operands, node))))
    assert_caught(name, second_order=True)


# A rule that computes with the numbers of the Values it is given (x.data, y.data, NumPy or
# math on them) instead of the Values: the same numbers, but under create_graph=True the
# derivative has no graph back to the operands. Where the derivative depends on the
# operands, the second-order check must catch it; where it is a constant (+, -, neg, and the
# slopes of relu, leaky_relu and abs) nothing is lost, and the check must pass. (A scalar
# rule never sees the gradient arriving at the output: the engine multiplies by it, so the
# gradient's own path is the engine's to keep; test_testing.py breaks that step.)
CONSTANT = {("+", 0), ("+", 1), ("-", 0), ("-", 1), ("neg", 0), ("relu", 0),
            ("leaky_relu", 0), ("abs", 0)}


def numbers_of(x):
    return x.data if isinstance(x, Value) else x


@pytest.mark.parametrize("name, operand", RULES)
def test_a_rule_computed_from_numbers_is_caught_where_it_loses_a_second_derivative(
        name, operand, monkeypatch):
    real = OPS[name]
    rule = real.graph_rules[operand]
    copy = copy_with_rule(real, operand, real.rules[operand])
    rules = list(copy.graph_rules)
    rules[operand] = lambda *args: local_derivative(rule, *map(numbers_of, args))
    copy.graph_rules = tuple(rules)
    monkeypatch.setitem(OPS, name, copy)
    if (name, operand) in CONSTANT:
        check_op(name, **FAST)
        return
    with pytest.raises(GradcheckError, match=f"^{re.escape(name)} at .*: second derivatives"):
        check_op(name, **FAST)


@pytest.mark.parametrize("name", ["dot", "vsum"])
def test_a_list_op_graph_rule_computed_from_numbers_is_caught_where_it_matters(name,
                                                                              monkeypatch):
    real = OPS[name].graph_rule
    monkeypatch.setattr(OPS[name], "graph_rule", lambda operands, node: tuple(
        numbers_of(local) for local in real(operands, node)))  # dot's: each w's x, x's w
    if name == "vsum":  # its local derivatives are all 1: nothing to lose
        check_op(name, **FAST)
        return
    with pytest.raises(GradcheckError, match=r"^dot at .*: second derivatives"):
        check_op(name, **FAST)
