"""Copy/paste as a project-file fragment, so that it works across projects, windows and app instances."""

from __future__ import annotations

import json

from PySide6.QtCore import QMimeData

from netbuilder.errors import ProjectError
from netbuilder.limits import clamp_position
from netbuilder.spec import Edge, Node, Project, parse_project

MIME_FRAGMENT = "application/x-netbuilder-fragment"


def fragment(project: Project, ids: list[str]) -> dict:
    """The selected nodes and the edges among them, as a project document."""
    keep = set(ids)
    sub = Project(name="fragment", nodes=[n for n in project.nodes if n.id in keep],
                  edges=[e for e in project.edges if e.source in keep and e.target in keep])
    return sub.to_dict()


def to_mime(doc: dict) -> QMimeData:
    mime = QMimeData()
    text = json.dumps(doc, indent=1)
    mime.setData(MIME_FRAGMENT, text.encode("utf-8"))
    mime.setText(text)
    return mime


def from_mime(mime: QMimeData) -> dict | None:
    raw = bytes(mime.data(MIME_FRAGMENT)).decode("utf-8", "replace") if mime.hasFormat(MIME_FRAGMENT) \
        else (mime.text() if mime.hasText() else "")
    if not raw.strip().startswith("{"):
        return None
    try:
        doc = json.loads(raw)
    except (ValueError, RecursionError):  # not JSON, a 5,000-digit number, or nested too deep
        return None
    return doc if isinstance(doc, dict) and doc.get("format") == "netbuilder-project" else None


def pasteable(doc: dict, into: Project, offset: tuple[float, float]) -> tuple[list[Node], list[Edge]]:
    """Validated copies of a fragment's nodes and edges, renamed where their ids are taken."""
    sub = parse_project(doc)  # raises ProjectError for anything malformed
    taken = {n.id for n in into.nodes}
    rename: dict[str, str] = {}
    scratch = Project(nodes=list(into.nodes))
    nodes = []
    for n in sub.nodes:
        new = n.id if n.id not in taken else scratch.new_id(n.type)
        rename[n.id] = new
        taken.add(new)
        pos = n.pos or (0.0, 0.0)
        node = Node(new, n.type, dict(n.params), clamp_position(pos[0] + offset[0], pos[1] + offset[1]))
        scratch.nodes.append(node)
        nodes.append(node)
    edges = [Edge(rename[e.source], rename[e.target], e.target_port) for e in sub.edges]
    if not nodes:
        raise ProjectError("The clipboard holds no layers.")
    return nodes, edges
