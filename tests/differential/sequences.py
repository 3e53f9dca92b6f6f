"""Stateful sequences on a small model, in both engines (tests/differential).

A model is a random program (``programs.py``) whose leaves are its parameters; a sequence is
a random run of what a training loop does to it: forward passes, backward() (again and
again: gradients add up, also after backward(create_graph=True), issue 55's item 3),
grad(), zero_grad(), updates under no_grad(), ``.data`` set between steps, updates in place
(``+=``, ``*=``), a forward pass under no_grad() (whose backward both refuse), and ``.data``
set between a forward and its backward pass. After every action the parameters' numbers
and gradients of both engines are compared.

Two differences are recorded (tests/torch_deviations.py): a ``.data`` change between the
forward and the backward pass, which PyTorch's backward reads and ours does not (5: a node
keeps the forward pass's local derivatives); PyTorch's twin makes that change after its
backward pass instead, and ours, asked for create_graph=True after such a change, must
refuse (the numbers of its graph changed) or give the plain pass's numbers. And gradients
that share memory after a sum of a stack (17): PyTorch's twin gives each .grad its own copy.
"""

from __future__ import annotations

import math
import random
from typing import Any

from tests.differential.bounds import close, error_bounds, gradient_bounds, uncertain_nodes
from tests.differential.programs import OURS, Program, apply, generate, number
from tests.differential.twins import torch_ops
from tinygrad_edu import Value, grad, no_grad

ACTIONS = ["forward", "backward", "backward", "backward(create_graph)", "grad", "zero_grad",
           "step", "data", "in place", "no_grad forward", "data before backward"]


class Pair:
    """The model in both engines: our parameters (Values), PyTorch's (0-d tensors), and the
    latest forward pass of each."""

    def __init__(self, program: Program, torch: Any) -> None:
        self.program, self.torch = program, torch
        self.ours = [Value(x) for x in program.leaves]
        self.theirs = [torch.tensor(x, dtype=torch.float64, requires_grad=True)
                       for x in program.leaves]
        self.out: Any = None
        self.t_out: Any = None
        self.tolerance = 0.0  # how far the latest forward pass's gradients may round apart

    def forward(self) -> None:
        """A forward pass in both engines (Unjudged where ours refuses the numbers or their
        rounding cannot be judged)."""
        try:
            nodes = run_program(self.program, [Value(p.data) for p in self.ours])
        except (ArithmeticError, ValueError) as error:
            raise Unjudged from error
        bounds = error_bounds(nodes)
        if any(uncertain_nodes(nodes, bounds)) or not all(math.isfinite(v.data) for v in nodes):
            raise Unjudged
        nodes[-1].backward()  # (on a copy: the parameters' gradients stay as they are)
        scale, absolute = gradient_bounds(nodes[-1], 1.0)
        self.tolerance = 1e-7 * max([scale.get(v, 0.0) for v in nodes] + [1.0]) + \
            8 * max([absolute.get(v, 0.0) for v in nodes] + [0.0])
        self.out = run_program(self.program, self.ours)[-1]
        tensors: list[Any] = list(self.theirs)
        plain = torch_ops(self.torch)
        for step in self.program.steps:
            tensors.append(apply(step, tensors, plain))
        self.t_out = tensors[-1]


def run_program(program: Program, leaves: list[Value]) -> list[Value]:
    nodes: list[Any] = list(leaves)
    for step in program.steps:
        nodes.append(apply(step, nodes, OURS))
    return nodes


def number_of(g: Any) -> float:
    """A gradient as a float: ours a float or a Value, PyTorch's a tensor or None."""
    if g is None:
        return 0.0
    if isinstance(g, Value):
        return g.data
    return float(g.item()) if hasattr(g, "item") else float(g)


class Unjudged(Exception):
    """The sequence cannot go on being compared: a forward pass our engine refuses, or whose
    rounding cannot be judged."""


NEEDS_A_GRAPH = {"backward", "backward(create_graph)", "grad", "data before backward"}


def run_sequence(seed: int, torch: Any, length: int = 10) -> tuple[list[str], int]:
    """One random sequence: the differences found (each a line of text), and how many
    actions were compared."""
    rng = random.Random(seed)
    program, _ = generate(rng.randrange(2**31), size=rng.randint(5, 16), edge_rate=0.0)
    pair = Pair(program, torch)
    done: list[str] = []
    allowance = 0.0  # gradients add up over passes, and so may their rounding
    for _ in range(length):
        action = rng.choice(ACTIONS)
        done.append(action)
        found: list[str] = []
        try:
            if action == "forward" or (action in NEEDS_A_GRAPH and pair.out is None):
                pair.forward()
            allowance = act(pair, action, rng, torch, allowance, found)
        except Unjudged:
            return [], len(done) - 1
        where = f"after {' → '.join(done)}"
        for i, (p, t) in enumerate(zip(pair.ours, pair.theirs)):
            if not close(p.data, t.item(), allowance):
                found.append(f"p{i}.data ours {p.data!r}, PyTorch {t.item()!r}")
            t.data = torch.tensor(p.data, dtype=torch.float64)  # (rounding does not pile up)
            ours, theirs = number_of(p.grad), number_of(t.grad)
            if not close(ours, theirs, allowance):
                found.append(f"p{i}.grad ours {ours!r}, PyTorch {theirs!r}")
        if found:
            return [f"sequence {seed}, {where}, model:\n{program}", *found], len(done)
    return [], len(done)


