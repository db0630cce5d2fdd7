"""Gradient checking: the engine's derivatives against central differences.

`numerical_grad` perturbs each input element by +-eps and takes
`(L(w+h) - L(w-h)) / 2h`. `gradcheck` builds the full Jacobian of a function
both ways (analytic: one backward per output element; numeric: two forwards
per input element), in float64, and also runs one backward with a random
upstream gradient, so a rule that ignores or mis-scales its upstream
gradient fails even for a scalar output. `gradgradcheck` runs the same check
on the gradient itself, computed with `create_graph=True`.

A failure is diagnosed before it is raised: if the one-sided differences at the
mismatch disagree, the step straddled a kink (named from the ops' `OpCheck`
kinks); otherwise every recorded op is re-checked alone on its own inputs and
the first whose rule disagrees is named, its graph node kept on the error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograd.engine import grad as _grad
from autograd.mode import STATE
from autograd.opcheck import masks_summary, spec_of
from autograd.tensor import Tensor
from autograd.value import Value


class GradcheckError(RuntimeError):
    """A gradient from the engine disagrees with central differences.

    When the diagnosis finds one, `node` is the graph node (an op's ctx) to
    blame and `output` the function's output it belongs to, so
    `ag.draw_graph(err.output, highlight=err.node)` can mark it; `kink` is True
    when the difference step straddled a point where the function has no
    derivative.
    """

    node: Any = None
    output: Any = None
    kink: bool = False


# ---- problems: a function and its inputs seen as flat float64 vectors ------------------------
class _TensorProblem:
    """fn over Tensors: float64 copies of the inputs, some of which are differentiated."""

    def __init__(self, fn: Callable[..., Any], inputs: Sequence[Any]) -> None:
        self.fn = fn
        self.args: list[Any] = []
        floats = []
        for x in inputs:
            array = x.data if isinstance(x, Tensor) else x
            if isinstance(array, np.ndarray | float) and np.asarray(array).dtype.kind == "f":
                floats.append(len(self.args))
                name = x.name if isinstance(x, Tensor) else None  # kept for pictures
                self.args.append(
                    Tensor(np.array(array, dtype=np.float64), requires_grad=True, name=name)
                )
            else:
                self.args.append(x)
        wanted = [i for i in floats if isinstance(inputs[i], Tensor) and inputs[i].requires_grad]
        self.diff = wanted or floats
        if not self.diff:
            raise ValueError("gradcheck: no floating-point input to differentiate")
        for i in floats:
            if i not in self.diff:
                self.args[i] = self.args[i].detach()
        self.params = [self.args[i].data for i in self.diff]

    def outputs(self) -> list[Tensor]:
        out = self.fn(*self.args)
        outs = list(out) if isinstance(out, tuple | list) else [out]
        return [o if isinstance(o, Tensor) else Tensor(o) for o in outs]

    def output_arrays(self) -> list[np.ndarray]:
        return [np.array(o.data, dtype=np.float64).ravel() for o in self.outputs()]

    def vjp(self, out: Tensor, upstream: np.ndarray) -> list[np.ndarray]:
        """Analytic gradient of (out * upstream).sum() for each differentiated input."""
        if not out.requires_grad:
            return [np.zeros(p.shape) for p in self.params]
        grads = _grad(
            out,
            [self.args[i] for i in self.diff],
            grad_outputs=Tensor(upstream.astype(out.dtype)),
            retain_graph=True,
            allow_unused=True,
        )
        return [
            np.zeros(p.shape) if g is None else np.array(g.data, np.float64)
            for g, p in zip(grads, self.params)
        ]


class _ValueProblem:
    """fn over Values (the scalar engine): each float input is a one-element vector."""

    def __init__(self, fn: Callable[..., Any], inputs: Sequence[Any]) -> None:
        self.fn = fn
        self.args = [Value(float(x.data if isinstance(x, Value) else x)) for x in inputs]
        self.diff = list(range(len(self.args)))
        self.params = [np.array([v.data]) for v in self.args]

    def _call(self) -> Any:
        for v, p in zip(self.args, self.params):
            v.data = float(p[0])
        return self.fn(*self.args)

    def outputs(self) -> list[Any]:
        return [self._call()]

    def output_arrays(self) -> list[np.ndarray]:
        out = self._call()
        return [np.array([out.data if isinstance(out, Value) else float(out)])]

    def vjp(self, out: Any, upstream: np.ndarray) -> list[np.ndarray]:
        for v in self.args:
            v.grad = 0.0
        if not isinstance(out, Value):
            return [np.zeros(1) for _ in self.args]
        out.backward()
        return [np.array([v.grad * float(upstream.ravel()[0])]) for v in self.args]


def _problem(fn: Callable[..., Any], inputs: Sequence[Any]) -> Any:
    inputs = list(inputs) if isinstance(inputs, tuple | list) else [inputs]
    if any(isinstance(x, Value) for x in inputs):
        return _ValueProblem(fn, inputs)
    return _TensorProblem(fn, inputs)


# ---- the two Jacobians -----------------------------------------------------------------
def _numeric_jacobians(problem: Any, eps: float) -> list[list[np.ndarray]]:
    """J[o][k]: (output o size, input k size), by central differences."""
    sizes = [a.size for a in problem.output_arrays()]
    jac = [[np.zeros((n, p.size)) for p in problem.params] for n in sizes]
    for k, p in enumerate(problem.params):
        flat = p.reshape(-1)
        for i in range(flat.size):
            orig = flat[i]
            flat[i] = orig + eps
            plus = problem.output_arrays()
            flat[i] = orig - eps
            minus = problem.output_arrays()
            flat[i] = orig
            for o, (fp, fm) in enumerate(zip(plus, minus)):
                jac[o][k][:, i] = (fp - fm) / (2 * eps)
    return jac


def _analytic_jacobians(problem: Any, outs: list[Any]) -> list[list[np.ndarray]]:
    """J[o][k] from the engine: one backward per output element, a one-hot upstream gradient."""
    jac = []
    for out in outs:
        size = out.data.size if isinstance(out, Tensor) else 1
        shape = out.data.shape if isinstance(out, Tensor) else ()
        rows = [np.zeros((size, p.size)) for p in problem.params]
        for j in range(size):
            onehot = np.zeros(size)
            onehot[j] = 1.0
            for k, g in enumerate(problem.vjp(out, onehot.reshape(shape))):
                rows[k][j] = g.ravel()
        jac.append(rows)
    return jac


def _index(shape: tuple[int, ...], flat: int) -> tuple[int, ...]:
    return tuple(int(i) for i in np.unravel_index(flat, shape)) if shape else ()


@dataclass
class _Outcome:
    """What one check found: the largest |analytic - numeric| and the first mismatch, if any.

    `where` is (output o, input k, output element j, input element i) of a
    Jacobian mismatch (None when it passed or only the upstream check failed).
    """

    max_error: float
    message: str | None = None
    where: tuple[int, int, int, int] | None = None


def _close(analytic: np.ndarray, numeric: np.ndarray, atol: float, rtol: float) -> np.ndarray:
    """|analytic - numeric| <= atol + rtol * |numeric|, elementwise, as torch.allclose: a NaN on
    either side fails (even two NaNs: an undefined derivative is not a match), equal
    infinities pass."""
    with np.errstate(invalid="ignore"):  # inf - inf: nan, and equal infinities are caught below
        return (np.abs(analytic - numeric) <= atol + rtol * np.abs(numeric)) | (analytic == numeric)


def _compare(
    problem: Any, outs: list[Any], analytic: list, numeric: list, atol: float, rtol: float
) -> _Outcome:
    """Every Jacobian entry analytic vs numeric: the largest error and the first mismatch."""
    outcome = _Outcome(0.0)
    for o, out in enumerate(outs):
        oshape = out.data.shape if isinstance(out, Tensor) else ()
        for k, p in enumerate(problem.params):
            a, n = analytic[o][k], numeric[o][k]
            if a.size:
                with np.errstate(invalid="ignore"):  # equal infinities: no error
                    error = np.where(a == n, 0.0, np.abs(a - n))
                worst = float(np.max(np.where(np.isnan(error), np.inf, error)))
                outcome.max_error = max(outcome.max_error, worst)
            bad = ~_close(a, n, atol, rtol)
            if bad.any() and outcome.message is None:
                j, i = (int(v) for v in np.unravel_index(int(np.argmax(bad)), bad.shape))
                where = f"output {o} " if len(outs) > 1 else ""
                outcome.where = (o, k, j, i)
                outcome.message = (
                    f"gradcheck: Jacobian mismatch for input {problem.diff[k]} "
                    f"(shape {p.shape}), {where}output index {_index(oshape, j)}, "
                    f"input index {_index(p.shape, i)}: analytic {a[j, i]:.8g}, "
                    f"numeric {n[j, i]:.8g} (allowed |difference| {atol + rtol * abs(n[j, i]):.3g})"
                )
    return outcome


def _check_upstream(
    problem: Any, outs: list[Any], numeric: list, atol: float, rtol: float
) -> str | None:
    """One backward with a random upstream gradient v must give v @ J (catches ignored v)."""
    rng = np.random.default_rng(0)
    for o, out in enumerate(outs):
        if not isinstance(out, Tensor):
            return None
        v = rng.uniform(0.5, 1.5, size=out.data.shape) * rng.choice([-1.0, 1.0], out.data.shape)
        for k, g in enumerate(problem.vjp(out, v)):
            expected = v.reshape(-1) @ numeric[o][k]
            got = g.ravel()
            bad = ~_close(got, expected, atol, rtol)
            if bad.any():
                i = int(np.argmax(bad))
                return (
                    f"gradcheck: backward with a random upstream gradient disagrees for input "
                    f"{problem.diff[k]} (shape {problem.params[k].shape}), input index "
                    f"{_index(problem.params[k].shape, i)}: analytic {got[i]:.8g}, numeric "
                    f"{expected[i]:.8g} (does the rule multiply by its upstream gradient?)"
                )
    return None


def _evaluate(problem: Any, eps: float, atol: float, rtol: float) -> _Outcome:
    """Both Jacobians of a problem compared, then the random-upstream backward."""
    outs = problem.outputs()
    analytic = _analytic_jacobians(problem, outs)
    numeric = _numeric_jacobians(problem, eps)
    outcome = _compare(problem, outs, analytic, numeric, atol, rtol)
    if outcome.message is None:
        outcome.message = _check_upstream(problem, outs, numeric, atol, rtol)
    return outcome


# ---- second order: the gradient as a function of the inputs and the upstream gradient ----------
def _second_order_problem(
    fn: Callable[..., Any], inputs: Sequence[Any], grad_outputs: Any
) -> tuple[_TensorProblem, Any]:
    """The first-order problem of fn, and the problem (inputs, v) -> v^T J made with
    `create_graph=True`, whose Jacobian holds fn's second derivatives (one v per output
    of fn: a function returning a tuple is checked through all its outputs)."""
    inner = _TensorProblem(fn, inputs)
    outs = inner.outputs()
    if grad_outputs is None:
        rng = np.random.default_rng(1)
        vs = [
            rng.uniform(0.5, 1.5, o.data.shape) * rng.choice([-1.0, 1.0], o.data.shape)
            for o in outs
        ]
    else:
        given = grad_outputs
        if len(outs) > 1 or (
            isinstance(given, tuple | list)
            and all(isinstance(g, Tensor | np.ndarray) for g in given)
        ):
            given = list(given) if isinstance(given, tuple | list) else [given]
        else:
            given = [given]
        if len(given) != len(outs):
            raise ValueError(
                f"gradgradcheck: got {len(given)} grad_outputs for {len(outs)} outputs"
            )
        vs = [np.asarray(g.data if isinstance(g, Tensor) else g, np.float64) for g in given]
        for i, (v, o) in enumerate(zip(vs, outs)):
            if v.shape != o.data.shape:
                raise ValueError(
                    f"gradgradcheck: grad_outputs[{i}] has shape {v.shape}, output {i} has "
                    f"shape {o.data.shape}"
                )
    diff = inner.diff
    args = list(inner.args)

    def first_order(*xs: Any) -> tuple[Tensor, ...]:
        diff_inputs, upstreams = xs[: len(diff)], xs[len(diff) :]
        call = list(args)
        for i, x in zip(diff, diff_inputs):
            call[i] = x
        out = fn(*call)
        ys = list(out) if isinstance(out, tuple | list) else [out]
        pairs = [(y, v) for y, v in zip(ys, upstreams) if isinstance(y, Tensor) and y.requires_grad]
        if not pairs:
            return tuple(Tensor(np.zeros(x.shape)) for x in diff_inputs)
        grads = _grad(
            [y for y, _ in pairs],
            list(diff_inputs),
            grad_outputs=[v for _, v in pairs],
            create_graph=True,
            allow_unused=True,
        )
        return tuple(
            Tensor(np.zeros(x.shape)) if g is None else g for g, x in zip(grads, diff_inputs)
        )

    second = [args[i] for i in diff] + [Tensor(v, requires_grad=True) for v in vs]
    return inner, _TensorProblem(first_order, second)


# ---- diagnosis: which op, or which kink, explains a failed check ---------------------------
@contextmanager
def _recording_calls() -> Iterator[list[tuple]]:
    """Record every op call made in the block as (op class, args, kwargs, result).

    The graph keeps an op's Tensor inputs but not its other arguments (axis,
    shape, key), which re-checking its rule needs, so the diagnosis re-runs the
    function under this recorder (only after a check failed: never on a hot path).
    """
    calls: list[tuple] = []
    previous = STATE.recorder
    STATE.recorder = calls
    try:
        yield calls
    finally:
        STATE.recorder = previous


@dataclass
class _Diagnosis:
    text: str
    node: Any = None
    kink: bool = False


def _diagnose(
    problem: Any,
    outcome: _Outcome,
    forward: _TensorProblem,
    order: int,
    eps: float,
    atol: float,
    rtol: float,
) -> tuple[_Diagnosis, Any]:
    """Explain a failed check: a kink the step straddles, else the first op whose own rule
    disagrees with central differences on its own inputs. Returns it and fn's output."""
    with _recording_calls() as calls:
        outs = forward.outputs()
    nodes = [c for c in calls if isinstance(c[3], Tensor) and c[3].grad_fn is not None]
    if outcome.where is not None:
        kink = _kink(problem, outcome.where, eps, atol, rtol)
        if kink is not None:
            return _kink_diagnosis(kink, nodes, eps), outs[0]
    for n, call in enumerate(nodes):
        text = _local_failure(call, 1, eps, atol, rtol)
        if text is None and order == 2:
            text = _local_failure(call, 2, eps, atol, rtol)
        if text is not None:
            where = f"op {n + 1} of {len(nodes)} in the forward"
            return _Diagnosis(
                f"the first op whose own rule disagrees with central differences on its own "
                f"inputs is {call[0].name} ({where}, inputs of shapes {_shapes(call[1])}):\n"
                f"  {text}",
                call[3].grad_fn,
            ), outs[0]
    return _Diagnosis(
        "every recorded op's own rule agrees with central differences on its inputs, so "
        "the mismatch comes from outside the recorded ops (a computation on .data or "
        "NumPy arrays that the graph does not see, or a hook)"
    ), outs[0]


