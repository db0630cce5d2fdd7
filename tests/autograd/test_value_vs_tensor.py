"""The two engines check each other: a hypothesis state machine builds one random scalar
computation graph twice, with `Value` and with 0-d float64 `Tensor`s, then backpropagates
from random nodes of both and asserts equal values and equal gradients at every leaf."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

import autograd as ag
from autograd import Tensor, Value

Pair = tuple[Value, Tensor]
LIMIT = 1e4  # larger intermediate values make the two summation orders differ visibly
numbers = st.floats(-2.0, 2.0, allow_nan=False)
constants = st.sampled_from([-1.5, -0.5, 0.5, 2.0, 3.0])


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


class ValueVsTensor(RuleBasedStateMachine):
    """Each node is a pair (Value, 0-d Tensor) made by the same op from the same inputs."""

    nodes = Bundle("nodes")

    def __init__(self) -> None:
        super().__init__()
        self.leaves: list[Pair] = []

    def _keep(self, value: Value, tensor: Tensor) -> Pair:
        assume(math.isfinite(value.data) and abs(value.data) < LIMIT)
        return value, tensor

    @rule(target=nodes, x=numbers)
    def leaf(self, x: float) -> Pair:
        pair = (Value(x), Tensor(np.float64(x), requires_grad=True))
        self.leaves.append(pair)
        return pair

    @rule(target=nodes, a=nodes, b=nodes, op=st.sampled_from(["add", "sub", "mul"]))
    def arithmetic(self, a: Pair, b: Pair, op: str) -> Pair:
        fn: Callable = {
            "add": lambda x, y: x + y,
            "sub": lambda x, y: x - y,
            "mul": lambda x, y: x * y,
        }[op]
        return self._keep(fn(a[0], b[0]), fn(a[1], b[1]))

    @rule(target=nodes, a=nodes, b=nodes)
    def divide(self, a: Pair, b: Pair) -> Pair:
        assume(abs(b[0].data) > 0.1)
        return self._keep(a[0] / b[0], a[1] / b[1])

    @rule(target=nodes, a=nodes, b=nodes)
    def power(self, a: Pair, b: Pair) -> Pair:
        assume(0.1 < a[0].data < 10 and abs(b[0].data) < 3)
        return self._keep(a[0] ** b[0], a[1] ** b[1])

    @rule(target=nodes, a=nodes, c=constants, side=st.sampled_from(["left", "right"]))
    def with_constant(self, a: Pair, c: float, side: str) -> Pair:
        if side == "left":
            return self._keep(c * a[0] - c, c * a[1] - c)
        assume(abs(a[0].data) > 0.1)
        return self._keep(c / a[0] + c, c / a[1] + c)

    @rule(target=nodes, a=nodes, c=constants)
    def constant_power(self, a: Pair, c: float) -> Pair:
        assume(a[0].data > 0.1)
        return self._keep(a[0] ** c, a[1] ** c)

    @rule(target=nodes, a=nodes, op=st.sampled_from(["neg", "exp", "tanh", "sigmoid", "relu"]))
    def unary(self, a: Pair, op: str) -> Pair:
        if op == "exp":
            assume(a[0].data < 5)
        if op == "relu":
            assume(abs(a[0].data) > 1e-6)  # both engines say 0 at the kink; stay off it
        if op == "neg":
            return self._keep(-a[0], -a[1])
        return self._keep(getattr(a[0], op)(), getattr(a[1], op)())

    @rule(target=nodes, a=nodes)
    def log(self, a: Pair) -> Pair:
        assume(a[0].data > 0.1)
        return self._keep(a[0].log(), a[1].log())

    @invariant()
    def values_agree(self) -> None:
        for value, tensor in self.leaves:
            assert value.data == float(tensor.data)

    @rule(root=nodes)
    def gradients_agree(self, root: Pair) -> None:
        value, tensor = root
        assert _close(value.data, float(tensor.data)), (value.data, float(tensor.data))
        for v, _ in self.leaves:
            v.grad = 0.0  # Value leaves accumulate, as Tensor leaves do
        value.backward()
        if tensor.requires_grad and tensor.grad_fn is not None:
            grads = ag.grad(
                tensor, [t for _, t in self.leaves], retain_graph=True, allow_unused=True
            )
        else:  # the root is a leaf itself
            grads = tuple(Tensor(1.0) if t is tensor else None for _, t in self.leaves)
        for (v, _), g in zip(self.leaves, grads):
            expected = 0.0 if g is None else float(g.data)
            assert _close(v.grad, expected), (v.grad, expected)


TestValueVsTensor = ValueVsTensor.TestCase
