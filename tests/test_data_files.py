"""NumPy files, image folders (skipped files, mixed sizes) and batch augmentation."""

import numpy as np
import pytest
import torch
from PIL import Image

from netbuilder.data import DataError, load_data
from netbuilder.data.augment import ImageAugment


def test_npz_and_npy_pair(tmp_path):
    x, y = np.random.rand(40, 3).astype(np.float64), np.arange(40) % 4
    np.savez(tmp_path / "d.npz", X=x, labels=y)
    b = load_data({"kind": "numpy", "path": "d.npz", "x": "X", "y": "labels"}, tmp_path,
                  "CrossEntropyLoss")
    assert b.x_train.dtype == torch.float32 and b.num_classes == 4
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", x[:, :1])
    r = load_data({"kind": "numpy", "path": "x.npy", "target_path": "y.npy"}, tmp_path,
                  "MSELoss")
    assert r.y_train.shape == (32, 1)
    with pytest.raises(DataError, match='no array "x"'):
        load_data({"kind": "numpy", "path": "d.npz"}, tmp_path, "MSELoss")


def test_npy_object_array_is_refused_without_unpickling(tmp_path):
    np.save(tmp_path / "o.npy", np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    np.save(tmp_path / "y.npy", np.zeros(2))
    with pytest.raises(DataError, match="pickle"):
        load_data({"kind": "numpy", "path": "o.npy", "target_path": "y.npy"}, tmp_path,
                  "MSELoss")


def make_images(root, sizes=((10, 12), (8, 8)), per_class=4):
    for c, name in enumerate(["cat", "dog"]):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            h, w = sizes[i % len(sizes)]
            arr = np.full((h, w, 3), 60 * c + 10 * i, dtype=np.uint8)
            Image.fromarray(arr).save(root / name / f"{i}.png")


def test_image_folder_resizes_and_skips_unreadable(tmp_path):
    make_images(tmp_path / "imgs")
    (tmp_path / "imgs" / "cat" / "broken.png").write_text("not an image")
    b = load_data({"kind": "images", "path": "imgs", "size": [8, 8], "channels": 3,
                   "split": {"val": 0.25}}, tmp_path, "CrossEntropyLoss")
    assert b.input_shape == (3, 8, 8) and b.class_names == ["cat", "dog"]
    assert b.info["skipped_files"] == 1 and len(b) == 8
    pixels = b.model_inputs(b.x_train)  # stored as uint8, scaled per batch
    assert 0 <= float(pixels.min()) and float(pixels.max()) <= 1
    gray = load_data({"kind": "images", "path": "imgs", "size": [5, 6], "channels": 1},
                     tmp_path, "CrossEntropyLoss")
    assert gray.input_shape == (1, 5, 6)


def test_decoding_pool_gives_what_one_thread_gives(tmp_path, monkeypatch):
    from netbuilder.data import images

    make_images(tmp_path / "imgs", per_class=6)
    (tmp_path / "imgs" / "dog" / "0broken.png").write_text("not an image")
    spec = {"path": "imgs"}  # the first readable image (10x12 RGB) decides size and channels
    monkeypatch.setattr(images, "DECODERS", 4)
    pooled = images.read_images(spec, tmp_path)
    monkeypatch.setattr(images, "DECODERS", 1)
    serial = images.read_images(spec, tmp_path)
    np.testing.assert_array_equal(pooled[0], serial[0])
    np.testing.assert_array_equal(pooled[1], serial[1])
    assert pooled[3] == serial[3]
    assert pooled[3]["resized_from"] == {"10x12": 6, "8x8": 6}
    assert pooled[3]["skipped_examples"] == ["dog/0broken.png"] and pooled[0].shape[1:] == (3, 10, 12)


def test_image_folder_errors(tmp_path):
    make_images(tmp_path / "a")
    (tmp_path / "a" / "empty").mkdir()
    with pytest.raises(DataError, match='"empty" .* is empty'):
        load_data({"kind": "images", "path": "a"}, tmp_path, "CrossEntropyLoss")
    for name in ("x", "y"):
        (tmp_path / "b" / name).mkdir(parents=True)
        (tmp_path / "b" / name / "f.png").write_text("junk")
    with pytest.raises(DataError, match="No readable images"):
        load_data({"kind": "images", "path": "b"}, tmp_path, "CrossEntropyLoss")
    with pytest.raises(DataError, match="does not exist"):
        load_data({"kind": "images", "path": "zzz"}, tmp_path, "CrossEntropyLoss")


def test_augment_only_built_for_images_and_changes_batches():
    b = load_data({"kind": "builtin", "name": "digits", "n": 64,
                   "augment": {"flip": True, "crop": 2, "rotation": 10, "noise": 0.05}},
                  ".", "CrossEntropyLoss")
    assert b.augment is not None
    xb = b.x_train[:16]
    out = b.augment(xb)
    assert out.shape == xb.shape and not torch.equal(out, xb)
    assert ImageAugment.from_spec({"flip": False}) is None
    with pytest.raises(DataError, match="images only"):
        load_data({"kind": "builtin", "name": "moons", "augment": {"flip": True}}, ".",
                  "CrossEntropyLoss")


def test_flip_alone_mirrors_some_samples():
    torch.manual_seed(0)
    x = torch.arange(2 * 16, dtype=torch.float32).reshape(2, 1, 4, 4).repeat(16, 1, 1, 1)
    out = ImageAugment(flip=True)(x)
    flipped = (out == x.flip(-1)).flatten(1).all(1)
    kept = (out == x).flatten(1).all(1)
    assert bool((flipped | kept).all()) and 0 < int(flipped.sum()) < len(x)


def test_numpy_images_normalize_per_channel(tmp_path):
    x = np.random.rand(30, 3, 4, 4).astype(np.float32)
    x[:, 1] *= 100
    np.savez(tmp_path / "img.npz", x=x, y=np.arange(30) % 2)
    b = load_data({"kind": "numpy", "path": "img.npz", "normalize": "standard",
                   "split": {"val": 0.0}}, tmp_path, "CrossEntropyLoss")
    assert b.input_shape == (3, 4, 4) and b.normalization["axis"] == 1
    per_channel = b.x_train.transpose(0, 1).reshape(3, -1)
    assert np.allclose(per_channel.mean(1).numpy(), 0, atol=1e-4)
    assert np.allclose(per_channel.std(1, unbiased=False).numpy(), 1, atol=1e-3)
