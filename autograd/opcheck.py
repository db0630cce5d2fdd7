"""Check specifications: what an op's gradient check needs, declared on the op itself.

Every op class carries `check = OpCheck(...)`: how to call it on input Tensors,
each input's valid domain, how shapes and keyword options are drawn, a NumPy
reference forward, whether it is twice differentiable and where its kinks are.
The hypothesis test suite and `python -m autograd check` (NumPy random) draw
cases from the same declaration through a `Draw`, and `find_functions` walks
the op table, so an op added without its spec is noticed, not forgotten.

```
class Cube(ag.Function):
    check = ag.OpCheck(reference=lambda x: x**3, twice=True)
```
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # the ops import this module while autograd.function is loading
    from autograd.function import Function

Shape = tuple[int, ...]
Masks = Sequence[np.ndarray | None]

# Named value ranges: (low, high, signed). `signed` draws |x| in [low, high] with a random
# sign, which keeps divisors and the inputs of relu/abs/sign well away from 0.
DOMAINS: dict[str, tuple[float, float, bool]] = {
    "real": (-2.0, 2.0, False),
    "positive": (0.5, 2.0, False),
    "nonzero": (0.5, 2.0, True),
    "unit": (-0.9, 0.9, False),
    "probability": (0.05, 0.95, False),
}

# Drawn inputs stay this far from every declared kink (the central-difference step is 1e-6).
_KINK_MARGIN = 1e-3
_ATTEMPTS = 100


class Draw:
    """Where a case's random choices come from: NumPy (the CLI) or hypothesis (the tests).

    Subclasses define `integer`; everything else is built on it, so hypothesis
    sees (and shrinks) every structural choice. Values come from a NumPy
    generator seeded by one such choice: the domains, not shrinking, decide how
    well conditioned they are.
    """

    def integer(self, low: int, high: int) -> int:
        """An integer in [low, high], both included."""
        raise NotImplementedError

    def choice(self, options: Sequence[Any]) -> Any:
        """One of `options`."""
        return options[self.integer(0, len(options) - 1)]

    def boolean(self) -> bool:
        return self.integer(0, 1) == 1

    def generator(self) -> np.random.Generator:
        """A NumPy generator for values, seeded by one draw."""
        return np.random.default_rng(self.integer(0, 2**32 - 1))

    def shape(self, ndim: tuple[int, int] = (0, 3), side: tuple[int, int] = (1, 3)) -> Shape:
        """A shape with ndim and every side in the given (inclusive) ranges."""
        return tuple(self.integer(*side) for _ in range(self.integer(*ndim)))


class RngDraw(Draw):
    """Draw from a NumPy generator (no hypothesis at runtime)."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def integer(self, low: int, high: int) -> int:
        return int(self.rng.integers(low, high, endpoint=True))


OptionsFn = Callable[[Draw, tuple[Shape, ...]], dict]
KinksFn = Callable[[float, Sequence[np.ndarray], dict], Masks]


@dataclass(frozen=True, kw_only=True)
class OpCheck:
    """How to gradient-check an op: a declaration, not code that runs checks.

    - `reference(*arrays, **options)`: the NumPy forward the op must match.
    - `twice`: whether the rule is itself differentiable (gradgradcheck runs).
    - `call(*tensors, **options)`: how to call the op; default `Op.apply`.
    - `arity`: the number of Tensor inputs (for `shapes` "same"/"broadcast").
    - `shapes`: "same" (one shape for all), "broadcast" (mutually broadcastable),
      "matmul" (aligned, batched or 1-D), or `fn(draw) -> shapes`; `ndim` and
      `side` bound the first two.
    - `domains`: a name in DOMAINS or a (low, high) range, for every input or
      a tuple with one per input.
    - `options`: keyword variants, a tuple of dicts or `fn(draw, shapes) -> dict`
      (see `axis_options`).
    - `sample(draw) -> (shapes, options)`: when shapes and options depend on
      each other; replaces `shapes` and `options`.
    - `kinks(margin, arrays, options)`: one bool mask (or None) per Tensor
      argument of `apply`, marking elements within `margin` of a point where
      the op is not differentiable. Drawn inputs avoid them; gradcheck names
      them when its step straddles one.
    """

    reference: Callable[..., Any] | None
    twice: bool
    call: Callable[..., Any] | None = None
    arity: int = 1
    shapes: str | Callable[[Draw], tuple[Shape, ...]] = "same"
    ndim: tuple[int, int] = (0, 3)
    side: tuple[int, int] = (1, 3)
    domains: Any = "real"
    options: tuple[dict, ...] | OptionsFn = ({},)
    sample: Callable[[Draw], tuple[tuple[Shape, ...], dict]] | None = None
    kinks: KinksFn | None = None


