"""RMSprop: gradient scaled by a running root mean square, optionally centered, with momentum."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from autograd import Tensor
from optim.optimizer import (
    Optimizer,
    ParamsT,
    _check_flag,
    _check_nonnegative,
    _decayed_grad,
    _lerp_,
)


class RMSprop(Optimizer):
    """RMSprop, PyTorch's `torch.optim.RMSprop` update, step for step.

    With g the gradient (negated if `maximize`):

        g = g + weight_decay * p
        v = alpha * v + (1 - alpha) * g^2
        a = alpha * a + (1 - alpha) * g;  denom = sqrt(v - a^2) + eps    if centered
        denom = sqrt(v) + eps                                           otherwise
        b = momentum * b + g / denom;  p = p - lr * b                   if momentum > 0
        p = p - lr * g / denom                                          otherwise

    State: `'step'`, `'square_avg'` (v), `'momentum_buffer'` (b) if momentum > 0,
    `'grad_avg'` (a) if centered. A NaN or inf gradient raises before anything
    changes, unless `error_if_nonfinite=False` (see `Optimizer`).
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        *,
        maximize: bool = False,
        error_if_nonfinite: bool = True,
    ) -> None:
        defaults = {
            "lr": lr,
            "alpha": alpha,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum": momentum,
            "centered": centered,
            "maximize": maximize,
            "error_if_nonfinite": error_if_nonfinite,
        }
        super().__init__(params, defaults)

    def _check_options(self, options: Mapping[str, Any], where: str) -> None:
        for name in ("lr", "alpha", "eps", "weight_decay", "momentum"):
            _check_nonnegative(where, name, options[name])
        for flag in ("centered", "maximize", "error_if_nonfinite"):
            _check_flag(where, flag, options[flag])

    def _state_keys(self, group: Mapping[str, Any]) -> set[str]:
        keys = {"step", "square_avg"}
        if group["momentum"] > 0:
            keys.add("momentum_buffer")
        if group["centered"]:
            keys.add("grad_avg")
        return keys

    def _update_group(
        self, group: dict[str, Any], params: list[Tensor], grads: list[np.ndarray]
    ) -> None:
        lr = group["lr"]
        alpha = group["alpha"]
        eps = group["eps"]
        weight_decay = group["weight_decay"]
        momentum = group["momentum"]
        centered = group["centered"]
        maximize = group["maximize"]
        for p, g in zip(params, grads):
            data = p.data
            state = self.state[p]
            if not state:
                state["step"] = 0
                state["square_avg"] = np.zeros_like(data)
                if momentum > 0:
                    state["momentum_buffer"] = np.zeros_like(data)
                if centered:
                    state["grad_avg"] = np.zeros_like(data)
            t1, t2 = self._scratch(data.shape, data.dtype, 2)
            state["step"] += 1
            d = _decayed_grad(g, data, weight_decay, maximize, t1)
            square_avg = state["square_avg"]
            square_avg *= alpha
            np.multiply(d, 1 - alpha, out=t2)
            t2 *= d
            square_avg += t2
            if centered:
                grad_avg = state["grad_avg"]
                _lerp_(grad_avg, d, 1 - alpha, t2)
                np.multiply(grad_avg, grad_avg, out=t2)
                np.subtract(square_avg, t2, out=t2)
                np.sqrt(t2, out=t2)
            else:
                np.sqrt(square_avg, out=t2)
            t2 += eps
            np.divide(d, t2, out=t2)
            if momentum > 0:
                buf = state["momentum_buffer"]
                buf *= momentum
                buf += t2
                np.multiply(buf, lr, out=t2)
            else:
                t2 *= lr
            data -= t2
