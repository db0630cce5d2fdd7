"""Elementwise ops: each forward beside its gradient rule (vector-Jacobian product).

Binary ops broadcast as NumPy does; their rules return gradients of the
output's shape and the engine sums them back to each input's shape. The
arithmetic forwards call their ufunc with `out=...` (NumPy >= 2.3): a 0-d
result stays a 0-d array instead of a NumPy scalar apply would have to wrap.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.function import Context, Function, apply_op
from autograd.opcheck import (
    OpCheck,
    kinks_at,
    kinks_at_options,
    kinks_where_equal,
    where_options,
)
from autograd.tensor import Tensor, as_operand


def _broadcast_error(op: str, a: Any, b: Any) -> ValueError:
    return ValueError(f"{op}: shapes {np.shape(a)} and {np.shape(b)} cannot be broadcast together")


def _operand(value: Any) -> str:
    """An operand as an error message names it: dtype and shape, or its Python type."""
    if isinstance(value, np.ndarray | np.generic):
        return f"{value.dtype} (shape {value.shape})"
    return type(value).__name__


def _type_error(op: str, err: TypeError, *operands: Any) -> TypeError:
    """NumPy's TypeError for operands it has no loop for (a string, None, bool - bool),
    restated to name the op and the operands' dtypes and shapes; NumPy's reason follows."""
    kinds = " and ".join(_operand(v) for v in operands)
    return TypeError(f"{op}: unsupported operand type(s) {kinds}: {err}")


# mul and div keep a Python number beside a float array as a 0-d array of that dtype:
# the result is the same (NumPy casts the number to the array's dtype anyway), and the
# rule's `g * b` then multiplies two arrays, about twice as fast for small ones as with
# a Python float, which NumPy converts again on every call. Not beside a 0-d array:
# there it saves no time and the extra array is a third more memory per op (a chain
# of scalar ops). Written out in each forward (a helper call costs most of the gain).
_NUMBERS = frozenset((float, int))
_ndarray = np.ndarray
# A 0-d float64 array and a Python float (a scalar chain: y = y * a + b) are added,
# subtracted and multiplied as Python floats: the same IEEE double result in about half
# the time of NumPy's ufunc on a 0-d array. Only a result that raised no floating-point
# flag NumPy reports is taken: a finite sum or difference (those are exact when tiny),
# a normal nonzero product; otherwise the ufunc runs, with NumPy's warnings and errstate.
# Written out in each forward (a helper call costs most of the gain).
_FLOAT64 = np.dtype(np.float64)
_TINY = float(np.finfo(np.float64).tiny)  # the smallest normal float64
_HUGE = float(np.finfo(np.float64).max)
_array = np.array


class Add(Function, ctx_attributes=False):
    """a + b; d/da = d/db = 1."""

    check = OpCheck(reference=np.add, twice=True, arity=2, shapes="broadcast")

    @staticmethod
    def forward(ctx: Context, a: Any, b: Any) -> Any:
        if type(b) is float:
            if type(a) is _ndarray and not a.ndim and a.dtype is _FLOAT64:
                r = a.item() + b
                if r - r == 0.0:  # finite (see _FLOAT64)
                    return _array(r)
        elif type(a) is float and type(b) is _ndarray and not b.ndim and b.dtype is _FLOAT64:
            r = a + b.item()
            if r - r == 0.0:
                return _array(r)
        try:
            return np.add(a, b, out=...)
        except ValueError:
            raise _broadcast_error("add", a, b) from None
        except TypeError as err:
            raise _type_error("add", err, a, b) from None

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        return g, g


class Sub(Function, ctx_attributes=False):
    """a - b; d/da = 1, d/db = -1."""

    check = OpCheck(reference=np.subtract, twice=True, arity=2, shapes="broadcast")

    @staticmethod
    def forward(ctx: Context, a: Any, b: Any) -> Any:
        if type(b) is float:
            if type(a) is _ndarray and not a.ndim and a.dtype is _FLOAT64:
                r = a.item() - b
                if r - r == 0.0:  # finite (see _FLOAT64)
                    return _array(r)
        elif type(a) is float and type(b) is _ndarray and not b.ndim and b.dtype is _FLOAT64:
            r = a - b.item()
            if r - r == 0.0:
                return _array(r)
        try:
            return np.subtract(a, b, out=...)
        except ValueError:
            raise _broadcast_error("sub", a, b) from None
        except TypeError as err:
            raise _type_error("sub", err, a, b) from None

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        return g, (-g if ctx.needs_input_grad[1] else None)


class Mul(Function, ctx_attributes=False):
    """a * b; d/da = b, d/db = a."""

    check = OpCheck(reference=np.multiply, twice=True, arity=2, shapes="broadcast")

    @staticmethod
    def forward(ctx: Context, a: Any, b: Any) -> Any:
        if type(b) in _NUMBERS and type(a) is _ndarray:
            if a.ndim:
                if a.dtype.kind == "f":
                    b = np.asarray(b, a.dtype)  # see _NUMBERS
            elif type(b) is float and a.dtype is _FLOAT64:
                r = a.item() * b
                if _TINY <= (r if r > 0.0 else -r) <= _HUGE:  # see _FLOAT64
                    ctx.save_for_backward(a, b)
                    return _array(r)
        elif type(a) in _NUMBERS and type(b) is _ndarray:
            if b.ndim:
                if b.dtype.kind == "f":
                    a = np.asarray(a, b.dtype)
            elif type(a) is float and b.dtype is _FLOAT64:
                r = a * b.item()
                if _TINY <= (r if r > 0.0 else -r) <= _HUGE:
                    ctx.save_for_backward(a, b)
                    return _array(r)
        ctx.save_for_backward(a, b)
        try:
            return np.multiply(a, b, out=...)
        except ValueError:
            raise _broadcast_error("mul", a, b) from None
        except TypeError as err:
            raise _type_error("mul", err, a, b) from None

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        a, b = ctx.saved_tensors
        # A Python float here is a constant the 0-d fast path saved as it came: the other
        # input is the one that requires grad (the node was recorded), so no need to ask.
        if type(b) is float:
            return g * b, None
        if type(a) is float:
            return None, g * a
        need_a, need_b = ctx.needs_input_grad
        return (g * b if need_a else None), (g * a if need_b else None)


class Div(Function, ctx_attributes=False):
    """a / b; d/da = 1/b, d/db = -a/b^2."""

    check = OpCheck(
        reference=np.divide, twice=True, arity=2, shapes="broadcast", domains=("real", "nonzero")
    )

    @staticmethod
    def forward(ctx: Context, a: Any, b: Any) -> Any:
        if type(b) in _NUMBERS and type(a) is _ndarray and a.ndim and a.dtype.kind == "f":
            b = np.asarray(b, a.dtype)  # see _NUMBERS
        elif type(a) in _NUMBERS and type(b) is _ndarray and b.ndim and b.dtype.kind == "f":
            a = np.asarray(a, b.dtype)
        ctx.save_for_backward(a, b)
        try:
            return np.divide(a, b, out=...)
        except ValueError:
            raise _broadcast_error("div", a, b) from None
        except TypeError as err:
            raise _type_error("div", err, a, b) from None

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (g / b if need_a else None), (-g * a / (b * b) if need_b else None)


class Neg(Function, ctx_attributes=False):
    """-x; d/dx = -1."""

    check = OpCheck(reference=np.negative, twice=True)

    @staticmethod
    def forward(ctx: Context, x: Any) -> Any:
        try:
            return np.negative(x, out=...)
        except TypeError as err:  # a bool tensor: NumPy says to use ~ instead
            raise _type_error("neg", err, x) from None

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        return -g


class Pow(Function, ctx_attributes=False):
    """a ** b; d/da = b a^(b-1), d/db = a^b log(a) (needs a > 0; 0 at a = 0 for b >= 0)."""

    check = OpCheck(
        reference=np.power, twice=True, arity=2, shapes="broadcast", domains=("positive", "real")
    )

    @staticmethod
    def forward(ctx: Context, a: Any, b: Any) -> Any:
        # a nested list is a constant like an array (its rule computes b - 1 and a == 0)
        if type(b) is list or type(b) is tuple:
            b = np.asarray(b)
        if type(a) is list or type(a) is tuple:
            a = np.asarray(a)
        try:
            out = a**b
        except ValueError as err:
            try:
                np.broadcast_shapes(np.shape(a), np.shape(b))
            except ValueError:
                raise _broadcast_error("pow", a, b) from None
            # shapes that fit: NumPy's "Integers to negative integer powers are not allowed."
            raise ValueError(f"pow: {err} ({_operand(a)} ** {_operand(b)})") from None
        except TypeError as err:
            raise _type_error("pow", err, a, b) from None
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        xp = ctx.xp
        ga = gb = None
        # At a = 0, b a^(b-1) is 0 * 0^-1 for b == 0 and a^b log(a) is 0 * log(0) for b >= 0:
        # NaNs where both derivatives are 0 (as PyTorch). The rules get them with a base of
        # 1 in just those places (no NaN, no warning; elsewhere the formula and its own
        # derivatives are untouched).
        if need_a:
            if isinstance(b, int | float):  # a number exponent (x ** 2): no mask to build
                ga = g * 0 if b == 0 else g * b * a ** (b - 1)
            else:
                at_zero = (xp.raw(a) == 0) & (xp.raw(b) == 0)
                base = xp.where(at_zero, 1, a) if np.any(at_zero) else a
                ga = g * b * base ** (b - 1)
        if need_b:
            at_zero = (xp.raw(a) == 0) & (xp.raw(b) >= 0)
            base = xp.where(at_zero, 1, a) if np.any(at_zero) else a
            gb = g * out * xp.log(base)
        return ga, gb


class Exp(Function, ctx_attributes=False):
    """e^x; d/dx = e^x, so the rule reuses the output."""

    check = OpCheck(reference=np.exp, twice=True)

    @staticmethod
    def forward(ctx: Context, x: Any) -> Any:
        out = np.exp(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        (out,) = ctx.saved_tensors
        return g * out


class Log(Function, ctx_attributes=False):
    """Natural log; d/dx = 1/x."""

    check = OpCheck(reference=np.log, twice=True, domains="positive")

    @staticmethod
    def forward(ctx: Context, x: Any) -> Any:
        ctx.save_for_backward(x)
        return np.log(x)

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        (x,) = ctx.saved_tensors
        return g / x


class Sqrt(Function, ctx_attributes=False):
    """sqrt(x); d/dx = 1 / (2 sqrt(x))."""

    check = OpCheck(reference=np.sqrt, twice=True, domains="positive")

    @staticmethod
    def forward(ctx: Context, x: Any) -> Any:
        out = np.sqrt(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        (out,) = ctx.saved_tensors
        return g / (2 * out)


class Sin(Function, ctx_attributes=False):
    """sin(x); d/dx = cos(x)."""

    check = OpCheck(reference=np.sin, twice=True)

    @staticmethod
    def forward(ctx: Context, x: Any) -> Any:
        ctx.save_for_backward(x)
        return np.sin(x)

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        (x,) = ctx.saved_tensors
        return g * ctx.xp.cos(x)


class Cos(Function, ctx_attributes=False):
    """cos(x); d/dx = -sin(x)."""

    check = OpCheck(reference=np.cos, twice=True)

    @staticmethod
    def forward(ctx: Context, x: Any) -> Any:
        ctx.save_for_backward(x)
        return np.cos(x)

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        (x,) = ctx.saved_tensors
        return -g * ctx.xp.sin(x)


class Tanh(Function, ctx_attributes=False):
    """tanh(x); d/dx = 1 - tanh(x)^2."""

    check = OpCheck(reference=np.tanh, twice=True)

    @staticmethod
    def forward(ctx: Context, x: Any) -> Any:
        out = np.tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        (out,) = ctx.saved_tensors
        return g - g * out * out  # g (1 - out^2) without a Python number: array ops only


class Sigmoid(Function, ctx_attributes=False):
    """1 / (1 + e^-x), computed without overflow; d/dx = s (1 - s)."""

    check = OpCheck(reference=lambda x: 1 / (1 + np.exp(-x)), twice=True, domains=(-6, 6))

    @staticmethod
    def forward(ctx: Context, x: Any) -> Any:
        try:
            e = np.exp(-np.abs(x))  # in (0, 1]: never overflows
        except TypeError as err:  # bool: NumPy has no -x, as it has no 1 / (1 + exp(-x))
            raise _type_error("sigmoid", err, x) from None
        # 1 / (1 + e) where x >= 0, e / (1 + e) elsewhere: max(e, x >= 0) is 1 or e, since
        # e <= 1. One division instead of two and no np.where, whose branch per element
        # runs several times slower on signs that come at random.
        out = np.maximum(e, x >= 0) / (1 + e)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        (out,) = ctx.saved_tensors
        g_out = g * out
        return g_out - g_out * out  # g out (1 - out) without a Python number: array ops only


class Relu(Function, ctx_attributes=False):
    """max(x, 0); d/dx = 1 where x > 0, else 0 (0 at the kink, as PyTorch).

    Forward saves the mask x > 0 (a bool array, a quarter of the output's
    bytes), taken while the output is still in cache: backward then makes one
    pass over the gradient instead of first re-reading a cold output.
    """

    check = OpCheck(reference=lambda x: np.maximum(x, 0), twice=True, kinks=kinks_at(0.0))

    @staticmethod
    def forward(ctx: Context, x: Any) -> Any:
        zero = 0
        if type(x) is _ndarray and x.size >= 1024 and x.dtype.kind == "f":
            # NumPy's maximum runs its vector loop only when both operands step through
            # memory: against a row of zeros broadcast down x it is twice as fast as against
            # the scalar 0 on large arrays (on small ones the row costs more than it saves)
            zero = np.zeros(x.shape[-1:], x.dtype)
        out = np.maximum(x, zero)
        ctx.save_for_backward(out > 0)
        return out

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        (positive,) = ctx.saved_tensors
        return g * positive


class Abs(Function, ctx_attributes=False):
    """|x|; d/dx = sign(x) (0 at the kink, as PyTorch)."""

    check = OpCheck(reference=np.abs, twice=True, kinks=kinks_at(0.0))

    @staticmethod
    def forward(ctx: Context, x: Any) -> Any:
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        (x,) = ctx.saved_tensors
        return g * ctx.xp.sign(x)


class Sign(Function, ctx_attributes=False):
    """sign(x): -1, 0 or 1; its derivative is 0 wherever it exists."""

    check = OpCheck(reference=np.sign, twice=True, kinks=kinks_at(0.0))

    @staticmethod
    def forward(ctx: Context, x: Any) -> Any:
        try:
            return np.sign(x)
        except TypeError as err:  # NumPy has no sign of bool
            raise _type_error("sign", err, x) from None

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        return g * 0


class Clip(Function):
    """x limited to [lo, hi] (either may be None); d/dx = 1 inside, bounds included."""

    check = OpCheck(
        reference=lambda x, lo, hi: np.clip(x, lo, hi),
        twice=True,
        options=({"lo": -1.0, "hi": 1.0}, {"lo": -0.5, "hi": None}, {"lo": None, "hi": 0.5}),
        kinks=kinks_at_options("lo", "hi"),
    )

    @staticmethod
    def forward(ctx: Context, x: Any, lo: Any = None, hi: Any = None) -> Any:
        ctx.save_for_backward(x)
        ctx.lo, ctx.hi = lo, hi
        if lo is None and hi is None:
            raise ValueError("clip: give at least one of lo and hi")
        try:
            return np.clip(x, lo, hi)
        except ValueError:
            raise ValueError(
                f"clip: input shape {x.shape} and bounds of shapes {np.shape(lo)} (lo) and "
                f"{np.shape(hi)} (hi) cannot be broadcast together"
            ) from None
        except TypeError as err:
            if isinstance(lo, Tensor) or isinstance(hi, Tensor):
                # the bounds are constants here: a Tensor's gradient would be lost silently
                raise TypeError(
                    "clip: lo and hi must be numbers or arrays (constants, no gradient), got a "
                    "Tensor; for bounds that need a gradient use ag.minimum(ag.maximum(x, lo), hi)"
                ) from None
            raise _type_error("clip", err, x, lo, hi) from None

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        (x,) = ctx.saved_tensors
        if ctx.lo is not None:
            g = g * (x >= ctx.lo)
        if ctx.hi is not None:
            g = g * (x <= ctx.hi)
        return g


def _split_on_ties(g: Any, a_chosen: Any, tie: Any) -> tuple[Any, Any]:
    """The gradients of maximum/minimum: all to the chosen input, half each on a tie."""
    share = a_chosen + tie * 0.5
    return g * share, g * (1 - share)


class Maximum(Function, ctx_attributes=False):
    """Elementwise max(a, b); the gradient goes to the larger, split evenly on ties."""

    check = OpCheck(
        reference=np.maximum, twice=True, arity=2, shapes="broadcast", kinks=kinks_where_equal
    )

    @staticmethod
    def forward(ctx: Context, a: Any, b: Any) -> Any:
        ctx.save_for_backward(a, b)
        try:
            return np.maximum(a, b)
        except ValueError:
            raise _broadcast_error("maximum", a, b) from None
        except TypeError as err:
            raise _type_error("maximum", err, a, b) from None

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        a, b = ctx.saved_tensors
        return _split_on_ties(g, a > b, a == b)


class Minimum(Function, ctx_attributes=False):
    """Elementwise min(a, b); the gradient goes to the smaller, split evenly on ties."""

    check = OpCheck(
        reference=np.minimum, twice=True, arity=2, shapes="broadcast", kinks=kinks_where_equal
    )

    @staticmethod
    def forward(ctx: Context, a: Any, b: Any) -> Any:
        ctx.save_for_backward(a, b)
        try:
            return np.minimum(a, b)
        except ValueError:
            raise _broadcast_error("minimum", a, b) from None
        except TypeError as err:
            raise _type_error("minimum", err, a, b) from None

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        a, b = ctx.saved_tensors
        return _split_on_ties(g, a < b, a == b)


class Where(Function):
    """a where cond, else b; the gradient follows the same choice."""

    check = OpCheck(
        reference=lambda a, b, cond: np.where(cond, a, b),
        twice=True,
        call=lambda a, b, cond: Where.apply(cond, a, b),
        arity=2,
        shapes="broadcast",
        options=where_options,
    )

    @staticmethod
    def forward(ctx: Context, cond: Any, a: Any, b: Any) -> Any:
        if np.asarray(cond).dtype != np.bool_:
            raise TypeError(
                f"where: the condition must be bool, got dtype {np.asarray(cond).dtype}"
            )
        ctx.cond = cond
        try:
            return np.where(cond, a, b)
        except ValueError:
            raise ValueError(
                f"where: shapes {np.shape(cond)}, {np.shape(a)} and {np.shape(b)} "
                "cannot be broadcast together"
            ) from None

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        xp, cond = ctx.xp, ctx.cond
        _, need_a, need_b = ctx.needs_input_grad
        return (
            None,
            xp.where(cond, g, 0) if need_a else None,
            xp.where(cond, 0, g) if need_b else None,
        )


class AsType(Function):
    """A copy in another dtype; the gradient is cast back to the input's dtype."""

    check = OpCheck(
        reference=lambda x, dtype: x.astype(dtype),
        twice=True,
        options=({"dtype": np.dtype(np.float64)}, {"dtype": np.dtype(np.longdouble)}),
    )

    name = "astype"

    @staticmethod
    def forward(ctx: Context, x: Any, dtype: Any = None) -> Any:
        ctx.in_dtype = np.asarray(x).dtype
        return np.asarray(x).astype(dtype)

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        return g.astype(ctx.in_dtype)


