"""Reductions and normalisations, each explicitly: the forward against NumPy over every kind
of axis (None, int, negative, tuple, empty tuple) with and without keepdims, gradcheck and
gradgradcheck in float64, and the special cases (ties in max/min, zeros in prod, ddof)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from op_checks import check_gradients, leaves
from strategies import distinct_arrays, reduction_options, shapes

import autograd as ag
from autograd import Tensor


def _logsumexp(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    return np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdims))


REDUCTIONS = [
    ("sum", ag.sum, np.sum),
    ("mean", ag.mean, np.mean),
    ("var", ag.var, np.var),
    ("std", ag.std, np.std),
    ("max", ag.max, np.max),
    ("min", ag.min, np.min),
    ("prod", ag.prod, np.prod),
    ("logsumexp", ag.logsumexp, _logsumexp),
]
AXES = [None, 0, 1, 2, -1, -3, (0, 2), (-1, 0), (0, 1, 2), ()]

# Distinct values (no ties for max/min), away from 0 (prod's rule divides by x).
X = np.array(
    [[[0.9, -1.3], [1.7, 0.6], [-0.7, 1.1]], [[-1.9, 1.4], [0.8, -1.2], [1.5, -0.55]]]
)  # shape (2, 3, 2)


@pytest.mark.parametrize(("name", "fn", "reference"), REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
@pytest.mark.parametrize("axis", AXES, ids=repr)
@pytest.mark.parametrize("keepdims", [False, True])
def test_reduction_over_every_kind_of_axis(
    name: str, fn: Callable, reference: Callable, axis: Any, keepdims: bool
) -> None:
    expected = reference(X, axis=axis, keepdims=keepdims)
    for got in (
        fn(Tensor(X), axis=axis, keepdims=keepdims),
        getattr(Tensor(X), name)(axis, keepdims=keepdims),
    ):
        assert got.shape == np.shape(expected)
        np.testing.assert_allclose(got.data, expected, rtol=1e-12, atol=1e-15)
    check_gradients(lambda t: fn(t, axis=axis, keepdims=keepdims), X)


@settings(max_examples=10)
@given(data=st.data())
def test_reductions_on_drawn_shapes_and_axes(data: st.DataObject) -> None:
    shape = data.draw(shapes(max_side=3))
    x = data.draw(distinct_arrays(shape, gap=0.05))
    options = data.draw(reduction_options(len(shape)))
    for name, fn, reference in REDUCTIONS:
        if name in ("var", "std"):
            continue
        expected = reference(x, **options)
        np.testing.assert_allclose(fn(Tensor(x), **options).data, expected, rtol=1e-12, atol=1e-15)
    check_gradients(lambda t: ag.max(t, **options) + ag.logsumexp(t, **options), x)


@pytest.mark.parametrize("ddof", [0, 1])
@pytest.mark.parametrize("axis", [None, 0, -1, (0, 2)])
def test_var_and_std_with_ddof(ddof: int, axis: Any) -> None:
    np.testing.assert_allclose(ag.var(Tensor(X), axis, ddof=ddof).data, np.var(X, axis, ddof=ddof))
    np.testing.assert_allclose(ag.std(Tensor(X), axis, ddof=ddof).data, np.std(X, axis, ddof=ddof))
    check_gradients(lambda t: ag.var(t, axis=axis, ddof=ddof), X)
    check_gradients(lambda t: t.std(axis, ddof=ddof), X)


@pytest.mark.parametrize(
    ("fn", "reference"), [(ag.var, np.var), (ag.std, np.std)], ids=["var", "std"]
)
@pytest.mark.parametrize(("shape", "ddof"), [((2, 1), 1), ((2, 3), 3), ((2, 3), 5), ((3, 0), 0)])
def test_var_and_std_without_degrees_of_freedom_give_nan_or_inf(
    fn: Callable, reference: Callable, shape: tuple, ddof: int
) -> None:
    # n - ddof <= 0: NumPy's variance is inf or nan, and so is the gradient (as PyTorch's),
    # not a ZeroDivisionError in backward nor a finite gradient of the wrong sign.
    x = Tensor(np.arange(np.prod(shape), dtype=np.float64).reshape(shape), requires_grad=True)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        y = fn(x, axis=1, ddof=ddof)
        np.testing.assert_array_equal(y.data, reference(x.data, axis=1, ddof=ddof))
        y.sum().backward()
    assert x.grad.shape == shape
    assert not np.isfinite(x.grad.data).any()


def test_std_of_equal_values_has_a_zero_gradient_as_in_pytorch() -> None:
    # std is |x - y| / 2 for two elements: a kink where they are equal, where the gradient
    # is 0 (as abs at 0 and PyTorch's std), not sqrt's 1/0 times var's 0 = NaN.
    (x,) = leaves([[1.5, 1.5], [1.0, 3.0]])
    y = x.std(axis=1)
    np.testing.assert_array_equal(y.data, [0.0, 1.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[0.0, 0.0], [-0.5, 0.5]])
    assert y.grad_fn.name == "std" and ag.std(x, axis=1).grad_fn.name == "std"
    (z,) = leaves(np.full((2, 3), 0.25))
    (gz,) = ag.grad(ag.std(z, ddof=1), z, create_graph=True)
    (ggz,) = ag.grad(gz.sum(), z)
    assert np.isfinite(gz.data).all() and np.isfinite(ggz.data).all()


def test_reductions_of_a_0d_tensor() -> None:
    x = np.array(1.5)
    for name, fn, reference in REDUCTIONS:
        np.testing.assert_allclose(fn(Tensor(x)).data, reference(x), err_msg=name)
        check_gradients(fn, x)


def test_mean_gradient_is_one_over_n() -> None:
    (x,) = leaves(X)
    x.mean(axis=(0, 2)).sum().backward()
    np.testing.assert_allclose(x.grad.data, np.full(X.shape, 1 / 4))


@pytest.mark.parametrize(("fn", "ref"), [(ag.max, np.max), (ag.min, np.min)])
def test_ties_in_max_and_min_share_the_gradient_evenly(fn: Callable, ref: Callable) -> None:
    tied = [3.0, 1.0, 3.0] if fn is ag.max else [1.0, 3.0, 1.0]
    values = np.array([tied, [2.0, 2.0, 2.0]])
    (x,) = leaves(values)
    y = fn(x, axis=1)
    np.testing.assert_array_equal(y.data, ref(values, axis=1))
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, [[0.5, 0.0, 0.5], [1 / 3, 1 / 3, 1 / 3]])


def test_max_over_all_axes_with_a_tie() -> None:
    (x,) = leaves([[1.0, 4.0], [4.0, -2.0]])
    x.max().backward()
    np.testing.assert_array_equal(x.grad.data, [[0.0, 0.5], [0.5, 0.0]])


def test_gradcheck_says_a_tie_in_max_is_a_kink() -> None:
    x = Tensor(np.array([[0.3, 1.0, 1.0 + 4e-7], [2.0, -1.0, 0.5]]), requires_grad=True)
    with pytest.raises(ag.GradcheckError, match="straddles a point") as caught:
        ag.gradcheck(lambda t: t.max(axis=1), [x])
    assert "max's input 0 at index (0, 1)" in str(caught.value)
    assert caught.value.kink and caught.value.node.name == "max"


def test_empty_max_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"max: cannot reduce an empty tensor of shape \(0,\)"):
        ag.max(Tensor(np.zeros(0)))
    with pytest.raises(ValueError, match=r"min: cannot reduce an empty tensor of shape \(0, 3\)"):
        ag.min(Tensor(np.zeros((0, 3))), axis=0)


@pytest.mark.parametrize(("fn", "reference"), [(ag.max, np.max), (ag.min, np.min)])
@pytest.mark.parametrize("axis", [1, (), (1, 2)], ids=repr)
def test_max_and_min_of_an_empty_tensor_over_non_empty_axes(
    fn: Callable, reference: Callable, axis: Any
) -> None:
    # As NumPy: only reducing an axis of size 0 has no answer; the others give empty results.
    x = Tensor(np.zeros((0, 3, 2)), requires_grad=True)
    y = fn(x, axis=axis)
    assert y.shape == reference(x.data, axis=axis).shape
    y.sum().backward()
    assert x.grad.shape == (0, 3, 2)


@pytest.mark.parametrize(
    ("values", "expected_grad"),
    [
        ([2.0, 0.0, 3.0], [0.0, 6.0, 0.0]),  # one zero: only it gets the product of the others
        ([0.0, 0.0, 3.0], [0.0, 0.0, 0.0]),  # two zeros: every product of others holds a zero
        ([2.0, -1.5, 3.0], [-4.5, 6.0, -3.0]),
    ],
)
def test_prod_gradient_is_exact_at_zeros(values: list, expected_grad: list) -> None:
    (x,) = leaves(values)
    x.prod().backward()
    np.testing.assert_allclose(x.grad.data, expected_grad)


def test_prod_with_a_zero_along_some_axes_passes_gradcheck() -> None:
    values = np.array([[0.0, 1.5, -2.0], [1.2, 0.7, 0.0]])
    np.testing.assert_array_equal(ag.prod(Tensor(values), axis=1).data, [0.0, 0.0])
    for axis in (None, 0, 1, -1):
        assert ag.gradcheck(lambda t, a=axis: t.prod(axis=a), leaves(values))


@pytest.mark.parametrize("axis", [0, 1, 2, -1, -2])
@pytest.mark.parametrize(
    ("fn", "reference"),
    [
        (ag.softmax, lambda x, axis: np.exp(x) / np.exp(x).sum(axis=axis, keepdims=True)),
        (ag.log_softmax, lambda x, axis: x - _logsumexp(x, axis=axis, keepdims=True)),
    ],
)
def test_softmax_and_log_softmax_along_each_axis(
    fn: Callable, reference: Callable, axis: int
) -> None:
    np.testing.assert_allclose(fn(Tensor(X), axis=axis).data, reference(X, axis), rtol=1e-12)
    check_gradients(lambda t: fn(t, axis=axis), X)


def test_softmax_rows_sum_to_one_and_default_axis_is_last() -> None:
    s = Tensor(X).softmax()
    np.testing.assert_allclose(s.data.sum(axis=-1), np.ones((2, 3)))
    np.testing.assert_array_equal(s.data, ag.softmax(Tensor(X), axis=-1).data)
    np.testing.assert_array_equal(Tensor(X).log_softmax().data, ag.log_softmax(Tensor(X), -1).data)


@pytest.mark.parametrize(("fn", "value"), [(ag.softmax, 1.0), (ag.log_softmax, 0.0)])
def test_softmax_of_a_0d_tensor_as_pytorch(fn: Callable, value: float) -> None:
    # PyTorch: a 0-d input takes dim 0 or -1 (the default) and gives 1 / 0
    for axis in (-1, 0):
        y = fn(Tensor(np.array(0.7)), axis=axis)
        assert y.shape == () and y.item() == value
    check_gradients(fn, np.array(0.7))
    for axis in (1, -2):
        with pytest.raises(np.exceptions.AxisError, match=rf"{fn.__name__}: axis {axis} "):
            fn(Tensor(np.array(0.7)), axis=axis)


@pytest.mark.parametrize("fn", [ag.softmax, ag.log_softmax])
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_of_an_empty_tensor_is_empty_as_pytorch(fn: Callable, axis: int) -> None:
    x = Tensor(np.zeros((0, 3)), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = fn(x, axis=axis)
    assert y.shape == (0, 3) and y.dtype == np.float64
    y.sum().backward()
    assert x.grad.shape == (0, 3)


@pytest.mark.parametrize("fn", [ag.softmax, ag.log_softmax])
@pytest.mark.parametrize("axis", [None, 1.0, (0, 1)], ids=repr)
def test_softmax_axis_must_be_one_int(fn: Callable, axis: Any) -> None:
    with pytest.raises(TypeError, match=rf"^{fn.__name__}: axis must be an int, got "):
        fn(Tensor(X), axis=axis)


@pytest.mark.parametrize("fn", [ag.softmax, ag.log_softmax, ag.logsumexp])
def test_normalisations_stay_finite_with_finite_gradients_at_1000(fn: Callable) -> None:
    (x,) = leaves([[1000.0, -1000.0, 999.0], [-1000.0, -1000.0, -999.0]])
    y = fn(x, axis=-1)
    assert np.isfinite(y.data).all()
    y.backward(np.ones(y.shape))
    assert np.isfinite(x.grad.data).all()


def test_logsumexp_gradient_is_softmax() -> None:
    (x,) = leaves(X)
    ag.logsumexp(x, axis=1).sum().backward()
    np.testing.assert_allclose(x.grad.data, ag.softmax(Tensor(X), axis=1).data, rtol=1e-12)


@pytest.mark.parametrize(("fn", "reference"), [(ag.argmax, np.argmax), (ag.argmin, np.argmin)])
@pytest.mark.parametrize("axis", [None, 0, -1])
def test_argmax_argmin_give_int64_indices_without_gradient(
    fn: Callable, reference: Callable, axis: Any
) -> None:
    (x,) = leaves(X)
    out = fn(x, axis=axis)
    np.testing.assert_array_equal(out.data, reference(X, axis=axis))
    assert out.dtype == np.int64 and not out.requires_grad
    method = getattr(x, fn.__name__)(axis)
    np.testing.assert_array_equal(method.data, out.data)


@pytest.mark.parametrize("shape", [(), (1,), (5,), (2, 3), (2, 0, 4)])
@pytest.mark.parametrize(
    "value", [np.array(1.5, np.float32), np.float64(-2.0)], ids=["0-d", "scalar"]
)
def test_one_value_broadcasts_as_numpy_would_read_only(shape: tuple, value: Any) -> None:
    """The quick path of the rules' broadcast_to (a full reduction's gradient)."""
    from autograd.ops.namespace import NUMPY

    got = NUMPY.broadcast_to(value, shape)
    want = np.broadcast_to(value, shape)
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    assert not got.flags.writeable and got.base is not None


def test_a_full_sum_gives_a_leaf_its_own_writeable_gradient() -> None:
    """The rule hands back a read-only view of one value: the leaf's .grad is a copy."""
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    x.sum().backward()
    assert x.grad.data.flags.writeable and x.grad.data.base is None
    x.grad.data[0, 0] = 7.0  # writing it touches nothing else
    x.mean().backward()
    np.testing.assert_allclose(x.grad.data, [[7 + 1 / 6] + [1 + 1 / 6] * 2, [1 + 1 / 6] * 3])
