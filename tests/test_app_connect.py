"""The editor's connection rules (netbuilder.app.connect), without Qt."""

from __future__ import annotations

from netbuilder.app.connect import plan_connection
from netbuilder.spec import Edge, Node, Project


def project() -> Project:
    """x → a → b → y, and c alone; add takes any number of inputs."""
    nodes = [Node("x", "Input", {"shape": (4,)}), Node("a", "ReLU"), Node("b", "ReLU"), Node("c", "ReLU"),
             Node("add", "Add"), Node("y", "Output")]
    return Project(nodes=nodes, edges=[Edge("x", "a"), Edge("a", "b"), Edge("b", "y")])


def test_refusals_say_why():
    p = project()
    assert plan_connection(p, "a", "a", 0)[2] == "A layer cannot feed itself."
    assert plan_connection(p, "y", "c", 0)[2] == "Output nodes have no output port."
    assert "model input" in plan_connection(p, "a", "x", 0)[2]
    assert plan_connection(p, "b", "a", 0)[2] == "Connecting b → a would make a loop."
    assert plan_connection(p, "x", "a", 0)[2] == "Already connected."


def test_a_loop_through_several_layers_is_refused_but_a_skip_connection_is_not():
    p = project()
    p.edges.append(Edge("b", "c"))
    assert plan_connection(p, "c", "a", 0)[2] == "Connecting c → a would make a loop."  # a → b → c
    assert plan_connection(p, "a", "c", 0) == (Edge("a", "c"), Edge("b", "c"), "")  # a skip: no loop


def test_a_one_input_port_that_is_taken_is_replaced_and_a_free_one_is_filled():
    p = project()
    assert plan_connection(p, "x", "b", 0) == (Edge("x", "b"), Edge("a", "b"), "")
    assert plan_connection(p, "x", "c", 0) == (Edge("x", "c"), None, "")


def test_a_variadic_port_appends_a_new_input_or_replaces_the_one_dropped_on():
    p = project()
    p.edges += [Edge("a", "add", 0), Edge("b", "add", 1)]
    assert plan_connection(p, "c", "add", 2) == (Edge("c", "add", 2), None, "")
    assert plan_connection(p, "c", "add", 1) == (Edge("c", "add", 1), Edge("b", "add", 1), "")
    assert plan_connection(p, "a", "add", 0)[2] == "Already connected."


def test_an_edge_being_moved_away_does_not_count_as_taken():
    p = project()
    moving = p.edges[1]  # a → b, dragged off b's port
    assert plan_connection(p, "a", "b", 0, ignore=moving) == (Edge("a", "b"), None, "")
