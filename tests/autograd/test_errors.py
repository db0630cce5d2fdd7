"""API.md "Errors": each kind of bad input raises the documented type with a message naming
the op, the shapes and the dtypes; and the stable ops stay finite at +-1000."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor


# ---- ValueError: shapes ---------------------------------------------------------------------
def test_matmul_misaligned_message_is_exact() -> None:
    expected = "matmul: shapes (3, 4) and (5, 2) are not aligned (4 != 5)"
    with pytest.raises(ValueError, match=f"^{re.escape(expected)}$"):
        ag.ones(3, 4) @ ag.ones(5, 2)
    with pytest.raises(ValueError, match=f"^{re.escape(expected)}$"):
        ag.matmul(ag.ones(3, 4), np.ones((5, 2)))


@pytest.mark.parametrize(
    ("a", "b", "pattern"),
    [
        ((3,), (4,), r"matmul: shapes \(3,\) and \(4,\) are not aligned \(3 != 4\)"),
        ((2, 3), (4,), r"matmul: shapes \(2, 3\) and \(4,\) are not aligned \(3 != 4\)"),
        ((5,), (4, 2), r"matmul: shapes \(5,\) and \(4, 2\) are not aligned \(5 != 4\)"),
        ((2, 3, 4), (5, 4, 2), r"matmul: .*\(2, 3, 4\) and \(5, 4, 2\)"),
        ((), (3,), r"matmul: .*\(\) and \(3,\)"),
    ],
)
def test_matmul_shape_errors_name_both_shapes(a: tuple, b: tuple, pattern: str) -> None:
    with pytest.raises(ValueError, match=pattern):
        ag.matmul(ag.ones(*a), ag.ones(*b))


# the binary ops and the names their errors carry
_BINARY_OPS = [
    ("add", lambda a, b: a + b),
    ("sub", lambda a, b: a - b),
    ("mul", lambda a, b: a * b),
    ("div", lambda a, b: a / b),
    ("pow", lambda a, b: a**b),
    ("maximum", ag.maximum),
    ("minimum", ag.minimum),
]


@pytest.mark.parametrize(("name", "fn"), _BINARY_OPS)
@pytest.mark.parametrize("array_operand", [False, True])
def test_broadcast_mismatch_names_op_and_both_shapes(
    name: str, fn: Callable, array_operand: bool
) -> None:
    a = Tensor(np.ones((3, 4)), requires_grad=True)
    b = np.ones((5, 2)) if array_operand else Tensor(np.ones((5, 2)))
    with pytest.raises(ValueError, match=rf"{name}: .*\(3, 4\) and \(5, 2\)"):
        fn(a, b)


def test_where_broadcast_mismatch_names_the_shapes() -> None:
    with pytest.raises(ValueError, match=r"where: .*\(3,\).*\(2,\)"):
        ag.where(np.array([True, False, True]), ag.ones(3), ag.ones(2))


@pytest.mark.parametrize(
    ("fn", "pattern"),
    [
        (lambda: ag.ones(3, 4).reshape(5), r"reshape: .*\(3, 4\).*\(5,\)"),
        (lambda: ag.ones(3, 4).broadcast_to((2, 3)), r"broadcast_to: .*\(3, 4\).*\(2, 3\)"),
        (lambda: ag.concatenate([ag.ones(2, 3), ag.ones(2, 4)]), r"concatenate: .*\(2, 3\)"),
        (lambda: ag.stack([ag.ones(2), ag.ones(3)]), r"stack: .*\(2,\), \(3,\)"),
        (lambda: ag.split(ag.ones(5), 2), r"split: .*size 5.*2"),
        (lambda: ag.ones(3).item(), r"item: .*\(3,\)"),
        (lambda: ag.zeros(-1), r"zeros: invalid shape \(-1,\)"),
        (lambda: ag.full((2, -3), 1.0), r"full: invalid shape \(2, -3\)"),
        (lambda: ag.randn(2.5), r"randn: invalid shape"),
        (lambda: ag.eye(-1), r"eye: invalid shape \(-1, -1\)"),
        (lambda: ag.eye(2, 1.5), r"eye: invalid shape \(2, 1.5\)"),
        (lambda: ag.arange(0, 3, 0), r"arange: step must not be zero"),
    ],
)
def test_other_shape_errors_are_value_errors(fn: Callable, pattern: str) -> None:
    with pytest.raises(ValueError, match=pattern):
        fn()


@pytest.mark.parametrize(
    ("fn", "pattern"),
    [
        (lambda: ag.ones(3, 4).sum(axis=2), r"sum: axis 2 .*2 dimension"),
        (lambda: ag.ones(3, 4).mean(axis=(0, -3)), r"mean: axis -3"),
        (lambda: ag.ones(3).softmax(axis=1), r"softmax: axis 1"),
    ],
)
def test_axis_out_of_range(fn: Callable, pattern: str) -> None:
    """NumPy's AxisError: both a ValueError and an IndexError, as in NumPy."""
    with pytest.raises(np.exceptions.AxisError, match=pattern):
        fn()


