"""ONNX and torch.export (.pt2) exports, with a dynamic batch dimension.

When ONNX cannot express a layer, each node is exported alone to find which one: the message names
the node and the op, and the Python and .pt2 exports are unaffected.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import warnings
from pathlib import Path

import torch

from ..codegen import forward_inputs, render_model
from ..compiler import load_source
from ..shapes import Analysis
from ..spec import Edge, Node, Project
from ..summary import example_inputs
from .common import ExportError, ExportResult, Progress, build, check_target, checked, no_progress, staging

EXAMPLE_BATCH = 2  # torch.export specializes sizes 0 and 1, so trace with 2 and mark it dynamic


def _inputs_outputs(project: Project, analysis: Analysis) -> tuple[list[str], list[str]]:
    inputs = forward_inputs(project, analysis)
    outputs = [n.id for n in project.nodes if n.type == "Output"]
    return inputs, outputs


def _dynamic_shapes(n_inputs: int):
    batch = torch.export.Dim("batch", min=1, max=1 << 20)
    return tuple({0: batch} for _ in range(n_inputs))


def _random_like(inputs: list[torch.Tensor], project: Project, analysis: Analysis, batch: int, seed: int = 0):
    """Sample inputs: normal floats, token ids within every Embedding's vocabulary."""
    g = torch.Generator().manual_seed(seed)
    vocab = min([n.resolved()["num_embeddings"] for n in project.nodes if n.type == "Embedding"] or [2])
    out = []
    for t in inputs:
        shape = (batch, *t.shape[1:])
        if t.dtype == torch.int64:
            out.append(torch.randint(0, vocab, shape, generator=g))
        else:
            out.append(torch.randn(shape, generator=g))
    return out


def sample_inputs(project: Project, analysis: Analysis, batch: int, seed: int = 0) -> list[torch.Tensor]:
    return _random_like(example_inputs(project, analysis, 1, "cpu"), project, analysis, batch, seed)


def _onnx_program(model, args, input_names, output_names):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return torch.onnx.export(model, tuple(args), dynamo=True, external_data=False, verbose=False,
                                 input_names=input_names, output_names=output_names,
                                 dynamic_shapes=_dynamic_shapes(len(args)), optimize=True)


def _quiet(fn, *args, **kwargs):
    """torch.onnx prints progress on stdout and logs warnings; keep the CLI's output clean."""
    buf = io.StringIO()
    registration = logging.getLogger("torch.onnx._internal.exporter._registration")
    level = registration.level
    registration.setLevel(logging.ERROR)
    try:
        with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
            return fn(*args, **kwargs)
    finally:
        registration.setLevel(level)


def one_network(project: Project, network: str | None, weights) -> tuple[Project, object]:
    """A single-file export holds one network: of a project with several, `network` (by default
    the one that makes samples: a GAN's generator, a VAE's decoder), with its part of the weights."""
    if not project.networks:
        if network not in (None, "model"):
            raise ExportError(f"--network {network}: this project has one network.", field="network")
        return project, weights
    from ..networks import roles
    from .common import read_weights

    checked(project)  # every network valid, and the ones between them fit
    r = roles(project)
    network = network or (r.sampler if r else project.active)
    if network not in project.networks:
        raise ExportError(f"--network {network}: the project's networks are {', '.join(project.networks)}.",
                          field="network")
    state = read_weights(weights)
    if state is not None:
        prefix = f"{network}."
        state = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
    return project.graph(network), state


def _prepare(project: Project, out: Path, weights, force: bool, progress: Progress):
    """What every single-file export starts with: a valid graph, a free target, the model, sample inputs."""
    analysis = checked(project)
    check_target(out, force, folder=False)
    progress("Building the model", 0.05)
    model, _ = build(project, analysis, weights)
    return analysis, model, sample_inputs(project, analysis, EXAMPLE_BATCH)


def export_onnx(project: Project, out: str | Path, weights=None, force: bool = False,
                progress: Progress = no_progress, network: str | None = None) -> ExportResult:
    """Write one .onnx file with the weights embedded and a dynamic batch axis, checked by onnx.checker.
    Of a project with several networks: one of them (see one_network)."""
    import onnx

    project, weights = one_network(project, network, weights)
    out = Path(out)
    analysis, model, args = _prepare(project, out, weights, force, progress)
    inputs, outputs = _inputs_outputs(project, analysis)
    progress("Exporting to ONNX (this takes a few seconds)", 0.15)
    try:
        program = _quiet(_onnx_program, model, args, inputs, outputs)
    except Exception as exc:  # noqa: BLE001 - any exporter failure is mapped back to the graph
        progress("Finding the layer ONNX cannot express", 0.5)
        raise ExportError(describe_onnx_failure(project, analysis, exc)) from None
    with staging(out) as tmp:
        path = tmp / out.name
        program.save(str(path), external_data=False)
        progress("Checking the ONNX model", 0.85)
        onnx.checker.check_model(str(path), full_check=True)
        path.replace(out)
    progress("Done", 1.0)
    return ExportResult("onnx", out, [out])


