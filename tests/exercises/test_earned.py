"""A grade is earned: every way to full marks without the work, tried as a student would, scores
0 or is reported, never scored; right answers still earn full marks.

Each route is a learner's file, graded apart (``apart.grade_apart``, what every route
grades with: ``exercises check``, ``report``, Gradescope's autograder, nbgrader's graded
cell). ``CLOSED`` routes find nothing: the learner's process has no reference and no engine
that does the exercise (they fail, with an error the student can read); ``REPORTED`` routes
reach outside the process, and the audit hook reports them. The three tools are tried in
``test_nbgrader.py``, ``test_gradescope.py``, ``test_github_classroom.py`` and at the end
of this file.
"""

import textwrap

import pytest

from tests.exercises.class_work import IMPORTS, answer
from tinygrad_edu.exercises import EXERCISES
from tinygrad_edu.exercises.apart import grade_apart
from tinygrad_edu.exercises.remote import LearnerProcess


def graded(tmp_path, source, names):
    path = tmp_path / "solutions.py"
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return grade_apart(path, [EXERCISES[n] for n in names])


CLOSED = {
    "the grader's answers, through the package": ("d_mul", """
        import tinygrad_edu
        def d_mul(a, b, y):
            return tinygrad_edu.exercises.answers.d_mul(a, b, y)
        """),
    "the engine's own table of rules": ("d_mul", """
        import tinygrad_edu
        def d_mul(a, b, y):
            rules = tinygrad_edu.ops.OPS["*"].rules
            return rules[0](a, b, y), rules[1](a, b, y)
        """),
    "the engine's Value and its local derivative": ("d_tanh", """
        from tinygrad_edu import Value
        def d_tanh(x, y):
            return Value(x).tanh().local_grads[0]
        """),
    "the engine's Value and backward()": ("d_tanh", """
        from tinygrad_edu import Value
        def d_tanh(x, y):
            v = Value(x)
            v.tanh().backward()
            return v.grad
        """),
    "the engine's module, imported by name": ("d_tanh", """
        from tinygrad_edu.engine import Value
        def d_tanh(x, y):
            v = Value(x)
            v.tanh().backward()
            return v.grad
        """),
    "switching the profiler off through a module's sys": ("d_mul", """
        import tinygrad_edu
        def d_mul(a, b, y):
            tinygrad_edu.row.sys.setprofile(None)
            return 0.0, 0.0
        """),
    "backward() for backward": ("backward", """
        def backward(root):
            root.backward()
        """),
    "backpropagate for backward": ("backward", """
        from tinygrad_edu import backpropagate
        def backward(root):
            backpropagate(root, 1.0)
        """),
    "the engine's walk and steps, by the graph module": ("backward", """
        from tinygrad_edu import graph
        def backward(root):
            root.grad = 1.0
            for node in reversed(graph.walk(root)):
                node._backward()
        """),
    "_backward() for backward_step": ("backward_step", """
        def backward_step(node):
            node._backward()
        """),
    "walk for topological_sort": ("topological_sort", """
        import tinygrad_edu
        def topological_sort(root):
            return tinygrad_edu.walk(root)
        """),
    "the graph module's walk, or the sort it calls, for topological_sort": (
        "topological_sort", """
        from tinygrad_edu import graph
        from tinygrad_edu.graph import walk
        def topological_sort(root):
            for sort in (lambda: walk(root), lambda: graph.walked_on_a_stack((root,)),
                         lambda: graph.seeded_order(root, 1.0),
                         lambda: graph.zero_grad.__globals__["walked_on_a_stack"]((root,))):
                try:
                    return list(sort())
                except Exception:
                    pass
        """),
    "paths for sum_over_paths": ("sum_over_paths", """
        import tinygrad_edu
        def sum_over_paths(f, x):
            found = tinygrad_edu.paths(f, x)
            return found.count, found.total
        """),
    "backward() and a count for sum_over_paths": ("sum_over_paths", """
        def sum_over_paths(f, x):
            f.backward()
            return 1, x.grad
        """),
    "the engine's grad for backward": ("backward", """
        from tinygrad_edu.autograd import grad
        def backward(root):
            root.grad = 1.0
        """),
    "the engine's Value for your own Value": ("Value", """
        from tinygrad_edu import Value as Engine
        class Value(Engine):
            pass
        """),
    "the slope kept beside the function handed to the finite difference": ("d_tanh", """
        def _n(codes):
            return ''.join(chr(c - 3) for c in codes)

        def _find():
            try:
                raise ZeroDivisionError
            except ZeroDivisionError as error:
                frame = getattr(error.__traceback__, _n([119, 101, 98, 105, 117, 100, 112, 104]))
            seen, todo = set(), []
            while frame is not None:
                todo.append(getattr(frame, _n([105, 98, 106, 111, 114, 101, 100, 111, 118])))
                frame = getattr(frame, _n([105, 98, 101, 100, 102, 110]))
            while todo:
                space = todo.pop()
                if id(space) in seen:
                    continue
                seen.add(id(space))
                found = space.get("FUNCTIONS")
                if found is not None:
                    for f in (found.values() if hasattr(found, "values") else found):
                        if getattr(f, "name", "") == "tanh":
                            return f
                for value in list(space.values()):
                    if type(value).__name__ == "module":
                        todo.append(getattr(value, _n([98, 98, 103, 108, 102, 119, 98, 98])))

        _FOUND = []

        def d_tanh(x, y):
            if not _FOUND:  # (walked once: the walk costs 20 ms at every call)
                _FOUND.append(_find())
            return _FOUND[0].slope(x)
        """),  # (a file that walked its traceback's frames' globals, every
               # module they name, to learner/number_cases.FUNCTIONS; names spelt from codes so
               # that the reading does not fold them. 1/1 on every route before:
               # test_no_reference_held.py)
    "the tensor engine for a matrix rule": ("dense_backward", """
        import tinygrad_edu.tensor as T
        def dense_backward(X, W, b, dZ):
            return T.Tensor(X)
        """),
}