def _shapes(args: Sequence[Any]) -> str:
    return ", ".join(str(a.shape) for a in args if isinstance(a, Tensor)) or "none"


def _kink(
    problem: Any, where: tuple[int, int, int, int], eps: float, atol: float, rtol: float
) -> tuple[float, float] | None:
    """The one-sided derivatives at the mismatch, when they disagree (a kink in the step)."""
    o, k, j, i = where
    flat = problem.params[k].reshape(-1)
    orig = flat[i]
    base = problem.output_arrays()[o][j]
    flat[i] = orig + eps
    plus = problem.output_arrays()[o][j]
    flat[i] = orig - eps
    minus = problem.output_arrays()[o][j]
    flat[i] = orig
    left, right = (base - minus) / eps, (plus - base) / eps
    if abs(right - left) > 10 * (atol + rtol * max(abs(left), abs(right))):
        return float(left), float(right)
    return None


def _kink_diagnosis(sides: tuple[float, float], nodes: list[tuple], eps: float) -> _Diagnosis:
    text = (
        f"the central-difference step (eps={eps:g}) straddles a point where the function is "
        f"not differentiable: its one-sided derivatives differ (left {sides[0]:.6g}, right "
        f"{sides[1]:.6g}), so the mismatch need not be a wrong rule"
    )
    for op, args, kwargs, out in nodes:
        spec = spec_of(op)
        if spec is None or spec.kinks is None:
            continue
        arrays = [a.data for a in args if isinstance(a, Tensor)]
        flagged = _flagged_kinks(spec, eps, arrays, kwargs)
        if flagged:
            i, index = flagged[0]
            value = float(np.asarray(arrays[i])[index])
            text += (
                f": {op.name}'s input {i} at index {index} is {value:.6g}, within eps of one "
                f"of its kinks"
            )
            return _Diagnosis(text + "; move the inputs away from it", out.grad_fn, True)
    return _Diagnosis(text + "; move the inputs away from it", None, True)


