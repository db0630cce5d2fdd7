"""Reductions and the normalisations built on them, each forward beside its gradient rule.

A reduction's gradient has the reduced shape; `_spread` puts the reduced axes
back and broadcasts to the input's shape, which every rule here starts with.
softmax, log_softmax and logsumexp subtract the maximum first, so they stay
finite at inputs of +-1000.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from autograd.function import Context, Function
from autograd.opcheck import OpCheck, axis_options, kinks_at_ties, one_axis
from autograd.ops.elementwise import _type_error
from autograd.tensor import Tensor, as_operand


def _normalize_axes(op: str, axis: Any, ndim: int) -> tuple[int, ...]:
    """`axis` (None, an int or a tuple) as a sorted tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    try:
        axes = (axis,) if isinstance(axis, int | np.integer) else tuple(axis)
        out = []
        for a in axes:
            if not -ndim <= a < ndim:
                raise np.exceptions.AxisError(
                    f"{op}: axis {a} is out of bounds for a tensor with {ndim} dimension(s)"
                )
            out.append(operator.index(a) % ndim)  # 1.5 is no axis (NumPy: a TypeError), not 1
    except TypeError:
        raise TypeError(
            f"{op}: axis must be an int, a tuple of ints or None, got {axis!r}"
        ) from None
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: repeated axis in {axis!r}")
    return tuple(sorted(out))


def _reduction(ctx: Context, op: str, x: np.ndarray, axis: Any, keepdims: bool) -> tuple:
    """Record what every reduction's rule needs: the input shape, the axes, keepdims."""
    axes = _normalize_axes(op, axis, x.ndim)
    ctx.shape, ctx.axes, ctx.keepdims = x.shape, axes, keepdims
    return axes


def _spread(ctx: Context, g: Any) -> Any:
    """The reduced gradient broadcast back over the reduced axes to the input's shape."""
    xp = ctx.xp
    if not ctx.keepdims and ctx.axes and g.ndim:  # one value broadcasts as it is
        g = xp.expand_dims(g, ctx.axes)
    return xp.broadcast_to(g, ctx.shape)


def _keep(ctx: Context, out: Any) -> Any:
    """The output with its reduced axes kept (size 1), so it broadcasts against the input."""
    if not ctx.keepdims and ctx.axes:
        return ctx.xp.expand_dims(out, ctx.axes)
    return out


def _count(ctx: Context) -> int:
    n = 1
    for a in ctx.axes:
        n *= ctx.shape[a]
    return n


