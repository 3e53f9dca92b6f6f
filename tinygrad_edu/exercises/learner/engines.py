"""The engine a learner's process has: the engine without what the exercise asks for.

Each exercise is graded in a process that has only what its learner needs, and nothing that
does the exercise for them (``GROUPS``, by exercise, in four groups):

- ``"numbers"``: no engine at all. The derivative rules (``d_tanh``, ``d_mul``, ...), the
  checks of gradients and the exercises on arrays get numbers and arrays, and the engine's
  own local derivative of an op would be the answer; "your own Value" must not lean on the
  engine's ``Value``.
- ``"engine"``: the scalar engine's own files (``engine.py`` and what it imports), for
  ``sgd_step``, which updates Values' numbers.
- ``"no chain rule"``: the same, without ``backward()``, ``_backward()``,
  ``backpropagate`` and every other chain-rule step (``backward_lists``): ``backward``,
  ``backward_step`` and ``sum_over_paths`` are the chain rule.
- ``"no walk"``: the same, without ``walk``, the sort it calls (``walked_on_a_stack``) and
  what calls them: ``topological_sort`` is it.

``prepare`` sets it up before any of the learner's code runs. ``tinygrad_edu`` is then a
package of its own making, whose ``__init__.py`` never runs: it holds the engine's public
names that the group has, and for any other name an ``Unavailable`` that says, when used,
why it is not there. What is taken out is replaced where it was defined and wherever it was
imported (the class, the modules), so no reference to it is left in the process; the tools
(``autograd``, ``viz``, the grader and its references) are never imported at all.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

__all__ = ["GROUPS", "NotAvailable", "Unavailable", "group_of", "prepare"]

GROUPS: dict[str, str] = {
    "backward": "no chain rule", "backward_step": "no chain rule",
    "sum_over_paths": "no chain rule", "topological_sort": "no walk", "sgd_step": "engine",
}
"""The group of every exercise that gets Values; every other exercise's is ``"numbers"``."""

TAKEN: dict[str, tuple[str, ...]] = {
    "numbers": (),
    "engine": (),
    "no chain rule": ("backward", "_backward", "backpropagate", "backpropagate_steps",
                      "backward_lists", "backward_more", "backward_steps"),
    "no walk": ("walk", "walked_on_a_stack", "seeded_order", "backpropagate",
                "backpropagate_steps", "zero_grad", "backward", "backward_more",
                "backward_steps"),
}
"""What each group's engine is without (the names of ``Value``'s methods and of the
functions of ``engine.py`` and ``graph.py``): every function that does a chain-rule step, or
that returns (or walks) a topological order, as the case may be, and what calls them
(``test_engines_taken.py`` calls every one left on a small graph)."""

PUBLIC = {
    **dict.fromkeys(("Value", "abs_", "cos", "exp", "leaky_relu", "log", "relu", "sigmoid",
                     "sin", "sqrt", "tanh"), "engine"),
    "walk": "graph", "backpropagate": "graph", "no_grad": "grad_mode",
    "enable_grad": "grad_mode", "is_grad_enabled": "grad_mode", "DomainError": "errors",
    "OPS": "ops", "Op": "row", "named_scope": "scopes", "scope_of": "scopes"}
"""The package's public names that come from the engine's own files, with the module of
each: what ``tinygrad_edu`` holds in a learner's process with an engine."""


class NotAvailable(RuntimeError):
    """Something of tinygrad_edu that the learner's process does not have was used."""


class Unavailable:
    """What stands where a name of tinygrad_edu is not available while an exercise is
    graded: calling it, or asking it for anything, raises ``NotAvailable`` saying why. (An
    import of it works, so that a file of solutions that imports it still runs.)"""

    def __init__(self, name: str, why: str, module: str = "tinygrad_edu") -> None:
        object.__setattr__(self, "_text", f"tinygrad_edu's {name} is not available while "
                                          f"{why}")
        object.__setattr__(self, "__module__", module)  # (where the name comes from)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise NotAvailable(object.__getattribute__(self, "_text"))

    def __getattr__(self, name: str) -> Any:
        raise NotAvailable(object.__getattribute__(self, "_text"))

    def __repr__(self) -> str:
        return f"<{object.__getattribute__(self, '_text')}>"


