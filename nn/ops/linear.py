"""The affine map of a Linear layer, fused into one op."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd import Context, Function, OpCheck
from autograd.opcheck import Draw


def _linear_sample(draw: Draw) -> tuple[tuple, dict]:
    """x (..., in), weight (out, in) and, half the time, bias (out,)."""
    n_in, n_out = draw.integer(1, 3), draw.integer(1, 3)
    shapes = ((*draw.shape((0, 2)), n_in), (n_out, n_in))
    return shapes + (((n_out,),) if draw.boolean() else ()), {}


def _misfit(x: np.ndarray, weight: Any, bias: Any) -> ValueError:
    """The error for arguments that do not fit together: the input first, then the bias."""
    if weight.ndim != 2 or x.ndim == 0 or x.shape[-1] != weight.shape[1]:
        return ValueError(
            f"linear: input of shape {x.shape} does not fit weight of shape {weight.shape} "
            f"(expected input features {weight.shape[1:]} as its last axis)"
        )
    return ValueError(
        f"linear: bias of shape {bias.shape} does not fit weight of shape {weight.shape} "
        f"(expected ({weight.shape[0]},))"
    )


class LinearOp(Function, ctx_attributes=False):
    """y = x @ W^T + b over the last axis of x (any leading axes).

    d/dx = g @ W, d/dW = g^T x (leading axes flattened), d/db = sum of g:
    one matmul plus an in-place bias add forward, two matmuls and a sum back.
    """

    name = "linear"
    check = OpCheck(reference=lambda x, w, b=0.0: x @ w.T + b, twice=True, sample=_linear_sample)

    @staticmethod
    def forward(ctx: Context, x: Any, weight: Any, bias: Any = None) -> Any:
        x = np.asarray(x)
        # matmul itself rejects a 0-d input or a wrong feature count; it would take a weight
        # that is not 2-D and the bias add would broadcast a wrong-shaped bias, so those two
        # are checked here
        if weight.ndim != 2 or (bias is not None and bias.shape != weight.shape[:1]):
            raise _misfit(x, weight, bias)
        try:
            out = x @ weight.T
        except ValueError:
            if x.ndim == 0 or x.shape[-1] != weight.shape[1]:
                raise _misfit(x, weight, bias) from None
            raise
        ctx.save_for_backward(x, weight)
        if bias is not None:
            try:
                out += bias
            except TypeError:  # a wider bias dtype: the result takes it, as NumPy would
                out = out + bias
        return out

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        x, weight = ctx.saved_tensors
        needs = ctx.needs_input_grad  # two entries when called without a bias
        need_w, need_b = needs[1], len(needs) > 2 and needs[2]
        gx = g @ weight if needs[0] else None
        gw = gb = None
        if need_w or need_b:
            if g.ndim != 2:  # leading axes (or none) flattened into rows
                g = g.reshape(-1, weight.shape[0])
                x = x.reshape(-1, weight.shape[1])
            if need_w:
                gw = g.T @ x
            if need_b:  # on arrays the ufunc's reduce itself: ndarray.sum wraps it in a call
                gb = np.add.reduce(g, axis=0) if type(g) is np.ndarray else g.sum(axis=0)
        return (gx, gw, gb) if len(needs) == 3 else (gx, gw)
