"""A Value's fields as the learner's code reads them while a capture runs (``watching.py``
puts these in Value's class, and takes them away when the capture ends):

- **``label`` where a Value has none of its own** (the class's ``""``; a label set is kept in
  the Value's ``__dict__``, which Python reads first): ``if p.label == "decay"`` of a
  parameter with no label picks the graph, and nothing of the Value says so. A read of the
  class's label by the learner's code, of a Value made before the capture, is noted
  (``Recording.default_labels``): ``capture.py`` guards that Value's label to stay the same.
- **``_data``, the engine's own field** (a learner who read engine.py writes ``x._data``):
  read by the learner's code, it is ``.data`` (followed: a Value given is read at every
  call, not its first number kept); written there, ``.data`` written (refused, as that
  is). The engine's own code reads the field as it is. Put in place only once code of the
  learner's that names ``_data`` starts (``watching.follow_data``): the engine reads the
  field at every node, and a capture of code that never names it (as an attribute, or a
  text: ``getattr(x, "_data")``) pays nothing.
- **the engine's fields that hold a node's local derivatives** (``_da``, ``_db``,
  ``_list_grads``: what ``local_grads`` gives, and every name of ``local_grads`` itself,
  microgpt's ``_local_grads``: ``local_grads_refused``) and **``_data_before``** (the number
  a Value held before its last ``.data =``, kept for drawings): read by the learner's code,
  refused, naming the line (numbers no program follows: a program computes no local
  derivative, and ``_data_before`` changes outside the call); the engine's code reads them as
  they are (``RefusedField``; ``REFUSED``). Put in place at every capture, not only where
  the learner's code names one, as ``_data`` is (a name may come in a text from anywhere,
  ``getattr(z, name)``): the engine writes each once per node, and reads them in a backward
  pass, which a capture does not run.
- **a node's ``_backward``** (``BackwardField``): a function the learner's code sets on a
  node (``out._backward = _backward``, micrograd's way of writing an op: a straight-through
  relu, a gradient clipped at one node) is refused, naming the line. A program passes each
  gradient back by the node's op and its local derivatives and never calls a node's
  ``_backward``: before, the engine's gradient through such a node was 0.3 and the
  program's 0.0, silently (an attacker's, a64j S4).
- **a Value copied** (``copy.copy``, ``copy.deepcopy``, a pickle: ``copies``).
- **``_scope``, the ``named_scope`` path a node was made in** (``scope_of(z)``, ``z._scope``;
  kept in its ``__dict__``: ``ScopeField``): of a node made in the call, it is the path open
  where the call is made (the engine reads ``scopes.current()`` as it makes the node), so
  that path is guarded to stay the same (a call made in another scope: captured again); of
  a Value from outside, its own path is guarded so; of a Value given, refused, naming the
  line (bound again at every call, its path is no number a program follows). Before, the
  capture's path was the program's at every call, silently (an attacker's, a64b f4).

Of these, ``_data_before``, ``_scope`` and ``__getattr__`` (``missing``) are names Value lacks:
read from the class (``hasattr(Value, "_scope")``, ``getattr(type(v), "__getattr__",
None)``), none is there, as outside a capture (before: the capture's, engine 0.0, program 1.0
at every call, silently; ``class_names.py`` says how ``vars`` and ``dir`` see them).
"""

from __future__ import annotations

import sys
import types
from sys import _getframe  # (Python's own: a capture puts its own in sys while it runs)
from typing import Any

from tinygrad_edu import copying, scopes
from tinygrad_edu.engine import Value
from tinygrad_edu.graph import walk
from tinygrad_edu.program import reading
from tinygrad_edu.program.kinds import Asked
from tinygrad_edu.program.learners_code import learners_line, read_by_the_learner, user_code
from tinygrad_edu.program.traced import recording

__all__ = ["REFUSED", "BackwardField", "ClassLabel", "DataField", "RefusedField", "ScopeField",
           "copies", "for_the_learner", "label_read", "local_grads_refused", "missing"]

REFUSED = ("_da", "_db", "_list_grads", "_data_before")
"""The engine's fields a capture refuses where the learner's code reads them."""

