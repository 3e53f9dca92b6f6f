"""A graph becomes a program: capture a function of Values once (``compile``), read the
program as Python, run it natively (``native.py``), hand it to PyTorch (``torch.py``).

The rooms: ``tape.py`` (a graph as a flat list of steps over numbered slots), ``reading.py``
(the one place that reads a node's fields), ``source.py`` and ``program.py`` (the tape as
Python, run), ``capture.py`` (``compile``), with ``traced.py`` (the plain numbers a capture
follows), ``watching.py`` (what a capture changes on Value while it runs) and ``captured.py``
(the captured graph as a tape); ``native.py`` and ``native.c``; ``torch.py``. The engine
knows nothing of them. This folder may import the scalar engine's files and ``nn`` (a model
made with it, for ``to_torch``); ``training`` (``fit(compile=True)``), ``viz`` (the
playground) and ``commands`` (the demo) import it.
"""

from __future__ import annotations

from tinygrad_edu.program.capture import Compiled, Result, compile

__all__ = ["Compiled", "Result", "compile"]
