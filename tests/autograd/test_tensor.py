"""Tensor construction, dtype rules, attributes and operator mixing (API.md "Tensor")."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor


# ---- construction and dtype rules -----------------------------------------------------------
@pytest.mark.parametrize("data", [1.5, [1.0, 2.0], [[1.0], [2.5]], [1, 2.5]])
def test_python_floats_and_lists_become_float32(data: object) -> None:
    t = Tensor(data)
    assert t.dtype == np.float32
    np.testing.assert_array_equal(t.data, np.array(data, dtype=np.float32))


def test_default_dtype_is_float32() -> None:
    assert ag.get_default_dtype() == np.float32


@pytest.mark.parametrize("dtype", [np.float64, "float64", np.dtype("float64")])
def test_set_default_dtype_accepts_types_and_names(dtype: object) -> None:
    previous = ag.get_default_dtype()
    try:
        ag.set_default_dtype(dtype)
        assert ag.get_default_dtype() == np.float64
        assert Tensor(1.0).dtype == np.float64
        assert Tensor([1.0, 2.0]).dtype == np.float64
    finally:
        ag.set_default_dtype(previous)
    assert Tensor(1.0).dtype == np.float32


def test_set_default_dtype_back_to_float32_by_name(float64: None) -> None:
    ag.set_default_dtype("float32")
    assert ag.get_default_dtype() == np.float32
    assert Tensor([0.5]).dtype == np.float32
    ag.set_default_dtype(np.float64)  # what the fixture expects to undo


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_numpy_arrays_keep_their_float_dtype(dtype: type, float64: None) -> None:
    a = np.array([1.0, 2.0], dtype=dtype)
    assert Tensor(a).dtype == dtype
    assert Tensor(a, requires_grad=True).dtype == dtype
    assert Tensor(dtype(3.0)).dtype == dtype  # a NumPy scalar is not a Python float


def test_constructor_copies_but_from_numpy_shares() -> None:
    """Tensor(array) owns its data (as torch.tensor); from_numpy shares it."""
    a = np.array([1.0, 2.0])
    t, shared = Tensor(a), ag.from_numpy(a)
    a[0] = 10.0
    assert t.data[0] == 1.0
    assert shared.data[0] == 10.0


@pytest.mark.parametrize(
    ("data", "dtype"),
    [
        (3, np.int64),
        ([1, 2, 3], np.int64),
        (True, np.bool_),
        ([True, False], np.bool_),
        (np.arange(3, dtype=np.int32), np.int32),
        (np.array([1, 2], dtype=np.uint8), np.uint8),
    ],
)
def test_integer_and_bool_data_keep_their_dtype(data: object, dtype: type) -> None:
    t = Tensor(data)
    assert t.dtype == dtype
    assert not t.requires_grad


@pytest.mark.parametrize("data", [3, [1, 2], True, np.arange(3)])
def test_integer_and_bool_data_cannot_require_grad(data: object) -> None:
    with pytest.raises(TypeError, match=r"floating-point.*int|floating-point.*bool"):
        Tensor(data, requires_grad=True)


def test_explicit_dtype_wins() -> None:
    assert Tensor([1, 2], dtype=np.float64).dtype == np.float64
    assert Tensor(1.0, dtype="float64").dtype == np.float64
    assert Tensor(np.ones(2), dtype=np.float32).dtype == np.float32
    assert Tensor([1.7, 2.2], dtype=np.int32).dtype == np.int32


def test_tensor_from_tensor_copies_data_not_graph() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = Tensor(x * 2)
    assert y.is_leaf and not y.requires_grad
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y.data, [2.0, 4.0])
    assert not np.shares_memory(Tensor(x).data, x.data)


def test_ag_tensor_is_the_constructor() -> None:
    t = ag.tensor([[1.0, 2.0]], requires_grad=True, name="w")
    assert isinstance(t, Tensor)
    assert (t.dtype, t.shape, t.requires_grad, t.name) == (np.float32, (1, 2), True, "w")
    assert ag.tensor([1, 2]).dtype == np.int64
    assert ag.tensor(1.0, dtype=np.float64).dtype == np.float64


# ---- mixing with Python scalars and NumPy arrays --------------------------------------------
@pytest.mark.parametrize(
    "op",
    [
        lambda t: t + 1,
        lambda t: 1 + t,
        lambda t: t * 2.5,
        lambda t: 2.5 * t,
        lambda t: t - 0.5,
        lambda t: 0.5 - t,
        lambda t: t / 3,
        lambda t: 3 / t,
        lambda t: t**2,
        lambda t: 2.0**t,
        lambda t: -t,
    ],
)
def test_python_scalar_keeps_float32(op: object) -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = op(x)  # type: ignore[operator]
    assert isinstance(y, Tensor)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32


@pytest.mark.parametrize(
    ("op", "expected"),
    [
        (lambda a, t: a + t, lambda a, x: a + x),
        (lambda a, t: a - t, lambda a, x: a - x),
        (lambda a, t: a * t, lambda a, x: a * x),
        (lambda a, t: a / t, lambda a, x: a / x),
        (lambda a, t: a**t, lambda a, x: a**x),
        (lambda a, t: a @ t, lambda a, x: a @ x),
    ],
)
def test_ndarray_op_tensor_gives_tensor(op: object, expected: object) -> None:
    """NumPy defers to Tensor's reflected operators, so the result is recorded."""
    a = np.array([1.5, 2.0, 0.5])
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = op(a, x)  # type: ignore[operator]
    assert isinstance(y, Tensor)
    assert y.requires_grad and y.grad_fn is not None
    np.testing.assert_allclose(y.data, expected(a, x.data), rtol=1e-6)  # type: ignore[operator]


