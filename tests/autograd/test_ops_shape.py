"""Shape ops, each explicitly: the forward against NumPy, gradcheck and gradgradcheck in
float64, and the argument forms users reach for (pad widths, split by sections and by
indices, negative axes, shapes as ints or one tuple)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from op_checks import check_gradients, leaves

import autograd as ag
from autograd import Tensor
from autograd.ops.shape import sum_to

X = np.arange(24, dtype=np.float64).reshape(2, 3, 4) / 7 - 1.5


def _same(got: Tensor, expected: np.ndarray) -> None:
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got.data, expected)


@pytest.mark.parametrize(
    ("call", "reference"),
    [
        (lambda t: t.reshape(4, 6), lambda x: x.reshape(4, 6)),
        (lambda t: t.reshape((4, 6)), lambda x: x.reshape(4, 6)),
        (lambda t: t.reshape(-1, 2), lambda x: x.reshape(-1, 2)),
        (lambda t: ag.reshape(t, (3, -1)), lambda x: x.reshape(3, -1)),
        (lambda t: ag.reshape(t, 24), lambda x: x.reshape(24)),
        (lambda t: t.flatten(), lambda x: x.flatten()),
        (lambda t: ag.flatten(t), lambda x: x.ravel()),
        (lambda t: t.transpose(), lambda x: x.transpose()),
        (lambda t: t.T, lambda x: x.T),
        (lambda t: t.transpose(1, 0, 2), lambda x: x.transpose(1, 0, 2)),
        (lambda t: t.transpose((2, 0, 1)), lambda x: x.transpose(2, 0, 1)),
        (lambda t: ag.transpose(t, (-1, 0, -2)), lambda x: np.transpose(x, (-1, 0, -2))),
        (lambda t: t.swapaxes(0, 2), lambda x: x.swapaxes(0, 2)),
        (lambda t: ag.swapaxes(t, -1, 1), lambda x: np.swapaxes(x, -1, 1)),
        (lambda t: t.expand_dims(0), lambda x: np.expand_dims(x, 0)),
        (lambda t: ag.expand_dims(t, (1, -1)), lambda x: np.expand_dims(x, (1, -1))),
        (lambda t: t.broadcast_to((5, 2, 3, 4)), lambda x: np.broadcast_to(x, (5, 2, 3, 4))),
    ],
)
def test_views_and_rearrangements(call: Callable, reference: Callable) -> None:
    _same(call(Tensor(X)), reference(X))
    check_gradients(call, X)


@pytest.mark.parametrize("axis", [None, 0, 2, -1, (0, 2)])
def test_squeeze(axis: Any) -> None:
    x = np.linspace(-1, 1, 6).reshape(1, 2, 1, 3, 1)
    _same(Tensor(x).squeeze(axis), np.squeeze(x, axis))
    check_gradients(lambda t: ag.squeeze(t, axis), x)


@pytest.mark.parametrize(
    ("shape", "target"),
    [((3,), (2, 3)), ((1, 3), (4, 3)), ((2, 1), (2, 5)), ((), (2, 2)), ((2, 1, 1), (3, 2, 2, 2))],
)
def test_broadcast_to_and_its_reverse_sum_to(shape: tuple, target: tuple) -> None:
    x = np.linspace(-1, 1, int(np.prod(shape))).reshape(shape)
    _same(ag.broadcast_to(Tensor(x), target), np.broadcast_to(x, target))
    check_gradients(lambda t: ag.broadcast_to(t, target), x)
    big = np.linspace(-2, 2, int(np.prod(target))).reshape(target)
    lead = len(target) - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape) if n == 1)
    np.testing.assert_allclose(
        sum_to(Tensor(big), shape).data, big.sum(axis=axes, keepdims=True).reshape(shape)
    )
    check_gradients(lambda t: sum_to(t, shape), big)


@pytest.mark.parametrize("axis", [0, 1, 2, -1, -3])
def test_concatenate_along_each_axis(axis: int) -> None:
    a = X
    b_shape = list(X.shape)
    b_shape[axis] = 2
    b = np.linspace(-1, 1, int(np.prod(b_shape))).reshape(b_shape)
    _same(
        ag.concatenate([Tensor(a), Tensor(b), Tensor(a)], axis=axis),
        np.concatenate([a, b, a], axis),
    )
    check_gradients(lambda p, q: ag.concatenate([p, q, p * 2], axis=axis), a, b)


def test_concatenate_default_axis_and_mixed_inputs() -> None:
    a, b = np.ones((2, 3)), np.zeros((1, 3))
    _same(ag.concatenate([Tensor(a), b]), np.concatenate([a, b]))
    (x,) = leaves(a)
    ag.concatenate([x, b]).sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.ones((2, 3)))


@pytest.mark.parametrize("axis", [0, 1, 3, -1, -4])
def test_stack_along_each_new_axis(axis: int) -> None:
    a, b = X, -X * 0.5
    _same(ag.stack([Tensor(a), Tensor(b)], axis=axis), np.stack([a, b], axis))
    check_gradients(lambda p, q: ag.stack([p, q, p], axis=axis), a, b)


@pytest.mark.parametrize(
    ("how", "axis"),
    [(2, 0), (3, 1), (4, -1), ([1, 3], 2), ([2], 1), ([0, 2, 2], -2), ([1, 3], -1)],
)
def test_split_by_sections_and_by_indices(how: Any, axis: int) -> None:
    pieces = ag.split(Tensor(X), how, axis=axis)
    expected = np.split(X, how, axis=axis)
    assert len(pieces) == len(expected)
    for got, want in zip(pieces, expected):
        _same(got, want)
    weights = [float(i + 1) for i in range(len(expected))]

    def weighted(t: Tensor) -> Tensor:
        return ag.concatenate([(p * w).flatten() for p, w in zip(ag.split(t, how, axis), weights)])

    check_gradients(weighted, X)


def test_split_gradient_reassembles_the_pieces() -> None:
    (x,) = leaves(X)
    first, second = ag.split(x, [1], axis=1)
    (first.sum() * 2 + second.sum() * 3).backward()
    expected = np.full(X.shape, 3.0)
    expected[:, :1] = 2.0
    np.testing.assert_array_equal(x.grad.data, expected)


def test_split_into_unequal_sections_is_an_error() -> None:
    with pytest.raises(ValueError, match="split: an axis of size 3 cannot be split into 2 equal"):
        ag.split(Tensor(X), 2, axis=1)


@pytest.mark.parametrize(
    "pad_width",
    [
        0,
        1,
        (2,),
        (1, 2),
        ((1, 0),),
        ((1, 2), (0, 1), (2, 0)),
        [[0, 0], [1, 1], [0, 3]],
        np.array([[1, 0], [0, 0], [0, 2]]),
    ],
    ids=repr,
)
def test_pad_width_forms(pad_width: Any) -> None:
    _same(ag.pad(Tensor(X), pad_width), np.pad(X, pad_width))
    check_gradients(lambda t: ag.pad(t, pad_width), X)


def test_pad_gradient_crops_the_padding() -> None:
    (x,) = leaves(np.ones((2, 2)))
    padded = ag.pad(x, ((1, 0), (0, 2)))
    (padded * Tensor(np.arange(12.0).reshape(3, 4))).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[4.0, 5.0], [8.0, 9.0]])


@pytest.mark.parametrize("pad_width", [1.5, (1, 2.0), None, "a", True, []], ids=repr)
def test_pad_width_must_be_integers(pad_width: Any) -> None:
    """As np.pad's TypeError: a float width was truncated (1.5 padded by 1)."""
    with pytest.raises(TypeError, match=r"^pad: pad_width must be integers, got .*\(dtype "):
        ag.pad(Tensor(X), pad_width)


