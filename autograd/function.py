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

import itertools
import weakref
from typing import Any, ClassVar

import numpy as np

from autograd.mode import STATE
from autograd.ops.namespace import NUMPY
from autograd.tensor import Tensor

_FREED = object()  # ctx._saved after a backward freed the buffers


class Context:
    """What forward leaves for backward, and the node recorded in the graph.

    `inputs` is a tuple of the Tensor arguments (None for other arguments), in order;
    `needs_input_grad[i]` says whether input i wants a gradient, so a rule can
    skip work. Any other attribute (`ctx.axis = 1`) is the op's own.
    """

    # The fields every op touches are slots; rarely used ones (hooks, retained
    # tensors, the saved output's version counter) default to None at class
    # level and only land in the instance dict when set.
    # Each Function has its own Context subclass (`Function._node_type`) whose
    # class attributes `fn` and `name` say which op made the node.
    __slots__ = ("__dict__", "__weakref__", "_epoch", "_grad", "_grad_owned", "_out", "_saved")
    __slots__ += ("_seq", "inputs")
    fn: type[Function]
    name: str = "function"  # the op's name in the op table, e.g. "mul"
    # The namespace rules compute in: NumPy, except while a create_graph
    # backward runs this node (the engine sets the Tensor namespace then).
    xp: Any = NUMPY
    _hooks: list | None = None
    _retained: list | None = None
    _extras = False  # True once the output tensor has hooks or retains its grad
    _out_vc: list | None = None

    @property
    def needs_input_grad(self) -> tuple[bool, ...]:
        """For each input of forward: is it a Tensor that requires grad?"""
        inputs = self.inputs
        if len(inputs) == 2:  # most ops: no loop
            a, b = inputs
            return (a is not None and a.requires_grad, b is not None and b.requires_grad)
        if len(inputs) == 3:  # linear, where, normalizations
            a, b, c = inputs
            return (
                a is not None and a.requires_grad,
                b is not None and b.requires_grad,
                c is not None and c.requires_grad,
            )
        return tuple([t is not None and t.requires_grad for t in inputs])

    @property
    def parents(self) -> list[Tensor]:
        """The Tensor inputs of this node (constants left out), in argument order."""
        return [t for t in self.inputs if t is not None]

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
        if self._epoch != STATE.inplace_epoch:
            self._check_versions()
        if self.xp is not NUMPY:
            return tuple(self._as_tensor(v) for v in saved)
        return saved

    def _check_versions(self) -> None:
        """Raise if an input or the output was written in place after forward saved it.

        A version counter is `[version, epoch of the last write]`; a write after
        this node saved its values has a later epoch than the node's.
        """
        for i, t in enumerate(self.inputs):
            vc = None if t is None else t._vc
            if vc is not None and vc[1] > self._epoch:
                raise RuntimeError(
                    f"{self.fn.name}: input {i} (shape {t.shape}, dtype {t.dtype}) was modified "
                    f"in place after it was saved for backward (it is now at version {vc[0]}); "
                    "use an out-of-place op, or modify a copy"
                )
        vc = self._out_vc
        if vc is not None and vc[1] > self._epoch:
            raise RuntimeError(
                f"{self.fn.name}: its output was modified in place after it was saved for "
                f"backward (it is now at version {vc[0]}); use an out-of-place op, or modify a copy"
            )

    def _as_tensor(self, value: Any) -> Any:
        """Map a saved array back to the Tensor it is the data of (an input or the output)."""
        for t in self.inputs:
            if t is not None and value is t.data:
                return t
        if value is self._out:
            return Tensor._make(value, True, self)
        return value

    def _hook_list(self) -> list:
        """The hooks of this node's output tensor (created on first use)."""
        if self._hooks is None:
            self._hooks = []
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
_next_number = itertools.count().__next__  # creation order of nodes: the engine sorts by it


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

    _node_type: ClassVar[type[Context]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" not in cls.__dict__:
            cls.name = cls.__name__.lower()
        namespace = {"__slots__": (), "fn": cls, "name": cls.name}
        cls._node_type = type(f"{cls.__name__}Node", (Context,), namespace)

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
        ctx = _new_object(cls._node_type)
        ctx._saved = ()
        # Unwrap Tensor arguments to their arrays; ops of one and two inputs
        # (nearly all of them) get a straight-line path without a loop.
        if len(args) == 2:
            a, b = args
            record = False
            if isinstance(a, Tensor):
                record = a.requires_grad
                a_data = a.data
            else:
                a_data, a = a, None
            if isinstance(b, Tensor):
                record = record or b.requires_grad
                b_data = b.data
            else:
                b_data, b = b, None
            ctx.inputs = inputs = (a, b)
            if kwargs:
                out = cls.forward(ctx, a_data, b_data, **kwargs)
            else:  # a plain call is cheaper than unpacking an empty dict
                out = cls.forward(ctx, a_data, b_data)
        elif len(args) == 1 and isinstance(args[0], Tensor):
            a = args[0]
            record = a.requires_grad
            ctx.inputs = inputs = (a,)
            out = cls.forward(ctx, a.data, **kwargs) if kwargs else cls.forward(ctx, a.data)
        else:
            arrays = []
            inputs = []
            record = False
            for a in args:
                if isinstance(a, Tensor):
                    arrays.append(a.data)
                    inputs.append(a)
                    if a.requires_grad:
                        record = True
                else:
                    arrays.append(a)
                    inputs.append(None)
            ctx.inputs = inputs = tuple(inputs)
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
            ctx._out = None  # kept only when saved: the node must not pin its output
            ctx._epoch = STATE.inplace_epoch
            ctx._seq = _next_number()
            for v in ctx._saved:
                if v is out:  # the output's version counter is linked when it is made
                    ctx._out = out  # (Tensor._counter): a write to it is then seen here
                    break
        else:
            result.requires_grad = False
            result.grad_fn = None
        if out.base is not None:
            _share_version_with_base(result, out, inputs)
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


def _share_version_with_base(result: Tensor, out: np.ndarray, tensors: list) -> None:
    """A view of an input shares its version counter, so writes through either are seen."""
    base = out.base
    for t in tensors:
        if t is not None and (t.data is base or t.data.base is base):
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
