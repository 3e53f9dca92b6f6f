"""Numbers held where a capture's walk does not lead (``held.py`` looks for them): a module read
by a name made at run time, ``importlib.import_module``, ``__import__``, an installed
package's code, ``builtins``, a ``MappingProxyType``, a class with its own
``__getattribute__`` or a ``__getattr__``, a weakref, a ``ContextVar``, ``sys.argv``, a
PyTorch tensor changed in place, a number equal to a literal of the code. Changed between
calls, each is guarded; every holder is found again at each search, an object at a freed
one's address is looked into, and an installed package's code that writes its global is
captured again."""

import math
import sys
import types

import pytest

from tests.program.against_engine import same
from tests.program.parameters import W
from tinygrad_edu import Value
from tinygrad_edu.program import compile


def _held_by_name(kind, monkeypatch, tmp_path):
    """A number read where a capture walks no name to it: (f, change(t))."""
    import builtins
    import importlib
    import weakref

    module = types.ModuleType("tg_edu_held")  # (no file: a module the learner did not write)
    module.t = 2.0
    monkeypatch.setitem(sys.modules, "tg_edu_held", module)
    name = "tg_edu_" + "held"
    if kind == "sys.modules[name built at run time]":
        return (lambda: W * sys.modules[name].t), lambda t: setattr(module, "t", t)
    if kind == "a dict of such a module, replaced":
        module.table = {"t": 2.0}
        return (lambda: W * sys.modules[name].table["t"]), \
            lambda t: setattr(module, "table", {"t": t})
    if kind == "a tuple of such a module, replaced":
        module.pair = (2.0, 1.0)
        return (lambda: W * sys.modules[name].pair[0]), \
            lambda t: setattr(module, "pair", (t, 1.0))
    if kind == "importlib.import_module":
        return (lambda: W * importlib.import_module(name).t), lambda t: setattr(module, "t", t)
    if kind == "__import__":
        return (lambda: W * __import__(name).t), lambda t: setattr(module, "t", t)
    if kind.endswith("its module replaced in sys.modules"):  # (another module at every call)
        def replace(t):
            other = types.ModuleType(name)
            other.t = t
            monkeypatch.setitem(sys.modules, name, other)

        def imported():
            import tg_edu_held
            return W * tg_edu_held.t

        def imported_from():
            from tg_edu_held import t
            return W * t

        return {"import, its module replaced in sys.modules": imported,
                "from import, its module replaced in sys.modules": imported_from,
                "__import__, its module replaced in sys.modules":
                    lambda: W * __import__(name).t}[kind], replace
    if kind == "an installed package's code reads its global":
        path = str(tmp_path / "site-packages" / "tg_edu_lib.py")
        exec(builtins.compile("T = 2.0\ndef scaled(v):\n    return v * T\n", path, "exec"),
             vars(module))
        return (lambda: module.scaled(W)), lambda t: setattr(module, "T", t)
    if kind == "builtins":
        monkeypatch.setattr(builtins, "TG_EDU_T", 2.0, raising=False)
        return (lambda: W * builtins.TG_EDU_T), lambda t: setattr(builtins, "TG_EDU_T", t)
    if kind == "a MappingProxyType":
        module.box = {"t": 2.0}
        view = types.MappingProxyType(module.box)
        return (lambda: W * view["t"]), lambda t: module.box.__setitem__("t", t)
    if kind == "a class with its own __getattribute__":
        class Config:
            def __getattribute__(self, name):
                return object.__getattribute__(self, name)

        module.config = config = Config()
        config.t = 2.0
        return (lambda: W * config.t), lambda t: setattr(config, "t", t)
    if kind == "a class with __getattr__":
        class Defaults:
            def __getattr__(self, name):
                return self.table[name]

        defaults = Defaults()
        defaults.table = {"t": 2.0}
        return (lambda: W * defaults.t), lambda t: defaults.table.__setitem__("t", t)
    if kind == "a weakref":
        class Config:
            pass

        module.config = config = Config()
        config.t = 2.0
        ref = weakref.ref(config)
        return (lambda: W * ref().t), lambda t: setattr(config, "t", t)
    if kind == "a ContextVar":
        import contextvars

        module.held = held = contextvars.ContextVar("t")
        held.set(2.0)
        return (lambda: W * held.get()), held.set
    if kind == "a PyTorch tensor changed in place":
        torch = pytest.importorskip("torch")
        module.held = held = torch.tensor(2.0, dtype=torch.float64)
        return (lambda: W * float(held)), held.fill_
    if kind == "an installed package's code reads float(sys.argv[1])":
        monkeypatch.setattr(sys, "argv", ["train.py", "2.0"])
        path = str(tmp_path / "site-packages" / "tg_edu_args.py")
        exec(builtins.compile("import sys\ndef lr():\n    return float(sys.argv[1])\n", path,
                              "exec"), vars(module))
        return (lambda: W * module.lr()), lambda t: sys.argv.__setitem__(1, repr(t))
    if kind == "float() of sys.argv":
        monkeypatch.setattr(sys, "argv", ["train.py", "2.0"])
        return (lambda: W * float(sys.argv[1])), lambda t: sys.argv.__setitem__(1, repr(t))
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", [
    "sys.modules[name built at run time]", "a dict of such a module, replaced",
    "a tuple of such a module, replaced", "importlib.import_module", "__import__",
    "an installed package's code reads its global", "builtins", "a MappingProxyType",
    "a class with its own __getattribute__", "a class with __getattr__", "a weakref",
    "float() of sys.argv", "an installed package's code reads float(sys.argv[1])",
    "a ContextVar", "a PyTorch tensor changed in place"])
