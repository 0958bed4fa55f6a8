"""Commands that need no tensors start without importing torch (about a second or more)."""

import json
import subprocess
import sys

import pytest

CHECK = """
import sys
from netbuilder.cli import main
try:
    main({argv!r})
except SystemExit:
    pass
print("\\n" + __import__("json").dumps(sorted(m for m in ("torch", "torchmetrics", "pyqtgraph", "PySide6")
                                                if m in sys.modules)))
"""


@pytest.mark.parametrize("argv", [["templates"], ["--help"], ["new", "--template", "mlp", "-o", "{out}"]],
                         ids=["templates", "help", "new"])
def test_command_imports_no_torch(argv, tmp_path):
    argv = [a.replace("{out}", str(tmp_path / "p.json")) for a in argv]
    proc = subprocess.run([sys.executable, "-c", CHECK.format(argv=argv)], capture_output=True, text=True,
                          check=True)
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []


VALIDATE = CHECK.replace('("torch", "torchmetrics", "pyqtgraph", "PySide6")', "{heavy!r}")
HEAVY_FOR_VALIDATE = ("networkx", "pyqtgraph", "PySide6", "torchmetrics", "torch._dynamo", "onnx",
                      "pandas", "pyarrow", "optuna", "captum", "scipy")


def test_validate_imports_torch_and_nothing_heavier():
    """validate checks shapes (torch), settings and the built-in data; what only training or
    export need (torchmetrics, dynamo, onnx) or a CSV needs (pandas, pyarrow) stays unimported."""
    from netbuilder.templates import template_path

    code = VALIDATE.format(argv=["validate", str(template_path("lenet5"))], heavy=HEAVY_FOR_VALIDATE)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.startswith(f"{template_path('lenet5')}: valid")
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []
