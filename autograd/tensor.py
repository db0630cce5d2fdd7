"""Tensor: a NumPy array with a gradient, and the operator sugar that records ops.

The array is `.data`; `.grad_fn` is the graph node (a Function's ctx) that
made it, None for leaves. Every operator and method here delegates to a
Function in `autograd.ops`, so the op table is the one place math lives.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from autograd.dtypes import get_default_dtype
from autograd.mode import STATE, tick

# What the stand-in of a released intermediate reads (engine._release): its
# array views these zero bytes with zero strides, whatever its shape and dtype.
RELEASED_BUFFER = bytes(32)


def _array_from(data: Any, dtype: Any) -> np.ndarray:
    """Convert Tensor constructor input to an owned ndarray with glassgrad's dtype rules."""
    if isinstance(data, Tensor):
        data = data.data
    if isinstance(data, str | bytes) or data is None:
        raise TypeError(f"Tensor: cannot make a tensor from {type(data).__name__} {data!r}")
    if dtype is not None:
        dtype = np.dtype(dtype)
    if isinstance(data, np.ndarray | np.generic):
        array = np.array(data, dtype=dtype)
    else:
        try:
            array = np.array(data, dtype=dtype)
        except (ValueError, TypeError) as err:
            raise TypeError(
                f"Tensor: cannot make a tensor from {type(data).__name__}: {err}"
            ) from None
        if dtype is None and array.dtype.kind == "f":
            array = array.astype(get_default_dtype(), copy=False)
    if array.dtype.kind not in "fiub":
        raise TypeError(
            f"Tensor: unsupported data of dtype {array.dtype} (from {type(data).__name__}); "
            "use numbers, nested lists of numbers or a numeric NumPy array"
        )
    return array


def _float_or_raise(array: np.ndarray, what: str) -> None:
    if array.dtype.kind != "f":
        raise TypeError(
            f"{what}: only floating-point tensors can require grad, got dtype {array.dtype}; "
            "convert first, e.g. Tensor(data, dtype=np.float32)"
        )


_new_object = object.__new__


# What to write instead of an in-place op on a tensor inside a recorded graph.
_OUT_OF_PLACE = {"add_": "x = x + y", "sub_": "x = x - y", "mul_": "x = x * y", "div_": "x = x / y"}


def _raw(value: Any) -> Any:
    """The NumPy payload of a Tensor, or the value itself."""
    return value.data if isinstance(value, Tensor) else value


def as_operand(value: Any) -> Any:
    """A Tensor as it is, anything else as an array: `ag.sum(x)` and the other functions take
    Python numbers and nested lists, as NumPy's do (methods need no such step)."""
    return value if isinstance(value, Tensor) else np.asarray(value)


def _result_dtype(ufunc: Any, dtype: np.dtype, other: Any) -> np.dtype | None:
    """The dtype `ufunc(tensor, other)` computes in (what an in-place op would have to write),
    or None when NumPy has no loop for the pair. copy_/fill_ write `other` as it is."""
    if not isinstance(ufunc, np.ufunc):
        return np.result_type(other)
    # Python numbers are weak (NEP 50): they take the tensor's kind where they can
    operand = type(other) if type(other) in (int, float, complex) else np.result_type(other)
    try:
        return ufunc.resolve_dtypes((dtype, operand, None))[-1]
    except TypeError:
        return None


def _index(key: Any) -> Any:
    """Turn Tensors inside an index (masks, integer arrays) into their arrays."""
    if isinstance(key, Tensor):
        return key.data
    if isinstance(key, tuple):
        return tuple(k.data if isinstance(k, Tensor) else k for k in key)
    return key


class _HookHandle:
    """What `register_hook` returns: call it, or its `.remove()` as in PyTorch, to remove the
    hook (again is harmless).

    Hooks are kept in registration order keyed by their handle, so a function registered
    twice is removed once per handle, at the place where that handle added it.
    """

    __slots__ = ("_hooks",)

    def __init__(self, hooks: dict) -> None:
        self._hooks = hooks

    def remove(self) -> None:
        self._hooks.pop(self, None)

    __call__ = remove