@dataclass(frozen=True)
class Case:
    """One drawn check: float64 input arrays (one per Tensor input) and keyword options."""

    inputs: tuple[np.ndarray, ...]
    options: dict

    @property
    def shapes(self) -> tuple[Shape, ...]:
        return tuple(a.shape for a in self.inputs)


# ---- finding the ops and their specs ------------------------------------------------------
def find_functions(modules: Iterable[str]) -> list[type[Function]]:
    """The Function subclasses defined in the named modules (a package with its submodules).

    Sorted by module and source line, so tables and test ids keep a stable order.
    """
    from autograd.function import Function

    prefixes = []
    for name in modules:
        module = importlib.import_module(name)
        prefixes.append(name)
        if hasattr(module, "__path__"):
            for info in pkgutil.walk_packages(module.__path__, name + "."):
                importlib.import_module(info.name)
    found = [
        cls
        for cls in _subclasses(Function)
        if any(cls.__module__ == p or cls.__module__.startswith(p + ".") for p in prefixes)
        and cls.forward is not Function.forward
    ]
    return sorted(found, key=lambda c: (c.__module__, _line(c), c.__name__))


def _subclasses(cls: type) -> list[type]:
    seen: dict[type, None] = {}
    stack = list(cls.__subclasses__())
    while stack:
        sub = stack.pop()
        if sub not in seen:
            seen[sub] = None
            stack.extend(sub.__subclasses__())
    return list(seen)


def _line(cls: type) -> int:
    """Where the op's forward starts in its file (cheap: no source parsing)."""
    code = getattr(cls.forward, "__code__", None)
    return code.co_firstlineno if code is not None else 0


def spec_of(op: type[Function]) -> OpCheck | None:
    """The op's own `check` declaration (not inherited), or None."""
    spec = vars(op).get("check")
    return spec if isinstance(spec, OpCheck) else None


def missing_specs(ops: Iterable[type[Function]]) -> list[str]:
    """The ops (as `module.Class`) that declare no spec, or one without a NumPy reference.

    The built-in ops must have both; the test suite fails naming each one listed.
    """
    return [
        f"{op.__module__}.{op.__qualname__}"
        for op in ops
        if spec_of(op) is None or spec_of(op).reference is None
    ]


def default_check(op: type[Function]) -> OpCheck:
    """The spec of an op that declares none: its required inputs, real, of shape (3, 4).

    No reference and first order only: enough to check a user's rule.
    """
    params = list(inspect.signature(op.forward).parameters.values())[1:]  # after ctx
    required = [
        p
        for p in params
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
    ]
    arity = len(required) or 1
    return OpCheck(reference=None, twice=False, shapes=lambda draw: ((3, 4),) * arity)


# ---- drawing a case -----------------------------------------------------------------------
def draw_case(spec: OpCheck, draw: Draw) -> Case:
    """Shapes, options and values for one check of an op, away from its kinks."""
    if spec.sample is not None:
        shapes, options = spec.sample(draw)
    else:
        shapes = _draw_shapes(spec, draw)
        if callable(spec.options):
            options = spec.options(draw, shapes)
        else:
            options = dict(draw.choice(spec.options))
    for _ in range(_ATTEMPTS):
        rng = draw.generator()
        arrays = tuple(_values(_domain(spec.domains, i), s, rng) for i, s in enumerate(shapes))
        if spec.kinks is None or not _any_mask(spec.kinks(_KINK_MARGIN, arrays, options)):
            return Case(arrays, options)
    raise RuntimeError(
        f"draw_case: no inputs of shapes {list(shapes)} with options {options} "
        f"found away from the op's kinks in {_ATTEMPTS} attempts"
    )


def _any_mask(masks: Masks) -> bool:
    return any(m is not None and bool(np.any(m)) for m in masks)


def _draw_shapes(spec: OpCheck, draw: Draw) -> tuple[Shape, ...]:
    if callable(spec.shapes):
        return tuple(tuple(s) for s in spec.shapes(draw))
    if spec.shapes == "same":
        return (draw.shape(spec.ndim, spec.side),) * spec.arity
    if spec.shapes == "broadcast":
        return broadcastable_shapes(draw, spec.arity, spec.ndim, spec.side)
    if spec.shapes == "matmul":
        return matmul_shapes(draw, spec.side)
    raise ValueError(f"OpCheck: unknown shapes kind {spec.shapes!r}")


