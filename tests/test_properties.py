"""Random graphs, valid and broken: the engine either builds a model whose real forward pass matches
every inferred shape, or returns errors attributed to nodes of the graph."""

import torch
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from netbuilder.compiler import build_model
from netbuilder.shapes import analyze
from netbuilder.spec import InvalidProject, parse_project
from netbuilder.summary import example_inputs
from tests.helpers import project_doc

SMALL = st.integers(1, 6)
# layer type -> strategy for its params (kept small so the forward pass is cheap)
LAYER_PARAMS = {
    "Linear": st.fixed_dictionaries({"out_features": SMALL}),
    "Conv2d": st.fixed_dictionaries({"out_channels": SMALL, "kernel_size": st.integers(1, 4),
                                     "stride": st.integers(1, 2), "padding": st.integers(0, 1)}),
    "Conv1d": st.fixed_dictionaries({"out_channels": SMALL, "kernel_size": st.integers(1, 4)}),
    "ConvTranspose2d": st.fixed_dictionaries({"out_channels": SMALL, "kernel_size": st.integers(1, 3),
                                              "stride": st.integers(1, 2)}),
    "MaxPool2d": st.fixed_dictionaries({"kernel_size": st.integers(1, 3)}),
    "AvgPool2d": st.fixed_dictionaries({"kernel_size": st.integers(1, 3)}),
    "MaxPool1d": st.fixed_dictionaries({"kernel_size": st.integers(1, 3)}),
    "AdaptiveAvgPool2d": st.fixed_dictionaries({"output_size": st.integers(1, 3)}),
    "Flatten": st.just({}),
    "Unflatten": st.fixed_dictionaries({"unflattened_size": st.lists(st.integers(1, 4), min_size=1, max_size=3)}),
    "BatchNorm1d": st.just({}), "BatchNorm2d": st.just({}), "LayerNorm": st.just({}),
    "Dropout": st.fixed_dictionaries({"p": st.floats(0, 0.9)}),
    "ReLU": st.just({}), "Tanh": st.just({}), "GELU": st.just({}), "Softmax": st.just({}),
    "LSTM": st.fixed_dictionaries({"hidden_size": SMALL, "return_sequence": st.booleans()}),
    "GRU": st.fixed_dictionaries({"hidden_size": SMALL, "return_sequence": st.booleans()}),
    "MultiheadAttention": st.fixed_dictionaries({"num_heads": st.integers(1, 2)}),
    "Mean": st.fixed_dictionaries({"dim": st.integers(1, 2)}),
    "Upsample": st.just({}),
}
MERGES = ["Add", "Concat", "Multiply"]


@st.composite
def graphs(draw):
    shape = draw(st.sampled_from([[4], [2, 8, 8], [3, 10], [5, 4]]))
    nodes = [{"id": "x", "type": "Input", "params": {"shape": shape}}]
    edges = []
    for i in range(draw(st.integers(1, 7))):
        node_id = f"n{i}"
        earlier = [n["id"] for n in nodes if n["type"] != "Output"]
        if len(earlier) >= 2 and draw(st.integers(0, 4)) == 0:
            kind = draw(st.sampled_from(MERGES))
            sources = draw(st.lists(st.sampled_from(earlier), min_size=2, max_size=3, unique=True))
            nodes.append({"id": node_id, "type": kind})
        else:
            kind = draw(st.sampled_from(sorted(LAYER_PARAMS)))
            nodes.append({"id": node_id, "type": kind, "params": draw(LAYER_PARAMS[kind])})
            sources = [earlier[-1] if draw(st.integers(0, 3)) else draw(st.sampled_from(earlier))]
        edges += [(s, node_id) for s in sources]
    nodes.append({"id": "y", "type": "Output"})
    edges.append((nodes[-2]["id"], "y"))
    breakage = draw(st.sampled_from(["none", "none", "none", "cycle", "drop_edge", "extra_edge"]))
    if breakage == "cycle" and len(nodes) > 3:
        edges.append((nodes[-2]["id"], nodes[1]["id"]))
    elif breakage == "drop_edge" and len(edges) > 1:
        edges.pop(draw(st.integers(0, len(edges) - 1)))
    elif breakage == "extra_edge":
        edges.append((draw(st.sampled_from([n["id"] for n in nodes[:-1]])), draw(st.sampled_from(
            [n["id"] for n in nodes[1:]]))))
    return project_doc(nodes, edges)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs())
def test_random_graph_builds_or_reports_errors_on_its_nodes(doc):
    ids = {n["id"] for n in doc["graph"]["nodes"]}
    try:
        project = parse_project(doc)
    except InvalidProject as exc:  # only params the strategies cannot rule out reach here
        assert all(e.node in ids for e in exc.errors)
        return
    analysis = analyze(project)
    event("invalid graph" if analysis.errors else "valid graph")
    if analysis.errors:
        for e in analysis.errors:
            assert e.message and set(e.nodes) <= ids, e
        return

    torch.manual_seed(0)
    model = build_model(project, analysis).eval()
    seen = {}
    for name, module in model.named_children():
        module.register_forward_hook(lambda m, i, o, name=name: seen.__setitem__(name, o))
    inputs = [torch.randn(t.shape) for t in example_inputs(project, analysis, batch=2, device="cpu")]
    with torch.no_grad():
        out = model(*inputs)
    assert tuple(out.shape) == (2, *analysis.tensors["y"].shape)
    for name, value in seen.items():
        if isinstance(value, torch.Tensor):  # RNNs return (output, state) and are sliced in forward
            assert tuple(value.shape) == (2, *analysis.tensors[name].shape), name
