"""The backward pass frame by frame: ``frames(root)`` is the graph after each backward
step, with that step highlighted, and ``step_slider(root)`` a notebook slider over them.

Both run the steps at once and leave every gradient as they found it (``gradients_kept``,
which the replay page uses too), so drawing the pass never changes what it draws.
"""

from __future__ import annotations

import html
import inspect
import operator
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, overload

from tinygrad_edu.graph import walk
from tinygrad_edu.viz.by_parts import check_depth, checked_parts
from tinygrad_edu.viz.drawing import _draw, draw_dot
from tinygrad_edu.viz.labels import parameter_names
from tinygrad_edu.viz.layout import MAX_NODES, checked_layout
from tinygrad_edu.viz.rendering import Drawing
from tinygrad_edu.viz.stepping import Step, backward_steps

__all__ = ["Frames", "frames", "gradients_kept", "step_slider"]


def frames(root: Any, **draw_kwargs: Any) -> Frames:
    """The graph after each step of ``root``'s backward pass, with that step highlighted
    (``drawing.step`` is the step), starting from zero gradients: a sequence of drawings
    (``len``, ``frames[k]``, a for loop), each drawn the first time it is asked for. The
    steps run at once and every gradient is left as it was found, so running it twice
    draws the same pictures. Keyword arguments go to ``draw_dot``."""
    inspect.signature(draw_dot).bind(root, **draw_kwargs)  # a wrong keyword fails here
    order = walk(root)
    depth = draw_kwargs.get("depth")
    check_depth(depth, "frames")
    if depth is None:
        checked_layout([root], order, draw_kwargs.get("max_nodes", MAX_NODES), labelled=True)
    else:  # the boxes of the parts, each step marking the box its node is in
        checked_parts([root], order, depth, draw_kwargs.get("params"),
                      draw_kwargs.get("max_nodes", MAX_NODES))
    params = draw_kwargs.get("params")
    steps: list[Step] = []
    changes: list[dict[Any, Any]] = []
    with gradients_kept(order):
        for step in backward_steps(root, params=None if params is None else
                                   list(parameter_names(params))):
            changed = {p: p.grad for p in step.node.parents}  # the step's own additions
            changes.append(changed if steps else {step.node: step.node.grad, **changed})
            steps.append(step)
    return Frames(root, steps, changes, draw_kwargs)


class Frames(Sequence[Drawing]):
    """What ``frames(root)`` returns: one drawing per backward step, with the gradients
    as they were after it, drawn when first asked for and kept."""

    def __init__(self, root: Any, steps: list[Step], changes: list[dict[Any, Any]],
                 draw_kwargs: dict[str, Any]) -> None:
        self._root, self._steps, self._changes = root, steps, changes
        self._kwargs = draw_kwargs
        self._drawn: dict[int, Drawing] = {}

    def __len__(self) -> int:
        return len(self._steps)

    @overload
    def __getitem__(self, k: int) -> Drawing: ...
    @overload
    def __getitem__(self, k: slice) -> list[Drawing]: ...
    def __getitem__(self, k: int | slice) -> Drawing | list[Drawing]:
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(len(self)))]
        i = operator.index(k) + (len(self) if operator.index(k) < 0 else 0)
        if not 0 <= i < len(self):
            raise IndexError(f"frames: there are {len(self)} steps, numbered 0 to "
                             f"{len(self) - 1} (or from -1 backwards); got {k}")
        if i not in self._drawn:
            grads: dict[Any, Any] = {}
            for changed in self._changes[:i + 1]:
                grads.update(changed)
            self._drawn[i] = _draw(self._root, highlight=self._steps[i], grads=grads,
                                   **self._kwargs)
        return self._drawn[i]

    def __repr__(self) -> str:
        return f"<Frames: {len(self)} backward steps of {self._steps[0].name}>"


@contextmanager
def gradients_kept(order: list[Any]) -> Iterator[None]:
    """Inside the block every node starts with no gradient; afterwards each has the
    gradient it had before, whatever the block did (drawing must not change what it
    draws)."""
    saved = [node.grad for node in order]
    for node in order:
        node.grad = node.EMPTY_GRAD
    try:
        yield
    finally:
        for node, grad in zip(order, saved):
            node.grad = grad


def step_slider(root: Any, **draw_kwargs: Any) -> Any:
    """A notebook widget: a slider over ``frames(root)``, showing each picture with the step
    as text. Without ipywidgets it warns and returns the frames instead."""
    pictures = frames(root, **draw_kwargs)
    try:
        import ipywidgets as widgets
    except ImportError:
        warnings.warn("step_slider needs ipywidgets (pip install ipywidgets); returning the "
                      "list of frames instead: display them one at a time", stacklevel=2)
        return pictures
    slider = widgets.IntSlider(value=1, min=1, max=len(pictures), description="step")
    caption, picture = widgets.HTML(), widgets.HTML()
    cache: dict[int, str] = {}

    def show(_: Any = None) -> None:
        k = slider.value - 1
        if k not in cache:
            cache[k] = pictures[k]._html()
        caption.value = f"<pre>{html.escape(str(pictures[k].step))}</pre>"
        picture.value = cache[k]

    slider.observe(show, names="value")
    show()
    return widgets.VBox([slider, caption, picture])
