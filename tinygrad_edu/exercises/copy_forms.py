"""Rewrites that change how code is written, not what it does, undone when code is read for
copies (``copy_tokens.py``), so that a copy edited by rote, with no understanding of it, reads
as the code it copies:

- a container written as a list, a tuple or a set (``[node, 1]`` for ``(node, True)``) is one
  kind (``True`` and ``1`` are already one token, as every number is);
- ``d.get(k) or e`` is ``d.get(k, e)``;
- in a loop, ``if t: ...; continue`` followed by the rest of the iteration is an ``if``/``else``
  (``if t: continue`` then the rest: ``if not t:`` the rest), and a ``continue`` that ends an
  iteration is left out;
- ``while True:`` that begins ``if t: break`` is ``while not t:``;
- ``xs.reverse()`` then ``for x in xs:`` is ``for x in xs[::-1]:``;
- the two branches of an ``if``/``else`` (and of ``a if t else b``) in one order, whichever
  way the test is written (``not`` is already read as nothing: ``if not t: a else: b`` and
  ``if t: b else: a`` are one), by their shape, names left aside (``after``).

- a call of a function that gives back its one argument (``def _(v): return v``, ``_ =
  lambda v: v``, at the file's top level or in the definition) is its argument: a copy
  with every name it reads wrapped so (``_(node).parents``), made by a script in a second,
  kept every line and name of the answer (an attacker's, issue 65: it scored as an honest
  answer on every route, unflagged).

``unwrapped`` runs first, ``before`` before the light rewrites of ``copy_tokens._Plain``,
``after`` after them."""

from __future__ import annotations

import ast
import copy
from collections.abc import Iterable, Mapping
from typing import TypeVar

__all__ = ["IDENTITY", "after", "before", "identities", "unwrapped"]

IDENTITY = "(a function that gives back its argument)"
"""What a file's ``imports`` (its top-level names, ``copies._take``) hold for a name bound to
a function that gives back its one argument (``identities``)."""

Tree = TypeVar("Tree", bound=ast.AST)


def identities(statements: Iterable[ast.AST]) -> set[str]:
    """The names ``statements`` bind to a function that gives back its one argument: ``def
    _(v): return v`` (a docstring allowed, no decorator) or ``_ = lambda v: v``."""
    found: set[str] = set()
    for statement in statements:
        if isinstance(statement, ast.FunctionDef) and not statement.decorator_list:
            body = statement.body[1:] if ast.get_docstring(statement) else statement.body
            if _gives_back(statement.args, body):
                found.add(statement.name)
        elif isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Lambda) \
                and _gives_back(statement.value.args, [ast.Return(statement.value.body)]):
            found.update(t.id for t in statement.targets if isinstance(t, ast.Name))
    return found


def _gives_back(args: ast.arguments, body: list[ast.stmt]) -> bool:
    given = [*args.posonlyargs, *args.args]
    return (len(given) == 1 and not (args.vararg or args.kwarg or args.kwonlyargs)
            and len(body) == 1 and isinstance(body[0], ast.Return)
            and isinstance(body[0].value, ast.Name) and body[0].value.id == given[0].arg)


def unwrapped(tree: Tree, imports: Mapping[str, str]) -> Tree:
    """``tree`` (in place) with each call of a function that gives back its argument read as
    that argument: those of the file's top level (``IDENTITY`` in ``imports``) and those the
    definition binds itself."""
    names = {name for name, what in imports.items() if what == IDENTITY}
    names |= identities(ast.walk(tree))
    return _Unwrapped(names).visit(tree) if names else tree


class _Unwrapped(ast.NodeTransformer):
    def __init__(self, names: set[str]) -> None:
        self.names = names

    def visit_Call(self, node: ast.Call) -> ast.AST:
        node = self.generic_visit(node)  # type: ignore[assignment]
        if isinstance(node.func, ast.Name) and node.func.id in self.names and len(
                node.args) == 1 and not isinstance(node.args[0], ast.Starred) and \
                not node.keywords:
            return node.args[0]
        return node


def before(tree: ast.AST) -> ast.AST:
    """``tree`` with the rewrites above that come before the light ones made (in place)."""
    return _Before().visit(tree)


