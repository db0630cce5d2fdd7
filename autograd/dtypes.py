"""The default floating dtype: what Python floats and new tensors become."""

from __future__ import annotations

from typing import Any

import numpy as np

_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_default = [np.dtype(np.float32)]


def _as_float_dtype(dtype: Any) -> np.dtype:
    """Validate and normalise a float dtype given as a NumPy type or its name."""
    # np.dtype(None) is float64, and None == np.dtype("float64") is True: test for None first.
    try:
        d = None if dtype is None else np.dtype(dtype)
    except (TypeError, ValueError):
        d = None
    if d is None or d not in _FLOAT_DTYPES:
        raise TypeError(f"set_default_dtype: expected np.float32 or np.float64, got {dtype!r}")
    return d


def set_default_dtype(dtype: Any) -> None:
    """Make Python floats and new tensors use `dtype` (np.float32 or np.float64, or their names)."""
    _default[0] = _as_float_dtype(dtype)


def get_default_dtype() -> np.dtype:
    """The dtype Python floats and new tensors get (float32 unless changed)."""
    return _default[0]
