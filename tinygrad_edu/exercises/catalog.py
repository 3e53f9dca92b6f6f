"""The exercises, from easy to hard: statements, starter code, inputs and known mistakes.

The references the grader compares with live in ``answers.py`` (out of the way: try first).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from typing import Any

from hypothesis import strategies as st

from tinygrad_edu import Value
from tinygrad_edu.exercises import answers as A
from tinygrad_edu.exercises import cases as C
from tinygrad_edu.exercises import value as V
from tinygrad_edu.exercises.grading import Exercise
from tinygrad_edu.exercises.learner import inputs as I
from tinygrad_edu.exercises.mistakes import Mistake

__all__ = ["EXERCISES"]

# ----------------------------------------------------------------------------- helpers


def _starter(name: str, params: str, doc: str) -> str:
    return (f"def {name}({params}):\n    \"\"\"{doc}\"\"\"\n"
            f"    raise NotImplementedError(\"{name}: not written yet\")\n")


def _at_output(reference: Callable[..., Any], forward: Callable[..., float]
               ) -> Callable[[float, float], Any]:
    """The rule evaluated at y as if y were the input: the slope f'(y) instead of f'(x), as
    in ``1 - math.tanh(y)**2`` (f(y) is NaN where f is not defined, for a rule that does not
    use it: log's 1/x)."""
    def wrong(x: float, y: float) -> Any:
        try:
            f_of_y = forward(y)
        except (ValueError, OverflowError):
            f_of_y = math.nan
        return reference(y, f_of_y)

    return wrong


def _unary(number: int, name: str, title: str, statement: str, *, forward: Callable[..., float],
           output: str, interval: tuple[float, float], reference: Callable[..., Any],
           rule: str, x_rule: str, mistakes: Sequence[Mistake] = (),
           kinks: Sequence[float] = (), examples: Sequence[float] = ()) -> Exercise:
    """A one-input rule ``d_f(x, y)``: x is the input and y = f(x) the output, the two numbers
    ``unary_op`` hands a derivative rule. ``rule`` is the derivative written with y where it
    can be, ``x_rule`` written with x alone. Three mistakes come with every such exercise:
    x where y was meant, y where x was meant, and y itself instead of its slope. ``examples``
    are the points always tried."""
    lo, hi = interval
    kink_text = f", at least 0.001 away from {', '.join(f'{k:g}' for k in kinks)}" if kinks else ""
    common = (
        Mistake("in_out", "the input x used where the output y was meant",
                f"{name} gets two numbers: x, the input, and y = {output}, the output. The "
                f"rule {rule} is written with y; you used x in its place, which gives a "
                "different function.", lambda x, y: reference(x, x)),
        Mistake("in_out", "the output y used where the input x was meant",
                f"{name} gets two numbers: x, the input, and y = {output}, the output. Your "
                f"answer is the slope at y instead of at x: the rule {x_rule} is written with "
                "the input x, and you put y in its place.", _at_output(reference, forward)),
        Mistake("value", "the function's value instead of its slope",
                f"You returned y = {output} itself. A derivative rule returns dy/dx: how fast "
                "y changes when x changes.", lambda x, y: y),
    )
    return Exercise(
        number=number, name=name, title=title, level=1, params="x, y",
        statement=statement,
        starter=_starter(name, "x, y", f"x is the input, y = {output} the output. Return "
                                       "dy/dx."),
        domain=f"x in [{lo:g}, {hi:g}]{kink_text}, in float64",
        cases=C.points(["x"], [C.interval(lo, hi, kinks)], forward, output),
        call=C.call_rule(["answer"]), reference=reference,
        mistakes=(*mistakes, *common), forward=forward,
        examples=tuple(C.point(["x"], [x], forward, output) for x in examples),
    )


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))


# ----------------------------------------------------------------------------- 1-7: rules

MUL = Exercise(
    number=1, name="d_mul", title="the local derivatives of a * b", level=1, params="a, b, y",
    statement="""
Every operation in the engine comes with a *derivative rule*: given its operands and its
output, it returns the local derivative of the output with respect to each operand.
``backward()`` multiplies these by the upstream gradient, one edge at a time.

For y = a * b, write the rule: return the pair (dy/da, dy/db).

Think of one operand held fixed: if b = 2 and a grows by 0.001, by how much does y grow?
In backward this reads: for z = x * y, each input receives the upstream gradient times the
*other* input.
""",
    starter=_starter("d_mul", "a, b, y", "y = a * b. Return (dy/da, dy/db)."),
    domain="a, b in [-3, 3], in float64",
    cases=C.points(["a", "b"], [C.interval(-3, 3)] * 2, lambda a, b: a * b, "a * b"),
    call=C.call_rule(["dy/da", "dy/db"]), parts=("dy/da", "dy/db"), reference=A.d_mul,
    mistakes=(Mistake("swapped", "the two derivatives swapped",
                      "dy/da is how y changes with a while b stays fixed: y = a·b moves b times "
                      "as fast as a. You returned a for it (and b for dy/db).",
                      A.mul_swapped),),
    examples=tuple(C.point(["a", "b"], ab, lambda a, b: a * b, "a * b")
                   for ab in ([3.0, 2.0], [-1.5, 0.5])),
    forward=lambda a, b: a * b,
)

_PATH = ("x reaches f along two paths, through a = x + y and through b = x - y, and the "
         "chain rule adds the contributions of both: df/dx = df/da·da/dx + df/db·db/dx. "
         "Yours keeps one path only. In code this is `grad = ...` where `grad += ...` was "
         "needed: a node used twice loses one of its paths.")
_ASSIGN_TITLE = "one path lost (`=` instead of `+=`)"

