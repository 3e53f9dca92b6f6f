"""Mini-batches of a data set, in a new random order every epoch: ``DataLoader``.

``fit`` trains a scalar model on lists of numbers, which needs no NumPy (in a browser there
is none), so neither does the loader: it shuffles with NumPy's ``RandomState`` once NumPy has
been imported (an array or a Tensor exists only then), and otherwise with the same
generator written in Python (``NumpyOrder``), which gives the same orders for the same
seed, so a seeded training run takes the same batches with or without NumPy.
"""

from __future__ import annotations

import numbers
import random
import sys
from collections.abc import Iterator, Sequence
from typing import Any

__all__ = ["DataLoader", "NumpyOrder", "take"]


class DataLoader:
    """Mini-batches of ``(X, y)``, reshuffled every time you iterate (one epoch).

    - ``batch_size=None``: full batch, one batch of everything per epoch;
    - ``batch_size=1``: stochastic gradient descent, one sample at a time;
    - anything else: mini-batches of that size (the last one may be smaller, unless
      ``drop_last=True``).

    With ``seed`` the order of every epoch is reproducible, and the global random state is
    not touched. Works with NumPy arrays (batches are arrays) and with lists (batches are
    lists). ``len(loader)`` is the number of batches per epoch.

    >>> X, y = make_moons(100, noise=0.1, seed=0)
    >>> for Xb, yb in DataLoader(X, y, batch_size=32, seed=0): ...
    """

    def __init__(
        self,
        X: Sequence[Any],
        y: Sequence[Any],
        batch_size: int | None = None,
        *,
        shuffle: bool = True,
        drop_last: bool = False,
        seed: int | None = None,
    ) -> None:
        if len(X) != len(y):
            raise ValueError(f"DataLoader: {len(X)} inputs but {len(y)} targets")
        if len(X) == 0:
            raise ValueError("DataLoader: got no samples")
        if batch_size is not None and (isinstance(batch_size, bool)
                                       or not isinstance(batch_size, numbers.Integral)
                                       or batch_size < 1):
            raise ValueError(f"DataLoader: batch_size must be None or an int >= 1, "
                             f"got {batch_size!r}")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)
                                 or not 0 <= seed < 2**32):
            raise ValueError(f"DataLoader: seed must be None or an int from 0 to 2**32 - 1, "
                             f"got {seed!r}")
        self.X, self.y = X, y
        self.batch_size = len(X) if batch_size is None else min(int(batch_size), len(X))
        self.shuffle, self.drop_last = shuffle, drop_last
        np = sys.modules.get("numpy")  # imported by the caller, or not at all
        if np is not None:
            self._rng: Any = (np.random.RandomState(int(seed)) if seed is not None
                              else np.random.mtrand._rand)  # NumPy's global state, as before
        else:  # Python's global random state picks the seed of an unseeded loader
            self._rng = NumpyOrder(random.getrandbits(32) if seed is None else int(seed))

    def __len__(self) -> int:
        whole, rest = divmod(len(self.X), self.batch_size)
        return whole + (1 if rest and not self.drop_last else 0)

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        n = len(self.X)
        order = self._rng.permutation(n) if self.shuffle else range(n)
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            idx = order[start:start + self.batch_size]
            yield take(self.X, idx), take(self.y, idx)


def take(items: Any, idx: Any) -> Any:
    """The rows ``idx`` (an array of positions, a list or a range) of an array or a list."""
    if hasattr(items, "shape"):  # an array
        return items[idx]
    return [items[i] for i in (idx.tolist() if hasattr(idx, "tolist") else idx)]


class NumpyOrder:
    """``numpy.random.RandomState(seed).permutation(n)``, written in Python: the same
    Mersenne Twister (Python's own ``random.Random``, given the state NumPy's seeding makes)
    and the same shuffle (Fisher-Yates from the end, each position drawn by masked rejection
    as NumPy's ``random_interval`` draws it)."""

    def __init__(self, seed: int) -> None:
        if not 0 <= seed < 2**32:
            raise ValueError(f"NumpyOrder: seed must be an int from 0 to 2**32 - 1, got {seed!r}")
        key = []
        for i in range(624):  # NumPy's mt19937_seed (Knuth's initialisation)
            key.append(seed)
            seed = (1812433253 * (seed ^ (seed >> 30)) + i + 1) & 0xFFFFFFFF
        self._random = random.Random()
        self._random.setstate((3, (*key, 624), None))  # 624: draw a new block first

    def permutation(self, n: int) -> list[int]:
        """A random order of ``range(n)``, NumPy's for the same seed and the same draws
        before."""
        order = list(range(n))
        bits = self._random.getrandbits
        for i in range(n - 1, 0, -1):  # (i < 2**32: NumPy draws 32 bits for each)
            mask = (1 << i.bit_length()) - 1
            j = bits(32) & mask
            while j > i:
                j = bits(32) & mask
            order[i], order[j] = order[j], order[i]
        return order
