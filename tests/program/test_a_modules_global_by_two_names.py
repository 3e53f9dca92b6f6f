"""A module's global reached by two names in one capture (read by the module's own function,
``T`` in ``def scaled(v): return v * T``, and walked to as an attribute of the module, which
the compiled function holds in a closure cell or an attribute: ``module.scaled(W)``) is one
place where an input is put. Before, each name had a slot of its own: once ``T`` had changed
twice (each name an input), the number put there through one name was taken for a write
through the other, and the program wrote the old number back into the learner's module at
every call (``writes T = -1.5 at every call``): the engine's next call gave -3.0 for
``T = 0.25``, and so did every later call, silently."""

import builtins
import importlib.util
import sys
import types
import warnings

import pytest

from tests.program.against_engine import same
from tinygrad_edu import Value
from tinygrad_edu.program import compile


def _module(tmp_path, monkeypatch, name):
    path = tmp_path / f"{name}.py"
    path.write_text("T = 2.0\n\n\ndef scaled(v):\n    return v * T\n")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setitem(sys.modules, name, module)
    return module


@pytest.mark.parametrize("native", [True, False])
@pytest.mark.parametrize("held", ["a closure cell", "an attribute", "made at run time"])
def test_a_global_of_a_module_read_by_two_names_is_never_written_back(
        held, native, tmp_path, monkeypatch):
    w = Value(2.0, label="w")
    if held == "made at run time":  # (its code exec'd from a file: the module has none)
        module = types.ModuleType("tg_edu_two_names")
        code = builtins.compile("T = 2.0\ndef scaled(v):\n    return v * T\n",
                                str(tmp_path / "tg_edu_two_names.py"), "exec")
        exec(code, vars(module))
    else:
        module = _module(tmp_path, monkeypatch, f"tg_edu_two_names_{native}")
    box = types.SimpleNamespace(module=module)
    f = (lambda: module.scaled(w)) if held != "an attribute" else (lambda: box.module.scaled(w))
    step = compile(f, native=native)
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        for t in (1.0, 4.0, -1.5, 0.25, 3.0):
            module.T = t
            assert same(step, f, [w]).data == 2.0 * t
            assert module.T == t  # (the learner's number, as they set it)
