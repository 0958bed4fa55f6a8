"""Initial weights: read safely, matched to node ids, reported, loaded from the CLI."""

import json
import os
import pickle

import pytest
import torch
from safetensors.torch import save_file

from netbuilder.cli import main
from netbuilder.compiler import build_model
from netbuilder.weights import WeightsError, load_into, match, path_to_id, read_weights
from tests.helpers import chain


def net(classes=10, ids=("conv1", "fc")):
    return chain({"id": "x", "type": "Input", "params": {"shape": [1, 8, 8]}},
                 {"id": ids[0], "type": "Conv2d", "params": {"out_channels": 4, "kernel_size": 3}},
                 {"id": "flat", "type": "Flatten"},
                 {"id": ids[1], "type": "Linear", "params": {"out_features": classes}}, {"id": "y", "type": "Output"})


def test_a_torch_saved_state_dict_loads_by_node_id_and_a_new_head_is_reported_as_wrong_shape(tmp_path):
    torch.manual_seed(0)
    source = build_model(net(10))
    torch.save(source.state_dict(), tmp_path / "w.pt")
    target = build_model(net(3))
    fc_before = target.fc.weight.clone()
    report = load_into(target, tmp_path / "w.pt")
    assert report.loaded == ["conv1.weight", "conv1.bias"]
    assert report.wrong_shape == [("fc.weight", [10, 144], [3, 144]), ("fc.bias", [10], [3])]
    assert torch.equal(target.conv1.weight, source.conv1.weight) and torch.equal(target.fc.weight, fc_before)
    assert any("fc.weight is [10, 144] in the file but [3, 144] in the graph" in line for line in report.lines())
    with pytest.raises(WeightsError, match="does not fit the graph exactly.*fc.weight"):
        load_into(build_model(net(3)), tmp_path / "w.pt", strict=True)


def test_module_paths_of_the_original_model_map_to_node_ids(tmp_path):
    assert path_to_id("layer1.0.conv1") == "layer1_0_conv1" and path_to_id("0") == "m_0"
    model = build_model(net(ids=("features_0", "classifier")))
    saved = {"module.features.0.weight": model.features_0.weight.detach() * 0 + 1,
             "features.0.bias": model.features_0.bias.detach() * 0 + 2, "extra.weight": torch.ones(1)}
    report = match(model.state_dict(), saved)
    assert report.loaded == ["features_0.weight", "features_0.bias"]
    assert report.unexpected == ["extra.weight"] and report.missing == ["classifier.weight", "classifier.bias"]
    save_file(saved, str(tmp_path / "w.safetensors"))
    load_into(model, tmp_path / "w.safetensors")
    assert torch.all(model.features_0.bias == 2)


class Exploit:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (os.system, (f"touch {self.path}",))


@pytest.mark.parametrize("how", ["torch", "pickle"])
def test_a_pickle_that_would_run_code_is_refused_and_never_runs(tmp_path, how):
    marker = tmp_path / "ran"
    payload = {"conv1.weight": torch.zeros(4, 1, 3, 3), "evil": Exploit(marker)}
    path = tmp_path / "w.pt"
    if how == "torch":
        torch.save(payload, path)
    else:
        path.write_bytes(pickle.dumps(payload))
    with pytest.raises(WeightsError, match="never runs code from a pickle"):
        read_weights(path)
    assert not marker.exists()


def test_run_folders_and_unreadable_files_get_clear_messages(tmp_path):
    model = build_model(net())
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(tmp_path / "best.safetensors"))
    assert set(read_weights(tmp_path)) == set(model.state_dict())
    (tmp_path / "bad.safetensors").write_bytes(b"nonsense")
    with pytest.raises(WeightsError, match="bad.safetensors is not a readable"):
        read_weights(tmp_path / "bad.safetensors")
    (tmp_path / "folder").mkdir()
    with pytest.raises(WeightsError, match="not a run folder"):
        read_weights(tmp_path / "folder")
    torch.save({"a": 1}, tmp_path / "none.pt")
    with pytest.raises(WeightsError, match="holds no state_dict"):
        read_weights(tmp_path / "none.pt")
    save_file({"other.weight": torch.ones(2)}, str(tmp_path / "o.safetensors"))
    with pytest.raises(WeightsError, match="None of the 1 tensors"):
        load_into(model, tmp_path / "o.safetensors")


def test_train_init_weights_from_the_cli_reports_the_match_and_trains(tmp_path, capsys):
    project = net(10)
    project.data = {"kind": "builtin", "name": "digits"}
    project.training = {"epochs": 1, "batch_size": 256}
    (tmp_path / "p.json").write_text(json.dumps(project.to_dict()))
    torch.manual_seed(1)
    torch.save(build_model(net(5)).state_dict(), tmp_path / "w.pt")
    args = ["train", str(tmp_path / "p.json"), "--init-weights", str(tmp_path / "w.pt"), "--json"]
    assert main([*args, "--out", str(tmp_path / "run")]) == 0
    out, err = capsys.readouterr()
    assert "initial weights from w.pt: loaded 2 tensors into conv1" in err
    assert "fc.weight is [5, 144] in the file but [10, 144] in the graph" in err
    assert json.loads(out)["epochs"] == 1
    assert main([*args, "--init-strict"]) == 1
    assert "does not fit the graph exactly" in json.loads(capsys.readouterr().out)["error"]
