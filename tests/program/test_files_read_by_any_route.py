"""A file read inside a compiled function by a route that does not go through ``open``'s
stand-ins is refused, naming the line, as ``open()`` is: ``tokenize.open`` (its own
``open``, bound when it was imported), ``linecache.getline`` and ``inspect.getsource``
(lines kept from a read before the capture: no file opened at all), ``pkgutil.get_data`` and
``importlib.reload`` (the import machinery's ``open_code``). Before, each read the file at
the capture only and the program kept the capture's number at every later call, silently
(the file holds 0.1, 1.1, 2.1: engine 0.7, 2.7, 4.7; the program 0.7 at every call, and a
reload wrote 1.1 back into the module). What reads files for the interpreter's own use (a
warning's line, a traceback, an import) is not refused."""

import importlib
import inspect
import linecache
import pkgutil
import sys
import tokenize
import traceback
import warnings

import pytest

from tests.program.against_engine import same
from tinygrad_edu import Value
from tinygrad_edu.program import compile

W = Value(2.0)


@pytest.fixture
def package(tmp_path, monkeypatch):
    """A package of the learner's on the path: ``hp_route/__init__.py`` (lr = 0.1) and
    ``hp_route/lr.txt`` (0.1); its module removed after."""
    root = tmp_path / "hp_route"
    root.mkdir()
    (root / "__init__.py").write_text("lr = 0.1\n")
    (root / "lr.txt").write_text("0.1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield root
    sys.modules.pop("hp_route", None)


def _routes(root):
    text = str(root / "lr.txt")

    def by_tokenize():
        with tokenize.open(text) as f:
            return W * float(f.read())

    def by_linecache():
        return W * float(linecache.getline(text, 1))

    def by_inspect():
        module = importlib.import_module("hp_route")
        return W * float(inspect.getsource(module).split("=")[1])

    def by_pkgutil():
        return W * float(pkgutil.get_data("hp_route", "lr.txt"))

    def by_reload():
        module = importlib.import_module("hp_route")
        importlib.reload(module)
        return W * module.lr

    return {"tokenize.open": by_tokenize, "linecache.getline": by_linecache,
            "inspect.getsource": by_inspect, "pkgutil.get_data": by_pkgutil,
            "importlib.reload": by_reload}


ROUTES = ["tokenize.open", "linecache.getline", "inspect.getsource", "pkgutil.get_data",
          "importlib.reload"]


@pytest.mark.parametrize("route", ROUTES)
def test_a_file_read_by_any_route_is_refused_naming_the_line(package, route):
    f = _routes(package)[route]
    assert f().data == 0.2  # (the engine's; linecache now holds the file's lines)
    with pytest.raises(RuntimeError, match=r"cannot be captured as a program: it reads .*"
                       r"\(through .*can change between calls.*"
                       r"test_files_read_by_any_route\.py:\d+"):
        compile(f)()


def test_what_reads_files_for_the_interpreters_own_use_is_not_refused(package):
    def f(x):
        import hp_route  # (an import: its module a place, guarded)

        warnings.warn("shown with its line, which warnings reads", stacklevel=1)
        try:
            raise ValueError("the same text at every call")
        except ValueError:
            told = traceback.format_exc()  # (a traceback: its lines read)
        return W * x * hp_route.lr, len(told) > 0

    importlib.import_module("hp_route")  # (imported before: inside, found in sys.modules)
    step = compile(f, native=False)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        for x in (1.0, 2.0):
            same(step, f, [W], x)
    assert step.captures == 1, step.why


def test_a_file_held_open_outside_read_and_put_back_is_guarded(tmp_path):
    """a64h's S4: a file opened outside, read inside and put back (``F.read(); F.seek(0)``:
    its position as it was) gave the capture's number after the file was written between
    calls; a file held open is guarded by where it stands and what its file is (length,
    time of change): written, captured again, said."""
    path = tmp_path / "lr.txt"
    path.write_text("0.1")
    held = {"f": open(path)}

    def f():
        lr = float(held["f"].read())
        held["f"].seek(0)
        return W * lr

    step = compile(f)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for text in ("0.1", "1.1", "2.1"):
                path.write_text(text)
                same(step, f, [W])
    finally:
        held["f"].close()


@pytest.mark.parametrize("mode", ["r+", "a+"])
def test_a_file_opened_to_read_and_write_is_a_read(tmp_path, mode):
    """a64h's L1: ``open(path, "a+")`` or ``"r+"`` was taken for a write only (said once),
    and what was read stayed the capture's; these modes read what is there: refused."""
    path = tmp_path / "log.txt"
    path.write_text("1\n")

    def f():
        with open(path, mode) as log:
            log.seek(0)
            return W * float(len(log.readlines()))

    with pytest.raises(RuntimeError, match=r"it reads the file .*log\.txt"):
        compile(f)()


def test_a_module_loaded_from_its_file_inside_is_refused(package):
    """a64h's S5: a loader run by the learner's code (``SourceFileLoader(...).load_module()``,
    ``imp.load_source``) read the file under the import machinery's frames, taken for an
    import's own read: the capture's number stayed."""
    from importlib.machinery import SourceFileLoader

    def f():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            module = SourceFileLoader("hp_loaded", str(package / "__init__.py")).load_module()
        return W * module.lr

    with pytest.raises(RuntimeError, match=r"it reads the file .*\(through "):
        compile(f)()
