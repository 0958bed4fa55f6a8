"""The Python export: a standalone folder that runs with nothing but torch installed.

    model.py            the Model class (the very source the app trains)
    runtime/            the app's training runtime, copied verbatim (torch and stdlib only)
    train.py            its entry point (one process or torchrun/DDP)
    train_config.json   the run's settings as the runtime reads them
    data.pt             the app's train/val/test split and normalization (torch.load, weights_only)
    model.safetensors   the trained weights, when there are some
    project.json        the NetBuilder project
    README.md           the commands
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import torch

from .. import runtime
from ..errors import ProjectError
from ..metrics import ALL_METRICS, metric_names
from ..runtime.weights_meta import weights_metadata
from ..session import loss_name, with_data_defaults
from ..spec import Project, dumps
from .common import (
    ExportError,
    ExportResult,
    Progress,
    build,
    check_target,
    checked,
    no_progress,
    publish_file,
    staging,
)
from .predict import write_predict


def prepared_data(project: Project, base_dir: Path) -> tuple[dict, object]:
    """The tensors train.py reads: raw values in the app's split, plus the app's normalization."""
    from ..data import load_data

    loss = loss_name(project.training)
    bundle = load_data(project.data, base_dir, loss)
    stats = bundle.normalization
    raw = bundle
    if stats.get("method", "none") != "none":
        spec = copy.deepcopy(project.data)
        spec["normalize"] = "none"
        raw = load_data(spec, base_dir, loss)
    out: dict = {}
    for part in ("train", "val", "test"):
        x = getattr(raw, f"x_{part}")
        out[f"x_{part}"] = (x if isinstance(x, torch.Tensor) else x[:]).contiguous()  # streamed: read
        out[f"y_{part}"] = getattr(bundle, f"y_{part}").contiguous()
    if stats.get("method", "none") != "none":
        keys = ("mean", "std") if stats["method"] == "standard" else ("min", "range")
        out["shift"] = torch.tensor(stats[keys[0]], dtype=torch.float64)
        out["scale"] = torch.tensor(stats[keys[1]], dtype=torch.float64)
        out["axis"] = int(stats.get("axis", -1))  # the feature (or image channel) axis of x
    if project.data.get("target") == "input":
        out["target_is_input"] = True
    if bundle.class_names:
        out["classes"] = list(bundle.class_names)
    return out, bundle


def export_python(project: Project, out: str | Path, weights=None, base_dir: str | Path | None = None,
                  force: bool = False, progress: Progress = no_progress) -> ExportResult:
    """Write the bundle folder `out`. Nothing is written when the graph is invalid."""
    from ..data import DataError
    from ..train import TrainError
    from ..train.settings import TrainSettings

    out = Path(out)
    base_dir = Path(base_dir) if base_dir is not None else Path.cwd()
    check_target(out, force, folder=True)  # a path that cannot be written, before the data loads
    try:
        project = with_data_defaults(project, base_dir)  # Input shape / loss left to the data
    except DataError:
        pass  # reported below where the data is prepared
    analysis = checked(project)
    progress("Generating the model code", 0.05)
    model, source = build(project, analysis, weights)
    state = None if weights is None else model.state_dict()
    try:
        settings = TrainSettings.from_dict(project.training)
    except TrainError as exc:  # its field says where: training.optimizer.lr
        raise ExportError(f"The training settings are invalid: {exc}", field=exc.field) from None
    warnings: list[str] = []
    data = bundle = None
    if project.data:
        progress("Preparing the data", 0.2)
        try:
            data, bundle = prepared_data(project, base_dir)
        except (ProjectError, ValueError, OSError) as exc:  # DataError is a ValueError
            warnings.append(f"The data could not be prepared ({exc}); train.py needs a data.pt.")
    else:
        warnings.append("The project has no data section; train.py needs a data.pt.")
    config = train_config(project, settings, bundle)
    warnings += scale_mismatch(weights, config)

    progress("Writing files", 0.6)
    with staging(out) as tmp:
        (tmp / "model.py").write_text(source, encoding="utf-8")
        copy_runtime(tmp)
        (tmp / "train_config.json").write_text(json.dumps(config, indent=1) + "\n", encoding="utf-8")
        (tmp / "project.json").write_text(dumps(project), encoding="utf-8")
        if data is not None:
            torch.save(data, tmp / "data.pt")
            write_predict(tmp, bundle)  # a table: predict.py and preprocessing.json
        if state is not None:
            from safetensors.torch import save_file

            save_file({k: v.detach().contiguous() for k, v in state.items()}, str(tmp / "model.safetensors"),
                      metadata=weights_metadata(config))  # the target scale, as a run's weights have it
        (tmp / "README.md").write_text(readme(project, state is not None, data is not None, bundle),
                                       encoding="utf-8")
        out.mkdir(parents=True, exist_ok=True)
        files = []
        for f in sorted(tmp.iterdir()):
            if f.is_dir() and (out / f.name).is_dir():  # runtime/ of an earlier export (--force)
                shutil.rmtree(out / f.name)
            publish_file(f, out / f.name)
            files.append(out / f.name)
    progress("Done", 1.0)
    return ExportResult("python", out, files, warnings)


def scale_mismatch(weights, config: dict) -> list[str]:
    """A warning when the weights record a target scale other than the data's now (their run
    had data.scale_target the other way): predict.py would scale their outputs wrongly."""
    if not isinstance(weights, (str, Path)):
        return []
    from ..runtime.safetensors_io import read_metadata
    from ..runtime.weights_meta import UNKNOWN, recorded_target_scale

    recorded, now = recorded_target_scale(read_metadata(weights)), config.get("target_scale")
    if recorded == UNKNOWN or (recorded is None) == (not now):
        return []
    trained = "standardised" if recorded else "in its own units"
    return [(f"The weights were trained on the target {trained}, but data.scale_target is now "
            f"{str(not recorded).lower()}: set it to {str(recorded is not None).lower()} and "
            "export again, or predict.py's predictions will be off.")]


def copy_runtime(folder: Path) -> None:
    """runtime/ and train.py: the runtime's own files, byte for byte."""
    source = Path(runtime.__file__).parent
    (folder / "runtime").mkdir()
    for file in sorted(source.glob("*.py")):
        if file.name != "train_entry.py":
            shutil.copyfile(file, folder / "runtime" / file.name)
    shutil.copyfile(source / "train_entry.py", folder / "train.py")


