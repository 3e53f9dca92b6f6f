"""A definition read for copies as a teacher reading for copies reads it (``copies.py``), in
the manner of MOSS: dead code left out, light rewrites undone, then written out as tokens (the
learner's own names one token) and fingerprinted, every run of ``GRAM`` tokens."""

from __future__ import annotations

import ast
import builtins
import copy
import io
import keyword
import tokenize

from tinygrad_edu.exercises import copy_forms

__all__ = ["BUILTINS", "GRAM", "INERT", "Definition", "Fingerprints", "bound",
           "fingerprints", "tokens"]

GRAM = 10
"""Tokens per fingerprint."""

SAME_ATTRIBUTES = {"_prev": "parents", "_children": "parents", "children": "parents",
                   "_local_grads": "local_grads"}
"""Attributes that name the same thing in micrograd, microgpt and the exercises."""

BUILTINS = frozenset(dir(builtins))
"""Python's own names (len, range, ...): written as themselves, never made anonymous."""
Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
"""What is read for copies: a function (async too) or a class, as parsed."""
Fingerprints = frozenset[tuple[str, ...]]
"""A definition's fingerprints: every run of ``GRAM`` of its tokens."""


def fingerprints(node: Definition, imports: dict[str, str], named: bool = False
                 ) -> Fingerprints:
    """The fingerprints of a definition (see the module's docstring): every run of ``GRAM``
    of its tokens (``named``: its names as written, ``tokens``); none for one too deep to
    read."""
    try:
        words = tokens(node, imports, named)
    except (RecursionError, ValueError, SyntaxError, tokenize.TokenError):
        return frozenset()
    return frozenset(tuple(words[i:i + GRAM]) for i in range(len(words) - GRAM + 1))


def tokens(node: Definition, imports: dict[str, str], named: bool = False,
           numbered: bool = False) -> list[str]:
    """A definition as tokens, its dead code left out and light rewrites undone, its own
    names (and its function's name and signature) made anonymous; or, if ``named``, the
    names it chose kept as written, its function's name and signature alone anonymous (what
    the exercise's starter gives, or a copy renames first); or, if ``numbered``, every name
    it binds (``bound``) numbered in the order it first appears, ``_0``, ``_1``, ... (a copy
    with every name of its own renamed reads the same, and which name is which is kept), the
    others as written."""
    tree = copy_forms.after(_Plain().visit(copy_forms.before(_dead_left_out(
        copy_forms.unwrapped(_copied(node), imports)))))
    text = ast.unparse(ast.fix_missing_locations(tree))
    if numbered:
        own, named = bound(tree), True
    elif named:
        own = {tree.name} | ({a.arg for a in ast.walk(tree.args) if isinstance(a, ast.arg)}
                             if not isinstance(tree, ast.ClassDef) else set())
    else:
        own = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
               and not isinstance(n.ctx, ast.Load)}
        own |= {n.arg for n in ast.walk(tree) if isinstance(n, ast.arg)}
        own |= {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef,
                                                                  ast.AsyncFunctionDef))}
    words: list[str] = []
    before = ""
    numbers: dict[str, str] = {}
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        word = _word(token, before, own, imports, named)
        if numbered and word == "_" and token.string in own:
            word = numbers.setdefault(token.string, f"_{len(numbers)}")
        if word:
            words.append(word)
        before = token.string
    if not isinstance(node, ast.ClassDef) and ">" in words:  # (a function's body alone)
        words = words[words.index(">") + 1:]
    return words


