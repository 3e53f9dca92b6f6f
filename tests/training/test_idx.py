"""The IDX loader and the (Fashion-)MNIST finders, on small IDX files written here."""

from __future__ import annotations

import gzip
import struct
import tempfile
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from tinygrad_edu.tensor import load_fashion_mnist, load_idx, load_mnist
from tinygrad_edu.training import idx as idx_data
from tinygrad_edu.training.idx import IDXError

CODES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def _ignores_permissions() -> bool:
    """Can this process read a file that has no read permission (as root usually can)?"""
    with tempfile.TemporaryDirectory() as directory:
        probe = Path(directory) / "probe"
        probe.write_bytes(b"")
        probe.chmod(0)
        try:
            probe.read_bytes()
        except PermissionError:
            return False
        return True


skip_if_permissions_ignored = pytest.mark.skipif(
    _ignores_permissions(), reason="this process ignores file permissions (root); run as a "
    "user, or as root without capabilities: setpriv --inh-caps=-all --bounding-set=-all")


def idx_bytes(array: np.ndarray, code: int) -> bytes:
    """The IDX encoding of ``array``, written from the format's description."""
    header = struct.pack(">BBBB", 0, 0, code, array.ndim)
    header += b"".join(struct.pack(">I", n) for n in array.shape)
    return header + np.ascontiguousarray(array, dtype=CODES[code]).tobytes()


def write(path: Path, payload: bytes, gz: bool = False) -> Path:
    path.write_bytes(gzip.compress(payload) if gz else payload)
    return path


def sample(code: int, shape: tuple[int, ...]) -> np.ndarray:
    rng = np.random.default_rng(code)
    info = np.iinfo if np.dtype(CODES[code]).kind in "iu" else np.finfo
    lo, hi = info(CODES[code]).min, info(CODES[code]).max
    if np.dtype(CODES[code]).kind == "f":
        values = rng.normal(0, 1e3, shape)
        values.flat[0] = hi  # the extremes survive the byte order
        return values
    values = rng.integers(lo, hi, shape, endpoint=True)
    values.flat[0], values.flat[-1] = lo, hi
    return values


@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gzip"])
@pytest.mark.parametrize("code", sorted(CODES), ids=[f"0x{c:02X}" for c in sorted(CODES)])
@pytest.mark.parametrize("shape", [(7,), (3, 4, 5), (2, 1, 3, 2)], ids=["1d", "3d", "4d"])
def test_round_trip_every_type_code(tmp_path, code, gz, shape):
    array = sample(code, shape)
    out = load_idx(write(tmp_path / "a.idx", idx_bytes(array, code), gz))
    assert out.shape == shape
    assert out.dtype == np.dtype(CODES[code]).newbyteorder("=")
    assert out.dtype.isnative
    np.testing.assert_array_equal(out, array.astype(CODES[code]))
    out[...] = 0  # a writable array of its own


def test_big_endian_bytes_are_read_as_such(tmp_path):
    payload = bytes([0, 0, 0x0C, 1, 0, 0, 0, 2]) + bytes([0, 0, 1, 2, 0xFF, 0xFF, 0xFF, 0xFE])
    np.testing.assert_array_equal(load_idx(write(tmp_path / "x", payload)), [258, -2])


def test_gzip_is_detected_by_magic_bytes_not_by_name(tmp_path):
    array = np.arange(12, dtype=np.uint8).reshape(3, 4)
    zipped_without_gz = write(tmp_path / "labels-idx2-ubyte", idx_bytes(array, 0x08), gz=True)
    raw_named_gz = write(tmp_path / "labels-idx2-ubyte.gz", idx_bytes(array, 0x08))
    np.testing.assert_array_equal(load_idx(zipped_without_gz), array)
    np.testing.assert_array_equal(load_idx(str(raw_named_gz)), array)


@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gzip"])
def test_truncated_data_names_file_and_sizes(tmp_path, gz):
    payload = idx_bytes(np.zeros((10, 28, 28), np.uint8), 0x08)
    path = write(tmp_path / "images.idx", payload[:-100], gz)
    with pytest.raises(IDXError, match="truncated") as info:
        load_idx(path)
    message = str(info.value)
    assert str(path) in message
    assert "(10×28×28)" in message and "7840" in message and "7740" in message


def test_extra_bytes_are_a_size_mismatch(tmp_path):
    path = write(tmp_path / "a", idx_bytes(np.zeros((2, 3), ">i4"), 0x0C) + b"\0\0\0\0")
    with pytest.raises(IDXError, match=r"size mismatch.*expected 24, got 28"):
        load_idx(path)


