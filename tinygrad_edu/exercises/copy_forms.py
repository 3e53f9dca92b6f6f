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
- a loop over indices is a loop over what they index: ``for i in range(len(xs)):`` whose
  body reads ``i`` only as ``xs[i]``, ``ys[i]`` is ``for x, y in zip(xs, ys):`` (its first
  statement's names for them, ``x, y = xs[i], ys[i]``, kept), and one over
  ``range(len(xs) - 1, -1, -1)`` (or ``reversed(range(len(xs)))``) runs over ``[::-1]``;
- ``t = e`` then ``a, b = t[0], t[1]`` (or ``a = t[0]`` then ``b = t[1]``), with ``t`` read
  nowhere after, is ``a, b = e``;
- the two branches of an ``if``/``else`` (and of ``a if t else b``) in one order, whichever
  way the test is written (``not`` is already read as nothing: ``if not t: a else: b`` and
  ``if t: b else: a`` are one), by their shape, names left aside (``after``).

- a call of a function that gives back its one argument (``def _(v): return v``, ``_ =
  lambda v: v``, at the file's top level or in the definition) is its argument: a copy
  with every name it reads wrapped so (``_(node).parents``), made by a script in a second,
  kept every line and name of the answer (an attacker's, issue 65: it scored as an honest
  answer on every route, unflagged);
- a call of ``operator``'s functions is its operator (``op.add(a, b)`` is ``a + b``,
  ``op.contains(s, x)`` is ``x in s``, ``op.setitem(d, k, v)`` is ``d[k] = v``), and a
  container's constructor given a literal is the literal (``tuple([a, b])`` is ``(a, b)``,
  ``dict([(k, v)])`` is ``{k: v}``): a whole file rewritten so by a script, every line and
  name kept, scored unflagged on every route too.

``unwrapped`` runs first, ``before`` before the light rewrites of ``copy_tokens._Plain``,
``after`` after them."""

from __future__ import annotations

import ast
import copy
from collections.abc import Iterable, Mapping
from typing import TypeVar

__all__ = ["IDENTITY", "METHOD", "after", "before", "forwarders", "identities", "unwrapped"]

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


METHOD = "(a function that calls the method) "
"""What a file's ``imports`` hold for a name bound to a function that calls a method of its
first argument with the rest (``forwarders``), the method's name after it."""

CONTAINERS = frozenset({"list", "dict", "set", "frozenset", "tuple", "str", "bytes"})
"""The builtin types whose methods a copy may take as functions (``list.append``)."""


def forwarders(statements: Iterable[ast.AST]) -> dict[str, str]:
    """The names ``statements`` bind to a function that calls a method of its first
    argument with the rest (``lambda s, *a: s.append(*a)``, ``def f(s, x): return
    s.get(x)``) or to a builtin type's method (``_append = list.append``; in a tuple too),
    each with ``METHOD`` and the method's name."""
    found: dict[str, str] = {}
    for statement in statements:
        if isinstance(statement, ast.FunctionDef) and not statement.decorator_list:
            body = statement.body[1:] if ast.get_docstring(statement) else statement.body
            method = _calls_a_method(statement.args, body)
            if method:
                found[statement.name] = METHOD + method
        elif isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target, value = statement.targets[0], statement.value
            pairs = (zip(target.elts, value.elts) if isinstance(target, ast.Tuple) and
                     isinstance(value, ast.Tuple) and len(target.elts) == len(value.elts)
                     else [(target, value)])
            for name, bound in pairs:
                if not isinstance(name, ast.Name):
                    continue
                if isinstance(bound, ast.Lambda):
                    method = _calls_a_method(bound.args, [ast.Return(bound.body)])
                elif isinstance(bound, ast.Attribute) and isinstance(bound.value, ast.Name) \
                        and bound.value.id in CONTAINERS:
                    method = bound.attr
                else:
                    method = ""
                if method:
                    found[name.id] = METHOD + method
    return found


