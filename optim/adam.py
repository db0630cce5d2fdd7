"""Adam and AdamW: adaptive moment estimation, with L2 or decoupled weight decay."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from autograd import Tensor
from optim.optimizer import (
    Optimizer,
    ParamsT,
    _check_betas,
    _check_flag,
    _check_nonnegative,
    _decayed_grad,
    _lerp_,
)


class Adam(Optimizer):
    """Adam, PyTorch's `torch.optim.Adam` update, step for step.

    At step t, with g the gradient (negated if `maximize`):

        p = p * (1 - lr * weight_decay)             if decoupled_weight_decay (AdamW)
        g = g + weight_decay * p                    otherwise (L2 added to the gradient)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g^2
        v_max = max(v_max, v); v = v_max            if amsgrad
        denom = sqrt(v) / sqrt(1 - beta2^t) + eps
        p = p - lr / (1 - beta1^t) * m / denom

    State: `'step'` (t), `'exp_avg'` (m), `'exp_avg_sq'` (v), and
    `'max_exp_avg_sq'` (v_max) with amsgrad. A NaN or inf gradient raises before
    anything changes, unless `error_if_nonfinite=False` (see `Optimizer`).
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
        error_if_nonfinite: bool = True,
    ) -> None:
        defaults = {
            "lr": lr,
            "betas": tuple(betas) if isinstance(betas, list) else betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "decoupled_weight_decay": decoupled_weight_decay,
            "error_if_nonfinite": error_if_nonfinite,
        }
        super().__init__(params, defaults)

    def _check_options(self, options: Mapping[str, Any], where: str) -> None:
        _check_nonnegative(where, "lr", options["lr"])
        _check_betas(where, options["betas"])
        _check_nonnegative(where, "eps", options["eps"])
        _check_nonnegative(where, "weight_decay", options["weight_decay"])
        for flag in ("amsgrad", "maximize", "decoupled_weight_decay", "error_if_nonfinite"):
            _check_flag(where, flag, options[flag])

    def _state_keys(self, group: Mapping[str, Any]) -> set[str]:
        keys = {"step", "exp_avg", "exp_avg_sq"}
        return keys | {"max_exp_avg_sq"} if group["amsgrad"] else keys

    def _update_group(
        self, group: dict[str, Any], params: list[Tensor], grads: list[np.ndarray]
    ) -> None:
        lr = group["lr"]
        beta1, beta2 = group["betas"]
        eps = group["eps"]
        weight_decay = group["weight_decay"]
        amsgrad = group["amsgrad"]
        maximize = group["maximize"]
        decoupled = group["decoupled_weight_decay"]
        for p, g in zip(params, grads):
            data = p.data
            state = self.state[p]
            if not state:
                state["step"] = 0
                state["exp_avg"] = np.zeros_like(data)
                state["exp_avg_sq"] = np.zeros_like(data)
                if amsgrad:
                    state["max_exp_avg_sq"] = np.zeros_like(data)
            t1, t2 = self._scratch(data.shape, data.dtype, 2)
            step = state["step"] = state["step"] + 1
            if decoupled:
                if weight_decay != 0:
                    data *= 1 - lr * weight_decay
                d = _decayed_grad(g, data, 0, maximize, t1)
            else:
                d = _decayed_grad(g, data, weight_decay, maximize, t1)
            m = state["exp_avg"]
            v = state["exp_avg_sq"]
            _lerp_(m, d, 1 - beta1, t2)
            v *= beta2
            np.multiply(d, 1 - beta2, out=t2)
            t2 *= d
            v += t2
            if amsgrad:
                v = np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
            bias_correction1 = 1 - beta1**step
            bias_correction2_sqrt = (1 - beta2**step) ** 0.5
            # lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps), numerator and denominator multiplied by
            # sqrt(bc2): the same value with one pass over the arrays fewer.
            np.sqrt(v, out=t2)
            t2 += eps * bias_correction2_sqrt
            np.divide(m, t2, out=t2)
            t2 *= lr * bias_correction2_sqrt / bias_correction1
            data -= t2


class AdamW(Adam):
    """AdamW: Adam with decoupled weight decay, PyTorch's `torch.optim.AdamW`.

    Each step first shrinks the parameters, p = p * (1 - lr * weight_decay),
    then applies Adam's update without adding the decay to the gradient (see
    `Adam` for the formulas and the state).
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        error_if_nonfinite: bool = True,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            maximize=maximize,
            decoupled_weight_decay=True,
            error_if_nonfinite=error_if_nonfinite,
        )
