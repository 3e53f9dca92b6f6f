"""tinygrad_edu: a small, exact autograd engine for watching backpropagation work.

The package's tree is its map. At the root, the scalar engine's own files: ``engine.py``
(``Value``, its op table, ``apply``, ``backward``) and ``graph.py`` (the walk, the backward
pass's loop), read first; an op's row (``row.py``) and the registry of rows (``ops.py``), the
forward functions that explain a failure (``safe_math.py``, ``errors.py``), grad mode and
named scopes (``grad_mode.py``, ``scopes.py``, ``decorators.py``), the one place the engine
reaches up (``above.py``), text for numbers (``formatting.py``), the kinds of things a node
may meet (``arrays.py``), copying whole graphs (``copying.py``), one node for a whole sum
(``sums.py``) and ops of your own (``custom_ops.py``, checked by ``ops.py``). Then a
folder per purpose:
``autograd/`` (``grad``, second derivatives, ``jacobian``, ``hessian``), ``tensor/`` (the
same engine on NumPy), ``nn/`` (layers, losses, the GPT, saving), ``training/``
(optimizers, ``fit``, data sets), ``viz/`` (stepping, drawing, replays, paths, the live
pages), ``testing/`` (``gradcheck`` and the hypothesis toolkit), ``exercises/`` and
``commands/`` (``python -m tinygrad_edu``). The engines import none of the folders above
them; ``tests/test_layers.py`` holds the rules. ``from tinygrad_edu import Value`` loads the
engine alone: the tools' public names load when first asked for (``LATER``). The paths of
the modules that moved into folders keep working: ``import tinygrad_edu.optim`` gives
``tinygrad_edu.training.optim`` (``MOVED``, at the end of this file).
"""

from __future__ import annotations

import sys
from types import ModuleType

from tinygrad_edu.engine import (
    Value,
    abs_,
    cos,
    exp,
    leaky_relu,
    log,
    relu,
    sigmoid,
    sin,
    sqrt,
    tanh,
)
from tinygrad_edu.errors import DomainError
from tinygrad_edu.grad_mode import enable_grad, is_grad_enabled, no_grad
from tinygrad_edu.graph import backpropagate, walk
from tinygrad_edu.ops import register
from tinygrad_edu.row import Op
from tinygrad_edu.scopes import named_scope, scope_of

TYPE_CHECKING = False
if TYPE_CHECKING:  # (the names loaded when first asked for, LATER, for the type checker)
    from collections.abc import Sequence
    from importlib.machinery import ModuleSpec

    from tinygrad_edu.autograd.functional import hessian, jacobian
    from tinygrad_edu.autograd.gradients import grad
    from tinygrad_edu.custom_ops import binary_op, unary_op
    from tinygrad_edu.ops import OPS
    from tinygrad_edu.sums import dot, dots, vsum
    from tinygrad_edu.testing.gradcheck import (
        GradcheckError,
        GradcheckReport,
        gradcheck,
        numerical_grad,
    )
    from tinygrad_edu.viz.paths import paths
    from tinygrad_edu.viz.stepping import Step, backward_steps, node_names, text_graph

__version__ = "0.1.0"

__all__ = [
    "OPS",
    "DomainError",
    "GradcheckError",
    "GradcheckReport",
    "Op",
    "Step",
    "Value",
    "abs_",
    "backpropagate",
    "backward_steps",
    "binary_op",
    "cos",
    "dot",
    "dots",
    "enable_grad",
    "exp",
    "grad",
    "gradcheck",
    "hessian",
    "is_grad_enabled",
    "jacobian",
    "leaky_relu",
    "log",
    "named_scope",
    "no_grad",
    "node_names",
    "numerical_grad",
    "paths",
    "register",
    "relu",
    "scope_of",
    "sigmoid",
    "sin",
    "sqrt",
    "tanh",
    "text_graph",
    "unary_op",
    "vsum",
    "walk",
]

LATER = {
    "OPS": "tinygrad_edu.sums",  # (the registry, once the rooms beside the engine add theirs)
    "dot": "tinygrad_edu.sums", "dots": "tinygrad_edu.sums", "vsum": "tinygrad_edu.sums",
    "binary_op": "tinygrad_edu.custom_ops", "unary_op": "tinygrad_edu.custom_ops",
    "grad": "tinygrad_edu.autograd.gradients",
    "hessian": "tinygrad_edu.autograd.functional", "jacobian": "tinygrad_edu.autograd.functional",
    "GradcheckError": "tinygrad_edu.testing.gradcheck",
    "GradcheckReport": "tinygrad_edu.testing.gradcheck",
    "gradcheck": "tinygrad_edu.testing.gradcheck",
    "numerical_grad": "tinygrad_edu.testing.gradcheck",
    "paths": "tinygrad_edu.viz.paths",
    "Step": "tinygrad_edu.viz.stepping", "backward_steps": "tinygrad_edu.viz.stepping",
    "node_names": "tinygrad_edu.viz.stepping", "text_graph": "tinygrad_edu.viz.stepping",
}
"""The public names of the tools, and the module of each, imported when first asked for
(``from tinygrad_edu import Value`` loads the engine alone)."""


def __getattr__(name: str) -> object:
    """A public name of a tool (``LATER``), imported the first time it is asked for."""
    module = LATER.get(name)
    if module is None:
        raise AttributeError(f"module 'tinygrad_edu' has no attribute {name!r}")
    __import__(module)
    if name == "OPS":
        from tinygrad_edu.above import load_built_in_ops
        from tinygrad_edu.ops import OPS
        load_built_in_ops()
        value: object = OPS
    else:
        value = getattr(sys.modules[module], name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *LATER})


MOVED = {"tinygrad_edu.optim": "tinygrad_edu.training.optim",
         "tinygrad_edu.data": "tinygrad_edu.training.data",
         "tinygrad_edu.train": "tinygrad_edu.training.fit",
         "tinygrad_edu.text": "tinygrad_edu.training.text",
         "tinygrad_edu.idx": "tinygrad_edu.training.idx",
         "tinygrad_edu.watch": "tinygrad_edu.viz.watch",
         "tinygrad_edu.playground": "tinygrad_edu.viz.playground"}
"""The old paths of the modules that moved into folders, and their homes."""


class _Moved:
    """Imports an old path (``MOVED``) as the very module at its new home, loaded when asked
    for: what is set on one is set on the other (a finder and a loader of ``sys.meta_path``)."""

    def find_spec(self, name: str, path: Sequence[str] | None = None,
                  target: ModuleType | None = None) -> ModuleSpec | None:
        if name not in MOVED:
            return None
        from importlib.machinery import ModuleSpec
        return ModuleSpec(name, self)  # type: ignore[arg-type]

    def create_module(self, spec: ModuleSpec) -> ModuleType:
        __import__(MOVED[spec.name])
        return sys.modules[MOVED[spec.name]]

    def exec_module(self, module: ModuleType) -> None:
        pass  # (it ran at its new home)


if not any(isinstance(finder, _Moved) for finder in sys.meta_path):
    sys.meta_path.append(_Moved())