def _calls_a_method(args: ast.arguments, body: list[ast.stmt]) -> str:
    """The method a function of ``args`` and ``body`` calls on its first argument with the
    rest as they came, if that is all it does; else empty."""
    given = [a.arg for a in (*args.posonlyargs, *args.args)]
    if not given or args.kwarg or args.kwonlyargs or len(body) != 1 or not isinstance(
            body[0], ast.Return) or not isinstance(body[0].value, ast.Call):
        return ""
    call = body[0].value
    passed = [a.id if isinstance(a, ast.Name) else
              "*" + a.value.id if isinstance(a, ast.Starred) and isinstance(a.value, ast.Name)
              else "" for a in call.args]
    rest = given[1:] + (["*" + args.vararg.arg] if args.vararg else [])
    if call.keywords or passed != rest or not isinstance(call.func, ast.Attribute) or \
            not isinstance(call.func.value, ast.Name) or call.func.value.id != given[0]:
        return ""
    return call.func.attr


def _gives_back(args: ast.arguments, body: list[ast.stmt]) -> bool:
    given = [*args.posonlyargs, *args.args]
    return (len(given) == 1 and not (args.vararg or args.kwarg or args.kwonlyargs)
            and len(body) == 1 and isinstance(body[0], ast.Return)
            and isinstance(body[0].value, ast.Name) and body[0].value.id == given[0].arg)


def unwrapped(tree: Tree, imports: Mapping[str, str]) -> Tree:
    """``tree`` (in place) with each call of a function that gives back its argument read as
    that argument: those of the file's top level (``IDENTITY`` in ``imports``) and those the
    definition binds itself; and each call of ``operator``'s functions and of a container's
    constructor on a literal read as the operator and the literal (``_Unwrapped``)."""
    names = {name for name, what in imports.items() if what == IDENTITY}
    names |= identities(ast.walk(tree))
    methods = {name: what[len(METHOD):] for name, what in imports.items()
               if what.startswith(METHOD)}
    methods.update((name, what[len(METHOD):])
                   for name, what in forwarders(ast.walk(tree)).items())
    return _Unwrapped(names, imports, methods).visit(tree)


BINARY = {"add": ast.Add, "sub": ast.Sub, "mul": ast.Mult, "truediv": ast.Div,
          "floordiv": ast.FloorDiv, "mod": ast.Mod, "pow": ast.Pow, "matmul": ast.MatMult,
          "lshift": ast.LShift, "rshift": ast.RShift, "and_": ast.BitAnd, "or_": ast.BitOr,
          "xor": ast.BitXor}
COMPARED = {"eq": ast.Eq, "ne": ast.NotEq, "lt": ast.Lt, "le": ast.LtE, "gt": ast.Gt,
            "ge": ast.GtE, "is_": ast.Is, "is_not": ast.IsNot}
UNARY = {"neg": ast.USub, "pos": ast.UAdd, "invert": ast.Invert, "inv": ast.Invert,
         "not_": ast.Not}
"""``operator``'s functions, by the operator each is (``__add__`` and ``iadd`` are ``add``)."""


def _operator_named(func: ast.expr, imports: Mapping[str, str]) -> str | None:
    """The name of ``operator``'s function ``func`` calls (``op.add``, ``add`` from ``from
    operator import add``, ``operator.__mul__``, ``iadd``), without its underscores and
    ``i``; None if it calls something else."""
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and \
            imports.get(func.value.id) == "operator":
        name = func.attr
    elif isinstance(func, ast.Name) and imports.get(func.id, "").startswith("operator."):
        name = imports[func.id].split(".", 1)[1]
    else:
        return None
    if name.startswith("__") and name.endswith("__"):
        name = name[2:-2] if name[2:-2] in BINARY or name[2:-2] in COMPARED or \
            name[2:-2] in UNARY else name[2:-2] + "_"
    if name.startswith("i") and name[1:] in BINARY:
        name = name[1:]
    return name


