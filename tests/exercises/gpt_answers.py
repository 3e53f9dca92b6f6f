"""A learner's microgpt, right (``RIGHT``, written as microgpt writes it, its recursive
topological sort included; ``ITERATIVE_SORT`` makes the sort an iterative one), and the slips
learners make in it (``SLIPS``): per stage, the mistake the grader should name and the change
to ``RIGHT`` that makes it."""

RIGHT = """import math


class Value:
    def __init__(self, data, children=(), local_grads=()):
        self.data = data
        self.grad = 0
        self._children = children
        self._local_grads = local_grads

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, (self, other), (1, 1))

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, (self, other), (other.data, self.data))

    def __pow__(self, other):
        return Value(self.data ** other, (self,), (other * self.data ** (other - 1),))

    def log(self):
        return Value(math.log(self.data), (self,), (1 / self.data,))

    def exp(self):
        return Value(math.exp(self.data), (self,), (math.exp(self.data),))

    def relu(self):
        return Value(max(0, self.data), (self,), (float(self.data > 0),))

    def __neg__(self): return self * -1
    def __radd__(self, other): return self + other
    def __sub__(self, other): return self + (-other)
    def __rsub__(self, other): return other + (-self)
    def __rmul__(self, other): return self * other
    def __truediv__(self, other): return self * other ** -1
    def __rtruediv__(self, other): return other * self ** -1

    def backward(self):
        topo = []
        visited = set()

        def build_topo(v):
            if v not in visited:
                visited.add(v)
                for child in v._children:
                    build_topo(child)
                topo.append(v)

        build_topo(self)
        self.grad = 1
        for v in reversed(topo):
            for child, local_grad in zip(v._children, v._local_grads):
                child.grad += local_grad * v.grad


def linear(x, w):
    return [sum(wi * xi for wi, xi in zip(wo, x)) for wo in w]


def softmax(logits):
    max_val = max(val.data for val in logits)
    exps = [(val - max_val).exp() for val in logits]
    total = sum(exps)
    return [e / total for e in exps]


def nll(logits, target):
    return -softmax(logits)[target].log()


def rmsnorm(x):
    ms = sum(xi * xi for xi in x) / len(x)
    scale = (ms + 1e-5) ** -0.5
    return [xi * scale for xi in x]


def attention(q, k, v):
    head_dim = len(q[0])
    out = []
    for t in range(len(q)):
        logits = [sum(q[t][j] * k[s][j] for j in range(head_dim)) / head_dim ** 0.5
                  for s in range(t + 1)]
        weights = softmax(logits)
        out.append([sum(w * v[s][j] for s, w in enumerate(weights)) for j in range(len(v[0]))])
    return out


def block(x, p, n_head):
    head_dim = len(x[0]) // n_head
    xn = [rmsnorm(xt) for xt in x]
    q = [linear(xt, p["attn_wq"]) for xt in xn]
    k = [linear(xt, p["attn_wk"]) for xt in xn]
    v = [linear(xt, p["attn_wv"]) for xt in xn]
    heads = [[] for _ in x]
    for h in range(n_head):
        hs = h * head_dim
        out = attention([qt[hs:hs + head_dim] for qt in q], [kt[hs:hs + head_dim] for kt in k],
                        [vt[hs:hs + head_dim] for vt in v])
        for t in range(len(x)):
            heads[t].extend(out[t])
    x = [[a + b for a, b in zip(linear(heads[t], p["attn_wo"]), x[t])] for t in range(len(x))]
    out = []
    for xt in x:
        h = [z.relu() for z in linear(rmsnorm(xt), p["mlp_fc1"])]
        out.append([a + b for a, b in zip(linear(h, p["mlp_fc2"]), xt)])
    return out


def gpt(model, tokens, n_head):
    x = [rmsnorm([t + p for t, p in zip(model["wte"][tok], model["wpe"][pos])])
         for pos, tok in enumerate(tokens)]
    li = 0
    while f"layer{li}.attn_wq" in model:
        p = {k[len(f"layer{li}."):]: w for k, w in model.items() if k.startswith(f"layer{li}.")}
        x = block(x, p, n_head)
        li += 1
    return [linear(xt, model["lm_head"]) for xt in x]


def adam(params, m, v, t, lr, beta1=0.85, beta2=0.99, eps=1e-8):
    for i, p in enumerate(params):
        m[i] = beta1 * m[i] + (1 - beta1) * p.grad
        v[i] = beta2 * v[i] + (1 - beta2) * p.grad ** 2
        m_hat = m[i] / (1 - beta1 ** t)
        v_hat = v[i] / (1 - beta2 ** t)
        p.data -= lr * m_hat / (v_hat ** 0.5 + eps)


def train_step(model, tokens, n_head, m, v, t, lr):
    logits = gpt(model, tokens[:-1], n_head)
    losses = [nll(lg, target) for lg, target in zip(logits, tokens[1:])]
    loss = (1 / len(losses)) * sum(losses)
    loss.backward()
    params = [p for mat in model.values() for row in mat for p in row]
    adam(params, m, v, t, lr)
    for p in params:
        p.grad = 0
    return loss.data
"""

