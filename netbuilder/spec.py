"""The project document: the one source of truth, loaded, validated, migrated and saved atomically."""

from __future__ import annotations

import copy
import dataclasses
import difflib
import json
import keyword
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import limits, training_fields
from .errors import ProjectError
from .fileio import remove_stale_temps, write_atomic
from .layers.registry import LAYERS

FORMAT = "netbuilder-project"
VERSION = 2  # the newest file version this app reads: 2 holds several named networks
SINGLE_VERSION = 1  # a one-network project is still written as version 1 ("graph"), as before
SINGLE = "model"  # the name a version-1 file's one network takes

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Names the generated code uses itself, plus nn.Module attributes that `self.<id>` would shadow.
RESERVED_IDS = frozenset({"self", "torch", "nn", "F", "Model", "super"}) | frozenset(
    {"training", "forward", "parameters", "buffers", "children", "modules", "state_dict", "to", "cuda",
     "cpu", "train", "eval", "apply", "float", "double", "half", "type", "zero_grad", "register_buffer",
     "load_state_dict", "named_parameters", "named_modules", "named_children", "requires_grad_", "call",
     "add_module", "register_module", "register_parameter", "register_forward_hook", "register_forward_pre_hook",
     "register_backward_hook", "register_full_backward_hook", "register_full_backward_pre_hook",
     "register_state_dict_pre_hook", "register_state_dict_post_hook", "register_load_state_dict_pre_hook",
     "register_load_state_dict_post_hook", "get_submodule", "set_submodule", "get_parameter", "get_buffer",
     "get_extra_state", "set_extra_state", "extra_repr", "named_buffers", "share_memory", "bfloat16", "to_empty",
     "ipu", "xpu", "mtia", "compile", "dump_patches", "call_super_init", "T_destination"})


class InvalidProject(ProjectError):
    """Several problems found at once; `errors` holds each, tied to its node and field."""

    def __init__(self, errors: list[ProjectError]):
        self.errors = errors
        first = errors[0]
        more = f" (and {len(errors) - 1} more problem{'s' * (len(errors) > 2)})" if len(errors) > 1 else ""
        super().__init__(first.message + more, node=first.node, field=first.field)


@dataclass
class Node:
    id: str
    type: str
    params: dict = field(default_factory=dict)
    pos: tuple[float, float] | None = None
    frozen: bool = False  # its parameters are not trained (BatchNorm statistics kept too)

    @property
    def layer(self):
        return LAYERS[self.type]

    def resolved(self) -> dict:
        return self.layer.resolve(self.params)


@dataclass
class Network:
    """One named graph of a project with several networks (a GAN's generator, say)."""

    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)


@dataclass
class Edge:
    source: str
    target: str
    target_port: int | None = None


