"""Light rewrites undone when code is read for copies (``copy_tokens.py``): each pair of forms
below reads as the same tokens, so a copy of a model answer rewritten so is the same copy
(issue 65: every ``.get(k, 0)`` of sum_over_paths written ``(d[k] if
k in d else 0)`` kept 44% of its fingerprints, 1/1 unflagged); forms that differ in what they
do stay apart, and honest work rewritten so is not flagged."""

import ast
import inspect
import re
import textwrap

import pytest

from tests.exercises.test_copies import ATTACKS, flagged_in, honest_files, write
from tinygrad_edu.exercises import EXERCISES
from tinygrad_edu.exercises import model_answers as M
from tinygrad_edu.exercises.copies import CopyReading
from tinygrad_edu.exercises.copy_tokens import tokens


def read(body: str, named: bool = False) -> list[str]:
    """The tokens of a function whose body is ``body``, then returns what it sets (so that
    none of it is dead code)."""
    read = "" if "return" in body else "\nreturn v, w, e, d, xs, flag"
    node = ast.parse("def f(d, k, e, xs, flag):\n" + textwrap.indent(textwrap.dedent(
        body) + read, "    ")).body[0]
    assert isinstance(node, ast.FunctionDef)
    return tokens(node, {}, named)


SAME = [
    ("v = d.get(k, 0)", "v = d[k] if k in d else 0"),
    ("v = d.get(k, 0)", "v = 0 if k not in d else d[k]"),
    ("v = d.get(k, 0)", "v = (d[k] if k in d.keys() else 0)"),
    ("v = d.get(k)", "v = d[k] if k in d else None"),
    ("v = d.get(k)", "v = d.get(k, None)"),
    ("v = d.get(k, e)", "if k in d:\n    v = d[k]\nelse:\n    v = e"),
    ("v = d.get(k, e)", "if k not in d:\n    v = e\nelse:\n    v = d[k]"),
    ("return d.get(k, 0)", "if k in d:\n    return d[k]\nelse:\n    return 0"),
    ("d[k] = d.get(k, 0) + e", "d[k] = (d[k] if k in d else 0) + e"),
    ("if k in d:\n    e = 1", "if k in d.keys():\n    e = 1"),
    ("while xs:\n    xs.pop()", "while len(xs):\n    xs.pop()"),
    ("while xs and flag:\n    xs.pop()", "while len(xs) and bool(flag):\n    xs.pop()"),
    ("if flag:\n    e = 1", "if flag == True:\n    e = 1"),
    ("if flag:\n    e = 1", "if flag is True:\n    e = 1"),
    ("v = e if xs else 0", "v = e if len(xs) else 0"),
    ("e += 1", "e = e + 1"),
    ("xs.append(e)", "list.append(xs, e)"),  # (methods called unbound)
    ("v = xs.pop()", "v = list.pop(xs)"),
    ("xs.extend(e)", "type(xs).extend(xs, e)"),
    ("v = d.get(k, 0)", "v = dict.get(d, k, 0)"),
    ("v = d.get(k, 0)", "v = d.__class__.get(d, k, 0)"),
    ("v = e.grad", "v = getattr(e, 'grad')"),
    ("e.grad = v", "setattr(e, 'grad', v)"),
    # edits by rote, read as the code they copy (copy_forms.py)
    ("xs.append((e, True))", "xs.append([e, 1])"),
    ("v = (e, k)", "v = {e, k}"),
    ("v = d.get(k, 0) + e", "v = (d.get(k) or 0) + e"),
    ("v = d.get(k, e or 0)", "v = d.get(k) or e or 0"),
    ("if flag:\n    v = e\nelse:\n    v = d.get(k)",
     "if not flag:\n    v = d.get(k)\nelse:\n    v = e"),
    ("v = e if flag else d.get(k)", "v = d.get(k) if not flag else e"),
    ("for e in xs:\n    if flag:\n        v = e\n    elif e in d:\n        w = e",
     "for e in xs:\n    if not flag:\n        if e not in d:\n            continue\n"
     "        w = e\n    else:\n        v = e"),
    ("for e in xs:\n    if flag:\n        v = e\n    else:\n        w = e",
     "for e in xs:\n    if flag:\n        v = e\n        continue\n    w = e"),
    ("for e in xs:\n    v = e", "for e in xs:\n    v = e\n    continue"),
    ("while xs:\n    v = xs.pop()", "while True:\n    if not xs:\n        break\n"
     "    v = xs.pop()"),
    ("for e in xs[::-1]:\n    v = e", "xs.reverse()\nfor e in xs:\n    v = e"),
    ("for e in xs:\n    v = e", "for i in range(len(xs)):\n    e = xs[i]\n    v = e"),
    ("for e in xs:\n    v = e", "for i in range(0, len(xs)):\n    e = xs[i]\n    v = e"),
    ("for e, w in zip(xs, d):\n    v = e * w",
     "for i in range(len(xs)):\n    e, w = xs[i], d[i]\n    v = e * w"),
    ("for e in xs[::-1]:\n    v = e",
     "for i in range(len(xs) - 1, -1, -1):\n    e = xs[i]\n    v = e"),
    ("for e in reversed(xs):\n    v = e",
     "for i in reversed(range(len(xs))):\n    e = xs[i]\n    v = e"),
    ("e, w = xs.pop()", "t = xs.pop()\ne, w = t[0], t[1]"),
    ("e, w = xs.pop()", "t = xs.pop()\ne = t[0]\nw = t[1]"),
    ("v = d.get(k, 0) + e", "v = d[k] + e"),
    ("v = d.get(k, 0.0) * e", "v = d[k] * e"),
]
"""Pairs of forms that do the same (for a dict ``d``, a list ``xs``, a bool ``flag``)."""

