"""The affine map of a Linear layer, fused into one op."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd import Context, Function, OpCheck
from autograd.checks import Draw


def _linear_sample(draw: Draw) -> tuple[tuple, dict]:
    """x (..., in), weight (out, in) and, half the time, bias (out,)."""
    n_in, n_out = draw.integer(1, 3), draw.integer(1, 3)
    shapes = ((*draw.shape((0, 2)), n_in), (n_out, n_in))
    return shapes + (((n_out,),) if draw.boolean() else ()), {}


class LinearOp(Function):
    """y = x @ W^T + b over the last axis of x (any leading axes).

    d/dx = g @ W, d/dW = g^T x (leading axes flattened), d/db = sum of g:
    one matmul plus an in-place bias add forward, two matmuls and a sum back.
    """

    name = "linear"
    check = OpCheck(reference=lambda x, w, b=0.0: x @ w.T + b, twice=True, sample=_linear_sample)

    @staticmethod
    def forward(ctx: Context, x: Any, weight: Any, bias: Any = None) -> Any:
        x = np.asarray(x)
        if weight.ndim != 2 or x.ndim == 0 or x.shape[-1] != weight.shape[1]:
            raise ValueError(
                f"linear: input of shape {x.shape} does not fit weight of shape {weight.shape} "
                f"(expected input features {weight.shape[1:]} as its last axis)"
            )
        if bias is not None and bias.shape != weight.shape[:1]:
            raise ValueError(
                f"linear: bias of shape {bias.shape} does not fit weight of shape {weight.shape} "
                f"(expected ({weight.shape[0]},))"
            )
        ctx.save_for_backward(x, weight)
        out = x @ weight.T
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
        need_x, need_w, need_b = needs[0], needs[1], len(needs) > 2 and needs[2]
        gx = g @ weight if need_x else None
        gw = gb = None
        if need_w or need_b:
            rows = g.reshape(-1, weight.shape[0])
            if need_w:
                gw = rows.T @ x.reshape(-1, weight.shape[1])
            if need_b:
                gb = rows.sum(axis=0)
        return (gx, gw, gb)[: len(needs)]
