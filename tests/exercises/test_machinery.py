"""The grader reads the file handed in for what makes or runs code at run time or reaches
Python's machinery (``machinery.MachineryReading``), outside the learner's process: a file
flagged so names the line, for the teacher. Honest autograd code never is: every answer the
package ships, the starters, the suite's right variants, micrograd's and microgpt's code."""

import json
import textwrap
from pathlib import Path

import pytest

from tests.exercises import class_work, gpt_answers, learners, right_variants
from tinygrad_edu.exercises import EXERCISES, TRACK, answers, lecture, model_answers
from tinygrad_edu.exercises.machinery import (
    MACHINERY,
    MAY_DIFFER,
    WATCH_OFF,
    MachineryReading,
    flagged,
    tampered,
)
from tinygrad_edu.exercises.microgpt import reference
from tinygrad_edu.exercises.starters import starter_file


def found(text, name="solutions.py"):
    return MachineryReading(Path(name), source=textwrap.dedent(text)).found


def said(text, name="solutions.py"):
    return MachineryReading(Path(name), source=textwrap.dedent(text)).said()


def _variants():
    for group in (right_variants.VARIANTS, right_variants.LONG_VARIANTS,
                  right_variants.STAGE_VARIANTS):
        for name, forms in group.items():
            for k, form in enumerate(forms):
                source = form[1] if isinstance(form, tuple) else form
                yield f"{name} {k}", right_variants.HEAD + source


def honest_texts():
    """Every honest file the suite has: name, text."""
    texts = {m.__name__: Path(m.__file__).read_text(encoding="utf-8")
             for m in (model_answers, answers, lecture)}
    # the track's references, as a learner writes them: not the grader's own tool beside
    # them (source_of, which reads their source with inspect for the mistakes' models)
    texts[reference.__name__] = Path(reference.__file__).read_text(encoding="utf-8").replace(
        "import inspect\n", "").split("\n@functools.cache\ndef source_of")[0]
    texts["starters"] = starter_file("mine.py", [*EXERCISES.values(), *TRACK.values()])
    texts.update(_variants())
    texts.update(("correct Value: " + what, source)
                 for what, source in learners.CORRECT_VALUES.items())
    texts["gpt_answers.RIGHT"] = gpt_answers.RIGHT
    texts["class_work.RIGHT"] = class_work.RIGHT
    try:
        import micrograd.engine
        import micrograd.nn
    except ImportError:  # (the dev extra installs it)
        return texts
    for module in (micrograd.engine, micrograd.nn):
        texts[module.__name__] = Path(module.__file__).read_text(encoding="utf-8")
    return texts


def test_no_honest_code_is_flagged():
    texts = honest_texts()
    assert len(texts) > 40
    flagged_texts = {name: said(text) for name, text in texts.items() if found(text)}
    assert flagged_texts == {}


def test_what_any_answer_does_is_not_flagged():
    assert found('''
        import math
        import re
        import sys
        from collections import namedtuple

        import numpy as np

        sys.setrecursionlimit(10_000)
        WORD = re.compile(r"\\w+")


        class Value:
            def __init__(self, data, _children=()):
                self.data, self.grad, self._prev = data, 0.0, set(_children)
                self._backward = lambda: None

            def __add__(self, other):
                other = other if isinstance(other, Value) else Value(other)
                out = Value(self.data + getattr(other, "data", other), (self, other))
                setattr(out, "label", "+")
                return out

            def __repr__(self):
                return f"Value({self.__dict__['data']}, {type(self).__name__})"

            def eval(self):  # (a method of that name is the class's own)
                return self.data

            def modules(self):
                return [self]


        def eval(tree):  # (a function of its own of that name: its own)
            return tree


        def backward(root):
            order = [*root.modules(), np.stack([1.0]), eval(root), root.eval()]
            return hasattr(root, "grad") and math.e and order
        ''') == []


