"""Shape ops: they move or copy elements without arithmetic, so each rule moves the
gradient back the way the elements came (reshape back, transpose back, crop a pad,
slice a concatenation apart, sum a broadcast).
"""

from __future__ import annotations

import itertools
import operator
from typing import Any

import numpy as np

from autograd.function import Context, Function
from autograd.opcheck import (
    OpCheck,
    axis_pair_options,
    broadcast_target_options,
    concatenate_sample,
    new_axis_options,
    pad_options,
    permutation_options,
    reduced_target_options,
    reference_sum_to,
    reshape_options,
    stack_shapes,
)
from autograd.ops.namespace import sum_to as _sum_to_array
from autograd.tensor import Tensor, as_operand


class Reshape(Function):
    """The same elements in a new shape; the gradient is reshaped back."""

    check = OpCheck(reference=np.reshape, twice=True, options=reshape_options)

    @staticmethod
    def forward(ctx: Context, x: Any, shape: Any = None) -> Any:
        ctx.in_shape = x.shape
        try:
            return x.reshape(shape)
        except ValueError:
            raise ValueError(
                f"reshape: cannot reshape a tensor of shape {x.shape} ({x.size} elements) "
                f"into shape {tuple(shape)}"
            ) from None
        except TypeError:
            raise TypeError(
                f"reshape: the new shape must be ints, got {tuple(shape)} (tensor shape {x.shape})"
            ) from None

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        return g.reshape(ctx.in_shape)


class Transpose(Function):
    """Axes permuted (reversed by default); the gradient is permuted back."""

    check = OpCheck(reference=np.transpose, twice=True, options=permutation_options)

    @staticmethod
    def forward(ctx: Context, x: Any, axes: Any = None) -> Any:
        try:
            out = np.transpose(x, axes)
        except ValueError as err:
            raise ValueError(f"transpose: axes {axes} do not fit shape {x.shape} ({err})") from None
        except TypeError:
            raise TypeError(
                f"transpose: axes must be ints, got {axes!r} (shape {x.shape})"
            ) from None
        ctx.inverse = None if axes is None else tuple(np.argsort([a % x.ndim for a in axes]))
        return out

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        return g.transpose(ctx.inverse)


class SwapAxes(Function):
    """Two axes exchanged; the gradient exchanges them back."""

    check = OpCheck(reference=np.swapaxes, twice=True, ndim=(1, 3), options=axis_pair_options)

    name = "swapaxes"

    @staticmethod
    def forward(ctx: Context, x: Any, axis1: int = 0, axis2: int = 1) -> Any:
        ctx.axes = (axis1, axis2)
        try:
            return np.swapaxes(x, axis1, axis2)
        except ValueError as err:
            raise np.exceptions.AxisError(f"swapaxes: {err} (shape {x.shape})") from None
        except TypeError:
            raise TypeError(
                f"swapaxes: axes must be ints, got {axis1!r} and {axis2!r} (shape {x.shape})"
            ) from None

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        return g.swapaxes(*ctx.axes)


class BroadcastTo(Function):
    """A read-only broadcast view; the gradient is summed back to the input's shape."""

    check = OpCheck(reference=np.broadcast_to, twice=True, options=broadcast_target_options)

    name = "broadcast_to"

    @staticmethod
    def forward(ctx: Context, x: Any, shape: Any = None) -> Any:
        ctx.in_shape = np.shape(x)
        try:
            return np.broadcast_to(x, shape)
        except ValueError:
            raise ValueError(
                f"broadcast_to: cannot broadcast shape {np.shape(x)} to {tuple(shape)}"
            ) from None
        except TypeError:
            raise TypeError(
                f"broadcast_to: the shape must be ints, got {tuple(shape)} (shape {np.shape(x)})"
            ) from None

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        return ctx.xp.sum_to(g, ctx.in_shape)


class SumTo(Function):
    """The reverse of broadcast_to: sum over the broadcast axes down to `shape`."""

    check = OpCheck(reference=reference_sum_to, twice=True, options=reduced_target_options)

    name = "sum_to"

    @staticmethod
    def forward(ctx: Context, x: Any, shape: Any = None) -> Any:
        ctx.in_shape = x.shape
        return _sum_to_array(x, tuple(shape))

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        return ctx.xp.broadcast_to(g, ctx.in_shape)


def _axis_slices(axis: int, index: Any) -> tuple:
    """The key that picks `index` along `axis` and everything along the axes before it."""
    return (slice(None),) * axis + (index,)


