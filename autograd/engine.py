"""The backward driver: the chain rule over a recorded graph.

One iterative topological sort (no recursion, so a million-op chain is fine),
then each node's rule runs once, after every consumer has added its gradient.
This is the one place where a broadcast gradient is summed back to its input's
shape and cast to its dtype, where hooks run and where saved buffers are freed.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from heapq import heapify, heappop, heappush, heappushpop
from operator import attrgetter
from typing import Any

import numpy as np

from autograd.function import (
    _FLOAT64,
    _FREED,
    _TUPLE,
    _UNARY,
    Context,
    NodeExtras,
    check_finite,
)
from autograd.mode import STATE
from autograd.ops.namespace import NUMPY, tensor_namespace
from autograd.tensor import RELEASED_BUFFER, Tensor


def _topological_order(roots: Sequence[Context]) -> list[Context]:
    """Every node reachable from `roots`, each before the nodes it reads from.

    Nodes are numbered as they are created and an op's inputs exist before
    it does, so sorting the reachable nodes by that number, newest first, is
    a topological order: one iterative sweep and one sort, no recursion.
    """
    seen = set(roots)
    stack = list(roots)
    while stack:
        for parent in stack.pop().sources:
            if parent is not None and parent._is_node and parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return sorted(seen, key=_creation_number, reverse=True)


_creation_number = attrgetter("_seq")
_ndarray = np.ndarray
_new_object = object.__new__
# NumPy's float scalars, what rules give for 0-d operands (`g * b`): routed between
# nodes as they are (they have a shape and a dtype), made arrays only for a leaf's
# .grad and for the tensors hooks see; converting each would cost a call per op.
_SCALARS = frozenset((np.float16, np.float32, np.float64, np.longdouble))
_F64_SCALAR = np.float64


def backward(
    tensors: Sequence[Tensor],
    grad_tensors: Sequence[Any] | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
) -> None:
    """Add the gradients of `tensors` (weighted by `grad_tensors`) into the leaves' `.grad`."""
    _run(tensors, grad_tensors, retain_graph, create_graph, None, False)


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """The gradients of `outputs` with respect to `inputs`, returned, not stored in `.grad`.

    With `create_graph=True` the results are differentiable (Hessian-vector
    products, gradient penalties). An input the outputs do not depend on is a
    RuntimeError unless `allow_unused=True`, which gives None for it.
    """
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is not None and (isinstance(grad_outputs, Tensor | np.ndarray)):
        grad_outputs = [grad_outputs]
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise RuntimeError(f"grad: input {i} is not a Tensor that requires grad")
    captured = _run(outputs, grad_outputs, retain_graph, create_graph, inputs, allow_unused)
    assert captured is not None
    return captured


def _run(
    roots: Sequence[Tensor],
    seeds: Sequence[Any] | None,
    retain_graph: bool | None,
    create_graph: bool,
    inputs: list[Tensor] | None,
    allow_unused: bool,
) -> tuple[Tensor | None, ...] | None:
    """Run the chain rule from `roots`; capture the gradients of `inputs` if given."""
    if retain_graph is None:
        retain_graph = create_graph
    roots = list(roots)
    if seeds is not None and len(seeds) != len(roots):
        raise ValueError(f"backward: got {len(seeds)} gradients for {len(roots)} tensors")
    xp = tensor_namespace() if create_graph else NUMPY
    tensor_mode = create_graph

    leaf_grads: dict[int, list] = {}  # id(leaf) -> [leaf, grad, owned]
    nodes = []
    for i, root in enumerate(roots):
        if not isinstance(root, Tensor) or not root.requires_grad:
            raise RuntimeError(
                f"backward: tensor {i} does not require grad and has no grad_fn "
                "(did you compute it under no_grad, or from inputs without requires_grad=True?)"
            )
        seed = _seed(root, None if seeds is None else seeds[i], tensor_mode)
        if root.grad_fn is None:
            _add_leaf(leaf_grads, root, seed, False, tensor_mode)
        else:
            node = root.grad_fn
            node._grad = seed if node._grad is None else node._grad + seed
            nodes.append(node)
    capture: dict[Context, Any] | None = None
    needed: set[Context] | None = None
    if inputs is not None:
        capture = {t.grad_fn: None for t in inputs if t.grad_fn is not None}
        needed = _nodes_leading_to(_topological_order(nodes), inputs)

    previous_mode = STATE.grad_enabled
    STATE.grad_enabled = create_graph
    ran: list[Context] = []  # under create_graph: the nodes given the Tensor namespace
    try:
        _chain_rule(nodes, xp, tensor_mode, leaf_grads, not retain_graph, capture, needed, ran)
    finally:
        STATE.grad_enabled = previous_mode
        for node in ran:
            node._more.xp = NUMPY

    if inputs is None:
        for leaf, g, owned in leaf_grads.values():
            if leaf._hooks:
                g, owned = _run_hooks(leaf._hooks, g, owned, tensor_mode)
            if owned and leaf.grad is None:  # after zero_grad: the array becomes .grad as it is
                grad = _new_object(Tensor)  # Tensor._make, written out
                grad.data = g
                grad.grad_fn = None
                grad.requires_grad = False
                leaf.grad = grad
            else:
                leaf.grad = _accumulated(leaf.grad, g, tensor_mode, owned)
        return None
    return _captured(inputs, capture, leaf_grads, tensor_mode, allow_unused)


