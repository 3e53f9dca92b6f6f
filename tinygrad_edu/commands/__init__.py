"""The command line, ``python -m tinygrad_edu``: its commands, each a module of its own.

``__main__.py`` (beside this folder) parses the command line and calls one of them:
``demo.py`` (train on the two moons, then draw and replay what was learned), ``mnist.py``
(``train-mnist``), ``conform.py`` (check anyone's engine: ``tinygrad_edu.testing``'s
conformance suite), and ``options.py`` (the options' checks, run while parsing). ``replay``
and ``exercises`` are the viz and exercises folders' own commands. A command may import
anything in the package; nothing in the package imports a command.
"""

__all__: list[str] = []
