"""The stages of "Build microgpt yourself": from one ``Value`` to a GPT that makes up names.

Each stage asks for one piece of microgpt, in the order a GPT is built, and is graded as
every exercise is: hypothesis draws inputs, the learner's answer (the outputs' numbers and
the gradients they let through) is compared with the reference's (``reference.py``), and a
wrong answer gets the simplest failing input and, where a classic mistake gives exactly the
learner's answers, its name and a hint (``mistakes.py``). A stage ``uses`` the stages
before it: where one of them did not pass, the grader answers for it
(``answering.py``). Stage 1, the
node, is in ``node.py``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from tinygrad_edu.exercises import mistakes as W
from tinygrad_edu.exercises.grading import Exercise
from tinygrad_edu.exercises.learner.inputs import Call
from tinygrad_edu.exercises.microgpt import cases as C
from tinygrad_edu.exercises.microgpt import mistakes as M
from tinygrad_edu.exercises.microgpt import reference as R
from tinygrad_edu.exercises.microgpt.node import (
    NODE,
    entry_names,
    make_stage,
    part_rows,
)
from tinygrad_edu.exercises.mistakes import LOOP, ONE_SHORT, Mistake
from tinygrad_edu.exercises.starters import starter

__all__ = ["TRACK"]

# ----------------------------------------------------------------------------- 2-5: layers

_GRAPH_CUT = (
    "Your outputs hold the right numbers, but no gradient reaches the inputs: they were made "
    "from plain numbers (a Value's .data, or a new Value(...) around one), and backward "
    "cannot go back through a plain number. Compute them with the Values themselves (+, *, "
    ".exp(), ...), so that each output remembers what it was made from.")


PRODUCT, ROOT = r"\*", r"\*\*|sqrt"
"""Where linear's mistakes are (the line of its products) and rmsnorm's (of its root)."""

_EPS = r"(?:\b1(?:\.0*)?[eE]-0*5\b|\beps\w*|\b0\.00001\b)"
EPS_ADDED = (rf"\+\s*{_EPS}|{_EPS}\s*\+", ROOT)
"""Where rmsnorm's 1e-5 outside the root is: the line that adds it (``ms ** -0.5 + 1e-5``,
``root + eps``), else the root's (a mean square of ``xi ** 2`` is a root's line too)."""


def _from_data(reference: Callable[..., Any]) -> Mistake:
    """The mistake of a stage whose outputs were made from ``.data``."""
    return Mistake("data", "the outputs made from .data: no gradient reaches the inputs",
                   _GRAPH_CUT, M.from_data(reference),
                   where=(reference.__name__, r"\bValue\("))


def _data_of(name: str, model: Callable[..., Any]) -> Mistake:
    """linear's mistake of multiplying by ``name``'s ``.data``: no gradient reaches it."""
    other = "x" if name == "w" else "w"
    return Mistake("data", f"{name}'s .data used: no gradient reaches {name}",
                   f"The outputs and {other}'s gradients are right, but {name}'s are all 0: "
                   f"{name}'s entries went into the products as plain numbers (.data), which "
                   f"backward cannot go back through. Multiply the Values themselves, "
                   "wi * xi.", model, where=("linear", r"\.data"))

LINEAR = make_stage(
    number=2, name="linear", title="linear: a matrix times a vector, of Values",
    params="x, w",
    statement="""
A linear layer (no bias, as in microgpt) multiplies a vector x by a matrix w: output j is
the weighted sum of x with row j of w,

    out[j] = w[j][0]·x[0] + w[j][1]·x[1] + ... = Σ_i w[j][i]·x[i]

x is a list of n Values and w a list of m rows of n Values each; return the m outputs, a
list of Values. Build them with + and * on the Values themselves (Python's sum works:
sum(... for ...) starts at 0, and 0 + a Value is a Value), so that backward reaches every
x and every w. With x = [1, 2] and w = [[0.5, -1], [2, 0.5]]: [-1.5, 3.0].

