"""The backward driver's semantics: accumulation, retain_graph, hooks, ag.grad, higher
order, deep chains, freeing the graph and never aliasing gradients (API.md "backward")."""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import autograd as ag
from autograd import Tensor
from autograd.opcheck import reference_sum_to


def f64(data: Any, requires_grad: bool = True) -> Tensor:
    return Tensor(np.asarray(data, dtype=np.float64), requires_grad=requires_grad)


def assert_no_shared_memory(*arrays: np.ndarray) -> None:
    for i, a in enumerate(arrays):
        for b in arrays[i + 1 :]:
            assert not np.shares_memory(a, b)


# ---- accumulation and .grad -----------------------------------------------------------------
def test_gradients_accumulate_into_leaves_across_backward_calls() -> None:
    x = f64([1.0, 2.0])
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 4.0])
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [5.0, 7.0])
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 3.0])


def test_grad_is_a_tensor_without_graph_in_the_leaf_dtype() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)  # float32
    (x * np.float64(2.0)).astype(np.float64).sum().backward()
    assert isinstance(x.grad, Tensor)
    assert x.grad.dtype == np.float32
    assert not x.grad.requires_grad and x.grad.grad_fn is None


def test_backward_of_a_leaf() -> None:
    x = f64([1.0, 2.0])
    x.backward(np.array([3.0, 4.0]))
    np.testing.assert_array_equal(x.grad.data, [3.0, 4.0])


def test_non_leaf_grad_stays_none_unless_retained() -> None:
    x = f64([1.0, 2.0])
    y = x * 2
    z = y * 3
    z.retain_grad()
    (z * z).sum().backward()
    assert y.grad is None
    np.testing.assert_array_equal(z.grad.data, 2 * z.data)
    np.testing.assert_array_equal(x.grad.data, 2 * z.data * 6)


def test_retained_grad_accumulates_like_a_leaf() -> None:
    x = f64([1.0, 2.0])
    y = x * 2
    y.retain_grad()
    s = y.sum()
    s.backward(retain_graph=True)
    s.backward()
    np.testing.assert_array_equal(y.grad.data, [2.0, 2.0])


def test_retain_grad_on_a_leaf_keeps_its_usual_grad() -> None:
    x = f64([1.0])
    x.retain_grad()
    (x * 5).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [5.0])


# ---- the gradient argument ------------------------------------------------------------------
@pytest.mark.parametrize("as_tensor", [False, True])
def test_gradient_argument_weights_the_output(as_tensor: bool) -> None:
    x = f64([1.0, 2.0, 3.0])
    g = np.array([1.0, -2.0, 0.5])
    (x * x).backward(Tensor(g) if as_tensor else g)
    np.testing.assert_array_equal(x.grad.data, 2 * x.data * g)


def test_gradient_in_another_dtype_is_cast() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x * 2).backward(np.array([1.0, 1.0]))  # float64 gradient for a float32 output
    assert x.grad.dtype == np.float32


@pytest.mark.parametrize("shape", [(), (1,), (1, 1)])
def test_gradient_may_be_omitted_for_one_element_tensors(shape: tuple) -> None:
    x = f64(np.full(shape, 3.0))
    (x * x).backward()
    np.testing.assert_array_equal(x.grad.data, np.full(shape, 6.0))


@pytest.mark.parametrize("bad", [np.ones(3), np.ones((2, 1)), np.ones(()), [1.0, 2.0, 3.0]])
def test_gradient_of_wrong_shape_is_a_value_error(bad: Any) -> None:
    x = f64([[1.0, 2.0]])
    with pytest.raises(ValueError, match=r"backward: gradient has shape .* \(1, 2\)"):
        (x * 2).backward(bad)