def act(pair: Pair, action: str, rng: random.Random, torch: Any, allowance: float,
        found: list[str]) -> float:
    """Do ``action`` in both engines; the allowance for the gradients' rounding after it."""
    if action == "forward":
        return allowance
    if action in ("backward", "data before backward"):
        change = None
        if action == "data before backward":
            change = rng.randrange(len(pair.ours)), number(rng, 0.0)
            pair.ours[change[0]].data = change[1]  # ours: the forward pass's gradient
        pair.out.backward()
        pair.t_out.backward(retain_graph=True)
        own_gradients(pair)
        if change is not None:  # PyTorch's twin: the change after its backward pass
            pair.theirs[change[0]].data = torch.tensor(change[1], dtype=torch.float64)
            check_create_graph_after_a_change(pair, found)
            pair.out = None
        return allowance + pair.tolerance
    if action == "backward(create_graph)":
        pair.out.backward(create_graph=True)
        pair.t_out.backward(create_graph=True, retain_graph=True)
        own_gradients(pair)
        return allowance + pair.tolerance
    if action == "grad":
        ours = grad(pair.out, pair.ours, allow_unused=True)
        theirs = torch.autograd.grad(pair.t_out, pair.theirs, allow_unused=True,
                                     retain_graph=True) if pair.t_out.requires_grad \
            else (None,) * len(pair.ours)
        for i, (o, t) in enumerate(zip(ours, theirs)):
            if not close(number_of(o), number_of(t), pair.tolerance):
                found.append(f"grad() d/dp{i}: ours {o!r}, PyTorch {t!r}")
        return allowance
    if action == "zero_grad":
        for p, t in zip(pair.ours, pair.theirs):  # (a model's zero_grad(): its parameters)
            p.grad, t.grad = 0.0, None
        return 0.0
    if action == "step":
        lr = rng.choice([0.1, 0.01])
        with no_grad():
            for p in pair.ours:
                p -= lr * p.grad
        with torch.no_grad():
            for t in pair.theirs:
                if t.grad is not None:
                    t -= lr * t.grad
    elif action in ("data", "in place"):
        i, c = rng.randrange(len(pair.ours)), number(rng, 0.0)
        if action == "data":
            pair.ours[i].data = c
            pair.theirs[i].data = torch.tensor(c, dtype=torch.float64)
        else:
            with no_grad():
                pair.ours[i] *= c
            with torch.no_grad():
                pair.theirs[i] *= c
    elif action == "no_grad forward":
        check_no_grad_forward(pair, torch, found)
        return allowance
    pair.out = None  # the numbers changed: a new forward pass before the next backward
    return allowance


def own_gradients(pair: Pair) -> None:
    """PyTorch's twin of a backward pass: each .grad its own tensor. After a backward pass
    through torch.stack(...).sum(), the leaves' .grad are views of one number, and the next
    pass adds to it once per leaf (tests/torch_deviations.py, 17)."""
    for t in pair.theirs:
        if t.grad is not None:
            t.grad = t.grad.clone()


def check_no_grad_forward(pair: Pair, torch: Any, found: list[str]) -> None:
    """A forward pass under no_grad: a backward pass from it that both refuse (nothing to
    differentiate), unless the model is a parameter alone."""
    if not pair.program.steps:
        return
    try:
        with no_grad():
            out = run_program(pair.program, pair.ours)[-1]
    except (ArithmeticError, ValueError):
        return
    with torch.no_grad():
        tensors: list[Any] = list(pair.theirs)
        for step in pair.program.steps:
            tensors.append(apply(step, tensors, torch_ops(torch)))
    refused = []
    for y in (out, tensors[-1]):
        try:
            y.backward()
        except RuntimeError:
            refused.append(True)
        else:
            refused.append(False)
    if refused != [True, True]:
        found.append(f"a backward pass from a value computed under no_grad(): refused by "
                     f"ours: {refused[0]}, by PyTorch: {refused[1]}")


def check_create_graph_after_a_change(pair: Pair, found: list[str]) -> None:
    """After a ``.data`` change between the forward and the backward pass: ours refuses
    create_graph=True (its graph's numbers changed), or gives the plain pass's numbers."""
    plain = grad(pair.out, pair.ours, allow_unused=True)
    try:
        again = grad(pair.out, pair.ours, allow_unused=True, create_graph=True)
    except RuntimeError as error:
        if "has changed since the forward pass" not in str(error):
            found.append(f"create_graph=True after a .data change raised {error!r}")
        return
    for p, g in zip(plain, again):
        if not close(number_of(p), number_of(g), 0.0):
            found.append(f"create_graph=True after a .data change gave {g!r}, the plain "
                         f"pass {p!r}")