CHAIN = Exercise(
    number=2, name="chain_rule", title="the chain rule on (x + y)(x - y)", level=1,
    params="x, y",
    statement="""
Take f = (x + y) * (x - y), computed as a = x + y, b = x - y, f = a * b.

Backward starts from df/df = 1. The last step gives df/da = b and df/db = a. Then x (and
likewise y) gets a contribution from *each* path it takes to f:

    df/dx = df/da * da/dx + df/db * db/dx

Return (df/dx, df/dy) as numbers, built from these pieces: work out a and b, the local
derivatives da/dx, da/dy, db/dx, db/dy, and combine. At x = 3, y = 2: a = 5, b = 1,
df/dx = 6 and df/dy = -4; check yours there first.
""",
    starter=_starter("chain_rule", "x, y", "f = (x + y) * (x - y). Return (df/dx, df/dy)."),
    domain="x, y in [-3, 3], in float64",
    cases=C.points(["x", "y"], [C.interval(-3, 3)] * 2),
    call=C.call_rule(["df/dx", "df/dy"]), parts=("df/dx", "df/dy"), reference=A.chain_rule,
    mistakes=(
        Mistake("assign", _ASSIGN_TITLE, _PATH, A.chain_path_a_only),
        Mistake("assign", _ASSIGN_TITLE, _PATH, A.chain_path_b_only),
        Mistake("upstream", "the upstream gradient not multiplied in",
                "You added the local derivatives (da/dx + db/dx = 1 + 1) but each one must "
                "first be multiplied by the gradient arriving from above: df/da = b for the "
                "path through a and df/db = a for the path through b.", A.chain_no_upstream),
    ),
    examples=(C.point(["x", "y"], [3.0, 2.0]),),
)

EXP = _unary(3, "d_exp", "the derivative of exp", """
Write the derivative rule of y = exp(x). Like every one-input rule in the engine it gets
x (the input) and y (the output, already computed) and returns dy/dx.

exp is the function that is its own slope. Which of the two numbers is the answer?
""", forward=math.exp, output="exp(x)", interval=(-3.0, 3.0), reference=A.d_exp,
    rule="dy/dx = y", x_rule="exp(x)", examples=(1.0, -1.0))

LOG = _unary(4, "d_log", "the derivative of log", """
Write the derivative rule of y = log(x) (the natural logarithm), for x > 0.

Check by hand: near x = 2, log grows about half as fast as x does; near x = 0.5, about
twice as fast.
""", forward=math.log, output="log(x)", interval=(0.2, 5.0), reference=A.d_log,
    rule="dy/dx = 1/x", x_rule="1/x", examples=(2.0, 0.5))

TANH = _unary(5, "d_tanh", "the derivative of tanh", """
Write the derivative rule of y = tanh(x). The activation table gives it as 1 - tanh²(x).
The rule gets y = tanh(x) already computed: use it rather than computing tanh again.

At x = 0 the slope is 1; far from 0, tanh flattens out and its slope goes to 0.
""", forward=math.tanh, output="tanh(x)", interval=(-2.0, 2.0), reference=A.d_tanh,
    rule="1 - y·y", x_rule="1 - tanh²(x)", examples=(1.0, -0.5), mistakes=(
        Mistake("factor", "a factor y missing: 1 - y instead of 1 - y·y",
                "tanh²(x) is y·y; one of the two factors of y is missing.",
                A.tanh_factor_missing),
    ))

SIGMOID = _unary(6, "d_sigmoid", "the derivative of sigmoid", """
Write the derivative rule of y = sigmoid(x) = 1 / (1 + exp(-x)). The activation table gives
σ'(x) = σ(x)(1 - σ(x)), and y is σ(x).

Its largest value is 0.25, at x = 0: the reason ten sigmoids in a row shrink a gradient
by 0.25¹⁰ or more.
""", forward=_sigmoid, output="sigmoid(x)", interval=(-3.0, 3.0), reference=A.d_sigmoid,
    rule="y·(1 - y)", x_rule="σ(x)·(1 - σ(x))", examples=(1.0, -2.0), mistakes=(
        Mistake("factor", "a factor missing: (1 - y)",
                "σ'(x) = σ(x)·(1 - σ(x)) is a product of two factors, y and (1 - y); "
                "you returned only the first.", A.sigmoid_without_one_minus_y),
        Mistake("factor", "a factor missing: y",
                "σ'(x) = σ(x)·(1 - σ(x)) is a product of two factors, y and (1 - y); "
                "you returned only the second.", A.sigmoid_without_y),
    ))

RELU = _unary(7, "d_relu", "the derivative of relu", """
Write the derivative rule of y = relu(x) = max(0, x).

relu is a straight line on each side of 0: flat for x < 0, the identity for x > 0. Its
slope jumps at x = 0; the grader keeps away from that kink (the engine, like PyTorch,
uses 0 there).
""", forward=lambda x: x if x > 0 else 0.0, output="relu(x)", interval=(-3.0, 3.0),
    reference=A.d_relu, rule="1 if x > 0 else 0", x_rule="1 if x > 0 else 0", kinks=(0.0,),
    examples=(-1.0, 1.0, -0.001, 0.001),
    mistakes=(
        Mistake("sides", "the two sides of the kink swapped",
                "Your rule gives slope 1 where relu is flat (x < 0) and 0 where it is the "
                "identity (x > 0).", A.relu_sides_swapped),
    ))

# ----------------------------------------------------------------------------- 8-9: rules

_B_AWAY_FROM_0 = C.interval(-3.0, 3.0, kinks=(0.0,), margin=0.5)

