"""Forms of the engine's own an attacker found silent (a64), for the differential fuzzer
(fuzz_cases.py: ``generate`` adds them to a case's held forms), drawn from a stream of their
own (``random.Random(f"{seed} {SALT}")``) so that every seed keeps the case it had: a Value
copied (``copy.copy`` of a leaf with a label, ``copy.deepcopy`` of any Value: a node's
graph, ``len(c.parents)``, ``c.op``), ``detach()`` of a Value with a label (its label,
its class); and what the guide refuses: ``grad()`` inside, microgpt's ``_local_grads``,
micrograd's ``_prev`` gone through (refused where its parents were made in the call; the
words are test_fuzz.py's ``REFUSALS``), drawn from seed 300 on: the long tier's (a case
refused checks nothing else, and the main tier's sample, of the first 300, keeps what it
draws and checks)."""

from __future__ import annotations

import random
from typing import Any

__all__ = ["engine_forms"]

SALT = "engine 8"
"""The stream's name: the main tier's sample (test_fuzz.py) draws each followed form twice, in
its quickest cases (its time kept as it was)."""

HEAD = ["import copy", "from tinygrad_edu import grad", 'P[0].label = "w0"']

FOLLOWED = {
    "copied": "copy.deepcopy({v})\nheld{n} = copy.copy(p0) * (2.0 if copy.copy(p0).label else "
              "3.0) + held{n} * (len(held{n}.parents) + (1.0 if held{n}.op else 4.0))",
    "detach_label": "{v}.detach()\nheld{n} = held{n} * (2.0 if held{n}.label else 3.0) * ("
                    "1.0 if isinstance(held{n}, type({v})) else 5.0)",
}
REFUSED = {
    "grad_inside": "{v} * sum(g or 0.0 for g in grad({v}, [p0], allow_unused=True))",
    "local_grads_alias": "{v} * sum({v}._local_grads, 1.0)",
    "prev": "{v} * sum([c * 0.5 for c in ({v} * 0.5 + Value(2.0))._prev], Value(0.0))",  # (two
    # made in the call, one path back each, summed from 0: the same numbers in either order,
    # where a call runs as the engine, whose order is its twin's own objects')
}


def engine_forms(seed: int, held: Any, features: set[str], first: list[str], last: list[str]
                 ) -> None:
    """Add ``seed``'s engine forms to ``held`` (fuzz_cases.Held): ``first``, the Values its
    body has at the start; ``last``, those at its end."""
    rng = random.Random(f"{seed} {SALT}")
    for n, (kind, form) in enumerate([*FOLLOWED.items(), *REFUSED.items()], start=101):
        if rng.random() >= (0.1 if kind in FOLLOWED else 0.04 if seed >= 300 else 0.0):
            continue
        held.head += [line for line in HEAD if line not in held.head]
        features.add(kind)
        if kind in REFUSED:
            held.refused_by.add(kind)
        lines, values = (held.start, first) if rng.random() < 0.4 else (held.end, last)
        lines += f"held{n} = {form}".format(v=rng.choice(values), n=n).split("\n")
        held.terms.append(f"held{n}")