def test_omitted_gradient_for_many_elements_is_a_runtime_error() -> None:
    x = f64([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"one-element.*\(2,\)"):
        (x * 2).backward()


def test_backward_of_tensor_not_requiring_grad_is_a_runtime_error() -> None:
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor(1.0).backward()
    x = f64(1.0)
    with ag.no_grad():
        y = x * 2
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.backward()


# ---- retain_graph and create_graph ----------------------------------------------------------
def test_second_backward_through_freed_graph_says_retain_graph() -> None:
    x = f64([1.0, 2.0])
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=r"second time.*retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_identical_backward() -> None:
    x = f64([0.5, -1.0])
    w = f64([2.0, 3.0])
    y = ((x * w).tanh() * x.exp()).sum()
    y.backward(retain_graph=True)
    first_x, first_w = x.grad.data.copy(), w.grad.data.copy()
    x.grad = w.grad = None
    y.backward(retain_graph=True)
    np.testing.assert_array_equal(x.grad.data, first_x)
    np.testing.assert_array_equal(w.grad.data, first_w)
    y.backward()
    np.testing.assert_array_equal(x.grad.data, 2 * first_x)
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_create_graph_makes_grad_differentiable_and_retains_the_graph() -> None:
    x = f64([1.0, 2.0])
    y = (x**3).sum()
    y.backward(create_graph=True)
    gx = x.grad
    np.testing.assert_array_equal(gx.data, 3 * x.data**2)
    assert gx.requires_grad and gx.grad_fn is not None
    x.grad = None
    gx.sum().backward()
    np.testing.assert_array_equal(x.grad.data, 6 * x.data)
    y.backward()  # create_graph=True implied retain_graph=True
    np.testing.assert_array_equal(x.grad.data, 6 * x.data + 3 * x.data**2)


# ---- graph shapes: diamonds, reuse, several paths -------------------------------------------
def test_diamond_graph() -> None:
    """x -> a -> (b, c) -> d: both paths through a are summed."""
    x = f64([0.3, -0.7])
    a = x * 2
    b = a.exp()
    c = a.sin()
    d = (b * c).sum()
    d.backward()
    av = 2 * x.data
    expected = 2 * (np.exp(av) * np.sin(av) + np.exp(av) * np.cos(av))
    np.testing.assert_allclose(x.grad.data, expected, rtol=1e-12)


def test_tensor_used_many_times() -> None:
    x = f64([1.5, -2.0])
    total = x * 0
    for k in range(1, 21):
        total = total + x * k
    (total + x * x).sum().backward()
    np.testing.assert_allclose(x.grad.data, sum(range(1, 21)) + 2 * x.data)


def test_same_tensor_as_both_operands() -> None:
    x = f64([3.0])
    (x * x + x / x + x - x).sum().backward()
    np.testing.assert_allclose(x.grad.data, [6.0])


def test_multiple_paths_of_different_lengths() -> None:
    x = f64(0.5)
    y = x.tanh()
    z = y.exp() + y * x + x
    z.backward()
    t = np.tanh(0.5)
    dt = 1 - t**2
    np.testing.assert_allclose(x.grad.data, np.exp(t) * dt + dt * 0.5 + t + 1, rtol=1e-12)


def test_branch_that_does_not_require_grad_is_skipped() -> None:
    x = f64([1.0, 2.0])
    c = Tensor([5.0, 6.0])
    (x * c + c.exp()).sum().backward()
    assert c.grad is None
    np.testing.assert_array_equal(x.grad.data, [5.0, 6.0])


# ---- broadcasting: gradients summed back to each input's shape ------------------------------
@pytest.mark.parametrize(
    ("shape_a", "shape_b"),
    [
        ((3, 1), (1, 4)),
        ((2, 3, 4), (4,)),
        ((2, 3, 4), (3, 1)),
        ((5, 1, 3), (1, 1)),
        ((), (2, 3)),
        ((1,), (2, 1, 3)),
        ((2, 1, 1, 3), (4, 1)),
    ],
)
def test_broadcast_gradients_are_summed_back(shape_a: tuple, shape_b: tuple) -> None:
    rng = np.random.default_rng(0)
    a = f64(rng.normal(size=shape_a))
    b = f64(rng.normal(size=shape_b))
    out = a * b + a
    g = rng.normal(size=out.shape)
    out.backward(g)
    assert a.grad.shape == shape_a and b.grad.shape == shape_b
    bb = np.broadcast_to(b.data, out.shape)
    ab = np.broadcast_to(a.data, out.shape)
    np.testing.assert_allclose(a.grad.data, reference_sum_to(g * bb + g, shape_a), rtol=1e-12)
    np.testing.assert_allclose(b.grad.data, reference_sum_to(g * ab, shape_b), rtol=1e-12)


@given(
    shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3),
    op=st.sampled_from(["add", "sub", "mul", "div"]),
)
def test_broadcast_gradients_for_any_shape_pair(shapes: Any, op: str) -> None:
    (shape_a, shape_b), out_shape = shapes.input_shapes, shapes.result_shape
    rng = np.random.default_rng(1)
    a = f64(rng.uniform(0.5, 2.0, size=shape_a))
    b = f64(rng.uniform(0.5, 2.0, size=shape_b))
    out = {"add": a + b, "sub": a - b, "mul": a * b, "div": a / b}[op]
    assert out.shape == out_shape
    g = rng.normal(size=out_shape)
    out.backward(g)
    ab, bb = np.broadcast_to(a.data, out_shape), np.broadcast_to(b.data, out_shape)
    local = {
        "add": (g, g),
        "sub": (g, -g),
        "mul": (g * bb, g * ab),
        "div": (g / bb, -g * ab / bb**2),
    }[op]
    assert a.grad.shape == shape_a and b.grad.shape == shape_b
    np.testing.assert_allclose(a.grad.data, reference_sum_to(local[0], shape_a), rtol=1e-10)
    np.testing.assert_allclose(b.grad.data, reference_sum_to(local[1], shape_b), rtol=1e-10)