_LOCAL_GRADS = ("it reads a node's {}: numbers of the graph a program cannot "
                "follow (grad(), jacobian() and gradients() without create_graph read them "
                "too); read them outside the compiled function, or return the loss and call "
                "backward() on what the compiled function returns")
_WHY = {"_data_before": "it reads a Value's _data_before (the number it held before its last "
                        ".data =, kept for drawings), which changes outside the call and a "
                        "program cannot follow; keep the number you need and pass it in"}


def _named(name: str) -> str:
    return name if name == "local_grads" else f"{name} (its local_grads)"


def local_grads_refused(name: str, local_grads: Any) -> Any:
    """Value's ``local_grads`` under ``name`` (its own, or an alias: microgpt's
    ``_local_grads``) as a capture sees it: read, refused, naming the line."""
    def local_grads_(v: Value) -> Any:
        found = recording()
        if found is not None:
            found.refuse(_LOCAL_GRADS.format(_named(name)))
        return local_grads.__get__(v)

    return property(local_grads_, doc=local_grads.__doc__)


def for_the_learner(frame: Any) -> bool:
    """Whether the learner's code reads through ``frame``: its own, or the engine's copying
    helpers called by it, which hand a node's fields back (``copying.fields_of(out)["_da"]``:
    before, read past the refusal, a program's constant where the engine's number moved; an
    attacker's, a64l S4; the engine's own API, ``.parents``, reads them for itself)."""
    while frame is not None and frame.f_code.co_filename == _COPYING:
        frame = frame.f_back
    return frame is not None and user_code(frame.f_code)


_COPYING = copying.__file__


class RefusedField(property):
    """One of Value's fields that holds numbers no program follows (see the module's
    docstring), as the learner's code reads it: refused, naming the line; the engine's code
    meets the field itself (``slot``; None for one kept in a Value's ``__dict__``). A
    property whose setter is the slot's own (C's: the engine's ``fill`` sets three of these
    on every node it makes, and a setter of Python's would be a call of Python's each)."""

    def __init__(self, name: str, slot: Any) -> None:
        self.name, self.slot = name, slot
        self.why = _WHY.get(name) or _LOCAL_GRADS.format(_named(name))
        if slot is not None:
            super().__init__(self._read, slot.__set__, slot.__delete__)
        else:
            super().__init__(self._read, self._set, self._delete)

    def __get__(self, v: Any, owner: Any = None) -> Any:
        if v is None and self.slot is None:  # (``Value._data_before``: none, as outside)
            raise AttributeError(f"type object {owner.__name__!r} has no attribute "
                                 f"{self.name!r}", name=self.name, obj=owner)
        return self if v is None else self._read(v, _getframe(1))

    def _read(self, v: Any, caller: Any = None) -> Any:
        caller = caller or _getframe(1)  # (``type(z)._da.__get__(z)`` too: this one's,
        found = recording()  # refused)
        if found is not None and for_the_learner(caller):
            found.refuse(self.why if caller.f_code.co_filename != _COPYING else
                         "it reads a Value's fields through tinygrad_edu.copying (fields_of), "
                         "its local derivatives among them: numbers of the graph a program "
                         "cannot follow; read .data (followed), or copy the Value with "
                         "copy.copy")
        if self.slot is not None:
            return self.slot.__get__(v, type(v))
        try:
            return vars(v)[self.name]
        except KeyError:
            raise AttributeError(self.name) from None

    def _set(self, v: Any, x: Any) -> None:
        vars(v)[self.name] = x

    def _delete(self, v: Any) -> None:
        del vars(v)[self.name]


class BackwardField:
    """Value's ``_backward`` while a capture runs (see the module's docstring): set on a node
    by the learner's code, refused; read, the node's own (set before the capture) or the
    class's, as Python reads it."""

    def __init__(self, method: Any) -> None:
        self.method = method

    def __get__(self, v: Any, owner: Any = None) -> Any:
        if v is None:
            return self.method
        own = vars(v).get("_backward") if reading.has_dict(v) else None
        return self.method.__get__(v, owner) if own is None else own

    def __set__(self, v: Any, backward: Any) -> None:
        found = recording()
        if found is not None:
            found.refuse("it sets a node's _backward (micrograd's way of writing an op), which "
                         "a program never calls: it passes each gradient back by the node's op "
                         "and its local derivatives. Write the op with unary_op or binary_op "
                         "(its derivative a rule: tinygrad_edu.custom_ops), or call the "
                         "function uncompiled")
        vars(v)["_backward"] = backward

    def __delete__(self, v: Any) -> None:
        del vars(v)["_backward"]