def train_config(project: Project, settings, bundle) -> dict:
    """The run's settings as the runtime reads them: what the app's Trainer uses, plus the
    data's augmentation. A monitor the task lacks falls back to val_loss (the app refuses it)."""
    task = bundle.task if bundle is not None else _task(settings.loss)
    from ..session import generative_settings

    recipe = "autoencoder" if (project.data or {}).get("target") == "input" else "supervised"
    config = generative_settings(project, settings).runtime_config(task, recipe)
    if config["monitor"].removeprefix("val_") in ALL_METRICS and \
            config["monitor"].removeprefix("val_") not in metric_names(task):
        config["monitor"] = "val_loss"
    if bundle is not None and bundle.augment is not None:
        config["augment"] = bundle.augment.to_dict()
    if bundle is not None:  # data.pt holds uint8 pixels (scaled per batch), the scaled target
        config.update(bundle.runtime_config())
    from ..training_fields import script_flags

    config["flags"] = script_flags()  # train.py's options, declared once with the settings
    return config


def _task(loss: str) -> str:
    from ..data.targets import task_for_loss

    return task_for_loss(loss)


def readme(project: Project, trained: bool, has_data: bool, bundle=None) -> str:
    """`bundle`: the exported data's (a table's plan adds predict.py and the target's scale)."""
    name = project.name
    lines = [f"# {name}", ""]
    if project.description:
        lines += [project.description, ""]
    lines += ["A standalone PyTorch project: it needs nothing but `torch`.", "",
              "| file | what |", "| --- | --- |",
              "| `model.py` | the `Model` class |",
              ("| `train.py`, `runtime/`, `train_config.json` | trains it as NetBuilder did (the app's own "
              "training code, copied verbatim; the settings as JSON) |")]
    if has_data:
        lines.append("| `data.pt` | the train/val/test split and normalization statistics "
                     "(`torch.load(..., weights_only=True)`) |")
    plan = getattr(bundle, "plan", None)
    if plan is not None:
        lines.append("| `predict.py`, `preprocessing.json` | predicts new raw rows as NetBuilder does "
                     "(the columns, category maps, fill values and scaling fitted in training) |")
    if trained:
        lines.append("| `model.safetensors` | the trained weights |")
    weights = "model.safetensors" if trained else "run/best.safetensors"
    lines += ["| `project.json` | the NetBuilder project (open it in NetBuilder) |", "",
              "## Train", "", "```sh", "python train.py                       # one process: CPU or one GPU",
              "python train.py --epochs 5 --out run  # options: python train.py --help",
              "python train.py --out run --resume    # continue from the last committed epoch",
              "torchrun --nproc_per_node=4 train.py  # 4 GPUs (or 4 CPU processes) with DDP", "```", "",
              ("The batch size is the global batch: each step's samples are split equally across all "
              "the processes (of every machine), so a run on several processes takes the same steps "
              "as one process does."), "",
              "Several machines (here 2 with 4 GPUs each; run it on each, with its own `--node-rank`):", "",
              "```sh",
              "torchrun --nnodes=2 --node-rank=0 --nproc_per_node=4 \\",
              "    --master-addr=HOST_OF_NODE_0 --master-port=29500 train.py",
              "```", "",
              ("Each epoch commits at one point into `run/` (`run/epochs/NNNNNN/`, then `run/checkpoint.json`), "
              "so a killed run continues exactly with `--resume`; `run/best.safetensors` and "
              "`run/last.safetensors` are the best and the latest weights."), "",
              "## Use the model", "", "```python", "from model import Model",
              "from runtime.safetensors_io import load_file  # or: from safetensors.torch import load_file", "",
              "model = Model()", f'model.load_state_dict(load_file("{weights}"))',
              "model.eval()", "```", ""]
    if has_data:
        lines += ["Inputs are normalized as in `runtime/script.py`'s `load_prepared` (the statistics are in `data.pt`).", ""]
    if plan is not None:
        lines += ["## Predict new rows", "", "```sh",
                  "python predict.py new_rows.csv -o predictions.csv"
                  + ("" if trained else f" --weights {weights}"), "```", "",
                  "The output holds the input columns plus `prediction` (and `p_<class>` for a classifier).", ""]
    if bundle is not None and bundle.target_scale:
        lines += target_scale_section(bundle.target_scale, plan["target"]["names"])
    return "\n".join(lines)


def target_scale_section(scale: dict, names: list[str]) -> list[str]:
    """What a standardised regression target means for someone using the bundle's files."""
    pairs = "; ".join(f"`{n}`: mean {m:.6g}, std {s:.6g}" for n, m, s in
                      zip(names, scale["shift"], scale["scale"]))
    return ["## The target is standardised", "",
            (f"The model was trained on the target scaled by its training rows' mean and standard "
             f"deviation ({pairs}): `preprocessing.json`'s `target.shift` and `target.scale`, also "
             "in `train_config.json` (`target_scale`) and the weights' metadata "
             "(`netbuilder.target_scale`)."), "",
            "- `predict.py` scales its predictions back: they are in the target's own units.",
            ("- `train.py`'s losses are on the standardised scale; its metrics (`mae`, `rmse`, "
             "`mse`, `r2`) are in the target's units."),
            ("- The bare model (`Model` above, or an ONNX / `.pt2` export of it) outputs the "
             "standardised value. Undo it column by column:"), "",
            "```python", "import json", "",
            'target = json.load(open("preprocessing.json"))["target"]',
            "out = model(x)  # x: inputs preprocessed as predict.py does",
            'value = out * torch.tensor(target["scale"]) + torch.tensor(target["shift"])',
            "```", ""]