@dataclass
class Project:
    name: str = "Untitled"
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    data: dict | None = None
    training: dict | None = None
    description: str = ""
    # Several networks, by name, in file order; empty for a one-network project. `nodes` and
    # `edges` are then those of the `active` network: every single-graph step (the canvas,
    # the inspector, shape inference) works on the network being edited.
    networks: dict[str, Network] = field(default_factory=dict)
    active: str | None = None
    # nodes by id, for node() and has_node(), which loops over thousands of nodes call
    _by_id: dict[str, Node] | None = field(default=None, init=False, repr=False, compare=False)
    _by_id_of: tuple[int, int] = field(default=(0, -1), init=False, repr=False, compare=False)

    # --- networks ----------------------------------------------------------------------------
    def _sync(self) -> None:
        if self.networks:
            self.networks[self.active] = Network(self.nodes, self.edges)

    def activate(self, name: str) -> None:
        """Make `name` the network that nodes/edges show."""
        if name not in self.networks:
            raise KeyError(name)
        self._sync()
        net = self.networks[name]
        self.nodes, self.edges, self.active = net.nodes, net.edges, name

    def graph(self, name: str) -> Project:
        """One network as a one-network project sharing this one's lists and data (not its training:
        the recipe trains all networks together; on its own a network is a plain model)."""
        self._sync()
        net = self.networks[name]
        return Project(self.name, net.nodes, net.edges, self.data, None, self.description)

    def graphs(self) -> dict[str, Project]:
        """Every network by name ({"model": self} for a one-network project)."""
        if not self.networks:
            return {SINGLE: self}
        return {name: self.graph(name) for name in self.networks}

    # --- queries -----------------------------------------------------------------------------
    def _index(self) -> dict[str, Node]:
        """The id index: made again when the node list is another one or has another length
        (code outside the mutators builds lists by hand), and dropped by the mutators."""
        key = (id(self.nodes), len(self.nodes))
        if self._by_id is None or self._by_id_of != key:
            self._by_id = {n.id: n for n in reversed(self.nodes)}  # the first of a repeated id, as a scan
            self._by_id_of = key
        return self._by_id

    def node(self, node_id: str) -> Node:
        n = self._index().get(node_id)
        if n is not None and n.id == node_id:
            return n
        for n in self.nodes:  # changed in place behind the index (a node given another id)
            if n.id == node_id:
                self._by_id = None
                return n
        raise KeyError(node_id)

    def has_node(self, node_id: str) -> bool:
        try:
            self.node(node_id)
        except KeyError:
            return False
        return True

    def incoming(self, node_id: str) -> list[Edge]:
        """Edges into a node in input order: target_port where given, else list order."""
        return _input_order([e for e in self.edges if e.target == node_id])

    def incoming_by_node(self) -> dict[str, list[Edge]]:
        """`incoming` for every node at once, in one pass over the edges."""
        found: dict[str, list[Edge]] = {n.id: [] for n in self.nodes}
        for e in self.edges:
            found.setdefault(e.target, []).append(e)
        return {node_id: _input_order(edges) for node_id, edges in found.items()}

    def new_id(self, type_name: str) -> str:
        base = LAYERS[type_name].prefix if type_name in LAYERS else type_name.lower()
        taken = {n.id for n in self.nodes}
        i = 1
        while f"{base}{i}" in taken:
            i += 1
        return f"{base}{i}"

    # --- mutators (the GUI's undo commands call these) --------------------------------------------
    def add_node(self, node: Node, index: int | None = None) -> None:
        check_node_id(node.id, {n.id for n in self.nodes})
        self.nodes.insert(len(self.nodes) if index is None else index, node)
        self._by_id = None

    def remove_node(self, node_id: str) -> tuple[int, Node, list[tuple[int, Edge]]]:
        """Remove a node and its edges; returns what undo needs to put them back."""
        index = next(i for i, n in enumerate(self.nodes) if n.id == node_id)
        removed = [(i, e) for i, e in enumerate(self.edges) if node_id in (e.source, e.target)]
        self.edges[:] = [e for e in self.edges if node_id not in (e.source, e.target)]
        self._by_id = None
        return index, self.nodes.pop(index), removed

    def restore_node(self, index: int, node: Node, edges: list[tuple[int, Edge]]) -> None:
        self.nodes.insert(index, node)
        self._by_id = None
        for i, e in edges:
            self.edges.insert(i, e)

    def add_edge(self, edge: Edge, index: int | None = None) -> None:
        self.edges.insert(len(self.edges) if index is None else index, edge)

    def remove_edge(self, edge: Edge) -> int:
        index = self.edges.index(edge)
        del self.edges[index]
        return index

    def move_node(self, node_id: str, pos: tuple[float, float] | None) -> None:
        self.node(node_id).pos = pos

    def unset_param(self, node_id: str, name: str) -> None:
        """Drop a param's own value: the node uses the default again (undo of a first set)."""
        self.node(node_id).params.pop(name, None)

    def set_param(self, node_id: str, name: str, value: Any) -> None:
        """Set a param after checking it; None on a non-optional param restores the default."""
        node = self.node(node_id)
        param = node.layer.param(name)
        if value is None and not param.optional:
            node.params.pop(name, None)
            return
        try:
            node.params[name] = param.coerce(value)
        except ValueError as exc:
            raise ProjectError(f"{node.type} '{node_id}': {name} {exc}", node=node_id, field=name) from None

    # --- serialization ---------------------------------------------------------------------------
    def to_dict(self) -> dict:
        out: dict[str, Any] = {"format": FORMAT, "version": VERSION if self.networks else SINGLE_VERSION,
                               "name": self.name}
        if self.description:
            out["description"] = self.description
        if self.networks:
            self._sync()
            out["networks"] = {name: graph_dict(net.nodes, net.edges) for name, net in self.networks.items()}
        else:
            out["graph"] = graph_dict(self.nodes, self.edges)
        if self.data is not None:
            out["data"] = copy.deepcopy(self.data)
        if self.training is not None:  # saved with the version of its settings (training_fields)
            out["training"] = {"version": training_fields.VERSION, **copy.deepcopy(self.training)}
        return out

    def copy(self) -> Project:
        """An independent copy; it never fails, also for text that a save would refuse.
        (Param values are immutable: ints, floats, strings, tuples.)"""
        self._sync()
        nets = {name: Network([dataclasses.replace(n, params=dict(n.params)) for n in net.nodes],
                              [dataclasses.replace(e) for e in net.edges]) for name, net in self.networks.items()}
        if nets:
            return Project(self.name, nets[self.active].nodes, nets[self.active].edges, copy.deepcopy(self.data),
                           copy.deepcopy(self.training), self.description, nets, self.active)
        return Project(self.name, [dataclasses.replace(n, params=dict(n.params)) for n in self.nodes],
                       [dataclasses.replace(e) for e in self.edges], copy.deepcopy(self.data),
                       copy.deepcopy(self.training), self.description)


