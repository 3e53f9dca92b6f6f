"""The seeded toy data sets, the shipped digits and the mini-batch loader."""

import random
from importlib import resources

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_edu.training.data import (
    DataLoader,
    load_digits,
    make_circles,
    make_moons,
    make_spirals,
    make_xor,
    train_test_split,
)
from tinygrad_edu.training.loader import NumpyOrder

GENERATORS = {
    "moons": (make_moons, 2),
    "circles": (make_circles, 2),
    "xor": (make_xor, 2),
    "spirals": (make_spirals, 3),
}


# ----------------------------------------------------------------------------- generators


@pytest.mark.parametrize("name", sorted(GENERATORS))
@pytest.mark.parametrize("n", [1, 7, 100])
def test_shapes_dtypes_and_labels(name, n):
    make, n_classes = GENERATORS[name]
    X, y = make(n, seed=0)
    assert X.shape == (n, 2) and X.dtype == np.float64
    assert y.shape == (n,) and np.issubdtype(y.dtype, np.integer)
    assert set(y.tolist()) <= set(range(n_classes))
    if n >= 4 * n_classes:  # every class present, in near-equal numbers
        counts = np.bincount(y, minlength=n_classes)
        assert counts.max() - counts.min() <= 1


def test_spirals_with_more_classes():
    X, y = make_spirals(100, n_classes=5, seed=1)
    assert X.shape == (100, 2) and np.bincount(y).tolist() == [20] * 5


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_a_seed_gives_the_same_data_and_leaves_global_random_state_alone(name):
    make, _ = GENERATORS[name]
    np.random.seed(123)
    random.seed(123)
    np_state, py_state = np.random.get_state(), random.getstate()
    X1, y1 = make(50, noise=0.1, seed=7)
    after = np.random.get_state()
    assert all(np.array_equal(a, b) for a, b in zip(np_state, after))
    assert random.getstate() == py_state
    np.random.seed(999)  # another global state changes nothing
    X2, y2 = make(50, noise=0.1, seed=7)
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    X3, _ = make(50, noise=0.1, seed=8)
    assert not np.array_equal(X1, X3)
    X4, _ = make(50, noise=0.1, random_state=np.random.RandomState(7))  # sklearn's spelling
    assert np.array_equal(X1, X4)


def test_without_a_seed_the_global_numpy_state_decides_as_in_micrograds_demo():
    np.random.seed(1337)
    X1, _ = make_moons(100, noise=0.1)
    np.random.seed(1337)
    X2, _ = make_moons(100, noise=0.1)
    assert np.array_equal(X1, X2)


def test_moons_without_noise_lie_on_their_arcs():
    X, y = make_moons(101, seed=0)
    upper, lower = X[y == 0], X[y == 1]
    assert len(upper) == 50 and len(lower) == 51
    # class 0: the upper half of the unit circle around (0, 0)
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0, rtol=1e-12)
    assert (upper[:, 1] >= -1e-12).all()
    # class 1: the lower half of the unit circle around (1, 0.5)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0, rtol=1e-12)
    assert (lower[:, 1] <= 0.5 + 1e-12).all()
    # the arcs run from end to end: x from -1 to 1 and from 0 to 2
    assert upper[:, 0].min() == pytest.approx(-1) and upper[:, 0].max() == pytest.approx(1)
    assert lower[:, 0].min() == pytest.approx(0) and lower[:, 0].max() == pytest.approx(2)


def test_circles_without_noise_lie_on_their_radii():
    X, y = make_circles(80, factor=0.3, seed=0)
    radius = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(radius[y == 0], 1.0, rtol=1e-12)
    np.testing.assert_allclose(radius[y == 1], 0.3, rtol=1e-12)
    # evenly spread: the angles of the outer circle are 2π/40 apart
    angles = np.sort(np.arctan2(X[y == 0, 1], X[y == 0, 0]))
    np.testing.assert_allclose(np.diff(angles), 2 * np.pi / 40, rtol=1e-9)


def test_xor_without_noise_sits_on_the_corners_with_xor_labels():
    X, y = make_xor(40, noise=0, seed=0)
    assert set(map(tuple, X.tolist())) == {(1.0, 1.0), (-1.0, -1.0), (-1.0, 1.0), (1.0, -1.0)}
    assert np.array_equal(y, ((X[:, 0] > 0) != (X[:, 1] > 0)).astype(y.dtype))


