"""The differential fuzzer of compile() (tests/program/fuzz.py): random functions of Values
written as a learner writes them, numbers outside the arguments changed between calls, run as
the engine and as native and Python programs. Never a silent wrong number; and a refusal only
for what no program can follow (so that refusing everything cannot pass).

A fixed sample runs in the main tier (23 seeds of the first 90, which together draw every kind
of statement, outside number, argument and change between calls twice); the long tier sweeps
the other 10,067 of the first 10,090 (the rates before and after issue 64 are in
docs/guides/programs.md)."""

from collections import Counter

import pytest

from tests.program.fuzz import generate, run
from tests.program.fuzz_cases import Case

REFUSALS = ("an iterator", "a set of Values made in the call")
"""What a fuzzed function may be refused for: what it gives changes at every call."""

SAMPLE = (1, 4, 5, 6, 7, 12, 14, 19, 20, 26, 27, 38, 48, 51, 60, 62, 64, 66, 67, 69, 76, 77, 87)
"""The main tier's seeds: 23 of the first 90 (the main tier ran all 90, 87 s of CPU on a loaded
machine, this 10 s), chosen so that together they draw each kind the first 90 draw twice (a
test below says so)."""
LONG = [seed for seed in range(10090) if seed not in SAMPLE]


def kinds(case: Case) -> set[str]:
    """What a case draws: its features (the kinds of statement and of number read from
    outside, what it returns), the changes between its calls, its kinds of argument, and
    whether a backward() is given a seed and random.seed() is called first."""
    return (case.features | {"changes_" + change[0] for changes in case.mutations
                             for change in changes}
            | {"argument_" + arg[0] for recipe in case.args for arg in recipe}
            | {"backward_seed" for seed in case.seeds if seed is not None}
            | {"random_seed" for seed in case.random_seed if seed is not None})


def check(seeds) -> None:
    found = []
    for seed in seeds:
        verdict, why = run(generate(seed))
        if verdict == "silent" or (verdict == "loud" and not any(r in why for r in REFUSALS)):
            found.append((seed, verdict, why[:400]))
    assert not found, found


def test_the_fixed_sample_draws_every_kind_twice():
    drawn = Counter(kind for seed in SAMPLE for kind in kinds(generate(seed)))
    wanted = {kind for seed in range(90) for kind in kinds(generate(seed))}
    assert len(wanted) > 70, sorted(wanted)  # (every statement, outside number, change ...)
    assert {kind: drawn[kind] for kind in wanted if drawn[kind] < 2} == {}


def test_a_fixed_sample_gives_the_engines_numbers_or_a_reason():
    check(SAMPLE)


@pytest.mark.long(sibling="test_a_fixed_sample_gives_the_engines_numbers_or_a_reason")
@pytest.mark.parametrize("block", range(40))
def test_many_seeds_give_the_engines_numbers_or_a_reason(block):
    check(LONG[block::40])
