"""From a project to a finished training run: the one path both `netbuilder train` and the GUI take.

    prepare(project, base_dir, overrides)  -> Prepared (data loaded, Input and output checked,
                                              model built)
    run_training(project, base_dir, ...)   -> TrainResult, with a run folder holding project.json

Every problem a user can cause (bad file, wrong column, shape mismatch, NaN loss) is raised as
one of USER_ERRORS, whose `.message` is one readable paragraph."""

from __future__ import annotations

import copy
import json
import math
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import training_fields
from .data import DataBundle, DataError, load_data
from .data.bundle import plan_target_scale
from .data.plan import PLAN_FILE, read_plan, save_plan
from .data.report import data_notes
from .data.sources import kind_for
from .errors import NO_DATA, ProjectError, UserError
from .spec import Project
from .train import Reporter, TrainError, TrainResult, TrainSettings, seed_everything, train
from .train.checkpoint import read_json, read_resume_state

USER_ERRORS = (UserError,)  # ProjectError, DataError, TrainError and the rest (netbuilder/errors.py)


def error_message(err: BaseException) -> str:
    return getattr(err, "message", None) or str(err) or type(err).__name__


def no_data_error() -> DataError:
    """Train's refusal of a project without data: the one validate warns of (code NO_DATA)."""
    return DataError("The project has no data section: choose a data set (or pass --data).", code=NO_DATA)


@dataclass
class Overrides:
    """What the command line (or a GUI field) puts over the project file's own settings."""

    data: str | None = None  # a file or folder; its kind follows from its name
    target: str | None = None
    epochs: int | None = None
    device: str | None = None
    init_weights: str | None = None  # weights to start from (over training.init_weights)
    init_strict: bool = False  # refuse weights that do not fit exactly
    settings: dict = field(default_factory=dict)  # {"batch_size": 64, "optimizer.lr": 0.01}: the flags of training_fields

    @classmethod
    def from_args(cls, args) -> Overrides:
        flags = training_fields.flag_values(args)
        return cls(getattr(args, "data", None), getattr(args, "target", None),
                   flags.pop("epochs", getattr(args, "epochs", None)), flags.pop("device", getattr(args, "device", None)),
                   getattr(args, "init_weights", None), getattr(args, "init_strict", False), flags)

    def training(self) -> dict:
        """{dotted path: value} of every training setting given."""
        given = {"epochs": self.epochs, "device": self.device, **self.settings}
        return {path: value for path, value in given.items() if value is not None}


@dataclass
class Prepared:
    project: Project  # a copy with the overrides applied: what the run folder records
    bundle: DataBundle
    settings: TrainSettings
    model: object  # torch.nn.Module
    notes: list[str] = field(default_factory=list)
    analysis: object = None  # the run's shape analysis (shapes.Analysis), for whoever needs it next


# ----- overrides ------------------------------------------------------------------------------
def apply_overrides(project: Project, over: Overrides | None) -> Project:
    """A copy of `project` with the overrides in its data/training sections."""
    project = copy.deepcopy(project)
    if over is None:
        return project
    data = dict(project.data or {})
    if over.data:
        path = Path(over.data).expanduser().resolve()  # relative to where the user typed it
        if not path.exists():
            raise DataError(f"--data {over.data}: no such file or folder ({path}).",
                            path=str(path))
        kind = kind_for(path)
        same = data.get("kind") == kind
        keep = {k: v for k, v in data.items() if k in ("split", "normalize")
                or (kind == "csv" and k in ("window", "horizon"))  # a series stays one
                or (same and k in ("target", "features"))
                or (k == "target" and v == "input")}  # an autoencoder stays one
        data = {"kind": kind, "path": str(path), **keep}
    if over.target:
        data["target"] = over.target
    if over.data or over.target:
        project.data = data
    training = dict(project.training or {})
    for path, value in over.training().items():
        declared = training_fields.setting(path)
        why = training_fields.problem(declared, value)
        if why:  # named as the user typed it
            raise TrainError(f"{declared.flag or path} {why}.", field=f"training.{path}")
        training = training_fields.put(training, path, value)
    project.training = training
    return project


# ----- checks ---------------------------------------------------------------------------------
def input_nodes(project: Project) -> list:
    """The Input nodes the data feeds (with several networks: the recipe's data network's)."""
    return [n for n in data_graph(project).nodes if n.type == "Input"]


def data_graph(project: Project) -> Project:
    """The graph the data set feeds: the project itself, or the network the recipe names."""
    from .networks import roles

    r = roles(project)
    if project.networks and r is not None and r.data in project.networks:
        return project.graph(r.data)
    return project


