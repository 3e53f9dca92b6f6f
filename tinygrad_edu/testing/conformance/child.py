"""The side of the conformance suite that runs the engine under test, in a process of its own.

``python child.py`` (run by its path, so that nothing of tinygrad_edu is imported beside the
engine; any Python from 3.8 on will do) reads one request a line on stdin, as JSON, and
answers each with one line of JSON on the file that was its stdout; whatever the engine
prints goes to stderr instead, with faulthandler's stack of a crash. The checker
(``runner.py``) starts it, restarts it when the engine crashes or corrupts it, and never
imports the engine itself.

The requests: ``load`` (import the engine, find out what it has: class, constructor,
``data``, ``grad``, ``backward``, ``zero_grad``), ``probe`` (one op in one form) and ``run``
(a program: leaves made with the constructor, steps that apply ops, then actions such as
``backward`` and ``read``). Every answer says whether the interpreter still computes
(``health``): an engine can overwrite small integers, and then nothing it says can be
trusted.
"""

import faulthandler
import importlib
import importlib.util
import inspect
import json
import linecache
import operator
import os
import struct
import sys
import traceback
from typing import Any

__all__: list = []  # (a script of its own, run by its path)

CLASS_NAMES = ("Value", "Scalar", "Item", "Atom", "Node", "Var", "Variable", "Tensor")
SUBMODULES = ("engine", "value", "core", "autograd", "scalar", "tensor", "grad")
DATA_NAMES = ("data", "value", "val", "item")
GRAD_NAMES = ("grad", "gradient", "g")
BACKWARD_NAMES = ("backward", "backwards", "backprop", "back_prop", "back")
ZERO_NAMES = ("zero_grad", "zero_grads", "zerograd", "zero")
BINARY = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
          "**": operator.pow}
MISSING_ERRORS = (TypeError, AttributeError, NotImplementedError, AssertionError)


def encode(x, cls):
    """A number the engine gave, as JSON: a float, or what it was instead."""
    if isinstance(x, bool):
        return {"other": "bool", "float": float(x)}
    if isinstance(x, (int, float)):
        try:
            return float(x)
        except OverflowError:
            return {"other": "int too large for a float"}
    if isinstance(x, complex):
        return {"complex": [x.real, x.imag]}
    if cls is not None and isinstance(x, cls):
        return {"node": True}
    if x is None:
        return {"other": "None"}
    try:
        if getattr(x, "size", 1) == 1 and hasattr(x, "__float__"):
            return float(x)
    except Exception:  # an object that cannot be read as one number
        pass
    return {"other": type(x).__name__}


def where(error):
    """The innermost line of the engine's code in the traceback (not this file's)."""
    here = os.path.abspath(__file__)
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if os.path.abspath(f.filename) != here]
    if not frames:
        return None
    return f"{frames[-1].filename}:{frames[-1].lineno}"


def failure(error):
    return {"type": type(error).__name__, "message": str(error)[:300], "where": where(error)}


def health():
    """What no longer computes as Python says it must (an engine that overwrote small ints)."""
    broken = []
    checks = [
        ("sum(range(100)) == 4950", lambda: sum(range(100)) == 4950),
        ("int('7') * 3 == 21", lambda: int("7") * 3 == 21),
        ("len([1, 2, 3]) == 3", lambda: len([1, 2, 3]) == 3),
        ("2.0 + 0.5 == 2.5", lambda: 2.0 + 0.5 == 2.5),
        ("[i for i in range(5)] == [0, 1, 2, 3, 4]",
         lambda: [i for i in range(5)] == [0, 1, 2, 3, 4]),
    ]
    for text, check in checks:
        try:
            if not check():
                broken.append(text)
        except Exception:
            broken.append(text)
    return broken


