"""The exercises, from easy to hard: statements, starter code, inputs and known mistakes.

Here the derivative rules, the numbers and the layers (1-12, 16-17); the exercises on graphs
of Values (13-15, 18, 19) are in ``graph_exercises.py``. The references the grader compares
with live in ``answers.py`` (out of the way: try first).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from tinygrad_edu.exercises import answers as A
from tinygrad_edu.exercises import cases as C
from tinygrad_edu.exercises.grading import Exercise
from tinygrad_edu.exercises.graph_exercises import BACKWARD, PATHS, STEP, TOPO, VALUE
from tinygrad_edu.exercises.learner import inputs as I
from tinygrad_edu.exercises.learner import number_cases as N
from tinygrad_edu.exercises.mistakes import RETURN, Mistake
from tinygrad_edu.exercises.starters import starter

__all__ = ["EXERCISES"]

# ----------------------------------------------------------------------------- helpers


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
    can be, ``x_rule`` written with x alone. Four mistakes come with every such exercise:
    x where y was meant, y where x was meant, y itself instead of its slope, and the slope's
    sign flipped. ``examples`` are the points always tried."""
    lo, hi = interval
    kink_text = f", at least 0.001 away from {', '.join(f'{k:g}' for k in kinks)}" if kinks else ""
    common = (
        Mistake("in_out", "the input x used where the output y was meant",
                f"{name} gets two numbers: x, the input, and y = {output}, the output. The "
                f"rule {rule} is written with y; you used x in its place, which gives a "
                "different function.", lambda x, y: reference(x, x), where=(name, RETURN)),
        Mistake("in_out", "the output y used where the input x was meant",
                f"{name} gets two numbers: x, the input, and y = {output}, the output. Your "
                f"answer is the slope at y instead of at x: the rule {x_rule} is written with "
                "the input x, and you put y in its place.", _at_output(reference, forward),
                where=(name, RETURN)),
        Mistake("value", "the function's value instead of its slope",
                f"You returned y = {output} itself. A derivative rule returns dy/dx: how fast "
                "y changes when x changes.", lambda x, y: y, where=(name, RETURN)),
        Mistake("sign", "sign flipped",  # (as the generic one, and now with its line)
                f"Every value is minus the right one (the rule is {rule}): a minus crept "
                "in, or a term was turned round. Check the sign at a point where it is easy "
                "to know, as the statement says.",
                lambda x, y: -reference(x, y), where=(name, RETURN)),
    )
    return Exercise(
        number=number, name=name, title=title, level=1, params="x, y",
        statement=statement,
        starter=starter(name, "x, y", f"x is the input, y = {output} the output. Return "
                                       "dy/dx."),
        domain=f"x in [{lo:g}, {hi:g}]{kink_text}, in float64",
        cases=C.points(["x"], [C.interval(lo, hi, kinks)], forward, output),
        call=C.call_rule(["answer"]), reference=reference,
        mistakes=(*mistakes, *common), forward=forward,
        examples=tuple(C.point(["x"], [x], forward, output) for x in examples),
        exact=C.exact_points(["x"], [interval], forward, output, kinks),
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
    starter=starter("d_mul", "a, b, y", "y = a * b. Return (dy/da, dy/db)."),
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
    exact=C.exact_points(["a", "b"], [(-3, 3)] * 2, lambda a, b: a * b, "a * b"),
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
    starter=starter("chain_rule", "x, y", "f = (x + y) * (x - y). Return (df/dx, df/dy)."),
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
    exact=C.exact_points(["x", "y"], [(-3, 3)] * 2),
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
    rule="dy/dx = 1/x", x_rule="1/x", examples=(2.0, 0.5), mistakes=(
        Mistake("factor", "1/x squared, not 1/x",
                "The derivative of log x is 1/x, to the first power: 1/x**2 is the slope of "
                "-1/x, not of log (at x = 2, log's slope is 0.5, not 0.25).",
                lambda x, y: 1 / x**2, where=("d_log", RETURN)),))

TANH = _unary(5, "d_tanh", "the derivative of tanh", """
Write the derivative rule of y = tanh(x). Written with x, it is 1 - tanh²(x).
The rule gets y = tanh(x) already computed: use it rather than computing tanh again.

At x = 0 the slope is 1; far from 0, tanh flattens out and its slope goes to 0.
""", forward=math.tanh, output="tanh(x)", interval=(-2.0, 2.0), reference=A.d_tanh,
    rule="1 - y·y", x_rule="1 - tanh²(x)", examples=(1.0, -0.5), mistakes=(
        Mistake("factor", "a factor y missing: 1 - y instead of 1 - y·y",
                "tanh²(x) is y·y; one of the two factors of y is missing.",
                A.tanh_factor_missing),
    ))