@pytest.mark.parametrize("start", [2.0, 1.0, 0.0, -1.0])
def test_a_number_held_where_a_walk_did_not_lead_is_guarded(kind, start, monkeypatch,
                                                             tmp_path):
    """(1.0, 0.0, -1.0 were taken for the engine's own numbers, and never looked for: the
    program kept them, silently.)"""
    f, change = _held_by_name(kind, monkeypatch, tmp_path)
    step = compile(f)
    for t in (start, 4.0, -1.5, 0.25):
        change(t)
        same(step, f, [W])
    assert 2 <= step.captures <= 4  # (seen to change: captured again, or read at every call)
    assert "unknown origin" not in step.explain()


@pytest.mark.parametrize("kind", ["import, its module replaced in sys.modules",
                                  "from import, its module replaced in sys.modules",
                                  "__import__, its module replaced in sys.modules"])
def test_a_module_an_import_gives_is_guarded_by_its_name(kind, monkeypatch, tmp_path):
    """``import config`` (``from config import lr``, ``__import__("config")``) in the
    function, then ``sys.modules["config"]`` replaced by another module between calls: the
    program read the first module's number, silently (its number was guarded where it was
    found, in that module, not the module by its name)."""
    f, change = _held_by_name(kind, monkeypatch, tmp_path)
    step = compile(f)
    for t in (2.0, 4.0, -1.5):
        change(t)
        same(step, f, [W])
    assert step.captures == 3


@pytest.mark.parametrize("native", [True, False])
def test_a_number_held_where_no_walk_leads_equal_to_a_literal_is_guarded(native, monkeypatch,
                                                                         tmp_path):
    """A number equal to a literal of the code that ran was taken for it (matched by value),
    and never looked for: 0.5 in a class with its own __getattribute__, changed, was kept."""
    held, change = _held_by_name("a class with its own __getattribute__", monkeypatch,
                                 tmp_path)

    def f(x):
        return held() * x + W * 0.5

    x = Value(1.0)
    step = compile(f, native=native)
    for t in (0.5, 4.7, 0.5, 1.0):
        change(float(str(t)))  # (not the literal's own object)
        same(step, f, [W, x], x)
    assert step.captures >= 2


HELD_NAME = "tg_edu_named"


@pytest.mark.parametrize("how", ["sys.modules[NAME]", "importlib.import_module(name)",
                                 "a MappingProxyType"])
def test_a_number_computed_from_a_module_read_by_name_or_a_view(how, monkeypatch):
    import importlib

    module = types.ModuleType(HELD_NAME)  # (not the learner's: no file)
    module.t = 2.0
    monkeypatch.setitem(sys.modules, HELD_NAME, module)
    name = "tg_edu_" + "named"
    view = types.MappingProxyType(vars(module))
    if how == "sys.modules[NAME]":
        def f():
            return W * abs(sys.modules[HELD_NAME].t)
    elif how == "importlib.import_module(name)":
        def f():
            return W * abs(importlib.import_module(name).t)
    else:
        def f():
            return W * abs(view["t"])
    step = compile(f)
    for t in (2.0, -4.0, 1.5, 1.5):
        module.t = t
        same(step, f, [W])
    assert step.captures <= 3