def after(tree: Tree) -> Tree:
    """``tree`` with the branches of each ``if``/``else`` put in one order (in place)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and node.body and node.orelse:
            node.body, node.orelse = sorted((node.body, node.orelse), key=_shape)
        elif isinstance(node, ast.IfExp):
            node.body, node.orelse = sorted((node.body, node.orelse), key=_shape)
    return tree


def _shape(part: ast.AST | list[ast.stmt]) -> tuple[str, ...]:
    """What a branch is, its names left aside: the kinds of its parts in order, with the
    attributes it reads and the operators it uses (a renamed copy's branches sort alike)."""
    words: list[str] = []
    for statement in part if isinstance(part, list) else [part]:
        for node in ast.walk(statement):
            words.append(type(node).__name__)
            if isinstance(node, ast.Attribute):
                words.append(node.attr)
    return tuple(words)


LOOPS = (ast.For, ast.AsyncFor, ast.While)


class _Before(ast.NodeTransformer):

    def generic_visit(self, node: ast.AST) -> ast.AST:
        node = super().generic_visit(node)
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                setattr(node, field, _reversed_loops(block))
        if isinstance(node, ast.While) and isinstance(node.test, ast.Constant) and \
                node.test.value and not node.orelse and node.body and isinstance(
                node.body[0], ast.If) and not node.body[0].orelse and len(
                node.body[0].body) == 1 and isinstance(node.body[0].body[0], ast.Break):
            node.test = ast.UnaryOp(ast.Not(), node.body[0].test)  # (while True: if t: break)
            node.body = node.body[1:] or [ast.Pass()]
        if isinstance(node, LOOPS):
            node.body = _tail(node.body) or [ast.Pass()]
        return node

    def _container(self, node: ast.List | ast.Set) -> ast.AST:
        node = self.generic_visit(node)  # type: ignore[assignment]
        if not node.elts:
            return node
        return ast.Tuple(node.elts, getattr(node, "ctx", ast.Load()))

    visit_List = visit_Set = _container

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:
        """``d.get(k) or e`` as ``d.get(k, e)``."""
        node = self.generic_visit(node)  # type: ignore[assignment]
        first, *rest = node.values
        if isinstance(node.op, ast.Or) and isinstance(first, ast.Call) and isinstance(
                first.func, ast.Attribute) and first.func.attr == "get" and len(
                first.args) == 1 and not first.keywords and rest:
            default = rest[0] if len(rest) == 1 else ast.BoolOp(ast.Or(), rest)
            return ast.Call(first.func, [first.args[0], default], [])
        return node


def _tail(block: list[ast.stmt]) -> list[ast.stmt]:
    """A block after which a loop's iteration ends, its ``continue`` read as an ``else``:
    ``if t: a; continue`` then ``b`` as ``if t: a else: b``, ``if t: continue`` then ``b`` as
    ``if not t: b``; a last ``continue`` left out; an ``if`` that ends the block read so
    in its branches."""
    for i, statement in enumerate(block):
        last = i == len(block) - 1
        if isinstance(statement, ast.Continue):
            return block[:i]
        if not isinstance(statement, ast.If):
            continue
        if not statement.orelse and statement.body and isinstance(
                statement.body[-1], ast.Continue) and not last:
            rest, body = _tail(block[i + 1:]), _tail(statement.body[:-1])
            turned = ast.If(statement.test, body, rest) if body else ast.If(
                ast.UnaryOp(ast.Not(), statement.test), rest or [ast.Pass()], [])
            return [*block[:i], turned]
        if last:
            statement.body = _tail(statement.body) or [ast.Pass()]
            statement.orelse = _tail(statement.orelse)
    return block


def _reversed_loops(block: list[ast.stmt]) -> list[ast.stmt]:
    """``xs.reverse()`` followed by ``for x in xs:`` as ``for x in xs[::-1]:``."""
    kept: list[ast.stmt] = []
    for statement in block:
        before = kept[-1] if kept else None
        if isinstance(statement, (ast.For, ast.AsyncFor)) and isinstance(
                before, ast.Expr) and isinstance(before.value, ast.Call) and isinstance(
                before.value.func, ast.Attribute) and before.value.func.attr == "reverse" \
                and not before.value.args and not before.value.keywords and ast.dump(
                before.value.func.value) == ast.dump(statement.iter):
            statement.iter = ast.Subscript(copy.deepcopy(statement.iter), ast.Slice(
                None, None, ast.Constant(-1)), ast.Load())
            kept[-1] = statement
        else:
            kept.append(statement)
    return kept
