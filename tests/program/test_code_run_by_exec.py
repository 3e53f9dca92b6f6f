"""A learner's text run with ``exec`` where no file or ``__main__`` says it is the learner's
(``exec(src, {})``, as a grader or a teaching tool may run it: its classes are of
``builtins``; or into a ``types.ModuleType`` made at run time, with no ``__file__``): the
objects of its classes were not walked, and a class's default overridden on an instance
after the capture (``M.lay.scale = 0.25``) stayed the program's, silently (an attacker's,
a64b f9: 0.475 where the engine gave 0.0375). Walked as the learner's: captured again, said;
the class's number changed, too."""

import builtins
import sys
import types
import warnings

import pytest

from tests.program.against_engine import same
from tinygrad_edu import Value
from tinygrad_edu.program import compile

SRC = """
class Lay:
    scale = 0.5
class Holder:
    pass
M = Holder()
M.lay = Lay()
def f(x):
    return W * x * M.lay.scale + B
"""


@pytest.mark.parametrize("where", ["a dict", "a module made at run time"])
def test_a_class_default_of_code_run_by_exec_overridden_later_is_followed(where):
    w, b = Value(0.7), Value(-0.4)
    if where == "a dict":
        space = {"W": w, "B": b}
    else:
        module = types.ModuleType("learners_cell")
        sys.modules["learners_cell"] = module
        space = vars(module)
        space.update(W=w, B=b)
    try:
        exec(builtins.compile(SRC, "cell.py", "exec"), space)
        f, m = space["f"], space["M"]
        for native in (True, False):
            m.lay.__dict__.pop("scale", None)
            space["Lay"].scale = 0.5
            step = compile(f, native=native)
            with warnings.catch_warnings(record=True) as said:
                warnings.simplefilter("always")
                for k in range(3):
                    if k == 1:
                        m.lay.scale = 0.25
                    if k == 2:
                        del m.lay.scale
                        space["Lay"].scale = 2.0
                    same(step, f, [w, b], 0.5 + k)
            assert said
    finally:
        sys.modules.pop("learners_cell", None)
