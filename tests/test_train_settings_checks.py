"""validate checks loss and optimizer arguments with torch's own constructors (issue 12), and
does so without importing torch._dynamo, which takes seconds."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from netbuilder.cli import main
from netbuilder.templates import template_path

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("training, field, words", [
    ({"loss": {"type": "CrossEntropyLoss", "reduction": "bogus"}}, "training.loss",
     "bogus is not a valid value for reduction"),
    ({"optimizer": {"type": "Adam", "lr": 0.01, "fused": True, "foreach": True}}, "training.optimizer",
     "`fused` and `foreach` cannot be `True` together"),
    ({"loss": {"type": "CrossEntropyLoss", "label_smoothing": 3}}, "training.loss", "label_smoothing"),
])
def test_validate_refuses_what_training_would_refuse(tmp_path, capsys, training, field, words):
    doc = json.loads(template_path("mlp").read_text())
    doc["training"] = {**doc.get("training", {}), **training}
    path = tmp_path / "p.json"
    path.write_text(json.dumps(doc))
    assert main(["validate", str(path), "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["valid"] is False
    assert any(words in e["message"] for e in out["errors"]), out


def test_checking_training_settings_does_not_import_dynamo():
    code = ("import sys; from netbuilder.train.settings import TrainSettings; "
            "[TrainSettings.from_dict({'optimizer': {'type': o, 'lr': 0.01}, 'schedule': {'type': s}})"
            " for o in ('SGD', 'Adam', 'AdamW', 'RMSprop', 'Adagrad')"
            " for s in ('StepLR', 'CosineAnnealingLR', 'ReduceLROnPlateau', 'ExponentialLR')]; "
            "print('torch._dynamo' in sys.modules, 'torch.optim' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)})
    assert run.stdout.split() == ["False", "True"], run.stderr
