"""The tensor engine against PyTorch (CPU) on Fashion-MNIST, in one process.

    python benchmarks/bench_tensor.py              # 10 epochs (a few minutes)
    python benchmarks/bench_tensor.py --quick      # a smoke test: 2 epochs on 10000 images

Both engines train the same MLP 784-128-10 (ReLU, cross-entropy, Adam lr 1e-3, batch 128,
pixels scaled to [0, 1], float32) from the same initial weights (ours, copied into torch)
and see the same batches in the same order. The engines are interleaved epoch by epoch
(ours first on odd epochs, PyTorch first on even ones), so a machine that gets busier or
quieter affects both alike. An epoch's time is its training pass; the test accuracy is
measured after it, untimed.

Threads: both engines get the same number (``--threads``, default 1). NumPy's BLAS reads it
from ``OPENBLAS_NUM_THREADS``/``OMP_NUM_THREADS``/``MKL_NUM_THREADS``, which this script sets
before NumPy is imported; PyTorch gets ``torch.set_num_threads``. One thread is the default
because these matrices are small (128×784 @ 784×128): a second thread gains little, and on a
busy machine spinning BLAS threads can make an epoch ten times slower.
"""

from __future__ import annotations

import argparse
import os
import sys

THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=None, help="default 10 (2 with --quick)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: 2 epochs on the first 10000 training images")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads for each engine (default: %(default)s)")
    parser.add_argument("--data", default=None, metavar="DIR",
                        help="Fashion-MNIST directory (default: $TINYGRAD_EDU_FASHION_MNIST, "
                             "then /usr/share/datasets/fashion-mnist)")
    parser.add_argument("--seed", type=int, default=0, help="default: %(default)s")
    args = parser.parse_args(argv)
    if args.epochs is None:
        args.epochs = 2 if args.quick else 10
    if args.epochs < 1 or args.threads < 1:
        parser.error("--epochs and --threads must be >= 1")
    return args


ARGS = parse(sys.argv[1:] if __name__ == "__main__" else [])
NUMPY_WAS_LOADED = "numpy" in sys.modules  # then its BLAS threads are already fixed
if __name__ == "__main__":
    for variable in THREAD_VARIABLES:
        os.environ[variable] = str(ARGS.threads)

import platform  # noqa: E402 (after the thread variables, on purpose)
import time  # noqa: E402

import numpy as np  # noqa: E402

from tinygrad_edu.tensor import (  # noqa: E402
    MLP,
    Adam,
    IDXError,
    cross_entropy,
    load_fashion_mnist,
    no_grad,
)

try:
    import torch
except ImportError:
    torch = None

BATCH, LR, HIDDEN = 128, 1e-3, 128


def load(path: str | None, limit: int | None) -> tuple[np.ndarray, ...]:
    images, labels = load_fashion_mnist(path, kind="train")
    test_images, test_labels = load_fashion_mnist(path, kind="test")
    images, labels = images[:limit], labels[:limit]

    def scaled(x: np.ndarray) -> np.ndarray:
        return x.reshape(len(x), -1).astype(np.float32) / np.float32(255)

    return (scaled(images), labels.astype(np.intp), scaled(test_images),
            test_labels.astype(np.intp))


class Ours:
    name = "tinygrad_edu"

    def __init__(self, seed: int) -> None:
        self.model = MLP(784, [HIDDEN, 10], seed=seed, dtype=np.float32)
        self.optimizer = Adam(self.model.parameters(), lr=LR)

    def epoch(self, X: np.ndarray, y: np.ndarray, order: np.ndarray) -> float:
        total = 0.0
        for i in range(0, len(order), BATCH):
            idx = order[i : i + BATCH]
            loss = cross_entropy(self.model(X[idx]), y[idx])  # the images: a constant
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            total += loss.item() * len(idx)
        return total / len(order)

    def accuracy(self, X: np.ndarray, y: np.ndarray) -> float:
        with no_grad():
            return float((self.model(X).data.argmax(axis=1) == y).mean())


class Torch:
    name = "PyTorch"

    def __init__(self, ours: Ours) -> None:
        first, second = ours.model.layers
        self.model = torch.nn.Sequential(
            torch.nn.Linear(784, HIDDEN), torch.nn.ReLU(), torch.nn.Linear(HIDDEN, 10)
        )
        with torch.no_grad():  # the same starting point: torch keeps W transposed (out×in)
            for linear, dense in ((self.model[0], first), (self.model[2], second)):
                linear.weight.copy_(torch.from_numpy(dense.W.data.T.copy()))
                linear.bias.copy_(torch.from_numpy(dense.b.data.ravel().copy()))
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=LR)
        self.loss = torch.nn.functional.cross_entropy

    def epoch(self, X: np.ndarray, y: np.ndarray, order: np.ndarray) -> float:
        X, y, order = torch.from_numpy(X), torch.from_numpy(y.astype(np.int64)), \
            torch.from_numpy(order)
        total = 0.0
        for i in range(0, len(order), BATCH):
            idx = order[i : i + BATCH]
            loss = self.loss(self.model(X[idx]), y[idx])
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            total += loss.item() * len(idx)
        return total / len(order)

    def accuracy(self, X: np.ndarray, y: np.ndarray) -> float:
        with torch.no_grad():
            return float((self.model(torch.from_numpy(X)).argmax(dim=1).numpy() == y).mean())


