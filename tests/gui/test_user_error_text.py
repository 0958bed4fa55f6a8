"""The app shows a user error in one way (ui/errors.py): one paragraph, or a line per problem."""

from __future__ import annotations

import json

from netbuilder.errors import ProjectError
from netbuilder.spec import InvalidProject
from netbuilder.templates import template_path
from netbuilder.train import TrainError
from ui.errors import error_text
from ui.tasks import failure_of


def test_one_error_is_its_paragraph_and_an_invalid_project_one_line_per_problem():
    assert error_text(TrainError("training.epochs must be an integer >= 1, got 0.", field="training.epochs")) == \
        "training.epochs must be an integer >= 1, got 0."
    many = InvalidProject([ProjectError(f"problem {i}", node=f"n{i}") for i in range(14)])
    assert error_text(many).splitlines() == [f"• problem {i}" for i in range(12)] + ["• … and 2 more"]
    assert failure_of(many) == (error_text(many), "", many)  # background tasks show the same text


def test_opening_a_file_with_two_bad_nodes_lists_both(make_window, tmp_path, dialogs):
    doc = json.loads(template_path("mlp").read_text(encoding="utf-8"))
    doc["graph"]["nodes"][1]["type"] = "Nope"
    doc["graph"]["nodes"][2]["type"] = "Nada"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    w = make_window()
    assert not w.open_file(str(bad))
    kind, title, text = dialogs.shown[-1][:3]
    assert kind == "warning" and title == "Cannot open project"
    lines = [line for line in text.split("<br>") if line.startswith("• ")]
    assert len(lines) == 2 and "Nope" in lines[0] and "Nada" in lines[1], text
