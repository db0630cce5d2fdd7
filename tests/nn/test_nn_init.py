"""nn.init: PyTorch's gains and fans, each distribution's bounds and spread, in-place writes
that bump the version, the global generator, and bad arguments."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd as ag
import nn
from autograd import Tensor


def _weight(*shape: int) -> nn.Parameter:
    return nn.Parameter(np.zeros(shape, dtype=np.float32))


@pytest.mark.parametrize(
    ("nonlinearity", "param", "gain"),
    [
        ("linear", None, 1.0),
        ("conv2d", None, 1.0),
        ("sigmoid", None, 1.0),
        ("tanh", None, 5 / 3),
        ("relu", None, math.sqrt(2)),
        ("leaky_relu", None, math.sqrt(2 / (1 + 0.01**2))),
        ("leaky_relu", 0.2, math.sqrt(2 / (1 + 0.04))),
        ("leaky_relu", 0, math.sqrt(2)),
        ("selu", None, 0.75),
    ],
)
def test_calculate_gain(nonlinearity: str, param: float | None, gain: float) -> None:
    assert nn.init.calculate_gain(nonlinearity, param) == pytest.approx(gain)


def test_calculate_gain_errors() -> None:
    with pytest.raises(ValueError, match="calculate_gain: unsupported nonlinearity 'swish'"):
        nn.init.calculate_gain("swish")
    with pytest.raises(ValueError, match="negative_slope True is not a valid number"):
        nn.init.calculate_gain("leaky_relu", True)


def test_uniform_and_normal() -> None:
    w = nn.init.uniform_(_weight(200, 100), -0.5, 2.0)
    assert -0.5 <= w.data.min() and w.data.max() < 2.0
    assert w.data.mean() == pytest.approx(0.75, abs=0.02)
    w = nn.init.normal_(_weight(200, 100), mean=1.0, std=3.0)
    assert w.data.mean() == pytest.approx(1.0, abs=0.05)
    assert w.data.std() == pytest.approx(3.0, rel=0.02)
    assert w.dtype == np.float32


def test_constants() -> None:
    w = _weight(2, 3)
    assert nn.init.ones_(w) is w and (w.data == 1).all()
    assert (nn.init.zeros_(w).data == 0).all()
    assert (nn.init.constant_(w, 0.25).data == 0.25).all()


def test_xavier_bounds_and_std() -> None:
    fan_in, fan_out = 300, 200
    w = nn.init.xavier_uniform_(_weight(fan_out, fan_in), gain=2.0)
    bound = 2.0 * math.sqrt(6 / (fan_in + fan_out))
    assert np.abs(w.data).max() <= bound and np.abs(w.data).max() > 0.99 * bound
    w = nn.init.xavier_normal_(_weight(fan_out, fan_in))
    assert w.data.std() == pytest.approx(math.sqrt(2 / (fan_in + fan_out)), rel=0.02)


def test_kaiming_bounds_and_std_for_each_mode() -> None:
    w = nn.init.kaiming_uniform_(_weight(200, 300), nonlinearity="relu")
    bound = math.sqrt(2) * math.sqrt(3 / 300)
    assert np.abs(w.data).max() <= bound and np.abs(w.data).max() > 0.99 * bound
    w = nn.init.kaiming_normal_(_weight(200, 300), mode="fan_out", nonlinearity="relu")
    assert w.data.std() == pytest.approx(math.sqrt(2 / 200), rel=0.02)
    w = nn.init.kaiming_uniform_(_weight(200, 300), a=math.sqrt(5))  # Linear's own init
    assert np.abs(w.data).max() <= 1 / math.sqrt(300)


def test_fans_of_a_convolution_shaped_weight() -> None:
    # (out, in, kh, kw): fan_in = in * kh * kw, fan_out = out * kh * kw
    w = nn.init.xavier_uniform_(_weight(16, 8, 3, 3))
    assert np.abs(w.data).max() <= math.sqrt(6 / (8 * 9 + 16 * 9))


def test_init_writes_in_place_bumps_the_version_and_records_no_graph() -> None:
    w = _weight(3, 4)
    array, version = w.data, w._version
    assert ag.is_grad_enabled()
    out = nn.init.kaiming_normal_(w)
    assert out is w and w.data is array and w._version == version + 1
    assert w.grad_fn is None and w.requires_grad


def test_init_draws_from_the_global_generator_or_a_given_one() -> None:
    ag.manual_seed(7)
    a = nn.init.normal_(_weight(3, 3)).data.copy()
    ag.manual_seed(7)
    b = nn.init.normal_(_weight(3, 3)).data
    np.testing.assert_array_equal(a, b)
    c = nn.init.normal_(_weight(3, 3), generator=np.random.default_rng(7)).data
    d = nn.init.normal_(_weight(3, 3), generator=np.random.default_rng(7)).data
    np.testing.assert_array_equal(c, d)


def test_init_errors() -> None:
    with pytest.raises(
        ValueError, match=r"fan in and fan out cannot be computed .* \(shape \(3,\)\)"
    ):
        nn.init.xavier_uniform_(_weight(3))
    with pytest.raises(ValueError, match="kaiming_normal_: mode must be 'fan_in' or 'fan_out'"):
        nn.init.kaiming_normal_(_weight(3, 3), mode="fan_avg")
    with pytest.raises(TypeError, match=r"nn\.init: expected a Tensor, got ndarray"):
        nn.init.zeros_(np.zeros(3))
    with pytest.warns(UserWarning, match="zero-element tensor"):
        nn.init.kaiming_uniform_(_weight(0, 3))


def test_init_works_on_plain_tensors_and_float64() -> None:
    t = Tensor(np.zeros((2, 2)))
    nn.init.uniform_(t, 1.0, 2.0)
    assert t.dtype == np.float64 and (t.data >= 1).all()