def test_xor_labels_follow_the_signs_with_a_little_noise():
    X, y = make_xor(200, noise=0.2, seed=3)
    assert np.mean(((X[:, 0] > 0) != (X[:, 1] > 0)) == y) > 0.95


def test_spirals_without_noise_have_radius_growing_along_each_arm():
    X, y = make_spirals(60, n_classes=3, noise=0, shuffle=False, seed=0)
    for k in range(3):
        arm = X[y == k]
        radius = np.hypot(arm[:, 0], arm[:, 1])
        np.testing.assert_allclose(radius, np.linspace(0, 1, 20), atol=1e-12)


def test_shuffle_false_keeps_classes_in_blocks():
    _, y = make_moons(10, shuffle=False, seed=0)
    assert y.tolist() == [0] * 5 + [1] * 5


@pytest.mark.parametrize("call, message", [
    (lambda: make_moons(0), "n_samples must be a positive int, got 0"),
    (lambda: make_circles(2.5), "n_samples must be a positive int"),
    (lambda: make_moons(10, noise=-0.1), "noise must be >= 0"),
    (lambda: make_circles(10, factor=1.0), r"factor must be in \[0, 1\), got 1.0"),
    (lambda: make_spirals(10, n_classes=1), "n_classes must be an int >= 2"),
])
def test_bad_arguments_are_explained(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_bad_seeds_are_explained():
    with pytest.raises(TypeError, match="seed must be an int, a numpy RandomState or None"):
        make_moons(10, seed="one")
    with pytest.raises(TypeError, match="pass seed= or random_state=, not both"):
        make_xor(10, seed=1, random_state=1)


# ----------------------------------------------------------------------------- digits


def test_load_digits_has_the_uci_shape_and_values():
    X, y = load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert y.shape == (1797,) and sorted(set(y.tolist())) == list(range(10))
    assert X.min() == 0 and X.max() == 16 and np.array_equal(X, np.round(X))
    assert np.bincount(y).min() >= 170  # about 180 of each digit
    digits = load_digits()
    assert digits.images.shape == (1797, 8, 8)
    assert np.array_equal(digits.images[5].ravel(), digits.data[5])


def test_load_digits_n_class_keeps_the_first_digits():
    X, y = load_digits(n_class=3)
    assert set(y.tolist()) == {0, 1, 2} and X.shape[1] == 64 and len(X) < 600
    with pytest.raises(ValueError, match="n_class must be an int from 1 to 10"):
        load_digits(n_class=11)


def test_the_digits_ship_with_their_attribution():
    folder = resources.files("tinygrad_edu").joinpath("datasets")
    readme = folder.joinpath("README.md").read_text(encoding="utf-8")
    for credit in ("Alpaydin", "Kaynak", "CC BY 4.0", "10.24432/C50P49"):
        assert credit in readme
    assert folder.joinpath("digits.csv.gz").is_file()


# ----------------------------------------------------------------------------- DataLoader


def epoch_indices(loader):
    """The rows of one epoch, recovered from the X values (X[i] = i)."""
    return [[int(row[0]) for row in Xb] for Xb, _ in loader]


def numbered(n):
    X = np.arange(n, dtype=float).reshape(n, 1)
    return X, X[:, 0].astype(int) * 10  # y = 10·index: pairs must stay together


def test_full_batch_is_one_batch_of_everything():
    X, y = numbered(10)
    loader = DataLoader(X, y, seed=0)
    assert len(loader) == 1
    (batch,) = epoch_indices(loader)
    assert sorted(batch) == list(range(10))


def test_batch_size_one_is_sgd_one_sample_at_a_time():
    X, y = numbered(7)
    loader = DataLoader(X, y, batch_size=1, seed=0)
    batches = epoch_indices(loader)
    assert len(loader) == len(batches) == 7 and all(len(b) == 1 for b in batches)
    assert sorted(b[0] for b in batches) == list(range(7))


@pytest.mark.parametrize("n, size", [(10, 3), (12, 4), (5, 8)])
def test_mini_batches_cover_every_sample_once_per_epoch(n, size):
    X, y = numbered(n)
    loader = DataLoader(X, y, batch_size=size, seed=1)
    for _ in range(3):
        seen = []
        for Xb, yb in loader:
            assert len(Xb) == len(yb) <= size
            assert (yb == Xb[:, 0].astype(int) * 10).all()  # inputs and targets stay paired
            seen += Xb[:, 0].astype(int).tolist()
        assert sorted(seen) == list(range(n))
    assert len(loader) == -(-n // size)  # the last batch may be short


def test_drop_last_drops_the_short_batch():
    X, y = numbered(10)
    loader = DataLoader(X, y, batch_size=3, drop_last=True, seed=0)
    batches = epoch_indices(loader)
    assert len(loader) == len(batches) == 3 and all(len(b) == 3 for b in batches)


def test_a_seed_reproduces_the_order_every_epoch_reshuffles():
    X, y = numbered(20)
    a, b = DataLoader(X, y, batch_size=4, seed=5), DataLoader(X, y, batch_size=4, seed=5)
    state = np.random.get_state()
    first, second = epoch_indices(a), epoch_indices(a)
    assert first == epoch_indices(b) and second == epoch_indices(b)
    assert first != second  # a new order each epoch
    assert first != epoch_indices(DataLoader(X, y, batch_size=4, seed=6))
    assert all(np.array_equal(s, t) for s, t in zip(state, np.random.get_state()))


def test_shuffle_false_keeps_the_order_and_lists_give_lists():
    X, y = [[0.0], [1.0], [2.0]], ["a", "b", "c"]
    batches = list(DataLoader(X, y, batch_size=2, shuffle=False))
    assert batches == [([[0.0], [1.0]], ["a", "b"]), ([[2.0]], ["c"])]


def test_dataloader_errors_name_the_problem():
    X, y = numbered(4)
    with pytest.raises(ValueError, match="4 inputs but 3 targets"):
        DataLoader(X, y[:3])
    with pytest.raises(ValueError, match="batch_size must be None or an int >= 1, got 0"):
        DataLoader(X, y, batch_size=0)
    with pytest.raises(ValueError, match="got no samples"):
        DataLoader([], [])
    for bad in (True, 2.0, float("nan")):  # True would be a batch of 1
        with pytest.raises(ValueError, match=f"batch_size must be None or an int >= 1, got {bad}"):
            DataLoader(X, y, batch_size=bad)
    for bad in (-1, 2**32, 1.5, float("nan"), True):
        with pytest.raises(ValueError, match=rf"seed must be None or an int from 0 to 2\*\*32 - 1, "
                                             rf"got {bad}"):
            DataLoader(X, y, seed=bad)
    assert len(DataLoader(X, y, batch_size=np.int64(3), seed=np.uint32(2**32 - 1))) == 2


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), sizes=st.lists(st.integers(0, 300), min_size=1,
                                                        max_size=4))