class _Unwrapped(ast.NodeTransformer):
    """Also an item taken at once from a literal made for it (``[e][0]``, ``(e,)[0]``,
    ``{"k": e}["k"]``) and a branch on a constant (``e if True else f``), read as ``e``: a
    copy with each name read so (an attacker's a65k c1, c2: flagged nowhere before)."""

    def __init__(self, names: set[str], imports: Mapping[str, str],
                 methods: Mapping[str, str]) -> None:
        self.names = names
        self.imports = imports
        self.methods = methods

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        node = self.generic_visit(node)  # type: ignore[assignment]
        key = node.slice
        if isinstance(key, ast.Slice) and _length_less_one(key.lower, node.value) and \
                key.upper is None and _minus_one(key.step):
            node.slice = ast.Slice(None, None, key.step)  # (xs[len(xs) - 1::-1]: xs[::-1])
            return node
        if not isinstance(node.ctx, ast.Load) or not isinstance(key, ast.Constant):
            return node
        held = node.value
        if isinstance(held, (ast.List, ast.Tuple)) and type(key.value) is int and \
                not any(isinstance(e, ast.Starred) for e in held.elts) and \
                -len(held.elts) <= key.value < len(held.elts):
            return held.elts[key.value]
        if isinstance(held, ast.Dict) and None not in held.keys:
            found = [v for k, v in zip(held.keys, held.values)
                     if isinstance(k, ast.Constant) and k.value == key.value]
            if len(found) == 1 and all(isinstance(k, ast.Constant) for k in held.keys):
                return found[0]
        return node

    def visit_IfExp(self, node: ast.IfExp) -> ast.AST:
        node = self.generic_visit(node)  # type: ignore[assignment]
        if isinstance(node.test, ast.Constant):
            return node.body if node.test.value else node.orelse
        return node

    def visit_Call(self, node: ast.Call) -> ast.AST:
        """Also a call of ``operator``'s functions, read as its operator (``op.add(a, b)`` as
        ``a + b``, ``op.contains(s, x)`` as ``x in s``), and a container's constructor given
        a literal, read as the literal (``tuple([a, b])`` as ``(a, b)``, ``list()`` as
        ``[]``, ``dict([(k, v)])`` as ``{k: v}``): a copy rewritten so by a script in a
        second, every line and name of the answer kept (an attacker's, issue 65: unflagged
        on every route before)."""
        node = self.generic_visit(node)  # type: ignore[assignment]
        args = node.args
        if node.keywords or any(isinstance(a, ast.Starred) for a in args):
            return node
        if isinstance(node.func, ast.Name) and node.func.id in self.names and len(args) == 1:
            return args[0]
        if isinstance(node.func, ast.Name) and node.func.id in self.methods and args:
            return ast.Call(ast.Attribute(args[0], self.methods[node.func.id], ast.Load()),
                            args[1:], [])  # (``_append(order, node)``: order.append(node))
        name = _operator_named(node.func, self.imports)
        if name in BINARY and len(args) == 2:
            return ast.BinOp(args[0], BINARY[name](), args[1])
        if name in COMPARED and len(args) == 2:
            return ast.Compare(args[0], [COMPARED[name]()], [args[1]])
        if name == "contains" and len(args) == 2:
            return ast.Compare(args[1], [ast.In()], [args[0]])
        if name in UNARY and len(args) == 1:
            return ast.UnaryOp(UNARY[name](), args[0])
        if name == "getitem" and len(args) == 2:
            return ast.Subscript(args[0], args[1], ast.Load())
        if isinstance(node.func, ast.Attribute) and node.func.attr == "setdefault" and \
                len(args) == 2:  # (read as .get: a copy's edit by rote, issue 65)
            node.func.attr = "get"
            return node
        if isinstance(node.func, ast.Name) and node.func.id == "map" and \
                "map" not in self.imports and _pairs_up(args):
            return ast.Call(ast.Name("zip", ast.Load()), args[1:], [])  # (map(lambda p, l:
            # (p, l), xs, ys): zip(xs, ys))
        return _literal(node, self.imports)

    def visit_Assign(self, node: ast.Assign) -> ast.AST:
        """``xs[len(xs):] = [e]`` as ``xs.append(e)``, ``xs[len(xs):] = g`` as
        ``xs.extend(g)`` (an attacker's copy, issue 65)."""
        node = self.generic_visit(node)  # type: ignore[assignment]
        target = node.targets[0] if len(node.targets) == 1 else None
        if not isinstance(target, ast.Subscript) or not isinstance(target.slice, ast.Slice) \
                or target.slice.upper is not None or target.slice.step is not None or \
                not _length_of(target.slice.lower, target.value):
            return node
        value = node.value
        if isinstance(value, (ast.List, ast.Tuple)) and len(value.elts) == 1 and \
                not isinstance(value.elts[0], ast.Starred):
            call = ast.Call(ast.Attribute(target.value, "append", ast.Load()), value.elts, [])
        else:
            call = ast.Call(ast.Attribute(target.value, "extend", ast.Load()), [value], [])
        return ast.copy_location(ast.Expr(call), node)

    def visit_Expr(self, node: ast.Expr) -> ast.AST:
        """``op.setitem(d, k, v)`` as ``d[k] = v``."""
        node = self.generic_visit(node)  # type: ignore[assignment]
        call = node.value
        if isinstance(call, ast.Call) and len(call.args) == 3 and not call.keywords and \
                _operator_named(call.func, self.imports) == "setitem" and \
                not any(isinstance(a, ast.Starred) for a in call.args):
            target = ast.Subscript(call.args[0], call.args[1], ast.Store())
            return ast.copy_location(ast.Assign([target], call.args[2]), node)
        return node



