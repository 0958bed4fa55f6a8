"""What the engine computes for each view: compositions of netbuilder.inspect calls, run on
the engine thread with its model (the first argument)."""

from __future__ import annotations

import torch

from netbuilder.inspect import (
    attribute,
    decision_grid,
    first_conv_filters,
    forward,
    largest_errors,
    misclassified,
    node_outputs,
    preview,
    probabilities,
    tensor_stats,
)
from netbuilder.inspect.attention import attention_weights

PREVIEW_BATCH = 8  # the chosen sample and the next ones: the dead-ReLU share needs a few


def eval_split(bundle) -> tuple[str, torch.Tensor, torch.Tensor]:
    """The samples the views show: validation, else test, else training."""
    for name, x, y in (("validation", bundle.x_val, bundle.y_val),
                       ("test", bundle.x_test, bundle.y_test),
                       ("training", bundle.x_train, bundle.y_train)):
        if len(x):
            return name, x, y
    raise ValueError("The data has no samples.")


def preview_batch(bundle, sample: int) -> torch.Tensor:
    _, x, _ = eval_split(bundle)
    sample = min(max(sample, 0), len(x) - 1)
    rest = [i for i in range(len(x)) if i != sample][:PREVIEW_BATCH - 1]
    return bundle.model_inputs(x[[sample, *rest]])  # uint8 pixels as the model sees them


def node_preview(model, project, x: torch.Tensor, node_id: str | None, weights: str = ""):
    """(the node's Preview of x[0] or None, {node: stats of x[0]} for the edges, `weights`:
    which weights these are, as the view said when it asked)."""
    ids = [n.id for n in project.nodes]
    outs = node_outputs(model, project, x, ids)
    stats = {nid: tensor_stats(out[0]) for nid, out in outs.items()}
    result = None
    if node_id in outs:
        att = attention_weights(model, project, x, [node_id]).get(node_id)
        result = preview(project, node_id, outs[node_id], 0, att)
    return result, stats, weights


def boundary(model, bundle, loss: str, resolution: int = 72):
    return decision_grid(model, bundle, resolution, loss)


def filters(model, project):
    return first_conv_filters(model, project)


def failures(model, bundle, loss: str) -> dict:
    """The evaluated split's predictions and what went wrong in it."""
    split, x, y = eval_split(bundle)
    x = bundle.model_inputs(x)
    out = forward(model, x)
    probs = probabilities(out, bundle.task, loss)
    if probs is None:
        if bundle.task == "regression":  # errors in the target's own units
            out, y = bundle.original_units(out), bundle.original_units(y)
        return {"split": split, "x": x, "y": y, "probs": None, "predicted": out,
                "items": largest_errors(out, y, k=48)}
    return {"split": split, "x": x, "y": y, "probs": probs, "items": misclassified(probs, y)}


def explain(model, project, sample: torch.Tensor, target, method: str, baseline):
    return attribute(model, sample, target, method, baseline, project=project)


def predict(model, sample: torch.Tensor, task: str, loss: str) -> dict:
    out = forward(model, sample[None])
    probs = probabilities(out, task, loss)
    return {"output": out[0], "probs": None if probs is None else probs[0]}


def explain_row_inputs(model, project, base_dir, weights: str, header: list, cells: list):
    """(the training data, one raw row as the model's input): the row encoded by the plan
    saved beside `weights`, the one its prediction was made with (netbuilder.data.predict);
    the data gives the baseline row and the columns' units."""
    from pathlib import Path

    from netbuilder.data.predict import plan_for
    from netbuilder.inspect.inputs import encode_cells
    from netbuilder.session import load_project_data

    plan, _ = plan_for(Path(weights), project, Path(base_dir))
    sample = encode_cells(plan, list(header), [list(cells)], "the row")[0]
    return load_project_data(project, base_dir), sample
