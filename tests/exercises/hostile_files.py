"""A hostile file, for the tests of test_hostile_answers.py, test_hostile_messages.py and
test_hostile_processes.py: what a learner's process sends the grader is hostile, and a file
that rewrites the grader's own code inside its process, or writes to the grader's channel
itself, gets no marks for it, and harms neither the grader nor the class.

Each of those files reaches the learner's side of the grader (``learner/serve.py``, its
modules) as a student would: through ``object.__subclasses__()``, no import (``REACH``, its
prelude); ``graded`` grades one as the grader does. ``test_earned.py`` has the routes to the
references; these have what comes back over the channel.
"""

import textwrap

from tinygrad_edu.exercises import EXERCISES, TRACK
from tinygrad_edu.exercises.apart import grade_apart

REACH = '''
def _class(name, module_end):
    seen, todo = set(), [().__class__.__base__]
    while todo:
        c = todo.pop()
        try:
            below = type.__subclasses__(c)
        except TypeError:
            continue
        for s in below:
            if s not in seen:
                seen.add(s)
                todo.append(s)
                if s.__name__ == name and str(s.__module__).endswith(module_end):
                    return s
    raise LookupError(name)

_serve = _class("Context", "learner.serve").load.__globals__
_sys, _os = _serve["sys"], _serve["os"]
_wire = _sys.modules["tinygrad_edu.exercises.learner.wire"]
_REQUESTS, _ANSWERS = int(_sys.argv[2]), int(_sys.argv[3])
'''
"""The prelude of the files below: the learner's side of the grader, reached from the
file's own code."""


def graded(tmp_path, source, names, file="solutions.py"):
    path = tmp_path / file
    path.write_text(REACH + textwrap.dedent(source), encoding="utf-8")
    return grade_apart(path, [(TRACK | EXERCISES)[n] for n in names])