APART = [
    ("v = d.get(k, 0)", "v = d[k] if k in xs else 0"),  # (another container tested)
    ("v = d.get(k, 0)", "v = d[e] if k in d else 0"),  # (another key read)
    ("v = d.get(k, 0)", "v = 0 if k in d else d[k]"),  # (the branches the other way)
    ("v = d.get(k, e)", "if k in d:\n    v = d[k]\nelse:\n    w = e"),  # (another name set)
    ("v = d.get(k, e)", "if k in d:\n    v = d[k]\n    e = 1\nelse:\n    v = e"),
    ("while xs:\n    xs.pop()", "while len(xs) > 1:\n    xs.pop()"),
    ("if flag:\n    e = 1", "if flag == 1.5:\n    e = 1"),
    ("xs.append(e)", "list.append(xs.copy(), e)"),  # (another list)
    ("v = e.grad", "v = getattr(e, 'grad', 0)"),  # (a default)
    ("v = e.grad", "v = getattr(e, k)"),  # (a name given)
    # edits by rote that change what the code does
    ("v = d.get(k, 0) + e", "v = (d.get(k) and 0) + e"),  # (not a default)
    ("for e in xs:\n    if flag:\n        v = e\n    else:\n        w = e",
     "for e in xs:\n    if flag:\n        v = e\n    w = e"),  # (no continue: both run)
    ("for e in xs:\n    if flag:\n        v = e\n        continue\n    w = e\nv = 1",
     "for e in xs:\n    if flag:\n        v = e\n        break\n    w = e\nv = 1"),
    ("while xs:\n    v = xs.pop()", "while True:\n    v = xs.pop()\n    if not xs:\n"
     "        break"),  # (the test after the step)
    ("xs.reverse()\nfor e in d:\n    v = e", "for e in d[::-1]:\n    v = e"),  # (another list)
    ("for e in xs:\n    v = e", "for i in range(len(xs) - 1):\n    e = xs[i]\n    v = e"),
    ("for e in xs:\n    v = e", "for i in range(len(xs)):\n    e = xs[i + 1]\n    v = e"),
    ("for e in xs:\n    v = e", "for i in range(len(xs)):\n    e = xs[i]\n    v = i"),
    ("e, w = xs.pop()", "t = xs.pop()\ne, w = t[0], t[1]\nv = t"),  # (t read after)
    ("e, w = xs.pop()", "t = xs.pop()\ne, w = t[1], t[0]"),  # (the other way round)
    ("v = d.get(k, 0)", "v = d.get(k, e)"),  # (a default of a name's)
]
"""Pairs of forms that differ in what they do: read apart."""


@pytest.mark.parametrize("one, other", SAME)
def test_forms_that_do_the_same_read_the_same(one, other):
    assert read(one) == read(other)
    assert read(one, named=True) == read(other, named=True)


@pytest.mark.parametrize("one, other", APART)
def test_forms_that_differ_read_apart(one, other):
    assert read(one, named=True) != read(other, named=True)