@pytest.mark.parametrize("route", sorted(CLOSED))
def test_a_route_to_the_answer_finds_nothing_and_scores_0(tmp_path, route):
    name, source = CLOSED[route]
    result = graded(tmp_path, source, [name])
    assert not result.reported, result.reported
    verdict = result.verdicts.get(name)
    assert verdict is None or not verdict.passed, verdict  # (None: not graded, or not theirs)
    if verdict is None:
        assert result.problem is not None or name in result.absent, result


REPORTED = {
    "opening the answers' file": ("d_mul", "opened", """
        def d_mul(a, b, y):
            wrap = [c for c in ().__class__.__base__.__subclasses__()
                    if c.__name__ == "_wrap_close"][0]
            modules = wrap.__init__.__globals__["sys"].modules
            here = modules["tinygrad_edu.exercises.learner.inputs"].__file__
            text = open(here.rsplit("/", 2)[0] + "/answers.py").read()
            return b, a
        """),
    "reading the engine's source to run it again": ("backward", "opened", """
        def backward(root):
            wrap = [c for c in ().__class__.__base__.__subclasses__()
                    if c.__name__ == "_wrap_close"][0]
            modules = wrap.__init__.__globals__["sys"].modules
            graph = modules["tinygrad_edu.graph"].__file__
            exec(open(graph).read(), {})
        """),
    "importing the answers with Python's own __import__": (
        "d_mul", "imported tinygrad_edu.exercises", """
        def d_mul(a, b, y):
            wrap = [c for c in ().__class__.__base__.__subclasses__()
                    if c.__name__ == "_wrap_close"][0]
            real = wrap.__init__.__globals__["__builtins__"]["__import__"]
            answers = real("tinygrad_edu.exercises.answers", fromlist=["d_mul"])
            return answers.d_mul(a, b, y)
        """),
    "running the grader as a program": ("d_mul", "ran a program", """
        def d_mul(a, b, y):
            wrap = [c for c in ().__class__.__base__.__subclasses__()
                    if c.__name__ == "_wrap_close"][0]
            wrap.__init__.__globals__["system"]("python -m tinygrad_edu exercises show 1")
            return b, a
        """),
    "native code through NumPy": ("d_mul", "loaded native code", """
        import numpy
        def d_mul(a, b, y):
            numpy.ctypeslib.ctypes.string_at(0)
            return b, a
        """),
    "a tracer, set through the engine": ("backward", "sys.settrace", """
        import tinygrad_edu
        def backward(root):
            tinygrad_edu.row.sys.settrace(lambda *args: None)
        """),
    "writing a file (results.json, say)": ("d_mul", "wrote to", """
        def d_mul(a, b, y):
            wrap = [c for c in ().__class__.__base__.__subclasses__()
                    if c.__name__ == "_wrap_close"][0]
            opener = wrap.__init__.__globals__["open"]
            fd = opener("results.json", 0o1101)
            return b, a
        """),
    "signalling the grader": ("d_mul", "signalled another process", """
        def d_mul(a, b, y):
            wrap = [c for c in ().__class__.__base__.__subclasses__()
                    if c.__name__ == "_wrap_close"][0]
            g = wrap.__init__.__globals__
            g["kill"](g["getppid"](), 0)
            return b, a
        """),
    "signalling itself (said so, not 'another process')": ("d_mul", "signalled its own", """
        def d_mul(a, b, y):
            wrap = [c for c in ().__class__.__base__.__subclasses__()
                    if c.__name__ == "_wrap_close"][0]
            g = wrap.__init__.__globals__
            g["kill"](g["getpid"](), 0)
            return b, a
        """),
    "reading the grader's memory (process_vm_readv)": ("d_mul", "loaded native code", """
        def d_mul(a, b, y):
            wrap = [c for c in ().__class__.__base__.__subclasses__()
                    if c.__name__ == "_wrap_close"][0]
            g = wrap.__init__.__globals__
            ctypes = g["sys"].modules["ctypes"]
            libc = ctypes.CDLL(None)
            buffer = ctypes.create_string_buffer(64)
            here = (ctypes.c_void_p * 2)(ctypes.addressof(buffer), 64)
            there = (ctypes.c_void_p * 2)(0x400000, 64)
            libc.process_vm_readv(g["getppid"](), here, 1, there, 1, 0)
            return b, a
        """),
}