def timed(engine: Ours | Torch, X: np.ndarray, y: np.ndarray,
          order: np.ndarray) -> tuple[float, float]:
    """Seconds for one training epoch, and its mean loss."""
    start = time.perf_counter()
    loss = engine.epoch(X, y, order)
    return time.perf_counter() - start, loss


def main() -> int:
    args = ARGS
    if torch is None:
        print("bench_tensor.py compares with PyTorch, which is not installed: "
              "pip install -e '.[bench]'", file=sys.stderr)
        return 1
    torch.set_num_threads(args.threads)
    try:
        X, y, X_test, y_test = load(args.data, 10000 if args.quick else None)
    except (FileNotFoundError, IDXError) as error:
        print(f"bench_tensor.py: {error}", file=sys.stderr)
        return 1
    blas = (f"{args.threads} (set by {THREAD_VARIABLES[0]})" if not NUMPY_WAS_LOADED else
            "not set: NumPy was imported before this script (run it on its own)")
    print(f"Python {platform.python_version()}, NumPy {np.__version__}, PyTorch "
          f"{torch.__version__}, {os.cpu_count()} CPUs, {platform.machine()}")
    print(f"torch.set_num_threads({args.threads}); NumPy BLAS threads: {blas}")
    print(f"MLP 784-{HIDDEN}-10, ReLU, cross-entropy, Adam lr {LR:g}, batch {BATCH}, float32, "
          f"{len(X)} training and {len(X_test)} test images, {args.epochs} epochs\n")

    ours = Ours(args.seed)
    theirs = Torch(ours)
    engines = (ours, theirs)
    rng = np.random.default_rng(args.seed)
    rows = []
    print(f"{'epoch':>5}  {'ours s':>7}  {'torch s':>7}  {'ratio':>5}  {'ours acc':>8}  "
          f"{'torch acc':>9}  {'ours loss':>9}  {'torch loss':>10}")
    for epoch in range(1, args.epochs + 1):
        order = rng.permutation(len(X))  # the same batches, in the same order, for both
        results = {}
        for engine in engines if epoch % 2 else engines[::-1]:
            seconds, loss = timed(engine, X, y, order)
            results[engine.name] = (seconds, loss, engine.accuracy(X_test, y_test))
        (t1, l1, a1), (t2, l2, a2) = results[ours.name], results[theirs.name]
        rows.append((epoch, t1, t2, a1, a2))
        print(f"{epoch:5d}  {t1:7.2f}  {t2:7.2f}  {t1 / t2:5.2f}  {a1:8.2%}  {a2:9.2%}  "
              f"{l1:9.4f}  {l2:10.4f}", flush=True)

    total1, total2 = sum(r[1] for r in rows), sum(r[2] for r in rows)
    print("\n| epoch | tinygrad_edu (s) | PyTorch (s) | ratio | tinygrad_edu test acc | "
          "PyTorch test acc |")
    print("|---:|---:|---:|---:|---:|---:|")
    for epoch, t1, t2, a1, a2 in rows:
        print(f"| {epoch} | {t1:.2f} | {t2:.2f} | {t1 / t2:.2f} | {a1:.2%} | {a2:.2%} |")
    print(f"| total | {total1:.2f} | {total2:.2f} | {total1 / total2:.2f} | | |")
    ratios = sorted(r[1] / r[2] for r in rows)
    median = ratios[len(ratios) // 2] if len(ratios) % 2 else \
        (ratios[len(ratios) // 2 - 1] + ratios[len(ratios) // 2]) / 2
    gap = 100 * (rows[-1][3] - rows[-1][4])
    print(f"\nEpoch time, tinygrad_edu / PyTorch: median {median:.2f} over the epochs, "
          f"{total1 / total2:.2f} for the totals (target ≤ 1.5 for the median, which a "
          f"passing burst of load on the machine cannot sway: "
          f"{'met' if median <= 1.5 else 'NOT met'}).")
    print(f"Final test accuracy: tinygrad_edu {rows[-1][3]:.2%}, PyTorch {rows[-1][4]:.2%}, "
          f"difference {gap:+.2f} points (target within 0.5: "
          f"{'met' if abs(gap) <= 0.5 else 'NOT met'}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