def without_get(source: str) -> str:
    """``source`` with every ``d.get(k, e)`` written ``(d[k] if k in d else e)``."""
    return re.sub(r"(\w+)\.get\((\w+), ([\w.]+)\)", r"(\1[\2] if \2 in \1 else \3)", source)


def test_the_model_answer_without_get_is_the_same_copy(tmp_path):
    """A copy with sum_over_paths's every ``.get`` rewritten, and
    then its tests written longhand too; each is the model answer token for token."""
    answer = inspect.getsource(M.sum_over_paths)
    rewritten = without_get(answer)
    assert ".get(" not in rewritten and sum(isinstance(n, ast.IfExp) for n in ast.walk(
        ast.parse(rewritten))) == 6
    longhand = rewritten.replace("while stack:", "while len(stack):").replace(
        "if listed:", "if listed == True:").replace(" in count else", " in count.keys() else")
    assert longhand.count("len(") == 1 and "== True" in longhand and ".keys()" in longhand
    model = ast.parse(answer).body[0]
    assert isinstance(model, ast.FunctionDef)
    for text in (rewritten, longhand):
        copy = ast.parse(text).body[0]
        assert isinstance(copy, ast.FunctionDef)
        assert tokens(copy, {}) == tokens(model, {})
        assert tokens(copy, {}, True) == tokens(model, {}, True)
        path = write(tmp_path, text.replace("def sum_over_paths", "def _walk")
                     + "\n\nsum_over_paths = _walk\n")
        assert CopyReading(path).same(EXERCISES["sum_over_paths"]) == \
            "model_answers.py's sum_over_paths"


def longhand(source: str) -> str:
    """``source`` with ``.get`` written as above, ``while xs:`` as ``while len(xs):``, ``if
    x:`` as ``if x == True:`` and ``x += e`` as ``x = x + e`` (``-=`` and ``*=`` too)."""
    source = re.sub(r"while (\w+):", r"while len(\1):", without_get(source))
    source = re.sub(r"\b(\w+) ([-+*])= ", r"\1 = \1 \2 ", source)
    return re.sub(r"\bif (\w+):", r"if \1 == True:", source)


def test_no_honest_answer_rewritten_so_is_flagged(tmp_path):
    """The suite's honest answers (``honest_files``), written longhand (``longhand``): none
    is flagged."""
    files = [(what, longhand(source)) for what, source in honest_files()]
    assert len(files) > 160
    assert sum(text != source for (_, text), (_, source) in zip(files, honest_files())) > 60
    flagged = [(what, flagged_in(write(tmp_path, source))) for what, source in files]
    assert [f for f in flagged if f[1]] == []


def test_a_name_read_only_by_its_own_assignments_is_dead_code(tmp_path):
    """``n = n + 1`` after each line of a copy, ``n`` read nowhere else: left out as ``n +=
    1`` and ``x = x`` are (before, the copy kept 69% of the answer's fingerprints: one more
    such line a block and it went unflagged); a counter that is read is kept."""
    lines = inspect.getsource(M.sum_over_paths).split("\n")
    padded = [lines[0], "    n = 0"]
    for line in lines[1:]:
        padded.append(line)
        if line.strip() and not line.rstrip().endswith(":") and not line.lstrip().startswith(
                ("#", "return")):
            padded.append(line[:len(line) - len(line.lstrip())] + "n = n + 1")
    text = "\n".join(padded)
    assert text.count("n = n + 1") == 9
    copy, model = ast.parse(text).body[0], ast.parse(inspect.getsource(M.sum_over_paths)).body[0]
    assert isinstance(copy, ast.FunctionDef) and isinstance(model, ast.FunctionDef)
    assert tokens(copy, {}) == tokens(model, {})
    assert CopyReading(write(tmp_path, text)).same(EXERCISES["sum_over_paths"]) == \
        "model_answers.py's sum_over_paths"
    # read by a test, or returned: kept
    counted = read("i = 0\nwhile i < k:\n    i = i + 1\n    xs.pop()")
    assert counted[:4] == ["_", "=", "0", ";"] and counted.count("+") == 1
    assert read("v = 0\nv = v + e") != read("v = 0")