Graded on the outputs and on x's and w's gradients after backward() on a weighted sum of
the outputs.
""",
    starter=starter("linear", "x, w", "x: n Values; w: m rows of n Values. Return the m "
                                       "weighted sums w[j]·x."),
    domain="x of 1 to 4 numbers and w of 1 to 4 rows, square and not; entries in [-2, 2]",
    cases=C.linear_cases(), call=Call("gpt_linear", ("out", "dx", "dw")),
    parts=("out", "dx", "dw"), reference=R.linear, examples=C.LINEAR_EXAMPLES,
    smallest=C.LINEAR_SMALLEST,
    rows=part_rows(entry_names("out{}", "c"), entry_names("x{}.grad", "x"),
               entry_names("w{}.grad", "w")),
    mistakes=(
        Mistake("shape", "w read by its columns (transposed)",
                "Output j uses row j of w: w[j][i]·x[i], summed over i. You summed down a "
                "column, w[i][j]·x[i], as if w were transposed; for m×n weights, row j is "
                "w[j].", M.linear_transposed, where=("linear", PRODUCT)),
        Mistake("first_only", "every output from the first row",
                "Each output has a row of its own: out[j] uses w[j], not w[0].",
                M.linear_first_row, where=("linear", PRODUCT)),
        Mistake("sum", "only the first product, not the sum",
                "out[j] adds up a product for every i: Σ_i w[j][i]·x[i], not w[j][0]·x[0].",
                M.linear_first_term, where=("linear", PRODUCT)),
        Mistake("sum", "only the last product kept (= where += was meant)",
                "Each output is the last product of its row, w[j][-1]·x[-1]: the running "
                "sum is replaced at every step (total = wi * xi, or total = 0 inside the "
                "loop over i) instead of added to (total = total + wi * xi, starting from 0 "
                "once per row).", M.linear_last_term,
                where=("linear", PRODUCT)),
        Mistake("sum", "the last product left out (a loop one short)",
                "out[j] adds up a product for every i, the last one too: Σ_i w[j][i]·x[i] "
                "for i from 0 to len(x) - 1. range(1, len(x) - 1) after w[j][0]·x[0] stops "
                "one short (range stops before its end): range(1, len(x)) goes on to the "
                "last, and range(len(x)) from total = 0 does it all.", M.linear_last_dropped,
                where=("linear", (ONE_SHORT, PRODUCT))),
        _from_data(R.linear), _data_of("w", M.linear_w_data), _data_of("x", M.linear_x_data),
    ))

SOFTMAX = make_stage(
    number=3, name="softmax", title="softmax, kept from overflowing", params="logits",
    statement="""
Softmax turns a list of logits (Values) into probabilities: exponentiate each, then divide
by their sum, so that they are positive and add up to 1.

    p_i = exp(z_i) / Σ_j exp(z_j)

exp overflows a float above about 709, and logits can be that large. Since softmax does
not change when the same number is subtracted from every logit, subtract the largest
first (as a plain number: max(v.data for v in logits)); then every exp is at most 1. Return
the list of probabilities, Values. softmax([1, 2, 0.5]) is about [0.2312, 0.6285, 0.1402].
""",
    starter=starter("softmax", "logits", "logits: a list of Values. Return their softmax, a "
                                          "list of Values."),
    domain="1 to 5 logits in [-4, 4], moved by 750 or -750 one time in four",
    cases=C.logits(), call=Call("gpt_softmax", ("probs", "dlogits")),
    parts=("probs", "dlogits"), reference=R.softmax, examples=C.SOFTMAX_EXAMPLES,
    smallest=C.SOFTMAX_SMALLEST,
    rows=part_rows(entry_names("p{}", "x"),
               entry_names("logits{}.grad", "x")),
    mistakes=(
        Mistake("stable", "the largest logit not subtracted",
                "exp of a logit above about 709 is too large for a float (OverflowError), and "
                "of one below about -745 it is 0, so the sum can be 0. Subtract the largest "
                "logit from every logit first: the probabilities are the same, and every exp "
                "is at most 1.",
                M.softmax_unstable, where=("softmax", r"exp\(")),
        Mistake("denominator", "divided by the sum of the logits",
                "The denominator is the sum of the *exponentials*, Σ_j exp(z_j - max): the "
                "same numbers you divide, added up.", M.softmax_over_logits,
                where=("softmax", r"\bsum\(")),
        Mistake("normalise", "not divided by the sum",
                "exp(z_i - max) are not probabilities yet: divide each by their sum, so that "
                "they add up to 1.", M.softmax_not_normalised, where=("softmax", r"\breturn\b")),
        Mistake("normalise", "not divided by the sum, nor the largest logit subtracted",
                "exp(z_i) are not probabilities yet: divide each by their sum, so that they "
                "add up to 1; and subtract the largest logit first (exp of a logit above "
                "about 709 is too large for a float), which changes no probability.",
                M.softmax_exps_alone, where=("softmax", r"\breturn\b")),
        Mistake("data", "the sum made from .data: backward takes it for a constant",
                "The probabilities are right, but the gradient misses the path through the "
                "sum: made of .data, it is a plain number to backward. Add up the Values "
                "themselves: total = sum(exps).", M.softmax_total_of_data,
                where=("softmax", r"\bsum\(")),
        _from_data(R.softmax),
    ))

NLL = make_stage(
    number=4, name="nll", title="the negative log-likelihood of the next token",
    params="logits, target",
    statement="""