def bound(tree: Definition) -> set[str]:
    """The names a definition binds: its own name, its parameters (a lambda's too), locals,
    loop and comprehension variables, nested functions and classes, ``except ... as`` and
    ``match`` captures, local imports; not what a class's body binds (its methods and
    attributes, read as attributes: ``self.tanh``)."""
    members = {id(part) for owner in ast.walk(tree) if isinstance(owner, ast.ClassDef)
               for statement in owner.body for part in (
                   [statement] if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                         ast.ClassDef))
                   else ast.walk(statement) if isinstance(
                       statement, (ast.Assign, ast.AnnAssign, ast.AugAssign)) else [])}
    names = {tree.name}
    for n in ast.walk(tree):
        if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load) and id(n) not in members:
            names.add(n.id)
        elif isinstance(n, ast.arg):
            names.add(n.arg)
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and \
                id(n) not in members:
            names.add(n.name)
        elif isinstance(n, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and n.name:
            names.add(n.name)
        elif isinstance(n, ast.MatchMapping) and n.rest:
            names.add(n.rest)
        elif isinstance(n, ast.alias):
            names.add(n.asname or n.name.split(".")[0])
    return names


DEEP = 100
"""How deep a definition is read: an expression, a statement or a pattern below it is read
as the one name ``deep``. Copying, rewriting and writing out a tree recurse, and a file's
``0+0+...+0`` of 300 terms, an ``if`` of 300 ``elif`` branches (each an ``if`` within the one
before) or a ``match`` pattern of lists 190 deep would otherwise leave its whole function
unread (its copy of a model answer unflagged)."""
DEEP_STATEMENTS = 40
"""How many statements deep a definition is read: a statement within more is read as
``deep`` too. Its tokens are read from the tree written out, and Python's tokenizer takes at
most 99 levels of indentation from 3.12 on (a ``match`` indents its cases' bodies twice; the
rewrites write an ``if`` of 300 ``elif`` branches as ``if`` within ``if``, 100 deep, which left
its function unread there)."""


def _deep(child: ast.AST) -> ast.AST | None:
    """What stands for ``child``, cut below ``DEEP``: ``deep`` as an expression, a statement
    or a pattern; nothing for a node of another kind (a keyword, a comprehension), whose
    own expressions, statements or patterns are cut one level down."""
    if isinstance(child, ast.expr):
        return ast.Name(id="deep", ctx=ast.Load())
    if isinstance(child, ast.stmt):
        return ast.Expr(value=ast.Name(id="deep", ctx=ast.Load()))
    if isinstance(child, ast.pattern):
        return ast.MatchAs(pattern=None, name="deep")
    return None


def _copied(node: Definition) -> Definition:
    """A copy of ``node``, each expression, statement or pattern deeper than ``DEEP`` in it
    (a statement within more than ``DEEP_STATEMENTS`` statements) replaced by ``deep`` (found
    without recursion; ``node`` itself is put back as it was)."""
    cut: list[tuple[ast.AST, str, int | None, ast.AST, ast.AST]] = []
    stack: list[tuple[ast.AST, int, int]] = [(node, 0, 0)]  # (a node, its depth, statements)
    while stack:
        parent, depth, statements = stack.pop()
        for field, value in ast.iter_fields(parent):
            for index, child in (enumerate(value) if isinstance(value, list)
                                 else [(None, value)]):
                if not isinstance(child, ast.AST):
                    continue
                within = statements + isinstance(child, ast.stmt)
                stand_in = _deep(child) if depth >= DEEP or within > DEEP_STATEMENTS else None
                if stand_in is not None:
                    cut.append((parent, field, index, child, stand_in))
                else:
                    stack.append((child, depth + 1, within))
    for parent, field, index, _, stand_in in cut:
        _put(parent, field, index, stand_in)
    try:
        return copy.deepcopy(node)
    finally:
        for parent, field, index, child, _ in cut:
            _put(parent, field, index, child)


def _put(parent: ast.AST, field: str, index: int | None, child: ast.AST) -> None:
    if index is None:
        setattr(parent, field, child)
    else:
        getattr(parent, field)[index] = child


def _word(token: tokenize.TokenInfo, before: str, own: set[str], imports: dict[str, str],
          named: bool = False) -> str:
    """One token as the comparison reads it ("" if it is left out)."""
    text = token.string
    if token.type == tokenize.NAME:
        if text in ("True", "False"):
            return "0"
        if before == ".":
            return SAME_ATTRIBUTES.get(text, text)
        if keyword.iskeyword(text) or (text.startswith("__")
                                                          and text.endswith("__")):
            return text
        if text in imports:
            return f"<{imports[text]}>"
        if named:
            return "_" if text in own else text
        return text if text in BUILTINS and text not in own else "_"
    words = {tokenize.NUMBER: "0", tokenize.STRING: "''", tokenize.INDENT: ">",
             tokenize.DEDENT: "<", tokenize.NEWLINE: ";", tokenize.OP: text}
    return words.get(token.type, "")


_EMPTY = "__empty__"
"""An empty container, however written (a dunder name: kept as it is)."""


def _dead_left_out(node: ast.AST) -> ast.AST:
    """Code that changes nothing left out: statements after a ``return``, ``raise``,
    ``break`` or ``continue`` in their block; a block under a constant false test (its
    ``else`` kept); an ``assert``, an expression statement or a name assigned and never
    read but by such assignments of its own (``x = x``, ``n = n + 1``, ``n += 1``) that
    calls nothing but ``INERT`` builtins (until nothing more goes: a chain of them, ``b = a``,
    ``c = b``, all of it). In time linear in the definition's size: the blocks left out
    first (``_DeadBlocks``), then the names read found once (``_read``), then the
    assignments left out (``_DeadAssignments``)."""
    node = _DeadBlocks().visit(node)
    return _DeadAssignments(*_read(node)).visit(node)


class _DeadBlocks(ast.NodeTransformer):
    """The statements of each block that never run, or run and change nothing, left out
    (``_dead_left_out``); every assignment kept."""

    def generic_visit(self, node: ast.AST) -> ast.AST:
        node = super().generic_visit(node)
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                kept = []
                for statement in block:
                    kept.extend(self._kept(statement))
                    if isinstance(statement, (ast.Return, ast.Raise, ast.Break, ast.Continue)):
                        break
                if field == "body" and not kept:
                    kept = [ast.Pass()]
                setattr(node, field, kept)
        return node

    def _kept(self, statement: ast.stmt) -> list[ast.stmt]:
        if isinstance(statement, (ast.If, ast.While)) and isinstance(statement.test,
                                                                      ast.Constant):
            if statement.test.value:
                return statement.body if isinstance(statement, ast.If) else [statement]
            return list(statement.orelse)
        if isinstance(statement, (ast.Expr, ast.Pass, ast.Assert)) and _inert(statement):
            return []
        return [statement]


class _DeadAssignments(_DeadBlocks):
    """``_DeadBlocks``, and the assignments of ``assigned`` (by id, the names each assigns:
    to names alone, of what calls nothing but ``INERT`` builtins) to names not ``read``
    left out. (The blocks are looked at again: a ``return`` brought up by a constant true
    test's block into the block around it leaves what follows it there.)"""

    def __init__(self, read: set[str], assigned: dict[int, set[str]]) -> None:
        self.read, self.assigned = read, assigned

    def _kept(self, statement: ast.stmt) -> list[ast.stmt]:
        names = self.assigned.get(id(statement))
        if names is not None and names.isdisjoint(self.read):
            return []  # (never read but by its own assignments: x = x, x = x + 1)
        return super()._kept(statement)


def _read(node: ast.AST) -> tuple[set[str], dict[int, set[str]]]:
    """The names a definition reads: in any statement but an assignment to names alone of
    what calls nothing but ``INERT`` builtins, and in such an assignment, but its own
    (``n = n + 1``), once a name it assigns is read (a worklist: each statement once); and
    such assignments, by id, with the names each assigns."""
    read: set[str] = set()
    assigned: dict[int, set[str]] = {}
    needs: dict[str, list[list[str]]] = {}  # (a name: what its assignments read)
    scratch = _scratch(node)
    stack = [node]
    while stack:
        part = stack.pop()
        if isinstance(part, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and _inert(
                part.value) and all(isinstance(t, ast.Name) or _into(t, scratch)
                                    for t in _targets(part)):
            names = assigned[id(part)] = {t.id if isinstance(t, ast.Name) else _into(t, scratch)
                                          for t in _targets(part)}
            uses = [n.id for n in ast.walk(part) if isinstance(n, ast.Name) and isinstance(
                n.ctx, ast.Load) and n.id not in names]
            for name in names:
                needs.setdefault(name, []).append(uses)
            continue
        if isinstance(part, ast.Name) and isinstance(part.ctx, ast.Load):
            read.add(part.id)
        stack.extend(ast.iter_child_nodes(part))
    todo = list(read)
    while todo:
        for uses in needs.pop(todo.pop(), ()):
            for name in uses:
                if name not in read:
                    read.add(name)
                    todo.append(name)
    return read, assigned


def _scratch(node: ast.AST) -> set[str]:
    """The names a definition binds only to a literal container of its own (``_t = [0]``),
    never given to it nor bound otherwise: an item set in one (``_t[0] = _t[0] + 1``) and
    never read but by such assignments is dead code too (a copy padded with such a line
    before each of its own, by a script, was read as other code: an attacker's, issue 65)."""
    made: set[str] = set()
    other: set[str] = {a.arg for a in ast.walk(node) if isinstance(a, ast.arg)}
    for part in ast.walk(node):
        if isinstance(part, ast.Assign) and len(part.targets) == 1 and isinstance(
                part.targets[0], ast.Name) and isinstance(part.value, (ast.List, ast.Dict,
                                                                       ast.Set)):
            made.add(part.targets[0].id)
            continue
        for target in (part.targets if isinstance(part, ast.Assign) else
                       [part.target] if isinstance(part, (ast.AugAssign, ast.AnnAssign,
                                                          ast.For, ast.comprehension))
                       else [n for n in [getattr(part, "optional_vars", None)] if n]):
            other.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name)
                         and isinstance(n.ctx, ast.Store))
        if isinstance(part, (ast.Global, ast.Nonlocal)):
            other.update(part.names)
        elif isinstance(part, ast.NamedExpr):
            other.add(part.target.id)
    return made - other