class Concatenate(Function):
    """Tensors joined along an existing axis; the gradient is sliced apart again."""

    check = OpCheck(
        reference=lambda *xs, axis: np.concatenate(xs, axis=axis),
        twice=True,
        sample=concatenate_sample,
    )

    @staticmethod
    def forward(ctx: Context, *xs: Any, axis: int = 0) -> Any:
        try:
            out = np.concatenate(xs, axis=axis)
        except ValueError as err:
            shapes = ", ".join(str(np.shape(x)) for x in xs)
            raise ValueError(
                f"concatenate: cannot join shapes {shapes} along axis {axis} ({err})"
            ) from None
        except TypeError as err:
            shapes = ", ".join(str(np.shape(x)) for x in xs)
            raise TypeError(f"concatenate: {err} (axis {axis!r}, shapes {shapes})") from None
        ctx.axis = axis % out.ndim
        ctx.bounds = np.cumsum([0] + [np.shape(x)[ctx.axis] for x in xs]).tolist()
        return out

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        b = ctx.bounds
        return tuple(
            g[_axis_slices(ctx.axis, slice(b[i], b[i + 1]))] if need else None
            for i, need in enumerate(ctx.needs_input_grad)
        )


class Stack(Function):
    """Tensors of one shape joined along a new axis; the gradient is indexed apart."""

    check = OpCheck(
        reference=lambda *xs, axis: np.stack(xs, axis=axis),
        twice=True,
        shapes=stack_shapes,
        options=new_axis_options,
    )

    @staticmethod
    def forward(ctx: Context, *xs: Any, axis: int = 0) -> Any:
        try:
            out = np.stack(xs, axis=axis)
        except ValueError as err:
            shapes = ", ".join(str(np.shape(x)) for x in xs)
            raise ValueError(f"stack: cannot stack shapes {shapes} ({err})") from None
        except TypeError as err:
            shapes = ", ".join(str(np.shape(x)) for x in xs)
            raise TypeError(f"stack: {err} (axis {axis!r}, shapes {shapes})") from None
        ctx.axis = axis % out.ndim
        return out

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        return tuple(
            g[_axis_slices(ctx.axis, i)] if need else None
            for i, need in enumerate(ctx.needs_input_grad)
        )


def _pad_misfit(pad_width: Any, shape: tuple[int, ...]) -> ValueError:
    return ValueError(f"pad: pad_width {pad_width!r} does not fit a tensor of shape {shape}")


def _pad_widths(pad_width: Any, shape: tuple[int, ...]) -> np.ndarray:
    """pad_width in any of np.pad's forms as an (ndim, 2) array of non-negative ints."""
    try:
        widths = np.asarray(pad_width)
    except ValueError:  # ragged, such as ((1, 2), (3,))
        raise _pad_misfit(pad_width, shape) from None
    if widths.dtype.kind not in "iu":  # as np.pad: 1.5 is no width (it is not 1)
        raise TypeError(
            f"pad: pad_width must be integers, got {pad_width!r} (dtype {widths.dtype})"
        )
    if (widths < 0).any():
        raise ValueError(f"pad: pad_width must be non-negative, got {pad_width!r}")
    try:
        return np.broadcast_to(widths.astype(np.int64, copy=False), (len(shape), 2))
    except ValueError:
        raise _pad_misfit(pad_width, shape) from None


class Pad(Function):
    """Zero padding (NumPy's pad_width forms); the gradient is the padded region cropped off."""

    check = OpCheck(
        reference=lambda x, pad_width: np.pad(x, pad_width),
        twice=True,
        ndim=(1, 3),
        options=pad_options,
    )

    @staticmethod
    def forward(ctx: Context, x: Any, pad_width: Any = 0) -> Any:
        widths = _pad_widths(pad_width, x.shape)
        ctx.crop = tuple(slice(int(b), int(b) + n) for (b, _), n in zip(widths, x.shape))
        if not x.ndim:  # no axis to pad: as np.pad, a copy of the one element
            return x.copy()
        return np.pad(x, widths)

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        return g[ctx.crop]


# ---- the functions: `ag.reshape(x, shape)` and friends -------------------------------------
def reshape(x: Any, shape: Any) -> Tensor:
    """The same elements in `shape` (one dimension may be -1)."""
    shape = (shape,) if isinstance(shape, int | np.integer) else tuple(shape)
    return Reshape.apply(as_operand(x), shape=shape)