def test_a_copy_with_its_methods_called_unbound_is_the_same_copy(tmp_path):
    """The model answers' sum_over_paths and backward with every method
    call written unbound (``list.append(order, node)``, ``dict.get(count, p, 0)``; and
    ``stack.__class__.append(stack, ...)``, an alias's: the file parenthesized, as
    Python asks), and with ``getattr``/``setattr`` of constant names, are flagged as
    copies."""
    for name in ("copy_methods_only", "copy_class_methods", "copy_getattr_only"):
        path = tmp_path / f"{name}.py"
        path.write_text((ATTACKS / f"{name}.py.txt").read_text(), encoding="utf-8")
        assert CopyReading(path).same(EXERCISES["sum_over_paths"]) == \
            "model_answers.py's sum_over_paths", name


RESTRUCTURED = """\
def backward(root):
    out, done, todo = [], set(), [(root, 0)]
    while todo:
        item = todo.pop()
        n, finished = item[0], item[1]
        if finished:
            out.append(n)
        elif n not in done:
            done.add(n)
            todo.append((n, 1))
            todo.extend((p, 0) for p in n.parents)
    root.grad = 1.0
    for k in range(len(out) - 1, -1, -1):
        n = out[k]
        for i in range(len(n.parents)):
            n.parents[i].grad += n.grad * n.local_grads[i]


def sum_over_paths(root, x):
    out, done, todo = [], set(), [(root, 0)]
    while todo:
        item = todo.pop()
        n, finished = item[0], item[1]
        if finished:
            out.append(n)
        elif n not in done:
            done.add(n)
            todo.append((n, 1))
            todo.extend((p, 0) for p in n.parents)
    ways, acc = {root: 1}, {root: 1.0}
    for k in range(len(out) - 1, -1, -1):
        n = out[k]
        for i in range(len(n.parents)):
            p, d = n.parents[i], n.local_grads[i]
            acc[p] = d * acc[n] + acc.get(p, 0.0)
            ways[p] = ways[n] + ways.get(p, 0)
    return ways.get(x, 0), acc.get(x, 0.0)
"""
"""The model answers of backward and sum_over_paths restructured by hand (a65c's c5): renamed,
index loops for ``zip`` and ``reversed``, ``item[0], item[1]`` for unpacking, 0/1 for
False/True, ``d[k]`` for ``d.get(k, 0)``, operands swapped. sum_over_paths kept 46% of the
answer's fingerprints, under ``SHARE``: 2/2 unflagged on every route."""


def test_a_copy_restructured_by_hand_is_the_same_copy(tmp_path):
    """With index loops, subscripted unpacking and ``d[k]`` read as what they stand for,
    the restructured sum_over_paths holds 81% of the answer's fingerprints and is flagged;
    its backward, every name renamed, is the note's sort and micrograd's loop, which is
    never flagged on its own (``copies.py``)."""
    reading = CopyReading(write(tmp_path, RESTRUCTURED))
    assert reading.same(EXERCISES["sum_over_paths"]) == "model_answers.py's sum_over_paths"
    assert reading.same(EXERCISES["backward"]) == ""
    copy = ast.parse(RESTRUCTURED).body[0]
    model = ast.parse(inspect.getsource(M.backward)).body[0]
    assert isinstance(copy, ast.FunctionDef) and isinstance(model, ast.FunctionDef)
    assert "range" not in tokens(copy, {}) and "zip" in tokens(copy, {})
    assert tokens(copy, {})[:40] == tokens(model, {})[:40]  # (the sort, token for token)


OPERATOR_CALLS = [
    ("v = d.get(k, 0) + e * w", "v = op.add(d.get(k, 0), op.mul(e, w))"),
    ("v = e - w / k", "v = sub(e, truediv(w, k))"),  # (from operator import sub, truediv)
    ("v = e ** 2 // k % w", "v = op.__mod__(op.floordiv(op.pow(e, 2), k), w)"),
    ("e += w", "e = op.iadd(e, w)"),
    ("if k not in d:\n    v = -e", "if op.not_(op.contains(d, k)):\n    v = op.neg(e)"),
    ("if e < w and e is not k:\n    v = e == w",
     "if op.lt(e, w) and op.is_not(e, k):\n    v = op.eq(e, w)"),
    ("d[k] = e", "op.setitem(d, k, e)"),
    ("v = d[k]", "v = op.getitem(d, k)"),
    ("xs.append((e, True))", "xs.append(tuple([e, True]))"),
    ("v, w = [], (e, k)", "v, w = list(), tuple((e, k))"),
    ("v = {k: 1}", "v = dict([(k, 1)])"),
    ("v = [(e, False)]", "v = list((tuple([e, False]),))"),
    ("xs.append(e)", "xs[len(xs):] = [e]"),  # (edits by rote of another attacker's)
    ("xs.extend(d)", "xs[len(xs):] = d"),
    ("v = d.get(k, 0)", "v = d.setdefault(k, 0)"),
    ("v = zip(xs, d)", "v = map(lambda p, q: (p, q), xs, d)"),
    ("v = xs[::-1]", "v = xs[len(xs) - 1::-1]"),
]
"""A copy's operators and literals written as calls of ``operator``'s functions and of the
containers' constructors, as a script rewrites a whole file in a second (an attacker's:
sum_over_paths and backward copied so took 2/2 on the report, Gradescope's command,
nbgrader and Otter, unflagged); read as what they are."""

