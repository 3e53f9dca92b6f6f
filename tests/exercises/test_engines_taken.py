"""What a learner's process of the "no walk" and "no chain rule" groups keeps of the engine
does not do their exercise: no function left in the engine's modules (nor a ``Value``
method) returns a topological order of a small graph, or does a chain-rule step
(before, ``topological_sort`` passed as ``graph.walked_on_a_stack((root,))``, the sort
that ``walk``, taken out, calls). Each function is called here, in the grader's process, on
fresh graphs with the arguments such functions take; those taken out are skipped, as
``engines.prepare`` replaces them."""

import contextvars
import inspect
import sys
import types

from tinygrad_edu import engine
from tinygrad_edu.exercises.learner.engines import TAKEN


def _engine_functions():
    """Every function of the modules the engine's files are (engine.py and what it
    imports of tinygrad_edu, as a learner's process with an engine has them), and every
    method and property of ``Value``: (name, function)."""
    modules, todo = {}, [engine]
    while todo:
        module = todo.pop()
        if module.__name__ in modules:
            continue
        modules[module.__name__] = module
        for value in vars(module).values():
            home = value if isinstance(value, types.ModuleType) else inspect.getmodule(value)
            if home is not None and home.__name__.startswith("tinygrad_edu.") and \
                    ".exercises" not in home.__name__ and home.__name__ not in modules:
                todo.append(home)
    found = []
    for module in modules.values():
        for name, value in vars(module).items():
            if inspect.isfunction(value) and value.__module__ == module.__name__:
                found.append((name, value))
    for name, value in vars(engine.Value).items():
        if isinstance(value, property):
            found.append((name, value.fget))
        elif inspect.isfunction(value) and not name.startswith("__"):
            found.append((name, value))
    return found, set(modules)


def _graph(root=-1):
    """a, b leaves; c = a * b; d = c + a; e = d.tanh(); f made from lists, as microgpt's
    node is; ``nodes[root]``'s grad 1, every other's 0."""
    a, b = engine.Value(0.5), engine.Value(-1.5)
    c = a * b
    d = c + a
    e = d.tanh()
    f = engine.Value(2.0, (e, b), (3.0, 4.0))
    nodes = [a, b, c, d, e, f]
    for node in nodes:
        node.grad = 0.0
    nodes[root].grad = 1.0
    return nodes


def _calls(function, root):
    """What ``function`` gives on the graph of ``root``, called as such functions are
    (results that are iterators listed); None where it raised."""
    for args in ((root,), ((root,),), ([root],), (root, 1.0), (root, 1.0, False, None)):
        try:
            result = function(*args)
            if isinstance(result, types.GeneratorType) or hasattr(result, "__next__"):
                result = list(result)
            yield args, result
        except Exception:
            yield args, None


def _topological(result, nodes):
    if not isinstance(result, (list, tuple)) or len(result) != len(nodes) or \
            {id(x) for x in result} != {id(x) for x in nodes}:
        return False
    place = {id(x): k for k, x in enumerate(result)}
    return all(place[id(p)] < place[id(n)] for n in nodes for p in n.parents)


def _state_kept(modules):
    """The lists, dicts and sets the modules hold (scopes.opened, graph.before_a_pass ...),
    copied, to be put back: calling every function opens scopes and the like, which
    would stay open for the tests run after this one in the same process."""
    return [(held, type(held)(held)) for name in modules
            for key, held in vars(sys.modules[name]).items()
            if type(held) in (list, dict, set) and not key.startswith("__")]


def _put_back(kept):
    for held, copy in kept:
        held.clear()
        if isinstance(held, list):
            held.extend(copy)
        else:
            held.update(copy)


def test_no_function_a_learners_process_keeps_sorts_or_takes_a_chain_rule_step():
    functions, modules = _engine_functions()
    kept = _state_kept(modules)
    try:  # (in a context of its own: grad mode and the open scopes are context variables)
        contextvars.copy_context().run(_check, functions, modules)
    finally:
        _put_back(kept)


def _check(functions, modules):
    assert {"tinygrad_edu.engine", "tinygrad_edu.graph"} <= modules, modules
    assert len(functions) > 40, functions
    sorting, stepping = [], []
    for name, function in functions:
        if name not in TAKEN["no walk"]:
            nodes = _graph()
            if any(_topological(result, nodes) for _, result in _calls(function, nodes[-1])):
                sorting.append(name)
        if name not in TAKEN["no chain rule"]:
            for k in (2, 3, 4, 5):  # (each inner node, its grad 1: given to its parents?)
                nodes = _graph(k)
                list(_calls(function, nodes[k]))
                if any(n.grad for j, n in enumerate(nodes) if j != k):
                    stepping.append(name)
                    break
    assert not sorting, f"a function left in the 'no walk' group sorts: {sorting}"
    assert not stepping, f"a function left in the 'no chain rule' group steps: {stepping}"
