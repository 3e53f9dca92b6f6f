"""Every word a user reads stands on its own.

A learner has only this repository: a sentence that points at "the seeds" or "the texts"
points at nothing, and ``pip install tinygrad-edu`` names a package no index has. The
phrases are searched in everything a user reads: the README and the docs, the notebooks
(their outputs too), and the package's docstrings and messages.
"""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PHRASES = re.compile(
    r"\bthe\s+(?:teaching\s+|seed\s+)?(?:seeds|texts)\b"  # the seeds, the teaching texts
    r"|\b(?:seeds|texts)'"                                  # the seeds' Dense layer
    r"|\bteaching\s+texts?\b|\bseed\s+texts?\b"
    r"|\bpip\s+install\s+['\"]?tinygrad[-_]edu\b(?!-\d)",    # no index has it (a wheel: yes)
    re.IGNORECASE,
)


def readable_files() -> list[Path]:
    files = [ROOT / "README.md", ROOT / "benchmarks" / "README.md",
             *ROOT.glob("notebooks/*.md"), *ROOT.glob("notebooks/*.ipynb"),
             *ROOT.glob("docs/**/*.md"), *ROOT.glob("tinygrad_edu/**/*.py")]
    return sorted(path for path in files if path.is_file())


def text_of(path: Path) -> str:
    if path.suffix != ".ipynb":
        return path.read_text(encoding="utf-8")
    lines = []
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        lines.append("".join(cell["source"]))
        for output in cell.get("outputs", []):
            lines.append("".join(output.get("text", "")))
            for kind, data in output.get("data", {}).items():
                if kind.startswith("text/"):
                    lines.append("".join(data) if isinstance(data, list) else data)
    return "\n".join(lines)


@pytest.mark.parametrize("path", readable_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_word_points_at_texts_the_reader_does_not_have(path):
    found = [f"{match.group(0)!r} in ...{text[max(0, match.start() - 40):match.end() + 40]}..."
             for text in [text_of(path)] for match in PHRASES.finditer(text)]
    assert not found, (f"{path.relative_to(ROOT)}: state the formula or the number itself "
                       "(or name a public source with a link): " + "; ".join(found))


@pytest.mark.parametrize("phrase", [
    "the seeds' Dense layer", "as the texts call it", "the teaching texts' table",
    "The Seeds show", "pip install 'tinygrad-edu[testing]'", "pip install tinygrad_edu",
])
def test_the_search_finds_each_kind_of_phrase(phrase):
    assert PHRASES.search(phrase)


@pytest.mark.parametrize("words", [
    "property tests under many hypothesis seeds", "seeds = []", "pip install hypothesis",
    "pip install -e '.[testing]'", "the random seed",
    "pip install dist/tinygrad_edu-0.1.whl", "pip install 'tinygrad_edu-0.1.0-py3-none-any.whl'",
])
def test_ordinary_words_are_left_alone(words):
    assert not PHRASES.search(words)


def test_the_search_reads_the_package_the_docs_and_the_notebooks():
    names = {path.relative_to(ROOT).as_posix() for path in readable_files()}
    assert {"README.md", "tinygrad_edu/engine.py", "docs/property-testing.md"} <= names
    assert any(name.endswith(".ipynb") for name in names)
