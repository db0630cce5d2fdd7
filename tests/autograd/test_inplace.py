"""In-place methods and the version counter that guards saved tensors (API.md "In-place")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor


def _setitem(t: Tensor, v: Any) -> Tensor:
    t[0] = v
    return t


def _iadd(t: Tensor, v: Any) -> Tensor:
    t += v
    return t


def _isub(t: Tensor, v: Any) -> Tensor:
    t -= v
    return t


def _imul(t: Tensor, v: Any) -> Tensor:
    t *= v
    return t


def _idiv(t: Tensor, v: Any) -> Tensor:
    t /= v
    return t


# (name, apply(t), expected data for t = [1, 2, 4])
INPLACE: list[tuple[str, Callable[[Tensor], Any], list[float]]] = [
    ("add_", lambda t: t.add_(2.0), [3.0, 4.0, 6.0]),
    ("sub_", lambda t: t.sub_(Tensor([1.0, 1.0, 1.0])), [0.0, 1.0, 3.0]),
    ("mul_", lambda t: t.mul_(np.array([2.0, 3.0, 0.5])), [2.0, 6.0, 2.0]),
    ("div_", lambda t: t.div_(2.0), [0.5, 1.0, 2.0]),
    ("zero_", lambda t: t.zero_(), [0.0, 0.0, 0.0]),
    ("fill_", lambda t: t.fill_(7.0), [7.0, 7.0, 7.0]),
    ("copy_", lambda t: t.copy_(Tensor([9.0, 8.0, 7.0])), [9.0, 8.0, 7.0]),
    ("setitem", lambda t: _setitem(t, 5.0), [5.0, 2.0, 4.0]),
    ("+=", lambda t: _iadd(t, 1.0), [2.0, 3.0, 5.0]),
    ("-=", lambda t: _isub(t, 1.0), [0.0, 1.0, 3.0]),
    ("*=", lambda t: _imul(t, 2.0), [2.0, 4.0, 8.0]),
    ("/=", lambda t: _idiv(t, 4.0), [0.25, 0.5, 1.0]),
]
IDS = [name for name, _, _ in INPLACE]


@pytest.mark.parametrize(("name", "op", "expected"), INPLACE, ids=IDS)
def test_inplace_modifies_data_and_bumps_version(name: str, op: Callable, expected: list) -> None:
    t = Tensor([1.0, 2.0, 4.0])
    data = t.data
    assert t._version == 0
    result = op(t)
    assert result is t or name == "setitem"
    assert t.data is data  # really in place
    assert t.dtype == np.float32
    np.testing.assert_array_equal(t.data, expected)
    assert t._version == 1
    op(t)
    assert t._version == 2


@pytest.mark.parametrize(("name", "op", "expected"), INPLACE, ids=IDS)
def test_inplace_on_leaf_requiring_grad_raises_in_grad_mode(
    name: str, op: Callable, expected: list
) -> None:
    t = Tensor([1.0, 2.0, 4.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"leaf tensor that requires grad.*no_grad"):
        op(t)
    np.testing.assert_array_equal(t.data, [1.0, 2.0, 4.0])
    assert t._version == 0


@pytest.mark.parametrize(("name", "op", "expected"), INPLACE, ids=IDS)
def test_inplace_on_leaf_requiring_grad_works_under_no_grad(
    name: str, op: Callable, expected: list
) -> None:
    t = Tensor([1.0, 2.0, 4.0], requires_grad=True)
    with ag.no_grad():
        op(t)
    np.testing.assert_array_equal(t.data, expected)
    assert t.requires_grad and t.is_leaf
    assert t._version == 1


def test_inplace_on_a_non_leaf_in_grad_mode_raises() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    with pytest.raises(RuntimeError, match=r"mul_: .*recorded graph.*exp.*`x = x \* y`"):
        y.mul_(2.0)
    with pytest.raises(RuntimeError, match=r"setitem: .*recorded graph.*ag\.where"):
        y[0] = 1.0


def test_writing_a_tensor_that_requires_grad_into_a_plain_one_raises() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    buf = ag.zeros(2)
    with pytest.raises(RuntimeError, match=r"copy_: .*requires grad"):
        buf.copy_(x)
    with pytest.raises(RuntimeError, match=r"add_: .*requires grad"):
        buf.add_(x)
    with pytest.raises(RuntimeError, match=r"setitem"):
        buf[0] = x[0]
    with ag.no_grad():
        buf.copy_(x)
    np.testing.assert_array_equal(buf.data, [1.0, 2.0])
    assert not buf.requires_grad


def test_inplace_broadcasts_and_supports_index_forms() -> None:
    t = ag.zeros(2, 3)
    t.add_(Tensor([1.0, 2.0, 3.0]))
    t[:, 0] = Tensor([-1.0, -2.0])
    t[t > 2.5] = 0.0
    t[np.array([1]), np.array([1])] = 9.0
    np.testing.assert_array_equal(t.data, [[-1.0, 2.0, 0.0], [-2.0, 9.0, 0.0]])
    assert t._version == 4


# ---- saved tensors modified before backward -------------------------------------------------
@pytest.mark.parametrize(
    ("fn", "op"),
    [
        (lambda c, w: c * w, "mul"),
        (lambda c, w: w / c, "div"),
        (lambda c, w: c @ w, "matmul"),
        (lambda c, w: w**c, "pow"),
    ],
)
def test_saved_input_modified_in_place_raises_naming_the_op(fn: Callable, op: str) -> None:
    c = Tensor([[1.0, 2.0], [3.0, 4.0]])  # a constant the op saves for its gradient
    w = Tensor([[0.5, 1.5], [2.5, 3.5]], requires_grad=True)
    y = fn(c, w).sum()
    c.mul_(2.0)
    with pytest.raises(RuntimeError, match=rf"^{op}: .*modified in place"):
        y.backward()


def test_parameter_updated_before_backward_raises() -> None:
    """The classic bug: an optimizer step between forward and backward."""
    w = Tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    with ag.no_grad():
        w.sub_(0.1)
    with pytest.raises(RuntimeError, match=r"mul: input 0 \(shape \(2,\), dtype float32\)"):
        loss.backward()


def test_saved_output_modified_through_detach_raises() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()  # exp saves its output
    y.detach().mul_(2.0)
    with pytest.raises(RuntimeError, match=r"exp: its output was modified in place"):
        y.sum().backward()


def test_saved_output_modified_under_no_grad_raises() -> None:
    """The output's version counter is made at the write, and still reaches its node."""
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x.tanh()  # tanh saves its output
    assert y._vc is None  # no counter until something needs one
    with ag.no_grad():
        y.add_(1.0)
    with pytest.raises(RuntimeError, match=r"tanh: its output was modified in place"):
        y.sum().backward()


