"""Exercises for a whole class: hand them out with nbgrader, Gradescope or GitHub Classroom,
grade the submissions, and see what the class got wrong.

    python -m tinygrad_edu exercises assignment NAME... --for nbgrader|gradescope|github -o DIR
    python -m tinygrad_edu exercises check FILE --json          (or --format gradescope)
    python -m tinygrad_edu exercises report DIR -o report.html  (or -o report.csv)

The guide for teachers in the documentation goes through each route step by step.
"""

from tinygrad_edu.exercises.classroom.graded_cell import graded_cell

__all__ = ["graded_cell"]
