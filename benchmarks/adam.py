"""optim: one Adam step over 1M float32 parameters in four tensors.

Against a hand-written NumPy Adam (PyTorch's formula) whose every pass
writes into preallocated arrays with `out=`. The gradients are fixed random
arrays, so the step is all that is timed. Checked first: one step from the
same parameters gives the same parameter updates.
"""

from __future__ import annotations

import math

import numpy as np

from benchmarks.harness import Row, Settings, check_update, compare, failed_row, paired_row

NAME = "optim"
SHAPES_FULL = ((1000, 500), (400, 1000), (1000, 99), (1000,))  # 1,000,000 parameters
SHAPES_QUICK = ((100, 50), (40, 100), (100, 9), (100,))  # 10,000
LR, BETAS, EPS = 1e-3, (0.9, 0.999), 1e-8
TARGET = 1.2


class NumpyAdam:
    """Adam by hand: m, v and one scratch array per parameter, all updated in place.

    m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
    p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
    """

    def __init__(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        self.params = [p.copy() for p in params]
        self.grads = grads
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.tmp = [np.empty_like(p) for p in params]
        self.t = 0

    def step(self) -> None:
        self.t += 1
        b1, b2 = BETAS
        step_size = LR / (1 - b1**self.t)
        sqrt_bc2 = math.sqrt(1 - b2**self.t)
        for p, g, m, v, tmp in zip(self.params, self.grads, self.m, self.v, self.tmp):
            np.multiply(m, b1, out=m)
            np.multiply(g, 1 - b1, out=tmp)
            np.add(m, tmp, out=m)
            np.multiply(v, b2, out=v)
            np.multiply(g, g, out=tmp)
            np.multiply(tmp, 1 - b2, out=tmp)
            np.add(v, tmp, out=v)
            np.sqrt(v, out=tmp)
            np.divide(tmp, sqrt_bc2, out=tmp)
            np.add(tmp, EPS, out=tmp)
            np.divide(m, tmp, out=tmp)
            np.multiply(tmp, step_size, out=tmp)
            np.subtract(p, tmp, out=p)


def run(settings: Settings) -> list[Row]:
    """Check one step of optim.Adam against NumpyAdam, then time the two side by side."""
    shapes = SHAPES_QUICK if settings.quick else SHAPES_FULL
    n = sum(math.prod(s) for s in shapes)
    case = f"Adam step, {n:,} params"
    rng = np.random.default_rng(settings.seed)
    values = [rng.standard_normal(s, dtype=np.float32) for s in shapes]
    grads = [rng.standard_normal(s, dtype=np.float32) for s in shapes]
    ref = NumpyAdam(values, grads)
    try:
        import autograd as ag
        import optim

        params = [ag.Tensor(v.copy(), requires_grad=True) for v in values]
        for p, g in zip(params, grads):
            p.grad = ag.Tensor(g)
        opt = optim.Adam(params, lr=LR, betas=BETAS, eps=EPS)
        opt.step()
        ref.step()
        for i, (p, before) in enumerate(zip(params, values)):
            check_update(f"{NAME}: parameter {i} {p.shape}", before, p.data, ref.params[i])
    except Exception as err:
        return [failed_row(NAME, case, err)]
    p = compare(ref.step, {"ours": opt.step}, settings)["ours"]
    return [paired_row(NAME, case, p, TARGET)]
