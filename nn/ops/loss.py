"""Loss functions as fused ops: cross-entropy, NLL, binary cross-entropy (on probabilities and
on logits) and the multi-class hinge loss, each with its reduction inside.

`reduction` is 'mean', 'sum' or 'none'; `_upstream` turns the gradient of the
reduced loss into a per-row factor, so each rule is written once for all three.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd import Context, Function, OpCheck
from autograd.opcheck import Draw

_REDUCTIONS = ("mean", "sum", "none")


def _reduce(losses: np.ndarray, reduction: str, denominator: Any) -> np.ndarray:
    """Per-element losses reduced: their sum / denominator, their sum, or themselves."""
    if reduction == "none":
        return losses
    total = np.add.reduce(losses, axis=None)  # losses.sum() without its Python wrapper
    return np.asarray(total / denominator if reduction == "mean" else total)


def _upstream(ctx: Context, g: Any, row_shape: tuple[int, ...] | None = None) -> Any:
    """The gradient reaching each element: g / denominator, g, or g itself (per element).

    `row_shape` reshapes a per-row g (reduction 'none') to broadcast against the input.
    """
    if ctx.reduction == "mean":
        return g / ctx.denominator
    if ctx.reduction == "sum" or row_shape is None:
        return g
    return g.reshape(row_shape)


_ROWS: dict[int, np.ndarray] = {}


def _row_numbers(n: int) -> np.ndarray:
    """np.arange(n), read-only and kept per n: every batch of a training loop indexes its rows."""
    rows = _ROWS.get(n)
    if rows is None:
        if len(_ROWS) >= 64:  # batch sizes that keep changing: start over
            _ROWS.clear()
        rows = _ROWS[n] = np.arange(n)
        rows.flags.writeable = False
    return rows


def _one_hot(rows: np.ndarray, y: np.ndarray, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """Zeros of `shape` with `rows` (per-row values) placed at column y[i] of each row i."""
    out = np.zeros(shape, dtype=dtype)
    out[np.arange(shape[0]), y] = rows
    return out


def _class_rows(target: np.ndarray, weight: Any, ignore_index: int | None, dtype: Any) -> tuple:
    """(y, r): targets with ignored ones replaced by 0, and each row's weight (0 if ignored).

    ignore_index None: the caller checked that no target is ignored.
    """
    if ignore_index is None:
        r = np.ones(len(target), dtype) if weight is None else weight[target].astype(dtype)
        return target, r
    valid = target != ignore_index
    y = np.where(valid, target, 0)
    r = valid.astype(dtype) if weight is None else np.where(valid, weight[y], 0).astype(dtype)
    return y, r


# ---- what the checks draw, and references written element by element ------------------------
def _reference_reduce(losses: np.ndarray, reduction: str, denominator: float) -> Any:
    if reduction == "mean":
        return losses.sum() / denominator
    return losses.sum() if reduction == "sum" else losses


def _class_sample(draw: Draw, probabilities: bool) -> tuple[tuple, dict]:
    """Scores (N, C); class targets (the first one ignored, sometimes) or probabilities;
    class weights half the time; a reduction."""
    n, c = draw.integer(1, 4), draw.integer(2, 4)
    rng = draw.generator()
    if probabilities and draw.boolean():
        target = rng.dirichlet(np.ones(c), n)
    else:
        target = rng.integers(0, c, n)
        if n > 1 and draw.boolean():
            target[0] = -100
    options = {"target": target, "reduction": draw.choice(_REDUCTIONS)}
    if draw.boolean():
        options["weight"] = rng.uniform(0.5, 2, c)
    return ((n, c),), options


def _cross_entropy_sample(draw: Draw) -> tuple[tuple, dict]:
    shapes, options = _class_sample(draw, probabilities=True)
    return shapes, {**options, "label_smoothing": draw.choice((0.0, 0.2))}


def _reference_cross_entropy(
    z: np.ndarray,
    target: np.ndarray,
    weight: Any = None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Any:
    """PyTorch's documented formula, row by row."""
    n, c = z.shape
    w = np.ones(c) if weight is None else weight
    eps = label_smoothing
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    losses = np.zeros(n)
    if target.dtype.kind == "f":
        for i in range(n):
            losses[i] = -sum(
                w[k] * (target[i, k] * (1 - eps) + eps / c) * log_p[i, k] for k in range(c)
            )
        return _reference_reduce(losses, reduction, n)
    total = 0.0
    for i, y in enumerate(target):
        if y != -100:
            smooth = sum(w[k] * log_p[i, k] for k in range(c))
            losses[i] = -(1 - eps) * w[y] * log_p[i, y] - eps / c * smooth
            total += w[y]
    return _reference_reduce(losses, reduction, total)


