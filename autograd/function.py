"""Function and its ctx: the one way an op is made, built-in or user-defined.

A Function has a `forward(ctx, *arrays, **options)` on NumPy arrays and a
`backward(ctx, grad)` giving one gradient per positional input. `apply` runs
the forward and, when grad mode is on and an input requires grad, records the
ctx as the output's `grad_fn`: the ctx *is* the graph node.

In an ordinary backward, `grad` and the saved values are NumPy arrays and
`ctx.xp` is a NumPy namespace. Under `create_graph=True` they are Tensors and
`ctx.xp` holds the differentiable `ag` functions, so one rule written with
operators and `xp.<name>` serves both paths (see `autograd.ops.namespace`).
"""

from __future__ import annotations

import weakref
from typing import Any, ClassVar

import numpy as np

from autograd.mode import STATE, tick
from autograd.ops.namespace import NUMPY
from autograd.tensor import Tensor

_FREED = object()  # ctx._saved after a backward freed the buffers
# ctx._s1 of a node whose op took one argument, or whose sources tuple is in ctx._s0
_UNARY = object()
_TUPLE = object()


class Context:
    """What forward leaves for backward, and the node recorded in the graph.

    `sources[i]` says where forward argument i came from: the leaf Tensor
    itself, the node that made it (an op's output), or None (not a Tensor).
    As in PyTorch, the graph holds nodes, not intermediate tensors: a tensor
    the caller drops is freed, and each node keeps its own output array
    (`_out`) for its consumers to read the shape and dtype from. `inputs`
    rebuilds the Tensor arguments for inspection. `needs_input_grad[i]` says
    whether input i wants a gradient, so a rule can skip work. Any other
    attribute (`ctx.axis = 1`) is the op's own: its ctx is then an
    `AttributeContext` (see `Function`).
    """

    # A node is slots only, with no instance dict: on a long graph much of the time goes
    # to the garbage collector's full passes, which visit every tracked object and what it
    # points at, so a node is one small object (no tuple of sources, no attribute table
    # beside it). CPython 3.11 gives each instance of a class with a dict a table with
    # room for every attribute name ever set on one (up to 30), allocated with the object:
    # ~60-270 bytes a node that the collector walks again at each pass. Ops that keep
    # attributes of their own (`ctx.axis = 1`: every user-defined Function, by default)
    # get `AttributeContext`, this class with a dict (see `Function.__init_subclass__`).
    # Every node of one kind is of one class, its op in the slot `fn`: attribute reads and
    # writes in `apply` and the engine's loop then see one type and stay specialised
    # (with a class per op, the interpreter's attribute caches missed at every change).
    # The sources of an op of two arguments (nearly all of them) are the slots `_s0` and
    # `_s1`; of one argument: `_s1` is _UNARY; any other count: `_s0` holds the tuple and
    # `_s1` is _TUPLE (see `sources`). Rarely used fields (hooks, retained tensors, the
    # output's version counter and name, the create_graph namespace) are in `_more`, a
    # NodeExtras made on first need.
    __slots__ = ("__weakref__", "_grad", "_more", "_out", "_s0", "_s1", "_saved", "_seq", "fn")
    fn: type[Function]  # the op that made the node
    _more: NodeExtras | None
    # As a source of another node, a node stands for the output it made: that
    # output requires grad, and is no leaf (Tensor._is_node is False). Its
    # requires_grad is not read from the node: `ctx.requires_grad` is the op's own.
    _is_node = True

    @property
    def name(self) -> str:
        """The op's name in the op table, e.g. "mul"."""
        return self.fn.name

    @property
    def xp(self) -> Any:
        """The namespace rules compute in: NumPy, except while a create_graph backward runs
        this node (the engine gives it the Tensor namespace then)."""
        more = self._more
        return NUMPY if more is None else more.xp

    def _extras(self) -> NodeExtras:
        """The node's rarely used fields, made on first need."""
        more = self._more
        if more is None:
            more = self._more = NodeExtras()
        return more

    @property
    def sources(self) -> tuple[Any, ...]:
        """Per forward argument: the leaf Tensor, the node that made it, or None."""
        s1 = self._s1
        if s1 is _UNARY:
            return (self._s0,)
        if s1 is _TUPLE:
            return self._s0
        return (self._s0, s1)

    @property
    def needs_input_grad(self) -> tuple[bool, ...]:
        """For each input of forward: is it a Tensor that requires grad?"""
        b = self._s1
        if b is _UNARY:
            a = self._s0
            return (a is not None and (a._is_node or a.requires_grad),)
        if b is not _TUPLE:  # most ops: two arguments, no loop
            a = self._s0
            return (
                a is not None and (a._is_node or a.requires_grad),
                b is not None and (b._is_node or b.requires_grad),
            )
        if b is _TUPLE and len(self._s0) == 3:  # linear, where, normalizations
            a, b, c = self._s0
            return (
                a is not None and (a._is_node or a.requires_grad),
                b is not None and (b._is_node or b.requires_grad),
                c is not None and (c._is_node or c.requires_grad),
            )
        return tuple([t is not None and (t._is_node or t.requires_grad) for t in self.sources])

    @property
    def inputs(self) -> tuple[Tensor | None, ...]:
        """The Tensor arguments of forward (None for others), in order, for inspection.

        A leaf is the tensor itself; an op's output is rebuilt over its node
        (same array, same grad_fn, not the same object).
        """
        return tuple([t._as_output() if t is not None and t._is_node else t for t in self.sources])

    @property
    def parents(self) -> list[Tensor]:
        """The Tensor inputs of this node (constants left out), in argument order."""
        return [t for t in self.inputs if t is not None]

    def _as_output(self) -> Tensor:
        """A Tensor over this node's output (what the graph keeps of it is the node)."""
        return Tensor._make(self._out, True, self)

    def _out_counter_or_none(self) -> list[int] | None:
        """The version counter of this node's output if it has one (no write made one)."""
        more = self._more
        return None if more is None else more.out_vc

    def _out_counter(self) -> list[int]:
        """The version counter of this node's output, made on need (see Tensor._counter)."""
        more = self._extras()
        if more.out_vc is None:
            more.out_vc = [0, 0]
        return more.out_vc

    def _saved_output(self) -> bool:
        """Whether forward saved the output: only then do writes to it matter here."""
        out = self._out
        saved = self._saved
        if saved is not _FREED:
            for v in saved:
                if v is out:
                    return True
        return False

    def __repr__(self) -> str:
        return f"<{self.fn.name}>"

    def save_for_backward(self, *values: Any) -> None:
        """Keep arrays for backward; in-place changes to them are detected there."""
        self._saved = values

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        """The saved values: arrays, or under `create_graph` the Tensors they came from."""
        saved = self._saved
        if saved is _FREED:
            raise RuntimeError(
                f"{self.fn.name}: trying to backward through the graph a second time "
                "(its saved values were freed after the first backward); "
                "pass retain_graph=True to the first backward() if you need to"
            )
        if STATE.last_write > self._seq:
            self._check_versions()
        more = self._more
        if more is not None and more.xp is not NUMPY:
            return tuple(self._as_tensor(v) for v in saved)
        return saved

    def _check_versions(self) -> None:
        """Raise if an input or the output was written in place after forward saved it.

        A version counter is `[version, tick of the last write]` (mode.tick); a write
        after this node saved its values has a later tick than the node's `_seq`.
        """
        for i, t in enumerate(self.sources):
            if t is None:
                continue
            vc, data = (t._out_counter_or_none(), t._out) if t._is_node else (t._vc, t.data)
            if vc is not None and vc[1] > self._seq:
                raise RuntimeError(
                    f"{self.fn.name}: input {i} (shape {data.shape}, dtype {data.dtype}) was "
                    f"modified in place after it was saved for backward (it is now at version "
                    f"{vc[0]}); use an out-of-place op, or modify a copy"
                )
        vc = self._out_counter_or_none()
        if vc is not None and vc[1] > self._seq and self._saved_output():
            raise RuntimeError(
                f"{self.fn.name}: its output was modified in place after it was saved for "
                f"backward (it is now at version {vc[0]}); use an out-of-place op, or modify a copy"
            )

    def _as_tensor(self, value: Any) -> Any:
        """Map a saved array back to the Tensor it is the data of (an input or the output)."""
        for t in self.sources:
            if t is not None:
                if not t._is_node:
                    if value is t.data:
                        return t
                elif value is t._out:
                    return t._as_output()
                elif (
                    t._more is not None
                    and t._more.released_out is not None
                    and (value is t._more.released_out())
                ):
                    # a backward let go of it in the graph, but this rule saved it: it is
                    # still t's output, differentiable through t (PyTorch keeps that link)
                    return Tensor._make(value, True, t)
        if value is self._out:
            return self._as_output()
        return value

    def _hooks_by_handle(self) -> dict:
        """The hooks of this node's output tensor, by handle (created on first use)."""
        more = self._extras()
        if more.hooks is None:
            more.hooks = {}
        return more.hooks

    def _retain(self, tensor: Tensor) -> None:
        more = self._extras()
        if more.retained is None:
            more.retained = []
        if all(ref() is not tensor for ref in more.retained):
            more.retained.append(weakref.ref(tensor))