class Tensor:
    """An n-dimensional array that records the ops applied to it, for `backward()`.

    `Tensor(data, requires_grad=False, dtype=None, name=None)`: Python floats
    become the default dtype (float32), NumPy arrays keep their dtype, integer
    and bool data stay integer/bool and cannot require grad.
    """

    # The slots every op sets; the other attributes (the gradient, the version
    # counter, a name, hooks on a leaf) default to None here and only land in
    # the instance dict when set: an op's output, which has none of them, is
    # smaller and quicker to make, and the garbage collector has less to walk.
    __slots__ = ("__dict__", "__weakref__", "data", "grad_fn", "requires_grad")
    grad: Tensor | None = None  # set by backward (leaves, retain_grad) or by the user
    _vc: list[int] | None = None  # the version counter: see _counter
    _name: str | None = None
    _hooks: dict | None = None  # handle -> hook, in registration order
    _is_node = False  # a graph node's sources are leaf Tensors or nodes (Context: True)
    __array_ufunc__ = None  # NumPy defers to our reflected operators: ndarray + Tensor -> Tensor

    def __init__(
        self, data: Any, requires_grad: bool = False, dtype: Any = None, name: str | None = None
    ) -> None:
        array = _array_from(data, dtype)
        if requires_grad:
            _float_or_raise(array, "Tensor")
        self.data = array
        self.grad_fn = None
        self.requires_grad = bool(requires_grad)
        if name is not None:
            self.name = name

    @property
    def name(self) -> str | None:
        """A label for graph drawings (`fc1.weight`); an op's output keeps it on its node."""
        node = self.grad_fn
        if node is None:
            return self._name
        return None if node._more is None else node._more.label

    @name.setter
    def name(self, value: str | None) -> None:
        # The graph keeps an intermediate's node, not the tensor (see Context.sources),
        # so the name lives there: a drawing made after the tensor is gone still shows it.
        node = self.grad_fn
        if node is None:
            self._name = value
        else:
            node._extras().label = value

    @property
    def _data_released(self) -> bool:
        """True for a tensor over a large intermediate's stand-in in a freed graph
        (engine._release): it has the shape and dtype, not the values."""
        return self.data.base is RELEASED_BUFFER

    @staticmethod
    def _make(data: np.ndarray, requires_grad: bool, grad_fn: Any) -> Tensor:
        """Wrap an op's output array without copying or checking (the hot path)."""
        t = _new_object(Tensor)
        t.data = data
        t.grad_fn = grad_fn
        t.requires_grad = requires_grad
        return t

    # ---- attributes -------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def is_leaf(self) -> bool:
        """True for tensors not made by a recorded op (inputs, parameters)."""
        return self.grad_fn is None

    @property
    def T(self) -> Tensor:
        return self.transpose()

    @property
    def _version(self) -> int:
        """How many times this tensor's data was modified in place (PyTorch's name)."""
        return self._counter()[0]

    def bump_version(self) -> None:
        """Record an in-place write to `.data` made outside the engine (optimizers, init).

        A backward that saved this tensor before the write then raises instead
        of silently using the new values. The counter is `[version, tick of
        the last write]`, shared with views and detached copies.
        """
        bump_versions((self,))

    def _counter(self) -> list[int]:
        """This tensor's version counter `[version, tick of the last write]`, made on need.

        An op's output shares its counter with the node that made it: that node
        (if it saved its output, as tanh and exp do) and the nodes that consume
        the output read it there in backward, since the graph does not keep the
        tensor. Counters are made lazily (most outputs are never written in
        place); every tensor over that output (create_graph makes more) shares it.
        """
        vc = self._vc
        if vc is None:
            node = self.grad_fn
            vc = [0, 0] if node is None else node._out_counter()
            self._vc = vc
        return vc

    def _link_counter(self, vc: list[int]) -> None:
        """Use `vc` (a base's counter) as this view's counter, and its node's."""
        self._vc = vc
        node = self.grad_fn
        if node is not None:
            node._extras().out_vc = vc

    def numel(self) -> int:
        return self.data.size

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def __iter__(self) -> Iterator[Tensor]:
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self.data)))

    def item(self) -> float | int | bool:
        """The single element as a Python number."""
        if self.data.size != 1:
            raise ValueError(
                f"item: only one-element tensors can be converted to a Python number, "
                f"got shape {self.data.shape}"
            )
        return self.data.item()

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied)."""
        return self.data

    def tolist(self) -> Any:
        return self.data.tolist()

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        if dtype is not None and np.dtype(dtype) != self.data.dtype:
            return self.data.astype(dtype)
        return self.data.copy() if copy else self.data

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ValueError(
                f"the truth value of a tensor of shape {self.data.shape} is ambiguous; "
                "use .any() or .all()"
            )
        return bool(self.data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self.data.dtype.kind not in "iu":
            raise TypeError(f"only integer tensors can be used as an index, got {self.data.dtype}")
        return int(self.item())

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="Tensor(")
        extras = [f"dtype={self.data.dtype}"]
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{self.grad_fn.name}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        if self.name:
            extras.append(f"name={self.name!r}")
        return f"Tensor({body}, {', '.join(extras)})"

    # ---- copying and pickling ------------------------------------------------------------
    def __getstate__(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """What pickle keeps. As in PyTorch, an op's output unpickles as a leaf with its
        values, name and requires_grad: the graph that made it is not pickled."""
        state = dict(self.__dict__)  # grad, name, hooks, version counter, when set
        node = self.grad_fn
        if node is not None:
            state.pop("_vc", None)  # the graph's counter for this output: the copy starts anew
            if node._more is not None and node._more.label is not None:
                state["_name"] = node._more.label
        return state, {"data": self.data, "grad_fn": None, "requires_grad": self.requires_grad}

    def __deepcopy__(self, memo: dict[int, Any]) -> Tensor:
        """A copy of a leaf with its own arrays (data, grad); an op's output is refused, as in
        PyTorch: a copy of its graph would lead back to copies of the leaves, not to them."""
        if self.grad_fn is not None:
            raise RuntimeError(
                f"deepcopy: only leaf tensors (made by the user, not by an op) can be "
                f"deep-copied; this one was made by {self.grad_fn.name}. Copy its values "
                "with copy.deepcopy(t.detach())"
            )
        new = _new_object(type(self))
        memo[id(self)] = new
        for key, value in self.__dict__.items():
            new.__dict__[key] = copy.deepcopy(value, memo)
        new.data = copy.deepcopy(self.data, memo)
        new.grad_fn = None
        new.requires_grad = self.requires_grad
        return new

    # ---- autograd -------------------------------------------------------------------
    def backward(
        self, gradient: Any = None, retain_graph: bool | None = None, create_graph: bool = False
    ) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's `.grad`, by the chain rule.

        `gradient` (of self's shape) may be omitted only for a one-element
        tensor. The graph's saved buffers are freed afterwards unless
        `retain_graph` (default: `create_graph`).
        """
        gradients = None if gradient is None else (gradient,)
        _run_backward((self,), gradients, retain_graph, create_graph)

    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's data (and version counter), cut from the graph."""
        out = Tensor._make(self.data, False, None)
        out._vc = self._counter()
        return out

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set requires_grad on a leaf, in place; returns self."""
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError(
                "requires_grad_: cannot turn off requires_grad of a non-leaf tensor; use detach()"
            )
        if requires_grad:
            _float_or_raise(self.data, "requires_grad_")
        self.requires_grad = bool(requires_grad)
        return self

    def register_hook(self, hook: Callable[[Tensor], Any]) -> _HookHandle:
        """Call `hook(grad)` when this tensor's gradient is computed; it may return a replacement.

        Returns a handle that removes the hook when called, or by `.remove()` (PyTorch's way).
        """
        if not self.requires_grad:
            raise RuntimeError(
                "register_hook: cannot register a hook on a tensor that does not require grad"
            )
        if self.grad_fn is not None:
            hooks = self.grad_fn._hooks_by_handle()
        else:
            hooks = self._hooks
            if hooks is None:
                hooks = self._hooks = {}
        handle = _HookHandle(hooks)
        hooks[handle] = hook
        return handle

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in `.grad` after backward."""
        if not self.requires_grad:
            raise RuntimeError(
                "retain_grad: cannot retain the grad of a tensor that does not require grad"
            )
        if self.grad_fn is not None:
            self.grad_fn._retain(self)

    # ---- in-place (outside recorded graphs) ------------------------------------------
    def _check_inplace(self, op: str, other: Any = None) -> None:
        if not STATE.grad_enabled:
            return
        if self.requires_grad:
            if self.grad_fn is None:
                raise RuntimeError(
                    f"{op}: a leaf tensor that requires grad cannot be modified in place while "
                    "grad mode is on; do it inside `with ag.no_grad():`"
                )
            raise RuntimeError(
                f"{op}: in-place change of a tensor that is part of a recorded graph is not "
                f"supported (it was made by {self.grad_fn.name}); write "
                f"`{_OUT_OF_PLACE.get(op, 'x = ag.where(mask, value, x)')}` instead"
            )
        if isinstance(other, Tensor) and other.requires_grad:
            raise RuntimeError(
                f"{op}: writing a tensor that requires grad into one that does not would need a "
                "graph; use an out-of-place op, or wrap the update in `with ag.no_grad():`"
            )

    def _inplace(self, op: str, ufunc: Any, other: Any) -> Tensor:
        self._check_inplace(op, other)
        other = _raw(other)
        try:
            ufunc(self.data, other, out=self.data)
        except ValueError:
            if not self.data.flags.writeable:
                raise ValueError(
                    f"{op}: the tensor (shape {self.data.shape}) is a read-only view, e.g. of "
                    "broadcast_to, whose elements share memory; modify a copy instead"
                ) from None
            raise ValueError(
                f"{op}: shape {np.shape(other)} cannot be broadcast into the tensor's shape "
                f"{self.data.shape}"
            ) from None
        except TypeError as err:
            result = _result_dtype(ufunc, self.data.dtype, other)
            if result is None:  # no loop at all for these dtypes (bool subtract): NumPy says why
                raise TypeError(f"{op}: {err} (tensor dtype {self.data.dtype})") from None
            raise TypeError(
                f"{op}: the values to write have dtype {result}, which cannot be stored in place "
                f"in a tensor of dtype {self.data.dtype}; use an out-of-place op or convert first, "
                f"e.g. x = x.astype(np.{result})"
            ) from None
        self.bump_version()
        return self

    def add_(self, other: Any) -> Tensor:
        """self += other, in place."""
        return self._inplace("add_", np.add, other)

    def sub_(self, other: Any) -> Tensor:
        """self -= other, in place."""
        return self._inplace("sub_", np.subtract, other)

    def mul_(self, other: Any) -> Tensor:
        """self *= other, in place."""
        return self._inplace("mul_", np.multiply, other)

    def div_(self, other: Any) -> Tensor:
        """self /= other, in place."""
        return self._inplace("div_", np.true_divide, other)

    def copy_(self, src: Any) -> Tensor:
        """Copy src's values into self (broadcasting), in place."""
        return self._inplace("copy_", lambda dst, s, out: np.copyto(out, s), src)

    def fill_(self, value: Any) -> Tensor:
        """Set every element to value (a number or a 0-d tensor), in place."""
        shape = np.shape(_raw(value))
        if shape:  # as NumPy's fill and PyTorch's fill_: one value, not an array
            raise ValueError(
                f"fill_: value must be a number or a 0-d tensor, got shape {shape}; "
                "use copy_ to write an array"
            )
        return self._inplace("fill_", lambda dst, v, out: np.copyto(out, v), value)

    def zero_(self) -> Tensor:
        """Set every element to 0, in place."""
        return self.fill_(0)

    __iadd__ = add_
    __isub__ = sub_
    __imul__ = mul_
    __itruediv__ = div_

    def __setitem__(self, key: Any, value: Any) -> None:
        self._check_inplace("setitem", value)
        try:
            self.data[_index(key)] = _raw(value)
        except IndexError as err:
            raise IndexError(f"setitem: {err} (tensor shape {self.data.shape})") from None
        except ValueError as err:
            raise ValueError(f"setitem: {err} (tensor shape {self.data.shape})") from None
        self.bump_version()

    # ---- operators ------------------------------------------------------------
    def __add__(self, other: Any) -> Tensor:
        return apply_op(Add, 2, self, other, None, None)

    def __radd__(self, other: Any) -> Tensor:
        return apply_op(Add, 2, other, self, None, None)

    def __sub__(self, other: Any) -> Tensor:
        return apply_op(Sub, 2, self, other, None, None)

    def __rsub__(self, other: Any) -> Tensor:
        return apply_op(Sub, 2, other, self, None, None)

    def __mul__(self, other: Any) -> Tensor:
        return apply_op(Mul, 2, self, other, None, None)

    def __rmul__(self, other: Any) -> Tensor:
        return apply_op(Mul, 2, other, self, None, None)

    def __truediv__(self, other: Any) -> Tensor:
        return apply_op(Div, 2, self, other, None, None)

    def __rtruediv__(self, other: Any) -> Tensor:
        return apply_op(Div, 2, other, self, None, None)

    def __pow__(self, other: Any) -> Tensor:
        return apply_op(Pow, 2, self, other, None, None)

    def __rpow__(self, other: Any) -> Tensor:
        return apply_op(Pow, 2, other, self, None, None)

    def __matmul__(self, other: Any) -> Tensor:
        return apply_op(MatMul, 2, self, other, None, None)

    def __rmatmul__(self, other: Any) -> Tensor:
        return apply_op(MatMul, 2, other, self, None, None)

    def __neg__(self) -> Tensor:
        return apply_op(Neg, 1, self, None, None, None)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return apply_op(Abs, 1, self, None, None, None)

    def __getitem__(self, key: Any) -> Tensor:
        return GetItem.apply(self, key=_index(key))

    # comparisons and logic: no gradient, bool results
    def _compare(self, ufunc: Any, other: Any) -> Tensor:
        other = _raw(other)
        try:
            return Tensor._make(np.asarray(ufunc(self.data, other)), False, None)
        except ValueError:
            raise ValueError(
                f"{ufunc.__name__}: shapes {self.data.shape} and {np.shape(other)} cannot be "
                "broadcast together"
            ) from None

    def __lt__(self, other: Any) -> Tensor:
        return self._compare(np.less, other)

    def __le__(self, other: Any) -> Tensor:
        return self._compare(np.less_equal, other)

    def __gt__(self, other: Any) -> Tensor:
        return self._compare(np.greater, other)

    def __ge__(self, other: Any) -> Tensor:
        return self._compare(np.greater_equal, other)

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(np.equal, other)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(np.not_equal, other)

    def __and__(self, other: Any) -> Tensor:
        return self._compare(np.logical_and, other)

    __rand__ = __and__

    def __or__(self, other: Any) -> Tensor:
        return self._compare(np.logical_or, other)

    __ror__ = __or__

    def __xor__(self, other: Any) -> Tensor:
        return self._compare(np.logical_xor, other)

    def __invert__(self) -> Tensor:
        return Tensor._make(np.asarray(~self.data), False, None)

    def any(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return Tensor._make(np.asarray(self.data.any(axis=axis, keepdims=keepdims)), False, None)

    def all(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return Tensor._make(np.asarray(self.data.all(axis=axis, keepdims=keepdims)), False, None)

    def astype(self, dtype: Any) -> Tensor:
        """A copy in another dtype (differentiable between float dtypes)."""
        return AsType.apply(self, dtype=np.dtype(dtype))

    # ---- methods: the op table, NumPy's names ----------------------------------------
    def exp(self) -> Tensor:
        return apply_op(Exp, 1, self, None, None, None)

    def log(self) -> Tensor:
        return apply_op(Log, 1, self, None, None, None)

    def sqrt(self) -> Tensor:
        return apply_op(Sqrt, 1, self, None, None, None)

    def sin(self) -> Tensor:
        return apply_op(Sin, 1, self, None, None, None)

    def cos(self) -> Tensor:
        return apply_op(Cos, 1, self, None, None, None)

    def tanh(self) -> Tensor:
        return apply_op(Tanh, 1, self, None, None, None)

    def sigmoid(self) -> Tensor:
        return apply_op(Sigmoid, 1, self, None, None, None)

    def relu(self) -> Tensor:
        return apply_op(Relu, 1, self, None, None, None)

    def abs(self) -> Tensor:
        return apply_op(Abs, 1, self, None, None, None)

    def sign(self) -> Tensor:
        return apply_op(Sign, 1, self, None, None, None)

    def pow(self, p: Any) -> Tensor:
        return apply_op(Pow, 2, self, p, None, None)

    def clip(self, lo: Any = None, hi: Any = None) -> Tensor:
        return Clip.apply(self, lo=lo, hi=hi)

    def matmul(self, other: Any) -> Tensor:
        return apply_op(MatMul, 2, self, other, None, None)

    def sum(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return Sum.apply(self, axis=axis, keepdims=keepdims)

    def mean(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return Mean.apply(self, axis=axis, keepdims=keepdims)

    def var(self, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Tensor:
        return Var.apply(self, axis=axis, ddof=ddof, keepdims=keepdims)

    def std(self, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Tensor:
        return Std.apply(self, axis=axis, ddof=ddof, keepdims=keepdims)

    def max(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return Max.apply(self, axis=axis, keepdims=keepdims)

    def min(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return Min.apply(self, axis=axis, keepdims=keepdims)

    def prod(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return Prod.apply(self, axis=axis, keepdims=keepdims)

    def logsumexp(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return LogSumExp.apply(self, axis=axis, keepdims=keepdims)

    def softmax(self, axis: int = -1) -> Tensor:
        return Softmax.apply(self, axis=axis)

    def log_softmax(self, axis: int = -1) -> Tensor:
        return LogSoftmax.apply(self, axis=axis)

    def argmax(self, axis: int | None = None, keepdims: bool = False) -> Tensor:
        return argmax(self, axis, keepdims)

    def argmin(self, axis: int | None = None, keepdims: bool = False) -> Tensor:
        return argmin(self, axis, keepdims)

    def reshape(self, *shape: Any) -> Tensor:
        if len(shape) == 1 and isinstance(shape[0], tuple | list):
            shape = tuple(shape[0])
        return Reshape.apply(self, shape=shape)

    def flatten(self) -> Tensor:
        return Reshape.apply(self, shape=(-1,))

    def transpose(self, *axes: Any) -> Tensor:
        if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], tuple | list)):
            axes = axes[0]
        return Transpose.apply(self, axes=tuple(axes) if axes else None)

    def swapaxes(self, axis1: int, axis2: int) -> Tensor:
        return swapaxes(self, axis1, axis2)

    def squeeze(self, axis: Any = None) -> Tensor:
        return squeeze(self, axis)

    def expand_dims(self, axis: Any) -> Tensor:
        return expand_dims(self, axis)

    def broadcast_to(self, shape: Any) -> Tensor:
        return broadcast_to(self, shape)


def bump_versions(tensors: Sequence[Tensor]) -> None:
    """`bump_version` of many tensors written together (an optimizer's step): one tick for all."""
    now = tick()
    for t in tensors:
        vc = t._vc
        if vc is None:
            vc = t._counter()
        vc[0] += 1
        vc[1] = now
    STATE.last_write = now


# The op table binds itself to Tensor's operators above; imported last to break the cycle.
from autograd.engine import backward as _run_backward  # noqa: E402
from autograd.function import apply_op  # noqa: E402
from autograd.ops.elementwise import (  # noqa: E402
    Abs,
    Add,
    AsType,
    Clip,
    Cos,
    Div,
    Exp,
    Log,
    Mul,
    Neg,
    Pow,
    Relu,
    Sigmoid,
    Sign,
    Sin,
    Sqrt,
    Sub,
    Tanh,
)
from autograd.ops.index import GetItem  # noqa: E402
from autograd.ops.linalg import MatMul  # noqa: E402
from autograd.ops.reduce import (  # noqa: E402
    LogSoftmax,
    LogSumExp,
    Max,
    Mean,
    Min,
    Prod,
    Softmax,
    Std,
    Sum,
    Var,
    argmax,
    argmin,
)
from autograd.ops.shape import (  # noqa: E402
    Reshape,
    Transpose,
    broadcast_to,
    expand_dims,
    squeeze,
    swapaxes,
)
