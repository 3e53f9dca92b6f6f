"""Code a learner's file compiles at run time is read by the grader, with its own codecs and
parser, or flagged as code it could not read; the audit hook that sees it never runs the
learner's code (``learner/audit.py``: ``_never_theirs``). Files made to cheat (issue
65; each the model answer, graded 1/1 unflagged before): bytes in a codec the file
registered itself, a syntax tree of a class of its own whose attribute compiled the answer
from inside the hook, a loader of its own handing importlib's ``get_code`` a ``.pyc``'s
bytes. Each is scored as before (a flag is for the teacher, never a score), and flagged.
"""

import dis
import importlib._bootstrap_external as external
import inspect
import textwrap
import types

from tinygrad_edu.exercises import EXERCISES
from tinygrad_edu.exercises import model_answers as M
from tinygrad_edu.exercises.classroom.submissions import grade_file
from tinygrad_edu.exercises.copies import BUILT, COMPILED
from tinygrad_edu.exercises.heard import UNREAD
from tinygrad_edu.exercises.learner import audit

ANSWER = inspect.getsource(M.sum_over_paths)
HEAD = '''
import typing
_m = typing.sys.modules
_b = _m["snitliub"[::-1]]
_c = getattr(_b, "elipmoc"[::-1])
_x = getattr(_b, "cexe"[::-1])
_ns = {}
'''
"""The attacker's prelude: builtins through ``typing``, names reversed."""
TAIL = '''
sum_over_paths = _ns["sum_over_paths"]


def d_mul(a, b, y):
    return b, a
'''
EXERCISE = [EXERCISES["sum_over_paths"], EXERCISES["d_mul"]]
POINTS = {"sum_over_paths": 1.0, "d_mul": 1.0}


def graded(tmp_path, body, name="mallory.py"):
    path = tmp_path / name
    path.write_text(HEAD + textwrap.dedent(body) + TAIL, encoding="utf-8")
    result = grade_file(path, EXERCISE, POINTS)
    assert result.problem is None and result.score == 2.0, (result.problem, result.marks)
    return result.marks[0].copied


def flipped(text):
    return bytes(c ^ 1 if c != 10 else c for c in text.encode())


CODEC = f'''
def _decode(data, errors="strict"):
    data = bytes(data)
    head, _, tail = data.partition(b"\\n")
    return (head + b"\\n" + bytes(c ^ 1 if c != 10 else c for c in tail)).decode(), len(data)


def _search(name):
    if name == "flip1":
        return _m["codecs"].CodecInfo(encode=None, decode=_decode, name="flip1")


_m["codecs"].register(_search)
_x(_c(b"# coding: flip1\\n" + {flipped(ANSWER)!r}, "s", "cexe"[::-1]), _ns)
'''


def test_bytes_in_a_codec_of_the_files_own_are_flagged_as_unread(tmp_path):
    """Before: the hook decoded the bytes as UTF-8, the grader could not parse them, and
    nothing was said (1/1, unflagged). The grader decodes bytes with its own codecs alone."""
    copied = graded(tmp_path, CODEC)
    assert copied.startswith(BUILT) and UNREAD in copied and "flip1" in copied, copied


def test_bytes_in_a_standard_coding_are_read_as_python_reads_them(tmp_path):
    """The answer as Latin-1 bytes with their coding line: read, and found a copy; an honest
    file compiling such bytes is read and not flagged."""
    latin = (ANSWER + "# déjà vu\n").encode("latin-1")
    copy = f'_x(_c(b"# -*- coding: latin-1 -*-\\n" + {latin!r}, "s", "cexe"[::-1]), _ns)'
    assert graded(tmp_path, copy) == f"model_answers.py's sum_over_paths, {COMPILED}"
    honest = ('_x(_c(b"# coding: latin-1\\n_ = \'caf\\xe9\'\\n", "s", "cexe"[::-1]), {})\n'
              + textwrap.dedent(f'''
                  _x(_c({HONEST!r}, "h", "cexe"[::-1]), _ns)'''))
    assert graded(tmp_path, honest, "fay.py") == ""