_NO_EXTRAS = NodeExtras()  # what _node_extras reads for a node that has none


def _node_extras(node: Context, g: Any, tensor_mode: bool, capture: dict | None) -> Any:
    """Hooks and retain_grad of a node's output tensor, and ag.grad's capture of it."""
    if type(g) in _SCALARS:  # the tensors these see hold arrays
        g = np.asarray(g)
    more = node._more or _NO_EXTRAS
    if more.hooks:
        g, _ = _run_hooks(more.hooks, g, False, tensor_mode)
    if more.retained:
        for ref in more.retained:
            t = ref()
            if t is not None:
                t.grad = _accumulated(t.grad, g, tensor_mode)
    if capture is not None and node in capture:
        capture[node] = g
    return g


def _chain_rule(
    roots: list[Context],
    xp: Any,
    tensor_mode: bool,
    leaf_grads: dict,
    free: bool,
    capture: dict | None,
    needed: set | None,
    ran: list[Context],
) -> None:
    """Run each node's rule on its accumulated gradient and route the results to its inputs.

    Nodes are numbered as they are created and an op's inputs exist before
    it does, so taking the newest node that has received a gradient (a heap
    keyed by that number) runs every node after all its consumers: a
    topological order without a separate sort. A node enters the heap with
    its first gradient; later ones are added to its buffer, in place only
    once this pass allocated that buffer (at its second contribution): a
    rule's result may alias its upstream gradient (add returns it twice),
    so that is never written into. A parent that got its first gradient from
    the node just run goes through `heappushpop` (in a chain: no heap at
    all). When the graph is freed, a node with a large output also lets go
    of its large intermediate inputs before its rule allocates (see
    `_release`); a small node (a loss, any op on small arrays) skips that
    check, and its inputs go when the nodes that made them have run.
    This loop is the engine's hot path, so it is written out in one piece.
    """
    if len(roots) == 1:  # loss.backward()
        heap = [(-roots[0]._seq, roots[0])]
    else:
        heap = [(-node._seq, node) for node in dict.fromkeys(roots)]
        heapify(heap)
    nxt = None  # a node that got its first gradient from the last one (skips a heap round trip)
    summed = set()  # the nodes whose gradient buffer this pass allocated (may be added into)
    try:
        anomaly = STATE.anomaly
        while True:
            if nxt is not None:
                node = heappushpop(heap, (-nxt._seq, nxt))[1] if heap else nxt
                nxt = None
            elif heap:
                node = heappop(heap)[1]
            else:
                break
            g = node._grad  # never None: a node enters the heap with its first gradient
            node._grad = None
            if capture is not None:  # ag.grad: it runs only the nodes that lead to an input
                if node in capture:  # an input's own hooks run, as in PyTorch
                    g = _node_extras(node, g, tensor_mode, capture)
                elif node._more is not None and node in needed:
                    g = _node_extras(node, g, tensor_mode, None)
                if node not in needed:
                    continue  # not run: no hooks, no retained grad, its buffers stay
            elif node._more is not None:
                g = _node_extras(node, g, tensor_mode, None)
            if tensor_mode:
                node._extras().xp = xp
                ran.append(node)
            s1 = node._s1  # node.sources, written out
            if s1 is _UNARY:
                sources = (node._s0,)
            elif s1 is _TUPLE:
                sources = node._s0
            else:
                sources = (node._s0, s1)
            # A node with a large output lets go of its large intermediate inputs before its
            # rule allocates their gradients, and of its own output (if it saved it) after.
            # (a float64 scalar gradient means a 0-d output: small, no NumPy attribute read)
            large = free and type(g) is not _F64_SCALAR and node._out.nbytes >= _RELEASE_BYTES
            if large:
                for t in sources:
                    if t is not None and t._is_node and t._out.nbytes >= _RELEASE_BYTES:
                        if not t._saved_output():  # its own rule still reads it
                            _release(t)
            saved = node._saved
            grads = node.fn.backward(node, g)
            if free:
                node._saved = _FREED
                if large:
                    _release(node)
            if type(grads) is not tuple:
                grads = (grads,)
            if len(grads) != len(sources):
                if len(grads) > len(sources) and all(gi is None for gi in grads[len(sources) :]):
                    # as PyTorch: trailing Nones for forward arguments left at their defaults
                    grads = grads[: len(sources)]
                else:
                    raise RuntimeError(
                        f"{node.fn.name}: backward returned {len(grads)} gradient(s), expected "
                        f"{len(sources)} (one per input of forward, None where there is none)"
                    )
            for t, gi in zip(sources, grads):
                if gi is None or t is None:
                    continue
                is_node = t._is_node  # t is the node that made this input, or a leaf
                if is_node:
                    data = t._out
                elif t.requires_grad:
                    data = t.data
                else:
                    continue
                if tensor_mode:
                    if not isinstance(gi, Tensor):
                        gi = Tensor._make(np.asarray(gi), False, None)
                elif type(gi) is not _ndarray and type(gi) not in _SCALARS:
                    gi = gi.data if isinstance(gi, Tensor) else np.asarray(gi)
                # A float64 scalar for a 0-d float64 input (what the scalar rules give) fits as
                # it is: two attribute reads of NumPy's instead of four.
                if type(gi) is not _F64_SCALAR or data.dtype is not _FLOAT64 or data.shape:
                    if gi.shape != data.shape:
                        gi = _sum_to_shape(gi, data.shape, xp, node, t)
                    if gi.dtype is not data.dtype and gi.dtype != data.dtype:
                        gi = gi.astype(data.dtype)
                if anomaly:
                    check_finite(node.fn.name, "backward", gi)
                if not is_node:
                    if type(gi) in _SCALARS:  # a leaf's .grad is an array
                        gi = np.asarray(gi)
                    entry = leaf_grads.get(id(t))
                    if entry is None:  # its first gradient in this pass (_add_leaf, written out)
                        # Owned: an array nothing else holds, which the leaf may keep as .grad
                        # without a copy and add later gradients into in place. Not owned: the
                        # rule's upstream gradient, a view, a value it saved, or one array
                        # returned for two inputs.
                        owned = not tensor_mode and gi is not g and gi.base is None
                        if owned:
                            if saved is not _FREED:
                                for s in saved:
                                    if s is gi:
                                        owned = False
                            count = 0
                            for s in grads:
                                if s is gi:
                                    count += 1
                            owned = owned and count == 1
                        leaf_grads[id(t)] = [t, gi, owned]
                    else:
                        _add_to_entry(entry, gi, tensor_mode)
                    continue
                parent = t
                current = parent._grad
                if current is None:
                    parent._grad = gi
                    if nxt is None:
                        nxt = parent
                    else:
                        heappush(heap, (-parent._seq, parent))
                elif tensor_mode:
                    parent._grad = current + gi
                elif parent in summed:
                    np.add(current, gi, out=current)
                else:
                    parent._grad = _new_sum(current, gi)
                    summed.add(parent)

    except BaseException:
        if nxt is not None:
            heap.append((0, nxt))
        for _, node in heap:  # gradients still waiting would leak into the next backward
            node._grad = None
        raise


