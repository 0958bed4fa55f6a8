"""Render train.py: a standalone script (torch + the standard library only) that trains the exported
Model as the app does, in one process or under `torchrun` with DistributedDataParallel.

In one process the script repeats the app's run (netbuilder/train/trainer.py) step for step: the same
seeding (the model's initial weights, then a reseed for dropout and augmentation), the same batch
order (a generator of its own, one randperm per epoch), the same l1/l2/clipping, loss reporting,
schedule stepping, early stopping and best-weights restore, and the same metrics (computed with
torch alone, as netbuilder.metrics computes them with torchmetrics). Under torchrun, batches come
from a DistributedSampler instead.

The script reads the prepared data from `data.pt` (the app's split, raw values, and the
normalization the app fitted on the training split) and writes checkpoints as safetensors with a
tiny built-in writer, so neither numpy nor safetensors is needed.
"""

from __future__ import annotations

from .codegen import LINE, doc_text, literal

CLASSIFIER_METRICS = ("accuracy", "precision", "recall", "f1", "auroc")
REGRESSION_METRICS = ("mse", "rmse", "mae", "r2")
SCRIPT_METRICS = {"classification": CLASSIFIER_METRICS, "binary": CLASSIFIER_METRICS,
                  "regression": REGRESSION_METRICS}


def py_value(value, indent: int = 0, first: int = 0) -> str:
    """A JSON-like value as ruff format writes it: on one line when it fits, else one item a line."""
    if isinstance(value, dict):
        items = [f"{literal(k)}: {py_value(v)}" for k, v in value.items()]
        one = "{" + ", ".join(items) + "}"
        if indent + first + len(one) <= LINE or not items:
            return one
        pad = " " * (indent + 4)
        rows = [f"{pad}{literal(k)}: {py_value(v, indent + 4, len(k) + 4)}," for k, v in value.items()]
        return "{\n" + "\n".join(rows) + "\n" + " " * indent + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(py_value(v) for v in value) + "]"
    if isinstance(value, str):
        return literal(value)
    if value is None or isinstance(value, (bool, int, float)):
        return repr(value)
    raise TypeError(f"cannot render {value!r}")


def script_config(settings, task: str, n_outputs: int) -> dict:
    """What train.py needs from the app's TrainSettings, as plain values."""
    early = settings.early_stopping
    monitor = early["monitor"] if early else "val_loss"
    if monitor not in ("train_loss", "val_loss") and monitor.removeprefix("val_") not in SCRIPT_METRICS[task]:
        monitor = "val_loss"  # the app refuses such a monitor; the script falls back to its default
    # the metrics the app logs each epoch (Trainer._metric_names): the task's, plus the monitored one
    metrics = [m for m in settings.metrics_for(task) if m in SCRIPT_METRICS[task]]
    if monitor.removeprefix("val_") in SCRIPT_METRICS[task]:
        metrics.append(monitor.removeprefix("val_"))
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
        "metrics": list(dict.fromkeys(metrics)),
        "monitor": monitor,
        "patience": early["patience"] if early else None,
        "min_delta": early["min_delta"] if early else 0.0,
    }


def _schedule(settings) -> dict | None:
    """The schedule as the user set it: train.py fills in the app's defaults (T_max = epochs...)
    from its --epochs, as the app does from training.epochs."""
    if not settings.schedule:
        return None
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in settings.schedule.items()}

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

One process (CPU or one GPU) repeats NetBuilder's run step for step (same seed, same
batch order, same metrics):
    python train.py
Several GPUs (or CPU processes) with DistributedDataParallel:
    torchrun --nproc_per_node=4 train.py

