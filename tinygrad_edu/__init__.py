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
them; ``tests/test_layers.py`` holds the rules. ``optim.py``, ``data.py``, ``train.py``,
``text.py``, ``idx.py``, ``watch.py`` and ``playground.py`` are pointers from old paths.
"""

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
