"""predict.py for the Python export: raw CSV rows in, predictions out, torch and the standard
library only. It carries netbuilder/data/plan_apply.py verbatim and the app's own forward loop
(data/predict.run_model), so its predictions are the app's, digit for digit."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

from ..data import plan_apply
from ..data.plan import PLAN_FILE
from ..data.predict import CHUNK, run_model

_HEAD = '''"""Predict new raw rows with the trained model, preprocessed as NetBuilder did in training.

    python predict.py new_rows.csv -o predictions.csv [--weights model.safetensors]

The output holds the input columns plus `prediction` (and `p_<class>` for classifiers).
Needs only torch. The preprocessing (columns, category maps, fill values, scaling) is
preprocessing.json; its code follows, copied from NetBuilder."""

import argparse
import csv
import io
import json
import math
import re
import struct
import sys
from pathlib import Path

import torch

# model.py is found also under `python -I` (no script dir on sys.path)
sys.path.insert(0, str(Path(__file__).resolve().parent))
from model import Model  # noqa: E402

'''

_TAIL = '''

DTYPES = {"F64": torch.float64, "F32": torch.float32, "F16": torch.float16,
          "BF16": torch.bfloat16, "I64": torch.int64, "I32": torch.int32, "I16": torch.int16,
          "I8": torch.int8, "U8": torch.uint8, "BOOL": torch.bool}


def load_safetensors(path):
    """A .safetensors file as {name: tensor} (the format is a JSON header and raw bytes)."""
    with open(path, "rb") as fh:
        size = struct.unpack("<Q", fh.read(8))[0]
        header = json.loads(fh.read(size))
        data = fh.read()
    tensors = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        start, end = meta["data_offsets"]
        flat = torch.frombuffer(bytearray(data[start:end]), dtype=DTYPES[meta["dtype"]]) \\
            if end > start else torch.empty(0, dtype=DTYPES[meta["dtype"]])
        tensors[name] = flat.reshape(meta["shape"])
    return tensors


def main(argv=None):
    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", help="a CSV with the training columns (the target may be absent)")
    parser.add_argument("-o", "--output", default="predictions.csv")
    parser.add_argument("--weights", default=str(here / "model.safetensors"))
    args = parser.parse_args(argv)
    plan = json.loads((here / PLAN_FILE).read_text(encoding="utf-8"))
    header, rows = read_rows(args.data, plan)
    model = Model()
    model.load_state_dict(load_safetensors(args.weights))
    try:
        inputs, counts = encode_rows(header, rows, plan)
        columns, values = predictions(lambda samples: run_model(model, samples), inputs, plan)
    except ValueError as err:
        sys.exit(f"error: {args.data}: {err}")
    write_predictions(args.output, header, rows, columns, values)
    for line in describe_notes(counts, plan):
        print("note: " + line, file=sys.stderr)
    print(f"wrote {args.output}: {len(rows)} rows")


if __name__ == "__main__":
    main()
'''


def predict_source() -> str:
    body = inspect.getsource(plan_apply).split('"""', 2)[2]  # the module minus its docstring
    body = "\n".join(line for line in body.splitlines() if line.strip() not in (
        "import csv", "import io", "import math", "import re")).strip("\n")
    return (_HEAD + f"PLAN_FILE = {json.dumps(PLAN_FILE)}\nCHUNK = {CHUNK!r}\n\n" + body + "\n\n\n"
            + inspect.getsource(run_model) + _TAIL)


def write_predict(folder: Path, bundle) -> list[str]:
    """predict.py and preprocessing.json into an export folder, when the data is a table."""
    plan = getattr(bundle, "plan", None)
    if plan is None:
        return []
    (folder / PLAN_FILE).write_text(json.dumps(plan, indent=1, allow_nan=False), encoding="utf-8")
    (folder / "predict.py").write_text(predict_source(), encoding="utf-8")
    return ["predict.py", PLAN_FILE]