DIV = Exercise(
    number=8, name="d_div", title="the local derivatives of a / b", level=2, params="a, b, y",
    statement="""
For y = a / b, return the pair (dy/da, dy/db).

With b fixed, y is a times the constant 1/b. With a fixed, y = a·b⁻¹: use the power rule
on b⁻¹ (or the quotient rule). You may write dy/db with a and b, or with y and b.
""",
    starter=_starter("d_div", "a, b, y", "y = a / b. Return (dy/da, dy/db)."),
    domain="a in [-3, 3], b in [-3, -0.5] or [0.5, 3], in float64",
    cases=C.points(["a", "b"], [C.interval(-3, 3), _B_AWAY_FROM_0], lambda a, b: a / b, "a / b"),
    call=C.call_rule(["dy/da", "dy/db"]), parts=("dy/da", "dy/db"), reference=A.d_div,
    mistakes=(
        Mistake("factor", "a factor a missing", "dy/db = -a/b²: you dropped the factor a.",
                A.div_without_a),
        Mistake("factor", "a factor 1/b missing",
                "dy/db = -a·b⁻² has b squared in the denominator (the power rule lowers the "
                "power -1 to -2); yours has b to the first power.", A.div_one_power_of_b),
    ),
    examples=tuple(C.point(["a", "b"], ab, lambda a, b: a / b, "a / b")
                   for ab in ([3.0, 2.0], [-1.0, -0.5])),
    forward=lambda a, b: a / b,
)

POW = Exercise(
    number=9, name="d_pow", title="the local derivatives of a ** b", level=2, params="a, b, y",
    statement="""
For y = a ** b with a > 0, return the pair (dy/da, dy/db). The engine's ** sends a gradient
to the exponent too when the exponent is a Value.

dy/da: the power rule, b is fixed. dy/db: now a is fixed and b is in the exponent, so y is
an exponential function of b: a**b = exp(b·ln a). Use math.log for ln.
""",
    starter=_starter("d_pow", "a, b, y", "y = a ** b (a > 0). Return (dy/da, dy/db)."),
    domain="a in [0.5, 2.5], b in [-2.5, 2.5], in float64",
    cases=C.points(["a", "b"], [C.interval(0.5, 2.5), C.interval(-2.5, 2.5)],
                   lambda a, b: a**b, "a ** b"),
    call=C.call_rule(["dy/da", "dy/db"]), parts=("dy/da", "dy/db"), reference=A.d_pow,
    mistakes=(
        Mistake("factor", "the factor b missing",
                "The power rule brings the exponent down in front: d(a**b)/da = b·a**(b-1).",
                A.pow_without_b),
        Mistake("factor", "a factor a too many (the power not lowered)",
                "The power rule lowers the power by one: b·a**(b-1), not b·a**b.",
                A.pow_exponent_not_lowered),
        Mistake("factor", "the factor ln a missing",
                "d(a**b)/db = a**b·ln a: exp(b·ln a) differentiated in b brings down ln a.",
                A.pow_without_log),
        Mistake("factor", "the factor y = a**b missing",
                "d(a**b)/db = a**b·ln a: you returned only ln a.", A.pow_without_y),
        Mistake("rule", "the power rule used for the exponent",
                "The power rule is for a variable base with a fixed exponent. With b in the "
                "exponent, a**b = exp(b·ln a) and its derivative in b is a**b·ln a.",
                A.pow_power_rule_for_exponent),
    ),
    examples=tuple(C.point(["a", "b"], ab, lambda a, b: a**b, "a ** b")
                   for ab in ([2.0, 3.0], [0.5, -1.5])),
    forward=lambda a, b: a**b,
)

# ----------------------------------------------------------------------------- 10-12: numbers

CENTRAL = Exercise(
    number=10, name="central_difference", title="a central-difference derivative", level=2,
    params="f, x, h",
    statement="""
The slope of f at x can be measured with no calculus at all: step h to each side and
divide the rise by the run,

    f'(x) ≈ (f(x + h) - f(x - h)) / (2h)

This *central* difference has an error that shrinks like h², far better than the one-sided
(f(x + h) - f(x)) / h, whose error shrinks like h. Return the central difference of f at x
with step h (f takes and returns a float).

The grader uses steps as large as h = 0.1, where a one-sided difference is clearly off.
""",
    starter=_starter("central_difference", "f, x, h",
                     "Return the central-difference estimate of f'(x) with step h."),
    domain="f in sin, exp, x**3, tanh, log(1 + x**2); x in [-2, 2]; h in 0.1, 0.05, 0.01, 0.001",
    cases=C.slopes(), call=C.call_numbers, reference=A.central_difference,
    mistakes=(
        Mistake("one_sided", "a one-sided (forward) difference",
                "(f(x + h) - f(x)) / h looks only to the right of x; its error shrinks like h, "
                "not h². Step to both sides: f(x + h) - f(x - h), over 2h.",
                A.forward_difference),
        Mistake("one_sided", "a one-sided (backward) difference",
                "(f(x) - f(x - h)) / h looks only to the left of x; its error shrinks like h, "
                "not h². Step to both sides: f(x + h) - f(x - h), over 2h.",
                A.backward_difference),
        Mistake("factor", "not divided by 2h",
                "f(x + h) - f(x - h) is the rise; a slope is rise over run, and the run from "
                "x - h to x + h is 2h.", A.difference_not_divided),
        Mistake("step", "a step of your own instead of h",
                "Your answers are the exact slope f'(x), to 5 digits or more, which a step far "
                "smaller than h comes that close to. The exercise asks for the central "
                "difference with the step h it passes you; at h = 0.1 that differs from f'(x) "
                "by about h²·f‴(x)/6, the error this estimate is known by. Use h.",
                A.difference_ignoring_h),
        Mistake("step", "a step of your own instead of h",
                "Your answers are the central difference with h = 1e-4, a step often chosen "
                "for a gradient check, not with the h the exercise passes you. Use h: the "
                "grader tries steps as large as 0.1, where the two differ.",
                A.difference_with_h_1e4),
        Mistake("precedence", "multiplied by h instead of divided by 2h",
                "`/ 2 * h` divides by 2 and then multiplies by h: Python reads a / 2 * h as "
                "(a / 2) * h. Put the run in parentheses: (f(x + h) - f(x - h)) / (2 * h).",
                A.difference_precedence),
    ),
    examples=(I.Slope(I.FUNCTIONS[2], 1.0, 0.1),),
)