def export_pt2(project: Project, out: str | Path, weights=None, force: bool = False,
               progress: Progress = no_progress, network: str | None = None) -> ExportResult:
    """Write a torch.export ExportedProgram (.pt2) with a dynamic batch dimension (of one network)."""
    project, weights = one_network(project, network, weights)
    out = Path(out)
    _, model, args = _prepare(project, out, weights, force, progress)
    progress("Tracing with torch.export", 0.2)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            program = torch.export.export(model, tuple(args), dynamic_shapes=_dynamic_shapes(len(args)))
    except Exception as exc:  # noqa: BLE001
        raise ExportError(f"torch.export could not trace the model: {_first_line(exc)}") from None
    with staging(out) as tmp:
        path = tmp / out.name
        torch.export.save(program, str(path))
        path.replace(out)
    progress("Done", 1.0)
    return ExportResult("pt2", out, [out])


# --- mapping an ONNX failure back to a node ------------------------------------------------------

_OPS = (re.compile(r"op='([A-Za-z0-9_.]+)'"), re.compile(r"torch\.ops\.([A-Za-z0-9_]+\.[A-Za-z0-9_]+)"),
        re.compile(r"\baten::([A-Za-z0-9_]+)"))
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _text(exc: BaseException) -> str:
    parts, seen = [], set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        parts.append(_ANSI.sub("", str(exc)))
        exc = exc.__cause__
    return "\n".join(parts)


def _first_line(exc: BaseException) -> str:
    """The most telling line of an exporter error (the exception summary when there is one)."""
    lines = [line.strip() for line in _text(exc).splitlines() if line.strip()]
    for line in lines:
        if "No ONNX function found" in line or "Unsupported" in line or "not supported" in line:
            return re.sub(r"^<class '[^']+'>:\s*", "", line)[:300]
    return (lines[0] if lines else type(exc).__name__)[:300]


def _op_of(exc: BaseException) -> str | None:
    text = _text(exc)
    for pattern in _OPS:
        match = pattern.search(text)
        if match:
            return match.group(1).removesuffix(".default")
    return None


def single_node_project(project: Project, analysis: Analysis, node_id: str) -> Project:
    """The node alone: one Input per incoming tensor (same shape and dtype), then an Output."""
    node = project.node(node_id)
    nodes, edges = [], []
    for port, edge in enumerate(project.incoming(node_id)):
        t = analysis.tensors[edge.source]
        nodes.append(Node(f"in{port}", "Input", {"shape": tuple(t.shape), "dtype": t.dtype}))
        edges.append(Edge(f"in{port}", node_id, port))
    nodes += [Node(node.id, node.type, dict(node.params)), Node("out", "Output")]
    edges.append(Edge(node_id, "out"))
    return Project(name=node_id, nodes=nodes, edges=edges)


def failing_nodes(project: Project, analysis: Analysis) -> list[tuple[str, str, str | None, str]]:
    """(node id, type, aten op or None, first line of the error) for each node ONNX cannot export."""
    from ..shapes import analyze

    found, seen = [], {}
    for node_id in analysis.order:
        node = project.node(node_id)
        if node.type in ("Input", "Output"):
            continue
        sub = single_node_project(project, analysis, node_id)
        sub_analysis = analyze(sub)
        key = (node.type, repr(sorted(node.params.items())),
               tuple(analysis.tensors[e.source] for e in project.incoming(node_id)))
        if key in seen:
            if seen[key] is not None:
                found.append((node_id, node.type, *seen[key]))
            continue
        model = load_source(render_model(sub, sub_analysis))().eval()
        args = sample_inputs(sub, sub_analysis, EXAMPLE_BATCH)
        names = [i for i in sub_analysis.order if sub.node(i).type == "Input"]
        try:
            _quiet(_onnx_program, model, args, names, ["out"])
            seen[key] = None
        except Exception as exc:  # noqa: BLE001
            seen[key] = (_op_of(exc), _first_line(exc))
            found.append((node_id, node.type, *seen[key]))
    return found


def describe_onnx_failure(project: Project, analysis: Analysis, exc: BaseException) -> str:
    nodes = failing_nodes(project, analysis)
    if not nodes:
        op = _op_of(exc)
        return ("ONNX export failed" + (f" on the op {op}" if op else "") + f": {_first_line(exc)}. "
                "The Python and .pt2 exports still work.")
    parts = [f"node '{nid}' ({typ}" + (f", op {op})" if op else ")") for nid, typ, op, _ in nodes]
    detail = nodes[0][3]
    return (f"ONNX cannot express {', '.join(parts)}: {detail}. Replace or remove "
            f"{'that layer' if len(nodes) == 1 else 'those layers'} to export ONNX; "
            "the Python and .pt2 exports still work.")
