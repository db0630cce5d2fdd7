"""The losses: hand-computed values for every reduction, PyTorch's special semantics (stable
cross-entropy at +-1000, BCE's log clamped at -100, ignore_index, class weights, label
smoothing, pos_weight), gradients on hypothesis-drawn shapes, and bad targets."""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd as ag
import nn
import nn.functional as F
from autograd import Tensor

REDUCTIONS = ["mean", "sum", "none"]


def _logits() -> Tensor:
    return Tensor(np.array([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]]), requires_grad=True)


LOSSES = [math.log(math.exp(1) + math.exp(2) + math.exp(3)) - 3, math.log(3)]  # targets 2, 0


def _reduced(losses: list[float], reduction: str, denominator: float | None = None) -> object:
    if reduction == "none":
        return losses
    total = sum(losses)
    return total / (denominator or len(losses)) if reduction == "mean" else total


# ---- cross-entropy -------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_by_hand(reduction: str) -> None:
    out = nn.CrossEntropyLoss(reduction=reduction)(_logits(), np.array([2, 0]))
    np.testing.assert_allclose(out.data, _reduced(LOSSES, reduction))
    assert out.grad_fn.name == "cross_entropy"


def test_cross_entropy_gradient_is_softmax_minus_one_hot_over_n() -> None:
    z = _logits()
    F.cross_entropy(z, Tensor(np.array([2, 0]))).backward()  # targets as a Tensor
    p = np.exp(z.data) / np.exp(z.data).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(z.grad.data, (p - np.eye(3)[[2, 0]]) / 2)


def test_cross_entropy_row_numbers_are_shared_read_only_and_bounded() -> None:
    """The op indexes each row's class with a cached arange per batch size: it must be
    read-only (it is shared by every call) and the cache must not grow without bound."""
    from nn.ops.loss import _ROWS, _row_numbers

    rows = _row_numbers(5)
    assert rows is _row_numbers(5) and not rows.flags.writeable
    np.testing.assert_array_equal(rows, np.arange(5))
    for n in range(1, 200):  # batch sizes that keep changing
        z = Tensor(np.zeros((n, 3)), requires_grad=True)
        F.cross_entropy(z, np.full(n, 1)).backward()
        np.testing.assert_allclose(z.grad.data[:, 1], -2 / 3 / n)
        assert len(_ROWS) <= 64


def test_cross_entropy_is_stable_at_logits_of_plus_minus_1000() -> None:
    z = Tensor(np.array([[1000.0, -1000.0], [-1000.0, 1000.0]], dtype=np.float32), True)
    loss = F.cross_entropy(z, np.array([1, 1]), reduction="none")
    np.testing.assert_allclose(loss.data, [2000.0, 0.0])
    loss.sum().backward()
    np.testing.assert_allclose(z.grad.data, [[1.0, -1.0], [0.0, 0.0]])
    assert np.isfinite(z.grad.data).all() and loss.dtype == np.float32


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_class_weights_and_ignore_index(reduction: str) -> None:
    weight = np.array([1.0, 1.0, 2.0])
    out = F.cross_entropy(_logits(), np.array([2, 0]), weight, reduction=reduction)
    weighted = [2 * LOSSES[0], LOSSES[1]]
    np.testing.assert_allclose(out.data, _reduced(weighted, reduction, denominator=3.0))
    z = _logits()
    out = F.cross_entropy(z, np.array([2, -1]), ignore_index=-1, reduction=reduction)
    np.testing.assert_allclose(out.data, _reduced([LOSSES[0], 0.0], reduction, denominator=1.0))
    out.sum().backward()
    np.testing.assert_array_equal(z.grad.data[1], 0.0)  # the ignored row gets no gradient


def test_cross_entropy_with_probabilities_and_label_smoothing() -> None:
    z = _logits()
    log_p = z.data - np.log(np.exp(z.data).sum(axis=1, keepdims=True))
    q = np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]])
    out = F.cross_entropy(z, q)
    np.testing.assert_allclose(out.data, -(q * log_p).sum() / 2)
    smoothed = F.cross_entropy(z, np.array([2, 0]), label_smoothing=0.3)
    target = np.eye(3)[[2, 0]] * 0.7 + 0.1
    np.testing.assert_allclose(smoothed.data, -(target * log_p).sum() / 2)


