"""Small data sets to train on: two moons, circles, spirals, XOR and handwritten digits.

The generators return NumPy arrays ``(X, y)`` like scikit-learn's: ``X`` of shape
(n_samples, 2) with float64 coordinates and ``y`` of shape (n_samples,) with integer class
labels 0, 1, .... Pass ``seed=`` (or scikit-learn's name ``random_state=``) for the same data
every time; with neither, they draw from NumPy's global random state, so
``np.random.seed(1337)`` makes them reproducible too, as in micrograd's demo.
``make_moons`` and ``make_circles`` give exactly scikit-learn's points for the same seed.

``load_digits()`` reads the 8×8 handwritten digits shipped with this package (see
``tinygrad_edu/datasets/README.md`` for its source and licence). The mini-batch
loader, ``DataLoader``, lives in ``loader.py`` (it needs no NumPy) and is importable from here
too.
"""

from __future__ import annotations

import gzip
import math
from importlib import resources
from typing import Any, NamedTuple, Union

import numpy as np

from tinygrad_edu.training.loader import DataLoader, take

__all__ = [
    "DataLoader", "Digits", "load_digits", "make_circles", "make_moons", "make_spirals",
    "make_xor", "train_test_split",
]

SeedLike = Union[int, np.random.RandomState, None]  # noqa: UP007 (runtime alias, 3.10)


def _generator(seed: SeedLike, random_state: SeedLike, name: str) -> np.random.RandomState:
    """A RandomState from ``seed`` or ``random_state`` (only one may be given); NumPy's global
    one when both are None, as in scikit-learn."""
    if seed is not None and random_state is not None:
        raise TypeError(f"{name}: pass seed= or random_state=, not both (they are the same)")
    chosen = seed if seed is not None else random_state
    if chosen is None:
        return np.random.mtrand._rand
    if isinstance(chosen, np.random.RandomState):
        return chosen
    if isinstance(chosen, (int, np.integer)) and not isinstance(chosen, bool):
        return np.random.RandomState(int(chosen))
    raise TypeError(f"{name}: seed must be an int, a numpy RandomState or None, got {chosen!r}")


def _count(n_samples: int, name: str) -> int:
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)) \
            or n_samples < 1:
        raise ValueError(f"{name}: n_samples must be a positive int, got {n_samples!r}")
    return int(n_samples)


def _finish(
    X: np.ndarray, y: np.ndarray, shuffle: bool, noise: float | None, rng: np.random.RandomState
) -> tuple[np.ndarray, np.ndarray]:
    """Shuffle the points (one permutation for X and y), then add Gaussian noise."""
    if shuffle:
        order = np.arange(len(X))
        rng.shuffle(order)
        X, y = X[order], y[order]
    if noise is not None:
        if noise < 0:
            raise ValueError(f"noise must be >= 0, got {noise!r}")
        X = X + rng.normal(scale=noise, size=X.shape)
    return X, y


