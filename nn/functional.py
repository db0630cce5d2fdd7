"""nn.functional: the layers and losses as functions, with PyTorch's signatures (`axis` for `dim`).

`import nn.functional as F`. Each function checks its arguments (shapes,
dtypes, ranges) and raises a clear error before anything is computed or
updated; the math is in the ops of `nn.ops`. Loss options that follow
PyTorch's deprecated `size_average`/`reduce` arguments are keyword-only here,
so a positional call that meant those fails loudly instead of misbehaving.
`inplace=True` is accepted for compatibility and computes out of place.
"""

from __future__ import annotations

import operator
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

import autograd as ag
from autograd import Tensor
from nn.ops.activation import GeluOp, HardsigmoidOp, LeakyReluOp
from nn.ops.linear import LinearOp
from nn.ops.loss import BceOp, BceWithLogitsOp, CrossEntropyOp, MultiMarginOp, NllLossOp
from nn.ops.normalization import BatchNormOp, LayerNormOp

_REDUCTIONS = ("mean", "sum", "none")


def _data(x: Any) -> np.ndarray:
    """The array of a Tensor, or the value as an array."""
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def _as_tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(np.asarray(x))


def _operand(x: Any) -> Any:
    """A Tensor as it is, anything else (a list, a number) as an array, for an op's forward."""
    return x if isinstance(x, Tensor) else np.asarray(x)


def _optional_data(x: Any) -> np.ndarray | None:
    return None if x is None else _data(x)


def _weight_like(op: str, what: str, weight: Any, x: np.ndarray) -> np.ndarray | None:
    """A constant weight as an array in the input's float dtype, so that it does not promote
    the loss: a float64 NumPy weight on float32 input keeps the loss float32, as in PyTorch.
    It must broadcast to the input's shape (ValueError naming both shapes otherwise)."""
    if weight is None:
        return None
    w = _data(weight)
    if w.shape != x.shape:
        try:
            fits = np.broadcast_shapes(w.shape, x.shape) == x.shape
        except ValueError:
            fits = False
        if not fits:
            raise ValueError(
                f"{op}: {what} of shape {w.shape} does not broadcast to the input shape {x.shape}"
            )
    return w.astype(x.dtype, copy=False) if x.dtype.kind == "f" else w