def test_cross_entropy_on_unbatched_and_spatial_input() -> None:
    z = _logits()
    np.testing.assert_allclose(F.cross_entropy(z[0], np.array(2)).data, LOSSES[0])
    assert F.cross_entropy(z[0], np.array(2), reduction="none").shape == ()
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 5))  # (N, C, H, W)
    y = np.random.default_rng(1).integers(0, 3, (2, 4, 5))
    per_pixel = F.cross_entropy(Tensor(x), y, reduction="none")
    assert per_pixel.shape == (2, 4, 5)
    rows = np.moveaxis(x, 1, -1).reshape(-1, 3)
    expected = F.cross_entropy(Tensor(rows), y.reshape(-1), reduction="none").data
    np.testing.assert_allclose(per_pixel.data.ravel(), expected)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(
    n=st.integers(1, 4),
    c=st.integers(2, 4),
    weighted=st.booleans(),
    smoothing=st.sampled_from([0.0, 0.1]),
    seed=st.integers(0, 2**16),
)
def test_cross_entropy_gradients(
    reduction: str, n: int, c: int, weighted: bool, smoothing: float, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, c, n)
    weight = rng.uniform(0.5, 2, c) if weighted else None
    loss = nn.CrossEntropyLoss(weight, reduction=reduction, label_smoothing=smoothing)
    z = Tensor(rng.standard_normal((n, c)) * 3, requires_grad=True)
    assert ag.gradcheck(lambda t: loss(t, y), [z])
    assert ag.gradgradcheck(lambda t: loss(t, y), [z])


def test_cross_entropy_bad_targets() -> None:
    z = _logits()
    with pytest.raises(TypeError, match=r"cross_entropy: class-index targets must be integers, "):
        F.cross_entropy(z, np.array([2.0, 0.0]))
    with pytest.raises(TypeError, match=r"got dtype float32 \(target shape \(2,\)\)"):
        nn.CrossEntropyLoss()(z, Tensor([2.0, 0.0]))
    with pytest.raises(TypeError, match="got dtype bool"):
        F.cross_entropy(z, np.array([True, False]))
    with pytest.raises(IndexError, match=r"target class 3 is out of range for 3 classes"):
        F.cross_entropy(z, np.array([3, 0]))
    with pytest.raises(IndexError, match=r"target class -1 is out of range .* ignore_index=-100"):
        F.cross_entropy(z, np.array([-1, 0]))
    with pytest.raises(ValueError, match=r"expected class-index targets of shape \(2,\) .* \(3,\)"):
        F.cross_entropy(z, np.array([0, 1, 2]))
    with pytest.raises(ValueError, match=r"cross_entropy: weight should have shape \(3,\)"):
        F.cross_entropy(z, np.array([0, 1]), np.ones(2))
    with pytest.raises(ValueError, match=r"label_smoothing must be in \[0, 1\], got 1.5"):
        F.cross_entropy(z, np.array([0, 1]), label_smoothing=1.5)
    with pytest.raises(ValueError, match="expected logits of shape"):
        F.cross_entropy(Tensor(1.0), np.array(0))


# ---- NLL -------------------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_of_log_softmax_is_cross_entropy(reduction: str) -> None:
    z, y = _logits(), np.array([2, 0])
    out = nn.NLLLoss(reduction=reduction)(nn.LogSoftmax(1)(z), y)
    np.testing.assert_allclose(out.data, _reduced(LOSSES, reduction))
    x = Tensor(np.array([[0.1, 0.2], [0.3, 0.4]]), requires_grad=True)
    weighted = F.nll_loss(x, np.array([1, 0]), np.array([2.0, 3.0]), reduction=reduction)
    np.testing.assert_allclose(weighted.data, _reduced([-0.6, -0.6], reduction, denominator=5.0))


