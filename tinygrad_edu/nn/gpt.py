"""A GPT built from Values: a character-level language model that reads one token at a time.

The architecture of GPT-2 and its successors, at toy size: with 16 numbers per token, 4
attention heads and one block it has 4,192 parameters, and it learns to make up names.
Each token goes through the same steps:

1. **Embedding**: the token's row of ``wte`` plus its position's row of ``wpe``: a list of
   ``n_embd`` Values that stands for "this letter, at this place".
2. **Blocks**, each a residual stream: ``x + attn(norm_1(x))``, then ``x + mlp(norm_2(x))``.

   - ``RMSNorm`` scales the list to a root-mean-square of 1.
   - **Attention**: each ``Head`` makes a query, a key and a value from the token, adds the
     key and value to the lists of all tokens seen so far (the *cache*; a token only ever
     sees the ones before it, which is what makes it causal), scores every key against the
     query, turns the scores into weights with a softmax and returns the weighted sum of the
     values. The heads' outputs, side by side, go through one more linear layer.
   - **MLP**: a linear layer 4× wider, relu, a linear layer back.
3. ``norm_f``, then ``lm_head``: one score (logit) per token of the vocabulary for what comes
   next; ``cross_entropy`` against the real next token is the loss.

Every weighted sum is one ``dot`` node (``dots`` for a whole layer), so a position makes a
few hundred nodes instead of several thousand. The parts are modules (``Module``), so every
value a part makes is marked with its scope (``blocks.0/attn/heads.1/query``, ``blocks.0/mlp``:
see ``tinygrad_edu.scope_of``); the steps that are no module (the embedding, a head's
scores, softmax and mix, the residual sums, the loss) open a ``named_scope`` of their own.

    >>> from tinygrad_edu.nn.gpt import GPT
    >>> from tinygrad_edu.training.text import CharTokenizer, load_names
    >>> tokens = CharTokenizer(load_names())
    >>> model = GPT(tokens.vocab_size, seed=0)
    >>> loss = model.loss(tokens.encode("emma"))   # a Value, about log(27) = 3.3 untrained
    >>> loss.backward()

Like the scalar engine, this module needs nothing but Python itself: no NumPy.
"""

from __future__ import annotations

import math
import numbers
import random
from collections.abc import Sequence
from typing import Any

from tinygrad_edu.engine import Value
from tinygrad_edu.grad_mode import no_grad
from tinygrad_edu.nn.functional import cross_entropy, softmax
from tinygrad_edu.nn.module import Module
from tinygrad_edu.scopes import named_scope
from tinygrad_edu.sums import dot, dots, vsum

__all__ = ["GPT", "Attention", "Block", "Cache", "FeedForward", "Head", "Linear", "RMSNorm"]

Cache = list[list[tuple[list[list[Value]], list[list[Value]]]]]
"""What the model has seen of a text so far: for each block, for each head, the list of keys
and the list of values of the tokens before (``GPT.new_cache()`` makes an empty one)."""


_TOKENS = "the numbers of the tokenizer's vocabulary (0 to {})"


def _token(token: Any, vocab_size: int, where: str) -> int:
    """``token`` as an int (a NumPy integer is one), or a TypeError that says what a token
    is and where tokens come from."""
    if isinstance(token, numbers.Integral) and not isinstance(token, bool):
        return int(token)
    got = f"the string {token!r}" if isinstance(token, str) else (
        f"{token!r}, a {type(token).__name__}")
    raise TypeError(f"{where}: a token is an int, one of {_TOKENS.format(vocab_size - 1)}, "
                    f"got {got}; a tokenizer makes them from text: tokens.encode(text), with "
                    f"tokens = CharTokenizer(load_names()) (from tinygrad_edu.training.text)")


def _matrix(rows: int, cols: int, std: float, rng: random.Random) -> list[list[Value]]:
    """``rows`` lists of ``cols`` parameters, each drawn from a normal distribution."""
    return [[Value(rng.gauss(0.0, std)) for _ in range(cols)] for _ in range(rows)]


def _added(xs: Sequence[Value], ys: Sequence[Value]) -> list[Value]:
    return [x + y for x, y in zip(xs, ys)]


class Linear(Module):
    """``W·x`` without a bias: ``nout`` weighted sums of ``nin`` inputs, one ``dot`` node
    each. ``w`` is the matrix, one row (a list of ``nin`` Values) per output."""

    def __init__(self, nin: int, nout: int, std: float, rng: random.Random) -> None:
        self.w = _matrix(nout, nin, std, rng)

    def forward(self, x: Sequence[Value]) -> list[Value]:
        return dots(self.w, x)

    def __repr__(self) -> str:
        return f"Linear({len(self.w[0])} -> {len(self.w)})"


