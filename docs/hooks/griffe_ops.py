"""A griffe extension for the API reference (mkdocstrings reads the package with griffe).

griffe reads the source without running it, so an op made by a line of the op table
(``exp = unary_op("exp", ...)``) looks like a plain variable to it. This extension imports
the package and shows each such name as the function it is, with the signature and
docstring it has at run time (``help(tinygrad_edu.exp)`` shows the same). Likewise a class
whose ``__init__`` griffe does not see (a NamedTuple, one that inherits it) gets the
signature Python gives it; exceptions and protocols, which nobody calls, keep none.

A module shows exactly the names of its ``__all__`` (tests/test_docs.py requires one in every
module); in a class, the names that do not start with ``_`` (mkdocs.yml's filter).

It also turns the docstrings' doctest examples (``>>>`` lines and their output) and
reStructuredText literal blocks (a paragraph ending in ``::`` followed by an indented block)
into Markdown code blocks, which is what mkdocstrings renders.
"""

from __future__ import annotations

import importlib
import inspect
import re
import typing
from typing import Any

import griffe


def annotation(value: Any) -> str | None:
    if value is inspect.Parameter.empty:
        return None
    if isinstance(value, typing.ForwardRef):  # a NamedTuple's "np.ndarray"
        return value.__forward_arg__
    return value if isinstance(value, str) else inspect.formatannotation(value)


def parameters(signature: inspect.Signature) -> griffe.Parameters:
    return griffe.Parameters(*(
        griffe.Parameter(p.name, annotation=annotation(p.annotation),
                         kind=griffe.ParameterKind(p.kind.description),
                         default=None if p.default is inspect.Parameter.empty
                         else repr(p.default))
        for p in signature.parameters.values()))


def as_function(attr: griffe.Attribute, obj: Any) -> griffe.Function:
    """A griffe Function for the run-time function ``obj`` that ``attr`` names."""
    signature = inspect.signature(obj)
    function = griffe.Function(attr.name, parameters=parameters(signature),
                               returns=annotation(signature.return_annotation),
                               lineno=attr.lineno, endlineno=attr.endlineno)
    doc = inspect.getdoc(obj)
    if doc:
        function.docstring = griffe.Docstring(doc, parent=function)
    return function


def fenced(docstring: str) -> str:
    """Doctest examples and ``::`` literal blocks as fenced Markdown code blocks."""
    lines, out, i = docstring.splitlines(), [], 0
    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith(">>>"):
            indent = len(line) - len(line.lstrip())
            block = []
            while i < len(lines) and lines[i].strip():
                block.append(lines[i][indent:])
                i += 1
            out += ["```pycon", *block, "```"]
            continue
        if line.rstrip().endswith("::") and i + 2 < len(lines) and not lines[i + 1].strip():
            out.append(re.sub(r"\s*::$", ":", line.rstrip()))
            i += 2
            block = []
            while i < len(lines) and (not lines[i].strip() or lines[i].startswith("    ")):
                block.append(lines[i][4:])
                i += 1
            while block and not block[-1].strip():
                block.pop()
            out += ["", "```python", *block, "```", ""]
            continue
        out.append(line)
        i += 1
    return "\n".join(out)


def called(cls: Any) -> bool:
    """Whether a reader calls the class to make one: not an exception or a protocol."""
    return not (issubclass(cls, BaseException) or getattr(cls, "_is_protocol", False))


class OpsAsFunctions(griffe.Extension):
    def on_package(self, *, pkg: griffe.Module, loader: griffe.GriffeLoader,
                   **kwargs: Any) -> None:
        self._module(pkg)

    def _module(self, module: griffe.Module) -> None:
        runtime = importlib.import_module(module.path)
        exported = set(runtime.__all__)
        for name, member in list(module.members.items()):
            if not member.is_alias and member.is_module:  # a sub-module: keep it, but the
                if name == "__main__":                     # command line, told in the guides
                    module.del_member(name)
                else:
                    self._module(member)  # type: ignore[arg-type]
                continue
            if member.is_alias:  # an import: shown only if exported (and the dataclasses
                continue         # extension needs ``dataclass`` itself)
            if name not in exported:  # a helper defined here
                module.del_member(name)
                continue
            value: Any = getattr(runtime, name)
            if member.is_attribute and inspect.isfunction(value):
                member = as_function(member, value)  # type: ignore[arg-type]
                module.set_member(name, member)
            if member.is_class and "__init__" not in member.all_members and called(value):
                init = griffe.Function("__init__", parameters=parameters(
                    inspect.signature(value)), lineno=member.lineno, endlineno=member.lineno)
                member.set_member("__init__", init)
        for member in module.members.values():  # once every op is a function
            if not member.is_alias and not member.is_module:
                self._docstrings(member)

    def _docstrings(self, obj: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = fenced(obj.docstring.value)
        if obj.is_class:
            for name, member in obj.members.items():
                if member.is_alias:
                    continue
                if member.is_function and member.docstring is None:
                    borrowed(obj, name, member)
                self._docstrings(member)


def borrowed(cls: Any, name: str, method: Any) -> None:
    """A method that only applies the module's op of the same name (``Value.exp`` is
    ``exp(self)``, ``Value.abs`` is ``abs_(self)``) gets that op's docstring."""
    module = cls.parent
    for op in (name, f"{name}_"):
        if op in module.members and not module.members[op].is_alias:
            doc = module.members[op].docstring
            if doc is not None:
                method.docstring = griffe.Docstring(
                    f"``{op}`` applied to this {cls.name}: {doc.value}", parent=method)
                return
