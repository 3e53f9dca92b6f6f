"""The mistakes learners make building microgpt, each as a solution that makes exactly it.

The grader runs each of these on the inputs it tried and names a mistake only when it gives
the learner's answers on every one (``diagnoses.py``). A node's mistakes are the reference
``Value`` with one line changed (``_node``); a stage's are the reference with that stage's
one slip, calling the references of the other stages.
"""

from __future__ import annotations

import math
from typing import Any

from tinygrad_edu.exercises.microgpt import reference as R
from tinygrad_edu.exercises.microgpt.reference import linear, rmsnorm, softmax

__all__: list[str] = []  # the grader's inner workings

# ----------------------------------------------------------------------------- the node


def _node(*changes: tuple[str, str]) -> type:
    """The reference ``Value`` with each ``(old, new)`` line of its source changed."""
    source = R.source_of(R.Value)
    for old, new in changes:
        assert source.count(old) == 1, f"the reference Value has no single line {old!r}"
        source = source.replace(old, new)
    namespace: dict[str, Any] = {"__name__": "tinygrad_edu.exercises.microgpt.mistakes"}
    exec(compile(source, "<a mistaken Value>", "exec"), namespace)
    made: type = namespace["Value"]
    return made


_RECURSIVE = '''
    def backward(self):
        order, seen = [], set()

        def visit(node):
            {body}

        visit(self)
        self.grad = 1
        for node in reversed(order):
            for child, local in zip(node._children, node._local_grads):
                child.grad += local * node.grad
'''


def _backward(body: str) -> tuple[str, str]:
    """A change that writes ``backward`` with a recursive ``visit(node)`` of ``body``."""
    source = R.source_of(R.Value)
    start = source.index("    def backward(self)")
    return source[start:], _RECURSIVE.format(body=body.strip().replace("\n", "\n" + " " * 12))


_ASSIGN = ("child.grad += local * node.grad", "child.grad = local * node.grad")
_BUILD_TOPO = """
if id(node) not in seen:
    seen.add(id(node))
    for child in node._children:
        visit(child)
    order.append(node)"""
NODE_ASSIGNS = _node(_ASSIGN)
NODE_ASSIGNS_RECURSIVE = _node(_backward(_BUILD_TOPO), _ASSIGN)  # (microgpt's own order)
NODE_WITHOUT_UPSTREAM = _node(("local * node.grad", "local"))
NODE_WITHOUT_LOCAL = _node(("local * node.grad", "node.grad"))
NODE_NOT_REVERSED = _node(("for node in reversed(order):", "for node in order:"))
NODE_UNSEEDED = _node(("        self.grad = 1\n", ""))
NODE_NO_VISITED = _node(_backward("""
for child in node._children:
    visit(child)
order.append(node)"""))
NODE_NO_VISITED_STACK = _node((  # (the reference's own sort, with a stack, less its set)
    "            elif id(node) not in seen:\n                seen.add(id(node))\n",
    "            else:\n"))
NODE_MUL_SWAPPED = _node(("(other.data, self.data)", "(self.data, other.data)"))
NODE_POW_WITHOUT_K = _node(("(k * self.data ** (k - 1),)", "(self.data ** (k - 1),)"))
NODE_POW_NOT_LOWERED = _node(("(k * self.data ** (k - 1),)", "(k * self.data**k,)"))
NODE_LOG_VALUE = _node(("(1 / self.data,)", "(math.log(self.data),)"))
NODE_LOG_SQUARED = _node(("(1 / self.data,)", "(1 / self.data**2,)"))
NODE_EXP_INPUT = _node(("return Value(e, (self,), (e,))", "return Value(e, (self,), (self.data,))"))
NODE_RELU_ONE = _node(("(float(self.data > 0),)", "(1,)"))
NODE_RSUB_REVERSED = _node(("return other + (-self)", "return self + (-other)"))
NODE_SUB_PLUS = _node(("return self + (-other)", "return self + other"))
NODE_RTRUEDIV_REVERSED = _node(("return other * self**-1", "return self * other**-1"))
NODE_NEG_ONE = _node(("return self * -1", "return self * 1"))
NODE_POW_SIGN = _node(("(k * self.data ** (k - 1),)", "(-k * self.data ** (k - 1),)"))
NODE_LOG_SIGN = _node(("(1 / self.data,)", "(-1 / self.data,)"))
NODE_EXP_SIGN = _node(("return Value(e, (self,), (e,))", "return Value(e, (self,), (-e,))"))
NODE_RELU_SIGN = _node(("(float(self.data > 0),)", "(-float(self.data > 0),)"))

