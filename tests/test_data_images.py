"""Image folders are kept as uint8 pixels and made float one batch at a time: a quarter of the
memory, the same training as float pixels, and the same in the exported bundle."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from export_helpers import _project, chain
from PIL import Image

from netbuilder.data import load_data
from netbuilder.export import export_python
from netbuilder.session import prepare
from netbuilder.train import train


def make_folder(root, classes=("ant", "bee", "cat"), per_class=12, size=(9, 7), seed=0):
    """Noisy RGB images whose mean colour tells the class apart, a few of another size."""
    rng = np.random.default_rng(seed)
    for c, name in enumerate(classes):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            h, w = size if i % 4 != 3 else (size[0] + 3, size[1] + 2)  # resized on load
            base = np.array([40 + 80 * c, 200 - 60 * c, 90], dtype=np.float64)
            pixels = np.clip(base + rng.normal(0, 40, (h, w, 3)), 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(root / name / f"{i:02d}.png")


def cnn_project(epochs=3):
    return _project(
        "tiny cnn",
        [("x", "Input", {}), ("c", "Conv2d", {"out_channels": 4, "kernel_size": 3}),
         ("bn", "BatchNorm2d", {}), ("r", "ReLU", {}), ("f", "Flatten", {}),
         ("d", "Dropout", {"p": 0.2}), ("fc", "Linear", {"out_features": 3}), ("y", "Output", {})],
        chain(["x", "c", "bn", "r", "f", "d", "fc", "y"]),
        data={"kind": "images", "path": "imgs", "split": {"val": 0.25, "test": 0.1},
              "augment": {"flip": True, "crop": 1}},
        training={"loss": "CrossEntropyLoss", "optimizer": {"type": "Adam", "lr": 0.01},
                  "batch_size": 8, "epochs": epochs, "seed": 3})


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    base = tmp_path_factory.mktemp("images")
    make_folder(base / "imgs")
    return base


def test_pixels_stay_uint8_and_become_float_per_batch(folder):
    b = load_data({"kind": "images", "path": "imgs"}, folder, "CrossEntropyLoss")
    assert b.x_train.dtype == torch.uint8 and b.scale_inputs == {"divide": 255.0}
    assert b.info["stored"] == "uint8" and b.input_shape == (3, 9, 7)
    pixels = b.x_train[:5]
    batch = b.model_inputs(pixels)
    assert batch.dtype == torch.float32
    # exactly what the float path held: pixels.astype(float32) / 255
    want = pixels.numpy().astype(np.float32) / 255.0
    assert np.array_equal(batch.numpy(), want)
    assert b.model_inputs(batch) is batch  # floats pass unchanged
    # a reconstructed folder keeps float pixels: they are the targets too
    auto = load_data({"kind": "images", "path": "imgs", "target": "input"}, folder, "MSELoss")
    assert auto.x_train.dtype == torch.float32 and auto.scale_inputs is None
    assert torch.equal(auto.x_train[:5], batch) and torch.equal(auto.y_train, auto.x_train)


def _as_float(bundle):
    """The same bundle as the float path held it: every split divided by 255 up front."""
    return dataclasses.replace(
        bundle, scale_inputs=None,
        **{f"x_{p}": bundle.model_inputs(getattr(bundle, f"x_{p}")) for p in ("train", "val", "test")})


def test_uint8_pixels_train_as_float_pixels_do(folder, tmp_path):
    prepared = prepare(cnn_project(), folder)
    uint8 = train(prepared.model, prepared.bundle, prepared.settings)
    again = prepare(cnn_project(), folder)
    floats = _as_float(again.bundle)
    assert floats.x_train.element_size() == 4 * prepared.bundle.x_train.element_size()
    flt = train(again.model, floats, again.settings)
    assert len(uint8.history) == len(flt.history) == 3
    for a, b in zip(uint8.history, flt.history):
        for key in ("train_loss", "val_loss", "val_accuracy"):
            assert abs(a[key] - b[key]) <= 1e-6, (key, a[key], b[key])
    for key, value in uint8.metrics.items():
        assert abs(value - flt.metrics[key]) <= 1e-6, key
    w1, w2 = prepared.model.state_dict(), again.model.state_dict()
    assert max(float((w1[k].double() - w2[k].double()).abs().max()) for k in w1) <= 1e-6


def test_the_exported_bundle_trains_the_uint8_folder_as_the_app(folder, tmp_path):
    from test_export_train_script import _run_exported

    project = cnn_project(epochs=2)
    prepared = prepare(project, folder)
    app = train(prepared.model, prepared.bundle, prepared.settings)
    export_python(project, tmp_path / "bundle", base_dir=folder)
    data = torch.load(tmp_path / "bundle" / "data.pt", weights_only=True)
    assert data["x_train"].dtype == torch.uint8  # a quarter of the float file
    logs = _run_exported(tmp_path / "bundle", "--out", str(tmp_path / "bundle" / "run"))
    for ours, theirs in zip(logs[:-1], app.history, strict=True):
        for key in ("train_loss", "val_loss", "val_accuracy"):
            assert abs(ours[key] - theirs[key]) <= 1e-6, (key, ours[key], theirs[key])
    assert abs(logs[-1]["test_accuracy"] - app.test_metrics["accuracy"]) <= 1e-6


def test_a_folder_over_the_memory_limit_is_read_from_disk_in_the_same_batches(folder, tmp_path, monkeypatch):
    from netbuilder.data import images
    from netbuilder.runtime.stream import DiskSamples, fetch

    monkeypatch.setenv("NETBUILDER_CACHE_DIR", str(tmp_path / "cache"))
    held = load_data({"kind": "images", "path": "imgs"}, folder, "CrossEntropyLoss")
    spec = {"kind": "images", "path": "imgs", "memory_limit_mb": 0.005}  # 36 x 189 bytes > 5 kB
    disk = load_data(spec, folder, "CrossEntropyLoss")
    assert isinstance(disk.x_train, DiskSamples) and disk.info["stored"] == "disk"
    assert disk.x_train.shape == held.x_train.shape and disk.scale_inputs == held.scale_inputs
    for part in ("train", "val", "test"):
        assert torch.equal(getattr(disk, f"x_{part}")[:], getattr(held, f"x_{part}"))
        assert torch.equal(getattr(disk, f"y_{part}"), getattr(held, f"y_{part}"))
    # the loop's batches (its own order), read ahead by worker processes, are the held ones
    chunks = list(torch.randperm(len(held.x_train), generator=torch.Generator().manual_seed(5)).split(4))
    read = list(disk.x_train.batches(chunks, workers=2))
    assert len(read) == len(chunks)
    for idx, batch in zip(chunks, read):
        assert torch.equal(batch, held.x_train[idx])
    assert all(torch.equal(a, b) for a, b in zip(fetch(held.x_train, chunks), read))
    # loaded again: the decoded cache is read, no image is decoded twice
    monkeypatch.setattr(images, "_decode", lambda *a: pytest.fail("decoded again"))
    again = load_data(spec, folder, "CrossEntropyLoss")
    assert torch.equal(again.x_val[:], held.x_val) and again.info["resized_from"] == held.info["resized_from"]
    with pytest.raises(ValueError, match="memory_limit_mb"):
        load_data({**spec, "memory_limit_mb": -1}, folder, "CrossEntropyLoss")


def test_a_streamed_folder_trains_as_the_held_one(folder, tmp_path, monkeypatch):
    monkeypatch.setenv("NETBUILDER_CACHE_DIR", str(tmp_path / "cache"))
    held = prepare(cnn_project(epochs=2), folder)
    a = train(held.model, held.bundle, held.settings)
    monkeypatch.setenv("NETBUILDER_DATA_MEMORY_MB", "0")  # everything streams
    streamed = prepare(cnn_project(epochs=2), folder)
    assert streamed.bundle.info["stored"] == "disk"
    b = train(streamed.model, streamed.bundle, streamed.settings)
    assert [h["train_loss"] for h in a.history] == [h["train_loss"] for h in b.history]
    assert [h["val_loss"] for h in a.history] == [h["val_loss"] for h in b.history]
    assert a.test_metrics == b.test_metrics
