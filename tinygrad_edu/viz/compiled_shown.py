"""What the playground shows when the last name holds a compiled function's work rather than
a Value (``tinygrad_edu.viz.playground``): a ``Result`` (a compiled function's answer) or the
compiled function itself (``Compiled``). Neither has a graph of its own to draw or a
backward pass to replay, and the views say so plainly; the program view shows the program
that computed the answer, or the one the function's last call ran. Also a Value's graph as
a program (``program_of``), and how much of a program the page shows (``PROGRAM_LINES``).

Each function returns the fields of the playground's ``Shown`` but ``error`` (which only
the run knows), as a dict.
"""

from __future__ import annotations

from typing import Any

from tinygrad_edu.engine import Value

__all__: list[str] = []  # the playground's inner workings: see tinygrad_edu.viz.playground

PROGRAM_LINES = 120
"""The most lines of a program the page shows (its beginning and its end)."""


IN_THE_PAGE = ("In this page it runs as Python: a browser has no C compiler (on a computer, "
               "compile() runs it as C where it finds one, with the same numbers).")


def program_of(name: str, root: Value) -> tuple[str | None, str | None]:
    """``root``'s graph as the Python program it becomes (``tinygrad_edu.program``), the
    middle of a long one left out, then the functions it calls; or why there is none."""
    from tinygrad_edu.program.program import Program
    from tinygrad_edu.program.reading import is_leaf
    from tinygrad_edu.program.tape import tape_of

    if is_leaf(root):
        return None, f"{name} is a leaf: its graph is one number, no program to run."
    try:
        program = Program(tape_of(root), name if name.isidentifier() else "program")
    except Exception as error:  # (a graph the program cannot take: said, never raised)
        return None, f"No program: {type(error).__name__}: {error}"
    return program_text(program), (
        f"{name}'s graph as a program: compile(f) captures a function of Values as one; run "
        f"on the same numbers, it gives backward()'s numbers bit for bit. {IN_THE_PAGE}")


def program_text(program: Any) -> str:
    """A program's source, the middle of a long one left out, then the functions it
    calls (``Program.helpers``)."""
    lines = program.source().splitlines()
    if len(lines) > PROGRAM_LINES:
        half = PROGRAM_LINES // 2
        lines = [*lines[:half], f"    # ... {len(lines) - PROGRAM_LINES} lines more ...",
                 *lines[-half:]]
    helpers = program.helpers()
    return "\n".join(lines) + (f"\n\n{helpers.rstrip()}" if helpers else "")


def result_shown(name: str, result: Any) -> dict[str, Any]:
    """The last name holds a compiled function's answer (a ``Result``): said so, with the
    program that computed it; it has no graph of its own to draw or replay."""
    from tinygrad_edu.program.program import Program
    from tinygrad_edu.program.tape import tape_of

    run_ = getattr(result, "_run", None)
    root = getattr(run_, "root", None)
    program = getattr(getattr(run_, "entry", None), "program", None)
    program = getattr(program, "python", program)  # (a native program: its Python)
    if program is None and isinstance(root, Value):  # (the call that captured it)
        program = Program(tape_of(root), name)
    what = (f"{name} is a compiled function's answer (a Result, {result.data!r}), not a "
            "Value: the program computed it, so it has no graph of its own")
    text = program_text(program) if program is not None else None
    return dict(
        name=name, graph_title=f"Graph of {name}", replay_title=f"Replay of {name}",
        graph_note=f"{what} to draw. Call the function itself (not the compiled one) to "
                   "draw the graph that was captured.",
        replay_note=f"No replay: {what} to step through.", program=text,
        program_note=(f"The program that computed {name}. {IN_THE_PAGE}" if text else
                      f"No program: {name} is a Result with no program behind it."))


def compiled_shown(name: str, compiled: Any) -> dict[str, Any]:
    """The last name holds a compiled function (``compile(f)``): said so, with the program
    its last call ran, or that it has none yet; a function has no graph to draw or replay
    (before: the views described a Value named before it)."""
    wrapped = getattr(compiled, "__name__", "")
    named = wrapped.isidentifier()  # (not a lambda's "<lambda>")
    what = f"{name} is a compiled function (compile({wrapped if named else '...'})), not a Value"
    entry = getattr(compiled, "last", None)
    program = getattr(entry, "program", None)
    program = getattr(program, "python", program)  # (a native program: its Python)
    text = program_text(program) if program is not None else None
    captured = f"compile({wrapped})'s capture of {wrapped}" if named else "its capture"
    return dict(
        name=name, graph_title=f"Graph of {name}", replay_title=f"Replay of {name}",
        graph_note=f"{what}: it has no graph of its own to draw. Call "
                   f"{f'{wrapped}()' if named else 'the function'} itself (not "
                   f"{name}) and name its answer to draw the graph {name} captures.",
        replay_note=f"No replay: {name} is a compiled function, not a Value: it has no "
                    "backward pass of its own to step through.",
        program=text,
        program_note=(f"The program of {name}'s last call (captured then, or run), {captured}. "
                      f"{IN_THE_PAGE}"
                      if text else
                      f"No program yet: {name} is a compiled function that has not been "
                      f"called. Call it once ({name}({_arguments(compiled)})) to capture "
                      f"{wrapped if named else 'the function'} as a program, "
                      "which is shown here."))


def _arguments(compiled: Any) -> str:
    """``""`` for a function of no arguments, else ``"..."``: how a call to it reads."""
    import inspect

    try:
        return "..." if inspect.signature(compiled.function).parameters else ""
    except (TypeError, ValueError, AttributeError):
        return "..."
