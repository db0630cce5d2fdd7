"""The graph keeps nodes, not intermediate tensors (PyTorch's layout): what that must not break.

An intermediate the caller drops is freed at once; its node keeps the output
array, its version counter, its name, hooks and retained-grad links. These
tests hold the engine to PyTorch's behaviour (the oracle where torch is
installed) with intermediates dropped and kept, below and above the size at
which a freeing backward lets go of an intermediate's array.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor
from autograd.function import AttributeContext

BIG = (256, 128)  # 128 KiB of float32: a freeing backward lets go of it (engine._release)
SMALL = (4, 3)


def _ones(shape: tuple[int, ...]) -> Tensor:
    return Tensor(np.ones(shape, np.float32), requires_grad=True)


# ---- create_graph through intermediates a backward let go of ----------------------------------
@pytest.mark.parametrize("shape", [SMALL, BIG])
def test_create_graph_without_retain_graph_through_a_dropped_intermediate(shape: tuple) -> None:
    """create_graph=True, retain_graph=False works as in PyTorch at every size: the pass may
    let go of h's array in the graph, but the rule that saved h still differentiates it."""
    x = _ones(shape)
    h = x * 2.0
    y = (h * h).sum()
    del h
    (g,) = ag.grad(y, x, create_graph=True, retain_graph=False)
    assert g.requires_grad
    np.testing.assert_array_equal(g.data, np.full(shape, 8.0, np.float32))
    # as in PyTorch: h's own node (x * 2) was freed by that pass
    with pytest.raises(RuntimeError, match=r"^mul: trying to backward through the graph a second"):
        ag.grad(g.sum(), x)


@pytest.mark.parametrize("shape", [SMALL, BIG])
def test_create_graph_through_an_intermediate_an_earlier_backward_freed(shape: tuple) -> None:
    """PyTorch: a node that saved nothing (add) is still differentiable after a freeing
    backward, so a later consumer's second derivative has every term, at every size."""
    x = _ones(shape)
    h = x + 1.0
    h.sum().backward()
    (g,) = ag.grad((h * h).sum(), x, create_graph=True)
    np.testing.assert_array_equal(g.data, np.full(shape, 4.0, np.float32))
    (gg,) = ag.grad(g.sum(), x)
    np.testing.assert_array_equal(gg.data, np.full(shape, 2.0, np.float32))


@pytest.mark.parametrize("shape", [SMALL, BIG])
def test_create_graph_through_a_freed_node_that_needs_its_saved_output_raises(
    shape: tuple,
) -> None:
    """exp saved its output, which the first backward freed: PyTorch raises, naming no size."""
    x = _ones(shape)
    h = x.exp()
    h.sum().backward()
    with pytest.raises(RuntimeError, match=r"^exp: trying to backward .*retain_graph=True"):
        ag.grad((h * h).sum(), x, create_graph=True)


def test_create_graph_keeps_a_saved_array_derived_from_a_freed_input_as_a_constant() -> None:
    """A rule may save an array computed from an input (not the input itself); under
    create_graph it is a constant, whether or not a backward let go of the input."""

    class Double(ag.Function):
        @staticmethod
        def forward(ctx: ag.Context, a: np.ndarray) -> np.ndarray:
            ctx.save_for_backward(np.full_like(a, 2.0))  # same shape and dtype as a
            return 2.0 * a

        @staticmethod
        def backward(ctx: ag.Context, g: Any) -> Any:
            (two,) = ctx.saved_tensors
            return two * g

    x = _ones(BIG)
    h = x + 1.0
    h.sum().backward()  # lets go of h's array in the graph
    (g,) = ag.grad(Double.apply(h).sum(), x, create_graph=True)
    np.testing.assert_array_equal(g.data, np.full(BIG, 2.0, np.float32))


# ---- version counters of intermediates ---------------------------------------------------------
_VIEWS: dict[str, Callable[[Tensor], Tensor]] = {
    "slice": lambda h: h[1:],
    "reshape": lambda h: h.reshape(-1),
    "transpose": lambda h: h.T,
}


