"""Each optimizer and option against its update rule, written out by hand.

A two-element parameter starts at P0 and is fed the gradients in GRADS
(fixed numbers, so each expected trajectory is the formula applied three
times). The first step is also checked against numbers worked out on paper.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd as ag
import optim

P0 = np.array([1.0, -2.0])
GRADS = [np.array([0.5, 1.0]), np.array([-0.3, 0.2]), np.array([0.1, -0.4])]


def _run(cls: type, **kwargs: object) -> list[np.ndarray]:
    """The parameter after each step of `cls` fed GRADS."""
    p = ag.Tensor(P0.copy(), requires_grad=True)
    opt = cls([p], **kwargs)
    trajectory = []
    for g in GRADS:
        p.grad = ag.Tensor(g.copy())
        opt.step()
        trajectory.append(p.data.copy())
    return trajectory


def _check(ours: list[np.ndarray], expected: list[np.ndarray]) -> None:
    assert len(ours) == len(expected)
    for a, b in zip(ours, expected):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)


# ---- SGD ------------------------------------------------------------------------------
def test_sgd_plain() -> None:
    ours = _run(optim.SGD, lr=0.1)
    np.testing.assert_allclose(ours[0], [1.0 - 0.1 * 0.5, -2.0 - 0.1 * 1.0])  # [0.95, -2.1]
    p, expected = P0.copy(), []
    for g in GRADS:
        p = p - 0.1 * g  # p <- p - lr g
        expected.append(p)
    _check(ours, expected)


@pytest.mark.parametrize("dampening", [0.0, 0.3])
def test_sgd_momentum_and_dampening(dampening: float) -> None:
    lr, mu = 0.1, 0.9
    ours = _run(optim.SGD, lr=lr, momentum=mu, dampening=dampening)
    np.testing.assert_allclose(ours[0], [0.95, -2.1])  # b = g at the first step, no dampening
    p, b, expected = P0.copy(), None, []
    for g in GRADS:
        b = g if b is None else mu * b + (1 - dampening) * g
        p = p - lr * b
        expected.append(p)
    _check(ours, expected)


def test_sgd_nesterov() -> None:
    lr, mu = 0.1, 0.9
    ours = _run(optim.SGD, lr=lr, momentum=mu, nesterov=True)
    # first step: b = g, d = g + mu b = 1.9 g
    np.testing.assert_allclose(ours[0], [1.0 - 0.1 * 1.9 * 0.5, -2.0 - 0.1 * 1.9 * 1.0])
    p, b, expected = P0.copy(), None, []
    for g in GRADS:
        b = g if b is None else mu * b + g
        p = p - lr * (g + mu * b)
        expected.append(p)
    _check(ours, expected)


def test_sgd_weight_decay() -> None:
    lr, mu, wd = 0.1, 0.5, 0.2
    ours = _run(optim.SGD, lr=lr, momentum=mu, weight_decay=wd)
    # first step: d = g + wd p = [0.5 + 0.2, 1.0 - 0.4]
    np.testing.assert_allclose(ours[0], [1.0 - 0.1 * 0.7, -2.0 - 0.1 * 0.6])
    p, b, expected = P0.copy(), None, []
    for g in GRADS:
        d = g + wd * p
        b = d if b is None else mu * b + d
        p = p - lr * b
        expected.append(p)
    _check(ours, expected)


def test_sgd_maximize_ascends() -> None:
    lr, wd = 0.1, 0.2
    ours = _run(optim.SGD, lr=lr, weight_decay=wd, maximize=True)
    p, expected = P0.copy(), []
    for g in GRADS:
        p = p - lr * (-g + wd * p)  # the gradient is negated before the decay is added
        expected.append(p)
    _check(ours, expected)


# ---- Adam / AdamW ---------------------------------------------------------------------
def _adam_reference(
    lr: float,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    amsgrad: bool = False,
    maximize: bool = False,
    decoupled: bool = False,
) -> list[np.ndarray]:
    b1, b2 = betas
    p, m, v, v_max, expected = P0.copy(), 0.0, 0.0, 0.0, []
    for t, g in enumerate(GRADS, start=1):
        g = -g if maximize else g
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        if amsgrad:
            v_max = np.maximum(v_max, v)
        denom = np.sqrt(v_max if amsgrad else v) / math.sqrt(1 - b2**t) + eps
        p = p - lr / (1 - b1**t) * m / denom
        expected.append(p)
    return expected


def test_adam_plain() -> None:
    ours = _run(optim.Adam, lr=0.1)
    # first step: m_hat = g and v_hat = g^2, so p moves by lr * g / (|g| + eps), nearly lr
    np.testing.assert_allclose(ours[0], [0.9, -2.1], rtol=1e-7)
    _check(ours, _adam_reference(0.1))


def test_adam_betas_and_eps() -> None:
    ours = _run(optim.Adam, lr=0.1, betas=(0.3, 0.5), eps=0.1)
    _check(ours, _adam_reference(0.1, betas=(0.3, 0.5), eps=0.1))


def test_adam_weight_decay_is_l2_on_the_gradient() -> None:
    ours = _run(optim.Adam, lr=0.1, weight_decay=0.5)
    _check(ours, _adam_reference(0.1, weight_decay=0.5))


def test_adam_amsgrad_keeps_the_largest_second_moment() -> None:
    ours = _run(optim.Adam, lr=0.1, betas=(0.5, 0.5), amsgrad=True)
    expected = _adam_reference(0.1, betas=(0.5, 0.5), amsgrad=True)
    _check(ours, expected)
    # the gradients shrink, so the max differs from v and the trajectories part
    assert not np.allclose(expected[-1], _adam_reference(0.1, betas=(0.5, 0.5))[-1])


def test_adam_maximize() -> None:
    ours = _run(optim.Adam, lr=0.1, weight_decay=0.5, maximize=True)
    _check(ours, _adam_reference(0.1, weight_decay=0.5, maximize=True))


def test_adamw_decays_the_parameter_first() -> None:
    ours = _run(optim.AdamW, lr=0.1, weight_decay=0.5)
    # first step: p * (1 - 0.05), then Adam's step of nearly lr against the gradient's sign
    np.testing.assert_allclose(ours[0], [0.95 - 0.1, -1.9 - 0.1], rtol=1e-7)
    _check(ours, _adam_reference(0.1, weight_decay=0.5, decoupled=True))


def test_adamw_default_weight_decay_and_amsgrad() -> None:
    ours = _run(optim.AdamW, lr=0.1, betas=(0.5, 0.5), amsgrad=True)
    _check(
        ours,
        _adam_reference(0.1, betas=(0.5, 0.5), weight_decay=1e-2, decoupled=True, amsgrad=True),
    )


# ---- RMSprop --------------------------------------------------------------------------
def _rmsprop_reference(
    lr: float,
    alpha: float = 0.99,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    momentum: float = 0.0,
    centered: bool = False,
    maximize: bool = False,
) -> list[np.ndarray]:
    p, v, a, b, expected = P0.copy(), 0.0, 0.0, 0.0, []
    for g in GRADS:
        g = (-g if maximize else g) + weight_decay * p
        v = alpha * v + (1 - alpha) * g**2
        if centered:
            a = alpha * a + (1 - alpha) * g
            denom = np.sqrt(v - a**2) + eps
        else:
            denom = np.sqrt(v) + eps
        if momentum > 0:
            b = momentum * b + g / denom
            p = p - lr * b
        else:
            p = p - lr * g / denom
        expected.append(p)
    return expected


def test_rmsprop_plain() -> None:
    ours = _run(optim.RMSprop, lr=0.01)
    # first step: v = 0.01 g^2, so p moves by lr * g / (0.1 |g|) = 10 lr against g's sign
    np.testing.assert_allclose(ours[0], [0.9, -2.1], rtol=1e-7)
    _check(ours, _rmsprop_reference(0.01))


def test_rmsprop_alpha_eps_weight_decay() -> None:
    ours = _run(optim.RMSprop, lr=0.01, alpha=0.3, eps=0.1, weight_decay=0.2)
    _check(ours, _rmsprop_reference(0.01, alpha=0.3, eps=0.1, weight_decay=0.2))


def test_rmsprop_momentum() -> None:
    ours = _run(optim.RMSprop, lr=0.01, momentum=0.9)
    _check(ours, _rmsprop_reference(0.01, momentum=0.9))


def test_rmsprop_centered() -> None:
    ours = _run(optim.RMSprop, lr=0.01, alpha=0.9, centered=True)
    _check(ours, _rmsprop_reference(0.01, alpha=0.9, centered=True))


def test_rmsprop_centered_momentum_maximize() -> None:
    kwargs = {"alpha": 0.9, "centered": True, "momentum": 0.5, "maximize": True}
    ours = _run(optim.RMSprop, lr=0.01, **kwargs)
    _check(ours, _rmsprop_reference(0.01, **kwargs))


# ---- Adagrad --------------------------------------------------------------------------
def _adagrad_reference(
    lr: float,
    lr_decay: float = 0.0,
    weight_decay: float = 0.0,
    initial_accumulator_value: float = 0.0,
    eps: float = 1e-10,
    maximize: bool = False,
) -> list[np.ndarray]:
    p, s, expected = P0.copy(), initial_accumulator_value, []
    for t, g in enumerate(GRADS, start=1):
        g = (-g if maximize else g) + weight_decay * p
        clr = lr / (1 + (t - 1) * lr_decay)
        s = s + g**2
        p = p - clr * g / (np.sqrt(s) + eps)
        expected.append(p)
    return expected


def test_adagrad_plain() -> None:
    ours = _run(optim.Adagrad, lr=0.1)
    np.testing.assert_allclose(ours[0], [0.9, -2.1], rtol=1e-9)  # s = g^2: a step of lr
    _check(ours, _adagrad_reference(0.1))


def test_adagrad_lr_decay() -> None:
    ours = _run(optim.Adagrad, lr=0.1, lr_decay=0.5)
    _check(ours, _adagrad_reference(0.1, lr_decay=0.5))


def test_adagrad_initial_accumulator_and_eps() -> None:
    ours = _run(optim.Adagrad, lr=0.1, initial_accumulator_value=0.75, eps=0.1)
    # first step: s = 0.75 + 0.25 = 1 for the first element: a step of 0.1 * 0.5 / 1.1
    assert ours[0][0] == pytest.approx(1.0 - 0.1 * 0.5 / 1.1, rel=1e-14)
    _check(ours, _adagrad_reference(0.1, initial_accumulator_value=0.75, eps=0.1))


def test_adagrad_weight_decay_maximize() -> None:
    ours = _run(optim.Adagrad, lr=0.1, weight_decay=0.2, maximize=True)
    _check(ours, _adagrad_reference(0.1, weight_decay=0.2, maximize=True))
