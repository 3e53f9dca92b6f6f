"""Every JavaScript file of the package (the replay page's script) and of the site parses:
Node.js reads each with ``node --check``, so a syntax error is found here, not in a browser.
tests/viz/test_replay_browser.py and tests/test_docs_site.py run the scripts."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NODE = shutil.which("node")
SCRIPTS = sorted(path.relative_to(ROOT).as_posix() for folder in ("tinygrad_edu", "docs")
                 for path in (ROOT / folder).rglob("*.js"))


def test_the_scripts_are_found():
    assert "tinygrad_edu/viz/pages/replay.js" in SCRIPTS
    assert "docs/assets/replay-frames.js" in SCRIPTS


@pytest.mark.skipif(NODE is None, reason="Node.js is not on PATH, so nothing can read the "
                    "JavaScript: sudo apt-get install nodejs")
@pytest.mark.parametrize("script", SCRIPTS)
def test_node_reads_the_script(script):
    done = subprocess.run([NODE, "--check", str(ROOT / script)], capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, f"{script} does not parse:\n{done.stderr}"


@pytest.mark.skipif(NODE is None, reason="Node.js is not on PATH, so nothing can read the "
                    "JavaScript: sudo apt-get install nodejs")
def test_node_finds_a_syntax_error(tmp_path):
    broken = tmp_path / "broken.js"
    broken.write_text("(function () {\n  var x = ;\n})();\n", encoding="utf-8")
    done = subprocess.run([NODE, "--check", str(broken)], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode != 0 and "SyntaxError" in done.stderr