def test_broadcast_against_numpy_array_and_scalar() -> None:
    x = f64([[1.0], [2.0]])
    (x * np.array([1.0, 2.0, 3.0]) + 1.0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[6.0], [6.0]])


# ---- hooks, retain_grad, detach, requires_grad_ ---------------------------------------------
def test_leaf_hook_sees_the_gradient_and_may_replace_it() -> None:
    x = f64([1.0, 2.0])
    seen: list[Tensor] = []

    def hook(g: Tensor) -> Tensor:
        seen.append(g)
        return g * 10

    x.register_hook(hook)
    (x * 3).sum().backward()
    assert len(seen) == 1 and isinstance(seen[0], Tensor)
    np.testing.assert_array_equal(seen[0].data, [3.0, 3.0])
    np.testing.assert_array_equal(x.grad.data, [30.0, 30.0])


def test_non_leaf_hook_replacement_flows_upstream() -> None:
    x = f64([1.0, 2.0])
    y = x * 2
    y.register_hook(lambda g: g * 10)
    (y * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [60.0, 60.0])


def test_hook_returning_none_keeps_the_gradient() -> None:
    x = f64([1.0])
    calls = []
    x.register_hook(lambda g: calls.append(g.item()))
    (x * 4).sum().backward()
    assert calls == [4.0]
    np.testing.assert_array_equal(x.grad.data, [4.0])


def test_hook_runs_once_with_the_total_gradient() -> None:
    x = f64([1.0])
    y = x * 2
    seen: list[float] = []
    y.register_hook(lambda g: seen.append(g.item()))
    (y * 3 + y * 4).sum().backward()
    assert seen == [7.0]


def test_hooks_run_in_registration_order_and_chain() -> None:
    x = f64([1.0])
    x.register_hook(lambda g: g + 1)
    x.register_hook(lambda g: g * 10)
    (x * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [30.0])


def test_hook_removal_handle() -> None:
    x = f64([1.0])
    y = x * 2
    remove_leaf = x.register_hook(lambda g: g * 0)
    remove_node = y.register_hook(lambda g: g * 100)
    remove_leaf()
    remove_node()
    (y * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [6.0])


def test_hook_handle_has_pytorchs_remove() -> None:
    """Code written for PyTorch removes a hook with handle.remove(); twice is harmless."""
    x = f64([1.0])
    y = x * 2
    leaf = x.register_hook(lambda g: g * 0)
    node = y.register_hook(lambda g: g * 100)
    leaf.remove()
    node.remove()
    node.remove()
    (y * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [6.0])


@pytest.mark.parametrize("leaf", [True, False], ids=["leaf", "intermediate"])
@pytest.mark.parametrize(
    ("replace", "what"),
    [
        (lambda g: Tensor([1.0, 2.0, 3.0], dtype=np.float32), r"shape \(3,\) and dtype float32"),
        (lambda g: g.astype(np.float64), r"shape \(2,\) and dtype float64"),
    ],
    ids=["shape", "dtype"],
)
def test_hook_may_not_change_the_gradients_shape_or_dtype(
    leaf: bool, replace: Callable, what: str
) -> None:
    """As PyTorch: a float32 leaf never gets a (3,) or a float64 .grad from a hook."""
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x if leaf else x * 3
    y.register_hook(replace)
    with pytest.raises(RuntimeError, match=rf"register_hook: .*{what} for one of shape \(2,\)"):
        (y * y).sum().backward()
    assert x.grad is None


def test_hook_on_tensor_not_requiring_grad_is_a_runtime_error() -> None:
    with pytest.raises(RuntimeError, match="register_hook"):
        Tensor([1.0]).register_hook(lambda g: g)


def test_retain_grad_on_tensor_not_requiring_grad_is_a_runtime_error() -> None:
    with pytest.raises(RuntimeError, match="retain_grad"):
        Tensor([1.0]).retain_grad()


def test_kept_hook_gradient_is_not_changed_by_later_accumulation() -> None:
    """Regression: .grad took over the hook's array and the next backward added into it."""
    x = f64([1.0, 2.0])
    kept: list[Tensor] = []
    x.register_hook(kept.append)
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_array_equal(kept[0].data, [3.0, 3.0])
    np.testing.assert_array_equal(x.grad.data, [6.0, 6.0])


