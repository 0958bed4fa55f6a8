"""Render train.py: a standalone script (torch + the standard library only) that trains the exported
Model as the app does, in one process or under `torchrun` with DistributedDataParallel.

The script reads the prepared data from `data.pt` (the app's split, raw values, and the
normalization the app fitted on the training split) and writes checkpoints as safetensors with a
tiny built-in writer, so neither numpy nor safetensors is needed.
"""

from __future__ import annotations

from .codegen import LINE, doc_text

HIGHER_IS_BETTER = ("accuracy", "r2")
SCRIPT_METRICS = {"classification": ("accuracy",), "binary": ("accuracy",),
                  "regression": ("mse", "rmse", "mae", "r2")}


def py_value(value, indent: int = 0, first: int = 0) -> str:
    """A JSON-like value as ruff format writes it: on one line when it fits, else one item a line."""
    if isinstance(value, dict):
        items = [f'"{k}": {py_value(v)}' for k, v in value.items()]
        one = "{" + ", ".join(items) + "}"
        if indent + first + len(one) <= LINE or not items:
            return one
        pad = " " * (indent + 4)
        rows = [f'{pad}"{k}": {py_value(v, indent + 4, len(k) + 4)},' for k, v in value.items()]
        return "{\n" + "\n".join(rows) + "\n" + " " * indent + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(py_value(v) for v in value) + "]"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if value is None or isinstance(value, (bool, int, float)):
        return repr(value)
    raise TypeError(f"cannot render {value!r}")


def script_config(settings, task: str, n_outputs: int) -> dict:
    """What train.py needs from the app's TrainSettings, as plain values."""
    metrics = [m for m in settings.metrics if m in SCRIPT_METRICS[task]]
    early = settings.early_stopping
    monitor = early["monitor"] if early else "val_loss"
    if monitor.removeprefix("val_") not in ("loss", *SCRIPT_METRICS[task]) and monitor != "train_loss":
        monitor = "val_loss"
    return {
        "task": task,
        "loss": {"type": settings.loss, **settings.loss_args},
        "optimizer": {"type": settings.optimizer, **settings.optimizer_args},
        "schedule": _schedule(settings),
        "batch_size": settings.batch_size,
        "epochs": settings.epochs,
        "seed": settings.seed,
        "l1": settings.l1,
        "l2": settings.l2,
        "grad_clip": settings.grad_clip,
        "amp": settings.amp,
        "metrics": metrics,
        "monitor": monitor,
        "patience": early["patience"] if early else None,
        "min_delta": early["min_delta"] if early else 0.0,
    }


