"""Project.node / has_node use an id index: it must follow every way the node list changes."""

import pytest

from netbuilder.spec import Edge, Network, Node, Project


def _project(n: int = 5) -> Project:
    p = Project(nodes=[Node(f"fc{i}", "Linear", {"out_features": 4}) for i in range(n)])
    p.edges = [Edge(f"fc{i}", f"fc{i + 1}") for i in range(n - 1)]
    return p


def test_lookups_follow_the_mutators_and_undo():
    p = _project()
    assert p.node("fc3").id == "fc3" and p.has_node("fc4")
    p.add_node(Node("extra", "ReLU"))
    assert p.node("extra").type == "ReLU"
    index, node, edges = p.remove_node("fc2")
    assert not p.has_node("fc2")
    with pytest.raises(KeyError):
        p.node("fc2")
    p.restore_node(index, node, edges)
    assert p.node("fc2") is node and p.nodes[index] is node


def test_lookups_follow_lists_changed_by_hand():
    p = _project()
    p.nodes.append(Node("added", "ReLU"))  # as builders and tests do
    assert p.node("added").type == "ReLU"
    p.nodes = [Node("only", "Input", {"shape": (4,)})]
    assert p.has_node("only") and not p.has_node("fc0")
    p.nodes[0].id = "renamed"  # same list, same length
    assert p.node("renamed").type == "Input"
    del p.nodes[:]
    assert not p.has_node("renamed")


def test_a_repeated_id_finds_the_first_node_as_a_scan_did():
    first, second = Node("a", "ReLU"), Node("a", "Tanh")
    assert Project(nodes=[first, second]).node("a") is first


def test_lookups_follow_the_active_network():
    gen = Network([Node("z", "Input", {"shape": (4,)})], [])
    disc = Network([Node("img", "Input", {"shape": (4,)})], [])
    p = Project(nodes=gen.nodes, edges=gen.edges, networks={"generator": gen, "discriminator": disc},
                active="generator")
    assert p.has_node("z") and not p.has_node("img")
    p.activate("discriminator")
    assert p.has_node("img") and not p.has_node("z")


def test_the_index_is_not_part_of_equality_or_copies():
    p = _project()
    p.node("fc1")
    assert p == _project() and p.copy() == p and "_by_id" not in repr(p)