def _length_of(node: ast.expr | None, held: ast.expr) -> bool:
    """Whether ``node`` is ``len(held)``, ``held`` a name."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
        node.func.id == "len" and len(node.args) == 1 and isinstance(held, ast.Name) and \
        isinstance(node.args[0], ast.Name) and node.args[0].id == held.id


def _length_less_one(node: ast.expr | None, held: ast.expr) -> bool:
    """Whether ``node`` is ``len(held) - 1``."""
    return isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub) and \
        _length_of(node.left, held) and isinstance(node.right, ast.Constant) and \
        node.right.value == 1


def _minus_one(node: ast.expr | None) -> bool:
    """Whether ``node`` is ``-1``."""
    return (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(
        node.operand, ast.Constant) and node.operand.value == 1) or (
        isinstance(node, ast.Constant) and node.value == -1)


def _pairs_up(args: list[ast.expr]) -> bool:
    """Whether ``map``'s ``args`` are a lambda that makes a tuple of its arguments, in
    order, and as many iterables as it takes."""
    if not args or not isinstance(args[0], ast.Lambda):
        return False
    given = args[0].args
    names = [a.arg for a in given.args]
    body = args[0].body
    return not (given.vararg or given.kwarg or given.kwonlyargs or given.posonlyargs) and \
        isinstance(body, ast.Tuple) and len(args) == len(names) + 1 and \
        [e.id if isinstance(e, ast.Name) else "" for e in body.elts] == names


def _literal(node: ast.Call, imports: Mapping[str, str]) -> ast.AST:
    """``node``, a call, as the literal it makes if it calls ``list``, ``tuple`` or
    ``dict`` (names the file does not bind otherwise) on nothing or on a literal."""
    func, args = node.func, node.args
    if not isinstance(func, ast.Name) or func.id not in ("list", "tuple", "dict") or \
            func.id in imports or len(args) > 1:
        return node
    given = args[0] if args else None
    if given is not None and not isinstance(given, (ast.List, ast.Tuple)):
        return node
    items = given.elts if given is not None else []
    if func.id == "list":
        return ast.List(items, ast.Load())
    if func.id == "tuple":
        return ast.Tuple(items, ast.Load())
    pairs = [item for item in items if isinstance(item, ast.Tuple) and len(item.elts) == 2]
    if len(pairs) != len(items):
        return node
    return ast.Dict([pair.elts[0] for pair in pairs], [pair.elts[1] for pair in pairs])


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
                setattr(node, field, _unpacked(_reversed_loops(block)))
        if isinstance(node, ast.For):
            node = _indexed(node)
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


def _indexed(loop: ast.For) -> ast.For:
    """``for i in range(len(xs)):`` whose body reads ``i`` only as ``xs[i]``, ``ys[i]`` (each
    a name or an attribute) as ``for x, y in zip(xs, ys):`` (``xs`` first), its first
    statement's names for them kept (``x = xs[i]``, ``x, y = xs[i], ys[i]``), else names of
    its own; over ``range(len(xs) - 1, -1, -1)`` or ``reversed(range(len(xs)))``, over
    ``[::-1]`` of that; else ``loop`` as it is."""
    index, counted, backwards = _over_indices(loop)
    if index is None or counted is None:
        return loop
    read = [n for n in _in_order(loop.body) if isinstance(n, ast.Name) and n.id == index]
    at = [n for n in _in_order(loop.body) if isinstance(n, ast.Subscript) and isinstance(
        n.slice, ast.Name) and n.slice.id == index and isinstance(n.ctx, ast.Load)
        and _plain(n.value)]
    if not at or len(at) != len(read) or any(not isinstance(n.ctx, ast.Load) for n in read):
        return loop
    order = list(dict.fromkeys([ast.dump(counted), *(ast.dump(n.value) for n in at)]))
    if order[0] not in {ast.dump(n.value) for n in at}:
        return loop
    sequences = {ast.dump(n.value): n.value for n in at}
    names: dict[str, str] = {}
    first, body = loop.body[0], loop.body
    if isinstance(first, ast.Assign) and len(first.targets) == 1:
        target, value = first.targets[0], first.value
        pairs = list(zip(target.elts, value.elts)) if isinstance(target, ast.Tuple) and \
            isinstance(value, ast.Tuple) and len(target.elts) == len(value.elts) else \
            [(target, value)]
        named = {ast.dump(v.value): t.id for t, v in pairs if isinstance(t, ast.Name) and
                 isinstance(v, ast.Subscript) and any(v is n for n in at)}
        if len(named) == len(pairs):
            names, body = named, body[1:] or [ast.Pass()]
    for k, key in enumerate(order):
        names.setdefault(key, f"_{index}_{k}")
    body = [_Indexed(index, names).visit(statement) for statement in body]
    targets: list[ast.expr] = [ast.Name(names[key], ast.Store()) for key in order]
    items = [sequences[key] for key in order]
    over: ast.expr = items[0] if len(items) == 1 else ast.Call(ast.Name("zip", ast.Load()),
                                                               items, [])
    if backwards:
        over = ast.Subscript(over, ast.Slice(None, None, ast.Constant(-1)), ast.Load())
    return ast.For(targets[0] if len(targets) == 1 else ast.Tuple(targets, ast.Store()),
                   over, body, [], lineno=0)


def _over_indices(loop: ast.For) -> tuple[str | None, ast.expr | None, bool]:
    """A loop's index, the sequence it counts (``range(len(xs))``, ``range(0, len(xs))``,
    ``range(len(xs) - 1, -1, -1)``, ``reversed(range(len(xs)))``) and whether backwards."""
    it, backwards = loop.iter, False
    if isinstance(it, ast.Call) and _called(it, "reversed", 1):
        it, backwards = it.args[0], True
    if loop.orelse or not isinstance(loop.target, ast.Name) or not isinstance(it, ast.Call) \
            or not it.args or not _called(it, "range", len(it.args)):
        return None, None, False
    args = [ast.unparse(a) for a in it.args]
    start = it.args[0]
    if args[1:] == ["-1", "-1"] and not backwards and isinstance(start, ast.BinOp) and \
            isinstance(start.op, ast.Sub) and ast.unparse(start.right) == "1":
        counted, backwards = start.left, True
    elif len(args) == 1 or (len(args) == 2 and args[0] == "0"):
        counted = it.args[-1]
    else:
        return None, None, False
    if not (isinstance(counted, ast.Call) and _called(counted, "len", 1)):
        return None, None, False
    return loop.target.id, counted.args[0], backwards


def _called(node: ast.Call, name: str, count: int) -> bool:
    """Whether ``node`` calls the builtin ``name`` with ``count`` plain arguments."""
    return isinstance(node.func, ast.Name) and \
        node.func.id == name and len(node.args) == count and not node.keywords and \
        not any(isinstance(a, ast.Starred) for a in node.args)


def _plain(node: ast.AST) -> bool:
    """A name, or attributes of one (``node.parents``): what an index loop reads."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)