@pytest.mark.parametrize("name", ["sum", "mean", "var", "std", "max", "min", "prod", "logsumexp"])
@pytest.mark.parametrize("axis", [1.5, (0, 1.0), "a"], ids=repr)
def test_reduction_axis_that_is_not_an_int_is_a_type_error(name: str, axis: Any) -> None:
    """A float axis was truncated (axis=(1.5,) summed over axis 1); NumPy raises."""
    with pytest.raises(TypeError, match=rf"^{name}: axis must be an int, a tuple of ints or None"):
        getattr(ag, name)(ag.ones(2, 3), axis=axis)


@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_argmax_argmin_errors_name_the_op_and_shape(name: str) -> None:
    fn = getattr(ag, name)
    with pytest.raises(np.exceptions.AxisError, match=rf"^{name}: axis 5 .*shape \(2, 3\)"):
        fn(ag.ones(2, 3), axis=5)
    with pytest.raises(np.exceptions.AxisError, match=rf"^{name}: axis -3 .*shape \(2, 3\)"):
        getattr(ag.ones(2, 3), name)(-3)
    empty = rf"^{name}: cannot take the {name} of an empty tensor of shape \(0, 3\) over axis"
    with pytest.raises(ValueError, match=empty):
        fn(ag.zeros(0, 3))
    with pytest.raises(ValueError, match=empty):
        fn(ag.zeros(0, 3), axis=0)
    assert fn(ag.zeros(0, 3), axis=1).shape == (0,)  # as NumPy: the axis reduced is not empty
    with pytest.raises(TypeError, match=rf"^{name}: axis must be an int or None, got 1.5$"):
        fn(ag.ones(3), axis=1.5)


# ---- IndexError: indices out of range -------------------------------------------------------
@pytest.mark.parametrize(
    ("key", "pattern"),
    [
        (5, r"index 5 .*axis 0 .*size 3.*\(3, 4\)"),
        ((0, -5), r"index -5 .*axis 1 .*size 4.*\(3, 4\)"),
        ((slice(None), [0, 7]), r"index 7 .*axis 1.*\(3, 4\)"),
        (np.array([True, False]), r"boolean index.*\(3, 4\)"),
        ((0, 0, 0), r"too many indices.*\(3, 4\)"),
    ],
)
def test_index_out_of_range_is_an_index_error(key: Any, pattern: str) -> None:
    x = Tensor(np.ones((3, 4)), requires_grad=True)
    with pytest.raises(IndexError, match=rf"getitem: {pattern}"):
        x[key]


# ---- TypeError: types and dtypes ------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "pattern"),
    [
        ("abc", r"Tensor: .*str"),
        (b"abc", r"Tensor: .*bytes"),
        (None, r"Tensor: .*NoneType"),
        ({"a": 1}, r"Tensor: .*dict"),
        (["a", "b"], r"Tensor: .*<U1"),
        ([[1.0], [1.0, 2.0]], r"Tensor: .*list"),
        (1 + 2j, r"Tensor: .*complex128"),
    ],
)
def test_unusable_data_is_a_type_error(data: Any, pattern: str) -> None:
    with pytest.raises(TypeError, match=pattern):
        Tensor(data)


@pytest.mark.parametrize(
    ("make", "dtype"),
    [
        (lambda: Tensor([1, 2], requires_grad=True), "int64"),
        (lambda: Tensor([True], requires_grad=True), "bool"),
        (lambda: Tensor(np.arange(3, dtype=np.int32), requires_grad=True), "int32"),
        (lambda: ag.zeros(2, dtype=np.int16, requires_grad=True), "int16"),
        (lambda: ag.arange(3, requires_grad=True), "int64"),
        (lambda: Tensor([1, 2]).requires_grad_(), "int64"),
    ],
)
def test_integer_tensor_asked_to_require_grad(make: Callable, dtype: str) -> None:
    with pytest.raises(TypeError, match=rf"floating-point.*{dtype}"):
        make()