@pytest.mark.parametrize("view", list(_VIEWS))
def test_view_of_an_intermediate_made_after_a_freeing_backward_shares_its_version(
    view: str,
) -> None:
    """The backward let go of h's array in the graph; h still has it, and a view of h made
    then must share h's counter, so a write through it is seen (PyTorch raises too)."""
    x = _ones(BIG)
    h = x + 1.0
    (h * 2.0).sum().backward()
    z = (h * h).sum()  # saves h
    with ag.no_grad():
        _VIEWS[view](h).mul_(0.0)
    assert h._version == 1
    with pytest.raises(RuntimeError, match=r"^mul: input 0 \(shape \(256, 128\), dtype float32"):
        z.backward()


_SETUPS: dict[str, Callable[[Tensor], tuple[Tensor, Tensor]]] = {
    "consumer saves it": lambda x: ((h := x * 2.0), (h * h).sum()),
    "nobody saves it": lambda x: ((h := x * 2.0), (h + 1.0).sum()),
    "its node saved it": lambda x: ((h := x.exp()), (h + 1.0).sum()),
    "matmul saves it": lambda x: ((h := x + 1.0), (h @ x).sum()),
}


def _through(make_view: Callable[[Tensor], Any], write: Callable[[Any], Any]) -> Callable:
    """A write prepared now (the view is made while h is alive) and done later."""

    def prepare(h: Any) -> Callable[[], Any]:
        view = make_view(h)
        return lambda: write(view)

    return prepare


_WRITES: dict[str, Callable[[Any], Callable[[], Any]]] = {
    "add_": _through(lambda h: h, lambda v: v.add_(1.0)),
    "setitem": _through(lambda h: h, lambda v: v.__setitem__(0, 5.0)),
    "slice": _through(lambda h: h[1:], lambda v: v.mul_(0.0)),
    "transpose": _through(lambda h: h.T, lambda v: v.add_(1.0)),
    "detach": _through(lambda h: h.detach(), lambda v: v.add_(1.0)),
    "detached view": _through(lambda h: h.detach()[0], lambda v: v.add_(1.0)),
}


def _write_then_backward(lib: Any, x: Any, setup: str, write: str, drop: bool) -> Any:
    """The outcome of a write under no_grad to an intermediate, then backward: x.grad or
    the word 'raises'."""
    h, y = _SETUPS[setup](x)
    act = _WRITES[write](h)
    if drop:
        del h
    with lib.no_grad():
        act()
    try:
        y.backward()
    except RuntimeError:
        return "raises"
    grad = x.grad
    return np.asarray(grad.detach().numpy() if hasattr(grad, "detach") else grad.data)


@pytest.mark.parametrize("drop", [False, True], ids=["kept", "dropped"])
@pytest.mark.parametrize("write", list(_WRITES))
@pytest.mark.parametrize("setup", list(_SETUPS))
def test_writes_to_intermediates_match_torch(setup: str, write: str, drop: bool) -> None:
    """Raises exactly where PyTorch does (a rule saved the written values), else same grads."""
    torch = pytest.importorskip("torch")
    data = [[1.0, 2.0], [3.0, 4.0]]
    ours = _write_then_backward(ag, Tensor(data, requires_grad=True), setup, write, drop)
    x = torch.tensor(data, dtype=torch.float32, requires_grad=True)
    theirs = _write_then_backward(torch, x, setup, write, drop)
    if isinstance(theirs, str):
        assert isinstance(ours, str)
    else:
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)


def test_a_write_to_a_dropped_intermediate_is_named_in_the_error() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x.exp()
    y = (h + 1.0).sum()
    view = h[:1]
    del h
    with ag.no_grad():
        view.add_(1.0)
    with pytest.raises(RuntimeError, match=r"^exp: its output was modified in place .*version 1"):
        y.backward()


# ---- hooks and retain_grad -----------------------------------------------------------------
def test_removing_a_hook_handle_removes_its_own_registration() -> None:
    """The same function registered twice: each handle removes its own entry (PyTorch),
    so the order of the hooks left is kept: [double, plus_one] gives 1 * 2 + 1 = 3."""

    def double(g: Tensor) -> Tensor:
        return g * 2.0

    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 3.0
    first = h.register_hook(double)
    h.register_hook(lambda g: g + 1.0)
    h.register_hook(double).remove()
    y = h.sum()
    y.backward(retain_graph=True)
    np.testing.assert_array_equal(x.grad.data, [9.0, 9.0])
    first.remove()
    first.remove()  # again: harmless
    x.grad = None
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [6.0, 6.0])


