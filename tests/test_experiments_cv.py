"""k-fold cross-validation: folds by the data's kind, preprocessing fitted per fold, scores
within noise of a plain torch loop on the same folds, and the CLI's JSON with parallel folds.

Two references on the same folds: scikit-learn's cross_val_score (standardize + logistic
regression, a test-only dependency) and a hand-written torch loop of the very same model
(standardize with the fold's training rows, full-batch SGD on a Linear layer)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from experiments_helpers import known_table, linear_project, mlp_doc, write_project

from netbuilder.data import DataError, load_data
from netbuilder.experiments.cv import cross_validate, fold_plan


def test_stratified_folds_keep_class_proportions_and_cover_every_row():
    labels = np.array([0] * 60 + [1] * 30 + [2] * 10)
    plan, strategy = fold_plan(100, 5, labels, "tabular", seed=1)
    assert strategy == "stratified"
    vals = np.concatenate([va for _, va in plan])
    assert sorted(vals) == list(range(100))  # each row held out exactly once
    for train, val in plan:
        assert not set(train) & set(val) and len(train) + len(val) == 100
        assert np.bincount(labels[val]).tolist() == [12, 6, 2]


def test_sequences_get_forward_chaining_folds_as_time_series_split():
    from sklearn.model_selection import TimeSeriesSplit

    plan, strategy = fold_plan(100, 4, None, "sequence", seed=0, overlap=5)
    assert strategy.startswith("time-ordered")
    reference = TimeSeriesSplit(n_splits=4, gap=5).split(np.zeros(100))
    assert [(t.tolist(), v.tolist()) for t, v in plan] == \
        [(t.tolist(), v.tolist()) for t, v in reference]
    train, val = plan[1]
    assert val.tolist() == list(range(40, 60))  # contiguous, in order: never shuffled
    # a window of 5 samples' rows: training stops 5 before the block, none shares a row with it
    assert train.tolist() == list(range(35))
    with pytest.raises(DataError, match="too few for 4 time-ordered folds"):
        fold_plan(20, 4, None, "sequence", seed=0, overlap=5)


def test_cv_of_the_gru_forecaster_trains_each_fold_only_on_the_past(tmp_path, monkeypatch):
    from netbuilder.experiments import cv as cv_mod
    from netbuilder.templates import load_template

    seen = []
    real = cv_mod.run_fold
    monkeypatch.setattr(cv_mod, "run_fold", lambda doc, base, fold, tr, va: (
        seen.append((tr, va)), real(doc, base, fold, tr, va))[1])
    project = load_template("gru_forecaster")
    project.data = {**project.data, "n": 180}
    project.training = {**project.training, "epochs": 1}
    result = cross_validate(project, tmp_path, folds=2, workers=1)
    assert result.strategy.startswith("time-ordered") and len(result.folds) == 2
    gap = 32  # the sine's windows are 32 samples long: neighbours share 31 rows
    for train, val in seen:
        assert np.all(np.diff(val) == 1) and train.max() == val[0] - gap - 1  # only the past
    assert [f["n_val"] for f in result.folds] == [60, 60]  # 180 windows in 3 blocks
    assert [f["n_train"] for f in result.folds] == [60 - gap, 120 - gap]


def test_too_few_samples_or_folds_is_a_clear_message():
    with pytest.raises(DataError, match="too few for 5 folds"):
        fold_plan(6, 5, None, "tabular", 0)
    with pytest.raises(DataError, match="at least 2"):
        fold_plan(60, 1, None, "tabular", 0)


def test_normalization_is_fitted_on_each_folds_training_rows(tmp_path):
    path, x, _ = known_table(tmp_path)
    rows = np.arange(0, 150, 3)
    bundle = load_data({"kind": "csv", "path": path.name, "target": "label"}, tmp_path,
                       "CrossEntropyLoss", choose_indices=lambda n: (rows, np.arange(1, 150, 3), []))
    assert np.allclose(bundle.normalization["mean"], x[rows].mean(axis=0))
    assert np.allclose(bundle.normalization["std"], x[rows].std(axis=0))
    assert len(bundle.x_train) == 50 and len(bundle.x_val) == 50


def _reference_accuracy(x, y, train, val, epochs, lr, seed):
    """Plain torch: standardize by the fold's training rows, full-batch SGD, final accuracy."""
    mean, std = x[train].mean(axis=0), x[train].std(axis=0)
    xt = torch.tensor((x - mean) / std, dtype=torch.float32)
    yt = torch.tensor(y)
    torch.manual_seed(seed)
    model = torch.nn.Linear(3, 2)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    for _ in range(epochs):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(xt[train]), yt[train]).backward()
        opt.step()
    with torch.no_grad():
        return float((model(xt[val]).argmax(1) == yt[val]).float().mean())


