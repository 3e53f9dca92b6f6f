"""``benchmarks.md``: benchmarks/README.md with a plot drawn from the numbers in its tables
(docs/hooks/build.py adds both to the site).
"""

from __future__ import annotations

import io
import re

from mkdocs.exceptions import PluginError


def table_rows(markdown: str, header_start: str) -> list[list[str]]:
    """The rows (cells stripped) of the Markdown table whose header starts so."""
    lines = markdown.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(header_start):
            rows = []
            for row in lines[i + 2:]:
                if not row.startswith("|"):
                    break
                rows.append([cell.strip() for cell in row.strip().strip("|").split("|")])
            return rows
    raise PluginError(f"benchmarks/README.md has no table starting {header_start!r}")


def ratio(cell: str) -> float | None:
    match = re.fullmatch(r"([\d.]+)x", cell)
    return float(match.group(1)) if match else None


def benchmark_plot(markdown: str) -> str:
    """An SVG of two panels drawn from the tables: how many times faster (or smaller) than
    micrograd each scalar workload is, and the tensor engine's seconds per epoch beside
    PyTorch's."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scalar = [(row[0], r) for row in table_rows(markdown, "| workload |")
              if (r := ratio(row[3])) is not None]
    epochs = [row for row in table_rows(markdown, "| epoch |") if row[0].isdigit()]
    if not scalar or not epochs:
        raise PluginError("benchmarks/README.md: the tables to plot are empty")
    plt.rcParams.update({"svg.hashsalt": "tinygrad_edu", "font.size": 9})
    figure, (left, right) = plt.subplots(2, 1, figsize=(8, 8),
                                         gridspec_kw={"height_ratios": [1.2, 1]})
    names = [re.sub(r"\s*\(.*?\)", "", name) for name, _ in scalar]
    values = [r for _, r in scalar]
    left.barh(range(len(values)), values, color="#3f51b5")
    left.set_yticks(range(len(values)), [n if len(n) <= 60 else n[:59] + "…" for n in names])
    left.invert_yaxis()
    left.axvline(1, color="#888", linewidth=0.8)
    for i, v in enumerate(values):
        left.text(v, i, f" {v:g}×", va="center")
    left.set_xscale("log")
    left.set_xlim(right=max(values) * 3)
    left.set_xlabel("micrograd's time (or memory) / tinygrad_edu's (log scale)")
    left.set_title("Scalar engine against micrograd (above 1: ours is better)")
    x = [int(row[0]) for row in epochs]
    right.plot(x, [float(row[1]) for row in epochs], "o-", label="tinygrad_edu", color="#3f51b5")
    right.plot(x, [float(row[4]) for row in epochs], "s--", label="tinygrad_edu with fit",
               color="#7986cb")
    right.plot(x, [float(row[2]) for row in epochs], "^-", label="PyTorch", color="#ff5722")
    right.set_ylim(bottom=0)
    right.set_xlabel("epoch")
    right.set_ylabel("seconds per epoch")
    right.set_title("Tensor engine against PyTorch: Fashion-MNIST, MLP 784-128-10")
    right.set_xticks(x)
    right.legend(loc="lower right")
    figure.tight_layout()
    out = io.StringIO()
    figure.savefig(out, format="svg", metadata={"Date": None}, bbox_inches="tight")
    plt.close(figure)
    return out.getvalue()


def benchmarks_page(markdown: str) -> str:
    """benchmarks/README.md with the plot after its introduction."""
    figure = ("![How many times faster than micrograd each scalar workload runs, and the "
              "tensor engine's seconds per epoch beside PyTorch's](images/benchmarks.svg)\n\n"
              "*The plot is drawn from the numbers in the tables below when the site is "
              "built.*\n\n")
    head, _, rest = markdown.partition("\n## ")
    return f"{head.rstrip()}\n\n{figure}## {rest}"
