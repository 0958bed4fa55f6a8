"""Hostile project documents, made by mutating the templates, and the checks every step must pass.

Shared by the suite's hypothesis test (tests/test_fuzz_projects.py) and the longer campaign
(bench/fuzz_projects.py). `mutate(doc, rng)` changes types, ranges, strings and structure;
`run_steps(path, out_dir)` runs validate, summary, compile and export on one file and returns
what each said, raising AssertionError where they disagree or an internal error shows.
`train_one_epoch` then trains what validate accepted: it must train, or refuse with exactly the
code of a warning validate gave (a project without data: validate warns that train needs --data).
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import random
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from netbuilder.cli import main
from netbuilder.templates import template_names, template_path

INTERNAL = "failed unexpectedly"
TEMPLATES = template_names()

HOSTILE_STRINGS = ["", " ", "\x00", "\ud800", "a\udfffb", "<img src='/etc/passwd'>", "<b>bold</b>",
                   '"""; import os; os.system("x") #', "\\", "AUGMENT = None", "\n\n", "é" * 50, "x" * 5000,
                   "conv1", "Output", "__class__", "1e400", "NaN", "🙂", "\u202e", "self"]
HOSTILE_NUMBERS = [0, -1, 1, 2, 3, 7, -(2**63), 2**63, 10**40, 10**309, 1e308, -1e308, 1e-320, 0.5, -0.0,
                   float("inf"), float("-inf"), float("nan"), 1e300]
HOSTILE_OTHER = [None, True, False, [], {}, [1], [[[]]], {"type": "Adam"}, [2**70, 1], ["a", "b"]]


def hostile_value(rng: random.Random):
    pool = rng.choice((HOSTILE_STRINGS, HOSTILE_NUMBERS, HOSTILE_OTHER))
    return copy.deepcopy(rng.choice(pool))  # a shared [] put in two places would grow into a cycle


def _containers(doc) -> list:
    """Every dict and list inside doc (iteratively), with doc itself first."""
    out, stack = [], [doc]
    while stack:
        item = stack.pop()
        out.append(item)
        children = item.values() if isinstance(item, dict) else item
        stack.extend(c for c in children if isinstance(c, (dict, list)))
    return out


def _set_somewhere(doc, rng: random.Random, value) -> None:
    spot = rng.choice(_containers(doc))
    if isinstance(spot, dict):
        keys = list(spot)
        key = rng.choice(keys) if keys and rng.random() < 0.85 else rng.choice(
            ["params", "pos", "target_port", "id", "type", "kind", "name", "loss", "lr", "description",
             "frozen", "reduction", "foreach", "fused"])
        spot[key] = value
    elif spot:
        spot[rng.randrange(len(spot))] = value
    else:
        spot.append(value)


def _nodes(doc) -> list:
    graph = doc.get("graph")
    nodes = graph.get("nodes") if isinstance(graph, dict) else None
    return nodes if isinstance(nodes, list) else []


def _edges(doc) -> list:
    graph = doc.get("graph")
    edges = graph.get("edges") if isinstance(graph, dict) else None
    return edges if isinstance(edges, list) else []


def _ids(doc) -> list:
    return [n["id"] for n in _nodes(doc) if isinstance(n, dict) and isinstance(n.get("id"), str)]