def _flagged_kinks(spec: Any, eps: float, arrays: list, kwargs: dict) -> list:
    """(input, index) of elements within eps of the op's declared kinks; [] if it cannot say."""
    try:
        return masks_summary(spec.kinks(eps, arrays, kwargs))
    except Exception:  # a spec's kinks written for other arguments must not hide the report
        return []


def _local_failure(call: tuple, order: int, eps: float, atol: float, rtol: float) -> str | None:
    """One recorded op re-checked alone on copies of its own inputs; the failure, or None."""
    op, args, kwargs, _ = call
    if not any(isinstance(a, Tensor) and a.requires_grad for a in args):
        return None
    spec = spec_of(op)
    if spec is not None and spec.kinks is not None:
        arrays = [a.data for a in args if isinstance(a, Tensor)]
        if _flagged_kinks(spec, eps, arrays, kwargs):
            return None  # a straddled kink here would look like a wrong rule
    if order == 2 and spec is not None and not spec.twice:
        return None
    local_args = [
        Tensor(a.data, requires_grad=a.requires_grad) if isinstance(a, Tensor) else a for a in args
    ]

    def local(*xs: Any) -> Tensor:
        return op.apply(*xs, **kwargs)

    try:
        if order == 1:
            outcome = _evaluate(_TensorProblem(local, local_args), eps, atol, rtol)
        else:
            _, second = _second_order_problem(local, local_args, None)
            outcome = _evaluate(second, eps, atol, rtol)
    except Exception as err:  # a rule that raises is as much the culprit as a wrong one
        return (
            f"its {'second-order ' if order == 2 else ''}check raised {type(err).__name__}: {err}"
        )
    if outcome.message is None:
        return None
    prefix = "second order: " if order == 2 else ""
    return prefix + outcome.message.removeprefix("gradcheck: ")


