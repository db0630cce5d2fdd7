"""A backward that frees the graph also lets go of large intermediate arrays.

As in PyTorch, what keeps an array alive after backward is a reference the
caller holds, not the graph: a training loop that keeps last step's loss must
not keep all of last step's activations.
"""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor

BIG = (256, 128)  # 128 KiB of float32: above the release threshold
SMALL = (4, 3)


def _chain(shape: tuple[int, ...]) -> tuple[Tensor, Tensor, weakref.ref]:
    """x -> h = x * 2 (an intermediate nobody holds) -> loss = relu(h).sum()."""
    x = Tensor(np.ones(shape, np.float32), requires_grad=True)
    h = x * 2.0
    ref = weakref.ref(h.data)
    loss = (h.relu() + 1.0).sum()
    del h
    return x, loss, ref


def test_large_intermediate_is_released_by_backward() -> None:
    x, loss, ref = _chain(BIG)
    gc.collect()
    assert ref() is not None  # the graph holds it until backward
    loss.backward()
    gc.collect()
    assert ref() is None
    np.testing.assert_array_equal(x.grad.data, np.full(BIG, 2.0, np.float32))


def test_an_input_is_let_go_of_before_its_consumers_rule_allocates() -> None:
    """Freed before the rule, not after: the rule's own arrays then reuse that memory
    (the peak of a training step, as the memory benchmark measures it). The node that
    does it is one whose own output is large (an activation's consumer), as here."""
    alive_in_rule = []

    class ScaleProbe(ag.Function):
        @staticmethod
        def forward(ctx: ag.Context, a: np.ndarray) -> np.ndarray:
            return a * 3.0  # saves no array

        @staticmethod
        def backward(ctx: ag.Context, g: np.ndarray) -> np.ndarray:
            alive_in_rule.append(ref() is not None)
            return g * 3.0

    x = Tensor(np.ones(BIG, np.float32), requires_grad=True)
    h = x * 2.0  # mul saves x and 2.0, not h: only ScaleProbe's node holds h
    ref = weakref.ref(h.data)
    y = ScaleProbe.apply(h)
    del h
    y.backward(np.ones(BIG, np.float32))
    assert alive_in_rule == [False]
    np.testing.assert_array_equal(x.grad.data, np.full(BIG, 6.0, np.float32))


def test_a_small_outputs_large_input_is_let_go_of_when_its_own_node_runs() -> None:
    """A reduction to a loss does not check its inputs before its rule (a check per node
    costs every small graph); its large input goes once the node that made it has run."""

    class SumProbe(ag.Function):
        @staticmethod
        def forward(ctx: ag.Context, a: np.ndarray) -> np.ndarray:
            ctx.shape = a.shape  # saves no array
            return np.asarray(a.sum())

        @staticmethod
        def backward(ctx: ag.Context, g: np.ndarray) -> np.ndarray:
            return np.full(ctx.shape, g, np.float32)

    x = Tensor(np.ones(BIG, np.float32), requires_grad=True)
    h = x * 2.0
    ref = weakref.ref(h.data)
    loss = SumProbe.apply(h)
    del h
    loss.backward()
    gc.collect()
    assert ref() is None
    np.testing.assert_array_equal(x.grad.data, np.full(BIG, 2.0, np.float32))


def test_retain_graph_keeps_intermediates_and_backward_repeats() -> None:
    x, loss, ref = _chain(BIG)
    loss.backward(retain_graph=True)
    gc.collect()
    assert ref() is not None
    loss.backward()
    np.testing.assert_array_equal(x.grad.data, np.full(BIG, 4.0, np.float32))


def test_small_intermediates_are_kept() -> None:
    _, loss, ref = _chain(SMALL)
    loss.backward()
    gc.collect()
    assert ref() is not None


def test_tensors_the_caller_holds_keep_their_data() -> None:
    x = Tensor(np.ones(BIG, np.float32), requires_grad=True)
    h = x * 2.0
    (h.relu() + 1.0).sum().backward()
    np.testing.assert_array_equal(h.data, np.full(BIG, 2.0, np.float32))
    assert not h._data_released