class RMSNorm(Module):
    """``x / rms(x)`` with ``rms(x) = √(mean of xᵢ² + eps)``: the list scaled so that its
    root-mean-square is 1, whatever the layers before it did to its size (no parameters)."""

    def __init__(self, eps: float = 1e-5) -> None:
        self.eps = eps

    def forward(self, x: Sequence[Value]) -> list[Value]:
        mean_square = dot(x, x) * (1.0 / len(x))  # Σ xᵢ², one node
        scale = (mean_square + self.eps) ** -0.5
        return [xi * scale for xi in x]

    def __repr__(self) -> str:
        return "RMSNorm()"


class Head(Module):
    """One head of attention: ``query``, ``key`` and ``value`` each turn the token's
    ``n_embd`` numbers into ``head_size`` numbers. The key and value join the lists of the
    tokens before; the query is scored against every key (``q·k / √head_size``); softmax
    makes the scores weights that add up to 1; the output is the weighted sum of the
    values."""

    def __init__(self, n_embd: int, head_size: int, std: float, rng: random.Random) -> None:
        self.query = Linear(n_embd, head_size, std, rng)
        self.key = Linear(n_embd, head_size, std, rng)
        self.value = Linear(n_embd, head_size, std, rng)
        self.scale = 1.0 / math.sqrt(head_size)

    def forward(self, x: Sequence[Value], cache: tuple[list[list[Value]], list[list[Value]]]
                ) -> list[Value]:
        keys, values = cache  # of the tokens before this one: this head's memory
        q = self.query(x)
        keys.append(self.key(x))
        values.append(self.value(x))
        with named_scope("scores"):  # how well each token's key matches this query
            scores = [s * self.scale for s in dots(keys, q)]
        with named_scope("softmax"):
            weights = softmax(scores)
        with named_scope("mix"):  # output j: Σₜ weightₜ · valueₜ[j]
            return dots(zip(*values), weights)

    def __repr__(self) -> str:
        return f"Head({len(self.query.w[0])} -> {len(self.query.w)})"