# ----------------------------------------------------------------------------- .data


def from_data(stage: Any) -> Any:
    """The reference ``stage`` with every output made again from its ``.data``: the right
    numbers, and nothing behind them for backward to reach (a stage that computed its
    outputs from plain numbers)."""
    def made_from_data(*args: Any) -> Any:
        return _remade(stage(*args))

    made_from_data.__name__ = f"{stage.__name__}_from_data"
    return made_from_data


def _remade(out: Any) -> Any:
    if isinstance(out, (list, tuple)):
        return [_remade(o) for o in out]
    return type(out)(out.data)


# ----------------------------------------------------------------------------- linear


def linear_transposed(x: list[Any], w: list[list[Any]]) -> list[Any]:
    return [sum(w[i][j] * x[i] for i in range(len(x))) for j in range(len(w))]


def linear_first_row(x: list[Any], w: list[list[Any]]) -> list[Any]:
    return [sum(wi * xi for wi, xi in zip(w[0], x)) for _ in w]


def linear_first_term(x: list[Any], w: list[list[Any]]) -> list[Any]:
    return [row[0] * x[0] for row in w]


def linear_last_term(x: list[Any], w: list[list[Any]]) -> list[Any]:
    out = []
    for row in w:
        for wi, xi in zip(row, x):
            total = wi * xi  # (= where += was meant: each product replaces the one before)
        out.append(total)
    return out


def linear_last_dropped(x: list[Any], w: list[list[Any]]) -> list[Any]:
    out = []
    for row in w:
        total = row[0] * x[0]
        for i in range(1, len(x) - 1):  # (one short: the last product left out)
            total += row[i] * x[i]
        out.append(total)
    return out


def linear_w_data(x: list[Any], w: list[list[Any]]) -> list[Any]:
    return [sum(wi.data * xi for wi, xi in zip(row, x)) for row in w]


def linear_x_data(x: list[Any], w: list[list[Any]]) -> list[Any]:
    return [sum(wi * xi.data for wi, xi in zip(row, x)) for row in w]


# ----------------------------------------------------------------------------- softmax


def softmax_unstable(logits: list[Any]) -> list[Any]:
    exps = [v.exp() for v in logits]
    total = sum(exps)
    return [e / total for e in exps]


def softmax_over_logits(logits: list[Any]) -> list[Any]:
    top = max(v.data for v in logits)
    exps = [(v - top).exp() for v in logits]
    total = sum(logits)
    return [e / total for e in exps]


def softmax_total_of_data(logits: list[Any]) -> list[Any]:
    top = max(v.data for v in logits)
    exps = [(v - top).exp() for v in logits]
    total = sum(e.data for e in exps)
    return [e / total for e in exps]


def softmax_not_normalised(logits: list[Any]) -> list[Any]:
    top = max(v.data for v in logits)
    return [(v - top).exp() for v in logits]


def softmax_exps_alone(logits: list[Any]) -> list[Any]:
    return [v.exp() for v in logits]


# ----------------------------------------------------------------------------- nll


def nll_without_minus(logits: list[Any], target: int) -> Any:
    return softmax(logits)[target].log()


def nll_of_logits(logits: list[Any], target: int) -> Any:
    return -logits[target].log()


def nll_without_log(logits: list[Any], target: int) -> Any:
    return -softmax(logits)[target]


# ----------------------------------------------------------------------------- rmsnorm


def rmsnorm_without_eps(x: list[Any]) -> list[Any]:
    scale = (sum(xi * xi for xi in x) / len(x)) ** -0.5
    return [xi * scale for xi in x]


def rmsnorm_eps_outside(x: list[Any]) -> list[Any]:
    scale = (sum(xi * xi for xi in x) / len(x)) ** -0.5 + 1e-5
    return [xi * scale for xi in x]


def rmsnorm_eps_outside_root(x: list[Any]) -> list[Any]:
    root = (sum(xi * xi for xi in x) / len(x)) ** 0.5
    return [xi / (root + 1e-5) for xi in x]


