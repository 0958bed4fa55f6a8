"""GANs end to end on the built-in digits: a few epochs of the dcgan template give samples that a
classifier trained here on the real digits reads confidently and in several classes (an untrained
generator's samples fall in one class); `netbuilder sample` writes the documented array; ONNX of
the generator (the default) and the discriminator (picked by --network, its share of the weights)
and .pt2 of the generator compute what the trained ones do; the hints."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from netbuilder.cli import main
from netbuilder.compiler import build_model
from netbuilder.data.digits import load_digits
from netbuilder.generative import diversity, draw, grid, hints
from netbuilder.session import Overrides, run_training
from netbuilder.templates import load_template, template_path

EPOCHS = 8  # about 10 s on this 2-core machine; the template's 60 epochs give sharper digits
CONFIDENT = 0.9  # a sample "reads as" a digit when the classifier gives it this probability
CLASSES = 4  # ...and the confident samples must spread over at least this many digits
SHARE = 0.05  # (each of them holding at least this share of the confident samples)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("gan") / "run"
    result = run_training(load_template("dcgan"), ".", overrides=Overrides(epochs=EPOCHS), out_dir=out)
    return result, out


@pytest.fixture(scope="module")
def digit_classifier():
    """A small MLP trained on the real 16x16 digits (all 1,797: it only has to read them)."""
    x, y = load_digits([16, 16])
    x, y = torch.from_numpy(x).flatten(1), torch.from_numpy(y)
    torch.manual_seed(0)
    clf = torch.nn.Sequential(torch.nn.Linear(256, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
    opt = torch.optim.Adam(clf.parameters(), 1e-2)
    for _ in range(300):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(clf(x), y).backward()
        opt.step()
    assert (clf(x).argmax(1) == y).float().mean() > 0.98
    return clf


def read(clf, images: np.ndarray) -> tuple[float, np.ndarray]:
    """(mean confidence, how many confident samples fall in each digit class)."""
    with torch.no_grad():
        conf, cls = clf(torch.from_numpy(images).flatten(1)).softmax(1).max(1)
    return float(conf.mean()), np.bincount(cls[conf >= CONFIDENT].numpy(), minlength=10)


def readable_classes(counts: np.ndarray) -> int:
    return int((counts >= SHARE * max(counts.sum(), 1)).sum())


@pytest.mark.slow
def test_a_few_epochs_make_digits_of_several_kinds(trained, digit_classifier, tmp_path):
    result, run = trained
    history = result.history
    assert [h["epoch"] for h in history] == list(range(1, EPOCHS + 1))
    for h in history:
        assert {"d_loss", "g_loss", "d_real", "d_fake"} <= set(h) and 0 < h["d_fake"] < h["d_real"] < 1
    assert (run / "samples.png").is_file()
    project = load_template("dcgan")
    samples = draw(project, run / "best.safetensors", 500, seed=1)
    mean_conf, counts = read(digit_classifier, samples)
    assert mean_conf >= 0.7 and counts.sum() >= 0.3 * len(samples), (mean_conf, counts)
    assert readable_classes(counts) >= CLASSES, counts
    # the control: an untrained generator's blobs are read as one digit only
    torch.manual_seed(0)
    untrained = tmp_path / "untrained.safetensors"
    from safetensors.torch import save_file

    save_file({k: v.contiguous() for k, v in build_model(project).state_dict().items()}, str(untrained))
    assert readable_classes(read(digit_classifier, draw(project, untrained, 500, seed=1))[1]) < CLASSES


@pytest.mark.slow
def test_sample_writes_the_documented_array_and_onnx_matches(trained, tmp_path, capsys):
    import onnxruntime as ort

    _, run = trained
    out = tmp_path / "s.npy"
    assert main(["sample", str(template_path("dcgan")), "--weights", str(run), "-n", "10", "-o", str(out),
                 "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["shape"] == [10, 1, 16, 16]
    arr = np.load(out)
    assert arr.dtype == np.float32 and arr.shape == (10, 1, 16, 16) and 0 <= arr.min() and arr.max() <= 1
    assert np.array_equal(arr, draw(load_template("dcgan"), run / "best.safetensors", 10, seed=0))
    assert main(["sample", str(template_path("dcgan")), "--weights", str(run), "-n", "9", "-o",
                 str(tmp_path / "s.png")]) == 0
    model = build_model(load_template("dcgan")).eval()
    from safetensors.torch import load_file

    model.load_state_dict(load_file(str(run / "best.safetensors")))
    z = torch.randn(5, 32)
    weights = ["--weights", str(run / "best.safetensors")]
    # the generator is the default network of a single-file export; the discriminator is chosen
    for network, x, choose in (("generator", z, []), ("discriminator", model.generator(z).detach(),
                                                      ["--network", "discriminator"])):
        want = getattr(model, network)(x).detach().numpy()
        path = tmp_path / f"{network}.onnx"
        assert main(["export", str(template_path("dcgan")), *choose, *weights, "-o", str(path)]) == 0
        session = ort.InferenceSession(str(path))
        (got,) = session.run(None, {session.get_inputs()[0].name: x.numpy()})
        assert got.shape == want.shape and np.allclose(got, want, atol=1e-5), network
    path = tmp_path / "generator.pt2"
    assert main(["export", str(template_path("dcgan")), *weights, "-o", str(path)]) == 0
    got = torch.export.load(str(path)).module()(z).detach().numpy()
    want = model.generator(z).detach().numpy()
    assert got.shape == (5, 1, 16, 16) and np.allclose(got, want, atol=1e-5)


def test_sample_refuses_a_project_that_is_not_generative(tmp_path, capsys):
    assert main(["sample", str(template_path("mlp")), "--weights", str(tmp_path / "w.safetensors"), "-n", "4",
                 "-o", str(tmp_path / "s.npy")]) == 1
    assert "no generative recipe" in capsys.readouterr().err and not (tmp_path / "s.npy").exists()


@pytest.mark.parametrize("field, value", [("schedule", {"type": "StepLR", "step_size": 5}),
                                          ("early_stopping", {"patience": 3})])
def test_a_gan_refuses_a_schedule_or_early_stopping_it_would_ignore(tmp_path, capsys, field, value):
    doc = json.loads(template_path("dcgan").read_text())
    doc["training"][field] = value
    path = tmp_path / "gan.json"
    path.write_text(json.dumps(doc))
    assert main(["validate", str(path), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["valid"] is False
    assert [e["field"] for e in report["errors"]] == [f"training.{field}"]
    assert main(["train", str(path), "--epochs", "1", "--out", str(tmp_path / "run")]) == 1
    assert "not used by the adversarial recipe" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_grid_lays_samples_out_in_rows():
    images = np.zeros((5, 1, 4, 4), dtype=np.float32)
    images[4] = 1.0
    g = grid(images, pad=1)
    assert g.shape == (2 * 5 + 1, 3 * 5 + 1, 1)
    assert g[6:10, 6:10].min() == 255 and g[1:5, 1:5].max() == 0  # the fifth sample: row 2, column 2


def test_hints_name_a_collapse_and_a_discriminator_that_wins():
    rng = np.random.default_rng(0)
    real = rng.random((64, 1, 8, 8))
    varied = rng.random((64, 1, 8, 8))
    same = np.repeat(varied[:1], 64, axis=0) + rng.normal(0, 0.01, (64, 1, 8, 8))
    assert diversity(same) < 0.05 < diversity(varied)
    assert hints(None, varied, real) == []
    (collapse,) = hints(None, same, real)
    assert collapse.startswith("Mode collapse")
    (wins,) = hints({"d_real": 0.99, "d_fake": 0.01}, varied, real)
    assert wins.startswith("The discriminator wins outright")
    assert hints({"d_real": 0.99, "d_fake": 0.01}, varied, real, loss="hinge") == []  # raw scores: no rule


def test_a_vae_warms_its_kl_weight_up_and_samples_from_the_prior(tmp_path, capsys):
    project = load_template("vae")
    project.data = dict(project.data, n=200)
    project.training = dict(project.training, epochs=3, vae={"kl_weight": 0.3, "warmup_epochs": 3})
    result = run_training(project, ".", out_dir=tmp_path / "run")
    assert [round(h["kl_weight"], 6) for h in result.history] == [0.1, 0.2, 0.3]
    assert all(h["kl"] > 0 and h["recon_loss"] > 0 for h in result.history)
    assert result.history[-1]["recon_loss"] < result.history[0]["recon_loss"]
    path = tmp_path / "project.json"
    from netbuilder.spec import save_project

    save_project(project, path)
    assert main(["sample", str(path), "--weights", str(tmp_path / "run"), "-n", "6", "-o",
                 str(tmp_path / "v.npy")]) == 0
    arr = np.load(tmp_path / "v.npy")
    assert arr.shape == (6, 1, 16, 16) and arr.dtype == np.float32 and 0 <= arr.min() and arr.max() <= 1
    assert diversity(arr) > 0  # different codes, different pictures


@pytest.fixture(scope="module")
def autoencoder(tmp_path_factory):
    """The conv_autoencoder template on 64 digits for 2 epochs: (project file, run folder, the
    reconstructions it reported)."""
    from netbuilder.spec import save_project
    from netbuilder.train import Reporter

    class Pairs(Reporter):
        def __init__(self):
            self.seen = []

        def on_reconstructions(self, epoch, inputs, outputs):
            self.seen.append((epoch, inputs, outputs))

    folder = tmp_path_factory.mktemp("autoencoder")
    project = load_template("conv_autoencoder")
    project.data = dict(project.data, n=64)
    project.training = dict(project.training, epochs=2)
    save_project(project, folder / "ae.json")
    reporter = Pairs()
    run_training(project, ".", out_dir=folder / "run", reporter=reporter)
    return folder / "ae.json", folder / "run", reporter.seen


def test_an_autoencoder_reports_validation_samples_with_their_reconstructions(autoencoder):
    seen = autoencoder[2]
    assert [e for e, _, _ in seen] == [1, 2]
    _, inputs, outputs = seen[-1]
    assert inputs.shape == outputs.shape == (8, 1, 16, 16)
    assert not torch.equal(seen[0][2], outputs)  # refreshed: the second epoch's


def test_pca_and_interpolation_of_a_vae_s_codes():
    from netbuilder.latent import codes, interpolate, pca_2d

    rng = np.random.default_rng(0)
    line = rng.normal(size=(50, 1)) * np.array([[3.0, 0, 0, 1.0]]) + rng.normal(0, 0.01, (50, 4))
    flat = pca_2d(line)
    assert flat.shape == (50, 2) and np.var(flat[:, 0]) > 100 * np.var(flat[:, 1])  # the line's direction first
    project = load_template("vae")
    model = build_model(project).eval()
    x = torch.rand(2, 1, 16, 16)
    assert codes(model, project, x).shape == (2, 8)
    steps = interpolate(model, project, x[0], x[1], 5)
    assert steps.shape == (5, 1, 16, 16)
    ends = model.decoder(model.encoder(x)).detach().numpy()  # eval mode: the means' pictures
    assert np.allclose(steps[0], ends[0], atol=1e-6) and np.allclose(steps[-1], ends[1], atol=1e-6)


def test_a_plain_autoencoder_s_code_is_its_bottleneck_and_decodes_from_there():
    from netbuilder.errors import ProjectError
    from netbuilder.latent import code_node, codes, interpolate
    from netbuilder.spec import Edge, Node

    project = load_template("conv_autoencoder")
    assert code_node(project) == ("enc_pool2", (8, 4, 4))  # the narrowest: 128 numbers
    torch.manual_seed(0)
    model = build_model(project).eval()
    x = torch.rand(3, 1, 16, 16)
    assert codes(model, project, x).shape == (3, 128)
    steps = interpolate(model, project, x[0], x[2], 6)
    with torch.no_grad():
        ends = model(x).numpy()
        half = model.dec_sigmoid(model.dec_deconv2(model.dec_relu1(model.dec_deconv1(
            (model.enc_pool2(model.enc_relu2(model.enc_conv2(model.enc_pool1(model.enc_relu1(
                model.enc_conv1(x)))))) * torch.tensor([0.6, 0, 0.4]).reshape(3, 1, 1, 1)).sum(0, keepdim=True)))))
    assert np.allclose(steps[0], ends[0], atol=1e-6) and np.allclose(steps[-1], ends[2], atol=1e-6)
    assert np.allclose(steps[2], half[0].numpy(), atol=1e-5)  # 2/5 of the way: the decoded mix of the codes
    # a skip connection from enc_pool1 around the narrow part: no layer there can hold the code
    # (its output alone does not decide the picture), and every layer left is as wide as the input
    project.nodes.append(Node("join", "Add"))
    project.edges = [e for e in project.edges if e.target != "dec_relu1"] + [
        Edge("dec_deconv1", "join"), Edge("enc_pool1", "join"), Edge("join", "dec_relu1")]
    with pytest.raises(ProjectError, match="goes around it"):
        code_node(project, "enc_pool2")
    with pytest.raises(ProjectError, match="no bottleneck"):
        code_node(project)
    assert code_node(project, "join")[0] == "join"  # asked for: any node that cuts the graph


def test_latent_and_interpolate_commands(autoencoder, tmp_path, capsys):
    import pandas as pd

    project, run, _ = autoencoder
    out = tmp_path / "codes.csv"
    assert main(["latent", str(project), "--weights", str(run), "-o", str(out), "--json"]) == 0
    said = json.loads(capsys.readouterr().out)
    table = pd.read_csv(out)
    assert said["node"] == "enc_pool2" and said["code_size"] == 128 and said["labelled"]
    assert list(table.columns) == ["pc1", "pc2", "label"] and len(table) == said["samples"] > 0
    assert set(table["label"]) <= set(range(10)) and table["label"].nunique() >= 5  # the digits' classes
    assert main(["latent", str(project), "--weights", str(run), "-o", str(tmp_path / "c.npy")]) == 0
    assert np.load(tmp_path / "c.npy").shape == (len(table), 128)
    assert main(["interpolate", str(project), "--weights", str(run), "--from", "2", "--to", "5", "--steps", "4",
                 "-o", str(tmp_path / "i.npy")]) == 0
    pictures = np.load(tmp_path / "i.npy")
    assert pictures.shape == (4, 1, 16, 16) and pictures.dtype == np.float32
    assert main(["interpolate", str(project), "--weights", str(run), "-o", str(tmp_path / "i.png")]) == 0
    from PIL import Image

    assert Image.open(tmp_path / "i.png").size == (4 * (8 * 17 + 1), 4 * 18)  # one row of 8
    capsys.readouterr()
    assert main(["interpolate", str(project), "--weights", str(run), "--to", "999", "-o", str(tmp_path / "x.npy")]) == 1
    assert "--to 999" in capsys.readouterr().err and not (tmp_path / "x.npy").exists()
    assert main(["latent", str(template_path("mlp")), "--weights", str(run), "-o", str(tmp_path / "m.csv")]) == 1
    assert "not an autoencoder" in capsys.readouterr().err


def test_a_gan_run_continues_exactly_as_an_uninterrupted_one(tmp_path):
    """Both optimizers' moments, the noise's random state and the batch order come back from the
    checkpoint: 1 epoch + 1 continued epoch = 2 epochs in one go, to the last bit."""
    from safetensors.torch import load_file

    from netbuilder.train.errors import TrainError

    def project(epochs: int, g_lr: float = 2e-4):
        p = load_template("dcgan")
        p.data = dict(p.data, n=64)
        optimizers = {k: dict(v) for k, v in p.training["optimizers"].items()}
        optimizers["generator"]["lr"] = g_lr
        p.training = dict(p.training, epochs=epochs, batch_size=32, optimizers=optimizers)
        return p

    whole = run_training(project(2), ".", out_dir=tmp_path / "whole")
    run_training(project(1), ".", out_dir=tmp_path / "split")
    before = (tmp_path / "split" / "state.json").read_bytes()
    with pytest.raises(TrainError, match="optimizers.generator") as refused:
        run_training(project(2, g_lr=1e-3), ".", resume_from=tmp_path / "split")
    assert refused.value.field == "training.optimizers.generator"  # from the top of the project
    assert (tmp_path / "split" / "state.json").read_bytes() == before  # refused before touching the run
    resumed = run_training(project(2), ".", resume_from=tmp_path / "split")
    assert [h["epoch"] for h in resumed.history] == [1, 2]
    keys = ("d_loss", "g_loss", "d_real", "d_fake", "val_loss")
    assert [[h[k] for k in keys] for h in resumed.history] == [[h[k] for k in keys] for h in whole.history]
    a, b = load_file(str(tmp_path / "whole" / "last.safetensors")), load_file(str(tmp_path / "split" / "last.safetensors"))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