def test_every_holder_of_a_number_is_found_again_at_each_search(monkeypatch):
    from tinygrad_edu.program.held import holders

    class Shared:
        pass

    shared = Shared()  # (one object two modules hold)
    shared.t = math.sqrt(2.0)
    first, second = types.ModuleType("tg_edu_first"), types.ModuleType("tg_edu_second")
    first.shared = second.shared = shared
    first.table = {"u": 1.0}
    for module in (first, second):
        monkeypatch.setitem(sys.modules, module.__name__, module)
    found = {(h.__name__, steps) for h, _, steps, _ in holders([shared.t])}
    assert found == {(m, (("attr", "shared"), ("attr", "t"))) for m in ("tg_edu_first",
                                                                         "tg_edu_second")}
    for _ in range(2):  # (a search again: what changed since is seen)
        t = math.sqrt(3.0)
        first.table = {"u": t}  # (a module's global now another dict)
        shared.u = t  # (an object it held given another attribute)
        found = {(h.__name__, steps) for h, _, steps, _ in holders([t])}
        assert found == {("tg_edu_first", (("attr", "table"), ("item", "u"))),
                         ("tg_edu_first", (("attr", "shared"), ("attr", "u"))),
                         ("tg_edu_second", (("attr", "shared"), ("attr", "u")))}


def test_a_global_replaced_by_an_object_at_the_same_address_is_looked_into(monkeypatch):
    from tinygrad_edu.program.held import holders

    class Config:
        pass

    module = types.ModuleType("tg_edu_config")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    module.config = Config()
    module.config.t = math.sqrt(2.0)
    assert holders([module.config.t])
    address = id(module.config)
    module.config = None  # (freed, unless the search keeps it: then no other has its id)
    made = [Config() for _ in range(200)]  # (one of them where it was, if it can be)
    module.config = next((c for c in made if id(c) == address), made[0])
    module.config.t = t = math.sqrt(3.0)
    del made
    assert [steps for _, _, steps, _ in holders([t])] == [(("attr", "config"), ("attr", "t"))]


def test_an_installed_packages_code_that_writes_its_global(tmp_path, monkeypatch):
    import builtins

    library = types.ModuleType("tg_edu_ticks")
    path = str(tmp_path / "site-packages" / "tg_edu_ticks.py")
    exec(builtins.compile("N = 0\ndef tick():\n    global N\n    N += 1\n    return N\n",
                          path, "exec"), vars(library))
    monkeypatch.setitem(sys.modules, "tg_edu_ticks", library)

    def f():
        return W * (1.0 / library.tick())

    step = compile(f)
    got = [step().data for _ in range(4)]
    assert got == [2.0, 1.0, 2.0 / 3.0, 0.5] and library.N == 4 and step.captures == 2


@pytest.mark.parametrize("native", [True, False])
def test_a_number_found_by_identity_where_the_function_did_not_read_it(native, monkeypatch):
    """A number the function took by a route no search follows (a ``queue.Queue``'s item, an
    object with its own ``__getattribute__``), that is one float object with a module's
    global ``lr`` (the loop variable that set it): found there by identity and guarded;
    ``lr`` changed, it was read at every call, but the graph took the number by its own
    route, and the program kept the constant (engine (1.25, 3.0), program (0.375, 1.25),
    silently). It is guarded there from then on."""
    import queue

    class Box:
        def __getattribute__(self, name):
            return object.__getattribute__(self, name)

    module = types.ModuleType("tg_edu_alias")  # (no file: its global found by identity)
    monkeypatch.setitem(sys.modules, "tg_edu_alias", module)
    held, box = queue.Queue(), Box()
    box.hp = {"lr": [0.5]}
    held.put(box)

    def f():
        return W * held.queue[0].hp["lr"][0] + W * W

    step = compile(f, native=native)
    for lr in (0.5, 0.5, 0.25, 2.0, 3.0):
        module.lr = float(str(lr))  # (not a literal's own object)
        box.hp["lr"][0] = module.lr
        same(step, f, [W])
    assert "read at every call: tg_edu_alias.lr" not in step.explain()
