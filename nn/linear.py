"""Layers without nonlinearity: Linear (the affine map), Identity, Flatten."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import autograd as ag
from autograd import Tensor
from autograd.function import apply_op
from nn import init
from nn.module import Module, Parameter
from nn.ops.linear import LinearOp


class Linear(Module):
    """y = x @ weight.T + bias over the last axis of x.

    weight: (out_features, in_features), bias: (out_features,), in the
    default dtype. Initialised as PyTorch does: weight by
    kaiming_uniform_(a=sqrt(5)), i.e. U(-1/sqrt(in), 1/sqrt(in)), and bias
    from the same range.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        dtype = ag.get_default_dtype()
        self.weight = Parameter(np.empty((out_features, in_features), dtype=dtype))
        if bias:
            self.bias = Parameter(np.empty(out_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw fresh initial values (from the global generator)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Any) -> Tensor:
        bias = self.bias
        try:
            if bias is None:
                return apply_op(LinearOp, 2, input, self.weight, None, None)
            return apply_op(LinearOp, 3, input, self.weight, bias, None)
        except ValueError:  # the op checks the shapes; say it in this layer's terms
            shape = np.shape(input.data if isinstance(input, Tensor) else input)
            if not shape or shape[-1] != self.in_features:
                got = shape[-1] if shape else "a 0-d input"
                raise ValueError(
                    f"Linear: expected {self.in_features} input features, got {got} "
                    f"(input shape {shape})"
                ) from None
            raise

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class Identity(Module):
    """Returns its input (arguments are accepted and ignored, as PyTorch's)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Any) -> Any:
        return input


class Flatten(Module):
    """Flattens axes start_dim..end_dim into one: (N, C, H, W) -> (N, C*H*W) by default."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Any) -> Tensor:
        shape = input.shape if isinstance(input, Tensor) else np.shape(input)
        ndim = len(shape) or 1  # a 0-d input flattens as one of shape (1,), as in PyTorch
        for axis in (self.start_dim, self.end_dim):
            if not -ndim <= axis < ndim:
                raise np.exceptions.AxisError(
                    f"Flatten: axis {axis} is out of range for input shape {shape}"
                )
        start, end = self.start_dim % ndim, self.end_dim % ndim
        if start > end:
            raise ValueError(
                f"Flatten: start_dim {self.start_dim} comes after end_dim {self.end_dim} "
                f"for input shape {shape}"
            )
        # the flattened size itself, not -1: reshape cannot infer -1 beside a 0-size axis
        size = math.prod(shape[start : end + 1])
        if isinstance(input, Tensor):
            return input.reshape(*shape[:start], size, *shape[end + 1 :])
        return ag.reshape(input, (*shape[:start], size, *shape[end + 1 :]))

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
