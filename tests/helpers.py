"""Small builders for project documents in tests."""

from itertools import pairwise

from netbuilder.spec import Project, parse_project


def project_doc(nodes, edges, **extra) -> dict:
    return {"format": "netbuilder-project", "version": 1, "name": "test",
            "graph": {"nodes": nodes, "edges": [{"source": a, "target": b} for a, b in edges]}, **extra}


def chain(*nodes) -> Project:
    """A project whose nodes (dicts) are connected in a row."""
    ids = [n["id"] for n in nodes]
    return parse_project(project_doc(list(nodes), list(pairwise(ids))))