RELATIVE = Exercise(
    number=11, name="relative_error", title="the relative error of a gradient check", level=2,
    params="analytic, numeric",
    statement="""
A gradient check compares the gradient from backward (``analytic``) with central
differences (``numeric``), two lists of numbers of the same length. A bare difference means
little without a scale, so a gradient check uses the relative error

    ‖analytic - numeric‖ / (‖analytic‖ + ‖numeric‖)

with the Euclidean norm ‖v‖ = sqrt(sum of v_i²). About 1e-7 or less means the gradient is
right. Return it as a float. (The grader never passes two all-zero lists.)
""",
    starter=_starter("relative_error", "analytic, numeric",
                     "Return ‖analytic - numeric‖ / (‖analytic‖ + ‖numeric‖)."),
    domain="lists of 1 to 4 numbers in [-3, 3]",
    cases=C.vectors(), call=C.call_numbers, reference=A.relative_error,
    mistakes=(
        Mistake("denominator", "the absolute error, not the relative error",
                "You returned ‖analytic - numeric‖ alone. Divide by ‖analytic‖ + ‖numeric‖ so "
                "that the size of the gradients does not matter.", A.absolute_error),
        Mistake("denominator", "divided by ‖analytic‖ only",
                "Divide by ‖analytic‖ + ‖numeric‖: the sum of both norms, which is never 0 "
                "unless both are, and treats the two gradients alike.",
                A.error_relative_to_analytic),
        Mistake("norm", "sums of absolute values instead of Euclidean norms",
                "‖v‖ here is the Euclidean norm, sqrt(sum of v_i²), not the sum of |v_i|.",
                A.error_with_l1_norms),
        Mistake("denominator", "divided by ‖analytic + numeric‖",
                "The denominator is the sum of the two norms, ‖analytic‖ + ‖numeric‖, not the "
                "norm of the sum: the two differ unless the vectors point the same way, and "
                "‖analytic + numeric‖ is 0 when numeric = -analytic.", A.error_norm_of_sum),
        Mistake("norm", "squared norms (the square root missing)",
                "‖v‖ = sqrt(sum of v_i²): you used the sums of squares without the square "
                "root.", A.error_with_squared_norms),
    ),
    examples=(I.Vectors((1.0, 2.0), (2.0, 1.0)),),
)

SGD = Exercise(
    number=12, name="sgd_step", title="one step of gradient descent", level=2,
    params="params, lr",
    statement="""
After ``loss.backward()`` every parameter p (a Value) holds p.grad = dL/dp, which points
uphill: the direction in which the loss grows fastest. Gradient descent takes a step the
other way,

    w ← w - lr · dL/dw

Write one such step: change p.data of every p in params (a list of Values), in place.
Return nothing. For example w = 0.5 with gradient 2.0 and lr = 0.1 becomes w = 0.3.
""",
    starter=_starter("sgd_step", "params, lr",
                     "Move every parameter one step of size lr against its gradient."),
    domain="1 to 4 parameters with data and grad in [-3, 3]; lr in 0.5, 0.1, 0.05, 0.01",
    cases=C.params(), call=C.call_sgd, parts=("new data",), reference=A.sgd_step,
    rows=lambda case: [f"w{i}.data" for i in range(len(case.data))],
    mistakes=(
        Mistake("sign", "sign flipped: a step uphill (gradient ascent)",
                "The gradient points to where the loss grows; subtract it to go down: "
                "p.data -= lr * p.grad.", A.sgd_ascent),
        Mistake("factor", "the learning rate missing",
                "The step is the gradient scaled by lr: p.data -= lr * p.grad.",
                A.sgd_without_lr),
        Mistake("assign", "`=` instead of `-=`: the old value is lost",
                "p.data = -lr * p.grad throws away where the parameter was; a step moves it "
                "from there: p.data -= lr * p.grad.", A.sgd_assigns),
        Mistake("factor", "a step twice too long: 2·lr·grad",
                "Every parameter moved twice as far as lr·grad: the learning rate (or the "
                "gradient) counted twice. One step is p.data -= lr * p.grad.",
                A.sgd_doubled_lr),
        Mistake("first_only", "only the first parameter moved",
                "The first parameter took its step and the others did not move: a `return` "
                "(or a `break`) inside the loop ends it after one turn. Put the return, if "
                "any, after the loop.", A.sgd_first_only),
        Mistake("no_change", "no parameter moved",
                "Every p.data is what it was. `p = p.data - lr * p.grad` only gives the loop "
                "variable p a new number, and leaves the Value in the list as it was; "
                "`p.grad -= ...` changes the gradient, which only says which way to move. "
                "Change the parameter's number itself: p.data -= lr * p.grad.",
                A.sgd_nothing_moves),
        Mistake("data_grad", "p.data used where p.grad was meant",
                "The step follows the gradient: p.data -= lr * p.grad. Yours shrinks each "
                "parameter by lr times itself, whatever the loss.", A.sgd_with_data),
    ),
    examples=(I.Params((0.5, -1.5), (2.0, 0.5), 0.1),),
)

