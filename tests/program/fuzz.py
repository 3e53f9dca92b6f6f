"""A differential fuzzer of compile(): random functions of Values written as a learner writes
them, run as the engine and as a compiled program (native and Python) on the same numbers, call
after call, with the numbers outside the arguments changed between calls.

Each case is the source of a module, written from its seed (fuzz_cases.py: ``generate``): a
function ``f`` of random statements over every op of the engine, numbers it reads from
outside its arguments, and what changes between its calls.

Every case runs in three copies of its module made from the same source (fuzz_twins.py:
``Twin``): the engine's, the native program's and the Python program's. Each call compares,
bit for bit, the answer (numbers and their types), every parameter's gradient, the numbers the
function writes, the random streams, and that no object of the capture leaks out.
``verdict``: ``same``, ``loud`` (an error the engine does not raise, or another one: a
refusal), or ``silent`` (another number, with no error: what must never happen).

    python -m tests.program.fuzz --seeds 0:5000      # the silent-wrong rate, and a cause each
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import os
import random
import sys
import tempfile
import warnings
from typing import Any

from tests.program.fuzz_cases import Case, generate
from tests.program.fuzz_twins import Twin

__all__ = ["generate", "main", "run", "sweep"]
"""``generate`` (fuzz_cases.py) is given here too: tests/program/test_fuzz.py imports it
with ``run``."""


def run(case: Case, compile_: Any = None, modes: tuple[str, ...] = ("native", "python")
        ) -> tuple[str, str]:
    """The case's verdict, ``same``, ``loud`` or ``silent``, and what differed first."""
    if compile_ is None:
        from tinygrad_edu.program import compile as compile_
    try:
        return _run(case, compile_, modes)
    finally:  # (what the case's modules put outside them)
        os.environ.pop(f"TG_EDU_FUZZ_{case.seed}", None)
        for mode in ("engine", *modes):
            for end in ("", "_run", "_lib"):
                sys.modules.pop(f"case_{case.seed}_{mode}{end}", None)
            logging.Logger.manager.loggerDict.pop(f"case_{case.seed}_{mode}", None)


def _run(case: Case, compile_: Any, modes: tuple[str, ...]) -> tuple[str, str]:
    import numpy as np

    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        twins = [Twin(case, "engine", folder, compile_)] + [Twin(case, m, folder, compile_)
                                                           for m in modes]
        verdict, why = "same", ""
        for k in range(len(case.args)):
            if case.random_seed[k] is not None:
                random.seed(case.random_seed[k])
                np.random.seed(case.random_seed[k])
            state, np_state = random.getstate(), np.random.get_state()
            results = []
            for twin in twins:
                random.setstate(state)
                np.random.set_state(np_state)
                with contextlib.redirect_stdout(io.StringIO()) as written:
                    results.append(twin.call(case, k))
                results[-1].append(("stdout", written.getvalue()))
            want = results[0]
            for twin, got in zip(twins[1:], results[1:]):
                found = _compare(want, got, twin)
                if found is None:
                    continue
                kind, what = found
                return kind, f"call {k} ({twin.mode}): {what}"  # (after it, twins differ)
    return verdict, why


def _compare(want: list[Any], got: list[Any], twin: Twin) -> tuple[str, str] | None:
    said = " ".join(twin.warned)
    for a, b in zip(want, got):
        if a == b:
            continue
        if a[0] == "error" or b[0] == "error":
            if a[0] == "error" and b[0] == "error" and a[1] == b[1]:
                return "loud", f"another message: {a[2]!r} / {b[2]!r}"
            if b[0] == "error":
                return "loud", f"{b[1]}: {b[2]}"
            return "silent", f"the engine raises {a[1]}: {a[2]}; the program gives {b}"
        if a[0] == "history" and ("history" in said or "append" in said):
            continue  # (said at the capture: a program does not append)
        if a[0] == "stdout" and b[1] == "" and any(words in said for words in WRITES_SAID):
            continue  # (said at the capture: a program does not write the line again)
        if a[0] == "grads" and any(x[0] == "error" for x in got):
            return "loud", "gradients after an error"
        return "silent", f"{a[0]}: engine {a[1:]} program {b[1:]}"
    return None


WRITES_SAID = ("it logs", "it writes to sys.stdout")
"""What a ProgramWarning says of a line a program does not write to sys.stdout again (a line
logged through a handler that writes there, ``sys.stdout.write``): where it was said, a call of
the program may write nothing where the engine writes; never another text."""


def sweep(seeds: range, compile_: Any = None, modes: tuple[str, ...] = ("native", "python"),
          show: bool = False) -> dict[str, Any]:
    """Every seed's verdict: the counts, and the features of the silent ones."""
    counts = {"same": 0, "loud": 0, "silent": 0}
    silent: list[tuple[int, str, set[str]]] = []
    loud: list[tuple[int, str]] = []
    for seed in seeds:
        case = generate(seed)
        try:
            verdict, why = run(case, compile_, modes)
        except Exception as error:  # (the fuzzer's own failure is a finding too)
            verdict, why = "loud", f"the run failed: {type(error).__name__}: {error}"
        counts[verdict] += 1
        if verdict == "silent":
            silent.append((seed, why, case.features))
        elif verdict == "loud":
            loud.append((seed, why))
        if show and verdict != "same":
            print(seed, verdict, why[:300], sorted(case.features), flush=True)
    return {"counts": counts, "silent": silent, "loud": loud}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="0:200", help="START:STOP")
    parser.add_argument("--show", action="store_true", help="print every case that differs")
    parser.add_argument("--modes", default="native,python")
    options = parser.parse_args(argv)
    start, stop = map(int, options.seeds.split(":"))
    found = sweep(range(start, stop), modes=tuple(options.modes.split(",")), show=options.show)
    total = sum(found["counts"].values())
    print(found["counts"], f"silent: {found['counts']['silent'] / total:.1%} of {total}")
    causes: dict[str, int] = {}
    for _, _, features in found["silent"]:
        for feature in features:
            causes[feature] = causes.get(feature, 0) + 1
    print("features of the silent cases:", sorted(causes.items(), key=lambda kv: -kv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