@given(n=st.integers(1, 4), c=st.integers(2, 4), seed=st.integers(0, 2**16))
def test_nll_gradients(n: int, c: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, c, n)
    for reduction in REDUCTIONS:
        x = Tensor(rng.standard_normal((n, c)), requires_grad=True)
        assert ag.gradgradcheck(lambda t, r=reduction: F.nll_loss(t, y, reduction=r), [x])


def test_nll_bad_targets() -> None:
    with pytest.raises(TypeError, match="nll_loss: class-index targets must be integers"):
        F.nll_loss(_logits(), np.array([0.5, 1.0]))
    with pytest.raises(IndexError, match="nll_loss: target class 5 is out of range"):
        F.nll_loss(_logits(), np.array([5, 1]))


# ---- binary cross-entropy ------------------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_by_hand(reduction: str) -> None:
    x = Tensor(np.array([0.8, 0.3]), requires_grad=True)
    t = np.array([1.0, 0.25])
    expected = [-math.log(0.8), -(0.25 * math.log(0.3) + 0.75 * math.log(0.7))]
    np.testing.assert_allclose(
        nn.BCELoss(reduction=reduction)(x, t).data, _reduced(expected, reduction)
    )
    w = np.array([2.0, 0.5])
    weighted = F.binary_cross_entropy(x, t, w, reduction=reduction)
    np.testing.assert_allclose(
        weighted.data, _reduced([2 * expected[0], 0.5 * expected[1]], reduction)
    )


def test_bce_log_is_clamped_at_minus_100_like_pytorch() -> None:
    x = Tensor(np.array([0.0, 1.0, 0.0, 1.0]), requires_grad=True)
    t = np.array([1.0, 0.0, 0.0, 1.0])
    loss = F.binary_cross_entropy(x, t, reduction="none")
    np.testing.assert_array_equal(loss.data, [100.0, 100.0, 0.0, 0.0])
    loss.sum().backward()
    # PyTorch's rule: (x - t) / max(x (1 - x), 1e-12): large but finite
    np.testing.assert_array_equal(x.grad.data, [-1e12, 1e12, 0.0, 0.0])


def test_bce_gradient_with_respect_to_the_target_too() -> None:
    x = Tensor(np.array([0.2, 0.6]), requires_grad=True)
    t = Tensor(np.array([0.3, 0.9]), requires_grad=True)
    assert ag.gradcheck(F.binary_cross_entropy, [x, t])
    assert ag.gradgradcheck(F.binary_cross_entropy, [x, t])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(shape=st.lists(st.integers(1, 3), max_size=3).map(tuple), seed=st.integers(0, 2**16))
