"""The API reference: a page per module of the package with a public ``__all__``, found by
walking the package (a new module gets its page without anyone listing it), grouped in the
navigation (``API_GROUPS``), and its index (docs/hooks/build.py adds them to the site).
"""

from __future__ import annotations

import importlib
import pkgutil

# The navigation's groups, each with the modules it shows first, in reading order: the short
# name (``tensor.engine`` for ``tinygrad_edu.tensor.engine``), or a prefix ending in "." for
# the sub-modules of a package. A module that no group names joins the scalar engine's, after
# the modules named there (the engine is split into a story and the machinery beside it).
API_GROUPS: list[tuple[str, list[str]]] = [
    ("Start here", ["tinygrad_edu"]),
    ("The scalar engine", ["engine", "ops", "graph", "sums", "custom_ops"]),
    ("Derivatives and grad mode", ["autograd", "autograd.", "grad_mode", "scopes"]),
    ("Seeing a graph: stepping, drawing, replay", ["viz", "viz.stepping", "viz.drawing",
                                                   "viz.by_parts", "viz."]),
    ("Layers, losses, saving", ["nn", "nn."]),
    ("Training: optimizers, fit, data", ["training", "training."]),
    ("The tensor engine", ["tensor", "tensor.engine", "tensor.nn", "tensor."]),
    ("Testing and gradcheck", ["testing", "testing."]),
    ("Exercises", ["exercises", "exercises."]),
]
API_FALLBACK = "The scalar engine"


def public_modules() -> list[str]:
    """Every module of the package with a non-empty ``__all__`` (``__main__``, the command
    line, is described in the guides)."""
    import tinygrad_edu

    found = ["tinygrad_edu"] + [m.name for m in pkgutil.walk_packages(
        tinygrad_edu.__path__, "tinygrad_edu.")]
    return [name for name in found if not name.endswith("__main__")
            and importlib.import_module(name).__name__ == name  # (not a pointer: moved)
            and getattr(importlib.import_module(name), "__all__", None)]


def api_pages() -> dict[str, list[tuple[str, str, str]]]:
    """The API reference's pages by group: (module, page file, first line of its
    docstring), in reading order."""
    placed: dict[str, list[tuple[tuple[int, str], str]]] = {g: [] for g, _ in API_GROUPS}
    for module in public_modules():
        short = module.removeprefix("tinygrad_edu.") if module != "tinygrad_edu" else module
        for group, names in API_GROUPS:
            rank = next((i for i, n in enumerate(names) if n == short or (
                n.endswith(".") and short.startswith(n))), None)
            if rank is not None:
                placed[group].append(((rank, short), module))
                break
        else:
            placed[API_FALLBACK].append(((len(dict(API_GROUPS)[API_FALLBACK]), short), module))
    pages = {}
    for group, found in placed.items():
        pages[group] = [(module, f"{module.removeprefix('tinygrad_edu.')}.md",
                         (importlib.import_module(module).__doc__ or "").strip().split("\n\n")[0]
                         .replace("\n", " ")) for _, module in sorted(found)]
    return {group: found for group, found in pages.items() if found}


def api_files(pages: dict[str, list[tuple[str, str, str]]]) -> dict[str, str]:
    """The Markdown of the API reference: its index, and a page per module (ranked below
    the guides in search)."""
    files = {}
    rows = []
    for group, found in pages.items():
        rows.append(f"\n## {group}\n\n| module | what it holds |\n|---|---|")
        for module, page, summary in found:
            cell = summary.replace("|", "\\|")
            rows.append(f"| [`{module}`]({page}) | {cell} |")
            files[page] = (f"---\nsearch:\n  boost: 0.01\n---\n\n::: {module}\n"
                           "    options:\n      heading_level: 1\n")
    files["index.md"] = "---\nsearch:\n  boost: 0.01\n---\n\n" + API_INDEX + "\n".join(rows) + "\n"
    return files


API_INDEX = """# API reference

Every public name of every module (the names in its `__all__`), with the signature you call
and the docstring, generated from the code when the site is built: one page per module.
`tinygrad_edu`, `tinygrad_edu.viz`, `tinygrad_edu.nn`, `tinygrad_edu.tensor` and
`tinygrad_edu.exercises` gather the names a learner imports; each name is also documented in
the module that defines it. The command line, `python -m tinygrad_edu`, is described in the
guides: [replay](../guides/replay.md), [train](../guides/training.md),
[train-mnist](../guides/mnist.md), [exercises](../guides/exercises.md).
"""
