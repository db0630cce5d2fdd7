"""Value: the scalar engine. Backprop one number at a time.

A `Value` holds one Python float (`.data`) and, after `backward()`, the
derivative of the output with respect to it (`.grad`). Every op records its
inputs `x` and `y` (y is None for one-input ops; numbers folded into an op
are constants, not inputs) and the local derivatives d(data)/dx and
d(data)/dy, computed with the value itself by `autograd.scalar_math`.
`backward()` is then the chain rule, one line per input:

    x.grad += dx * node.grad

run over the graph in reverse topological order (found iteratively, so a
chain of a million ops is fine). The same ideas as the Tensor engine, with
Python floats instead of arrays. Two fixed input slots instead of a tuple of
parents keep each op to one small object, which is what makes it fast.
"""

from __future__ import annotations

import numbers
from typing import Any

from autograd import scalar_math as _m

_new = object.__new__


def _node(
    data: float, op: str, x: Value, dx: float, y: Value | None = None, dy: float = 0.0
) -> Value:
    """The Value an op made from its input(s): `dx` is d(data)/d(x.data), `dy` d(data)/d(y.data)."""
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out._op = op
    out._x = x
    out._dx = dx
    out._y = y
    out._dy = dy
    return out


def _number(x: Any, op: str) -> float:
    """A Python number folded into an op (a constant, not a node of the graph)."""
    kind = type(x)
    if kind is float or kind is int:
        return x
    if isinstance(x, numbers.Real):  # NumPy scalars, bool, Fraction: as a Python float
        return float(x)
    raise TypeError(
        f"{op}: a Value combines with Values and real numbers, not {kind.__name__} "
        "(Value and Tensor are separate engines)"
    )


