"""The glossary's words linked where a page first uses them (docs/hooks/build.py calls
``terms_linked`` on the Markdown of each page but the glossary and the API reference).
"""

from __future__ import annotations

import re
from typing import Any

# The words of the glossary (docs/glossary.md) that a page may use before explaining them:
# each page's first use, in its prose, links to the entry, with the gist as a tooltip. A
# pattern that starts with a backtick matches a whole code span (`OPS`).
TERMS: list[tuple[str, str, str]] = [
    (r"\bvector-Jacobian products?\b", "vjp", "the backward step of an op on arrays: the "
     "gradient that arrives times the op's Jacobian, computed without building it"),
    (r"⊙", "entry-by-entry", "the product entry by entry (A * B in NumPy)"),
    (r"`unbroadcast(?:\([^`]*\))?`", "unbroadcast", "sums a gradient back over the axes "
     "that broadcasting stretched, to its operand's shape"),
    (r"`(?:tinygrad_edu\.)?(?:tensor\.engine\.)?OPS`", "ops", "the registry: each op's "
     "name, forward function and derivative rules, as data"),
    (r"\bDense\b(?! *\()", "dense", "a fully connected layer Z = X @ W + b: PyTorch's Linear"),
    (r"(?<![/.\w])hypothesis\b(?![./\w])", "hypothesis", "a library that tests a property on "
     "many generated inputs and reports the simplest that fails"),
    (r"\bshrinks (?:it|the failure)\b|\bshrinking\b", "shrinking", "hypothesis simplifies a "
     "failing input to the simplest one that still fails"),
    (r"\blevel[- ][123]\b", "levels", "how hard an exercise is: 1, 2 or 3"),
    (r"\bone-hot\b", "one-hot", "a row of zeros with a 1 at the true class"),
    (r"\bcentral differences?\b", "central-difference", "(f(x + h) − f(x − h)) / 2h"),
    (r"\btopological (?:order|sort)\b", "topological-order", "every node after the nodes "
     "it was made from"),
    (r"\bupstream\b(?: gradient)?", "upstream-gradient", "the gradient that has arrived at a "
     "node, d(output)/d(node)"),
    (r"\bparameter path\b", "paths", "the gradient of a weight, which the optimizer uses"),
]
FENCE = re.compile(r"^( *)(```|~~~).*?^\1\2[ \t]*$", re.S | re.M)
SKIPPED = re.compile(r"\[[^\]\n]*\]\([^)\n]*\)|\[[^\]\n]*\]\[[^\]\n]*\]|<[^>\n]+>"
                     r"|^#[^\n]*$|<!--.*?-->|https?://\S+", re.M | re.S)
CODE_SPAN = re.compile(r"`[^`\n]+`")


def overlaps(start: int, end: int, ranges: list[Any]) -> bool:
    return any(a < end and start < b for a, b in ranges)


def terms_linked(markdown: str, up: str) -> str:
    """The page with the first use of each glossary word in its prose linked to its entry:
    not inside code blocks, headings, links or tags; inside a code span only for a word
    that is one (`OPS`)."""
    fences = [m.span() for m in FENCE.finditer(markdown)]
    skipped = [m.span() for m in SKIPPED.finditer(markdown)] + fences
    spans = [m.span() for m in CODE_SPAN.finditer(markdown)]
    links: list[tuple[int, int, str]] = []
    for pattern, anchor, gist in TERMS:
        if f"glossary.md#{anchor})" in markdown:  # the page links it itself
            continue
        for match in re.finditer(pattern, markdown, re.I if pattern[0] != "`" else 0):
            start, end = match.span()
            if overlaps(start, end, skipped) or overlaps(start, end, [link[:2] for link in links]):
                continue
            code = [(a, b) for a, b in spans if a < end and start < b]
            if pattern[0] == "`" and code != [(start, end)]:
                continue
            if pattern[0] != "`" and code:
                continue
            links.append((start, end, f'[{match.group(0)}]({up}glossary.md#{anchor} "{gist}")'))
            break
    for start, end, link in sorted(links, reverse=True):
        markdown = markdown[:start] + link + markdown[end:]
    return markdown
