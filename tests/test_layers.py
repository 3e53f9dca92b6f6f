"""The layers of the package stand on each other without import circles, and the engines
know nothing of the tools: every import statement counts, also one inside a function or in
an ``if TYPE_CHECKING:`` block (a type the checker reads is a dependency too: a module types
against the node protocols of the layer below, not against the classes above it)."""

import ast
import functools
import importlib
import os
from pathlib import Path

import pytest

import tinygrad_edu

PACKAGE = Path(__file__).resolve().parents[1] / "tinygrad_edu"

# From the bottom up. A module may import only modules of its own layer or of lower layers.
LAYERS = [
    # what both engines stand on: numbers and errors, the walk, the op rows, grad mode, scopes
    ["above", "errors", "arrays", "formatting", "decorators", "grad_mode", "safe_math",
     "tensor.safe_math", "graph", "row", "ops", "copying", "scopes", "tensor.registry",
     "tensor.copying", "tensor.base", "tensor.keeping", "tensor.arguments", "tensor.making"],
    ["engine"],  # the scalar engine
    # the rooms beside it: sums and ops of your own; second derivatives
    ["sums", "custom_ops", "autograd.higher"],
    ["autograd.gradients", "autograd"],
    ["tensor.engine"],
    ["tensor.nn.functional", "nn.functional", "nn.init", "nn.saving", "nn.module",
     "training.optim", "tensor.nn.layers", "nn.mlp", "nn.gpt", "nn", "tensor.nn",
     "training.loader", "training.data", "training.text", "training.idx"],
    ["program"],  # a graph as a program (a tool: compile, native, to_torch of a model)
    ["training.fit", "training"],  # (fit(compile=True) runs its steps as a program)
    # (autograd.functional and gradcheck make fresh leaves of either engine from plain
    # numbers or arrays: they stand above both, beside the tensor package their arrays need)
    ["viz.stepping", "tensor", "autograd.functional", "testing.gradcheck", "testing", "viz",
     "exercises", "conform", "commands", "__main__", ""],
]
ENGINES = {"arrays", "formatting", "engine", "tensor.engine", "graph", "row", "ops",
           "custom_ops", "copying", "autograd.higher", "sums", "scopes", "autograd.gradients",
           "decorators", "grad_mode", "safe_math", "errors", "above"}
TOOLS = {"viz", "testing", "exercises", "conform", "commands", "__main__", "training.fit",
         "program"}