HONEST = '''
def sum_over_paths(root, x):
    paths, total, todo = 0, 0.0, [(root, 1.0)]
    while todo:
        node, product = todo.pop()
        if node is x:
            paths, total = paths + 1, total + product
            continue
        todo += [(p, product * g) for p, g in zip(node.parents, node.local_grads)]
    return paths, total
'''


SUBCLASS = f'''
_ast = _m["ast"]
_got = {{}}


class Module(_ast.Module):
    @property
    def type_ignores(self):
        if not _got:
            _got["code"] = _c({ANSWER[::-1]!r}[::-1], "s", "cexe"[::-1])
        return []

    @type_ignores.setter
    def type_ignores(self, value):
        pass


_c(Module(body=[], type_ignores=[]), "s", "cexe"[::-1])
_x(_got["code"], _ns)
'''

PATCHED = f'''
_ast, _json, _pp = _m["ast"], _m.get("json"), _m["posixpath"]
_done = []


def _inside(*args, **kwargs):  # (compiles the answer wherever the hook calls it)
    if not _done:
        _done.append(_c({ANSWER[::-1]!r}[::-1], "s", "cexe"[::-1]))


_tree = _ast.parse("pass")  # (a tree of the ast module's own classes)
_names = ("len", "isinstance", "any", "next", "getattr", "repr", "hex", "type")
_kept = [getattr(_b, _name) for _name in _names] + [_pp.normpath, _ast._Unparser]
for _name, _f in zip(_names, _kept):
    setattr(_b, _name, (lambda f: lambda *a, **k: (_inside(), f(*a, **k))[1])(_f))
_pp.normpath = lambda p, f=_pp.normpath: (_inside(), f(p))[1]
_encoder = _json and _json._default_encoder
if _json is not None:
    _json._default_encoder = type("E", (), {{"encode": lambda self, o: _inside() or "0"}})()
_ast._Unparser = lambda *a, **k: _inside()
_c(_tree, "t", "cexe"[::-1])
_c(b"pass", "t", "cexe"[::-1])
_c("pass", "t", "cexe"[::-1])
for _name, _f in zip(_names, _kept):  # (put back: the file's own code runs as before)
    setattr(_b, _name, _f)
_pp.normpath, _ast._Unparser = _kept[-2:]
if _json is not None:
    _json._default_encoder = _encoder
_x(_done[0] if _done else _c({ANSWER[::-1]!r}[::-1], "s", "cexe"[::-1]), _ns)
'''


def test_a_tree_of_the_files_own_class_runs_nothing_inside_the_hook(tmp_path):
    """Before: the hook's ``ast.unparse`` read the subclass's property, which compiled the
    answer while the hook was at work, unseen (1/1, unflagged). The hook reads exact types
    alone: the property runs where ``compile`` reads it, outside the hook, and the answer it
    compiles is seen."""
    assert graded(tmp_path, SUBCLASS) == f"model_answers.py's sum_over_paths, {COMPILED}"


def test_nothing_the_file_replaces_runs_inside_the_hook(tmp_path):
    """Builtins, ``json``'s encoder, ``ast``'s unparser and ``os.path`` replaced by the file
    to compile the answer wherever they are called, then put back: before, the hook's
    ``json.dumps`` called the encoder, which compiled the answer unseen (1/1, unflagged). The
    hook calls none of them (it binds what it calls when it is added, and the grader
    unparses a tree); had it, what they compile would be reported (``OWN``)."""
    assert graded(tmp_path, PATCHED) == f"model_answers.py's sum_over_paths, {COMPILED}"


