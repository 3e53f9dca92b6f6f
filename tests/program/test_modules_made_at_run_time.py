"""A module made at run time (``types.ModuleType("cfg")``, ``module_from_spec`` of a spec of
its own, as a notebook or a grader makes one) is the learner's: walked into wherever the
function reaches it, and each number it holds guarded, an input once changed. Before, only one
read as a global of the function (``cfg.lr``) was: reached through a closure cell, an
attribute, a dict's item, ``getattr(cfg, names[0])``, ``vars(cfg)[k]``, or holding a
namespace or another such module (``cfg.opt.lr``), its number changed between calls gave the
first capture's answer again, silently (the engine's 6.0, the program's 1.0, ``captures``
still 1)."""

import importlib.util
import types
import warnings

import pytest

from tests.program.against_engine import same
from tinygrad_edu import Value
from tinygrad_edu.program import compile


def _module(name, **held):
    module = types.ModuleType(name)
    vars(module).update(held)
    return module


def _cases():
    """name -> (a function of ``w``, the module that holds ``lr``): each reaches it its way."""
    w = Value(2.0, label="w")
    in_cell = _module("in_cell", lr=0.5)
    holder = types.SimpleNamespace(cfg=_module("in_attribute", lr=0.5))
    table = {"cfg": _module("in_item", lr=0.5)}
    by_name = _module("by_name", lr=0.5)
    names = ["lr"]
    spec = importlib.util.spec_from_loader("from_spec", loader=None)
    from_spec = importlib.util.module_from_spec(spec)
    from_spec.lr = 0.5
    with_namespace = _module("with_namespace", opt=types.SimpleNamespace(lr=0.5))
    inner = _module("outer.inner", lr=0.5)
    outer = _module("outer", inner=inner)
    return w, {
        "a closure cell": (lambda: w * in_cell.lr, in_cell),
        "an attribute": (lambda: w * holder.cfg.lr, holder.cfg),
        "a dict's item": (lambda: w * table["cfg"].lr, table["cfg"]),
        "getattr by a name of a list": (lambda: w * getattr(by_name, names[0]), by_name),
        "vars(module)[k]": (lambda: w * vars(by_name)["lr"], by_name),
        "module_from_spec": (lambda: w * from_spec.lr, from_spec),
        "a namespace it holds": (lambda: w * with_namespace.opt.lr, with_namespace.opt),
        "a module it holds": (lambda: w * outer.inner.lr, inner),
    }


W, CASES = _cases()


@pytest.mark.parametrize("native", [True, False])
@pytest.mark.parametrize("which", sorted(CASES))
def test_a_number_of_a_module_made_at_run_time_is_followed(which, native):
    f, holder = CASES[which]
    first = holder.lr
    step = compile(f, native=native)
    try:
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            for lr in (0.5, 3.0, -1.25, 3.0):
                holder.lr = lr
                assert same(step, f, [W]).data == 2.0 * lr
        assert step.captures <= 2
    finally:
        holder.lr = first
