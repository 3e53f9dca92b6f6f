"""Whether code a module's code wrote at run time (``heard.Heard.made``) is the module's own:
the shape of what the standard library writes, one function around the methods it makes
(``dataclasses``' ``__create_fn__``) or a lambda (``collections.namedtuple``'s), and no more.

``dataclasses`` writes the names of a class's fields into that code as they are, and never
checks that each is a name: a field named by hand (a key of ``__annotations__`` written in a
dict) that closes the generated function's header makes the text a module holding whatever
the name carries, an answer (a65b's d1). A pair sharing an answer so was taken for two files
whose modules wrote the same code (a dataclass's methods: no pair's), and went unflagged.
What ``made`` says of a text is kept only when the text parses to that shape (``shaped``):
one ``def`` at the top, its parameters bare names, holding functions and returning them (a
name, or a tuple of names); each of those functions of assignments, conditions, calls,
``return``, ``raise`` and ``pass``, with no loop, comprehension, lambda, function or class
of its own, and no name of a sibling read. Anything else a module's code wrote is read as
the file's own code is."""

from __future__ import annotations

import ast

__all__ = ["METHOD_NODES", "shaped"]

METHOD_NODES: frozenset[type[ast.AST]] = frozenset({
    ast.Assign, ast.Expr, ast.If, ast.Return, ast.Raise, ast.Pass,
    ast.Name, ast.Load, ast.Store, ast.Attribute, ast.Call, ast.keyword, ast.Compare,
    ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.IfExp, ast.Tuple, ast.Set,
    ast.Constant, ast.JoinedStr, ast.FormattedValue, ast.BinOp, ast.Add, ast.Is, ast.IsNot,
    ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn})
"""The nodes a method the standard library writes is made of (``dataclasses``' ``__init__``,
``__repr__``, ``__eq__``, the order's, ``__setattr__``, ``__delattr__``, ``__hash__``, on
Python 3.10 to 3.13), below its ``def``."""


def _bare(args: ast.arguments) -> bool:
    """Whether parameters are names alone: no default, annotation, ``*`` or ``**``."""
    return not (args.defaults or args.kw_defaults or args.kwonlyargs or args.vararg
                or args.kwarg) and all(a.annotation is None for a in args.posonlyargs
                                       + args.args)


def _names(node: ast.AST | None) -> bool:
    """Whether an expression is a name, or names joined by dots (``a.b``), or absent."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return node is None or isinstance(node, ast.Name)


def _method(node: ast.stmt, siblings: set[str]) -> bool:
    """Whether a statement inside the generated function is a method of the shape above: its
    parameters' annotations and defaults names, its decorators calls of a name with nothing
    given, its body of ``METHOD_NODES`` alone, reading no sibling's name."""
    if not isinstance(node, ast.FunctionDef):
        return False
    args = node.args
    if args.vararg or args.kwarg or not all(_names(a.annotation) for a in (
            *args.posonlyargs, *args.args, *args.kwonlyargs)) or not all(
            _names(d) for d in (*args.defaults, *args.kw_defaults)) or not _names(node.returns):
        return False
    if not all(_names(d) or (isinstance(d, ast.Call) and _names(d.func) and not d.args
                             and not d.keywords) for d in node.decorator_list):
        return False
    return all(type(n) in METHOD_NODES and not (isinstance(n, ast.Name) and n.id in siblings)
               for statement in node.body for n in ast.walk(statement))


def shaped(text: str) -> bool:
    """Whether ``text`` parses to what the standard library writes (see the module's text):
    a lambda of bare parameters whose body is names, calls and tuples; or one function of
    bare parameters, no decorator nor annotation, holding methods (``_method``) or ``pass``,
    and then returning some of them (or nothing)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    if len(tree.body) != 1:
        return False
    top = tree.body[0]
    if isinstance(top, ast.Expr) and isinstance(top.value, ast.Lambda):
        return _bare(top.value.args) and all(
            isinstance(n, (ast.Name, ast.Load, ast.Call, ast.Tuple))
            for n in ast.walk(top.value.body))
    if not isinstance(top, ast.FunctionDef) or top.decorator_list or top.returns is not None \
            or not _bare(top.args):
        return False
    siblings = {m.name for m in top.body if isinstance(m, ast.FunctionDef)}
    *methods, last = top.body
    if isinstance(last, ast.Return):
        given = last.value.elts if isinstance(last.value, ast.Tuple) else [last.value]
        if not all(isinstance(g, ast.Name) and g.id in siblings for g in given):
            return False
    else:
        methods.append(last)
    return all(isinstance(m, ast.Pass) or _method(m, siblings) for m in methods)