def _verdict(
    problem: Any,
    forward: Any,
    order: int,
    eps: float,
    atol: float,
    rtol: float,
    raise_exception: bool,
) -> bool:
    """True if `problem` passes; else raise GradcheckError with the mismatch and, for Tensor
    functions (`forward`: the first-order problem), its diagnosis, or return False."""
    outcome = _evaluate(problem, eps, atol, rtol)
    if outcome.message is None:
        return True
    if not raise_exception:
        return False
    if not isinstance(forward, _TensorProblem):
        raise GradcheckError(outcome.message)
    diagnosis, output = _diagnose(problem, outcome, forward, order, eps, atol, rtol)
    error = GradcheckError(f"{outcome.message}\n{diagnosis.text}")
    error.node, error.output, error.kink = diagnosis.node, output, diagnosis.kink
    raise error


# ---- the public functions -------------------------------------------------------------------
def numerical_grad(fn: Callable[..., Any], inputs: Sequence[Any], eps: float = 1e-6) -> list:
    """Central-difference gradient of `fn(*inputs).sum()` for every floating input, in float64.

    Returns one NumPy array per input (None for inputs that are not floating point).
    """
    # Detached, no input requires grad, so every floating one is differentiated.
    inputs = list(inputs) if isinstance(inputs, tuple | list) else [inputs]
    inputs = [x.detach() if isinstance(x, Tensor) else x for x in inputs]
    problem = _problem(lambda *a: _summed(fn(*a)), inputs)
    (jac,) = _numeric_jacobians(problem, eps)
    grads: list[Any] = [None] * len(problem.args)
    for k, i in enumerate(problem.diff):
        grads[i] = jac[k].reshape(problem.params[k].shape)
    return grads