def _into(target: ast.expr, scratch: set[str]) -> str:
    """The name of ``scratch`` an item of which ``target`` is (``_t[0]``), else empty."""
    if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) and \
            target.value.id in scratch:
        return target.value.id
    return ""


def _targets(statement: ast.Assign | ast.AugAssign | ast.AnnAssign) -> list[ast.expr]:
    """What an assignment assigns."""
    return statement.targets if isinstance(statement, ast.Assign) else [statement.target]


INERT = frozenset({
    "abs", "all", "any", "bin", "bool", "chr", "dict", "divmod", "enumerate", "float",
    "format", "frozenset", "hash", "hex", "id", "int", "isinstance", "issubclass", "iter",
    "len", "list", "max", "min", "oct", "ord", "pow", "print", "range", "repr", "reversed",
    "round", "set", "sorted", "str", "sum", "tuple", "type", "zip"})
"""Builtins whose call changes nothing a grader reads (``print`` writes, nothing more): a
statement that only calls them, or assigns what they return to a name never read, is dead."""


def _inert(node: ast.AST | None) -> bool:
    """Whether ``node`` calls nothing but ``INERT`` builtins (and awaits, yields nothing)."""
    return node is None or not any(
        isinstance(n, (ast.Await, ast.Yield, ast.YieldFrom)) or (isinstance(n, ast.Call) and not (
            isinstance(n.func, ast.Name) and n.func.id in INERT)) for n in ast.walk(node))


