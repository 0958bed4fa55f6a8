"""Data-parallel setup under torchrun: one process per GPU (nccl) or per CPU share (gloo).

torchrun sets WORLD_SIZE, RANK and LOCAL_RANK; without them everything here is a no-op and
the run is one process. Every rank holds all the data and draws the same batch order, then
takes its share (Loop.batches); gradients are averaged by DistributedDataParallel, the epoch's
loss is all-reduced, rank 0 evaluates and shares the logs, and rank 0 alone writes."""

from __future__ import annotations

import os

import torch


def world_size() -> int:
    return int(os.environ.get("WORLD_SIZE", "1"))


def pick_device(name: str) -> torch.device:
    if name == "auto":
        has_mps = getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()
        name = "cuda" if torch.cuda.is_available() else "mps" if has_mps else "cpu"
    return torch.device(name)


def setup(device_name: str = "auto") -> tuple[int, int, torch.device]:
    """(rank, world size, this process's device); joins the process group under torchrun."""
    device = pick_device(device_name)
    if world_size() == 1:
        return 0, 1, device
    import torch.distributed as dist

    if device.type == "cuda":
        device = torch.device(f"cuda:{int(os.environ.get('LOCAL_RANK', '0'))}")
        torch.cuda.set_device(device)
    dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return dist.get_rank(), dist.get_world_size(), device


def teardown(world: int, barrier: bool = True) -> None:
    """Leave the group; `barrier`: first wait until every rank has finished (rank 0 has
    written the files). A failed rank does not wait: the others would hang."""
    if world > 1:
        import torch.distributed as dist

        if dist.is_initialized():
            if barrier:
                dist.barrier()
            dist.destroy_process_group()
