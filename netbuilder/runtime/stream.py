"""Samples that stay on disk: a split of a raw file of fixed-size samples (an image folder
decoded once into uint8 bytes), read a batch at a time.

It is indexed like the preloaded tensors it stands in for (`x[idx]`, `x[a:b]`, `len(x)`), so
the loop, evaluation and previews take either. For the training pass the loop asks
`x.batches(chunks)`: a torch DataLoader whose worker processes read the next batches ahead
while the model trains on this one, in the loop's own order, so a streamed run sees exactly
the batches a preloaded one sees.

Reads are `os.pread` of whole samples, not a memory map: the bytes go through the page cache,
which the system can drop, instead of becoming the process's own memory."""

from __future__ import annotations

import math
import os

import torch

WORKERS = min(4, os.cpu_count() or 1)  # reader processes per training pass
PREFETCH = 4  # batches each reader keeps ready


class DiskSamples:
    """Samples `rows` of `path`: after `offset` bytes, sample k is the k-th block of
    prod(shape) uint8 values. Returns uint8 tensors [n, *shape] on the CPU."""

    dtype = torch.uint8

    def __init__(self, path, shape, rows, offset: int = 0):
        self.path, self.sample_shape, self.offset = str(path), tuple(shape), int(offset)
        self.rows = torch.as_tensor(rows, dtype=torch.int64).reshape(-1)
        self.sample_bytes = math.prod(self.sample_shape)
        self._fd, self._pid = None, None

    # ----- what a tensor of samples offers ----------------------------------------------------
    def __len__(self) -> int:
        return len(self.rows)

    @property
    def shape(self) -> torch.Size:
        return torch.Size((len(self.rows), *self.sample_shape))

    @property
    def ndim(self) -> int:
        return 1 + len(self.sample_shape)

    def numel(self) -> int:
        return len(self.rows) * self.sample_bytes

    def is_floating_point(self) -> bool:
        return False

    def to(self, *args, **kwargs) -> DiskSamples:
        """Stays on disk: batches move to the device as they are read."""
        return self

    def subset(self, positions) -> DiskSamples:
        """The samples at these positions of this split (a split of the whole file)."""
        return DiskSamples(self.path, self.sample_shape, self.rows[torch.as_tensor(positions)],
                           self.offset)

    def __getitem__(self, index) -> torch.Tensor:
        if isinstance(index, int):
            return self._read(self.rows[index].reshape(1))[0]
        return self._read(self.rows[index].reshape(-1))

    def __getitems__(self, positions: list[int]) -> torch.Tensor:
        """A whole batch at once (the DataLoader's batched fetch)."""
        return self[torch.as_tensor(positions, dtype=torch.int64)]

    # ----- reading --------------------------------------------------------------------------
    def _file(self) -> int:
        if self._pid != os.getpid():  # a reader process opens its own descriptor
            self._fd, self._pid = os.open(self.path, os.O_RDONLY), os.getpid()
        return self._fd

    def _read(self, rows: torch.Tensor) -> torch.Tensor:
        if not len(rows):  # an empty split (no test part)
            return torch.empty((0, *self.sample_shape), dtype=torch.uint8)
        fd, size = self._file(), self.sample_bytes
        out = bytearray(len(rows) * size)
        view = memoryview(out)
        for i, row in enumerate(rows.tolist()):
            got = os.preadv(fd, [view[i * size:(i + 1) * size]], self.offset + row * size)
            if got != size:
                raise OSError(f"{self.path} is shorter than its samples (row {row}): the "
                              "cache was changed while it was read; load the data again.")
        return torch.frombuffer(out, dtype=torch.uint8).reshape(len(rows), *self.sample_shape)

    def batches(self, chunks: list[torch.Tensor], workers: int = WORKERS):
        """The samples of each chunk of positions, in order, read ahead by worker processes."""
        from torch.utils.data import DataLoader

        order = [chunk.cpu().tolist() for chunk in chunks]
        if workers <= 0 or len(order) < 2:
            return (self.__getitems__(positions) for positions in order)
        # its own generator: the workers' seeds must not be drawn from torch's global one,
        # which dropout and augmentation follow (a streamed run would train differently)
        return iter(DataLoader(self, batch_sampler=order, num_workers=workers,
                               collate_fn=_as_is, prefetch_factor=PREFETCH,
                               generator=torch.Generator()))

    def __getstate__(self) -> dict:  # to the reader processes: without the open descriptor
        return {**self.__dict__, "_fd": None, "_pid": None}


def _as_is(batch):
    return batch


def fetch(x, chunks: list[torch.Tensor]):
    """The samples of each chunk: indexed in memory, or read ahead from disk."""
    if isinstance(x, DiskSamples):
        return x.batches(chunks)
    return (x[idx] for idx in chunks)