class AttributeContext(Context):
    """A Context with an instance dict, for ops that keep attributes of their own on ctx
    (`ctx.k = 3`): every Function subclass unless it says `ctx_attributes=False`."""

    __slots__ = ("__dict__",)


class NodeExtras:
    """A node's rarely used fields, kept off the node itself (see Context)."""

    __slots__ = ("hooks", "label", "out_vc", "released_out", "retained", "xp")

    def __init__(self) -> None:
        self.hooks: dict | None = None  # its output's hooks, by handle, in registration order
        self.retained: list | None = None  # weak references to tensors that retain its grad
        self.out_vc: list[int] | None = None  # its output's version counter, once it has one
        self.label: str | None = None  # its output's name (Tensor.name)
        # After a backward let go of the output (engine._release): a weak reference to it,
        # so a rule that saved it still knows it for this node's output under create_graph.
        self.released_out: weakref.ref | None = None
        self.xp: Any = NUMPY  # the namespace rules compute in (Context.xp)


_new_object = object.__new__
_ndarray = np.ndarray
_FLOAT32 = np.dtype(np.float32)
_FLOAT64 = np.dtype(np.float64)


class Function:
    """Base class of every op: subclass it with static `forward` and `backward`.

    ```
    class Cube(ag.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3
        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 3 * x ** 2 * grad
    y = Cube.apply(t)
    ```
    `name` (lowercase, default the class name) is the op's name in the graph.
    An op that keeps nothing on ctx but what `save_for_backward` holds can say
    so, `class Mul(Function, ctx_attributes=False)`: its nodes are then plain
    slotted `Context`s, smaller and faster to collect on long graphs; by
    default ctx is an `AttributeContext`, which takes any attribute (`ctx.k = 3`).
    """

    name: ClassVar[str] = "function"
    _context: ClassVar[type[Context]] = AttributeContext  # the class of this op's nodes

    def __init_subclass__(cls, ctx_attributes: bool = True, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" not in cls.__dict__:
            cls.name = cls.__name__.lower()
        cls._context = AttributeContext if ctx_attributes else Context

    @staticmethod
    def forward(ctx: Context, *args: Any, **kwargs: Any) -> Any:
        """Compute the output from NumPy arrays; save what backward needs on ctx."""
        raise NotImplementedError("a Function subclass must define forward(ctx, ...)")

    @staticmethod
    def backward(ctx: Context, grad: Any) -> Any:
        """Return the gradient for each positional input (a tuple if several, None where none).

        Each is a new array, `grad` itself, or a value saved in forward: the
        engine keeps a new array as a leaf's `.grad` and adds later gradients
        into it in place, so never return an array held elsewhere (a global).
        """
        raise NotImplementedError("a Function subclass must define backward(ctx, grad)")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Tensor:
        """Run forward on the inputs' arrays; record the graph node when a gradient is needed."""
        n = len(args)
        if n == 2:
            return apply_op(cls, 2, args[0], args[1], None, kwargs)
        if n == 1:
            return apply_op(cls, 1, args[0], None, None, kwargs)
        if n == 3:
            return apply_op(cls, 3, args[0], args[1], args[2], kwargs)
        return apply_op(cls, n, args, None, None, kwargs)


def apply_op(
    cls: type[Function], n: int, a: Any, b: Any, c: Any, kwargs: dict[str, Any] | None
) -> Tensor:
    """`cls.apply` on n arguments, spread out: a (b, c) for one to three, else `a` is the tuple.

    This is the hot path of every op, so it does the least it can: unwrap the
    arguments, run forward, make one Tensor, and fill in the node only if needed.
    Tensor's operators and the built-in op functions call it directly: with a
    fixed signature the call builds no argument tuple or keyword dict and binds
    no classmethod. Code outside the package calls `MyOp.apply(...)`.
    """
    ctx = cls._context()  # it has no __init__: cheaper than object.__new__
    ctx.fn = cls
    ctx._saved = ()
    ctx._more = None
    # Unwrap Tensor arguments to their arrays; ops of one to three inputs
    # (nearly all of them) get a straight-line path without a loop.
    if n == 2 or n == 3:  # binary ops; linear with a bias, where
        record = False
        if isinstance(a, Tensor):
            record = a.requires_grad
            a_data = a.data
            sa = a.grad_fn or a  # an op's output is known by its node (see Context)
        else:
            a_data, sa = a, None
        if isinstance(b, Tensor):
            record = record or b.requires_grad
            b_data = b.data
            sb = b.grad_fn or b
        else:
            b_data, sb = b, None
        if n == 2:
            ctx._s0 = sa
            ctx._s1 = sb
            if kwargs:
                out = cls.forward(ctx, a_data, b_data, **kwargs)
            else:  # a plain call is cheaper than unpacking an empty dict
                out = cls.forward(ctx, a_data, b_data)
        else:
            if isinstance(c, Tensor):
                record = record or c.requires_grad
                c_data = c.data
                sc = c.grad_fn or c
            else:
                c_data, sc = c, None
            ctx._s0 = (sa, sb, sc)
            ctx._s1 = _TUPLE
            if kwargs:
                out = cls.forward(ctx, a_data, b_data, c_data, **kwargs)
            else:
                out = cls.forward(ctx, a_data, b_data, c_data)
    elif n == 1:
        ctx._s1 = _UNARY
        if isinstance(a, Tensor):
            record = a.requires_grad
            ctx._s0 = a.grad_fn or a
            a_data = a.data
        else:
            record = False
            ctx._s0 = None
            a_data = a
        out = cls.forward(ctx, a_data, **kwargs) if kwargs else cls.forward(ctx, a_data)
    else:  # none, or more than three: `a` holds them all
        arrays = []
        sources = []
        record = False
        for t in a:
            if isinstance(t, Tensor):
                arrays.append(t.data)
                sources.append(t.grad_fn or t)
                if t.requires_grad:
                    record = True
            else:
                arrays.append(t)
                sources.append(None)
        ctx._s0 = tuple(sources)
        ctx._s1 = _TUPLE
        out = cls.forward(ctx, *arrays, **(kwargs or {}))
    if type(out) is not _ndarray:
        out = _as_array(ctx, out)
    if STATE.anomaly:
        check_finite(cls.name, "forward", out)
    result = _new_object(Tensor)  # Tensor._make, written out: this runs for every op
    result.data = out
    # float32 and float64 known by identity first: `dtype.kind` is one more NumPy attribute read
    if (
        record
        and STATE.grad_enabled
        and ((dtype := out.dtype) is _FLOAT64 or dtype is _FLOAT32 or dtype.kind == "f")
    ):
        result.requires_grad = True
        result.grad_fn = ctx
        ctx._grad = None
        ctx._out = out
        ctx._seq = tick()  # creation order: the engine sorts by it, writes compare with it
    else:
        result.requires_grad = False
        result.grad_fn = None
    if out.base is not None:
        _share_version_with_base(result, out, _spread(n, a, b, c))
    if STATE.recorder is not None:  # gradcheck's diagnosis (see STATE)
        STATE.recorder.append((cls, _spread(n, a, b, c), kwargs or {}, result))
    return result


def _spread(n: int, a: Any, b: Any, c: Any) -> tuple:
    """apply_op's arguments as the tuple `apply` was given."""
    if n == 1:
        return (a,)
    if n == 2:
        return (a, b)
    if n == 3:
        return (a, b, c)
    return a


def _as_array(ctx: Context, out: Any) -> np.ndarray:
    """A forward's result as an ndarray (ufuncs give NumPy scalars for 0-d input).

    A saved copy of the result is swapped for the array, so that under
    `create_graph` the rule still finds the output it saved.
    """
    array = out.data if isinstance(out, Tensor) else np.asarray(out)
    for v in ctx._saved:
        if v is out:
            ctx._saved = tuple([array if v is out else v for v in ctx._saved])
            break
    return array


def _share_version_with_base(result: Tensor, out: np.ndarray, args: tuple) -> None:
    """A view of an input shares its version counter, so writes through either are seen.

    It reads the Tensor arguments, not the graph: after a backward let go of an
    intermediate's array in its node, the tensor the caller holds still has it.
    """
    base = out.base
    for t in args:
        if isinstance(t, Tensor):
            data = t.data
            if data is base or data.base is base:
                result._link_counter(t._counter())
                return


def check_finite(op: str, where: str, array: Any) -> None:
    """detect_anomaly's check: name the op that made the first NaN or inf."""
    array = array.data if isinstance(array, Tensor) else np.asarray(array)
    if array.dtype.kind in "fc" and not np.isfinite(array).all():
        bad = "nan" if np.isnan(array).any() else "inf"
        raise RuntimeError(
            f"detect_anomaly: {op} produced {bad} in its {where} "
            f"(shape {array.shape}, dtype {array.dtype})"
        )