def _reference_nll_loss(
    x: np.ndarray, target: np.ndarray, weight: Any = None, reduction: str = "mean"
) -> Any:
    w = np.ones(x.shape[1]) if weight is None else weight
    losses = np.array([0.0 if y == -100 else -w[y] * x[i, y] for i, y in enumerate(target)])
    return _reference_reduce(losses, reduction, sum(w[y] for y in target if y != -100))


def _binary_sample(draw: Draw, pos_weight: bool) -> tuple[tuple, dict]:
    """Inputs and targets of one shape; elementwise weights and pos_weight half the time."""
    shape = draw.shape((0, 3))
    rng = draw.generator()
    options: dict = {"reduction": draw.choice(_REDUCTIONS)}
    if draw.boolean():
        options["weight"] = rng.uniform(0.5, 2, shape)
    if pos_weight and draw.boolean():
        options["pos_weight"] = rng.uniform(0.5, 2, shape[-1:])
    return (shape, shape), options


def _reference_bce(
    x: np.ndarray, t: np.ndarray, weight: Any = None, reduction: str = "mean"
) -> Any:
    losses = -(t * np.log(x) + (1 - t) * np.log(1 - x)) * (1 if weight is None else weight)
    return _reference_reduce(losses, reduction, x.size)


def _reference_bce_with_logits(
    x: np.ndarray,
    t: np.ndarray,
    weight: Any = None,
    pos_weight: Any = None,
    reduction: str = "mean",
) -> Any:
    """-w (pos_weight t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))), directly."""
    s = 1 / (1 + np.exp(-x))
    pw = 1 if pos_weight is None else pos_weight
    losses = -(pw * t * np.log(s) + (1 - t) * np.log(1 - s)) * (1 if weight is None else weight)
    return _reference_reduce(losses, reduction, np.size(losses))


def _multi_margin_sample(draw: Draw) -> tuple[tuple, dict]:
    shapes, options = _class_sample(draw, probabilities=False)
    options["target"] = np.maximum(options["target"], 0)  # no ignore_index here
    return shapes, {**options, "p": draw.choice((1, 2)), "margin": draw.choice((1.0, 0.5))}


def _multi_margin_terms(x: np.ndarray, target: np.ndarray, margin: float) -> np.ndarray:
    return margin - x[np.arange(len(target)), target][:, None] + x


def _multi_margin_kinks(eps: float, arrays: Any, options: dict) -> list:
    """Where a hinge term is near 0: that score, and its row's target score."""
    x, target = arrays[0], options["target"]
    rows = np.arange(len(target))
    near = np.abs(_multi_margin_terms(x, target, options["margin"])) < eps
    near[rows, target] = False
    near[rows, target] = near.any(axis=1)
    return [near]


def _reference_multi_margin(
    x: np.ndarray,
    target: np.ndarray,
    p: int = 1,
    margin: float = 1.0,
    weight: Any = None,
    reduction: str = "mean",
) -> Any:
    n, c = x.shape
    w = np.ones(c) if weight is None else weight
    losses = np.array(
        [
            w[y] / c * sum(max(0.0, margin - x[i, y] + x[i, j]) ** p for j in range(c) if j != y)
            for i, y in enumerate(target)
        ]
    )
    return _reference_reduce(losses, reduction, n)