class _Plain(ast.NodeTransformer):
    """Light rewrites undone (see the module's docstring): each form rewritten to one."""

    def generic_visit(self, node: ast.AST) -> ast.AST:
        node = super().generic_visit(node)
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if isinstance(block, list):  # (a statement rewritten as several, or as none)
                flat = [s for item in block for s in (item if isinstance(item, list)
                                                      else [item])]
                setattr(node, field, flat or ([ast.Pass()] if field == "body" else []))
        return node

    def _definition(self, node: Definition) -> ast.AST:
        node.decorator_list = []
        if not isinstance(node, ast.ClassDef):
            node.returns = None
        return self.generic_visit(node)

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _definition

    def visit_arg(self, node: ast.arg) -> ast.AST:
        node.annotation = None
        return node

    def visit_Expr(self, node: ast.Expr) -> ast.AST | None:
        node = self.generic_visit(node)  # type: ignore[assignment]
        value = node.value
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and \
                value.func.id == "setattr" and len(value.args) == 3 and not value.keywords \
                and _named_constant(value.args[1]):  # (setattr(o, "x", v): o.x = v)
            return ast.Assign([ast.Attribute(value.args[0], _named_constant(value.args[1]),
                                             ast.Store())], value.args[2], lineno=0)
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            return None  # (a docstring, a bare string)
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and len(
                value.args) == 1 and not value.keywords:
            xs, item = value.func.value, value.args[0]
            if value.func.attr == "append":
                return _assign(xs, ast.BinOp(xs, ast.Add(), ast.List([item], ast.Load())))
            if value.func.attr == "extend":
                return _assign(xs, ast.BinOp(xs, ast.Add(), item))
            if value.func.attr == "add":
                return ast.Assign([ast.Subscript(xs, item, ast.Store())], ast.Constant(True),
                                  lineno=0)
        return node

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        node = self.generic_visit(node)  # type: ignore[assignment]
        return _assign(node.target, ast.BinOp(_loaded(node.target), node.op, node.value))

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST | None:
        if node.value is None:
            return None
        return self.visit(ast.Assign([node.target], node.value, lineno=0))

    def visit_Assign(self, node: ast.Assign) -> ast.AST | list[ast.stmt]:
        node = self.generic_visit(node)  # type: ignore[assignment]
        (target, *more), value = node.targets, node.value
        if not more and isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple) and len(
                target.elts) == len(value.elts) and not any(
                isinstance(e, ast.Starred) for e in [*target.elts, *value.elts]):
            return [ast.Assign([t], v, lineno=0) for t, v in zip(target.elts, value.elts)]
        return node

    def visit_For(self, node: ast.For) -> ast.AST:
        """``for t in it: xs = xs + [e]`` (appends, a loop of them) as ``xs = xs + (e for t
        in it)`` (an extend)."""
        node = self.generic_visit(node)  # type: ignore[assignment]
        step = node.body[0] if len(node.body) == 1 and not node.orelse else None
        if isinstance(step, ast.Assign) and isinstance(step.value, ast.BinOp) and isinstance(
                step.value.op, ast.Add) and isinstance(step.value.right, ast.List) and len(
                step.value.right.elts) == 1 and ast.dump(step.value.left) == ast.dump(
                _loaded(step.targets[0])):
            every = ast.GeneratorExp(step.value.right.elts[0],
                                     [ast.comprehension(node.target, node.iter, [], 0)])
            return _assign(step.targets[0], ast.BinOp(step.value.left, ast.Add(), every))
        return node

    def visit_Call(self, node: ast.Call) -> ast.AST:
        node = self.generic_visit(node)  # type: ignore[assignment]
        bound = _bound(node)
        if not isinstance(bound, ast.Call):
            return bound
        node = bound
        if isinstance(node.func, ast.Attribute) and node.func.attr == "get" and len(
                node.args) == 2 and isinstance(node.args[1], ast.Constant) and \
                node.args[1].value is None:
            del node.args[1:]  # (d.get(k, None): d.get(k))
        elif isinstance(node.func, ast.Attribute) and node.func.attr == "get" and len(
                node.args) == 2 and isinstance(node.args[1], ast.Constant) and type(
                node.args[1].value) in (int, float) and not node.keywords:
            return ast.Subscript(node.func.value, node.args[0], ast.Load())  # (d.get(k, 0))
        name = node.func.id if isinstance(node.func, ast.Name) else ""
        if node.keywords or len(node.args) > 1:
            return node
        if name == "reversed" and node.args:
            return ast.Subscript(node.args[0], ast.Slice(None, None, ast.Constant(-1)),
                                 ast.Load())
        if name in ("set", "dict", "list", "tuple") and not node.args:
            return ast.Name(_EMPTY, ast.Load())
        if name in ("list", "set", "tuple") and node.args and isinstance(node.args[0],
                                                                          ast.GeneratorExp):
            return node.args[0]
        return node

    def _container(self, node: ast.AST) -> ast.AST:
        node = self.generic_visit(node)
        if not getattr(node, "elts", None) and not getattr(node, "keys", None):
            return ast.Name(_EMPTY, ast.Load())
        return node

    visit_List = visit_Tuple = visit_Set = visit_Dict = _container

    def _comprehension(self, node: ast.ListComp | ast.SetComp) -> ast.AST:
        node = self.generic_visit(node)  # type: ignore[assignment]
        return ast.GeneratorExp(node.elt, node.generators)

    visit_ListComp = visit_SetComp = _comprehension

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        node = self.generic_visit(node)  # type: ignore[assignment]
        left = node.left
        if isinstance(left, ast.Call) and isinstance(left.func, ast.Name) and \
                left.func.id == "len" and len(left.args) == 1 and [ast.dump(o) for o in (
                    *node.ops, *node.comparators)] in ([ast.dump(ast.Gt()), _ZERO], [
                    ast.dump(ast.NotEq()), _ZERO]):
            return left.args[0]  # (len(xs) > 0: xs)
        if len(node.ops) == 1 and isinstance(node.ops[0], (ast.Eq, ast.NotEq, ast.Is, ast.IsNot)
                                             ) and isinstance(node.comparators[0], ast.Constant
                                                              ) and isinstance(
                node.comparators[0].value, bool):
            return left  # (x == True, x is False: x, as ``not`` is left out)
        node.comparators = [_keys(c) if isinstance(o, (ast.In, ast.NotIn)) else c
                            for o, c in zip(node.ops, node.comparators)]
        node.ops = [{ast.NotIn: ast.In, ast.IsNot: ast.Is, ast.NotEq: ast.Eq}.get(
            type(op), type(op))() for op in node.ops]
        return node

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        node = self.generic_visit(node)  # type: ignore[assignment]
        return node.operand if isinstance(node.op, ast.Not) else node

    def visit_IfExp(self, node: ast.IfExp) -> ast.AST:
        """``d[k] if k in d else e`` (or ``e if k not in d else d[k]``) as ``d.get(k, e)``."""
        got = _got(node.test, node.body, node.orelse)
        if got is not None:
            return self.visit(got)
        node = self.generic_visit(node)  # type: ignore[assignment]
        node.test = _truth(node.test)
        return node

    def visit_If(self, node: ast.If) -> ast.AST:
        """``if k in d: v = d[k]`` ``else: v = e`` (or ``return`` so) as ``v = d.get(k, e)``."""
        one, other, statement = _branch(node.body), _branch(node.orelse), node.body[0]
        got = _got(node.test, one[1], other[1]) if one and other and one[0] == other[0] \
            else None
        if got is not None and isinstance(statement, (ast.Assign, ast.Return)):
            statement.value = got
            return self.visit(statement)
        node = self.generic_visit(node)  # type: ignore[assignment]
        node.test = _truth(node.test)
        return node

    def visit_While(self, node: ast.While) -> ast.AST:
        node = self.generic_visit(node)  # type: ignore[assignment]
        node.test = _truth(node.test)
        return node