def _in_order(nodes: list[ast.stmt]) -> list[ast.AST]:
    """Every node of ``nodes``, in the order they are written."""
    found: list[ast.AST] = []
    todo: list[ast.AST] = list(reversed(nodes))
    while todo:
        node = todo.pop()
        found.append(node)
        todo += reversed(list(ast.iter_child_nodes(node)))
    return found


class _Indexed(ast.NodeTransformer):
    """``xs[i]`` as the name ``names`` gives ``xs``."""

    def __init__(self, index: str, names: dict[str, str]) -> None:
        self.index, self.names = index, names

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        if isinstance(node.slice, ast.Name) and node.slice.id == self.index and \
                ast.dump(node.value) in self.names:
            return ast.Name(self.names[ast.dump(node.value)], ast.Load())
        return self.generic_visit(node)


def _unpacked(block: list[ast.stmt]) -> list[ast.stmt]:
    """``t = e`` then ``a, b = t[0], t[1]`` (or ``a = t[0]``, ``b = t[1]``), ``t`` read
    nowhere after, as ``a, b = e``."""
    kept: list[ast.stmt] = []
    i = 0
    while i < len(block):
        statement = block[i]
        taken = _taken(statement, block[i + 1:])
        if taken and isinstance(statement, ast.Assign):
            count, names = taken
            kept.append(ast.Assign([ast.Tuple([ast.Name(n, ast.Store()) for n in names],
                                              ast.Store())], statement.value, lineno=0))
            i += 1 + count
        else:
            kept.append(statement)
            i += 1
    return kept