Checkpoints go to --out as safetensors: best.safetensors (best epoch by the monitored value)
and last.safetensors. Load them with load_safetensors() below, or safetensors.torch.load_file.
"""

import argparse
# <AMP>
import contextlib
# </AMP>
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
EVAL_BATCH = 1024  # samples per forward pass when evaluating
CLASSIFIER_METRICS = ("accuracy", "precision", "recall", "f1", "auroc")
REGRESSION_METRICS = ("mse", "rmse", "mae", "r2")
HIGHER_IS_BETTER = ("accuracy", "precision", "recall", "f1", "auroc", "r2")

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
        if "shift" in data:  # one statistic per feature (or image channel) on `axis`
            axis = data.get("axis", -1)
            x = x.double().movedim(axis, -1)
            x = ((x - data["shift"]) / data["scale"]).float()
            x = x.movedim(-1, axis).contiguous()
        y = x.clone() if data.get("target_is_input") else data[f"y_{part}"]
        splits[part] = (x.to(device), y.to(device))
    return splits


def make_optimizer(params):
    args = dict(CONFIG["optimizer"])
    kind = args.pop("type")
    if "betas" in args:
        args["betas"] = tuple(args["betas"])
    if CONFIG["l2"]:  # l2 is weight decay, added to any the optimizer already has
        args["weight_decay"] = args.get("weight_decay", 0.0) + CONFIG["l2"]
    return getattr(torch.optim, kind)(params, **args)


def make_scheduler(optimizer, epochs):
    """The LR schedule, stepped once per epoch; unset arguments get the app's defaults."""
    if not CONFIG["schedule"]:
        return None
    args = dict(CONFIG["schedule"])
    kind = args.pop("type")
    defaults = {
        "CosineAnnealingLR": {"T_max": epochs},
        "StepLR": {"step_size": max(1, epochs // 3)},
        "ExponentialLR": {"gamma": 0.95},
    }
    args = defaults.get(kind, {}) | args
    return getattr(torch.optim.lr_scheduler, kind)(optimizer, **args)


def make_loss():
    args = dict(CONFIG["loss"])
    return getattr(nn, args.pop("type"))(**args)


def make_generator(device, seed):
    """The batch order's own random stream, seeded once: one randperm per epoch."""
    try:
        generator = torch.Generator(device=device)
    except RuntimeError:  # no generator on this device: shuffle on the CPU
        generator = torch.Generator()
    generator.manual_seed(seed)
    return generator


def first_output(out):
    """A graph with several outputs is trained and evaluated on the first one."""
    return out[0] if isinstance(out, (tuple, list)) else out


# <AMP>
def autocast(device):
    """Mixed precision on CUDA only; elsewhere the app trains in float32."""
    if device.type != "cuda":
        return contextlib.nullcontext()
    dtype = torch.bfloat16 if CONFIG["amp"] == "bf16" else torch.float16
    return torch.autocast("cuda", dtype=dtype)


# </AMP>
def batches(order, batch_size):
    """Index batches in `order`; a last batch of one sample is dropped (it breaks BatchNorm)."""
    size = min(batch_size, len(order))
    chunks = order.split(size)
    if len(chunks[-1]) == 1 and size > 1:
        chunks = chunks[:-1]
    return chunks


# <AMP>
def train_epoch(net, x, y, index_batches, loss_fn, optimizer, scaler):
# </AMP>
# <NOAMP>
def train_epoch(net, x, y, index_batches, loss_fn, optimizer):
# </NOAMP>
    """One pass over the batches; returns the sum of their losses (a device scalar)."""
    net.train()
    params = [p for p in net.parameters() if p.requires_grad]
    l1_params = [p for p in params if p.ndim > 1]  # weights; not biases or norm scales
    total = torch.zeros((), dtype=torch.float64, device=x.device)
    for index in index_batches:
        xb, yb = x[index], y[index]
        # <AUGMENT>
        xb = augment(xb)
        # </AUGMENT>
        # <AMP>
        with autocast(x.device):
            loss = loss_fn(first_output(net(xb)), yb)
        # </AMP>
        # <NOAMP>
        loss = loss_fn(first_output(net(xb)), yb)
        # </NOAMP>
        objective = loss
        if CONFIG["l1"]:
            objective = loss + CONFIG["l1"] * sum(p.abs().sum() for p in l1_params)
        optimizer.zero_grad(set_to_none=True)
        # <AMP>
        scaler.scale(objective).backward()
        scaler.unscale_(optimizer)
        # </AMP>
        # <NOAMP>
        objective.backward()
        # </NOAMP>
        if CONFIG["grad_clip"]:
            nn.utils.clip_grad_norm_(params, CONFIG["grad_clip"])
        # <AMP>
        scaler.step(optimizer)
        scaler.update()
        # </AMP>
        # <NOAMP>
        optimizer.step()
        # </NOAMP>
        total += loss.detach()  # the reported loss leaves the l1 term out
    return total


@torch.no_grad()
def evaluate(model, x, y, loss_fn, names):
    """The loss over all of x (one loss_fn call on every output) and the metrics in `names`."""
    model.eval()
    outs = []
    for i in range(0, len(x), EVAL_BATCH):
        # <AMP>
        with autocast(x.device):
            outs.append(first_output(model(x[i : i + EVAL_BATCH])).float())
        # </AMP>
        # <NOAMP>
        outs.append(first_output(model(x[i : i + EVAL_BATCH])).float())
        # </NOAMP>
    model.train()
    out = torch.cat(outs)
    if CONFIG["task"] == "regression":
        scores = regression_metrics(out, y)
    else:
        scores = classifier_metrics(out, y, "auroc" in names)
    return {"loss": loss_fn(out, y).item()} | {
        k: v for k, v in scores.items() if k in names
    }


def classifier_metrics(out, y, with_auroc):
    """Accuracy, and precision, recall, F1 and AUROC averaged over classes (or labels)."""
    if CONFIG["task"] == "classification":  # one logit per class, class-index targets
        probs = out.softmax(dim=-1)
        classes = torch.arange(probs.shape[1], device=y.device)
        truth = y[:, None] == classes
        chosen = probs.argmax(dim=-1)[:, None] == classes
        accuracy = (chosen == truth).all(dim=1)
    else:  # one column per 0/1 target
        probs = out if CONFIG["loss"]["type"] == "BCELoss" else out.sigmoid()
        probs, truth = probs.reshape(len(y), -1), y.reshape(len(y), -1) > 0.5
        chosen = probs > 0.5
        accuracy = chosen == truth
    tp = (chosen & truth).sum(dim=0).double()
    fp = (chosen & ~truth).sum(dim=0).double()
    fn = (~chosen & truth).sum(dim=0).double()
    # a class absent from both targets and predictions is left out of the averages
    counted = (tp + fp + fn > 0) | (CONFIG["task"] != "classification")
    scores = {
        "accuracy": accuracy.double().mean().item(),
        "precision": class_mean(tp, tp + fp, counted),
        "recall": class_mean(tp, tp + fn, counted),
        "f1": class_mean(2 * tp, 2 * tp + fp + fn, counted),
    }
    if with_auroc:
        per_column = [auroc(probs[:, j], truth[:, j]) for j in range(probs.shape[1])]
        scores["auroc"] = sum(per_column) / len(per_column)
    return scores


def class_mean(numerator, denominator, counted):
    """The mean over the counted classes of numerator / denominator (0 where that is 0 / 0)."""
    ratio = torch.where(denominator > 0, numerator / denominator, 0.0)
    return (ratio * counted).sum().item() / max(counted.sum().item(), 1)


def auroc(score, positive):
    """Area under the ROC curve: the chance that a positive outscores a negative, ties
    counting half. 0 when the targets hold no positive or no negative."""
    n_pos = positive.sum().item()
    n_neg = len(positive) - n_pos
    if n_pos == 0 or n_neg == 0:
        return 0.0
    _, group, counts = torch.unique(score, return_inverse=True, return_counts=True)
    counts = counts.double()
    mean_rank = counts.cumsum(0) - (counts - 1) / 2  # tied scores share their mean rank
    rank = mean_rank[group]
    return (rank[positive].sum().item() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def regression_metrics(out, y):
    """MSE, RMSE, MAE and R² (with several outputs: each output's R² weighted by its variance)."""
    pred, y = out.reshape(y.shape).double(), y.double()
    err = pred - y
    mse = err.pow(2).mean().item()
    scores = {"mse": mse, "rmse": math.sqrt(mse), "mae": err.abs().mean().item()}
    scores["r2"] = float("nan")
    if len(y) > 1:
        err, y = err.reshape(len(y), -1), y.reshape(len(y), -1)
        rss = err.pow(2).sum(dim=0)
        tss = (y - y.mean(dim=0)).pow(2).sum(dim=0)
        # as torchmetrics: a near-perfect fit scores 1, a near-constant target otherwise 0
        r2 = torch.where(tss.abs() > 1e-4, 1 - rss / tss, 0.0)
        r2 = torch.where(rss.abs() > 1e-4, r2, 1.0)
        r2 = r2[0] if len(r2) == 1 else (tss / tss.sum() * r2).sum()
        scores["r2"] = r2.item()
    return scores


def is_better(value, than, delta):
    """Whether the monitored value improves on `than` by more than `delta`."""
    if than is None:
        return True
    if CONFIG["monitor"].removeprefix("val_") in HIGHER_IS_BETTER:
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
    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
    if args.device == "auto":
        mps = torch.backends.mps.is_available()
        args.device = "cuda" if torch.cuda.is_available() else "mps" if mps else "cpu"
    if distributed:
        dist.init_process_group("nccl" if args.device == "cuda" else "gloo")
        rank, world = dist.get_rank(), dist.get_world_size()
        if args.device == "cuda":
            args.device = f"cuda:{int(os.environ['LOCAL_RANK'])}"
            torch.cuda.set_device(args.device)
    else:
        rank, world = 0, 1
    device = torch.device(args.device)

    data = load_data(args.data, device)
    x_train, y_train = data["train"]
    val_on_train = len(data["val"][0]) == 0
    x_val, y_val = data["train"] if val_on_train else data["val"]
    torch.manual_seed(args.seed)  # the initial weights
    model = Model().to(device)
    if args.weights:
        model.load_state_dict(load_safetensors(args.weights))
    torch.manual_seed(args.seed)  # dropout and augmentation: the app reseeds here too
    net = DistributedDataParallel(model) if distributed else model
    loss_fn = make_loss()
    optimizer = make_optimizer([p for p in net.parameters() if p.requires_grad])
    scheduler = make_scheduler(optimizer, args.epochs)
    if distributed:  # each process takes its share of every epoch
        sampler = torch.utils.data.DistributedSampler(
            range(len(x_train)), num_replicas=world, rank=rank, seed=args.seed
        )
    else:  # the app's batch order
        generator = make_generator(device, args.seed)
    # <AMP>
    scaler = torch.amp.GradScaler(
        enabled=device.type == "cuda" and CONFIG["amp"] == "fp16"
    )
    # </AMP>
    if rank == 0:
        args.out.mkdir(parents=True, exist_ok=True)
        print(f"training on {world} x {device}, {len(x_train)} samples", flush=True)
        if val_on_train:
            print("the validation split is empty: validating on the training data")

    best, best_epoch, best_state, reference, wait = None, None, None, None, 0
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        lr = optimizer.param_groups[0]["lr"]
        if distributed:
            sampler.set_epoch(epoch)
            order = torch.tensor(list(sampler), device=device)
        else:
            n = len(x_train)
            order = torch.randperm(n, device=generator.device, generator=generator)
        index_batches = batches(order.to(device), args.batch_size)
        # <AMP>
        loss_sum = train_epoch(
            net, x_train, y_train, index_batches, loss_fn, optimizer, scaler
        )
        # </AMP>
        # <NOAMP>
        loss_sum = train_epoch(net, x_train, y_train, index_batches, loss_fn, optimizer)
        # </NOAMP>
        sums = torch.stack([loss_sum, loss_sum.new_tensor(len(index_batches))])
        if distributed:
            dist.all_reduce(sums)
        train_loss = (sums[0] / sums[1]).item()  # the mean batch loss
        if not math.isfinite(train_loss):
            raise SystemExit(
                f"The training loss became NaN or infinite in epoch {epoch}: lower the "
                "learning rate, normalize the inputs, or set grad_clip."
            )

        # rank 0 evaluates (every process holds all the data) and shares the logs,
        # so that every process steps the schedule and stops at the same epoch
        logs = [None]
        if rank == 0:
            val = evaluate(model, x_val, y_val, loss_fn, CONFIG["metrics"])
            logs[0] = {"epoch": epoch, "train_loss": train_loss}
            logs[0] |= {f"val_{k}": v for k, v in val.items()}
            logs[0] |= {"lr": lr, "epoch_time": round(time.perf_counter() - start, 3)}
        if distributed:
            dist.broadcast_object_list(logs, src=0)
        logs = logs[0]

        value = logs[CONFIG["monitor"]]
        improved = math.isfinite(value) and is_better(value, best, 0.0)
        if math.isfinite(value) and is_better(value, reference, CONFIG["min_delta"]):
            reference, wait = value, 0
        else:
            wait += 1
        if improved:
            best, best_epoch = value, epoch
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
            scheduler.step(logs["val_loss"])
        elif scheduler is not None:
            scheduler.step()
        if rank == 0:
            print(json.dumps(logs), flush=True)
            save_safetensors(model.state_dict(), args.out / "last.safetensors")
            if improved:
                save_safetensors(best_state, args.out / "best.safetensors")
        if CONFIG["patience"] and wait >= CONFIG["patience"]:
            if rank == 0:
                print(
                    f"early stopping: no {CONFIG['monitor']} improvement in {wait} epochs",
                    flush=True,
                )
            break

    # as the app, keep the best epoch's weights and report every metric with them
    if best_state is not None and rank == 0:
        model.load_state_dict(best_state)
        regression = CONFIG["task"] == "regression"
        all_metrics = REGRESSION_METRICS if regression else CLASSIFIER_METRICS
        result = {"best_epoch": best_epoch}
        for part, (x, y) in (("val", (x_val, y_val)), ("test", data["test"])):
            if len(x):
                scores = evaluate(model, x, y, loss_fn, all_metrics)
                result |= {f"{part}_{k}": v for k, v in scores.items()}
        print(json.dumps(result), flush=True)
    if distributed:
        dist.barrier()  # every rank has finished (rank 0 has written the files)
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:
        # after a finished run, gloo's threads can still abort the interpreter's own exit
        # ("terminate called without an active exception", seen about once in 15 runs
        # under torchrun on CPU): everything is saved, so leave without that teardown
        print(end="", flush=True)  # os._exit skips flushing stdout
        os._exit(0)
'''
