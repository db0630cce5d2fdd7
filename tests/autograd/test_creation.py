"""Creation functions, their dtypes and the one seeded generator (API.md "Creation")."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor, creation

SHAPED = [ag.zeros, ag.ones, ag.randn, ag.rand]


@pytest.mark.parametrize("make", SHAPED)
@pytest.mark.parametrize(
    ("args", "shape"),
    [((2, 3), (2, 3)), (((2, 3),), (2, 3)), (([4, 1],), (4, 1)), ((5,), (5,)), ((), ())],
)
def test_shape_as_ints_or_one_tuple(make: Callable, args: tuple, shape: tuple) -> None:
    t = make(*args)
    assert isinstance(t, Tensor)
    assert t.shape == shape
    assert t.dtype == np.float32
    assert t.is_leaf and not t.requires_grad


@pytest.mark.parametrize("make", SHAPED)
def test_default_dtype_and_dtype_argument(make: Callable, float64: None) -> None:
    assert make(2, 2).dtype == np.float64
    assert make(2, 2, dtype=np.float32).dtype == np.float32


@pytest.mark.parametrize("make", SHAPED)
def test_requires_grad_argument(make: Callable) -> None:
    t = make(3, requires_grad=True)
    assert t.requires_grad and t.is_leaf
    (t * 2).sum().backward()
    np.testing.assert_array_equal(t.grad.data, [2.0, 2.0, 2.0])


def test_zeros_ones_values() -> None:
    np.testing.assert_array_equal(ag.zeros(2, 3).data, np.zeros((2, 3)))
    np.testing.assert_array_equal(ag.ones((3,)).data, np.ones(3))
    assert ag.zeros(2, dtype=np.int64).dtype == np.int64


def test_full() -> None:
    t = ag.full((2, 3), 1.5)
    assert t.shape == (2, 3) and t.dtype == np.float32
    np.testing.assert_array_equal(t.data, np.full((2, 3), 1.5))
    assert ag.full(4, 7).shape == (4,)
    assert ag.full(4, 7).dtype == np.float32  # the default dtype, even for an int fill
    assert ag.full((2,), 7, dtype=np.int64).dtype == np.int64


def test_full_in_float64_default(float64: None) -> None:
    assert ag.full((2,), 0.1).dtype == np.float64


@pytest.mark.parametrize("args", [(5,), (2, 7), (1, 10, 3), (5, 0, -2)])
def test_arange_of_ints_is_int64(args: tuple) -> None:
    t = ag.arange(*args)
    assert t.dtype == np.int64
    np.testing.assert_array_equal(t.data, np.arange(*args))


def test_arange_of_floats_is_the_default_dtype() -> None:
    t = ag.arange(0, 1, 0.25)
    assert t.dtype == np.float32
    np.testing.assert_array_equal(t.data, [0.0, 0.25, 0.5, 0.75])
    assert ag.arange(3.0).dtype == np.float32
    assert ag.arange(3, dtype=np.float64).dtype == np.float64


def test_arange_of_floats_in_float64_default(float64: None) -> None:
    assert ag.arange(0.0, 1.0, 0.5).dtype == np.float64
    assert ag.arange(3).dtype == np.int64


def test_eye() -> None:
    t = ag.eye(3)
    assert t.dtype == np.float32
    np.testing.assert_array_equal(t.data, np.eye(3))
    np.testing.assert_array_equal(ag.eye(2, 4).data, np.eye(2, 4))
    assert ag.eye(2, dtype=np.float64).dtype == np.float64


@pytest.mark.parametrize(("make", "value"), [(ag.zeros_like, 0.0), (ag.ones_like, 1.0)])
def test_like_functions_follow_the_tensor(make: Callable, value: float) -> None:
    """Shape and dtype of the argument, as in NumPy and PyTorch (dtype= overrides)."""
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)  # float64
    t = make(x)
    assert t.shape == (2, 3) and t.dtype == np.float64
    assert t.is_leaf and not t.requires_grad
    np.testing.assert_array_equal(t.data, np.full((2, 3), value))
    assert make(x, dtype=np.float32).dtype == np.float32
    assert make(Tensor([1, 2])).dtype == np.int64
    assert not np.shares_memory(t.data, x.data)


def test_from_numpy_shares_memory_and_keeps_dtype() -> None:
    a = np.arange(4.0)
    t = ag.from_numpy(a)
    assert t.dtype == np.float64
    assert t.data is a
    t.data[1] = 10.0
    assert a[1] == 10.0
    assert ag.from_numpy(np.arange(3)).dtype == np.int64
    assert ag.from_numpy(np.ones(2, np.float32)).dtype == np.float32


def test_manual_seed_makes_random_functions_reproducible() -> None:
    ag.manual_seed(123)
    a, b = ag.randn(4, 5), ag.rand(3)
    ag.manual_seed(123)
    np.testing.assert_array_equal(ag.randn(4, 5).data, a.data)
    np.testing.assert_array_equal(ag.rand(3).data, b.data)
    ag.manual_seed(124)
    assert not np.array_equal(ag.randn(4, 5).data, a.data)


def test_one_generator_is_shared_between_functions() -> None:
    """randn and rand advance the same stream: the order of calls matters."""
    ag.manual_seed(7)
    first = ag.randn(3)
    ag.manual_seed(7)
    ag.rand(3)
    assert not np.array_equal(ag.randn(3).data, first.data)


def test_random_distributions() -> None:
    ag.manual_seed(0)
    n = ag.randn(20_000, dtype=np.float64).data
    u = ag.rand(20_000, dtype=np.float64).data
    assert abs(n.mean()) < 0.05 and abs(n.std() - 1.0) < 0.05
    assert u.min() >= 0.0 and u.max() < 1.0
    assert abs(u.mean() - 0.5) < 0.02


@pytest.mark.parametrize(
    ("make", "dtype", "pattern"),
    [
        (ag.randn, np.int64, r"randn: dtype must be a floating dtype, got int64"),
        (ag.rand, np.bool_, r"rand: dtype must be a floating dtype, got bool"),
        (ag.zeros, np.complex64, r"zeros: dtype must be a floating, integer or bool dtype"),
        (ag.ones, object, r"ones: dtype must be a floating, integer or bool dtype, got object"),
        (ag.eye, str, r"eye: dtype must be a floating, integer or bool dtype"),
        (ag.arange, "abc", r"arange: 'abc' is not a dtype"),
        (lambda n, dtype: ag.full(n, 1, dtype=dtype), "float33", r"full: 'float33' is not a dtype"),
        (lambda n, dtype: ag.zeros_like(ag.zeros(n), dtype=dtype), object, r"zeros_like: dtype"),
        (lambda n, dtype: ag.ones_like(ag.zeros(n), dtype=dtype), np.complex128, r"ones_like: dt"),
    ],
)
def test_dtype_argument_is_checked(make: Callable, dtype: object, pattern: str) -> None:
    """A tensor holds floats, integers or bools (as Tensor(data, dtype=...) checks); random
    samples are floats (randn in int64 truncated to garbage, rand in int64 gave all zeros)."""
    with pytest.raises(TypeError, match=pattern):
        make(3, dtype=dtype)


def test_random_functions_in_float16() -> None:
    assert ag.randn(4, dtype=np.float16).dtype == np.float16
    assert ag.rand(4, dtype="float16").dtype == np.float16


class _DrawsJustBelowOne:
    """A generator whose uniform draws are the largest float64 below 1."""

    def random(self, shape: tuple) -> np.ndarray:
        return np.full(shape, np.nextafter(1.0, 0.0))


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_rand_stays_below_one_in_every_dtype(dtype: type, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rounding a float64 draw near 1 to float32/float16 gave 1.0 (about one draw in 3e7
    in float32): rand promises [0, 1), as PyTorch's."""
    monkeypatch.setattr(creation, "_generator", [_DrawsJustBelowOne()])
    u = ag.rand(5, dtype=dtype).data
    assert u.dtype == dtype
    assert (u < 1).all()
    np.testing.assert_array_equal(u, np.nextafter(dtype(1), dtype(0)))


