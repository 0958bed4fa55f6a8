"""A project with several networks in the window: network tabs switched with real clicks (the
canvas, inspector and code view follow; undo goes back to the network of the edit), and the
Samples tab of a GAN run (live grid from the fixed noise, D/G curves, Save as PNG)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from netbuilder.templates import load_template

from .helpers import click_node


def click_tab(tabs, index: int) -> None:
    QTest.mouseClick(tabs, Qt.LeftButton, Qt.NoModifier, tabs.tabRect(index).center())


def test_network_tabs_switch_with_clicks_and_undo_follows_the_edit(qtbot, make_window):
    w = make_window(load_template("dcgan"))
    tabs = w.network_tabs
    assert tabs.isVisible() and [tabs.tabText(i) for i in range(tabs.count())] == ["Generator", "Discriminator"]
    assert "deconv1" in w.canvas.net_scene.nodes
    click_tab(tabs, 1)
    assert w.document.project.active == "discriminator"
    assert set(w.canvas.net_scene.nodes) == {n.id for n in w.document.project.graph("discriminator").nodes}
    w.code_view.refresh()
    first, last = w.code_view.class_lines()
    assert w.code_view.source.split("\n")[first].startswith("class Discriminator(")
    click_node(w.canvas, "conv2")  # the inspector shows the discriminator's conv2
    assert w.document.selection == ["conv2"] and w.inspector.node_id == "conv2"
    assert all(first <= i < last for i in w.code_view.node_lines("conv2"))
    w.canvas.setFocus()
    QTest.keyClick(w.canvas.viewport(), Qt.Key_Delete)
    assert not w.document.project.has_node("conv2")
    assert "⚠" in tabs.tabText(1)  # the discriminator now has problems, named on its tab
    click_tab(tabs, 0)
    assert w.document.project.active == "generator" and "deconv1" in w.canvas.net_scene.nodes
    w.activateWindow()
    QTest.keyClick(w.canvas.viewport(), Qt.Key_Z, Qt.ControlModifier)  # undo: back to the discriminator
    assert w.document.project.active == "discriminator" and tabs.currentIndex() == 1
    assert w.document.project.has_node("conv2") and "conv2" in w.canvas.net_scene.nodes
    assert "⚠" not in tabs.tabText(1)
    assert w.document.project.graph("generator").has_node("deconv1")  # the other network untouched


def test_a_single_network_project_has_no_tabs(make_window):
    w = make_window()
    assert not w.network_tabs.isVisible() and w.network_tabs.count() == 0
    assert not w.bottom_tabs.isTabVisible(w.bottom_tabs.index_of_title("Samples"))


def test_a_gan_run_shows_its_samples_curves_and_saves_the_grid(qtbot, make_window, tmp_path):
    project = load_template("dcgan")
    project.data = dict(project.data, n=96)
    project.training = dict(project.training, epochs=2, batch_size=32)
    w = make_window(project)
    w.training.runs_root = tmp_path
    assert w.bottom_tabs.isTabVisible(w.bottom_tabs.index_of_title("Samples"))
    assert not w.bottom_tabs.is_built("Samples")  # built when a generative run starts
    with qtbot.waitSignal(w.training.runner.run_finished, timeout=120_000) as finished:
        w.training.actions_["train"].trigger()
    view = w.samples_page()
    assert w.bottom_tabs.currentWidget() is view and view.real is not None
    assert view.images.shape == (64, 1, 16, 16) and view.epoch == 2
    assert view.picture.pixmap() is not None and not view.picture.pixmap().isNull()
    xs, ys = view.curves["d_loss"].getData()
    assert list(xs) == [1, 2] and all(y > 0 for y in ys)
    assert len(view.curves["d_fake"].getData()[1]) == 2
    assert view.save_button.isEnabled()
    out = view.save_grid(tmp_path / "grid.png")
    from PIL import Image

    assert Image.open(out).size == (4 * (8 * 17 + 1), 4 * (8 * 17 + 1))  # 8 x 8 samples of 16 px, 1 px apart
    view.grab().save(str(tmp_path / "samples_tab.png"))
    # the layer preview looks at the trained discriminator, with its share of the run's weights
    import torch
    from safetensors.torch import load_file

    preview, c = w.inspect.preview, w.inspect.controller
    click_tab(w.network_tabs, 1)
    w.canvas.fit_all()
    click_node(w.canvas, "conv1")
    qtbot.waitUntil(lambda: preview.last is not None and preview.last.node == "conv1"
                    and preview.source.text().startswith("trained"), timeout=60_000)
    best = load_file(finished.args[0].checkpoint)
    assert torch.equal(c.engine._model.conv1.weight, best["discriminator.conv1.weight"])
    # Continue (a third epoch typed into Epochs): the same run trains on, both optimizers restored
    box = w.training.settings.fields["epochs"]
    box.setFocus()
    box.selectAll()
    qtbot.keyClicks(box, "3")
    qtbot.keyClick(box, Qt.Key_Return)
    with qtbot.waitSignal(w.training.runner.run_finished, timeout=120_000) as more:
        qtbot.mouseClick(w.training.continue_button, Qt.LeftButton)
    result = more.args[0]
    assert result.status == "done" and result.run_dir == finished.args[0].run_dir
    assert [h["epoch"] for h in result.history] == [1, 2, 3] and view.epoch == 3


def test_a_vae_run_shows_reconstructions_its_latent_space_and_an_interpolation(qtbot, make_window, tmp_path):
    project = load_template("vae")
    project.data = dict(project.data, n=96)
    project.training = dict(project.training, epochs=1, batch_size=32)
    w = make_window(project)
    w.training.runs_root = tmp_path
    with qtbot.waitSignal(w.training.runner.run_finished, timeout=120_000):
        w.training.actions_["train"].trigger()
    view = w.samples_page()
    qtbot.waitUntil(lambda: view.interpolation is not None)
    inputs, outputs = view.pairs
    assert inputs.shape == outputs.shape == (8, 1, 16, 16)
    assert not view.pairs_picture.pixmap().isNull()
    assert view.codes_2d.shape == (len(view.x_val), 2)  # PCA of the 8-number codes
    assert view.interpolation.shape == (8, 1, 16, 16)
    assert_coloured_by_class(view)


def assert_coloured_by_class(view) -> None:
    """One scatter per digit class in the latent plot, each with a legend entry, holding that
    class's validation samples (all of them together)."""
    scatters = view.latent_plot.listDataItems()
    names = [item.name() for item in scatters]
    assert names == sorted(set(view.labels), key=int) and len(names) >= 5
    for item in scatters:
        assert len(item.getData()[0]) == view.labels.count(item.name())
    assert sum(len(item.getData()[0]) for item in scatters) == len(view.x_val)
    assert [label.text for _, label in view.latent_legend.items] == names
    brushes = {item.opts["symbolBrush"] for item in scatters}
    assert len(brushes) == len(names)  # a colour per class


