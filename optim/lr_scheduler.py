"""Learning-rate schedulers: they set each `optimizer.param_groups[i]['lr']`, as PyTorch's do.

Call `scheduler.step()` once per epoch (or per iteration), after
`optimizer.step()`. Each scheduler reproduces `torch.optim.lr_scheduler`'s
sequence of learning rates, including its recursive forms (`StepLR`,
`ExponentialLR` and `CosineAnnealingLR` update the current lr, so a change
made to it from outside carries on). `ReduceLROnPlateau.step(metric)` lowers
the lr when a monitored metric stops improving.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from optim.optimizer import Optimizer


def _check_optimizer(owner: str, optimizer: Any) -> None:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{owner}: expected an optim.Optimizer, got {type(optimizer).__name__}")


def _check_int(owner: str, name: str, value: Any, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{owner}: {name} must be an int, got {type(value).__name__}")
    if value < low:
        raise ValueError(f"{owner}: invalid {name}={value!r}: it must be >= {low}")


def _check_real(owner: str, name: str, value: Any, low: float = 0.0) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {name} must be a real number, got {type(value).__name__}")
    if not (math.isfinite(value) and value >= low):
        raise ValueError(f"{owner}: invalid {name}={value!r}: it must be finite and >= {low}")


def _plain(value: Any) -> Any:
    """A value read back from a checkpoint as plain Python (NumPy scalars and arrays)."""
    if isinstance(value, np.ndarray):
        return value.item() if value.ndim == 0 else value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return list(value)
    return value


class LRScheduler:
    """Base class: sets every param group's lr to `get_lr()` at each `step()`.

    At construction (`last_epoch=-1`) each group records its starting lr as
    `'initial_lr'` (kept in `base_lrs`) and the scheduler takes its first step,
    to epoch 0. A subclass implements `get_lr()`, the lrs for `last_epoch`,
    and lists its constructor arguments in `_fields` so they are checkpointed.
    """

    _fields: tuple[str, ...] = ()
    _counters: tuple[str, ...] = ("base_lrs", "last_epoch", "_step_count", "_last_lr")

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        name = type(self).__name__
        _check_optimizer(name, optimizer)
        _check_int(name, "last_epoch", last_epoch, -1)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise ValueError(
                        f"{name}: param_groups[{i}] has no 'initial_lr', needed to resume at "
                        f"last_epoch={last_epoch}; load the optimizer's state dict first, or "
                        "start with last_epoch=-1"
                    )
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list[float]:
        """The learning rates for `last_epoch` (called by `step`, after it advanced the epoch)."""
        raise NotImplementedError(f"{type(self).__name__}: a scheduler implements get_lr()")

    def get_last_lr(self) -> list[float]:
        """The learning rates the last `step()` set, one per param group."""
        return list(self._last_lr)

    def step(self) -> None:
        """Advance one epoch and set every param group's lr."""
        self._step_count += 1
        self.last_epoch += 1
        try:
            lrs = [float(lr) for lr in self.get_lr()]
            for i, lr in enumerate(lrs):
                if not (math.isfinite(lr) and lr >= 0):
                    raise ValueError(
                        f"{type(self).__name__}.step: the lr for param group {i} at epoch "
                        f"{self.last_epoch} would be {lr!r}; a learning rate must be finite "
                        "and >= 0"
                    )
        except BaseException:
            # no lr was set: a failed step (a bad lr, a raising lr_lambda) counts no epoch
            self._step_count -= 1
            self.last_epoch -= 1
            raise
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        self._last_lr = lrs

    def state_dict(self) -> dict[str, Any]:
        """The scheduler's state: its arguments, epoch count and lrs (not the optimizer)."""
        state = {name: getattr(self, name) for name in self._fields + self._counters}
        return {k: list(v) if isinstance(v, list) else v for k, v in state.items()}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore a state from `state_dict()` (or `nn.utils.load`); on error nothing changes."""
        name = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"{name}: expected a dict, got {type(state_dict).__name__}")
        expected = set(self.state_dict())
        keys = set(state_dict)
        if keys != expected:
            raise ValueError(
                f"{name}: missing keys {sorted(expected - keys)}, unexpected keys "
                f"{sorted(keys - expected)}"
            )
        values = {k: _plain(v) for k, v in state_dict.items()}
        groups = len(self.optimizer.param_groups)
        for key in ("base_lrs", "_last_lr"):
            if key not in values:
                continue
            lrs = values[key]
            if not isinstance(lrs, list) or len(lrs) != groups:
                raise ValueError(
                    f"{name}: '{key}' must list one lr per param group ({groups}), got {lrs!r}"
                )
            values[key] = [float(lr) for lr in lrs]
        before = dict(self.__dict__)
        self.__dict__.update(values)
        try:
            self._check_fields()
            _check_int(name, "last_epoch", self.last_epoch, -1)
            if "_step_count" in values:
                _check_int(name, "_step_count", self._step_count, 0)
        except (TypeError, ValueError):
            self.__dict__.clear()
            self.__dict__.update(before)
            raise

    def _check_fields(self) -> None:
        """Raise if a constructor argument (a name in `_fields`) is invalid."""


class StepLR(LRScheduler):
    """Multiply the lr by `gamma` every `step_size` epochs: lr_e = lr_0 * gamma^(e // step_size)."""

    _fields = ("step_size", "gamma")

    def __init__(
        self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        self.step_size = step_size
        self.gamma = gamma
        self._check_fields()
        super().__init__(optimizer, last_epoch)

    def _check_fields(self) -> None:
        _check_int(type(self).__name__, "step_size", self.step_size, 1)
        _check_real(type(self).__name__, "gamma", self.gamma)

    def get_lr(self) -> list[float]:
        groups = self.optimizer.param_groups
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return [group["lr"] for group in groups]
        return [group["lr"] * self.gamma for group in groups]


class ExponentialLR(LRScheduler):
    """Multiply the lr by `gamma` every epoch: lr_e = lr_0 * gamma^e."""

    _fields = ("gamma",)

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        self._check_fields()
        super().__init__(optimizer, last_epoch)

    def _check_fields(self) -> None:
        _check_real(type(self).__name__, "gamma", self.gamma)

    def get_lr(self) -> list[float]:
        groups = self.optimizer.param_groups
        if self._is_initial:
            return [group["lr"] for group in groups]
        return [group["lr"] * self.gamma for group in groups]


class CosineAnnealingLR(LRScheduler):
    """Anneal the lr along a cosine from its initial value to `eta_min` over `T_max` epochs.

    The closed form is lr_e = eta_min + (lr_0 - eta_min) * (1 + cos(pi * e / T_max)) / 2;
    like PyTorch, each step updates the current lr by the ratio of consecutive
    terms (so outside changes to the lr carry on), and after T_max the lr
    rises again along the same cosine (no restart).
    """

    _fields = ("T_max", "eta_min")

    def __init__(
        self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1
    ) -> None:
        self.T_max = T_max
        self.eta_min = eta_min
        self._check_fields()
        super().__init__(optimizer, last_epoch)

    def _check_fields(self) -> None:
        _check_int(type(self).__name__, "T_max", self.T_max, 1)
        _check_real(type(self).__name__, "eta_min", self.eta_min)

    def get_lr(self) -> list[float]:
        groups = self.optimizer.param_groups
        epoch, t_max, eta_min = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return [group["lr"] for group in groups]
        if self._step_count == 1 and epoch > 0:  # resumed at last_epoch > 0: the closed form
            return [
                eta_min + (base_lr - eta_min) * (1 + math.cos(epoch * math.pi / t_max)) / 2
                for base_lr in self.base_lrs
            ]
        if (epoch - 1 - t_max) % (2 * t_max) == 0:  # leaving the minimum: the ratio is 0/0
            return [
                group["lr"] + (base_lr - eta_min) * (1 - math.cos(math.pi / t_max)) / 2
                for base_lr, group in zip(self.base_lrs, groups)
            ]
        return [
            (1 + math.cos(math.pi * epoch / t_max))
            / (1 + math.cos(math.pi * (epoch - 1) / t_max))
            * (group["lr"] - eta_min)
            + eta_min
            for group in groups
        ]


class LambdaLR(LRScheduler):
    """Set the lr to its initial value times `lr_lambda(epoch)`.

    `lr_lambda` is one function of the epoch (an int), or a list with one per
    param group. The functions are not part of `state_dict()`: build the
    scheduler with the same ones before loading.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
        last_epoch: int = -1,
    ) -> None:
        name = type(self).__name__
        _check_optimizer(name, optimizer)
        groups = len(optimizer.param_groups)
        if isinstance(lr_lambda, list | tuple):
            if len(lr_lambda) != groups:
                raise ValueError(
                    f"{name}: expected {groups} lr_lambdas (one per param group), "
                    f"got {len(lr_lambda)}"
                )
            lambdas = list(lr_lambda)
        else:
            lambdas = [lr_lambda] * groups
        for i, fn in enumerate(lambdas):
            if not callable(fn):
                raise TypeError(
                    f"{name}: lr_lambda {i} must be a function of the epoch, "
                    f"got {type(fn).__name__}"
                )
        self.lr_lambdas = lambdas
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [
            base_lr * fn(self.last_epoch) for fn, base_lr in zip(self.lr_lambdas, self.base_lrs)
        ]


class ReduceLROnPlateau(LRScheduler):
    """Multiply the lr by `factor` when a metric has not improved for `patience` epochs.

    `step(metric)` once per epoch. In mode 'min' a metric improves on the best
    so far when it is below best * (1 - threshold) (`threshold_mode='rel'`) or
    best - threshold ('abs'); in mode 'max' when above best * (1 + threshold)
    or best + threshold. After more than `patience` epochs without improvement
    each group's lr becomes max(lr * factor, min_lr) (unless that changes it by
    no more than `eps`), then `cooldown` epochs pass before bad epochs count
    again. A NaN metric counts as no improvement, as in PyTorch. The lr is not
    recorded as 'initial_lr', as in PyTorch. A scalar `min_lr` (kept as
    `default_min_lr`) also bounds param groups added later; a list must be
    extended by hand (`min_lrs`) when a group is added.
    """

    _fields = (
        "mode",
        "factor",
        "patience",
        "threshold",
        "threshold_mode",
        "cooldown",
        "min_lrs",
        "default_min_lr",
        "eps",
        "best",
        "num_bad_epochs",
        "cooldown_counter",
    )
    _counters = ("last_epoch", "_last_lr")

    def __init__(
        self,
        optimizer: Optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float | Sequence[float] = 0.0,
        eps: float = 1e-8,
    ) -> None:
        name = type(self).__name__
        _check_optimizer(name, optimizer)
        groups = len(optimizer.param_groups)
        if isinstance(min_lr, list | tuple):
            if len(min_lr) != groups:
                raise ValueError(
                    f"{name}: expected {groups} min_lr values (one per param group), "
                    f"got {len(min_lr)}"
                )
            min_lrs = list(min_lr)
            default_min_lr = None
        else:
            min_lrs = [min_lr] * groups
            default_min_lr = min_lr
        self.optimizer = optimizer
        self.mode = mode
        self.factor = factor
        self.patience = patience
        self.threshold = threshold
        self.threshold_mode = threshold_mode
        self.cooldown = cooldown
        self.min_lrs = min_lrs
        self.default_min_lr = default_min_lr
        self.eps = eps
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self._check_fields()
        self.last_epoch = 0
        self._last_lr = [float(group["lr"]) for group in optimizer.param_groups]

    def _check_fields(self) -> None:
        name = type(self).__name__
        if self.mode not in ("min", "max"):
            raise ValueError(f"{name}: mode must be 'min' or 'max', got {self.mode!r}")
        if self.threshold_mode not in ("rel", "abs"):
            raise ValueError(
                f"{name}: threshold_mode must be 'rel' or 'abs', got {self.threshold_mode!r}"
            )
        _check_real(name, "factor", self.factor)
        if self.factor >= 1.0:
            raise ValueError(f"{name}: invalid factor={self.factor!r}: it must be < 1")
        _check_int(name, "patience", self.patience, 0)
        _check_real(name, "threshold", self.threshold)
        _check_int(name, "cooldown", self.cooldown, 0)
        if not isinstance(self.min_lrs, list) or len(self.min_lrs) != len(
            self.optimizer.param_groups
        ):
            raise ValueError(
                f"{name}: min_lrs must list one value per param group, got {self.min_lrs!r}"
            )
        for i, value in enumerate(self.min_lrs):
            _check_real(name, f"min_lr[{i}]", value)
        if self.default_min_lr is not None:
            _check_real(name, "default_min_lr", self.default_min_lr)
        _check_real(name, "eps", self.eps)
        if isinstance(self.best, bool) or not isinstance(self.best, numbers.Real):
            raise TypeError(f"{name}: best must be a real number, got {self.best!r}")
        _check_int(name, "num_bad_epochs", self.num_bad_epochs, 0)
        _check_int(name, "cooldown_counter", self.cooldown_counter, 0)

    def get_lr(self) -> list[float]:
        """The current lrs: this scheduler changes them only from `step(metric)`."""
        return [group["lr"] for group in self.optimizer.param_groups]

    def step(self, metrics: Any) -> None:  # type: ignore[override]
        """Record one epoch's metric (a number or one-element Tensor); maybe lower the lr."""
        current = float(metrics)
        # the new counters are computed first and stored only once the lrs are set, so a
        # raising _reduce_lr leaves the scheduler as it was
        better = self._is_better(current)
        best = current if better else self.best
        num_bad_epochs = 0 if better else self.num_bad_epochs + 1
        cooldown_counter = self.cooldown_counter
        if cooldown_counter > 0:
            cooldown_counter -= 1
            num_bad_epochs = 0  # bad epochs in cooldown do not count
        if num_bad_epochs > self.patience:
            self._reduce_lr()
            cooldown_counter = self.cooldown
            num_bad_epochs = 0
        self.last_epoch += 1
        self.best = best
        self.num_bad_epochs = num_bad_epochs
        self.cooldown_counter = cooldown_counter
        self._last_lr = [float(group["lr"]) for group in self.optimizer.param_groups]

    def _is_better(self, current: float) -> bool:
        if self.mode == "min":
            if self.threshold_mode == "rel":
                return current < self.best * (1.0 - self.threshold)
            return current < self.best - self.threshold
        if self.threshold_mode == "rel":
            return current > self.best * (self.threshold + 1.0)
        return current > self.best + self.threshold

    def _reduce_lr(self) -> None:
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise ValueError(
                    f"{type(self).__name__}: the optimizer has {len(groups)} param groups but "
                    f"min_lrs has {len(self.min_lrs)} values (a group was added after the "
                    "scheduler was made); set scheduler.min_lrs to one value per group"
                )
            self.min_lrs = [self.default_min_lr] * len(groups)  # a scalar min_lr: every group
        for group, min_lr in zip(groups, self.min_lrs):
            old_lr = float(group["lr"])
            new_lr = max(old_lr * self.factor, min_lr)
            if old_lr - new_lr > self.eps:
                group["lr"] = new_lr
