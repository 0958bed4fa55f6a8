"""Built-in starter networks: each a valid project file in templates/."""

from __future__ import annotations

import json
from pathlib import Path

from .spec import Project, parse_project

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"


def template_names() -> list[str]:
    return sorted(p.stem for p in TEMPLATE_DIR.glob("*.json"))


def template_path(name: str) -> Path:
    path = TEMPLATE_DIR / f"{name}.json"
    if not path.is_file():
        raise KeyError(f"No template named {name!r}. Available: {', '.join(template_names())}.")
    return path


def load_template(name: str) -> Project:
    return parse_project(json.loads(template_path(name).read_text(encoding="utf-8")))


def describe(name: str) -> str:
    return load_template(name).description