# Intermediate arrays at least this large are let go of by a node when its
# rule runs in a backward that frees the graph (smaller ones cost more to
# replace than they hold).
_RELEASE_BYTES = 1 << 16
# Stand-in arrays by (shape, dtype): read-only zeros over RELEASED_BUFFER, shared by every
# stand-in of that shape (a training loop releases the same few shapes every step).
_PLACEHOLDERS: dict[tuple, np.ndarray] = {}


def _release(node: Context) -> None:
    """Let go of a node's large output array: keep a stand-in of its shape and dtype.

    As in PyTorch, a freed graph keeps only what its rules saved: a node need
    not pin its output once backward has passed it (a training loop that keeps
    last step's loss would otherwise hold all of its activations). Consumers
    only read the output's shape and dtype, which the stand-in has: a
    zero-strided read-only array over RELEASED_BUFFER, shared by every stand-in
    of that shape and dtype. Tensors the caller holds keep their data.
    """
    out = node._out
    if out.base is RELEASED_BUFFER:
        return
    key = (out.shape, out.dtype)
    placeholder = _PLACEHOLDERS.get(key)
    if placeholder is None:
        if len(_PLACEHOLDERS) >= 256:  # shapes that keep changing: start over
            _PLACEHOLDERS.clear()
        shape = out.shape
        placeholder = _ndarray(shape, out.dtype, RELEASED_BUFFER, 0, (0,) * len(shape))
        _PLACEHOLDERS[key] = placeholder
    node._extras().released_out = weakref.ref(out)  # what a rule that saved it compares with
    node._out = placeholder