# ----------------------------------------------------------------------------- 13-15: graphs

_STEP_ASSIGN = Mistake(
    "assign", "`=` instead of `+=`: a reused node loses a path",
    "A node can be a parent along several paths (x in x * x, or in both a = x + y and "
    "b = x - y), and its gradient is the sum over all of them. `parent.grad = ...` overwrites "
    "what earlier steps (or the other operand) put there; `parent.grad += ...` adds to it.",
    A.step_assigns)
_STEP_UPSTREAM = Mistake(
    "upstream", "the upstream gradient not multiplied in",
    "The chain rule multiplies the local derivative by the gradient arriving from above, "
    "node.grad = dL/d(node): parent.grad += local * node.grad.", A.step_without_upstream)

STEP = Exercise(
    number=13, name="backward_step", title="one step of backward: pass a gradient on",
    level=2, params="node",
    statement="""
A Value made by an operation remembers ``node.parents`` (its operands, in order: ``x * x``
has x twice) and ``node.local_grads``, d(node)/d(parent) for each, worked out in the
forward pass. When backward reaches a node, ``node.grad`` = dL/d(node) is complete.

Write the one step backward takes there: pass the gradient on to every parent by the chain
rule. A parent may already hold gradient from other paths; keep it. Change ``parent.grad``
in place and return nothing.
""",
    starter=_starter("backward_step", "node",
                     "Pass node.grad on to node.parents by the chain rule."),
    domain="one node (+, -, *, tanh or exp; x * x included) with parents and grads in [-2, 2]",
    cases=C.node_cases(), call=C.call_step, parts=("the parents' grads",),
    reference=A.backward_step, rows=lambda case: [f"{n}.grad" for n in "ab"[:len(case.values)]],
    mistakes=(_STEP_ASSIGN, _STEP_UPSTREAM,
              Mistake("data_grad", "node.data used where node.grad was meant",
                      "The upstream gradient is node.grad, dL/d(node); node.data is the node's "
                      "value from the forward pass.", A.step_with_data)),
    examples=(I.NodeCase("*", (1.5,), (0, 0), (0.0,), 1.0),
              I.NodeCase("*", (3.0, 2.0), (0, 1), (1.0, -1.0), 5.0)),
)


def _judge_order(case: I.Graph, answer: tuple[Any, ...]) -> Mistake | None:
    """Is ``answer`` (node names) a topological order of everything the root depends on?"""
    return _order_problem(case, answer)


def _order_problem(case: I.Graph, answer: tuple[Any, ...]) -> Mistake | None:
    listed = list(answer[0])
    names = case.node_names()
    parents = case.parents()
    needed, stack = set(), [len(names) - 1]
    while stack:
        i = stack.pop()
        if i not in needed:
            needed.add(i)
            stack.extend(parents[i])
    repeated = sorted({n for n in listed if listed.count(n) > 1})
    if repeated:
        return Mistake("duplicates", "a node listed more than once",
                       f"{', '.join(repeated)} appear(s) more than once. A node used twice is "
                       "reached along two paths; keep a set of the nodes already visited and "
                       "skip them the second time.")
    missing = [names[i] for i in sorted(needed) if names[i] not in listed]
    if missing:
        return Mistake("missing", "nodes missing",
                       f"{', '.join(missing)} are missing. The order must hold every node the "
                       "root depends on: visit the parents of the parents too, down to the "
                       "leaves, and include the root itself.")
    position = {n: k for k, n in enumerate(listed)}

    def before_parents(order: dict[str, int]) -> list[str]:
        return [names[i] for i in sorted(needed)
                if any(order[names[p]] > order[names[i]] for p in parents[i])]

    late = before_parents(position)
    if not late:
        return None
    if not before_parents({n: -k for n, k in position.items()}):
        return Mistake("reversed", "the order reversed: children before their parents",
                       "Your list is a valid order read backwards: it has the root first. "
                       "That is the order backward visits, but a topological order puts "
                       "every node after its parents: append a node after visiting its "
                       "parents (or reverse your list).")
    return Mistake("order", "a node before one of its parents",
                   f"{', '.join(late)} come(s) before one of its parents. Append a node only "
                   "once all of its parents are in the list: visit the parents first, then "
                   "append the node.")


_GRAPHS_DOMAIN = ("random graphs of +, -, *, tanh and exp: small ones (up to 3 leaves and 8 "
                  "steps), a node used twice by one op or at two depths, stacked diamonds, "
                  "wide fans, chains of 20 to 150 steps; and the smallest graph on which "
                  "each classic mistake shows")

TOPO = Exercise(
    number=14, name="topological_sort", title="a topological order of a graph", level=3,
    params="root",
    statement="""
Backward must visit a node only after every node made from it, so that the node's gradient
is complete when it passes it on. The way to get such an order is a *topological sort*:
list the graph so that every node comes after all of its parents, then read it backwards.

Write it: return a list of every Value that ``root`` depends on (the root included), each
exactly once, every node after its parents (``node.parents``). Any valid order passes. A
depth-first search does it: visit a node's parents first, then append the node; keep a set
of visited nodes, because a node can be reached along several paths.
""",
    starter=_starter("topological_sort", "root",
                     "Return every node root depends on, each once, parents first."),
    domain=_GRAPHS_DOMAIN,
    cases=C.graphs(), call=C.call_topological, parts=("order",),
    reference=A.topological_sort, judge=_judge_order,
    examples=C.graph_examples(),
)