FINALIZED_AT_EXIT = """
    class Later:
        def __del__(self):
            open("results.json", "w").write('{"score": 100}')
    keep = Later()
    def d_mul(a, b, y):
        global keep
        keep = None
        return b, a
    """


@pytest.mark.parametrize("route", sorted(REPORTED))
def test_a_route_outside_the_process_is_reported_and_never_scored(tmp_path, route):
    name, words, source = REPORTED[route]
    result = graded(tmp_path, source, [name])
    assert result.reported and words in result.reported, result
    assert not any(v.passed for v in result.verdicts.values())


def test_a_finalizer_left_for_the_end_of_the_process_never_runs(tmp_path):
    """Once graded, the learner's process is killed, not asked to end: a finalizer that
    would run only as Python ends never runs, so the file writes nothing and its right
    d_mul is scored. Before, it ran as the process ended, was reported, and the file
    scored nothing."""
    result = graded(tmp_path, FINALIZED_AT_EXIT, ["d_mul"])
    assert not result.reported, result.reported
    assert result.verdicts["d_mul"].passed, result.verdicts


def test_a_check_switched_off_is_a_check_that_ends_the_process(tmp_path):
    """Closing, or replacing, the audit's channel (the last file descriptor the process was
    given) and then opening a file: the process ends at once, and that is reported."""
    result = graded(tmp_path, """
        def d_mul(a, b, y):
            wrap = [c for c in ().__class__.__base__.__subclasses__()
                    if c.__name__ == "_wrap_close"][0]
            g = wrap.__init__.__globals__
            r, w = g["pipe"]()
            for fd in range(3, 40):
                if fd not in (r, w):
                    try:
                        g["dup2"](w, fd)
                    except OSError:
                        pass
            open("/etc/hostname").read()
            return b, a
        """, ["d_mul"])
    assert result.reported, result
    assert not any(v.passed for v in result.verdicts.values())