class Engine:
    """The engine under test, as far as it was found out: how to make a leaf, read its data
    and grad, run backward, clear grads, and apply each op."""

    def __init__(self):
        self.cls: Any = None
        self.module: Any = None
        self.kwargs: dict = {}
        self.data: Any = None  # (name, whether to call it)
        self.grad: Any = None
        self.backward: Any = None
        self.zero: Any = None
        self.unary: dict = {}  # op name -> how to call it: ("method", name) or ("operator", ..)

    # ----------------------------------------------------------------------- loading

    def load(self, spec):
        names = spec.get("names") or {}
        if spec.get("source") is not None:
            module = type(sys)("engine_under_test")
            for name, imported in (spec.get("imports") or {}).items():
                try:
                    setattr(module, name, importlib.import_module(imported))
                except Exception:  # (a module only the notebook had: the class may not need it)
                    pass
            sys.modules["engine_under_test"] = module
            filename = spec.get("filename") or "<engine>"
            lines = spec["source"].splitlines(True)  # (kept, so that inspect finds its lines)
            linecache.cache[filename] = (len(spec["source"]), None, lines, filename)
            exec(compile(spec["source"], filename, "exec"), module.__dict__)
        elif spec.get("path"):
            module = import_path(spec["path"])
        else:
            module = importlib.import_module(spec["module"])
        self.module = module
        cls = find_class(module, names.get("class"))
        if cls is None:
            wanted = names.get("class") or " or ".join(CLASS_NAMES)
            where = getattr(module, "__name__", module)
            raise LookupError(f"no class {wanted} in {where}")
        self.adopt(cls, names)

    def adopt(self, cls, names):
        """Find out how ``cls`` makes a leaf, reads data and grad, and runs backward."""
        self.cls = cls
        self.kwargs = {"requires_grad": True} if names.get("requires_grad") else {}
        leaf = self.make(2.0)
        self.data = self.reader(leaf, names.get("data"), DATA_NAMES, "data")
        self.grad = self.reader(leaf, names.get("grad"), GRAD_NAMES, "grad")
        self.backward = self.method(leaf, names.get("backward"), BACKWARD_NAMES)
        self.zero = self.method(leaf, names.get("zero_grad"), ZERO_NAMES)

    def make(self, x):
        return self.cls(x, **self.kwargs)

    def reader(self, leaf, given, candidates, what):
        for name in [given] if given else candidates:
            if name is None or not hasattr(leaf, name):
                continue
            attr = getattr(leaf, name)
            if what == "data" and not callable(attr):
                if isinstance(encode(attr, self.cls), float):
                    return (name, False)
            elif callable(attr) and not isinstance(attr, (int, float)):
                try:
                    got = attr()
                except Exception:
                    continue
                if what == "grad" or isinstance(encode(got, self.cls), float):
                    return (name, True)
            elif what == "grad":
                return (name, False)
        return None

    def method(self, leaf, given, candidates):
        for name in [given] if given else candidates:
            if name and callable(getattr(leaf, name, None)):
                return name
        return None

    # ----------------------------------------------------------------------- reading

    def read(self, node, how):
        if how is None:
            return {"other": "missing"}
        name, call = how
        try:
            got = getattr(node, name)
            if call:
                got = got()
        except Exception as error:
            return {"error": failure(error)}
        return encode(got, self.cls)

    def set_grad(self, node, value):
        setattr(node, self.grad[0], value)

    # ----------------------------------------------------------------------- ops

    def apply(self, op, operands):
        if op in BINARY:
            return BINARY[op](operands[0], operands[1])
        how, name = self.unary[op]
        if how == "operator":
            return operator.neg(operands[0]) if name == "neg" else abs(operands[0])
        return getattr(operands[0], name)()

    def probe(self, op, form):
        """Whether the engine has ``op`` in ``form`` (tried on the op's sample operands); for
        a one-operand op, the first of its names that works is kept for the programs."""
        name, sample = op["name"], op["sample"]
        if name in BINARY:
            a, b = sample
            return self.try_op(name, {
                "vv": lambda: (self.make(a), self.make(b)),
                "vn": lambda: (self.make(a), b),
                "nv": lambda: (a, self.make(b)),
                "same": lambda: (lambda v: (v, v))(self.make(a)),
            }[form])
        tried = []
        for how, alias in op["aliases"]:
            if how == "method" and not callable(getattr(self.make(sample[0]), alias, None)):
                continue
            self.unary[name] = (how, alias)
            result = self.try_op(name, lambda: (self.make(sample[0]),))
            if result["has"]:
                result["how"] = [how, alias]
                return result
            tried.append(result["why"])
            del self.unary[name]
        return {"has": False, "why": "; ".join(tried) or "no method "
                + " or ".join(a for h, a in op["aliases"])}

    def try_op(self, name, operands):
        try:
            out = self.apply(name, operands())
        except MISSING_ERRORS as error:
            return {"has": False, "why": f"{type(error).__name__}: {str(error)[:200]}"}
        except Exception as error:  # present, but failing here: the checks will say so
            return {"has": True, "error": failure(error)}
        return {"has": True, "node": isinstance(out, self.cls)}

    # ----------------------------------------------------------------------- programs

    def run(self, program):
        """Make the leaves, then do each action: ``forward`` (apply the steps), ``backward``,
        ``zero`` (every leaf's grad to 0), ``sgd`` (data -= lr * grad on every leaf),
        ``read`` (data and grad of the nodes asked for). Stops at the first error."""
        leaves = [self.make(x) for x in program["leaves"]]
        nodes = list(leaves)
        reads, done = [], 0
        try:
            for action in program["actions"]:
                kind = action[0]
                if kind == "forward":
                    nodes = list(leaves)
                    for step in program["steps"]:
                        operands = [nodes[a[1]] if a[0] == "n" else a[1] for a in step[1:]]
                        nodes.append(self.apply(step[0], operands))
                elif kind == "backward":
                    getattr(nodes[action[1] if len(action) > 1 else -1], self.backward)()
                elif kind == "zero":
                    for leaf in leaves:
                        if self.zero is not None:
                            getattr(leaf, self.zero)()
                        else:
                            self.set_grad(leaf, 0.0)
                elif kind == "sgd":  # (as a training loop writes it: p.data -= lr * p.grad)
                    for leaf in leaves:
                        data, grad = getattr(leaf, self.data[0]), getattr(leaf, self.grad[0])
                        setattr(leaf, self.data[0], data - action[1] * grad)
                elif kind == "read":
                    which = range(len(nodes)) if action[1] == "all" else action[1]
                    which = [i % len(nodes) for i in which]
                    reads.append({"nodes": which,
                                  "data": [self.read(nodes[i], self.data) for i in which],
                                  "grad": [self.read(nodes[i], self.grad) for i in which],
                                  "is_node": [isinstance(nodes[i], self.cls) for i in which]})
                done += 1
        except RecursionError as error:
            return {"reads": reads, "done": done, "error": failure(error),
                    "recursion_limit": sys.getrecursionlimit()}
        except BaseException as error:  # (SystemExit and the like too: the engine's, reported)
            return {"reads": reads, "done": done, "error": failure(error)}
        return {"reads": reads, "done": done}

    # ----------------------------------------------------------------------- description

    def describe(self):
        leaf = self.make(0.1)
        data = self.read(leaf, self.data)
        precision = "float64"
        if isinstance(data, float) and data != 0.1:
            as32 = struct.unpack("f", struct.pack("f", 0.1))[0]
            precision = "float32" if data == as32 else "unknown"
        return {
            "class": f"{self.cls.__module__}.{self.cls.__qualname__}",
            "file": source_file(self.cls),
            "constructor": "{}(x{})".format(self.cls.__name__,
                                        ", requires_grad=True" if self.kwargs else ""),
            "data": describe_reader(self.data), "grad": describe_reader(self.grad),
            "backward": self.backward, "zero_grad": self.zero, "precision": precision,
            "sources": sources(self.cls),
        }


