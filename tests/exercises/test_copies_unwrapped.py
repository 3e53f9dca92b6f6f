"""A copy whose every name read is wrapped in a function that gives back its argument
(``_(node).parents``, ``def _(v): return v``) is read as the code it wraps
(``copy_forms.unwrapped``): an attacker's script made one from the model answers in a second,
every line and name of theirs kept, and it scored 2/2 unflagged on the class report,
Gradescope's and Otter's routes (issue 65). An honest answer wrapped so is not flagged."""

import ast
import inspect

import pytest

from tests.exercises.test_copies import HONEST_BACKWARD, flagged_in, write
from tinygrad_edu.exercises import model_answers as M

WRAPPERS = {
    "a function of the file": ("def _(v):\n    return v\n", "_"),
    "a documented one": ('def same(v):\n    """v, as it is."""\n    return v\n', "same"),
    "a lambda of the file": ("keep = lambda v: v\n", "keep"),
}


class _Wrapped(ast.NodeTransformer):
    """Every name read, builtins aside, as ``name(...)``'s argument."""

    def __init__(self, name: str) -> None:
        self.name = name

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if isinstance(node.ctx, ast.Load) and node.id not in dir(__builtins__) and \
                node.id != self.name:
            return ast.Call(ast.Name(self.name, ast.Load()), [node], [])
        return node


def wrapped(source: str, name: str) -> str:
    tree = ast.parse(source)
    return ast.unparse(ast.fix_missing_locations(_Wrapped(name).visit(tree)))


@pytest.mark.parametrize("how", sorted(WRAPPERS))
def test_a_copy_with_every_name_wrapped_is_flagged(tmp_path, how):
    head, name = WRAPPERS[how]
    copies = [wrapped(inspect.getsource(f), name) for f in (M.backward, M.sum_over_paths)]
    path = write(tmp_path, head + "\n\n" + "\n\n\n".join(copies) + "\n")
    assert flagged_in(path) == ["backward", "sum_over_paths"]


def test_a_wrapper_the_definition_makes_itself_is_read_through_too(tmp_path):
    source = wrapped(inspect.getsource(M.backward), "_")
    source = source.replace("def backward(root):\n", "def backward(root):\n    _ = lambda v: v\n")
    assert flagged_in(write(tmp_path, source + "\n")) == ["backward"]


def test_an_honest_answer_wrapped_so_is_not_flagged(tmp_path):
    tree = ast.parse(HONEST_BACKWARD)
    honest = [ast.unparse(_Wrapped("_").visit(node)) for node in tree.body]
    path = write(tmp_path, WRAPPERS["a function of the file"][0] + "\n\n" + "\n\n\n".join(
        ast.unparse(ast.fix_missing_locations(ast.parse(text))) for text in honest) + "\n")
    assert flagged_in(path) == []
    assert flagged_in(write(tmp_path, HONEST_BACKWARD, "plain.py")) == []