def _structure(doc, rng: random.Random) -> str:
    nodes, edges, ids = _nodes(doc), _edges(doc), _ids(doc)
    kind = rng.choice(["drop_node", "drop_edge", "add_edge", "retype", "dup_node", "output_out", "fan_in",
                       "swap_port", "deep", "long_int", "big_pos", "huge_name"])
    if kind == "drop_node" and nodes:
        nodes.pop(rng.randrange(len(nodes)))
    elif kind == "drop_edge" and edges:
        edges.pop(rng.randrange(len(edges)))
    elif kind == "add_edge" and ids:
        edges.append({"source": rng.choice(ids), "target": rng.choice(ids)})
    elif kind == "retype" and nodes:
        from netbuilder.layers.registry import LAYERS

        node = rng.choice(nodes)
        if isinstance(node, dict):
            node["type"] = rng.choice(sorted(LAYERS))
    elif kind == "dup_node" and nodes:
        nodes.append(json.loads(json.dumps(rng.choice(nodes))))
    elif kind == "output_out":
        outs = [n["id"] for n in nodes if isinstance(n, dict) and n.get("type") == "Output" and "id" in n]
        if outs and ids:
            edges.append({"source": rng.choice(outs), "target": rng.choice(ids)})
    elif kind == "fan_in" and ids:
        target, n = rng.choice(ids), rng.choice([2, 50, 3000])
        edges.extend({"source": rng.choice(ids), "target": target} for _ in range(n))
    elif kind == "swap_port" and edges:
        edge = rng.choice(edges)
        if isinstance(edge, dict):
            edge["target_port"] = rng.choice([0, 1, 5, -1, 10**30, "0", None])
    elif kind == "deep":
        _set_somewhere(doc, rng, f"{RAW}[{rng.choice([40, 200, 1200])}")
    elif kind == "long_int":
        _set_somewhere(doc, rng, f"{RAW}9{rng.choice([400, 4301, 20_000])}")
    elif kind == "big_pos" and nodes:
        node = rng.choice(nodes)
        if isinstance(node, dict):
            node["pos"] = [rng.choice([1e308, -1e308, float("nan"), 1e12, 2**80]), rng.choice([0, -1e308])]
    elif kind == "huge_name":
        doc[rng.choice(["name", "description"])] = rng.choice(["<i>x</i> ", "word ", "\ud800"]) * 200_000
    return kind


VALID_TEXTS = ["<img src='/etc/passwd'>", "<b>bold</b> & <i>x</i>", '"""; import os #', "AUGMENT = None",
               "\\", "é🙂\u202e", "line\nbreak\ttab", "word " * 3000, "self", ""]


def _gentle(doc, rng: random.Random) -> str:
    """A change that may well leave the project valid: a small value, a strange but legal text."""
    nodes = [n for n in _nodes(doc) if isinstance(n, dict)]
    kind = rng.choice(["param", "param", "name", "description", "pos", "training"])
    if kind == "param" and nodes:
        params = rng.choice(nodes).get("params")
        numeric = [k for k, v in params.items() if isinstance(v, int) and not isinstance(v, bool)] \
            if isinstance(params, dict) else []
        if numeric:
            params[rng.choice(numeric)] = rng.choice([1, 2, 3, 4, 8, 16])
    elif kind in ("name", "description"):
        doc[kind] = rng.choice(VALID_TEXTS)[:200 if kind == "name" else None]
    elif kind == "pos" and nodes:
        rng.choice(nodes)["pos"] = [rng.choice([1e308, -1e308, 1e12, -0.0, 3.5]), rng.choice([0, 1e300])]
    elif kind == "training" and isinstance(doc.get("training"), dict):
        doc["training"][rng.choice(["batch_size", "epochs"])] = rng.choice([1, 2, 7])
    return f"gentle {kind}"


@dataclass
class Mutated:
    doc: dict
    template: str
    changes: list[str] = field(default_factory=list)


def mutate(rng: random.Random, template: str | None = None, steps: int | None = None) -> Mutated:
    template = template or rng.choice(TEMPLATES)
    doc = json.loads(template_path(template).read_text(encoding="utf-8"))
    out = Mutated(doc, template)
    for _ in range(steps or rng.randint(1, 3)):
        what = rng.choice(["gentle", "gentle", "value", "value", "structure"])
        if what == "gentle":
            out.changes.append(_gentle(doc, rng))
        elif what == "value":
            value = hostile_value(rng)
            _set_somewhere(doc, rng, value)
            out.changes.append(f"value {value!r:.40}")
        else:
            out.changes.append(_structure(doc, rng))
    return out


RAW = "@raw@"  # a placeholder json.dumps cannot write itself: "@raw@[N" N-deep nesting, "@raw@9N" N digits
_RAW_TOKEN = re.compile(r'"@raw@([\[9])(\d+)"')


def _raw(match: re.Match) -> str:
    n = int(match.group(2))
    return "[" * n + "1" + "]" * n if match.group(1) == "[" else "9" * n


