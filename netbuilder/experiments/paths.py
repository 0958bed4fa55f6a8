"""One naming for the settings of a project: `"node_id.param"` for a node's parameter,
`"training.a.b"` (or `"data.a"`) for a key of those sections, as SPACE.json names them.

`flat_settings` lists a project document's settings under those names (the runs table and the
diff of two runs); `set_value` writes one into a project document (search trials, Apply best)."""

from __future__ import annotations

SECTIONS = ("training", "data")


def _flatten(prefix: str, value, out: dict) -> None:
    if isinstance(value, dict) and value:
        for key, inner in value.items():
            _flatten(f"{prefix}.{key}", inner, out)
    else:
        out[prefix] = value


def flat_settings(doc: dict) -> dict:
    """{"training.optimizer.lr": 0.01, "fc1.out_features": 64, "data.name": "moons", ...}.

    `doc` is a project document (project.json's dict); malformed parts are skipped."""
    out: dict = {}
    for section in SECTIONS:
        if isinstance(doc.get(section), dict):
            _flatten(section, doc[section], out)
    graph = doc.get("graph") if isinstance(doc.get("graph"), dict) else {}
    for node in graph.get("nodes") or []:
        if isinstance(node, dict) and isinstance(node.get("params"), dict):
            for key, value in node["params"].items():
                out[f"{node.get('id')}.{key}"] = value
    return out


def split_path(path: str) -> tuple[str, list[str]]:
    """("training", ["optimizer", "lr"]) or ("node", ["fc1", "out_features"])."""
    head, _, rest = path.partition(".")
    if not head or not rest:
        raise ValueError(f'"{path}" names no setting: write "node_id.param" or "training.key".')
    if head in SECTIONS:
        return head, rest.split(".")
    return "node", [head, rest]


def set_value(project, path: str, value) -> None:
    """Write `value` at `path` into a netbuilder.spec.Project, in place.

    Raises ValueError naming the path when the node or its parameter does not exist, and
    ProjectError when the value does not fit the parameter."""
    kind, keys = split_path(path)
    if kind == "node":
        node_id, param = keys
        check_node_path(project, path)
        project.set_param(node_id, param, value)
        return
    section = dict(getattr(project, kind) or {})
    target = section
    for key in keys[:-1]:
        inner = target.get(key)
        inner = {"type": inner} if isinstance(inner, str) and key == "optimizer" else inner
        inner = dict(inner) if isinstance(inner, dict) else {}
        target[key] = inner
        target = inner
    target[keys[-1]] = value
    setattr(project, kind, section)


def check_node_path(project, path: str) -> None:
    node_id, _, param = path.partition(".")
    if not project.has_node(node_id):
        raise ValueError(f'"{path}": the graph has no node "{node_id}".')
    node = project.node(node_id)
    if param not in [p.name for p in node.layer.params]:
        names = ", ".join(p.name for p in node.layer.params) or "none"
        raise ValueError(f'"{path}": {node.type} \'{node_id}\' has no parameter "{param}" '
                         f"(it has: {names}).")


def get_value(project, path: str, default=None):
    kind, keys = split_path(path)
    if kind == "node":
        node_id, param = keys
        if not project.has_node(node_id):
            return default
        return project.node(node_id).resolved().get(param, default)
    value = getattr(project, kind) or {}
    for key in keys:
        if not isinstance(value, dict) or key not in value:
            return default
        value = value[key]
    return value
