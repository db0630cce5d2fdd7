"""Trajectories against PyTorch: same start, same gradient function, 20 steps, float64.

The gradient fed at each step is computed from each side's own current
parameters (g = 2 (p - c) + noise_t), so a difference anywhere compounds
instead of washing out. Some parameters get no gradient at some steps (both
sides skip them), and two param groups have different learning rates.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd as ag
import optim

torch = pytest.importorskip("torch")

CONFIGS = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.3}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.1, "momentum": 0.5, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.5, "nesterov": True, "weight_decay": 0.2, "maximize": True}),
    ("Adam", {"lr": 0.05}),
    ("Adam", {"lr": 0.05, "betas": (0.8, 0.9), "eps": 1e-3}),
    ("Adam", {"lr": 0.05, "betas": (0.3, 0.5)}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.05, "amsgrad": True}),
    ("Adam", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.1, "maximize": True}),
    ("AdamW", {"lr": 0.05}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.3, "amsgrad": True}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.3, "maximize": True}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "eps": 1e-4}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.3}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.8}),
    ("RMSprop", {"lr": 0.01, "centered": True}),
    ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.8, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.01, "weight_decay": 0.1, "maximize": True}),
    ("Adagrad", {"lr": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05}),
    ("Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-3}),
    ("Adagrad", {"lr": 0.1, "weight_decay": 0.1, "maximize": True}),
]
SHAPES = [(3, 4), (4,), ()]
STEPS = 20


def _ids(config: tuple[str, dict]) -> str:
    name, kwargs = config
    return name + "".join(f"-{k}={v}" for k, v in kwargs.items())


def _problem(dtype: type) -> tuple[list[np.ndarray], list[np.ndarray], list[list[np.ndarray]]]:
    rng = np.random.default_rng(0)
    starts = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    centers = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    noise = [[0.1 * rng.standard_normal(s).astype(dtype) for s in SHAPES] for _ in range(STEPS)]
    return starts, centers, noise


def _has_grad(step: int, i: int) -> bool:
    """Parameter 1 gets no gradient at steps 3 to 5; parameter 2 none before step 2."""
    return not ((i == 1 and 3 <= step <= 5) or (i == 2 and step < 2))


def _run_ours(name: str, kwargs: dict, dtype: type) -> tuple[list[np.ndarray], dict]:
    starts, centers, noise = _problem(dtype)
    params = [ag.Tensor(s.copy(), requires_grad=True) for s in starts]
    groups = [
        {"params": params[:2]},
        {"params": params[2:], "lr": kwargs["lr"] * 0.5},
    ]
    opt = getattr(optim, name)(groups, **kwargs)
    for t in range(STEPS):
        opt.zero_grad()
        for i, (p, c, n) in enumerate(zip(params, centers, noise[t])):
            if _has_grad(t, i):
                p.grad = ag.Tensor(np.asarray(2 * (p.data - c) + n))
        opt.step()
    return [p.data for p in params], opt.state_dict()


def _run_torch(name: str, kwargs: dict, dtype: type) -> tuple[list[np.ndarray], dict]:
    starts, centers, noise = _problem(dtype)
    params = [torch.tensor(s.copy(), requires_grad=True) for s in starts]
    groups = [
        {"params": params[:2]},
        {"params": params[2:], "lr": kwargs["lr"] * 0.5},
    ]
    opt = getattr(torch.optim, name)(groups, foreach=False, **kwargs)
    for t in range(STEPS):
        opt.zero_grad()
        for i, (p, c, n) in enumerate(zip(params, centers, noise[t])):
            if _has_grad(t, i):
                p.grad = torch.from_numpy(np.asarray(2 * (p.detach().numpy() - c) + n))
        opt.step()
    return [p.detach().numpy() for p in params], opt.state_dict()


@pytest.mark.parametrize("config", CONFIGS, ids=_ids)
def test_float64_trajectory_matches_torch(config: tuple[str, dict]) -> None:
    name, kwargs = config
    ours, our_state = _run_ours(name, kwargs, np.float64)
    theirs, their_state = _run_torch(name, kwargs, np.float64)
    for a, b in zip(ours, theirs):
        assert a.dtype == np.float64
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    # the state has PyTorch's names and values, parameter by parameter
    assert our_state["state"].keys() == their_state["state"].keys()
    for index, entries in our_state["state"].items():
        assert entries.keys() == their_state["state"][index].keys()
        for key, value in entries.items():
            np.testing.assert_allclose(
                value, np.asarray(their_state["state"][index][key]), rtol=1e-12, atol=1e-14
            )


@pytest.mark.parametrize("config", CONFIGS[::4], ids=_ids)
def test_float32_trajectory_matches_torch_and_stays_float32(config: tuple[str, dict]) -> None:
    name, kwargs = config
    ours, _ = _run_ours(name, kwargs, np.float32)
    theirs, _ = _run_torch(name, kwargs, np.float32)
    for a, b in zip(ours, theirs):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@given(
    config=st.sampled_from(CONFIGS),
    shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=5),
    scale=st.sampled_from([1e-3, 1.0, 1e3]),
    seed=st.integers(0, 2**32 - 1),
)
def test_random_problems_match_torch(
    config: tuple[str, dict], shape: tuple[int, ...], scale: float, seed: int
) -> None:
    """Any shape, gradients of any magnitude: five steps agree with PyTorch's."""
    name, kwargs = config
    rng = np.random.default_rng(seed)
    start = rng.standard_normal(shape)
    grads = [scale * rng.standard_normal(shape) for _ in range(5)]
    ours = ag.Tensor(start.copy(), requires_grad=True)
    theirs = torch.tensor(start.copy(), requires_grad=True)
    our_opt = getattr(optim, name)([ours], **kwargs)
    their_opt = getattr(torch.optim, name)([theirs], foreach=False, **kwargs)
    for g in grads:
        ours.grad = ag.Tensor(g.copy())
        theirs.grad = torch.tensor(g.copy())
        our_opt.step()
        their_opt.step()
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-12, atol=1e-14)