def test_a_tree_built_of_the_ast_modules_classes_is_read_back():
    """A tree is sent as plain data and built again by the grader: the answer's tree compiled
    at run time is found (and a tree of another class is flagged: test above)."""
    import ast

    from tinygrad_edu.exercises.heard import source_of_tree

    tree = ast.parse(ANSWER + "x = (1, 2.5, -3j, b'z', ..., None, True, 10**40)\n")
    tokens = _tokens(tree)
    assert ast.dump(ast.parse(source_of_tree(repr(tokens)))) == ast.dump(ast.parse(
        ast.unparse(tree)))


def test_a_tree_forged_to_unparse_as_no_tree_does_is_unread_not_an_error():
    """A BinOp whose operator is a Name: ast.unparse raised KeyError, which the grader did
    not catch (an attacker's, issue 65): now read as unread, flagged for the teacher."""
    import binascii

    from tinygrad_edu.exercises.heard import _source
    from tinygrad_edu.exercises.learner.audit import TREE

    forged = [("n", "BinOp", ("left", "op", "right")), ("n", "Name", ("id",)), ("c", "a"),
              ("n", "Name", ("id",)), ("c", "b"), ("n", "Name", ("id",)), ("c", "c")]
    data = TREE + binascii.b2a_base64(repr(forged).encode()).decode().strip()
    assert _source(data) == (None, f"{UNREAD} (a syntax tree)")


def _tokens(node):
    """``audit.py``'s tree as plain data, written here the long way for the test."""
    import ast

    if isinstance(node, ast.AST):
        fields = tuple(f for f in node._fields if f in vars(node))
        out = [("n", type(node).__name__, fields)]
        for f in fields:
            out += _tokens(getattr(node, f))
        return out
    if type(node) in (list, tuple):
        return [("l" if type(node) is list else "t", len(node))] + [
            t for item in node for t in _tokens(item)]
    if type(node) is int and not isinstance(node, bool):
        return [("i", hex(node))]
    if type(node) is float:
        return [("f", node.hex())]
    if type(node) is complex:
        return [("j", node.real.hex(), node.imag.hex())]
    return [("e",)] if node is ... else [("c", node)]


PYC = bytes(external._code_to_timestamp_pyc(compile(ANSWER, "s", "exec"), 1, 1))
LOADER = f'''
_fl = type(_m["slootcnuf"[::-1]].__loader__)


class _Loader(_fl):
    def get_filename(self, fullname):
        return "/nowhere/answer.py"

    def path_stats(self, path):
        return {{"mtime": 1, "size": 1}}

    def get_data(self, path):
        return {PYC!r}


_x(_Loader("answer", "/nowhere/answer.py").get_code("answer"), _ns)
'''


def test_a_pyc_handed_to_importlibs_own_get_code_is_flagged(tmp_path):
    """Before: ``marshal.loads`` called from importlib's ``_compile_bytecode`` was taken for
    an import's (1/1, unflagged). Only the bytes of a compiled module's file the process may
    read are an import's: read again by the hook, and compared."""
    copied = graded(tmp_path, LOADER)
    assert copied.startswith(BUILT) and "marshal.loads" in copied, copied


def test_the_hook_reads_no_name_the_learners_code_could_replace():
    """Every function of the hook reads only what ``install`` bound (its closure): no global
    name, a builtin or a module's, which the learner's code could have replaced."""
    found = {}

    def walk(code):
        names = {i.argval for i in dis.get_instructions(code)
                 if i.opname in ("LOAD_GLOBAL", "LOAD_NAME")}
        if names:
            found[code.co_name] = sorted(names)
        for inner in code.co_consts:
            if isinstance(inner, types.CodeType):
                walk(inner)

    hooks = [c for c in audit.install.__code__.co_consts
             if isinstance(c, types.CodeType) and not c.co_name.startswith("<")]
    assert {c.co_name for c in hooks} >= {"hook", "check", "made_at_run_time", "imported",
                                          "tree_data", "readable_path", "sending"}
    for code in hooks:
        walk(code)
    assert found == {}, found