def test_float32_tensor_with_float64_array_promotes_but_grad_keeps_leaf_dtype() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * np.array([3.0, 4.0])
    assert y.dtype == np.float64  # NumPy's promotion
    y.sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.data, [3.0, 4.0])


def test_comparisons_give_bool_tensors_without_grad() -> None:
    x = Tensor([-1.0, 0.0, 2.0], requires_grad=True)
    for result, expected in [
        (x < 0, [True, False, False]),
        (x <= 0, [True, True, False]),
        (x > 0, [False, False, True]),
        (x >= 0, [False, True, True]),
        (x == 0, [False, True, False]),
        (x != 0, [True, False, True]),
        (np.zeros(3) < x, [False, False, True]),
    ]:
        assert isinstance(result, Tensor)
        assert result.dtype == np.bool_
        assert not result.requires_grad and result.grad_fn is None
        np.testing.assert_array_equal(result.data, expected)


@pytest.mark.parametrize(
    ("op", "name"),
    [
        (lambda a, b: a < b, "less"),
        (lambda a, b: a == b, "equal"),
        (lambda a, b: a & b, "logical_and"),
    ],
)
def test_comparison_of_unbroadcastable_shapes_names_the_op_and_shapes(
    op: object, name: str
) -> None:
    with pytest.raises(ValueError, match=rf"{name}: shapes \(2,\) and \(3,\) cannot be broadcast"):
        op(Tensor([1.0, 2.0]), np.ones(3))  # type: ignore[operator]


def test_bool_tensor_mask_indexing_scatters_gradient_back() -> None:
    x = Tensor([-1.0, 3.0, 2.0], requires_grad=True)
    y = x[x > 0]
    np.testing.assert_array_equal(y.data, [3.0, 2.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 1.0, 1.0])


# ---- attributes -----------------------------------------------------------------------------
def test_leaf_attributes() -> None:
    t = Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], name="x")
    assert isinstance(t.data, np.ndarray)
    assert t.grad is None
    assert t.requires_grad is False
    assert t.is_leaf
    assert t.grad_fn is None
    assert t.shape == (2, 3)
    assert t.ndim == 2
    assert t.dtype == np.float32
    assert t.name == "x"
    assert Tensor(1.0).name is None
    assert len(t) == 2
    assert t.numel() == 6


def test_non_leaf_attributes() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    assert not y.is_leaf
    assert y.requires_grad
    assert y.grad_fn is not None
    assert x.is_leaf and x.grad_fn is None
    # an op on tensors that need no grad records nothing
    z = Tensor([1.0]) * 2
    assert z.is_leaf and z.grad_fn is None and not z.requires_grad


@pytest.mark.parametrize(
    ("fn", "name"),
    [
        (lambda a, b: a + b, "add"),
        (lambda a, b: a * b, "mul"),
        (lambda a, b: a @ b, "matmul"),
        (lambda a, b: a.exp(), "exp"),
        (lambda a, b: ag.exp(a), "exp"),
        (lambda a, b: a.sum(), "sum"),
        (lambda a, b: ag.sum(a, axis=0), "sum"),
        (lambda a, b: a.tanh(), "tanh"),
        (lambda a, b: a.log_softmax(), "log_softmax"),
        (lambda a, b: ag.broadcast_to(a, (3, 2, 2)), "broadcast_to"),
    ],
)
def test_grad_fn_name_is_the_lowercase_op_name(fn: object, name: str) -> None:
    a = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    b = Tensor([[0.5, 1.0], [1.5, 2.0]], requires_grad=True)
    assert fn(a, b).grad_fn.name == name  # type: ignore[operator]


def test_len_of_0d_tensor_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="0-d"):
        len(Tensor(1.0))


def test_item() -> None:
    assert Tensor(2.5).item() == 2.5
    assert isinstance(Tensor(2.5).item(), float)
    assert Tensor([[7]]).item() == 7
    assert isinstance(Tensor([[7]]).item(), int)
    with pytest.raises(ValueError, match=r"item: .*one-element.*\(2,\)"):
        Tensor([1.0, 2.0]).item()


def test_numpy_and_asarray_give_the_array() -> None:
    t = Tensor([[1.0, 2.0]])
    assert t.numpy() is t.data
    a = np.asarray(t)
    assert isinstance(a, np.ndarray)
    np.testing.assert_array_equal(a, [[1.0, 2.0]])
    assert np.asarray(t, dtype=np.float64).dtype == np.float64
    assert np.array(t).dtype == np.float32