def test_cv_scores_a_known_table_like_a_plain_torch_loop_on_the_same_folds(tmp_path):
    path, x, y = known_table(tmp_path)
    project = linear_project(path.name, epochs=25)
    events = []
    result = cross_validate(project, tmp_path, folds=5, workers=1, on_event=events.append)
    assert result.strategy == "stratified" and result.status == "done"
    plan, _ = fold_plan(len(y), 5, y, "tabular", seed=0)
    ours = [f["metrics"]["accuracy"] for f in result.folds]
    reference = [_reference_accuracy(x, y, tr, va, 25, 0.5, seed) for seed, (tr, va) in
                 zip(range(5), plan)]
    assert [f["n_val"] for f in result.folds] == [len(va) for _, va in plan]
    assert abs(np.mean(ours) - np.mean(reference)) < 0.04, (ours, reference)
    assert np.mean(ours) > 0.8  # the rule is learnable once normalized
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    sk = cross_val_score(make_pipeline(StandardScaler(), LogisticRegression()), x, y,
                         cv=[(tr, va) for tr, va in plan], scoring="accuracy")
    assert abs(np.mean(ours) - sk.mean()) < 0.05, (ours, sk)
    assert result.mean["accuracy"] == pytest.approx(np.mean(ours))
    assert result.std["accuracy"] == pytest.approx(np.std(ours))
    # per-fold curves and progress with an ETA came through
    epochs = [e for e in events if e[0] == "epoch"]
    assert len(epochs) == 5 * 25 and {e[1] for e in epochs} == {1, 2, 3, 4, 5}
    progress = [e for e in events if e[0] == "progress"]
    assert progress[-1][1:3] == (125, 125) and progress[-1][3] == 0.0


def test_cancel_stops_the_folds(tmp_path):
    path, _, _ = known_table(tmp_path)
    seen = []
    result = cross_validate(linear_project(path.name, epochs=50), tmp_path, folds=3, workers=1,
                            on_event=seen.append, should_stop=lambda: len(seen) > 3)
    assert result.status == "stopped"
    assert sum(1 for e in seen if e[0] == "epoch") < 10


def test_tasks_run_in_two_processes_in_order_with_their_events():
    from experiments_helpers import square_with_events

    from netbuilder.experiments import parallel

    events = []
    results = parallel.run_tasks(square_with_events, [(i,) for i in range(5)], 2, events.append)
    assert results == [0, 1, 4, 9, 16]
    assert sorted(e[1] for e in events) == [0, 1, 2, 3, 4]


def test_cli_cv_json(tmp_path, capsys):
    from netbuilder.cli import main

    project = write_project(tmp_path, mlp_doc(epochs=1, n=60))
    capsys.readouterr()
    assert main(["cv", str(project), "--folds", "2", "--workers", "1", "--json"]) == 0
    out = capsys.readouterr()
    doc = json.loads(out.out)
    assert [f["fold"] for f in doc["folds"]] == [1, 2]
    assert set(doc["mean"]) >= {"accuracy", "val_loss"} and set(doc["std"]) == set(doc["mean"])
    assert "fold 2 epoch 1" in out.err and "about" in out.err
