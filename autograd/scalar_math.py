"""Scalar math for `Value`: each function returns its result and its local derivatives.

`mul(x, y)` returns `(x * y, y, x)`: the value, then d/dx and d/dy. `Value`
records the derivatives when it computes the value; `backward()` multiplies
them by the upstream gradient (the chain rule). This is the same math as the
Tensor ops' rules in `autograd/ops/elementwise.py`, one float at a time: read
the two side by side.

Edge cases follow NumPy (IEEE 754), as Tensor does, instead of raising Python's
float exceptions: `1 / 0` is inf, `log(0)` is -inf, `log(-1)` and
`(-8) ** 0.5` are nan, `exp(1000)` is inf. The fast path is plain `math`; the
rare exceptional inputs fall back to NumPy.
"""

from __future__ import annotations

import math

import numpy as np


def _numpy(ufunc: np.ufunc, *args: float) -> float:
    """NumPy's IEEE answer where Python's float math raises (division by zero, domains)."""
    with np.errstate(all="ignore"):
        return float(ufunc(*args))


def _div(x: float, y: float) -> float:
    try:
        return x / y
    except ZeroDivisionError:
        return _numpy(np.divide, x, y)


def _pow(x: float, y: float) -> float:
    try:
        return math.pow(x, y)  # never complex, unlike x ** y for x < 0
    except (ValueError, OverflowError):
        return _numpy(np.power, x, y)


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _log(x: float) -> float:
    try:
        return math.log(x)
    except ValueError:
        return _numpy(np.log, x)


def add(x: float, y: float) -> tuple[float, float, float]:
    """x + y; d/dx = 1, d/dy = 1."""
    return x + y, 1.0, 1.0


def sub(x: float, y: float) -> tuple[float, float, float]:
    """x - y; d/dx = 1, d/dy = -1."""
    return x - y, 1.0, -1.0


def mul(x: float, y: float) -> tuple[float, float, float]:
    """x * y; d/dx = y, d/dy = x."""
    return x * y, y, x


def div(x: float, y: float) -> tuple[float, float, float]:
    """x / y; d/dx = 1/y, d/dy = -x/y^2 = -(x/y)/y."""
    out = _div(x, y)
    return out, _div(1.0, y), _div(-out, y)


def neg(x: float) -> tuple[float, float]:
    """-x; d/dx = -1."""
    return -x, -1.0


def pow_const_exponent(x: float, n: float) -> tuple[float, float]:
    """x ** n for a constant n; d/dx = n x^(n-1) (0 when n = 0, even at x = 0)."""
    return _pow(x, n), (n * _pow(x, n - 1) if n != 0 else 0.0)


def pow_const_base(c: float, y: float) -> tuple[float, float]:
    """c ** y for a constant c; d/dy = c^y log(c) (needs c > 0; 0 at c = 0 for y >= 0)."""
    out = _pow(c, y)
    # At c = 0 with y >= 0, c^y is flat in y: 0, not 0 * log(0) = nan (as Tensor and PyTorch).
    return out, (0.0 if c == 0 and y >= 0 else out * _log(c))


def pow(x: float, y: float) -> tuple[float, float, float]:
    """x ** y; d/dx = y x^(y-1), d/dy = x^y log(x) (needs x > 0; 0 at x = 0 for y >= 0)."""
    out, dx = pow_const_exponent(x, y)
    return out, dx, (0.0 if x == 0 and y >= 0 else out * _log(x))  # see pow_const_base


def exp(x: float) -> tuple[float, float]:
    """e^x; d/dx = e^x, the result itself."""
    out = _exp(x)
    return out, out


def log(x: float) -> tuple[float, float]:
    """Natural log; d/dx = 1/x."""
    return _log(x), _div(1.0, x)


def tanh(x: float) -> tuple[float, float]:
    """tanh(x); d/dx = 1 - tanh(x)^2."""
    out = math.tanh(x)
    return out, 1.0 - out * out


def sigmoid(x: float) -> tuple[float, float]:
    """1 / (1 + e^-x), without overflow for large |x|; d/dx = s (1 - s)."""
    if x >= 0:
        out = 1.0 / (1.0 + math.exp(-x))
    else:
        e = math.exp(x)  # in (0, 1): never overflows
        out = e / (1.0 + e)
    return out, out * (1.0 - out)


def relu(x: float) -> tuple[float, float]:
    """max(x, 0); d/dx = 1 where x > 0, else 0 (0 at the kink, as Tensor and PyTorch)."""
    if x > 0:
        return x, 1.0
    return (0.0 if x <= 0 else x), 0.0  # nan stays nan, as np.maximum(nan, 0)
