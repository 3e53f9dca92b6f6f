"""tinygrad_edu.exercises.diagnoses: every diagnosis is proven by submitting exactly that
mistake, the examples alone catch every mistake diagnosed, and a wrong answer that matches no
mistake is not misnamed: the verdict says so, and which parts differ."""

import pytest

from tests.exercises.learners import Shows, assert_shows, solution
from tests.exercises.wrong_answers import wrong
from tinygrad_edu import walk
from tinygrad_edu.exercises import EXERCISES, check

# (exercise, the learner's code, the diagnosed key, words of the title, the part or None)
MISTAKES = [
    ("d_mul", "def d_mul(a, b, y): return a, b", "swapped", "swapped", None),
    ("d_mul", "def d_mul(a, b, y): return -b, a", "sign", "sign flipped", "dy/da"),
    ("d_mul", "def d_mul(a, b, y): return b, 2 * a", "factor", "doubled", "dy/db"),
    ("chain_rule", """
        def chain_rule(x, y):
            a, b = x + y, x - y
            dx = b * 1      # through a
            dx = a * 1      # through b: = where += was needed
            dy = b * 1
            dy = a * -1
            return dx, dy
     """, "assign", "`=` instead of `+=`", "df/dx, df/dy"),
    ("chain_rule", """
        def chain_rule(x, y):
            a, b = x + y, x - y
            dx = a * 1      # through b
            dx = b * 1      # through a: = where += was needed
            dy = a * -1
            dy = b * 1
            return dx, dy
     """, "assign", "`=` instead of `+=`", "df/dx, df/dy"),
    ("chain_rule", """
        def chain_rule(x, y):
            dx = 0.0
            dy = 0.0
            dx += 1          # da/dx, without df/da
            dx += 1          # db/dx, without df/db
            dy += 1
            dy += -1
            return dx, dy
     """, "upstream", "upstream gradient not multiplied", "df/dx, df/dy"),
    # from f = x² - y², with rounding unlike the reference's (b + a, b - a): the generic
    # diagnoses compare within the tolerance, not exactly
    ("chain_rule", "def chain_rule(x, y): return 2 * x, 2 * y", "sign", "sign flipped",
     "df/dy"),
    ("chain_rule", "def chain_rule(x, y): return 4 * x, -4 * y", "factor", "doubled",
     "df/dx, df/dy"),
    ("d_exp", "def d_exp(x, y): return x", "in_out", "input x used where the output", None),
    ("d_exp", "def d_exp(x, y): return -y", "sign", "sign flipped", None),
    ("d_log", "def d_log(x, y): return 1 / y", "in_out", "output y used where the input",
     None),
    ("d_log", "def d_log(x, y): return math.log(x)", "value", "value instead of its slope", None),
    ("d_log", "def d_log(x, y): return 1 / x ** 2", "factor", "1/x squared, not 1/x", None),
    ("d_tanh", "def d_tanh(x, y): return 1 - x**2", "in_out", "input x used where the output",
     None),
    # the rule written with x, given y: the slope at the output
    ("d_tanh", "def d_tanh(x, y): return 1 - math.tanh(y) ** 2", "in_out",
     "output y used where the input", None),
    ("d_exp", "def d_exp(x, y): return math.exp(y)", "in_out", "output y used where the input",
     None),
    ("d_sigmoid", """
        def d_sigmoid(x, y):
            s = 1 / (1 + math.exp(-y))
            return s * (1 - s)
     """, "in_out", "output y used where the input", None),
    ("d_tanh", "def d_tanh(x, y): return 1 - y", "factor", "a factor y missing", None),
    ("d_tanh", "def d_tanh(x, y): return 2 * (1 - y * y)", "factor", "doubled", None),
    ("d_tanh", "def d_tanh(x, y): return y * y - 1", "sign", "sign flipped", None),
    ("d_tanh", "def d_tanh(x, y): return math.tanh(x)", "value", "value instead of its slope",
     None),
    ("d_sigmoid", "def d_sigmoid(x, y): return x * (1 - x)", "in_out",
     "input x used where the output", None),
    ("d_sigmoid", "def d_sigmoid(x, y): return y", "factor", "missing: (1 - y)", None),
    ("d_sigmoid", "def d_sigmoid(x, y): return 1 - y", "factor", "missing: y", None),
    ("d_sigmoid", "def d_sigmoid(x, y): return y * (1 - y) / 2", "factor", "halved", None),
    # before, "No common mistake matches your answers"
    ("d_sigmoid", "def d_sigmoid(x, y): return y * (1 + y)", "sign", "y·(1 + y): a plus "
     "where 1 - y has a minus", None),
    ("d_relu", "def d_relu(x, y): return 1.0 if x < 0 else 0.0", "sides", "sides", None),
    ("d_relu", "def d_relu(x, y): return -1.0 if x > 0 else 0.0", "sign", "sign flipped", None),
    ("d_div", wrong("d_div", "factor a missing"), "factor", "factor a missing",
     "dy/db"),
    ("d_div", wrong("d_div", "b not squared"), "factor", "factor 1/b missing",
     "dy/db"),
    ("d_div", wrong("d_div", "sign of dy/db"), "sign", "sign flipped", "dy/db"),
    ("d_pow", wrong("d_pow", "factor b missing"), "factor",
     "factor b missing", "dy/da"),
    ("d_pow", wrong("d_pow", "power not lowered"), "factor",
     "a factor a too many", "dy/da"),
    ("d_pow", wrong("d_pow", "ln a missing"), "factor", "ln a missing",
     "dy/db"),
    ("d_pow", wrong("d_pow", "y missing"), "factor",
     "y = a**b missing", "dy/db"),
    ("d_pow", wrong("d_pow", "power rule for the exponent"), "rule",
     "power rule used for the exponent", "dy/db"),
    ("central_difference", wrong("central_difference", "forward"),
     "one_sided", "forward", None),
    ("central_difference", wrong("central_difference", "backward"),
     "one_sided", "backward", None),
    ("central_difference", wrong("central_difference", "not divided"),
     "factor", "not divided by 2h", None),
    ("central_difference", "def central_difference(f, x, h): return (f(x+h) - f(x-h)) / h",
     "factor", "doubled", None),
    ("central_difference", """
        def central_difference(f, x, h):
            eps = 1e-5  # a step of one's own
            return (f(x + eps) - f(x - eps)) / (2 * eps)
     """, "step", "a step of your own", None),
    ("central_difference", """
        def central_difference(f, x, h):
            h = 1e-4  # a step of its own
            return (f(x + h) - f(x - h)) / (2 * h)
     """, "step", "a step of your own", None),
    ("relative_error", """
        def relative_error(analytic, numeric):
            return np.linalg.norm(np.array(analytic) - np.array(numeric))
     """, "denominator", "absolute error", None),
    ("relative_error", wrong("relative_error", "over the analytic norm"),
     "denominator", "‖analytic‖ only", None),
    ("relative_error", """
        def relative_error(analytic, numeric):
            a, n = np.array(analytic), np.array(numeric)
            return np.sum(np.abs(a - n)) / (np.sum(np.abs(a)) + np.sum(np.abs(n)))
     """, "norm", "absolute values", None),
    ("sgd_step", wrong("sgd_step", "uphill"), "sign", "uphill", None),
    ("sgd_step", wrong("sgd_step", "no lr"), "factor", "learning rate missing", None),
    ("sgd_step", wrong("sgd_step", "= for -="), "assign", "old value is lost", None),
    ("sgd_step", wrong("sgd_step", "grad moved"), "no_change", "no parameter moved", None),
    ("backward_step", wrong("backward_step", "= for +="),
     "assign", "a reused node loses a path", None),
    ("backward_step", wrong("backward_step", "no upstream"),
     "upstream", "upstream gradient not multiplied", None),
    ("backward_step", wrong("backward_step", "data for grad"), "data_grad", "node.data used", None),
    ("backward_step", wrong("backward_step", "no local derivative"),  # (before: no mistake)
     "local", "local derivative not multiplied", None),
    ("topological_sort", wrong("topological_sort", "no visited set"),
     "duplicates", "more than once", None),
    ("topological_sort", wrong("topological_sort", "reversed"), "reversed", "reversed", None),
    ("topological_sort", """
        def topological_sort(root):
            return [v for v in walk(root) if v.parents]   # the leaves forgotten
     """, "missing", "missing", None),
    ("topological_sort", """
        def topological_sort(root):
            order, seen = [], set()
            def visit(v):
                if v in seen:
                    return
                seen.add(v)
                order.append(v)   # appended before its parents
                for p in v.parents:
                    visit(p)
            visit(root)
            return order[::-1]
     """, "order", "before one of its parents", None),
    ("backward", wrong("backward", "= for +="), "assign", "a reused node loses a path", None),
    ("backward", wrong("backward", "no upstream"),
     "upstream", "upstream gradient not multiplied", None),
    ("backward", """
        def backward(root):
            root.grad = 1.0
            for node in reversed(walk(root)):
                for parent, local in zip(node.parents, node.local_grads):
                    parent.grad += node.grad      # (before: no mistake matched)
     """, "local", "local derivative not multiplied", None),
    ("backward", wrong("backward", "not reversed"), "order", "not reversed", None),
    ("backward", wrong("backward", "root never seeded"), "seed", "not seeded", None),
    ("d_softmax_cross_entropy", wrong("d_softmax_cross_entropy", "Y not subtracted"),
     "term", "Y not subtracted", None),
    ("d_softmax_cross_entropy", """
        def d_softmax_cross_entropy(Z, Y):
            e = np.exp(Z)
            return (e / e.sum(axis=1, keepdims=True) - Y) / Z.shape[0]
     """, "factor", "batch size", None),
    ("d_softmax_cross_entropy", """
        def d_softmax_cross_entropy(Z, Y):
            e = np.exp(Z)
            return e / e.sum(axis=0, keepdims=True) - Y
     """, "axis", "columns", None),
    ("d_softmax_cross_entropy", wrong("d_softmax_cross_entropy", "the whole batch"),
     "axis", "whole batch", None),
    ("d_softmax_cross_entropy", wrong("d_softmax_cross_entropy", "keepdims forgotten"),
     "shape", "keepdims", None),
    ("d_softmax_cross_entropy", wrong("d_softmax_cross_entropy", "sign"),
     "sign", "sign flipped", None),
    ("d_softmax_cross_entropy", wrong("d_softmax_cross_entropy", "transposed"),
     "shape", "transposed", None),
    ("dense_backward", wrong("dense_backward", "batch sum forgotten"),
     "batch_sum", "batch sum forgotten", "db"),
    ("dense_backward", wrong("dense_backward", "dW transposed"), "shape", "transposed", "dW"),
    ("dense_backward", wrong("dense_backward", "keepdims forgotten"),
     "shape", "right numbers, wrong shape", "db"),
    ("dense_backward", wrong("dense_backward", "wrong axis"), "shape", "wrong axis", "db"),
    ("dense_backward", wrong("dense_backward", "a mean for a sum"), "factor", "averaged", "db"),
    ("dense_backward", wrong("dense_backward", "dW over the batch size"),
     "factor", "batch size", "dW"),
    ("dense_backward", """
        def dense_backward(X, W, b, dZ):
            return dZ @ W.T, (X.T @ dZ)[:1], dZ.sum(axis=0, keepdims=True)
     """, "shape", "wrong shape", "dW"),
    ("dense_backward", wrong("dense_backward", "W not transposed"), "shape", "", None),
]