class Attention(Module):
    """Multi-head attention: the heads side by side, then ``proj`` mixes their outputs."""

    def __init__(self, n_embd: int, n_head: int, std: float, rng: random.Random) -> None:
        if n_embd % n_head:
            raise ValueError(f"Attention: n_embd = {n_embd} must be a multiple of n_head = "
                             f"{n_head} (each head gets n_embd / n_head numbers)")
        self.heads = [Head(n_embd, n_embd // n_head, std, rng) for _ in range(n_head)]
        self.proj = Linear(n_embd, n_embd, std, rng)

    def forward(self, x: Sequence[Value], cache: list[tuple[list[list[Value]],
                                                            list[list[Value]]]]) -> list[Value]:
        joined = [y for head, memory in zip(self.heads, cache) for y in head(x, memory)]
        return self.proj(joined)

    def __repr__(self) -> str:
        return f"Attention({len(self.heads)} heads)"


class FeedForward(Module):
    """The MLP of a block: ``proj(relu(fc(x)))``, through a layer 4× wider."""

    def __init__(self, n_embd: int, std: float, rng: random.Random) -> None:
        self.fc = Linear(n_embd, 4 * n_embd, std, rng)
        self.proj = Linear(4 * n_embd, n_embd, std, rng)

    def forward(self, x: Sequence[Value]) -> list[Value]:
        return self.proj([h.relu() for h in self.fc(x)])

    def __repr__(self) -> str:
        return f"FeedForward({len(self.fc.w[0])} -> {len(self.fc.w)} -> {len(self.proj.w)})"


class Block(Module):
    """A transformer block: ``x + attn(norm_1(x))``, then ``x + mlp(norm_2(x))``. The
    additions (residual connections) let the gradient reach the layers below unchanged."""

    def __init__(self, n_embd: int, n_head: int, std: float, rng: random.Random) -> None:
        self.norm_1 = RMSNorm()
        self.attn = Attention(n_embd, n_head, std, rng)
        self.norm_2 = RMSNorm()
        self.mlp = FeedForward(n_embd, std, rng)

    def forward(self, x: list[Value], cache: list[tuple[list[list[Value]], list[list[Value]]]]
                ) -> list[Value]:
        attended = self.attn(self.norm_1(x), cache)
        with named_scope("residual_1"):
            x = _added(x, attended)
        fed = self.mlp(self.norm_2(x))
        with named_scope("residual_2"):
            return _added(x, fed)

    def __repr__(self) -> str:
        return f"Block({self.attn!r}, {self.mlp!r})"


class GPT(Module):
    """A character-level GPT: ``GPT(vocab_size)`` with ``n_embd`` numbers per token,
    ``n_head`` heads in each of ``n_layer`` blocks, reading at most ``block_size`` tokens.
    Every weight is drawn from N(0, ``std``²) by ``random.Random(seed)``.

    ``model(token, pos, cache)`` gives the scores (logits) for the token after ``token``, at
    position ``pos``, given the tokens before it in ``cache``; ``loss(tokens)`` runs a whole
    text; ``sample(bos)`` makes a new one."""

    def __init__(self, vocab_size: int, *, n_embd: int = 16, n_head: int = 4, n_layer: int = 1,
                 block_size: int = 16, std: float = 0.08, seed: int | random.Random = 0) -> None:
        for name, n in (("vocab_size", vocab_size), ("n_embd", n_embd), ("n_head", n_head),
                        ("n_layer", n_layer), ("block_size", block_size)):
            if isinstance(n, bool) or not isinstance(n, int) or n < 1:
                raise ValueError(f"GPT: {name} must be an int >= 1, got {n!r}")
        rng = seed if isinstance(seed, random.Random) else random.Random(seed)
        self.vocab_size, self.block_size = vocab_size, block_size
        self.n_head, self.n_layer = n_head, n_layer
        self.wte = _matrix(vocab_size, n_embd, std, rng)  # a row per token
        self.wpe = _matrix(block_size, n_embd, std, rng)  # a row per position
        self.blocks = [Block(n_embd, n_head, std, rng) for _ in range(n_layer)]
        self.norm_f = RMSNorm()
        self.lm_head = Linear(n_embd, vocab_size, std, rng)
        self.label_parameters()  # wte.3.0, blocks.0.attn.heads.1.query.w.2.5, ...

    def new_cache(self) -> Cache:
        """Empty lists of keys and values for every head of every block: nothing seen yet."""
        return [[([], []) for _ in range(self.n_head)] for _ in range(self.n_layer)]

    def forward(self, token: int, pos: int, cache: Cache) -> list[Value]:
        """The logits for the next token, one per token of the vocabulary."""
        if type(token) is not int:
            token = _token(token, self.vocab_size, "GPT")
        if not 0 <= pos < self.block_size:
            raise IndexError(f"GPT: position {pos} is beyond block_size = {self.block_size}; "
                             "the model has no embedding for it")
        if not 0 <= token < self.vocab_size:
            raise IndexError(f"GPT: token {token} is not in the vocabulary 0..."
                             f"{self.vocab_size - 1}")
        with named_scope("embed"):  # this token, at this position
            x = _added(self.wte[token], self.wpe[pos])
        for block, memory in zip(self.blocks, cache):
            x = block(x, memory)
        return self.lm_head(self.norm_f(x))

    def loss(self, tokens: Sequence[int]) -> Value:
        """The mean cross-entropy of predicting each token of ``tokens`` from the ones
        before it (the first ``block_size`` predictions): ``log(vocab_size)`` for a model
        that guesses uniformly, 0 for one that is always sure and right."""
        if isinstance(tokens, str):
            raise TypeError(f"GPT.loss: tokens are ints, {_TOKENS.format(self.vocab_size - 1)}, "
                            f"got the string {tokens!r}; encode it first: tokens = "
                            f"CharTokenizer(load_names()) (from tinygrad_edu.training.text), then "
                            f"model.loss(tokens.encode({tokens!r}))")
        n = min(self.block_size, len(tokens) - 1)
        tokens = [t if type(t) is int else _token(t, self.vocab_size, f"GPT.loss: tokens[{i}]")
                  for i, t in enumerate(tokens[:n + 1])]
        if n < 1:
            raise ValueError(f"GPT.loss needs at least two tokens (one to read, one to "
                             f"predict), got {list(tokens)!r}")
        cache = self.new_cache()
        losses: list[Any] = []  # Values: cross_entropy of one list of logits is one Value
        for pos in range(n):
            logits = self(tokens[pos], pos, cache)
            with named_scope("loss"):
                losses.append(cross_entropy(logits, tokens[pos + 1]))
        with named_scope("loss"):
            return vsum(losses) * (1.0 / n)

    def sample(self, bos: int, *, temperature: float = 1.0,
               rng: int | random.Random | None = None) -> list[int]:
        """A new text's tokens: from ``bos``, draw each next token from the model's
        probabilities, softmax(logits / temperature), until ``bos`` comes again or
        ``block_size`` tokens are drawn (the last ``bos`` is left out). A temperature below 1
        makes likely tokens likelier (tamer texts), above 1 less so. ``rng``: an int or a
        ``random.Random`` for the same text every time, None for Python's global ``random``.
        No graph is recorded (``no_grad``)."""
        if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) \
                or not temperature > 0 or temperature == math.inf:
            raise ValueError(f"GPT.sample: temperature must be a number > 0, got "
                             f"{temperature!r}")
        draw: Any = random if rng is None else (
            rng if isinstance(rng, random.Random) else random.Random(rng))
        cache, token, out = self.new_cache(), bos, []
        with no_grad():
            for pos in range(self.block_size):
                logits = self(token, pos, cache)
                probs = softmax([z * (1.0 / temperature) for z in logits])
                token = draw.choices(range(self.vocab_size), weights=[p.data for p in probs])[0]
                if token == bos:
                    break
                out.append(token)
        return out

    def __repr__(self) -> str:
        n = len(self.parameters())
        return (f"GPT(vocab {self.vocab_size}, n_embd {len(self.wte[0])}, {self.n_head} heads, "
                f"{self.n_layer} block{'s' * (self.n_layer > 1)}, block_size {self.block_size}; "
                f"{n:,} parameters)")
