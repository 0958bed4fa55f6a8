"""Start from someone else's weights: read a .safetensors file, a torch.save'd state_dict (tensors
only: a pickle that needs more is refused and never runs) or a run folder, match its keys to the
project's node ids, and report what was loaded, missing, unexpected and of the wrong shape."""

from __future__ import annotations

import pickle
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import torch

from .errors import ProjectError

BUILTIN = "builtin:"
RUN_FILES = ("best.safetensors", "last.safetensors")  # a run folder's weights, best first
# Where people's training scripts keep the state_dict inside a bigger checkpoint dict.
NESTED_KEYS = ("state_dict", "model_state_dict", "model", "net", "weights")


class WeightsError(ProjectError):
    """A weights file that cannot be read or does not fit; the message names the file and key."""


def path_to_id(path: str) -> str:
    """A module path as a node id: `layer1.0.conv1` -> `layer1_0_conv1` (what the importers write)."""
    name = re.sub(r"\W", "_", path.replace(".", "_"))
    return f"m_{name}" if name[:1].isdigit() else name


def read_weights(path: str | Path) -> dict[str, torch.Tensor]:
    """The tensors of a weights file or run folder, on the CPU, keyed as they were saved.
    `builtin:NAME` is a weights file shipped with NetBuilder (the transfer template's)."""
    if str(path).startswith(BUILTIN):
        from .resources import resource

        shipped = resource("weights", f"{str(path)[len(BUILTIN):]}.safetensors")
        if not shipped.is_file():
            raise WeightsError(f"NetBuilder ships no weights named {str(path)[len(BUILTIN):]!r}.", field="weights")
        path = shipped
    path = Path(path).expanduser()
    if path.is_dir():
        found = next((path / f for f in RUN_FILES if (path / f).is_file()), None)
        if found is None:
            raise WeightsError(f"{path} is a folder but not a run folder: it has neither "
                               f"{' nor '.join(RUN_FILES)}.", field="weights")
        path = found
    if not path.is_file():
        raise WeightsError(f"No weights file at {path}.", field="weights")
    if path.suffix.lower() == ".safetensors":
        from safetensors import SafetensorError
        from safetensors.torch import load_file

        try:
            return load_file(str(path))
        except (SafetensorError, OSError, ValueError) as exc:
            raise WeightsError(f"{path.name} is not a readable .safetensors file ({exc}).", field="weights") from None
    return _read_torch_file(path)


def _read_torch_file(path: Path) -> dict[str, torch.Tensor]:
    try:
        # weights_only: only tensors and plain containers are unpickled; anything else is refused
        # before it is built, so a pickle's code never runs.
        with warnings.catch_warnings():  # e.g. "pickle protocol 4": the refusal below says what matters
            warnings.simplefilter("ignore")
            data = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        raise WeightsError(
            f"{path.name} holds more than tensors (for example a whole model saved with torch.save(model)), "
            "and NetBuilder never runs code from a pickle. Save the weights alone with "
            f"torch.save(model.state_dict(), '{path.name}') or as .safetensors. ({_first_line(exc)})",
            field="weights") from None
    except (RuntimeError, EOFError, OSError, zipfile.BadZipFile, ValueError) as exc:
        raise WeightsError(f"{path.name} is not a weights file that torch.load can read ({_first_line(exc)}).",
                           field="weights") from None
    if isinstance(data, dict):
        nested = next((data[k] for k in NESTED_KEYS if isinstance(data.get(k), dict)), None)
        data = nested if nested is not None and not any(isinstance(v, torch.Tensor) for v in data.values()) else data
    if not isinstance(data, dict) or not any(isinstance(v, torch.Tensor) for v in data.values()):
        raise WeightsError(f"{path.name} holds no state_dict (a dict of tensors by name); it holds "
                           f"{type(data).__name__}.", field="weights")
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, torch.Tensor)}


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