A language model is trained to give the right next token a high probability. Its loss at
one position is the negative log-likelihood of that token: with p = softmax(logits),

    loss = -log p[target]

It is 0 when the model is sure and right (p[target] = 1), and grows without bound as
p[target] goes to 0. A model that guesses uniformly among 27 tokens has loss
-log(1/27) ≈ 3.30. Use your softmax. Return the loss, one Value.
nll([1, 2, 0.5], 1) is about 0.4644.
""",
    starter=starter("nll", "logits, target", "Return -log softmax(logits)[target], a Value."),
    domain="2 to 5 logits in [-4, 4] (moved by ±750 one time in four), any target among them",
    cases=C.targets(), call=Call("gpt_nll", ("loss", "dlogits")), parts=("loss", "dlogits"),
    reference=R.nll, examples=C.NLL_EXAMPLES,
    smallest=C.NLL_SMALLEST,
    mistakes=(
        Mistake("sign", "the minus sign missing",
                "log p is at most 0, so the loss is -log p: the minus makes it a number to "
                "bring down to 0.", M.nll_without_minus, where=("nll", r"\blog\(")),
        Mistake("log", "the log missing",
                "The loss is -log p[target], not -p[target]: the log makes a probability near "
                "0 cost a lot, and a sum of losses the log of a product of probabilities.",
                M.nll_without_log, where=("nll", r"log|softmax")),
        Mistake("softmax", "the logits used as probabilities",
                "Logits are not probabilities (they can be negative, and do not add up to 1): "
                "take the softmax first, then -log of the target's probability.",
                M.nll_of_logits, where=("nll", r"log|softmax")),
        _from_data(R.nll),
    ))

RMSNORM = make_stage(
    number=5, name="rmsnorm", title="rmsnorm: scale a vector to a root mean square of 1",
    params="x",
    statement="""
Between layers, microgpt rescales each vector so that its numbers stay of order one:

    ms = (x[0]² + x[1]² + ... ) / n        (the mean square)
    out[i] = x[i] / sqrt(ms + 1e-5)

The 1e-5 keeps the division safe when every x[i] is 0. x is a list of Values; return the
list of Values. rmsnorm([1, 2, -2]) is about [0.5773, 1.1547, -1.1547] (ms = 3). Write the
square root as a power: (ms + 1e-5) ** -0.5 multiplies by 1/sqrt.
""",
    starter=starter("rmsnorm", "x", "x: a list of Values. Return x / sqrt(mean(x²) + 1e-5)."),
    domain="1 to 5 numbers in [-2, 2], or a hundred times smaller; also all 0",
    cases=C.rms_inputs(), call=Call("gpt_rmsnorm", ("out", "dx")), parts=("out", "dx"),
    reference=R.rmsnorm, examples=C.RMS_EXAMPLES,
    smallest=C.RMS_SMALLEST,
    rows=part_rows(entry_names("out{}", "x"), entry_names("x{}.grad", "x")),
    mistakes=(
        Mistake("eps", "1e-5 not added",
                "Beside a mean square of order one, 1e-5 changes little; but for small "
                "numbers (x of order 0.01, ms of order 1e-4) it matters, and for all zeros "
                "it is all that stands between you and 0 ** -0.5. Add it: (ms + 1e-5) ** -0.5.",
                M.rmsnorm_without_eps, where=("rmsnorm", ROOT)),
        *(Mistake("eps", "1e-5 added outside the square root",
                  "The 1e-5 goes inside the root: (ms + 1e-5) ** -0.5. Added after it "
                  "(ms ** -0.5 + 1e-5, or ms ** 0.5 + 1e-5 as the divisor) it comes too late: "
                  "when every x[i] is 0, ms is 0, and ms ** -0.5 (or the root's slope, "
                  "0.5 * ms ** -0.5, in backward) divides by zero before the 1e-5 is added "
                  "(ZeroDivisionError). Inside, it keeps what is raised to the power away "
                  "from 0.", model, where=("rmsnorm", EPS_ADDED))
          for model in (M.rmsnorm_eps_outside, M.rmsnorm_eps_outside_root)),
        Mistake("mean", "the sum of squares, not their mean",
                "ms is the *mean* square: the sum of x[i]² divided by n = len(x).",
                M.rmsnorm_sum_not_mean, where=("rmsnorm", r"\bsum\(")),
        Mistake("mean", "divided by len(x) - 1, not by n",
                "ms is the *mean* square: the sum of x[i]² divided by n = len(x). n - 1 is "
                "the sample variance's correction, which rmsnorm does not make; with one "
                "number it divides by 0.",
                M.rmsnorm_over_n_minus_1, where=("rmsnorm", r"len\(")),
        Mistake("root", "divided by ms, not by its square root",
                "The root mean square is sqrt(ms): multiply by (ms + 1e-5) ** -0.5, not ** -1.",
                M.rmsnorm_without_sqrt, where=("rmsnorm", ROOT + r"|/")),
        Mistake("mean", "the mean subtracted first (that is layer norm)",
                "rmsnorm does not centre x: it only divides by the root mean square. "
                "Subtracting the mean is what layer norm does.", M.rmsnorm_mean_subtracted),
        Mistake("square", "the mean of x, not of x²",
                "The mean square adds up x[i]·x[i], not x[i].", M.rmsnorm_unsquared,
                where=("rmsnorm", r"\bsum\(")),
        Mistake("data", "the scale made from .data: backward takes it for a constant",
                "The outputs are right, but the gradient misses the path through the mean "
                "square: computed from .data (math.sqrt takes no Value), the scale is a "
                "plain number to backward. Make ms and the scale of the Values themselves "
                "(xi * xi, ** -0.5).", M.rmsnorm_scale_of_data,
                where=("rmsnorm", r"\.data|sqrt")),
        _from_data(R.rmsnorm),
    ))

# ----------------------------------------------------------------------------- 6-8: the GPT


def _weight_names(attribute: str) -> Callable[[Any], list[str]]:
    """``attn_wq[0][1].grad``, ... for every weight of a case, in the case's order."""
    return lambda case: [f"{name}[{r}][{c}].{attribute}" for name, m in case.weights
                         for r, row in enumerate(m) for c in range(len(row))]


