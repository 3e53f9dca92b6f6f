"""Read IDX files, the format of MNIST and Fashion-MNIST, into NumPy arrays.

An IDX file is a tiny header followed by the numbers, big-endian:

- 4 magic bytes: ``0x00 0x00``, a type code (``0x08`` unsigned byte, ``0x09`` signed byte,
  ``0x0B`` int16, ``0x0C`` int32, ``0x0D`` float32, ``0x0E`` float64) and the number of
  dimensions;
- one 4-byte size per dimension (60000, 28, 28 for the training images);
- the numbers themselves, row after row (C order).

Files are often gzipped (``*.gz``); ``load_idx`` looks at the first bytes, not the name.

>>> images, labels = load_fashion_mnist(kind="train")   # (60000×28×28) uint8, (60000) uint8
>>> X = images.reshape(len(images), -1).astype(np.float32) / 255   # pixels in [0, 1]
"""

from __future__ import annotations

import errno
import gzip
import math
import os
import struct
import zlib
from pathlib import Path
from typing import IO, Literal, cast

import numpy as np

from tinygrad_edu.formatting import shape_str

__all__ = [
    "FASHION_MNIST_CLASSES", "FASHION_MNIST_ENV", "MNIST_ENV", "IDXError", "load_fashion_mnist",
    "load_idx", "load_mnist",
]

IDX_TYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),  # unsigned byte (the pixels and labels of MNIST)
    0x09: np.dtype(">i1"),  # signed byte
    0x0B: np.dtype(">i2"),  # short
    0x0C: np.dtype(">i4"),  # int
    0x0D: np.dtype(">f4"),  # float
    0x0E: np.dtype(">f8"),  # double
}
"""The IDX type codes and the big-endian NumPy dtypes they stand for (0x0A is unused)."""

GZIP_MAGIC = b"\x1f\x8b"

FASHION_MNIST_ENV = "TINYGRAD_EDU_FASHION_MNIST"
"""The environment variable naming the folder of Fashion-MNIST's four files, if set."""
MNIST_ENV = "TINYGRAD_EDU_MNIST"
"""The environment variable naming the folder of MNIST's four files, if set."""
DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
"""Where Debian's ``dataset-fashion-mnist`` package puts the four gzipped files."""

FASHION_MNIST_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)  # fmt: skip
"""The names of Fashion-MNIST's labels 0..9."""

N_CLASSES = 10
"""MNIST and Fashion-MNIST both have ten classes, labelled 0 to 9."""

Kind = Literal["train", "test"]


class IDXError(ValueError):
    """A file is not a valid IDX file: wrong magic number, unknown type code, cut short."""


CHUNK = 1 << 20
"""Bytes read at a time: memory grows with the bytes that exist, never with what a header
promises (a corrupt header may promise terabytes)."""


def load_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """The array stored in an IDX file (gzipped or not), with the file's dtype in native byte
    order and the file's shape: ``(60000×28×28)`` uint8 for MNIST's training images.

    The file is read as a stream (through gzip when its first bytes say so): the header
    first, then the bytes it promises, in chunks, then at most ``CHUNK`` more to catch extra
    data, so memory follows the data that exists, not what a header claims. Raises
    ``IDXError`` (a ``ValueError``) naming the file when the magic number or the type code is
    wrong, or when there are fewer or more bytes than the header promises; a file that cannot
    be opened raises the usual ``OSError`` (``FileNotFoundError``, ``PermissionError``, ...)
    with a message naming it."""
    path = Path(path)
    try:
        with open(path, "rb") as file:
            zipped = file.read(2) == GZIP_MAGIC
            file.seek(0)
            stream = cast(IO[bytes], gzip.GzipFile(fileobj=file, mode="rb") if zipped else file)
            try:
                return _read_idx(stream, path)
            except (EOFError, gzip.BadGzipFile, zlib.error) as error:
                raise IDXError(
                    f"{path}: broken gzip data ({error}); the download was probably cut short, "
                    "fetch the file again"
                ) from None
    except OSError as error:  # missing, a directory, no permission, a failing disk
        raise _unreadable(path, error) from None


