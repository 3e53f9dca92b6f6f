"""The differential fuzzer of compile() (tests/program/fuzz.py): random functions of Values
written as a learner writes them, numbers outside the arguments changed between calls, run as
the engine and as native and Python programs. Never a silent wrong number; and a refusal only
for what no program can follow (so that refusing everything cannot pass).

A fixed sample runs in the main tier (seeds 0-89); the long tier sweeps the 10,000 seeds after
it (the rates before and after issue 64 are in docs/guides/programs.md)."""

import pytest

from tests.program.fuzz import generate, run

REFUSALS = ("an iterator", "a set of Values made in the call")
"""What a fuzzed function may be refused for: what it gives changes at every call."""


def check(seeds: range) -> None:
    found = []
    for seed in seeds:
        verdict, why = run(generate(seed))
        if verdict == "silent" or (verdict == "loud" and not any(r in why for r in REFUSALS)):
            found.append((seed, verdict, why[:400]))
    assert not found, found


@pytest.mark.parametrize("block", range(3))
def test_a_fixed_sample_gives_the_engines_numbers_or_a_reason(block):
    check(range(block * 30, block * 30 + 30))


@pytest.mark.long(sibling="test_a_fixed_sample_gives_the_engines_numbers_or_a_reason")
@pytest.mark.parametrize("block", range(40))
def test_many_seeds_give_the_engines_numbers_or_a_reason(block):
    check(range(90 + block * 250, 90 + block * 250 + 250))