def test_an_autoencoder_run_shows_its_codes_by_class_and_an_interpolation(qtbot, make_window, tmp_path):
    """The conv_autoencoder template (one network): Train is clicked; after the run the Samples tab
    shows its bottleneck's codes (enc_pool2, 8 x 4 x 4 numbers) by PCA, coloured by digit, and
    8 pictures between two validation samples whose ends are their reconstructions."""
    import numpy as np
    import torch

    project = load_template("conv_autoencoder")
    project.data = dict(project.data, n=120)
    project.training = dict(project.training, epochs=1)
    w = make_window(project)
    w.training.runs_root = tmp_path
    with qtbot.waitSignal(w.training.runner.run_finished, timeout=120_000):
        qtbot.mouseClick(w.training.train_button, Qt.LeftButton)
    view = w.samples_page()
    qtbot.waitUntil(lambda: view.interpolation is not None)
    assert "at 'enc_pool2' (8 × 4 × 4 numbers)" in view.latent_note.text()
    assert "bottleneck" in view.latent_note.toolTip()
    assert view.codes_2d.shape == (len(view.x_val), 2)
    assert_coloured_by_class(view)
    assert view.interpolation.shape == (8, 1, 16, 16) and not view.between_picture.pixmap().isNull()
    with torch.no_grad():
        ends = view.model.eval()(view.x_val[:2]).numpy()
    assert np.allclose(view.interpolation[[0, -1]], ends, atol=1e-5)
    assert not np.allclose(view.interpolation[3], view.interpolation[4], atol=1e-4)  # the pictures change on the way
    w.bottom_tabs.parentWidget().grab().save(str(tmp_path / "autoencoder_latent.png"))


def test_the_layer_preview_and_filters_follow_the_network_tab(qtbot, make_window, tmp_path):
    """The discriminator's conv1 shows its maps of a data sample; the generator's sigmoid (its
    picture) is computed from a code of the noise; Filters shows the shown network's first
    convolution. Each equals the hooked output of that network's own module."""
    import numpy as np
    import torch

    from netbuilder.inspect import node_outputs
    from netbuilder.runtime.recipes_generative import draw_noise
    from ui.inspect import jobs

    project = load_template("dcgan")
    project.data = dict(project.data, n=96)
    w = make_window(project)
    c, v = w.inspect.controller, w.inspect.preview
    qtbot.waitUntil(lambda: c.bundle is not None, timeout=60_000)
    click_tab(w.network_tabs, 1)
    w.canvas.fit_all()
    click_node(w.canvas, "conv1")
    qtbot.waitUntil(lambda: v.last is not None and v.last.node == "conv1", timeout=60_000)
    assert v.last.kind == "feature_maps" and v.last.maps.shape == (16, 8, 8)
    assert c.project.has_node("conv1") and not c.project.has_node("deconv1")  # the discriminator alone
    want = node_outputs(c.engine._model, c.project, jobs.preview_batch(c.bundle, 0), ["conv1"])["conv1"][0]
    assert np.array_equal(v.last.maps, want.numpy())
    w.bottom_tabs.setCurrentWidget(w.inspect.filters)
    qtbot.waitUntil(lambda: "'conv1'" in w.inspect.filters.filters_title.text(), timeout=60_000)
    assert "16 filters of 4×4" in w.inspect.filters.filters_title.text()
    w.grab().save(str(tmp_path / "discriminator_preview.png"))

    click_tab(w.network_tabs, 0)
    w.canvas.fit_all()
    click_node(w.canvas, "sigmoid")
    qtbot.waitUntil(lambda: v.last is not None and v.last.node == "sigmoid", timeout=60_000)
    assert v.last.kind == "image" and v.last.maps.shape == (1, 16, 16)
    assert v.sample_label.text().startswith("code 0: normal noise")
    z = draw_noise(jobs.PREVIEW_BATCH, [32], "normal", "cpu", torch.Generator().manual_seed(0))
    want = node_outputs(c.engine._model, c.project, z, ["sigmoid"])["sigmoid"][0]
    assert np.array_equal(v.last.maps, want.numpy())
    qtbot.waitUntil(lambda: "has no Conv2d" in w.inspect.filters.filters_title.text(), timeout=60_000)
    w.grab().save(str(tmp_path / "generator_preview.png"))
