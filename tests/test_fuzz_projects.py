"""Every template, mutated (types, ranges, strings, structure), through validate, summary, compile and
export: never the internal-error line, --json keys always present, and the steps agree.

The longer campaign with counts is bench/fuzz_projects.py."""

import random

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.project_fuzz import TEMPLATES, mutate, refusal_kind, run_steps, write_doc


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(template=st.sampled_from(TEMPLATES), seed=st.integers(0, 2**32 - 1))
def test_mutated_templates_are_refused_clearly_or_accepted_by_every_step(tmp_path, template, seed):
    mutated = mutate(random.Random(seed), template)
    path = tmp_path / "p.json"
    write_doc(mutated.doc, path)
    outcome = run_steps(path, tmp_path)
    event("valid" if outcome.valid else f"refused: {refusal_kind(outcome.refusal)}")