# the diagnoses added for the wrong answers of the catalog, proven on them
MISTAKES += [
    ("sgd_step", wrong("sgd_step", "doubled lr"), "factor", "a step twice too long", None),
    ("sgd_step", wrong("sgd_step", "return in the loop"), "first_only",
     "only the first parameter moved", None),
    ("sgd_step", wrong("sgd_step", "loop variable rebound"), "no_change",
     "no parameter moved", None),
    ("sgd_step", wrong("sgd_step", "data for grad"), "data_grad", "p.data used", None),
    ("central_difference", wrong("central_difference", "precedence"), "precedence",
     "multiplied by h instead of divided by 2h", None),
    ("relative_error", wrong("relative_error", "the norm of the sum"), "denominator",
     "‖analytic + numeric‖", None),
    ("relative_error", wrong("relative_error", "squared norms"), "norm", "squared norms",
     None),
    ("backward", wrong("backward", "pre-order"), "order", "pre-order", None),
    ("backward", wrong("backward", "pre-order, last parent first"), "order", "pre-order",
     None),
    ("backward", wrong("backward", "no topological order"), "order", "pre-order", None),
    ("backward", wrong("backward", "breadth-first"), "order", "breadth-first", None),
    ("backward", wrong("backward", "recursion once per path"), "order", "once per path",
     None),
    ("backward", wrong("backward", "a sort of its own with no visited set"), "visited",
     "listed once per path", None),
    ("backward", wrong("backward", "a sort with a stack and no visited set"), "visited",
     "listed once per path", None),
]