def _domain(domains: Any, i: int) -> tuple[float, float, bool]:
    if isinstance(domains, tuple) and not _is_range(domains):
        domains = domains[i]
    if isinstance(domains, str):
        return DOMAINS[domains]
    low, high = domains
    return (float(low), float(high), False)


def _is_range(value: tuple) -> bool:
    return len(value) == 2 and all(isinstance(v, int | float) for v in value)


def _values(domain: tuple[float, float, bool], shape: Shape, rng: np.random.Generator) -> Any:
    low, high, signed = domain
    values = rng.uniform(low, high, size=shape)
    if signed:
        values = values * rng.choice([-1.0, 1.0], size=shape)
    return np.asarray(values, dtype=np.float64)


def broadcastable_shapes(
    draw: Draw, n: int, ndim: tuple[int, int] = (0, 3), side: tuple[int, int] = (1, 3)
) -> tuple[Shape, ...]:
    """n shapes that broadcast together: each drops leading axes of one base shape or
    has size 1 in some of them."""
    base = draw.shape(ndim, side)
    shapes = []
    for _ in range(n):
        kept = base[draw.integer(0, len(base)) :]
        shapes.append(tuple(1 if draw.integer(0, 3) == 0 else k for k in kept))
    return tuple(shapes)


def matmul_shapes(draw: Draw, side: tuple[int, int] = (1, 3)) -> tuple[Shape, Shape]:
    """Two shapes `a @ b` accepts: matrices, batched (batch axes broadcast) or 1-D vectors."""
    n, k, m = (draw.integer(*side) for _ in range(3))
    batch_a, batch_b = broadcastable_shapes(draw, 2, (0, 2), side)
    a = (k,) if draw.integer(0, 3) == 0 else (*batch_a, n, k)
    b = (k,) if draw.integer(0, 3) == 0 else (*batch_b, k, m)
    return a, b


# ---- options of the built-in ops ------------------------------------------------------------
def axis_options(keepdims: bool = True, **choices: Sequence[Any]) -> OptionsFn:
    """Reduction options for the first input: `axis` None, an int (either sign) or a tuple,
    `keepdims` both ways, and one of the values listed for each extra keyword."""

    def options(draw: Draw, shapes: tuple[Shape, ...]) -> dict:
        ndim = len(shapes[0])
        kind = draw.integer(0, 3) if ndim else 0
        if kind == 0:
            axis: Any = None
        elif kind == 1:
            axis = draw.integer(0, ndim - 1)
        elif kind == 2:
            axis = draw.integer(-ndim, -1)
        else:
            axes = [a for a in range(ndim) if draw.boolean()] or [draw.integer(0, ndim - 1)]
            axis = tuple(a - ndim if draw.boolean() else a for a in axes)
        out = {"axis": axis}
        if keepdims:
            out["keepdims"] = draw.boolean()
        out.update({k: draw.choice(v) for k, v in choices.items()})
        return out

    return options


def one_axis(draw: Draw, shapes: tuple[Shape, ...]) -> dict:
    """`axis`: one axis of the first input, positive or negative."""
    ndim = len(shapes[0])
    axis = draw.integer(0, ndim - 1)
    return {"axis": axis - ndim if draw.boolean() else axis}


def reshape_options(draw: Draw, shapes: tuple[Shape, ...]) -> dict:
    """`shape`: the same size reversed, flattened (-1), with a new axis of 1, or 0-d."""
    shape = shapes[0]
    size = int(np.prod(shape))
    targets = [tuple(reversed(shape)), (-1,), (1, *shape), (size, 1)]
    if size == 1:
        targets.append(())
    return {"shape": draw.choice(targets)}


def permutation_options(draw: Draw, shapes: tuple[Shape, ...]) -> dict:
    """`axes`: None (reverse) or a permutation, some of its entries negative."""
    ndim = len(shapes[0])
    if draw.integer(0, 3) == 0:
        return {"axes": None}
    rest = list(range(ndim))
    perm = [rest.pop(draw.integer(0, len(rest) - 1)) for _ in range(ndim)]
    return {"axes": tuple(a - ndim if draw.boolean() else a for a in perm)}


def axis_pair_options(draw: Draw, shapes: tuple[Shape, ...]) -> dict:
    """`axis1`, `axis2`: two axes (either sign, possibly equal)."""
    ndim = len(shapes[0])
    return {"axis1": draw.integer(-ndim, ndim - 1), "axis2": draw.integer(-ndim, ndim - 1)}