def test_the_order_without_numpy_is_numpys_for_the_same_seed(seed, sizes):
    # where NumPy is missing the loader shuffles with NumpyOrder: the same orders, epoch
    # after epoch, as numpy.random.RandomState(seed).permutation
    ours, numpys = NumpyOrder(seed), np.random.RandomState(seed)
    for n in sizes:
        assert ours.permutation(n) == numpys.permutation(n).tolist()


# ----------------------------------------------------------------------------- split


def test_train_test_split_partitions_the_data_reproducibly():
    X, y = numbered(20)
    X_train, X_test, y_train, y_test = train_test_split(X, y, 0.25, seed=0)
    assert len(X_train) == len(y_train) == 15 and len(X_test) == len(y_test) == 5
    rows = sorted(X_train[:, 0].tolist() + X_test[:, 0].tolist())
    assert rows == list(range(20))
    assert (y_test == X_test[:, 0].astype(int) * 10).all()
    again = train_test_split(X, y, 0.25, seed=0)
    assert np.array_equal(again[1], X_test)
    assert not np.array_equal(train_test_split(X, y, 0.25, seed=1)[1], X_test)


def test_train_test_split_errors():
    X, y = numbered(4)
    with pytest.raises(ValueError, match="test_fraction must be between 0 and 1"):
        train_test_split(X, y, 1.0)
    with pytest.raises(ValueError, match="4 inputs but 3 targets"):
        train_test_split(X, y[:3])
    with pytest.raises(ValueError, match="leaves no training samples"):
        train_test_split(X[:2], y[:2], 0.9)