def _check_reduction(op: str, reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _check_size(op: str, what: str, value: Any, size: int, input_shape: tuple) -> None:
    """A per-channel / per-class tensor must have `size` elements."""
    if value is not None and _data(value).shape != (size,):
        raise ValueError(
            f"{op}: {what} should have shape ({size},), got {_data(value).shape} "
            f"(input shape {input_shape})"
        )


# ---- activations ----------------------------------------------------------------------
def relu(input: Any, inplace: bool = False) -> Tensor:
    """max(x, 0) elementwise."""
    return ag.relu(input)


def leaky_relu(input: Any, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x for x > 0, negative_slope * x otherwise."""
    return LeakyReluOp.apply(_operand(input), negative_slope=negative_slope)


def sigmoid(input: Any) -> Tensor:
    """1 / (1 + e^-x), stable for large |x|."""
    return ag.sigmoid(input)


def tanh(input: Any) -> Tensor:
    """Hyperbolic tangent."""
    return ag.tanh(input)


def gelu(input: Any, approximate: str = "none") -> Tensor:
    """x * Phi(x) with the exact normal CDF ('none'), or PyTorch's tanh approximation ('tanh')."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return GeluOp.apply(input, approximate=approximate)


def hardsigmoid(input: Any, inplace: bool = False) -> Tensor:
    """relu6(x + 3) / 6: 0 below -3, 1 above 3, linear between."""
    return HardsigmoidOp.apply(_operand(input))


def softmax(input: Any, axis: int = -1) -> Tensor:
    """exp(x) / sum(exp(x)) along `axis`, computed without overflow."""
    return ag.softmax(input, axis=axis)


def log_softmax(input: Any, axis: int = -1) -> Tensor:
    """log(softmax(x)) along `axis`, computed without overflow or log(0)."""
    return ag.log_softmax(input, axis=axis)


def dropout(input: Any, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Inverted dropout: zero each element with probability p, scale the rest by 1 / (1 - p).

    The mask comes from `ag.default_generator()`; with `training=False` (or
    p = 0) the input is returned unchanged, with p = 1 the result is zeros.
    """
    _check_probability("dropout", p)
    if not training or p == 0:
        return input
    x = _as_tensor(input)
    if p == 1:
        return x * 0
    dtype = x.dtype
    if dtype.kind != "f":  # PyTorch too: an integer tensor cannot hold the 1 / (1 - p) scaling
        raise TypeError(
            f"dropout: expected a floating-point input, got dtype {dtype} (shape {x.shape}); "
            "convert with .astype(np.float32)"
        )
    # NumPy draws float32 or float64 only: a float16 input gets a float32 draw, a float16 mask
    draw = dtype if dtype in (np.float32, np.float64) else np.float32
    keep = ag.default_generator().random(x.shape, dtype=draw) < 1 - p
    return x * (keep * np.asarray(1 / (1 - p), dtype=dtype))


def _check_probability(op: str, p: Any) -> None:
    """Dropout's p: a number in [0, 1] (ValueError outside, TypeError for a non-number)."""
    try:
        valid = 0 <= p <= 1
    except TypeError:
        raise TypeError(
            f"{op}: probability has to be a number between 0 and 1, got {p!r}"
        ) from None
    if not valid:
        raise ValueError(f"{op}: probability has to be between 0 and 1, but got {p}")


# ---- linear and normalisation ----------------------------------------------------------
def linear(input: Any, weight: Any, bias: Any = None) -> Tensor:
    """x @ weight.T + bias over the last axis of x; weight is (out_features, in_features)."""
    bias = None if bias is None else _operand(bias)
    return LinearOp.apply(input, _operand(weight), bias)


def batch_norm(
    input: Any,
    running_mean: Any,
    running_var: Any,
    weight: Any = None,
    bias: Any = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Batch norm of an (N, C, ...) input over every axis but the channels (axis 1).

    Training: normalise with the batch mean and biased variance; if running
    statistics are given (Tensors or arrays of shape (C,)), update them in
    place: running = (1 - momentum) * running + momentum * batch statistic,
    with the unbiased variance. Eval: normalise with the running statistics.
    """
    x = _data(input)
    if x.ndim < 2:
        raise ValueError(f"batch_norm: expected an input of shape (N, C, ...), got {x.shape}")
    channels = x.shape[1]
    for what, value in (
        ("running_mean", running_mean),
        ("running_var", running_var),
        ("weight", weight),
        ("bias", bias),
    ):
        _check_size("batch_norm", what, value, channels, x.shape)
    if training and x.size <= channels:
        raise ValueError(
            f"batch_norm: expected more than 1 value per channel when training, "
            f"got input shape {x.shape}"
        )
    if not training and (running_mean is None or running_var is None):
        raise ValueError("batch_norm: running_mean and running_var are needed when not training")
    out = BatchNormOp.apply(
        _operand(input),
        weight,
        bias,
        running_mean=_optional_data(running_mean),
        running_var=_optional_data(running_var),
        training=training,
        momentum=momentum,
        eps=eps,
    )
    if training:
        for stat in (running_mean, running_var):
            if isinstance(stat, Tensor):
                stat.bump_version()
    return out


def _normalized_shape(op: str, normalized_shape: Any) -> tuple[int, ...]:
    """An int (NumPy's too, as PyTorch's numbers.Integral) or a sequence of ints, as a tuple."""
    if isinstance(normalized_shape, int | np.integer):
        return (int(normalized_shape),)
    try:
        return tuple(operator.index(n) for n in normalized_shape)
    except TypeError:
        raise TypeError(
            f"{op}: normalized_shape must be an int or a sequence of ints, got {normalized_shape!r}"
        ) from None


def layer_norm(
    input: Any,
    normalized_shape: int | Sequence[int],
    weight: Any = None,
    bias: Any = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise over the last axes (those of `normalized_shape`) of each sample, then scale
    by weight and shift by bias (both of shape `normalized_shape`)."""
    shape = _normalized_shape("layer_norm", normalized_shape)
    x_shape = _data(input).shape
    if (
        len(shape) == 0
        or x_shape[len(x_shape) - len(shape) :] != shape
        or len(x_shape) < len(shape)
    ):
        raise ValueError(
            f"layer_norm: expected an input whose last axes have shape {shape} "
            f"(normalized_shape), got input shape {x_shape}"
        )
    for what, value in (("weight", weight), ("bias", bias)):
        if value is not None and _data(value).shape != shape:
            raise ValueError(
                f"layer_norm: {what} should have shape {shape}, got {_data(value).shape}"
            )
    return LayerNormOp.apply(_operand(input), weight, bias, n_axes=len(shape), eps=eps)


# ---- losses ------------------------------------------------------------------------------------
def _class_targets(
    op: str, x_shape: tuple, target: Any, ignore_index: int | None, allow_probabilities: bool
) -> tuple[np.ndarray, int | None]:
    """Check class-index targets (or, where allowed, probabilities of the input's shape).

    Returns the targets and the ignore_index to give the op: None when no
    index target is ignored (all are classes), so that the op need not look.
    """
    t = _data(target)
    index_shape = x_shape[:1] + x_shape[2:] if len(x_shape) > 1 else ()
    classes = x_shape[1] if len(x_shape) > 1 else x_shape[0]
    kind = t.dtype.kind
    if kind == "f" and allow_probabilities and t.shape == x_shape:
        return t, ignore_index
    if kind not in "iu":
        hint = f", or probabilities of the input's shape {x_shape}" if allow_probabilities else ""
        raise TypeError(
            f"{op}: class-index targets must be integers, got dtype {t.dtype} "
            f"(target shape {t.shape}); convert with .astype(np.int64){hint}"
        )
    if t.shape != index_shape:
        raise ValueError(
            f"{op}: expected class-index targets of shape {index_shape} for input shape "
            f"{x_shape}, got {t.shape}"
        )
    if not t.size or not _any_outside(t, classes):
        # every target is a class: none is ignored, unless ignore_index is a class too
        return t, ignore_index if ignore_index is not None and 0 <= ignore_index < classes else None
    bad = (t < 0) | (t >= classes)  # out of range, or ignored entries
    if ignore_index is not None:
        bad &= t != ignore_index
    if bad.any():
        also = "" if ignore_index is None else f", or ignore_index={ignore_index}"
        raise IndexError(
            f"{op}: target class {int(t[bad].flat[0])} is out of range for {classes} classes "
            f"(valid: 0 to {classes - 1}{also})"
        )
    return t, ignore_index


# itemsize of a signed integer -> (the unsigned dtype of that size, 2 ** (bits - 1))
_UNSIGNED = {n: (np.dtype(f"u{n}"), 2 ** (8 * n - 1)) for n in (1, 2, 4, 8)}


def _any_outside(t: np.ndarray, classes: int) -> bool:
    """Whether some integer in t is < 0 or >= classes, in one pass where it can be: read as
    unsigned, a negative value is at least 2 ** (bits - 1), so more than any class."""
    dtype = t.dtype
    if dtype.kind == "i":
        unsigned, limit = _UNSIGNED[dtype.itemsize]
        if not dtype.isnative or classes > limit:
            return bool(t.min() < 0 or t.max() >= classes)
        t = t.view(unsigned)
    return bool(np.maximum.reduce(t, axis=None) >= classes)


def _rows_of_classes(x: Tensor, t: np.ndarray) -> tuple[Tensor, np.ndarray]:
    """(N, C, d1, ...) input and its targets as (N * d1 * ..., C) rows; (C,) as one row."""
    if x.ndim == 1:
        return x.reshape(1, -1), t.reshape(1, -1) if t.ndim == 1 else t.reshape(1)
    if x.ndim == 2:
        return x, t
    c = x.shape[1]
    rows = x.transpose(0, *range(2, x.ndim), 1).reshape(-1, c)
    if t.ndim == x.ndim:  # probabilities: classes on axis 1 too
        return rows, np.moveaxis(t, 1, -1).reshape(-1, c)
    return rows, t.reshape(-1)


def _unrows(losses: Tensor, x_shape: tuple, reduction: str) -> Tensor:
    """Per-row losses of `_rows_of_classes` back in the input's shape without the class axis."""
    if reduction != "none" or len(x_shape) == 2:
        return losses
    return losses.reshape(x_shape[:1] + x_shape[2:] if len(x_shape) > 1 else ())


def cross_entropy(
    input: Any,
    target: Any,
    weight: Any = None,
    *,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Softmax cross-entropy of logits (N, C) (or (C,), or (N, C, d1, ...)) against class
    indices (integers; `ignore_index` entries count for nothing) or class probabilities of
    the input's shape. `weight`: one weight per class. Stable at logits of +-1000.
    """
    _check_reduction("cross_entropy", reduction)
    if not 0 <= label_smoothing <= 1:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    x = _as_tensor(input)
    shape = x.data.shape
    if not shape:
        raise ValueError("cross_entropy: expected logits of shape (N, C) or (C,), got a 0-d input")
    t, ignore_index = _class_targets("cross_entropy", shape, target, ignore_index, True)
    if weight is not None:
        _check_size("cross_entropy", "weight", weight, shape[min(1, len(shape) - 1)], shape)
        weight = _data(weight)
    rows, t = (x, t) if len(shape) == 2 else _rows_of_classes(x, t)
    losses = CrossEntropyOp.apply(
        rows,
        target=t,
        weight=weight,
        ignore_index=ignore_index,
        reduction=reduction,
        label_smoothing=label_smoothing,
    )
    return _unrows(losses, shape, reduction)


def nll_loss(
    input: Any,
    target: Any,
    weight: Any = None,
    *,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of log-probabilities (N, C) (or (C,), (N, C, d1, ...)) at the
    target classes: -weight[y] * input[i, y]; pair it with log_softmax."""
    _check_reduction("nll_loss", reduction)
    x = _as_tensor(input)
    if x.ndim == 0:
        raise ValueError("nll_loss: expected an input of shape (N, C) or (C,), got a 0-d input")
    t, ignore_index = _class_targets("nll_loss", x.shape, target, ignore_index, False)
    _check_size("nll_loss", "weight", weight, x.shape[min(1, x.ndim - 1)], x.shape)
    rows, t = _rows_of_classes(x, t)
    losses = NllLossOp.apply(
        rows,
        target=t,
        weight=_optional_data(weight),
        ignore_index=ignore_index,
        reduction=reduction,
    )
    return _unrows(losses, x.shape, reduction)


def _binary_target(op: str, input: Any, target: Any) -> Any:
    """Binary targets: floating point (probabilities) and of the input's shape."""
    t, shape = _data(target), _data(input).shape
    if t.dtype.kind != "f":
        raise TypeError(
            f"{op}: targets must be floating point (probabilities in [0, 1]), got dtype "
            f"{t.dtype}; convert with .astype(np.float32)"
        )
    if t.shape != shape:
        raise ValueError(
            f"{op}: target shape {t.shape} differs from input shape {shape}; they must match"
        )
    return target if isinstance(target, Tensor) else t


def binary_cross_entropy(
    input: Any, target: Any, weight: Any = None, *, reduction: str = "mean"
) -> Tensor:
    """-weight * (t log x + (1 - t) log(1 - x)) for probabilities x, logs clamped at -100."""
    _check_reduction("binary_cross_entropy", reduction)
    t = _binary_target("binary_cross_entropy", input, target)
    x = _data(input)
    if x.size and not ((x >= 0).all() and (x <= 1).all()):
        raise ValueError(
            f"binary_cross_entropy: input values must be probabilities in [0, 1], got values "
            f"from {np.nanmin(x):.6g} to {np.nanmax(x):.6g} (shape {x.shape}); "
            "for logits use binary_cross_entropy_with_logits"
        )
    weight = _weight_like("binary_cross_entropy", "weight", weight, x)
    return BceOp.apply(_operand(input), t, weight=weight, reduction=reduction)


def binary_cross_entropy_with_logits(
    input: Any,
    target: Any,
    weight: Any = None,
    *,
    reduction: str = "mean",
    pos_weight: Any = None,
) -> Tensor:
    """Binary cross-entropy of sigmoid(input), computed from the logits without overflow.

    `pos_weight` scales the positive part of the loss (one value per class, broadcast
    over the last axis).
    """
    op = "binary_cross_entropy_with_logits"
    _check_reduction(op, reduction)
    t = _binary_target(op, input, target)
    x = _data(input)
    return BceWithLogitsOp.apply(
        _operand(input),
        t,
        weight=_weight_like(op, "weight", weight, x),
        pos_weight=_weight_like(op, "pos_weight", pos_weight, x),
        reduction=reduction,
    )


def _difference(op: str, input: Any, target: Any) -> Tensor:
    """input - target, warning (as PyTorch does) when their shapes differ and broadcast."""
    x_shape, t_shape = _data(input).shape, _data(target).shape
    if x_shape != t_shape:
        try:
            np.broadcast_shapes(x_shape, t_shape)
        except ValueError:
            raise ValueError(
                f"{op}: input shape {x_shape} and target shape {t_shape} cannot be broadcast "
                "together"
            ) from None
        warnings.warn(
            f"{op}: target shape {t_shape} differs from input shape {x_shape}; they are "
            "broadcast together, which is likely not what you want",
            UserWarning,
            stacklevel=3,
        )
    return _as_tensor(input) - target


def _reduced(losses: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return losses.mean()
    return losses.sum() if reduction == "sum" else losses


def mse_loss(input: Any, target: Any, *, reduction: str = "mean") -> Tensor:
    """(input - target)^2, reduced."""
    _check_reduction("mse_loss", reduction)
    d = _difference("mse_loss", input, target)
    return _reduced(d * d, reduction)


def l1_loss(input: Any, target: Any, *, reduction: str = "mean") -> Tensor:
    """|input - target|, reduced."""
    _check_reduction("l1_loss", reduction)
    return _reduced(_difference("l1_loss", input, target).abs(), reduction)


def multi_margin_loss(
    input: Any,
    target: Any,
    p: int = 1,
    margin: float = 1.0,
    weight: Any = None,
    *,
    reduction: str = "mean",
) -> Tensor:
    """Multi-class hinge loss of scores (N, C) or (C,):
    sum over j != y of max(0, margin - x[y] + x[j])^p / C, times weight[y]."""
    _check_reduction("multi_margin_loss", reduction)
    if p not in (1, 2):
        raise ValueError(f"multi_margin_loss: only p = 1 and p = 2 are supported, got {p}")
    x = _as_tensor(input)
    if x.ndim not in (1, 2):
        raise ValueError(
            f"multi_margin_loss: expected scores of shape (N, C) or (C,), got {x.shape}"
        )
    t, _ = _class_targets("multi_margin_loss", x.shape, target, None, False)
    _check_size("multi_margin_loss", "weight", weight, x.shape[-1], x.shape)
    rows, t = _rows_of_classes(x, t)
    losses = MultiMarginOp.apply(
        rows, target=t, p=p, margin=margin, weight=_optional_data(weight), reduction=reduction
    )
    return losses.reshape(()) if x.ndim == 1 and reduction == "none" else losses