def test_transpose_property() -> None:
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    y = x.T
    assert y.shape == (3, 2)
    np.testing.assert_array_equal(y.data, x.data.T)
    (y * Tensor(np.arange(6.0).reshape(3, 2))).sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.arange(6.0).reshape(3, 2).T)


def test_repr_shows_data_dtype_and_grad_fn() -> None:
    x = Tensor([1.5, -2.0], requires_grad=True)
    r = repr(x)
    assert r.startswith("Tensor(")
    assert "1.5" in r and "-2." in r
    assert "float32" in r
    assert "requires_grad=True" in r
    y = x * 3
    assert "mul" in repr(y) and "grad_fn" in repr(y)
    assert "float64" in repr(Tensor(np.zeros(2)))
    assert "grad_fn" not in repr(Tensor([1.0]))


# ---- every method is also an `ag` function (API.md "Functions") ------------------------------
# (method, positional arguments after the tensor); one per method API.md lists.
METHODS = [
    *((name, ()) for name in "exp log sqrt sin cos tanh sigmoid relu abs sign".split()),
    *((name, (1,)) for name in "sum mean var std max min prod logsumexp argmax argmin".split()),
    ("softmax", (0,)),
    ("log_softmax", (0,)),
    ("reshape", ((3, 2, 1),)),
    ("flatten", ()),
    ("transpose", ((1, 0, 2),)),
    ("swapaxes", (0, 2)),
    ("squeeze", (2,)),
    ("expand_dims", (0,)),
    ("broadcast_to", ((4, 2, 3, 1),)),
    ("clip", (0.6, 1.2)),
    ("pow", (3.0,)),
    ("matmul", (np.ones((1, 2)),)),
]


@pytest.mark.parametrize(("name", "args"), METHODS, ids=[m[0] for m in METHODS])
def test_each_method_has_an_ag_function_giving_the_same_result(name: str, args: tuple) -> None:
    x = Tensor(np.linspace(0.5, 1.5, 6).reshape(2, 3, 1))
    expected = getattr(x, name)(*args)
    got = getattr(ag, name)(x, *args)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_array_equal(got.data, expected.data)


@pytest.mark.parametrize(("name", "args"), METHODS, ids=[m[0] for m in METHODS])
def test_each_ag_function_takes_nested_lists_as_numpy_does(name: str, args: tuple) -> None:
    # NumPy's functions take array_like: a nested list is read as np.asarray would read it.
    data = np.linspace(0.5, 1.5, 6).reshape(2, 3, 1)
    expected = getattr(Tensor(data), name)(*args)
    got = getattr(ag, name)(data.tolist(), *args)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_array_equal(got.data, expected.data)


@pytest.mark.parametrize("name", "sum mean var std max min prod logsumexp flatten".split())
def test_ag_reductions_take_a_python_number(name: str) -> None:
    expected = getattr(Tensor(np.float64(2.0)), name)()
    got = getattr(ag, name)(2.0)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_array_equal(got.data, expected.data)


# ---- copying and pickling ---------------------------------------------------------------------
def test_a_pickled_leaf_comes_back_whole() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True, name="w")
    (x * 3).sum().backward()
    y = pickle.loads(pickle.dumps(x))
    assert y.requires_grad and y.is_leaf and y.name == "w"
    np.testing.assert_array_equal(y.data, x.data)
    np.testing.assert_array_equal(y.grad.data, [3.0, 3.0])
    assert y.data is not x.data


def test_an_ops_output_unpickles_as_a_leaf_as_in_pytorch() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    h.name = "h"
    h.data[0] = 5.0  # the values pickled are the tensor's as they are now
    y = pickle.loads(pickle.dumps(h))
    assert y.is_leaf and y.grad_fn is None and y.requires_grad and y.name == "h"
    np.testing.assert_array_equal(y.data, [5.0, 4.0])
    (y * y).sum().backward()  # a leaf of its own graph
    np.testing.assert_array_equal(y.grad.data, [10.0, 8.0])
    assert x.grad is None


def test_deepcopy_of_a_leaf_copies_data_and_grad() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    y = copy.deepcopy(x)
    assert type(y) is Tensor and y.is_leaf and y.requires_grad
    assert y.data is not x.data and y.grad is not x.grad and y.grad.data is not x.grad.data
    np.testing.assert_array_equal(y.grad.data, [2.0, 4.0])
    y.data[0] = 9.0
    assert x.data[0] == 1.0


def test_deepcopy_keeps_shared_arrays_shared() -> None:
    """The memo holds: two tensors over one array copy to two tensors over one new array."""
    a = Tensor([1.0, 2.0])
    b = a.detach()
    a2, b2 = copy.deepcopy([a, b])
    assert a2.data is b2.data and a2.data is not a.data


def test_deepcopy_of_an_ops_output_is_a_runtime_error_as_in_pytorch() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"deepcopy: only leaf tensors .* made by mul"):
        copy.deepcopy(x * 2)
    np.testing.assert_array_equal(copy.deepcopy((x * 2).detach()).data, [2.0, 4.0])