ATTENTION = make_stage(
    number=6, name="attention", title="one causal attention head over a sequence",
    params="q, k, v",
    statement="""
Attention lets each position look back at the positions before it. For one head, every
position t has a query q[t], a key k[t] and a value v[t] (lists of d Values). Position t
scores every position s it may see by the dot product of its query with that key, scaled
by sqrt(d), turns the scores into weights with your softmax, and returns the weighted sum
of the values:

    score[s] = (q[t]·k[s]) / sqrt(d)        for s = 0, 1, ..., t
    w = softmax(score)
    out[t][j] = Σ_s w[s]·v[s][j]

The model predicts the next token, so position t must not see positions after t: it sees
0..t, itself included (microgpt gets this for free from its growing key cache; here you
make it so). q, k and v are lists of T rows; return T rows of d Values. With q = [[1], [1]],
k = [[0], [1]], v = [[1], [3]]: out = [[1.0], [2.4621...]].
""",
    starter=starter("attention", "q, k, v", "q, k, v: T rows of d Values each. Return the "
                                             "head's T output rows, position t seeing 0..t."),
    domain="1 to 4 positions of 1 to 4 features, entries in [-1.5, 1.5]",
    cases=C.heads(), call=Call("gpt_attention", ("out", "dq", "dk", "dv")),
    parts=("out", "dq", "dk", "dv"), reference=R.attention, examples=C.ATTENTION_EXAMPLES,
    smallest=C.ATTENTION_SMALLEST,
    rows=part_rows(entry_names("out{}", "v"), entry_names("q{}.grad", "q"),
               entry_names("k{}.grad", "k"), entry_names("v{}.grad", "v")),
    mistakes=(
        Mistake("causal", "a position sees the positions after it",
                "Position t may only weigh positions 0..t: range(t + 1). Seeing the whole "
                "sequence lets it read the very token it is asked to predict.",
                M.attention_sees_the_future, where=("attention", W.SEES_EVERY_KEY)),
        Mistake("causal", "a position does not see itself",
                "Position t sees 0..t, itself included: range(t + 1), not range(t) (which "
                "leaves position 0 nothing to look at).", M.attention_without_itself,
                where=("attention", rf"\brange\(\s*{LOOP}\s*\)")),
        Mistake("scale", "scores divided by d instead of sqrt(d)",
                "A dot product of d numbers of order one grows like sqrt(d): divide by "
                "sqrt(d) (d ** 0.5) to keep the scores of order one, not by d.",
                M.attention_scaled_by_d,
                where=("attention", (r"/\s*\(?\s*(?:len\([^)]*\)|\w+)\s*\)?(?!\s*\*\*|\s*\()",
                                     r"\bsum\(|\+=.*\*"))),
        Mistake("scale", "scores not scaled",
                "Divide every dot product by sqrt(d): without it, long vectors give large "
                "scores and a softmax that picks one position and passes almost no "
                "gradient to the others.", M.attention_not_scaled,
                where=("attention", r"\bsum\(|\+=.*\*")),
        Mistake("values", "the keys averaged instead of the values",
                "The weights come from the keys, but what they average is the values: "
                "out[t][j] = Σ_s w[s]·v[s][j].", M.attention_averages_keys),
        _from_data(R.attention),  # (first: its q's and k's gradients are the next one's)
        Mistake("data", "the weights made from .data: no gradient reaches q and k",
                "The outputs and v's gradients are right, but q's and k's are 0: the "
                "weights went into the sums as plain numbers (.data), so backward stops at "
                "them. Keep the Values softmax returns.", M.attention_weights_of_data,
                where=("attention", r"\.data")),
    ))

