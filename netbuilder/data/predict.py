"""Predict new raw rows with a trained model and the run's saved preprocessing plan.

    predict_file(project, base_dir, weights, data) -> Predictions

The rows are read, encoded and decoded by plan_apply (the code the exported predict.py
carries), so the GUI, `netbuilder predict` and predict.py give identical predictions."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .bundle import plan_target_scale
from .errors import DataError
from .plan import PLAN_FILE, read_plan
from .plan_apply import describe_notes, encode_rows, predictions, read_rows, write_predictions
from .report import target_scale_text

CHUNK = 1024  # rows per forward pass; predict.py uses the same, so sums round alike


@dataclass
class Predictions:
    header: list[str]  # the input file's columns
    rows: list[list[str]]  # its cells
    columns: list[str]  # prediction, p_<class>...
    values: list[list[str]]  # one row of `columns` per input row
    notes: list[str] = field(default_factory=list)  # how missing and unseen cells were handled

    def save_csv(self, path: str | Path) -> None:
        write_predictions(path, self.header, self.rows, self.columns, self.values)

    def to_json(self) -> dict:
        return {"rows": len(self.rows), "columns": self.header + self.columns,
                "notes": self.notes}


def plan_for(weights: Path, project, base_dir: Path) -> tuple[dict, list[str]]:
    """The plan saved beside the weights (a run folder, an export); else fitted again from the
    project's data, said so, with the target scale the weights record (weights_meta)."""
    saved = Path(weights).resolve().parent / PLAN_FILE
    if saved.is_file():
        return read_plan(saved), []
    from ..session import load_project_data

    bundle = load_project_data(project, base_dir)
    if bundle.plan is None:
        raise DataError("Predicting raw rows needs table (CSV) data; this project's data is "
                        f"{(project.data or {}).get('kind', 'missing')}.")
    notes = [(f"{saved.parent} has no {PLAN_FILE}: the preprocessing was fitted again on the "
              "project's data, as training fits it.")]
    return with_recorded_scale(bundle.plan, weights, notes), notes


def with_recorded_scale(plan: dict, weights: Path, notes: list[str]) -> dict:
    """A refitted plan whose target is scaled back as the weights were trained (their metadata
    says how): the project's data.scale_target may say otherwise now. Weights without the
    record (older files) keep the refitted plan's scaling, with a note naming the setting."""
    from ..runtime.safetensors_io import read_metadata
    from ..runtime.weights_meta import UNKNOWN, recorded_target_scale

    if plan["target"].get("task") != "regression":
        return plan  # a class is predicted as it is, whatever the weights say
    recorded = recorded_target_scale(read_metadata(weights))
    if recorded not in (None, UNKNOWN) and len(recorded["scale"]) != len(plan["target"]["names"]):
        recorded = UNKNOWN  # weights of another target: the refitted plan's, with the note
    if recorded == UNKNOWN:
        if plan_target_scale(plan) is not None:  # weights trained on raw targets would be off
            notes.append("Predictions are scaled back from a standardised target "
                         "(data.scale_target); for weights trained on the target in its own "
                         "units, set data.scale_target to false.")
        return plan
    plan = {**plan, "target": {k: v for k, v in plan["target"].items()
                               if k not in ("shift", "scale")}}
    if recorded is None:
        notes.append("The weights were trained on the target in its own units: predictions "
                     "are not scaled back.")
    else:
        plan["target"].update(shift=recorded["shift"], scale=recorded["scale"])
        notes.append(f"The target is scaled back as the weights were trained ({target_scale_text(recorded)}).")
    return plan


def with_data_shape(project, plan: dict):
    from ..session import fill_data_shape

    fill_data_shape(project, plan["input_shape"])  # the data decided the Input's shape when it was left out
    return project


def trained_model(project, weights: Path, plan: dict):
    """(model with the weights loaded, notes). When the graph was edited since training, the
    graph the weights were trained with: the project.json a run folder (or an export) keeps
    beside them."""
    from ..compiler import build_model
    from ..errors import UserError
    from ..spec import load_project
    from ..train.checkpoint import load_model

    saved = weights.resolve().parent / "project.json"
    try:
        model = build_model(with_data_shape(project, plan))
        load_model(weights, model)
        return model, []
    except UserError:
        if not saved.is_file():
            raise
    model = build_model(with_data_shape(load_project(saved), plan))
    load_model(weights, model)
    note = (f"the project's graph does not fit these weights (edited since training?): "
            f"predicted with the graph they were trained with ({saved})")
    return model, [note]


def run_model(model, inputs: list[list[float]]) -> list[list[float]]:
    import torch

    model.eval()
    outputs = []
    with torch.no_grad():
        for start in range(0, len(inputs), CHUNK):
            batch = torch.tensor(inputs[start:start + CHUNK])  # word ids stay int64
            out = model(batch.float() if batch.is_floating_point() else batch)
            if isinstance(out, (tuple, list)):
                out = out[0]
            outputs += out.reshape(len(out), -1).tolist()
    return outputs


def predict_file(project, base_dir: str | Path, weights: str | Path, data: str | Path,
                 ) -> Predictions:
    weights, data = Path(weights), Path(data)
    if not weights.is_file():
        raise DataError(f"Weights {weights} do not exist: pass a run's best.safetensors or "
                        "last.safetensors.", path=str(weights))
    if not data.is_file():
        raise DataError(f"Data file {data} does not exist.", path=str(data))
    plan, notes = plan_for(weights, project, Path(base_dir))
    try:
        header, rows = read_rows(data, plan)
    except OSError as err:
        raise DataError(f"{data.name}: {err}.", path=str(data)) from None
    if not rows:
        raise DataError(f"{data.name} has no data rows to predict.", path=str(data))
    model, graph_notes = trained_model(project, weights, plan)
    notes += graph_notes
    try:
        inputs, counts = encode_rows(header, rows, plan)
        columns, values = predictions(lambda samples: run_model(model, samples), inputs, plan)
    except (OSError, ValueError) as err:
        raise DataError(f"{data.name}: {err}.", path=str(data)) from None
    return Predictions(header, rows, columns, values, notes + describe_notes(counts, plan))
