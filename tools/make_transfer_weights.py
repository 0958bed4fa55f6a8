"""Regenerate the transfer template's pretrained convolutions and the accuracies in its description.

    python -m tools.make_transfer_weights          # prints the numbers
    python -m tools.make_transfer_weights --write  # also writes the weights file and the description

1. Pretrain the template's CNN on the built-in digits 0-4 (every layer trained, a head for 0-4).
2. Ship only its feature layers (conv1, bn1, conv2) as resources/weights/digits_cnn_0to4.safetensors.
3. Fine-tune the template as a user would: those features loaded and frozen, the new head trained
   on digits 5-9; compare with the same head over frozen random features. No model hub involved."""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import torch
from safetensors.torch import save

from netbuilder.fileio import write_atomic
from netbuilder.session import prepare
from netbuilder.templates import load_template, template_path
from netbuilder.train import train

ROOT = Path(__file__).resolve().parents[1]
WEIGHTS = ROOT / "netbuilder" / "resources" / "weights" / "digits_cnn_0to4.safetensors"
TEMPLATE = "transfer_digits"
FEATURES = ("conv1", "bn1", "conv2")


def val_accuracy(model, bundle) -> float:
    model.eval()
    with torch.no_grad():
        return float((model(bundle.x_val).argmax(1) == bundle.y_val).float().mean())


def fine_tune(project, init: str | None) -> tuple[float, float]:
    """(accuracy before training the head, after), with the features frozen."""
    project = project.copy()
    project.training = {**project.training, "init_weights": init} if init else {
        k: v for k, v in project.training.items() if k != "init_weights"}
    prepared = prepare(project, ".")
    before = val_accuracy(prepared.model, prepared.bundle)
    train(prepared.model, prepared.bundle, prepared.settings)
    return before, val_accuracy(prepared.model, prepared.bundle)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write the weights file and the template's description")
    args = parser.parse_args()
    torch.manual_seed(0)
    template = load_template(TEMPLATE)

    pretrain = template.copy()
    for node in pretrain.nodes:
        node.frozen = False
    pretrain.data = {**pretrain.data, "classes": [0, 1, 2, 3, 4]}
    pretrain.training = {k: v for k, v in pretrain.training.items() if k != "init_weights"} | {"epochs": 15}
    prepared = prepare(pretrain, ".")
    train(prepared.model, prepared.bundle, prepared.settings)
    source_accuracy = val_accuracy(prepared.model, prepared.bundle)
    features = {k: v.detach().contiguous() for k, v in prepared.model.state_dict().items()
                if k.split(".")[0] in FEATURES}
    print(f"pretrained on digits 0-4: val accuracy {source_accuracy:.3f}; shipping {sorted(features)}")
    target = WEIGHTS if args.write else Path(tempfile.mkdtemp()) / WEIGHTS.name
    write_atomic(target, save(features))

    before, after = fine_tune(template, str(target))
    _, random_after = fine_tune(template, None)
    epochs = template.training["epochs"]
    text = (f"Transfer learning: convolutions pretrained on the built-in digits 0-4 (val accuracy "
            f"{source_accuracy:.0%}), loaded and frozen; only the new head is trained, on digits 5-9. Val "
            f"accuracy on 5-9: {before:.0%} before fine-tuning, {after:.0%} after {epochs} epochs "
            f"({random_after:.0%} with the same head over frozen random convolutions). Regenerate with "
            "python -m tools.make_transfer_weights --write.")
    print(text)
    if args.write:
        path = Path(str(template_path(TEMPLATE)))
        doc = json.loads(path.read_text(encoding="utf-8"))
        doc["description"] = text
        write_atomic(path, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
