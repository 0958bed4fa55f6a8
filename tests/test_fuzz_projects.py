"""Every template, mutated (types, ranges, strings, structure), through validate, summary, compile and
export: never the internal-error line, --json keys always present, and the steps agree.

The longer campaign with counts is bench/fuzz_projects.py."""

import json
import random

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from netbuilder.errors import NO_DATA
from netbuilder.templates import template_path
from tests.project_fuzz import TEMPLATES, mutate, refusal_kind, run_steps, train_one_epoch, write_doc


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(template=st.sampled_from(TEMPLATES), seed=st.integers(0, 2**32 - 1))
def test_mutated_templates_are_refused_clearly_or_accepted_by_every_step(tmp_path, template, seed):
    mutated = mutate(random.Random(seed), template)
    path = tmp_path / "p.json"
    write_doc(mutated.doc, path)
    outcome = run_steps(path, tmp_path)
    event("valid" if outcome.valid else f"refused: {refusal_kind(outcome.refusal)}")


def _no_data_project(tmp_path):
    doc = json.loads(template_path("mlp").read_text(encoding="utf-8"))
    doc["data"] = None  # as the campaign's seed 505 made it: a project without data
    path = tmp_path / "p.json"
    write_doc(doc, path)
    return path


def test_train_refusing_for_the_reason_validate_warned_of_agrees_and_says_which(tmp_path):
    path = _no_data_project(tmp_path)
    outcome = run_steps(path, tmp_path)
    assert outcome.valid and outcome.warned == (NO_DATA,)
    assert train_one_epoch(path, tmp_path, outcome.warned) == NO_DATA  # refused, with the warned code


def test_any_other_train_refusal_after_validate_accepted_is_still_a_disagreement(tmp_path, monkeypatch):
    from netbuilder import cli_train
    from netbuilder.session import no_data_error
    from netbuilder.train import TrainError

    path = _no_data_project(tmp_path)
    warned = run_steps(path, tmp_path).warned

    def refuse(error):
        def run_training(*args, **kwargs):
            raise error
        monkeypatch.setattr(cli_train, "run_training", run_training)

    refuse(TrainError("the loss went to the moon"))  # another reason, though validate warned of no data
    with pytest.raises(AssertionError, match="validate said valid, train refused.*the moon"):
        train_one_epoch(path, tmp_path, warned)
    refuse(no_data_error())  # the warned reason, but validate gave no such warning
    with pytest.raises(AssertionError, match="validate said valid, train refused"):
        train_one_epoch(path, tmp_path, ())
    refuse(RuntimeError("a bug of ours"))  # the internal-error line stays an internal error
    with pytest.raises(AssertionError, match="train: .*failed unexpectedly"):
        train_one_epoch(path, tmp_path, warned)