def test_right_answers_earn_full_marks_and_every_process_has_ended(tmp_path, monkeypatch):
    started = []
    original = LearnerProcess.__init__

    def recording(self, *args, **kwargs):
        original(self, *args, **kwargs)
        started.append(self)

    monkeypatch.setattr(LearnerProcess, "__init__", recording)
    names = ["d_mul", "d_tanh", "backward", "backward_step", "topological_sort",
             "sum_over_paths", "sgd_step"]
    result = graded(tmp_path, IMPORTS + "\n\n".join(answer(n) for n in names), names)
    assert not result.reported and result.problem is None, result
    assert all(result.verdicts[n].passed for n in names), result.verdicts
    assert {p.group for p in started} == {"numbers", "no chain rule", "no walk", "engine"}
    assert all(p.process.poll() is not None for p in started)  # none left running


def test_numpy_is_there_for_a_file_that_names_it_and_for_arrays(tmp_path):
    """A learner's process imports NumPy before the file runs only where the file names it
    (an import at its top or inside a function) or an exercise of its group is on arrays
    (``remote.needs_numpy``): both are graded as before. A file that never names it has
    none to reach: one that spells the name in pieces to import it is reported at that
    import, by the module's name, whether or not Python could still find NumPy's files
    (``serve._numpy_by_name``: a file that first empties Python's cached listings of the
    folders, as a clone in a folder only root opens has them, went unreported)."""
    from tinygrad_edu.exercises.remote import needs_numpy

    rule = "def d_tanh(x, y):\n    {}\n    return 1 - np.float64(y) ** 2\n"
    for source in ("import numpy as np\n\n\n" + rule.format("pass"),
                   rule.format("import numpy as np")):
        result = graded(tmp_path, source, ["d_tanh"])
        assert not result.reported and result.verdicts["d_tanh"].passed, result
    arrays = answer("dense_backward")  # (arrays' own methods: NumPy is never named)
    assert "numpy" not in arrays and "np." not in arrays
    dense = graded(tmp_path, arrays, ["dense_backward"])
    assert not dense.reported and dense.verdicts["dense_backward"].passed, dense
    assert needs_numpy("", [EXERCISES["dense_backward"]])
    assert not needs_numpy(IMPORTS + answer("d_tanh"), [EXERCISES["d_tanh"]])
    emptied = ("import typing\n\nfor _finder in typing.sys.path_importer_cache.values():\n"
               "    if type(_finder).__name__ == 'FileFinder':\n"
               "        _finder.invalidate_caches()\n\n\n")  # (not importlib's: 3.13's loads more)
    for before in ("", emptied):
        hidden = graded(tmp_path, before + rule.format("np = __import__('nu' + 'mpy')"),
                        ["d_tanh"])
        assert "imported numpy, which this process does not have" in hidden.reported, (
            before, hidden.reported, hidden.problem, {k: str(v) for k, v in
                                                      hidden.verdicts.items()})
        assert not any(v.passed for v in hidden.verdicts.values())


def test_the_learners_process_runs_as_another_user_when_the_grader_is_root(tmp_path):
    """As nobody, with the NumPy submodules that load on first use (numpy.random...) that
    the file names loaded before: nobody may not reach NumPy's folder (a clone in a folder
    only root opens); and only those (numpy.testing alone takes 60 ms of a process)."""
    import os

    from tinygrad_edu.exercises.learner.imports import NUMPY_ON_FIRST_USE

    if os.geteuid() != 0:
        pytest.skip("the grader drops to another user only when it runs as root")
    result = graded(tmp_path, f"""
        import numpy
        from numpy import fft
        def d_mul(a, b, y):
            wrap = [c for c in ().__class__.__base__.__subclasses__()
                    if c.__name__ == "_wrap_close"][0]
            found = wrap.__init__.__globals__
            parts = {[m[::-1] for m in NUMPY_ON_FIRST_USE]!r}  # (reversed: not named)
            loaded = [m[::-1] for m in parts if m[::-1] in found["sys"].modules]
            drawn = numpy.random.default_rng(0).random() + fft.fftfreq(4)[1]  # (real)
            raise RuntimeError(f"uid {{found['getuid']()}}, loaded: {{loaded}}, {{drawn:.3f}}")
        """, ["d_mul"])
    verdict = str(result.verdicts["d_mul"])
    assert "uid 65534," in verdict, verdict  # nobody
    assert "loaded: ['numpy.fft', 'numpy.random'], 0.887" in verdict, verdict