def group_of(exercise: str) -> str:
    """The group of the learner's process an exercise is graded in."""
    return GROUPS.get(exercise, "numbers")


def why(group: str, exercises: list[str]) -> str:
    """Why a name is missing in a group's process, for its ``Unavailable``."""
    named = ", ".join(exercises) or "an exercise"
    if group == "numbers":
        return (f"{named} {'is' if len(exercises) == 1 else 'are'} graded: the engine would "
                "do the exercise for you (its own local derivatives, its own Value)")
    return (f"{named} {'is' if len(exercises) == 1 else 'are'} graded: it is what the "
            "exercise asks you to write")


def prepare(package: Path, group: str, exercises: list[str]) -> types.ModuleType:
    """Set the process up for ``group``: the package ``tinygrad_edu`` made here, the engine's
    files imported (unless the group has none), what the group is without replaced by
    ``Unavailable``. Returns the package. Called before the learner's code runs."""
    reason = why(group, exercises)
    root = _package("tinygrad_edu", package)
    _package("tinygrad_edu.exercises", package / "exercises")
    if group != "numbers":
        from tinygrad_edu import engine, graph  # the engine's files, and nothing above them

        for name in TAKEN[group]:
            for where in (engine.Value, engine, graph):
                if name in vars(where):
                    setattr(where, name, Unavailable(name, reason, where.__name__ if isinstance(
                        where, types.ModuleType) else where.__module__))
        for name, module_name in PUBLIC.items():
            setattr(root, name, getattr(sys.modules[f"tinygrad_edu.{module_name}"], name))

    def missing_in(module: str) -> Any:
        def missing(name: str) -> Any:
            if name.startswith("__"):
                raise AttributeError(name)
            origin = f"tinygrad_edu.{PUBLIC[name]}" if module == "tinygrad_edu" and \
                name in PUBLIC else module
            return Unavailable(name, reason, origin)
        return missing

    root.__getattr__ = missing_in("tinygrad_edu")  # type: ignore[method-assign]  # PEP 562
    for name in _modules(package):  # the rest of the package: each name Unavailable
        if name not in sys.modules:
            stand_in = types.ModuleType(name, f"{name}: not available in this process")
            stand_in.__getattr__ = missing_in(name)  # type: ignore[method-assign]
            sys.modules[name] = stand_in
    return root


def _modules(package: Path) -> list[str]:
    """The modules of the package, by their dotted names, but those of the exercises (the
    grader's: importing one is reported, not answered)."""
    found = []
    for file in sorted(package.rglob("*.py")):
        parts = list(file.relative_to(package).with_suffix("").parts)
        if parts[0] == "exercises" or "__pycache__" in parts:
            continue
        if parts[-1] == "__init__":
            parts.pop()
        if parts and not parts[-1].startswith("__"):
            found.append(".".join(["tinygrad_edu", *parts]))
    return found


def close_packages() -> None:
    """After the process's own imports: no module of tinygrad_edu can be loaded any more (a
    learner's ``import tinygrad_edu.autograd`` finds nothing; the audit has seen it)."""
    for name in ("tinygrad_edu", "tinygrad_edu.exercises"):
        sys.modules[name].__path__ = []


def _package(name: str, folder: Path) -> types.ModuleType:
    """An empty package ``name`` whose modules are loaded from ``folder``, its
    ``__init__.py`` not run (the one the process started with, ``serve.BOOTSTRAP``'s)."""
    made = sys.modules.get(name)
    if made is not None and getattr(made, "__path__", None) == [str(folder)] and \
            getattr(made, "__file__", None) is None:
        return made
    module = types.ModuleType(name, f"{name}, as a learner's process has it")
    module.__path__ = [str(folder)]
    module.__file__ = None
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)
    return module