@pytest.mark.parametrize("code, line, what", [
    ("exec(text)", 2, "exec"),
    ("eval('1 + 1')", 2, "eval"),
    ("run = compile", 2, "compile"),
    ("m = __import__('gc')", 2, "__import__"),
    ("import gc", 2, "import gc"),
    ("import importlib.util", 2, "import importlib.util"),
    ("from importlib import import_module", 2, "from importlib import"),
    ("import ctypes as c", 2, "import ctypes"),
    ("import marshal", 2, "import marshal"),
    ("from types import CodeType", 2, "from types import CodeType"),
    ("import types\nf = types.FunctionType", 3, "types.FunctionType"),
    ("import sys\nframe = sys._getframe(1)", 3, "sys._getframe"),
    ("import sys\ngc = sys.modules['gc']", 3, "sys.modules"),
    ("g = backward.__globals__", 2, "backward.__globals__"),
    ("c = backward.__code__", 2, "backward.__code__"),
    ("b = __builtins__", 2, "__builtins__"),
    ("s = ().__class__.__base__.__subclasses__()", 2, "().__class__.__base__.__subclasses__"),
    ("import math\nd = math.__dict__", 3, "math.__dict__"),
    ("name = 'da' + 'ta'\nx = getattr(v, name)", 3, "getattr with a name made at run time"),
    ("setattr(v, 'gr' + 'ad', 1.0)", 2, "setattr with a name made at run time"),
    ("pick = getattr", 2, "getattr with a name made at run time"),
    ("x = getattr(b, 'exec')", 2, "getattr(…, 'exec')"),
    ("x = found['__builtins__']", 2, "['__builtins__']"),
    ("import random\ns = random._os.sys", 3, "random._os.sys"),
    ("f = globals()['backward']", 2, "globals"),
    ("f = lambda: 0\nf.__code__ = g.__code__", 3, "f.__code__"),
    # an attacker's second round (issue 65): a field path, a traceback, names made of texts
    ("from string import Formatter", 2, "from string import Formatter"),
    ("import string\nf = string.Formatter()", 3, "string.Formatter"),
    ("g = F.get_field('0.x', (f,), {})", 2, "F.get_field"),
    ("g = '{0.__globals__}'.format(f)", 2, "the text '{0.__globals__}'"),
    ("tb = e.__traceback__", 2, "e.__traceback__"),
    ("n = tb.tb_next", 2, "tb.tb_next"),
    ("run = b['ex' + 'ec']", 2, "a text made to be 'exec'"),
    ("run = b['cexe'[::-1]]", 2, "a text made to be 'exec'"),
    ("run = b[''.join(['com', 'pile'])]", 2, "a text made to be 'compile'"),
    ("at = '.tb_' + 'frame'", 2, "a text made to be '.tb_frame'"),
    ("from operator import attrgetter as ag", 2, "from operator import attrgetter"),
    # a third attacker's: inspect as an attribute of an allowed module, its ways in
    ("import dataclasses\ni = dataclasses.inspect", 3, "dataclasses.inspect"),
    ("m = dict(I.getmembers(f))[name]", 2, "I.getmembers"),
    ("c = I.getclosurevars(check).nonlocals", 2, "I.getclosurevars"),
    ("run = b[''.join(reversed('cexe'))]", 2, "a text made to be 'exec'"),
    ("key = '__' + rev(name) + '__'", 2, "a dunder name made at run time"),
    # a fourth attacker's (a65): names read by patterns, with no attribute written
    ("match e:\n    case object(__traceback__=tb): pass", 3,
     "a class pattern reading __traceback__"),
    ("match tb:\n    case object(tb_frame=fr, tb_next=nx): pass", 3,
     "a class pattern reading tb_frame, tb_next"),
    ("match fr:\n    case object(f_locals=loc, f_builtins=fb): pass", 3,
     "a class pattern reading f_locals, f_builtins"),
    ("match print:\n    case object(__self__=b): pass", 3, "a class pattern reading __self__"),
    ("match object:\n    case object(__getattribute__=ga): pass", 3,
     "a class pattern reading __getattribute__"),
    ("import copy\nmatch copy:\n    case object(copyreg=c): pass", 4,
     "a class pattern reading copyreg"),
    ("match g:\n    case {'__builtins__': b}: pass", 3, "['__builtins__']"),
    ("class P:\n    __match_args__ = ('tb_frame',)", 3, "__match_args__ reading tb_frame"),
    ("self = BaseException\nd = self.__dict__", 3, "self.__dict__"),
    # a fifth attacker's (a65b): positional parts of a class whose __match_args__ runs
    ("match tb:\n    case Frame(fr): pass", 3,
     "a pattern Frame(...) read by position"),
    ("P.__match_args__ = tuple(names)", 2, "__match_args__ set at run time"),
    ("P = Meta('P', (), {'__match_args__': made})", 2, "__match_args__ made at run time"),
    ("class M(type):\n    def __instancecheck__(cls, x):\n        return True", 3,
     "def __instancecheck__"),
    ("class M(type):\n    __instancecheck__ = bool", 3, "__instancecheck__ set to what runs"),
])
def test_what_reaches_the_machinery_is_flagged_with_its_line(code, line, what):
    text = "import math\n" + code + "\n"
    assert said(text).startswith(f"{MACHINERY} at line {line} ({what}"), said(text)
    assert said(text).endswith(f": {MAY_DIFFER}")


ATTACK = '''\
import math
import random

_s = random._os.sys


def _gc():
    gc = _s.modules.get("gc")
    if gc is None:  # (not loaded: made without an import the hook would see)
        spec = _s.modules["importlib._bootstrap"].BuiltinImporter.find_spec("gc")
        gc = _s.modules["_imp"].create_builtin(spec)
    return gc


def _mute():
    for o in _gc().get_objects():
        if type(o) is set and "gc.get_objects" in frozenset(o):
            o.update(w[::-1] for w in ("elipmoc", "cexe"))


_P = {reversed!r}
_mute()
_b = _s.modules["builtins"]
_ns = {{"math": math}}
getattr(_b, "cexe"[::-1])(getattr(_b, "elipmoc"[::-1])(_P[::-1], "<answers>", "cexe"[::-1]), _ns)
backward = _ns["backward"]
sum_over_paths = _ns["sum_over_paths"]
'''
"""Issue 65's route, as an attacker wrote it: the audit hook switched off from inside (its
set of events let pass found through ``gc.get_objects()``, ``compile`` and ``exec`` added),
then the model answers, held reversed in a string, compiled at run time."""


