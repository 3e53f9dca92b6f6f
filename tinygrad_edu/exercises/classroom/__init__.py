"""Exercises for a whole class: grade the submissions, and see what the class got wrong.

    python -m tinygrad_edu exercises check FILE --json          (or --format gradescope)
    python -m tinygrad_edu exercises report DIR -o report.html  (or -o report.csv)

The guide for teachers in the documentation goes through each route step by step.
"""

__all__: list[str] = []
