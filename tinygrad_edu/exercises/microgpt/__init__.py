"""Build microgpt yourself: a graded track from one ``Value`` to a GPT that makes up names.

Ten stages, in the order a GPT is built (``stages.TRACK``): the node, linear, softmax, the
negative log-likelihood, rmsnorm, a causal attention head, a transformer block, the GPT,
Adam and a training step. Each is graded as every exercise is, with its own mistakes
diagnosed (``mistakes.py``) against its reference (``reference.py``), on inputs drawn by
``cases.py``; ``training.py`` trains the learner's own GPT on the names and samples new ones.

The folder is part of the exercises: it may import ``tinygrad_edu.exercises`` and what that
imports; the exercises' command line and catalog import it.
"""

__all__: list[str] = []  # the grader's inner workings: import from tinygrad_edu.exercises
