"""gradcheck of a module with respect to its inputs and its parameters (for the nn tests)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

import autograd as ag
import nn


@contextmanager
def _parameters_replaced(module: nn.Module, names: list[str], values: list[Any]) -> Iterator[None]:
    """Let `module`'s forward read `values` in place of its named parameters (like PyTorch's
    torch.func.functional_call), so gradcheck can differentiate with respect to them."""
    saved = []
    for name, value in zip(names, values):
        *path, leaf = name.split(".")
        owner = module
        for part in path:
            owner = getattr(owner, part)
        saved.append((owner, leaf, owner.__dict__[leaf]))
        owner.__dict__[leaf] = value
    try:
        yield
    finally:
        for owner, leaf, original in saved:
            owner.__dict__[leaf] = original


def check_module(
    module: nn.Module, *inputs: Any, twice: bool = False, reseed: bool = False
) -> None:
    """gradcheck (and gradgradcheck if `twice`) of module(*inputs) with respect to the float
    inputs and every parameter; `reseed` resets the generator before each call (Dropout)."""
    names = [name for name, _ in module.named_parameters()]
    params = [p for _, p in module.named_parameters()]
    n = len(inputs)

    def fn(*args: Any) -> Any:
        if reseed:
            ag.manual_seed(0)
        with _parameters_replaced(module, names, list(args[n:])):
            return module(*args[:n])

    leaves = [
        ag.Tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
        if np.asarray(x).dtype.kind == "f"
        else x
        for x in inputs
    ] + [ag.Tensor(p.data.astype(np.float64), requires_grad=True) for p in params]
    assert ag.gradcheck(fn, leaves)
    if twice:
        assert ag.gradgradcheck(fn, leaves)


@contextmanager
def default_dtype(dtype: Any) -> Iterator[None]:
    """New parameters and Python floats in `dtype` inside the block (usable under @given)."""
    previous = ag.get_default_dtype()
    ag.set_default_dtype(dtype)
    try:
        yield
    finally:
        ag.set_default_dtype(previous)
