"""Indexing: basic slices, integer arrays and boolean masks; the gradient is scatter-added.

`scatter_add` is the rule's own op, so that an indexing gradient is itself
differentiable (its gradient is indexing again).
"""

from __future__ import annotations

from typing import Any

from autograd.function import Context, Function
from autograd.opcheck import OpCheck, index_options, reference_scatter_add, scatter_sample
from autograd.ops.namespace import scatter_add as _scatter_add_array
from autograd.tensor import Tensor


class GetItem(Function):
    """x[key]; the gradient lands where the elements came from, repeated indices adding up."""

    check = OpCheck(reference=lambda x, key: x[key], twice=True, options=index_options)

    name = "getitem"

    @staticmethod
    def forward(ctx: Context, x: Any, key: Any = None) -> Any:
        ctx.in_shape, ctx.key = x.shape, key
        try:
            return x[key]
        except IndexError as err:
            raise IndexError(f"getitem: {err} (tensor shape {x.shape})") from None

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        return ctx.xp.scatter_add(g, ctx.in_shape, ctx.key)


class ScatterAdd(Function):
    """Zeros of `shape` with g added at `key`: the gradient rule of indexing, as an op."""

    check = OpCheck(reference=reference_scatter_add, twice=True, sample=scatter_sample)

    name = "scatter_add"

    @staticmethod
    def forward(ctx: Context, g: Any, shape: Any = None, key: Any = None) -> Any:
        ctx.key = key
        return _scatter_add_array(g, shape, key)

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        return g[ctx.key]


def scatter_add(g: Any, shape: Any, key: Any) -> Tensor:
    """Zeros of `shape` with g added at `key` (repeated indices add up)."""
    return ScatterAdd.apply(g, shape=tuple(shape), key=key)