def _sum_to_shape(gi: Any, shape: tuple[int, ...], xp: Any, node: Context, t: Any) -> Any:
    """Sum a broadcast gradient back to its input's shape, after checking it is one."""
    gshape = gi.shape
    lead = len(gshape) - len(shape)
    if lead < 0 or any(n != 1 and n != m for n, m in zip(shape, gshape[lead:])):
        i = next(k for k, u in enumerate(node.sources) if u is t)
        raise RuntimeError(
            f"{node.fn.name}: backward returned a gradient of shape {gshape} for input {i} "
            f"of shape {shape}, which does not broadcast to it"
        )
    return xp.sum_to(gi, shape)


def _seed(root: Tensor, seed: Any, tensor_mode: bool) -> Any:
    """The gradient backward starts from: ones for a one-element root, else the given one."""
    if seed is None:
        data = root.data
        if data.size != 1:
            raise RuntimeError(
                f"backward: grad can be implicitly created only for a one-element tensor, "
                f"got shape {root.shape}; pass gradient= of that shape"
            )
        ones = np.ones(data.shape, data.dtype) if data.shape else np.array(1, data.dtype)
        return Tensor._make(ones, False, None) if tensor_mode else ones
    shape = np.shape(seed)
    if shape != root.data.shape:
        raise ValueError(
            f"backward: gradient has shape {shape} but the tensor has shape {root.shape}"
        )
    if tensor_mode:
        if not isinstance(seed, Tensor):
            seed = Tensor._make(np.asarray(seed), False, None)
        return seed if seed.dtype == root.dtype else seed.astype(root.dtype)
    array = seed.data if isinstance(seed, Tensor) else np.asarray(seed)
    return array if array.dtype == root.data.dtype else array.astype(root.data.dtype)


def _add_leaf(leaf_grads: dict, leaf: Tensor, g: Any, owned: bool, tensor_mode: bool) -> None:
    """Collect a leaf's gradient for this pass; `.grad` is written once, after all of them.

    `owned`: g is an array nothing else holds, which may become `.grad` as it is.
    """
    entry = leaf_grads.get(id(leaf))
    if entry is None:
        leaf_grads[id(leaf)] = [leaf, g, owned]
    else:
        _add_to_entry(entry, g, tensor_mode)


