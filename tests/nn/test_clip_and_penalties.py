"""clip_grad_norm_ (PyTorch's formula and return value) and the L1 / L2 penalty terms."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd as ag
import nn
from autograd import Tensor


def _params_with_grads(*grads: list[float]) -> list[nn.Parameter]:
    params = []
    for g in grads:
        p = nn.Parameter(np.zeros(len(g)))
        p.grad = Tensor(np.array(g, dtype=np.float64))
        params.append(p)
    return params


def test_clip_scales_every_gradient_by_max_norm_over_total() -> None:
    params = _params_with_grads([3.0, 0.0], [0.0, 4.0])  # total 2-norm 5
    version = params[0].grad._version
    total = nn.utils.clip_grad_norm_(params, 1.0)
    assert isinstance(total, Tensor) and total.item() == pytest.approx(5.0)
    coef = 1.0 / (5.0 + 1e-6)
    np.testing.assert_allclose(params[0].grad.data, [3 * coef, 0])
    np.testing.assert_allclose(params[1].grad.data, [0, 4 * coef])
    assert params[0].grad._version == version + 1


def test_clip_leaves_small_gradients_alone_and_skips_missing_ones() -> None:
    params = _params_with_grads([0.3, 0.4])
    params.append(nn.Parameter(np.zeros(2)))  # no gradient
    assert nn.utils.clip_grad_norm_(iter(params), 1.0).item() == pytest.approx(0.5)
    np.testing.assert_array_equal(params[0].grad.data, [0.3, 0.4])
    assert nn.utils.clip_grad_norm_([nn.Parameter(np.zeros(1))], 1.0).item() == 0.0


@pytest.mark.parametrize(
    ("norm_type", "total"), [(1, 10.0), (2.0, math.sqrt(30)), (math.inf, 4.0), (3, 100 ** (1 / 3))]
)
def test_clip_norm_types(norm_type: float, total: float) -> None:
    params = _params_with_grads([1.0, -2.0], [3.0, 4.0])
    assert nn.utils.clip_grad_norm_(params, 100.0, norm_type).item() == pytest.approx(total)


def test_clip_a_single_tensor_and_a_model() -> None:
    p = _params_with_grads([6.0, 8.0])[0]
    nn.utils.clip_grad_norm_(p, 5.0)
    assert np.linalg.norm(p.grad.data) == pytest.approx(5.0, rel=1e-6)
    model = nn.Linear(3, 2)
    model(ag.randn(4, 3)).sum().backward()
    nn.utils.clip_grad_norm_(model.parameters(), 0.1)
    norms = [np.linalg.norm(q.grad.data) for q in model.parameters()]
    assert math.hypot(*norms) == pytest.approx(0.1, rel=1e-4)


def test_clip_non_finite_norm() -> None:
    params = _params_with_grads([np.inf, 1.0])
    with pytest.raises(
        RuntimeError, match=r"clip_grad_norm_: the total norm of order 2\.0 .* is inf"
    ):
        nn.utils.clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    assert math.isinf(nn.utils.clip_grad_norm_(params, 1.0).item())
    assert np.isnan(params[0].grad.data[0])  # inf * 0, as PyTorch gives


@pytest.mark.parametrize("norm_type", [1.0, 2.0, math.inf])
def test_clip_a_nan_norm_makes_every_gradient_nan_as_pytorch_does(norm_type: float) -> None:
    params = _params_with_grads([2.0], [np.nan, 1.0])  # the NaN after a finite gradient
    with pytest.raises(RuntimeError, match=r"the total norm .* is nan"):
        nn.utils.clip_grad_norm_(params, 1.0, norm_type, error_if_nonfinite=True)
    assert params[0].grad.data[0] == 2.0  # the error left the gradients alone
    assert math.isnan(nn.utils.clip_grad_norm_(params, 1.0, norm_type).item())
    assert all(np.isnan(p.grad.data).all() for p in params)


def test_penalties_are_sums_and_differentiable() -> None:
    a = nn.Parameter(np.array([1.0, -2.0]))
    b = nn.Parameter(np.array([[0.5], [-3.0]]))
    l1 = nn.utils.l1_penalty([a, b])
    l2 = nn.utils.l2_penalty([a, b])
    assert l1.item() == pytest.approx(6.5) and l2.item() == pytest.approx(14.25)
    (0.1 * l1 + 0.5 * l2).backward()
    np.testing.assert_allclose(a.grad.data, 0.1 * np.sign(a.data) + a.data)
    np.testing.assert_allclose(b.grad.data, 0.1 * np.sign(b.data) + b.data)
    assert ag.gradgradcheck(lambda x, y: nn.utils.l2_penalty([x, y]), [a, b])


def test_penalties_of_a_model_add_to_a_loss() -> None:
    model = nn.Linear(2, 1)
    loss = model(ag.randn(3, 2)).sum() + 0.01 * nn.utils.l2_penalty(model.parameters())
    loss.backward()
    assert all(p.grad is not None for p in model.parameters())
    assert nn.utils.l1_penalty([]).item() == 0.0
    with pytest.raises(TypeError, match="l1_penalty: parameter 0 is a ndarray, not a Tensor"):
        nn.utils.l1_penalty([np.zeros(2)])
