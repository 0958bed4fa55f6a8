"""The runs index: CLI runs listed with settings and metrics, torn folders noted, labels kept
beside the runs (never in them), deletion only of run folders."""

from __future__ import annotations

import hashlib
import json
import os

import pytest
from experiments_helpers import mlp_doc, write_project

from netbuilder.cli import main
from netbuilder.experiments import runs as R


def _digest(folder):  # every file below the run (its committed epoch is a folder: epochs/NNNNNN/)
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """Two CLI training runs of one project, the second with another learning rate."""
    tmp = tmp_path_factory.mktemp("runs")
    project = write_project(tmp, mlp_doc(epochs=2))
    for i, lr in enumerate((0.05, 0.01)):
        doc = mlp_doc(epochs=2, lr=lr)
        project.write_text(json.dumps(doc))
        assert main(["train", str(project), "--out", str(tmp / "runs" / f"run{i}")]) == 0
    return project


def test_cli_runs_json_lists_runs_with_settings_and_metrics(two_runs, capsys):
    capsys.readouterr()
    assert main(["runs", str(two_runs), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    listed = {os.path.basename(r["dir"]): r for r in out["runs"]}
    assert set(listed) == {"run0", "run1"}
    for r in listed.values():
        assert {"dir", "started", "status", "epochs", "metrics", "settings"} <= set(r)
        assert r["status"] == "done" and r["epochs"] == 2
        assert 0.0 <= r["metrics"]["accuracy"] <= 1.0 and r["metrics"]["val_loss"] > 0
        assert r["duration_s"] > 0
    assert listed["run0"]["settings"]["training.optimizer.lr"] == 0.05
    assert listed["run1"]["settings"]["training.optimizer.lr"] == 0.01
    assert listed["run1"]["settings"]["fc1.out_features"] == 8


def test_settings_diff_names_what_changed(two_runs):
    runs = {r.folder: r for r in R.list_runs(R.runs_root(two_runs))}
    assert R.settings_diff(runs["run0"], runs["run1"]) == [("training.optimizer.lr", 0.05, 0.01)]
    history = R.read_history(runs["run0"].dir)
    assert [row["epoch"] for row in history] == [1, 2]


def test_torn_and_hostile_folders_are_listed_with_a_note(two_runs, tmp_path):
    root = tmp_path / "runs"
    root.mkdir()
    (root / "torn").mkdir()
    (root / "torn" / "state.json").write_text('{"status": "done", "epo')
    (root / "list").mkdir()
    (root / "list" / "state.json").write_text("[1, 2]")
    (root / "list" / "project.json").write_text('"just a string"')
    (root / "odd").mkdir()
    (root / "odd" / "state.json").write_text(json.dumps(
        {"status": 7, "epoch": "many", "history": [1, {"epoch": 1, "val_loss": "low",
                                                        "val_accuracy": 0.5}], "monitor": []}))
    (root / "notarun").mkdir()  # no run files: not listed
    os.symlink(R.runs_root(two_runs) / "run0", root / "link")  # a link is not followed
    found = {r.folder: r for r in R.list_runs(root)}
    assert set(found) == {"torn", "list", "odd"}
    assert found["torn"].status == "unreadable" and "state.json is not valid JSON" in found["torn"].problem
    assert "not an object" in found["list"].problem
    assert found["odd"].status == "unknown" and found["odd"].epochs == 0
    assert found["odd"].metrics == {"accuracy": 0.5}


def test_a_run_whose_project_json_is_nested_too_deeply_names_no_project(tmp_path):
    run = tmp_path / "runs" / "deep"
    run.mkdir(parents=True)
    (run / "project.json").write_text("[" * 200_000 + "]" * 200_000)  # json.loads: RecursionError
    assert R.run_project_name(run) is None
    assert "nested too deeply" in R.read_run(run).problem


def test_rename_and_note_live_beside_the_runs(two_runs):
    run = R.runs_root(two_runs) / "run0"
    before = _digest(run)
    R.rename_run(run, "  baseline  ")
    R.set_note(run, "first try")
    assert _digest(run) == before  # the run's own files are untouched
    info = next(r for r in R.list_runs(run.parent) if r.folder == "run0")
    assert (info.name, info.note, info.label) == ("baseline", "first try", "baseline")
    R.rename_run(run, "")
    info = next(r for r in R.list_runs(run.parent) if r.folder == "run0")
    assert info.label == "run0" and info.note == "first try"


def test_delete_only_run_folders(tmp_path):
    keep = tmp_path / "data"
    keep.mkdir()
    (keep / "important.csv").write_text("a\n1\n")
    with pytest.raises(ValueError, match="not a run folder"):
        R.delete_run(keep)
    assert (keep / "important.csv").exists()
    run = tmp_path / "r"
    run.mkdir()
    (run / "state.json").write_text("{}")
    R.set_note(run, "gone soon")
    R.delete_run(run)
    assert not run.exists() and "r" not in R.read_labels(tmp_path)
