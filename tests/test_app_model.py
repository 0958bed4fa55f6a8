"""The Qt-free application model (netbuilder.app): edits as undo commands through the project's
mutators, the events each edit emits, the one problem store and the run state."""

from __future__ import annotations

from itertools import pairwise

import pytest

from netbuilder.app import ProjectDocument
from netbuilder.app.commands import (
    AddItems,
    Connect,
    DeleteItems,
    MoveNodes,
    ReplaceContent,
    SetFrozen,
    SetParam,
    SetSection,
)
from netbuilder.app.events import Event
from netbuilder.app.problems import GRAPH
from netbuilder.errors import ProjectError
from netbuilder.shapes import analyze
from netbuilder.spec import Edge, Node, Project
from netbuilder.templates import load_template


def mlp() -> Project:
    nodes = [Node("x", "Input", {"shape": (8,)}, (0.0, 0.0)), Node("fc1", "Linear", {"out_features": 16}, (0.0, 100.0)),
             Node("act", "ReLU", {}, (0.0, 200.0)), Node("fc2", "Linear", {"out_features": 3}, (0.0, 300.0)),
             Node("y", "Output", {}, (0.0, 400.0))]
    ids = [n.id for n in nodes]
    return Project(name="mlp", nodes=nodes, edges=[Edge(a, b) for a, b in pairwise(ids)])


class Recorder:
    """Every event of a document, in order, with its arguments."""

    def __init__(self, doc: ProjectDocument):
        self.seen: list[tuple] = []
        for event in doc.events:
            event.connect(lambda *args, name=event.name: self.seen.append((name, *args)))
        doc.problems.events.changed.connect(lambda source: self.seen.append(("problems", source)))
        doc.run.events.changed.connect(lambda: self.seen.append(("run",)))

    def names(self) -> list[str]:
        return [e[0] for e in self.seen]

    def clear(self) -> None:
        self.seen.clear()


@pytest.fixture
def doc():
    d = ProjectDocument()
    d.set_project(mlp())
    return d


def test_a_move_emits_only_the_moved_nodes_and_is_not_analysed_again(doc):
    rec = Recorder(doc)
    before, revision = analyze.calls, doc.revision
    doc.push(MoveNodes(doc, {"fc1": ((0.0, 100.0), (40.0, 120.0))}))
    assert doc.project.node("fc1").pos == (40.0, 120.0)
    assert rec.seen == [("nodes_moved", ["fc1"]), ("changed",), ("dirty_changed", True)]
    assert analyze.calls == before and doc.revision > revision  # views can still tell it moved
    rec.clear()
    doc.undo.undo()
    assert doc.project.node("fc1").pos == (0.0, 100.0)
    assert rec.names() == ["nodes_moved", "changed", "dirty_changed"] and not doc.dirty


def test_set_param_and_its_undo_go_through_the_mutators_and_reanalyse(doc):
    rec = Recorder(doc)
    assert "out_features" in doc.project.node("fc1").params
    doc.push(SetParam(doc, "fc1", "out_features", 32))
    assert doc.analysis.tensors["fc1"].shape[-1] == 32
    assert rec.names() == ["params_changed", "analyzed", "changed", "dirty_changed"]
    assert rec.seen[0] == ("params_changed", ["fc1"])
    doc.undo.undo()
    assert doc.project.node("fc1").params["out_features"] == 16
    assert doc.analysis.tensors["fc1"].shape[-1] == 16


def test_undo_of_a_first_set_param_restores_the_default_not_a_copy_of_it(doc):
    assert "bias" not in doc.project.node("fc1").params
    doc.push(SetParam(doc, "fc1", "bias", False))
    assert doc.project.node("fc1").params["bias"] is False
    doc.undo.undo()
    assert "bias" not in doc.project.node("fc1").params  # unset again, as the file had it


def test_a_bad_param_value_is_refused_by_the_mutator_and_leaves_the_stack_alone(doc):
    with pytest.raises(ProjectError) as err:
        doc.push(SetParam(doc, "fc1", "out_features", -3))
    assert err.value.node == "fc1" and err.value.field == "out_features"
    assert doc.undo.count() == 0 and doc.project.node("fc1").params["out_features"] == 16


def test_add_delete_and_connect_name_what_they_changed_and_undo_exactly(doc):
    original = doc.project.to_dict()
    rec = Recorder(doc)
    node = Node("drop", "Dropout", {}, (100.0, 250.0))
    doc.push(AddItems(doc, [node], [], "Add drop"))
    assert rec.seen[0] == ("nodes_added", ["drop"])
    rec.clear()
    old = doc.project.incoming("fc2")[0]
    doc.push(Connect(doc, Edge("drop", "fc2"), replaced=old))
    assert rec.seen[:2] == [("edges_removed", [old]), ("edges_added", [Edge("drop", "fc2")])]
    rec.clear()
    doc.push(DeleteItems(doc, ["act"], []))
    removed = dict(rec.seen[i][0:2] for i in range(2))
    assert removed["nodes_removed"] == ["act"]
    assert set(map(tuple, [(e.source, e.target) for e in removed["edges_removed"]])) == {("fc1", "act")}
    for _ in range(3):
        doc.undo.undo()
    assert doc.project.to_dict() == original
    for _ in range(3):
        doc.undo.redo()
    assert not doc.project.has_node("act") and doc.project.incoming("fc2")[0].source == "drop"


