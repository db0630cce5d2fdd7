"""Batch and layer normalisation, fused: statistics, normalising and the affine map in one op.

Both compute x_hat = (x - mean) / sqrt(var + eps) over some axes (biased
variance) and y = x_hat * weight + bias. When the statistics are those of x
itself, the gradient goes through them too:
    dx = invstd * (h - mean(h) - x_hat * mean(h * x_hat)),  h = g * weight,
means taken over the normalised axes. When they are constants (batch norm in
eval mode, with running statistics) y is affine in x: dx = h * invstd.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd import Context, Function, OpCheck
from autograd.opcheck import Draw


def _reference_normalize(x: np.ndarray, axes: tuple, mean: Any, var: Any, eps: float) -> Any:
    """(x - mean) / sqrt(var + eps), the statistics x's own over `axes` unless given."""
    if mean is None:
        mean, var = x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(var + eps)


def _batch_norm_sample(draw: Draw) -> tuple[tuple, dict]:
    """(N, C, ...) input, affine or not; batch statistics, or random running ones."""
    c = draw.integer(1, 3)
    shape = (draw.integer(2, 3), c, *draw.shape((0, 2)))
    shapes = (shape, (c,), (c,)) if draw.boolean() else (shape,)
    if draw.boolean():
        return shapes, {"training": True}
    rng = draw.generator()
    stats = {"running_mean": rng.uniform(-1, 1, c), "running_var": rng.uniform(0.5, 2, c)}
    return shapes, {"training": False, **stats}


def _reference_batch_norm(
    x: np.ndarray,
    weight: Any = None,
    bias: Any = None,
    running_mean: Any = None,
    running_var: Any = None,
    training: bool = False,
) -> np.ndarray:
    shape = (1, -1) + (1,) * (x.ndim - 2)
    axes = (0, *range(2, x.ndim))
    mean = None if training else running_mean.reshape(shape)
    var = None if training else running_var.reshape(shape)
    y = _reference_normalize(x, axes, mean, var, 1e-5)
    if weight is not None:
        y = y * weight.reshape(shape) + bias.reshape(shape)
    return y


def _layer_norm_sample(draw: Draw) -> tuple[tuple, dict]:
    """(..., *normalized) input, normalized over its last one or two axes; affine or not."""
    normalized = tuple(draw.integer(2, 3) for _ in range(draw.integer(1, 2)))
    x = (*draw.shape((0, 2)), *normalized)
    shapes = (x, normalized, normalized) if draw.boolean() else (x,)
    return shapes, {"n_axes": len(normalized)}


def _reference_layer_norm(
    x: np.ndarray, weight: Any = None, bias: Any = None, n_axes: int = 1
) -> np.ndarray:
    y = _reference_normalize(x, tuple(range(x.ndim - n_axes, x.ndim)), None, None, 1e-5)
    return y if weight is None else y * weight + bias


