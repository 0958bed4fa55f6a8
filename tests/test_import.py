"""netbuilder import: modules written the way people write them become projects that compute the same."""

import importlib.util
import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from netbuilder.cli import main
from netbuilder.compiler import model_source
from netbuilder.importers import ImportRefused, import_file
from netbuilder.spec import load_project
from netbuilder.summary import summarize

MODELS = Path(__file__).parent / "import_models" / "models.py"
CASES = {"LeNet": (1, 28, 28), "TinyResNet": (3, 16, 16), "SeqClassifier": (10, 3), "Stack": None}


def source_module(name):
    spec = importlib.util.spec_from_file_location("import_models_under_test", MODELS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)


def trained_looking(model):
    """Weights and BatchNorm statistics away from their initial values, as after training."""
    torch.manual_seed(3)
    with torch.no_grad():
        for name, t in model.state_dict().items():
            if t.is_floating_point():
                t.copy_(torch.rand_like(t) + 0.5 if name.endswith("running_var") else torch.randn_like(t) * 0.3)
    return model.eval()


def exported_model(project, tmp_path):
    path = tmp_path / "model.py"
    path.write_text(model_source(project))
    spec = importlib.util.spec_from_file_location(f"exported_{tmp_path.name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Model().eval()


@pytest.mark.parametrize("name", list(CASES))
def test_imported_module_has_its_parameter_count_and_the_exported_model_its_outputs(name, tmp_path, capsys):
    original = trained_looking(source_module(name)())
    torch.save(original.state_dict(), tmp_path / "w.pt")
    shape = CASES[name]
    args = ["import", str(MODELS), "--class", name, "--weights", str(tmp_path / "w.pt"), "-o",
            str(tmp_path / "net.json"), "--json"] + (["--input-shape", ",".join(map(str, shape))] if shape else [])
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["project"] == str(tmp_path / "net.json") and out["weights"] == str(tmp_path / "net.safetensors")
    project = load_project(out["project"])
    assert project.training["init_weights"] == "net.safetensors"
    assert summarize(project).total_params == sum(p.numel() for p in original.parameters())
    model = exported_model(project, tmp_path)
    model.load_state_dict(load_file(out["weights"]))
    x = torch.randn(3, *(shape or (12,)), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        assert torch.allclose(model(x), original(x), atol=1e-5, rtol=0)


def test_ids_follow_module_paths_and_the_lstm_takes_its_last_step():
    ids = {n.id: n for n in import_file(MODELS, "TinyResNet", (3, 16, 16)).project.nodes}
    assert {"layer1_0_conv1", "layer2_0_downsample_0", "layer2_0_downsample_1", "fc"} <= set(ids)
    assert ids["layer2_0_downsample_0"].params == {"out_channels": 16, "kernel_size": 1, "stride": 2, "bias": False}
    assert sum(n.type == "Add" for n in ids.values()) == 3
    lstm = import_file(MODELS, "SeqClassifier", (10, 3)).project.node("lstm")
    assert lstm.params == {"hidden_size": 16, "num_layers": 2}  # return_sequence: the default, last step


@pytest.mark.parametrize("name, shape, message", [
    ("UsesHardswish", None, "'act' is a Hardswish, which NetBuilder has no layer for; the nearest .* SiLU"),
    ("Branches", None, r"Branches cannot be traced by torch.fx \(in Branches.forward, line \d+\)"),
    ("UsesHiddenState", (5, 3), "uses the hidden state of recurrent layer 'gru'"),
    ("NeedsArguments", None, r"NeedsArguments\(\) cannot be built without arguments"),
    ("Missing", None, "has no nn.Module class 'Missing'; it defines LeNet, BasicBlock"),
    ("LeNet", None, "Give the shape of one input sample .* with --input-shape \\(channels,height,width"),
])
def test_what_cannot_be_imported_is_refused_naming_where_and_why(name, shape, message):
    with pytest.raises(ImportRefused, match=message):
        import_file(MODELS, name, shape)


def test_weights_of_another_model_are_refused_and_the_file_must_be_python_or_onnx(tmp_path):
    torch.save({"fc.weight": torch.zeros(2, 2)}, tmp_path / "w.pt")
    with pytest.raises(ImportRefused, match="w.pt does not fit LeNet: .*fc.weight"):
        import_file(MODELS, "LeNet", (1, 28, 28), weights=tmp_path / "w.pt")
    with pytest.raises(ImportRefused, match="reads a .py file"):
        import_file(tmp_path / "w.pt")


def test_round_trip_import_edit_export_reimport(tmp_path):
    imported = import_file(MODELS, "LeNet", (1, 28, 28))
    project = imported.project
    project.set_param("fc3", "out_features", 3)  # a new head
    project.node("conv1").frozen = True
    (tmp_path / "model.py").write_text(model_source(project))  # the exported model.py
    again = import_file(tmp_path / "model.py", "Model", (1, 28, 28))
    assert [(n.type, n.params) for n in again.project.nodes] == [(n.type, n.params) for n in project.nodes]
    assert [n.id for n in again.project.nodes] == [n.id for n in project.nodes]
    assert [n.id for n in again.project.nodes if n.frozen] == ["conv1"]


def export_onnx(model, shape, path):
    """As a person exports for another tool; BatchNorm kept as its own operator (not folded into Conv)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.randn(2, *shape),), str(path), dynamo=False, do_constant_folding=False,
                          training=torch.onnx.TrainingMode.PRESERVE, input_names=["x"])


@pytest.mark.parametrize("name", ["LeNet", "TinyResNet", "Stack"])
def test_onnx_files_exported_by_torch_import_with_their_weights(name, tmp_path, capsys):
    original = trained_looking(source_module(name)())
    shape = CASES[name] or (12,)
    export_onnx(original, shape, tmp_path / "net.onnx")
    assert main(["import", str(tmp_path / "net.onnx"), "-o", str(tmp_path / "net.json"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    project = load_project(out["project"])
    assert summarize(project).total_params == sum(p.numel() for p in original.parameters())
    model = exported_model(project, tmp_path)
    model.load_state_dict(load_file(out["weights"]))
    x = torch.randn(2, *shape, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        assert torch.allclose(model(x), original(x), atol=1e-5, rtol=0)


def test_unsupported_onnx_operators_and_damaged_files_are_named(tmp_path):
    export_onnx(source_module("SeqClassifier")().eval(), (10, 3), tmp_path / "seq.onnx")
    with pytest.raises(ImportRefused, match=r"ONNX node '/lstm/\w+' \(\w+\) is an operator NetBuilder has no layer "
                                            "for; the nearest supported layer is"):
        import_file(tmp_path / "seq.onnx")
    (tmp_path / "bad.onnx").write_bytes(b"not onnx")
    with pytest.raises(ImportRefused, match="bad.onnx is not a readable ONNX file"):
        import_file(tmp_path / "bad.onnx")
