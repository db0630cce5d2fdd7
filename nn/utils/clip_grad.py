"""Gradient clipping by total norm, as PyTorch's `clip_grad_norm_`."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from autograd import Tensor


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> Tensor:
    """Scale all gradients in place so that their joint norm is at most `max_norm`.

    The total norm is the `norm_type`-norm of the vector of every gradient
    element (inf: the largest |element|). If it exceeds max_norm, each
    gradient is multiplied by max_norm / (total + 1e-6). Parameters without a
    gradient are skipped. A NaN total norm makes every gradient NaN, as in
    PyTorch. Returns the total norm before clipping, as a 0-d Tensor.
    """
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    grad_tensors = [p.grad for p in params if p.grad is not None]
    grads = [g.data for g in grad_tensors]
    norm_type = float(norm_type)
    if not grads:
        return Tensor(np.array(0.0))
    if norm_type == np.inf:
        # np.max, not Python's max: a NaN anywhere makes the norm NaN, wherever it comes
        total = float(np.max([np.max(np.abs(g)) if g.size else 0.0 for g in grads]))
    else:
        norms = [np.linalg.norm(g.ravel().astype(np.float64), norm_type) for g in grads]
        total = float(np.linalg.norm(np.array(norms), norm_type))
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is "
            f"{total}, so they cannot be clipped; pass error_if_nonfinite=False to allow it"
        )
    coef = max_norm / (total + 1e-6)
    if not coef >= 1:  # a NaN norm scales by NaN: every gradient becomes NaN, as in PyTorch
        with np.errstate(invalid="ignore"):  # an infinite norm gives inf * 0 = nan, as in PyTorch
            for g in grad_tensors:
                np.multiply(g.data, coef, out=g.data, casting="unsafe")
                g.bump_version()
    return Tensor(np.array(total))
