"""The one declaration of a layer type: what the palette, inspector, checks and codegen read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from .params import Param

VARIADIC = -1  # merges: two or more inputs


@dataclass(frozen=True)
class Tensor:
    """What flows along an edge: one sample's shape (no batch dimension) and its dtype."""

    shape: tuple[int, ...]
    dtype: str = "float32"

    def __str__(self) -> str:
        return "[" + ", ".join(map(str, self.shape)) + "]" + ("" if self.dtype == "float32" else f" {self.dtype}")


ShapeRule = Callable[[list[Tensor], dict], Tensor]
ArgsRule = Callable[[list[Tensor], dict], dict]
# forward(var, inputs, params) -> source lines; `var` names the node's output variable (and module)
ForwardRule = Callable[[str, list[str], dict], list[str]]


def _no_args(inputs, params):
    return {}


def call_module(var: str, inputs: list[str], params: dict) -> list[str]:
    return [f"{var} = self.{var}({inputs[0]})"]


@dataclass(frozen=True)
class LayerType:
    name: str
    category: str
    doc: str
    shape: ShapeRule
    params: tuple[Param, ...] = ()
    inputs: int = 1
    torch_class: str | None = None  # e.g. "nn.Conv2d"; None for plain tensor ops (merges, flatten)
    inferred: ArgsRule = _no_args  # constructor args that follow from the input (in_features...)
    positional: tuple[str, ...] = ()  # args written positionally, as people write nn.Linear(400, 120)
    always: tuple[str, ...] = ()  # kwargs written even at their default (e.g. Softmax dim)
    fixed: dict = field(default_factory=dict)  # kwargs the app always sets (batch_first=True)
    forward: ForwardRule = call_module
    summary_keys: tuple[str, ...] = ()  # params shown on the node's face
    id_prefix: str = ""  # new nodes are named <prefix>1, <prefix>2...; the lower-cased name when empty
    example_input: tuple[int, ...] = (8,)  # one sample it accepts (the conformance test builds on it)
    example_dtype: str = "float32"
    running_stats: bool = False  # keeps running statistics (BatchNorm) that a freeze must hold still

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def arguments(self, given: dict, inferred: dict) -> dict:
        """The constructor args a node's module is built with, in the order the code writes them:
        positional ones, then those that differ from torch's default (or are always written), then fixed."""
        values = {**self.resolve(given), **inferred}
        args = {name: values[name] for name in self.positional}
        for p in self.params:
            if p.torch_arg and p.name not in args and (p.name in self.always or values[p.name] != p.default):
                args[p.name] = values[p.name]
        return {**args, **self.fixed}

    def resolve(self, given: dict) -> dict:
        """Every param's value: the given ones over the declared defaults."""
        return {p.name: given.get(p.name, p.default) for p in self.params}

    @property
    def prefix(self) -> str:
        return self.id_prefix or self.name.lower()

    @cached_property
    def inferred_names(self) -> frozenset[str]:
        """The constructor args that follow from the input, read off the inferred rule itself."""
        example = Tensor(self.example_input, self.example_dtype)
        return frozenset(self.inferred([example] * max(self.inputs, 2), self.resolve({})))

    def face_label(self, param: str) -> str:
        return next((p.short for p in self.params if p.name == param and p.short), param)

    @property
    def has_module(self) -> bool:
        return self.torch_class is not None
