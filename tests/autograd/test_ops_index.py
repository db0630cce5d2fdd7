"""Indexing, explicitly: basic slices, integer arrays (repeated indices add up), boolean
masks (a bool Tensor too) and mixtures, against NumPy, with gradcheck and gradgradcheck in
float64; and scatter_add, the op the indexing gradient is made of."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from op_checks import check_gradients, leaves

from autograd import Tensor
from autograd.ops.index import scatter_add

X = np.arange(24, dtype=np.float64).reshape(2, 3, 4) / 5 - 2.0


KEYS = [
    1,
    -1,
    (0, 2),
    (1, -1, 3),
    slice(None),
    slice(0, 1),
    (slice(None), slice(None, None, -1)),
    (Ellipsis, 1),
    (None, 0),
    (0, None, slice(1, 3), None),
    (slice(None), 1, slice(None, None, 2)),
    np.array([1, 0, 1]),
    (slice(None), np.array([2, 2, 0, 2])),
    (np.array([0, 1, 1]), np.array([2, 0, 2])),
    (np.array([[0, 1], [1, 1]]), slice(None), np.array([[3, 3], [0, 1]])),
    X > 0,
    (X > 0)[:, :, 0],
    (slice(None), np.array([True, False, True])),
    (np.array([1]), Ellipsis, np.array([0, 0])),
]


@pytest.mark.parametrize("key", KEYS, ids=repr)
def test_indexing_matches_numpy_and_scatters_the_gradient_back(key: Any) -> None:
    expected = X[key]
    got = Tensor(X)[key]
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got.data, expected)
    check_gradients(lambda t: t[key], X)


def test_repeated_indices_add_up() -> None:
    (x,) = leaves([10.0, 20.0, 30.0])
    x[np.array([0, 2, 0, 0])].sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 0.0, 1.0])


def test_repeated_indices_with_a_random_upstream_gradient() -> None:
    (x,) = leaves(X)
    rows, cols = np.array([1, 1, 0, 1]), np.array([2, 2, 2, 0])
    g = np.random.default_rng(0).normal(size=(4, 3))
    x[rows, :, cols].backward(g)
    expected = np.zeros(X.shape)
    for k, (r, c) in enumerate(zip(rows, cols)):
        expected[r, :, c] += g[k]
    np.testing.assert_allclose(x.grad.data, expected)


def test_bool_tensor_mask_selects_and_routes_the_gradient() -> None:
    (x,) = leaves([[-1.0, 2.0], [3.0, -4.0]])
    picked = x[x > 0]
    np.testing.assert_array_equal(picked.data, [2.0, 3.0])
    (picked * Tensor([5.0, 7.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[0.0, 5.0], [7.0, 0.0]])


def test_integer_tensor_as_an_index() -> None:
    (x,) = leaves([1.0, 2.0, 3.0])
    index = Tensor(np.array([2, 2]))
    np.testing.assert_array_equal(x[index].data, [3.0, 3.0])
    x[index].sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 2.0])


def test_indexing_a_0d_tensor() -> None:
    (x,) = leaves(2.5)
    for key in [(), Ellipsis, None, np.array(True)]:
        np.testing.assert_array_equal(x[key].data, np.asarray(2.5)[key])
        check_gradients(lambda t, k=key: t[k] * 3, 2.5)


@pytest.mark.parametrize(
    ("shape", "key", "g_shape"),
    [
        ((3,), np.array([0, 2, 0]), (3,)),
        ((2, 3), (slice(None), 1), (2,)),
        ((2, 3), np.array([[True, False, True], [False, False, True]]), (3,)),
        ((4,), slice(None, None, -2), (2,)),
    ],
)
def test_scatter_add_places_and_sums(shape: tuple, key: Any, g_shape: tuple) -> None:
    g = np.arange(1.0, 1.0 + np.prod(g_shape)).reshape(g_shape)
    expected = np.zeros(shape)
    np.add.at(expected, key, g)
    np.testing.assert_array_equal(scatter_add(Tensor(g), shape, key).data, expected)
    check_gradients(lambda t: scatter_add(t, shape, key), g)


def test_out_of_range_index_names_the_op_and_shape() -> None:
    with pytest.raises(IndexError, match=r"getitem: .*\(tensor shape \(2, 3, 4\)\)"):
        Tensor(X)[5]