def _taken(statement: ast.stmt, rest: list[ast.stmt]) -> tuple[int, list[str]] | None:
    """How many statements of ``rest`` take ``statement``'s one name apart by its indices
    0, 1, ... into names, and those names, if it is read nowhere after; else None."""
    if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1 and
            isinstance(statement.targets[0], ast.Name)) or not rest:
        return None
    name, first = statement.targets[0].id, rest[0]
    parts: list[tuple[ast.expr, ast.expr]] = []
    if isinstance(first, ast.Assign) and len(first.targets) == 1 and isinstance(
            first.targets[0], ast.Tuple) and isinstance(first.value, ast.Tuple):
        parts, used = list(zip(first.targets[0].elts, first.value.elts)), 1
        if len(first.targets[0].elts) != len(first.value.elts):
            return None
    else:
        for step in rest:
            if not (isinstance(step, ast.Assign) and len(step.targets) == 1 and
                    _item(step.value, name) == len(parts)):
                break
            parts.append((step.targets[0], step.value))
        used = len(parts)
    if len(parts) < 2 or not all(isinstance(t, ast.Name) and t.id != name and
                                 _item(v, name) == k for k, (t, v) in enumerate(parts)):
        return None
    if any(isinstance(n, ast.Name) and n.id == name for s in rest[used:] for n in ast.walk(s)):
        return None
    return used, [t.id for t, _ in parts if isinstance(t, ast.Name)]


def _item(node: ast.expr, name: str) -> int | None:
    """``k`` if ``node`` is ``name[k]``, ``k`` a whole number; else None."""
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and \
            node.value.id == name and isinstance(node.slice, ast.Constant) and \
            type(node.slice.value) is int:
        return node.slice.value
    return None