def graph_errors(project: Project, analysis) -> list:
    """Every network's problems (one analysis holds only the active network's)."""
    from .networks import analyze_networks, role_errors

    if not project.networks:
        errors = analysis.errors + [ProjectError(m, field="training.recipe") for _, m in role_errors(project)]
        return errors or batch_of_one_errors({None: (project, analysis)}, project.training)
    analyses = analyze_networks(project)
    errors = [e for a in analyses.values() for e in a.errors]
    graphs = project.graphs()
    return errors or batch_of_one_errors({n: (graphs[n], a) for n, a in analyses.items()}, project.training)


def batch_of_one_errors(networks: dict, training: dict | None) -> list:
    """BatchNorm over one value per channel needs batches of two or more while training."""
    size = (training or {}).get("batch_size")
    if size != 1:
        return []
    errors = []
    for network, (graph, analysis) in networks.items():  # network None: a project with one
        incoming = graph.incoming_by_node()
        for node in graph.nodes:
            edges = incoming.get(node.id) or []
            if not node.layer.running_stats or not edges or edges[0].source not in analysis.tensors:
                continue
            per_channel = math.prod(analysis.tensors[edges[0].source].shape[1:])
            if per_channel == 1:
                errors.append(ProjectError(
                    f"{node.type} '{node.id}' normalizes each channel over the batch, and it gets one value per "
                    "channel: with training.batch_size 1 there is nothing to normalize while training. "
                    "Use a batch_size of 2 or more.", node=node.id, field="training.batch_size", network=network))
    return errors


def generative_settings(project: Project, settings: TrainSettings) -> TrainSettings:
    """The latent shape of a generative recipe: the sampler network's Input shape."""
    from .networks import io_node, roles

    r = roles(project)
    if r is not None and r.sampler in project.networks:
        node = io_node(project.graph(r.sampler), "Input")
        settings.latent = list(node.resolved().get("shape", ())) if node else None
    return settings


def input_mismatch(project: Project, bundle: DataBundle) -> ProjectError | None:
    """Why the data cannot reach the graph's Input node, naming the node and both shapes."""
    inputs = input_nodes(project)
    if not inputs:
        return ProjectError("The graph has no Input node: add one so the data has a way in.")
    if len(inputs) > 1:
        names = ", ".join(f"'{n.id}'" for n in inputs)
        return ProjectError(f"The graph has {len(inputs)} Input nodes ({names}) but the data "
                            "gives one tensor per sample: training needs a single Input.",
                            nodes=tuple(n.id for n in inputs))
    from .shapes import leaves_shape_to_data

    node = inputs[0]
    params = node.resolved()
    got = [int(s) for s in bundle.input_shape]
    want = got if leaves_shape_to_data(node) else [int(s) for s in params.get("shape", ())]
    if want != got:
        return ProjectError(f"Input '{node.id}' expects {want} but the data gives {got}: set the "
                            "Input shape or the data's size.", node=node.id, field="shape")
    want_dtype = params.get("dtype", "float32")
    got_dtype = str(bundle.x_train.dtype).removeprefix("torch.")
    if (want_dtype == "int64") != (got_dtype == "int64"):
        return ProjectError(f"Input '{node.id}' expects {want_dtype} values but the data gives "
                            f"{got_dtype}: token ids need dtype int64 (for Embedding), "
                            "measurements float32.", node=node.id, field="dtype")
    return None


def _shape_text(shape) -> str:
    if len(shape) == 1:
        return f"{shape[0]} value{'s' * (shape[0] != 1)}"
    return f"shape {list(shape)}"


def output_mismatch(project: Project, analysis, bundle: DataBundle) -> ProjectError | None:
    """Why the model's output cannot meet the targets: the trainer's own rule (see
    `Trainer._check_shapes`), found from the shape analysis before any model is built.

    Classification losses need [num_classes] per sample, the others the targets' per-sample
    shape. The model output is the first Output node's input (the trainer uses the first of
    several). Returns None while the graph has errors or the data cannot reach the Input, so
    that one mistake is not reported twice."""
    if analysis.errors or input_mismatch(project, bundle) or project.networks:
        return None  # (several networks: generative recipes have no targets to meet)
    outputs = [n for n in project.nodes if n.type == "Output"]
    incoming = project.incoming_by_node()
    if not outputs or not incoming[outputs[0].id]:
        return None
    source = incoming[outputs[0].id][0].source
    got = tuple(analysis.tensors[source].shape)
    if bundle.task == "classification":
        want = (bundle.num_classes,)
        needs = f"the data has {bundle.num_classes} classes"
    else:
        want = tuple(bundle.y_train.shape[1:])
        needs = f"the targets of {loss_name(project.training)} have {_shape_text(want)}"
    if got == want:
        return None
    # name the layer that sets the size, seen through shape-keeping ones (Sigmoid, Dropout...)
    by_id = {n.id: n for n in project.nodes}
    node = source
    while "out_features" not in by_id[node].resolved() and len(incoming[node]) == 1:
        before = incoming[node][0].source
        if tuple(analysis.tensors[before].shape) != got:
            break
        node = before
    if "out_features" in by_id[node].resolved() and want and got[:-1] == want[:-1]:
        return ProjectError(f"'{node}' outputs {_shape_text(got)} per sample but {needs}: set "
                            f"its out_features to {want[-1]}.", node=node, field="out_features")
    return ProjectError(f"'{node}' outputs {_shape_text(got)} per sample, the model's output, "
                        f"but {needs}: change the layers before Output '{outputs[0].id}' so "
                        f"that they give {list(want)}.", node=node)