def test_hooks_of_a_dropped_intermediate_still_run_and_replace() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 3.0
    seen = []
    h.register_hook(lambda g: seen.append(g.data.tolist()))
    h.register_hook(lambda g: g * 10.0)
    y = (h * h).sum()
    del h
    gc.collect()
    y.backward()
    assert seen == [[6.0, 12.0]]
    np.testing.assert_array_equal(x.grad.data, [180.0, 360.0])  # torch: the same


def test_retained_grad_of_a_kept_intermediate_accumulates_after_hooks() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * x
    h.retain_grad()
    h.register_hook(lambda g: g * 2.0)  # retain_grad sees the replacement (PyTorch 2)
    y = (h * 3.0).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(h.grad.data, [12.0, 12.0])
    np.testing.assert_array_equal(x.grad.data, [24.0, 48.0])


# ---- ag.grad with intermediates and higher orders --------------------------------------------
def _higher_orders(lib: Any, grad: Callable[..., Any], x: Any, v: Any) -> list[Any]:
    """First, second, third derivatives and a Hessian-vector product, intermediates dropped."""
    h = x.exp()
    k = h * x.sin()
    y = (k * k).sum() + (h.tanh() * x).sum()
    del h, k
    (g,) = grad(y, x, create_graph=True)
    (g2,) = grad(g.sum(), x, create_graph=True)
    (hv,) = grad((g * v).sum(), x, retain_graph=True)
    (g3,) = grad(g2.sum(), x)
    return [g, g2, g3, hv]


def test_higher_orders_through_dropped_intermediates_match_torch() -> None:
    torch = pytest.importorskip("torch")
    data, vec = [0.5, -1.0, 1.5], [1.0, 0.0, 2.0]
    ours = _higher_orders(ag, ag.grad, Tensor(data, requires_grad=True, dtype=np.float64), vec)
    xt = torch.tensor(data, dtype=torch.float64, requires_grad=True)
    theirs = _higher_orders(torch, torch.autograd.grad, xt, torch.tensor(vec, dtype=torch.float64))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.data, b.detach().numpy(), rtol=1e-10)


def test_grad_of_intermediate_inputs_with_unused_and_create_graph() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True, dtype=np.float64)
    z = Tensor([3.0], requires_grad=True)
    h = x.sin()
    k = h * h
    unused = z * 2.0
    y = (k * x).sum()
    gh, gk, gu, gx = ag.grad(y, [h, k, unused, x], create_graph=True, allow_unused=True)
    assert gu is None
    np.testing.assert_allclose(gk.data, x.data)
    np.testing.assert_allclose(gh.data, 2 * np.sin(x.data) * x.data)
    np.testing.assert_allclose(gx.data, np.sin(x.data) ** 2 + np.sin(2 * x.data) * x.data)
    (hh,) = ag.grad(gh.sum(), x)  # d/dx 2 sin(x) x
    np.testing.assert_allclose(hh.data, 2 * np.cos(x.data) * x.data + 2 * np.sin(x.data))
    with pytest.raises(RuntimeError, match=r"^grad: input 0 \(shape \(1,\)\) was not used"):
        ag.grad((x * 2.0).sum(), [unused])


# ---- custom Functions see Tensors, not nodes ------------------------------------------------
def test_custom_function_sees_inputs_and_needs_input_grad_of_dropped_intermediates() -> None:
    seen: list[tuple] = []

    class Scale(ag.Function):
        @staticmethod
        def forward(ctx: ag.Context, a: np.ndarray, k: float, i: np.ndarray) -> np.ndarray:
            seen.append(ctx.needs_input_grad)
            seen.append(tuple(None if t is None else t.is_leaf for t in ctx.inputs))
            ctx.k = k
            return a * k * (i + 1)

        @staticmethod
        def backward(ctx: ag.Context, g: Any) -> Any:
            (a, _, i) = ctx.inputs
            seen.append((a.grad_fn.name, a.shape, i.dtype))
            return g * ctx.k * (i.data + 1), None, None

    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 2.0
    y = Scale.apply(h, 5.0, Tensor(np.array(1)))
    del h
    y.sum().backward()
    assert seen == [(True, False, False), (False, None, True), ("mul", (2,), np.int64)]
    np.testing.assert_array_equal(x.grad.data, [20.0, 20.0])


