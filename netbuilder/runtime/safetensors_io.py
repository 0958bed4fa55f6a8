"""The safetensors format with torch alone: a little-endian u64 header size, a JSON header,
then the raw tensor bytes. Readers check every offset and shape, so a truncated or edited file
is refused with a message instead of being read as garbage."""

from __future__ import annotations

import ctypes
import json
import math
import struct

import torch

DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16",
          torch.bfloat16: "BF16", torch.int64: "I64", torch.int32: "I32", torch.int16: "I16",
          torch.int8: "I8", torch.uint8: "U8", torch.bool: "BOOL"}
BY_NAME = {v: k for k, v in DTYPES.items()}
MAX_HEADER = 100_000_000


class TensorFileError(ValueError):
    """A safetensors file that cannot be read; the message names the file and the field."""


def tensor_pieces(tensors: dict[str, torch.Tensor], metadata: dict[str, str] | None = None) -> list:
    """The file's bytes in pieces: the header, then each tensor's own memory, not copied (a
    copy of a 5M-parameter model and its Adam state took longer than writing it). The pieces
    keep their tensors alive; they show the tensors' values when they are read, so write or
    hash them before the tensors change. `metadata`: the header's "__metadata__" (text to
    text, as the format has it), which every safetensors reader skips or shows as it is."""
    header, pieces, offset = ({"__metadata__": dict(metadata)} if metadata else {}), [], 0
    for name, tensor in tensors.items():
        tensor = tensor.detach().to("cpu").contiguous()
        size = tensor.numel() * tensor.element_size()
        header[name] = {"dtype": DTYPES[tensor.dtype], "shape": list(tensor.shape),
                        "data_offsets": [offset, offset + size]}
        if size:
            memory = (ctypes.c_char * size).from_address(tensor.data_ptr())
            memory.tensor = tensor  # alive as long as the piece is
            pieces.append(memoryview(memory).cast("B"))
        offset += size
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return [struct.pack("<Q", len(text)) + text, *pieces]


def tensor_bytes(tensors: dict[str, torch.Tensor], metadata: dict[str, str] | None = None) -> bytes:
    return b"".join(tensor_pieces(tensors, metadata))


def read_metadata(path) -> dict[str, str]:
    """A safetensors file's "__metadata__" ({} when it has none, or is no safetensors file):
    its header alone is read."""
    try:
        with open(path, "rb") as f:
            head = f.read(8)
            (size,) = struct.unpack("<Q", head) if len(head) == 8 else (0,)
            header = json.loads(f.read(size)) if 0 < size <= MAX_HEADER else {}
    except (OSError, ValueError):
        return {}
    meta = header.get("__metadata__") if isinstance(header, dict) else None
    return {k: v for k, v in meta.items() if isinstance(k, str) and isinstance(v, str)} \
        if isinstance(meta, dict) else {}


def read_tensors(raw: bytes, where: str = "the file") -> dict[str, torch.Tensor]:
    if len(raw) < 8:
        raise TensorFileError(f"{where} is not a safetensors file (only {len(raw)} bytes).")
    (size,) = struct.unpack("<Q", raw[:8])
    if size > min(MAX_HEADER, len(raw) - 8):
        raise TensorFileError(f"{where} is cut short or not a safetensors file (its header "
                              f"says {size} bytes, the file has {len(raw)}).")
    try:
        header = json.loads(raw[8:8 + size])
    except ValueError:
        raise TensorFileError(f"{where}: the safetensors header is not JSON.") from None
    if not isinstance(header, dict):
        raise TensorFileError(f"{where}: the safetensors header is not an object.")
    body = memoryview(raw)[8 + size:]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        field = f"{where}, tensor '{name}'"
        if not isinstance(info, dict) or info.get("dtype") not in BY_NAME:
            raise TensorFileError(f"{field}: unknown dtype {info.get('dtype') if isinstance(info, dict) else info!r}.")
        shape, offsets = info.get("shape"), info.get("data_offsets")
        if (not isinstance(shape, list) or not all(_natural(s) for s in shape)
                or not isinstance(offsets, list) or len(offsets) != 2
                or not all(_natural(o) for o in offsets)):
            raise TensorFileError(f"{field}: bad shape or data_offsets.")
        dtype = BY_NAME[info["dtype"]]
        start, end = offsets
        need = math.prod(shape) * torch.empty((), dtype=dtype).element_size()
        if end - start != need or end > len(body):
            raise TensorFileError(f"{field}: {end - start} bytes at {start} do not hold shape "
                                  f"{shape} ({need} bytes) within the file's {len(body)}.")
        data = bytearray(body[start:end])
        flat = torch.frombuffer(data, dtype=torch.uint8) if data else torch.empty(0, dtype=torch.uint8)
        tensors[name] = flat.view(dtype).reshape(shape)
    return tensors


def _natural(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def save_file(tensors: dict[str, torch.Tensor], path) -> None:
    """Write tensors to `path` (through a temporary file: a crash never leaves half a file)."""
    import os
    from pathlib import Path

    tmp = Path(str(path) + ".tmp")
    tmp.write_bytes(tensor_bytes(tensors))
    os.replace(tmp, path)


def load_file(path) -> dict[str, torch.Tensor]:
    """Read a safetensors file into CPU tensors."""
    from pathlib import Path

    return read_tensors(Path(path).read_bytes(), str(path))