_BLOCK_STATEMENT = """
A transformer block, as microgpt's: attention, then an MLP, each reading the rmsnorm of
its input and adding its result back to it (a residual). Over a sequence x of T positions,
each a list of D Values, with the block's weights p (D×D matrices p["attn_wq"],
p["attn_wk"], p["attn_wv"], p["attn_wo"]; p["mlp_fc1"] of 4D rows of D; p["mlp_fc2"] of D
rows of 4D) and n_head heads of D / n_head features each:

    h[t] = rmsnorm(x[t]);  q[t] = linear(h[t], p["attn_wq"]), likewise k[t] and v[t]
    head i reads features i·s .. (i+1)·s - 1 of every q, k, v (s = D / n_head) with your
        attention; a[t] = the heads' outputs joined in order (D features)
    x[t] = x[t] + linear(a[t], p["attn_wo"])                       (residual)
    x[t] = x[t] + linear(relu(linear(rmsnorm(x[t]), p["mlp_fc1"])), p["mlp_fc2"])

Return the new x: T rows of D Values. Use your linear, rmsnorm and attention.
"""

_RESIDUAL = ("Each part adds its result to what it read: x = x + part(rmsnorm(x)). The "
             "residual is what lets the gradient flow straight through a deep stack.")

BLOCK = make_stage(
    number=7, name="block", title="a transformer block: multi-head attention and an MLP",
    params="x, p, n_head", statement=_BLOCK_STATEMENT,
    starter=starter("block", "x, p, n_head", "x: T rows of D Values; p: the block's weights "
                                              "by name. Return the new T rows."),
    domain="1 to 3 positions of 2 or 4 features, 1 or 2 heads, weights in [-1, 1]",
    cases=C.blocks(), call=Call("gpt_block", ("out", "dx", "dweights")),
    parts=("out", "dx", "dweights"), reference=R.block, examples=C.BLOCK_EXAMPLES,
    examples_first=True, smallest=C.BLOCK_SMALLEST,
    rows=part_rows(entry_names("out{}", "x"), entry_names("x{}.grad", "x"),
               _weight_names("grad")),
    max_examples=40, probe_examples=20,
    mistakes=(
        Mistake("residual", "the attention's residual forgotten", _RESIDUAL,
                M.block_without_attention_residual, where=("block", r"attn_wo")),
        Mistake("residual", "the MLP's residual forgotten", _RESIDUAL,
                M.block_without_mlp_residual, where=("block", r"mlp_fc2")),
        Mistake("heads", "one head over all the features",
                "With n_head heads, each head attends with its own slice of D / n_head "
                "features of q, k and v, and their outputs are joined. One head over all D "
                "features weighs positions once, where each head should weigh them its own "
                "way.", M.block_one_head,
                where=("block", (r"//\s*n_head", r"\bn_head\s*=", r"attention\("))),
        Mistake("heads", "head i's features from i, not from i·s",
                "Head i reads its own s = D / n_head features, i·s to i·s + s - 1: its "
                "slice starts at i * s. Started at i, the heads overlap (with s = 2, head 1 "
                "reads features 1 and 2, not 2 and 3), and the last features go unread.",
                M.block_heads_at_i,
                where=("block", (rf"^\s*\w+\s*=\s*{LOOP}\s*$|\[\s*{LOOP}\s*:",
                                 rf"=\s*{LOOP}\s*,"))),  # (lo, hi = i, i + s: a learner's)
        Mistake("relu", "the MLP's relu missing",
                "Without the relu, fc2·(fc1·h) is one linear map: the MLP adds nothing a "
                "single matrix could not.", M.block_without_relu),
        Mistake("norm", "no rmsnorm before the attention",
                "Each part reads rmsnorm(x), not x itself: h[t] = rmsnorm(x[t]) before q, k "
                "and v.", M.block_without_attention_norm,
                where=("block", (r"attn_wq", r"attention\("))),
        Mistake("norm", "no rmsnorm before the MLP",
                "The MLP reads rmsnorm(x) too: linear(rmsnorm(x[t]), p['mlp_fc1']).",
                M.block_without_mlp_norm),
        Mistake("projection", "the heads' outputs not projected by attn_wo",
                "After the heads are joined, linear(a[t], p['attn_wo']) mixes them before "
                "the residual.", M.block_without_projection),
        Mistake("residual", "the residual added to rmsnorm(x), not to x",
                "The residual carries x itself around the part: x + part(rmsnorm(x)). "
                "Adding to rmsnorm(x) loses x's scale.", M.block_residual_of_the_norm,
                where=("block", (r"\bx\s*=\s*\w+\s*=", r"attn_wo"))),
        _from_data(R.block),
    ))