@pytest.mark.parametrize(
    "kinds",
    ["", "c", "t", "i", "ct", "tc", "tt", "it", "ccc", "tct", "cit", "tti", "ctti", "tttt"],
)
def test_a_node_knows_its_sources_for_every_arity(kinds: str) -> None:
    """A node's sources (slots for one or two arguments, a tuple for others): per argument
    a leaf (t), an intermediate's node (i) or None (c, a constant); the rule sees them as
    ctx.inputs and needs_input_grad, and each input gets its own gradient back."""
    leaves = [Tensor([1.0 + k, 2.0], requires_grad=True) for k in range(len(kinds))]

    def arg(k: int, kind: str) -> Any:
        return {"t": leaves[k], "i": leaves[k] * 1.0, "c": 3.0}[kind]

    class Weighted(ag.Function):
        """sum over arguments of (k + 1) * argument; a constant adds itself."""

        @staticmethod
        def forward(ctx: ag.Context, *args: Any) -> np.ndarray:
            return sum(((k + 1) * np.asarray(a) for k, a in enumerate(args)), np.zeros(2))

        @staticmethod
        def backward(ctx: ag.Context, g: Any) -> Any:
            grads = tuple(
                (k + 1) * g if need else None for k, need in enumerate(ctx.needs_input_grad)
            )
            return grads if len(grads) != 1 else grads[0]

    out = Weighted.apply(*[arg(k, kind) for k, kind in enumerate(kinds)])
    node = out.grad_fn
    if "t" not in kinds and "i" not in kinds:
        assert node is None and not out.requires_grad
        return
    assert len(node.sources) == len(kinds)
    assert node.needs_input_grad == tuple(kind != "c" for kind in kinds)
    for kind, source, given in zip(kinds, node.sources, node.inputs):
        assert (source is None) == (kind == "c")
        if kind == "i":
            assert source.name == "mul" and not given.is_leaf
        elif kind == "t":
            assert source is given and given.is_leaf
    out.sum().backward()
    for k, kind in enumerate(kinds):
        expected = None if kind == "c" else [k + 1.0, k + 1.0]
        got = leaves[k].grad
        assert (got is None) if expected is None else np.array_equal(got.data, expected)


def test_a_custom_functions_own_requires_grad_attribute_does_not_cut_the_graph() -> None:
    """Any ctx attribute but the engine's is the op's own (Context's docstring): a node is
    a source of its consumers, and a note named requires_grad must not turn that off."""

    class Triple(ag.Function):
        @staticmethod
        def forward(ctx: ag.Context, a: np.ndarray) -> np.ndarray:
            ctx.requires_grad = False  # the op's own note
            return 3.0 * a

        @staticmethod
        def backward(ctx: ag.Context, g: Any) -> Any:
            return 3.0 * g

    x = Tensor([1.0, 2.0], requires_grad=True)
    h = Triple.apply(x * 1.0)
    seen = []

    class Probe(ag.Function):
        @staticmethod
        def forward(ctx: ag.Context, a: np.ndarray) -> np.ndarray:
            seen.append(ctx.needs_input_grad)
            return 2.0 * a

        @staticmethod
        def backward(ctx: ag.Context, g: Any) -> Any:
            return 2.0 * g

    Probe.apply(h).sum().backward()
    assert seen == [(True,)]
    np.testing.assert_array_equal(x.grad.data, [6.0, 6.0])