# The folders by purpose, and the folders each may import (a folder may always import the
# scalar engine's files at the root, and itself). The engines' folders come first: they
# import no folder of a tool. ``tensor/__init__.py``, the tensor engine's public face,
# gathers names from ``nn``, ``training`` and ``viz`` too, so it is ruled as a face, below.
FOLDERS = {
    "autograd": set(),  # (functional.py makes Tensors of arrays: see FACES)
    "tensor": {"autograd"},
    "nn": set(),
    "training": {"nn", "program"},  # (fit(compile=True) runs its steps as a program)
    "program": {"nn"},  # (to_torch of a model made with nn)
    "viz": {"autograd", "nn", "training", "exercises", "program"},  # (the playground grades
    # exercises and shows a graph's program)
    "testing": {"autograd", "tensor"},
    "exercises": {"autograd", "tensor", "nn", "training", "viz", "testing"},
    "conform": {"testing"},  # (the conformance suite's pytest plugin, loaded only with -p)
    "commands": {"autograd", "tensor", "nn", "training", "viz", "exercises", "testing",
                 "program"},
}
FACES = {  # modules that stand above their own folder, and what they may import besides it
    "tensor": {"nn", "training", "viz", "autograd"},
    "tensor.nn": {"nn"},
    "tensor.nn.layers": {"nn"},
    "tensor.nn.functional": {"nn"},
    "autograd.functional": {"tensor"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_module(dotted: str) -> bool:
    relative = Path(*dotted.split(".")[1:])
    return (PACKAGE / relative).with_suffix(".py").exists() or (PACKAGE / relative).is_dir()


def imports_of(path: Path, running: bool = False) -> set[str]:
    """The package's modules that ``path`` imports, anywhere in the file (in an ``if
    TYPE_CHECKING:`` block and inside functions too), or with ``running`` only the imports
    that run (as the file is imported, or when a function of it is called; not those for the
    type checker only). ``from a.b import c`` imports the module ``a.b.c`` if there is one,
    else a name from ``a.b``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    if running:
        skipped |= {id(inner) for node in ast.walk(tree) if isinstance(node, ast.If)
                    and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"
                    for inner in ast.walk(node)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] == "tinygrad_edu":
                found.update(f"{node.module}.{a.name}" if is_module(f"{node.module}.{a.name}")
                             else node.module for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "tinygrad_edu")
    return found


def graph() -> dict[str, set[str]]:
    """Each module of the package and the package's modules it imports (a copy: the tests
    may change it)."""
    return {name: set(targets) for name, targets in _graph().items()}


@functools.cache
def _graph() -> dict[str, set[str]]:  # (read once per run: five tests ask)
    files = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    edges = {}
    for name, path in files.items():
        targets = set()
        for imported in imports_of(path):
            short = imported.removeprefix("tinygrad_edu").lstrip(".")
            if short in files and short != name:
                targets.add(short)
        # a module importing tensor.engine, as it is imported or inside a function, first
        # runs the package's tensor/__init__.py (if no one has yet), unless it is inside that
        # package (then already being imported): a shared module that imports a part of the
        # tensor engine in a function runs back up to the whole tensor package
        for imported in imports_of(path, running=True):
            parts = imported.removeprefix("tinygrad_edu").lstrip(".").split(".")
            for i in range(1, len(parts)):
                package = ".".join(parts[:i])
                if package in files and package != name and not name.startswith(f"{package}."):
                    targets.add(package)
        edges[name] = targets
    return edges


def layer_of(name: str) -> int:
    for i, layer in enumerate(LAYERS):  # a module named in a layer ...
        if name in layer:
            return i
    for i, layer in enumerate(LAYERS):  # ... else the layer of the package it is inside
        if any(name.startswith(f"{m}.") for m in layer if m):
            return i
    raise AssertionError(f"tinygrad_edu.{name} is in no layer of tests/test_layers.py")


def test_no_import_circles():
    edges = graph()
    state: dict[str, int] = {}

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for target in sorted(edges[name]):
            if state.get(target) == 1:
                cycle = [*path[path.index(target):], target]
                pytest.fail("import circle: " + " -> ".join(cycle))
            if target not in state:
                visit(target, [*path, target])
        state[name] = 2

    for name in sorted(edges):
        if name not in state:
            visit(name, [name])


@pytest.mark.slow
def test_every_module_imports_only_its_own_layer_or_lower_ones():
    for name, targets in graph().items():
        for target in targets:
            if layer_of(target) > layer_of(name):
                pytest.fail(f"tinygrad_edu.{name} (layer {layer_of(name)}) imports "
                            f"tinygrad_edu.{target} (layer {layer_of(target)})")


def is_tool(name: str) -> bool:
    """A tool, or a module inside a tool's package (``testing.scalar_checks``,
    ``exercises.core``)."""
    return name in TOOLS or name.split(".")[0] in TOOLS


def test_the_engines_know_nothing_of_the_tools():
    for name, targets in graph().items():
        if name in ENGINES:
            tools = {target for target in targets if is_tool(target)}
            assert not tools, f"{name} imports {tools}"


def test_a_module_inside_a_tools_package_is_a_tool():
    assert is_tool("testing") and is_tool("testing.scalar_checks") and is_tool("exercises.core")
    assert not is_tool("tensor.engine") and not is_tool("tensor")


def test_the_check_sees_imports_inside_functions_and_for_the_type_checker(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from tinygrad_edu.testing import check_op\n")
    assert "tinygrad_edu.testing" in imports_of(module)
    assert "tinygrad_edu.testing" in imports_of(module, running=True)  # when f is called
    module.write_text("if TYPE_CHECKING:\n    from tinygrad_edu.testing import check_op\n")
    assert "tinygrad_edu.testing" in imports_of(module)
    assert imports_of(module, running=True) == set()


def folder_of(name: str) -> str | None:
    """The folder a module is in, or None for a file at the package's root."""
    return name.split(".")[0] if "." in name or name in FOLDERS else None


def test_each_folder_imports_only_the_folders_its_rule_names():
    for name, targets in graph().items():
        folder = folder_of(name)
        if folder is None:  # the scalar engine's files
            continue
        allowed = {folder} | FOLDERS[folder] | FACES.get(name, set())
        for target in targets:
            other = folder_of(target)
            assert other is None or other in allowed, (
                f"tinygrad_edu.{name} (in {folder}/) imports tinygrad_edu.{target} (in "
                f"{other}/), which {folder}/ may not import: see FOLDERS in tests/test_layers.py")


def test_the_root_holds_the_engines_files_only():
    """At most 15 modules at the package's root (besides ``__init__`` and ``__main__``), each
    one of the scalar engine's."""
    modules = sorted(p.stem for p in PACKAGE.glob("*.py") if not p.stem.startswith("__"))
    assert len(modules) <= 15, f"{len(modules)} modules at the root: {modules}"
    for m in modules:
        assert layer_of(m) <= layer_of("autograd"), f"{m} at the root is no engine's file"


@pytest.mark.parametrize("old", sorted(tinygrad_edu.MOVED))
def test_an_old_path_imports_the_module_at_its_new_home(old):
    """``import tinygrad_edu.optim`` (a path from before the folders) gives the very module
    that now lives in ``training/``: what is set on one is set on the other."""
    module = importlib.import_module(old)
    assert module is importlib.import_module(tinygrad_edu.MOVED[old])
    assert old not in {f"tinygrad_edu.{p.stem}" for p in PACKAGE.glob("*.py")}


