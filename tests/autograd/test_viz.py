"""draw_graph: the DOT source of known graphs, broadcast notes, highlight, bounds, rendering."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import graphviz
import numpy as np
import pytest

import autograd as ag
from autograd import Tensor, Value

NODE = re.compile(r"^\s*(n\d+) \[label=(\"(?:[^\"\\]|\\.)*\"|\S+)(.*)\]$", re.MULTILINE)
EDGE = re.compile(r"^\s*(n\d+) -> (n\d+)(.*)$", re.MULTILINE)


def _nodes(graph) -> dict[str, tuple[str, str]]:
    """DOT id -> (label text, other attributes)."""
    return {m[1]: (m[2].strip('"'), m[3]) for m in NODE.finditer(graph.source)}


def _edges(graph) -> list[tuple[str, str, str]]:
    return [(m[1], m[2], m[3]) for m in EDGE.finditer(graph.source)]


def _labels(graph) -> list[str]:
    return [label for label, _ in _nodes(graph).values()]


def _id_of(graph, text: str) -> str:
    (node_id,) = [k for k, (label, _) in _nodes(graph).items() if label.split("\\n")[0] == text]
    return node_id


def _value_graph():
    a, b, c = Value(2.0, "a"), Value(-3.0, "b"), Value(10.0, "c")
    e = a * b
    d = e + c
    out = d.tanh()
    out.label = "out"
    return a, b, c, e, d, out


def _broadcast_graph(dtype=np.float32):
    x = Tensor(np.arange(12.0).reshape(4, 3), dtype=dtype, name="x")
    b = Tensor([0.5, -1.0, 2.0], dtype=dtype, requires_grad=True, name="b")
    y = (x * b).sum()
    return x, b, y


# ---- Value graphs --------------------------------------------------------------------------
def test_value_graph_has_a_box_per_value_and_a_node_per_op():
    *_, out = _value_graph()
    g = ag.draw_graph(out)
    assert isinstance(g, graphviz.Digraph)
    labels = _labels(g)
    assert len(labels) == 6 + 3  # a b c e d out, and mul add tanh
    assert sorted(label for label in labels if "\\n" not in label) == ["add", "mul", "tanh"]
    assert len(_edges(g)) == 8  # a->mul b->mul mul->e e->add c->add add->d d->tanh tanh->out


def test_value_boxes_show_label_data_and_grad_before_and_after_backward():
    a, *_, out = _value_graph()
    g = ag.draw_graph(out)
    assert _nodes(g)[_id_of(g, "a")][0] == "a\\ndata 2\\ngrad 0"
    out.backward()
    g = ag.draw_graph(out)
    assert _nodes(g)[_id_of(g, "a")][0] == f"a\\ndata 2\\ngrad {a.grad:.4g}"
    assert _nodes(g)[_id_of(g, "out")][0] == f"out\\ndata {out.data:.4g}\\ngrad 1"


def test_edges_run_in_the_direction_data_flows():
    *_, out = _value_graph()
    g = ag.draw_graph(out)
    mul = _id_of(g, "mul")
    tails = {t for t, h, _ in _edges(g) if h == mul}
    assert tails == {_id_of(g, "a"), _id_of(g, "b")}
    assert (_id_of(g, "tanh"), _id_of(g, "out"), "") in _edges(g)


def test_numbers_folded_into_ops_are_not_nodes():
    w = Value(1.5, "w")
    y = 2.0 * w + 1  # two ops, each with one Value input
    g = ag.draw_graph(y)
    assert len(_nodes(g)) == 3 + 2
    assert len(_edges(g)) == 4


def test_show_data_and_show_grad_switch_lines_off():
    *_, out = _value_graph()
    g = ag.draw_graph(out, show_data=False, show_grad=False)
    assert "data" not in g.source and "grad" not in g.source
    assert _nodes(g)[_id_of(g, "a")][0] == "a"
    g = ag.draw_graph(out, show_grad=False)
    assert "data 2" in g.source and "grad" not in g.source


def test_leaves_are_filled_and_ops_are_small():
    *_, out = _value_graph()
    g = ag.draw_graph(out)
    nodes = _nodes(g)
    assert "fillcolor=lightblue" in nodes[_id_of(g, "a")][1]
    assert "fillcolor=white" in nodes[_id_of(g, "out")][1]
    assert "shape=ellipse" in nodes[_id_of(g, "mul")][1]


# ---- Tensor graphs --------------------------------------------------------------------------
def test_tensor_boxes_show_name_shape_dtype_and_summaries():
    *_, y = _broadcast_graph()
    g = ag.draw_graph(y)
    labels = _labels(g)
    assert "x\\n(4, 3) float32\\ndata min 0 mean 5.5 max 11" in labels  # a constant: no grad line
    assert "b\\n(3,) float32\\ndata min -1 mean 0.5 max 2\\ngrad None" in labels
    assert "sum" in labels and "mul" in labels
    assert len(labels) == 4 + 2 and len(_edges(g)) == 5  # x b x*b y, mul sum
    assert 'fillcolor="#eeeeee"' in _nodes(g)[_id_of(g, "x")][1]  # data, not a parameter
    y.backward()
    g = ag.draw_graph(y)
    assert "b\\n(3,) float32\\ndata min -1 mean 0.5 max 2\\ngrad min 18 mean 22 max 26" in _labels(
        g
    )
    assert "() float32\\ndata 39" in _labels(g)


def test_broadcast_edge_says_where_the_gradient_is_summed():
    *_, y = _broadcast_graph()
    g = ag.draw_graph(y)
    notes = {(t, h): attrs for t, h, attrs in _edges(g)}
    note = notes[(_id_of(g, "b"), _id_of(g, "mul"))]
    assert 'label="sum over axis 0: (4, 3) -> (3,)"' in note
    assert "color=darkorange" in note
    assert notes[(_id_of(g, "x"), _id_of(g, "mul"))] == ""


def test_broadcast_note_names_every_summed_axis():
    x = Tensor(np.ones((2, 4, 3)), name="x")
    b = Tensor(np.ones((4, 1)), requires_grad=True, name="b")
    g = ag.draw_graph(x + b)
    assert "sum over axes (0, 2): (2, 4, 3) -> (4, 1)" in g.source


def test_no_broadcast_note_where_the_rule_gives_the_input_shape():
    a = Tensor(np.ones((4, 1)), requires_grad=True)
    b = Tensor(np.ones((1, 4)), requires_grad=True)
    c = Tensor(np.ones(3), requires_grad=True)
    g = ag.draw_graph([a @ b, c.reshape(1, 3), c.broadcast_to((2, 3))])
    assert g.source.count("sum over") == 1
    assert "sum over axis 0: (2, 3) -> (3,)" in g.source  # broadcast_to sums in its own rule


def test_a_custom_function_broadcasting_its_input_is_annotated():
    class Scale(ag.Function):
        @staticmethod
        def forward(ctx, x, s):
            ctx.save_for_backward(x, s)
            return x * s

        @staticmethod
        def backward(ctx, grad):
            x, s = ctx.saved_tensors
            return grad * s, grad * x

    x = Tensor(np.ones((5, 2)), requires_grad=True)
    s = Tensor(np.ones(2), requires_grad=True, name="s")
    g = ag.draw_graph(Scale.apply(x, s))
    assert "scale" in _labels(g)
    assert "sum over axis 0: (5, 2) -> (2,)" in g.source


def test_a_tensor_used_twice_has_two_edges_into_the_op():
    x = Tensor([1.0, 2.0], requires_grad=True, name="x")
    g = ag.draw_graph(x * x)
    x_id, mul = _id_of(g, "x"), _id_of(g, "mul")
    assert [e[:2] for e in _edges(g)].count((x_id, mul)) == 2


def test_names_with_a_dot_prefix_are_grouped():
    x = Tensor(np.ones((2, 3)), name="x")
    w = Tensor(np.ones((4, 3)), requires_grad=True, name="fc1.weight")
    b = Tensor(np.ones(4), requires_grad=True, name="fc1.bias")
    g = ag.draw_graph(x @ w.T + b)
    cluster = re.search(r"subgraph cluster_0 \{(.*?)\}", g.source, re.DOTALL)
    assert cluster is not None
    assert "label=fc1" in cluster[1]
    assert "fc1.weight" in cluster[1] and "fc1.bias" in cluster[1]
    assert '\tn0 [label="x' in g.source  # x stays outside the frame


def test_the_same_graph_gives_the_same_source():
    """Fresh forwards of one computation, and one graph drawn twice: identical DOT."""
    assert len({ag.draw_graph(_broadcast_graph()[2]).source for _ in range(3)}) == 1
    assert len({ag.draw_graph(_value_graph()[-1]).source for _ in range(3)}) == 1
    *_, out = _value_graph()
    assert ag.draw_graph(out).source == ag.draw_graph(out).source


def test_ids_follow_the_data_flow():
    *_, out = _value_graph()
    ids = [int(t[1:]) < int(h[1:]) for t, h, _ in _edges(ag.draw_graph(out))]
    assert all(ids)


def test_labels_with_dot_syntax_are_escaped():
    x = Tensor([1.0, 2.0], requires_grad=True, name='say "hi" \\ <b>')
    g = ag.draw_graph(x.exp())
    assert 'label="say \\"hi\\" \\\\ <b>\\n' in g.source
    if shutil.which("dot"):
        assert "say &quot;hi&quot; \\ &lt;b&gt;" in g.pipe(format="svg", encoding="utf-8")


# ---- highlight ------------------------------------------------------------------------------
def test_highlight_an_op_of_a_tensor_graph_by_its_node():
    *_, y = _broadcast_graph()
    mul = y.grad_fn.inputs[0].grad_fn
    g = ag.draw_graph(y, highlight=mul)
    nodes = _nodes(g)
    assert "color=red" in nodes[_id_of(g, "mul")][1]
    assert sum("color=red" in attrs for _, attrs in nodes.values()) == 1


def test_highlight_tensors_and_a_list():
    _, b, y = _broadcast_graph()
    g = ag.draw_graph(y, highlight=[b, y])
    red = {k for k, (_, attrs) in _nodes(g).items() if "color=red" in attrs}
    assert red == {_id_of(g, "b"), _id_of(g, "() float32")}


def test_highlight_a_value_marks_its_box_and_its_op():
    *_, e, _, out = _value_graph()
    g = ag.draw_graph(out, highlight=e)
    red = {label for label, attrs in _nodes(g).values() if "color=red" in attrs}
    assert red == {"mul", "data -6\\ngrad 0"}


def test_highlight_outside_the_graph_is_an_error():
    *_, out = _value_graph()
    with pytest.raises(ValueError, match=r"draw_graph: highlight Value\(data=5.0.* is not in this"):
        ag.draw_graph(out, highlight=Value(5.0))
    with pytest.raises(TypeError, match="highlight takes Values for a Value graph, got Tensor"):
        ag.draw_graph(out, highlight=Tensor(1.0))
    _, _, y = _broadcast_graph()
    with pytest.raises(TypeError, match=r"highlight takes Tensors and graph nodes .* got Value"):
        ag.draw_graph(y, highlight=out)


# ---- bounds and arguments -------------------------------------------------------------------
def test_max_nodes_bounds_the_picture_with_a_clear_message():
    *_, out = _value_graph()
    assert len(_nodes(ag.draw_graph(out, max_nodes=9))) == 9
    with pytest.raises(ValueError, match=r"more than max_nodes=8 .*larger max_nodes=.*subgraph"):
        ag.draw_graph(out, max_nodes=8)


def test_max_nodes_stops_early_on_a_huge_graph():
    x = Value(1.0)
    y = x
    for _ in range(50_000):
        y = y * 1.0001
    with pytest.raises(ValueError, match="max_nodes=500"):
        ag.draw_graph(y)


def test_bad_arguments_are_errors():
    *_, out = _value_graph()
    with pytest.raises(ValueError, match="rankdir must be one of"):
        ag.draw_graph(out, rankdir="up")
    with pytest.raises(ValueError, match="max_nodes must be a positive int, got 0"):
        ag.draw_graph(out, max_nodes=0)
    with pytest.raises(TypeError, match=r"expected a Value or a Tensor .* got float"):
        ag.draw_graph(2.0)
    with pytest.raises(TypeError, match="got Tensor, Value"):
        ag.draw_graph([out, Tensor(1.0)])
    with pytest.raises(ValueError, match="got no value to draw"):
        ag.draw_graph([])


def test_rankdir_reaches_the_source():
    assert "rankdir=TB" in ag.draw_graph(_value_graph()[-1], rankdir="TB").source


# ---- rendering ------------------------------------------------------------------------------
# CI installs Graphviz, so there the test runs (and fails without `dot`) rather than skips.
@pytest.mark.skipif(
    shutil.which("dot") is None and not os.environ.get("CI"),
    reason="Graphviz's dot is not installed",
)
def test_renders_to_svg_and_shows_inline_as_svg():
    _, _, y = _broadcast_graph()
    y.backward()
    g = ag.draw_graph(y, highlight=y.grad_fn)
    svg = g.pipe(format="svg", encoding="utf-8")
    assert svg.lstrip().startswith("<?xml") and "</svg>" in svg
    assert "sum over axis 0: (4, 3) &#45;&gt; (3,)" in svg
    bundle = g._repr_mimebundle_()
    assert list(bundle) == ["image/svg+xml"] and "</svg>" in bundle["image/svg+xml"]


def test_without_dot_a_notebook_shows_a_hint_and_the_source(monkeypatch):
    monkeypatch.setenv("PATH", "")  # graphviz runs `dot` from PATH
    g = ag.draw_graph(_value_graph()[-1])
    bundle = g._repr_mimebundle_()
    assert list(bundle) == ["text/plain"]
    hint, source = bundle["text/plain"].split("\n\n", 1)
    assert "\n" not in hint and "install Graphviz" in hint and "apt-get install graphviz" in hint
    assert source == g.source
    with pytest.raises(graphviz.ExecutableNotFound):
        g.pipe()


def test_import_autograd_does_not_import_graphviz():
    code = "import sys, autograd; print('graphviz' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_repr_counts_the_nodes_and_shows_no_address():
    g = ag.draw_graph(_value_graph()[-1])
    assert repr(g) == "<GraphPicture of 9 values and ops; .source is its DOT text>"


def test_gradcheck_failure_is_pictured_with_the_wrong_op_marked():
    class BadSquare(ag.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * x  # should be 2 x

    w = Tensor(np.array([0.5, 1.5]), requires_grad=True, name="w")
    with pytest.raises(ag.GradcheckError) as info:
        ag.gradcheck(lambda w: BadSquare.apply(w.exp()).sum(), [w])
    g = ag.draw_graph(info.value.output, highlight=info.value.node)
    red = [label for label, attrs in _nodes(g).values() if "color=red" in attrs]
    assert red == ["badsquare"]
    assert any(label.startswith("w\\n(2,) float64") for label in _labels(g))


def test_name_of_a_dropped_intermediate_is_drawn() -> None:
    """The graph keeps an intermediate's node, not the tensor: its name lives on the node."""
    x = ag.Tensor([1.0, 2.0], requires_grad=True, name="x")
    h = x * 2.0
    h.name = "hidden"
    y = (h + 1.0).sum()
    del h
    assert "hidden" in ag.draw_graph(y).source
