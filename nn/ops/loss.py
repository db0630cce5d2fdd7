"""Loss functions as fused ops: cross-entropy, NLL, binary cross-entropy (on probabilities and
on logits) and the multi-class hinge loss, each with its reduction inside.

`reduction` is 'mean', 'sum' or 'none'; `_upstream` turns the gradient of the
reduced loss into a per-row factor, so each rule is written once for all three.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd import Context, Function


def _reduce(losses: np.ndarray, reduction: str, denominator: Any) -> np.ndarray:
    """Per-element losses reduced: their sum / denominator, their sum, or themselves."""
    if reduction == "none":
        return losses
    total = np.asarray(losses.sum())
    return total / denominator if reduction == "mean" else total


def _upstream(ctx: Context, g: Any, row_shape: tuple[int, ...] | None = None) -> Any:
    """The gradient reaching each element: g / denominator, g, or g itself (per element).

    `row_shape` reshapes a per-row g (reduction 'none') to broadcast against the input.
    """
    if ctx.reduction == "mean":
        return g / ctx.denominator
    if ctx.reduction == "sum" or row_shape is None:
        return g
    return g.reshape(row_shape)


def _one_hot(rows: np.ndarray, y: np.ndarray, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """Zeros of `shape` with `rows` (per-row values) placed at column y[i] of each row i."""
    out = np.zeros(shape, dtype=dtype)
    out[np.arange(shape[0]), y] = rows
    return out


def _class_rows(target: np.ndarray, weight: Any, ignore_index: int, dtype: Any) -> tuple:
    """(y, r): targets with ignored ones replaced by 0, and each row's weight (0 if ignored)."""
    valid = target != ignore_index
    y = np.where(valid, target, 0)
    r = valid.astype(dtype) if weight is None else np.where(valid, weight[y], 0).astype(dtype)
    return y, r


