"""The two namespaces a gradient rule is written against (`ctx.xp`).

Rules use operators, array methods both types share (`.sum`, `.reshape`, ...)
and `xp.<name>(...)`; `xp.raw(v)` gives the plain array, for constants such
as masks. In an ordinary backward `xp` is
NUMPY (plain arrays, full speed); under `create_graph=True` it is TENSOR (the
differentiable `ag` functions on Tensors), so the same rule records a graph
and can be differentiated again. Both expose exactly the names below, with
NumPy's signatures.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np


def _is_basic_index(key: Any) -> bool:
    """True when `key` selects by ints/slices only, so each element is picked at most once."""
    parts = key if isinstance(key, tuple) else (key,)
    return all(
        k is None or k is Ellipsis or isinstance(k, int | slice | np.integer) for k in parts
    ) and not any(isinstance(k, bool | np.bool_) for k in parts)


def sum_to(array: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum a broadcast array back down to `shape` (the reverse of np.broadcast_to)."""
    if array.shape == shape:
        return array
    lead = array.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and array.shape[lead + i] != 1
    )
    summed = np.add.reduce(array, axis=axes, keepdims=True) if axes else array
    return summed.reshape(shape)


def scatter_add(grad: np.ndarray, shape: tuple[int, ...], key: Any) -> np.ndarray:
    """Zeros of `shape` with `grad` added at `key`; repeated indices add up."""
    out = np.zeros(shape, dtype=grad.dtype)
    if _is_basic_index(key):
        out[key] = grad
    else:
        np.add.at(out, key, grad)
    return out


def broadcast_to(array: Any, shape: tuple[int, ...]) -> np.ndarray:
    """np.broadcast_to. One value (the gradient of a full reduction, as `.sum()`) is made a
    read-only view with zero strides directly: several times quicker than NumPy's path."""
    if isinstance(array, np.generic) or (type(array) is np.ndarray and not array.ndim):
        one = np.asarray(array).reshape(1)
        view = np.ndarray(shape, one.dtype, one, 0, (0,) * len(shape))
        view.flags.writeable = False
        return view
    return np.broadcast_to(array, shape)


def _identity(value: Any) -> Any:
    return value


NUMPY = SimpleNamespace(
    tensor_mode=False,
    raw=_identity,
    exp=np.exp,
    log=np.log,
    sqrt=np.sqrt,
    sin=np.sin,
    cos=np.cos,
    sign=np.sign,
    where=np.where,
    broadcast_to=broadcast_to,
    expand_dims=np.expand_dims,
    matmul=np.matmul,
    swapaxes=np.swapaxes,
    concatenate=np.concatenate,
    sum_to=sum_to,
    scatter_add=scatter_add,
)


def _tensor_namespace() -> SimpleNamespace:
    """The differentiable twin of NUMPY, built from the ops themselves."""
    from autograd.ops import elementwise, index, linalg, shape
    from autograd.tensor import Tensor

    def raw(value: Any) -> Any:
        """The array inside a Tensor: for parts of a rule that are constants (masks, counts)."""
        return value.data if isinstance(value, Tensor) else value

    return SimpleNamespace(
        tensor_mode=True,
        raw=raw,
        exp=elementwise.exp,
        log=elementwise.log,
        sqrt=elementwise.sqrt,
        sin=elementwise.sin,
        cos=elementwise.cos,
        sign=elementwise.sign,
        where=elementwise.where,
        broadcast_to=shape.broadcast_to,
        expand_dims=shape.expand_dims,
        matmul=linalg.matmul,
        swapaxes=shape.swapaxes,
        concatenate=shape.concatenate,
        sum_to=shape.sum_to,
        scatter_add=index.scatter_add,
    )


_tensor_ns: list[SimpleNamespace] = []


def tensor_namespace() -> SimpleNamespace:
    """TENSOR, created on first use (the ops import the Tensor class)."""
    if not _tensor_ns:
        _tensor_ns.append(_tensor_namespace())
    return _tensor_ns[0]