def test_bce_gradients(reduction: str, shape: tuple, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = Tensor(rng.uniform(0.05, 0.95, shape), requires_grad=True)
    t = rng.uniform(0, 1, shape)
    w = rng.uniform(0.5, 2, shape)
    assert ag.gradcheck(lambda a: F.binary_cross_entropy(a, t, w, reduction=reduction), [x])


def test_bce_bad_input() -> None:
    with pytest.raises(
        ValueError,
        match=r"input values must be probabilities in \[0, 1\], got values from -0.5 to 1.5",
    ):
        F.binary_cross_entropy(Tensor([-0.5, 1.5]), np.array([0.0, 1.0]))
    with pytest.raises(
        TypeError, match=r"binary_cross_entropy: targets must be floating point .* int64"
    ):
        nn.BCELoss()(Tensor([0.5, 0.5]), np.array([0, 1]))
    with pytest.raises(ValueError, match=r"target shape \(2, 1\) differs from input shape \(2,\)"):
        F.binary_cross_entropy(Tensor([0.5, 0.5]), np.ones((2, 1)))


# ---- BCE with logits ---------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_by_hand_and_stable_at_1000(reduction: str) -> None:
    x = Tensor(np.array([1000.0, -1000.0, 0.0, 2.0]), requires_grad=True)
    t = np.array([1.0, 1.0, 0.5, 0.0])
    expected = [0.0, 1000.0, math.log(2), math.log(1 + math.exp(2))]
    out = nn.BCEWithLogitsLoss(reduction=reduction)(x, t)
    np.testing.assert_allclose(out.data, _reduced(expected, reduction), rtol=1e-12)
    out.sum().backward()
    sigmoid = np.array([1.0, 0.0, 0.5, 1 / (1 + math.exp(-2))])
    scale = 0.25 if reduction == "mean" else 1.0
    np.testing.assert_allclose(x.grad.data, (sigmoid - t) * scale, rtol=1e-12)


def test_bce_with_logits_pos_weight_and_weight() -> None:
    x, t = np.array([[0.5, -1.0]]), np.array([[1.0, 0.0]])
    pos_weight, weight = np.array([3.0, 2.0]), np.array([[0.5, 2.0]])
    s = 1 / (1 + np.exp(-x))
    expected = -weight * (pos_weight * t * np.log(s) + (1 - t) * np.log(1 - s))
    out = F.binary_cross_entropy_with_logits(
        Tensor(x), t, weight, pos_weight=pos_weight, reduction="none"
    )
    np.testing.assert_allclose(out.data, expected)
    loss = nn.BCEWithLogitsLoss(weight, pos_weight=pos_weight)
    assert list(loss.state_dict()) == ["weight", "pos_weight"]
    x_t = Tensor(x, requires_grad=True)
    t_t = Tensor(t + 0.25, requires_grad=True)
    assert ag.gradcheck(loss, [x_t, t_t])
    assert ag.gradgradcheck(loss, [x_t, t_t])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_float64_weights_keep_a_float32_binary_loss_float32(reduction: str) -> None:
    x = Tensor(np.array([[0.25, 0.5, 0.75]], dtype=np.float32), requires_grad=True)
    t = np.array([[1.0, 0.0, 1.0]], dtype=np.float32)
    weight, pos_weight = np.array([1.0, 2.0, 0.5]), np.array([3.0])  # NumPy's float64
    losses = [
        F.binary_cross_entropy(x, t, weight, reduction=reduction),
        F.binary_cross_entropy_with_logits(x, t, weight, reduction=reduction),
        nn.BCEWithLogitsLoss(pos_weight=pos_weight, reduction=reduction)(x, t),
        nn.BCELoss(weight, reduction=reduction)(x, t),
    ]
    for loss in losses:
        assert loss.dtype == np.float32  # as PyTorch: the weights do not promote the loss
        loss.sum().backward()
        assert x.grad.dtype == np.float32


@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(shape=st.lists(st.integers(1, 3), max_size=3).map(tuple), seed=st.integers(0, 2**16))
def test_bce_with_logits_gradients(reduction: str, shape: tuple, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = Tensor(rng.standard_normal(shape) * 3, requires_grad=True)
    t = Tensor(rng.uniform(0, 1, shape), requires_grad=True)
    pos_weight = rng.uniform(0.5, 2, shape[-1:])
    loss = nn.BCEWithLogitsLoss(reduction=reduction, pos_weight=pos_weight)
    assert ag.gradcheck(loss, [x, t])
    assert ag.gradgradcheck(loss, [x, t])


def test_bce_with_logits_bad_targets() -> None:
    with pytest.raises(
        TypeError, match="binary_cross_entropy_with_logits: targets must be floating"
    ):
        F.binary_cross_entropy_with_logits(Tensor([0.5]), np.array([1]))
    with pytest.raises(ValueError, match=r"target shape \(3,\) differs from input shape \(1,\)"):
        F.binary_cross_entropy_with_logits(Tensor([0.5]), np.ones(3))


@pytest.mark.parametrize(
    ("loss", "what"),
    [
        (lambda x, t, w: F.binary_cross_entropy(x, t, w), "weight"),
        (lambda x, t, w: F.binary_cross_entropy_with_logits(x, t, w), "weight"),
        (lambda x, t, w: F.binary_cross_entropy_with_logits(x, t, pos_weight=w), "pos_weight"),
    ],
)
def test_binary_weights_that_do_not_broadcast_to_the_input_are_named(
    loss: Callable, what: str
) -> None:
    x, t = Tensor(np.full((2, 3), 0.5)), np.ones((2, 3))
    for shape in [(4,), (2, 2, 3)]:  # no broadcast at all; a broadcast past the input's shape
        with pytest.raises(
            ValueError,
            match=rf"binary_cross_entropy\w*: {what} of shape {re.escape(str(shape))} does not "
            r"broadcast to the input shape \(2, 3\)",
        ):
            loss(x, t, np.ones(shape))
    assert loss(x, t, np.ones((2, 1))).shape == ()  # a weight that broadcasts is fine


# ---- multi-margin (hinge) ----------------------------------------------------------------------
@pytest.mark.parametrize(("p", "expected"), [(1, 0.325), (2, 0.1525)])
def test_multi_margin_by_hand(p: int, expected: float) -> None:
    # PyTorch's documented example: (0.3 + 0.4 + 0.6) / 4, and the squares for p = 2
    x = Tensor(np.array([[0.1, 0.2, 0.4, 0.8]]), requires_grad=True)
    out = nn.MultiMarginLoss(p=p)(x, np.array([3]))
    np.testing.assert_allclose(out.data, expected)
    out.backward()
    slopes = np.array([0.3, 0.4, 0.6]) * 2 if p == 2 else np.ones(3)
    np.testing.assert_allclose(x.grad.data[0], np.append(slopes, -slopes.sum()) / 4)


def test_multi_margin_margin_weight_and_inactive_terms() -> None:
    x = Tensor(np.array([[3.0, 0.0, 2.5], [0.0, 1.0, 0.0]]))
    out = F.multi_margin_loss(
        x, np.array([0, 1]), margin=1.0, weight=np.array([2.0, 1.0, 1.0]), reduction="none"
    )
    # row 0: max(0, 1 - 3 + 0) + max(0, 1 - 3 + 2.5) = 0.5, times weight 2, over 3 classes
    np.testing.assert_allclose(out.data, [1.0 / 3, 0.0])


@pytest.mark.parametrize("p", [1, 2])
@given(n=st.integers(1, 3), c=st.integers(2, 4), seed=st.integers(0, 2**16))
def test_multi_margin_gradients(p: int, n: int, c: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, c, n)
    x = rng.standard_normal((n, c))
    terms = 1 - x[np.arange(n), y][:, None] + x
    x[np.abs(terms) < 1e-3] += 0.01  # away from the hinge's kinks
    for reduction in REDUCTIONS:
        fn = nn.MultiMarginLoss(p=p, reduction=reduction)
        assert ag.gradgradcheck(lambda t, f=fn: f(t, y), [Tensor(x, requires_grad=True)])


def test_multi_margin_bad_arguments() -> None:
    with pytest.raises(
        ValueError, match="MultiMarginLoss: only p = 1 and p = 2 are supported, got 3"
    ):
        nn.MultiMarginLoss(p=3)
    with pytest.raises(ValueError, match="multi_margin_loss: only p = 1 and p = 2"):
        F.multi_margin_loss(_logits(), np.array([0, 1]), p=0)
    with pytest.raises(
        IndexError, match=r"target class 4 is out of range for 3 classes \(valid: 0 to 2\)"
    ):
        F.multi_margin_loss(_logits(), np.array([4, 1]))
    with pytest.raises(TypeError, match="multi_margin_loss: class-index targets must be integers"):
        F.multi_margin_loss(_logits(), np.array([0.0, 1.0]))


# ---- MSE and L1 -------------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_and_l1_by_hand(reduction: str) -> None:
    x = Tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
    t = np.array([0.0, 0.0, 5.0])
    np.testing.assert_allclose(
        nn.MSELoss(reduction=reduction)(x, t).data, _reduced([1, 4, 4], reduction)
    )
    np.testing.assert_allclose(
        nn.L1Loss(reduction=reduction)(x, t).data, _reduced([1, 2, 2], reduction)
    )
    F.mse_loss(x, Tensor(t)).backward()
    np.testing.assert_allclose(x.grad.data, 2 * (x.data - t) / 3)
    x.grad = None
    F.l1_loss(x, t).backward()
    np.testing.assert_allclose(x.grad.data, np.sign(x.data - t) / 3)


@pytest.mark.parametrize("loss", [F.mse_loss, F.l1_loss])
@given(shape=st.lists(st.integers(1, 3), max_size=3).map(tuple), seed=st.integers(0, 2**16))
def test_mse_and_l1_gradients(loss: Callable, shape: tuple, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = Tensor(rng.standard_normal(shape), requires_grad=True)
    t = Tensor(np.asarray(x.data + rng.uniform(0.1, 1, shape) * rng.choice([-1, 1], shape)), True)
    for reduction in REDUCTIONS:
        assert ag.gradcheck(lambda a, b, r=reduction: loss(a, b, reduction=r), [x, t])


def test_mse_warns_when_shapes_broadcast_like_pytorch() -> None:
    with pytest.warns(
        UserWarning, match=r"mse_loss: target shape \(3,\) differs from input shape \(3, 1\)"
    ):
        out = F.mse_loss(ag.randn(3, 1), np.zeros(3))
    assert out.shape == ()
    for loss in (F.mse_loss, F.l1_loss):
        with pytest.raises(
            ValueError,
            match=rf"{loss.__name__}: input shape \(3,\) and target shape \(4,\) cannot be",
        ):
            loss(ag.randn(3), np.zeros(4))


# ---- common to every loss ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make",
    [
        nn.MSELoss,
        nn.L1Loss,
        nn.CrossEntropyLoss,
        nn.NLLLoss,
        nn.BCELoss,
        nn.BCEWithLogitsLoss,
        nn.MultiMarginLoss,
    ],
)
def test_an_unknown_reduction_is_a_value_error(make: Callable) -> None:
    with pytest.raises(ValueError, match=r"reduction must be 'mean', 'sum' or 'none', got 'avg'"):
        make(reduction="avg")


def test_reductions_are_checked_by_the_functions_too() -> None:
    with pytest.raises(ValueError, match="cross_entropy: reduction must be"):
        F.cross_entropy(_logits(), np.array([0, 1]), reduction="batchmean")
    with pytest.raises(ValueError, match="l1_loss: reduction must be"):
        F.l1_loss(ag.randn(2), ag.randn(2), reduction="max")


def test_class_weights_are_buffers_in_the_state_dict() -> None:
    loss = nn.CrossEntropyLoss(weight=np.array([1.0, 2.0]))
    assert list(loss.state_dict()) == ["weight"] and list(loss.parameters()) == []
    assert nn.CrossEntropyLoss().state_dict() == {}


def test_cross_entropy_small_integer_targets_with_many_classes() -> None:
    """int8 targets (negatives read as unsigned in the range check) and 200 classes."""
    rng = np.random.default_rng(0)
    z = Tensor(rng.standard_normal((3, 200)), requires_grad=True)
    target = np.array([0, 127, 5], dtype=np.int8)
    loss = F.cross_entropy(z, target)
    expected = -(z.data - np.log(np.exp(z.data).sum(1, keepdims=True)))[np.arange(3), target]
    np.testing.assert_allclose(loss.item(), expected.mean(), rtol=1e-12)
    with pytest.raises(IndexError, match="target class -3 is out of range"):
        F.cross_entropy(z, np.array([0, -3, 5], dtype=np.int8))


def test_binary_cross_entropy_losses_take_lists() -> None:
    # a list input raised a bare TypeError (bad operand type for unary -: 'list')
    bce = F.binary_cross_entropy([0.25, 0.5], [1.0, 0.0])
    np.testing.assert_allclose(bce.item(), -(np.log(0.25) + np.log(0.5)) / 2)
    logits = F.binary_cross_entropy_with_logits([0.0, 0.0], [1.0, 0.0])
    np.testing.assert_allclose(logits.item(), np.log(2.0))