def rmsnorm_sum_not_mean(x: list[Any]) -> list[Any]:
    scale = (sum(xi * xi for xi in x) + 1e-5) ** -0.5
    return [xi * scale for xi in x]


def rmsnorm_over_n_minus_1(x: list[Any]) -> list[Any]:
    scale = (sum(xi * xi for xi in x) / (len(x) - 1) + 1e-5) ** -0.5
    return [xi * scale for xi in x]


def rmsnorm_without_sqrt(x: list[Any]) -> list[Any]:
    scale = (sum(xi * xi for xi in x) / len(x) + 1e-5) ** -1
    return [xi * scale for xi in x]


def rmsnorm_mean_subtracted(x: list[Any]) -> list[Any]:
    mean = sum(x) / len(x)
    centred = [xi - mean for xi in x]
    scale = (sum(c * c for c in centred) / len(x) + 1e-5) ** -0.5
    return [c * scale for c in centred]


def rmsnorm_scale_of_data(x: list[Any]) -> list[Any]:
    scale = (sum(xi.data * xi.data for xi in x) / len(x) + 1e-5) ** -0.5
    return [xi * scale for xi in x]


def rmsnorm_unsquared(x: list[Any]) -> list[Any]:
    scale = (sum(x) / len(x) + 1e-5) ** -0.5
    return [xi * scale for xi in x]


# ----------------------------------------------------------------------------- attention


def _attention(q: list[list[Any]], k: list[list[Any]], v: list[list[Any]], *,
               seen: Any = lambda t, n: range(t + 1), scale: Any = math.sqrt,
               values: str = "v", data: bool = False) -> list[list[Any]]:
    """The reference head, with which positions each position sees (``seen``), what the
    scores are divided by (``scale(d)``), which rows are averaged (``values``) and whether
    the weights are plain numbers (``data``: their ``.data``)."""
    d = len(q[0])
    rows = v if values == "v" else k
    out = []
    for t in range(len(q)):
        keys = list(seen(t, len(q)))
        scores = [sum(a * b for a, b in zip(q[t], k[s])) / scale(d) for s in keys]
        weights = softmax(scores)
        if data:
            weights = [w.data for w in weights]
        out.append([sum(w * rows[s][j] for w, s in zip(weights, keys))
                    for j in range(len(rows[0]))])
    return out


def attention_sees_the_future(q: Any, k: Any, v: Any) -> list[list[Any]]:
    return _attention(q, k, v, seen=lambda t, n: range(n))


def attention_without_itself(q: Any, k: Any, v: Any) -> list[list[Any]]:
    return _attention(q, k, v, seen=lambda t, n: range(t))


def attention_scaled_by_d(q: Any, k: Any, v: Any) -> list[list[Any]]:
    return _attention(q, k, v, scale=lambda d: d)


def attention_not_scaled(q: Any, k: Any, v: Any) -> list[list[Any]]:
    return _attention(q, k, v, scale=lambda d: 1)


def attention_averages_keys(q: Any, k: Any, v: Any) -> list[list[Any]]:
    return _attention(q, k, v, values="k")


def attention_weights_of_data(q: Any, k: Any, v: Any) -> list[list[Any]]:
    return _attention(q, k, v, data=True)


# ----------------------------------------------------------------------------- the block


def _block(x: list[list[Any]], p: dict[str, Any], n_head: int, *, heads: bool = True,
           attention_residual: bool = True, mlp_residual: bool = True, relu: bool = True,
           norm_attention: bool = True, norm_mlp: bool = True, project: bool = True,
           residual_of_norm: bool = False, heads_at_i: bool = False) -> list[list[Any]]:
    """The reference block, with one of its parts left out or changed (``heads_at_i``: head
    i's features start at i, not at i·size)."""
    n = n_head if heads else 1
    size = len(x[0]) // n
    h = [rmsnorm(xt) if norm_attention else xt for xt in x]
    if residual_of_norm:
        x = h
    q = [linear(ht, p["attn_wq"]) for ht in h]
    k = [linear(ht, p["attn_wk"]) for ht in h]
    v = [linear(ht, p["attn_wv"]) for ht in h]
    joined: list[list[Any]] = [[] for _ in x]
    for head in range(n):
        start = head if heads_at_i else head * size
        part = slice(start, start + size)
        outs = R.attention([qt[part] for qt in q], [kt[part] for kt in k],
                           [vt[part] for vt in v])
        for t, out in enumerate(outs):
            joined[t] += out
    attended = [linear(jt, p["attn_wo"]) if project else jt for jt in joined]
    x = [[a + b for a, b in zip(xt, at)] if attention_residual else at
         for xt, at in zip(x, attended)]
    result = []
    for xt in x:
        hidden = linear(rmsnorm(xt) if norm_mlp else xt, p["mlp_fc1"])
        hidden = [z.relu() for z in hidden] if relu else hidden
        made = linear(hidden, p["mlp_fc2"])
        result.append([a + b for a, b in zip(xt, made)] if mlp_residual else made)
    return result