_PREORDER = (
    "A node's gradient is complete only once every node made from it has passed its share "
    "on. Appending a node when the search first meets it (before visiting its parents) "
    "lists it before the nodes that reach it by a longer path: in v1 = x·x, v2 = v1 + c, "
    "f = v1·v2, the search from f meets v1 before v2, so v1 passes its gradient on before "
    "v2 has added its share. Append a node after its parents (post-order), then go through "
    "that list backwards.")
_BREADTH = (
    "Going out from the root level by level reaches a node at its shortest distance, but a "
    "node used by nodes at different depths (v1 in v1·(v1 + c)) must wait for the deepest "
    "of them: it passes its gradient on before that share has arrived. Visit the nodes in "
    "reverse topological order: a depth-first search that appends a node after its parents, "
    "read backwards.")

BACKWARD = Exercise(
    number=15, name="backward", title="the whole backward pass", level=3, params="root",
    statement="""
Put it together: fill ``.grad`` of every node that ``root`` depends on with d(root)/d(node).
All grads start at 0. Seed the root with d(root)/d(root) = 1, then visit the nodes in
reverse topological order (``walk(root)`` from tinygrad_edu lists them parents first, or use
your topological_sort) and at each node pass its gradient on to its parents, as in
backward_step: for each parent and local derivative, add local × node.grad to the parent.

On f = (x + y)(x - y) at x = 3, y = 2 you should get x.grad = 6, y.grad = -4.
""",
    starter=_starter("backward", "root", "Fill .grad of every node root depends on."),
    domain=_GRAPHS_DOMAIN,
    cases=C.graphs(), call=C.call_backward, parts=("grads",), reference=A.backward,
    rows=lambda case: [f"{n}.grad" for n in case.node_names()],
    mistakes=(
        Mistake(_STEP_ASSIGN.key, _STEP_ASSIGN.title, _STEP_ASSIGN.hint, A.backward_assigns),
        Mistake(_STEP_UPSTREAM.key, _STEP_UPSTREAM.title, _STEP_UPSTREAM.hint,
                A.backward_without_upstream),
        Mistake("order", "nodes visited parents first (not reversed)",
                "Backward must visit the topological order *backwards*: a node passes its "
                "gradient on only after every node made from it has added to it. Going "
                "forwards, a node passes on 0 (or a part) before its gradient is complete.",
                A.backward_in_forward_order),
        Mistake("seed", "the root not seeded with 1",
                "Everything starts at 0, so nothing flows: set root.grad = 1.0 first "
                "(d(root)/d(root) = 1).", A.backward_without_seed),
        *(Mistake("order", "nodes visited in pre-order (before all their children)", _PREORDER,
                  model) for model in (A.backward_in_preorder, A.backward_in_preorder_flipped)),
        *(Mistake("order", "nodes visited breadth-first (nearest the root first)", _BREADTH,
                  model) for model in (A.backward_breadth_first,
                                       A.backward_breadth_first_flipped)),
        *(Mistake("order", "a node passes its gradient on once per path (no topological order)",
                "Your backward passes a node's gradient on every time it reaches the node, "
                "along each path from the root, with whatever gradient the node holds by "
                "then: a node used twice (v1 in v1·v1) passes on a half-done gradient first "
                "and the whole one again. Visit each node once, in reverse topological order.",
                model) for model in (A.backward_once_per_path,
                                     A.backward_once_per_path_interleaved)),
    ),
    examples=C.graph_examples(),
)

# ----------------------------------------------------------------------------- 16-17: layers


# The worked examples of the exercises on arrays are functions that make their arrays
# (I.Arrays calls them when first used): NumPy is imported only where those are graded.

def _worked_logits() -> I.NamedArrays:
    """The worked example: softmax gives [0.2, 0.7, 0.1], the label is class 1."""
    import numpy as np

    return (("Z", np.log([[0.2, 0.7, 0.1]])), ("Y", np.array([[0.0, 1.0, 0.0]])))


def _square_logits() -> I.NamedArrays:
    """As many classes as examples (3×3), of both signs: a softmax along the wrong axis, or
    row sums not kept as a column, give numbers of the right shape, and wrong."""
    import numpy as np

    Z = np.array([[1.0, -0.5, 2.0], [0.0, 1.5, -1.0], [-2.0, 0.5, 0.5]])
    return (("Z", Z), ("Y", np.eye(3)[[2, 0, 1]]))


SOFTMAX = Exercise(
    number=16, name="d_softmax_cross_entropy", title="softmax with cross-entropy", level=3,
    params="Z, Y",
    statement="""
A classifier's last layer gives logits Z (batch×classes). Softmax turns each row into
probabilities, A = exp(Z) / (sum of exp(Z) over the row), and the cross-entropy loss is
L = -Σ Y·log(A), summed over the batch and the classes, with Y the one-hot labels
(batch×classes).

Return dZ = dL/dZ (batch×classes). Differentiating softmax and the log separately is
messy; together they collapse to a famous, short formula. For example A = [0.2, 0.7, 0.1]
with Y = [0, 1, 0] gives dZ = [0.2, -0.3, 0.1].
""",
    starter=_starter("d_softmax_cross_entropy", "Z, Y",
                     "Z: logits (batch×classes), Y: one-hot labels. Return dL/dZ."),
    domain="Z of shape (1-4)×(2-4), as many classes as examples among them, with entries "
           "in [-4, 4], one-hot Y",
    cases=C.logits(), call=C.call_arrays(["dZ"]), parts=("dZ",),
    reference=A.d_softmax_cross_entropy,
    mistakes=(
        Mistake("term", "Y not subtracted",
                "You returned the probabilities A. The gradient is how far they are from the "
                "labels: A - Y (zero when the prediction is exactly right).",
                A.softmax_ce_without_y),
        Mistake("factor", "divided by the batch size",
                "This loss is a *sum* over the batch, so dZ = A - Y with no 1/batch. (With a "
                "mean loss the 1/batch would be right.)", A.softmax_ce_averaged),
        Mistake("axis", "softmax taken down the columns",
                "Each row of Z is one example: normalise along the classes, axis=1 (or -1), "
                "so that every row of A sums to 1.", A.softmax_ce_wrong_axis),
        Mistake("axis", "softmax over the whole batch at once",
                "Each row of Z is one example: normalise every row separately (sum with "
                "axis=1, keepdims=True), not the whole array.", A.softmax_ce_whole_batch),
        Mistake("shape", "the row sums not kept as a column (keepdims)",
                "e.sum(axis=1) has shape (batch,), and NumPy lines such a vector up with the "
                "last axis of e: each column is divided by one row's sum (and when batch and "
                "classes differ, the shapes do not fit at all). Keep the sums a column: "
                "e.sum(axis=1, keepdims=True), shape (batch×1).", A.softmax_ce_sums_not_kept),
    ),
    examples=(I.Arrays(_worked_logits), I.Arrays(_square_logits)), arrays=True,
)