OPERATOR_IMPORTS = {"op": "operator", "sub": "operator.sub", "truediv": "operator.truediv"}


@pytest.mark.parametrize("one, other", OPERATOR_CALLS)
def test_operators_and_literals_written_as_calls_read_as_themselves(one, other):
    def read_with(body: str) -> list[str]:
        tail = "" if "return" in body else "\nreturn v, w, e, d, xs, flag"
        node = ast.parse("def f(d, k, e, w, xs, flag):\n" + textwrap.indent(
            body + tail, "    ")).body[0]
        assert isinstance(node, ast.FunctionDef)
        return tokens(node, OPERATOR_IMPORTS)

    assert read_with(one) == read_with(other)


def test_operators_named_so_but_not_operators_functions_read_apart():
    """``add`` and ``list`` of the file's own (a function, a name it binds) are not
    ``operator``'s or the builtins': read as calls."""
    def read_with(body: str, imports: dict[str, str]) -> list[str]:
        node = ast.parse("def f(e, w):\n" + textwrap.indent(body, "    ")).body[0]
        assert isinstance(node, ast.FunctionDef)
        return tokens(node, imports)

    assert read_with("return add(e, w)", {}) != read_with("return e + w", {})
    assert read_with("return op.add(e, w)", {"op": "mymodule"}) != read_with(
        "return e + w", {})
    assert read_with("return list((e, w))", {"list": "mymodule.list"}) != read_with(
        "return [e, w]", {})


AS_CALLS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "truediv"}


class _AsCalls(ast.NodeTransformer):
    """Every operator of arithmetic, comparison and ``not`` an ``operator`` call, every
    literal list, tuple and dict a constructor's call (the rewrite the attacker scripted)."""

    def _call(self, name: str, *args: ast.expr) -> ast.Call:
        return ast.Call(ast.Attribute(ast.Name("op", ast.Load()), name, ast.Load()),
                        list(args), [])

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        return self._call(AS_CALLS[type(node.op)], node.left, node.right)

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.ops[0], ast.NotIn):
            return self._call("not_", self._call("contains", node.comparators[0], node.left))
        return node

    def visit_List(self, node: ast.List) -> ast.AST:
        self.generic_visit(node)
        if not isinstance(node.ctx, ast.Load):
            return node
        return ast.Call(ast.Name("list", ast.Load()), [ast.Tuple(node.elts, ast.Load())]
                        if node.elts else [], [])

    def visit_Dict(self, node: ast.Dict) -> ast.AST:
        self.generic_visit(node)
        pairs = [ast.Tuple([k, v], ast.Load()) for k, v in zip(node.keys, node.values)
                 if k is not None]
        return ast.Call(ast.Name("dict", ast.Load()), [ast.List(pairs, ast.Load())], [])


def test_the_model_answers_written_as_calls_are_the_same_copy(tmp_path):
    """sum_over_paths and backward of the model answers with every operator an ``operator``
    call and every literal a constructor's: flagged, as the answer itself is (before: 2/2
    unflagged on every route)."""
    source = "import operator as op\n\n" + "\n\n".join(
        ast.unparse(ast.fix_missing_locations(_AsCalls().visit(ast.parse(
            inspect.getsource(function))))) for function in (M.sum_over_paths, M.backward))
    assert "op.add(" in source and "list(" in source and "dict([" in source
    reading = CopyReading(write(tmp_path, source))
    assert reading.same(EXERCISES["sum_over_paths"]) == "model_answers.py's sum_over_paths"
    assert reading.same(EXERCISES["backward"]) == "model_answers.py's backward"


