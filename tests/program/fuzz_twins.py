"""One copy of a fuzzed case's module (tests/program/fuzz.py), run as ``engine``, ``native``
or ``python`` (``Twin``): what each call gives (the answer, every gradient, the numbers the
function writes, the random streams, what leaks out), as ``bits``: exact bits and type.
"""

from __future__ import annotations

import functools
import io
import os
import random
import struct
import sys
import types
import warnings
from typing import Any

from tests.program.fuzz_cases import Case


def bits(x: Any) -> Any:
    """A number as its exact bits and type (NaN as NaN); anything else by type and repr."""
    if type(x) is float:
        return ("float", "nan" if x != x else struct.pack("<d", x).hex())
    if type(x) in (int, bool):
        return (type(x).__name__, x)
    if type(x).__name__ == "float64":
        return ("float64", "nan" if x != x else struct.pack("<d", float(x)).hex())
    return (type(x).__name__, repr(x))


class Twin:
    """One copy of a case's module, run as ``mode``: ``engine``, ``native`` or ``python``."""

    def __init__(self, case: Case, mode: str, folder: str, compile_: Any) -> None:
        self.mode = mode
        path = os.path.join(folder, f"case_{case.seed}_{mode}.py")
        with open(path, "w", encoding="utf-8") as file:
            file.write(case.source)
        module = types.ModuleType(f"case_{case.seed}_{mode}")
        module.__file__ = path
        sys.modules[module.__name__] = module  # (read as sys.modules[__name__]; run() ends it)
        exec(compile(case.source, path, "exec"), module.__dict__)
        self.module = module
        module.out = io.StringIO()
        self.step = module.f if mode == "engine" else compile_(module.f, native=mode == "native")
        self.arg_values: list[Any] = []
        self.warned: list[str] = []
        self.odict: Any = None

    def interest(self) -> list[Any]:
        """The Values whose gradients are compared, in an order every twin shares."""
        m = self.module
        return [*m.P, *m.grow, m.model.w, *m.model.layers[0], m.MIXED[0], *self.arg_values]

    def arguments(self, recipe: list[tuple[Any, ...]]) -> list[Any]:
        from tinygrad_edu import Value, no_grad

        made: list[Any] = []
        self.arg_values = []
        for item in recipe:
            if item[0] == "float":
                if item[2]:
                    import numpy as np

                    made.append(np.float64(item[1]))
                else:
                    made.append(item[1])
            elif item[0] == "int":
                made.append(item[1])
            elif item[0] == "odict":
                if item[2] and self.odict is not None:
                    self.odict["a"] = item[1]
                else:
                    self.odict = self.module.Halved([("a", item[1]), ("b", 1.0)])
                made.append(self.odict)
            elif item[0] == "list":
                pair = [Value(item[1]), Value(item[2])]
                self.arg_values += pair
                made.append(pair)
            else:
                _, how, a, c = item
                if how == "same" and any(isinstance(x, Value) for x in made):
                    made.append(next(x for x in made if isinstance(x, Value)))
                elif how == "node":
                    u, w = Value(a), Value(c)
                    self.arg_values += [u, w]
                    made.append(u * w)
                elif how == "no_grad":
                    u = Value(a)
                    self.arg_values.append(u)
                    with no_grad():
                        made.append(u * 2.0)
                elif how == "global":
                    made.append(self.module.P[0])
                else:
                    x = Value(a)
                    self.arg_values.append(x)
                    made.append(x)
        return made

    def mutate(self, change: tuple[Any, ...]) -> None:
        from tinygrad_edu import Value

        m = self.module
        kind = change[0]
        if kind == "data":
            m.P[change[1]].data = change[2]
        elif kind == "rebind":
            m.P[change[1]] = Value(change[2])
        elif kind == "grow":
            m.grow.append(Value(change[1]))
        elif kind == "model":
            m.model.w = Value(change[1])
        elif kind == "recode":
            m.scaled.__code__ = m.scaled_anew.__code__
        elif kind == "zero_buffers":  # (what a caller reads after each call, zeroed before it)
            if hasattr(m, "OUT"):
                m.OUT[:] = 0.0
            if hasattr(m, "AOUT"):
                m.AOUT[0] = m.AOUT[1] = 0.0
            if hasattr(m, "COUT"):
                m.COUT.value = 0.0
        elif kind == "held_config":
            m.CONFIG["opt"]["lr"] = change[1]
        elif kind == "outside":
            key, new = change[1], change[2]
            if key == "lr":
                m.lr = new
            elif key == "k":
                m.set_k(new)
            elif key == "box":
                m.box[0] = new
            elif key == "cfg":
                m.cfg.t = new
            elif key == "table":
                m.table["a"] = new
            elif key == "Cfg":
                m.Cfg.scale = new
            elif key == "DATA":
                m.DATA[1] = new
            elif key == "TOOLS":
                m.TOOLS["scale"] = functools.partial(m.scaled, new)
            elif key == "ENV":
                os.environ[m.ENV] = repr(new)
            elif key == "MODS":
                m.mod_t = new
            elif key == "ARR":
                m.ARR[0] = new
            elif key == "LOCAL":
                m.LOCAL.t = new
            elif key == "NS":
                m.NS.t = new
            elif key == "RUN":
                sys.modules[m.RUN_NAME].t = new
            elif key == "IMPORTED":
                sys.modules[m.RUN_NAME].u = new
            elif key == "LIB":
                m.LIB.T = new
            elif key == "VIEW":
                m.VIEWED["t"] = new
            elif key == "MV":
                m.MV_BASE[0] = new
            elif key == "CD":
                m.CD.value = new
            elif key == "DEFAULTS":
                m.DEFAULTS.table["t"] = new
            elif key == "PROPS":
                m.PROPS._t = new
            elif key == "Q":
                m.Q.put(new)
            elif key == "KW":
                m.f.keywords["kw_t"] = new
            elif key == "KW_BOX":
                m.KW_BOX[0] = new
            elif key == "MIXED":
                m.MIXED[1] = new
            elif key == "MIXED_VALUE":
                m.MIXED[0] = Value(new)

    def call(self, case: Case, k: int) -> list[Any]:
        """Call ``k``: what it gave, every gradient, the numbers it wrote, the streams."""
        import numpy as np

        for change in case.mutations[k]:
            self.mutate(change)
        if case.zero[k]:
            for v in self.interest():
                v.grad = 0.0
        args = self.arguments(case.args[k])
        if case.zero[k]:
            for v in self.arg_values:
                v.grad = 0.0
        seen: list[Any] = []
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                answer = self.step(*args)
                loss = answer[0] if isinstance(answer, tuple) else answer
                seen.append(("answer", [bits(_number(x)) for x in
                                        (answer if isinstance(answer, tuple) else (answer,))]))
                if case.between[k] is not None:
                    self.mutate(case.between[k])
                seed = case.seeds[k]
                if seed is None:
                    loss.backward()
                else:
                    loss.backward(seed)
            except Exception as error:  # (the engine's errors, compared by type and words)
                seen.append(("error", type(error).__name__, _words(str(error))))
        self.warned += [str(w.message) for w in caught
                        if "runs as Python, not natively" not in str(w.message)]
        m = self.module
        seen.append(("grads", [bits(v.grad) for v in self.interest()]))
        seen.append(("numbers", [bits(x) for x in (m.step, m.lr, m.box[0], m.cfg.t,
                                                   m.table["a"], m.Cfg.scale, m.model.t,
                                                   *m.DATA.tolist())]))
        seen.append(("streams", hash(random.getstate()), np.random.get_state()[2]))
        leaks = [type(x).__name__ for x in _everything(m) if type(x).__name__ == "Traced"]
        seen.append(("leaks", leaks))
        seen.append(("history", [bits(x) for x in m.history]))
        seen.append(("buffers", [bits(x) for x in buffers(m)]))
        return seen