_ZERO = ast.dump(ast.Constant(0))

TYPES = frozenset({"list", "set", "dict", "str", "tuple", "frozenset", "bytes", "int",
                   "float", "object"})
"""Builtin types whose methods a copy may call unbound: ``list.append(xs, e)``."""


def _named_constant(node: ast.expr) -> str:
    """The name ``node`` is as a constant text (``"grad"``), or ""."""
    text = node.value if isinstance(node, ast.Constant) else None
    return text if isinstance(text, str) and text.isidentifier() and \
        not keyword.iskeyword(text) else ""


def _bound(node: ast.Call) -> ast.expr:
    """A method called unbound as it is called bound: ``list.append(xs, e)``,
    ``type(xs).append(xs, e)`` and ``xs.__class__.append(xs, e)`` as ``xs.append(e)``;
    ``getattr(o, "x")`` as ``o.x``; else ``node``."""
    func, args = node.func, node.args
    if isinstance(func, ast.Name) and func.id == "getattr" and len(args) == 2 and \
            not node.keywords and _named_constant(args[1]):
        return ast.Attribute(args[0], _named_constant(args[1]), ast.Load())
    if not (isinstance(func, ast.Attribute) and args and not isinstance(args[0], ast.Starred)):
        return node
    owner, receiver = func.value, ast.dump(args[0])
    if (isinstance(owner, ast.Name) and owner.id in TYPES) or (
            isinstance(owner, ast.Call) and isinstance(owner.func, ast.Name) and
            owner.func.id == "type" and len(owner.args) == 1 and not owner.keywords and
            ast.dump(owner.args[0]) == receiver) or (
            isinstance(owner, ast.Attribute) and owner.attr == "__class__" and
            ast.dump(owner.value) == receiver):
        return ast.Call(ast.Attribute(args[0], func.attr, ast.Load()), args[1:], node.keywords)
    return node


