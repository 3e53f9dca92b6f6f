"""A deep expression does not hide a copy, nor break the reading (issue
65): copying, rewriting and writing out a definition recurse, and one line of
``0+0+...+0`` (300 terms, or 900) in a copied model answer left its whole function unread, so every
copy flag was gone on every route; a hex literal of more than 4,300 digits made the rule
reading's own ``str()`` fail, so the file's rule exercises came out failed with no reason."""

import ast
import inspect
import textwrap
import time

from tests.exercises.test_copies import flagged_in, write
from tinygrad_edu.exercises import EXERCISES
from tinygrad_edu.exercises import model_answers as M
from tinygrad_edu.exercises.copies import TOO_LARGE, CopyReading, flag
from tinygrad_edu.exercises.copy_tokens import DEEP, fingerprints, tokens


def padded(terms: int, pad: str = "") -> str:
    """model_answers.py's sum_over_paths, word for word, and one line of ``terms`` zeros
    (or ``pad``'s lines)."""
    lines = inspect.getsource(M.sum_over_paths).splitlines()
    pad = textwrap.indent(pad or "_pad = " + "+".join(["0"] * terms), "    ")
    return "\n".join([lines[0], pad, *lines[1:]]) + "\n"


def test_a_copy_padded_with_a_deep_line_is_flagged(tmp_path):
    for terms in (50, 300, 900):
        path = write(tmp_path, padded(terms))
        assert CopyReading(path).same(EXERCISES["sum_over_paths"]) == \
            "model_answers.py's sum_over_paths", terms
        assert flagged_in(path) == ["sum_over_paths"], terms


ELIFS = "if x == 1:\n    pass\n" + "".join(f"elif x == {k}:\n    pass\n" for k in range(2, 300))
"""An ``if`` of 300 branches: each ``elif`` is an ``if`` within the one before (300 deep)."""
CASES = "match x:\n    case " + "[" * 190 + "0" + "]" * 190 + ":\n        pass\n"
"""A pattern of lists 190 deep (Python's parser takes 200 brackets)."""


def test_a_copy_padded_with_deep_statements_or_patterns_is_flagged(tmp_path):
    """Not expressions alone: an ``if`` of 300 branches, a ``match`` whose pattern nests
    190 lists (before: unread, so not flagged)."""
    for name, pad in (("elif", ELIFS), ("match", CASES)):
        path = write(tmp_path, padded(0, pad))
        assert CopyReading(path).same(EXERCISES["sum_over_paths"]) == \
            "model_answers.py's sum_over_paths", name


def test_a_deep_expression_is_read_as_one_name_and_the_tree_is_left_as_it_was():
    import ast

    tree = ast.parse("def f(x):\n    return " + "+".join(["x"] * 900) + "\n").body[0]
    before = ast.dump(tree)
    words = tokens(tree, {}, named=True)
    assert "deep" in words and len(words) < 3 * DEEP
    assert fingerprints(tree, {})  # (read: not the empty set of a tree too deep)
    assert ast.dump(tree) == before


def test_a_hex_literal_of_many_digits_is_said_not_a_crash(tmp_path, capsys):
    from tinygrad_edu.exercises.cli import main

    path = write(tmp_path, textwrap.dedent(f"""\
        BIG = 0x{"f" * 4000}


        def d_tanh(x, y):
            return 1 - y * y
        """))
    code = main(["check", str(path), "d_tanh"])
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err, out.err
    assert "digits" in out.out or code == 0, out.out


def test_a_chain_of_dead_assignments_goes_whole_in_one_reading():
    """``b = a``, ``c = b``, ... none read: every one is dead code, however long the chain
    (the reading took ten rounds of the whole definition and left the rest: a class report
    spent minutes on such a file)."""
    chain = "\n".join(f"    a{k + 1} = a{k}" for k in range(300))
    node = ast.parse(f"def f(a0):\n{chain}\n    return 1\n").body[0]
    assert isinstance(node, ast.FunctionDef)
    assert tokens(node, {}) == ["return", "0", ";", "<"]


def test_a_file_over_the_reading_budget_is_flagged_unread_and_read_fast(tmp_path):
    """Dead assignments in 60 nested functions (each read alone and in
    every one around it) held the class report 25 minutes. A file whose reading is over
    ``READ_MOST`` is not read, and flagged so for the teacher; one just under is read."""
    def nested(lines):
        body = "".join("\t" * (k + 1) + f"def g{k}(a):\n" for k in range(60))
        return "def sum_over_paths(f, x):\n" + body + "".join(
            "\t" * 61 + f"a{k + 1} = a{k}\n" for k in range(lines)) + "\treturn 0, 0.0\n"
    over = write(tmp_path, nested(150), "over.py")
    start = time.process_time()
    reading = CopyReading(over)
    said = reading.same(EXERCISES["sum_over_paths"])
    assert time.process_time() - start < 0.2
    assert said == TOO_LARGE and reading.material(EXERCISES["sum_over_paths"]) == frozenset()
    assert flag("sum_over_paths", said).startswith("⚑ sum_over_paths: is more code than")
    under = write(tmp_path, nested(1) + "\n\n" + inspect.getsource(M.sum_over_paths)
                  .replace("def sum_over_paths", "def _s") + "\nsum_over_paths = _s\n",
                  "under.py")
    assert CopyReading(under).same(EXERCISES["sum_over_paths"]) == \
        "model_answers.py's sum_over_paths"