def test_truncated_header(tmp_path):
    header = idx_bytes(np.zeros((2, 3, 4), np.uint8), 0x08)[:10]  # 3 dims need 16 bytes
    with pytest.raises(IDXError, match=r"truncated header: 3 dimensions need 16 .* has 10"):
        load_idx(write(tmp_path / "a", header))
    with pytest.raises(IDXError, match="only 2 bytes"):
        load_idx(write(tmp_path / "b", b"\0\0"))
    with pytest.raises(IDXError, match="only 0 bytes"):
        load_idx(write(tmp_path / "c", b""))


def test_cut_gzip_stream(tmp_path):
    zipped = gzip.compress(idx_bytes(np.arange(1000, dtype=np.uint8) % 7, 0x08))
    path = write(tmp_path / "a.gz", zipped[: len(zipped) // 2])
    with pytest.raises(IDXError, match="broken gzip data") as info:
        load_idx(path)
    assert str(path) in str(info.value)


def test_wrong_magic_number(tmp_path):
    path = write(tmp_path / "picture.png", b"\x89PNG\r\n\x1a\n" + bytes(20))
    with pytest.raises(IDXError, match=r"not an IDX file: the magic number 89 50 4e 47") as info:
        load_idx(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("code", [0x00, 0x07, 0x0A, 0x0F, 0xFF])
def test_unknown_type_code(tmp_path, code):
    payload = bytes([0, 0, code, 1, 0, 0, 0, 1, 5])
    with pytest.raises(IDXError, match=f"unknown IDX type code 0x{code:02X}.*0x08 \\(uint8\\)"):
        load_idx(write(tmp_path / "a", payload))


def test_idx_error_is_a_value_error_and_missing_file_is_file_not_found(tmp_path):
    assert issubclass(IDXError, ValueError)
    with pytest.raises(FileNotFoundError):
        load_idx(tmp_path / "nothing-here")


# ----------------------------------------------------------------------------- hostile files


def peak_memory(load) -> int:
    """The most memory (bytes) Python and NumPy held at once while ``load()`` ran."""
    tracemalloc.start()
    try:
        load()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


@pytest.mark.slow
def test_a_gzip_bomb_fails_without_inflating_it(tmp_path):
    """A header promising 10 bytes, then 200 MB of zeros: about 0.2 MB gzipped."""
    path = tmp_path / "bomb.gz"
    with gzip.open(path, "wb") as file:  # written in pieces: the test stays small too
        file.write(idx_bytes(np.arange(10, dtype=np.uint8), 0x08))
        for _ in range(200):
            file.write(bytes(2**20))
    assert path.stat().st_size < 2**20

    def load():
        with pytest.raises(IDXError, match=r"size mismatch: .*\(10\) uint8 values = 10 bytes "
                                           r"of data, but the file has more than \d+") as info:
            load_idx(path)
        assert str(path) in str(info.value)

    assert peak_memory(load) < 16 * 2**20  # far below the 200 MB inside


@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gzip"])
def test_a_header_promising_a_petabyte_fails_fast_as_truncated(tmp_path, gz):
    header = struct.pack(">BBBB3I", 0, 0, 0x08, 3, 10**5, 10**5, 10**5)  # 10^15 bytes
    path = write(tmp_path / "huge", header + bytes(100), gz)

    def load():
        with pytest.raises(IDXError, match=r"truncated: .*\(100000×100000×100000\) uint8 "
                                           r"values = 1000000000000000 bytes .* has 100 "):
            load_idx(path)

    assert peak_memory(load) < 16 * 2**20


def test_sizes_are_multiplied_without_overflow(tmp_path):
    """2^31 · 2^31 · 4 = 2^64 wraps to 0 in int64, which an empty file would match."""
    header = struct.pack(">BBBB3I", 0, 0, 0x08, 3, 2**31, 2**31, 4)
    with pytest.raises(IDXError, match=f"truncated: .* = {2**64} bytes of data, but the "
                                       "file has 0"):
        load_idx(write(tmp_path / "wraps", header))


def test_shapes_numpy_cannot_hold_are_an_idx_error(tmp_path):
    empty_but_huge = struct.pack(">BBBB3I", 0, 0, 0x08, 3, 0, 2**32 - 1, 2**32 - 1)
    with pytest.raises(IDXError, match=r"wide\b.*NumPy cannot hold the shape"):
        load_idx(write(tmp_path / "wide", empty_but_huge))
    too_many_dims = struct.pack(">BBBB", 0, 0, 0x08, 100) + struct.pack(">I", 1) * 100 + b"\1"
    with pytest.raises(IDXError, match="NumPy cannot hold the shape"):
        load_idx(write(tmp_path / "deep", too_many_dims))


def test_extra_gzipped_bytes_are_counted_up_to_a_point(tmp_path):
    payload = idx_bytes(np.zeros((2, 3), ">i4"), 0x0C)
    path = write(tmp_path / "a.gz", payload + bytes(4), gz=True)
    with pytest.raises(IDXError, match=r"size mismatch.*expected 24, got 28\)"):
        load_idx(path)
    path = write(tmp_path / "b.gz", payload + bytes(2**21), gz=True)
    with pytest.raises(IDXError, match=rf"size mismatch.*expected 24, got more than {24 + 2**20}"):
        load_idx(path)


def test_unreadable_files_are_named(tmp_path):
    with pytest.raises(IsADirectoryError, match=f"cannot read {tmp_path}: .*an IDX file inside"):
        load_idx(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"cannot read .*nothing-here: .*check the path"):
        load_idx(tmp_path / "nothing-here")


@skip_if_permissions_ignored
def test_a_file_without_read_permission_is_named(tmp_path):
    path = write(tmp_path / "secret.idx", idx_bytes(np.zeros(3, np.uint8), 0x08))
    path.chmod(0o200)
    with pytest.raises(PermissionError, match=r"cannot read .*secret\.idx: .*permissions"):
        load_idx(path)


# ----------------------------------------------------------------------------- finders


def make_set(directory: Path, n_train: int = 6, n_test: int = 4, *, gz: bool = True,
             style: str = "-") -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Write tiny train and t10k image/label files in the standard names."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(len(str(directory)))
    made = {}
    for kind, prefix, n in (("train", "train", n_train), ("test", "t10k", n_test)):
        images = rng.integers(0, 256, (n, 4, 5)).astype(np.uint8)
        labels = rng.integers(0, 10, n).astype(np.uint8)
        suffix = ".gz" if gz else ""
        write(directory / f"{prefix}-images{style}idx3-ubyte{suffix}", idx_bytes(images, 8), gz)
        write(directory / f"{prefix}-labels{style}idx1-ubyte{suffix}", idx_bytes(labels, 8), gz)
        made[kind] = (images, labels)
    return made


def check(got: tuple[np.ndarray, np.ndarray], want: tuple[np.ndarray, np.ndarray]) -> None:
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])


@pytest.fixture
def no_defaults(monkeypatch, tmp_path):
    """No environment variables, and a Debian directory that does not exist."""
    monkeypatch.delenv(idx_data.FASHION_MNIST_ENV, raising=False)
    monkeypatch.delenv(idx_data.MNIST_ENV, raising=False)
    monkeypatch.setattr(idx_data, "DEBIAN_FASHION_MNIST", tmp_path / "no-debian-package")


@pytest.mark.parametrize("gz", [True, False], ids=["gzip", "raw"])
@pytest.mark.parametrize("style", ["-", "."], ids=["idx3-ubyte", "images.idx3-ubyte"])
def test_directory_given_by_argument(tmp_path, no_defaults, gz, style):
    made = make_set(tmp_path / "fashion", gz=gz, style=style)
    check(load_fashion_mnist(tmp_path / "fashion"), made["train"])
    check(load_fashion_mnist(str(tmp_path / "fashion"), kind="test"), made["test"])
    check(load_mnist(tmp_path / "fashion", kind="test"), made["test"])


@skip_if_permissions_ignored
def test_a_data_folder_that_cannot_be_searched_is_named(tmp_path, no_defaults):
    make_set(tmp_path / "locked")
    (tmp_path / "locked").chmod(0o600)  # readable, but its files cannot be looked at
    try:
        with pytest.raises(PermissionError, match=r"load_fashion_mnist: cannot look into .*"
                                                  r"locked: Permission denied; check the "
                                                  r"folder's permissions"):
            load_fashion_mnist(tmp_path / "locked")
    finally:
        (tmp_path / "locked").chmod(0o700)


def test_environment_variables(tmp_path, monkeypatch, no_defaults):
    fashion, mnist = make_set(tmp_path / "f"), make_set(tmp_path / "m", n_train=3)
    monkeypatch.setenv(idx_data.FASHION_MNIST_ENV, str(tmp_path / "f"))
    monkeypatch.setenv(idx_data.MNIST_ENV, str(tmp_path / "m"))
    check(load_fashion_mnist(), fashion["train"])
    check(load_mnist(kind="train"), mnist["train"])
    check(load_fashion_mnist(tmp_path / "m"), mnist["train"])  # the argument wins


def test_debian_directory_is_the_default(tmp_path, monkeypatch, no_defaults):
    made = make_set(tmp_path / "debian")
    monkeypatch.setattr(idx_data, "DEBIAN_FASHION_MNIST", tmp_path / "debian")
    check(load_fashion_mnist(kind="test"), made["test"])


def test_missing_files_say_how_to_get_them(tmp_path, monkeypatch, no_defaults):
    with pytest.raises(FileNotFoundError) as info:
        load_fashion_mnist()
    message = str(info.value)
    assert "sudo apt-get install dataset-fashion-mnist" in message
    assert idx_data.FASHION_MNIST_ENV in message and "no-debian-package" in message
    assert "train-images-idx3-ubyte[.gz]" in message

    (tmp_path / "empty").mkdir()
    monkeypatch.setenv(idx_data.FASHION_MNIST_ENV, str(tmp_path / "empty"))
    with pytest.raises(FileNotFoundError, match=r"t10k-images.*empty \(\$TINYGRAD_EDU_FASHION"):
        load_fashion_mnist(kind="test")

    with pytest.raises(FileNotFoundError, match=r"TINYGRAD_EDU_MNIST=DIR") as info:
        load_mnist()
    assert "no directory given" in str(info.value)
    with pytest.raises(FileNotFoundError, match="no such directory"):
        load_mnist(tmp_path / "typo")


def test_only_images_present_is_missing(tmp_path, no_defaults):
    make_set(tmp_path / "d")
    (tmp_path / "d" / "train-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError, match="train-labels"):
        load_fashion_mnist(tmp_path / "d")


def test_images_and_labels_must_agree(tmp_path, no_defaults):
    make_set(tmp_path / "d")
    write(tmp_path / "d" / "train-labels-idx1-ubyte.gz", idx_bytes(np.zeros(5, np.uint8), 8),
          gz=True)
    with pytest.raises(IDXError, match=r"train-labels.*\(5,\)"):
        load_fashion_mnist(tmp_path / "d")


def test_a_file_given_as_the_directory_is_said_to_be_one(tmp_path, no_defaults):
    (tmp_path / "file").write_text("not a directory")
    with pytest.raises(FileNotFoundError, match=r"file \(the path given, not a directory\)"):
        load_fashion_mnist(tmp_path / "file")


def test_labels_beyond_the_ten_classes_are_an_error(tmp_path, no_defaults):
    make_set(tmp_path / "d")
    labels = np.array([0, 9, 3, 10, 1, 2], np.uint8)
    write(tmp_path / "d" / "train-labels-idx1-ubyte.gz", idx_bytes(labels, 8), gz=True)
    with pytest.raises(IDXError, match=r"train-labels-idx1-ubyte\.gz has the label 10 at "
                                       r"index 3; the data set has 10 classes, labelled 0 to 9"):
        load_fashion_mnist(tmp_path / "d")


@pytest.mark.parametrize("what", ["images", "labels"])
def test_the_data_sets_hold_unsigned_bytes(tmp_path, no_defaults, what):
    made = make_set(tmp_path / "d")
    images, labels = made["test"]
    array = (images if what == "images" else labels).astype(np.float32)
    dims = 3 if what == "images" else 1
    write(tmp_path / "d" / f"t10k-{what}-idx{dims}-ubyte.gz", idx_bytes(array, 0x0D), gz=True)
    with pytest.raises(IDXError, match=rf"t10k-{what}-idx{dims}-ubyte\.gz holds float32 "
                                       r"numbers; .* unsigned bytes \(IDX type code 0x08\)"):
        load_mnist(tmp_path / "d", kind="test")


def test_kind_must_be_train_or_test(tmp_path):
    with pytest.raises(ValueError, match="kind must be 'train' or 'test', got 'valid'"):
        load_fashion_mnist(tmp_path, kind="valid")


@pytest.mark.skipif(not idx_data.DEBIAN_FASHION_MNIST.is_dir(),
                    reason="Debian's Fashion-MNIST is not installed: "
                           "sudo apt-get install dataset-fashion-mnist")
def test_debian_fashion_mnist_test_set(monkeypatch):
    monkeypatch.delenv(idx_data.FASHION_MNIST_ENV, raising=False)
    images, labels = load_fashion_mnist(kind="test")
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (10000,) and set(np.unique(labels)) == set(range(10))
    assert np.bincount(labels).tolist() == [1000] * 10
