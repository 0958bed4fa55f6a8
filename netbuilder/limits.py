"""What a project file may hold: sizes, numbers and characters. Each limit is declared once here.

The limits keep every step linear and safe (no recursion a file can overflow, no value that Qt, the
code generator or the UTF-8 encoder cannot take); docs/project-format.md lists them for users.
`document_errors` checks a parsed JSON document in one iterative pass and names where each problem is.
"""

from __future__ import annotations

import math
import re
from typing import Any

from .errors import ProjectError

FILE_BYTES = 64 * 2**20  # a project file, read from disk
NAME_CHARS = 200  # the project's name
DESCRIPTION_CHARS = 20_000
TEXT_CHARS = 4_096  # any other string (paths, column names, ids, settings)
ID_CHARS = 100  # a node id
NODES = 20_000
EDGES = 100_000
FAN_IN = 512  # incoming edges of one merge node
DEPTH = 32  # nesting of lists and objects
INT_MAGNITUDE = 2**63 - 1  # any integer in the file (what int64 holds)
PARAM_INT = 2**31 - 1  # an integer layer parameter (sizes, counts, dims)
ELEMENTS = 2**27  # values in one node's output for one sample (512 MiB of float32)
PARAMETERS = 10**9  # trainable + frozen parameters of the whole model (4 GB of float32)
POSITION = 40_000.0  # |x| and |y| of a node on the canvas; larger ones are moved back to this edge

# characters JSON and UTF-8 cannot carry, or that C-level APIs (compile, file names, Qt) cut at
_UNSAFE = re.compile("[\x00\ud800-\udfff]")


def where(path: list) -> str:
    """A JSON path as people read it: graph.nodes[3].params.kernel_size."""
    out = ""
    if len(path) > 8:  # the path into a deep nesting: its start says where
        return where(path[:6]) + "[…]"
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out or "the file"


def _owner(doc: Any, path: list) -> str | None:
    """The id of the node a path lies in, when it lies in graph.nodes[i]."""
    if len(path) >= 3 and path[:2] == ["graph", "nodes"] and isinstance(path[2], int):
        try:
            node_id = doc["graph"]["nodes"][path[2]].get("id")
        except (AttributeError, IndexError, KeyError, TypeError):
            return None
        return node_id if isinstance(node_id, str) and not _UNSAFE.search(node_id) else None
    return None


def text_problem(text: str, limit: int) -> str | None:
    """Why a string cannot be kept (too long, a NUL or a lone surrogate), or None."""
    if len(text) > limit:
        return f"is {len(text):,} characters long; at most {limit:,} are allowed"
    bad = _UNSAFE.search(text)
    if bad:
        if bad.group() == "\x00":
            return f"holds a NUL character at position {bad.start() + 1}, which file names, code and Qt cut at"
        return (f"holds a lone surrogate (U+{ord(bad.group()):04X}) at position {bad.start() + 1}, "
                "which cannot be saved as UTF-8 text")
    return None


def _text_limit(path: list) -> int:
    if path == ["name"]:
        return NAME_CHARS
    if path == ["description"]:
        return DESCRIPTION_CHARS
    return TEXT_CHARS


_PLAIN = (type(None), bool, float)  # values that are never a problem here


def _surely_clean(doc: Any) -> bool:
    """True when nothing in the document can be a problem: one pass that builds no paths, with
    the characters of all strings searched at once (a 5,000-node file: 80 ms -> 15 ms). False
    sends the document to the full walk, which names the places (or finds it was fine after all)."""
    texts: list[str] = []
    ints: list[int] = []
    level, depth = [doc], 0
    while level:
        below: list = []
        for value in level:
            kind = type(value)
            if kind is dict:
                texts += value
                below += value.values()
            elif kind is list:
                below += value
            elif kind is str:
                texts.append(value)
            elif kind is int:
                ints.append(value)
            elif kind not in _PLAIN:
                return False  # a subclass or an unknown type: the full walk decides
        depth += 1
        if depth >= DEPTH and any(type(v) in (dict, list) for v in below):
            return False
        level = below
    if isinstance(doc, dict) and isinstance(doc.get("name"), str) and len(doc["name"]) > NAME_CHARS:
        return False
    if ints and (max(ints) > INT_MAGNITUDE or min(ints) < -INT_MAGNITUDE):
        return False
    return max(map(len, texts), default=0) <= TEXT_CHARS and not _UNSAFE.search("".join(texts))


def document_errors(doc: Any, most: int = 20) -> list[ProjectError]:
    """Problems of size, depth, numbers and characters anywhere in a JSON document (at most `most`)."""
    if _surely_clean(doc):
        return []
    errors: list[ProjectError] = []
    stack: list[tuple[Any, list]] = [(doc, [])]
    while stack and len(errors) < most:
        value, path = stack.pop()
        problem = None
        if isinstance(value, (dict, list)):
            if len(path) >= DEPTH:
                problem = f"is nested more than {DEPTH} levels deep"
            elif isinstance(value, dict):
                for key in value:
                    if _UNSAFE.search(key) or len(key) > TEXT_CHARS:
                        problem = f"has a key that {text_problem(key, TEXT_CHARS)}"
                        break
                else:
                    stack.extend((v, [*path, k]) for k, v in reversed(value.items()))
            else:
                stack.extend((v, [*path, i]) for i, v in reversed(list(enumerate(value))))
        elif isinstance(value, str):
            problem = text_problem(value, _text_limit(path))
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > INT_MAGNITUDE:
            problem = f"is an integer beyond ±{INT_MAGNITUDE:,} (about {value.bit_length() * 0.30103:.0f} digits)"
        if problem:
            node = _owner(doc, path)
            field = next((p for p in reversed(path) if isinstance(p, str)), None)
            place = f"Node '{node}': {where(path[3:])}" if node and path[3:] else where(path)
            errors.append(ProjectError(f"{place} {problem}.", node=node, field=field))
    return errors


def clamp_position(x: float, y: float) -> tuple[float, float]:
    """A canvas position within ±POSITION (NaN, which JSON can hold, goes to 0)."""
    if -POSITION <= x <= POSITION and -POSITION <= y <= POSITION:  # the usual case (NaN is not)
        return x, y
    return tuple(0.0 if math.isnan(v) else max(-POSITION, min(POSITION, v)) for v in (x, y))
