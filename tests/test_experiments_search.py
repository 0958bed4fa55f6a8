"""Search: SPACE.json checked against the project, a study that resumes, pruned trials that
stop early, two processes adding trials to one SQLite study, and the CLI's JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import optuna
import pytest
from experiments_helpers import mlp_doc, write_project

from netbuilder.cli import main
from netbuilder.experiments.search import apply_params, search
from netbuilder.experiments.space import SpaceError, check_space
from netbuilder.spec import parse_project

ROOT = Path(__file__).resolve().parents[1]
SPACE = {"training.optimizer.lr": {"log_uniform": [0.001, 0.1]}, "fc1.out_features": {"int": [2, 16]}}


@pytest.mark.parametrize("space, message", [
    ({"fc9.out_features": {"int": [2, 8]}}, 'no node "fc9"'),
    ({"fc1.width": {"int": [2, 8]}}, 'has no parameter "width"'),
    ({"fc1.out_features": {"int": [8, 2]}}, "low < high"),
    ({"training.optimizer.lr": {"log_uniform": [0, 1]}}, "above 0"),
    ({"training.optimizer.lr": {"normal": [0, 1]}}, "must be one of"),
    ({"training.optimizer.type": {"choice": ["Adam", "Sgd"]}}, None),  # checked per trial
    ({"training.batch_size": {"int": [-4, 8]}}, "batch_size"),
    ({"fc1.out_features": {"int": [0, 8]}}, "out_features"),
])
def test_space_problems_name_the_key(space, message):
    project = parse_project(mlp_doc())
    if message is None:
        assert check_space(space, project) == space
        return
    with pytest.raises(SpaceError, match=message):
        check_space(space, project)


def test_a_study_resumes_and_trials_0_only_reports(tmp_path):
    path = write_project(tmp_path, mlp_doc(epochs=1, n=60))
    project = parse_project(json.loads(path.read_text()))
    first = search(project, tmp_path, SPACE, 2, project_path=path, seed=1)
    assert len(first.trials) == 2 and (tmp_path / "runs" / "search.db").is_file()
    again = search(project, tmp_path, SPACE, 2, project_path=path, seed=2)
    assert len(again.trials) == 4 and [t["trial"] for t in again.trials] == [0, 1, 2, 3]
    report = search(project, tmp_path, SPACE, 0, project_path=path)
    assert len(report.trials) == 4
    best = report.best
    assert best["value"] == min(t["value"] for t in report.trials if t["state"] == "complete")
    assert set(best["params"]) == set(SPACE)
    space = write_project(tmp_path, SPACE, "space.json")
    assert main(["search", str(path), "--space", str(space), "--trials", "0", "--apply"]) == 0
    applied = json.loads(path.read_text())
    assert applied["training"]["optimizer"]["lr"] == best["params"]["training.optimizer.lr"]
    assert applied["graph"]["nodes"][1]["params"]["out_features"] == best["params"]["fc1.out_features"]


def test_pruned_trials_stop_after_their_first_epoch(tmp_path):
    project = parse_project(mlp_doc(epochs=6, n=60))
    rows = []
    result = search(project, tmp_path, SPACE, 2, storage=f"sqlite:///{tmp_path / 's.db'}",
                    pruner=optuna.pruners.ThresholdPruner(upper=0.0),  # every loss is above 0
                    on_event=rows.append)
    assert [t["state"] for t in result.trials] == ["pruned", "pruned"]
    assert [t["epochs"] for t in result.trials] == [1, 1]  # of 6 planned
    assert sum(1 for e in rows if e[0] == "epoch") == 2
    assert result.best is None


def test_apply_params_writes_the_values_into_a_copy():
    project = parse_project(mlp_doc())
    applied = apply_params(project, {"training.optimizer.lr": 0.02, "fc1.out_features": 12})
    assert applied.training["optimizer"] == {"type": "Adam", "lr": 0.02}
    assert applied.node("fc1").params["out_features"] == 12
    assert project.node("fc1").params["out_features"] == 8  # the original is untouched


def test_two_processes_add_trials_to_one_sqlite_study(tmp_path, capsys):
    """This process and a second one search one study at the same time."""
    path = write_project(tmp_path, mlp_doc(epochs=1, n=40))
    space = write_project(tmp_path, SPACE, "space.json")
    storage = f"sqlite:///{tmp_path / 'shared.db'}"
    args = ["search", str(path), "--space", str(space), "--storage", storage, "--study", "shared"]
    other = subprocess.Popen([sys.executable, "-m", "netbuilder.cli", *args, "--trials", "2"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT)
    project = parse_project(json.loads(path.read_text()))
    here = search(project, tmp_path, SPACE, 2, storage=storage, study="shared")
    assert other.wait(timeout=300) == 0, other.stderr.read()
    capsys.readouterr()
    assert main([*args, "--trials", "0", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["trials"] == 4 and "fail" not in doc["states"]  # complete, or pruned by the median
    assert set(doc["best"]) == {"params", "value", "trial"}
    assert len(here.trials) >= 2  # this process saw its own trials (and maybe the other's)
    final = search(project, tmp_path, SPACE, 0, storage=storage, study="shared")
    workers = [t["worker"] for t in final.trials]
    assert len(set(workers)) == 2 and all(workers.count(w) == 2 for w in workers)
