"""Every layer type passes the same test: build, shapes agree with a real forward pass,
JSON round-trip, and one training step changes its weights when it has any."""

from pathlib import Path

import pytest
import torch

from netbuilder.compiler import build_model, model_source
from netbuilder.errors import ProjectError
from netbuilder.layers.base import VARIADIC
from netbuilder.layers.registry import LAYERS
from netbuilder.shapes import analyze
from netbuilder.spec import dumps, parse_project
from netbuilder.summary import example_inputs
from tests.helpers import project_doc

TRAINABLE_SKIP = {"Input", "Output"}


def one_layer_project(type_name: str, params: dict | None = None):
    layer = LAYERS[type_name]  # its declaration names one sample it accepts
    shape, dtype = list(layer.example_input), layer.example_dtype
    nodes = [{"id": "x", "type": "Input", "params": {"shape": shape, "dtype": dtype}}]
    edges = []
    if type_name in ("Input", "Output"):
        nodes.append({"id": "y", "type": "Output"})
        return parse_project(project_doc(nodes, [("x", "y")]))
    nodes.append({"id": "layer", "type": type_name, "params": params or {}})
    if LAYERS[type_name].inputs in (VARIADIC, 2):
        nodes.append({"id": "x2", "type": "Input", "params": {"shape": shape}})
    nodes.append({"id": "y", "type": "Output"})
    edges += [("x", "layer")] + [("x2", "layer")] * (LAYERS[type_name].inputs in (VARIADIC, 2)) + [("layer", "y")]
    return parse_project(project_doc(nodes, edges))


def random_inputs(project, analysis, batch):
    out = []
    for t in example_inputs(project, analysis, batch=batch, device="cpu"):
        out.append(torch.randint(0, 10, t.shape) if t.dtype == torch.int64 else torch.randn(t.shape))
    return out


@pytest.mark.parametrize("type_name", sorted(LAYERS))
def test_layer_conformance(type_name):
    torch.manual_seed(0)
    project = one_layer_project(type_name)
    analysis = analyze(project)
    assert analysis.valid, analysis.errors

    model = build_model(project, analysis)
    inputs = random_inputs(project, analysis, batch=3)
    out = model(*inputs)
    assert tuple(out.shape) == (3, *analysis.tensors["y"].shape), "inferred shape differs from the real one"

    again = parse_project(project.to_dict())
    assert dumps(again) == dumps(project)
    assert model_source(again) == model_source(project)

    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        assert type_name not in ("Linear", "Conv2d", "LSTM", "Embedding")
        return
    before = [p.detach().clone() for p in params]
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    model.train()
    loss = (model(*inputs) - 1.0).pow(2).mean()
    loss.backward()
    opt.step()
    changed = [not torch.equal(b, p) for b, p in zip(before, params)]
    assert any(changed), f"{type_name}: a training step changed no weight"


NON_DEFAULT = [
    ("Conv2d", {"out_channels": 5, "kernel_size": [3, 2], "stride": 2, "padding": 1, "dilation": 2}),
    ("Conv2d", {"out_channels": 6, "kernel_size": 3, "groups": 3, "bias": False}),
    ("Conv1d", {"out_channels": 4, "kernel_size": 5, "stride": 3, "padding": 2}),
    ("Conv3d", {"out_channels": 2, "kernel_size": [3, 1, 2], "stride": 2, "padding": 1}),
    ("GroupNorm", {"num_groups": 4, "affine": False}),
    ("ConvTranspose2d", {"out_channels": 2, "kernel_size": 3, "stride": 2, "padding": 1, "output_padding": 1}),
    ("MaxPool2d", {"kernel_size": 3, "stride": 2, "padding": 1}),
    ("AvgPool2d", {"kernel_size": [2, 3]}),
    ("MaxPool1d", {"kernel_size": 4, "stride": 1}),
    ("AdaptiveAvgPool2d", {"output_size": [2, 3]}),
    ("Upsample", {"scale_factor": 3.0, "mode": "bilinear"}),
    ("Flatten", {"start_dim": 2}),
    ("Unflatten", {"unflattened_size": [4, 196]}),
    ("Mean", {"dim": -1, "keepdim": True}),
    ("LSTM", {"hidden_size": 5, "num_layers": 2, "dropout": 0.1, "bidirectional": True, "return_sequence": True}),
    ("GRU", {"hidden_size": 7, "bidirectional": True}),
    ("RNN", {"hidden_size": 3, "nonlinearity": "relu", "return_sequence": True}),
    ("MultiheadAttention", {"num_heads": 2, "dropout": 0.1}),
    ("TransformerEncoderLayer", {"nhead": 2, "dim_feedforward": 16, "activation": "gelu", "norm_first": True}),
    ("Concat", {"dim": -1}),
    ("Softmax", {"dim": 1}),
    ("Embedding", {"num_embeddings": 10, "embedding_dim": 3, "padding_idx": 0}),
    ("Linear", {"out_features": 3, "bias": False}),
    ("LeakyReLU", {"negative_slope": 0.2}),
    ("GELU", {"approximate": "tanh"}),
]


@pytest.mark.parametrize("type_name,params", NON_DEFAULT, ids=[f"{t}-{i}" for i, (t, _) in enumerate(NON_DEFAULT)])
def test_non_default_params_match_torch(type_name, params):
    project = one_layer_project(type_name, params)
    analysis = analyze(project)
    assert analysis.valid, analysis.errors
    model = build_model(project, analysis).eval()
    out = model(*random_inputs(project, analysis, batch=2))
    assert tuple(out.shape) == (2, *analysis.tensors["y"].shape)


def test_every_layer_is_documented_and_named_after_torch():
    for layer in LAYERS.values():
        assert layer.doc and layer.doc.endswith((".", ")")), layer.name
        for p in layer.params:
            assert p.doc, f"{layer.name}.{p.name}"
        if layer.torch_class:
            assert layer.torch_class == f"nn.{layer.name}" and hasattr(torch.nn, layer.name)


@pytest.mark.parametrize("type_name", sorted(t for t, layer in LAYERS.items() if layer.inferred_names))
def test_inferred_args_are_torch_arguments_and_refused_when_typed(type_name):
    import inspect

    layer = LAYERS[type_name]
    torch_args = inspect.signature(getattr(torch.nn, type_name)).parameters
    if "kwargs" not in torch_args:  # the RNNs take **kwargs; building them (above) checks their names
        assert layer.inferred_names <= set(torch_args), type_name
    for name in layer.inferred_names:  # typing one gives the "inferred" message, not "no parameter"
        doc = one_layer_project(type_name).to_dict()
        doc["graph"]["nodes"][1]["params"] = {name: 3}
        with pytest.raises(ProjectError, match=f"{name} is inferred from the incoming tensor"):
            parse_project(doc)


def test_face_labels_and_id_prefixes_come_from_the_declarations():
    from netbuilder.spec import Project

    assert LAYERS["Conv2d"].face_label("out_channels") == "ch" and LAYERS["Conv2d"].face_label("groups") == "groups"
    project = one_layer_project("Conv2d")
    assert project.new_id("Conv1d") == "conv1" and project.new_id("BatchNorm2d") == "bn1"
    assert project.new_id("ReLU") == "relu1" and isinstance(project, Project)


def test_the_file_format_page_lists_every_layer_type():
    page = (Path(__file__).resolve().parent.parent / "docs" / "project-format.md").read_text(encoding="utf-8")
    assert [name for name in sorted(LAYERS) if f"`{name}`" not in page] == []