def test_from_numpy_takes_only_arrays() -> None:
    with pytest.raises(TypeError, match=r"from_numpy: expected a NumPy array, got list"):
        ag.from_numpy([1.0, 2.0])


@pytest.mark.parametrize("dtype", [np.int32, "float16", "complex64", "banana", None])
def test_set_default_dtype_rejects_non_float32_64(dtype: Any) -> None:
    previous = ag.get_default_dtype()
    with pytest.raises(TypeError, match=r"set_default_dtype: .*float32.*float64"):
        ag.set_default_dtype(dtype)
    assert ag.get_default_dtype() == previous


def test_where_condition_must_be_bool() -> None:
    with pytest.raises(TypeError, match=r"where: .*bool.*float32"):
        ag.where(ag.ones(2), ag.ones(2), ag.zeros(2))


@pytest.mark.parametrize(("name", "fn"), _BINARY_OPS)
@pytest.mark.parametrize(("other", "kind"), [("a", "str"), (None, "NoneType"), ({}, "dict")])
def test_unsupported_operand_is_a_type_error_naming_op_and_dtypes(
    name: str, fn: Callable, other: Any, kind: str
) -> None:
    a = Tensor(np.ones((2, 3)), requires_grad=True)
    pattern = rf"^{name}: unsupported operand .*float64 \(shape \(2, 3\)\) and {kind}"
    with pytest.raises(TypeError, match=pattern):
        fn(a, other)


def test_matmul_with_a_string_is_a_type_error_naming_dtypes() -> None:
    pattern = r"^matmul: unsupported operand .*float32 \(shape \(2, 3\)\) and str"
    with pytest.raises(TypeError, match=pattern):
        ag.ones(2, 3) @ "a"


@pytest.mark.parametrize(
    ("name", "fn"),
    [
        ("neg", lambda t: -t),
        ("neg", ag.negative),
        ("sub", lambda t: t - t),
        ("sign", lambda t: t.sign()),
        ("sigmoid", ag.sigmoid),
        ("softmax", lambda t: t.softmax()),
        ("log_softmax", ag.log_softmax),
    ],
)
def test_bool_tensor_where_numpy_has_no_bool_math_names_the_op(name: str, fn: Callable) -> None:
    """NumPy's own message (say, to use ~ to invert a mask) follows the op's name and dtype."""
    with pytest.raises(TypeError, match=rf"^{name}: unsupported operand .*bool \(shape \(2,\)\)"):
        fn(Tensor([True, False]))


def test_integer_to_a_negative_integer_power_is_not_a_broadcast_error() -> None:
    # it said "pow: shapes (2,) and () cannot be broadcast together"
    pattern = (
        r"^pow: Integers to negative integer powers are not allowed\. \(int64 \(shape \(2,\)\)"
    )
    with pytest.raises(ValueError, match=pattern):
        Tensor([1, 2]) ** -1
    with pytest.raises(ValueError, match=pattern):
        ag.power(Tensor([1, 2]), np.array([-1, 2]))
    with pytest.raises(ValueError, match=r"^pow: shapes \(2,\) and \(3,\) cannot be broadcast"):
        Tensor([1, 2]) ** np.array([1, 2, 3])


def test_clip_with_tensor_bounds_is_a_type_error() -> None:
    x = Tensor([0.5, 2.0], requires_grad=True)
    pattern = r"^clip: lo and hi must be numbers or arrays .* got a Tensor; .*ag\.maximum"
    with pytest.raises(TypeError, match=pattern):
        ag.clip(x, Tensor([0.0, 0.0], requires_grad=True), 1.0)
    with pytest.raises(TypeError, match=pattern):
        x.clip(None, Tensor(1.0))


def test_clip_bounds_that_do_not_broadcast_name_the_shapes() -> None:
    pattern = r"^clip: input shape \(2, 3\) and bounds of shapes \(4,\) \(lo\) and \(\) \(hi\)"
    with pytest.raises(ValueError, match=pattern):
        ag.ones(2, 3).clip(np.zeros(4), 1.0)
    with pytest.raises(
        TypeError, match=r"^clip: unsupported operand .*float32 \(shape \(3,\)\) and str"
    ):
        ag.ones(3).clip("a", 1.0)


