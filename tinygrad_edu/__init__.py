"""tinygrad_edu: a small, exact autograd engine for watching backpropagation work.

The package's tree is its map. At the root, the scalar engine's own files: ``engine.py``
(``Value``, its op table, ``backward``) and ``graph.py`` (the walk, the backward pass's
loop), read first; the op rows and their registry (``ops.py``), the forward functions that
explain a failure (``safe_math.py``, ``errors.py``), grad mode and named scopes
(``grad_mode.py``, ``scopes.py``, ``decorators.py``), text for numbers (``formatting.py``),
the kinds of things a node may meet (``arrays.py``), and the rooms that put a Value's other
habits on it: ``as_number.py``, ``familiar_names.py``, ``copying.py``, ``sums.py`` (one node
for a whole sum) and ``custom_ops.py`` (ops of your own). Then a folder per purpose:
``autograd/`` (``grad``, second derivatives, ``jacobian``, ``hessian``), ``tensor/`` (the
same engine on NumPy), ``nn/`` (layers, losses, the GPT, saving), ``training/``
(optimizers, ``fit``, data sets), ``viz/`` (stepping, drawing, replays, paths, the live
pages), ``testing/`` (``gradcheck`` and the hypothesis toolkit), ``exercises/`` and
``commands/`` (``python -m tinygrad_edu``). The engines import none of the folders above
them; ``tests/test_layers.py`` holds the rules. The paths of the modules that moved into
folders keep working: ``import tinygrad_edu.optim`` gives ``tinygrad_edu.training.optim``
(``MOVED``, at the end of this file).
"""

import importlib
import importlib.abc
import importlib.machinery
import sys
from types import ModuleType

# The rooms beside the engine put what they add on Value as they are imported: a Value as a
# number (as_number), micrograd's and PyTorch's names (familiar_names), copying and pickling
# (copying), backward(create_graph=..., inputs=...) (autograd.gradients), backward_steps
# (viz.stepping).
from tinygrad_edu import as_number, copying, familiar_names  # noqa: F401
from tinygrad_edu.autograd.functional import hessian, jacobian
from tinygrad_edu.autograd.gradients import grad
from tinygrad_edu.custom_ops import binary_op, unary_op
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
from tinygrad_edu.ops import OPS, Op, register
from tinygrad_edu.scopes import named_scope, scope_of
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

MOVED = {"tinygrad_edu.optim": "tinygrad_edu.training.optim",
         "tinygrad_edu.data": "tinygrad_edu.training.data",
         "tinygrad_edu.train": "tinygrad_edu.training.fit",
         "tinygrad_edu.text": "tinygrad_edu.training.text",
         "tinygrad_edu.idx": "tinygrad_edu.training.idx",
         "tinygrad_edu.watch": "tinygrad_edu.viz.watch",
         "tinygrad_edu.playground": "tinygrad_edu.viz.playground"}
"""The old paths of the modules that moved into folders, and their homes."""


class _Moved(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports an old path (``MOVED``) as the very module at its new home, loaded when asked
    for: what is set on one is set on the other."""

    def find_spec(self, name: str, path: object = None, target: object = None
                  ) -> importlib.machinery.ModuleSpec | None:
        return importlib.machinery.ModuleSpec(name, self) if name in MOVED else None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return importlib.import_module(MOVED[spec.name])

    def exec_module(self, module: ModuleType) -> None:
        pass  # (it ran at its new home)


if not any(isinstance(finder, _Moved) for finder in sys.meta_path):
    sys.meta_path.append(_Moved())