_GPT_STATEMENT = """
Now the whole model. model is microgpt's state_dict: a dict of matrices (lists of rows of
Values): "wte" (one row of n_embd per token of the vocabulary), "wpe" (one row per
position), each layer's block weights "layer0.attn_wq", ..., "layer0.mlp_fc2", then
"layer1. ..." for a second layer, and "lm_head" (one row per token). For tokens (a list of
ints), return the logits of the next token at every position:

    x[t] = rmsnorm(wte[tokens[t]] + wpe[t])       (added feature by feature)
    x = block(x, layer 0's weights, n_head), then layer 1's, ... as many as model holds
    logits[t] = linear(x[t], model["lm_head"])

A layer's weights for block: {name[len("layer0."):]: m for name, m in model.items() if
name.startswith("layer0.")}. Return T lists of vocabulary-size Values.
"""

GPT = make_stage(
    number=8, name="gpt", title="the GPT: embeddings, blocks and the head",
    params="model, tokens, n_head", statement=_GPT_STATEMENT,
    starter=starter("gpt", "model, tokens, n_head", "model: microgpt's state_dict; tokens: "
                                                     "ints. Return the logits at every "
                                                     "position."),
    domain="3 to 5 tokens in the vocabulary, 2 or 4 features, 1 or 2 heads, 1 or 2 layers, "
           "1 to 4 tokens; weights in [-1, 1]",
    cases=C.models(), call=Call("gpt_gpt", ("logits", "dweights")),
    parts=("logits", "dweights"), reference=R.gpt, examples=C.GPT_EXAMPLES,
    examples_first=True, smallest=C.GPT_SMALLEST,
    rows=part_rows(entry_names("logits{}", "c"), _weight_names("grad")),
    max_examples=30, probe_examples=15,
    mistakes=(
        Mistake("positions", "no position embedding",
                "Attention by itself does not know where a token stands: add wpe[t], the "
                "position's own row, to the token's row wte[tokens[t]].",
                M.gpt_without_positions, where=("gpt", W.TOKENS_EMBEDDED)),
        Mistake("norm", "no rmsnorm after the embeddings",
                "microgpt normalises the sum of the two embeddings before the first block: "
                "x[t] = rmsnorm(wte[tokens[t]] + wpe[t]).", M.gpt_without_norm,
                where=("gpt", W.EMBEDDINGS_ADDED)),
        Mistake("layers", "only the first layer",
                "Run every layer the model holds, layer0, layer1, ...: each block's output is "
                "the next block's input.", M.gpt_first_layer_only, where=("gpt", W.ONE_LAYER)),
        Mistake("positions", "every token given the same position",
                "Position t adds wpe[t]: the row of its own position, not the last one.",
                M.gpt_last_position_embedding, where=("gpt", W.EMBEDDINGS_ADDED)),
        Mistake("positions", "every token given the first position",
                "Position t adds wpe[t]: the row of its own position, not the first one, "
                "wpe[0].", M.gpt_first_position_embedding, where=("gpt", W.EMBEDDINGS_ADDED)),
        _from_data(R.gpt),
    ))

# ----------------------------------------------------------------------------- 9-10: training