SIGMOID = _unary(6, "d_sigmoid", "the derivative of sigmoid", """
Write the derivative rule of y = sigmoid(x) = 1 / (1 + exp(-x)). Written with x, it is
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
        Mistake("sign", "y·(1 + y): a plus where 1 - y has a minus",
                "σ'(x) = σ(x)·(1 - σ(x)): the second factor is 1 - y, which shrinks as y "
                "grows; 1 + y makes the slope grow with y (at x = 0: 0.75, where it is 0.25).",
                A.sigmoid_plus_y, where=("d_sigmoid", RETURN)),
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
    starter=starter("d_div", "a, b, y", "y = a / b. Return (dy/da, dy/db)."),
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
    exact=C.exact_points(["a", "b"], [(-3, 3), (0.5, 3)], lambda a, b: a / b, "a / b"),
)

POW = Exercise(
    number=9, name="d_pow", title="the local derivatives of a ** b", level=2, params="a, b, y",
    statement="""
For y = a ** b with a > 0, return the pair (dy/da, dy/db). The engine's ** sends a gradient
to the exponent too when the exponent is a Value.

dy/da: the power rule, b is fixed. dy/db: now a is fixed and b is in the exponent, so y is
an exponential function of b: a**b = exp(b·ln a). Use math.log for ln.
""",
    starter=starter("d_pow", "a, b, y", "y = a ** b (a > 0). Return (dy/da, dy/db)."),
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
    exact=C.exact_points(["a", "b"], [(0.5, 2.5), (-2.5, 2.5)], lambda a, b: a**b, "a ** b"),
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
    starter=starter("central_difference", "f, x, h",
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
    examples=(N.Slope(N.FUNCTIONS[2], 1.0, 0.1),),
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
    starter=starter("relative_error", "analytic, numeric",
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
    examples=(N.Vectors((1.0, 2.0), (2.0, 1.0)),),
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
    starter=starter("sgd_step", "params, lr",
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

# ----------------------------------------------------------------------------- 16-17: layers


# The worked examples of the exercises on arrays are functions that make their arrays
# (N.Arrays calls them when first used): NumPy is imported only where those are graded.

def _worked_logits() -> N.NamedArrays:
    """The worked example: softmax gives [0.2, 0.7, 0.1], the label is class 1."""
    import numpy as np

    return (("Z", np.log([[0.2, 0.7, 0.1]])), ("Y", np.array([[0.0, 1.0, 0.0]])))


def _square_logits() -> N.NamedArrays:
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
    starter=starter("d_softmax_cross_entropy", "Z, Y",
                     "Z: logits (batch×classes), Y: one-hot labels. Return dL/dZ."),
    domain="Z of shape (1-4)×(2-4), as many classes as examples among them, with entries "
           "in [-4, 4], one-hot Y",
    cases=C.logits(), call=C.call_rule_arrays(["dZ"]), parts=("dZ",),
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
    examples=(N.Arrays(_worked_logits), N.Arrays(_square_logits)), arrays=True,
    exact=C.exact_arrays([("Z", (3, 4)), ("Y", (3, 4))], one_hot="Y"),
)


def _worked_dense() -> N.NamedArrays:
    """X (10×3), W (3×4), b (1×4), dZ (10×4), with fixed numbers."""
    import numpy as np

    grid = np.linspace(-1.0, 1.0, 120)
    return (("X", grid[:30].reshape(10, 3)), ("W", grid[30:42].reshape(3, 4)),
            ("b", grid[42:46].reshape(1, 4)), ("dZ", grid[46:86].reshape(10, 4)))


def _square_dense() -> N.NamedArrays:
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
    starter=starter("dense_backward", "X, W, b, dZ",
                     "Z = X @ W + b. Given dZ = dL/dZ, return (dX, dW, db)."),
    domain="B, in, out from 1 to 4, square and not; entries in [-2, 2]; also X (10×3), "
           "W (3×4)",
    cases=C.dense_inputs(), call=C.call_rule_arrays(["dX", "dW", "db"]),
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
    examples=(N.Arrays(_worked_dense), N.Arrays(_square_dense)), arrays=True,
    max_examples=60, probe_examples=25,
    exact=C.exact_arrays([("X", (3, 2)), ("W", (2, 4)), ("b", (1, 4)), ("dZ", (3, 4))]),
)

EXERCISES: dict[str, Exercise] = {
    ex.name: ex for ex in (MUL, CHAIN, EXP, LOG, TANH, SIGMOID, RELU, DIV, POW, CENTRAL,
                           RELATIVE, SGD, STEP, TOPO, BACKWARD, SOFTMAX, DENSE, VALUE, PATHS)
}
"""Every exercise by the name of the function it asks for, easiest first."""
