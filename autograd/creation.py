"""Creation functions (`ag.zeros`, `ag.randn`, ...) and the one global random generator.

Everything random in glassgrad (these functions, `nn.init`, Dropout, shuffling
DataLoaders) draws from `default_generator()`, so `ag.manual_seed(n)` makes a
whole program reproducible.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.dtypes import get_default_dtype
from autograd.tensor import Tensor

_generator = [np.random.default_rng()]


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the global generator every random function draws from; returns it."""
    _generator[0] = np.random.default_rng(seed)
    return _generator[0]


def default_generator() -> np.random.Generator:
    """The global NumPy Generator (replaced by each `manual_seed`)."""
    return _generator[0]


def _shape(op: str, shape: tuple) -> tuple[int, ...]:
    """Shapes come as `*ints` or one tuple/list, as in PyTorch."""
    if len(shape) == 1 and isinstance(shape[0], tuple | list):
        shape = tuple(shape[0])
    for n in shape:
        # a bool is an int to Python, not a size to NumPy or PyTorch
        if not isinstance(n, int | np.integer) or isinstance(n, bool) or n < 0:
            raise ValueError(f"{op}: invalid shape {shape}: sizes must be non-negative integers")
    return tuple(int(n) for n in shape)


def _dtype(op: str, dtype: Any, kinds: str = "fiub") -> np.dtype:
    """The dtype asked for, or the default one; a tensor holds floats, integers or bools
    (random samples only floats), as `Tensor(data, dtype=...)` checks too."""
    if dtype is None:
        return get_default_dtype()
    try:
        d = np.dtype(dtype)
    except (TypeError, ValueError):
        raise TypeError(f"{op}: {dtype!r} is not a dtype") from None
    if d.kind not in kinds:
        want = "a floating" if kinds == "f" else "a floating, integer or bool"
        raise TypeError(f"{op}: dtype must be {want} dtype, got {d}")
    return d


def _leaf(array: np.ndarray, requires_grad: bool) -> Tensor:
    """A new leaf around `array` (no copy); an integer array cannot require grad."""
    t = Tensor._make(array, False, None)
    return t.requires_grad_(True) if requires_grad else t


def tensor(
    data: Any, requires_grad: bool = False, dtype: Any = None, name: str | None = None
) -> Tensor:
    """The same as `Tensor(data, ...)`."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, name=name)


def from_numpy(array: np.ndarray, requires_grad: bool = False) -> Tensor:
    """A Tensor sharing `array`'s memory (no copy); it keeps the array's dtype."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a NumPy array, got {type(array).__name__}")
    return _leaf(array, requires_grad)


def zeros(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros in the default dtype (or `dtype`)."""
    return _leaf(np.zeros(_shape("zeros", shape), dtype=_dtype("zeros", dtype)), requires_grad)


def ones(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones in the default dtype (or `dtype`)."""
    return _leaf(np.ones(_shape("ones", shape), dtype=_dtype("ones", dtype)), requires_grad)


def full(shape: Any, fill_value: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of `shape` filled with `fill_value`, in the default dtype (or `dtype`)."""
    shape = _shape("full", (shape,) if isinstance(shape, int | np.integer) else (tuple(shape),))
    d = _dtype("full", dtype)
    # NumPy turns None into nan and reads a string of digits as a number: a fill is a number
    if fill_value is None or isinstance(fill_value, str | bytes):
        raise TypeError(f"full: fill_value must be a number, got {fill_value!r}")
    try:
        values = np.full(shape, fill_value, dtype=d)
    except (TypeError, ValueError) as err:
        raise type(err)(f"full: {err} (shape {shape}, dtype {d})") from None
    return _leaf(values, requires_grad)


def _like(op: str, t: Any, dtype: Any) -> tuple[tuple[int, ...], np.dtype]:
    """The shape and dtype a `*_like` result gets: t's, with Python data read as `Tensor(t)`
    reads it (floats in the default dtype), unless `dtype` is given."""
    if isinstance(t, Tensor):
        t = t.data
    elif not isinstance(t, np.ndarray):
        t = Tensor(t).data
    return t.shape, t.dtype if dtype is None else _dtype(op, dtype)


def zeros_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros of t's shape, in t's dtype unless `dtype` is given (as NumPy and PyTorch)."""
    shape, d = _like("zeros_like", t, dtype)
    return _leaf(np.zeros(shape, dtype=d), requires_grad)


def ones_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones of t's shape, in t's dtype unless `dtype` is given (as NumPy and PyTorch)."""
    shape, d = _like("ones_like", t, dtype)
    return _leaf(np.ones(shape, dtype=d), requires_grad)


def arange(
    start: Any, stop: Any = None, step: Any = 1, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    """Values from start to stop (exclusive) by step: int64 for ints, else the default dtype."""
    args = (0, start, step) if stop is None else (start, stop, step)
    # a 0-d Tensor or array (`arange(x.shape[0] // 2)`, `arange(n.sum())`) counts by its dtype
    args = tuple(a.data if isinstance(a, Tensor) else a for a in args)
    if args[2] == 0:
        raise ValueError(f"arange: step must not be zero, got {step!r}")
    if dtype is None and all(
        isinstance(a, int | np.integer) or (isinstance(a, np.ndarray) and a.dtype.kind in "iub")
        for a in args
    ):
        dtype = np.int64
    d = _dtype("arange", dtype)
    try:
        values = np.arange(*args, dtype=d)
    except (TypeError, ValueError) as err:
        raise type(err)(f"arange: {err} (start, stop, step = {args})") from None
    return _leaf(values, requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """The n x m identity matrix (m defaults to n)."""
    n, m = _shape("eye", (n, n if m is None else m))
    return _leaf(np.eye(n, m, dtype=_dtype("eye", dtype)), requires_grad)


def randn(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples from the global generator."""
    d = _dtype("randn", dtype, "f")
    samples = _generator[0].standard_normal(_shape("randn", shape))
    return _leaf(samples.astype(d, copy=False), requires_grad)


def rand(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1) from the global generator."""
    d = _dtype("rand", dtype, "f")
    samples = _generator[0].random(_shape("rand", shape)).astype(d, copy=False)
    if d != np.float64:  # rounding to fewer bits takes a draw within 2**-25 of 1 up to 1.0
        np.minimum(samples, np.nextafter(d.type(1), d.type(0)), out=samples)
    return _leaf(samples, requires_grad)
