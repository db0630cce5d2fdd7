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
    attribute (`ctx.axis = 1`) is the op's own.
    """

    # The fields every op touches are slots; rarely used ones (hooks, retained
    # tensors, the output's version counter, its name) default to None at class
    # level and only land in the instance dict when set.
    # Every node is of this one class, its op in the slot `fn`: attribute reads and writes
    # in `apply` and the engine's loop then see one type and stay specialised (with a
    # subclass per op, the interpreter's attribute caches missed at every change of op).
    # Its price: CPython gives each new instance room for every attribute name ever set on
    # one (they share a key table, at most 30 names), so a node grows by about 8 bytes per
    # distinct name ops have set on their ctx in this process (the deep chain: 288 bytes
    # per op in a fresh process, 344 after the mlp workload, 416 at most).
    # On a long graph much of the time goes to the garbage collector's full passes, which
    # visit every tracked object: so a node is one object (no tuple of sources beside it)
    # with as few fields as serve. The sources of an op of two arguments (nearly all of
    # them) are the slots `_s0` and `_s1`; of one argument: `_s1` is _UNARY; any other
    # count: `_s0` holds the tuple and `_s1` is _TUPLE (see `sources`).
    __slots__ = ("__dict__", "__weakref__", "_grad", "_out", "_s0", "_s1", "_saved", "_seq", "fn")
    fn: type[Function]  # the op that made the node
    # The namespace rules compute in: NumPy, except while a create_graph
    # backward runs this node (the engine sets the Tensor namespace then).
    xp: Any = NUMPY
    _hooks: dict | None = None
    _retained: list | None = None
    _extras = False  # True once the output tensor has hooks or retains its grad
    _out_vc: list | None = None  # the output's version counter, once it has one
    _label: str | None = None  # the output's name (Tensor.name)
    # After a backward let go of the output (engine._release): a weak reference to it, so a
    # rule that saved it still knows it for this node's output under create_graph.
    _released_out: weakref.ref | None = None
    # As a source of another node, a node stands for the output it made: that
    # output requires grad, and is no leaf (Tensor._is_node is False). Its
    # requires_grad is not read from the node: `ctx.requires_grad` is the op's own.
    _is_node = True

    @property
    def name(self) -> str:
        """The op's name in the op table, e.g. "mul"."""
        return self.fn.name

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

    def _out_counter(self) -> list[int]:
        """The version counter of this node's output, made on need (see Tensor._counter)."""
        vc = self._out_vc
        if vc is None:
            vc = self._out_vc = [0, 0]
        return vc

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
        if self.xp is not NUMPY:
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
            vc, data = (t._out_vc, t._out) if t._is_node else (t._vc, t.data)
            if vc is not None and vc[1] > self._seq:
                raise RuntimeError(
                    f"{self.fn.name}: input {i} (shape {data.shape}, dtype {data.dtype}) was "
                    f"modified in place after it was saved for backward (it is now at version "
                    f"{vc[0]}); use an out-of-place op, or modify a copy"
                )
        vc = self._out_vc
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
                elif t._released_out is not None and value is t._released_out():
                    # a backward let go of it in the graph, but this rule saved it: it is
                    # still t's output, differentiable through t (PyTorch keeps that link)
                    return Tensor._make(value, True, t)
        if value is self._out:
            return self._as_output()
        return value

    def _hooks_by_handle(self) -> dict:
        """The hooks of this node's output tensor, by handle (created on first use)."""
        if self._hooks is None:
            self._hooks = {}
            self._extras = True
        return self._hooks

    def _retain(self, tensor: Tensor) -> None:
        if self._retained is None:
            self._retained = []
            self._extras = True
        if all(ref() is not tensor for ref in self._retained):
            self._retained.append(weakref.ref(tensor))


_new_object = object.__new__
_ndarray = np.ndarray


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
    """

    name: ClassVar[str] = "function"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" not in cls.__dict__:
            cls.name = cls.__name__.lower()

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
        """Run forward on the inputs' arrays; record the graph node when a gradient is needed.

        This is the hot path of every op, so it does the least it can: unwrap the
        arguments, run forward, make one Tensor, and fill in the node only if needed.
        """
        ctx = Context()  # it has no __init__: cheaper than object.__new__(Context)
        ctx.fn = cls
        ctx._saved = ()
        # Unwrap Tensor arguments to their arrays; ops of one to three inputs
        # (nearly all of them) get a straight-line path without a loop.
        n = len(args)
        if n == 2 or n == 3:  # binary ops; linear with a bias, where
            a = args[0]
            b = args[1]
            record = False
            if isinstance(a, Tensor):
                record = a.requires_grad
                a_data = a.data
                a = a.grad_fn or a  # an op's output is known by its node (see Context)
            else:
                a_data, a = a, None
            if isinstance(b, Tensor):
                record = record or b.requires_grad
                b_data = b.data
                b = b.grad_fn or b
            else:
                b_data, b = b, None
            if n == 2:
                ctx._s0 = a
                ctx._s1 = b
                if kwargs:
                    out = cls.forward(ctx, a_data, b_data, **kwargs)
                else:  # a plain call is cheaper than unpacking an empty dict
                    out = cls.forward(ctx, a_data, b_data)
            else:
                c = args[2]
                if isinstance(c, Tensor):
                    record = record or c.requires_grad
                    c_data = c.data
                    c = c.grad_fn or c
                else:
                    c_data, c = c, None
                ctx._s0 = (a, b, c)
                ctx._s1 = _TUPLE
                if kwargs:
                    out = cls.forward(ctx, a_data, b_data, c_data, **kwargs)
                else:
                    out = cls.forward(ctx, a_data, b_data, c_data)
        elif n == 1 and isinstance(args[0], Tensor):
            a = args[0]
            record = a.requires_grad
            ctx._s0 = a.grad_fn or a
            ctx._s1 = _UNARY
            out = cls.forward(ctx, a.data, **kwargs) if kwargs else cls.forward(ctx, a.data)
        else:
            arrays = []
            sources = []
            record = False
            for a in args:
                if isinstance(a, Tensor):
                    arrays.append(a.data)
                    sources.append(a.grad_fn or a)
                    if a.requires_grad:
                        record = True
                else:
                    arrays.append(a)
                    sources.append(None)
            if len(sources) == 1:  # one argument, not a Tensor
                ctx._s0 = None
                ctx._s1 = _UNARY
            else:
                ctx._s0 = tuple(sources)
                ctx._s1 = _TUPLE
            out = cls.forward(ctx, *arrays, **kwargs)
        if type(out) is not _ndarray:
            out = _as_array(ctx, out)
        if STATE.anomaly:
            check_finite(cls.name, "forward", out)
        result = _new_object(Tensor)  # Tensor._make, written out: this runs for every op
        result.data = out
        if record and STATE.grad_enabled and out.dtype.kind == "f":
            result.requires_grad = True
            result.grad_fn = ctx
            ctx._grad = None
            ctx._out = out
            ctx._seq = tick()  # creation order: the engine sorts by it, writes compare with it
        else:
            result.requires_grad = False
            result.grad_fn = None
        if out.base is not None:
            _share_version_with_base(result, out, args)
        return result


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