ADAM = make_stage(
    number=9, name="adam", title="Adam's update, with bias correction",
    params="params, m, v, t, lr, beta1=0.85, beta2=0.99, eps=1e-8",
    statement="""
microgpt trains with Adam. Besides each parameter's gradient g, Adam keeps two running
averages per parameter, in the lists m and v (one number per parameter, 0 at first), and
at step t (counting from 1) it does, for every parameter p with index i:

    m[i] = beta1·m[i] + (1 - beta1)·g
    v[i] = beta2·v[i] + (1 - beta2)·g²
    m̂ = m[i] / (1 - beta1^t),   v̂ = v[i] / (1 - beta2^t)        (bias correction)
    p.data -= lr · m̂ / (sqrt(v̂) + eps)

m and v start at 0, so early on they are too small: the bias correction divides that out
(at t = 1, m̂ is exactly g). Change p.data, m and v in place; return nothing. The defaults
are microgpt's: beta1 = 0.85, beta2 = 0.99, eps = 1e-8.
""",
    starter=starter("adam", "params, m, v, t, lr, beta1=0.85, beta2=0.99, eps=1e-8",
                     "One step of Adam: update m, v and every p.data in place."),
    domain="1 to 4 parameters, data and grad in [-2, 2], moments as after earlier steps or "
           "all 0 at t = 1; t from 1 to 5; lr 0.1, 0.05 or 0.01; microgpt's betas (the "
           "defaults) or PyTorch's (0.9, 0.999)",
    cases=C.adam_cases(), call=Call("gpt_adam", ("data", "m", "v")), parts=("data", "m", "v"),
    reference=R.adam, examples=C.ADAM_EXAMPLES,
    smallest=C.ADAM_SMALLEST,
    rows=part_rows(entry_names("p{}.data", "data"), entry_names("m{}", "m"),
               entry_names("v{}", "v")),
    mistakes=(
        Mistake("bias", "bias correction with t - 1 (the step counted from 0)",
                "t counts from 1: the first step divides by 1 - beta1**1. With t - 1 the first "
                "step divides by 1 - beta1**0 = 0.", M.adam_step_minus_one),
        Mistake("bias", "bias correction with t + 1",
                "t is this step's number, from 1: divide by 1 - beta1**t (and 1 - beta2**t), "
                "not by the next step's.", M.adam_step_plus_one),
        Mistake("bias", "m̂'s bias correction with t - 1 (the step counted from 0)",
                "t counts from 1: m̂ = m / (1 - beta1**t), as v̂ = v / (1 - beta2**t) is in "
                "yours. With t - 1 the first step divides m by 1 - beta1**0 = 0.",
                M.adam_m_step_minus_one, where=("adam", r"beta1\s*\*\*")),
        Mistake("bias", "v̂'s bias correction with t - 1 (the step counted from 0)",
                "t counts from 1: v̂ = v / (1 - beta2**t), as m̂ = m / (1 - beta1**t) is in "
                "yours. With t - 1 the first step divides v by 1 - beta2**0 = 0.",
                M.adam_v_step_minus_one, where=("adam", r"beta2\s*\*\*")),
        Mistake("bias", "m̂'s bias correction with t + 1",
                "t is this step's number, from 1: m̂ = m / (1 - beta1**t), as v̂ is in yours, "
                "not the next step's.", M.adam_m_step_plus_one,
                where=("adam", r"beta1\s*\*\*")),
        Mistake("bias", "v̂'s bias correction with t + 1",
                "t is this step's number, from 1: v̂ = v / (1 - beta2**t), as m̂ is in yours, "
                "not the next step's.", M.adam_v_step_plus_one,
                where=("adam", r"beta2\s*\*\*")),
        Mistake("bias", "bias correction without the power t",
                "Divide by 1 - beta1**t and 1 - beta2**t, t being this step's number: 1 - "
                "beta1 alone is right at t = 1 only, and from t = 2 on divides by too "
                "little, so that m̂ and v̂ come out too large.", M.adam_without_power,
                where=("adam", r"/\s*\(\s*1\s*-\s*beta[12]\s*\)")),
        Mistake("bias", "m̂'s bias correction without the power t",
                "Divide m by 1 - beta1**t, as v̂ = v / (1 - beta2**t) is in yours: 1 - beta1 "
                "alone is right at t = 1 only, and from t = 2 on m̂ comes out too large.",
                M.adam_m_without_power, where=("adam", r"/\s*\(\s*1\s*-\s*beta1\s*\)")),
        Mistake("bias", "v̂'s bias correction without the power t",
                "Divide v by 1 - beta2**t, as m̂ = m / (1 - beta1**t) is in yours: 1 - beta2 "
                "alone is right at t = 1 only, and from t = 2 on v̂ comes out too large.",
                M.adam_v_without_power, where=("adam", r"/\s*\(\s*1\s*-\s*beta2\s*\)")),
        Mistake("bias", "no bias correction",
                "m and v start at 0, so early steps are too small unless m and v are divided "
                "by 1 - beta1**t and 1 - beta2**t.", M.adam_uncorrected, where=("adam", W.M_HAT)),
        Mistake("kept", "m and v not kept in the lists",
                "Store the new moments back, m[i] = ... and v[i] = ...: the next step starts "
                "from them.", M.adam_moments_not_kept),
        Mistake("square", "v averages g, not g²",
                "v is the running average of the squared gradient: (1 - beta2)·g**2.",
                M.adam_not_squared),
        Mistake("root", "divided by v̂, not by its square root",
                "The step is m̂ / (sqrt(v̂) + eps): v̂ is a square, and its root has the scale "
                "of the gradient.", M.adam_without_root),
        Mistake("eps", "eps added under the square root",
                "The step is m̂ / (sqrt(v̂) + eps): eps is added after the root. Under it, "
                "(v̂ + eps) ** 0.5 is at least 1e-4 where eps = 1e-8 was meant, and a small "
                "v̂ gives a step ten thousand times too short.", M.adam_eps_in_root,
                where=("adam", r"\*\*\s*0?\.5|sqrt")),
        Mistake("moved", "p.data not changed (p = ... makes a new name)",
                "m and v are right, but every p.data is as it was: p = p.data - ... binds "
                "the loop's name p to a new number and leaves the parameter alone. Change it "
                "in place: p.data -= lr * m_hat / (v_hat ** 0.5 + eps).",
                M.adam_data_unchanged, where=("adam", r"\bp\s*=[^=]")),
        Mistake("sign", "a step uphill",
                "Subtract: p.data -= lr·m̂ / (sqrt(v̂) + eps). m̂ points uphill.",
                M.adam_ascent, where=("adam", W.STEP_ADDED)),
    ))