def describe_reader(how):
    if how is None:
        return None
    return how[0] + "()" if how[1] else how[0]


def source_file(obj):
    try:
        return inspect.getsourcefile(obj)
    except (TypeError, OSError):
        return None


def sources(cls):
    """Each function of the class (and of the classes it inherits from, in Python) with its
    file, first line and lines: where a finding's likely cause can be looked for."""
    found = {}
    for klass in reversed(cls.__mro__[:-1]):
        for name, member in vars(klass).items():
            function = getattr(member, "__func__", member)
            if isinstance(member, property):
                function = member.fget
            if not inspect.isfunction(function):
                continue
            try:
                lines, first = inspect.getsourcelines(function)
                found[name] = {"file": inspect.getsourcefile(function), "line": first,
                               "lines": [line.rstrip("\n") for line in lines][:400]}
            except (OSError, TypeError):
                continue
    return found


def import_path(path):
    """The module at ``path`` (a .py file or a package's folder), imported under its package's
    name with that package's folder first on sys.path, so that two engines sharing an import
    name (several ``micrograd``s) are told apart by where they are."""
    path = os.path.abspath(path)
    folder, name = (path, "__init__") if os.path.isdir(path) else os.path.split(path)
    parts = [] if name == "__init__" else [os.path.splitext(name)[0]]
    while os.path.exists(os.path.join(folder, "__init__.py")):
        folder, package = os.path.split(folder)
        parts.insert(0, package)
    if not parts:
        raise ImportError(f"cannot import {path}")
    sys.path.insert(0, folder)
    module = importlib.import_module(".".join(parts))
    found = os.path.abspath(getattr(module, "__file__", "") or "")
    expected = os.path.join(path, "__init__.py") if os.path.isdir(path) else path
    if found != expected:
        raise ImportError(f"importing {path} gave {found} instead")
    return module