def test_graph_problems_are_stored_once_and_announced_only_when_they_change(doc):
    rec = Recorder(doc)
    doc.push(DeleteItems(doc, [], [doc.project.incoming("y")[0]]))  # the output is cut off
    assert [p.node for p in doc.problems.graph] == [e.node for e in doc.analysis.errors] != []
    assert rec.names().index("analyzed") < rec.names().index("problems")  # after the analysis
    assert ("problems", GRAPH) in rec.seen
    rec.clear()
    doc.push(MoveNodes(doc, {"x": ((0.0, 0.0), (10.0, 0.0))}))
    doc.push(SetParam(doc, "fc1", "out_features", 17))  # a change that keeps the same problems
    assert ("problems", GRAPH) not in rec.seen


def test_problems_from_outside_the_graph_follow_the_graphs_and_mark_their_nodes(doc):
    rec = Recorder(doc)
    problem = ProjectError("fc2 gives 3 classes but the data has 4.", node="fc2", nodes=("fc2",))
    assert doc.problems.set("data", [problem]) is True
    assert rec.seen == [("problems", "data")]
    assert doc.problems.set("data", [ProjectError(problem.message, node="fc2", nodes=("fc2",))]) is False
    assert rec.seen == [("problems", "data")]  # the same problem again: nothing to redraw
    assert len(doc.problems) == 1 and [(s, p.message) for s, p in doc.problems.items()] == [("data", problem.message)]
    assert doc.problems.external_by_node() == {"fc2": [problem.message]}
    doc.problems.set("data", [])
    assert doc.problems.external == {} and doc.problems.external_by_node() == {} and len(doc.problems) == 0


def test_section_edits_merge_while_typing_but_never_into_the_saved_state(doc):
    rec = Recorder(doc)
    doc.push(SetSection(doc, "training", {"epochs": 2}, "epochs"))
    doc.push(SetSection(doc, "training", {"epochs": 23}, "epochs"))
    assert doc.undo.count() == 1 and doc.project.training == {"epochs": 23}
    assert ("section_changed", "training") in rec.seen
    doc.undo.set_clean()
    doc.push(SetSection(doc, "training", {"epochs": 5}, "epochs"))
    assert doc.undo.count() == 2  # merging into the saved step would lose the saved state
    rec.clear()
    doc.undo.undo()
    assert doc.project.training == {"epochs": 23} and ("replayed", "training", "epochs", True) in rec.seen
    doc.undo.redo()
    assert ("replayed", "training", "epochs", False) in rec.seen


def test_a_macro_undoes_as_one_step_and_a_new_edit_drops_the_redo_tail(doc):
    doc.undo.begin_macro("Reconnect")
    doc.push(DeleteItems(doc, [], [doc.project.incoming("fc2")[0]], "Disconnect"))
    doc.push(Connect(doc, Edge("fc1", "fc2")))
    doc.undo.end_macro()
    assert doc.undo.count() == 1 and doc.undo.undo_text() == "Reconnect"
    doc.undo.undo()
    assert doc.project.incoming("fc2")[0].source == "act"
    doc.undo.set_clean()
    doc.undo.undo()  # nothing left: a no-op
    assert doc.undo.is_clean() and doc.undo.can_redo()
    doc.push(SetFrozen(doc, {"fc1": True}))
    assert doc.undo.count() == 1 and not doc.undo.can_redo() and doc.project.node("fc1").frozen
    assert doc.undo.clean_index == 0 and not doc.undo.is_clean()


def test_the_saved_state_overwritten_by_a_new_branch_cannot_be_reached_again(doc, tmp_path):
    doc.push(SetFrozen(doc, {"fc1": True}))
    doc.save(tmp_path / "p.json")
    doc.undo.undo()
    doc.push(SetFrozen(doc, {"fc2": True}))
    assert doc.undo.clean_index == -1 and doc.dirty
    doc.undo.undo()
    assert doc.dirty  # back where no file has it


def test_edits_made_in_another_network_return_there_on_undo():
    doc = ProjectDocument()
    doc.set_project(load_template("dcgan"))
    first, second = list(doc.project.networks)
    rec = Recorder(doc)
    node_id = next(n.id for n in doc.project.nodes if n.layer.has_module)
    doc.push(SetFrozen(doc, {node_id: True}))
    doc.show_network(second)
    assert doc.project.active == second and ("network_changed", second) in rec.seen
    doc.undo.undo()
    assert doc.project.active == first and not doc.project.node(node_id).frozen