# `=` for `+=` whatever order the learner's own sort visits the nodes in (issue 67: only
# walk's order was named; a stack pushing the parents in order got "No common mistake")
MISTAKES += [
    ("backward", """
        def backward(root):
            order, seen, stack = [], set(), [(root, False)]
            while stack:
                node, done = stack.pop()
                if done:
                    order.append(node)
                elif node not in seen:
                    seen.add(node)
                    stack.append((node, True))
                    for p in node.parents:   # the last parent comes off first
                        stack.append((p, False))
            root.grad = 1.0
            for node in reversed(order):
                for p, g in zip(node.parents, node.local_grads):
                    p.grad = g * node.grad
     """, "assign", "a reused node loses a path", None),
    ("backward", """
        def backward(root):
            order, seen = [], set()
            def visit(v):
                if v not in seen:
                    seen.add(v)
                    for p in reversed(v.parents):
                        visit(p)
                    order.append(v)
            visit(root)
            root.grad = 1.0
            for v in order[::-1]:
                for p, g in zip(v.parents, v.local_grads):
                    p.grad = g * v.grad
     """, "assign", "a reused node loses a path", None),
    ("backward", """
        def backward(root):   # Kahn's order: a node once every node made from it is done
            nodes = walk(root)
            users = {id(v): 0 for v in nodes}
            for v in nodes:
                for p in set(map(id, v.parents)):
                    users[p] += 1
            ready, root.grad = [root], 1.0
            while ready:
                v = ready.pop(0)
                for p, g in zip(v.parents, v.local_grads):
                    p.grad = g * v.grad
                for p in {id(q): q for q in v.parents}.values():
                    users[id(p)] -= 1
                    if users[id(p)] == 0:
                        ready.append(p)
     """, "assign", "a reused node loses a path", None),
]


