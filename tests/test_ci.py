"""The CI scripts: the seed sweep runs every property-test file."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# A file is a property test if hypothesis draws inputs in it: a test decorated with given,
# or a call of a helper of tinygrad_edu.testing that runs hypothesis inside. (The brackets
# keep this file itself from matching.)
PROPERTY = re.compile(r"@give[n]\b|\bcheck_o[p]\(|\bassert_op_derivative[s]\(")


def test_the_seed_sweep_runs_every_property_test_file():
    wanted = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests").rglob("test_*.py")
                    if PROPERTY.search(p.read_text(encoding="utf-8")))
    listed = subprocess.run(["bash", str(ROOT / ".ci" / "seed-sweep"), "--list"], cwd=ROOT,
                            capture_output=True, text=True, check=True, timeout=60).stdout.split()
    assert sorted(listed) == wanted
    assert {"tests/nn/test_functional.py", "tests/tensor/test_engine.py",
            "tests/test_teeth.py"} <= set(listed)  # in sub-folders, or hypothesis inside a helper
