"""Derivatives beyond ``backward()``, for both engines, as ``torch.autograd`` has them.

- ``gradients.py``: ``grad(outputs, inputs)``, the backward pass's gradients returned instead
  of stored in ``.grad`` (the same walk and chain rule, into a dict), and
  ``backward(create_graph=..., inputs=...)``, which it puts on ``Value``;
- ``higher.py``: second derivatives of Values, each local derivative recomputed as a Value
  by its op's own rule;
- ``functional.py``: ``jacobian`` and ``hessian`` of a function, as
  ``torch.autograd.functional`` (``from tinygrad_edu import jacobian, hessian``).

``gradients.py`` and ``higher.py`` may import the scalar engine (the files at the package's
root) and nothing above it: the tensor engine imports ``gradients.py`` for its own
``backward(create_graph=True)``. ``functional.py`` stands above both engines (it makes fresh
Tensors from arrays), so this file does not import it: the tensor engine, importing this
folder, never comes back to itself.
"""

from tinygrad_edu.autograd.gradients import grad

__all__ = ["grad"]