def graph_dict(node_list: list[Node], edge_list: list[Edge]) -> dict:
    """One graph as the file holds it: {"nodes": [...], "edges": [...]}."""
    nodes = []
    for n in node_list:
        d: dict[str, Any] = {"id": n.id, "type": n.type}
        if n.params:
            d["params"] = {k: n.layer.param(k).to_json(v) for k, v in n.params.items()}
        if n.pos is not None:
            d["pos"] = [round(n.pos[0], 1), round(n.pos[1], 1)]
        if n.frozen:
            d["frozen"] = True
        nodes.append(d)
    edges = []
    for e in edge_list:
        d = {"source": e.source, "target": e.target}
        if e.target_port is not None:
            d["target_port"] = e.target_port
        edges.append(d)
    return {"nodes": nodes, "edges": edges}


def _input_order(edges: list[Edge]) -> list[Edge]:
    return sorted(edges, key=lambda e: (e.target_port is None, e.target_port or 0))


def check_node_id(node_id: Any, taken: set[str]) -> None:
    if not isinstance(node_id, str) or not _IDENT.fullmatch(node_id) or keyword.iskeyword(node_id):
        raise ProjectError(f"Node id {node_id!r} is not a valid name: use letters, digits and _ "
                           "(not starting with a digit), e.g. 'conv1'. Ids name the layers in the code.",
                           node=node_id if isinstance(node_id, str) else None, field="id")
    if len(node_id) > limits.ID_CHARS:
        raise ProjectError(f"Node id '{node_id[:40]}…' is {len(node_id)} characters long; at most {limits.ID_CHARS} "
                           "are allowed.", node=None, field="id")
    if node_id in RESERVED_IDS or node_id.startswith("_"):
        raise ProjectError(f"Node id '{node_id}' is reserved by PyTorch or the generated code; "
                           "choose another name.", node=node_id, field="id")
    if node_id in taken:
        raise ProjectError(f"Two nodes share the id '{node_id}'; ids must be unique.", node=node_id, field="id")


def _suggest(word: str, options) -> str:
    close = difflib.get_close_matches(word, list(options), n=1)
    return f" Did you mean '{close[0]}'?" if close else ""