def broadcast_target_options(draw: Draw, shapes: tuple[Shape, ...]) -> dict:
    """`shape`: a shape the input broadcasts to (new leading axes, size-1 axes grown)."""
    lead = tuple(draw.integer(1, 3) for _ in range(draw.integer(0, 2)))
    grown = tuple(draw.integer(1, 3) if n == 1 else n for n in shapes[0])
    return {"shape": lead + grown}


def reduced_target_options(draw: Draw, shapes: tuple[Shape, ...]) -> dict:
    """`shape`: a shape that broadcasts to the input's (for sum_to, broadcast_to reversed)."""
    shape = shapes[0]
    kept = shape[draw.integer(0, len(shape)) :]
    return {"shape": tuple(1 if draw.boolean() else n for n in kept)}


def pad_options(draw: Draw, shapes: tuple[Shape, ...]) -> dict:
    """`pad_width` in each of NumPy's forms: an int, (before, after), one pair per axis."""
    ndim = len(shapes[0])
    form = draw.integer(0, 3)
    if form == 0:
        return {"pad_width": draw.integer(0, 2)}
    if form == 1:
        return {"pad_width": (draw.integer(0, 2),)}
    if form == 2:
        return {"pad_width": (draw.integer(0, 2), draw.integer(0, 2))}
    return {"pad_width": tuple((draw.integer(0, 2), draw.integer(0, 2)) for _ in range(ndim))}


def new_axis_options(draw: Draw, shapes: tuple[Shape, ...]) -> dict:
    """`axis`: where a new axis goes (stack), either sign."""
    ndim = len(shapes[0]) + 1
    axis = draw.integer(0, ndim - 1)
    return {"axis": axis - ndim if draw.boolean() else axis}


def stack_shapes(draw: Draw) -> tuple[Shape, ...]:
    """One to three inputs of one shape."""
    return (draw.shape((0, 2)),) * draw.integer(1, 3)


def concatenate_sample(draw: Draw) -> tuple[tuple[Shape, ...], dict]:
    """One to three inputs that differ only along `axis` (either sign)."""
    shape = draw.shape((1, 3))
    axis = draw.integer(0, len(shape) - 1)
    shapes = tuple(
        shape[:axis] + (draw.integer(1, 3),) + shape[axis + 1 :] for _ in range(draw.integer(1, 3))
    )
    return shapes, {"axis": axis - len(shape) if draw.boolean() else axis}


def index_options(draw: Draw, shapes: tuple[Shape, ...]) -> dict:
    """`key`: an int, a slice (negative steps too), an integer array with repeats, a bool
    mask, or a tuple mixing them with None and Ellipsis."""
    return {"key": _draw_key(draw, shapes[0])}


def _draw_key(draw: Draw, shape: Shape) -> Any:
    if not shape:
        return draw.choice([(), Ellipsis, None, np.array(True)])
    n = shape[0]
    kind = draw.integer(0, 5)
    if kind == 0:
        return draw.integer(-n, n - 1)
    if kind == 1:
        start, stop = draw.integer(-n, n), draw.integer(-n, n)
        return slice(start, stop, draw.choice([1, 2, -1]))
    if kind == 2:
        return np.array([draw.integer(-n, n - 1) for _ in range(draw.integer(1, 4))])
    if kind == 3:
        rng = draw.generator()
        return rng.random(shape[: draw.integer(1, len(shape))]) < 0.5
    if kind == 4 and len(shape) >= 2:
        rows = np.array([draw.integer(0, n - 1) for _ in range(draw.integer(1, 3))])
        cols = np.array([draw.integer(0, shape[1] - 1) for _ in range(len(rows))])
        return (rows, cols)
    return (Ellipsis, None, slice(0, draw.integer(1, shape[-1])))


def scatter_sample(draw: Draw) -> tuple[tuple[Shape, ...], dict]:
    """`shape` and `key` for scatter_add; the input has the shape of `zeros(shape)[key]`."""
    shape = draw.shape((0, 3))
    key = _draw_key(draw, shape)
    return (np.empty(shape)[key].shape,), {"shape": shape, "key": key}


def where_options(draw: Draw, shapes: tuple[Shape, ...]) -> dict:
    """`cond`: a bool array that broadcasts with both inputs."""
    full = np.broadcast_shapes(*shapes)
    kept = full[draw.integer(0, len(full)) :]
    cond_shape = tuple(1 if draw.boolean() else n for n in kept)
    return {"cond": draw.generator().random(cond_shape) < 0.5}


