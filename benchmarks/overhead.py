"""overhead: the engine's cost per op where NumPy's arithmetic is almost free.

200 elementwise ops (x * 1.01, + 0.01, tanh, repeated) on a (16,) float32
tensor, then sum and backward. The reference does the same forward with
NumPy and the backward by hand (d tanh = 1 - tanh^2, d(a*x) = a, d(x+b) = 1),
updating the gradient in place: what any NumPy engine must at least pay.
Reported per op, forward and backward together.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

import autograd as ag
from benchmarks.harness import Row, Settings, check_close, compare, failed_row, paired_row
from benchmarks.torch_rows import torch_or_none

NAME = "overhead"
N_OPS = 200
_CYCLES, _TAIL = divmod(N_OPS, 3)  # 66 (mul, add, tanh) cycles, then mul and add
assert _TAIL == 2
SHAPE = (16,)
TARGET = 3.0  # times the reference, which is about 1.2 us per op here


def _autodiff_step(x: object) -> Callable[[], object]:
    """The workload on a leaf tensor `x` of an engine with PyTorch's API (ours or torch)."""

    def step() -> object:
        x.grad = None
        y = x
        for _ in range(_CYCLES):
            y = (y * 1.01 + 0.01).tanh()
        y = y * 1.01 + 0.01
        s = y.sum()
        s.backward()
        return s

    return step


def _reference(x0: np.ndarray) -> tuple[Callable[[], object], list[np.ndarray]]:
    x = x0.copy()
    result: list[np.ndarray] = [np.empty_like(x), np.empty((), x.dtype)]  # dx, loss

    def step() -> None:
        saved = []  # tanh outputs, what backward needs
        y = x
        for _ in range(_CYCLES):
            y = np.tanh(y * 1.01 + 0.01)
            saved.append(y)
        y = y * 1.01 + 0.01
        s = y.sum()
        g = np.full_like(x, 1.01)  # d s / d(last mul's input); the add passes it through
        tmp = np.empty_like(x)
        for t in reversed(saved):
            np.multiply(t, t, out=tmp)
            np.subtract(1.0, tmp, out=tmp)
            np.multiply(g, tmp, out=g)
            np.multiply(g, 1.01, out=g)
        result[0] = g
        result[1] = s

    return step, result


def run(settings: Settings) -> list[Row]:
    """Check the gradient against the hand-written one, then time both (and torch if present)."""
    x0 = np.random.default_rng(settings.seed).standard_normal(SHAPE).astype(np.float32)
    ref_step, ref_result = _reference(x0)
    ref_step()
    contestants: dict[str, Callable[[], object]] = {}
    rows: list[Row] = []
    try:
        x = ag.Tensor(x0.copy(), requires_grad=True)
        step = _autodiff_step(x)
        s = step()
        check_close("overhead: sum", s.item(), ref_result[1], rtol=1e-5)
        check_close("overhead: x.grad", x.grad.data, ref_result[0], rtol=1e-4, atol=1e-6)
        contestants["ours"] = step
    except Exception as err:
        rows.append(failed_row(NAME, f"{N_OPS} ops on {SHAPE}", err))
    torch = torch_or_none()
    if torch is not None:
        try:
            tx = torch.tensor(x0, requires_grad=True)
            tstep = _autodiff_step(tx)
            ts = tstep()
            check_close("overhead [torch]: sum", ts.item(), ref_result[1], rtol=1e-5)
            check_close("overhead [torch]: x.grad", tx.grad.numpy(), ref_result[0], rtol=1e-4)
            contestants["torch"] = tstep
        except Exception as err:
            rows.append(failed_row(NAME, "[torch]", err))
    if not contestants:
        return rows
    results = compare(ref_step, contestants, settings)
    for name, p in results.items():
        per_op = f"{p.time_s / N_OPS * 1e6:.2f} us/op vs {p.ref_time_s / N_OPS * 1e6:.2f} us/op"
        case = f"{N_OPS} ops on {SHAPE}" + ("" if name == "ours" else f" [{name}]")
        row = paired_row(NAME, case, p, TARGET if name == "ours" else None, per_op)
        row.data["us_per_op"] = p.time_s / N_OPS * 1e6
        row.data["reference_us_per_op"] = p.ref_time_s / N_OPS * 1e6
        rows.append(row)
    return rows