def _unreadable(path: Path, error: OSError) -> OSError:
    """The same kind of OSError, with a message that names the file and says what to do."""
    advice = {
        errno.ENOENT: "check the path",
        errno.EACCES: "check the file's permissions (ls -l)",
        errno.EISDIR: "pass the path of an IDX file inside it",
    }.get(error.errno or 0, "check the file")
    reason = error.strerror or str(error)
    new = type(error)(f"cannot read {path}: {reason}; {advice}")
    new.errno = error.errno  # (no strerror/filename: they would replace the message)
    return new


def _read_idx(stream: IO[bytes], path: Path) -> np.ndarray:
    """Header, then data, from an open (uncompressed) stream; see ``load_idx``."""
    magic = stream.read(4)
    if len(magic) < 4:
        raise IDXError(
            f"{path}: truncated: an IDX file starts with a 4-byte magic number, but the file "
            f"has only {len(magic)} bytes"
        )
    zero, code, ndim = magic[:2], magic[2], magic[3]
    if zero != b"\x00\x00":
        raise IDXError(
            f"{path}: not an IDX file: the magic number {magic.hex(' ')} should start with "
            "00 00 (then a type code and the number of dimensions)"
        )
    if code not in IDX_TYPES:
        known = ", ".join(f"0x{c:02X} ({t.name})" for c, t in IDX_TYPES.items())
        raise IDXError(f"{path}: unknown IDX type code 0x{code:02X}; known codes: {known}")
    sizes = stream.read(4 * ndim)
    if len(sizes) < 4 * ndim:
        raise IDXError(
            f"{path}: truncated header: {ndim} dimensions need {4 + 4 * ndim} header bytes, "
            f"the file has {4 + len(sizes)}"
        )
    shape = struct.unpack(f">{ndim}I", sizes)
    dtype = IDX_TYPES[code]
    expected = math.prod(shape) * dtype.itemsize  # Python ints: no overflow
    data = bytearray()
    while len(data) < expected:
        chunk = stream.read(min(CHUNK, expected - len(data)))
        if not chunk:
            break
        data += chunk
    actual, more = len(data), b""
    if actual == expected:
        more = stream.read(CHUNK)  # extra data: count up to CHUNK bytes of it, no more
        actual += len(more)
    if actual != expected:
        problem = "truncated" if actual < expected else "size mismatch"
        got = f"more than {actual}" if len(more) == CHUNK and stream.read(1) else f"{actual}"
        raise IDXError(
            f"{path}: {problem}: the header promises {shape_str(shape)} {dtype.name} values = "
            f"{expected} bytes of data, but the file has {got} (expected {expected}, got {got})"
        )
    try:
        array = np.frombuffer(data, dtype).reshape(shape)
    except ValueError as error:  # e.g. (0×4294967295×4294967295) or more than 64 dimensions
        raise IDXError(f"{path}: NumPy cannot hold the shape the header gives: {error}") from None
    # a bytearray makes a writable array; multi-byte numbers get native byte order (a copy)
    return array.astype(dtype.newbyteorder("="), copy=False)


# ----------------------------------------------------------------------------- MNIST files

_PREFIX = {"train": "train", "test": "t10k"}


def _candidates(prefix: str, what: str, dims: int) -> list[str]:
    """The usual names of one file: ``train-images-idx3-ubyte.gz`` and its variants."""
    names = [f"{prefix}-{what}-idx{dims}-ubyte", f"{prefix}-{what}.idx{dims}-ubyte"]
    return [name + gz for name in names for gz in (".gz", "")]


def _find(directory: Path, prefix: str, what: str, dims: int) -> Path | None:
    for name in _candidates(prefix, what, dims):
        if (directory / name).is_file():
            return directory / name
    return None