def test_replacing_the_content_keeps_the_file_and_drops_a_selection_that_is_gone(doc, tmp_path):
    doc.save(tmp_path / "p.json")
    doc.set_selection(["act"])
    smaller = mlp()
    smaller.remove_node("act")
    rec = Recorder(doc)
    doc.push(ReplaceContent(doc, smaller, "Apply run"))
    assert not doc.project.has_node("act") and doc.selection == [] and doc.path == tmp_path / "p.json"
    assert ("section_changed", "graph") in rec.seen and ("selection_changed", []) in rec.seen
    doc.undo.undo()
    assert doc.project.has_node("act")


def test_the_run_state_supplies_the_last_finished_runs_best_weights(doc, tmp_path):
    class Result:
        run_dir = str(tmp_path)

    rec = Recorder(doc)
    doc.run.started()
    assert doc.run.running and doc.run.best_weights() is None
    doc.run.finished(Result())
    assert doc.run.best_weights() is None  # no best epoch was written
    (tmp_path / "best.safetensors").write_bytes(b"")
    assert doc.run.best_weights() == tmp_path / "best.safetensors" and not doc.run.running
    doc.run.ended()
    assert rec.seen == [("run",), ("run",)]


def test_an_event_calls_its_listeners_in_order_and_lets_one_leave_while_called():
    event, calls = Event("e"), []

    def once(value):
        calls.append(("once", value))
        event.disconnect(once)

    event.connect(once)
    event.connect(lambda value: calls.append(("always", value)))
    event.emit(1)
    event.emit(2)
    assert calls == [("once", 1), ("always", 1), ("always", 2)]


# ----- an Input that leaves its shape to the data --------------------------------------------
def data_mlp(data) -> Project:
    p = mlp()
    del p.node("x").params["shape"]
    p.data = data
    return p


def test_an_input_without_a_shape_takes_the_loaded_datas_shape():
    doc = ProjectDocument(data_mlp({"kind": "csv", "path": "t.csv", "target": "y"}))
    seen = []
    doc.events.analyzed.connect(lambda: seen.append("analyzed"))
    doc.problems.events.changed.connect(seen.append)
    # bound but not loaded: said so, and nothing below the Input checked against 1x28x28
    assert [p.message for p in doc.problems.graph] == [
        ("Input 'x' takes its shape from the data, which is not loaded: load the data (Data tab) "
         "or set the shape.")]
    assert doc.analysis.from_data == {"x": None} and "fc1" not in doc.analysis.tensors

    doc.set_data_shape((5,))
    assert seen == ["analyzed", GRAPH] and not doc.problems.graph
    assert doc.analysis.from_data == {"x": (5,)} and doc.analysis.inferred["fc1"]["in_features"] == 5
    assert "shape" not in doc.project.node("x").params  # derived, never written to the project
    doc.set_data_shape((5,))
    assert seen == ["analyzed", GRAPH]  # the same shape: no new analysis

    doc.push(SetParam(doc, "x", "shape", [3]))  # a shape of its own wins
    assert doc.analysis.from_data == {} and doc.analysis.inferred["fc1"]["in_features"] == 3
    doc.undo.undo()
    assert doc.analysis.inferred["fc1"]["in_features"] == 5

    doc.set_project(data_mlp({"kind": "builtin", "name": "moons"}))  # another project's data
    assert doc.analysis.from_data == {"x": None}


def test_without_data_bound_an_input_without_a_shape_has_the_layer_default():
    """CONTRACT.md leaves the shape to the data only when data is bound."""
    doc = ProjectDocument(data_mlp(None))
    doc.set_data_shape(None)
    assert doc.analysis.from_data == {} and str(doc.analysis.tensors["x"]) == "[1, 28, 28]"


def test_an_analysis_counts_each_nodes_parameters_once(monkeypatch):
    """The size check counts while analysing; the document's counts reuse them, not a second pass."""
    from netbuilder import param_counts

    calls = []
    real = param_counts.node_params
    monkeypatch.setattr(param_counts, "node_params", lambda node, inferred: (calls.append(node.id), real(node, inferred))[1])
    d = ProjectDocument()
    calls.clear()
    d.set_project(mlp())
    assert sorted(calls) == sorted(n.id for n in d.project.nodes)  # once each
    assert d.params == {n.id: real(n, d.analysis.inferred.get(n.id)) for n in d.project.nodes}
    assert d.params["fc1"] > 0
    d.params["fc1"] = -1  # a caller's copy: the analysis's own counts are not changed through it
    assert param_counts.project_params(d.project, d.analysis)["fc1"] > 0
