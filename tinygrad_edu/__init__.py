"""tinygrad_edu: a small, exact autograd engine for watching backpropagation work."""

# The rooms beside the engine put what they add on Value as they are imported: a Value as a
# number (as_number), micrograd's and PyTorch's names (familiar_names), copying and pickling
# (copying), backward(create_graph=..., inputs=...) (autograd), backward_steps (stepping).
from tinygrad_edu import as_number, copying, familiar_names  # noqa: F401
from tinygrad_edu.autograd import grad
from tinygrad_edu.derivatives import hessian, jacobian
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
from tinygrad_edu.gradcheck import GradcheckError, GradcheckReport, gradcheck, numerical_grad
from tinygrad_edu.graph import backpropagate, walk
from tinygrad_edu.graph_paths import paths
from tinygrad_edu.listops import dot, dots, vsum
from tinygrad_edu.making import binary_op, unary_op
from tinygrad_edu.ops import OPS, Op, register
from tinygrad_edu.scopes import named_scope, scope_of
from tinygrad_edu.stepping import Step, backward_steps, node_names, text_graph

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