def flatten(x: Any) -> Tensor:
    """A 1-D copy of the elements in row-major order."""
    return Reshape.apply(as_operand(x), shape=(-1,))


def transpose(x: Any, axes: Any = None) -> Tensor:
    """Axes permuted by `axes` (reversed when None)."""
    return Transpose.apply(as_operand(x), axes=None if axes is None else tuple(axes))


def swapaxes(x: Any, axis1: int, axis2: int) -> Tensor:
    """Axes `axis1` and `axis2` exchanged."""
    return SwapAxes.apply(x, axis1=axis1, axis2=axis2)


def expand_dims(x: Any, axis: Any) -> Tensor:
    """New axes of size 1 inserted at `axis` (an int or a tuple)."""
    shape = np.shape(x.data if isinstance(x, Tensor) else x)
    try:
        new_shape = np.empty(shape, dtype=np.bool_)
        new_shape = np.expand_dims(new_shape, axis).shape
    except (ValueError, IndexError) as err:
        raise np.exceptions.AxisError(f"expand_dims: {err} (shape {shape})") from None
    except TypeError:
        raise TypeError(
            f"expand_dims: axis must be an int or a tuple of ints, got {axis!r} (shape {shape})"
        ) from None
    return Reshape.apply(as_operand(x), shape=new_shape)


def squeeze(x: Any, axis: Any = None) -> Tensor:
    """Axes of size 1 removed (all of them, or those in `axis`)."""
    shape = np.shape(x.data if isinstance(x, Tensor) else x)
    try:
        new_shape = np.squeeze(np.empty(shape, dtype=np.bool_), axis).shape
    except ValueError as err:
        raise ValueError(f"squeeze: {err} (shape {shape})") from None
    except TypeError:
        raise TypeError(
            f"squeeze: axis must be an int or a tuple of ints, got {axis!r} (shape {shape})"
        ) from None
    return Reshape.apply(as_operand(x), shape=new_shape)


def broadcast_to(x: Any, shape: Any) -> Tensor:
    """A read-only view of x repeated to `shape` by NumPy's broadcasting rules."""
    shape = (shape,) if isinstance(shape, int | np.integer) else tuple(shape)
    return BroadcastTo.apply(x, shape=shape)


def sum_to(x: Any, shape: Any) -> Tensor:
    """x summed over broadcast axes down to `shape` (the reverse of broadcast_to)."""
    return SumTo.apply(x, shape=tuple(shape))


def concatenate(tensors: Any, axis: int = 0) -> Tensor:
    """Tensors joined along an existing axis."""
    return Concatenate.apply(*tensors, axis=axis)


def stack(tensors: Any, axis: int = 0) -> Tensor:
    """Tensors of one shape joined along a new axis."""
    return Stack.apply(*tensors, axis=axis)


def split(x: Tensor, indices_or_sections: Any, axis: int = 0) -> list[Tensor]:
    """x cut along `axis` into n equal parts, or at the given indices (as np.split)."""
    if not isinstance(x, Tensor):
        x = Tensor(x)
    data = x.data
    try:  # 1.5 is no axis or index (NumPy: a TypeError), not a truncated 1
        axis = operator.index(axis)
        cuts = (
            None
            if isinstance(indices_or_sections, int | np.integer)
            else [operator.index(i) for i in indices_or_sections]
        )
    except TypeError:
        raise TypeError(
            f"split: axis must be an int and indices_or_sections an int or a sequence of ints, "
            f"got axis={axis!r}, indices_or_sections={indices_or_sections!r}"
        ) from None
    if not -data.ndim <= axis < data.ndim:
        raise np.exceptions.AxisError(f"split: axis {axis} is out of bounds for shape {data.shape}")
    axis %= data.ndim
    n = data.shape[axis]
    if cuts is None:
        if indices_or_sections <= 0 or n % indices_or_sections:
            raise ValueError(
                f"split: an axis of size {n} cannot be split into {indices_or_sections} equal parts"
            )
        step = n // indices_or_sections
        cuts = list(range(step, n, step))
    bounds = [0, *cuts, n]
    return [x[_axis_slices(axis, slice(a, b))] for a, b in itertools.pairwise(bounds)]


def pad(x: Any, pad_width: Any) -> Tensor:
    """x with zeros added around it; pad_width as in np.pad (int, (before, after), per axis)."""
    return Pad.apply(as_operand(x), pad_width=pad_width)