def _load_pair(
    name: str,
    path: str | os.PathLike[str] | None,
    kind: str,
    env: str,
    default: Path | None,
    how_to_get: str,
) -> tuple[np.ndarray, np.ndarray]:
    """Find a data set's images and labels (argument, then env var, then ``default``)."""
    if kind not in _PREFIX:
        raise ValueError(f"load_{name}: kind must be 'train' or 'test', got {kind!r}")
    prefix = _PREFIX[kind]
    if path is not None:
        tried = [(Path(path), "the path given")]
    elif os.environ.get(env):
        tried = [(Path(os.environ[env]), f"${env}")]
    else:
        tried = [(default, "the default")] if default is not None else []
    for directory, _ in tried:
        if directory.is_dir():
            try:
                images = _find(directory, prefix, "images", 3)
                labels = _find(directory, prefix, "labels", 1)
            except OSError as error:  # e.g. a folder without search (x) permission
                failure = type(error)(f"load_{name}: cannot look into {directory}: "
                                      f"{error.strerror or error}; check the folder's "
                                      "permissions (ls -ld)")
                failure.errno = error.errno
                raise failure from None
            if images is not None and labels is not None:
                break
    else:
        looked = "; ".join(f"{d} ({why}{_not_a_directory(d)})"
                           for d, why in tried) or "nowhere (no directory given)"
        wanted = " and ".join(f"{prefix}-{w}-idx{d}-ubyte[.gz]" for w, d in
                              (("images", 3), ("labels", 1)))
        raise FileNotFoundError(
            f"load_{name}: could not find the {kind} files {wanted}. Looked in: {looked}. "
            f"{how_to_get}"
        )
    X, y = load_idx(images), load_idx(labels)
    if X.ndim != 3 or y.ndim != 1 or len(X) != len(y):
        raise IDXError(
            f"load_{name}: {images} has shape {X.shape} and {labels} has shape {y.shape}; "
            "expected (N×rows×cols) images and N labels"
        )
    for path, array in ((images, X), (labels, y)):
        if array.dtype != np.uint8:
            raise IDXError(f"load_{name}: {path} holds {array.dtype} numbers; the data set's "
                           "files hold unsigned bytes (IDX type code 0x08)")
    if len(y) and y.max() >= N_CLASSES:
        i = int(np.argmax(y >= N_CLASSES))
        raise IDXError(f"load_{name}: {labels} has the label {y[i]} at index {i}; the data "
                       f"set has {N_CLASSES} classes, labelled 0 to {N_CLASSES - 1}")
    return X, y


def _not_a_directory(path: Path) -> str:
    """Why ``path`` is no data directory, for the "looked in" list ("" if it is one)."""
    if path.is_dir():
        return ""
    return ", not a directory" if path.exists() else ", no such directory"


def load_fashion_mnist(
    path: str | os.PathLike[str] | None = None, kind: Kind = "train"
) -> tuple[np.ndarray, np.ndarray]:
    """Fashion-MNIST's ``(images, labels)``: (60000×28×28) and (60000) uint8 arrays for
    ``kind="train"``, 10000 of each for ``kind="test"``. Labels name clothes, see
    ``FASHION_MNIST_CLASSES``.

    The files (``train-images-idx3-ubyte.gz`` and friends, gzipped or not) are looked for in
    ``path`` if given, else in the directory named by ``$TINYGRAD_EDU_FASHION_MNIST``, else
    in Debian's ``/usr/share/datasets/fashion-mnist/``."""
    return _load_pair(
        "fashion_mnist", path, kind, FASHION_MNIST_ENV, DEBIAN_FASHION_MNIST,
        "Install Debian's copy with `sudo apt-get install dataset-fashion-mnist`, or put the "
        f"four IDX files in a directory and pass it (path=..., --data DIR) or set "
        f"{FASHION_MNIST_ENV}=DIR.",
    )


def load_mnist(
    path: str | os.PathLike[str] | None = None, kind: Kind = "train"
) -> tuple[np.ndarray, np.ndarray]:
    """MNIST's handwritten digits as ``(images, labels)``: (60000×28×28) and (60000) uint8
    arrays for ``kind="train"``, 10000 for ``kind="test"``. The four IDX files
    (``train-images-idx3-ubyte.gz``, ``train-labels-idx1-ubyte.gz``, ``t10k-...``) are looked
    for in ``path``, else in the directory named by ``$TINYGRAD_EDU_MNIST`` (Debian has no
    MNIST package)."""
    return _load_pair(
        "mnist", path, kind, MNIST_ENV, None,
        "Download the four MNIST IDX files (train-images-idx3-ubyte.gz, "
        "train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) "
        f"into a directory and pass it (path=..., --data DIR) or set {MNIST_ENV}=DIR.",
    )