def test_saved_output_modified_through_a_view_raises() -> None:
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x.exp()
    with ag.no_grad():
        y[1:].mul_(0.0)  # the view shares y's counter, made when the view is
    with pytest.raises(RuntimeError, match=r"exp: its output was modified in place"):
        y.sum().backward()


def test_tensors_over_one_saved_output_share_its_counter() -> None:
    """create_graph hands a rule a second Tensor over a saved output: one counter for both."""
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    twin = Tensor._make(y.data, True, y.grad_fn)  # what Context._as_tensor makes
    with ag.no_grad():
        twin.add_(1.0)
    assert y._version == twin._version == 1
    with pytest.raises(RuntimeError, match=r"exp: its output was modified in place"):
        y.sum().backward()


def test_modifying_a_tensor_no_op_saved_is_fine() -> None:
    c = Tensor([1.0, 2.0])
    w = Tensor([3.0, 4.0], requires_grad=True)
    y = (w + c).sum()  # add saves nothing
    c.fill_(0.0)
    y.backward()
    np.testing.assert_array_equal(w.grad.data, [1.0, 1.0])


def test_relu_keeps_its_mask_so_writing_its_output_leaves_the_gradient_right() -> None:
    """relu saves x > 0, taken at forward, not its output: the gradient is forward's."""
    x = Tensor([-1.0, 2.0, 3.0], requires_grad=True)
    y = x.relu()
    with ag.no_grad():
        y.fill_(0.0)  # would turn every gradient off if backward re-read the output
    (y * Tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 2.0, 3.0])


