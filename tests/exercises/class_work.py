"""A class's work with known mistakes, as files: what the tests of the report, of ``check
--json`` and of the assignments grade. ``CLASS`` maps each student to the source of their
file; ``EXPECTED`` is what each file must get, exercise by exercise."""

import contextlib
import sys
import types
from pathlib import Path

from tinygrad_edu.exercises import EXERCISES
from tinygrad_edu.exercises.starters import model_answer_body, starter_file, starter_head

NAMES = ("d_mul", "d_tanh", "backward")
"""The exercises of the class's assignment: two quick ones and a whole algorithm."""


def answer(name, body=None):
    """The model answer to ``name``, or the starter's head with ``body`` under it."""
    ex = EXERCISES[name]
    return f"{starter_head(ex)}\n{body if body is not None else model_answer_body(ex)}\n"


IMPORTS = "import math\n\nfrom tinygrad_edu import walk\n"


def in_a_kernel(monkeypatch, cells):
    """A notebook's kernel, as Otter's ``grader.check`` sees it: ``IPython.get_ipython()``
    gives a shell whose ``In`` (the cells run so far) is ``cells``. The ``IPython`` imported
    is a stand-in, so that this runs without IPython too (under the other Pythons the tests
    have the test extra only, which has no IPython)."""
    with contextlib.suppress(ImportError):  # (Otter's plugin imports IPython with otter,
        import tinygrad_edu.exercises.classroom.for_otter_grading  # noqa: F401  (once a
    # process: imported first under the stand-in, it found no otter, and Otter's plugin then
    # said "needs otter-grader" in every later test of that worker)
    shell = types.SimpleNamespace(user_ns={"In": list(cells)})
    ipython = types.ModuleType("IPython")
    ipython.get_ipython = lambda: shell
    monkeypatch.setitem(sys.modules, "IPython", ipython)


RIGHT = IMPORTS + "\n\n" + "\n\n".join(answer(name) for name in NAMES)

WRONG_BACKWARD = """\
def backward(root):
    root.grad = 1.0
    for node in reversed(walk(root)):
        for parent, local in zip(node.parents, node.local_grads):
            parent.grad = local * node.grad
"""


def right_but(**changes):
    """The right file, with the answers to some exercises replaced (None: left out)."""
    parts = [IMPORTS]
    for name in NAMES:
        if name in changes:
            if changes[name] is not None:
                parts.append(changes[name])
        else:
            parts.append(answer(name))
    return "\n\n".join(parts)


CLASS = {
    "ada": RIGHT,
    "alan": RIGHT,
    "barbara": right_but(d_tanh="def d_tanh(x, y):\n    return 1 - x * x\n"),
    "claude": right_but(d_tanh="def d_tanh(x, y):\n    return 1 - x**2\n",
                        backward=WRONG_BACKWARD),
    "donald": right_but(d_mul="def d_mul(a, b, y):\n    return a, b\n", backward=WRONG_BACKWARD),
    "edsger": right_but(d_tanh="def d_tanh(x, y):\n    return y * y - 1\n"),
    "grace": starter_file("grace.py", [EXERCISES[n] for n in NAMES]),  # not started
    "john": right_but(backward=None),  # missing
    "ken": right_but(d_tanh="def d_tanh(x, y):\n    while True:\n        pass\n"),
    "linus": RIGHT.replace("def d_mul(a, b, y):", "def d_mul(a, b, y)"),  # not valid Python
    "margaret": "import os\n\n" + RIGHT,  # imports what it may not
    "niklaus": "raise RuntimeError('the file crashes')\n" + RIGHT,
    "radia": "while True:\n    pass\n" + RIGHT,  # loops as the file runs
    "tim": right_but(d_mul="def d_mul(a, b, y):\n    import numpy\n"  # crashes Python: reads
                           "    strided = numpy.lib.stride_tricks.as_strided\n"  # far past
                           "    return strided(numpy.zeros(1), (1 << 40,), (1 << 20,)).sum()\n"),
}

# student: (exercise: (status, diagnosis keys)) or the kind of the file's problem
EXPECTED = {
    "ada": {"d_mul": ("passed", ()), "d_tanh": ("passed", ()), "backward": ("passed", ())},
    "alan": {"d_mul": ("passed", ()), "d_tanh": ("passed", ()), "backward": ("passed", ())},
    "barbara": {"d_mul": ("passed", ()), "d_tanh": ("failed", ("in_out",)),
                "backward": ("passed", ())},
    "claude": {"d_mul": ("passed", ()), "d_tanh": ("failed", ("in_out",)),
               "backward": ("failed", ("assign",))},
    "donald": {"d_mul": ("failed", ("swapped",)), "d_tanh": ("passed", ()),
               "backward": ("failed", ("assign",))},
    "edsger": {"d_mul": ("passed", ()), "d_tanh": ("failed", ("sign",)),
               "backward": ("passed", ())},
    "grace": {"d_mul": ("not started", ("todo",)), "d_tanh": ("not started", ("todo",)),
              "backward": ("not started", ("todo",))},
    "john": {"d_mul": ("passed", ()), "d_tanh": ("passed", ()), "backward": ("missing", ())},
    "ken": {"d_mul": ("passed", ()), "d_tanh": ("failed", ()), "backward": ("passed", ())},
    "linus": "syntax",
    "margaret": "import",
    "niklaus": "crash",
    "radia": "loop",
    "tim": {"d_mul": ("failed", ()), "d_tanh": ("passed", ()), "backward": ("passed", ())},
}


def write_class(folder: Path, students=None) -> Path:
    """The class's files in ``folder``, one ``STUDENT.py`` each; returns ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for student in students or CLASS:
        (folder / f"{student}.py").write_text(CLASS[student], encoding="utf-8")
    return folder


def assert_graded_as_expected(result):
    """``result`` (a classroom Result) is what EXPECTED says of its student."""
    expected = EXPECTED[result.student]
    if isinstance(expected, str):
        assert result.problem is not None and result.problem.kind == expected, result
        assert {m.status for m in result.marks} == {"not graded"}
        assert result.score == 0
        return
    assert result.problem is None, result.problem
    got = {m.name: (m.status, tuple(d.key for d in m.diagnoses)) for m in result.marks}
    assert got == expected, result.student
