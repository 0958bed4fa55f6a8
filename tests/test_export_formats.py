"""ONNX and .pt2 exports: onnxruntime matches the app's module for batch 1 and 7 on every template;
a layer ONNX cannot express is named with its op while the other formats still work."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
import torch
from export_helpers import all_projects

from netbuilder.compiler import build_model
from netbuilder.export import ExportError, export_onnx, export_pt2, export_python
from netbuilder.export.formats import one_network, sample_inputs
from netbuilder.layers.base import LayerType
from netbuilder.layers.registry import LAYERS
from netbuilder.shapes import analyze
from netbuilder.spec import parse_project

PROJECTS = all_projects()
ONNX_CASES = sorted(n for n in PROJECTS if not n.startswith("x_")) + ["x_mlp"]
# torch.onnx traces the GRU step by step with a symbolic batch (~40 s for 32 steps here); 4 steps
# check the same operator in a few seconds
ONNX_SHAPES = {"gru_forecaster": {"x": [4, 1]}}


@pytest.mark.parametrize("name", ONNX_CASES)
def test_onnx_matches_app_module(tmp_path, name):
    import onnxruntime as ort

    project, _ = one_network(PROJECTS[name], None, None)  # of several networks: the one the export writes
    if name in ONNX_SHAPES:
        project = project.copy()
        for node_id, shape in ONNX_SHAPES[name].items():
            project.node(node_id).params["shape"] = shape
    analysis = analyze(project)
    torch.manual_seed(2)
    model = build_model(project, analysis).eval()
    path = tmp_path / "model.onnx"
    export_onnx(project, path, weights=model.state_dict())
    proto = onnx.load(str(path))
    onnx.checker.check_model(proto)
    assert not any(i.data_location == onnx.TensorProto.EXTERNAL for i in proto.graph.initializer)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == [i for i in analysis.order if project.node(i).type == "Input"]
    for batch in (1, 7):
        args = sample_inputs(project, analysis, batch, seed=batch)
        with torch.no_grad():
            want = model(*args)
        want = want if isinstance(want, tuple) else (want,)
        got = session.run(None, {i.name: a.numpy() for i, a in zip(session.get_inputs(), args)})
        for w, g in zip(want, got):
            assert g.shape == tuple(w.shape)
            assert np.abs(g - w.numpy()).max() <= 1e-4


@pytest.mark.parametrize("name", ["lenet5", "x_mlp", "x_resnet"])
def test_pt2_matches_app_module(tmp_path, name):
    project = PROJECTS[name]
    analysis = analyze(project)
    model = build_model(project, analysis).eval()
    export_pt2(project, tmp_path / "model.pt2", weights=model.state_dict())
    program = torch.export.load(str(tmp_path / "model.pt2")).module()
    for batch in (1, 7):
        args = sample_inputs(project, analysis, batch, seed=batch)
        with torch.no_grad():
            assert (program(*args) - model(*args)).abs().max().item() <= 1e-6


def _bessel_project():
    doc = {"format": "netbuilder-project", "version": 1, "name": "Bessel",
           "graph": {"nodes": [{"id": "x", "type": "Input", "params": {"shape": [4]}},
                               {"id": "fc", "type": "Linear", "params": {"out_features": 3}},
                               {"id": "bessel", "type": "BesselI1e"},
                               {"id": "y", "type": "Output"}],
                     "edges": [{"source": "x", "target": "fc"}, {"source": "fc", "target": "bessel"},
                               {"source": "bessel", "target": "y"}]}}
    return parse_project(doc)


@pytest.fixture
def bessel_layer(monkeypatch):
    """A layer type whose op (prims.bessel_i1e) has no ONNX function."""
    layer = LayerType("BesselI1e", "Activation", "test only", shape=lambda ins, p: ins[0],
                      forward=lambda var, ins, p: [f"{var} = torch.special.i1e({ins[0]})"])
    monkeypatch.setitem(LAYERS, "BesselI1e", layer)


def test_onnx_failure_names_node_and_op(tmp_path, bessel_layer):
    project = _bessel_project()
    with pytest.raises(ExportError) as info:
        export_onnx(project, tmp_path / "model.onnx")
    message = str(info.value)
    assert "'bessel'" in message and "BesselI1e" in message and "bessel_i1e" in message
    assert "'fc'" not in message
    assert not (tmp_path / "model.onnx").exists()
    assert list(tmp_path.iterdir()) == []  # no staging leftovers
    export_pt2(project, tmp_path / "model.pt2")
    export_python(project, tmp_path / "py")
    assert (tmp_path / "model.pt2").is_file() and (tmp_path / "py" / "model.py").is_file()


def test_existing_file_needs_force(tmp_path):
    project = PROJECTS["x_mlp"]
    target = tmp_path / "model.pt2"
    target.write_text("keep me")
    with pytest.raises(ExportError, match="exists"):
        export_pt2(project, target)
    assert target.read_text() == "keep me"
    export_pt2(project, target, force=True)
    assert target.stat().st_size > 1000


def _table_project(tmp_path, path="t.csv"):
    """The MLP template (two classes) on a table, its Input's shape left to the data."""
    import json

    from netbuilder.templates import load_template

    rows = [f"{i * 0.5:.2f},{(i * 7) % 5 - 2},{'abc'[i % 3]},{'xy'[i % 2]}" for i in range(60)]
    (tmp_path / "t.csv").write_text("u,v,w,label\n" + "\n".join(rows) + "\n")
    project = load_template("mlp").to_dict()
    project["graph"]["nodes"][0]["params"].pop("shape")
    project["data"] = {"kind": "csv", "path": path, "target": "label"}
    (tmp_path / "p.json").write_text(json.dumps(project))
    return tmp_path / "p.json"


def test_onnx_and_pt2_take_an_omitted_input_shape_from_the_data(tmp_path, capsys):
    """validate passes such a project (the data gives the shape), and so does export, as train
    and predict do: the files' inputs are [batch, the table's features]."""
    from netbuilder.cli import main
    from netbuilder.session import load_project_data
    from netbuilder.spec import load_project

    project = _table_project(tmp_path)
    features = list(load_project_data(load_project(project), tmp_path).input_shape)
    assert main(["validate", str(project)]) == 0
    assert main(["export", str(project), "-o", str(tmp_path / "m.onnx")]) == 0
    graph_input = onnx.load(str(tmp_path / "m.onnx")).graph.input[0]
    assert [d.dim_value for d in graph_input.type.tensor_type.shape.dim][1:] == features
    assert main(["export", str(project), "-o", str(tmp_path / "m.pt2")]) == 0
    program = torch.export.load(str(tmp_path / "m.pt2"))
    assert program.module()(torch.zeros(4, *features)).shape == (4, 2)
    capsys.readouterr()


def test_an_omitted_input_shape_whose_data_cannot_load_names_the_input(tmp_path, capsys):
    import json

    from netbuilder.cli import main

    project = _table_project(tmp_path, path="absent.csv")
    assert main(["export", str(project), "-o", str(tmp_path / "m.onnx"), "--json"]) != 0
    error = json.loads(capsys.readouterr().out)
    assert error["error"].startswith("Input 'x' leaves its shape to the data, which could not "
                                     "be loaded: Data file ") and "set the Input's shape" in error["error"]
    assert error["errors"][0]["node"] == "x" and not (tmp_path / "m.onnx").exists()