# ---- RuntimeError: graph misuse leaves no half-written gradients ----------------------------
def test_failed_backward_leaves_grads_untouched() -> None:
    class Broken(ag.Function):
        @staticmethod
        def forward(ctx: Any, x: np.ndarray) -> np.ndarray:
            return x * 2

        @staticmethod
        def backward(ctx: Any, g: np.ndarray) -> np.ndarray:
            raise ValueError("broken rule")

    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0, 4.0], requires_grad=True)
    (a * b).sum().backward()
    before = (a.grad.data.copy(), b.grad.data.copy())
    y = (a * b).sum() + Broken.apply(b).sum()
    with pytest.raises(ValueError, match="broken rule"):
        y.backward()
    np.testing.assert_array_equal(a.grad.data, before[0])
    np.testing.assert_array_equal(b.grad.data, before[1])


def test_freed_graph_error_leaves_grads_untouched() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 4.0])


# ---- numerical stability: finite at +-1000 --------------------------------------------------
STABLE_DTYPES = [np.float32, np.float64]
BIG = [[-1000.0, 0.0, 1000.0], [1000.0, 1000.0, -1000.0], [-1000.0, -1000.0, -1000.0]]


def _finite_forward_and_backward(fn: Callable, dtype: type) -> tuple[np.ndarray, np.ndarray]:
    x = Tensor(np.array(BIG, dtype=dtype), requires_grad=True)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        y = fn(x)
        y.backward(np.ones(y.shape, dtype=dtype) if y.ndim else None)
    assert y.dtype == dtype and x.grad.dtype == dtype
    assert np.isfinite(y.data).all() and np.isfinite(x.grad.data).all()
    return y.data, x.grad.data


@pytest.mark.parametrize("dtype", STABLE_DTYPES)
def test_softmax_is_stable(dtype: type) -> None:
    out, grad = _finite_forward_and_backward(lambda x: x.softmax(axis=-1), dtype)
    np.testing.assert_allclose(out, [[0, 0, 1], [0.5, 0.5, 0], [1 / 3, 1 / 3, 1 / 3]], rtol=1e-6)
    np.testing.assert_allclose(grad, 0.0, atol=1e-6)  # d/dx sum(softmax) = 0


@pytest.mark.parametrize("dtype", STABLE_DTYPES)
def test_log_softmax_is_stable(dtype: type) -> None:
    out, grad = _finite_forward_and_backward(lambda x: ag.log_softmax(x, axis=1), dtype)
    ln2, ln3 = np.log(2.0), np.log(3.0)
    expected = [[-2000, -1000, 0], [-ln2, -ln2, -2000 - ln2], [-ln3, -ln3, -ln3]]
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    softmax = [[0, 0, 1], [0.5, 0.5, 0], [1 / 3, 1 / 3, 1 / 3]]
    np.testing.assert_allclose(grad, 1 - 3 * np.array(softmax), atol=1e-6)


@pytest.mark.parametrize("dtype", STABLE_DTYPES)
@pytest.mark.parametrize("axis", [1, None])
def test_logsumexp_is_stable(dtype: type, axis: int | None) -> None:
    out, grad = _finite_forward_and_backward(lambda x: x.logsumexp(axis=axis), dtype)
    ln2, ln3 = np.log(2.0), np.log(3.0)
    if axis is None:
        np.testing.assert_allclose(out, 1000 + ln3, rtol=1e-6)
        expected_grad = np.array(BIG) == 1000.0
        np.testing.assert_allclose(grad, expected_grad / 3, atol=1e-4)
    else:
        np.testing.assert_allclose(out, [1000, 1000 + ln2, -1000 + ln3], rtol=1e-6)
        np.testing.assert_allclose(grad, [[0, 0, 1], [0.5, 0.5, 0], [1 / 3] * 3], atol=1e-4)


@pytest.mark.parametrize("dtype", STABLE_DTYPES)
def test_sigmoid_is_stable(dtype: type) -> None:
    out, grad = _finite_forward_and_backward(lambda x: ag.sigmoid(x), dtype)
    big = np.array(BIG)
    expected = np.where(big > 0, 1.0, np.where(big < 0, 0.0, 0.5))
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(grad, np.where(big == 0, 0.25, 0.0))