def find_class(module, name):
    """The engine's class: ``name`` (dotted names reach into submodules), else the first of
    CLASS_NAMES in the module or in one of its usual submodules."""
    if name:
        found = module
        for part in name.split("."):
            found = getattr(found, part, None)
            if found is None:
                try:
                    found = importlib.import_module(f"{module.__name__}.{part}")
                except ImportError:
                    return None
        return found if inspect.isclass(found) else None
    for candidate in [module] + [sub for sub in (try_import(module, s) for s in SUBMODULES)
                                 if sub is not None]:
        for cls_name in CLASS_NAMES:
            found = getattr(candidate, cls_name, None)
            if inspect.isclass(found):
                return found
    return None


def try_import(module, name):
    if not hasattr(module, "__path__"):
        return None
    try:
        return importlib.import_module(f"{module.__name__}.{name}")
    except Exception:
        return None


def handle(engine, request):
    """One request's answer (the process's or, in-process, the checker's own call)."""
    try:
        if request["do"] == "load":
            engine.load(request["spec"])
            engine.unary = {k: tuple(v) for k, v in (request["spec"].get("unary") or {}).items()}
            answer = engine.describe()
            answer["ok"] = True
        elif request["do"] == "probe":
            answer = engine.probe(request["op"], request["form"])
        elif request["do"] == "run":
            answer = engine.run(request["program"])
        else:
            answer = {"error": {"type": "ValueError", "message": "unknown request"}}
    except BaseException as error:
        answer = {"ok": False, "error": failure(error),
                  "traceback": traceback.format_exc()[-2000:]}
    answer["health"] = health()
    return answer


def main():
    answers = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # the engine's prints go to stderr, never into the answers
    faulthandler.enable()
    engine = Engine()
    for line in sys.stdin:
        answer = handle(engine, json.loads(line))
        try:
            text = json.dumps(answer)
        except (TypeError, ValueError) as error:
            text = json.dumps({"error": {"type": "TypeError", "message": str(error)},
                               "health": health()})
        answers.write(text + "\n")
        answers.flush()


if __name__ == "__main__":
    main()