ITERATIVE_SORT = ("""        topo = []
        visited = set()

        def build_topo(v):
            if v not in visited:
                visited.add(v)
                for child in v._children:
                    build_topo(child)
                topo.append(v)

        build_topo(self)
""", """        topo, visited, stack = [], set(), [(self, False)]
        while stack:
            v, children_done = stack.pop()
            if children_done:
                topo.append(v)
            elif v not in visited:
                visited.add(v)
                stack.append((v, True))
                stack.extend((child, False) for child in v._children)
""")
"""The change that makes ``RIGHT``'s topological sort an iterative one, with a stack of its
own (the one the recursion-limit note suggests): any depth works."""

SLIPS: dict[str, list[tuple[str, str, str]]] = {
    "node": [
        ("`=` instead of `+=`: a node used twice loses a path",
         "child.grad += local_grad * v.grad", "child.grad = local_grad * v.grad"),
        ("the root reached last: the order not reversed",
         "for v in reversed(topo):", "for v in topo:"),
        ("every gradient 0: the root not seeded with 1", "        self.grad = 1\n", ""),
        ("a node listed once per path (no visited set)",
         "            if v not in visited:\n                visited.add(v)\n",
         "            if True:\n"),
        ("a node listed once per path (no visited set)", ITERATIVE_SORT[0],
         ITERATIVE_SORT[1].replace("            elif v not in visited:\n"
                                   "                visited.add(v)\n", "            else:\n")),
        ("a - b computed as a + b: the minus sign lost",
         "def __sub__(self, other): return self + (-other)",
         "def __sub__(self, other): return self + other"),
        ("2.0 - x computed as x - 2.0",
         "def __rsub__(self, other): return other + (-self)",
         "def __rsub__(self, other): return self + (-other)"),
        ("2.0 / x computed as x / 2.0",
         "def __rtruediv__(self, other): return other * self ** -1",
         "def __rtruediv__(self, other): return self / other"),
        ("a * b: the two local derivatives swapped",
         "(other.data, self.data)", "(self.data, other.data)"),
        ("a ** k: the factor k missing",
         "(other * self.data ** (other - 1),)", "(self.data ** (other - 1),)"),
        ("a ** k: the power not lowered",
         "(other * self.data ** (other - 1),)", "(other * self.data ** other,)"),
        ("log: its value instead of its slope", "(1 / self.data,)", "(math.log(self.data),)"),
        ("log: 1/a squared, not 1/a", "(1 / self.data,)", "(1 / self.data**2,)"),
        ("exp: the input where the output was meant",
         "(self,), (math.exp(self.data),)", "(self,), (self.data,)"),
        ("relu: slope 1 on both sides", "(float(self.data > 0),)", "(1.0,)"),
        ("-a computed as a: its sign not changed",
         "def __neg__(self): return self * -1", "def __neg__(self): return self * 1"),
        ("a ** k: the local derivative's sign flipped",
         "(other * self.data ** (other - 1),)", "(-other * self.data ** (other - 1),)"),
        ("log: the local derivative's sign flipped",  # (before: "No common mistake matches")
         "(1 / self.data,)", "(-1 / self.data,)"),
        ("exp: the local derivative's sign flipped",
         "(self,), (math.exp(self.data),)", "(self,), (-math.exp(self.data),)"),
        ("relu: the local derivative's sign flipped",
         "(float(self.data > 0),)", "(-float(self.data > 0),)"),
        ("the upstream gradient not multiplied in",  # (before: "No common mistake matches")
         "child.grad += local_grad * v.grad", "child.grad += local_grad"),
        ("the local derivative not multiplied in",
         "child.grad += local_grad * v.grad", "child.grad += v.grad"),
    ],
    "linear": [
        ("w read by its columns (transposed)",
         "return [sum(wi * xi for wi, xi in zip(wo, x)) for wo in w]",
         "return [sum(w[i][j] * x[i] for i in range(len(x))) for j in range(len(w))]"),
        ("every output from the first row",
         "return [sum(wi * xi for wi, xi in zip(wo, x)) for wo in w]",
         "return [sum(wi * xi for wi, xi in zip(w[0], x)) for wo in w]"),
        ("only the first product, not the sum",
         "return [sum(wi * xi for wi, xi in zip(wo, x)) for wo in w]",
         "return [wo[0] * x[0] for wo in w]"),
        ("only the last product kept (= where += was meant)",
         "    return [sum(wi * xi for wi, xi in zip(wo, x)) for wo in w]\n",
         "    out = []\n    for wo in w:\n        s = 0\n        for wi, xi in zip(wo, x):\n"
         "            s = wi * xi\n        out.append(s)\n    return out\n"),
        ("the outputs made from .data: no gradient reaches the inputs",
         "return [sum(wi * xi for wi, xi in zip(wo, x)) for wo in w]",
         "return [Value(sum(wi.data * xi.data for wi, xi in zip(wo, x))) for wo in w]"),
        ("w's .data used: no gradient reaches w",
         "sum(wi * xi for wi, xi in zip(wo, x))", "sum(wi.data * xi for wi, xi in zip(wo, x))"),
        ("x's .data used: no gradient reaches x",
         "sum(wi * xi for wi, xi in zip(wo, x))", "sum(wi * xi.data for wi, xi in zip(wo, x))"),
        ("the last product left out (a loop one short)",  # (before: "No common mistake")
         "    return [sum(wi * xi for wi, xi in zip(wo, x)) for wo in w]\n",
         "    out = []\n    for j in range(len(w)):\n        total = w[j][0] * x[0]\n"
         "        for i in range(1, len(x) - 1):\n            total += w[j][i] * x[i]\n"
         "        out.append(total)\n    return out\n"),
    ],
    "softmax": [
        ("the outputs made from .data: no gradient reaches the inputs",
         "return [e / total for e in exps]", "return [Value(e.data / total.data) for e in exps]"),
        ("the largest logit not subtracted",
         "exps = [(val - max_val).exp() for val in logits]",
         "exps = [val.exp() for val in logits]"),
        ("divided by the sum of the logits", "total = sum(exps)", "total = sum(logits)"),
        ("the sum made from .data: backward takes it for a constant",
         "total = sum(exps)", "total = sum(e.data for e in exps)"),
        ("not divided by the sum", "return [e / total for e in exps]", "return exps"),
        ("not divided by the sum, nor the largest logit subtracted",  # (issue 66)
         "    max_val = max(val.data for val in logits)\n"
         "    exps = [(val - max_val).exp() for val in logits]\n"
         "    total = sum(exps)\n    return [e / total for e in exps]\n",
         "    return [val.exp() for val in logits]\n"),
    ],
    "nll": [
        ("the outputs made from .data: no gradient reaches the inputs",
         "return -softmax(logits)[target].log()",
         "return Value(-math.log(softmax(logits)[target].data))"),
        ("the minus sign missing", "return -softmax(logits)[target].log()",
         "return softmax(logits)[target].log()"),
        ("the log missing", "return -softmax(logits)[target].log()",
         "return -softmax(logits)[target]"),
        ("the logits used as probabilities", "return -softmax(logits)[target].log()",
         "return -logits[target].log()"),
    ],
    "rmsnorm": [
        ("the outputs made from .data: no gradient reaches the inputs",
         "return [xi * scale for xi in x]", "return [Value(xi.data * scale.data) for xi in x]"),
        ("1e-5 not added", "scale = (ms + 1e-5) ** -0.5", "scale = ms ** -0.5"),
        ("1e-5 added outside the square root", "scale = (ms + 1e-5) ** -0.5",
         "scale = ms ** -0.5 + 1e-5"),
        ("1e-5 added outside the square root",
         "    scale = (ms + 1e-5) ** -0.5\n    return [xi * scale for xi in x]\n",
         "    return [xi / (ms ** 0.5 + 1e-5) for xi in x]\n"),
        ("the sum of squares, not their mean", "ms = sum(xi * xi for xi in x) / len(x)",
         "ms = sum(xi * xi for xi in x)"),
        ("divided by len(x) - 1, not by n", "ms = sum(xi * xi for xi in x) / len(x)",
         "ms = sum(xi * xi for xi in x) / (len(x) - 1)"),  # (issue 66: no diagnosis)
        ("divided by ms, not by its square root", "scale = (ms + 1e-5) ** -0.5",
         "scale = 1 / (ms + 1e-5)"),
        ("the mean subtracted first (that is layer norm)",
         "    ms = sum(xi * xi for xi in x) / len(x)\n",
         "    mean = sum(x) / len(x)\n    x = [xi - mean for xi in x]\n"
         "    ms = sum(xi * xi for xi in x) / len(x)\n"),
        ("the mean of x, not of x²", "ms = sum(xi * xi for xi in x) / len(x)",
         "ms = sum(x) / len(x)"),
        ("the scale made from .data: backward takes it for a constant",
         "ms = sum(xi * xi for xi in x) / len(x)",
         "ms = sum(xi.data * xi.data for xi in x) / len(x)"),
    ],
    "attention": [
        ("the outputs made from .data: no gradient reaches the inputs",
         "out.append([sum(w * v[s][j] for s, w in enumerate(weights)) for j",
         "out.append([Value(sum(w.data * v[s][j].data for s, w in enumerate(weights))) for j"),
        ("a position sees the positions after it",
         "for s in range(t + 1)]\n        weights", "for s in range(len(k))]\n        weights"),
        ("a position does not see itself",
         "for s in range(t + 1)]\n        weights", "for s in range(t)]\n        weights"),
        ("scores divided by d instead of sqrt(d)", "/ head_dim ** 0.5", "/ head_dim"),
        ("scores not scaled", " / head_dim ** 0.5", ""),
        ("the keys averaged instead of the values", "w * v[s][j]", "w * k[s][j]"),
        ("the weights made from .data: no gradient reaches q and k",
         "weights = softmax(logits)", "weights = [w.data for w in softmax(logits)]"),
    ],
    "block": [
        ("the outputs made from .data: no gradient reaches the inputs",
         "out.append([a + b for a, b in",
         "out.append([Value(a.data + b.data) for a, b in"),
        ("the attention's residual forgotten",
         'zip(linear(heads[t], p["attn_wo"]), x[t])] for t',
         'zip(linear(heads[t], p["attn_wo"]), [0] * len(x[t]))] for t'),
        ("the MLP's residual forgotten",
         'out.append([a + b for a, b in zip(linear(h, p["mlp_fc2"]), xt)])',
         'out.append(linear(h, p["mlp_fc2"]))'),
        ("one head over all the features", "head_dim = len(x[0]) // n_head",
         "head_dim, n_head = len(x[0]), 1"),
        ("head i's features from i, not from i·s", "hs = h * head_dim", "hs = h"),
        ("the MLP's relu missing", 'h = [z.relu() for z in linear(rmsnorm(xt), p["mlp_fc1"])]',
         'h = linear(rmsnorm(xt), p["mlp_fc1"])'),
        ("no rmsnorm before the attention", "xn = [rmsnorm(xt) for xt in x]", "xn = x"),
        ("no rmsnorm before the MLP", 'linear(rmsnorm(xt), p["mlp_fc1"])',
         'linear(xt, p["mlp_fc1"])'),
        ("the heads' outputs not projected by attn_wo", 'zip(linear(heads[t], p["attn_wo"]), x[t])',
         "zip(heads[t], x[t])"),
        ("the residual added to rmsnorm(x), not to x", "xn = [rmsnorm(xt) for xt in x]",
         "x = xn = [rmsnorm(xt) for xt in x]"),
    ],
    "gpt": [
        ("the outputs made from .data: no gradient reaches the inputs",
         'return [linear(xt, model["lm_head"]) for xt in x]',
         'return [[Value(z.data) for z in linear(xt, model["lm_head"])] for xt in x]'),
        ("no position embedding",
         'rmsnorm([t + p for t, p in zip(model["wte"][tok], model["wpe"][pos])])',
         'rmsnorm(list(model["wte"][tok]))'),
        ("no rmsnorm after the embeddings",
         'rmsnorm([t + p for t, p in zip(model["wte"][tok], model["wpe"][pos])])',
         '[t + p for t, p in zip(model["wte"][tok], model["wpe"][pos])]'),
        ("only the first layer", 'while f"layer{li}.attn_wq" in model:', "while li < 1:"),
        ("every token given the same position", 'model["wpe"][pos]',
         'model["wpe"][len(tokens) - 1]'),
        ("every token given the first position", 'model["wpe"][pos]', 'model["wpe"][0]'),
    ],
    "adam": [
        ("bias correction with t - 1 (the step counted from 0)",
         "m_hat = m[i] / (1 - beta1 ** t)\n        v_hat = v[i] / (1 - beta2 ** t)",
         "m_hat = m[i] / (1 - beta1 ** (t - 1))\n        v_hat = v[i] / (1 - beta2 ** (t - 1))"),
        ("bias correction with t + 1",
         "m_hat = m[i] / (1 - beta1 ** t)\n        v_hat = v[i] / (1 - beta2 ** t)",
         "m_hat = m[i] / (1 - beta1 ** (t + 1))\n        v_hat = v[i] / (1 - beta2 ** (t + 1))"),
        ("m̂'s bias correction with t - 1 (the step counted from 0)",  # (issue 66: "Fix
         "m_hat = m[i] / (1 - beta1 ** t)", "m_hat = m[i] / (1 - beta1 ** (t - 1))"),  # the
        ("v̂'s bias correction with t - 1 (the step counted from 0)",  # error first")
         "v_hat = v[i] / (1 - beta2 ** t)", "v_hat = v[i] / (1 - beta2 ** (t - 1))"),
        ("m̂'s bias correction with t + 1",
         "m_hat = m[i] / (1 - beta1 ** t)", "m_hat = m[i] / (1 - beta1 ** (t + 1))"),
        ("v̂'s bias correction with t + 1",
         "v_hat = v[i] / (1 - beta2 ** t)", "v_hat = v[i] / (1 - beta2 ** (t + 1))"),
        ("bias correction without the power t",
         "m_hat = m[i] / (1 - beta1 ** t)\n        v_hat = v[i] / (1 - beta2 ** t)",
         "m_hat = m[i] / (1 - beta1)\n        v_hat = v[i] / (1 - beta2)"),
        ("m̂'s bias correction without the power t",  # (before: "No common mistake")
         "m_hat = m[i] / (1 - beta1 ** t)", "m_hat = m[i] / (1 - beta1)"),
        ("v̂'s bias correction without the power t",
         "v_hat = v[i] / (1 - beta2 ** t)", "v_hat = v[i] / (1 - beta2)"),
        ("no bias correction",
         "m_hat = m[i] / (1 - beta1 ** t)\n        v_hat = v[i] / (1 - beta2 ** t)",
         "m_hat = m[i]\n        v_hat = v[i]"),
        ("m and v not kept in the lists",
         "        m[i] = beta1 * m[i] + (1 - beta1) * p.grad\n"
         "        v[i] = beta2 * v[i] + (1 - beta2) * p.grad ** 2\n"
         "        m_hat = m[i] / (1 - beta1 ** t)\n        v_hat = v[i] / (1 - beta2 ** t)",
         "        mi = beta1 * m[i] + (1 - beta1) * p.grad\n"
         "        vi = beta2 * v[i] + (1 - beta2) * p.grad ** 2\n"
         "        m_hat = mi / (1 - beta1 ** t)\n        v_hat = vi / (1 - beta2 ** t)"),
        ("v averages g, not g²", "(1 - beta2) * p.grad ** 2", "(1 - beta2) * p.grad"),
        ("divided by v̂, not by its square root", "(v_hat ** 0.5 + eps)", "(v_hat + eps)"),
        ("a step uphill", "p.data -= lr", "p.data += lr"),
        ("eps added under the square root", "(v_hat ** 0.5 + eps)", "(v_hat + eps) ** 0.5"),
        ("p.data not changed (p = ... makes a new name)", "p.data -= lr * m_hat",
         "p = p.data - lr * m_hat"),
    ],
    "train_step": [
        ("gradients not zeroed between steps", "    for p in params:\n        p.grad = 0\n", ""),
        ("only the first gradient set to 0 (a return inside the loop)",
         "        p.grad = 0\n    return loss.data",
         "        p.grad = 0\n        return loss.data"),
        ("the losses summed, not averaged", "loss = (1 / len(losses)) * sum(losses)",
         "loss = sum(losses)"),
        ("each position predicts its own token", "zip(logits, tokens[1:])",
         "zip(logits, tokens[:-1])"),
        ("no backward", "    loss.backward()\n", ""),
        ("the last position left out", "zip(logits, tokens[1:])",
         "zip(logits[:-1], tokens[1:-1])"),
    ],
}
"""Per stage: (the mistake's title, the text of ``RIGHT`` a learner got wrong, what they
wrote instead)."""


def with_slip(old: str, new: str) -> str:
    """``RIGHT`` with one slip (``old`` must be in it exactly once)."""
    assert RIGHT.count(old) == 1, old
    return RIGHT.replace(old, new)
