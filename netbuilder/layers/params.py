"""Typed layer parameters: one declaration feeds validation, the inspector form and codegen."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..limits import PARAM_INT

# kinds: "int", "float", "bool", "choice", "size" (int or tuple of `dims` ints), "shape" (list of ints)


@dataclass(frozen=True)
class Param:
    name: str
    kind: str
    default: Any
    doc: str
    min: float | None = None
    max: float | None = None
    choices: tuple = ()
    dims: int = 1
    optional: bool = False  # None is allowed (e.g. an unset argument)
    torch_arg: bool = True  # False for the app's own options (e.g. return_sequence), kept out of nn.X(...)
    short: str = ""  # its label on the node's face ("ch 16"); the name when empty

    def coerce(self, value: Any) -> Any:
        """Return the value in canonical form, or raise ValueError saying what is allowed."""
        if value is None:
            if self.optional:
                return None
            raise ValueError(f"needs a value ({self.describe()})")
        kind = self.kind
        if kind == "bool":
            if not isinstance(value, bool):
                raise ValueError(f"must be true or false, not {_short(value)}")
            return value
        if kind == "choice":
            if value not in self.choices:
                raise ValueError(f"must be one of {', '.join(map(repr, self.choices))}, not {_short(value)}")
            return value
        if kind == "int":
            return self._check_range(_as_int(value))
        if kind == "float":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"must be a finite number, not {_short(value)}")
            return self._check_range(float(value))
        if kind == "size":
            if isinstance(value, (list, tuple)):
                if len(value) != self.dims:
                    raise ValueError(f"must be one number or a list of {self.dims}, not {_short(list(value))}")
                items = tuple(self._check_range(_as_int(v)) for v in value)
                return items[0] if len(set(items)) == 1 else items
            return self._check_range(_as_int(value))
        if kind == "shape":
            if not isinstance(value, (list, tuple)) or not value:
                raise ValueError(f"must be a list of positive integers such as [1, 28, 28], not {_short(value)}")
            return tuple(self._check_range(_as_int(v)) for v in value)
        raise AssertionError(f"unknown param kind {kind}")

    def _check_range(self, v):
        if self.min is not None and v < self.min:
            raise ValueError(f"must be at least {_num(self.min)}, not {_num(v)} ({self.describe()})")
        if self.max is not None and v > self.max:
            raise ValueError(f"must be at most {_num(self.max)}, not {_num(v)} ({self.describe()})")
        return v

    def describe(self) -> str:
        """The allowed values in words, for messages and tooltips."""
        if self.kind == "choice":
            return "one of " + ", ".join(map(str, self.choices))
        lo = "" if self.min is None else _num(self.min)
        hi = "" if self.max is None else _num(self.max)
        rng = f"{lo} to {hi}" if lo and hi else (f"≥ {lo}" if lo else (f"≤ {hi}" if hi else "any"))
        return f"{self.kind}, {rng}"

    def to_json(self, value: Any) -> Any:
        return list(value) if isinstance(value, tuple) else value


def _as_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or (isinstance(value, float) and (not math.isfinite(value) or not value.is_integer())):
        raise ValueError(f"must be a whole number, not {_short(value)}")
    if abs(value) > PARAM_INT:  # compared as numbers: an int of 400 digits has no float
        raise ValueError(f"must be a whole number between -{PARAM_INT:,} and {PARAM_INT:,}, not {_short(value)}")
    return int(value)


def _short(value: Any) -> str:
    """A value for a message, cut short (a hostile file's value may be megabytes long)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**15:
        return f"an integer of {value.bit_length() * 0.30103:.0f} digits"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _num(v) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def ntuple(v, dims: int) -> tuple[int, ...]:
    """A size param as one int per spatial dimension (3 -> (3, 3) for an image)."""
    return (v,) * dims if isinstance(v, int) else tuple(v)