def make_moons(
    n_samples: int = 100,
    *,
    shuffle: bool = True,
    noise: float | None = None,
    seed: SeedLike = None,
    random_state: SeedLike = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles: class 0 on the upper arc around (0, 0), class 1 on the
    lower arc around (1, 0.5). ``noise`` is the standard deviation of Gaussian noise added to
    every coordinate. Not separable by a straight line: a classic first test for an MLP."""
    n = _count(n_samples, "make_moons")
    rng = _generator(seed, random_state, "make_moons")
    n_upper = n // 2
    n_lower = n - n_upper
    t_upper = np.linspace(0, np.pi, n_upper)
    t_lower = np.linspace(0, np.pi, n_lower)
    X = np.concatenate([
        np.stack([np.cos(t_upper), np.sin(t_upper)], axis=1),
        np.stack([1 - np.cos(t_lower), 1 - np.sin(t_lower) - 0.5], axis=1),
    ])
    y = np.concatenate([np.zeros(n_upper, dtype=np.intp), np.ones(n_lower, dtype=np.intp)])
    return _finish(X, y, shuffle, noise, rng)


def make_circles(
    n_samples: int = 100,
    *,
    shuffle: bool = True,
    noise: float | None = None,
    factor: float = 0.8,
    seed: SeedLike = None,
    random_state: SeedLike = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Two concentric circles: class 0 on the unit circle, class 1 on a circle of radius
    ``factor`` inside it."""
    n = _count(n_samples, "make_circles")
    if not 0 <= factor < 1:
        raise ValueError(f"make_circles: factor must be in [0, 1), got {factor!r}")
    rng = _generator(seed, random_state, "make_circles")
    n_outer = n // 2
    n_inner = n - n_outer
    t_outer = np.linspace(0, 2 * np.pi, n_outer, endpoint=False)
    t_inner = np.linspace(0, 2 * np.pi, n_inner, endpoint=False)
    X = np.concatenate([
        np.stack([np.cos(t_outer), np.sin(t_outer)], axis=1),
        factor * np.stack([np.cos(t_inner), np.sin(t_inner)], axis=1),
    ])
    y = np.concatenate([np.zeros(n_outer, dtype=np.intp), np.ones(n_inner, dtype=np.intp)])
    return _finish(X, y, shuffle, noise, rng)


def make_spirals(
    n_samples: int = 300,
    n_classes: int = 3,
    *,
    shuffle: bool = True,
    noise: float = 0.2,
    seed: SeedLike = None,
    random_state: SeedLike = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``n_classes`` spiral arms winding out from the origin, one class per arm (the
    CS231n data set). ``noise`` jitters each point's angle (in radians)."""
    n = _count(n_samples, "make_spirals")
    if not isinstance(n_classes, int) or n_classes < 2:
        raise ValueError(f"make_spirals: n_classes must be an int >= 2, got {n_classes!r}")
    rng = _generator(seed, random_state, "make_spirals")
    sizes = [n // n_classes + (k < n % n_classes) for k in range(n_classes)]
    points, labels = [], []
    for k, size in enumerate(sizes):
        radius = np.linspace(0.0, 1.0, size)
        angle = np.linspace(0.0, 4.0, size) + 2 * np.pi * k / n_classes
        angle = angle + rng.normal(scale=noise, size=size) if noise else angle
        points.append(np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1))
        labels.append(np.full(size, k, dtype=np.intp))
    return _finish(np.concatenate(points), np.concatenate(labels), shuffle, None, rng)


def make_xor(
    n_samples: int = 100,
    *,
    shuffle: bool = True,
    noise: float = 0.2,
    seed: SeedLike = None,
    random_state: SeedLike = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Four clouds around the corners (±1, ±1): class 1 where the two signs differ (the XOR
    of "x > 0" and "y > 0"), class 0 where they agree. A single neuron cannot learn it."""
    n = _count(n_samples, "make_xor")
    rng = _generator(seed, random_state, "make_xor")
    corners = np.array([[1.0, 1.0], [-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0]])
    which = np.arange(n) % 4
    X = corners[which]
    y = (which >= 2).astype(np.intp)
    return _finish(X, y, shuffle, noise, rng)


# ----------------------------------------------------------------------------- digits


class Digits(NamedTuple):
    """The digits data set: unpacks as ``X, y = load_digits()``."""

    data: np.ndarray  # (n, 64) float64, pixel intensities 0..16, row by row
    target: np.ndarray  # (n,) int, the digit 0..9

    @property
    def images(self) -> np.ndarray:
        """The same pixels as (n, 8, 8) images."""
        return self.data.reshape(-1, 8, 8)


def load_digits(*, n_class: int = 10, return_X_y: bool = False) -> Digits:
    """1797 handwritten digits as 8×8 images with pixel values 0..16, from the UCI "Optical
    Recognition of Handwritten Digits" data (Alpaydin & Kaynak, CC BY 4.0), the same copy
    scikit-learn ships. ``n_class`` keeps the digits 0 .. n_class-1. The result unpacks as
    ``X, y`` and also has ``.data``, ``.target`` and ``.images``; ``return_X_y`` is accepted
    for scikit-learn habits and changes nothing."""
    if not isinstance(n_class, int) or not 1 <= n_class <= 10:
        raise ValueError(f"load_digits: n_class must be an int from 1 to 10, got {n_class!r}")
    source = resources.files("tinygrad_edu").joinpath("datasets").joinpath("digits.csv.gz")
    with source.open("rb") as raw, gzip.open(raw, "rt", encoding="ascii") as text:
        table = np.loadtxt(text, delimiter=",", dtype=np.int64)
    X, y = table[:, :-1].astype(np.float64), table[:, -1].astype(np.intp)
    keep = y < n_class
    return Digits(X[keep], y[keep])


# ----------------------------------------------------------------------------- split


def train_test_split(
    X: Any, y: Any, test_fraction: float = 0.25, *, seed: int | None = None
) -> tuple[Any, Any, Any, Any]:
    """Shuffle and split into ``X_train, X_test, y_train, y_test`` (scikit-learn's order)."""
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction!r}")
    if len(X) != len(y):
        raise ValueError(f"train_test_split: {len(X)} inputs but {len(y)} targets")
    order = (np.random.RandomState(seed) if seed is not None else np.random.mtrand._rand) \
        .permutation(len(X))
    n_test = max(1, math.ceil(test_fraction * len(X)))
    if n_test >= len(X):
        raise ValueError(f"train_test_split: a test fraction of {test_fraction} of {len(X)} "
                         f"samples leaves no training samples; use a smaller test_fraction")
    test, train = order[:n_test], order[n_test:]
    return take(X, train), take(X, test), take(y, train), take(y, test)
