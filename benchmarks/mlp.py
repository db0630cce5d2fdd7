"""mlp: one SGD step of a 784-256-128-10 ReLU MLP with softmax cross-entropy, float32.

zero_grad, forward, loss, backward, step, on random data with a fixed seed,
against a hand-written NumPy step: forward and backward written out by hand
into preallocated buffers, parameters updated in place (the floor for any
NumPy engine). The reference starts from the glassgrad model's initial
parameters, so one step of each must give the same loss, the same gradients
and the same updated parameters. The `memory` workload reuses these steps.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks.harness import (
    Mismatch,
    Row,
    Settings,
    check_close,
    check_update,
    compare,
    failed_row,
    paired_row,
)
from benchmarks.torch_rows import torch_or_none

NAME = "mlp"
SIZES = (784, 256, 128, 10)
LR = 0.01
BATCHES_FULL = (16, 128, 1024)
BATCHES_QUICK = (16, 64)
TARGETS = {16: 1.30, 128: 1.10, 1024: 1.03}
NO_CHECK = "ours, error_if_nonfinite=False"


def make_data(batch: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Inputs (batch, 784) float32 from N(0, 1) and integer class labels in [0, 10)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, SIZES[0]), dtype=np.float32)
    y = rng.integers(0, SIZES[-1], size=batch)
    return x, y


def _mlp(nn: Any) -> Any:
    """The MLP of SIZES with ReLUs, built from `nn`: glassgrad's or torch.nn (the same names)."""
    return nn.Sequential(
        nn.Linear(SIZES[0], SIZES[1]),
        nn.ReLU(),
        nn.Linear(SIZES[1], SIZES[2]),
        nn.ReLU(),
        nn.Linear(SIZES[2], SIZES[3]),
    )


class _TrainingStep:
    """A model, loss and optimizer with PyTorch's API; calling it runs one training step."""

    model: Any
    loss_fn: Any
    optimizer: Any
    x: Any
    y: Any

    def __call__(self) -> Any:
        self.optimizer.zero_grad()
        loss = self.loss_fn(self.model(self.x), self.y)
        loss.backward()
        self.optimizer.step()
        return loss


class OursStep(_TrainingStep):
    """The glassgrad model, loss and optimizer."""

    def __init__(self, x: np.ndarray, y: np.ndarray, seed: int, check: bool = True) -> None:
        """`check=False`: SGD's `error_if_nonfinite=False`, no NaN/inf check before updating."""
        import autograd as ag
        import nn
        import optim

        ag.manual_seed(seed)
        self.model = _mlp(nn)
        self.loss_fn = nn.CrossEntropyLoss()
        self.optimizer = optim.SGD(self.model.parameters(), lr=LR, error_if_nonfinite=check)
        self.x = ag.Tensor(x)
        self.y = ag.Tensor(y)

    def parameters(self) -> list[np.ndarray]:
        """W1, b1, W2, b2, W3, b3 as arrays (weights (out, in), as PyTorch)."""
        return [p.data for p in self.model.parameters()]

    def gradients(self) -> list[np.ndarray]:
        return [p.grad.data for p in self.model.parameters()]


class NumpyStep:
    """The same step by hand: every buffer preallocated, every update in place."""

    def __init__(
        self, x: np.ndarray, y: np.ndarray, params: list[np.ndarray], copy: bool = True
    ) -> None:
        """`copy=False` updates `params` themselves (the memory workload owns them)."""
        if any(p.dtype != np.float32 for p in params) or x.dtype != np.float32:
            raise TypeError("NumpyStep: inputs and parameters must be float32")
        n, f32 = len(x), np.float32
        self.x, self.y, self.rows = x, y, np.arange(n)
        self.params = [p.copy() for p in params] if copy else params
        self.grads = [np.empty_like(p) for p in params]
        self.scratch = [np.empty_like(p) for p in params]  # lr * grad
        self.z1 = np.empty((n, SIZES[1]), f32)  # pre-activation, then ReLU'd in place
        self.z2 = np.empty((n, SIZES[2]), f32)
        self.z3 = np.empty((n, SIZES[3]), f32)  # logits
        self.m1 = np.empty((n, SIZES[1]), bool)  # ReLU masks
        self.m2 = np.empty((n, SIZES[2]), bool)
        self.e = np.empty((n, SIZES[3]), f32)  # softmax, then d loss / d logits
        self.mx = np.empty((n, 1), f32)
        self.s = np.empty((n, 1), f32)
        self.d2 = np.empty((n, SIZES[2]), f32)
        self.d1 = np.empty((n, SIZES[1]), f32)

    def __call__(self) -> float:
        w1, b1, w2, b2, w3, b3 = self.params
        gw1, gb1, gw2, gb2, gw3, gb3 = self.grads
        x, z1, z2, z3, e = self.x, self.z1, self.z2, self.z3, self.e
        n = len(x)
        # forward: z = a @ W.T + b, ReLU in place (its mask is what backward needs)
        np.matmul(x, w1.T, out=z1)
        z1 += b1
        np.maximum(z1, 0, out=z1)
        np.greater(z1, 0, out=self.m1)
        np.matmul(z1, w2.T, out=z2)
        z2 += b2
        np.maximum(z2, 0, out=z2)
        np.greater(z2, 0, out=self.m2)
        np.matmul(z2, w3.T, out=z3)
        z3 += b3
        # loss = mean(logsumexp(z) - z[y]), computed stably around the row max
        np.max(z3, axis=1, keepdims=True, out=self.mx)
        np.subtract(z3, self.mx, out=e)
        np.exp(e, out=e)
        np.sum(e, axis=1, keepdims=True, out=self.s)
        picked = z3[self.rows, self.y] - self.mx[:, 0]
        loss = float((np.log(self.s).sum() - picked.sum()) / n)
        # backward: d loss / d z3 = (softmax - onehot) / n
        np.divide(e, self.s, out=e)
        e[self.rows, self.y] -= 1.0
        e *= np.float32(1.0 / n)
        np.matmul(e.T, z2, out=gw3)
        np.sum(e, axis=0, out=gb3)
        np.matmul(e, w3, out=self.d2)
        np.multiply(self.d2, self.m2, out=self.d2)
        np.matmul(self.d2.T, z1, out=gw2)
        np.sum(self.d2, axis=0, out=gb2)
        np.matmul(self.d2, w2, out=self.d1)
        np.multiply(self.d1, self.m1, out=self.d1)
        np.matmul(self.d1.T, x, out=gw1)
        np.sum(self.d1, axis=0, out=gb1)
        # SGD: p -= lr * g
        for p, g, tmp in zip(self.params, self.grads, self.scratch):
            np.multiply(g, LR, out=tmp)
            np.subtract(p, tmp, out=p)
        return loss


