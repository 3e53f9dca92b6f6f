"""A griffe extension for the API reference (mkdocstrings reads the package with griffe).

griffe reads the source without running it, so an op made by a line of the op table
(``exp = unary_op("exp", ...)``) looks like a plain variable to it. This extension imports
the package and shows each such name as the function it is, with the signature and
docstring it has at run time (``help(tinygrad_edu.exp)`` shows the same). Likewise a class
whose ``__init__`` griffe does not see (a NamedTuple, one that inherits it) gets the
signature Python gives it; exceptions and protocols, which nobody calls, keep none.

A module shows exactly the names of its ``__all__`` (tests/test_docs.py requires one in every
module); in a class, the names that do not start with ``_`` (mkdocs.yml's filter), and what a
user calls or reads, not the machinery behind it:

- a property made by a call (``data = property(operator.attrgetter("_data"), ...)``) is shown
  as the property it is, with its docstring, never as that line of source;
- an attribute that ``__init__`` sets is shown when it is documented: it has a docstring,
  the docstring of its class, its ``__init__`` or its module speaks of it (``Value.grad``,
  ``Op.formula``), or a page of the site names it in code (``optimizer.lr``); not when it
  is bookkeeping that nothing documents (``GivenOp.given_as``, the name and arity behind a
  node made by ``Value(data, children, local_grads)``);
- ``Value(data, label="")`` is shown so, without the ``*micrograd_args`` it accepts only to
  refuse them with a message (micrograd's private ``Value(data, (a, b), '+')``);
- a function named with a trailing underscore (``abs_``, ``pow_``, ``sum_``, ``max_``) says
  why: not to shadow Python's built-in of the same name; it works not in place, unlike
  PyTorch's names of that form.

It also turns the docstrings' doctest examples (``>>>`` lines and their output) and
reStructuredText literal blocks (a paragraph ending in ``::`` followed by an indented block)
into Markdown code blocks, which is what mkdocstrings renders.
"""

from __future__ import annotations

import builtins
import functools
import importlib
import inspect
import re
import typing
from pathlib import Path
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
        # functions assigned several on a line (add, sub = ...), which griffe does not see
        for name in sorted(exported - set(module.members)):
            if inspect.isfunction(getattr(runtime, name)):
                module.set_member(name, griffe.Attribute(name))
        for name, member in list(module.members.items()):
            if not member.is_alias and member.is_module:  # a sub-module: keep it, but the
                if name == "__main__" or moved(member.path):  # command line (told in the
                    module.del_member(name)                   # guides) and old paths' pointers
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
            if member.is_class:
                users_view(member, value)
            function: Any = member
            if function.is_function and name.endswith("_") and not name.startswith("_") and \
                    hasattr(builtins, name[:-1]):
                note = (f"(Named ``{name}`` only so as not to shadow Python's built-in "
                        f"``{name[:-1]}``. It works not in place, unlike PyTorch's names "
                        f"that end in ``_``: it returns a new node.)")
                doc = function.docstring.value if function.docstring else ""
                function.docstring = griffe.Docstring(f"{doc}\n\n{note}".strip(),
                                                      parent=function)
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


@functools.cache
def guides() -> str:
    """The code in the site's Markdown pages (where ``optimizer.lr`` is documented)."""
    docs = Path(__file__).resolve().parents[1]
    return "\n".join(" ".join(re.findall(r"`[^`\n]+`", path.read_text(encoding="utf-8")))
                     for path in sorted(docs.rglob("*.md")))


HIDDEN: list[str] = []  # what users_view left out, for a reader of this file to check


def users_view(cls: Any, runtime: type) -> None:
    """A class as its users see it (see the module's docstring): properties as properties,
    documented attributes only (a docstring of its own, its name in the docstring of its
    class, its ``__init__`` or its module, or in code on a page of the site), and the
    signature a user calls."""
    spoken = "\n".join(filter(None, [
        inspect.getdoc(runtime), inspect.getdoc(importlib.import_module(runtime.__module__)),
        inspect.getdoc(vars(runtime)["__init__"]) if "__init__" in vars(runtime) else None]))
    init = cls.members.get("__init__")
    set_in_init = (init.lineno or 0, init.endlineno or 0) if init is not None and \
        not init.is_alias and init.endlineno != init.lineno else None  # self.x = ... there
    for name, member in list(cls.members.items()):
        if member.is_alias or name.startswith("_"):
            continue
        value = inspect.getattr_static(runtime, name, None)
        if isinstance(value, property) and member.is_attribute:
            shown = griffe.Attribute(name, lineno=member.lineno, endlineno=member.endlineno)
            shown.labels |= {"property"} | ({"writable"} if value.fset else set())
            returns = getattr(value.fget, "__annotations__", {}).get("return")
            shown.annotation = annotation(returns) if returns is not None else None
            doc = inspect.getdoc(value)
            if doc:
                shown.docstring = griffe.Docstring(doc, parent=shown)
            cls.set_member(name, shown)
        elif member.is_attribute and set_in_init and \
                set_in_init[0] <= (member.lineno or 0) <= set_in_init[1] and \
                member.docstring is None and not re.search(rf"\b{re.escape(name)}\b", spoken) \
                and not re.search(rf"[.`]{re.escape(name)}\b", guides()):
            HIDDEN.append(f"{cls.path}.{name}")
            cls.del_member(name)
    if init is not None and not init.is_alias:
        for parameter in list(init.parameters):
            if parameter.name.startswith("micrograd_") and parameter.kind in (
                    griffe.ParameterKind.var_positional, griffe.ParameterKind.var_keyword):
                del init.parameters[parameter.name]


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


def moved(path: str) -> bool:
    """Whether the module ``path`` is a pointer from an old path to a module that moved (its
    import gives the module at its new home)."""
    return importlib.import_module(path).__name__ != path