def block_one_head(x: Any, p: Any, n_head: int) -> list[list[Any]]:
    return _block(x, p, n_head, heads=False)


def block_without_attention_residual(x: Any, p: Any, n_head: int) -> list[list[Any]]:
    return _block(x, p, n_head, attention_residual=False)


def block_without_mlp_residual(x: Any, p: Any, n_head: int) -> list[list[Any]]:
    return _block(x, p, n_head, mlp_residual=False)


def block_heads_at_i(x: Any, p: Any, n_head: int) -> list[list[Any]]:
    return _block(x, p, n_head, heads_at_i=True)


def block_without_relu(x: Any, p: Any, n_head: int) -> list[list[Any]]:
    return _block(x, p, n_head, relu=False)


def block_without_attention_norm(x: Any, p: Any, n_head: int) -> list[list[Any]]:
    return _block(x, p, n_head, norm_attention=False)


def block_without_mlp_norm(x: Any, p: Any, n_head: int) -> list[list[Any]]:
    return _block(x, p, n_head, norm_mlp=False)


def block_without_projection(x: Any, p: Any, n_head: int) -> list[list[Any]]:
    return _block(x, p, n_head, project=False)


def block_residual_of_the_norm(x: Any, p: Any, n_head: int) -> list[list[Any]]:
    return _block(x, p, n_head, residual_of_norm=True)


# ----------------------------------------------------------------------------- gpt


def _gpt(model: dict[str, Any], tokens: list[int], n_head: int, *, positions: bool = True,
         norm: bool = True, layers: int | None = None) -> list[list[Any]]:
    """The reference model, with the positions left out, no rmsnorm after the embeddings,
    or only ``layers`` of its blocks."""
    x = [[a + b for a, b in zip(model["wte"][token], model["wpe"][pos])] if positions
         else list(model["wte"][token]) for pos, token in enumerate(tokens)]
    x = [rmsnorm(xt) for xt in x] if norm else x
    layer = 0
    while f"layer{layer}.attn_wq" in model and (layers is None or layer < layers):
        prefix = f"layer{layer}."
        p = {name[len(prefix):]: m for name, m in model.items() if name.startswith(prefix)}
        x = R.block(x, p, n_head)
        layer += 1
    return [linear(xt, model["lm_head"]) for xt in x]


def gpt_without_positions(model: Any, tokens: list[int], n_head: int) -> list[list[Any]]:
    return _gpt(model, tokens, n_head, positions=False)


def gpt_without_norm(model: Any, tokens: list[int], n_head: int) -> list[list[Any]]:
    return _gpt(model, tokens, n_head, norm=False)


def gpt_first_layer_only(model: Any, tokens: list[int], n_head: int) -> list[list[Any]]:
    return _gpt(model, tokens, n_head, layers=1)


def gpt_last_position_embedding(model: Any, tokens: list[int], n_head: int
                                ) -> list[list[Any]]:
    return _one_position(model, tokens, n_head, len(tokens) - 1)


def gpt_first_position_embedding(model: Any, tokens: list[int], n_head: int
                                 ) -> list[list[Any]]:
    return _one_position(model, tokens, n_head, 0)


def _one_position(model: Any, tokens: list[int], n_head: int, at: int) -> list[list[Any]]:
    """The reference model with every token given position ``at``'s row of wpe."""
    x = [[a + b for a, b in zip(model["wte"][token], model["wpe"][at])] for token in tokens]
    x = [rmsnorm(xt) for xt in x]
    layer = 0
    while f"layer{layer}.attn_wq" in model:
        prefix = f"layer{layer}."
        p = {name[len(prefix):]: m for name, m in model.items() if name.startswith(prefix)}
        x = R.block(x, p, n_head)
        layer += 1
    return [linear(xt, model["lm_head"]) for xt in x]


