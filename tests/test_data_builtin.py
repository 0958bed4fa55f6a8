"""Builtin sets: promised shapes, dtypes, tasks; split and normalization rules."""

from pathlib import Path

import numpy as np
import pytest
import torch

from netbuilder.data import BUILTIN_SETS, DataError, load_data

HERE = Path(".")


def builtin(name, loss="CrossEntropyLoss", **extra):
    return load_data({"kind": "builtin", "name": name, **extra}, HERE, loss)


@pytest.mark.parametrize("name", ["moons", "circles", "spirals", "xor", "blobs"])
def test_two_dimensional_sets(name):
    b = builtin(name, n=200)
    assert b.x_train.shape == (160, 2) and b.x_train.dtype == torch.float32
    assert b.y_train.dtype == torch.int64 and set(b.y_train.tolist()) == {0, 1}
    assert b.task == "classification" and b.num_classes == 2 and len(b.class_names) == 2
    assert b.input_shape == (2,) and b.target_shape == ()


def test_sine_windows_regression():
    b = builtin("sine", "MSELoss", n=300)
    assert b.x_train.shape == (240, 32, 1) and b.y_train.shape == (240, 1)
    assert b.task == "regression" and b.y_train.dtype == torch.float32
    assert builtin("sine", "MSELoss", n=50, window=8).input_shape == (8, 1)


def test_sine_target_is_the_next_value():
    b = builtin("sine", "MSELoss", n=100, normalize="none", split={"val": 0.0})
    # with horizon 1, sample i's target is the last window value of the sample after it
    x, y = b.x_train, b.y_train
    order = {tuple(row[:, 0].tolist()): i for i, row in enumerate(x)}
    hits = sum(tuple(torch.cat([x[i, 1:, 0], y[i]]).tolist()) in order for i in range(len(x)))
    assert hits >= 90


def test_digits_real_data_and_resize():
    b = builtin("digits", split={"val": 0.0})
    assert len(b) == 1797 and b.x_train.shape[1:] == (1, 8, 8) and b.num_classes == 10
    assert float(b.x_train.min()) == 0.0 and float(b.x_train.max()) == 1.0
    assert b.normalization == {"method": "none"}
    big = builtin("digits", size=[32, 32], n=100)
    assert big.input_shape == (1, 32, 32)


def test_digits_autoencoder_target_is_input():
    b = builtin("digits", "MSELoss", target="input", size=[16, 16], n=50)
    assert b.task == "regression" and torch.equal(b.x_train, b.y_train)
    with pytest.raises(DataError, match="regression loss"):
        builtin("digits", target="input")


def test_sequences_and_tokens():
    s = builtin("sequences", n=300)
    assert s.x_train.shape == (240, 32, 1) and s.num_classes == 3
    t = builtin("tokens", n=400)
    assert t.x_train.shape == (320, 16) and t.x_train.dtype == torch.int64
    assert 0 <= int(t.x_train.min()) and int(t.x_train.max()) < 20
    assert t.normalization["method"] == "none"
    rule = ((t.x_train == 1).sum(1) > (t.x_train == 2).sum(1)).long()
    assert torch.equal(rule, t.y_train)


def test_binary_loss_gives_float_column():
    b = builtin("blobs", "BCEWithLogitsLoss", n=100)
    assert b.task == "binary" and b.y_train.shape == (80, 1) and b.y_train.dtype == torch.float32


def test_regression_loss_on_class_set_is_refused():
    with pytest.raises(DataError, match="class labels"):
        builtin("moons", "MSELoss")


def test_split_sizes_and_seed_reproducibility():
    spec = {"val": 0.25, "test": 0.15, "seed": 3}
    a, b = builtin("moons", n=400, split=spec), builtin("moons", n=400, split=spec)
    assert (len(a.x_train), len(a.x_val), len(a.x_test)) == (240, 100, 60)
    assert torch.equal(a.x_val, b.x_val)
    c = builtin("moons", n=400, split={**spec, "seed": 4})
    assert not torch.equal(a.x_val, c.x_val)
    assert a.info["counts"] == {"train": 240, "val": 100, "test": 60}
    assert sum(a.info["class_balance"]["train"].values()) == 240


def test_standard_normalization_fitted_on_train_only():
    b = builtin("blobs", n=500, split={"val": 0.3, "seed": 1})
    assert np.allclose(b.x_train.mean(0).numpy(), 0, atol=1e-5)
    assert np.allclose(b.x_train.std(0, unbiased=False).numpy(), 1, atol=1e-4)
    raw = builtin("blobs", n=500, split={"val": 0.3, "seed": 1}, normalize="none")
    stats = b.normalization
    assert np.allclose(stats["mean"], raw.x_train.double().mean(0).numpy())
    assert not np.allclose(stats["mean"], torch.cat([raw.x_train, raw.x_val]).double().mean(0))


def test_minmax_normalization():
    b = builtin("moons", n=300, normalize="minmax")
    assert float(b.x_train.min()) == pytest.approx(0, abs=1e-6)
    assert float(b.x_train.max()) == pytest.approx(1, abs=1e-6)
    assert set(b.normalization) >= {"min", "range"}


def test_bad_builtin_spec():
    with pytest.raises(DataError, match="Unknown builtin"):
        builtin("mnist")
    with pytest.raises(DataError, match="unknown field"):
        builtin("moons", colour="red")
    with pytest.raises(DataError, match="too few"):
        builtin("moons", n=2, split={"val": 0.5})


def test_every_builtin_set_loads():
    for name in BUILTIN_SETS:
        loss = "MSELoss" if name == "sine" else "CrossEntropyLoss"
        assert len(builtin(name, loss, n=60).x_train) == 48


def test_preview_shows_original_units():
    b = builtin("blobs", n=50)
    rows, columns = b.preview(5)
    assert columns == ["x1", "x2", "target"] and len(rows) == 5
    assert float(rows[0][0]) == pytest.approx(
        float(b.x_train[0, 0]) * b.normalization["std"][0] + b.normalization["mean"][0],
        rel=1e-4)
    assert rows[0][2] in b.class_names