# ---- the functions: `ag.exp(x)` and friends -------------------------------------------
def exp(x: Any) -> Tensor:
    """Elementwise e**x."""
    return apply_op(Exp, 1, x, None, None, None)


def log(x: Any) -> Tensor:
    """Elementwise natural logarithm."""
    return apply_op(Log, 1, x, None, None, None)


def sqrt(x: Any) -> Tensor:
    """Elementwise square root."""
    return apply_op(Sqrt, 1, x, None, None, None)


def sin(x: Any) -> Tensor:
    """Elementwise sine."""
    return apply_op(Sin, 1, x, None, None, None)


def cos(x: Any) -> Tensor:
    """Elementwise cosine."""
    return apply_op(Cos, 1, x, None, None, None)


def tanh(x: Any) -> Tensor:
    """Elementwise hyperbolic tangent."""
    return apply_op(Tanh, 1, x, None, None, None)


def sigmoid(x: Any) -> Tensor:
    """Elementwise logistic function, stable for large |x|."""
    return Sigmoid.apply(as_operand(x))  # its forward compares x with 0: no lists


def relu(x: Any) -> Tensor:
    """Elementwise max(x, 0)."""
    return apply_op(Relu, 1, x, None, None, None)


def abs(x: Any) -> Tensor:
    """Elementwise absolute value."""
    return apply_op(Abs, 1, x, None, None, None)