class ScopeField:
    """Value's ``_scope`` (a node's ``named_scope`` path, in its ``__dict__``) as code reads
    it while a capture runs (see the module's docstring); written, as the engine writes it."""

    def __get__(self, v: Any, owner: Any = None) -> Any:
        if v is None:  # (``hasattr(Value, "_scope")``: none, as outside a capture)
            raise AttributeError(f"type object {owner.__name__!r} has no attribute '_scope'",
                                 name="_scope", obj=owner)
        own = v.__dict__  # (none there, outside every scope: guarded so too)
        found = recording()
        if found is not None:
            if id(v) in found.given_values:
                found.refuse("it reads the named_scope of a Value given to it (scope_of(v), "
                             "v._scope), bound again at every call, which a program does not "
                             "follow; pass what you need of it in as an argument")
            elif found.outside is not None and id(v) in found.made:
                found.outside.asked(Asked(lambda: repr(scopes.current()),
                                          "the named_scope the call is made in"), ("scope",))
            elif found.outside is not None:
                said = f"the named_scope of {own.get('label') or 'a Value'} (its _scope)"
                found.outside.asked(Asked(lambda: repr(v.__dict__.get("_scope")), said),
                                    ("scope", id(v)))
        if "_scope" not in own:
            raise AttributeError(f"{type(v).__name__!r} object has no attribute '_scope'")
        return own["_scope"]

    def __set__(self, v: Any, path: Any) -> None:
        v.__dict__["_scope"] = path

    def __delete__(self, v: Any) -> None:
        try:
            del v.__dict__["_scope"]
        except KeyError:
            raise AttributeError("_scope") from None


class ClassLabel:
    """Value's ``label`` where a Value has none of its own (see the module's docstring)."""

    def __init__(self, default: Any) -> None:
        self.default = default

    def __get__(self, v: Any, owner: Any = None) -> Any:
        if v is None:
            return self.default
        found = recording()
        if found is not None and id(v) not in found.made and \
                user_code(_getframe(1).f_code):
            found.default_labels.setdefault(id(v), (v, learners_line()))
        return self.default


class _Missing:
    """Value's ``__getattr__`` while a capture runs (it has none: Python calls it where a
    name is found nowhere): a name a Value of the caller's lacks, asked by the learner's
    code (``hasattr(p, "frozen")``, ``getattr(p, "wd", 0.5)``, ``try: p.frozen``), noted
    (``Recording.names_missing``: ``capture.py`` guards it to stay missing; a64c's f8), then
    Python's own error. Read from the class (``hasattr(Value, "__getattr__")``,
    ``getattr(type(v), "__getattr__", None)``) there is none, as outside a capture; read of a
    Value by the learner's code that names it (``hasattr(v, "__getattr__")``), refused
    (before: the capture's, engine 0.0, program 1.0 at every call, silently)."""

    def __get__(self, v: Any, owner: Any = None) -> Any:
        if v is None:
            raise AttributeError(f"type object {owner.__name__!r} has no attribute "
                                 "'__getattr__'", name="__getattr__", obj=owner)
        caller = _getframe(1)
        code, found = caller.f_code, recording()
        if found is not None and ("__getattr__" in code.co_names or "__getattr__" in
                                  code.co_consts) and user_code(code) and not _called(caller):
            found.refuse("it reads a Value's __getattr__, which Value has only while a "
                         "capture runs (to note the names a Value lacks); read it outside "
                         "the compiled function and pass it in")
        return types.MethodType(_missing, v)


