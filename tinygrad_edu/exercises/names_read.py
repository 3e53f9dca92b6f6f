"""Where a file's text reads an attribute, or a mapping's key, by a name written in it: the
one list of such places that the grader's readings of a file share (``machinery.py``'s, for
Python's machinery; ``rule_reading.py``'s, for complex numbers and names bound dynamically),
so that a name counts as read wherever the syntax reads it, not only as ``x.name``.

Python reads an attribute by a name written in the file in more places than an attribute
(``ast.Attribute``):

- a class pattern's keywords: ``case object(tb_frame=fr)`` reads ``tb_frame`` of the
  subject, as ``getattr`` would (``ast.MatchClass.kwd_attrs``, plain strings in the tree);
- a class's ``__match_args__``: its strings are the attributes its positional patterns read
  (``case P(fr)`` reads the first), whatever the class says it is an instance of;

and a mapping's key in two: a subscript (``found["__builtins__"]``) and a mapping pattern
(``case {"__builtins__": b}``). An attacker read a traceback's frames, the audit hook's
state and a frame's builtins through class patterns alone, and a complex number's
imaginary part so (issue 65's a65: m1, m3, b1), which neither reading saw.
"""

from __future__ import annotations

import ast

__all__ = ["attributes_read", "is_key"]


def attributes_read(node: ast.AST) -> list[str]:
    """The names of the attributes ``node`` reads (see the module's docstring): an
    attribute's, a class pattern's keywords, or the strings of an assignment to
    ``__match_args__``; empty for any other node."""
    if isinstance(node, ast.Attribute):
        return [node.attr]
    if isinstance(node, ast.MatchClass):
        return list(node.kwd_attrs)
    targets = node.targets if isinstance(node, ast.Assign) else \
        [node.target] if isinstance(node, ast.AnnAssign) else []
    if any(isinstance(t, ast.Name) and t.id == "__match_args__" for t in targets):
        value = getattr(node, "value", None)
        return [sub.value for sub in ast.walk(value) if isinstance(sub, ast.Constant)
                and isinstance(sub.value, str)] if value is not None else []
    return []


def is_key(node: ast.AST, parent: ast.AST | None) -> bool:
    """Whether ``node`` is a key a mapping is read with: a subscript's, or a mapping
    pattern's."""
    if isinstance(parent, ast.Subscript):
        return parent.slice is node
    if isinstance(parent, ast.MatchMapping):
        return any(key is node for key in parent.keys)
    return False