def parse_project(doc: Any) -> Project:
    """Turn a JSON document into a Project, or raise InvalidProject listing every problem."""
    if not isinstance(doc, dict):
        raise ProjectError("A project file must hold a JSON object.")
    if doc.get("format") != FORMAT:
        raise ProjectError(f"This is not a NetBuilder project: 'format' is {doc.get('format')!r}, "
                           f"expected {FORMAT!r}.", field="format")
    version = doc.get("version", VERSION if "networks" in doc else SINGLE_VERSION)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ProjectError(f"'version' must be a positive integer, not {version!r}.", field="version")
    if version > VERSION:
        raise ProjectError(f"This project was saved by a newer NetBuilder (file version {version}, this "
                           f"app reads up to {VERSION}). Update NetBuilder to open it.", field="version")
    errors = limits.document_errors(doc)  # on the file as written, so that places read as there
    doc = migrate(doc, version)
    networks = doc.get("networks")
    if not isinstance(networks, dict) or not networks:
        raise ProjectError("'networks' must be an object naming one or more networks, each with 'nodes' and "
                           "'edges' lists.", field="networks")
    for name, graph in networks.items():
        where = "'graph'" if list(networks) == [SINGLE] and version == SINGLE_VERSION else f"Network '{name}'"
        if not isinstance(graph, dict) or not isinstance(graph.get("nodes", []), list) \
                or not isinstance(graph.get("edges", []), list):
            raise ProjectError(f"{where} must be an object with 'nodes' and 'edges' lists.", field="graph")
        errors += _count_errors(graph)
    if len(networks) > 1 or SINGLE not in networks:
        errors += [ProjectError(message, field="networks") for message in _name_errors(list(networks))]
    if errors:  # the later checks may assume sane sizes and characters
        raise InvalidProject(errors)
    parsed: dict[str, Network] = {}
    for name, graph in networks.items():
        ids: set[str] = set()  # every well-formed id, also of nodes whose type or params are wrong
        found: list[ProjectError] = []
        nodes = _parse_nodes(graph.get("nodes", []), ids, found)
        edges = _parse_edges(graph.get("edges", []), ids, found)
        if len(networks) > 1:
            for err in found:
                err.message, err.network = f"{name}: {err.message}", name
        errors += found
        parsed[name] = Network(nodes, edges)
    for key in ("data", "training"):
        if doc.get(key) is not None and not isinstance(doc[key], dict):
            errors.append(ProjectError(f"'{key}' must be an object.", field=key))
    training = doc.get("training")
    try:  # older settings are brought up to date, so that everything after reads one version
        training = training_fields.migrate(training) if isinstance(training, dict) else training
    except ValueError as err:  # a newer or malformed training.version
        errors.append(ProjectError(str(err), field="training.version"))
    for key in ("name", "description"):
        if not isinstance(doc.get(key, ""), str):
            errors.append(ProjectError(f"'{key}' must be a text, not {type(doc[key]).__name__}.", field=key))
    if errors:
        raise InvalidProject(errors)
    common = {"name": doc.get("name", "Untitled"), "data": doc.get("data"), "training": training,
              "description": doc.get("description", "")}
    if list(parsed) == [SINGLE]:  # one network: the project as it always was
        return Project(nodes=parsed[SINGLE].nodes, edges=parsed[SINGLE].edges, **common)
    first = next(iter(parsed))
    return Project(nodes=parsed[first].nodes, edges=parsed[first].edges, networks=parsed, active=first, **common)


NETWORK_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def _name_errors(names: list) -> list[str]:
    """Network names become attributes (model.generator) and classes (Generator) in the code."""
    errors = []
    for name in names:
        if not isinstance(name, str) or not NETWORK_NAME.fullmatch(name) or len(name) > limits.ID_CHARS \
                or keyword.iskeyword(name) or name in RESERVED_IDS or name == SINGLE:
            errors.append(f"Network name {str(name)[:40]!r} is not allowed: use lower-case letters, digits and _ "
                          f"(starting with a letter), e.g. 'generator'; not '{SINGLE}' or a reserved word.")
    return errors


def _count_errors(graph: dict) -> list[ProjectError]:
    """Too many nodes or edges (each step's work grows with them)."""
    errors = []
    for key, most in (("nodes", limits.NODES), ("edges", limits.EDGES)):
        count = len(graph.get(key, []))
        if count > most:
            errors.append(ProjectError(f"The graph has {count:,} {key}; at most {most:,} are allowed.",
                                       field=key))
    return errors


def _parse_pos(node_id: str, pos: Any, errors: list[ProjectError]) -> tuple[float, float] | None:
    """A canvas position [x, y], moved back within the canvas when it lies beyond its edge."""
    if pos is None:
        return None
    if not (isinstance(pos, (list, tuple)) and len(pos) == 2
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in pos)):
        errors.append(ProjectError(f"Node '{node_id}': 'pos' must be [x, y].", node=node_id, field="pos"))
        return None
    return limits.clamp_position(float(pos[0]), float(pos[1]))


