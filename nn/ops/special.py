"""Special functions on NumPy arrays: erf, erfc and the normal CDF, float64-accurate.

NumPy has no erf, so this is W. J. Cody's rational Chebyshev approximation
(Math. Comp. 23, 1969; the CALERF routine of SPECFUN): three rational
functions on |x| <= 0.5, 0.5 < |x| <= 4 and |x| > 4, each accurate to about
1e-16 relative. erfc is computed directly (not as 1 - erf), so the normal CDF
Phi(x) = erfc(-x / sqrt(2)) / 2 keeps full relative accuracy in the far left
tail, where GELU needs it.
"""

from __future__ import annotations

import math

import numpy as np

# erf(x) = x * A(x^2) / B(x^2) for |x| <= 0.46875
_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
      3.20937758913846947e03, 1.85777706184603153e-1)  # fmt: skip
_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
      2.84423683343917062e03)  # fmt: skip
# erfc(x) = exp(-x^2) * C(x) / D(x) for 0.46875 < x <= 4
_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
      2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
      2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8)  # fmt: skip
_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
      1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
      3.43936767414372164e03, 1.23033935480374942e03)  # fmt: skip
# erfc(x) = exp(-x^2) / x * (1/sqrt(pi) - P(1/x^2) / (x^2 Q(1/x^2))) for x > 4
_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
      1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2)  # fmt: skip
_Q = (2.56852019228982242e00, 1.87295284992346725e00, 5.27905102951428412e-1,
      6.05183413124413191e-2, 2.33520497626869185e-3)  # fmt: skip
_INV_SQRT_PI = 1 / math.sqrt(math.pi)
_SMALL, _MEDIUM = 0.46875, 4.0
_BIG = 30.0  # erfc(30) underflows to 0 in float64; clamping keeps inf out of the algebra


def _erf_small(x: np.ndarray) -> np.ndarray:
    """erf on |x| <= 0.46875."""
    z = x * x
    num, den = _A[4] * z, z
    for i in range(3):
        num = (num + _A[i]) * z
        den = (den + _B[i]) * z
    return x * (num + _A[3]) / (den + _B[3])


def _exp_minus_square(y: np.ndarray) -> np.ndarray:
    """exp(-y^2), split as Cody does so the rounding of y^2 costs no accuracy."""
    head = np.trunc(y * 16) / 16
    return np.exp(-head * head) * np.exp(-(y - head) * (y + head))


def _erfc_large(y: np.ndarray) -> np.ndarray:
    """erfc on y > 0.46875 (y = |x|)."""
    y = np.minimum(y, _BIG)
    medium = y <= _MEDIUM
    out = np.empty_like(y)
    ym = y[medium]
    num, den = _C[8] * ym, ym
    for i in range(7):
        num = (num + _C[i]) * ym
        den = (den + _D[i]) * ym
    out[medium] = (num + _C[7]) / (den + _D[7])
    yl = y[~medium]
    z = 1 / (yl * yl)
    num, den = _P[5] * z, z
    for i in range(4):
        num = (num + _P[i]) * z
        den = (den + _Q[i]) * z
    out[~medium] = (_INV_SQRT_PI - z * (num + _P[4]) / (den + _Q[4])) / yl
    out *= _exp_minus_square(y)
    return out


def erfc(x: np.ndarray) -> np.ndarray:
    """Complementary error function 1 - erf(x), accurate in both tails (float64 inside)."""
    x = np.asarray(x)
    xf = x.astype(np.float64)
    y = np.abs(xf)
    out = np.empty_like(xf)
    small = y <= _SMALL
    out[small] = 1 - _erf_small(xf[small])
    large = ~small & ~np.isnan(xf)
    tail = _erfc_large(y[large])
    out[large] = np.where(xf[large] > 0, tail, 2 - tail)
    out[np.isnan(xf)] = np.nan
    return out.astype(_float_dtype(x), copy=False)


def erf(x: np.ndarray) -> np.ndarray:
    """Error function (2/sqrt(pi)) * integral_0^x exp(-t^2) dt, float64-accurate."""
    x = np.asarray(x)
    xf = x.astype(np.float64)
    y = np.abs(xf)
    out = np.empty_like(xf)
    small = y <= _SMALL
    out[small] = _erf_small(xf[small])
    large = ~small & ~np.isnan(xf)
    out[large] = np.copysign(1 - _erfc_large(y[large]), xf[large])
    out[np.isnan(xf)] = np.nan
    return out.astype(_float_dtype(x), copy=False)


def normal_cdf(x: np.ndarray) -> np.ndarray:
    """Phi(x) = (1 + erf(x / sqrt(2))) / 2, the standard normal CDF, via erfc for the left tail."""
    return 0.5 * erfc(np.asarray(x) * -_INV_SQRT_2)


def _float_dtype(x: np.ndarray) -> np.dtype:
    """The result dtype: the input's float dtype, float64 for integer input."""
    return x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)


_INV_SQRT_2 = 1 / math.sqrt(2)