def _worked_dense() -> I.NamedArrays:
    """X (10×3), W (3×4), b (1×4), dZ (10×4), with fixed numbers."""
    import numpy as np

    grid = np.linspace(-1.0, 1.0, 120)
    return (("X", grid[:30].reshape(10, 3)), ("W", grid[30:42].reshape(3, 4)),
            ("b", grid[42:46].reshape(1, 4)), ("dZ", grid[46:86].reshape(10, 4)))


def _square_dense() -> I.NamedArrays:
    """batch = in = out = 2: W not transposed gives numbers of the right shape, and wrong."""
    import numpy as np

    return (("X", np.array([[1.0, -2.0], [0.5, 1.5]])),
            ("W", np.array([[2.0, 1.0], [-1.0, 0.5]])),
            ("b", np.array([[0.5, -0.5]])),
            ("dZ", np.array([[1.0, 0.5], [-1.5, 2.0]])))


_BATCH_MEAN = ("dZ already is the loss's gradient (if the loss is a mean over the batch, "
               "the 1/batch is inside dZ): the parameters' gradients *sum* the examples' "
               "contributions, with no further division.")

DENSE = Exercise(
    number=17, name="dense_backward", title="the backward pass of a Dense layer", level=3,
    params="X, W, b, dZ",
    statement="""
A Dense layer computes Z = X·W + b with X (batch×in), W (in×out) and b (1×out), added to
every row. Given dZ = dL/dZ (batch×out), return (dX, dW, db): the gradients of L with
respect to X, W and b, NumPy arrays of the shapes of X, W and b.

Work element by element and then read off the matrix form: Z_ij = Σ_k X_ik·W_kj + b_j, so
W_kj influences Z_ij in every row i, and b_j influences every row too. The shapes settle
any doubt about order or transposes: dW must be (in×out). The grader checks your answers
against the tensor engine's backward on the same numbers.
""",
    starter=_starter("dense_backward", "X, W, b, dZ",
                     "Z = X @ W + b. Given dZ = dL/dZ, return (dX, dW, db)."),
    domain="B, in, out from 1 to 4, square and not; entries in [-2, 2]; also X (10×3), "
           "W (3×4)",
    cases=C.dense_inputs(), call=C.call_arrays(["dX", "dW", "db"]),
    parts=("dX", "dW", "db"), reference=A.dense_backward,
    mistakes=(
        Mistake("batch_sum", "the batch sum forgotten",
                "b is added to every row of the batch, so its gradient adds up the rows of "
                "dZ: db = dZ.sum(axis=0, keepdims=True), shape (1×out) like b.",
                A.dense_no_batch_sum),
        Mistake("shape", "summed over the wrong axis",
                "Summing along axis=1 adds up the outputs of one example; b_j gets a "
                "contribution from every example, so sum over the batch: axis=0.",
                A.dense_bias_wrong_axis),
        Mistake("factor", "averaged over the batch instead of summed", _BATCH_MEAN,
                A.dense_bias_averaged),
        Mistake("factor", "divided by the batch size", _BATCH_MEAN, A.dense_weights_averaged),
        Mistake("shape", "W not transposed",
                "dX must have X's shape (batch×in): dZ (batch×out) times Wᵀ (out×in).",
                A.dense_w_not_transposed),
    ),
    examples=(I.Arrays(_worked_dense), I.Arrays(_square_dense)), arrays=True,
    max_examples=60, probe_examples=25,
)

# ----------------------------------------------------------------------------- 18: your own Value

_VALUE_STATEMENT = """
Write your own micrograd: a class Value that holds a number, remembers how it was computed
and sends gradients back, as micrograd's lecture builds it.

- Value(data) keeps its number in .data, and a .grad that starts at 0.
- a + b, a - b, a * b, a / b between two Values, and with a plain number on either side:
  x + 2.0, 2.0 * x, 2.0 - x, 2.0 / x. When the number comes first, Python calls your
  __radd__, __rmul__, __rsub__ or __rtruediv__.
- x ** k for a plain number k (2, 3, -1, 0.5), and the methods x.tanh(), x.exp(), x.relu().
- Each operation returns a new Value that remembers the Values it was made from and a
  function _backward that passes its gradient on to them by the chain rule:
  self.grad += (local derivative) * out.grad. For out = a * b: a.grad += b.data * out.grad.
- root.backward() sets root.grad = 1, lists every node in topological order (each after
  the Values it was made from) and calls every node's _backward, in reverse.

The grader builds random expressions with your class and with tinygrad_edu's Value: first
it compares every node's data, then, after backward() on the root, every node's grad.
Start with b = a + a: a.grad must be 2.
"""