def test_detach_cuts_the_graph_and_shares_data() -> None:
    x = f64([2.0, 3.0])
    d = x.detach()
    assert d.is_leaf and not d.requires_grad and d.grad_fn is None
    assert np.shares_memory(d.data, x.data)
    (d * x).sum().backward()  # only the path through x itself counts
    np.testing.assert_array_equal(x.grad.data, [2.0, 3.0])
    y = (x * 2).detach()
    assert y.is_leaf and not y.requires_grad


def test_requires_grad_() -> None:
    t = Tensor([1.0, 2.0])
    assert t.requires_grad_() is t
    assert t.requires_grad
    (t * t).sum().backward()
    np.testing.assert_array_equal(t.grad.data, [2.0, 4.0])
    t.requires_grad_(False)
    assert not (t * 2).requires_grad
    with pytest.raises(TypeError, match="int64"):
        Tensor([1, 2]).requires_grad_()
    with pytest.raises(RuntimeError, match="non-leaf"):
        (f64([1.0]) * 2).requires_grad_(False)


# ---- ag.grad --------------------------------------------------------------------------------
def test_grad_returns_a_tuple_and_leaves_dot_grad_alone() -> None:
    x, w = f64([1.0, 2.0]), f64([3.0, 4.0])
    result = ag.grad((x * w).sum(), x)
    assert isinstance(result, tuple) and len(result) == 1
    np.testing.assert_array_equal(result[0].data, [3.0, 4.0])
    assert x.grad is None and w.grad is None
    gx, gw = ag.grad((x * w).sum(), [x, w])
    np.testing.assert_array_equal(gx.data, [3.0, 4.0])
    np.testing.assert_array_equal(gw.data, [1.0, 2.0])
    assert x.grad is None and w.grad is None


def test_grad_with_grad_outputs_and_several_outputs() -> None:
    x = f64([1.0, 2.0])
    y1, y2 = x * 2, x * x
    (g,) = ag.grad([y1, y2], [x], grad_outputs=[np.array([1.0, 1.0]), np.array([0.5, 2.0])])
    np.testing.assert_array_equal(g.data, 2 + 2 * x.data * [0.5, 2.0])
    (g,) = ag.grad(x * x, x, grad_outputs=Tensor([1.0, -1.0]))
    np.testing.assert_array_equal(g.data, [2.0, -4.0])


def test_grad_with_respect_to_an_intermediate() -> None:
    x = f64([1.0, 2.0])
    h = x * 3
    y = (h * h).sum()
    gh, gx = ag.grad(y, [h, x])
    np.testing.assert_array_equal(gh.data, 2 * h.data)
    np.testing.assert_array_equal(gx.data, 6 * h.data)


def test_grad_allow_unused() -> None:
    x, unused = f64([1.0]), f64([2.0])
    y = (x * 2).sum()
    with pytest.raises(RuntimeError, match=r"input 1 .*allow_unused=True"):
        ag.grad(y, [x, unused], retain_graph=True)
    gx, gu = ag.grad(y, [x, unused], allow_unused=True)
    np.testing.assert_array_equal(gx.data, [2.0])
    assert gu is None


def test_grad_of_input_not_requiring_grad_is_a_runtime_error() -> None:
    x = f64([1.0])
    with pytest.raises(RuntimeError, match="input 0"):
        ag.grad((x * 2).sum(), Tensor([1.0]))


def test_grad_frees_the_graph_unless_retained() -> None:
    x = f64([1.0, 2.0])
    y = (x * x).sum()
    ag.grad(y, x, retain_graph=True)
    ag.grad(y, x)
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        ag.grad(y, x)


def test_grad_keeps_the_buffers_of_nodes_it_does_not_run() -> None:
    """Regression: ag.grad freed every node that got a gradient, also those past its inputs
    (it never runs them); as in PyTorch, a later backward through them works."""
    x, w = f64([1.0, 2.0]), f64([0.5, 1.0])
    a = w.exp()  # saves its output
    z = (a * x).sum()
    (gx,) = ag.grad(z, x)
    (ga,) = ag.grad((a * a).sum(), a)  # a is an input: its own node is not run either
    np.testing.assert_allclose(gx.data, np.exp(w.data))
    np.testing.assert_allclose(ga.data, 2 * np.exp(w.data))
    a.sum().backward()
    np.testing.assert_allclose(w.grad.data, np.exp(w.data))
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        z.backward()  # the mul node was run by the first ag.grad: that one is freed


