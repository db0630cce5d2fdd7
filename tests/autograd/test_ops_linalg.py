"""matmul, explicitly: every operand form NumPy accepts (matrices, batched with broadcast
batch axes, 1-D vectors on either side) against np.matmul, with gradcheck and
gradgradcheck in float64, and the misaligned-shape error."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from op_checks import leaves
from strategies import HypothesisDraw, arrays

import autograd as ag
from autograd import Tensor
from autograd.opcheck import matmul_shapes

SHAPES = [
    ((2, 3), (3, 4)),
    ((1, 1), (1, 1)),
    ((3,), (3, 2)),  # vector @ matrix
    ((2, 3), (3,)),  # matrix @ vector
    ((3,), (3,)),  # inner product: a 0-d result
    ((4, 2, 3), (4, 3, 2)),  # batched
    ((2, 1, 2, 3), (5, 3, 2)),  # batch axes broadcast
    ((2, 3), (4, 3, 2)),  # a matrix against a batch
    ((4, 2, 3), (3,)),  # a batch against a vector
    ((3,), (2, 3, 4)),  # a vector against a batch
]


@pytest.mark.parametrize(("shape_a", "shape_b"), SHAPES, ids=str)
def test_matmul_forms(shape_a: tuple, shape_b: tuple) -> None:
    rng = np.random.default_rng(sum(shape_a) + 7 * sum(shape_b))
    a, b = rng.normal(size=shape_a), rng.normal(size=shape_b)
    expected = np.matmul(a, b)
    for got in (ag.matmul(Tensor(a), Tensor(b)), Tensor(a) @ Tensor(b), Tensor(a).matmul(b)):
        assert got.shape == expected.shape
        np.testing.assert_allclose(got.data, expected, rtol=1e-12, atol=1e-14)
    assert ag.gradcheck(ag.matmul, leaves(a, b))
    assert ag.gradgradcheck(ag.matmul, leaves(a, b))


@settings(max_examples=10)
@given(data=st.data())
def test_matmul_on_drawn_shapes(data: st.DataObject) -> None:
    shape_a, shape_b = matmul_shapes(HypothesisDraw(data.draw))
    a, b = data.draw(arrays(shape_a)), data.draw(arrays(shape_b))
    np.testing.assert_allclose((Tensor(a) @ Tensor(b)).data, a @ b, rtol=1e-12, atol=1e-14)
    assert ag.gradcheck(ag.matmul, leaves(a, b))


def test_matmul_gradients_are_the_transposed_products() -> None:
    a, b = leaves(np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4) / 5)
    g = np.linspace(-1, 1, 8).reshape(2, 4)
    (a @ b).backward(g)
    np.testing.assert_allclose(a.grad.data, g @ b.data.T)
    np.testing.assert_allclose(b.grad.data, a.data.T @ g)


def test_batched_gradient_of_a_broadcast_matrix_is_summed_over_the_batch() -> None:
    a, w = leaves(np.ones((5, 2, 3)), np.full((3, 4), 0.5))
    (a @ w).sum().backward()
    assert w.grad.shape == (3, 4)
    np.testing.assert_allclose(w.grad.data, np.full((3, 4), 10.0))


def test_numpy_array_on_the_left() -> None:
    (b,) = leaves(np.eye(3))
    out = np.arange(6.0).reshape(2, 3) @ b
    assert isinstance(out, Tensor) and out.requires_grad
    out.sum().backward()
    np.testing.assert_allclose(b.grad.data, np.outer([3.0, 5.0, 7.0], np.ones(3)))


@pytest.mark.parametrize(
    ("shape_a", "shape_b", "pattern"),
    [
        ((3, 4), (5, 2), r"^matmul: shapes \(3, 4\) and \(5, 2\) are not aligned \(4 != 5\)$"),
        ((3,), (4,), r"matmul: shapes \(3,\) and \(4,\) are not aligned \(3 != 4\)"),
        ((), (2,), r"matmul: 0-d operands are not allowed"),
    ],
)
def test_misaligned_operands(shape_a: tuple, shape_b: tuple, pattern: str) -> None:
    with pytest.raises(ValueError, match=pattern):
        ag.matmul(Tensor(np.ones(shape_a)), Tensor(np.ones(shape_b)))


M, V = [[1.0, 2.0], [3.0, 4.0]], [1.0, 2.0]


@pytest.mark.parametrize(
    ("product", "as_arrays"),
    [
        (lambda x: x @ M, lambda x: x @ np.array(M)),
        (lambda x: M @ x, lambda x: np.array(M) @ x),
        (lambda x: x @ V, lambda x: x @ np.array(V)),
        (lambda x: V @ x, lambda x: np.array(V) @ x),
        (lambda x: ag.matmul(x, M), lambda x: ag.matmul(x, np.array(M))),
    ],
)
def test_a_nested_list_operand_is_a_constant_in_backward(
    product: Callable, as_arrays: Callable
) -> None:
    """The forward took a nested list as NumPy does; the backward read its `.ndim` and failed."""
    x, x_ref = leaves(np.arange(4.0).reshape(2, 2), np.arange(4.0).reshape(2, 2))
    product(x).sum().backward()
    as_arrays(x_ref).sum().backward()
    np.testing.assert_array_equal(x.grad.data, x_ref.grad.data)
    assert ag.gradgradcheck(product, leaves(x.data))
