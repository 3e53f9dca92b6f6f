"""What runs in the learner's process: the inputs of the exercises as data, how a solution is
run on them, and the engine without what each exercise asks for.

A learner's code is graded in a process of its own, started before any reference is loaded
(``tinygrad_edu.exercises.remote`` starts it and asks it, input by input, what the solution
does; the grader compares that with the reference, in its own process). This folder is all
that process imports of the exercises: ``inputs.py`` (the cases and ``Call``, how a solution
is run on one; the graphs and expressions in ``graph_cases.py``, ``expression_cases.py``),
``parts.py`` (an answer as data), and the process itself. Its modules may
import the scalar engine's files at the package's root, ``exercises.limit``,
``exercises.mistakes`` and ``exercises.text_blocks``, NumPy and the standard library; never
the grader, its references, its strategies (hypothesis) or a tool.
"""

__all__: list[str] = []