def _parse_nodes(raw_nodes: list, taken: set[str], errors: list[ProjectError]) -> list[Node]:
    nodes: list[Node] = []
    for i, raw in enumerate(raw_nodes):
        if not isinstance(raw, dict):
            errors.append(ProjectError(f"Node #{i + 1} must be an object with 'id' and 'type'.", field="nodes"))
            continue
        node_id, type_name = raw.get("id"), raw.get("type")
        try:
            check_node_id(node_id, taken)
        except ProjectError as exc:
            errors.append(exc)
            continue
        taken.add(node_id)
        if not isinstance(type_name, str) or type_name not in LAYERS:
            errors.append(ProjectError(f"Node '{node_id}' has unknown type {type_name!r}."
                                       f"{_suggest(str(type_name), LAYERS)}", node=node_id, field="type"))
            continue
        layer = LAYERS[type_name]
        params = raw.get("params") or {}
        if not isinstance(params, dict):
            errors.append(ProjectError(f"Node '{node_id}': 'params' must be an object.", node=node_id, field="params"))
            continue
        clean = {}
        names = [p.name for p in layer.params]
        for key, value in params.items():
            if key in layer.inferred_names:
                errors.append(ProjectError(f"{type_name} '{node_id}': {key} is inferred from the incoming tensor; "
                                           "remove it from the params.", node=node_id, field=key))
                continue
            if key not in names:
                allowed = ", ".join(names) or "none"
                errors.append(ProjectError(f"{type_name} '{node_id}' has no parameter '{key}'.{_suggest(key, names)} "
                                           f"Its parameters: {allowed}.", node=node_id, field=key))
                continue
            try:
                clean[key] = layer.param(key).coerce(value)
            except ValueError as exc:
                errors.append(ProjectError(f"{type_name} '{node_id}': {key} {exc}", node=node_id, field=key))
        pos = _parse_pos(node_id, raw.get("pos"), errors)
        frozen = raw.get("frozen", False)
        if not isinstance(frozen, bool):
            errors.append(ProjectError(f"Node '{node_id}': 'frozen' must be true or false, not {frozen!r}.",
                                       node=node_id, field="frozen"))
            frozen = False
        nodes.append(Node(node_id, type_name, clean, pos, frozen))
    return nodes


def _parse_edges(raw_edges: list, ids: set[str], errors: list[ProjectError]) -> list[Edge]:
    edges = []
    for i, raw in enumerate(raw_edges):
        if not isinstance(raw, dict):
            errors.append(ProjectError(f"Edge #{i + 1} must be an object with 'source' and 'target'.", field="edges"))
            continue
        src, dst, port = raw.get("source"), raw.get("target"), raw.get("target_port")
        missing = [end for end in (src, dst) if not isinstance(end, str) or end not in ids]
        if missing:
            known = next((end for end in (src, dst) if isinstance(end, str) and end in ids), None)
            errors.append(ProjectError(f"Edge #{i + 1} ({src} → {dst}) refers to node {missing[0]!r}, "
                                       "which does not exist.", node=known, field="edges"))
            continue
        if port is not None and (not isinstance(port, int) or isinstance(port, bool) or port < 0):
            errors.append(ProjectError(f"Edge {src} → {dst}: target_port must be a whole number ≥ 0.",
                                       node=dst, field="target_port"))
            continue
        edges.append(Edge(src, dst, port))
    return edges


def single_to_networks(doc: dict) -> dict:
    """Version 1 -> 2: the one "graph" becomes the network named "model" (as it is, also when
    missing or wrong: the checks name it)."""
    doc = dict(doc, version=2)
    doc["networks"] = {SINGLE: doc.pop("graph", None)}
    return doc


# version -> function upgrading a document of that version by one step
MIGRATIONS: dict[int, Any] = {1: single_to_networks}


def migrate(doc: dict, version: int) -> dict:
    while version < VERSION:
        doc = MIGRATIONS[version](doc)
        version += 1
    return doc


def load_project(path: str | os.PathLike) -> Project:
    path = Path(path)
    try:
        if path.is_file() and path.stat().st_size > limits.FILE_BYTES:
            raise ProjectError(f"{path} is {path.stat().st_size / 2**20:,.0f} MB; a project file may be at most "
                               f"{limits.FILE_BYTES // 2**20} MB.", field="file")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProjectError(f"No project file at {path}.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProjectError(f"Cannot read {path}: {exc}.") from None
    remove_stale_temps(path)
    return parse_project(loads(text, path.name))


def loads(text: str, name: str = "The project") -> Any:
    """The JSON document in `text`, or a ProjectError naming the line and column (or the limit) at fault."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProjectError(f"{name} is not valid JSON: {exc.msg} at line {exc.lineno}, "
                           f"column {exc.colno}.") from None
    except RecursionError:
        raise ProjectError(f"{name} nests lists or objects too deeply (at most {limits.DEPTH} levels).",
                           field="file") from None
    except ValueError as exc:  # Python refuses integers of more than 4,300 digits
        raise ProjectError(f"{name} holds a number too long to read ({exc}); integers may be at most "
                           f"±{limits.INT_MAGNITUDE:,}.", field="file") from None


def dumps(project: Project) -> str:
    """The project as JSON text; a ProjectError (naming the field) for what UTF-8 or the limits refuse."""
    doc = project.to_dict()
    errors = limits.document_errors(doc)
    if errors:
        raise InvalidProject(errors)
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def save_project(project: Project, path: str | os.PathLike) -> None:
    text = dumps(project)
    remove_stale_temps(Path(path))
    write_atomic(Path(path), text)
