"""The Optimizer base: parameter groups, per-parameter state, zero_grad, step, state dicts.

A subclass supplies three things: `_check_options` (its hyperparameter checks),
`_state_keys` (what its per-parameter state holds) and `_update_group` (the
update rule on NumPy arrays). Everything they share lives here: building and
checking parameter groups, the checks a step makes before it writes anything,
version-counter bumps, and a checkpoint format keyed by parameter index, as
PyTorch's, so a state dict loads into an optimizer over freshly built parameters.
"""

from __future__ import annotations

import copy
import math
import numbers
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from autograd import Tensor, enable_grad
from autograd.tensor import bump_versions

ParamsT = Iterable[Tensor] | Iterable[Mapping[str, Any]]

# Gradient dtypes whose finiteness check (`_gradients_to_apply`) is one BLAS dot product;
# others (float16, byte-swapped) take np.isfinite.
_FLOAT32 = np.dtype(np.float32)
_FLOAT64 = np.dtype(np.float64)


class Optimizer:
    """Base class of the optimizers: `param_groups`, `state`, `step`, `zero_grad`, state dicts.

    `params` is an iterable of Tensors, or of dicts with a `'params'` entry and
    per-group options; options a group leaves out come from `defaults`.
    `state[p]` holds parameter p's buffers (created at its first update).

    Non-finite gradients: by default (`error_if_nonfinite=True` in the
    options) `step()` checks every gradient first and raises a RuntimeError
    naming the parameter if one holds NaN or inf, before any parameter or
    state is written, so nothing is corrupted and the batch can be skipped.
    With `error_if_nonfinite=False` it updates as PyTorch does, and the NaN or
    inf propagates into the parameters and state.
    """

    def __init__(self, params: ParamsT, defaults: Mapping[str, Any]) -> None:
        name = type(self).__name__
        self.defaults: dict[str, Any] = dict(defaults)
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        # Scratch arrays reused by every step (one row per temporary), per dtype, sized for
        # the largest parameter: an update allocates nothing.
        self._workspace: dict[np.dtype, np.ndarray] = {}
        # The views of it each step asks for, cut once: {(shape, dtype, count): views}.
        self._scratch_views: dict[tuple, list[np.ndarray]] = {}
        self._check_options(self.defaults, name)
        if isinstance(params, Tensor):
            raise TypeError(
                f"{name}: params must be an iterable of Tensors or of dicts, got a single "
                "Tensor; pass a list, e.g. [t]"
            )
        if isinstance(params, Mapping | set | frozenset) or not isinstance(params, Iterable):
            raise TypeError(
                f"{name}: params must be an ordered iterable (list, generator) of Tensors or of "
                f"dicts, got {type(params).__name__}"
            )
        groups = list(params)
        if not groups:
            raise ValueError(f"{name}: got an empty parameter list")
        dicts = [isinstance(g, Mapping) for g in groups]
        if any(dicts) and not all(dicts):
            raise TypeError(f"{name}: params mixes Tensors and param-group dicts; use one kind")
        if not all(dicts):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # ---- what a subclass defines ------------------------------------------------------
    def _check_options(self, options: Mapping[str, Any], where: str) -> None:
        """Raise if a hyperparameter is invalid; `where` starts the message."""

    def _state_keys(self, group: Mapping[str, Any]) -> set[str]:
        """The entries of a parameter's state under `group`'s options ('step' is a count)."""
        return set()

    def _update_group(
        self, group: dict[str, Any], params: list[Tensor], grads: list[np.ndarray]
    ) -> None:
        """Update `params` (each with its gradient array) in place under `group`'s options."""
        raise NotImplementedError(
            f"{type(self).__name__}: an Optimizer subclass implements _update_group or step"
        )

    # ---- parameter groups ----------------------------------------------------------------
    def add_param_group(self, param_group: Mapping[str, Any]) -> None:
        """Add a group of parameters with its own options (missing ones from `defaults`)."""
        name = type(self).__name__
        where = f"{name}: param group {len(self.param_groups)}"
        if not isinstance(param_group, Mapping):
            raise TypeError(f"{where}: a param group is a dict, got {type(param_group).__name__}")
        if "params" not in param_group:
            raise ValueError(f"{where}: a param group needs a 'params' entry")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set | frozenset) or not isinstance(params, Iterable):
            raise TypeError(
                f"{where}: 'params' must be a Tensor or an ordered iterable of Tensors, "
                f"got {type(params).__name__}"
            )
        else:
            params = list(params)
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"{where}: parameter {i} is a {type(p).__name__}, an optimizer updates Tensors"
                )
            if p.data.dtype.kind != "f":
                raise TypeError(
                    f"{where}: parameter {i} has dtype {p.data.dtype}; only floating-point "
                    "tensors can be optimized"
                )
            if p.grad_fn is not None:
                raise ValueError(
                    f"{where}: parameter {i} is not a leaf (it was made by {p.grad_fn.name}); "
                    "an optimizer updates leaf tensors"
                )
        group = dict(param_group)
        group["params"] = params
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        self._check_options(group, where)
        ids = {id(p) for p in params}
        if len(ids) != len(params):
            raise ValueError(f"{where}: the group lists a parameter more than once")
        if any(id(p) in ids for g in self.param_groups for p in g["params"]):
            raise ValueError(f"{where}: some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient: to None (default), or to zeros in place."""
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if set_to_none:
                    p.grad = None
                elif g.grad_fn is not None or not g.data.flags.writeable:
                    # a gradient that is part of a graph (create_graph=True) is replaced, not
                    # written, as PyTorch detaches it
                    p.grad = Tensor(np.zeros_like(p.data))
                else:
                    g.data.fill(0)
                    g.bump_version()

    # ---- the step ------------------------------------------------------------------------
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; return `closure()`'s loss if given.

        `closure` re-evaluates the model and returns the loss (it runs with grad
        mode on). Parameters whose `.grad` is None are skipped entirely: no
        update, no weight decay, no state. Every gradient is checked before any
        write, so an error leaves parameters and state as they were.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        batches = self._gradients_to_apply()
        updated: list[Tensor] = []
        for group, params, grads in batches:
            if params:
                self._update_group(group, params, grads)
                updated += params
        bump_versions(updated)
        return loss

    def _gradients_to_apply(self) -> list[tuple[dict[str, Any], list[Tensor], list[np.ndarray]]]:
        """Per group, the parameters with a gradient and their gradient arrays, all checked.

        The checks run over every group before anything is returned, so a bad
        gradient stops the step before any write. This runs every step, so the
        common case is a few lines per parameter; the messages are built only
        when one fails.
        """
        batches = []
        for group in self.param_groups:
            check = group.get("error_if_nonfinite", True)
            params: list[Tensor] = []
            grads: list[np.ndarray] = []
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                garr = g.data
                data = p.data
                if garr.shape != data.shape or not data.flags.writeable:
                    raise self._unusable(p)
                if check:
                    # g . g is NaN or inf iff some element is, or the sum of squares
                    # overflows; then the exact check decides. np.vdot: one read-only BLAS
                    # pass over any shape, and no floating-point warning on that overflow
                    # (a test holds it); should it ever raise one, the exact check decides.
                    dtype = garr.dtype
                    try:
                        finite = (dtype is _FLOAT32 or dtype is _FLOAT64) and math.isfinite(
                            np.vdot(garr, garr)
                        )
                    except FloatingPointError:  # np.errstate(over="raise") set by the caller
                        finite = False
                    if not finite and not np.isfinite(garr).all():
                        raise self._nonfinite(p)
                params.append(p)
                grads.append(garr)
            batches.append((group, params, grads))
        return batches

    def _position(self, p: Tensor) -> tuple[int, int]:
        """(index of p over all groups, index of its group), for messages."""
        index = 0
        for gi, group in enumerate(self.param_groups):
            for q in group["params"]:
                if q is p:
                    return index, gi
                index += 1
        raise AssertionError("a parameter of this optimizer was not found in its groups")

    def _unusable(self, p: Tensor) -> ValueError:
        """The error for a gradient of the wrong shape, or a read-only parameter array."""
        name = type(self).__name__
        index, gi = self._position(p)
        data, garr = p.data, p.grad.data
        if garr.shape != data.shape:
            return ValueError(
                f"{name}.step: parameter {index} (param group {gi}) has shape "
                f"{data.shape} but its grad has shape {garr.shape}"
            )
        return ValueError(
            f"{name}.step: parameter {index} (param group {gi}, shape "
            f"{data.shape}) has a read-only array; it cannot be updated in place"
        )

    def _nonfinite(self, p: Tensor) -> RuntimeError:
        """The error for a gradient holding NaN or inf."""
        index, gi = self._position(p)
        return RuntimeError(
            f"{type(self).__name__}.step: the gradient of parameter {index} (param group {gi}, "
            f"shape {p.data.shape}, {p.grad.data.dtype}) contains NaN or inf; no parameter "
            "or state was changed. Find its source with ag.detect_anomaly(), skip "
            "the batch (zero_grad() and go on), or pass error_if_nonfinite=False "
            "to update anyway as PyTorch does (NaN then spreads into parameters)"
        )

    def _scratch(self, shape: tuple[int, ...], dtype: np.dtype, count: int) -> list[np.ndarray]:
        """`count` distinct uninitialised arrays of `shape` and `dtype`, views of the workspace."""
        key = (shape, dtype, count)
        views = self._scratch_views.get(key)
        if views is not None:
            return views
        n = math.prod(shape)
        buf = self._workspace.get(dtype)
        if buf is None or buf.shape[0] < count or buf.shape[1] < n:
            rows = count if buf is None else max(count, buf.shape[0])
            cols = n if buf is None else max(n, buf.shape[1])
            buf = self._workspace[dtype] = np.empty((rows, cols), dtype)
            # views of the old buffer would keep it alive: cut them again from the new one
            self._scratch_views.clear()
        views = self._scratch_views[key] = [buf[i, :n].reshape(shape) for i in range(count)]
        return views

    # ---- checkpoints -----------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """A snapshot of the optimizer: `{'state': {index: {...}}, 'param_groups': [...]}`.

        Parameters are numbered in group order (PyTorch's layout); each group
        lists its options and `'params'`: the indices. Arrays are copies, so
        later steps do not change a state dict already taken.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            packed["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(packed)
        state = {}
        for p, entries in self.state.items():
            if entries and id(p) in index:
                state[index[id(p)]] = {
                    k: v.copy() if isinstance(v, np.ndarray) else v for k, v in entries.items()
                }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Load a state dict (from `state_dict()`, or `nn.utils.load`) into this optimizer.

        The parameters are matched by position: group by group, in order. The
        groups must have the same count and sizes, each state array the shape
        of its parameter (it is copied and cast to the parameter's dtype), or a
        ValueError says what differs and nothing changes.
        """
        name = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"{name}: expected a dict, got {type(state_dict).__name__}")
        missing = [k for k in ("state", "param_groups") if k not in state_dict]
        if missing:
            raise ValueError(f"{name}: the state dict has no {missing} entry")
        saved_groups = list(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{name}: the state dict has {len(saved_groups)} parameter group(s), this "
                f"optimizer has {len(self.param_groups)}"
            )
        by_index: dict[int, tuple[Tensor, dict[str, Any]]] = {}
        new_groups = []
        for gi, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if not isinstance(saved, Mapping) or "params" not in saved:
                raise ValueError(f"{name}: param group {gi} of the state dict has no 'params'")
            indices = [_as_index(i, name) for i in np.asarray(saved["params"]).reshape(-1)]
            if len(indices) != len(group["params"]):
                raise ValueError(
                    f"{name}: param group {gi} of the state dict has {len(indices)} parameters, "
                    f"this optimizer's has {len(group['params'])}"
                )
            new_group = {k: _loaded_option(v) for k, v in saved.items() if k != "params"}
            absent = sorted(k for k in self.defaults if k not in new_group)
            if absent:
                raise ValueError(
                    f"{name}: param group {gi} of the state dict has no option(s) {absent} "
                    f"(is it from another optimizer than {type(self).__name__}?)"
                )
            self._check_options(new_group, f"{name}: param group {gi}")
            new_group["params"] = group["params"]
            new_groups.append(new_group)
            for i, p in zip(indices, group["params"]):
                if i in by_index:
                    raise ValueError(f"{name}: parameter index {i} appears more than once")
                by_index[i] = (p, new_group)
        new_state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        for key, entries in dict(state_dict["state"]).items():
            i = _as_index(key, name)
            if i not in by_index:
                raise ValueError(
                    f"{name}: the state dict has state for parameter {i}, but its param groups "
                    f"list only {sorted(by_index)}"
                )
            p, group = by_index[i]
            new_state[p] = self._loaded_state(entries, p, group, f"{name}: parameter {i}")
        for group, new_group in zip(self.param_groups, new_groups):
            group.clear()
            group.update(new_group)
        self.state = new_state

    def _loaded_state(
        self, entries: Any, p: Tensor, group: Mapping[str, Any], where: str
    ) -> dict[str, Any]:
        """A parameter's state from a state dict: the expected keys, arrays copied and checked."""
        if not isinstance(entries, Mapping):
            raise ValueError(f"{where}: its state is a {type(entries).__name__}, not a dict")
        expected = self._state_keys(group)
        if set(entries) != expected:
            raise ValueError(
                f"{where}: its state has keys {sorted(entries)}, expected {sorted(expected)} "
                "under the group's options"
            )
        state: dict[str, Any] = {}
        for key, value in entries.items():
            if key == "step":
                step = _loaded_option(value)
                if isinstance(step, float) and step.is_integer():
                    step = int(step)
                if isinstance(step, bool) or not isinstance(step, int) or step < 0:
                    raise ValueError(f"{where}: 'step' must be a count >= 0, got {value!r}")
                state[key] = step
                continue
            array = np.array(value, dtype=p.data.dtype)
            if array.shape != p.data.shape:
                raise ValueError(
                    f"{where}: state '{key}' has shape {array.shape}, the parameter has shape "
                    f"{p.data.shape}"
                )
            state[key] = array
        return state

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines.extend(f"    {k}: {group[k]}" for k in sorted(group) if k != "params")
        lines.append(")")
        return "\n".join(lines)


# ---- helpers the optimizers share -------------------------------------------------------
def _as_index(value: Any, where: str) -> int:
    """A parameter index from a state dict (an int, a NumPy integer or a digit string)."""
    try:
        index = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: {value!r} is not a parameter index") from None
    if index < 0 or (not isinstance(value, str) and index != value):
        raise ValueError(f"{where}: {value!r} is not a parameter index")
    return index


def _loaded_option(value: Any) -> Any:
    """An option read back from a checkpoint as a plain Python value (NumPy scalars, arrays)."""
    if isinstance(value, np.ndarray):
        value = value.item() if value.ndim == 0 else value.tolist()
    elif isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, list | tuple):
        return tuple(_loaded_option(v) for v in value)
    return copy.deepcopy(value)


def _check_number(where: str, name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{where}: {name} must be a real number, got {type(value).__name__}")
    if not math.isfinite(value):
        raise ValueError(f"{where}: invalid {name}={value!r}: it must be finite")


def _check_nonnegative(where: str, name: str, value: Any) -> None:
    """Raise unless value is a finite real number >= 0."""
    _check_number(where, name, value)
    if value < 0:
        raise ValueError(f"{where}: invalid {name}={value!r}: it must be >= 0")


def _check_flag(where: str, name: str, value: Any) -> None:
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{where}: {name} must be True or False, got {value!r}")


def _check_betas(where: str, betas: Any) -> None:
    """Adam's (beta1, beta2): two numbers, each in [0, 1)."""
    if not isinstance(betas, tuple | list) or len(betas) != 2:
        raise ValueError(f"{where}: betas must be a pair (beta1, beta2), got {betas!r}")
    for i, beta in enumerate(betas):
        _check_number(where, f"betas[{i}]", beta)
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"{where}: invalid betas[{i}]={beta!r}: it must be in [0, 1)")


def _decayed_grad(
    grad: np.ndarray, param: np.ndarray, weight_decay: float, maximize: bool, out: np.ndarray
) -> np.ndarray:
    """PyTorch's effective gradient d = (-g if maximize else g) + weight_decay * p.

    Returns `grad` itself when there is nothing to add (it is only read, never
    written), else `out` holding d.
    """
    if weight_decay != 0:
        np.multiply(param, weight_decay, out=out)
        if maximize:
            return np.subtract(out, grad, out=out)
        return np.add(grad, out, out=out)
    if maximize:
        return np.negative(grad, out=out)
    return grad


def _lerp_(start: np.ndarray, end: np.ndarray, weight: float, tmp: np.ndarray) -> None:
    """start += weight * (end - start), in place, in PyTorch's two forms (`torch.lerp`).

    For |weight| >= 0.5 PyTorch computes end - (end - start) * (1 - weight),
    which is more accurate there; the same here keeps the rounding alike.
    """
    np.subtract(end, start, out=tmp)
    if abs(weight) < 0.5:
        tmp *= weight
        start += tmp
    else:
        tmp *= 1 - weight
        np.subtract(end, tmp, out=start)