def test_retained_graph_still_checks_versions_after_backward() -> None:
    c = Tensor([1.0, 2.0])
    w = Tensor([3.0, 4.0], requires_grad=True)
    y = (w * c).sum()
    y.backward(retain_graph=True)
    np.testing.assert_array_equal(w.grad.data, [1.0, 2.0])
    c.fill_(5.0)
    with pytest.raises(RuntimeError, match="mul"):
        y.backward()  # but the retained graph still knows its values changed


def test_modifying_an_unrelated_tensor_is_fine() -> None:
    c, other = Tensor([1.0, 2.0]), Tensor([1.0, 2.0])
    w = Tensor([3.0, 4.0], requires_grad=True)
    y = (w * c).sum()
    other.add_(1.0)
    y.backward()
    np.testing.assert_array_equal(w.grad.data, [1.0, 2.0])


# ---- views share their base's version counter -----------------------------------------------
VIEWS = [
    lambda t: t[1:3],
    lambda t: t[:, 1],
    lambda t: t.reshape(-1),
    lambda t: t.T,
    lambda t: t.detach(),
]


@pytest.mark.parametrize("view", VIEWS)
def test_modifying_the_base_of_a_saved_view_raises(view: Callable) -> None:
    base = Tensor(np.arange(12.0).reshape(4, 3))
    v = view(base)
    w = Tensor(np.ones(v.shape), requires_grad=True)
    y = (v * w).sum()
    base.add_(1.0)
    assert v._version == base._version == 1
    with pytest.raises(RuntimeError, match=r"mul: .*modified in place"):
        y.backward()


@pytest.mark.parametrize("view", VIEWS)
def test_modifying_a_view_of_a_saved_base_raises(view: Callable) -> None:
    base = Tensor(np.arange(12.0).reshape(4, 3))
    w = Tensor(np.ones((4, 3)), requires_grad=True)
    y = (base * w).sum()
    view(base).zero_()
    with pytest.raises(RuntimeError, match=r"mul: .*modified in place"):
        y.backward()


def test_view_of_a_leaf_requiring_grad_shares_its_counter() -> None:
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    v = x[0:2]
    y = (v * v).sum()
    with ag.no_grad():
        x.mul_(2.0)
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()


# ---- the unchecked escape hatch -------------------------------------------------------------
def test_writing_dot_data_is_unchecked() -> None:
    w = Tensor([1.0, 2.0], requires_grad=True)
    c = Tensor([3.0, 4.0])
    y = (w * c).sum()
    c.data[0] = 10.0  # no version bump, no error: backward sees the new value
    w.data[1] = 5.0  # allowed on a leaf requiring grad, even in grad mode
    assert c._version == 0 and w._version == 0
    y.backward()
    np.testing.assert_array_equal(w.grad.data, [10.0, 4.0])
    w.data = np.array([0.0, 0.0], dtype=np.float32)  # rebinding is allowed too
    np.testing.assert_array_equal(w.data, [0.0, 0.0])


# ---- bad in-place arguments -----------------------------------------------------------------
def test_inplace_shape_mismatch_is_a_value_error() -> None:
    t = ag.zeros(3)
    with pytest.raises(ValueError, match=r"add_: shape \(4,\) .*\(3,\)"):
        t.add_(np.ones(4))
    with pytest.raises(ValueError, match=r"copy_: shape \(2, 3\) .*\(3,\)"):
        t.copy_(ag.ones(2, 3))
    assert t._version == 0