@pytest.mark.parametrize("make", [ag.zeros_like, ag.ones_like])
def test_like_functions_read_python_data_as_tensor_does(make: Callable) -> None:
    """Python floats become the default dtype (NumPy's float64 leaked through before)."""
    assert make([1.0, 2.0]).dtype == np.float32
    assert make(3.0).dtype == np.float32 and make(3.0).shape == ()
    assert make([[1, 2]]).dtype == np.int64 and make([[1, 2]]).shape == (1, 2)
    assert make([True]).dtype == np.bool_
    assert make(np.zeros(2)).dtype == np.float64  # a NumPy array keeps its dtype
    assert make([1.0], dtype=np.float64).dtype == np.float64


@pytest.mark.parametrize("make", [ag.zeros_like, ag.ones_like])
def test_like_functions_of_python_floats_in_float64_default(make: Callable, float64: None) -> None:
    assert make([1.0, 2.0]).dtype == np.float64


def test_arange_of_a_0d_integer_tensor_or_array_is_int64() -> None:
    """As np.arange(np.array(3)) and torch.arange(torch.tensor(3)); it was the default float."""
    n = ag.tensor([[1, 2], [3, 4]]).sum()
    for t in (ag.arange(n), ag.arange(np.array(3), 7), ag.arange(0, n, ag.tensor(2))):
        assert t.dtype == np.int64
    np.testing.assert_array_equal(ag.arange(n).data, np.arange(10))
    assert ag.arange(ag.tensor(2.5)).dtype == np.float32
    np.testing.assert_array_equal(ag.arange(ag.tensor(2.5)).data, [0.0, 1.0, 2.0])


@pytest.mark.parametrize(
    ("args", "error", "pattern"),
    [
        ((0, float("inf")), ValueError, r"arange: Maximum allowed size exceeded"),
        ((0, float("nan")), ValueError, r"arange: .*cannot compute length"),
        (("a",), TypeError, r"arange: unsupported operand"),
    ],
)
def test_arange_errors_name_the_function(args: tuple, error: type, pattern: str) -> None:
    with pytest.raises(error, match=pattern):
        ag.arange(*args)


@pytest.mark.parametrize(
    ("fill", "error", "pattern"),
    [
        (None, TypeError, r"full: fill_value must be a number, got None"),  # was a silent nan
        ("1.5", TypeError, r"full: fill_value must be a number, got '1.5'"),  # was 1.5
        ("a", TypeError, r"full: fill_value must be a number"),
        (object(), TypeError, r"^full: float\(\) argument .* \(shape \(2,\), dtype float32\)"),
        ([1.0, 2.0, 3.0], ValueError, r"^full: could not broadcast .* \(shape \(2,\), dtype"),
    ],
)
def test_full_rejects_a_fill_that_is_not_a_number(fill: object, error: type, pattern: str) -> None:
    with pytest.raises(error, match=pattern):
        ag.full(2, fill)


@pytest.mark.parametrize("make", [*SHAPED, lambda *s: ag.full(s, 1.0), ag.eye])
def test_a_bool_is_not_a_size(make: Callable) -> None:
    """zeros(True) made shape (1,); NumPy and PyTorch refuse a bool size."""
    with pytest.raises(ValueError, match=r"invalid shape \(True"):
        make(True)