def buffers(module: types.ModuleType) -> list[float]:
    """The numbers of the buffers the function writes into (fuzz_cases.py: ``BUFFERS``)."""
    found: list[float] = []
    for name in ("OUT", "AOUT"):
        if hasattr(module, name):
            found += [float(x) for x in getattr(module, name)]
    if hasattr(module, "COUT"):
        found.append(module.COUT.value)
    return found


def _number(x: Any) -> Any:
    data = getattr(x, "data", None)
    if type(x).__name__ in ("Value", "Result"):
        return data
    return x


def _words(text: str) -> str:
    """An error's message without what differs between copies of a module (its file)."""
    return text.replace("_native.py", ".py").replace("_python.py", ".py").replace(
        "_engine.py", ".py")


def _everything(module: types.ModuleType) -> list[Any]:
    """The objects the module's globals reach (lists, dicts, attributes), for a leak check."""
    found: list[Any] = []
    seen: set[int] = set()
    stack = [v for k, v in vars(module).items() if not k.startswith("__")]
    while stack and len(found) < 10_000:
        x = stack.pop()
        if id(x) in seen or isinstance(x, (types.ModuleType, type, types.FunctionType)):
            continue
        seen.add(id(x))
        found.append(x)
        if isinstance(x, (list, tuple)):
            stack += list(x)
        elif isinstance(x, dict):
            stack += list(x.values())
        elif hasattr(x, "__dict__") and type(x).__name__ in ("Model", "Cfg"):
            stack += list(vars(x).values())
    return found
