"""A differential test against PyTorch (float64), issue 55: random programs run by both
engines and compared number by number.

- ``programs.py``: random programs of the scalar engine (every op, shared nodes, constants
  on either side, ordinary and edge numbers), made by running our engine;
- ``bounds.py``: how far two float64 engines may round apart, node by node, so that what is
  compared is compared tightly and what cannot be judged (a cancellation) is counted, not
  compared;
- ``twins.py``: PyTorch's twin of each op, corrected where a difference recorded in
  tests/torch_deviations.py applies, so that every difference that remains is a finding;
- ``scalar.py``: one program compared: values, first derivatives (backward(), grad() and
  grad(create_graph=True), which must agree exactly), second derivatives; and stateful
  sequences (backward, zero_grad, no_grad, ``.data`` changes, updates in place);
- ``tensors.py``: the same for the tensor engine (broadcasting, reductions, indexing,
  losses, Hessian-vector products), on the random programs of ``tensor_programs.py``, with
  PyTorch's corrected twins of ``tensor_twins.py``.

The tests are tests/test_torch_differential.py and tests/tensor/test_torch_differential.py.
"""