TRAIN = make_stage(
    number=10, name="train_step", title="a training step: loss, backward, Adam",
    params="model, tokens, n_head, m, v, t, lr",
    statement="""
One step of training on one name. tokens is the name as token ids between two BOS tokens
(microgpt's "emma" is [BOS, e, m, m, a, BOS]). The model reads every token but the last,
and at position i it should predict tokens[i + 1]:

    logits = gpt(model, tokens[:-1], n_head)
    loss = the mean of nll(logits[i], tokens[i + 1]) over the positions
    loss.backward()
    params = [p for matrix in model.values() for row in matrix for p in row]
    adam(params, m, v, t, lr)

and then set every p.grad back to 0: gradients add up, and the next step must start from
0. Return the loss as a number (loss.data). Use your gpt, nll and adam.
""",
    starter=starter("train_step", "model, tokens, n_head, m, v, t, lr",
                     "One step on one name: loss, backward, adam, gradients to 0. Return "
                     "the loss (a number)."),
    domain="two steps on two names of 1 to 3 tokens, a model of 3 or 4 tokens, 2 or 4 "
           "features, 1 or 2 heads, one layer; lr 0.1 or 0.01",
    cases=C.trainings(), call=Call("gpt_train", ("losses", "weights")),
    parts=("losses", "weights"), reference=R.train_step, examples=C.TRAIN_EXAMPLES,
    smallest=C.TRAIN_SMALLEST,
    examples_first=True,
    rows=part_rows(lambda c: [f"step {t}'s loss" for t in range(1, len(c.names) + 1)],
               _weight_names("data")),
    max_examples=15, probe_examples=8,
    mistakes=(
        Mistake("zero", "gradients not zeroed between steps",
                "backward adds to every grad, so the second step's gradients still hold the "
                "first step's: set every p.grad = 0 after adam (or before backward).",
                M.train_not_zeroed),
        Mistake("zero", "only the first gradient set to 0 (a return inside the loop)",
                "return ends train_step at once: inside the loop that sets p.grad = 0, it "
                "returns after the first parameter, and every other gradient is carried "
                "into the next step. Put return loss.data after the loop, at the function's "
                "own indentation.", M.train_first_zeroed,
                where=("train_step", r"\breturn\b|\bbreak\b")),
        Mistake("mean", "the losses summed, not averaged",
                "The loss is the mean over the positions: a long name would otherwise count "
                "more, and take larger steps.", M.train_summed,
                where=("train_step", r"\bsum\(|\bloss\w*\s*\+=")),
        Mistake("shift", "the last position left out",
                "The model reads len(tokens) - 1 tokens, and each position predicts the next "
                "one: there are len(tokens) - 1 losses, one per position. range(len(tokens) "
                "- 2) stops one short; zip(logits, tokens[1:]) pairs them all.",
                M.train_one_short, where=("train_step", r"\brange\(|\bzip\(")),
        Mistake("shift", "each position predicts its own token",
                "Position i reads tokens[i] and predicts the *next* one, tokens[i + 1]: "
                "zip(logits, tokens[1:]).", M.train_not_shifted,
                where=("train_step", (r"\bzip\(", r"\bnll\(", r"tokens\["))),
        Mistake("backward", "no backward",
                "Without loss.backward() every grad stays 0 and adam does not move anything.",
                M.train_without_backward),
    ))

_ORDER = (NODE, LINEAR, SOFTMAX, NLL, RMSNORM, ATTENTION, BLOCK, GPT, ADAM, TRAIN)


def _track() -> dict[str, Exercise]:
    """The stages by name, in order, each using the ones before it."""
    made: dict[str, Exercise] = {}
    for stage in _ORDER:
        made[stage.name] = dataclasses.replace(stage, uses=tuple(made.values()))
    return made


TRACK = _track()
"""The stages of "Build microgpt yourself", by name, in the order a GPT is built."""
