"""SGD: stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""

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
    _check_number,
    _decayed_grad,
)


class SGD(Optimizer):
    """Stochastic gradient descent, PyTorch's `torch.optim.SGD` update, step for step.

    With g the gradient (negated if `maximize`) and mu the momentum:

        d = g + weight_decay * p
        b = d                                     at a parameter's first step
        b = mu * b + (1 - dampening) * d          afterwards            (if mu != 0)
        d = d + mu * b  if nesterov  else  b                            (if mu != 0)
        p = p - lr * d

    State: `'momentum_buffer'` (b), only when momentum != 0.
    A NaN or inf gradient raises before anything changes, unless
    `error_if_nonfinite=False` (see `Optimizer`).
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        error_if_nonfinite: bool = True,
    ) -> None:
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
            "error_if_nonfinite": error_if_nonfinite,
        }
        super().__init__(params, defaults)

    def _check_options(self, options: Mapping[str, Any], where: str) -> None:
        _check_nonnegative(where, "lr", options["lr"])
        _check_nonnegative(where, "momentum", options["momentum"])
        _check_number(where, "dampening", options["dampening"])
        _check_nonnegative(where, "weight_decay", options["weight_decay"])
        for flag in ("nesterov", "maximize", "error_if_nonfinite"):
            _check_flag(where, flag, options[flag])
        if options["nesterov"] and (options["momentum"] <= 0 or options["dampening"] != 0):
            raise ValueError(
                f"{where}: nesterov=True requires momentum > 0 and dampening=0, got "
                f"momentum={options['momentum']!r} and dampening={options['dampening']!r}"
            )

    def _state_keys(self, group: Mapping[str, Any]) -> set[str]:
        return {"momentum_buffer"} if group["momentum"] != 0 else set()

    def _update_group(
        self, group: dict[str, Any], params: list[Tensor], grads: list[np.ndarray]
    ) -> None:
        lr = group["lr"]
        momentum = group["momentum"]
        dampening = group["dampening"]
        weight_decay = group["weight_decay"]
        nesterov = group["nesterov"]
        maximize = group["maximize"]
        if momentum == 0 and weight_decay == 0 and not maximize:  # plain SGD: p -= lr * g
            scratch = self._scratch_views
            for p, g in zip(params, grads):
                data = p.data
                (t,) = scratch.get((data.shape, data.dtype, 1)) or self._scratch(
                    data.shape, data.dtype, 1
                )
                np.multiply(g, lr, out=t)
                data -= t
            return
        for p, g in zip(params, grads):
            data = p.data
            t1, t2 = self._scratch(data.shape, data.dtype, 2)
            d = _decayed_grad(g, data, weight_decay, maximize, t1)
            if momentum != 0:
                state = self.state[p]
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = state["momentum_buffer"] = np.array(d, dtype=data.dtype)
                else:
                    buf *= momentum
                    if dampening == 0:
                        buf += d
                    else:
                        np.multiply(d, 1 - dampening, out=t2)
                        buf += t2
                if nesterov:
                    np.multiply(buf, momentum, out=t2)
                    d = np.add(d, t2, out=t2)
                else:
                    d = buf
            np.multiply(d, lr, out=t1)
            data -= t1