def test_grad_runs_no_hooks_and_retains_no_grad_past_its_inputs() -> None:
    """Regression: a hook and retain_grad on a tensor ag.grad never runs (it only leads away
    from the inputs) fired anyway; as in PyTorch, only the inputs' and their path's do."""
    x, w = f64([1.0, 2.0]), f64([0.5, 1.0])
    a, h = w.exp(), x * 2
    calls: list[str] = []
    for name, t in (("a", a), ("h", h), ("w", w), ("x", x)):
        t.register_hook(lambda g, name=name: calls.append(name))
    a.retain_grad()
    h.retain_grad()
    (gx,) = ag.grad((a * h).sum(), x)
    np.testing.assert_allclose(gx.data, 2 * np.exp(w.data))
    assert sorted(calls) == ["h", "x"]
    assert a.grad is None
    np.testing.assert_allclose(h.grad.data, np.exp(w.data))


def _hessian_example(x: Tensor) -> Tensor:
    """f(x) = x0^2 x1 + sin(x1) x2 + x0 x2^3: a Hessian with every entry non-zero."""
    x0, x1, x2 = x[0], x[1], x[2]
    return x0 * x0 * x1 + x1.sin() * x2 + x0 * x2**3


def _hessian_by_hand(x: np.ndarray) -> np.ndarray:
    x0, x1, x2 = x
    return np.array(
        [
            [2 * x1, 2 * x0, 3 * x2**2],
            [2 * x0, -np.sin(x1) * x2, np.cos(x1)],
            [3 * x2**2, np.cos(x1), 6 * x0 * x2],
        ]
    )


def test_hessian_vector_product_with_create_graph() -> None:
    x = f64([0.7, -1.2, 0.4])
    v = np.array([1.0, -0.5, 2.0])
    (g,) = ag.grad(_hessian_example(x), x, create_graph=True)
    assert g.requires_grad
    x0, x1, x2 = x.data
    np.testing.assert_allclose(
        g.data, [2 * x0 * x1 + x2**3, x0**2 + np.cos(x1) * x2, np.sin(x1) + 3 * x0 * x2**2]
    )
    (hv,) = ag.grad((g * Tensor(v)).sum(), x)
    np.testing.assert_allclose(hv.data, _hessian_by_hand(x.data) @ v, rtol=1e-12)
    assert x.grad is None


