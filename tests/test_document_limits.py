"""document_errors' fast pass: a clean document skips the full walk, and each kind of problem still
reaches it and is named (the full walk alone knows where)."""

from __future__ import annotations

import json

import pytest

from netbuilder import limits
from netbuilder.templates import load_template, template_names


def _doc(**top):
    doc = {"format": "netbuilder", "name": "n", "graph": {"nodes": [{"id": "a", "params": {"k": 3}}]}}
    doc.update(top)
    return doc


def _nested(depth):
    value = 1
    for _ in range(depth):
        value = [value]
    return value


HOSTILE = [
    (_doc(name="x" * (limits.NAME_CHARS + 1)), "name"),
    (_doc(description="x" * (limits.DESCRIPTION_CHARS + 1)), "description"),
    (_doc(notes="x" * (limits.TEXT_CHARS + 1)), "notes"),
    (_doc(graph={"nodes": [{"id": "a", "params": {"k\x00": 3}}]}), "has a key that"),
    (_doc(graph={"nodes": [{"id": "a", "params": {"k" * (limits.TEXT_CHARS + 1): 3}}]}), "has a key that"),
    (_doc(graph={"nodes": [{"id": "a", "params": {"k": "x\ud800"}}]}), "Node 'a'"),
    (_doc(graph={"nodes": [{"id": "a", "params": {"k": -(2**64)}}]}), "integer beyond"),
    (_doc(deep=_nested(limits.DEPTH + 2)), "nested more than"),
]


@pytest.mark.parametrize(("doc", "words"), HOSTILE)
def test_each_problem_reaches_the_full_walk_and_is_named(doc, words):
    assert not limits._surely_clean(doc)
    errors = limits.document_errors(doc)
    assert errors and words in errors[0].message


def test_long_description_within_its_own_limit_is_fine():
    doc = _doc(description="x" * (limits.TEXT_CHARS + 1))
    assert limits.document_errors(doc) == []


@pytest.mark.parametrize("name", template_names())
def test_templates_are_clean_by_the_fast_pass(name):
    doc = json.loads(json.dumps(load_template(name).to_dict()))
    assert limits._surely_clean(doc)
    assert limits.document_errors(doc) == []


def test_positions_are_kept_on_the_canvas():
    assert limits.clamp_position(12.5, -3.0) == (12.5, -3.0)
    assert limits.clamp_position(float("nan"), 1e9) == (0.0, limits.POSITION)
    assert limits.clamp_position(-1e9, float("nan")) == (-limits.POSITION, 0.0)