def _add_to_entry(entry: list, g: Any, tensor_mode: bool) -> None:
    """Add a later gradient into a leaf's entry [leaf, grad, owned] (in place once owned)."""
    if tensor_mode:
        entry[1] = entry[1] + g
    elif entry[2]:
        np.add(entry[1], g, out=entry[1])
    else:
        entry[1] = _new_sum(entry[1], g)
        entry[2] = True


def _accumulated(current: Tensor | None, g: Any, tensor_mode: bool, owned: bool = False) -> Tensor:
    """`.grad` after adding g: a new Tensor the first time, then summed (in place if plain)."""
    if tensor_mode:
        if current is not None:
            return current + g
        # g may be a Tensor the caller holds (its gradient= argument): .grad gets its own
        # array, or a later plain backward would add into the caller's tensor in place.
        return g if g.requires_grad else Tensor._make(np.array(g.data), False, None)
    if current is None:
        return Tensor._make(g if owned else np.array(g), False, None)
    data = current.data
    if (
        current.grad_fn is None
        and not current.requires_grad
        and data.flags.writeable
        and data.shape == g.shape
    ):
        np.add(data, g, out=data, casting="unsafe")
        return current
    return Tensor._make(_new_sum(data, g), False, None)


def _new_sum(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a + b as a new ndarray: NumPy gives a scalar for 0-d operands, which `out=` rejects."""
    out = a + b
    return out if type(out) is np.ndarray else np.asarray(out)


def _run_hooks(hooks: dict, g: Any, owned: bool, tensor_mode: bool) -> tuple[Any, bool]:
    """Call each hook with the gradient as a Tensor; a returned value replaces it.

    A replacement must keep the gradient's shape and dtype (as in PyTorch): a leaf
    would otherwise get a `.grad` that does not match it.
    """
    for hook in list(hooks.values()):  # a hook may remove itself
        result = hook(g if tensor_mode else Tensor._make(g, False, None))
        owned = False  # the hook may keep the Tensor it saw: never add into that array in place
        if result is not None:
            if tensor_mode:
                new = (
                    result
                    if isinstance(result, Tensor)
                    else Tensor._make(np.asarray(result), False, None)
                )
            else:
                new = result.data if isinstance(result, Tensor) else np.asarray(result)
            if new.shape != g.shape or new.dtype != g.dtype:
                name = getattr(hook, "__qualname__", repr(hook))
                raise RuntimeError(
                    f"register_hook: hook {name} returned a gradient of shape {new.shape} and "
                    f"dtype {new.dtype} for one of shape {g.shape} and dtype {g.dtype}; a hook "
                    "may change the values, not the shape or dtype"
                )
            g = new
    return g, owned


def _nodes_leading_to(order: list[Context], inputs: list[Tensor]) -> set[Context]:
    """The nodes from which some input is reachable: the only ones ag.grad needs to run."""
    targets = {id(t) for t in inputs}
    target_nodes = {t.grad_fn for t in inputs if t.grad_fn is not None}
    needed: set[Context] = set()
    for node in reversed(order):  # inputs before the nodes that read them
        for t in node.sources:
            if t is None:
                continue
            if t in needed or t in target_nodes if t._is_node else id(t) in targets:
                needed.add(node)
                break
    return needed


def _captured(
    inputs: list[Tensor],
    capture: dict[Context, Any] | None,
    leaf_grads: dict,
    tensor_mode: bool,
    allow_unused: bool,
) -> tuple[Tensor | None, ...]:
    results: list[Tensor | None] = []
    for i, t in enumerate(inputs):
        if t.grad_fn is None:
            entry = leaf_grads.get(id(t))
            g, owned = (None, False) if entry is None else (entry[1], entry[2])
            if g is not None and t._hooks:
                g, owned = _run_hooks(t._hooks, g, owned, tensor_mode)
        else:
            g = capture.get(t.grad_fn) if capture else None
            owned = False
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"grad: input {i} (shape {t.shape}) was not used to compute the outputs; "
                    "pass allow_unused=True to get None for it"
                )
            results.append(None)
        elif tensor_mode:
            results.append(g)
        else:
            results.append(Tensor._make(g if owned else np.array(g), False, None))
    return tuple(results)