def _called(frame: Any) -> bool:
    """Whether ``frame``'s code is at a method call of ``__getattr__`` (a subclass's
    ``super().__getattr__(name)``): an AttributeError outside a capture, and in one."""
    import dis

    at = next((i for i in dis.get_instructions(frame.f_code) if i.offset == frame.f_lasti), None)
    if at is None or at.argval != "__getattr__":
        return False
    return at.opname == "LOAD_METHOD" or (  # (3.12 on: a method's load is a LOAD_ATTR, or a
        sys.version_info >= (3, 12) and at.opname in ("LOAD_ATTR", "LOAD_SUPER_ATTR")  # super()
        and bool(at.arg & 1))  # one's LOAD_SUPER_ATTR, its lowest bit set)


def _missing(v: Any, name: str) -> Any:
    found = recording()
    if found is not None and id(v) not in found.made and not name.startswith("__") and \
            user_code(_getframe(1).f_code):
        found.names_missing.setdefault((id(v), name), (v, name, learners_line()))
    raise AttributeError(f"{type(v).__name__!r} object has no attribute {name!r}", name=name,
                         obj=v)


missing = _Missing()
"""Value's ``__getattr__`` while a capture runs (``_Missing``): a name a Value lacks, noted."""


def label_read(v: Any) -> None:
    """A Value's label read for the learner's code by a capture's stand-in (``detach()``, a
    copy keep it): where it is the class's, noted, as ``ClassLabel`` notes it."""
    found = recording()
    if found is not None and id(v) not in found.made and "label" not in vars(v):
        found.default_labels.setdefault(id(v), (v, learners_line()))


class DataField:
    """Value's ``_data`` as the learner's code reads and writes it (see the module's
    docstring): its ``.data``; the engine's code meets the field itself (``slot``)."""

    def __init__(self, slot: Any, data: Any) -> None:
        self.slot, self.data = slot, data

    def __get__(self, v: Any, owner: Any = None) -> Any:
        if v is None:
            return self.slot
        if recording() is not None and read_by_the_learner(_getframe(1)):
            return self.data.__get__(v)
        return self.slot.__get__(v)

    def __set__(self, v: Any, number: Any) -> None:
        if recording() is not None and user_code(_getframe(1).f_code):
            self.data.__set__(v, number)
        else:
            self.slot.__set__(v, number)


def copies(has: Any, get: Any) -> dict[str, Any]:
    """A Value copied as a capture sees it: ``copy.deepcopy`` and ``copy.copy`` of a leaf are
    the engine's copies (every field, its ``__dict__``; ``copy.deepcopy`` of a node, its graph
    copied: no gradient reaches a Value of the caller's through it), each copied Value's
    number followed, its original's (``Recording.copied``: a node copied, a number in the
    program); ``copy.copy`` of a node (a new node sharing its parents) and a pickle (bytes
    holding its number now) are refused, naming the line."""
    shallow, deep, reduce = has["__copy__"], has["__deepcopy__"], has["__reduce__"]

    def followed(copied: Value, v: Value) -> None:
        found = recording()
        assert found is not None
        label_read(v)  # (the class's, where it has none: guarded)
        found.leaves[id(copied)] = get(v)
        found.made[id(copied)] = copied
        found.as_made.append((copied, reading.as_made(copied)))  # (set since: ``built.py``)
        if not reading.is_leaf(copied):
            found.copied.add(id(copied))

    def copy_(v: Value) -> Any:
        found = recording()
        if found is None:
            return shallow(v)
        if not reading.is_leaf(v):
            found.refuse("it copies a node with copy.copy (a new node sharing its parents), "
                         "which a program cannot follow; use the Value itself, or "
                         "copy.deepcopy(v) or Value(v.data) for a leaf holding its number")
            return v
        made = shallow(v)
        followed(made, v)
        return made

    def deepcopy_(v: Value, memo: Any) -> Any:
        if recording() is None:
            return deep(v, memo)
        originals = [node for node in walk(v) if id(node) not in memo]
        made = deep(v, memo)
        for node in originals:
            followed(memo[id(node)], node)
        return made

    def reduce_(v: Value) -> Any:
        found = recording()
        if found is not None:
            found.refuse("it pickles a Value (the bytes hold its number now, which a program "
                         "cannot follow); pickle outside the compiled function, or use "
                         "copy.deepcopy(v) or Value(v.data) for a leaf holding its number")
        return reduce(v)

    return {"__copy__": copy_, "__deepcopy__": deepcopy_, "__reduce__": reduce_}