def test_gradient_penalty_backward() -> None:
    """penalty = |d/dw sum((X w)^2)|^2 = |2 A w|^2 with A = X^T X, so d/dw = 8 A^2 w."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(5, 3))
    w = f64(rng.normal(size=3))
    (g,) = ag.grad(((Tensor(X) @ w) ** 2).sum(), w, create_graph=True)
    (g * g).sum().backward()
    A = X.T @ X
    np.testing.assert_allclose(w.grad.data, 8 * A @ A @ w.data, rtol=1e-10)


def test_higher_order_derivatives_of_x_to_the_fourth() -> None:
    x = f64(1.5)
    d = x**4
    expected = [4 * 1.5**3, 12 * 1.5**2, 24 * 1.5, 24.0]
    for value in expected:
        (d,) = ag.grad(d, x, create_graph=True)
        np.testing.assert_allclose(d.data, value, rtol=1e-12)
    (d5,) = ag.grad(d, x, allow_unused=True)
    assert d5 is None or d5.item() == 0.0


def test_second_derivative_of_tanh_by_nested_backward() -> None:
    x = f64([0.3, -1.1])
    x.tanh().sum().backward(create_graph=True)
    first = x.grad
    x.grad = None
    first.sum().backward()
    t = np.tanh(x.data)
    np.testing.assert_allclose(x.grad.data, -2 * t * (1 - t**2), rtol=1e-12)


# ---- deep chains and freeing ----------------------------------------------------------------
def test_deep_chain_of_100k_ops_backprops_without_recursion() -> None:
    x = Tensor(1.0, dtype=np.float64, requires_grad=True)
    start = time.perf_counter()
    y = x
    for _ in range(50_000):
        y = y * 1.0001 + 0.0001  # 2 ops per link
    y.backward()
    elapsed = time.perf_counter() - start
    np.testing.assert_allclose(x.grad.item(), 1.0001**50_000, rtol=1e-9)
    del y  # dropping a 100k-node graph must not recurse either
    assert elapsed < 10.0  # generous: the benchmark measures speed; this catches blowups


def test_graph_is_freed_once_the_output_is_dropped() -> None:
    x = f64(np.ones(4))
    y = x.exp()
    z = (y * 2).sum()
    node, mid = weakref.ref(y.grad_fn), weakref.ref(y)
    del y
    # As in PyTorch, the graph keeps the node, not the intermediate tensor.
    assert node() is not None and mid() is None
    z.backward()
    np.testing.assert_allclose(x.grad.data, 2 * np.e * np.ones(4))
    del z
    assert node() is None


def test_saved_buffers_are_released_after_backward() -> None:
    saved: list[weakref.ref] = []

    class SquareWithScratch(ag.Function):
        @staticmethod
        def forward(ctx: Any, x: np.ndarray) -> np.ndarray:
            twice = 2 * x  # a buffer only backward needs
            saved.append(weakref.ref(twice))
            ctx.save_for_backward(twice)
            return x * x

        @staticmethod
        def backward(ctx: Any, g: np.ndarray) -> np.ndarray:
            (twice,) = ctx.saved_tensors
            return g * twice

    x = f64([1.0, 2.0])
    y = SquareWithScratch.apply(x).sum()
    y.backward(retain_graph=True)
    assert saved[0]() is not None
    y.backward()
    assert saved[0]() is None  # y (and its graph) is still alive, the buffer is not
    np.testing.assert_array_equal(x.grad.data, [4.0, 8.0])


# ---- aliasing: gradients are fresh arrays ---------------------------------------------------
def test_add_gradients_do_not_alias_each_other_or_the_upstream() -> None:
    x, y = f64([1.0, 2.0]), f64([3.0, 4.0])
    g = np.array([1.0, 1.0])
    (x + y).backward(g)
    assert_no_shared_memory(x.grad.data, y.grad.data, g, x.data, y.data)
    (x + y).backward(g)  # accumulation must not write into g
    np.testing.assert_array_equal(g, [1.0, 1.0])
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])
    np.testing.assert_array_equal(y.grad.data, [2.0, 2.0])


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: x,
        lambda x: x.reshape(2, 2).reshape(4),
        lambda x: x.reshape(2, 2).T.T.reshape(4),
        lambda x: x + 0,
        lambda x: x[::1],
        lambda x: ag.concatenate([x], axis=0),
        lambda x: ag.broadcast_to(x, (4,)),
    ],
)
def test_pass_through_gradients_are_copied(fn: Any) -> None:
    x = f64([1.0, 2.0, 3.0, 4.0])
    g = np.array([1.0, 2.0, 3.0, 4.0])
    fn(x).backward(g)
    assert_no_shared_memory(x.grad.data, g, x.data)
    fn(x).backward(g)
    np.testing.assert_array_equal(g, [1.0, 2.0, 3.0, 4.0])
    np.testing.assert_array_equal(x.grad.data, 2 * g)


def test_leaf_used_twice_gets_a_fresh_sum() -> None:
    x = f64([1.0, 2.0])
    g = np.array([1.0, 1.0])
    (x + x).backward(g)
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])
    np.testing.assert_array_equal(g, [1.0, 1.0])


class OneArrayTwice(ag.Function):
    """a + b, whose rule returns one new array as the gradient of both inputs."""

    @staticmethod
    def forward(ctx: Any, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a + b

    @staticmethod
    def backward(ctx: Any, g: np.ndarray) -> tuple:
        shared = g * 1.0
        return shared, shared


@pytest.mark.parametrize("second", ["leaf", "intermediate"])
def test_one_array_returned_for_two_inputs_is_owned_by_neither(second: str) -> None:
    """A rule may give the same new array to two inputs: adding into it later must not
    change the other input's gradient (`a` here gets a second contribution after it)."""
    a, b = f64([1.0, 2.0]), f64([5.0, 6.0])
    other = b if second == "leaf" else b * 1.0
    (a * 3 + OneArrayTwice.apply(a, other)).sum().backward()
    np.testing.assert_array_equal(a.grad.data, [4.0, 4.0])
    np.testing.assert_array_equal(b.grad.data, [1.0, 1.0])
    assert_no_shared_memory(a.grad.data, b.grad.data)


def test_retained_grad_is_not_the_upstream_array() -> None:
    x = f64([1.0, 2.0])
    y = x * 1
    y.retain_grad()
    g = np.array([1.0, 1.0])
    y.backward(g)
    assert_no_shared_memory(y.grad.data, x.grad.data, g)


def test_ag_grad_results_do_not_alias() -> None:
    x, y = f64([1.0, 2.0]), f64([3.0, 4.0])
    g = np.array([1.0, 1.0])
    gx, gy = ag.grad(x + y, [x, y], grad_outputs=g)
    assert_no_shared_memory(gx.data, gy.data, g, x.data, y.data)


