"""The GPT built from Values (tinygrad_edu.nn.gpt) and the names it learns
(tinygrad_edu.training.text).

Its gradients agree with central differences, training lowers its loss, sampling is the
same for the same seed, every value it makes is marked with the scope of the part that
made it, and neither module needs NumPy.
"""

import json
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tinygrad_edu import Value, gradcheck, no_grad, scope_of, walk
from tinygrad_edu.nn import GPT
from tinygrad_edu.training.optim import Adam
from tinygrad_edu.training.text import CharTokenizer, load_names

ROOT = Path(__file__).resolve().parents[2]


def tiny(seed=0, **sizes):
    """A GPT small enough to check every parameter: vocab 5, 4 numbers per token, 2 heads,
    reading at most 4 tokens (248 parameters)."""
    return GPT(5, **{"n_embd": 4, "n_head": 2, "n_layer": 1, "block_size": 4, "std": 0.5,
                     **sizes}, seed=seed)


def spots(model):
    """Every parameter as (matrix, row, column), so that a test can put a Value there."""
    return [(matrix, r, c) for matrix in matrices(model)
            for r, row in enumerate(matrix) for c in range(len(row))]


def matrices(model):
    found = [model.wte, model.wpe]
    for block in model.blocks:
        for head in block.attn.heads:
            found += [head.query.w, head.key.w, head.value.w]
        found += [block.attn.proj.w, block.mlp.fc.w, block.mlp.proj.w]
    return [*found, model.lm_head.w]


def loss_of(model, chosen, tokens):
    """The loss as a function of the chosen parameters, the others held at their numbers."""
    def f(*xs):
        saved = [m[r][c] for m, r, c in chosen]
        for (m, r, c), x in zip(chosen, xs):
            m[r][c] = x
        try:
            return model.loss(tokens)
        finally:
            for (m, r, c), p in zip(chosen, saved):
                m[r][c] = p
    return f


def relu_inputs(root):
    return [node.parents[0].data for node in walk(root) if node.op == "relu"]


# ----------------------------------------------------------------------------- gradients


def test_every_gradient_of_a_tiny_gpt_agrees_with_central_differences():
    model, tokens = tiny(seed=3), [4, 1, 2, 0, 3]  # 4 predictions, the cache full at the end
    chosen = spots(model)
    assert len(chosen) == len(model.parameters()) == 248
    f = loss_of(model, chosen, tokens)
    assert min(abs(z) for z in relu_inputs(model.loss(tokens))) > 1e-3  # no kink nearby
    report = gradcheck(f, [m[r][c].data for m, r, c in chosen], atol=1e-9, rtol=1e-5)
    assert report.ok and report.relative_error < 1e-7
    assert sum(abs(e.analytic) > 1e-4 for e in report.entries) > 200  # most of them are far from 0


@given(seed=st.integers(0, 2**32 - 1),
       tokens=st.lists(st.integers(0, 4), min_size=2, max_size=6),
       picks=st.lists(st.integers(0, 247), min_size=1, max_size=6, unique=True))
def test_gradients_of_random_gpts_and_texts_agree_with_central_differences(seed, tokens, picks):
    model = tiny(seed=seed, std=1.0)
    assume(min(abs(z) for z in relu_inputs(model.loss(tokens))) > 1e-3)  # kinks excluded
    chosen = [spots(model)[i] for i in picks]
    gradcheck(loss_of(model, chosen, tokens), [m[r][c].data for m, r, c in chosen],
              atol=1e-8, rtol=1e-5)


def test_the_gradient_reaches_every_parameter_through_the_cache():
    """A key made at position 0 is read again at positions 1, 2, 3: its weights collect the
    gradient of every later prediction (what a causal cache is for)."""
    model, tokens = tiny(), [4, 1, 2, 0, 3]
    loss = model.loss(tokens)
    loss.backward()
    key = model.blocks[0].attn.heads[0].key.w
    alone = tiny()
    first = alone.loss(tokens[:2])  # one prediction: the key of position 0 only meets itself
    first.backward()
    assert key[0][0].grad != alone.blocks[0].attn.heads[0].key.w[0][0].grad
    used = {0, 1, 2, 4}  # tokens read (the last one, 3, is only predicted)
    assert all(p.grad != 0 for r in used for p in model.wte[r])
    assert all(p.grad == 0 for p in model.wte[3])
    assert all(p.grad != 0 for row in model.wpe for p in row)


# ----------------------------------------------------------------------------- training


