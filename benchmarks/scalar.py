"""scalar: the micrograd demo step with `Value`s, against micrograd itself.

An MLP 2-16-16-1 (ReLU, linear output) of scalar Values on 64 points,
mean squared error; one step = zero_grad, forward, backward, SGD update.
The network code below is micrograd's `nn` (Neuron, Layer, MLP) written once
for any Value class, so both engines run exactly the same Python and start
from the same weights; only the engine differs. Target: ours >= 3x faster,
i.e. a time ratio ours / micrograd <= 0.33. Correctness is checked against
the same step done with NumPy in float64, forward and backward by hand (so
the check runs even without micrograd, which is an optional install).
"""

from __future__ import annotations

import importlib.util
import itertools
from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks.harness import (
    Row,
    Settings,
    check_close,
    check_update,
    compare,
    failed_row,
    fmt_time,
    measure,
    paired_row,
    skipped_row,
)

NAME = "scalar"
SIZES = (2, 16, 16, 1)
LR = 0.05
TARGET = 1 / 3  # ours / micrograd
N_FULL, N_QUICK = 64, 8


def make_problem(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Points (n, 2), targets (n,) in {-1, 1}, and weights W1, b1, W2, b2, W3, b3 (float64).

    Weights uniform in [-1, 1] as micrograd's Neuron, biases small instead of 0
    so that their gradients are checked too.
    """
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, SIZES[0]))
    y = np.where(x[:, 0] * x[:, 1] > 0, 1.0, -1.0)
    params = []
    for fan_in, fan_out in itertools.pairwise(SIZES):
        params += [rng.uniform(-1, 1, (fan_out, fan_in)), rng.uniform(-0.1, 0.1, fan_out)]
    return x, y, params


class _Neuron:
    def __init__(self, value: type, w: np.ndarray, b: float, nonlin: bool) -> None:
        self.w = [value(float(wi)) for wi in w]
        self.b = value(float(b))
        self.nonlin = nonlin

    def __call__(self, x: list[Any]) -> Any:
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.relu() if self.nonlin else act


class ScalarMLP:
    """micrograd's MLP, for any Value class: one neuron per row of each weight matrix."""

    def __init__(self, value: type, params: list[np.ndarray]) -> None:
        n_layers = len(params) // 2
        self.layers = [
            [
                _Neuron(value, w_row, b, nonlin=k < n_layers - 1)
                for w_row, b in zip(params[2 * k], params[2 * k + 1])
            ]
            for k in range(n_layers)
        ]

    def __call__(self, x: list[Any]) -> Any:
        for layer in self.layers:
            x = [neuron(x) for neuron in layer]
        return x[0]

    def parameters(self) -> list[Any]:
        """In the order W1 (row by row), b1, W2, b2, W3, b3, to compare with arrays."""
        out: list[Any] = []
        for layer in self.layers:
            out += [w for neuron in layer for w in neuron.w]
            out += [neuron.b for neuron in layer]
        return out


def make_step(
    value: type, x: np.ndarray, y: np.ndarray, params: list[np.ndarray]
) -> tuple[Callable[[], float], ScalarMLP]:
    """One training step of a fresh ScalarMLP; returns (step, model)."""
    model = ScalarMLP(value, params)
    points = x.tolist()
    targets = y.tolist()
    scale = 1.0 / len(points)
    weights = model.parameters()

    def step() -> float:
        for p in weights:
            p.grad = 0.0
        loss = sum(((model(xi) - yi) ** 2 for xi, yi in zip(points, targets)), 0.0) * scale
        loss.backward()
        for p in weights:
            p.data -= LR * p.grad
        return loss.data

    return step, model


def numpy_step(x: np.ndarray, y: np.ndarray, params: list[np.ndarray]) -> tuple[float, list]:
    """The same step vectorized in float64 by hand: (loss, updated parameters)."""
    w1, b1, w2, b2, w3, b3 = params
    h1 = np.maximum(x @ w1.T + b1, 0)
    h2 = np.maximum(h1 @ w2.T + b2, 0)
    out = (h2 @ w3.T + b3)[:, 0]
    loss = float(np.mean((out - y) ** 2))
    d3 = (2 * (out - y) / len(y))[:, None]  # (n, 1)
    d2 = (d3 @ w3) * (h2 > 0)
    d1 = (d2 @ w2) * (h1 > 0)
    grads = [d1.T @ x, d1.sum(0), d2.T @ h1, d2.sum(0), d3.T @ h2, d3.sum(0)]
    return loss, [p - LR * g for p, g in zip(params, grads)]


def _flat(params: list[np.ndarray]) -> np.ndarray:
    """W1, b1, ... in ScalarMLP.parameters() order."""
    return np.concatenate([p.ravel() for p in params])


def _checked_step(value: type, what: str, x: np.ndarray, y: np.ndarray, params: list) -> Any:
    step, model = make_step(value, x, y, params)
    ref_loss, ref_params = numpy_step(x, y, params)
    loss = step()
    check_close(f"{what}: loss", loss, ref_loss, rtol=1e-10)
    after = np.array([p.data for p in model.parameters()])
    check_update(f"{what}: parameters", _flat(params), after, _flat(ref_params), rtol=1e-8)
    return step


def _micrograd_value() -> type | None:
    if importlib.util.find_spec("micrograd") is None:
        return None
    from micrograd.engine import Value

    return Value


def run(settings: Settings) -> list[Row]:
    """Check both engines' step against NumPy, then time ours against micrograd."""
    n = N_QUICK if settings.quick else N_FULL
    case = f"MLP 2-16-16-1, {n} points"
    x, y, params = make_problem(n, settings.seed)
    try:
        from autograd import Value

        ours = _checked_step(Value, NAME, x, y, params)
    except Exception as err:
        return [failed_row(NAME, case, err)]
    theirs_value = _micrograd_value()
    if theirs_value is None:
        t = measure(ours, settings)
        return [skipped_row(NAME, case, "micrograd not installed: no ratio", fmt_time(t))]
    try:
        theirs: Callable[[], object] = _checked_step(
            theirs_value, f"{NAME} [micrograd]", x, y, params
        )
    except Exception as err:
        return [failed_row(NAME, f"{case} [micrograd]", err)]
    p = compare(theirs, {"ours": ours}, settings)["ours"]
    row = paired_row(NAME, case, p, TARGET, note=f"{1 / p.ratio:.1f}x faster than micrograd")
    row.reference = f"{row.reference} (micrograd)"
    row.data["speedup"] = 1 / p.ratio
    return [row]