def test_nodes_are_slotted_contexts_with_their_op_in_fn() -> None:
    """An op that keeps nothing on ctx (ctx_attributes=False: the arithmetic) makes plain
    Context nodes, slots and no instance dict (on a long graph the collector walks every
    node again at each pass: a dict's attribute table cost 10% of a deep chain's
    instructions); an op with attributes of its own, and any custom op by default, gets
    AttributeContext. The op is in `fn` either way: one class per kind of node, so apply's
    and the engine's attribute caches stay specialised (a class per op cost 7%)."""

    class Scale(ag.Function):
        @staticmethod
        def forward(ctx: ag.Context, a: np.ndarray) -> np.ndarray:
            ctx.k = 3.0  # the op's own attribute
            return ctx.k * a

        @staticmethod
        def backward(ctx: ag.Context, g: Any) -> Any:
            return ctx.k * g

    x = Tensor([1.0, 2.0], requires_grad=True)
    y = Scale.apply((x * 2.0 + 1.0).exp()).sum()
    nodes, todo = [], [y.grad_fn]
    while todo:
        node = todo.pop()
        nodes.append(node)
        todo.extend(s for s in node.sources if s is not None and not isinstance(s, Tensor))
    assert [n.name for n in nodes] == ["sum", "scale", "exp", "add", "mul"]
    assert [type(n) for n in nodes] == [
        AttributeContext,  # sum keeps its axes
        AttributeContext,  # a custom op
        ag.Context,
        ag.Context,
        ag.Context,
    ]
    assert all(isinstance(n, ag.Context) for n in nodes)
    assert not hasattr(nodes[-1], "__dict__")
    assert [n.fn.__name__ for n in nodes] == ["Sum", "Scale", "Exp", "Add", "Mul"]
    y.backward()
    np.testing.assert_allclose(x.grad.data, 6.0 * np.exp([3.0, 5.0]))


def test_an_op_that_says_it_keeps_no_attributes_cannot_set_one() -> None:
    """ctx_attributes=False is a promise: an attribute set on such a ctx raises (a slotted
    Context has nowhere to put it) instead of being kept somewhere unexpected."""

    class Careless(ag.Function, ctx_attributes=False):
        @staticmethod
        def forward(ctx: ag.Context, a: np.ndarray) -> np.ndarray:
            ctx.k = 3.0
            return a

        @staticmethod
        def backward(ctx: ag.Context, g: Any) -> Any:
            return g

    with pytest.raises(AttributeError, match="'k'"):
        Careless.apply(Tensor([1.0], requires_grad=True))


# ---- graph pictures -------------------------------------------------------------------------
def test_draw_graph_shows_the_retained_grad_of_an_intermediate() -> None:
    """show_grad draws an intermediate's retained .grad, as it did when the graph kept the
    tensor itself (the box is drawn from the node)."""
    x = Tensor([1.0, 2.0], requires_grad=True, name="x")
    h = x * 2.0
    h.name = "h"
    h.retain_grad()
    y = (h * h).sum()
    y.backward()
    (box,) = [line for line in ag.draw_graph(y).source.splitlines() if 'label="h' in line]
    assert "grad min 4 mean 6 max 8" in box


def test_draw_graph_of_a_dropped_renamed_intermediate_highlights_its_node() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True, name="x")
    h = x * 2.0
    h.name = "h"
    node = h.grad_fn
    y = (ag.concatenate([h, h, x]) ** 2).sum()
    del h
    node._as_output().name = "renamed"  # any tensor over the node names it
    source = ag.draw_graph(y, highlight=node).source
    assert "renamed" in source and 'label="h' not in source
    (op,) = [line for line in source.splitlines() if "label=mul" in line]
    assert "color=red" in op


# ---- memory -------------------------------------------------------------------------------
def test_training_loop_keeping_the_loss_keeps_no_large_activation() -> None:
    import nn
    import optim

    ag.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(64, 128), nn.BatchNorm1d(128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 128)
    )
    opt = optim.Adam(model.parameters(), lr=1e-3)
    x = ag.randn(256, 64)
    refs = []
    loss = None
    for _ in range(2):
        out = x
        for layer in model:
            out = layer(out)
            refs.append(weakref.ref(out.data))  # each 128 KiB
        loss = nn.MSELoss()(out, ag.zeros(256, 128))
        del out
        opt.zero_grad()
        loss.backward()
        opt.step()
    gc.collect()
    assert [r() is None for r in refs] == [True] * len(refs)
    assert np.isfinite(loss.item())