class TorchStep(_TrainingStep):
    """PyTorch on one thread, from the same initial parameters (optional row)."""

    def __init__(self, torch: Any, x: np.ndarray, y: np.ndarray, params: list[np.ndarray]):
        self.model = _mlp(torch.nn)
        with torch.no_grad():
            for p, value in zip(self.model.parameters(), params):
                p.copy_(torch.from_numpy(value))
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=LR)
        self.loss_fn = torch.nn.CrossEntropyLoss()
        self.x = torch.from_numpy(x.copy())
        self.y = torch.from_numpy(y.copy())

    def parameters(self) -> list[np.ndarray]:
        return [p.detach().numpy() for p in self.model.parameters()]


_NAMES = ("W1", "b1", "W2", "b2", "W3", "b3")


def _check(
    what: str,
    loss: float,
    params: list[np.ndarray],
    ref: NumpyStep,
    ref_loss: float,
    before: list[np.ndarray],
    grads: list[np.ndarray] | None = None,
) -> None:
    """Same loss, same gradients (when given), same parameter updates as the reference."""
    for name, p in zip(_NAMES, params):
        if p.dtype != np.float32:
            raise Mismatch(f"{what}: parameter {name} is {p.dtype}, expected float32")
    check_close(f"{what}: loss", loss, ref_loss, rtol=1e-5)
    for i, name in enumerate(_NAMES):
        if grads is not None:
            scale = float(np.max(np.abs(ref.grads[i])))
            check_close(f"{what}: grad {name}", grads[i], ref.grads[i], 1e-3, 1e-3 * scale)
        check_update(f"{what}: {name}", before[i], params[i], ref.params[i])


def _batch_rows(batch: int, settings: Settings) -> list[Row]:
    x, y = make_data(batch, settings.seed)
    case = f"batch {batch}"
    rows: list[Row] = []
    contestants: dict[str, Callable[[], object]] = {}
    try:
        ours = OursStep(x, y, settings.seed)
    except Exception as err:
        return [failed_row(NAME, case, err)]
    before = [p.copy() for p in ours.parameters()]
    ref = NumpyStep(x, y, before)
    ref_loss = ref()
    try:
        loss = ours()
        _check(NAME, loss.item(), ours.parameters(), ref, ref_loss, before, ours.gradients())
        contestants["ours"] = ours
        # the same without the optimizer's NaN/inf check: what that safety costs
        unchecked = OursStep(x, y, settings.seed, check=False)
        loss = unchecked()
        _check(NAME, loss.item(), unchecked.parameters(), ref, ref_loss, before)
        contestants[NO_CHECK] = unchecked
    except Exception as err:
        rows.append(failed_row(NAME, case, err))
    torch = torch_or_none()
    if torch is not None:
        try:
            theirs = TorchStep(torch, x, y, before)
            tloss = theirs()
            _check(f"{NAME} [torch]", tloss.item(), theirs.parameters(), ref, ref_loss, before)
            contestants["torch"] = theirs
        except Exception as err:
            rows.append(failed_row(NAME, f"{case} [torch]", err))
    if contestants:
        for name, p in compare(ref, contestants, settings).items():
            if name == "ours":
                rows.append(paired_row(NAME, case, p, TARGETS.get(batch)))
            else:
                rows.append(paired_row(NAME, f"{case} [{name}]", p, None))
    return rows


def run(settings: Settings) -> list[Row]:
    """Each batch size: check one step against the reference, then time them side by side."""
    rows: list[Row] = []
    for batch in BATCHES_QUICK if settings.quick else BATCHES_FULL:
        rows.extend(_batch_rows(batch, settings))
    return rows