MISTAKE_IDS = [f"{m[0]}-{m[2]}-{i}" for i, m in enumerate(MISTAKES)]
NAMED = [k for k, m in enumerate(MISTAKES) if all(n[:3:2] != m[:3:2] for n in MISTAKES[:k])]
"""The mistakes CI grades: the first of each exercise's each kind (``key``); the long tier
grades every one."""


@pytest.mark.parametrize("name, source, key, title, part", [MISTAKES[k] for k in NAMED],
                         ids=[MISTAKE_IDS[k] for k in NAMED])
@pytest.mark.slow
def test_the_first_mistake_of_each_kind_is_named(name, source, key, title, part):
    a_mistake_is_named(name, source, key, title, part)


@pytest.mark.parametrize("name, source, key, title, part", MISTAKES, ids=MISTAKE_IDS)
@pytest.mark.long(sibling="test_the_first_mistake_of_each_kind_is_named")
def test_each_mistake_is_named(name, source, key, title, part):
    a_mistake_is_named(name, source, key, title, part)


def a_mistake_is_named(name, source, key, title, part):
    verdict = check(name, solution(source, name))
    assert not verdict.passed
    text = str(verdict)
    assert verdict.keys and verdict.keys[0] == key, text
    assert title in verdict.diagnosis.title, text
    assert verdict.diagnosis.everywhere, text
    if part is not None:
        assert verdict.diagnosis.part == part, text
    assert "diagnosis" in text and verdict.diagnosis.title in text
    assert "No common mistake" not in text


@pytest.mark.parametrize("name, source", [(m[0], m[1]) for m in MISTAKES],
                         ids=[f"{m[0]}-{m[2]}-{i}" for i, m in enumerate(MISTAKES)])
def test_the_examples_alone_catch_every_diagnosed_mistake(name, source):
    """Every exercise always tries the smallest input on which each of its classic mistakes
    shows: those alone reject every mistake it diagnoses."""
    from tinygrad_edu.exercises.running import attempt

    ex = EXERCISES[name]
    learner = solution(source, name)
    assert not all(attempt(ex, learner, case).ok for case in ex.examples)


# micrograd's search with a list of visited nodes: `in` compares Values as nodes (==, as in
# micrograd), so it works here as there
VISITED_LIST = """
    def topological_sort(root):
        order, visited = [], []
        def build(v):
            if v not in visited:
                visited.append(v)
                for p in v.parents:
                    build(p)
                order.append(v)
        build(root)
        return order
 """

NO_MISTAKE = Shows(keys=(), words=("No common mistake matches",))