# ----------------------------------------------------------------------------- Adam


def _adam(params: list[Any], m: list[float], v: list[float], t: int, lr: float,
          beta1: float = 0.85, beta2: float = 0.99, eps: float = 1e-8, *,
          step: Any = lambda t: t, corrected: bool = True, kept: bool = True,
          square: bool = True, root: bool = True, eps_in_root: bool = False,
          moved: bool = True, only: str = "") -> None:
    """The reference Adam with one slip: the step its bias correction uses (``step(t)``; in
    m̂'s alone or v̂'s alone with ``only``, "m" or "v"), no bias correction, moments not kept
    in m and v, the gradient not squared in v, no square root of v̂, eps under the root, or
    p.data left as it was (``moved``)."""
    m_step = step if only in ("", "m") else (lambda t: t)
    v_step = step if only in ("", "v") else (lambda t: t)
    for i, p in enumerate(params):
        m_i = beta1 * m[i] + (1 - beta1) * p.grad
        v_i = beta2 * v[i] + (1 - beta2) * (p.grad**2 if square else p.grad)
        if kept:
            m[i], v[i] = m_i, v_i
        m_hat = m_i / (1 - beta1 ** m_step(t)) if corrected else m_i
        v_hat = v_i / (1 - beta2 ** v_step(t)) if corrected else v_i
        if eps_in_root:
            step_size = lr * m_hat / (v_hat + eps) ** 0.5
        else:
            step_size = lr * m_hat / ((v_hat**0.5 if root else v_hat) + eps)
        if moved:
            p.data -= step_size


def adam_step_minus_one(params: Any, m: Any, v: Any, t: int, lr: float, beta1: float = 0.85,
                        beta2: float = 0.99, eps: float = 1e-8) -> None:
    _adam(params, m, v, t, lr, beta1, beta2, eps, step=lambda t: t - 1)


def adam_step_plus_one(params: Any, m: Any, v: Any, t: int, lr: float, beta1: float = 0.85,
                       beta2: float = 0.99, eps: float = 1e-8) -> None:
    _adam(params, m, v, t, lr, beta1, beta2, eps, step=lambda t: t + 1)


def adam_m_step_minus_one(params: Any, m: Any, v: Any, t: int, lr: float,
                          beta1: float = 0.85, beta2: float = 0.99, eps: float = 1e-8) -> None:
    _adam(params, m, v, t, lr, beta1, beta2, eps, step=lambda t: t - 1, only="m")


def adam_v_step_minus_one(params: Any, m: Any, v: Any, t: int, lr: float,
                          beta1: float = 0.85, beta2: float = 0.99, eps: float = 1e-8) -> None:
    _adam(params, m, v, t, lr, beta1, beta2, eps, step=lambda t: t - 1, only="v")


def adam_m_step_plus_one(params: Any, m: Any, v: Any, t: int, lr: float,
                         beta1: float = 0.85, beta2: float = 0.99, eps: float = 1e-8) -> None:
    _adam(params, m, v, t, lr, beta1, beta2, eps, step=lambda t: t + 1, only="m")


def adam_v_step_plus_one(params: Any, m: Any, v: Any, t: int, lr: float,
                         beta1: float = 0.85, beta2: float = 0.99, eps: float = 1e-8) -> None:
    _adam(params, m, v, t, lr, beta1, beta2, eps, step=lambda t: t + 1, only="v")


def adam_without_power(params: Any, m: Any, v: Any, t: int, lr: float, beta1: float = 0.85,
                       beta2: float = 0.99, eps: float = 1e-8) -> None:
    _adam(params, m, v, t, lr, beta1, beta2, eps, step=lambda t: 1)


def adam_m_without_power(params: Any, m: Any, v: Any, t: int, lr: float,
                         beta1: float = 0.85, beta2: float = 0.99, eps: float = 1e-8) -> None:
    _adam(params, m, v, t, lr, beta1, beta2, eps, step=lambda t: 1, only="m")


def adam_v_without_power(params: Any, m: Any, v: Any, t: int, lr: float,
                         beta1: float = 0.85, beta2: float = 0.99, eps: float = 1e-8) -> None:
    _adam(params, m, v, t, lr, beta1, beta2, eps, step=lambda t: 1, only="v")


