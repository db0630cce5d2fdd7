"""Normalisation layers: BatchNorm1d, BatchNorm2d (statistics over the batch) and LayerNorm
(statistics over each sample's last axes)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

import autograd as ag
from autograd import Tensor
from nn import functional as F
from nn.module import Module, Parameter


class _BatchNorm(Module):
    """PyTorch's batch norm: in training, normalise with the batch mean and biased variance
    and update the running statistics (running = (1 - momentum) * running + momentum * batch,
    the variance unbiased; momentum=None: a cumulative average), counting batches in
    num_batches_tracked; in eval, normalise with the running statistics."""

    _input_ndims: tuple[int, ...]

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
    ) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        dtype = ag.get_default_dtype()
        if affine:
            self.weight = Parameter(np.ones(num_features, dtype=dtype))
            self.bias = Parameter(np.zeros(num_features, dtype=dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(num_features, dtype=dtype)))
            self.register_buffer("running_var", Tensor(np.ones(num_features, dtype=dtype)))
            self.register_buffer("num_batches_tracked", Tensor(np.array(0, dtype=np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches seen."""
        if self.track_running_stats:
            for buffer, value in (
                (self.running_mean, 0),
                (self.running_var, 1),
                (self.num_batches_tracked, 0),
            ):
                buffer.data.fill(value)
                buffer.bump_version()

    def _check_input(self, shape: tuple[int, ...]) -> None:
        name = type(self).__name__
        if len(shape) not in self._input_ndims:
            wanted = " or ".join(f"{n}D" for n in self._input_ndims)
            raise ValueError(f"{name}: expected {wanted} input, got {len(shape)}D input {shape}")
        if shape[1] != self.num_features:
            raise ValueError(
                f"{name}: expected {self.num_features} channels (num_features, axis 1), "
                f"got {shape[1]} (input shape {shape})"
            )

    def forward(self, input: Any) -> Tensor:
        shape = np.shape(input)
        self._check_input(shape)
        tracking = self.training and self.track_running_stats
        if tracking and int(np.prod(shape)) <= shape[1]:
            raise ValueError(
                f"{type(self).__name__}: expected more than 1 value per channel when training, "
                f"got input shape {shape}"
            )
        momentum = 0.0 if self.momentum is None else self.momentum
        if tracking:
            self.num_batches_tracked.data += 1
            self.num_batches_tracked.bump_version()
            if self.momentum is None:  # cumulative moving average
                momentum = 1.0 / int(self.num_batches_tracked.data)
        use_batch_stats = self.training or self.running_mean is None
        use_running = not self.training or self.track_running_stats
        return F.batch_norm(
            input,
            self.running_mean if use_running else None,
            self.running_var if use_running else None,
            self.weight,
            self.bias,
            use_batch_stats,
            momentum,
            self.eps,
        )

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch norm of (N, C) or (N, C, L) input, per channel C."""

    _input_ndims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch norm of (N, C, H, W) input, per channel C."""

    _input_ndims = (4,)


class LayerNorm(Module):
    """Normalise each sample over its last axes (of shape `normalized_shape`) with their mean
    and biased variance, then scale and shift elementwise (weight 1, bias 0 at first)."""

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
    ) -> None:
        super().__init__()
        self.normalized_shape = F._normalized_shape("LayerNorm", normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        dtype = ag.get_default_dtype()
        if elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype=dtype))
        else:
            self.register_parameter("weight", None)
        if elementwise_affine and bias:
            self.bias = Parameter(np.zeros(self.normalized_shape, dtype=dtype))
        else:
            self.register_parameter("bias", None)

    def forward(self, input: Any) -> Tensor:
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
        )
