"""`python -m autograd check`: every registered op's gradient checked on random inputs.

For each op it draws cases from the op's `OpCheck` spec (a default one for a
user Function without a spec) with a NumPy generator and runs `check_case`:
the forward against the NumPy reference, gradcheck, gradgradcheck where the op
is twice differentiable, and what every backward must respect (inputs left
untouched, gradients that alias no input and not the upstream gradient,
backward twice with `retain_graph` identical, the graph freed afterwards).
The test suite runs the same `check_case` on hypothesis-drawn cases.

Application code: of the library, only `autograd.__main__` imports it, and it
finds nn's fused ops by importing `nn` by name when that is installed.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import sys
import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

import numpy as np

from autograd.engine import grad
from autograd.function import Function
from autograd.gradcheck import _check_report
from autograd.opcheck import (
    Case,
    OpCheck,
    RngDraw,
    default_check,
    draw_case,
    find_functions,
    spec_of,
)
from autograd.tensor import Tensor

_BUILTIN_MODULES = ("autograd.ops", "nn")
_SHAPES_WIDTH = 44
_NO_SPEC = "{op} has no check spec: declare `check = OpCheck(...)` on the class"


@dataclass
class CaseResult:
    """What `check_case` found for one case: the largest errors and every problem."""

    shapes: tuple
    first: float = math.nan  # max |analytic - numeric| of the Jacobian
    second: float | None = None  # the same for second derivatives; None: not checked
    problems: list[str] = field(default_factory=list)


def check_case(op: type[Function], spec: OpCheck, case: Case, seed: int = 0) -> CaseResult:
    """Run every check of one op on one case; problems are collected, never raised.

    `seed` picks the random upstream gradient of the backward checks.
    """
    result = CaseResult(case.shapes)
    call = spec.call or op.apply

    def fn(*xs: Any) -> Any:
        return call(*xs, **case.options)

    try:
        _check_forward(fn, spec, case, result)
        first = _check_report(fn, _leaves(case))
        result.first = first.max_error
        if first.message is not None:
            result.problems.append(first.message)
        _check_backward(fn, case, seed, result)
        if spec.twice:
            second = _check_report(fn, _leaves(case), order=2)
            result.second = second.max_error
            if second.message is not None:
                result.problems.append("second order: " + second.message)
    except Exception as err:
        result.problems.append(f"raised {type(err).__name__}: {err}")
    return result


def _leaves(case: Case) -> list[Tensor]:
    return [Tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in case.inputs]


def _check_forward(fn: Callable[..., Any], spec: OpCheck, case: Case, result: CaseResult) -> None:
    """The output against the NumPy reference, in float64."""
    out = fn(*(Tensor(np.array(a)) for a in case.inputs))
    if not isinstance(out, Tensor):
        result.problems.append(f"forward returned {type(out).__name__}, not a Tensor")
        return
    if spec.reference is None:
        return
    expected = np.asarray(spec.reference(*(np.array(a) for a in case.inputs), **case.options))
    if out.shape != expected.shape:
        result.problems.append(f"forward: shape {out.shape}, the reference gives {expected.shape}")
    elif not np.allclose(np.asarray(out.data, np.float64), expected, rtol=1e-9, atol=1e-12):
        worst = float(np.max(np.abs(np.asarray(out.data, np.float64) - expected)))
        result.problems.append(f"forward differs from the reference by up to {worst:.3g}")


def _check_backward(fn: Callable[..., Any], case: Case, seed: int, result: CaseResult) -> None:
    """With a random upstream gradient: repeatable, non-aliasing, non-mutating, then freed."""
    xs = _leaves(case)
    y = fn(*xs)
    if not (isinstance(y, Tensor) and y.requires_grad):
        return
    g = np.random.default_rng(seed).standard_normal(y.shape)
    g_before = g.copy()
    node = y.grad_fn
    # Arrays the node saved besides the inputs and the output must die with the graph.
    kept = [id(x.data) for x in xs] + [id(y.data)]
    saved = [
        weakref.ref(v)
        for v in _saved_values(node)
        if isinstance(v, np.ndarray) and id(v) not in kept
    ]
    problems = result.problems

    once = grad(y, xs, g, retain_graph=True, allow_unused=True)
    twice = grad(y, xs, g, retain_graph=True, allow_unused=True)
    for i, (a, b) in enumerate(zip(once, twice)):
        if (a is None) != (b is None) or (a is not None and not np.array_equal(a.data, b.data)):
            problems.append(f"input {i}: a second backward with retain_graph=True differs")
    y.backward(g, retain_graph=True)
    grads = [x.grad for x in xs]
    for i, (gi, expected) in enumerate(zip(grads, once)):
        if gi is None:
            continue
        others = [x.data for x in xs] + [g, y.data] + [h.data for h in grads if h is not gi]
        if any(gi.data is o or np.shares_memory(gi.data, o) for o in others if o is not None):
            problems.append(
                f"input {i}: its .grad shares memory with an input, the output, the upstream "
                "gradient or another gradient"
            )
        if expected is not None and not np.allclose(gi.data, expected.data, rtol=1e-12, atol=0):
            problems.append(f"input {i}: .grad after backward() differs from ag.grad()")
    first = [None if gi is None else gi.data.copy() for gi in grads]
    y.backward(g)
    for i, (x, f) in enumerate(zip(xs, first)):
        if f is not None and not np.allclose(x.grad.data, 2 * f, rtol=1e-12, atol=0):
            problems.append(f"input {i}: a second backward did not accumulate into .grad")
    for i, (x, a) in enumerate(zip(xs, case.inputs)):
        if not np.array_equal(x.data, a):
            problems.append(f"input {i}: forward or backward modified it in place")
    if not np.array_equal(g, g_before):
        problems.append("backward modified the upstream gradient in place")
    if any(ref() is not None for ref in saved):
        problems.append("a value saved for backward is still alive after backward freed the graph")
    node_ref = weakref.ref(node)
    del node, y
    if node_ref() is not None:
        problems.append("the graph node is still alive after backward and del (a reference cycle?)")


def _saved_values(node: Any) -> tuple:
    """What the node saved for backward (nothing once freed); no local copy outlives the call."""
    saved = getattr(node, "_saved", ())
    return saved if isinstance(saved, tuple) else ()


@dataclass
class OpReport:
    """One op's row of the table: every case it tried and the worst errors."""

    name: str
    shapes: list[tuple] = field(default_factory=list)
    first: float = 0.0
    second: float | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_op(
    op: type[Function],
    trials: int,
    rng: np.random.Generator,
    name: str = "",
    require_spec: bool = False,
) -> OpReport:
    """`trials` random cases of one op: its spec, or the default for a user op without one
    (a missing spec fails when `require_spec`, as for the built-in ops)."""
    report = OpReport(name or op.name)
    spec = spec_of(op)
    if spec is None:
        if require_spec:
            report.problems.append(_NO_SPEC.format(op=f"{op.__module__}.{op.__qualname__}"))
            return report
        spec = default_check(op)
    draw = RngDraw(rng)
    for _ in range(trials):
        try:
            case = draw_case(spec, draw)
        except Exception as err:
            report.problems.append(f"drawing a case raised {type(err).__name__}: {err}")
            break
        result = check_case(op, spec, case, seed=int(rng.integers(2**32)))
        report.shapes.append(result.shapes)
        report.first = _worst(report.first, result.first)
        if result.second is not None:
            report.second = _worst(report.second or 0.0, result.second)
        report.problems.extend(f"{_shapes_text(result.shapes)}: {p}" for p in result.problems)
    return report