@pytest.mark.parametrize("pad_width", [0, 2, (1, 2), ((1, 2),)], ids=repr)
def test_pad_of_a_0d_tensor_is_a_copy_as_numpy(pad_width: Any) -> None:
    x = Tensor(np.array(1.5), requires_grad=True)
    y = ag.pad(x, pad_width)
    _same(y, np.pad(x.data, pad_width))
    assert y.data is not x.data
    check_gradients(lambda t: ag.pad(t, pad_width), np.array(1.5))
    with pytest.raises(ValueError, match=r"^pad: pad_width must be non-negative, got -1$"):
        ag.pad(x, -1)
    with pytest.raises(ValueError, match=r"^pad: pad_width \(1, 2, 3\) does not fit .* shape \(\)"):
        ag.pad(x, (1, 2, 3))


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (lambda t: ag.pad(t, -1), "pad: pad_width must be non-negative"),
        (lambda t: ag.pad(t, ((1, 1), (1, 1))), r"pad: pad_width .* does not fit .* \(2, 3, 4\)"),
        (
            lambda t: t.reshape(5, 5),
            r"reshape: cannot reshape .* \(2, 3, 4\) .* into shape \(5, 5\)",
        ),
        (lambda t: t.broadcast_to((3, 3, 4)), r"broadcast_to: cannot broadcast shape \(2, 3, 4\)"),
        (lambda t: ag.stack([t, t[0]]), "stack: cannot stack shapes"),
    ],
)
def test_shape_errors(call: Callable, pattern: str) -> None:
    with pytest.raises(ValueError, match=pattern):
        call(Tensor(X))


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (lambda t: t.reshape(2.5, 2), r"reshape: the new shape must be ints, got \(2\.5, 2\)"),
        (
            lambda t: ag.transpose(t, (1.0, 0, 2)),
            r"transpose: axes must be ints, got \(1\.0, 0, 2\)",
        ),
        (lambda t: t.swapaxes(0, 1.5), r"swapaxes: axes must be ints, got 0 and 1\.5"),
        (lambda t: t.expand_dims(1.5), r"expand_dims: axis must be an int .*got 1\.5"),
        (lambda t: t.squeeze(0.5), r"squeeze: axis must be an int .*got 0\.5"),
        (lambda t: t.broadcast_to("a"), r"broadcast_to: the shape must be ints, got \('a',\)"),
        (lambda t: ag.concatenate([t, t], axis=0.5), r"concatenate: .*axis 0\.5"),
        (lambda t: ag.stack([t, t], axis=0.5), r"stack: .*axis 0\.5"),
        (lambda t: ag.split(t, [1.5]), r"split: .*indices_or_sections=\[1\.5\]"),
        (lambda t: ag.split(t, 2, axis=0.5), r"split: .*axis=0\.5"),
    ],
)
def test_non_integer_shapes_and_axes_are_type_errors(call: Callable, pattern: str) -> None:
    """As NumPy's TypeErrors, naming the op and the shape; split truncated [1.5] to [1]."""
    with pytest.raises(TypeError, match=f"^{pattern}"):
        call(Tensor(X))