@pytest.mark.slow
def test_training_on_names_lowers_the_loss():
    names = ["emma", "olivia", "ava", "isabella", "sophia"]
    tokens = CharTokenizer(load_names())
    model = GPT(tokens.vocab_size, seed=0)
    optimizer = Adam(model.parameters(), lr=0.01, betas=(0.85, 0.99))

    def mean_loss():
        with no_grad():
            return sum(model.loss(tokens.encode(n)).data for n in names) / len(names)

    before = mean_loss()
    assert abs(before - 3.2958) < 0.2  # about log(27): an untrained model guesses evenly
    for step in range(30):
        loss = model.loss(tokens.encode(names[step % len(names)]))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert mean_loss() < before - 0.5


def test_the_model_has_microgpts_size_and_pytorch_names():
    model = GPT(27, seed=0)
    names = [name for name, _ in model.named_parameters()]
    assert len(names) == 4192 == 27 * 16 * 2 + 16 * 16 + 4 * 3 * 4 * 16 + 16 * 16 + 2 * 64 * 16
    assert names[0] == "wte.0.0" and names[-1] == "lm_head.w.26.15"
    assert "blocks.0.attn.heads.1.query.w.2.5" in names and "blocks.0.mlp.fc.w.63.15" in names
    assert model.blocks[0].attn.heads[1].query.w[2][5].label == "blocks.0.attn.heads.1.query.w.2.5"
    assert "4,192 parameters" in repr(model)


def test_a_saved_gpt_loads_into_another_with_the_same_numbers(tmp_path):
    model, other = GPT(27, seed=0), GPT(27, seed=1)
    tokens = [26, 4, 12, 12, 0, 26]
    model.save(tmp_path / "gpt.json")
    other.load(tmp_path / "gpt.json")
    assert other.loss(tokens).data == model.loss(tokens).data
    assert json.loads((tmp_path / "gpt.json").read_text())["state_dict"]["wte.3"] == \
        [p.data for p in model.wte[3]]


# ----------------------------------------------------------------------------- sampling


def test_sampling_with_a_seed_gives_the_same_name_every_time():
    tokens = CharTokenizer(load_names())
    model = GPT(tokens.vocab_size, seed=0)
    first = [model.sample(tokens.bos, temperature=0.5, rng=i) for i in range(10)]
    again = [model.sample(tokens.bos, temperature=0.5, rng=random.Random(i)) for i in range(10)]
    assert first == again and len({tuple(s) for s in first}) > 5
    for sample in first:
        assert len(sample) <= model.block_size and all(0 <= t < tokens.bos for t in sample)
    random.seed(7)
    drawn = model.sample(tokens.bos)  # Python's global random, as in micrograd
    random.seed(7)
    assert model.sample(tokens.bos) == drawn


def test_sampling_records_no_graph_and_checks_its_temperature():
    model = tiny()
    leaf = model.wte[0][0]
    model.sample(4, rng=0)
    assert leaf.grad == 0.0
    for bad in (0, -1.0, float("nan"), float("inf"), "hot", True):
        with pytest.raises(ValueError, match="temperature must be a number > 0"):
            model.sample(4, temperature=bad, rng=0)


def test_a_cold_sample_takes_the_likeliest_token():
    model = tiny(seed=5)
    cache = model.new_cache()
    with no_grad():
        logits = [z.data for z in model(4, 0, cache)]
    likeliest = max(range(5), key=logits.__getitem__)
    assert all(model.sample(4, temperature=1e-3, rng=i)[:1] == ([] if likeliest == 4 else
                                                               [likeliest]) for i in range(5))


# ----------------------------------------------------------------------------- scopes


def test_every_value_of_a_step_is_marked_with_the_part_that_made_it():
    model = GPT(27, seed=0)
    loss = model.loss([26, 4, 12, 12, 0, 26])
    made = [node for node in walk(loss) if node.parents]
    scopes = {scope_of(node) for node in made}
    assert "" not in scopes  # every value made is in some part
    for head in range(4):
        for part in ("query", "key", "value", "scores", "softmax", "mix"):
            assert f"blocks.0/attn/heads.{head}/{part}" in scopes
    assert scopes >= {"embed", "blocks.0/norm_1", "blocks.0/attn/proj", "blocks.0/residual_1",
                      "blocks.0/norm_2", "blocks.0/mlp", "blocks.0/mlp/fc", "blocks.0/mlp/proj",
                      "blocks.0/residual_2", "norm_f", "lm_head", "loss"}
    assert scope_of(loss) == "loss"
    relus = [node for node in made if node.op == "relu"]
    assert relus and {scope_of(node) for node in relus} == {"blocks.0/mlp"}
    assert all(scope_of(p) == "" for p in model.parameters())


