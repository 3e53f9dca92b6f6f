"""``Module``, the base of every model in both engines, as ``torch.nn.Module``.

A subclass sets its parameters and sub-modules as attributes, in any of these forms: a node
(a ``Value`` or a ``Tensor``), a list of nodes (a neuron's weights), a list of lists of
nodes (a matrix of Values, row by row), a ``Module`` or a list of Modules (a network's
layers); and it defines ``forward``. ``Module`` finds the parameters by looking at those
attributes, in the order they were set, and names them as PyTorch does:
``layers.0.neurons.3.w.1``, ``layers.0.W``, ``lm_head.w.3.1`` (row 3 of a matrix).

A state dict maps each attribute's dotted name to its numbers: a float for a ``Value``, an
array for a ``Tensor``, a list of them for a list of nodes. ``load_state_dict`` checks a
whole state before it changes any parameter; ``save`` and ``load`` (``tinygrad_edu.nn.saving``)
keep one in a JSON file.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from typing import Any

from tinygrad_edu import scopes
from tinygrad_edu.arrays import is_array
from tinygrad_edu.formatting import shown
from tinygrad_edu.nn.saving import StateDictError as StateDictError
from tinygrad_edu.nn.saving import finite, load_into, save
from tinygrad_edu.nn.saving import load as load

__all__ = ["Module", "Sequential"]
# StateDictError, save and load, imported "as" themselves, were defined here before saving
# moved to tinygrad_edu.nn.saving: they can still be imported from here.


def _is_node(x: object) -> bool:
    """Is ``x`` a node of either engine (a ``Value`` or a ``Tensor``)?"""
    return hasattr(type(x), "EMPTY_GRAD")


def _is_array_node(x: Any) -> bool:
    return is_array(x._data)  # a Tensor: its numbers are an array


class Module:
    """Base class of everything with parameters, as ``torch.nn.Module``: define ``forward``;
    calling the module calls it."""

    _scope_name: str  # the scope it runs in: its attribute in the module that holds it
    _children_named: bool

    def forward(self, *args: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any) -> Any:
        """``forward(*args)``. A module held by another (a layer of a model) runs it inside a
        named scope called by its attribute there (``layers.0``, ``blocks.1``), so that the
        values it makes are marked as its own (see ``tinygrad_edu.scopes``)."""
        if "_children_named" not in self.__dict__:
            self._name_children()
        name = self.__dict__.get("_scope_name")
        if name is None:  # the model itself
            return self.forward(*args)
        scope = scopes.enter(name)
        try:
            return self.forward(*args)
        finally:
            scopes.leave(scope)
            del scope  # not kept open by a traceback that holds this frame

    def _name_children(self) -> None:
        """Give each module this one holds its attribute's name, as its scope."""
        for name, attr in vars(self).items():
            if name.startswith("_"):
                continue
            if isinstance(attr, Module):
                attr._scope_name = name
            elif isinstance(attr, (list, tuple)):
                for i, item in enumerate(attr):
                    if isinstance(item, Module):
                        item._scope_name = f"{name}.{i}"
        self._children_named = True

    def _groups(self, prefix: str = "") -> Iterator[tuple[str, Any]]:
        """(name, node) or (name, list of nodes) for each parameter attribute, sub-modules
        included: the entries of ``state_dict``."""
        for name, attr in vars(self).items():
            if name.startswith("_"):
                continue
            if _is_node(attr):
                yield prefix + name, attr
            elif isinstance(attr, Module):
                yield from attr._groups(f"{prefix}{name}.")
            elif isinstance(attr, (list, tuple)) and attr:
                if all(map(_is_node, attr)):
                    yield prefix + name, list(attr)
                    continue
                for i, item in enumerate(attr):
                    if isinstance(item, Module):
                        yield from item._groups(f"{prefix}{name}.{i}.")
                    elif _is_node(item):
                        yield f"{prefix}{name}.{i}", item
                    elif isinstance(item, (list, tuple)) and item and all(map(_is_node, item)):
                        yield f"{prefix}{name}.{i}", list(item)  # row i of a matrix

    def named_parameters(self) -> list[tuple[str, Any]]:
        """Every parameter with its dotted name, e.g. ``('layers.0.neurons.3.w.1', Value)``."""
        named: list[tuple[str, Any]] = []
        for name, group in self._groups():
            if isinstance(group, list):
                named.extend((f"{name}.{i}", p) for i, p in enumerate(group))
            else:
                named.append((name, group))
        return named

    def label_parameters(self) -> None:
        """Label every parameter with its ``named_parameters()`` name, so that drawings and
        steps name it as the model does (``layers.0.neurons.3.w.1``, ``layers.1.W``). The
        layers of this package call it when they are made; call it in a model of your own
        once its parameters are set."""
        for name, p in self.named_parameters():
            p.label = name

    def parameters(self) -> list[Any]:
        """Every parameter (weights and biases), in a fixed order: ``named_parameters()``'s,
        without making the names."""
        params: list[Any] = []
        for _, group in self._groups():
            if isinstance(group, list):
                params.extend(group)
            else:
                params.append(group)
        return params

    def zero_grad(self) -> None:
        """Reset every parameter's gradient (0.0 for a Value, None for a Tensor, as in
        PyTorch). Gradients accumulate, so call this before each training step's
        ``backward()``."""
        for p in self.parameters():
            p.grad = p.EMPTY_GRAD

    def state_dict(self) -> dict[str, Any]:
        """The parameters' numbers by name, e.g. ``{'layers.0.neurons.0.w': [0.2, -0.7],
        'layers.0.neurons.0.b': 0.0, ...}``: copies, safe to keep or to save."""
        return {name: [_numbers_of(p) for p in group] if isinstance(group, list)
                else _numbers_of(group) for name, group in self._groups()}

    def load_state_dict(self, state: Mapping[str, Any], strict: bool = True) -> None:
        """Copy numbers from ``state`` into the parameters.

        Everything is checked before any parameter changes, so a bad state leaves the model
        as it was. Keys must match (unless ``strict=False``, which skips missing and extra
        keys), sizes must match, and every entry must be real and finite.
        """
        if not isinstance(state, Mapping):
            raise StateDictError(f"load_state_dict needs a dict, got {type(state).__name__}")
        groups = dict(self._groups())
        if strict:
            missing = [k for k in groups if k not in state]
            unexpected = [k for k in state if k not in groups]
            if missing or unexpected:
                raise StateDictError(_key_mismatch(self, missing, unexpected))
        updates: list[tuple[Any, Any]] = []
        for name, group in groups.items():
            if name not in state:
                continue
            entry = state[name]
            if not isinstance(group, list):
                updates.append((group, _checked(group, entry, name)))
                continue
            what = "arrays" if _is_array_node(group[0]) else "numbers"
            if not isinstance(entry, (list, tuple)):
                raise StateDictError(f"{name}: expected a list of {len(group)} {what}, "
                                     f"got {type(entry).__name__} {shown(entry)}")
            if len(entry) != len(group):
                raise StateDictError(f"{name}: size mismatch, the state has {len(entry)} "
                                     f"{what} but the model has {len(group)}")
            updates.extend((p, _checked(p, e, f"{name}[{i}]"))
                           for i, (p, e) in enumerate(zip(group, entry)))
        for p, numbers_ in updates:
            if _is_array_node(p):
                p.data[...] = numbers_
            else:
                p.data = numbers_

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the parameters to a JSON file (see ``tinygrad_edu.nn.saving.save``)."""
        save(self, path)

    def load(self, path: str | os.PathLike[str], strict: bool = True) -> None:
        """Read parameters saved with ``save``. A corrupt or mismatching file raises
        ``StateDictError`` naming the file, and leaves the model unchanged."""
        load_into(self, path, strict)


class Sequential(Module):
    """Layers applied one after the other: ``Sequential(Dense(784, 128, "relu"),
    Dense(128, 10))``. Index it (``model[0]``) and iterate over it like a list."""

    def __init__(self, *layers: Module) -> None:
        self.layers = list(layers)
        self.label_parameters()

    def forward(self, x: Any) -> Any:
        for layer in self.layers:
            x = layer(x)
        return x

    def __getitem__(self, i: int) -> Module:
        return self.layers[i]

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[Module]:
        return iter(self.layers)

    def __repr__(self) -> str:
        return "\n".join([f"{type(self).__name__}(", *self._layer_lines(), ")"])

    def _layer_lines(self) -> list[str]:
        return [f"  ({i}): {layer!r}" for i, layer in enumerate(self.layers)]


def layer_sizes(inputs: int, sizes: Any, activation: Any) -> list[tuple[int, int, Any]]:
    """(inputs, outputs, activation) for each layer of an MLP: the hidden layers use
    ``activation``, the last one is linear (it gives raw scores)."""
    if isinstance(sizes, int) or not sizes:
        raise ValueError(f"MLP needs a list of layer sizes, e.g. [16, 16, 1], got {sizes!r}")
    widths = [inputs, *sizes]
    last = len(sizes) - 1
    return [(widths[i], widths[i + 1], activation if i < last else "linear")
            for i in range(len(sizes))]


def mlp_repr(model: Sequential, widths: list[int]) -> str:
    """``MLP(2 -> 16 -> 16 -> 1, 337 parameters)``, then one line per layer."""
    count = sum(getattr(p._data, "size", 1) for p in model.parameters())
    head = f"MLP({' -> '.join(map(str, widths))}, {count} parameters)"
    return "\n".join([head, *model._layer_lines()])


# ----------------------------------------------------------------------------- numbers


def _numbers_of(p: Any) -> Any:
    return p._data.copy() if _is_array_node(p) else p.data


def _checked(p: Any, entry: Any, name: str) -> Any:
    """``entry`` as numbers for parameter ``p`` (a float, or an array of its shape and dtype),
    or a StateDictError saying what is wrong with it. A Tensor checks its own (real, finite,
    of its shape): this module imports neither engine."""
    if not _is_array_node(p):
        return finite(entry, name)
    try:
        return p._from_state(entry, name)
    except (TypeError, ValueError, OverflowError) as error:
        raise StateDictError(str(error)) from None


def _key_mismatch(model: Module, missing: list[str], unexpected: list[str]) -> str:
    def some(keys: list[str]) -> str:
        listed = ", ".join(keys[:4])
        return listed + (f" and {len(keys) - 4} more" if len(keys) > 4 else "")

    parts = []
    if missing:
        parts.append(f"missing keys {some(missing)}")
    if unexpected:
        parts.append(f"unexpected keys {some(unexpected)}")
    return (
        f"the state does not fit {type(model).__name__}: {'; '.join(parts)}. Was it saved "
        "from a model with another architecture? (strict=False loads the keys that match)"
    )