class Value:
    """One float in a computation graph: `.data`, `.grad`, and the op that made it.

    `Value(data, label='')`: `data` is a real number (stored as a float),
    `label` a name for pictures. Combine Values and numbers with `+ - * / **`
    (either side) and `-v`, `exp() log() tanh() sigmoid() relu()`; then
    `loss.backward()` fills every `.grad`.
    """

    __slots__ = ("_dx", "_dy", "_op", "_x", "_y", "data", "grad", "label")
    # NumPy (and so Tensor) must not wrap a Value in an object array: `Tensor + Value` is a
    # TypeError naming the op, `ndarray + Value` reaches __radd__, which refuses it.
    __array_ufunc__ = None

    def __init__(self, data: float, label: str = "") -> None:
        if not isinstance(data, numbers.Real):
            raise TypeError(f"Value: data must be a real number, got {type(data).__name__}")
        self.data = float(data)
        self.grad = 0.0
        self.label = label
        self._op = ""  # the op that made it: "" for a leaf, else "add", "mul", ...
        self._x: Value | None = None  # its inputs, and d(data)/d(input) for each
        self._dx = 0.0
        self._y: Value | None = None
        self._dy = 0.0

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data}, grad={self.grad}{label})"

    # ---- the chain rule ---------------------------------------------------------------
    def backward(self) -> None:
        """Fill `.grad` of every Value this one depends on with d(self)/d(it).

        Leaves (Values you made, with no op behind them) ACCUMULATE, as Tensor
        leaves do: a second `backward()` adds to their `.grad`, so reset them
        (`v.grad = 0.0`) between steps. Intermediate Values are recomputed by
        every backward: theirs is d(self)/d(it) for this call alone.
        """
        order = _topological_order(self)
        if self._x is None:
            self.grad += 1.0
        else:
            self.grad = 1.0
        for node in reversed(order):
            g = node.grad
            node._x.grad += node._dx * g
            y = node._y
            if y is not None:
                y.grad += node._dy * g

    # ---- arithmetic: each op's value and local derivatives come from scalar_math -----------
    # Written out per operator, not through a shared helper: that would cost one more
    # Python call per op (about 10% of an op's time).
    def __add__(self, other: Value | float) -> Value:
        if type(other) is Value:
            data, dx, dy = _m.add(self.data, other.data)
            return _node(data, "add", self, dx, other, dy)
        data, dx, _ = _m.add(self.data, _number(other, "add"))
        return _node(data, "add", self, dx)

    def __radd__(self, other: float) -> Value:
        data, _, dy = _m.add(_number(other, "add"), self.data)
        return _node(data, "add", self, dy)

    def __sub__(self, other: Value | float) -> Value:
        if type(other) is Value:
            data, dx, dy = _m.sub(self.data, other.data)
            return _node(data, "sub", self, dx, other, dy)
        data, dx, _ = _m.sub(self.data, _number(other, "sub"))
        return _node(data, "sub", self, dx)

    def __rsub__(self, other: float) -> Value:
        data, _, dy = _m.sub(_number(other, "sub"), self.data)
        return _node(data, "sub", self, dy)

    def __mul__(self, other: Value | float) -> Value:
        if type(other) is Value:
            data, dx, dy = _m.mul(self.data, other.data)
            return _node(data, "mul", self, dx, other, dy)
        data, dx, _ = _m.mul(self.data, _number(other, "mul"))
        return _node(data, "mul", self, dx)

    def __rmul__(self, other: float) -> Value:
        data, _, dy = _m.mul(_number(other, "mul"), self.data)
        return _node(data, "mul", self, dy)

    def __truediv__(self, other: Value | float) -> Value:
        if type(other) is Value:
            data, dx, dy = _m.div(self.data, other.data)
            return _node(data, "div", self, dx, other, dy)
        data, dx, _ = _m.div(self.data, _number(other, "div"))
        return _node(data, "div", self, dx)

    def __rtruediv__(self, other: float) -> Value:
        data, _, dy = _m.div(_number(other, "div"), self.data)
        return _node(data, "div", self, dy)

    def __pow__(self, other: Value | float) -> Value:
        if type(other) is Value:
            data, dx, dy = _m.pow(self.data, other.data)
            return _node(data, "pow", self, dx, other, dy)
        data, dx = _m.pow_const_exponent(self.data, _number(other, "pow"))
        return _node(data, "pow", self, dx)

    def __rpow__(self, other: float) -> Value:
        data, dy = _m.pow_const_base(_number(other, "pow"), self.data)
        return _node(data, "pow", self, dy)

    def __neg__(self) -> Value:
        data, dx = _m.neg(self.data)
        return _node(data, "neg", self, dx)

    # ---- functions ----------------------------------------------------------------------
    def exp(self) -> Value:
        """e^x."""
        data, dx = _m.exp(self.data)
        return _node(data, "exp", self, dx)

    def log(self) -> Value:
        """Natural logarithm (-inf at 0, nan below, as NumPy)."""
        data, dx = _m.log(self.data)
        return _node(data, "log", self, dx)

    def tanh(self) -> Value:
        """Hyperbolic tangent."""
        data, dx = _m.tanh(self.data)
        return _node(data, "tanh", self, dx)

    def sigmoid(self) -> Value:
        """Logistic function 1 / (1 + e^-x)."""
        data, dx = _m.sigmoid(self.data)
        return _node(data, "sigmoid", self, dx)

    def relu(self) -> Value:
        """max(x, 0); its gradient is 0 at x = 0."""
        data, dx = _m.relu(self.data)
        return _node(data, "relu", self, dx)


def _topological_order(root: Value) -> list[Value]:
    """The op-made Values `root` depends on, each after all the Values it reads.

    Iterative depth-first post-order; inputs are visited in argument order, so
    the order is deterministic. Leaves are left out: nothing flows past them.
    Each intermediate's `.grad` is reset to 0 as it is found, ready to be summed
    into. A None on the stack marks "the node below me is finished": no tuple
    per node, which keeps the garbage collector quiet on big graphs.
    """
    order: list[Value] = []
    visited: set[Value] = set()
    stack: list[Value | None] = [root]
    while stack:
        node = stack.pop()
        if node is None:
            order.append(stack.pop())  # type: ignore[arg-type]
            continue
        x = node._x
        if x is None or node in visited:
            continue
        visited.add(node)
        node.grad = 0.0
        stack.append(node)
        stack.append(None)
        y = node._y
        if y is not None and y not in visited:
            stack.append(y)
        if x not in visited:
            stack.append(x)
    return order
