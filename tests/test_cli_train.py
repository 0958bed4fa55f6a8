"""`netbuilder train`: the CONTRACT's JSON, every template, and one paragraph per bad input."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from netbuilder.cli import main
from netbuilder.templates import template_names

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "netbuilder" / "resources" / "templates"


def train_json(capsys, *args):
    code = main(["train", *map(str, args), "--json"])
    out, err = capsys.readouterr()
    lines = out.strip().splitlines()
    assert len(lines) == 1, out  # exactly one JSON object on stdout
    return code, json.loads(lines[0]), err


def test_mlp_trains_to_the_contract_json(capsys, tmp_path):
    code, out, err = train_json(capsys, TEMPLATES / "mlp.json", "--epochs", "8", "--out",
                                tmp_path / "run")
    assert code == 0
    assert {"epochs", "train_loss", "val_loss", "metrics", "checkpoint"} <= set(out)
    assert out["epochs"] == 8 and out["metrics"]["accuracy"] >= 0.95
    assert set(out["metrics"]) == {"accuracy", "precision", "recall", "f1", "auroc"}
    assert Path(out["checkpoint"]).is_file() and (tmp_path / "run" / "project.json").is_file()
    assert "epoch 8:" in err  # progress goes to stderr

    before = (tmp_path / "run" / "best.safetensors").read_bytes()
    code, again, err = train_json(capsys, TEMPLATES / "mlp.json", "--epochs", "1", "--out", tmp_path / "run")
    assert code == 1 and "already holds a run" in again["error"]
    assert (tmp_path / "run" / "best.safetensors").read_bytes() == before  # the earlier run is untouched


@pytest.mark.parametrize("name", template_names())
def test_every_template_trains_one_epoch(capsys, tmp_path, name):
    doc = json.loads((TEMPLATES / f"{name}.json").read_text())
    doc["data"]["n"] = 300  # its own built-in set, smaller: one epoch in a second or two
    project = write(tmp_path / f"{name}.json", json.dumps(doc))
    code, out, err = train_json(capsys, project, "--epochs", "1", "--out", tmp_path / name)
    assert code == 0, err
    assert out["epochs"] == 1 and math.isfinite(out["train_loss"]) and math.isfinite(out["val_loss"])
    assert "parameters, 1 epoch " in err and "after 1 epoch in" in err  # said in the singular
    recipe = doc["training"].get("recipe")
    if recipe in (None, "supervised"):
        assert out["metrics"]
    else:  # a generative recipe scores no classes; its own values are in the run's history
        (epoch,) = json.loads((tmp_path / name / "state.json").read_text())["history"]
        own = {"adversarial": {"d_loss", "g_loss", "d_real", "d_fake"}, "vae": {"recon_loss", "kl", "kl_weight"}}[recipe]
        assert own <= set(epoch) and all(math.isfinite(epoch[k]) for k in own)


def test_stdout_is_only_json_in_a_real_process(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "netbuilder.cli", "train",
                           str(TEMPLATES / "perceptron.json"), "--epochs", "1", "--json",
                           "--out", str(tmp_path / "r")], capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["epochs"] == 1 and "epoch 1:" in proc.stderr


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def bad_cases(tmp_path):
    csv = write(tmp_path / "d.csv", "a,b,label\n1,2,x\n3,oops,y\n" + "1,2,x\n" * 10)
    good = write(tmp_path / "g.csv", "a,b,label\n" + "1,2,x\n2,1,y\n" * 10)
    nan = write(tmp_path / "nan.json", (TEMPLATES / "mlp.json").read_text().replace(
        '"lr": 0.01', '"lr": 1e+30').replace('"Adam"', '"SGD"'))
    return [
        ([tmp_path / "missing.json"], "No project file"),
        ([TEMPLATES / "mlp.json", "--data", csv, "--target", "label"], 'row 3, column "b"'),
        ([TEMPLATES / "mlp.json", "--data", good, "--target", "nope"], '"nope"'),
        ([TEMPLATES / "lenet5.json", "--data", good, "--target", "label"],
         "Input 'x' expects [1, 32, 32] but the data gives [2]"),
        ([TEMPLATES / "mlp.json", "--data", tmp_path / "nowhere.csv"],
         f"--data {tmp_path / 'nowhere.csv'}: no such file or folder"),
        ([nan, "--epochs", "2"], "NaN"),
    ]


def test_bad_inputs_exit_1_with_one_paragraph(capsys, tmp_path):
    for args, expected in bad_cases(tmp_path):
        code = main(["train", *map(str, args), "--json", "--out", str(tmp_path / "run")])
        out, err = capsys.readouterr()
        assert code == 1, (args, err)
        assert expected in json.loads(out)["error"], (expected, out)
        assert "Traceback" not in err and err.strip().splitlines()[-1].startswith("error: ")
        assert not (tmp_path / "run").exists()  # no half-made run folder


def test_resume_of_a_finished_run_says_so_before_loading_data(capsys, tmp_path, monkeypatch):
    from netbuilder import session

    run = tmp_path / "run"
    code, _, _ = train_json(capsys, TEMPLATES / "perceptron.json", "--epochs", "2", "--out", run)
    assert code == 0
    with monkeypatch.context() as m:
        m.setattr(session, "load_project_data", lambda *a: pytest.fail("data loaded first"))
        code = main(["train", str(TEMPLATES / "perceptron.json"), "--epochs", "2", "--resume",
                     str(run), "--json"])
    out, _ = capsys.readouterr()
    assert code == 1 and "already trained 2 of 2 epochs" in json.loads(out)["error"]
    other = write(tmp_path / "other.csv", "a,b,label\n" + "1,2,x\n2,1,y\n" * 10)
    for extra, expected in ((["--data", other, "--target", "label"], "was trained on builtin"),
                            (["--out", tmp_path / "elsewhere"], "stays in its folder")):
        code = main(["train", str(TEMPLATES / "perceptron.json"), "--epochs", "3", "--resume",
                     str(run), *map(str, extra), "--json"])
        out, _ = capsys.readouterr()
        assert code == 1 and expected in json.loads(out)["error"], out
    assert json.loads((run / "state.json").read_text())["epoch"] == 2  # the run is untouched
    monkeypatch.chdir(tmp_path)  # a relative run folder still gives an absolute checkpoint
    code, out, _ = train_json(capsys, TEMPLATES / "perceptron.json", "--epochs", "3", "--resume", "run")
    assert code == 0 and out["epochs"] == 3 and Path(out["checkpoint"]).is_absolute()