def adam_uncorrected(params: Any, m: Any, v: Any, t: int, lr: float, beta1: float = 0.85,
                     beta2: float = 0.99, eps: float = 1e-8) -> None:
    _adam(params, m, v, t, lr, beta1, beta2, eps, corrected=False)


def adam_moments_not_kept(params: Any, m: Any, v: Any, t: int, lr: float, beta1: float = 0.85,
                          beta2: float = 0.99, eps: float = 1e-8) -> None:
    _adam(params, m, v, t, lr, beta1, beta2, eps, kept=False)


def adam_not_squared(params: Any, m: Any, v: Any, t: int, lr: float, beta1: float = 0.85,
                     beta2: float = 0.99, eps: float = 1e-8) -> None:
    _adam(params, m, v, t, lr, beta1, beta2, eps, square=False)


def adam_without_root(params: Any, m: Any, v: Any, t: int, lr: float, beta1: float = 0.85,
                      beta2: float = 0.99, eps: float = 1e-8) -> None:
    _adam(params, m, v, t, lr, beta1, beta2, eps, root=False)


def adam_eps_in_root(params: Any, m: Any, v: Any, t: int, lr: float, beta1: float = 0.85,
                     beta2: float = 0.99, eps: float = 1e-8) -> None:
    _adam(params, m, v, t, lr, beta1, beta2, eps, eps_in_root=True)


def adam_data_unchanged(params: Any, m: Any, v: Any, t: int, lr: float, beta1: float = 0.85,
                        beta2: float = 0.99, eps: float = 1e-8) -> None:
    _adam(params, m, v, t, lr, beta1, beta2, eps, moved=False)


def adam_ascent(params: Any, m: Any, v: Any, t: int, lr: float, beta1: float = 0.85,
                beta2: float = 0.99, eps: float = 1e-8) -> None:
    _adam(params, m, v, t, -lr, beta1, beta2, eps)


# ----------------------------------------------------------------------------- a training step


def _train_step(model: dict[str, Any], tokens: list[int], n_head: int, m: list[float],
                v: list[float], t: int, lr: float, *, zero: bool = True, mean: bool = True,
                shifted: bool = True, backward: bool = True, short: bool = False,
                zero_first: bool = False) -> float:
    """The reference step, with one slip: the gradients kept for the next step (all, or all
    but the first: ``zero_first``), the losses summed, each position made to predict its
    own token, the last position left out (its mean over the others), or no backward."""
    inputs = tokens[:-1]
    targets = tokens[1:] if shifted else tokens[:-1]
    logits = R.gpt(model, inputs, n_head)
    pairs = list(zip(logits, targets))[:-1 if short else None]
    loss = sum(R.nll(z, target) for z, target in pairs)
    loss = loss * (1 / len(pairs)) if mean else loss
    if backward:
        loss.backward()
    params = [p for matrix in model.values() for row in matrix for p in row]
    R.adam(params, m, v, t, lr)
    if zero:
        for p in params[:1] if zero_first else params:
            p.grad = 0
    return float(loss.data)


def train_not_zeroed(model: Any, tokens: list[int], n_head: int, m: Any, v: Any, t: int,
                     lr: float) -> float:
    return _train_step(model, tokens, n_head, m, v, t, lr, zero=False)


def train_first_zeroed(model: Any, tokens: list[int], n_head: int, m: Any, v: Any, t: int,
                       lr: float) -> float:
    return _train_step(model, tokens, n_head, m, v, t, lr, zero_first=True)


def train_summed(model: Any, tokens: list[int], n_head: int, m: Any, v: Any, t: int,
                 lr: float) -> float:
    return _train_step(model, tokens, n_head, m, v, t, lr, mean=False)


def train_one_short(model: Any, tokens: list[int], n_head: int, m: Any, v: Any, t: int,
                    lr: float) -> float:
    return _train_step(model, tokens, n_head, m, v, t, lr, short=True)


def train_not_shifted(model: Any, tokens: list[int], n_head: int, m: Any, v: Any, t: int,
                      lr: float) -> float:
    return _train_step(model, tokens, n_head, m, v, t, lr, shifted=False)


def train_without_backward(model: Any, tokens: list[int], n_head: int, m: Any, v: Any, t: int,
                           lr: float) -> float:
    return _train_step(model, tokens, n_head, m, v, t, lr, backward=False)
