"""Saving and loading a model's parameters: its state dict as a JSON file, written so
that no failure leaves a file half-written, and read back so that no file changes a model
it does not fit.

``save(model, "model.json")`` (or ``model.save(...)``) writes a format name and version,
the model's description and its ``state_dict()`` (a float for a ``Value``, nested lists for
an array); ``model.load("model.json")`` or ``model.load_state_dict(load("model.json"))``
reads it back. Every number is checked finite on the way out and on the way in; a corrupt
or mismatching file raises ``StateDictError`` naming it, and changes nothing.

This module knows a model only by what it is asked: ``state_dict()``,
``load_state_dict()`` and its ``repr`` (``tinygrad_edu.nn.module.Module`` has them).
"""

from __future__ import annotations

import contextlib
import errno
import json
import math
import numbers
import os
import stat
from collections.abc import Mapping
from typing import Any, Protocol

from tinygrad_edu.arrays import is_array
from tinygrad_edu.formatting import shown

__all__ = ["StateDictError", "load", "save"]

FORMAT = "tinygrad_edu.state_dict"
VERSION = 1


class StateDictError(ValueError):
    """A state dict or model file does not fit the model (keys, sizes or numbers), or a file
    is not a tinygrad_edu model file. Nothing was changed."""


class Model(Protocol):
    """What saving and loading ask of a model (``Module`` has it)."""

    def state_dict(self) -> dict[str, Any]: ...

    def load_state_dict(self, state: Mapping[str, Any], strict: bool = True) -> None: ...


def finite(x: Any, name: str) -> float:
    """``x`` as a float, if it is a real number that a float holds finitely."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise StateDictError(f"{name}: expected a number, got {type(x).__name__} {shown(x)}")
    try:
        number = float(x)
    except OverflowError:  # an int beyond 1.8e308
        raise StateDictError(f"{name}: the number {shown(x)} is too large for a float") from None
    if not math.isfinite(number):
        raise StateDictError(f"{name}: expected a finite number, got {x!r}")
    return number


# ----------------------------------------------------------------------------- saving


def save(obj: Model | Mapping[str, Any], path: str | os.PathLike[str]) -> None:
    """Write a model's parameters (or a state dict) to ``path`` as JSON.

    The file records a format name and version, the model's description and its
    ``state_dict()`` (arrays as nested lists). The numbers are checked first
    (``StateDictError`` if one is not finite): nothing is written then. The JSON goes to a
    temporary file next to the target and is then moved into place, so an existing file is
    never left half-written; if ``path`` is a symlink, the file it points to is replaced and
    the link kept. A failure removes the temporary file and raises an ``OSError`` naming
    ``path``."""
    if isinstance(obj, Mapping):
        state, description = dict(obj), ""
    else:  # a model
        state, description = obj.state_dict(), repr(obj).splitlines()[0]
    checked: dict[str, Any] = {}
    try:
        for name, entry in state.items():
            if not isinstance(name, str):
                raise StateDictError(f"the keys must be parameter names (str), got {name!r}")
            checked[name] = json_numbers(entry, name)
    except StateDictError as error:
        raise StateDictError(f"cannot save {os.fsdecode(path)}: {error}") from None
    text = json.dumps({
        "format": FORMAT,
        "version": VERSION,
        "model": description,
        "state_dict": checked,
    }, indent=1, allow_nan=False)
    write_atomically(path, text)


def json_numbers(entry: Any, name: str) -> Any:
    """A state-dict entry as plain floats and lists of them, every number checked finite."""
    if is_array(entry):
        entry = entry.tolist()
    if isinstance(entry, (list, tuple)):
        return [json_numbers(e, f"{name}[{i}]") for i, e in enumerate(entry)]
    return finite(entry, name)


def write_atomically(path: str | os.PathLike[str] | bytes, text: str) -> None:
    """Write ``text`` to a temporary file next to ``path``, then move it into place (see
    ``save``); an ``OSError`` naming ``path`` if that fails."""
    given = os.fsdecode(path)  # the path as given, for messages (a bytes path too)
    if not given:
        missing = FileNotFoundError("cannot save the model to '': no file name given; pass a "
                                    "path such as 'model.json'")
        missing.errno = errno.ENOENT
        raise missing
    target = os.fsdecode(os.path.realpath(path))  # through symlinks: keep the link
    temporary = f"{target}.{os.getpid()}-{os.urandom(4).hex()}.tmp"
    try:
        mode = os.stat(target).st_mode if os.path.exists(target) else None
        if mode is not None and (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)):
            with open(target, "w", encoding="utf-8") as file:  # /dev/null, a pipe: there is
                file.write(text)  # no file to replace, and the device must stay a device
            return
        if mode is not None and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            raise OSError(errno.EINVAL, "it is not a regular file")
        if mode is not None and not os.access(target, os.W_OK):
            raise PermissionError(errno.EACCES, "the file is read-only")
        with open(temporary, "x", encoding="utf-8") as file:
            if os.path.isfile(target):  # the new file keeps the old one's permissions
                os.chmod(temporary, stat.S_IMODE(os.stat(target).st_mode))
            file.write(text)
            file.flush()
            os.fsync(file.fileno())  # the bytes are on disk before the name points to them
        os.replace(temporary, target)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.remove(temporary)
        reason = error.strerror or str(error)
        failure = type(error)(f"cannot save the model to {given}: {reason}")
        failure.errno = error.errno  # (no filename: it would replace the message)
        raise failure from None


# ----------------------------------------------------------------------------- loading


def load(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a state dict written by ``save``, to pass to ``model.load_state_dict``.

    A file that is not JSON, or not in this format, raises ``StateDictError`` naming it."""
    return read(path)[1]


def load_into(model: Model, path: str | os.PathLike[str], strict: bool = True) -> None:
    """``model.load(path)``: read parameters saved with ``save`` into ``model``. A corrupt or
    mismatching file raises ``StateDictError`` naming the file, and leaves the model
    unchanged."""
    saved_model, state = read(path)
    try:
        model.load_state_dict(state, strict=strict)
    except StateDictError as error:
        this_model = repr(model).splitlines()[0]
        hint = f"this model is {this_model}"
        hint = f" (the file holds {saved_model}; {hint})" if saved_model else f" ({hint})"
        raise StateDictError(f"{os.fspath(path)}: {error}{hint}") from None


def read(path: str | os.PathLike[str]) -> tuple[str, dict[str, Any]]:
    """(the saved model's description, its state dict) from a file written by ``save``."""
    path = os.fspath(path)
    with open(path, "rb") as file:
        raw = file.read()
    try:
        document = json.loads(raw)
    except ValueError as error:  # not JSON, not UTF-8, or an int of more than 4300 digits
        raise StateDictError(f"{path}: not a tinygrad_edu model file: {error}") from None
    except RecursionError:
        raise StateDictError(f"{path}: not a tinygrad_edu model file: its JSON is nested too "
                             "deeply") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise StateDictError(f"{path}: not a tinygrad_edu model file (no format {FORMAT!r})")
    if document.get("version") != VERSION:
        raise StateDictError(
            f"{path}: file format version {document.get('version')!r}; this version of "
            f"tinygrad_edu reads version {VERSION}"
        )
    state = document.get("state_dict")
    if not isinstance(state, dict):
        raise StateDictError(f"{path}: the file has no state_dict")
    return str(document.get("model", "")), state
