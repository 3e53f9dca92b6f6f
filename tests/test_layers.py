"""The layers of the package stand on each other without import circles, and the engines
know nothing of the tools: every import statement counts, also one inside a function or in
an ``if TYPE_CHECKING:`` block (a type the checker reads is a dependency too: a module types
against the node protocols of the layer below, not against the classes above it)."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "tinygrad_edu"

# From the bottom up. A module may import only modules of its own layer or of lower layers.
LAYERS = [
    # what both engines stand on: numbers and errors, the walk, the op rows, grad mode, scopes
    ["errors", "arrays", "formatting", "stepwise", "grad_mode", "checked", "tensor.checked",
     "graph", "ops", "scopes", "tensor.registry", "tensor.copying", "tensor.base",
     "tensor.keeping", "tensor.arguments", "tensor.making"],
    ["engine"],  # the scalar engine
    # the rooms beside it, which put what they add on Value: a Value as a number, other
    # libraries' names, copying; ops on lists and of your own; second derivatives
    ["as_number", "familiar_names", "copying", "listops", "making", "higher"],
    ["autograd"],
    ["tensor.engine"],
    ["tensor.nn.functional", "nn.functional", "init", "saving", "module", "optim",
     "tensor.nn.modules", "nn.modules", "nn", "tensor.nn", "batches", "data", "text", "idx",
     "train"],
    # (derivatives and gradcheck make fresh leaves of either engine from plain numbers or
    # arrays: they stand above both, beside the tensor package their arrays need)
    ["stepping", "tensor", "derivatives", "gradcheck", "testing", "boxes", "rendering", "labels",
     "layout", "by_parts", "drawing", "frames", "pages", "replay", "viz", "graph_paths",
     "expression", "exercises", "playground", "watch", "__main__", ""],
]
ENGINES = {"arrays", "formatting", "engine", "tensor.engine", "graph", "ops", "making",
           "copying", "higher", "listops", "scopes", "autograd", "stepwise", "as_number",
           "familiar_names", "grad_mode", "checked", "errors"}
TOOLS = {"stepping", "boxes", "rendering", "labels", "layout", "by_parts", "drawing", "frames",
         "pages", "replay", "viz", "graph_paths", "testing", "gradcheck", "exercises",
         "playground", "watch", "__main__", "train"}


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
    for i, layer in enumerate(LAYERS):
        if name in layer or any(name.startswith(f"{m}.") for m in layer if m):
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
    """A tool, or a module inside a tool's package (``testing.scalar``, ``exercises.core``)."""
    return name.split(".")[0] in TOOLS


def test_the_engines_know_nothing_of_the_tools():
    for name, targets in graph().items():
        if name in ENGINES:
            tools = {target for target in targets if is_tool(target)}
            assert not tools, f"{name} imports {tools}"


def test_a_module_inside_a_tools_package_is_a_tool():
    assert is_tool("testing") and is_tool("testing.scalar") and is_tool("exercises.core")
    assert not is_tool("tensor.engine") and not is_tool("tensor")


def test_the_check_sees_imports_inside_functions_and_for_the_type_checker(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from tinygrad_edu.testing import check_op\n")
    assert "tinygrad_edu.testing" in imports_of(module)
    assert "tinygrad_edu.testing" in imports_of(module, running=True)  # when f is called
    module.write_text("if TYPE_CHECKING:\n    from tinygrad_edu.testing import check_op\n")
    assert "tinygrad_edu.testing" in imports_of(module)
    assert imports_of(module, running=True) == set()