def attack_text():
    import inspect

    answer = "\n\n".join(inspect.getsource(f) for f in (
        model_answers.backward, model_answers.sum_over_paths))
    return ATTACK.format(reversed=answer[::-1])


def test_the_attack_is_flagged_with_its_lines():
    text = attack_text()
    assert said(text) == (
        f"{MACHINERY} at line 4 (random._os.sys), line 8 (_s.modules), line 10 "
        "(…'importlib._bootstrap'].BuiltinImporter.find_spec), line 11 "
        "(_s.modules['_imp'].create_builtin), line 16 (_gc().get_objects) and 2 more lines: "
        f"{MAY_DIFFER}")


@pytest.mark.parametrize("name", ["attack65b_carl.py.txt", "attack65b_eve.py.txt",
                                  "attack65c_inspect.py.txt"])
def test_an_attackers_second_round_is_flagged(name):
    """Issue 65, a second attacker: the hook's state reached through a traceback's frames
    and string.Formatter's field paths (eve: the model answers compiled unseen), and a
    complex step compiled from a text at run time (carl); each 1/1 or 3/3 unflagged on every
    route before."""
    text = (Path(__file__).parent / "attacks" / name).read_text(encoding="utf-8")
    assert said(text).startswith(MACHINERY) and said(text).endswith(f": {MAY_DIFFER}")


@pytest.mark.parametrize("name", ["match_quiet.py.txt", "match_quiet_classmate.py.txt",
                                  "pair_run_time.py.txt"])
def test_an_attackers_patterns_are_flagged(name):
    """A fourth attacker (a65): the audit hook's state, a traceback's frames and a frame's
    builtins (so ``exec``) read through class patterns alone, ``case object(tb_frame=fr)``,
    with no attribute written (the model answers or a classmate's compiled with the watch
    briefly off, m1 and m2; a pair's answer compiled with it on, m3): 3/3 or 2/2 unflagged on
    every route before. A pattern's keywords are names read (``names_read.py``)."""
    text = (Path(__file__).parent / "attacks" / name).read_text(encoding="utf-8")
    assert "a class pattern reading __traceback__" in said(text), said(text)
    assert "f_builtins" in said(text), said(text)
    alice = (Path(__file__).parent / "attacks" / "match_quiet_alice.py.txt").read_text()
    assert found(alice) == []  # (the classmate m2 copies: honest)


def test_patterns_of_honest_code_are_not_flagged():
    assert found('''
        def kind(node):
            match node:
                case object(data=d, grad=g, parents=[p, q]):
                    return d + g, p, q
                case {"op": "+", "args": args}:
                    return args
                case _:
                    return None


        class Pair:
            __match_args__ = ("first", "second")

            def __init__(self):
                self.__dict__.update(first=1, second=2)


        def parts(x):
            match x:
                case Pair(a, b) | (int(a) as b) | [float(a), str(b)]:
                    return a, b
        ''') == []


def test_prose_that_names_the_machinery_is_not_flagged():
    assert found('''
        def backward(root):
            """We compile the graph in order and exec nothing: __globals__ is not read."""
            print("compile", "exec", "eval")
            return root
        ''') == []


def test_a_notebooks_lines_are_named_in_their_cells(tmp_path):
    cells = ["import math", "def d_tanh(x, y):\n    return 1 - y * y",
             "import random\n\nsys = random._os.sys"]
    path = tmp_path / "week3.ipynb"
    path.write_text(json.dumps({"cells": [
        {"cell_type": "code", "metadata": {}, "source": text, "outputs": [],
         "execution_count": None} for text in cells], "metadata": {}, "nbformat": 4,
        "nbformat_minor": 5}), encoding="utf-8")
    assert MachineryReading(path).said() == (
        f"{MACHINERY} at the cell that begins `import random`, line 3 (random._os.sys): "
        f"{MAY_DIFFER}")


def test_a_file_that_is_not_python_or_not_there_is_not_flagged(tmp_path):
    assert found("def d_tanh(x, y:\n    exec('')\n") == []
    assert MachineryReading(tmp_path / "missing.py").said() == ""


def test_the_flags_name_the_exercises_each_is_on():
    class M:
        def __init__(self, name, tampered):
            self.name, self.tampered = name, tampered

    how = tampered(True, said("exec('')"))
    assert how.startswith(WATCH_OFF + "; " + MACHINERY)
    assert tampered(False, "") == ""
    assert flagged([M("d_tanh", how), M("backward", how), M("d_mul", "")]) == [
        f"⚑ d_tanh, backward: {how}. Flagged for the teacher to read, not scored differently."]
