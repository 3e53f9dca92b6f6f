"""The baseline of bench_gpt.py: a plain microgpt-style ``Value``, and a GPT written per scalar.

``PlainValue`` is the lean scalar that microgpt (February 2026) made popular, written here
from its description: four slots, every operation one line that returns
``PlainValue(result, children, local derivatives)`` with the derivatives as plain numbers,
and a ``backward`` that multiplies them along a topological order. ``ScalarGPT`` is the same
model as ``tinygrad_edu.nn.gpt.GPT`` (embeddings, pre-norm blocks of RMS norm, causal
multi-head attention over a growing key/value list and a relu MLP, residual sums, a final
RMS norm, a linear head, cross-entropy) written the way a learner writes it for such a
``Value``: every weighted sum a Python ``sum`` of products, one node per ``+`` and ``*``. It
runs on any class with microgpt's operations, ``PlainValue`` or tinygrad_edu's ``Value``.

This file imports nothing but the standard library, so that a whole run on ``PlainValue``
(``python benchmarks/plain_gpt.py plain 100``) measures the memory of that class alone. The
same command with ``ours`` or ``ours-per-scalar`` runs tinygrad_edu's GPT, or this file's
GPT on tinygrad_edu's ``Value``; each prints its peak resident memory and whether NumPy was
imported.
"""

from __future__ import annotations

import math
import random
import resource
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NAMES = ROOT / "tinygrad_edu" / "datasets" / "names.txt"


class PlainValue:
    """A number, its gradient, its children and the local derivative towards each."""

    __slots__ = ("_children", "_local_grads", "data", "grad")

    def __init__(self, data: float, children: tuple[Any, ...] = (),
                 local_grads: tuple[float, ...] = ()) -> None:
        self.data = data
        self.grad = 0.0
        self._children = children
        self._local_grads = local_grads

    def __add__(self, other: Any) -> PlainValue:
        other = other if isinstance(other, PlainValue) else PlainValue(other)
        return PlainValue(self.data + other.data, (self, other), (1.0, 1.0))

    def __mul__(self, other: Any) -> PlainValue:
        other = other if isinstance(other, PlainValue) else PlainValue(other)
        return PlainValue(self.data * other.data, (self, other), (other.data, self.data))

    def __pow__(self, k: float) -> PlainValue:
        return PlainValue(self.data**k, (self,), (k * self.data ** (k - 1),))

    def exp(self) -> PlainValue:
        e = math.exp(self.data)
        return PlainValue(e, (self,), (e,))

    def log(self) -> PlainValue:
        return PlainValue(math.log(self.data), (self,), (1.0 / self.data,))

    def relu(self) -> PlainValue:
        return PlainValue(max(0.0, self.data), (self,), (float(self.data > 0),))

    def __neg__(self) -> PlainValue: return self * -1.0
    def __radd__(self, other: Any) -> PlainValue: return self + other
    def __rmul__(self, other: Any) -> PlainValue: return self * other
    def __sub__(self, other: Any) -> PlainValue: return self + (-other)
    def __rsub__(self, other: Any) -> PlainValue: return other + (-self)
    def __truediv__(self, other: Any) -> PlainValue: return self * other**-1

    def backward(self) -> None:
        order: list[PlainValue] = []
        visited: set[PlainValue] = set()

        def build_order(node: PlainValue) -> None:  # a topological order, recursively, as
            if node not in visited:                 # microgpt sorts (a GPT's graph is a few
                visited.add(node)                   # hundred nodes deep: within the limit)
                for child in node._children:
                    build_order(child)
                order.append(node)

        build_order(self)
        self.grad = 1.0
        for node in reversed(order):
            for child, local in zip(node._children, node._local_grads):
                child.grad += local * node.grad


# ----------------------------------------------------------------------------- the GPT, per scalar


def linear(x: Sequence[Any], w: Sequence[Sequence[Any]]) -> list[Any]:
    return [sum(wi * xi for wi, xi in zip(row, x)) for row in w]