def _schedule(settings) -> dict | None:
    """The schedule with the defaults the app fills in written out."""
    if not settings.schedule:
        return None
    schedule = {k: (list(v) if isinstance(v, tuple) else v) for k, v in settings.schedule.items()}
    kind = schedule["type"]
    if kind == "CosineAnnealingLR":
        schedule.setdefault("T_max", settings.epochs)
    if kind == "StepLR":
        schedule.setdefault("step_size", max(1, settings.epochs // 3))
    if kind == "ExponentialLR":
        schedule.setdefault("gamma", 0.95)
    return schedule


def render_train_script(name: str, config: dict, augment: dict | None = None) -> str:
    """The train.py source for a project whose Model lives in model.py beside it."""
    config = {k: (list(v) if isinstance(v, tuple) else v) for k, v in config.items()}
    head = f'"""Train the {doc_text(name) or "exported"} model: the same data, loss, optimizer and schedule as NetBuilder.'
    if len(head) > LINE:
        head = '"""Train the model: the same data, loss, optimizer and schedule as NetBuilder.'
    source = TEMPLATE.replace('"""Train the model.', head, 1)
    source = source.replace("CONFIG = {}", "CONFIG = " + py_value(config, 0, len("CONFIG = ")), 1)
    source = _cut(source, "AMP" if config["amp"] == "none" else "NOAMP")
    if augment:
        source = source.replace("AUGMENT = None", "AUGMENT = " + py_value(augment, 0, len("AUGMENT = ")), 1)
        source = source.replace("\n\ndef make_optimizer(", "\n\n" + AUGMENT_FUNCTION + "\n\ndef make_optimizer(", 1)
    else:
        source = _cut(source, "AUGMENT")
    return strip_markers(source)


def _cut(source: str, tag: str) -> str:
    """Remove the optional block between `# <tag>` and `# </tag>` markers, else keep its body."""
    start, end = f"# <{tag}>\n", f"# </{tag}>\n"
    while start in source:
        i = source.index(start)
        j = source.index(end, i)
        line_start = source.rfind("\n", 0, i) + 1
        source = source[:line_start] + source[j + len(end):]
    return source


def strip_markers(source: str) -> str:
    lines = [line for line in source.split("\n") if not line.strip().startswith(("# <", "# </"))]
    return "\n".join(lines)


AUGMENT_FUNCTION = '''\
def augment(xb):
    """Random flips, shifts, rotations and noise per image, as the app applies them."""
    n, _, h, w = xb.shape
    if AUGMENT["flip"]:
        flip = torch.rand(n, 1, 1, 1, device=xb.device) < 0.5
        xb = torch.where(flip, xb.flip(-1), xb)
    if AUGMENT["crop"] or AUGMENT["rotation"]:
        angle = (torch.rand(n, device=xb.device) * 2 - 1) * math.radians(
            AUGMENT["rotation"]
        )
        crop = AUGMENT["crop"]
        shift = torch.randint(-crop, crop + 1, (n, 2), device=xb.device)
        cos, sin = angle.cos(), angle.sin()
        theta = torch.stack(
            [
                torch.stack([cos, -sin, shift[:, 0] * 2.0 / w], 1),
                torch.stack([sin, cos, shift[:, 1] * 2.0 / h], 1),
            ],
            1,
        ).to(xb.dtype)
        grid = nn.functional.affine_grid(theta, list(xb.shape), align_corners=False)
        xb = nn.functional.grid_sample(
            xb, grid, padding_mode="zeros", align_corners=False
        )
    if AUGMENT["noise"]:
        xb = xb + torch.randn_like(xb) * AUGMENT["noise"]
    return xb
'''

TEMPLATE = '''\
"""Train the model.

One process (CPU or one GPU):
    python train.py
Several GPUs (or CPU processes) with DistributedDataParallel:
    torchrun --nproc_per_node=4 train.py

Checkpoints go to --out as safetensors: best.safetensors (best epoch by the monitored value)
and last.safetensors. Load them with load_safetensors() below, or safetensors.torch.load_file.
"""

import argparse
import ctypes
import json
import math
import os
import struct
import time
from pathlib import Path

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from model import Model

HERE = Path(__file__).resolve().parent
CONFIG = {}
# <AUGMENT>
AUGMENT = None
# </AUGMENT>

DTYPES = {
    torch.float32: "F32",
    torch.float64: "F64",
    torch.float16: "F16",
    torch.bfloat16: "BF16",
    torch.int64: "I64",
    torch.int32: "I32",
    torch.int8: "I8",
    torch.uint8: "U8",
    torch.bool: "BOOL",
}


def save_safetensors(tensors, path):
    """Write tensors in the safetensors format (a JSON header, then raw little-endian bytes)."""
    header, chunks, offset = {}, [], 0
    for name, tensor in tensors.items():
        tensor = tensor.detach().cpu().contiguous()
        size = tensor.numel() * tensor.element_size()
        data = ctypes.string_at(tensor.data_ptr(), size) if size else b""
        header[name] = {
            "dtype": DTYPES[tensor.dtype],
            "shape": list(tensor.shape),
            "data_offsets": [offset, offset + len(data)],
        }
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    tmp = Path(path).with_suffix(".tmp")
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text)
        for data in chunks:
            f.write(data)
    os.replace(tmp, path)


def load_safetensors(path):
    """Read a safetensors file into a dict of CPU tensors."""
    raw = Path(path).read_bytes()
    (size,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + size])
    names = {v: k for k, v in DTYPES.items()}
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        data = bytearray(raw[8 + size + start : 8 + size + end])
        flat = torch.frombuffer(data, dtype=torch.uint8) if data else torch.empty(0)
        tensors[name] = flat.view(names[info["dtype"]]).reshape(info["shape"])
    return tensors


def load_data(path, device):
    """The app's train/val/test split, normalized with the statistics fitted on the training split."""
    data = torch.load(path, weights_only=True)
    splits = {}
    for part in ("train", "val", "test"):
        x = data[f"x_{part}"]
        if "shift" in data:
            x = ((x.double() - data["shift"]) / data["scale"]).float()
        y = x.clone() if data.get("target_is_input") else data[f"y_{part}"]
        splits[part] = (x.to(device), y.to(device))
    return splits


def make_optimizer(params):
    args = dict(CONFIG["optimizer"])
    kind = args.pop("type")
    if "betas" in args:
        args["betas"] = tuple(args["betas"])
    if CONFIG["l2"]:
        args["weight_decay"] = args.get("weight_decay", 0.0) + CONFIG["l2"]
    return getattr(torch.optim, kind)(params, **args)


def make_scheduler(optimizer):
    if not CONFIG["schedule"]:
        return None
    args = dict(CONFIG["schedule"])
    kind = args.pop("type")
    return getattr(torch.optim.lr_scheduler, kind)(optimizer, **args)


def make_loss():
    args = dict(CONFIG["loss"])
    return getattr(nn, args.pop("type"))(**args)


def first_output(out):
    return out[0] if isinstance(out, tuple) else out


@torch.no_grad()
def evaluate(model, x, y, loss_fn, batch_size):
    """Sums over this process's share of the data; the caller all-reduces them."""
    model.eval()
    n = len(x)
    sums = torch.zeros(8, dtype=torch.float64, device=x.device)
    for i in range(0, n, batch_size):
        xb, yb = x[i : i + batch_size], y[i : i + batch_size]
        out = first_output(model(xb))
        sums[0] += loss_fn(out, yb).double() * len(xb)
        sums[1] += len(xb)
        if CONFIG["task"] == "classification":
            sums[2] += (out.argmax(dim=-1) == yb).sum()
        elif CONFIG["task"] == "binary":
            threshold = 0.0 if CONFIG["loss"]["type"] == "BCEWithLogitsLoss" else 0.5
            sums[2] += ((out > threshold).float() == yb).double().mean(dim=-1).sum()
        else:
            err = (out - yb).double()
            sums[3] += err.pow(2).sum()
            sums[4] += err.abs().sum()
            sums[5] += yb.double().sum()
            sums[6] += yb.double().pow(2).sum()
            sums[7] += yb.numel()
    return sums


def metrics_from(sums):
    if sums[1] == 0:
        return {}
    logs = {"loss": (sums[0] / sums[1]).item()}
    if CONFIG["task"] != "regression":
        logs["accuracy"] = (sums[2] / sums[1]).item()
    else:
        count = sums[7].item()
        mse = sums[3].item() / count
        total = sums[6].item() - sums[5].item() ** 2 / count
        logs |= {"mse": mse, "rmse": math.sqrt(mse), "mae": sums[4].item() / count}
        logs["r2"] = 1 - sums[3].item() / total if total > 0 else float("nan")
    return logs


def is_better(value, than, delta, name):
    if than is None:
        return True
    if name.removeprefix("val_") in ("accuracy", "r2"):
        return value > than + delta
    return value < than - delta


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\\n")[0])
    parser.add_argument(
        "--data", default=HERE / "data.pt", type=Path, help="prepared data"
    )
    parser.add_argument(
        "--out", default=HERE / "run", type=Path, help="checkpoint folder"
    )
    parser.add_argument("--epochs", type=int, default=CONFIG["epochs"])
    parser.add_argument(
        "--batch-size", type=int, default=CONFIG["batch_size"], help="per process"
    )
    parser.add_argument("--lr", type=float, default=CONFIG["optimizer"]["lr"])
    parser.add_argument("--seed", type=int, default=CONFIG["seed"])
    parser.add_argument(
        "--weights", type=Path, help="start from these weights (.safetensors)"
    )
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or mps")
    return parser.parse_args()


def main():
    args = parse_args()
    CONFIG["optimizer"]["lr"] = args.lr
    distributed = "WORLD_SIZE" in os.environ and int(os.environ["WORLD_SIZE"]) > 1
    if args.device == "auto":
        args.device = "cuda" if torch.cuda.is_available() else "cpu"
    if distributed:
        dist.init_process_group("nccl" if args.device == "cuda" else "gloo")
        rank, world = dist.get_rank(), dist.get_world_size()
        if args.device == "cuda":
            args.device = f"cuda:{int(os.environ['LOCAL_RANK'])}"
            torch.cuda.set_device(args.device)
    else:
        rank, world = 0, 1
    device = torch.device(args.device)
    torch.manual_seed(args.seed)

    data = load_data(args.data, device)
    x_train, y_train = data["train"]
    model = Model().to(device)
    if args.weights:
        model.load_state_dict(load_safetensors(args.weights))
    net = DistributedDataParallel(model) if distributed else model
    loss_fn = make_loss()
    optimizer = make_optimizer(net.parameters())
    scheduler = make_scheduler(optimizer)
    sampler = torch.utils.data.DistributedSampler(
        range(len(x_train)), num_replicas=world, rank=rank, shuffle=True, seed=args.seed
    )
    # <AMP>
    amp_dtype = torch.bfloat16 if CONFIG["amp"] == "bf16" else torch.float16
    use_amp = device.type == "cuda"
    scaler = torch.amp.GradScaler(enabled=use_amp and CONFIG["amp"] == "fp16")
    # </AMP>
    if rank == 0:
        args.out.mkdir(parents=True, exist_ok=True)
        print(f"training on {world} x {device}, {len(x_train)} samples", flush=True)

    best, reference, wait = None, None, 0
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        net.train()
        sampler.set_epoch(epoch)
        order = torch.tensor(list(sampler), device=device)
        train_sums = torch.zeros(2, dtype=torch.float64, device=device)
        for i in range(0, len(order), args.batch_size):
            index = order[i : i + args.batch_size]
            xb, yb = x_train[index], y_train[index]
            # <AUGMENT>
            xb = augment(xb)
            # </AUGMENT>
            # <AMP>
            with torch.autocast(device.type, dtype=amp_dtype, enabled=use_amp):
                loss = loss_fn(first_output(net(xb)), yb)
            # </AMP>
            # <NOAMP>
            loss = loss_fn(first_output(net(xb)), yb)
            # </NOAMP>
            if CONFIG["l1"]:
                loss = loss + CONFIG["l1"] * sum(
                    p.abs().sum() for p in net.parameters()
                )
            optimizer.zero_grad(set_to_none=True)
            # <AMP>
            scaler.scale(loss).backward()
            scaler.unscale_(optimizer)
            # </AMP>
            # <NOAMP>
            loss.backward()
            # </NOAMP>
            if CONFIG["grad_clip"]:
                nn.utils.clip_grad_norm_(net.parameters(), CONFIG["grad_clip"])
            # <AMP>
            scaler.step(optimizer)
            scaler.update()
            # </AMP>
            # <NOAMP>
            optimizer.step()
            # </NOAMP>
            train_sums[0] += loss.detach().double() * len(xb)
            train_sums[1] += len(xb)

        x_val, y_val = data["val"]
        val_sums = evaluate(
            model, x_val[rank::world], y_val[rank::world], loss_fn, args.batch_size
        )
        if distributed:
            dist.all_reduce(train_sums)
            dist.all_reduce(val_sums)
        logs = {"epoch": epoch, "train_loss": (train_sums[0] / train_sums[1]).item()}
        logs |= {f"val_{k}": v for k, v in metrics_from(val_sums).items()}
        logs["lr"] = optimizer.param_groups[0]["lr"]
        logs["time"] = round(time.perf_counter() - start, 3)

        if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
            scheduler.step(logs.get("val_loss", logs["train_loss"]))
        elif scheduler is not None:
            scheduler.step()

        monitor = CONFIG["monitor"] if CONFIG["monitor"] in logs else "train_loss"
        value = logs[monitor]
        if rank == 0:
            print(json.dumps(logs), flush=True)
            state = model.state_dict()
            save_safetensors(state, args.out / "last.safetensors")
            if math.isfinite(value) and is_better(value, best, 0.0, monitor):
                save_safetensors(state, args.out / "best.safetensors")
        if math.isfinite(value) and is_better(
            value, reference, CONFIG["min_delta"], monitor
        ):
            reference, wait = value, 0
        else:
            wait += 1
        if math.isfinite(value) and is_better(value, best, 0.0, monitor):
            best = value
        if CONFIG["patience"] and wait >= CONFIG["patience"]:
            if rank == 0:
                print(
                    f"early stopping: no {monitor} improvement in {wait} epochs",
                    flush=True,
                )
            break

    x_test, y_test = data["test"]
    if len(x_test):
        test_sums = evaluate(
            model, x_test[rank::world], y_test[rank::world], loss_fn, args.batch_size
        )
        if distributed:
            dist.all_reduce(test_sums)
        if rank == 0:
            print(
                json.dumps(
                    {f"test_{k}": v for k, v in metrics_from(test_sums).items()}
                ),
                flush=True,
            )
    if distributed:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
'''