class CrossEntropyOp(Function):
    """Softmax cross-entropy of logits z (N, C): loss_i = -sum_c q_ic log softmax(z_i)_c.

    q is the target distribution: one-hot of class indices (times the class
    weight, 0 for ignore_index; mixed with uniform by label smoothing), or
    given probabilities. Computed with the max subtracted, so finite at
    +-1000. d/dz_i = softmax(z_i) * sum(q_i) - q_i: softmax minus one-hot.
    'mean' divides by the summed weights of the rows (index targets) or by N.
    """

    name = "cross_entropy"
    check = OpCheck(reference=_reference_cross_entropy, twice=True, sample=_cross_entropy_sample)

    @staticmethod
    def forward(
        ctx: Context,
        z: Any,
        target: Any = None,
        weight: Any = None,
        ignore_index: int | None = -100,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> Any:
        n, c = z.shape
        shifted = z - np.maximum.reduce(z, axis=1, keepdims=True)
        e = np.exp(shifted)
        sums = np.add.reduce(e, axis=1, keepdims=True)
        ctx.reduction, ctx.q, ctx.r = reduction, None, None
        if target.dtype.kind in "iu":
            ctx.y, ctx.denominator = target, n
            # ignore_index None: the caller checked that no target is ignored
            if weight is not None or (ignore_index is not None and (target == ignore_index).any()):
                ctx.y, ctx.r = _class_rows(target, weight, ignore_index, z.dtype)
                ctx.denominator = ctx.r.sum()
            if label_smoothing:
                r = np.ones(n, z.dtype) if ctx.r is None else ctx.r
                w = 1 if weight is None else weight.astype(z.dtype)
                ctx.q = _one_hot(r * (1 - label_smoothing), ctx.y, z.shape, z.dtype)
                # the smoothing part counts every row that is not ignored, whatever its weight
                counted = 1 if ignore_index is None else (target != ignore_index)[:, None]
                ctx.q += counted * (w * (label_smoothing / c))
        else:
            q = target * (1 - label_smoothing) + label_smoothing / c
            ctx.q = (q if weight is None else q * weight).astype(z.dtype, copy=False)
            ctx.denominator = n
        if ctx.q is None:
            ctx.rows = _row_numbers(n)
            losses = np.log(sums[:, 0]) - shifted[ctx.rows, ctx.y]
            if ctx.r is not None:
                losses *= ctx.r
        else:
            losses = -(ctx.q * (shifted - np.log(sums))).sum(axis=1)
        if ctx.needs_input_grad[0]:
            e /= sums  # the softmax, for backward
            ctx.save_for_backward(z, e)
        else:
            ctx.save_for_backward(z, None)
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
            r = np.ones(len(ctx.y), z.dtype) if ctx.r is None else ctx.r
            return (p * r[:, None] - _one_hot(r, ctx.y, z.shape, z.dtype)) * up
        # NumPy path: softmax times each row's factor, minus that factor at the row's class.
        factor = up[:, 0] if ctx.reduction == "none" else up
        if ctx.r is not None:
            factor = ctx.r * factor
        grad = p * (factor[:, None] if factor.ndim else factor)
        grad[ctx.rows, ctx.y] -= factor
        return grad


class NllLossOp(Function):
    """Negative log-likelihood of log-probabilities x (N, C): loss_i = -w[y_i] x[i, y_i].

    d/dx is -w[y_i] at each row's class, 0 elsewhere; 'mean' divides by the
    summed weights of the rows that are not ignored.
    """

    name = "nll_loss"
    check = OpCheck(
        reference=_reference_nll_loss,
        twice=True,
        sample=lambda draw: _class_sample(draw, probabilities=False),
    )

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
    check = OpCheck(
        reference=_reference_bce,
        twice=True,
        domains=("probability", "probability"),
        sample=lambda draw: _binary_sample(draw, pos_weight=False),
    )

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
    check = OpCheck(
        reference=_reference_bce_with_logits,
        twice=True,
        domains=("real", "probability"),
        sample=lambda draw: _binary_sample(draw, pos_weight=True),
    )

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
    check = OpCheck(
        reference=_reference_multi_margin,
        twice=True,
        sample=_multi_margin_sample,
        kinks=_multi_margin_kinks,
    )

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