@dataclass
class MatchReport:
    """How a file's tensors meet a model's state_dict (keys are the model's: node id + tensor name)."""

    loaded: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # in the model, not in the file: keep their init
    unexpected: list[str] = field(default_factory=list)  # in the file, not in the model
    wrong_shape: list[tuple[str, list[int], list[int]]] = field(default_factory=list)  # key, file, model
    renamed: dict[str, str] = field(default_factory=dict)  # file key -> model key, e.g. layer1.0.conv1.weight

    @property
    def complete(self) -> bool:
        return not (self.missing or self.unexpected or self.wrong_shape)

    def to_dict(self) -> dict:
        return {"loaded": self.loaded, "missing": self.missing, "unexpected": self.unexpected,
                "wrong_shape": [{"key": k, "file": f, "model": m} for k, f, m in self.wrong_shape]}

    def nodes(self, keys) -> list[str]:
        return list(dict.fromkeys(k.rsplit(".", 1)[0] for k in keys))

    def lines(self) -> list[str]:
        """The report in words, one line per kind, each naming the nodes."""
        out = [f"loaded {len(self.loaded)} tensors"
               + (f" into {', '.join(_few(self.nodes(self.loaded)))}" if self.loaded else "")]
        if self.wrong_shape:
            out.append("wrong shape, skipped: " + "; ".join(
                f"{k} is {f} in the file but {m} in the graph" for k, f, m in self.wrong_shape[:4])
                + (f" (and {len(self.wrong_shape) - 4} more)" if len(self.wrong_shape) > 4 else ""))
        if self.missing:
            out.append(f"missing from the file, left as initialised: {', '.join(_few(self.missing))}")
        if self.unexpected:
            out.append(f"in the file but not in the graph, ignored: {', '.join(_few(self.unexpected))}")
        return out


def _few(items: list[str], n: int = 6) -> list[str]:
    return items if len(items) <= n else [*items[:n], f"… {len(items) - n} more"]


def match(model_state: dict[str, torch.Tensor], weights: dict[str, torch.Tensor]) -> MatchReport:
    """Pair the file's keys with the model's: exactly, or through the module path -> node id rule
    (a state_dict saved from the original nn.Module), also without a DataParallel `module.` prefix."""
    report = MatchReport()
    taken: set[str] = set()
    for key, tensor in weights.items():
        target = _model_key(key, model_state)
        if target is None or target in taken:
            report.unexpected.append(key)
            continue
        taken.add(target)
        if target != key:
            report.renamed[key] = target
        want = list(model_state[target].shape)
        if list(tensor.shape) != want:
            report.wrong_shape.append((target, list(tensor.shape), want))
        else:
            report.loaded.append(target)
    report.missing = [k for k in model_state if k not in taken]
    order = {k: i for i, k in enumerate(model_state)}  # reported in the graph's order, first layers first
    report.loaded.sort(key=order.get)
    report.wrong_shape.sort(key=lambda item: order[item[0]])
    return report


def _model_key(key: str, model_state: dict) -> str | None:
    for candidate in (key, key.removeprefix("module.")):
        if candidate in model_state:
            return candidate
        prefix, _, name = candidate.rpartition(".")
        if prefix and f"{path_to_id(prefix)}.{name}" in model_state:
            return f"{path_to_id(prefix)}.{name}"
    return None


def apply(model: torch.nn.Module, weights: dict[str, torch.Tensor], report: MatchReport) -> None:
    """Copy the matching tensors into the model (in place, keeping its devices and dtypes)."""
    state = model.state_dict()
    by_model_key = {report.renamed.get(k, k): v for k, v in weights.items()}
    with torch.no_grad():
        for key in report.loaded:
            state[key].copy_(by_model_key[key])


def load_into(model: torch.nn.Module, source: str | Path, strict: bool = False) -> MatchReport:
    """Read `source` and load what fits into `model`. strict: anything missing, unexpected or of
    the wrong shape is an error and nothing is loaded; otherwise only what fits is loaded."""
    weights = read_weights(source)
    report = match(model.state_dict(), weights)
    name = Path(source).name
    if not report.loaded:
        raise WeightsError(f"None of the {len(weights)} tensors in {name} fits the graph: "
                           + "; ".join(report.lines()[1:]) + ". Keys must be node ids plus the tensor's "
                           "name (e.g. conv1.weight), or the module paths of the model they came from.",
                           field="init_weights")
    if strict and not report.complete:
        raise WeightsError(f"{name} does not fit the graph exactly: " + "; ".join(report.lines()[1:])
                           + ". Leave out --init-strict to load only what fits.", field="init_weights")
    apply(model, weights, report)
    return report