def test_gradient_never_aliases_another_tensors_data() -> None:
    """A custom rule may return a saved array as is; .grad must still be a fresh array."""

    class Dot(ag.Function):
        @staticmethod
        def forward(ctx: Any, a: np.ndarray, b: np.ndarray) -> np.ndarray:
            ctx.save_for_backward(a, b)
            return np.asarray(a @ b)

        @staticmethod
        def backward(ctx: Any, g: np.ndarray) -> tuple:
            a, b = ctx.saved_tensors
            return b * g if g != 1 else b, a * g if g != 1 else a

    x, y = f64([1.0, 2.0]), f64([3.0, 4.0])
    Dot.apply(x, y).backward()
    assert_no_shared_memory(x.grad.data, y.grad.data, x.data, y.data)
    Dot.apply(x, y).backward()
    np.testing.assert_array_equal(x.data, [1.0, 2.0])
    np.testing.assert_array_equal(y.data, [3.0, 4.0])
    np.testing.assert_array_equal(x.grad.data, [6.0, 8.0])


def test_gradient_argument_under_create_graph_is_not_adopted_as_grad() -> None:
    """Regression: .grad was the caller's gradient Tensor itself, and the next plain
    backward added into it in place."""
    x = f64([1.0, 2.0])
    seed = Tensor(np.array([1.0, 1.0]))
    (x + 0).backward(seed, create_graph=True)
    (x + 0).backward(np.array([5.0, 5.0]))
    np.testing.assert_array_equal(seed.data, [1.0, 1.0])
    np.testing.assert_array_equal(x.grad.data, [6.0, 6.0])


def test_rule_giving_one_array_to_two_leaves() -> None:
    a, b = f64([1.0, 2.0]), f64([3.0, 4.0])
    OneArrayTwice.apply(a, b).sum().backward()
    assert_no_shared_memory(a.grad.data, b.grad.data)
    OneArrayTwice.apply(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.data, [2.0, 2.0])
    np.testing.assert_array_equal(b.grad.data, [2.0, 2.0])


def test_inputs_and_upstream_are_not_mutated_by_backward() -> None:
    rng = np.random.default_rng(4)
    a, b = f64(rng.normal(size=(3, 4))), f64(rng.normal(size=(4,)))
    a0, b0 = a.data.copy(), b.data.copy()
    out = ((a @ b).tanh() + (a * b).sum(axis=1)).softmax()
    g = rng.normal(size=out.shape)
    g0 = g.copy()
    out.backward(g)
    np.testing.assert_array_equal(a.data, a0)
    np.testing.assert_array_equal(b.data, b0)
    np.testing.assert_array_equal(g, g0)


# ---- custom Functions: the mechanism every op uses ------------------------------------------
class _ScaleAdd(ag.Function):
    """out = a * k + b, with k a plain (non-Tensor) argument and `scale` a keyword."""

    @staticmethod
    def forward(ctx: Any, a: Any, k: float, b: Any, scale: float = 1.0) -> Any:
        ctx.k, ctx.scale = k, scale
        ctx.seen_needs = tuple(ctx.needs_input_grad)
        return (a * k + b) * scale

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple:
        need_a, _, need_b = ctx.needs_input_grad
        return (
            g * ctx.k * ctx.scale if need_a else None,
            None,
            g * ctx.scale if need_b else None,
        )


def test_custom_function_with_constants_and_keywords() -> None:
    a, b = f64([1.0, 2.0]), Tensor([1.0, 1.0], dtype=np.float64)
    out = _ScaleAdd.apply(a, 3.0, b, scale=2.0)
    assert out.grad_fn.name == "_scaleadd"
    assert out.grad_fn.seen_needs == (True, False, False)
    np.testing.assert_array_equal(out.data, [8.0, 14.0])
    out.sum().backward()
    np.testing.assert_array_equal(a.grad.data, [6.0, 6.0])
    assert b.grad is None


def test_custom_function_name_attribute() -> None:
    class Twice(ag.Function):
        name = "twice"

        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            return 2 * x

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            return 2 * g

    assert Twice.apply(f64([1.0])).grad_fn.name == "twice"


def test_custom_backward_sees_arrays_normally_and_tensors_under_create_graph() -> None:
    kinds: list[tuple[type, type]] = []

    class Square(ag.Function):
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            (x,) = ctx.saved_tensors
            kinds.append((type(g), type(x)))
            return 2 * x * g

    x = f64([3.0])
    Square.apply(x).sum().backward()
    (g,) = ag.grad(Square.apply(x).sum(), x, create_graph=True)
    assert kinds == [(np.ndarray, np.ndarray), (Tensor, Tensor)]
    (gg,) = ag.grad(g.sum(), x)
    np.testing.assert_array_equal(gg.data, [2.0])