_VALUE_STARTER = '''class Value:
    """A number that remembers how it was computed: data, grad, and the Values it came from."""

    def __init__(self, data, _children=(), _op=""):
        raise NotImplementedError("Value: not written yet")
'''


def _node_rows(attribute: str) -> Callable[[Any], list[str]]:
    return lambda case: [f"{n}.{attribute}" for n in case.node_names()]


def _forward_only(case: Any) -> Any:
    return dataclasses.replace(case, forward_only=True)


_VALUE_DOMAIN = ("random expressions of + - * / (two Values, or a Value and a number on "
                 "either side), ** 2, 3, -1 or 0.5, tanh, exp and relu: small ones, a node "
                 "used at two depths, diamonds, wide fans and chains of up to 150 steps; "
                 "then a sum of 2001 terms")
_VALUE_COMMON: dict[str, Any] = {
    "number": 18, "name": "Value", "title": "your own micrograd: the class Value", "level": 3,
    "params": "data", "statement": _VALUE_STATEMENT, "starter": _VALUE_STARTER,
    "domain": _VALUE_DOMAIN, "reference": Value, "kind": "class", "examples_first": True}

VALUE_FORWARD = Exercise(
    **_VALUE_COMMON, stage="the forward pass: every node's data",
    cases=C.expressions().map(_forward_only), call=C.call_value_forward, parts=("data",),
    examples=tuple(_forward_only(e) for e in C.value_examples()), fit=V.fit_forward,
    rows=_node_rows("data"))

VALUE_CHAIN = Exercise(
    **_VALUE_COMMON, stage="backward on a long chain",
    cases=st.just(I.SumChain(0.5, 2000)), call=C.call_value_backward, parts=("grads",),
    tolerate=V.recursion_note, rows=_node_rows("grad"), max_examples=1, probe_examples=1)

VALUE = Exercise(
    **_VALUE_COMMON, stage="backward: every node's grad",
    cases=C.expressions(), call=C.call_value_backward, parts=("grads",),
    examples=C.value_examples(), mistakes=(V.UNSEEDED,), fit=V.fit_backward,
    explain=V.explain, rows=_node_rows("grad"), before=(VALUE_FORWARD,), after=(VALUE_CHAIN,))

# ----------------------------------------------------------------------------- 19: paths

_PATHS_STATEMENT = """
Why do gradients add where a value is used twice? Because x changes the root along every
path from x up to it. Along one path the changes multiply: each step contributes its local
derivative, d(next)/d(this). The paths' contributions add:

    d(root)/dx = the sum, over every path from x up to root, of the product of the local
                 derivatives along that path

Compute it without backward: return (count, total), the number of paths from x up to root
and the sum of their products. Search from root down: ``node.parents`` lists a node's
operands in order (``x * x`` lists x twice: two paths) and ``node.local_grads`` the local
derivative towards each. A path ends when it reaches x; one that ends at another leaf
carries nothing. If root does not depend on x at all, return (0, 0.0).

On f = (x + y)(x - y) at x = 3, y = 2 there are two paths from x, through x + y (product
1 · 1) and through x - y (product 1 · 5): (2, 6.0), and backward gives x.grad = 6.0 too.
``tinygrad_edu.paths(root, x)`` lists the paths, if you want to see them.
"""

_ONE_PATH_PER_USE = (
    "x * x uses x twice, and each use is a path of its own (node.parents lists x twice): "
    "d(x·x)/dx = x + x. Follow every operand in node.parents, with its own local derivative, "
    "even when two are the same Value.")

PATHS = Exercise(
    number=19, name="sum_over_paths", title="why gradients add: the sum over paths",
    level=3, params="root, x", statement=_PATHS_STATEMENT,
    starter=_starter("sum_over_paths", "root, x",
                     "Return (the number of paths from x up to root, the sum of their "
                     "products)."),
    domain=_GRAPHS_DOMAIN + "; x is the first leaf",
    cases=C.graphs(), call=C.call_paths, parts=("count", "df/dx"), reference=A.sum_over_paths,
    mistakes=(
        Mistake("once_per_operand", "a value used twice by one op followed once",
                _ONE_PATH_PER_USE, A.paths_each_operand_once),
        Mistake("visited", "a node visited only once (a visited set)",
                "A topological sort visits each node once; a sum over paths must not: a node "
                "reached along a second path starts a second set of paths below it. Keep no "
                "visited set here: every route down to x is a path.", A.paths_visited_once),
        Mistake("added", "the local derivatives added along a path",
                "Along a path the changes multiply (the chain rule): a path x → a → f "
                "carries da/dx · df/da. You added them. Multiply what a path carries by each "
                "step's local derivative, starting from 1.", A.paths_adding_locals),
        Mistake("upstream", "only the last step's local derivative",
                "A path carries the product of *all* its local derivatives, from root down "
                "to x; yours keeps only the last one. Hand the product so far down to each "
                "parent: so_far * local.", A.paths_last_local_only),
        Mistake("every_leaf", "the paths to every leaf, not only to x",
                "A path that ends at another leaf (y, a constant) is not a path from x: it "
                "adds nothing to d(root)/dx. Count and add a path only when it reaches x.",
                A.paths_to_every_leaf),
    ),
    examples=C.paths_examples(),
)

EXERCISES: dict[str, Exercise] = {
    ex.name: ex for ex in (MUL, CHAIN, EXP, LOG, TANH, SIGMOID, RELU, DIV, POW, CENTRAL,
                           RELATIVE, SGD, STEP, TOPO, BACKWARD, SOFTMAX, DENSE, VALUE, PATHS)
}
"""Every exercise by the name of the function it asks for, easiest first."""