def test_numpy_testing_imported_as_the_graders_own_user_is_no_reach_outside(tmp_path):
    """A process that stays the grader's user (a teacher who is not root) imports
    numpy.testing only when the file does, under the audit hook and Landlock; as it is
    imported, importlib.metadata opens each entry of sys.path it cannot list as a zip (the
    standard library's zip, /usr/lib/python311.zip on Debian's Python; its folder,
    site-packages). Before, an honest file that did only `import numpy.testing` was
    "reported, not scored: its code opened /usr/lib/python311.zip", 0."""
    path = tmp_path / "solutions.py"
    path.write_text("import numpy.testing\n\n\ndef d_tanh(x, y):\n    return 1 - y * y\n",
                    encoding="utf-8")
    result = grade_apart(path, [EXERCISES["d_tanh"]], user=None)
    assert not result.reported and result.problem is None, result.reported
    assert result.verdicts["d_tanh"].passed, result.verdicts


@pytest.mark.parametrize("name", ["d_mul", "backward", "topological_sort", "sgd_step"])
def test_the_learners_process_holds_no_reference_no_grader_and_no_tool(tmp_path, name):
    """What is loaded in the process a solution runs in, as the solution itself sees it."""
    params = EXERCISES[name].params
    result = graded(tmp_path, f"""
        def {name}({params}):
            wrap = [c for c in ().__class__.__base__.__subclasses__()
                    if c.__name__ == "_wrap_close"][0]
            modules = wrap.__init__.__globals__["sys"].modules
            found = sorted(m for m in modules if m.startswith((
                "hypothesis", "tinygrad_edu.exercises.answers", "tinygrad_edu.exercises.catalog",
                "tinygrad_edu.exercises.model_answers", "tinygrad_edu.exercises.lecture",
                "tinygrad_edu.exercises.grading", "tinygrad_edu.autograd", "tinygrad_edu.viz",
                "tinygrad_edu.tensor", "tinygrad_edu.testing"))
                and getattr(modules[m], "__file__", None))
            raise RuntimeError("loaded: " + ", ".join(found) + ".")
        """, [name])
    assert "RuntimeError: loaded: ." in str(result.verdicts[name]), result.verdicts[name]


def test_a_later_stage_graded_alone_is_given_no_reference(tmp_path):
    """A file of the track's attention alone (no Value, no softmax): the stage passes, the
    grader answering for the node and softmax where the learner's attention uses them, and
    nothing in the learner's process is a reference's code: every function and class its
    module can reach comes from the learner's file or from the learner's side of the
    answers (``learner/answered.py``), which holds no local derivative and no stage."""
    from tinygrad_edu.exercises import TRACK

    path = tmp_path / "attention.py"
    path.write_text(textwrap.dedent('''
        import math

        def attention(q, k, v):
            out = []
            for t in range(len(q)):
                scores = [sum(a * b for a, b in zip(q[t], k[s])) / math.sqrt(len(q[0]))
                          for s in range(t + 1)]
                w = softmax(scores)
                out.append([sum(w[s] * v[s][j] for s in range(t + 1))
                            for j in range(len(v[0]))])
            return out

        def where(thing):
            code = getattr(thing, "__code__", None) or getattr(
                getattr(thing, "backward", None), "__code__", None)
            return code.co_filename if code is not None else "-"

        def rmsnorm(x):
            found = sorted(f"{name}:{where(thing)}" for name, thing in globals().items()
                           if callable(thing) and not name.startswith("__"))
            raise RuntimeError("found " + " ".join(found))
        '''), encoding="utf-8")
    result = grade_apart(path, [TRACK["attention"], TRACK["rmsnorm"]])
    attention = result.verdicts["attention"]
    assert attention.passed, attention
    assert "Where it used Value (stage 1) and softmax (stage 3), the grader's own" in str(
        attention)
    found = str(result.verdicts["rmsnorm"]).split("found ")[1].split("\n")[0].split()
    places = {entry.split(":", 1)[1] for entry in found}
    assert places <= {str(path), "-"} | {p for p in places if p.endswith(
        "exercises/learner/answered.py")}, found
    assert any(p.endswith("answered.py") for p in places), found