def token_range(bundle: DataBundle) -> tuple[int, int] | None:
    """The smallest and largest token id in integer data (every split), None for float data.
    Kept in bundle.info: the data panel asks again after each edit."""
    if bundle.x_train.dtype.is_floating_point or bundle.scale_inputs:  # (pixels are no ids)
        return None
    if "token_range" not in bundle.info:
        parts = [x for x in (bundle.x_train, bundle.x_val, bundle.x_test) if x.numel()]
        bundle.info["token_range"] = (min(int(x.min()) for x in parts),
                                      max(int(x.max()) for x in parts)) if parts else None
    return bundle.info["token_range"]


def token_ids_needed(bundle: DataBundle) -> int:
    """How many ids an Embedding reading the data must have: the tokenizer's vocabulary, else
    the largest id seen + 1."""
    tokens = bundle.info.get("tokens")
    if tokens:
        return int(tokens["vocabulary"])
    ids = token_range(bundle)
    return ids[1] + 1 if ids else 0


def embedding_mismatch(project: Project, analysis, bundle: DataBundle) -> ProjectError | None:
    """An Embedding whose table the data's token ids overrun (torch's IndexError in step 1).

    Every Embedding fed integers is checked, directly by the Input or through reshapes:
    integers only come from the data, so its ids bound what each one looks up."""
    ids = token_range(bundle)
    if ids is None or analysis.errors or project.networks:
        return None  # (several networks: generative recipes read images, not tokens)
    incoming = project.incoming_by_node()
    for node in project.nodes:
        if node.type != "Embedding" or not incoming[node.id]:
            continue
        source = analysis.tensors.get(incoming[node.id][0].source)
        if source is None or source.dtype != "int64":
            continue
        if ids[0] < 0:
            return ProjectError(f"The data holds the token id {ids[0]}, but Embedding '{node.id}' "
                                "looks up ids from 0: recode the tokens as 0, 1, 2, ...",
                                node=node.id, field="data")
        have, need = int(node.resolved()["num_embeddings"]), token_ids_needed(bundle)
        if have < need:
            return ProjectError(f"'{node.id}' has num_embeddings {have} but the data holds token "
                                f"ids up to {need - 1}: set its num_embeddings to {need}.",
                                node=node.id, field="num_embeddings")
    return None


def data_mismatch(project: Project, analysis, bundle: DataBundle) -> ProjectError | None:
    """The first way the data and the graph disagree, in the order a user would fix them:
    the Input, the Embeddings' vocabularies, the output. The one check validate, the data
    panel and the run share."""
    return (input_mismatch(project, bundle) or embedding_mismatch(project, analysis, bundle)
            or output_mismatch(project, analysis, bundle))


def loss_name(training: dict | None) -> str:
    loss = (training or {}).get("loss", "CrossEntropyLoss")
    return loss.get("type", "CrossEntropyLoss") if isinstance(loss, dict) else str(loss)


def load_project_data(project: Project, base_dir: str | Path) -> DataBundle:
    """The project's data as training loads it. Without a loss in the project, the data's
    target decides the task (bundle.info["loss"] names the loss it implies)."""
    if not project.data:
        raise no_data_error()
    chosen = "loss" in (project.training or {})
    return load_data(project.data, Path(base_dir), loss_name(project.training) if chosen else None)


def fit_to_data(project: Project, bundle: DataBundle) -> list[str]:
    """Fill in what the project leaves to the data, in place: the loss its target implies and
    the Input shape when omitted (CONTRACT.md). Returns notes saying so."""
    notes = []
    training = dict(project.training or {})
    if "loss" not in training and bundle.info.get("loss"):
        training["loss"] = bundle.info["loss"]
        project.training = training
        notes.append(f"loss {training['loss']} follows from the data ({bundle.task})")
    notes += fill_data_shape(project, bundle.input_shape)
    return notes