def _methods_wrapped(source: str, how: str) -> str:
    """``source`` with every call of a method of a container (``xs.append(e)``) made through
    a function of the file's top level: a lambda that calls it (``how == "lambda"``), a
    ``def`` (``"def"``), or the type's method bound to a name (``"alias"``)."""
    methods = {"append": "list", "extend": "list", "pop": "list", "add": "set", "get": "dict"}
    head = []
    for method, kind in methods.items():
        if how == "lambda":
            head.append(f"_m_{method} = lambda s, *a: s.{method}(*a)")
        elif how == "def":
            head.append(f"def _m_{method}(s, *a):\n    return s.{method}(*a)")
        else:
            head.append(f"_m_{method} = {kind}.{method}")
    class Through(ast.NodeTransformer):
        def visit_Call(self, node: ast.Call) -> ast.AST:
            self.generic_visit(node)
            if isinstance(node.func, ast.Attribute) and node.func.attr in methods:
                return ast.Call(ast.Name(f"_m_{node.func.attr}", ast.Load()),
                                [node.func.value, *node.args], node.keywords)
            return node

    body = ast.unparse(ast.fix_missing_locations(Through().visit(ast.parse(source))))
    return "\n".join(head) + "\n\n\n" + body


def _padded(source: str) -> str:
    """``source`` with a line that changes a list of its own before each statement of its
    functions (``_t[0] = _t[0] + 1``), the list made at each function's start."""
    lines = []
    for line in source.splitlines():
        indent = line[:len(line) - len(line.lstrip())]
        if line.startswith("def "):
            lines += [line, "    _t = [0]"]
            continue
        if indent and line.strip() and not line.strip().startswith(("#", "elif", "else")):
            lines.append(f"{indent}_t[0] = _t[0] + 1")
        lines.append(line)
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("how", ["lambda", "def", "alias", "padded"])
def test_a_copy_with_its_methods_wrapped_or_padded_by_a_script_is_the_same_copy(tmp_path, how):
    """The model answers of sum_over_paths and backward with each method called through a
    function of the file (a lambda or a def that calls it, ``_m_append = list.append``), or
    with a dead line that sets an item of a list of its own before each statement: before,
    2/2 unflagged on the report, Gradescope, Otter and nbgrader (an attacker's, made by a
    script in a second); now read as the answer."""
    model = "\n\n".join(textwrap.dedent(inspect.getsource(f))
                        for f in (M.sum_over_paths, M.backward))
    source = _padded(model) if how == "padded" else _methods_wrapped(model, how)
    assert source != model and ("_t[0] = _t[0] + 1" in source or "_m_append(" in source)
    reading = CopyReading(write(tmp_path, source))
    assert reading.same(EXERCISES["sum_over_paths"]) == "model_answers.py's sum_over_paths"
    assert reading.same(EXERCISES["backward"]) == "model_answers.py's backward"


def test_a_list_of_ones_own_read_after_or_given_is_not_dead_code():
    """An item set in a list the function was given, or one it reads later, changes what
    it computes: kept (only a list of its own, never read, is left out)."""
    assert read("xs[0] = e\nreturn xs") != read("return xs")
    assert read("v = [0]\nv[0] = e\nreturn v") != read("v = [0]\nreturn v")
    assert read("t = [0]\nt[0] = t[0] + 1\nreturn e") == read("return e")


LECTURE_SORTED = """\
def sum_over_paths(root, x):
    topo = []
    visited = set()
    def build(v):
        if v in visited:
            return
        visited.add(v)
        for c in v.parents:
            build(c)
        topo.append(v)
    build(root)
    n = {v: 0 for v in topo}
    s = {v: 0.0 for v in topo}
    n[root] = 1
    s[root] = 1.0
    for v in reversed(topo):
        for c, g in zip(v.parents, v.local_grads):
            n[c] += n[v]
            s[c] += s[v] * g
    return n.get(x, 0), s.get(x, 0.0)
"""
"""An honest sum_over_paths: the lecture's recursive sort, then the counts and sums pushed
down through two dicts (an attacker's bob; four such files were flagged as copies of the
model answer, whose stack sort they do not share)."""


def test_an_answer_that_sorts_as_the_lecture_does_is_not_the_model_answer(tmp_path):
    """The model answer sorts with the note's stack; what an answer sorted otherwise holds of
    it is the accumulation anyone who wrote backward writes: not a copy."""
    assert CopyReading(write(tmp_path, LECTURE_SORTED)).same(EXERCISES["sum_over_paths"]) == ""
