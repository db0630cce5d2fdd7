"""Grad mode and anomaly mode: the switches that say whether ops record a graph.

Both are process-wide flags read on every op, so they live on one small object
(`STATE`) whose attributes are cheap to read.
"""

from __future__ import annotations

import functools
import inspect
import itertools
from collections.abc import Callable
from typing import Any, TypeVar

_Fn = TypeVar("_Fn", bound=Callable[..., Any])


class _State:
    """The flags every op reads: grad recording, anomaly detection, a call recorder."""

    __slots__ = ("anomaly", "grad_enabled", "last_write", "recorder")

    def __init__(self) -> None:
        self.grad_enabled = True
        self.anomaly = False
        # The tick of the latest in-place write: a backward skips its version
        # checks when no write happened since the forward (the common case).
        self.last_write = -1
        # gradcheck's diagnosis: a list that every op call is appended to, while it re-runs
        # a function whose check failed (see gradcheck._recording_calls); else None.
        self.recorder: list | None = None


STATE = _State()
# One clock orders graph nodes (the engine runs newer nodes first) and in-place
# writes (a write with a later tick than a node's came after that node saved its values).
tick = itertools.count().__next__


class _GradModeSwitch:
    """Sets grad mode for a `with` block, or for every call of a decorated function."""

    _enabled: bool

    def __enter__(self) -> None:
        self._previous = STATE.grad_enabled
        STATE.grad_enabled = self._enabled

    def __exit__(self, *exc: object) -> None:
        STATE.grad_enabled = self._previous

    def __call__(self, fn: _Fn) -> _Fn:
        enabled = self._enabled
        if inspect.isgeneratorfunction(fn):
            return _wrap_generator(type(self), fn)

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            previous = STATE.grad_enabled
            STATE.grad_enabled = enabled
            try:
                return fn(*args, **kwargs)
            finally:
                STATE.grad_enabled = previous

        return wrapper  # type: ignore[return-value]


def _wrap_generator(switch: type[_GradModeSwitch], fn: _Fn) -> _Fn:
    """A decorated generator function runs each of its steps in the mode (as in PyTorch).

    Its body runs only when the caller asks for the next item, long after the
    decorated call returned, and the caller's own code between items keeps the
    caller's mode.
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        gen = fn(*args, **kwargs)
        try:
            with switch():
                response = gen.send(None)
            while True:
                try:
                    request = yield response
                except GeneratorExit:
                    with switch():
                        gen.close()
                    raise
                except BaseException as exc:
                    with switch():
                        response = gen.throw(exc)
                else:
                    with switch():
                        response = gen.send(request)
        except StopIteration as stop:
            return stop.value

    return wrapper  # type: ignore[return-value]


class no_grad(_GradModeSwitch):
    """Ops inside record no graph and their results never require grad.

    Use it for evaluation and for updating parameters by hand:
    `with ag.no_grad(): ...` or `@ag.no_grad()` on a function.
    """

    _enabled = False


class enable_grad(_GradModeSwitch):
    """Turns graph recording back on inside a `no_grad` region."""

    _enabled = True


def is_grad_enabled() -> bool:
    """True when ops record a graph for inputs that require grad."""
    return STATE.grad_enabled


class detect_anomaly:
    """Raise at the first NaN or inf an op produces, forward or backward, naming the op.

    Slower (every result is scanned), so use it to hunt a NaN, not to train.
    """

    def __enter__(self) -> None:
        self._previous = STATE.anomaly
        STATE.anomaly = True

    def __exit__(self, *exc: object) -> None:
        STATE.anomaly = self._previous