def softmax(scores: Sequence[Any]) -> list[Any]:
    top = max(s.data for s in scores)
    exps = [(s - top).exp() for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


def rmsnorm(x: Sequence[Any]) -> list[Any]:
    scale = (sum(xi * xi for xi in x) / len(x) + 1e-5) ** -0.5
    return [xi * scale for xi in x]


class ScalarGPT:
    """tinygrad_edu.nn.gpt.GPT's model, per scalar, with the very numbers of ``weights``
    (a ``GPT``'s ``state_dict()``) in Values of class ``value``."""

    def __init__(self, value: Callable[[float], Any], weights: dict[str, Any], *,
                 n_head: int, n_layer: int) -> None:
        def matrix(prefix: str) -> list[list[Any]]:
            rows = sorted((k for k in weights if k.startswith(prefix + ".")),
                          key=lambda k: int(k.rsplit(".", 1)[1]))
            return [[value(float(x)) for x in weights[k]] for k in rows]

        self.n_head, self.n_layer = n_head, n_layer
        self.wte, self.wpe = matrix("wte"), matrix("wpe")
        self.blocks = []
        for b in range(n_layer):
            heads = [{part: matrix(f"blocks.{b}.attn.heads.{h}.{part}.w")
                      for part in ("query", "key", "value")} for h in range(n_head)]
            self.blocks.append({"heads": heads, "proj": matrix(f"blocks.{b}.attn.proj.w"),
                                "fc": matrix(f"blocks.{b}.mlp.fc.w"),
                                "fc_proj": matrix(f"blocks.{b}.mlp.proj.w")})
        self.lm_head = matrix("lm_head.w")
        self.block_size = len(self.wpe)
        self.params = [p for m in self.matrices() for row in m for p in row]

    def matrices(self) -> list[list[list[Any]]]:
        found = [self.wte, self.wpe]
        for block in self.blocks:
            found += [m for head in block["heads"] for m in head.values()]
            found += [block["proj"], block["fc"], block["fc_proj"]]
        return [*found, self.lm_head]

    def logits(self, token: int, pos: int, keys: list[Any], values: list[Any]) -> list[Any]:
        x = [t + p for t, p in zip(self.wte[token], self.wpe[pos])]
        for b, block in enumerate(self.blocks):
            h, joined = rmsnorm(x), []
            for i, head in enumerate(block["heads"]):
                q = linear(h, head["query"])
                keys[b][i].append(linear(h, head["key"]))
                values[b][i].append(linear(h, head["value"]))
                scale = 1.0 / math.sqrt(len(q))
                weights = softmax([sum(qj * kj for qj, kj in zip(q, k)) * scale
                                   for k in keys[b][i]])
                joined += [sum(w * v[j] for w, v in zip(weights, values[b][i]))
                           for j in range(len(q))]
            x = [a + c for a, c in zip(x, linear(joined, block["proj"]))]
            hidden = [z.relu() for z in linear(rmsnorm(x), block["fc"])]
            x = [a + c for a, c in zip(x, linear(hidden, block["fc_proj"]))]
        return linear(rmsnorm(x), self.lm_head)

    def loss(self, tokens: Sequence[int]) -> Any:
        n = min(self.block_size, len(tokens) - 1)
        keys = [[[] for _ in range(self.n_head)] for _ in range(self.n_layer)]
        values = [[[] for _ in range(self.n_head)] for _ in range(self.n_layer)]
        losses = [-softmax(self.logits(tokens[pos], pos, keys, values))[tokens[pos + 1]].log()
                  for pos in range(n)]
        return sum(losses) * (1.0 / n)


class PlainAdam:
    """Adam over a list of parameters, one plain loop: what a microgpt-style script writes."""

    def __init__(self, params: list[Any], lr: float, betas: tuple[float, float],
                 eps: float = 1e-8) -> None:
        self.params, self.lr, self.betas, self.eps = params, lr, betas, eps
        self.m, self.v, self.t = [0.0] * len(params), [0.0] * len(params), 0

    def step(self) -> None:
        self.t += 1
        b1, b2 = self.betas
        m, v = self.m, self.v
        for i, p in enumerate(self.params):
            m[i] = b1 * m[i] + (1 - b1) * p.grad
            v[i] = b2 * v[i] + (1 - b2) * p.grad**2
            m_hat, v_hat = m[i] / (1 - b1**self.t), v[i] / (1 - b2**self.t)
            p.data -= self.lr * m_hat / (v_hat**0.5 + self.eps)
            p.grad = 0.0


# ----------------------------------------------------------------------------- a whole run

SIZES = {"n_embd": 16, "n_head": 4, "n_layer": 1, "block_size": 16}
LR, BETAS, SEED = 0.01, (0.85, 0.99), 0


def load_names() -> list[str]:
    """The names, read as a plain file (this file must not import tinygrad_edu), in the
    order every engine trains on them."""
    names = NAMES.read_text(encoding="ascii").split()
    random.Random(SEED).shuffle(names)
    return names


def encode(name: str, chars: list[str]) -> list[int]:
    bos = len(chars)
    return [bos, *(chars.index(c) for c in name), bos]


def whole_run(engine: str, steps: int, samples: int = 20) -> dict[str, Any]:
    """Train ``engine`` for ``steps`` names and sample ``samples`` new ones, as a script
    would; returns the last loss, the peak resident memory of this process and whether
    NumPy was imported."""
    start = time.perf_counter()
    names = load_names()
    chars = sorted(set("".join(names)))
    if engine == "ours":
        from tinygrad_edu.nn.gpt import GPT
        from tinygrad_edu.training.optim import Adam

        model = GPT(len(chars) + 1, **SIZES, seed=SEED)
        adam = Adam(model.parameters(), lr=LR, betas=BETAS)
        for step in range(steps):
            loss = model.loss(encode(names[step % len(names)], chars))
            adam.zero_grad()
            loss.backward()
            adam.lr = LR * (1 - step / steps)
            adam.step()
        made = ["".join(chars[t] for t in model.sample(len(chars), temperature=0.5, rng=i))
                for i in range(samples)]
    else:
        value: Any = PlainValue
        if engine == "ours-per-scalar":
            from tinygrad_edu import Value as value
        from_state = initial_weights(len(chars) + 1)
        scalar = ScalarGPT(value, from_state, n_head=SIZES["n_head"],
                           n_layer=SIZES["n_layer"])
        plain_adam = PlainAdam(scalar.params, lr=LR, betas=BETAS)
        for step in range(steps):
            loss = scalar.loss(encode(names[step % len(names)], chars))
            loss.backward()
            plain_adam.lr = LR * (1 - step / steps)
            plain_adam.step()
        made = [sample(scalar, chars, random.Random(i)) for i in range(samples)]
    return {"engine": engine, "steps": steps, "last loss": loss.data,
            "seconds": time.perf_counter() - start, "samples": made,
            "peak MiB": peak_rss_mib(), "numpy imported": "numpy" in sys.modules}


def initial_weights(vocab_size: int) -> dict[str, Any]:
    """tinygrad_edu's GPT's starting weights, drawn the same way without tinygrad_edu: the
    order of ``GPT.__init__``'s draws from ``random.Random(SEED)``, N(0, 0.08²) each."""
    rng = random.Random(SEED)
    n, heads, layers, block = (SIZES["n_embd"], SIZES["n_head"], SIZES["n_layer"],
                               SIZES["block_size"])
    weights: dict[str, Any] = {}

    def draw(name: str, rows: int, cols: int) -> None:
        for r in range(rows):
            weights[f"{name}.{r}"] = [rng.gauss(0.0, 0.08) for _ in range(cols)]

    draw("wte", vocab_size, n)
    draw("wpe", block, n)
    for b in range(layers):
        for h in range(heads):
            for part in ("query", "key", "value"):
                draw(f"blocks.{b}.attn.heads.{h}.{part}.w", n // heads, n)
        draw(f"blocks.{b}.attn.proj.w", n, n)
        draw(f"blocks.{b}.mlp.fc.w", 4 * n, n)
        draw(f"blocks.{b}.mlp.proj.w", n, 4 * n)
    draw("lm_head.w", vocab_size, n)
    return weights


def sample(model: ScalarGPT, chars: list[str], rng: random.Random,
           temperature: float = 0.5) -> str:
    """A new name from the per-scalar model (its graph is built and dropped: no no_grad)."""
    bos = len(chars)
    keys = [[[] for _ in range(model.n_head)] for _ in range(model.n_layer)]
    values = [[[] for _ in range(model.n_head)] for _ in range(model.n_layer)]
    token, out = bos, []
    for pos in range(model.block_size):
        probs = softmax([z * (1.0 / temperature) for z in model.logits(token, pos, keys, values)])
        token = rng.choices(range(bos + 1), weights=[p.data for p in probs])[0]
        if token == bos:
            break
        out.append(token)
    return "".join(chars[t] for t in out)


def peak_rss_mib() -> float:
    """The peak resident memory of this process so far: Linux's VmHWM, which starts afresh
    with the program (``ru_maxrss`` would not: on Linux it keeps the peak of the process
    that started this one, if that was higher); ``ru_maxrss`` elsewhere (macOS: bytes)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 2**10  # kB
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4) or sys.argv[1] not in ("plain", "ours", "ours-per-scalar"):
        sys.exit("usage: python benchmarks/plain_gpt.py plain|ours|ours-per-scalar STEPS "
                 "[SAMPLES]")
    sys.path.insert(0, str(ROOT))
    print(whole_run(sys.argv[1], int(sys.argv[2]), *map(int, sys.argv[3:])))