def test_the_weighted_sums_are_one_node_each():
    model = GPT(27, seed=0)
    loss = model.loss([26, 4, 26])  # two positions: the heads see 1 key, then 2
    made = [node for node in walk(loss) if node.parents]
    dots = [node for node in made if node.op == "dot"]
    # per position: 4 heads × (query, key, value: 4 each, a score per key, 4 mixes), proj 16,
    # fc 64, mlp proj 16, lm_head 27, and one Σxᵢ² for each of the three norms
    per_position = 4 * (3 * 4 + 4) + 16 + 64 + 16 + 27 + 3
    assert len(dots) == 2 * per_position + 4 * (1 + 2)
    # and the rest: per position 421 + 20 per key seen (the embedding 16, the norms 20 each,
    # a head 17 + 5 per key, the MLP's relus 64, the residual sums, the loss 58), then the
    # mean; the per-scalar GPT of benchmarks/plain_gpt.py makes 14,983 nodes for this text
    assert len(made) == 2 * 421 + 20 * (1 + 2) + 2


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize(("make", "error", "message"), [
    (lambda: GPT(27, n_embd=10, n_head=4), ValueError, "n_embd = 10 must be a multiple of "
                                                       "n_head = 4"),
    (lambda: GPT(0), ValueError, "vocab_size must be an int >= 1, got 0"),
    (lambda: GPT(27, block_size=2.5), ValueError, "block_size must be an int >= 1"),
    (lambda: tiny().loss([1]), ValueError, "at least two tokens"),
    (lambda: tiny()(1, 4, tiny().new_cache()), IndexError, "position 4 is beyond block_size"),
    (lambda: tiny()(5, 0, tiny().new_cache()), IndexError, "token 5 is not in the vocabulary"),
])
def test_bad_input_is_named(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_tokens_are_ints_and_text_or_floats_are_sent_to_the_tokenizer():
    model = GPT(CharTokenizer(load_names()).vocab_size, seed=0)
    with pytest.raises(TypeError) as text:
        model.loss("emma")  # on main: '<=' not supported between instances of 'int' and 'str'
    assert str(text.value) == (
        "GPT.loss: tokens are ints, the numbers of the tokenizer's vocabulary (0 to 26), got "
        "the string 'emma'; encode it first: tokens = CharTokenizer(load_names()) (from "
        "tinygrad_edu.training.text), then model.loss(tokens.encode('emma'))")
    tail = ("a token is an int, one of the numbers of the tokenizer's vocabulary (0 to 26), "
            "got {}; a tokenizer makes them from text: tokens.encode(text), with tokens = "
            "CharTokenizer(load_names()) (from tinygrad_edu.training.text)")
    for tokens, i, got in [([26.0, 4.0, 12.0], 0, "26.0, a float"),  # on main: list indices
                           ([26, 4, 12.5, 26], 2, "12.5, a float"),
                           (list("emma"), 0, "the string 'e'"),
                           ([26, True, 26], 1, "True, a bool")]:
        with pytest.raises(TypeError) as wrong:
            model.loss(tokens)
        assert str(wrong.value) == f"GPT.loss: tokens[{i}]: " + tail.format(got)
    with pytest.raises(TypeError) as called:
        model(4.0, 0, model.new_cache())
    assert str(called.value) == "GPT: " + tail.format("4.0, a float")
    # what a tokenizer gives, and NumPy's integers, are tokens
    ids = CharTokenizer(load_names()).encode("emma")
    assert model.loss(ids).data == model.loss(tuple(ids)).data
    np = pytest.importorskip("numpy")
    assert model.loss(np.array(ids)).data == model.loss(ids).data


def test_a_long_text_is_cut_at_the_block_size():
    model = tiny()
    long = [4, 0, 1, 2, 3, 0, 1, 2, 4]
    assert model.loss(long).data == model.loss(long[:5]).data


# ----------------------------------------------------------------------------- the names


def test_the_names_are_the_census_first_names_lowercase_and_distinct():
    names = load_names()
    assert len(names) == len(set(names)) == 5163 and names == sorted(names)
    assert {"mary", "james", "emma", "aaron", "zane"} <= set(names)
    assert set("".join(names)) == set("abcdefghijklmnopqrstuvwxyz")
    assert min(map(len, names)) == 2 and max(map(len, names)) == 11


def test_the_tokenizer_encodes_between_boundaries_and_decodes_back():
    tokens = CharTokenizer(load_names())
    assert (tokens.vocab_size, tokens.bos) == (27, 26)
    assert tokens.encode("emma") == [26, 4, 12, 12, 0, 26]
    assert tokens.decode(tokens.encode("zoe")) == "zoe"
    with pytest.raises(ValueError, match=r"'Emma!' has characters .* '!E'"):
        tokens.encode("Emma!")
    with pytest.raises(ValueError, match="27 is no token"):
        tokens.decode([0, 27])
    with pytest.raises(TypeError, match="a list of texts"):
        CharTokenizer("emma")


# ----------------------------------------------------------------------------- no NumPy


NO_NUMPY_RUN = """
import random
from tinygrad_edu.nn.gpt import GPT
from tinygrad_edu.training.optim import Adam
from tinygrad_edu.training.text import CharTokenizer, load_names
tokens = CharTokenizer(load_names())
model = GPT(tokens.vocab_size, seed=0)
optimizer = Adam(model.parameters(), lr=0.01)
for name in ["emma", "ava"]:
    loss = model.loss(tokens.encode(name))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(tokens.decode(model.sample(tokens.bos, rng=0)), sys.modules.get("numpy") is not None)
"""


def run(code):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=120, check=False)


