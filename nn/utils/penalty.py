"""Regularisation penalties: terms added to a loss, differentiable like any loss."""

from __future__ import annotations

from collections.abc import Iterable

import autograd as ag
from autograd import Tensor


def _params(op: str, params: Tensor | Iterable[Tensor]) -> list[Tensor]:
    params = [params] if isinstance(params, Tensor) else list(params)
    for i, p in enumerate(params):
        if not isinstance(p, Tensor):
            raise TypeError(f"{op}: parameter {i} is a {type(p).__name__}, not a Tensor")
    return params


def _total(terms: list[Tensor]) -> Tensor:
    if not terms:
        return ag.tensor(0.0)
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def l1_penalty(params: Tensor | Iterable[Tensor]) -> Tensor:
    """sum over all parameters of sum |w| (lasso): add `lam * l1_penalty(model.parameters())`
    to the loss. Its gradient is lam * sign(w)."""
    return _total([p.abs().sum() for p in _params("l1_penalty", params)])


def l2_penalty(params: Tensor | Iterable[Tensor]) -> Tensor:
    """sum over all parameters of sum w^2 (ridge, weight decay): its gradient is 2 w."""
    return _total([(p * p).sum() for p in _params("l2_penalty", params)])
