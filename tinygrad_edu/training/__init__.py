"""Training a model: optimizers and schedules, a training loop, data sets and their loaders.

- ``optim.py``: ``SGD``, ``Adam``, ``AdamW`` and the learning-rate schedules, with PyTorch's
  names and update rules;
- ``fit.py``: ``fit``, a training loop with a progress bar, for either engine;
- ``data.py``: small data sets (two moons, circles, spirals, XOR, handwritten digits) and
  ``train_test_split``; ``loader.py``: ``DataLoader``, mini-batches without NumPy;
- ``idx.py``: MNIST's and Fashion-MNIST's IDX files, read into arrays;
- ``text.py``: first names, and their characters as tokens, for a language model.

The models themselves are in ``tinygrad_edu.nn`` (and ``tinygrad_edu.tensor.nn``), which
this folder may import, with the engines; nothing below it (the engines, ``nn``) imports it.
This file imports nothing, so that ``tinygrad_edu.training.text`` loads alone (in a browser,
say).
"""

__all__: list[str] = []
