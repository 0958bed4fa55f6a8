"""Built-in starter networks: each a valid project file in netbuilder/resources/templates/."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from .resources import resource
from .spec import Project, parse_project

if TYPE_CHECKING:
    from importlib.abc import Traversable  # importlib.resources.abc from Python 3.11

TEMPLATE_DIR = resource("templates")


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