def _got(test: ast.expr, then: ast.expr | None, otherwise: ast.expr | None) -> ast.expr | None:
    """``d.get(k, e)`` (``d.get(k)`` for ``e`` None) for ``then if test else otherwise``
    that is ``d[k] if k in d else e`` or ``e if k not in d else d[k]``; else None."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(
            test.ops[0], (ast.In, ast.NotIn))):
        return None
    if isinstance(test.ops[0], ast.NotIn):
        then, otherwise = otherwise, then
    key, mapping = test.left, _keys(test.comparators[0])
    if not (isinstance(then, ast.Subscript) and otherwise is not None and ast.dump(
            then.value) == ast.dump(mapping) and ast.dump(then.slice) == ast.dump(key)):
        return None
    default = [] if isinstance(otherwise, ast.Constant) and otherwise.value is None else [
        otherwise]
    return ast.Call(ast.Attribute(mapping, "get", ast.Load()), [key, *default], [])


def _branch(block: list[ast.stmt]) -> tuple[str, ast.expr | None] | None:
    """A block of one assignment or ``return``: where it puts its value, and the value."""
    if len(block) == 1 and isinstance(block[0], ast.Assign):
        return " ".join(ast.dump(target) for target in block[0].targets), block[0].value
    if len(block) == 1 and isinstance(block[0], ast.Return):
        return "return", block[0].value
    return None


def _keys(mapping: ast.expr) -> ast.expr:
    """``d.keys()`` as ``d`` (what ``in`` reads the same)."""
    if isinstance(mapping, ast.Call) and isinstance(mapping.func, ast.Attribute) and \
            mapping.func.attr == "keys" and not mapping.args and not mapping.keywords:
        return mapping.func.value
    return mapping


def _truth(test: ast.expr) -> ast.expr:
    """A test as its truth: ``len(xs)`` and ``bool(x)`` as ``xs`` and ``x`` (in ``and`` and
    ``or`` too)."""
    if isinstance(test, ast.BoolOp):
        test.values = [_truth(value) for value in test.values]
    elif isinstance(test, ast.Call) and isinstance(test.func, ast.Name) and test.func.id in (
            "len", "bool") and len(test.args) == 1 and not test.keywords:
        return test.args[0]
    return test


def _assign(target: ast.expr, value: ast.expr) -> ast.Assign:
    stored = copy.deepcopy(target)
    for part in ast.walk(stored):
        if hasattr(part, "ctx"):
            part.ctx = ast.Load()
    stored.ctx = ast.Store()  # type: ignore[attr-defined]
    return ast.Assign([stored], value, lineno=0)


def _loaded(node: ast.expr) -> ast.expr:
    loaded = copy.deepcopy(node)
    for part in ast.walk(loaded):
        if hasattr(part, "ctx"):
            part.ctx = ast.Load()
    return loaded
