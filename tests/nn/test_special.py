"""The float64 erf behind exact GELU, against Python's math.erf / math.erfc."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from nn.ops.special import erf, erfc, normal_cdf

_erf = np.vectorize(math.erf, otypes=[float])
_erfc = np.vectorize(math.erfc, otypes=[float])


def _points() -> np.ndarray:
    """A dense grid, the regions' boundaries (0.46875, 4) and tiny to huge magnitudes."""
    grid = np.linspace(-8, 8, 40001)
    tiny_to_huge = np.geomspace(1e-300, 40, 4000)
    edges = np.array([0.46875, 4.0, 26.5, 27.0])
    edges = np.concatenate([edges, np.nextafter(edges, 0), np.nextafter(edges, 100)])
    points = np.concatenate([grid, tiny_to_huge, edges])
    return np.concatenate([points, -points, [0.0, -0.0]])


def test_erf_matches_math_erf_to_float64_precision() -> None:
    x = _points()
    expected = _erf(x)
    relative = np.abs(erf(x) - expected) / np.maximum(np.abs(expected), 1e-300)
    assert relative.max() < 2e-15


def test_erfc_keeps_relative_precision_in_the_tail() -> None:
    x = _points()
    expected = _erfc(x)
    normal = expected > 1e-300  # math.erfc itself is subnormal beyond about 26.5
    relative = np.abs(erfc(x)[normal] - expected[normal]) / expected[normal]
    assert relative.max() < 2e-15


@given(st.floats(-40, 40, allow_nan=False))
def test_erf_of_any_float(v: float) -> None:
    assert abs(erf(np.array(v)) - math.erf(v)) <= 2e-16 * max(1.0, abs(math.erf(v)))
    assert abs(erfc(np.array(v)) - math.erfc(v)) <= 2e-15 * abs(math.erfc(v)) + 1e-300


def test_special_values_and_dtypes() -> None:
    assert erf(np.array([np.inf, -np.inf, 0.0])).tolist() == [1.0, -1.0, 0.0]
    assert erfc(np.array([np.inf, -np.inf])).tolist() == [0.0, 2.0]
    assert np.isnan(erf(np.array([np.nan]))[0]) and np.isnan(erfc(np.array([np.nan]))[0])
    assert erf(np.ones(3, dtype=np.float32)).dtype == np.float32
    assert erf(np.arange(3)).dtype == np.float64
    assert erf(np.array(0.5)).shape == ()


def test_normal_cdf_is_accurate_far_in_the_left_tail() -> None:
    # Phi(-30) ~ 4.9e-198: computing 1 + erf(-30/sqrt 2) would give 0.
    x = np.array([-30.0, -10.0, 0.0, 1.0])
    expected = np.array([0.5 * math.erfc(-v / math.sqrt(2)) for v in x])
    np.testing.assert_allclose(normal_cdf(x), expected, rtol=1e-14)
