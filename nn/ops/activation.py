"""Activation functions the engine does not have: GELU, leaky ReLU, hardsigmoid."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd import Context, Function, OpCheck
from autograd.opcheck import kinks_at
from nn.ops.special import normal_cdf

_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_TANH_SCALE = math.sqrt(2 / math.pi)  # the constants of GELU's tanh approximation
_TANH_CUBIC = 0.044715


def _reference_normal_cdf(x: np.ndarray) -> np.ndarray:
    """Phi(x) from math.erf, element by element: independent of `nn.ops.special`."""
    return np.vectorize(lambda v: 0.5 * (1 + math.erf(v / math.sqrt(2))), otypes=[float])(x)


def _reference_gelu(x: np.ndarray, approximate: str = "none") -> np.ndarray:
    if approximate == "tanh":
        return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
    return x * _reference_normal_cdf(x)


def _normal_pdf(x: Any, xp: Any) -> Any:
    """phi(x) = exp(-x^2 / 2) / sqrt(2 pi), on arrays or Tensors."""
    return xp.exp(-0.5 * x * x) * _INV_SQRT_2PI


class NormalCdfOp(Function, ctx_attributes=False):
    """Phi(x), the standard normal CDF; d/dx = phi(x). An op so GELU is twice differentiable."""

    name = "normal_cdf"
    check = OpCheck(reference=_reference_normal_cdf, twice=True, domains=(-4, 4))

    @staticmethod
    def forward(ctx: Context, x: Any) -> Any:
        ctx.save_for_backward(x)
        return normal_cdf(x)

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        (x,) = ctx.saved_tensors
        return g * _normal_pdf(x, ctx.xp)


class GeluOp(Function):
    """GELU: x * Phi(x) (exact), or 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).

    Exact: d/dx = Phi(x) + x phi(x). Tanh form: d/dx = 0.5 (1 + t) + 0.5 x (1 - t^2) u'(x)
    with t = tanh(u(x)).
    """

    name = "gelu"
    check = OpCheck(
        reference=_reference_gelu,
        twice=True,
        domains=(-4, 4),
        options=({"approximate": "none"}, {"approximate": "tanh"}),
    )

    @staticmethod
    def forward(ctx: Context, x: Any, approximate: str = "none") -> Any:
        ctx.approximate = approximate
        if approximate == "tanh":
            t = np.tanh(_TANH_SCALE * (x + _TANH_CUBIC * x * x * x))
            ctx.save_for_backward(x, t)
            return 0.5 * x * (1 + t)
        cdf = normal_cdf(x)
        ctx.save_for_backward(x, cdf)
        return x * cdf

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        x, saved = ctx.saved_tensors
        xp = ctx.xp
        if ctx.approximate == "tanh":
            # Under create_graph the saved tanh is a constant: recompute it from x.
            t = (_TANH_SCALE * (x + _TANH_CUBIC * x * x * x)).tanh() if xp.tensor_mode else saved
            du = _TANH_SCALE * (1 + 3 * _TANH_CUBIC * x * x)
            return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du)
        cdf = NormalCdfOp.apply(x) if xp.tensor_mode else saved
        return g * (cdf + x * _normal_pdf(x, xp))


class LeakyReluOp(Function, ctx_attributes=False):
    """x where x > 0, else negative_slope * x; the slope side includes 0, as PyTorch."""

    name = "leaky_relu"
    check = OpCheck(
        reference=lambda x, negative_slope: np.where(x > 0, x, negative_slope * x),
        twice=True,
        options=({"negative_slope": 0.01}, {"negative_slope": 0.2}),
        kinks=kinks_at(0.0),
    )

    @staticmethod
    def forward(ctx: Context, x: Any, negative_slope: float = 0.01) -> Any:
        # The factor, 1 where x > 0 and the slope elsewhere, is both the output's (x times
        # it) and the gradient's. For a slope in [0, 1] it is max(x > 0, slope), without
        # np.where, whose branch per element runs several times slower on random signs.
        x = np.asarray(x)
        slope = np.asarray(negative_slope, x.dtype if x.dtype.kind == "f" else np.float64)
        positive = x > 0
        if 0 <= negative_slope <= 1:
            factor = np.maximum(positive, slope)
        else:
            factor = np.where(positive, np.ones((), slope.dtype), slope)
        ctx.save_for_backward(factor)
        return x * factor

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        (factor,) = ctx.saved_tensors
        return g * factor


class HardsigmoidOp(Function, ctx_attributes=False):
    """relu6(x + 3) / 6; d/dx = 1/6 strictly inside (-3, 3), else 0 (as PyTorch)."""

    name = "hardsigmoid"
    check = OpCheck(
        reference=lambda x: np.minimum(np.maximum(x / 6 + 0.5, 0), 1),
        twice=True,
        domains=(-4, 4),
        kinks=kinks_at(-3.0, 3.0),
    )

    @staticmethod
    def forward(ctx: Context, x: Any) -> Any:
        ctx.save_for_backward(x)
        return np.clip(x + 3, 0, 6) / 6

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        (x,) = ctx.saved_tensors
        raw = ctx.xp.raw(x)
        return g * (((raw > -3) & (raw < 3)) / 6).astype(raw.dtype)