def test_second_backward_through_a_freed_graph_still_raises() -> None:
    x = Tensor(np.ones(BIG, np.float32), requires_grad=True)
    loss = ((x * 2.0).exp() + 1.0).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        loss.backward()


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.longdouble])
def test_stand_in_keeps_the_link_shape_and_name(dtype: type) -> None:
    shape = (4, *BIG)  # large enough to be released at every dtype
    x = Tensor(np.ones(shape, dtype), requires_grad=True)
    h = x * 2.0
    h.name = "h"
    y = h + 1.0
    del h
    y.backward(np.ones(shape, dtype))  # no sum: it would overflow float16
    stand_in = y.grad_fn.inputs[0]
    assert stand_in._data_released
    assert stand_in.name == "h"
    assert stand_in.shape == shape and stand_in.dtype == dtype
    assert stand_in.grad_fn is not None and stand_in.grad_fn.name == "mul"
    assert not stand_in.data.flags.writeable and not stand_in.data.any()  # read-only zeros
    assert stand_in.data.nbytes == x.data.nbytes  # what it stands for, not what it holds


def test_memory_of_a_training_loop_holding_the_loss_is_one_graph() -> None:
    """Keeping `loss` across steps (the usual loop) keeps no activations alive."""
    ag.manual_seed(0)
    w = Tensor(
        np.random.default_rng(0).standard_normal((64, 64)).astype(np.float32) * 0.1,
        requires_grad=True,
    )
    x = Tensor(np.ones((512, 64), np.float32))
    refs = []
    loss = None
    for _ in range(3):
        h = x @ w
        refs.append(weakref.ref(h.data))
        loss = h.tanh().sum()
        del h
        loss.backward()
    gc.collect()
    assert all(r() is None for r in refs)


def test_draw_graph_says_an_intermediate_was_released() -> None:
    x = Tensor(np.ones(BIG, np.float32), requires_grad=True)
    loss = ((x * 2.0).relu() + 1.0).sum()
    loss.backward()
    assert "data released by backward" in ag.draw_graph(loss).source


def test_stand_ins_of_one_shape_share_one_placeholder_array() -> None:
    """A training loop releases the same shapes every step: their zeros are made once."""
    shape = (4, *BIG)
    stand_ins = []
    for _ in range(2):
        x = Tensor(np.ones(shape, np.float32), requires_grad=True)
        y = (x * 2.0) + 1.0
        y.backward(np.ones(shape, np.float32))
        stand_ins.append(y.grad_fn.inputs[0])
    a, b = stand_ins
    assert a._data_released and b._data_released and a is not b
    assert a.data is b.data
    z = Tensor(np.ones(shape, np.float64), requires_grad=True)
    w = (z * 2.0) + 1.0
    w.backward(np.ones(shape))
    assert w.grad_fn.inputs[0].data.dtype == np.float64  # a placeholder per dtype
    assert w.grad_fn.inputs[0].data is not a.data


def test_create_graph_through_a_freed_intermediate_keeps_every_term() -> None:
    """A consumer made after a freeing backward saved h's array, which its node let go of:
    the rule still finds h's node through it, so the second derivative has its term (as in
    PyTorch, where add saved nothing and stays differentiable)."""
    x = Tensor(np.ones(BIG, np.float32), requires_grad=True)
    h = x + 1.0  # add saves nothing, so its own rule still runs after a free
    h.sum().backward()  # frees the graph and lets go of h's array in it
    (g,) = ag.grad((h * h).sum(), x, create_graph=True)
    np.testing.assert_array_equal(g.data, 4.0 * np.ones(BIG, np.float32))
    (gg,) = ag.grad(g.sum(), x)  # d/dx 2 (x + 1)
    np.testing.assert_array_equal(gg.data, 2.0 * np.ones(BIG, np.float32))
