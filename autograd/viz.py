"""Graph pictures: `draw_graph` turns a Value or Tensor graph into a Graphviz drawing.

One box per value (its label or name, shape and dtype, data and grad summaries),
one small node per op, edges in the direction data flows. Where a backward
sums a gradient down to a smaller shape (a broadcast input of an elementwise
op), the edge says so: `sum over axis 0: (4, 3) -> (3,)`. Node ids are given
in traversal order, so the same graph always gives the same DOT source.

graphviz (the Python package) is imported here only, and only when a graph is
drawn, so `import autograd` stays fast. Drawing needs Graphviz's `dot` program
only to render; without it a notebook shows a hint and the DOT source.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any

import numpy as np

from autograd.function import Context
from autograd.tensor import Tensor
from autograd.value import Value

_NO_DOT_HINT = (
    "Graphviz's `dot` program was not found, so here is the graph's DOT source instead; "
    "to draw it, install Graphviz (apt-get install graphviz, brew install graphviz, "
    "conda install graphviz, or https://graphviz.org/download/)."
)
_RANKDIRS = ("LR", "RL", "TB", "BT")
_NODE_LINE = re.compile(r"\s*n\d+ \[")
# Ops whose gradient rule returns the output's shape for every input, so the
# engine sums it back over the broadcast axes (broadcast_to does that sum itself).
_BROADCASTING_MODULE = "autograd.ops.elementwise"
_BROADCASTING_OPS = frozenset({"broadcast_to"})

_LEAF = {"style": "filled", "fillcolor": "lightblue"}
_CONSTANT = {"style": "filled", "fillcolor": "#eeeeee"}
_RESULT = {"style": "filled", "fillcolor": "white"}
_OP = {"shape": "ellipse", "fontsize": "10", "height": "0.3", "margin": "0.05,0.02"}
_HIGHLIGHT = {"style": "filled", "fillcolor": "#ffd6d6", "color": "red", "penwidth": "2.5"}
_SUMMED = {"color": "darkorange", "fontcolor": "darkorange", "fontsize": "10"}


def draw_graph(
    root: Value | Tensor | Iterable[Value | Tensor],
    rankdir: str = "LR",
    show_data: bool = True,
    show_grad: bool = True,
    highlight: Any = None,
    max_nodes: int = 500,
) -> Any:
    """The graph that computed `root` (a Value or Tensor, or a list of them), as a Digraph.

    `rankdir` is Graphviz's layout direction ("LR": inputs on the left).
    `highlight` marks values (Values, Tensors: their boxes; a Value's op too)
    and ops (graph nodes, `tensor.grad_fn`) in red; gradcheck uses it to point
    at a wrong rule. Tensors whose names share a prefix before a dot
    (`fc1.weight`, `fc1.bias`) are grouped in one frame. A graph of more than
    `max_nodes` boxes and ops is a ValueError: raise the bound, or draw the
    graph of an intermediate result. The result displays inline in Jupyter
    (`.source` is the DOT text; `.render()`/`.pipe()` need Graphviz's `dot`).
    """
    roots = list(root) if isinstance(root, list | tuple) else [root]
    if not roots:
        raise ValueError("draw_graph: got no value to draw")
    if rankdir not in _RANKDIRS:
        raise ValueError(f"draw_graph: rankdir must be one of {_RANKDIRS}, got {rankdir!r}")
    if not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"draw_graph: max_nodes must be a positive int, got {max_nodes!r}")
    kinds = {type(r) for r in roots}
    if kinds == {Value}:
        drawing = _ValueDrawing(show_data, show_grad, max_nodes)
    elif kinds == {Tensor}:
        drawing = _TensorDrawing(show_data, show_grad, max_nodes)
    else:
        names = ", ".join(sorted(k.__name__ for k in kinds))
        raise TypeError(
            f"draw_graph: expected a Value or a Tensor (or a list of one kind), got {names}"
        )
    drawing.walk(roots)
    marked = drawing.highlighted(highlight)
    return drawing.digraph(rankdir, marked)


class _Drawing:
    """The nodes and edges of one picture, numbered in the order they are found."""

    def __init__(self, show_data: bool, show_grad: bool, max_nodes: int) -> None:
        self.show_data = show_data
        self.show_grad = show_grad
        self.max_nodes = max_nodes
        self.ids: dict[Any, str] = {}  # a box's or an op's key -> its DOT id
        self.nodes: list[tuple[str, str, dict[str, str], str]] = []  # id, label, style, group
        self.edges: list[tuple[str, str, str]] = []  # tail, head, annotation

    def add_node(self, key: Any, label: str, style: dict[str, str], group: str = "") -> str:
        if len(self.nodes) >= self.max_nodes:
            raise ValueError(
                f"draw_graph: the graph has more than max_nodes={self.max_nodes} values and ops; "
                "pass a larger max_nodes= to draw it anyway, or draw a subgraph: the graph "
                "of an intermediate result, closer to the inputs"
            )
        node_id = f"n{len(self.nodes)}"
        self.ids[key] = node_id
        self.nodes.append((node_id, label, style, group))
        return node_id

    def walk(self, roots: list[Any]) -> None:
        """Add every value the roots depend on, inputs before the values made from them."""
        stack: list[Any] = list(reversed(roots))
        while stack:
            item = stack.pop()
            if item is None:
                self.add_value(stack.pop())
                continue
            if self.box_key(item) in self.ids:
                continue
            inputs = [t for t in self.inputs_of(item) if self.box_key(t) not in self.ids]
            if not inputs:
                self.add_value(item)
                continue
            stack.append(item)
            stack.append(None)  # "item's inputs are done": add it then
            stack.extend(reversed(inputs))

    def highlighted(self, highlight: Any) -> set[str]:
        """The DOT ids of the things to mark; each must be in this graph."""
        if highlight is None:
            return set()
        items = highlight if isinstance(highlight, list | tuple | set) else [highlight]
        marked: set[str] = set()
        for item in items:
            keys = self.highlight_keys(item)
            found = [self.ids[k] for k in keys if k in self.ids]
            if not found:
                raise ValueError(f"draw_graph: highlight {item!r} is not in this graph")
            marked.update(found)
        return marked

    def digraph(self, rankdir: str, marked: set[str]) -> Any:
        graph = _picture_class()(
            graph_attr={"rankdir": rankdir},
            node_attr={"shape": "box", "fontname": "Helvetica", "fontsize": "11"},
            edge_attr={"fontname": "Helvetica"},
        )
        groups: dict[str, list[tuple[str, str, dict[str, str]]]] = {}
        for node_id, label, style, group in self.nodes:
            if node_id in marked:
                style = {**style, **_HIGHLIGHT}
            if group:
                groups.setdefault(group, []).append((node_id, label, style))
            else:
                graph.node(node_id, _text(label), **style)
        for i, (group, members) in enumerate(groups.items()):
            with graph.subgraph(name=f"cluster_{i}") as frame:
                frame.attr(label=_text(group), style="rounded", color="grey", fontname="Helvetica")
                for node_id, label, style in members:
                    frame.node(node_id, _text(label), **style)
        for tail, head, note in self.edges:
            if note:
                graph.edge(tail, head, label=_text(note), **_SUMMED)
            else:
                graph.edge(tail, head)
        return graph

    def summary(self, what: str, value: Any) -> str:
        """`data 2.5` for a scalar, `data min -1 mean 0.2 max 3` for an array."""
        if isinstance(value, float):
            return f"{what} {value:.4g}"
        array = np.asarray(value)
        if array.size == 1:
            return f"{what} {float(array.reshape(-1)[0]):.4g}"
        if array.size == 0:
            return f"{what} (empty)"
        a = array.astype(np.float64)
        return f"{what} min {a.min():.4g} mean {a.mean():.4g} max {a.max():.4g}"

    # per engine
    def box_key(self, item: Any) -> Any:
        raise NotImplementedError

    def inputs_of(self, item: Any) -> list[Any]:
        raise NotImplementedError

    def add_value(self, item: Any) -> None:
        raise NotImplementedError

    def highlight_keys(self, item: Any) -> list[Any]:
        raise NotImplementedError


class _ValueDrawing(_Drawing):
    """Value graphs: a box per Value, an op node for each Value an op made."""

    def box_key(self, item: Value) -> Any:
        return item

    def inputs_of(self, item: Value) -> list[Value]:
        return [v for v in (item._x, item._y) if v is not None]

    def add_value(self, v: Value) -> None:
        lines = [v.label] if v.label else []
        if self.show_data:
            lines.append(self.summary("data", v.data))
        if self.show_grad:
            lines.append(self.summary("grad", v.grad))
        if v._x is None:
            self.add_node(v, "\n".join(lines) or " ", _LEAF, _group(v.label))
            return
        op_id = self.add_node(("op", v), v._op, _OP)
        box_id = self.add_node(v, "\n".join(lines) or " ", _RESULT, _group(v.label))
        for x in self.inputs_of(v):
            self.edges.append((self.ids[x], op_id, ""))
        self.edges.append((op_id, box_id, ""))

    def highlight_keys(self, item: Any) -> list[Any]:
        if not isinstance(item, Value):
            raise TypeError(
                f"draw_graph: highlight takes Values for a Value graph, got {type(item).__name__}"
            )
        return [item, ("op", item)]


class _TensorDrawing(_Drawing):
    """Tensor graphs: a box per tensor, an op node per graph node (ctx).

    A tensor made by an op is known by its node (several Tensor objects can
    wrap one op's output); a leaf by the tensor itself.
    """

    def box_key(self, item: Tensor) -> Any:
        return item if item.grad_fn is None else item.grad_fn

    def inputs_of(self, item: Tensor) -> list[Tensor]:
        node = item.grad_fn
        return [] if node is None else [t for t in node.inputs if t is not None]

    def add_value(self, t: Tensor) -> None:
        lines = [t.name] if t.name else []
        lines.append(f"{t.data.shape} {t.data.dtype}")
        if self.show_data:
            # a large intermediate that a freeing backward let go of has no values left
            released = t._data_released
            lines.append("data released by backward" if released else self.summary("data", t.data))
        node = t.grad_fn
        grad = t.grad if t.grad is not None or node is None else _retained_grad(node)
        if self.show_grad and (grad is not None or (node is None and t.requires_grad)):
            lines.append("grad None" if grad is None else self.summary("grad", grad.data))
        if node is None:
            style = _LEAF if t.requires_grad else _CONSTANT
            self.add_node(t, "\n".join(lines), style, _group(t.name))
            return
        op_id = self.add_node(("op", node), node.name, _OP)
        box_id = self.add_node(node, "\n".join(lines), _RESULT, _group(t.name))
        for x in self.inputs_of(t):
            note = _sum_note(x.data.shape, t.data.shape) if _broadcasts(node) else ""
            self.edges.append((self.ids[self.box_key(x)], op_id, note))
        self.edges.append((op_id, box_id, ""))

    def highlight_keys(self, item: Any) -> list[Any]:
        if isinstance(item, Context):
            return [("op", item)]
        if isinstance(item, Tensor):
            return [self.box_key(item)]
        raise TypeError(
            "draw_graph: highlight takes Tensors and graph nodes (tensor.grad_fn) for a "
            f"Tensor graph, got {type(item).__name__}"
        )


def _retained_grad(node: Context) -> Tensor | None:
    """The `.grad` that `retain_grad()` kept for a node's output.

    The graph keeps the node, not the tensor (a box is drawn from a Tensor
    rebuilt over the node): the grad is on the tensor that asked for it.
    """
    for ref in (node._more and node._more.retained) or ():
        t = ref()
        if t is not None and t.grad is not None:
            return t.grad
    return None


def _broadcasts(node: Context) -> bool:
    """Whether the engine sums this op's input gradients over broadcast axes.

    True for the elementwise ops and broadcast_to, and for ops defined outside
    autograd (custom Functions, nn's fused ops), whose broadcast inputs are
    summed the same way; False for reshapes, reductions, matmul and indexing,
    whose rules give each input's shape themselves.
    """
    module = node.fn.__module__
    return (
        module == _BROADCASTING_MODULE
        or node.name in _BROADCASTING_OPS
        or not module.startswith("autograd.")
    )


def _sum_note(shape: tuple[int, ...], out_shape: tuple[int, ...]) -> str:
    """How a gradient of `out_shape` is summed back to an input of `shape` ('' if it is not)."""
    lead = len(out_shape) - len(shape)
    if shape == out_shape or lead < 0:
        return ""
    if any(n != 1 and n != m for n, m in zip(shape, out_shape[lead:])):
        return ""  # not a broadcast: the op's rule already gives the input's shape
    axes = list(range(lead)) + [
        lead + i for i, n in enumerate(shape) if n == 1 and out_shape[lead + i] != 1
    ]
    if not axes:
        return ""
    where = f"axis {axes[0]}" if len(axes) == 1 else f"axes {tuple(axes)}"
    return f"sum over {where}: {out_shape} -> {shape}"


def _group(name: str | None) -> str:
    """The frame a named value is drawn in: the part of its name before the last dot."""
    return name.rpartition(".")[0] if name else ""


def _text(text: str) -> Any:
    """Label text for DOT: backslashes kept literal, lines joined by DOT's line break."""
    import graphviz

    return graphviz.nohtml("\\n".join(line.replace("\\", "\\\\") for line in text.split("\n")))


@functools.cache
def _picture_class() -> type:
    """graphviz.Digraph that, in Jupyter, falls back to a hint and the DOT source without `dot`."""
    import graphviz

    class GraphPicture(graphviz.Digraph):
        """A graphviz.Digraph that never shows a traceback in a notebook."""

        def __repr__(self) -> str:
            nodes = sum(1 for line in self.body if _NODE_LINE.match(line))
            return f"<GraphPicture of {nodes} values and ops; .source is its DOT text>"

        def _repr_mimebundle_(
            self, include: Any = None, exclude: Any = None, **kwargs: Any
        ) -> dict[str, Any]:
            try:
                return super()._repr_mimebundle_(include, exclude, **kwargs)
            except graphviz.ExecutableNotFound:
                return {"text/plain": f"{_NO_DOT_HINT}\n\n{self.source}"}

    GraphPicture.__qualname__ = "GraphPicture"
    return GraphPicture