def test_every_folder_says_what_lives_there_and_what_it_may_import():
    for folder in FOLDERS:
        doc = ast.get_docstring(ast.parse((PACKAGE / folder / "__init__.py").read_text("utf-8")))
        assert doc and len(doc.split()) >= 40, f"{folder}/__init__.py: no paragraph"
        assert "may import" in doc, f"{folder}/__init__.py does not say what it may import"


@pytest.mark.parametrize("page", ["engine-design.md", "development.md"])
def test_the_docs_draw_the_packages_map_as_the_tree_is(page):
    text = (PACKAGE.parent / "docs" / page).read_text(encoding="utf-8")
    block = text[text.index("```text\ntinygrad_edu/\n"):]
    block = block[:block.index("\n```", 5)]
    drawn = {line.split("── ", 1)[1].split()[0] for line in block.splitlines() if "── " in line}
    root = {p.name for p in PACKAGE.glob("*.py") if not p.stem.startswith("__")}
    folders = {f"{p.name}/" for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert drawn == root | folders, f"docs/{page}: the map and the tree differ"


LEARNERS_SIDE = {"exercises.limit", "exercises.mistakes", "exercises.text_blocks"}
"""What the learner's process may import of the exercises, besides ``exercises.learner``: no
reference, no grader, no hypothesis (tinygrad_edu/exercises/learner/__init__.py)."""


def test_the_learners_process_imports_no_reference_and_no_tool():
    edges = graph()
    side = {name for name in edges if name.startswith("exercises.learner")} | LEARNERS_SIDE
    for name in side:
        for target in edges[name]:
            assert target in side or layer_of(target) <= layer_of("engine"), (
                f"tinygrad_edu.{name} (the learner's process) imports tinygrad_edu.{target}")


ABOVE_ALLOWED = {"above": "the one named place", "": "the package's face: its lazy names"}
"""The modules that may import by name (``__import__``, ``importlib``), which the checks
above cannot see: the engine reaches a layer above it only through ``above.py``."""


def test_the_engine_reaches_up_only_through_its_one_named_place():
    """The engine's layer and the rooms beside it import nothing above them by name but
    through ``above.py``, whose table names only modules above the engine, each with the
    function a Value asks for."""
    from tinygrad_edu import above

    for path in PACKAGE.rglob("*.py"):
        name = module_name(path)
        if name in ABOVE_ALLOWED or layer_of(name) > layer_of("autograd.higher"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            called = getattr(getattr(node, "func", None), "id", None) or getattr(
                getattr(node, "func", None), "attr", None)
            assert not (isinstance(node, ast.Call) and called in (
                "__import__", "import_module")), f"tinygrad_edu.{name} imports by name"
    for function, module in above.ABOVE.items():
        short = module.removeprefix("tinygrad_edu.")
        assert layer_of(short) > layer_of("engine"), f"{module} is no layer above the engine"
        assert callable(getattr(importlib.import_module(module), function))
    for module in above.BUILT_IN_OPS:
        assert layer_of(module.removeprefix("tinygrad_edu.")) > layer_of("engine")


def test_importing_the_engine_loads_no_tool():
    """``from tinygrad_edu import Value`` in a fresh interpreter: at most 15 of the package's
    modules, nothing of a tool, no graphviz, no NumPy."""
    import subprocess
    import sys

    code = ("import sys; from tinygrad_edu import Value; "
            "print(' '.join(m for m in sys.modules if m.startswith(('tinygrad_edu', "
            "'graphviz', 'numpy'))))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout.split()
    ours = [m.removeprefix("tinygrad_edu").lstrip(".") for m in loaded
            if m.startswith("tinygrad_edu")]
    assert len(ours) <= 15, f"{len(ours)} modules: {ours}"
    assert not [m for m in ours if m and is_tool(m)], ours
    assert not [m for m in loaded if not m.startswith("tinygrad_edu")], loaded


def test_stepping_through_backward_loads_no_drawing():
    """``backward_steps()`` in a REPL prints text: it loads no drawing module and no graphviz
    (viz/ loads each public name when first asked for)."""
    import subprocess
    import sys

    code = ("import sys; from tinygrad_edu import Value; x = Value(3.0); "
            "steps = list((x * x).backward_steps()); "
            "print(' '.join(m for m in sys.modules if m.startswith(('tinygrad_edu.viz', "
            "'graphviz'))))")
    here = {**os.environ, "PYTHONPATH": str(PACKAGE.parent)}  # (this checkout's package)
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, env=here).stdout.split()
    assert "tinygrad_edu.viz.stepping" in loaded, loaded
    assert not [m for m in loaded if m.startswith("graphviz") or m.endswith(
        (".drawing", ".rendering", ".step_frames", ".replay"))], loaded
