"""The Samples tab of a generative run (GAN or VAE): the sample grid from the run's fixed noise,
refreshed after every epoch, beside the curves a learner watches: D and G losses and D(x) /
D(G(z)) for a GAN, reconstruction and KL for a VAE; a hint when the samples collapse to one
mode or the discriminator wins outright; and "Save Sample Grid as PNG…"."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from netbuilder.errors import ProjectError
from netbuilder.generative import grid, hints, save_grid
from netbuilder.latent import code_node, codes, interpolate, is_vae, pca_2d
from netbuilder.networks import recipe_name

from .. import theme
from ..pictures import sharp_pixmap
from ..plain import plain
from . import style

# (log key, label, colour) per plot, by recipe
CURVES = {
    "adversarial": (("Losses", (("d_loss", "D loss", style.TRAIN), ("g_loss", "G loss", style.VAL))),
                    ("Discriminator outputs", (("d_real", "D(x)", style.LR), ("d_fake", "D(G(z))", "#c0568f")))),
    "vae": (("Losses", (("recon_loss", "reconstruction", style.TRAIN), ("kl", "KL", style.VAL))),
            ("Validation", (("val_loss", "val loss", style.LR),))),
    "autoencoder": (("Reconstruction loss", (("train_loss", "train", style.TRAIN), ("val_loss", "val", style.VAL))),),
}


def _natural(name: str):
    """Class names in their natural order: "2" before "10"."""
    return (0, int(name), "") if name.isdigit() else (1, 0, name)


def grid_pixmap(images, side: int) -> QPixmap:
    """The sample grid as a pixmap fitting a square of `side` pixels (sharp pixels)."""
    picture = grid(images)
    return sharp_pixmap(picture, max(1, side // max(picture.shape[:2])))


class GenerativeView(QWidget):
    def __init__(self, runner, document, parent=None):
        super().__init__(parent)
        self.setObjectName("generativeView")
        self.runner, self.doc = runner, document
        self.images = None  # the newest samples [N, C, H, W]
        self.epoch = 0
        self.real = None  # real samples, for the collapse hint
        self.rows: list[dict] = []
        self.plots = pg.GraphicsLayoutWidget()
        style.layout_widget(self.plots)
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.picture = QLabel("Train the project to watch samples appear here, epoch by epoch.")
        self.picture.setObjectName("sampleGrid")
        self.picture.setAlignment(Qt.AlignCenter)
        self.picture.setMinimumSize(220, 220)
        self.picture.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.caption = plain(QLabel(""))
        self.pairs_picture = QLabel("")
        self.pairs_picture.setObjectName("reconstructions")
        self.pairs_picture.setAlignment(Qt.AlignCenter)
        self.pairs_caption = plain(QLabel(""))
        self.pairs = None  # (inputs, reconstructions) of the newest epoch
        self.model = None  # the run's model (an autoencoder's codes and interpolation once it ends)
        self.run_project = None  # the project the run trains (where its code is taken)
        self.x_val = None
        self.labels = None  # the class names of x_val's samples, when the data names classes
        self.codes_2d = None
        self.latent_plot = None
        self.latent_note = plain(QLabel(""))
        self.latent_note.setObjectName("latentNote")
        self.interpolation = None
        self.between = plain(QLabel(""))
        self.between_picture = QLabel("")
        self.between_picture.setAlignment(Qt.AlignCenter)
        self.hint = plain(QLabel(""))
        self.hint.setObjectName("generativeHint")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #f59e0b;")
        self.save_button = QPushButton("Save Sample Grid as PNG…")
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self.save_dialog)
        side = QVBoxLayout()
        side.addWidget(self.picture, 1)
        side.addWidget(self.caption)
        side.addWidget(self.save_button)
        side.addWidget(self.pairs_picture)
        side.addWidget(self.pairs_caption)
        side.addWidget(self.between_picture)
        side.addWidget(self.between)
        left = QVBoxLayout()
        left.addWidget(self.plots, 1)
        left.addWidget(self.latent_note)
        left.addWidget(self.hint)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 3)
        layout.addLayout(side, 2)
        runner.run_started.connect(self._started)
        runner.prepared.connect(self._prepared)
        runner.epoch_done.connect(self._epoch)
        runner.samples_updated.connect(self.show_samples)
        runner.reconstructions_updated.connect(self.show_reconstructions)
        runner.run_finished.connect(self._finished)
        self._build_plots(self._recipe())

    def _recipe(self) -> str:
        recipe = recipe_name(self.doc.project)
        if recipe is None and (self.doc.project.data or {}).get("target") == "input":
            return "autoencoder"
        return recipe or "adversarial"

    # --- plots ---------------------------------------------------------------------------------
    def _build_plots(self, recipe: str) -> None:
        self.plots.clear()
        self.curves = {}
        self.recipe = recipe
        for i, (title, series) in enumerate(CURVES.get(recipe, CURVES["adversarial"])):
            plot = style.style_plot(self.plots.addPlot(row=i, col=0), title, bottom="epoch")
            style.keyed_title(plot, title, [(label, color, "━") for _, label, color in series])
            for key, _, color in series:
                self.curves[key] = plot.plot(pen=pg.mkPen(color, width=2), symbol="o", symbolSize=4,
                                             symbolBrush=color)
        self.latent_plot = self.latent_legend = None
        for widget in (self.picture, self.caption, self.save_button):  # an autoencoder makes no samples
            widget.setVisible(recipe != "autoencoder")
        if recipe in ("vae", "autoencoder"):  # the validation codes in 2-D (PCA when the code has more numbers)
            rows = max(1, len(CURVES[recipe]))
            self.latent_plot = style.style_plot(self.plots.addPlot(row=0, col=1, rowspan=rows),
                                                "Latent space (PCA of the codes)")
            # the classes' key beside the plot, not over its points
            self.latent_legend = pg.LegendItem(labelTextColor=theme.current().dim_text, labelTextSize="8pt",
                                               verSpacing=-6)
            self.plots.addItem(self.latent_legend, row=0, col=2, rowspan=rows)

    @Slot(object)
    def _started(self, info) -> None:
        self.rows = []
        self.images = None
        self.hint.setText("")
        self._build_plots(self._recipe())

    @Slot(object)
    def _prepared(self, prepared) -> None:
        b = prepared.bundle
        x = b.x_train
        self.real = b.model_inputs(x[:256]).numpy() if x.ndim == 4 else None
        self.model = prepared.model
        self.run_project = prepared.project
        xv = b.x_val
        self.x_val = b.model_inputs((xv if len(xv) else x)[:512])
        labels = b.labels
        self.labels = [labels["names"][int(i)] for i in labels["val" if len(xv) else "train"][:512]] \
            if labels else None

    @Slot(object)
    def _finished(self, result) -> None:
        """An autoencoder's latent space (PCA of the validation codes, coloured by class when the
        data names classes) and an interpolation between the first two validation samples, from
        the run's final weights. A VAE's code is its encoder's mean; a plain autoencoder's is
        its bottleneck's output (netbuilder/latent.py)."""
        model, project = self.model, self.run_project
        if model is None or self.latent_plot is None or self.x_val is None or len(self.x_val) < 2:
            return
        where, why = "", "A VAE's code is its encoder's output: the mean, in eval mode."
        try:
            if not is_vae(project):
                node, shape = code_node(project)
                where = f" at '{node}' ({' × '.join(map(str, shape))} numbers)"
                why = (f"The code is taken at '{node}', the bottleneck: the layer with the fewest numbers per "
                       "sample that every path from the Input to the Output passes through. The interpolation "
                       "decodes the rest of the network from codes on the line between two samples' codes.")
            x = self.x_val.to(next(model.parameters()).device)
            self.codes_2d = pca_2d(codes(model, project, x))
            self.interpolation = interpolate(model, project, x[0], x[1], 8)
        except ProjectError as err:  # e.g. a graph with no bottleneck: say so, show no codes
            self.latent_note.setText(f"No latent view: {err.message}")
            return
        self._draw_latent()
        self.latent_note.setText(f"Latent space: {len(x)} validation codes{where}, placed by PCA"
                                 + (", coloured by class" if self.labels else ""))
        self.latent_note.setToolTip(why)
        if self.interpolation.ndim != 4 or self.interpolation.shape[1] not in (1, 3):
            return  # the decoded samples are not pictures
        self.between_picture.setPixmap(self._strip_pixmap(grid(self.interpolation, cols=8)))
        self.between.setText("From the first validation sample to the second, through the code space")

    def _draw_latent(self) -> None:
        """One scatter per class (its colour and legend entry), or one of every point."""
        plot, points = self.latent_plot, self.codes_2d
        plot.clear()
        self.latent_legend.clear()
        if not self.labels:
            plot.plot(points[:, 0], points[:, 1], pen=None, symbol="o", symbolSize=5,
                      symbolPen=None, symbolBrush=style.TRAIN + "aa")
            return
        names = list(dict.fromkeys(sorted(self.labels, key=_natural)))
        labels = np.asarray(self.labels)
        for i, name in enumerate(names):
            mine = points[labels == name]
            scatter = plot.plot(mine[:, 0], mine[:, 1], pen=None, symbol="o", symbolSize=5, symbolPen=None,
                                symbolBrush=style.series_color(i) + "cc", name=name)
            self.latent_legend.addItem(scatter, name)
        # the legend sizes itself at (0, 0) on every entry: let the layout put it in its column again
        self.plots.ci.layout.invalidate()
        self.plots.ci.layout.activate()

    @Slot(int, object)
    def _epoch(self, epoch: int, logs) -> None:
        self.rows.append(dict(logs))
        epochs = [r["epoch"] for r in self.rows]
        for key, curve in self.curves.items():
            values = [r.get(key) for r in self.rows]
            if all(v is not None for v in values):
                curve.setData(epochs, values)
        self._update_hint()

    # --- samples -------------------------------------------------------------------------------
    @Slot(int, object)
    def show_samples(self, epoch: int, images) -> None:
        images = images.numpy() if hasattr(images, "numpy") else np.asarray(images)
        if images.ndim != 4 or images.shape[1] not in (1, 3):
            return  # not pictures (e.g. a table's rows): nothing to draw
        self.images, self.epoch = images, epoch
        self._draw()
        self.caption.setText(f"Epoch {epoch}: {len(images)} samples from the same fixed noise every epoch")
        self.save_button.setEnabled(True)
        self._update_hint()

    @Slot(int, object, object)
    def show_reconstructions(self, epoch: int, inputs, outputs) -> None:
        """Validation samples (top row) over their reconstructions (bottom row)."""
        inputs, outputs = np.asarray(inputs), np.asarray(outputs)
        if inputs.ndim != 4 or inputs.shape != outputs.shape or inputs.shape[1] not in (1, 3):
            return
        self.pairs = (inputs, outputs)
        both = np.concatenate([inputs, np.clip(outputs, 0, 1)])
        self.pairs_picture.setPixmap(self._strip_pixmap(grid(both, cols=len(inputs))))
        self.pairs_caption.setText(f"Epoch {epoch}: validation samples (top) and their reconstructions (bottom)")

    def _strip_pixmap(self, picture) -> QPixmap:
        """A row of pictures, enlarged (at most 6x) to the sample grid's width."""
        return sharp_pixmap(picture, max(1, min(6, self.picture.width() // max(picture.shape[1], 1))))

    def _draw(self) -> None:
        if self.images is not None:
            self.picture.setPixmap(grid_pixmap(self.images, min(self.picture.width(), self.picture.height())))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._draw()

    def _update_hint(self) -> None:
        loss = ((self.doc.project.training or {}).get("adversarial") or {}).get("loss", "bce")
        found = hints(self.rows[-1] if self.rows else None, self.images, self.real, loss)
        self.hint.setText("\n".join(found))

    def save_grid(self, path: str | Path) -> Path:
        return save_grid(self.images, path)

    @Slot()
    def save_dialog(self) -> None:
        if self.images is None:
            return
        start = str(Path(self.doc.path).parent / f"samples_epoch{self.epoch}.png") if self.doc.path else \
            f"samples_epoch{self.epoch}.png"
        path, _ = QFileDialog.getSaveFileName(self, "Save sample grid", start, "PNG images (*.png)")
        if not path:
            return
        try:
            self.save_grid(path)
        except OSError as exc:
            QMessageBox.warning(self, "Cannot save the grid", f"{path} could not be written: {exc}")