FRESH = ("tinygrad_edu.training.text", "tinygrad_edu.nn", "tinygrad_edu.nn.module",
         "tinygrad_edu.nn.saving", "tinygrad_edu.nn.init", "tinygrad_edu.training.optim")


def test_the_gpt_and_the_names_import_no_numpy():
    """The tensor engine imports NumPy (and with it ``Module``, ``init``, ``Adam``); from then
    on NumPy cannot be imported in this process, and the names, the GPT and what it stands
    on (``nn``, ``Module``, ``init``, ``Adam``) are imported afresh: they must neither import
    NumPy nor need it to train and sample."""
    result = run(textwrap.dedent(f"""
        import sys
        import tinygrad_edu.tensor
        for name in list(sys.modules):
            if name == "numpy" or name.startswith("numpy."):
                sys.modules[name] = None  # from here on, "import numpy" raises ImportError
            elif name.startswith({FRESH!r}):
                del sys.modules[name]  # imported again below, without NumPy
        before = set(sys.modules)
        """) + NO_NUMPY_RUN + textwrap.dedent("""
        print(" ".join(sorted(m for m in set(sys.modules) - before
                              if m.startswith("tinygrad_edu"))))
        """))
    assert result.returncode == 0, result.stderr
    assert set(FRESH) | {"tinygrad_edu.nn.gpt"} <= set(result.stdout.splitlines()[-1].split())


def test_the_gpt_runs_where_numpy_cannot_be_imported_at_all():
    """In a process where NumPy is missing altogether, as in Pyodide: ``import tinygrad_edu``
    works, and the GPT trains and samples."""
    probe = run("import sys; sys.modules['numpy'] = None; import tinygrad_edu")
    assert probe.returncode == 0, probe.stderr
    result = run("import sys; sys.modules['numpy'] = None\n" + NO_NUMPY_RUN)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "False"


@pytest.mark.slow
def test_a_program_with_a_per_scalar_gpt_runs_on_value():
    """The per-scalar GPT of benchmarks/plain_gpt.py (every weighted sum a sum of products,
    as microgpt writes it) computes on ``Value`` the very loss of ``GPT``."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import plain_gpt
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    model = GPT(27, seed=0)
    weights = model.state_dict()
    assert plain_gpt.initial_weights(27) == weights
    tokens = [26, 4, 12, 12, 0, 26]
    for value in (Value, plain_gpt.PlainValue):
        scalar = plain_gpt.ScalarGPT(value, weights, n_head=4, n_layer=1)
        assert scalar.loss(tokens).data == pytest.approx(model.loss(tokens).data, rel=1e-13)


def test_the_examples_in_the_docstrings_run():
    import doctest

    import tinygrad_edu.nn.gpt
    import tinygrad_edu.training.text

    for module in (tinygrad_edu.training.text, tinygrad_edu.nn.gpt):
        failures, tried = doctest.testmod(module)
        assert failures == 0 and tried >= 4, module