@pytest.mark.parametrize("name, answer, shows", [
    pytest.param("topological_sort", VISITED_LIST, Shows(passed=True, words=("passed",)),
                 id="a list of visited nodes works, as in micrograd"),
    pytest.param("topological_sort", """
        def topological_sort(root):
            return [v for v in walk(root) if v.parents]
     """, Shows(keys=("missing",), also=lambda v: v.diagnosis.everywhere),
        id="where nodes go missing, that is said"),
    # dZ @ W has the wrong shape unless in = out, where it gives the wrong numbers: both are
    # named as shape mistakes, never as something else
    pytest.param("dense_backward", wrong("dense_backward", "W not transposed"), Shows(
        also=lambda v: v.diagnosis.title in ("wrong shape", "W not transposed")),
        id="dX with W not transposed is a shape error or the named one"),
    # the input shown has both parts wrong (hypothesis's simplest has db right: batch 1)
    pytest.param("dense_backward", """
        def dense_backward(X, W, b, dZ):
            return dZ @ W.T, dZ.T @ X, dZ
    """, Shows(diagnosed=[("dW", "shape"), ("db", "batch_sum")],
               words=("dW: expected  ✗", "db: expected  ✗")),
        id="two mistakes in two parts are both named"),
    # d_mul returning (b, b): dy/db = b is what "the two derivatives swapped" gives, but that
    # mistake also gives dy/da = a, and this answer's dy/da is right: no mistake is named, and
    # the verdict says which part differs
    pytest.param("d_mul", lambda a, b, y: (b, b), Shows(
        words=("No common mistake matches dy/db (dy/da is right on every input tried)",),
        never=("swapped", "diagnosis")), id="where nothing matches, which parts differ"),
    pytest.param("d_div", lambda a, b, y: (-1 / b, -a / b**3), Shows(
        diagnosed=[("dy/da", "sign")], words=("No common mistake matches dy/db;",)),
        id="a mistake in one part named, the other said to match nothing"),
    pytest.param("d_tanh", lambda x, y: 1.01 * (1 - y * y), Shows(keys=("factor",),
                                                                 title="1.01"),
                 id="a rule one percent off is a constant factor"),
    pytest.param("dense_backward", """
        def dense_backward(X, W, b, dZ):
            dW = np.ones((X.shape[1] + 1, 1)) @ np.ones((2, W.shape[1]))  # never fits
            return dZ @ W.T, dW, dZ.sum(axis=0, keepdims=True)
     """, Shows(keys=("shape",), words=("NumPy could not combine two of your arrays",),
                also=lambda v: v.failure.error is not None),
        id="a shape error raised by NumPy is a wrong shape"),
    pytest.param("d_tanh", EXERCISES["d_tanh"].starter, Shows(
        keys=("todo",), words=("NotImplementedError",)), id="a starter not filled in"),
    # wrong answers that match no mistake are not misnamed
    pytest.param("d_tanh", lambda x, y: 1 - y**3, NO_MISTAKE, id="not misnamed-d_tanh-0"),
    # right on part of the domain, and there unlike the mistake it matches elsewhere
    pytest.param("d_tanh", lambda x, y: 1 - x * x if x > 1 else 1 - y * y, NO_MISTAKE,
                 id="not misnamed-d_tanh-1"),
    # agrees with "sides swapped" only where it is wrong
    pytest.param("d_relu", lambda x, y: 0.0, NO_MISTAKE, id="not misnamed-d_relu"),
    pytest.param("d_sigmoid", lambda x, y: y * (1 - y) + 0.01 * x, NO_MISTAKE,
                 id="not misnamed-d_sigmoid"),
    pytest.param("d_mul", lambda a, b, y: (b, a + 1), NO_MISTAKE, id="not misnamed-d_mul-0"),
    # dy/db = b as in "swapped", but dy/da is not a
    pytest.param("d_mul", lambda a, b, y: (b, b), NO_MISTAKE, id="not misnamed-d_mul-1"),
    pytest.param("d_div", lambda a, b, y: (1 / b, -a / b**3), NO_MISTAKE,
                 id="not misnamed-d_div"),
    pytest.param("backward", lambda root: [setattr(v, "grad", 1.0) for v in walk(root)],
                 NO_MISTAKE, id="not misnamed-backward"),
    pytest.param("dense_backward", lambda X, W, b, dZ: (dZ @ W.T, X.T @ dZ + 1,
                                                        dZ.sum(0, keepdims=True)),
                 NO_MISTAKE, id="not misnamed-dense_backward"),
])
def test_the_mistake_made_is_named_and_no_other(name, answer, shows):
    """The verdict names the mistake that the answer makes (or each, part by part), and
    says plainly that none matches where none does."""
    learner = solution(answer, name) if isinstance(answer, str) else answer
    assert_shows(check(name, learner), shows)


def test_the_issues_pre_order_backward_fails_where_x_grad_is_20_not_36():
    """v1 = x·x, v2 = v1 + 1, f = v1·v2 at x = 2: a pre-order backward gives 20, not 36."""
    from tinygrad_edu.exercises.running import attempt

    learner = solution(wrong("backward", "pre-order"), "backward")
    case = next(c for c in EXERCISES["backward"].examples if str(c).startswith("x = 2.0; c"))
    outcome = attempt(EXERCISES["backward"], learner, case)
    assert (outcome.expected[0][0], outcome.got[0][0]) == (36.0, 20.0)
    assert check("backward", learner).keys == ("order",)
