"""Every problem of the open project, stored once: the graph's own (from the latest analysis) and
those found outside it, by source ("data": the data does not fit the graph, and so on).

A problem is any object with `message`, `node` (or None) and `nodes` (the ids it names), such as
a `ProjectError`. The problems list, the status bar, the inspector and the canvas's marks on
nodes all read this one store."""

from __future__ import annotations

from .events import Events

GRAPH = "graph"


def _key(problems: list) -> list:
    return [(getattr(p, "node", None), tuple(getattr(p, "nodes", ()) or ()), str(getattr(p, "message", p)))
            for p in problems]


class Problems:
    def __init__(self):
        self.by_source: dict[str, list] = {GRAPH: []}
        self.events = Events("changed")  # changed(source)

    def set(self, source: str, problems: list, notify: bool = True) -> bool:
        """Replace the problems of one source; True (and `changed` when notifying) if they differ."""
        problems = list(problems)
        if _key(self.by_source.get(source, [])) == _key(problems):
            self.by_source[source] = problems  # the same problems, in their newest objects
            return False
        self.by_source[source] = problems
        if notify:
            self.events.changed.emit(source)
        return True

    @property
    def graph(self) -> list:
        return self.by_source[GRAPH]

    @property
    def external(self) -> dict[str, list]:
        """The sources outside the graph that have problems, in the order they were first set."""
        return {s: ps for s, ps in self.by_source.items() if s != GRAPH and ps}

    def items(self) -> list[tuple[str, object]]:
        """(source, problem): the graph's first, then the others'."""
        return [(s, p) for s, ps in self.by_source.items() for p in ps]

    def __len__(self) -> int:
        return sum(len(ps) for ps in self.by_source.values())

    def external_by_node(self) -> dict[str, list[str]]:
        """Messages of the problems found outside the graph, by each node they name."""
        out: dict[str, list[str]] = {}
        for problems in self.external.values():
            for p in problems:
                for node_id in getattr(p, "nodes", ()) or ():
                    out.setdefault(node_id, []).append(p.message)
        return out