def fill_data_shape(project: Project, shape) -> list[str]:
    """Give the Inputs that leave their shape to the data (shapes.leaves_shape_to_data) the
    data's sample shape, in place. Returns notes saying so."""
    from .shapes import leaves_shape_to_data

    notes = []
    for node in input_nodes(project):
        if leaves_shape_to_data(node):
            node.params["shape"] = list(shape)
            notes.append(f"Input '{node.id}' takes the data's shape {list(shape)}")
    return notes


def with_data_defaults(project: Project, base_dir: str | Path) -> Project:
    """A copy of `project` with what it leaves to the data filled in (see fit_to_data): for
    steps that need the graph complete before they load data themselves (export)."""
    leaves = "loss" not in (project.training or {}) or any(
        "shape" not in n.params for n in input_nodes(project))
    if not project.data or not leaves:
        return project
    project = copy.deepcopy(project)
    fit_to_data(project, load_project_data(project, base_dir))
    return project


# ----- the run --------------------------------------------------------------------------------
def prepare(project: Project, base_dir: str | Path, overrides: Overrides | None = None,
            bundle: DataBundle | None = None) -> Prepared:
    """Everything that can fail before the first step, in the order a user would fix it."""
    from .compiler import build_model
    from .shapes import analyze

    project = apply_overrides(project, overrides)
    notes = []
    if project.data and any("shape" not in n.params for n in input_nodes(project)):
        bundle = bundle or load_project_data(project, base_dir)  # the data gives the shape
        notes = fit_to_data(project, bundle)
    analysis = analyze(project)
    errors = graph_errors(project, analysis)
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ProjectError(f"The graph is not valid: {first.message}{more}", node=first.node,
                           nodes=first.nodes)
    TrainSettings.from_dict(project.training)  # bad settings before a long load
    bundle = bundle or load_project_data(project, base_dir)
    notes += fit_to_data(project, bundle) + data_notes(bundle.info, bundle.target_scale)
    settings = generative_settings(project, TrainSettings.from_dict(project.training))
    mismatch = data_mismatch(project, analysis, bundle)
    if mismatch:
        raise mismatch
    seed_everything(settings.seed)  # reproducible initial weights
    model = build_model(project, analysis)
    return Prepared(project, bundle, settings, model,
                    notes + init_weights(model, project, base_dir, overrides), analysis)


def init_weights(model, project: Project, base_dir: str | Path, over: Overrides | None) -> list[str]:
    """Load the weights to start from (--init-weights, else training.init_weights); the match report."""
    from .weights import load_into

    given = over.init_weights if over else None
    source = Path(given).expanduser() if given else (project.training or {}).get("init_weights")
    if not source:
        return []
    path = source if given or str(source).startswith("builtin:") else Path(base_dir) / Path(source).expanduser()
    report = load_into(model, path, strict=bool(over and over.init_strict))
    return [f"initial weights from {Path(path).name}: {line}" for line in report.lines()]


def _data_source(data: dict | None, base_dir: Path) -> dict:
    """A data section with its path made absolute, for comparing two spellings of one source."""
    data = dict(data or {})
    # a run goes on with the target scale it was trained on: its plan says which, and a run from
    # before the setting has none in its project (_check_same_target_scaling)
    data.pop("scale_target", None)
    if data.get("path"):
        data["path"] = str((base_dir / Path(data["path"]).expanduser()).resolve())
    return data


def _check_same_data(run_dir: Path, data: dict | None, base_dir: Path) -> None:
    """Continuing on other data would mix two data sets in one history and one best epoch."""
    try:
        was = read_json(run_dir / "project.json").get("data")
    except (OSError, ValueError, AttributeError):
        return  # an older run folder without its project: nothing to compare with
    was_source, now_source = _data_source(was, base_dir), _data_source(data, base_dir)
    if was_source == now_source:
        return
    if _describe(was_source) != _describe(now_source):
        raise TrainError(f"The run in {run_dir} was trained on {_describe(was)} but the data "
                         f"is now {_describe(data)}. Continue needs the run's data; to train "
                         "on other data, start a new run.", field="data")
    keys = sorted(k for k in set(was_source) | set(now_source) if was_source.get(k) != now_source.get(k))
    changes = "; ".join(f"data.{k} was {_setting(was_source, k)}, now {_setting(now_source, k)}" for k in keys)
    raise TrainError(f"The run in {run_dir} was trained with other data settings ({changes}). "
                     "Continue needs the run's settings; set them back, or start a new run.",
                     field=f"data.{keys[0]}")