@pytest.mark.parametrize("op", [lambda t: t.add_(1.0), lambda t: t.fill_(0.0)])
def test_inplace_on_a_read_only_view_says_so(op: Callable) -> None:
    """Regression: writing into a broadcast_to view blamed the operand's shape ()."""
    t = Tensor([1.0, 2.0]).broadcast_to((3, 2))
    with pytest.raises(ValueError, match=r"_: the tensor \(shape \(3, 2\)\) is a read-only view"):
        op(t)


@pytest.mark.parametrize("value", [[4.0, 5.0, 6.0], Tensor([4.0]), np.ones((1, 3))])
def test_fill_takes_one_value_not_an_array(value: Any) -> None:
    """As NumPy's fill and PyTorch's fill_ (it broadcast arrays, like copy_)."""
    t = Tensor([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"fill_: value must be a number or a 0-d tensor, got"):
        t.fill_(value)
    t.fill_(Tensor(4.0))
    np.testing.assert_array_equal(t.data, [4.0, 4.0, 4.0])


def test_inplace_unsafe_dtype_is_a_type_error() -> None:
    t = ag.zeros(3, dtype=np.int64)
    with pytest.raises(TypeError, match=r"add_: .*float64.*int64"):
        t.add_(1.5)


@pytest.mark.parametrize(
    ("op", "result"),
    [
        (lambda t: t.div_(2), "float64"),  # int / int is float: the int operand is not the problem
        (lambda t: t.mul_(np.float32(1.5)), "float64"),  # int64 * float32 computes in float64
        (lambda t: t.add_(Tensor([1.0, 2.0, 3.0], dtype=np.float32)), "float64"),
        (lambda t: t.copy_(Tensor([1.5, 2.5, 3.5], dtype=np.float32)), "float32"),
    ],
)
def test_inplace_dtype_error_names_the_result_dtype(op: Callable, result: str) -> None:
    t = Tensor([1, 2, 3])
    with pytest.raises(TypeError, match=rf"values to write have dtype {result}, .* dtype int64"):
        op(t)
    np.testing.assert_array_equal(t.data, [1, 2, 3])
    assert t._version == 0


def test_inplace_without_a_numpy_loop_keeps_numpys_reason() -> None:
    with pytest.raises(TypeError, match=r"sub_: numpy boolean subtract.*tensor dtype bool"):
        Tensor([True, False]).sub_(True)


def test_setitem_out_of_range_is_an_index_error() -> None:
    t = ag.zeros(3)
    with pytest.raises(IndexError, match=r"setitem: .*5.*\(3,\)"):
        t[5] = 1.0


# ---- the graph keeps nodes, not intermediate tensors ------------------------------------------
def test_dropped_intermediate_modified_in_place_is_still_seen_by_its_consumer() -> None:
    """The counter lives on the node that made the tensor, which the graph keeps."""
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 2.0  # mul does not save its output: only h's consumer cares
    y = (h * h).sum()  # saves h
    with ag.no_grad():
        h.add_(1.0)
    del h
    with pytest.raises(RuntimeError, match=r"mul: input 0 \(shape \(2,\), dtype float32\)"):
        y.backward()


def test_dropped_intermediate_modified_through_a_view_is_seen() -> None:
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = x * 2.0
    y = (h * h).sum()
    view = h[1:]  # shares h's counter, and so its node's
    del h
    with ag.no_grad():
        view.mul_(0.0)
    with pytest.raises(RuntimeError, match=r"mul: input 0 .*modified in place"):
        y.backward()


def test_output_written_when_its_node_saved_nothing_is_fine() -> None:
    """A counter on a node that did not save its output is not a reason to raise."""
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 2.0  # saves x and 2.0, not h
    y = (h + 1.0).sum()  # add saves nothing
    with ag.no_grad():
        h.add_(1.0)
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])
