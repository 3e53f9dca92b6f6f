"""Turning a drawing's DOT text into a picture, with whatever is installed.

``draw_dot`` returns a ``Drawing``: a ``graphviz.Digraph`` that draws itself with Graphviz's
``dot`` or, without it, with the pip-installable ``graphviz-pure`` (``pip install
graphviz-pure``; the ``render`` extra); ``find_renderer`` says which there is. With neither,
a notebook shows the DOT text and says what to install (displaying a drawing never raises),
and ``render()``/``pipe()`` raise ``RenderError``. Where no program can run (Python in a web
page), ``use_renderer`` gives a function that does it: the docs site's playground passes
Graphviz compiled to WebAssembly.
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import graphviz

from tinygrad_edu.viz.stepping import Step

__all__ = ["INSTALL_HINT", "Drawing", "RenderError", "find_renderer", "use_renderer"]

INSTALL_HINT = "sudo apt-get install graphviz, or pip install graphviz-pure"
"""What to install to render pictures, as error messages and notebooks say it."""

# Where pip puts graphviz-pure; a notebook kernel's PATH often lacks its environment's bin.
_SCRIPT_DIRS = [sysconfig.get_path("scripts"), os.path.dirname(sys.executable)]


class RenderError(graphviz.ExecutableNotFound):
    """No program to turn DOT text into a picture is installed."""

    def __init__(self, message: str) -> None:
        RuntimeError.__init__(self, message)


_render: Callable[[str, str, str], bytes | str] | None = None  # see use_renderer


def use_renderer(render: Callable[[str, str, str], bytes | str] | None) -> None:
    """Draw every picture with ``render(dot_source, format, engine)``, which returns the
    picture (bytes, or text for SVG), instead of running ``dot`` or ``graphviz-pure``: for
    Python where no program can run, such as Pyodide in a web page (the docs site's
    playground renders with Graphviz compiled to WebAssembly). ``None`` goes back to the
    programs."""
    global _render
    _render = render


def find_renderer() -> str | None:
    """``'dot'`` if Graphviz is installed, else the path of ``graphviz-pure``, else None."""
    if shutil.which("dot"):
        return "dot"
    for path in (None, *_SCRIPT_DIRS):
        found = shutil.which("graphviz-pure", path=path)
        if found:
            return found
    return None


class Drawing(graphviz.Digraph):
    """A ``graphviz.Digraph`` that draws itself with ``dot`` or, failing that, with
    ``graphviz-pure``. Displaying it in a notebook never raises: with no renderer it shows the
    DOT text and what to install. ``step`` is the backward step it highlights, if any."""

    step: Step | None = None

    def __repr__(self) -> str:
        # Without this, a notebook's text/plain output holds a memory address that changes on
        # every run, so committed notebooks would differ after each execution.
        return f"<{type(self).__name__}: {len(self.body)} DOT statements>"

    def pipe(self, format: str | None = None, renderer: str | None = None,
             formatter: str | None = None, neato_no_op: Any = None, quiet: bool = False, *,
             engine: str | None = None, encoding: str | None = None) -> Any:
        tool = find_renderer()
        if tool == "dot" and _render is None:
            return super().pipe(format, renderer, formatter, neato_no_op, quiet,
                                engine=engine, encoding=encoding)
        out = self._pipe_pure(tool, format or self.format, engine or self.engine)
        return out.decode(encoding) if encoding else out

    def render(self, filename: Any = None, directory: Any = None, view: bool = False,
               cleanup: bool = False, format: str | None = None, renderer: str | None = None,
               formatter: str | None = None, neato_no_op: Any = None, quiet: bool = False,
               quiet_view: bool = False, *, outfile: Any = None, engine: str | None = None,
               raise_if_result_exists: bool = False, overwrite_source: bool = False) -> str:
        tool = find_renderer()
        if tool == "dot" and _render is None:
            return super().render(
                filename, directory=directory, view=view, cleanup=cleanup, format=format,
                renderer=renderer, formatter=formatter, neato_no_op=neato_no_op, quiet=quiet,
                quiet_view=quiet_view, outfile=outfile, engine=engine,
                raise_if_result_exists=raise_if_result_exists,
                overwrite_source=overwrite_source)
        if outfile is not None:
            outfile = Path(outfile)
            format = format or outfile.suffix.lstrip(".") or None
            if directory is None:
                outfile = Path(self.directory, outfile)
        format = format or self.format
        picture = self._pipe_pure(tool, format, engine or self.engine)  # fails before saving
        if outfile is not None and filename is None:
            filename = outfile.with_suffix(".gv")  # beside it, as graphviz does
        source = self.save(filename, directory=directory)
        target = Path(outfile if outfile is not None else f"{source}.{format}")
        if raise_if_result_exists and target.exists():
            raise FileExistsError(f"output file exists: {os.fspath(target)!r}")
        target.write_bytes(picture)
        if cleanup:
            os.remove(source)
        if view or quiet_view:
            self._view(os.fspath(target), format=format, quiet=quiet_view)
        return os.fspath(target)

    def _pipe_pure(self, tool: str | None, format: str, engine: str) -> bytes:
        if _render is not None:
            picture = _render(self.source, format, engine)
            return picture.encode("utf-8") if isinstance(picture, str) else picture
        if tool is None:
            raise RenderError(
                f"cannot draw the graph as {format}: no Graphviz renderer is installed. "
                f"Install one with: {INSTALL_HINT}. Meanwhile drawing.source is the DOT text, "
                "and tinygrad_edu.text_graph(root) prints the graph as a table.")
        cmd = [tool, f"-T{format}", f"-K{engine}"]
        done = subprocess.run(cmd, input=self.source.encode(self.encoding),
                              capture_output=True, check=False)
        if done.returncode:
            raise graphviz.CalledProcessError(done.returncode, cmd, done.stdout, done.stderr)
        return done.stdout

    def _repr_mimebundle_(self, include: Iterable[str] | None = None,
                          exclude: Iterable[str] | None = None, **_: Any) -> dict[str, Any]:
        try:
            return super()._repr_mimebundle_(include, exclude)
        except Exception as error:  # a notebook display must never raise
            return {"text/plain": self._fallback_text(error)}

    def _fallback_text(self, error: Exception) -> str:
        if isinstance(error, RenderError):
            hint = f"(Graphviz is not installed, so here is the DOT text; to see a picture: " \
                   f"{INSTALL_HINT})"
        else:
            hint = f"(drawing failed: {error}; here is the DOT text)"
        return f"{hint}\n{self.source}"

    def _html(self) -> str:
        """The picture as inline SVG, or the DOT text with the hint (for widgets)."""
        try:
            return self.pipe(format="svg", encoding="utf-8")
        except Exception as error:
            return f"<pre>{html.escape(self._fallback_text(error))}</pre>"