class CrossEntropyOp(Function):
    """Softmax cross-entropy of logits z (N, C): loss_i = -sum_c q_ic log softmax(z_i)_c.

    q is the target distribution: one-hot of class indices (times the class
    weight, 0 for ignore_index; mixed with uniform by label smoothing), or
    given probabilities. Computed with the max subtracted, so finite at
    +-1000. d/dz_i = softmax(z_i) * sum(q_i) - q_i: softmax minus one-hot.
    'mean' divides by the summed weights of the rows (index targets) or by N.
    """

    name = "cross_entropy"

    @staticmethod
    def forward(
        ctx: Context,
        z: Any,
        target: Any = None,
        weight: Any = None,
        ignore_index: int = -100,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> Any:
        n, c = z.shape
        shifted = z - z.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        sums = e.sum(axis=1, keepdims=True)
        log_sums = np.log(sums)
        ctx.reduction, ctx.q = reduction, None
        if target.dtype.kind in "iu":
            y, r = _class_rows(target, weight, ignore_index, z.dtype)
            ctx.y, ctx.r, ctx.denominator = y, r, r.sum()
            if label_smoothing:
                w = 1 if weight is None else weight.astype(z.dtype)
                ctx.q = _one_hot(r * (1 - label_smoothing), y, z.shape, z.dtype)
                # the smoothing part counts every row that is not ignored, whatever its weight
                ctx.q += (target != ignore_index)[:, None] * (w * (label_smoothing / c))
        else:
            q = target * (1 - label_smoothing) + label_smoothing / c
            ctx.q = (q if weight is None else q * weight).astype(z.dtype, copy=False)
            ctx.denominator = n
        if ctx.q is None:
            losses = r * (log_sums[:, 0] - shifted[np.arange(n), y])
        else:
            losses = -(ctx.q * (shifted - log_sums)).sum(axis=1)
        ctx.save_for_backward(z, e / sums if ctx.needs_input_grad[0] else None)
        return _reduce(losses, reduction, ctx.denominator)

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        z, p = ctx.saved_tensors
        xp = ctx.xp
        up = _upstream(ctx, g, (-1, 1))
        if xp.tensor_mode:  # the saved softmax is a constant: recompute it from z
            p = z.softmax(axis=1)
        if ctx.q is not None:
            q = ctx.q
            return (p * q.sum(axis=1, keepdims=True) - q) * up
        if xp.tensor_mode:
            q = _one_hot(ctx.r, ctx.y, z.shape, z.dtype)
            return (p * ctx.r[:, None] - q) * up
        # NumPy path, in place: p * r * up, minus r * up at each row's class.
        rows = ctx.r * up if ctx.reduction != "none" else ctx.r * up[:, 0]
        grad = p * rows[:, None]
        grad[np.arange(len(rows)), ctx.y] -= rows
        return grad


class NllLossOp(Function):
    """Negative log-likelihood of log-probabilities x (N, C): loss_i = -w[y_i] x[i, y_i].

    d/dx is -w[y_i] at each row's class, 0 elsewhere; 'mean' divides by the
    summed weights of the rows that are not ignored.
    """

    name = "nll_loss"

    @staticmethod
    def forward(
        ctx: Context,
        x: Any,
        target: Any = None,
        weight: Any = None,
        ignore_index: int = -100,
        reduction: str = "mean",
    ) -> Any:
        y, r = _class_rows(target, weight, ignore_index, x.dtype)
        ctx.y, ctx.r, ctx.shape, ctx.dtype = y, r, x.shape, x.dtype
        ctx.reduction, ctx.denominator = reduction, r.sum()
        return _reduce(-r * x[np.arange(len(y)), y], reduction, ctx.denominator)

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        return -_one_hot(ctx.r, ctx.y, ctx.shape, ctx.dtype) * _upstream(ctx, g, (-1, 1))


class BceOp(Function):
    """Binary cross-entropy of probabilities x in [0, 1] against targets t:
    loss = -w (t log x + (1 - t) log(1 - x)), each log clamped at -100 as PyTorch does.

    d/dx = w (x - t) / max(x (1 - x), 1e-12) (PyTorch's rule); d/dt = w (log(1 - x) - log x).
    """

    name = "binary_cross_entropy"

    @staticmethod
    def forward(ctx: Context, x: Any, t: Any, weight: Any = None, reduction: str = "mean") -> Any:
        with np.errstate(divide="ignore"):
            log_x = np.maximum(np.log(x), -100)
            log_1mx = np.maximum(np.log1p(-x), -100)
        ctx.weight, ctx.reduction, ctx.denominator = weight, reduction, np.broadcast(x, t).size
        ctx.save_for_backward(x, t, log_x, log_1mx)
        losses = -(t * log_x + (1 - t) * log_1mx)
        if weight is not None:
            losses = losses * weight
        return _reduce(losses, reduction, ctx.denominator)

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        x, t, log_x, log_1mx = ctx.saved_tensors
        xp = ctx.xp
        up = _upstream(ctx, g)
        if ctx.weight is not None:
            up = up * ctx.weight
        gx = gt = None
        if ctx.needs_input_grad[0]:
            gx = up * (x - t) / (x * (1 - x)).clip(1e-12, None)
        if ctx.needs_input_grad[1]:
            if xp.tensor_mode:
                with np.errstate(divide="ignore"):
                    log_x, log_1mx = xp.log(x).clip(-100, None), xp.log(1 - x).clip(-100, None)
            gt = up * (log_1mx - log_x)
        return gx, gt


def _sigmoid(x: Any, xp: Any) -> Any:
    """1 / (1 + e^-x) without overflow, on arrays or Tensors."""
    e = xp.exp(-abs(x))
    return xp.where(xp.raw(x) >= 0, 1 / (1 + e), e / (1 + e))


def _softplus_of_negative(x: Any, xp: Any) -> Any:
    """log(1 + e^-x) = max(-x, 0) + log(1 + e^-|x|), without overflow."""
    return xp.where(xp.raw(x) < 0, -x, 0) + xp.log(1 + xp.exp(-abs(x)))


class BceWithLogitsOp(Function):
    """Binary cross-entropy on logits x, stable at any |x| (PyTorch's formula):
    loss = w ((1 - t) x + l (log(1 + e^-|x|) + max(-x, 0))),  l = 1 + (pos_weight - 1) t.

    d/dx = w ((1 - t) - l sigmoid(-x)) (= w (sigmoid(x) - t) without pos_weight);
    d/dt = w (-x + (pos_weight - 1) softplus(-x)).
    """

    name = "binary_cross_entropy_with_logits"

    @staticmethod
    def forward(
        ctx: Context,
        x: Any,
        t: Any,
        weight: Any = None,
        pos_weight: Any = None,
        reduction: str = "mean",
    ) -> Any:
        ctx.weight, ctx.pos_weight, ctx.reduction = weight, pos_weight, reduction
        ctx.denominator = np.broadcast(x, t).size
        ctx.save_for_backward(x, t)
        softplus = np.maximum(-x, 0) + np.log1p(np.exp(-np.abs(x)))  # log(1 + e^-x)
        losses = (1 - t) * x + (
            softplus if pos_weight is None else _log_weight(t, pos_weight) * softplus
        )
        if weight is not None:
            losses = losses * weight
        return _reduce(losses, reduction, ctx.denominator)

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        x, t = ctx.saved_tensors
        xp = ctx.xp
        up = _upstream(ctx, g)
        if ctx.weight is not None:
            up = up * ctx.weight
        pos_weight = ctx.pos_weight
        gx = gt = None
        if ctx.needs_input_grad[0]:
            if pos_weight is None:
                gx = up * (_sigmoid(x, xp) - t)
            else:
                gx = up * ((1 - t) - _log_weight(t, pos_weight) * _sigmoid(-x, xp))
        if ctx.needs_input_grad[1]:
            gt = -x if pos_weight is None else (pos_weight - 1) * _softplus_of_negative(x, xp) - x
            gt = up * gt
        return gx, gt


def _log_weight(t: Any, pos_weight: Any) -> Any:
    """1 + (pos_weight - 1) t: how much the positive part of the loss counts."""
    return 1 + (pos_weight - 1) * t


class MultiMarginOp(Function):
    """Multi-class hinge loss of scores x (N, C) (PyTorch's MultiMarginLoss):
    loss_i = w[y_i] / C * sum_{j != y_i} max(0, margin - x[i, y_i] + x[i, j])^p,  p in {1, 2}.

    Each active term adds its slope (1, or 2 * the margin term) to x[i, j] and
    subtracts it from x[i, y_i].
    """

    name = "multi_margin_loss"

    @staticmethod
    def forward(
        ctx: Context,
        x: Any,
        target: Any = None,
        p: int = 1,
        margin: float = 1.0,
        weight: Any = None,
        reduction: str = "mean",
    ) -> Any:
        n, c = x.shape
        rows = np.arange(n)
        terms = margin - x[rows, target][:, None] + x
        active = terms > 0
        active[rows, target] = False
        scale = np.full(n, 1 / c, dtype=x.dtype) if weight is None else weight[target] / c
        ctx.save_for_backward(x)
        ctx.target, ctx.p, ctx.margin, ctx.reduction, ctx.denominator = (
            target,
            p,
            margin,
            reduction,
            n,
        )
        ctx.coef = (active * scale[:, None]).astype(x.dtype)  # d loss_i / d term_ij for p = 1
        hinge = terms * active if p == 1 else terms * terms * active
        return _reduce((hinge.sum(axis=1) * scale).astype(x.dtype), reduction, n)

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        (x,) = ctx.saved_tensors
        rows = np.arange(len(ctx.target))
        coef = ctx.coef
        if ctx.p == 2:
            coef = 2 * (ctx.margin - x[rows, ctx.target].reshape(-1, 1) + x) * coef
        per_term = coef * _upstream(ctx, g, (-1, 1))
        at_target = ctx.xp.scatter_add(-per_term.sum(axis=1), x.shape, (rows, ctx.target))
        return per_term + at_target