def _worst(a: float, b: float) -> float:
    return math.nan if math.isnan(a) or math.isnan(b) else max(a, b)


def _shapes_text(shapes: tuple) -> str:
    return "+".join(str(tuple(s)) for s in shapes) or "()"


# ---- the command ----------------------------------------------------------------------------
def int_argument(text: str) -> int:
    """An int option for argparse, reported as "invalid int value" (this and seed_argument
    serve the demo's options too)."""
    try:
        return int(text)
    except ValueError:  # argparse would name the type function: "invalid seed_argument value"
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None


def seed_argument(text: str) -> int:
    """A seed as NumPy's generators take it: an int >= 0 (argparse reports anything else)."""
    value = int_argument(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be at least 0, got {value}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `python -m autograd check`."""
    parser.add_argument(
        "--ops", help="comma-separated op names to check (default: all), e.g. add,matmul,sum"
    )
    parser.add_argument("--seed", type=seed_argument, default=0, help="random seed (default 0)")
    parser.add_argument("--trials", type=int, default=3, help="random cases per op (default 3)")
    parser.add_argument(
        "--module",
        action="append",
        metavar="MODULE",
        help="check the Function subclasses defined in this module (e.g. mypkg.ops) "
        "instead of the built-in ops; may be repeated",
    )


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Check the selected ops, print the table and a summary; 0 if all pass, 1 if not."""
    out = out or sys.stdout
    if args.trials < 1:
        print(f"check: --trials must be at least 1, got {args.trials}", file=sys.stderr)
        return 2
    modules = args.module or [m for m in _BUILTIN_MODULES if importlib.util.find_spec(m)]
    start = time.perf_counter()
    ops, failures = _find(modules)
    names = _names(ops)
    if not ops and not failures:
        print(f"check: no Function subclasses found in {', '.join(modules)}", file=sys.stderr)
        return 2
    if args.ops is not None:
        wanted = [w.strip().lower() for w in args.ops.split(",") if w.strip()]
        if not wanted:
            print(f"check: --ops {args.ops!r} names no op, e.g. --ops add,matmul", file=sys.stderr)
            return 2
        unknown = [w for w in wanted if not any(w in _aliases(op, n) for op, n in names.items())]
        if unknown:
            known = ", ".join(sorted(names.values()))
            print(f"check: unknown op(s) {', '.join(unknown)}; known: {known}", file=sys.stderr)
            return 2
        ops = [op for op in ops if any(w in _aliases(op, names[op]) for w in wanted)]
    rng = np.random.default_rng(args.seed)
    width = max([len(n) for n in names.values()] + [len(r.name) for r in failures] + [2]) + 2
    header = f"{'op':<{width}}{'shapes tried':<{_SHAPES_WIDTH}}  1st-order  2nd-order  status"
    print(header, file=out)
    print("-" * len(header), file=out, flush=True)
    reports = list(failures)
    for r in failures:
        print(_row(r, width), file=out, flush=True)
    for op in ops:
        with np.errstate(all="ignore"):  # a failing op's NaNs are reported in its row
            report = check_op(op, args.trials, rng, names[op], require_spec=not args.module)
        reports.append(report)
        print(_row(report, width), file=out, flush=True)
    failed = [r for r in reports if not r.ok]
    for r in failed:
        print(f"\n{r.name}: FAIL", file=out)
        for p in r.problems[:3]:
            print("  " + p.replace("\n", "\n  "), file=out)
        if len(r.problems) > 3:
            print(f"  ... and {len(r.problems) - 3} more", file=out)
    elapsed = time.perf_counter() - start
    print(
        f"\n{len(reports)} ops checked: {len(reports) - len(failed)} ok, {len(failed)} failed "
        f"({args.trials} trial(s) each, seed {args.seed}, {elapsed:.1f} s)",
        file=out,
    )
    return 1 if failed else 0


def _find(modules: Sequence[str]) -> tuple[list[type[Function]], list[OpReport]]:
    """The Functions of each module; a module that fails to import is a failed row."""
    ops: list[type[Function]] = []
    failures = []
    for m in modules:
        try:
            ops.extend(op for op in find_functions([m]) if op not in ops)
        except Exception as err:
            failures.append(OpReport(m, problems=[f"import raised {type(err).__name__}: {err}"]))
    return ops, failures


def _names(ops: Sequence[type[Function]]) -> dict[type[Function], str]:
    """Each op's table name: its op name, qualified by module where two share one."""
    counts: dict[str, int] = {}
    for op in ops:
        counts[op.name] = counts.get(op.name, 0) + 1
    return {op: op.name if counts[op.name] == 1 else f"{op.__module__}.{op.name}" for op in ops}


def _aliases(op: type[Function], name: str) -> set[str]:
    return {op.name.lower(), op.__name__.lower(), name.lower()}


def _row(report: OpReport, width: int) -> str:
    shapes = "; ".join(_shapes_text(s) for s in report.shapes) or "-"
    if len(shapes) > _SHAPES_WIDTH:
        shapes = shapes[: _SHAPES_WIDTH - 3] + "..."
    first = f"{report.first:.1e}" if report.shapes else "-"
    second = "-" if report.second is None else f"{report.second:.1e}"
    status = "ok" if report.ok else "FAIL"
    return f"{report.name:<{width}}{shapes:<{_SHAPES_WIDTH}}  {first:>9}  {second:>9}  {status}"
