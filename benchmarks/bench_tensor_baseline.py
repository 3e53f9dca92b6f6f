"""The tensor engine's training epoch, this version against an earlier one, in one process.

    python benchmarks/bench_tensor_baseline.py --baseline main       # 8 epochs each
    python benchmarks/bench_tensor_baseline.py --baseline main --quick

Both versions train the MLP of ``bench_tensor.py`` (784-128-10, ReLU, cross-entropy, Adam lr
1e-3, batch 128, float32) on Fashion-MNIST from the same weights, on the same batches; the
earlier version is the package as of git ``REF`` (``benchmarks/baseline.py``). Their epochs
alternate A B B A ..., each after ``gc.collect()``, so a machine that gets busier or quieter
affects both alike. An epoch is timed in CPU time of this process (``time.process_time``:
what other jobs on a shared machine take from it does not count) and in wall time; the
table shows the medians and the ratio after / before. The two must compute the same losses.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")  # one BLAS thread, as bench_tensor.py

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import baseline  # noqa: E402

import tinygrad_edu  # noqa: E402
from tinygrad_edu.training.idx import IDXError, load_fashion_mnist  # noqa: E402

BATCH, LR, HIDDEN = 128, 1e-3, 128


class Version:
    """One version of the package, training its own copy of the model."""

    def __init__(self, name: str, package: Any, seed: int) -> None:
        tensor = __import__(f"{package.__name__}.tensor", fromlist=["MLP"])
        self.name, self.cross_entropy = name, tensor.cross_entropy
        self.model = tensor.MLP(784, [HIDDEN, 10], seed=seed, dtype=np.float32)
        self.optimizer = tensor.Adam(self.model.parameters(), lr=LR)
        self.cpu: list[float] = []
        self.wall: list[float] = []
        self.losses: list[float] = []

    def epoch(self, X: np.ndarray, y: np.ndarray, order: np.ndarray) -> None:
        """One training epoch, timed: the usual loop, forward, zero_grad, backward, step."""
        gc.collect()
        cpu, wall = time.process_time(), time.perf_counter()
        total = 0.0
        for i in range(0, len(order), BATCH):
            idx = order[i : i + BATCH]
            loss = self.cross_entropy(self.model(X[idx]), y[idx])
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            total += loss.item() * len(idx)
        self.cpu.append(time.process_time() - cpu)
        self.wall.append(time.perf_counter() - wall)
        self.losses.append(total / len(order))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", metavar="REF", default="main",
                        help="the earlier version: a git commit, tag or branch (default: main)")
    parser.add_argument("--epochs", type=int, default=None, help="per version (default 8)")
    parser.add_argument("--quick", action="store_true",
                        help="2 epochs each on the first 10000 training images")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    epochs = args.epochs or (2 if args.quick else 8)
    try:
        images, labels = load_fashion_mnist(None, kind="train")
    except (FileNotFoundError, IDXError) as error:
        print(f"bench_tensor_baseline.py: {error}", file=sys.stderr)
        return 1
    if args.quick:
        images, labels = images[:10000], labels[:10000]
    X = images.reshape(len(images), -1).astype(np.float32) / np.float32(255)
    y = labels.astype(np.intp)
    before = Version(baseline.describe(args.baseline), baseline.load(args.baseline), args.seed)
    after = Version("after (this version)", tinygrad_edu, args.seed)
    print(f"MLP 784-{HIDDEN}-10, Adam, batch {BATCH}, float32, {len(X)} images, {epochs} epochs "
          f"each, alternating A B B A; NumPy {np.__version__}, one BLAS thread")
    rng = np.random.default_rng(args.seed)
    for k in range(epochs):
        order = rng.permutation(len(X))  # the same batches for both
        for version in (before, after) if k % 2 == 0 else (after, before):
            version.epoch(X, y, order)
        print(f"epoch {k + 1}: before {before.cpu[-1]:.3f} s CPU, after {after.cpu[-1]:.3f} s "
              f"CPU (ratio {after.cpu[-1] / before.cpu[-1]:.3f}); loss {after.losses[-1]:.6f}",
              flush=True)
    drift = max(abs(a - b) for a, b in zip(before.losses, after.losses))
    print("\n| version | median CPU s per epoch | median wall s per epoch |")
    print("|---|---:|---:|")
    for version in (before, after):
        print(f"| {version.name} | {statistics.median(version.cpu):.3f} | "
              f"{statistics.median(version.wall):.3f} |")
    ratios = [a / b for a, b in zip(after.cpu, before.cpu)]
    print(f"\nafter / before, CPU time: median of the per-epoch ratios "
          f"{statistics.median(ratios):.3f} (from {min(ratios):.3f} to {max(ratios):.3f}); "
          f"ratio of the medians {statistics.median(after.cpu) / statistics.median(before.cpu):.3f}"
          f". The losses differ by at most {drift:.1e}.")
    return 0 if drift < 1e-6 else 1


if __name__ == "__main__":
    sys.exit(main())
