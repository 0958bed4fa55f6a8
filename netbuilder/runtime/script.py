"""The exported train.py's main(): the runtime's Loop on the bundle's data.pt, model.py and
train_config.json, in one process or under torchrun (one process per GPU, or per CPU share).

    python train.py [--epochs N] [--out run] [--resume]
    torchrun --nproc_per_node=4 train.py

One line of JSON per epoch on stdout (rank 0), checkpoints committed in --out as NetBuilder
does (see checkpoint.py), and a last JSON line with the best epoch's metrics."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import torch

from . import checkpoint, distributed
from .augment import ImageAugment
from .loop import Diverged, Loop
from .metrics import metric_names


def load_prepared(path: Path, device) -> dict:
    """The app's train/val/test split, normalized with the statistics fitted on the training
    split (data.pt holds raw values; torch.load with weights_only: no pickle)."""
    data = torch.load(path, weights_only=True)
    splits = {}
    for part in ("train", "val", "test"):
        x = data[f"x_{part}"]
        if "shift" in data:  # one statistic per feature (or image channel) on `axis`
            axis = data.get("axis", -1)
            x = x.double().movedim(axis, -1)
            x = ((x - data["shift"]) / data["scale"]).float()
            x = x.movedim(-1, axis).contiguous()
        y = x.clone() if data.get("target_is_input") else data[f"y_{part}"]
        splits[part] = (x.to(device), y.to(device))
    return splits


def parse_args(config: dict, here: Path, argv=None):
    """The script's own options, plus one per training setting that NetBuilder gives a flag
    (listed in train_config.json's "flags" by the export: `--epochs`, `--batch-size`, `--lr`...)."""
    parser = argparse.ArgumentParser(description="Train the exported model as NetBuilder does.")
    parser.add_argument("--data", default=here / "data.pt", type=Path, help="prepared data")
    parser.add_argument("--out", default=here / "run", type=Path, help="run folder")
    parser.add_argument("--weights", type=Path, help="start from these weights (.safetensors)")
    parser.add_argument("--resume", action="store_true",
                        help="continue the run in --out from its last committed epoch")
    kinds = {"int": {"type": int}, "float": {"type": float},
             "bool": {"action": argparse.BooleanOptionalAction}}
    for flag in config.get("flags", ()):
        kind = {"choices": flag["choices"]} if flag["kind"] == "choice" else dict(kinds[flag["kind"]])
        if flag["kind"] in ("int", "float"):
            kind["metavar"] = flag["flag"].removeprefix("--").upper().replace("-", "_")
        parser.add_argument(flag["flag"], dest=_dest(flag["path"]), default=None,
                            help=flag["help"] + " (default: the project's)", **kind)
    return parser.parse_args(argv)


def _dest(path: str) -> str:
    return path.replace(".", "_")


def apply_flags(config: dict, args) -> dict:
    """The config with each given flag's value at its setting's place ("optimizer.lr" inside
    config["optimizer"]), and `device`, which the run reads from the command line only."""
    for flag in config.get("flags", ()):
        value = getattr(args, _dest(flag["path"]))
        head, _, rest = flag["path"].partition(".")
        if value is None:
            if not rest:  # e.g. device, which the config does not hold: its declared default
                config.setdefault(head, flag["default"])
        elif rest:
            config[head] = {**config[head], rest: value}
        else:
            config[head] = value
    return config


def main(model_class, here: Path, argv=None) -> None:
    config = json.loads((here / "train_config.json").read_text(encoding="utf-8"))
    args = parse_args(config, here, argv)
    config = apply_flags(config, args)
    rank, world, device = distributed.setup(config.get("device", "auto"))
    try:
        _train(model_class, config, args, rank, world, device)
    finally:
        distributed.teardown(world)


def _train(model_class, config, args, rank, world, device) -> None:
    data = load_prepared(args.data, device)
    x, y = data["train"]
    val_on_train = len(data["val"][0]) == 0
    x_val, y_val = data["train"] if val_on_train else data["val"]
    torch.manual_seed(config["seed"])  # the initial weights
    model = model_class().to(device)
    if args.weights:
        model.load_state_dict(checkpoint.read_tensors(args.weights.read_bytes(), str(args.weights)))
    torch.manual_seed(config["seed"])
    loop = Loop(model, config, device, ImageAugment.from_dict(config.get("augment")), (rank, world))
    loop.seed()
    if args.resume:
        state = checkpoint.read_committed(args.out)
        model.load_state_dict(checkpoint.load_tensors(state, "model.safetensors"))
        loop.load_state(state, checkpoint.load_tensors(state, "state.safetensors"))
        best = checkpoint.load_tensors(state, "best.safetensors")
        loop.best_state = {k: v.to(device) for k, v in best.items()} or None
    if rank == 0:
        args.out.mkdir(parents=True, exist_ok=True)
        print(f"training on {world} x {device}, {len(x)} samples", flush=True)
        if val_on_train:
            print("the validation split is empty: validating on the training data", flush=True)
    while loop.epoch < config["epochs"]:
        try:
            logs = loop.run_epoch(x, y, x_val, y_val)
        except Diverged as err:
            raise SystemExit(str(err)) from None
        improved = logs.pop("improved")
        if rank == 0:
            print(json.dumps(checkpoint.json_safe(logs)), flush=True)
            loop.commit(args.out, improved)
        if loop.should_stop:
            if rank == 0:
                print(f"early stopping: no {config['monitor']} improvement in "
                      f"{loop.monitor.wait} epochs", flush=True)
            break
    if loop.best_state is not None and rank == 0:  # as the app: the best epoch's weights
        model.load_state_dict(loop.best_state)
        result = {"best_epoch": loop.monitor.best_epoch}
        for part, (xs, ys) in (("val", (x_val, y_val)), ("test", data["test"])):
            if len(xs):
                loss, found = loop.evaluate(xs, ys, metric_names(config["task"]))
                result |= {f"{part}_loss": loss, **{f"{part}_{k}": v for k, v in found.items()}}
        print(json.dumps(checkpoint.json_safe(result)), flush=True)


def run(model_class, here) -> None:
    """train.py's entry: main(), then under torchrun leave without the interpreter's teardown
    (gloo's threads can abort it after a finished run; everything is saved by then)."""
    main(model_class, Path(here))
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:
        print(end="", flush=True)  # os._exit skips flushing stdout
        os._exit(0)