def _setting(data: dict, key: str) -> str:
    return json.dumps(data[key]) if key in data else "not set"


def _check_same_target_scaling(run_dir: Path, bundle: DataBundle) -> None:
    """The run's weights fit one scale of the target: a run trained on it in its own units
    (before targets were standardised, or with data.scale_target off) goes on that way."""
    saved = run_dir / PLAN_FILE
    if bundle.plan is None or not saved.is_file():
        return
    try:
        had = plan_target_scale(read_plan(saved)) is not None
    except DataError:
        return  # an unreadable plan stops predict, where it is read; not a reason to stop here
    if had != (bundle.target_scale is not None):
        how, fix = ("standardised", "tick") if had else ("in its own units", "untick")
        raise TrainError(f"The run in {run_dir} was trained on the target {how}; to continue "
                         f"it, {fix} 'Standardise a numeric target' on the Data tab "
                         f"(data.scale_target: {str(had).lower()}).", field="data.scale_target")


def _describe(data: dict | None) -> str:
    if not data:
        return "no data"
    what = data.get("name") or data.get("path") or data.get("kind")
    target = f", target {data['target']}" if data.get("target") else ""
    return f"{data.get('kind', '?')} {what}{target}"


def default_run_dir(project: Project, project_path: str | Path | None,
                    runs_root: str | Path | None = None) -> Path:
    """runs/<project-name>-<timestamp> beside the project file (or under runs_root)."""
    root = Path(runs_root) if runs_root else (
        Path(project_path).resolve().parent / "runs" if project_path else Path.cwd() / "runs")
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", project.name or "project").strip("-.") or "project"
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path, i = root / f"{slug}-{stamp}", 1
    while path.exists():  # two runs in one second
        i += 1
        path = root / f"{slug}-{stamp}-{i}"
    return path


def run_training(project: Project, base_dir: str | Path, *, overrides: Overrides | None = None,
                 out_dir: str | Path | None = None, project_path: str | Path | None = None,
                 reporter: Reporter | None = None, resume_from: str | Path | None = None,
                 report_every: int = 50, on_prepared=None) -> TrainResult:
    """Load, check, build and train. Raises one of USER_ERRORS for the user's mistakes.

    The run folder is created only once the data and model are ready; a run that fails before
    finishing an epoch removes the folder it created, so a left-over folder is a real run.
    Under torchrun only rank 0 touches the run folder (the others train and keep quiet)."""
    rank_zero = os.environ.get("RANK", "0") == "0"
    if out_dir and not resume_from and rank_zero and (Path(out_dir) / "state.json").exists():
        raise TrainError(f"{out_dir} already holds a run; choose another folder, or continue that run "
                         f"with --resume {out_dir}.")
    if resume_from:  # what makes a run impossible to continue, before any data is loaded
        if out_dir and Path(out_dir).resolve() != Path(resume_from).resolve():
            raise TrainError(f"A continued run stays in its folder {resume_from}: leave out "
                             f"--out {out_dir} (or copy the folder first and continue the copy).")
        current = apply_overrides(project, overrides)
        read_resume_state(resume_from, TrainSettings.from_dict(current.training).epochs)
        _check_same_data(Path(resume_from), current.data, Path(base_dir))
    prepared = prepare(project, base_dir, overrides)
    if on_prepared is not None:
        on_prepared(prepared)  # e.g. the GUI shows the data and model before step 1
    if resume_from:
        _check_same_target_scaling(Path(resume_from), prepared.bundle)
        out = Path(resume_from).resolve()
    else:
        out = (Path(out_dir) if out_dir else default_run_dir(prepared.project, project_path)).resolve()
    created = rank_zero and not out.exists()
    if rank_zero:
        out.mkdir(parents=True, exist_ok=True)
        if not resume_from:
            save_plan(out, prepared.bundle)  # raw rows can be predicted from the run folder
    try:
        result = train(prepared.model, prepared.bundle, prepared.settings, reporter=reporter,
                       out_dir=out, project_dict=prepared.project.to_dict(),
                       resume_from=resume_from, report_every=report_every)
    except BaseException:
        if created and not (out / "last.safetensors").exists():
            shutil.rmtree(out, ignore_errors=True)
        raise
    if created and result.epochs == 0 and not (out / "last.safetensors").exists():
        shutil.rmtree(out, ignore_errors=True)  # stopped before one epoch: nothing to keep
        result.run_dir, result.checkpoint = None, None
    return result
