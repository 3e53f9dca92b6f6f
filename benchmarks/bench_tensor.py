"""The tensor engine against PyTorch (CPU) on Fashion-MNIST, in one process.

    python benchmarks/bench_tensor.py              # 10 epochs (a few minutes)
    python benchmarks/bench_tensor.py --quick      # a smoke test: 2 epochs on 10000 images

Both engines train the same MLP 784-128-10 (ReLU, cross-entropy, Adam lr 1e-3, batch 128,
pixels scaled to [0, 1], float32) from the same initial weights (ours, copied into torch)
and see the same batches in the same order. The engines are interleaved epoch by epoch
(ours first on odd epochs, PyTorch first on even ones), so a machine that gets busier or
quieter affects both alike. An epoch's time is its training pass; the test accuracy is
measured after it, untimed. A third model trains the way the README does, with one call
of ``tinygrad_edu.training.fit.fit`` for all the epochs (its first epoch includes fit's checks of
the data), on its own batches: its times say what a user waits. The other two engines run
their epoch each time fit has finished one, so all three share the machine's state.

Then a Hessian-vector product: the gradient of the loss of one batch with
``create_graph=True``, its dot product with a vector, differentiated again, for both engines.

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
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from tinygrad_edu import grad  # noqa: E402
from tinygrad_edu.tensor import (  # noqa: E402
    MLP,
    Adam,
    IDXError,
    cross_entropy,
    load_fashion_mnist,
    no_grad,
)
from tinygrad_edu.training.fit import fit  # noqa: E402

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


def hessian_vector_product(ours: Ours, theirs: Torch, X: np.ndarray, y: np.ndarray,
                           seed: int, runs: int = 21) -> None:
    """Time H·v for the loss of one batch of 128, with respect to all four parameters: the
    gradient with create_graph=True, its dot product with v, and the gradient of that. Both
    engines start from our model's weights (training left them a little apart)."""
    with torch.no_grad():
        for linear, dense in ((theirs.model[0], ours.model.layers[0]),
                              (theirs.model[2], ours.model.layers[1])):
            linear.weight.copy_(torch.from_numpy(dense.W.data.T.copy()))
            linear.bias.copy_(torch.from_numpy(dense.b.data.ravel().copy()))
    rng = np.random.default_rng(seed)
    batch = rng.choice(len(X), BATCH, replace=False)
    params = ours.model.parameters()
    vs = [rng.normal(size=p.shape).astype(np.float32) for p in params]
    tparams = list(theirs.model.parameters())
    tvs = [torch.from_numpy(v) for v in _torch_layout(vs)]
    Xb, yb = X[batch], y[batch]
    Xt, yt = torch.from_numpy(Xb), torch.from_numpy(yb.astype(np.int64))

    def ours_hvp() -> list[np.ndarray]:
        gs = grad(cross_entropy(ours.model(Xb), yb), params, create_graph=True)
        total = None
        for g, v in zip(gs, vs):
            term = (g * v).sum()
            total = term if total is None else total + term
        return list(grad(total, params))

    def torch_hvp() -> list[Any]:
        loss = theirs.loss(theirs.model(Xt), yt)
        gs = torch.autograd.grad(loss, tparams, create_graph=True)
        total = sum((g * v).sum() for g, v in zip(gs, tvs))
        return list(torch.autograd.grad(total, tparams))

    times: dict[str, list[float]] = {"ours": [], "torch": []}
    for k in range(runs):
        for name, f in (("ours", ours_hvp), ("torch", torch_hvp))[:: 1 if k % 2 else -1]:
            start = time.perf_counter()
            f()
            times[name].append(time.perf_counter() - start)
    mine, theirs_ms = (1000 * sorted(t)[len(t) // 2] for t in (times["ours"], times["torch"]))
    agree = max(float(np.max(np.abs(a - b) / (np.max(np.abs(b)) + 1e-30)))
                for a, b in zip(_torch_layout(ours_hvp()), (t.numpy() for t in torch_hvp())))
    print(f"\nHessian-vector product, the loss of one batch of {BATCH} (float32), median of "
          f"{runs}: tinygrad_edu {mine:.2f} ms, PyTorch {theirs_ms:.2f} ms, ratio "
          f"{mine / theirs_ms:.2f}; the results agree to {agree:.1e} (relative to the largest "
          "entry).")


def _torch_layout(vs: list[np.ndarray]) -> list[np.ndarray]:
    """Our W (in×out), b (1×out) per layer as torch.nn.Linear keeps them: W transposed, b flat."""
    return [np.ascontiguousarray(v.T) if k % 2 == 0 else v.ravel() for k, v in enumerate(vs)]


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
    with_fit = Ours(args.seed)
    engines = (ours, theirs)
    rng = np.random.default_rng(args.seed)
    rows: list[tuple[int, float, float, float, float, float]] = []
    print(f"{'epoch':>5}  {'ours s':>7}  {'torch s':>7}  {'ratio':>5}  {'fit s':>6}  "
          f"{'ratio':>5}  {'ours acc':>8}  {'torch acc':>9}  {'ours loss':>9}  "
          f"{'torch loss':>10}")
    clock = {"fit": time.perf_counter()}  # when the fit epoch now running began

    def after_fit_epoch(epoch: int, history: Any) -> None:
        """fit's epoch just ended: time it, then run the other two engines' epoch."""
        t3 = time.perf_counter() - clock["fit"]
        order = rng.permutation(len(X))  # the same batches, in the same order, for both
        results = {}
        for engine in engines if epoch % 2 else engines[::-1]:
            seconds, loss = timed(engine, X, y, order)
            results[engine.name] = (seconds, loss, engine.accuracy(X_test, y_test))
        (t1, l1, a1), (t2, l2, a2) = results[ours.name], results[theirs.name]
        rows.append((epoch, t1, t2, a1, a2, t3))
        print(f"{epoch:5d}  {t1:7.2f}  {t2:7.2f}  {t1 / t2:5.2f}  {t3:6.2f}  {t3 / t2:5.2f}  "
              f"{a1:8.2%}  {a2:9.2%}  {l1:9.4f}  {l2:10.4f}", flush=True)
        clock["fit"] = time.perf_counter()

    fit(with_fit.model, X, y, cross_entropy, with_fit.optimizer, epochs=args.epochs,
        batch_size=BATCH, seed=args.seed, progress=False, on_epoch=after_fit_epoch)

    total1, total2, total3 = (sum(r[k] for r in rows) for k in (1, 2, 5))
    print("\n| epoch | tinygrad_edu (s) | PyTorch (s) | ratio | tinygrad_edu with fit (s) | "
          "ratio | tinygrad_edu test acc | PyTorch test acc |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for epoch, t1, t2, a1, a2, t3 in rows:
        print(f"| {epoch} | {t1:.2f} | {t2:.2f} | {t1 / t2:.2f} | {t3:.2f} | {t3 / t2:.2f} | "
              f"{a1:.2%} | {a2:.2%} |")
    print(f"| mean | {total1 / len(rows):.3f} | {total2 / len(rows):.3f} | "
          f"{total1 / total2:.2f} | {total3 / len(rows):.3f} | {total3 / total2:.2f} | | |")
    gap = 100 * (rows[-1][3] - rows[-1][4])
    print(f"\nMean epoch time, the first included, tinygrad_edu / PyTorch: "
          f"{total1 / total2:.2f} (hand-written loop), {total3 / total2:.2f} (with fit); "
          f"target ≤ 0.85: {'met' if max(total1, total3) / total2 <= 0.85 else 'NOT met'}.")
    print(f"Final test accuracy: tinygrad_edu {rows[-1][3]:.2%}, PyTorch {rows[-1][4]:.2%}, "
          f"difference {gap:+.2f} points (target within 0.5: "
          f"{'met' if abs(gap) <= 0.5 else 'NOT met'}).")
    hessian_vector_product(ours, theirs, X, y, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