def _summed(out: Any) -> Any:
    return out.sum() if isinstance(out, Tensor) and out.data.ndim else out


def gradcheck(
    fn: Callable[..., Any],
    inputs: Sequence[Any],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check the engine's Jacobian of `fn` at `inputs` against central differences, in float64.

    Differentiates the inputs that require grad (all floating ones if none
    does). Passes when |analytic - numeric| <= atol + rtol * |numeric| for
    every element. On failure raises GradcheckError naming the input, the
    output and input indices, and both values (or returns False); its message
    then also names the first op whose own rule is wrong (`error.node`), or the
    kink the difference step straddled (`error.kink`).
    """
    problem = _problem(fn, inputs)
    return _verdict(problem, problem, 1, eps, atol, rtol, raise_exception)


def gradgradcheck(
    fn: Callable[..., Any],
    inputs: Sequence[Any],
    grad_outputs: Any = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """gradcheck of the gradient: checks second derivatives made with `create_graph=True`.

    The checked function maps (inputs, v) to the vector-Jacobian product
    v^T J, computed by `ag.grad(..., create_graph=True)`; `v` is random unless
    `grad_outputs` is given.
    """
    inner, problem = _second_order_problem(fn, inputs, grad_outputs)
    return _verdict(problem, inner, 2, eps, atol, rtol, raise_exception)


def _check_report(
    fn: Callable[..., Any],
    inputs: Sequence[Any],
    order: int = 1,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> _Outcome:
    """The outcome of gradcheck (order 1) or gradgradcheck (order 2), not raised: for tables."""
    if order == 1:
        return _evaluate(_problem(fn, inputs), eps, atol, rtol)
    return _evaluate(_second_order_problem(fn, inputs, None)[1], eps, atol, rtol)
