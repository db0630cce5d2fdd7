"""Dropout: inverted scaling, the mask from the global generator, identity in eval, p = 0 and
p = 1, gradients, and the probability check."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd as ag
import nn
import nn.functional as F
from autograd import Tensor


def test_training_zeroes_with_probability_p_and_scales_the_rest() -> None:
    x = Tensor(np.ones((200, 100), dtype=np.float32))
    out = nn.Dropout(0.3)(x).data
    kept = out != 0
    np.testing.assert_allclose(out[kept], 1 / 0.7, rtol=1e-6)  # inverted dropout: 1 / (1 - p)
    assert kept.mean() == pytest.approx(0.7, abs=0.01)
    assert out.mean() == pytest.approx(1.0, abs=0.02)  # the expected value is unchanged
    assert out.dtype == np.float32


def test_the_mask_comes_from_the_global_generator() -> None:
    x = ag.randn(4, 5)
    ag.manual_seed(42)
    a = F.dropout(x, 0.5).data
    ag.manual_seed(42)
    b = nn.Dropout(0.5)(x).data
    np.testing.assert_array_equal(a, b)
    ag.manual_seed(42)
    keep = ag.default_generator().random((4, 5), dtype=np.float32) < 0.5
    np.testing.assert_array_equal(a, np.where(keep, x.data * 2, 0))
    assert not np.array_equal(a, F.dropout(x, 0.5).data)  # a fresh mask on the next call


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_the_result_and_gradient_keep_the_inputs_float_dtype(dtype: type) -> None:
    x = Tensor(np.ones((4, 5), dtype=dtype), requires_grad=True)
    out = F.dropout(x, 0.5)
    out.sum().backward()
    assert out.dtype == dtype and x.grad.dtype == dtype
    assert set(np.unique(out.data)) <= {0, 2}


def test_eval_mode_and_training_false_are_the_identity() -> None:
    x = ag.randn(3, 4)
    layer = nn.Dropout(0.9).eval()
    assert layer(x) is x
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x


def test_p_one_gives_zeros_and_zero_gradients() -> None:
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    out = nn.Dropout(1.0)(x)
    np.testing.assert_array_equal(out.data, np.zeros((2, 3)))
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.zeros((2, 3)))


def test_the_gradient_is_the_scaled_mask() -> None:
    x = Tensor(np.random.default_rng(0).standard_normal((5, 6)) + 3, requires_grad=True)
    out = F.dropout(x, 0.25)
    out.sum().backward()
    expected = np.where(out.data != 0, 1 / 0.75, 0)
    np.testing.assert_allclose(x.grad.data, expected)


@given(shape=st.lists(st.integers(1, 3), max_size=3).map(tuple), p=st.sampled_from([0.2, 0.5]))
def test_dropout_gradients(shape: tuple, p: float) -> None:
    x = Tensor(np.random.default_rng(1).standard_normal(shape), requires_grad=True)

    def fn(t: Tensor) -> Tensor:
        ag.manual_seed(5)  # the same mask on every call
        return F.dropout(t, p)

    assert ag.gradcheck(fn, [x])
    assert ag.gradgradcheck(fn, [x])


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_a_probability_outside_zero_to_one_is_a_value_error(p: float) -> None:
    message = f"probability has to be between 0 and 1, but got {p}"
    with pytest.raises(ValueError, match=f"Dropout: {message}"):
        nn.Dropout(p)
    with pytest.raises(ValueError, match=f"dropout: {message}"):
        F.dropout(ag.randn(2), p)


@pytest.mark.parametrize("p", ["0.5", None])
def test_a_probability_that_is_not_a_number_is_a_type_error(p: object) -> None:
    message = f"probability has to be a number between 0 and 1, got {p!r}"
    with pytest.raises(TypeError, match=f"^Dropout: {message}$"):
        nn.Dropout(p)
    with pytest.raises(TypeError, match=f"^dropout: {message}$"):
        F.dropout(ag.randn(2), p)


@pytest.mark.parametrize("data", [[1, 2, 3], [True, False, True]])
def test_an_integer_or_bool_input_in_training_is_a_type_error_as_pytorch(data: list) -> None:
    # it was turned into float64; PyTorch raises (the scaled mask does not fit an integer)
    x = Tensor(data)
    with pytest.raises(
        TypeError,
        match=rf"^dropout: expected a floating-point input, got dtype {x.dtype} \(shape \(3,\)\)",
    ):
        nn.Dropout(0.5)(x)
    # where PyTorch keeps an integer dtype, so does dropout: eval, p = 0, p = 1
    assert nn.Dropout(0.5).eval()(x) is x
    assert F.dropout(x, 0.0) is x
    zeros = F.dropout(x, 1.0)
    assert zeros.dtype.kind != "f" and not zeros.data.any()