def test_custom_backward_with_wrong_number_of_gradients() -> None:
    class Bad(ag.Function):
        @staticmethod
        def forward(ctx: Any, a: Any, b: Any) -> Any:
            return a + b

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            return g

    with pytest.raises(RuntimeError, match=r"bad: backward returned 1 gradient\(s\), expected 2"):
        Bad.apply(f64([1.0]), f64([2.0])).sum().backward()


def test_custom_backward_may_return_none_for_defaulted_forward_arguments() -> None:
    # PyTorch drops trailing None gradients, so a forward with a defaulted non-tensor
    # argument works whether or not the caller passes it; a trailing non-None still raises
    class Scale(ag.Function):
        @staticmethod
        def forward(ctx: Any, x: Any, k: float = 2.0) -> Any:
            ctx.k = k
            return x * k

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            return g * ctx.k, None

    class Bad(Scale):
        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            return g * ctx.k, g

    for args in [(), (3.0,)]:
        x = f64([1.0, 2.0])
        Scale.apply(x, *args).sum().backward()
        np.testing.assert_array_equal(x.grad.data, [args[0] if args else 2.0] * 2)
    with pytest.raises(RuntimeError, match=r"bad: backward returned 2 gradient\(s\), expected 1"):
        Bad.apply(f64([1.0])).sum().backward()


def test_custom_backward_with_wrong_gradient_shape() -> None:
    class Bad(ag.Function):
        @staticmethod
        def forward(ctx: Any, a: Any) -> Any:
            return a * 2

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            return np.ones(5)

    with pytest.raises(RuntimeError, match=r"bad: .*shape \(5,\).*input 0.*\(3,\)"):
        Bad.apply(f64(np.ones(3))).sum().backward()


# ---- differential checks against PyTorch ----------------------------------------------------
def _composite(lib: Any, x: Any, w: Any, b: Any) -> Any:
    """A graph with broadcasting, reuse, reductions and a softmax, written for ag or torch."""
    h = (x @ w + b).tanh()
    s = (h * h.sigmoid() + x.sum(-1, keepdims=True)).exp().mean(0)
    if lib is ag:
        return (h.softmax(axis=-1) * h).sum() + s.logsumexp() + (w * w).prod(axis=0).sum()
    return (h.softmax(dim=-1) * h).sum() + s.logsumexp(0) + (w * w).prod(dim=0).sum()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_composite_graph_gradients_match_torch(seed: int) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    arrays = [rng.normal(size=(4, 3)), rng.normal(size=(3, 5)) * 0.5, rng.normal(size=(5,))]
    ours = [f64(a) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, ref = _composite(ag, *ours), _composite(torch, *theirs)
    np.testing.assert_allclose(out.item(), ref.item(), rtol=1e-12)
    out.backward()
    ref.backward()
    for t, r in zip(ours, theirs):
        np.testing.assert_allclose(t.grad.data, r.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_hessian_vector_product_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    arrays = [rng.normal(size=(4, 3)), rng.normal(size=(3, 5)) * 0.5, rng.normal(size=(5,))]
    v = rng.normal(size=(3, 5))
    w = f64(arrays[1])
    out = _composite(ag, f64(arrays[0], False), w, f64(arrays[2], False))
    (g,) = ag.grad(out, w, create_graph=True)
    (hv,) = ag.grad((g * Tensor(v)).sum(), w)
    wt = torch.tensor(arrays[1], requires_grad=True)
    ref = _composite(torch, torch.tensor(arrays[0]), wt, torch.tensor(arrays[2]))
    (gt,) = torch.autograd.grad(ref, wt, create_graph=True)
    (hvt,) = torch.autograd.grad((gt * torch.tensor(v)).sum(), wt)
    np.testing.assert_allclose(hv.data, hvt.numpy(), rtol=1e-9, atol=1e-12)


def test_zero_d_chain_gives_arrays_to_leaves_hooks_and_retained_grads() -> None:
    """Rules on 0-d operands give NumPy scalars; the engine passes them between nodes as
    they are, but every gradient a user sees is a Tensor over an ndarray."""
    x = f64(1.5)
    h = x * 2.0
    h.retain_grad()
    seen = []
    h.register_hook(lambda g: seen.append(type(g.data)))
    (h * 3.0 + 1.0).backward()
    assert type(x.grad.data) is np.ndarray and x.grad.item() == 6.0
    assert type(h.grad.data) is np.ndarray and h.grad.item() == 3.0
    assert seen == [np.ndarray]
    h2 = x * 2.0
    (gh,) = ag.grad(h2 * 3.0 + 1.0, [h2])
    assert type(gh.data) is np.ndarray and gh.item() == 3.0