# ---- references written independently of the ops' own helpers -----------------------------
def reference_sum_to(x: np.ndarray, shape: Shape) -> np.ndarray:
    """x summed down to `shape`, element by element: each x[i] lands where it was broadcast from."""
    out = np.zeros(shape)
    lead = x.ndim - len(shape)
    for index in np.ndindex(x.shape):
        out[tuple(0 if n == 1 else i for i, n in zip(index[lead:], shape))] += x[index]
    return out


def reference_scatter_add(g: np.ndarray, shape: Shape, key: Any) -> np.ndarray:
    """Zeros of `shape` with g added at `key`, element by element (repeats add up)."""
    out = np.zeros(shape)
    positions = np.arange(out.size).reshape(shape)[key]
    for position, value in zip(np.ravel(positions), np.ravel(g)):
        out.flat[position] += value
    return out


# ---- kinks ------------------------------------------------------------------------------
def kinks_at(*points: float) -> KinksFn:
    """Kinks of an elementwise op at fixed points (relu and abs at 0)."""

    def kinks(margin: float, arrays: Sequence[np.ndarray], options: dict) -> Masks:
        return [_near(a, points, margin) for a in arrays]

    return kinks


def kinks_at_options(*names: str) -> KinksFn:
    """Kinks of the first input at the values of the named options (clip's lo and hi)."""

    def kinks(margin: float, arrays: Sequence[np.ndarray], options: dict) -> Masks:
        points = [options[n] for n in names if options.get(n) is not None]
        return [_near(arrays[0], points, margin)]

    return kinks


def _near(a: np.ndarray, points: Iterable[float], margin: float) -> np.ndarray:
    mask = np.zeros(np.shape(a), dtype=bool)
    for p in points:
        mask |= np.abs(np.asarray(a) - p) < margin
    return mask


def kinks_where_equal(margin: float, arrays: Sequence[np.ndarray], options: dict) -> Masks:
    """Kinks of a binary op where its two inputs meet (maximum, minimum)."""
    a, b = arrays
    close = np.abs(np.subtract(a, b)) < margin
    return [_any_to(close, np.shape(a)), _any_to(close, np.shape(b))]


def _any_to(mask: np.ndarray, shape: Shape) -> np.ndarray:
    """A broadcast mask reduced with `any` to `shape`."""
    lead = mask.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and mask.shape[lead + i] != 1
    )
    return np.any(mask, axis=axes, keepdims=True).reshape(shape) if axes else mask


def kinks_at_ties(margin: float, arrays: Sequence[np.ndarray], options: dict) -> Masks:
    """Kinks of a max/min reduction over `axis`: elements (near) tied for the extreme."""
    x = np.asarray(arrays[0])
    axis = options.get("axis")
    axes = tuple(range(x.ndim)) if axis is None else np.atleast_1d(axis).tolist()
    axes = tuple(int(a) % max(x.ndim, 1) for a in axes)
    mask = np.zeros(x.shape, dtype=bool)
    if x.size == 0:
        return [mask]
    for extreme in (np.max(x, axis=axes, keepdims=True), np.min(x, axis=axes, keepdims=True)):
        close = np.abs(x - extreme) < margin
        mask |= close & (np.sum(close, axis=axes, keepdims=True) >= 2)
    return [mask]


def masks_summary(masks: Masks) -> list[tuple[int, tuple[int, ...]]]:
    """(input, element index) of the first flagged element of each input with a kink."""
    found = []
    for i, m in enumerate(masks):
        if m is not None and np.any(m):
            flat = int(np.argmax(np.ravel(m)))
            found.append((i, tuple(int(j) for j in np.unravel_index(flat, np.shape(m)))))
    return found


__all__ = [
    "DOMAINS",
    "Case",
    "Draw",
    "OpCheck",
    "RngDraw",
    "axis_options",
    "axis_pair_options",
    "broadcast_target_options",
    "broadcastable_shapes",
    "concatenate_sample",
    "default_check",
    "draw_case",
    "find_functions",
    "index_options",
    "kinks_at",
    "kinks_at_options",
    "kinks_at_ties",
    "kinks_where_equal",
    "masks_summary",
    "matmul_shapes",
    "missing_specs",
    "new_axis_options",
    "one_axis",
    "pad_options",
    "permutation_options",
    "reduced_target_options",
    "reference_scatter_add",
    "reference_sum_to",
    "reshape_options",
    "scatter_sample",
    "spec_of",
    "stack_shapes",
    "where_options",
]
