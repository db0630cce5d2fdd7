"""Matrix products: `matmul`, batched and with 1-D operands as NumPy treats them."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.function import Context, Function, apply_op
from autograd.opcheck import OpCheck
from autograd.ops.elementwise import _type_error
from autograd.tensor import Tensor


class MatMul(Function, ctx_attributes=False):
    """a @ b; d/da = g @ b^T, d/db = a^T @ g (batch axes are summed back by the engine).

    A 1-D operand is a row (a) or a column (b) vector, as in NumPy; the rule
    puts that axis back before multiplying and takes it off again after.
    """

    check = OpCheck(reference=np.matmul, twice=True, shapes="matmul")

    @staticmethod
    def forward(ctx: Context, a: Any, b: Any) -> Any:
        ctx.save_for_backward(a, b)
        try:
            return np.matmul(a, b)
        except ValueError:
            raise _matmul_error(a, b) from None
        except TypeError as err:
            raise _type_error("matmul", err, a, b) from None

    @staticmethod
    def backward(ctx: Context, g: Any) -> Any:
        a, b = ctx.saved_tensors
        # A constant operand may be a nested list (`x @ [[1.0], [2.0]]`), which has no ndim.
        if not hasattr(a, "ndim"):
            a = np.asarray(a)
        if not hasattr(b, "ndim"):
            b = np.asarray(b)
        xp = ctx.xp
        need_a, need_b = ctx.needs_input_grad
        a_vec, b_vec = a.ndim == 1, b.ndim == 1
        if b_vec:
            b = xp.expand_dims(b, -1)
            g = xp.expand_dims(g, -1)
        if a_vec:
            a = xp.expand_dims(a, 0)
            g = xp.expand_dims(g, -2)
        ga = gb = None
        if need_a:
            ga = xp.matmul(g, xp.swapaxes(b, -1, -2))
            ga = ga[..., 0, :] if a_vec else ga
        if need_b:
            gb = xp.matmul(xp.swapaxes(a, -1, -2), g)
            gb = gb[..., 0] if b_vec else gb
        return ga, gb


def _matmul_error(a: Any, b: Any) -> ValueError:
    sa, sb = np.shape(a), np.shape(b)
    if len(sa) == 0 or len(sb) == 0:
        return ValueError(f"matmul: 0-d operands are not allowed (shapes {sa} and {sb})")
    k_a = sa[-1]
    k_b = sb[0] if len(sb) == 1 else sb[-2]
    if k_a != k_b:
        return ValueError(f"matmul: shapes {sa} and {sb} are not aligned ({k_a} != {k_b})")
    return ValueError(f"matmul: the batch shapes of {sa} and {sb} cannot be broadcast together")


def matmul(a: Any, b: Any) -> Tensor:
    """Matrix product with NumPy's rules: batched over leading axes, 1-D operands as vectors."""
    return apply_op(MatMul, 2, a, b, None, None)