class Sum(Function):
    """Sum over axes; each input element gets the gradient of its sum."""

    check = OpCheck(reference=np.sum, twice=True, options=axis_options())

    @staticmethod
    def forward(ctx: Context, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
        axes = _reduction(ctx, "sum", x, axis, keepdims)
        return np.add.reduce(x, axis=axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        return _spread(ctx, g)


class Mean(Function):
    """Mean over axes; d/dx_i = 1/n."""

    check = OpCheck(reference=np.mean, twice=True, options=axis_options())

    @staticmethod
    def forward(ctx: Context, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
        axes = _reduction(ctx, "mean", x, axis, keepdims)
        return np.mean(x, axis=axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        return _spread(ctx, g / _count(ctx))


class Var(Function):
    """Variance over axes with `ddof`; d/dx_i = 2 (x_i - mean) / (n - ddof)."""

    check = OpCheck(
        reference=np.var, twice=True, ndim=(1, 3), side=(2, 3), options=axis_options(ddof=(0, 1))
    )

    @staticmethod
    def forward(
        ctx: Context, x: Any, axis: Any = None, ddof: int = 0, keepdims: bool = False
    ) -> Any:
        axes = _reduction(ctx, "var", x, axis, keepdims)
        ctx.ddof = ddof
        ctx.save_for_backward(x)
        return np.var(x, axis=axes, ddof=ddof, keepdims=keepdims)

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        (x,) = ctx.saved_tensors
        centred = x - x.mean(axis=ctx.axes, keepdims=True)
        # NumPy's divisor is max(n - ddof, 0); at 0 the variance is inf or nan, and so is
        # its gradient (as PyTorch's), not a ZeroDivisionError.
        dof = _count(ctx) - ctx.ddof
        return _spread(ctx, g) * centred * (2.0 / dof if dof > 0 else np.inf)


class Std(Function):
    """Standard deviation over axes, sqrt(var); d/dx_i = (x_i - mean) / ((n - ddof) std).

    Where the std is 0 (all equal: a kink, as |x| at 0) the gradient is 0, as PyTorch's,
    not the 0/0 = NaN that sqrt's rule would give on var's.
    """

    check = OpCheck(
        reference=np.std, twice=True, ndim=(1, 3), side=(2, 3), options=axis_options(ddof=(0, 1))
    )

    @staticmethod
    def forward(
        ctx: Context, x: Any, axis: Any = None, ddof: int = 0, keepdims: bool = False
    ) -> Any:
        axes = _reduction(ctx, "std", x, axis, keepdims)
        ctx.ddof = ddof
        out = np.asarray(np.std(x, axis=axes, ddof=ddof, keepdims=keepdims))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        x, out = ctx.saved_tensors
        xp = ctx.xp
        centred = x - x.mean(axis=ctx.axes, keepdims=True)
        std = _keep(ctx, out)
        zero = xp.raw(std) == 0
        if np.any(zero):  # there centred is 0 too: a divisor of 1 gives the 0 gradient
            std = xp.where(zero, 1, std)
        dof = _count(ctx) - ctx.ddof  # as Var: inf/nan when n - ddof <= 0
        return _spread(ctx, g) * centred / std * (1.0 / dof if dof > 0 else np.inf)


def _tie_share(x: np.ndarray, extreme: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """1/k at each of the k elements equal to the extreme of their slice, else 0."""
    mask = (x == extreme).astype(x.dtype)
    mask /= np.add.reduce(mask, axis=axes, keepdims=True)
    return mask


def _extreme_forward(ctx: Context, op: str, reduce: Any, x: Any, axis: Any, keepdims: bool) -> Any:
    """max or min over axes (`reduce` is np.max or np.min); saves what the rule needs."""
    axes = _reduction(ctx, op, x, axis, keepdims)
    if x.size == 0 and any(x.shape[a] == 0 for a in axes):  # NumPy: an empty slice has no max
        raise ValueError(f"{op}: cannot reduce an empty tensor of shape {x.shape} over axis {axis}")
    out = np.asarray(reduce(x, axis=axes, keepdims=keepdims))
    ctx.save_for_backward(x, out)
    return out


def _extreme_backward(ctx: Context, g: Any) -> Any:
    """The gradient of max and min: to the elements equal to the result, split on ties."""
    x, out = ctx.saved_tensors
    raw = ctx.xp.raw
    return _spread(ctx, g) * _tie_share(raw(x), raw(_keep(ctx, out)), ctx.axes)


class Max(Function):
    """Maximum over axes; the gradient goes to the maximum, split evenly on ties."""

    check = OpCheck(reference=np.max, twice=True, options=axis_options(), kinks=kinks_at_ties)

    @staticmethod
    def forward(ctx: Context, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
        return _extreme_forward(ctx, "max", np.max, x, axis, keepdims)

    backward = staticmethod(_extreme_backward)


class Min(Function):
    """Minimum over axes; the gradient goes to the minimum, split evenly on ties."""

    check = OpCheck(reference=np.min, twice=True, options=axis_options(), kinks=kinks_at_ties)

    @staticmethod
    def forward(ctx: Context, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
        return _extreme_forward(ctx, "min", np.min, x, axis, keepdims)

    backward = staticmethod(_extreme_backward)


def _product_of_others(x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """For each element, the product of the other elements of its slice (exact at zeros)."""
    rest = [a for a in range(x.ndim) if a not in axes]
    moved = np.transpose(x, rest + list(axes))
    flat = moved.reshape(moved.shape[: len(rest)] + (-1,))
    ones = np.ones(flat.shape[:-1] + (1,), dtype=x.dtype)
    left = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    right = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    others = (left * right).reshape(moved.shape)
    return np.transpose(others, np.argsort(rest + list(axes)))


class Prod(Function):
    """Product over axes; d/dx_i = product of the others (prod / x_i away from zeros)."""

    check = OpCheck(reference=np.prod, twice=True, domains="nonzero", options=axis_options())

    @staticmethod
    def forward(ctx: Context, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
        axes = _reduction(ctx, "prod", x, axis, keepdims)
        out = np.asarray(np.prod(x, axis=axes, keepdims=keepdims))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        x, out = ctx.saved_tensors
        raw_x = ctx.xp.raw(x)
        if (raw_x == 0).any():
            # prod / x is 0/0 there; the product of the others is exact (its own
            # derivative is not tracked, so second order is exact only away from 0).
            return _spread(ctx, g) * _product_of_others(raw_x, ctx.axes)
        return _spread(ctx, g) * _keep(ctx, out) / x


class LogSumExp(Function):
    """log(sum(exp(x))) over axes, shifted by the max; d/dx = softmax(x)."""

    check = OpCheck(
        reference=lambda x, axis, keepdims: np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdims)),
        twice=True,
        options=axis_options(),
    )

    @staticmethod
    def forward(ctx: Context, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
        axes = _reduction(ctx, "logsumexp", x, axis, keepdims)
        m = np.max(x, axis=axes, keepdims=True) if x.size else np.zeros((1,) * x.ndim, x.dtype)
        m = np.where(np.isfinite(m), m, 0)
        out = np.log(np.add.reduce(np.exp(x - m), axis=axes, keepdims=True)) + m
        if not keepdims:
            out = out.reshape([n for i, n in enumerate(x.shape) if i not in axes])
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        x, out = ctx.saved_tensors
        return _spread(ctx, g) * ctx.xp.exp(x - _keep(ctx, out))


def _softmax_axis(op: str, axis: Any, ndim: int) -> int | None:
    """The axis softmax / log_softmax normalise along: one int, as PyTorch's `dim`. A 0-d
    input (one element: softmax 1, log_softmax 0) takes 0 or -1, as in PyTorch; None then
    tells NumPy to reduce its one element."""
    if not isinstance(axis, int | np.integer) or isinstance(axis, bool):
        raise TypeError(f"{op}: axis must be an int, got {axis!r}")
    if not -ndim <= axis < ndim:
        if ndim == 0 and axis in (0, -1):
            return None
        raise np.exceptions.AxisError(
            f"{op}: axis {axis} is out of bounds for a tensor with {ndim} dimension(s)"
        )
    return axis


class Softmax(Function):
    """exp(x) / sum(exp(x)) along an axis; the rule is s * (g - sum(g * s))."""

    check = OpCheck(
        reference=lambda x, axis: np.exp(x) / np.sum(np.exp(x), axis=axis, keepdims=True),
        twice=True,
        ndim=(1, 3),
        options=one_axis,
    )

    @staticmethod
    def forward(ctx: Context, x: Any, axis: int = -1) -> Any:
        ctx.axis = axis = _softmax_axis("softmax", axis, x.ndim)
        if not x.size:  # an empty input has no maximum: an empty result, as PyTorch's
            out = np.exp(x)
        else:
            try:
                e = np.exp(x - np.max(x, axis=axis, keepdims=True))
            except TypeError as err:  # bool: NumPy has no x - max
                raise _type_error("softmax", err, x) from None
            out = e / np.add.reduce(e, axis=axis, keepdims=True)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        (out,) = ctx.saved_tensors
        return out * (g - (g * out).sum(axis=ctx.axis, keepdims=True))


class LogSoftmax(Function):
    """x - logsumexp(x) along an axis; the rule is g - softmax(x) * sum(g)."""

    check = OpCheck(
        reference=lambda x, axis: x - np.log(np.sum(np.exp(x), axis=axis, keepdims=True)),
        twice=True,
        ndim=(1, 3),
        options=one_axis,
    )

    name = "log_softmax"  # as the function and the method

    @staticmethod
    def forward(ctx: Context, x: Any, axis: int = -1) -> Any:
        ctx.axis = axis = _softmax_axis("log_softmax", axis, x.ndim)
        if not x.size:  # an empty input has no maximum: an empty result, as PyTorch's
            out = np.exp(x)
        else:
            try:
                shifted = x - np.max(x, axis=axis, keepdims=True)
            except TypeError as err:  # bool: NumPy has no x - max
                raise _type_error("log_softmax", err, x) from None
            out = shifted - np.log(np.add.reduce(np.exp(shifted), axis=axis, keepdims=True))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        (out,) = ctx.saved_tensors
        return g - ctx.xp.exp(out) * g.sum(axis=ctx.axis, keepdims=True)


# ---- the functions: `ag.sum(x, axis)` and friends -----------------------------------------
def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Sum of elements over `axis` (None: all)."""
    return Sum.apply(as_operand(x), axis=axis, keepdims=keepdims)


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Arithmetic mean over `axis` (None: all)."""
    return Mean.apply(as_operand(x), axis=axis, keepdims=keepdims)


def var(x: Any, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Tensor:
    """Variance over `axis`, dividing by n - ddof (ddof=0: biased, as NumPy)."""
    return Var.apply(as_operand(x), axis=axis, ddof=ddof, keepdims=keepdims)


def std(x: Any, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Tensor:
    """Standard deviation: sqrt(var(x, axis, ddof)), with a 0 gradient where it is 0."""
    return Std.apply(as_operand(x), axis=axis, ddof=ddof, keepdims=keepdims)


def max(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Maximum over `axis`; ties share the gradient."""
    return Max.apply(as_operand(x), axis=axis, keepdims=keepdims)


def min(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Minimum over `axis`; ties share the gradient."""
    return Min.apply(as_operand(x), axis=axis, keepdims=keepdims)


def prod(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Product of elements over `axis`."""
    return Prod.apply(as_operand(x), axis=axis, keepdims=keepdims)


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """log(sum(exp(x))) over `axis`, computed without overflow."""
    return LogSumExp.apply(as_operand(x), axis=axis, keepdims=keepdims)


def softmax(x: Any, axis: int = -1) -> Tensor:
    """exp(x) normalised to sum to 1 along `axis`, computed without overflow."""
    return Softmax.apply(as_operand(x), axis=axis)


def log_softmax(x: Any, axis: int = -1) -> Tensor:
    """log(softmax(x)) along `axis`, computed without overflow or log(0)."""
    return LogSoftmax.apply(as_operand(x), axis=axis)


def _arg_extreme(op: str, find: Any, x: Any, axis: Any, keepdims: bool) -> Tensor:
    """np.argmax or np.argmin of x, with NumPy's errors restated to name the op and shape."""
    data = x.data if isinstance(x, Tensor) else np.asarray(x)
    try:
        return Tensor(find(data, axis=axis, keepdims=keepdims))
    except np.exceptions.AxisError:
        raise np.exceptions.AxisError(
            f"{op}: axis {axis} is out of bounds for a tensor of shape {data.shape}"
        ) from None
    except ValueError:  # NumPy: "attempt to get argmax of an empty sequence"
        raise ValueError(
            f"{op}: cannot take the {op} of an empty tensor of shape {data.shape} over axis {axis}"
        ) from None
    except TypeError:
        raise TypeError(f"{op}: axis must be an int or None, got {axis!r}") from None


def argmax(x: Any, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Indices of the maxima (int64, no gradient)."""
    return _arg_extreme("argmax", np.argmax, x, axis, keepdims)


def argmin(x: Any, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Indices of the minima (int64, no gradient)."""
    return _arg_extreme("argmin", np.argmin, x, axis, keepdims)