def _standardize(x: Any, axes: tuple[int, ...], eps: float, xp: Any) -> tuple[Any, ...]:
    """(x_hat, invstd, mean, var) from x's own mean and biased variance over `axes`
    (arrays or Tensors; the statistics keep their axes)."""
    mean = x.mean(axis=axes, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(axis=axes, keepdims=True)
    invstd = 1 / xp.sqrt(var + eps)
    return centred * invstd, invstd, mean, var


def _affine(x_hat: np.ndarray, weight: Any, bias: Any, shape: tuple[int, ...]) -> np.ndarray:
    """x_hat * weight + bias, the parameters reshaped to broadcast as `shape`."""
    if weight is not None:
        out = x_hat * weight.reshape(shape)
    elif bias is not None:
        out = x_hat.copy()  # x_hat is saved for backward: add the bias to a copy
    else:
        return x_hat
    if bias is not None:
        out += bias.reshape(shape)
    return out


class _Normalization(Function):
    """The shared backward; subclasses' forwards set ctx.axes (normalised), ctx.param_axes
    (summed for the parameters' gradients), ctx.param_shape, ctx.eps and ctx.batch_stats."""

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        x, weight, x_hat, invstd = ctx.saved_tensors
        xp = ctx.xp
        needs = (*ctx.needs_input_grad, False, False)  # weight and bias may be left out
        need_x, need_w, need_b = needs[:3]
        if xp.tensor_mode:  # the saved x_hat, invstd are constants: rebuild them from x
            if ctx.batch_stats:
                x_hat, invstd, _, _ = _standardize(x, ctx.axes, ctx.eps, xp)
            else:
                x_hat = (x - ctx.mean) * invstd
        gx = gw = gb = None
        if need_w:
            gw = (g * x_hat).sum(axis=ctx.param_axes)
        if need_b:
            gb = g.sum(axis=ctx.param_axes)
        if need_x:
            h = g * weight.reshape(ctx.param_shape) if weight is not None else g
            if ctx.batch_stats:
                axes = ctx.axes
                gx = invstd * (
                    h
                    - h.mean(axis=axes, keepdims=True)
                    - x_hat * (h * x_hat).mean(axis=axes, keepdims=True)
                )
            else:
                gx = h * invstd
        return (gx, gw, gb)[: len(ctx.needs_input_grad)]


class BatchNormOp(_Normalization):
    """Batch norm over every axis but 1 (the channels) of an (N, C, ...) input.

    Training: the batch's own statistics, and the running ones (arrays of
    shape (C,), if given) updated in place with `momentum`, using the
    unbiased variance, as PyTorch does. Eval: the running statistics, as
    constants.
    """

    name = "batch_norm"
    check = OpCheck(reference=_reference_batch_norm, twice=True, sample=_batch_norm_sample)

    @staticmethod
    def forward(
        ctx: Context,
        x: Any,
        weight: Any = None,
        bias: Any = None,
        running_mean: Any = None,
        running_var: Any = None,
        training: bool = False,
        momentum: float = 0.1,
        eps: float = 1e-5,
    ) -> Any:
        axes = (0, *range(2, x.ndim))
        shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
        ctx.axes, ctx.param_axes, ctx.param_shape, ctx.eps = axes, axes, shape, eps
        ctx.batch_stats = training
        if training:
            x_hat, invstd, mean, var = _standardize(x, axes, eps, np)
            n = x.size // x.shape[1]
            if running_mean is not None:
                running_mean *= 1 - momentum
                running_mean += momentum * mean.reshape(-1)
            if running_var is not None:
                running_var *= 1 - momentum
                running_var += (momentum * n / (n - 1)) * var.reshape(-1)
        else:
            ctx.mean = running_mean.reshape(shape).copy()  # the buffer may change before backward
            invstd = (1 / np.sqrt(running_var + eps)).reshape(shape).astype(x.dtype, copy=False)
            x_hat = (x - ctx.mean) * invstd
        ctx.save_for_backward(x, weight, x_hat, invstd)
        return _affine(x_hat, weight, bias, shape)


class LayerNormOp(_Normalization):
    """Layer norm over the last `n_axes` axes; weight and bias have those axes' shape."""

    name = "layer_norm"
    check = OpCheck(reference=_reference_layer_norm, twice=True, sample=_layer_norm_sample)

    @staticmethod
    def forward(
        ctx: Context,
        x: Any,
        weight: Any = None,
        bias: Any = None,
        n_axes: int = 1,
        eps: float = 1e-5,
    ) -> Any:
        lead = x.ndim - n_axes
        ctx.axes = tuple(range(lead, x.ndim))
        ctx.param_axes = tuple(range(lead))
        ctx.param_shape = x.shape[lead:]
        ctx.eps, ctx.batch_stats = eps, True
        x_hat, invstd, _, _ = _standardize(x, ctx.axes, eps, np)
        ctx.save_for_backward(x, weight, x_hat, invstd)
        return _affine(x_hat, weight, bias, ctx.param_shape)
