"""load_data: read a project's `data` section into a DataBundle of preloaded tensors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ..runtime.stream import DiskSamples
from . import normalize, synthetic
from .augment import ImageAugment
from .builtin import BUILTIN_SETS
from .bundle import DataBundle
from .errors import DataError
from .plan import normalization_stats
from .sources import BY_KIND, KINDS
from .split import parse_split, split_indices
from .tabular import read_table, scales_target
from .targets import LOSS_FOR_TASK, encode, task_for_loss

PREVIEW_ROWS = 50


def _check_fields(spec: dict, kind: str) -> None:
    allowed = BY_KIND[kind].fields
    if kind == "builtin" and not isinstance(spec.get("name"), str):
        raise DataError(f"data.name must be the name of a built-in set: one of {', '.join(BUILTIN_SETS)}.")
    if kind == "builtin":
        allowed = allowed | set(synthetic.EXTRA_PARAMS.get(spec.get("name"), ()))
    for key in spec:
        if key not in allowed:
            raise DataError(f'data has an unknown field "{key}" for kind "{kind}"; allowed: '
                            f"{', '.join(sorted(allowed))}.")
    if kind == "csv":
        scales_target(spec)  # before the file is read, whatever its target turns out to be


def check_spec(spec: dict) -> None:
    """The checks that need no file: kind, fields, built-in set name (for `netbuilder validate`)."""
    kind = spec.get("kind")
    if kind not in KINDS:
        raise DataError(f'data.kind "{kind}" is not supported; choose one of {", ".join(KINDS)}.')
    _check_fields(spec, kind)
    if kind == "builtin" and spec.get("name") not in BUILTIN_SETS:
        raise DataError(f'Unknown builtin data set "{spec.get("name")}"; choose one of '
                        f"{', '.join(BUILTIN_SETS)}.")


def _balance(y: torch.Tensor, task: str, names: list[str] | None) -> dict | None:
    if task == "regression" or names is None or y.ndim > 1 and y.shape[1] > 1:
        return None
    counts = torch.bincount(y.reshape(-1).long(), minlength=len(names)).tolist()
    return dict(zip(names, counts))


def _rows(t: torch.Tensor, idx: np.ndarray) -> torch.Tensor:
    """Rows `idx` of `t`: a view when they are consecutive (a table's splits), else a copy."""
    if len(idx) and idx[-1] - idx[0] == len(idx) - 1 and np.all(np.diff(idx) == 1):
        return t[int(idx[0]):int(idx[-1]) + 1]
    return t[torch.from_numpy(np.asarray(idx, dtype=np.int64))]


def _load_table(spec: dict, base_dir: Path, task: str | None, loss: str | None,
                choose_indices=None) -> DataBundle:
    """A CSV/TSV: its own path (profile, missing values, plan fitted on the training rows)."""
    if "path" not in spec:
        raise DataError("data.path is missing: name the CSV file.")
    split = parse_split(spec.get("split"))
    table = read_table(base_dir / spec["path"], spec, task, split, choose_indices)
    task = table.task
    what = f'{spec["path"]}'
    targets = table.plan["target"]["names"]
    y_t, classes, num_classes = encode(np.asarray(table.y), task, None, f'Target "{targets[0]}" of {what}')
    if classes:
        table.plan["target"]["classes"] = list(classes)
    x_t = torch.from_numpy(table.x)
    parts = {name: (_rows(x_t, idx), _rows(y_t, idx)) for name, idx in
             (("train", table.train), ("val", table.val), ("test", table.test))}
    window = table.plan.get("window")
    tokens = next((f for f in table.plan["features"] if f["type"] == "tokens"), None)
    layout = "sequence" if window else "tokens" if tokens else "tabular"
    info = {"kind": "csv", "layout": layout, "split": split, "target_names": targets,
            **(window or {}),
            **({"tokens": {"column": tokens["name"], "vocabulary": len(tokens["vocabulary"]),
                           "length": tokens["length"]}} if tokens else {}),
            "counts": {k: len(v[0]) for k, v in parts.items()},
            "class_balance": {k: _balance(v[1], task, classes) for k, v in parts.items()},
            "categorical_features": {f["name"]: f["levels"] for f in table.plan["features"]
                                     if f["type"] in ("categorical", "boolean")},
            "columns": table.plan["columns"], "missing": table.missing,
            "preview": table.preview, "rows": table.rows,
            "loss": loss or LOSS_FOR_TASK[task], "loss_inferred": loss is None}
    return DataBundle(
        *parts["train"], *parts["val"], *parts["test"],
        task=task, class_names=classes, num_classes=num_classes,
        input_shape=tuple(x_t.shape[1:]), target_shape=tuple(y_t.shape[1:]),
        feature_names=table.plan["feature_names"], info=info,
        normalization=normalization_stats(table.plan), plan=table.plan)


def load_data(spec: dict, base_dir: Path, loss: str | None, choose_indices=None) -> DataBundle:
    """Read, encode targets for `loss`, split, normalize (fit on train) and preload tensors.
    `choose_indices(n)` -> (train, val, test) index arrays replaces the data's own split
    (cross-validation folds); normalization and the other fitted steps see those train rows.
    `loss` None: a table's target decides the task (decimals: regression, else classes);
    other sources are classified (reconstructed, for target "input")."""
    if not isinstance(spec, dict):
        raise DataError("The project's data section must be an object with a \"kind\".")
    autoencoder = spec.get("target") == "input"
    if spec.get("kind") == "csv" and not autoencoder:
        _check_fields(spec, "csv")
        return _load_table(spec, Path(base_dir), task_for_loss(loss) if loss else None, loss,
                           choose_indices)
    inferred = loss is None
    loss = loss or ("MSELoss" if autoencoder else "CrossEntropyLoss")
    task = task_for_loss(loss)
    if autoencoder and task != "regression":
        raise DataError('data.target "input" (reconstruct the input) needs a regression loss '
                        "such as MSELoss.")
    kind = spec.get("kind")
    if kind not in KINDS:
        raise DataError(f'data.kind must be one of {", ".join(KINDS)}; got "{kind}".')
    _check_fields(spec, kind)
    if BY_KIND[kind].read is None:  # a table (target "input": its features are the targets too)
        raise DataError('data.target "input" (reconstruct the input) needs NumPy arrays, images '
                        "or a built-in set; for a table, name the columns to reconstruct as "
                        "targets.")
    x, y, classes, layout, features, mask, info = BY_KIND[kind].read(spec, Path(base_dir))
    info = {"kind": kind, **info}
    info.update(loss=loss, loss_inferred=inferred)
    what = f'{spec.get("path") or spec.get("name")}'

    labels = None
    if autoencoder:
        if classes and y is not None and np.ndim(y) == 1:  # kept aside: the latent view's colours
            labels = torch.from_numpy(np.asarray(y, dtype=np.int64))
        y_t, classes, num_classes, label_names = None, None, None, classes
    else:
        y_t, classes, num_classes = encode(np.asarray(y), task, classes, what)
    split = parse_split(spec.get("split"))
    if choose_indices is None:
        train, val, test = split_indices(len(x), split, what)
    else:
        train, val, test = (np.asarray(i, dtype=np.int64) for i in choose_indices(len(x)))

    default_norm = "standard" if layout in ("tabular", "sequence") else "none"
    method = spec.get("normalize", default_norm)
    if method != "none" and layout in ("tokens", "image") and not BY_KIND[kind].normalizes_all:
        method = "none"  # images are scaled to [0, 1] (per batch); tokens are ids
    streamed = isinstance(x, DiskSamples)  # a folder too large to hold: read per batch
    if streamed:
        x_t, stats = x, normalize.fit(None, "none")
        raw_preview = x[torch.from_numpy(train[:PREVIEW_ROWS])]
        info.update(stored="disk", cache=x.path)
    else:
        # images normalize per channel: move the channel axis last for fit/apply
        channel_axis = 1 if layout == "image" else x.ndim - 1
        raw_preview = torch.from_numpy(np.ascontiguousarray(x[train[:PREVIEW_ROWS]]))
        x_last = np.moveaxis(x, channel_axis, -1)
        stats = normalize.fit(x_last[train], method, mask)
        if stats["method"] != "none":
            stats["axis"] = channel_axis
        x_last = normalize.apply(x_last, stats)
        x_t = torch.from_numpy(np.ascontiguousarray(np.moveaxis(x_last, -1, channel_axis)))
        if x_t.dtype == torch.float64:
            x_t = x_t.float()
    if autoencoder:
        y_t = x_t.clone()

    def take(idx):  # a split: its own tensor, or its rows of the file on disk
        return x_t.subset(idx) if streamed else x_t[idx]

    parts = {name: (take(idx), y_t[idx]) for name, idx in
             (("train", torch.from_numpy(train)), ("val", torch.from_numpy(val)),
              ("test", torch.from_numpy(test)))}
    if labels is not None:
        labels = {"names": list(label_names), **{name: labels[torch.from_numpy(idx)] for name, idx in
                                                 (("train", train), ("val", val), ("test", test))}}
    info.update(
        layout=layout, split=split,
        counts={k: len(v[0]) for k, v in parts.items()},
        class_balance={k: _balance(v[1], task, classes) for k, v in parts.items()},
        target_names=info.get("target_names") or (["input"] if autoencoder else ["target"]),
        recipe="autoencoder" if autoencoder else "supervised",  # how the runtime trains it
    )
    augment = ImageAugment.from_spec(spec.get("augment"))
    if augment is not None:
        if layout != "image":
            raise DataError("data.augment applies to images only.")
        info["augment"] = augment.to_dict()
    scale = {"divide": 255.0} if x_t.dtype == torch.uint8 else None  # pixels, made float per batch
    if scale and not streamed:
        info["stored"] = "uint8"
    return DataBundle(
        *parts["train"], *parts["val"], *parts["test"],
        task=task, class_names=classes, num_classes=num_classes,
        input_shape=tuple(x_t.shape[1:]), target_shape=tuple(y_t.shape[1:]),
        feature_names=features, info=info, augment=augment, normalization=stats,
        raw_preview=raw_preview, labels=labels, scale_inputs=scale)
