"""Built-in starter networks: each a valid project file in netbuilder/resources/templates/."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from .resources import resource
from .spec import Project, parse_project

if TYPE_CHECKING:
    from importlib.abc import Traversable  # importlib.resources.abc from Python 3.11

TEMPLATE_DIR = resource("templates")
# a real file for templates that can also train from one (`new --sample-data`): the data
# section that binds it, and the node params that data needs
SAMPLE_DATA = {
    "gru_forecaster": ({"kind": "csv", "path": "elnino.csv", "target": "sst", "window": 32,
                        "split": {"val": 0.2, "test": 0.1, "seed": 0}}, {}),
    "transformer": ({"kind": "csv", "path": "sentences.csv", "target": "topic",
                     "types": {"sentence": "tokens"}, "vocabulary": 300, "sequence_length": 16,
                     "split": {"val": 0.2, "test": 0.1, "seed": 0}},
                    {"embed": {"num_embeddings": 300}, "fc": {"out_features": 4}}),
}


def template_names() -> list[str]:
    return sorted(p.name[:-5] for p in TEMPLATE_DIR.iterdir() if p.name.endswith(".json"))


def template_path(name: str) -> Traversable:
    path = TEMPLATE_DIR / f"{name}.json"
    if not path.is_file():
        raise KeyError(f"No template named {name!r}. Available: {', '.join(template_names())}.")
    return path


def load_template(name: str) -> Project:
    return parse_project(json.loads(template_path(name).read_text(encoding="utf-8")))


def describe(name: str) -> str:
    return load_template(name).description


def with_sample_data(project: Project, name: str, folder) -> Project:
    """`project` bound to its template's shipped sample file, copied into `folder`."""
    from pathlib import Path

    if name not in SAMPLE_DATA:
        raise KeyError(f"Template {name!r} has no sample data file; these do: "
                       f"{', '.join(sorted(SAMPLE_DATA))}.")
    data, params = SAMPLE_DATA[name]
    source = resource("data", data["path"])
    (Path(folder) / data["path"]).write_bytes(source.read_bytes())
    project.data = dict(data)
    for node_id, values in params.items():
        for key, value in values.items():
            project.set_param(node_id, key, value)
    return project