def sign(x: Any) -> Tensor:
    """Elementwise sign (-1, 0, 1); zero gradient."""
    return apply_op(Sign, 1, x, None, None, None)


def negative(x: Any) -> Tensor:
    """Elementwise -x."""
    return apply_op(Neg, 1, x, None, None, None)


def add(a: Any, b: Any) -> Tensor:
    """a + b with broadcasting."""
    return apply_op(Add, 2, a, b, None, None)


def subtract(a: Any, b: Any) -> Tensor:
    """a - b with broadcasting."""
    return apply_op(Sub, 2, a, b, None, None)


def multiply(a: Any, b: Any) -> Tensor:
    """a * b with broadcasting."""
    return apply_op(Mul, 2, a, b, None, None)


def divide(a: Any, b: Any) -> Tensor:
    """a / b with broadcasting."""
    return apply_op(Div, 2, a, b, None, None)


def power(a: Any, b: Any) -> Tensor:
    """a ** b with broadcasting."""
    # Its forward is the ** operator, which lists lack; numbers stay numbers (NumPy 2's rules).
    if isinstance(a, list | tuple):
        a = np.asarray(a)
    if isinstance(b, list | tuple):
        b = np.asarray(b)
    return apply_op(Pow, 2, a, b, None, None)


pow = power  # NumPy 2's name, the function of the method `t.pow(p)`


def clip(x: Any, lo: Any = None, hi: Any = None) -> Tensor:
    """x limited to [lo, hi]; either bound may be None."""
    return Clip.apply(x, lo=lo, hi=hi)


def maximum(a: Any, b: Any) -> Tensor:
    """Elementwise maximum with broadcasting."""
    return apply_op(Maximum, 2, a, b, None, None)


def minimum(a: Any, b: Any) -> Tensor:
    """Elementwise minimum with broadcasting."""
    return apply_op(Minimum, 2, a, b, None, None)


def where(cond: Any, a: Any, b: Any) -> Tensor:
    """Pick a where cond is true, else b (cond: bool Tensor or array, no gradient)."""
    if isinstance(cond, Tensor):
        cond = cond.data
    return Where.apply(cond, a, b)
