"""Adagrad: each coordinate's step scaled by its accumulated squared gradients."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from autograd import Tensor
from optim.optimizer import Optimizer, ParamsT, _check_flag, _check_nonnegative, _decayed_grad


class Adagrad(Optimizer):
    """Adagrad, PyTorch's `torch.optim.Adagrad` update, step for step.

    At step t, with g the gradient (negated if `maximize`):

        g = g + weight_decay * p
        clr = lr / (1 + (t - 1) * lr_decay)
        s = s + g^2                    (s starts at initial_accumulator_value)
        p = p - clr * g / (sqrt(s) + eps)

    State: `'step'` (t) and `'sum'` (s), created at a parameter's first update
    (PyTorch creates them at construction; the values are the same). A NaN or
    inf gradient raises before anything changes, unless
    `error_if_nonfinite=False` (see `Optimizer`).
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
        error_if_nonfinite: bool = True,
    ) -> None:
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "maximize": maximize,
            "error_if_nonfinite": error_if_nonfinite,
        }
        super().__init__(params, defaults)

    def _check_options(self, options: Mapping[str, Any], where: str) -> None:
        for name in ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"):
            _check_nonnegative(where, name, options[name])
        for flag in ("maximize", "error_if_nonfinite"):
            _check_flag(where, flag, options[flag])

    def _state_keys(self, group: Mapping[str, Any]) -> set[str]:
        return {"step", "sum"}

    def _update_group(
        self, group: dict[str, Any], params: list[Tensor], grads: list[np.ndarray]
    ) -> None:
        lr = group["lr"]
        lr_decay = group["lr_decay"]
        eps = group["eps"]
        weight_decay = group["weight_decay"]
        initial = group["initial_accumulator_value"]
        maximize = group["maximize"]
        for p, g in zip(params, grads):
            data = p.data
            state = self.state[p]
            if not state:
                state["step"] = 0
                state["sum"] = np.full_like(data, initial)
            t1, t2 = self._scratch(data.shape, data.dtype, 2)
            step = state["step"] = state["step"] + 1
            d = _decayed_grad(g, data, weight_decay, maximize, t1)
            clr = lr / (1 + (step - 1) * lr_decay)
            np.multiply(d, d, out=t2)
            state["sum"] += t2
            np.sqrt(state["sum"], out=t2)
            t2 += eps
            np.divide(d, t2, out=t2)
            t2 *= clr
            data -= t2
