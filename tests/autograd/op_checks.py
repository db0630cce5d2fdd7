"""What the op tests share: float64 leaves, and the first- and second-order gradient checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import autograd as ag
from autograd import Tensor


def leaves(*values: Any) -> list[Tensor]:
    """A float64 Tensor that requires grad for each value."""
    return [Tensor(np.asarray(v, dtype=np.float64), requires_grad=True) for v in values]


def check_gradients(fn: Callable[..., Tensor], *values: Any, twice: bool = True) -> None:
    """gradcheck of fn at `values`, and gradgradcheck unless `twice=False`."""
    assert ag.gradcheck(fn, leaves(*values))
    if twice:
        assert ag.gradgradcheck(fn, leaves(*values))