def write_doc(doc: dict, path: Path) -> None:
    """As a real file would hold it: lone surrogates as \\ud800 escapes, placeholders expanded."""
    path.write_text(_RAW_TOKEN.sub(_raw, json.dumps(doc, ensure_ascii=True)), encoding="utf-8")


@dataclass
class Outcome:
    valid: bool  # validate said valid
    graph_ok: bool  # summary (and so compile) succeeded
    exported: bool
    refusal: str  # the first error message (for counting refusals by kind), "" when valid
    warned: tuple[str, ...] = ()  # the codes of validate's warnings: what may stop train as it stands


def _cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def _json(text: str, keys: tuple[str, ...], what: str) -> dict:
    lines = text.splitlines()
    assert len(lines) == 1, f"{what} --json printed {len(lines)} lines"
    obj = json.loads(lines[0])
    missing = [k for k in keys if k not in obj]
    assert not missing, f"{what} --json lacks {missing}: {obj}"
    return obj


def run_steps(path: Path, out_dir: Path, export: bool = True) -> Outcome:
    code, out, err = _cli(["validate", str(path), "--json"])
    assert INTERNAL not in out + err, f"validate: {out}{err}"
    v = _json(out, ("valid", "errors", "warnings"), "validate")
    assert code == (0 if v["valid"] else 1) and v["valid"] == (not v["errors"]), v
    for e in v["errors"]:
        assert isinstance(e.get("message"), str) and e["message"] and "node" in e, e
    for w in v["warnings"]:  # a warning names what it warns of in a code a script (and train_one_epoch) can match
        assert isinstance(w.get("message"), str) and w["message"] and isinstance(w.get("code"), str), w

    code, out, err = _cli(["summary", str(path), "--json"])
    assert INTERNAL not in out + err, f"summary: {out}{err}"
    s = _json(out, ("total_params", "nodes") if code == 0 else ("error", "errors"), "summary")
    graph_ok = code == 0
    if v["valid"]:
        assert graph_ok, f"validate said valid, summary refused: {s}"
    elif graph_ok:  # validate's complaints must then be about the settings, or the data against the graph
        has_data = isinstance(json.loads(path.read_text(encoding="utf-8")).get("data"), dict)
        assert has_data or all(str(e.get("field", "")).startswith(("training", "data")) for e in v["errors"]), v

    if graph_ok:
        from netbuilder.compiler import build_model
        from netbuilder.session import with_data_defaults
        from netbuilder.spec import load_project

        build_model(with_data_defaults(load_project(path), path.parent), device="meta")  # agrees with summary
    exported = False
    if export:
        target = out_dir / "export"
        code, out, err = _cli(["export", str(path), "-o", str(target), "--force"])
        assert INTERNAL not in out + err, f"export: {out}{err}"
        exported = code == 0
        if v["valid"]:
            assert exported, f"validate said valid, export refused: {err}"
            assert (target / "model.py").is_file()
    refusal = v["errors"][0]["message"] if v["errors"] else ""
    return Outcome(v["valid"], graph_ok, exported, refusal, tuple(w["code"] for w in v["warnings"]))


def train_one_epoch(path: Path, out_dir: Path, warned: tuple[str, ...] = ()) -> str | None:
    """`train --epochs 1` on a project validate accepted. It must train (returns None), or refuse
    with the code of one of the warnings validate gave, `warned` (returns that code). Any other
    refusal raises AssertionError saying why: validate accepted what train refuses."""
    run = out_dir / "run"
    shutil.rmtree(run, ignore_errors=True)
    code, out, err = _cli(["train", str(path), "--epochs", "1", "--device", "cpu", "--out", str(run), "--json"])
    assert INTERNAL not in out + err, f"train: {out}{err}"
    if code == 0:
        return None
    refused = _json(out, ("error",), "train")
    assert refused.get("code") in warned, \
        f"validate said valid, train refused: {out.strip()[:300]} {err.strip()[-300:]} (validate warned of {list(warned)})"
    return refused["code"]


def refusal_kind(message: str) -> str:
    """A short label for a refusal message, for the campaign's counts."""
    text = re.sub(r"'[^']*'|\"[^\"]*\"|\[[^\]]*\]|-?\d[\d.e+,]*", "_", message)
    return " ".join(text.split()[:7])
