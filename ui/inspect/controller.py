"""InspectController: which model and data the inspect views look at, and the engine that
computes for them.

The model is the current graph with its initial weights until a run starts; then the weights
the training thread hands over (a few times a second, only while a view is visible); after the
run, the run's best weights, until the graph is edited so that they no longer fit.

Of a project with several networks (a GAN, a VAE) the views look at the network whose tab is
shown: `project` is that network alone, with its share of the weights, and it follows the tabs.
A network fed with codes (a GAN's generator, a VAE's decoder) gets codes drawn from the
recipe's noise instead of the data's samples (`preview_batch`). The views that score
predictions against the data's targets (failures, try it) stay off there (`per_network`)."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from netbuilder.session import fill_data_shape, loss_name

from .engine import InspectEngine


def graph_key(project) -> str:
    return json.dumps(project.to_dict().get("graph") or project.to_dict().get("networks"), sort_keys=True, default=str)


class InspectController(QObject):
    model_changed = Signal()  # new weights or another graph/data: views refresh
    result = Signal(str, object)  # kind, value (from the engine)
    failed = Signal(str, str)  # kind, message

    def __init__(self, document, training, parent=None):
        super().__init__(parent)
        self.document, self.training = document, training
        self.runner = training.runner
        self.engine = InspectEngine(self)
        self.engine.out.result.connect(self._on_result)
        self.engine.out.failed.connect(self._on_failed)
        self.views: list = []
        self.bundle = training.data_panel.bundle
        self.project = None  # the project the weights belong to (of several networks: the shown one)
        self.whole = None  # ...the project with all its networks, and what it was used with
        self._last: tuple | None = None
        self.latent: tuple | None = None  # the shown network takes codes of this shape, not samples
        self.noise = "normal"
        self.analysis = None  # ...and its shape analysis
        self.weights_text = "initial weights"
        self.step = None
        self.pending: dict[str, tuple] = {}  # kind -> (fn, args) waiting for the engine
        self.running: set[str] = set()
        self._edit_timer = QTimer(self)
        self._edit_timer.setSingleShot(True)
        self._edit_timer.setInterval(300)
        self._edit_timer.timeout.connect(self._graph_edited)
        self._wanted_timer = QTimer(self)
        self._wanted_timer.setInterval(500)
        self._wanted_timer.timeout.connect(self._update_wanted)
        self._wanted_timer.start()
        training.data_panel.bundle_loaded.connect(self._bundle_loaded)
        document.analyzed.connect(self._edit_timer.start)  # a move changes no preview
        r = self.runner
        r.prepared.connect(self._prepared)
        r.weights_updated.connect(self._weights)
        r.run_finished.connect(self._finished)
        document.network_changed.connect(self._network_shown)
        self._graph_edited()

    @property
    def per_network(self) -> bool:
        """The views look at one network of several (no scores against the data's targets)."""
        return bool(self.whole is not None and self.whole.networks)

    def preview_batch(self, sample: int):
        """The inputs the layer preview runs: the data's samples (sample first), or, for a
        network fed with codes, codes drawn from the noise, code i from seed i."""
        import torch

        from netbuilder.runtime.recipes_generative import draw_noise

        from . import jobs

        if self.latent is None:
            return jobs.preview_batch(self.bundle, sample)
        return draw_noise(jobs.PREVIEW_BATCH, self.latent, self.noise, "cpu", torch.Generator().manual_seed(sample))

    @property
    def loss(self) -> str:
        return loss_name((self.project or self.document.project).training)

    def add_view(self, view) -> None:
        self.views.append(view)

    # ----- asking the engine -----------------------------------------------------------------
    def compute(self, kind: str, fn, *args) -> None:
        """fn(model, *args) on the engine; at most one job of a kind in flight, the newest
        waiting: a slow job is never queued behind itself."""
        if kind in self.running:
            self.pending[kind] = (fn, args)
            return
        self.running.add(kind)
        self.engine.submit(kind, fn, *args)

    @Slot(str, object)
    def _on_result(self, kind, value) -> None:
        self._next(kind)
        self.result.emit(kind, value)

    @Slot(str, str)
    def _on_failed(self, kind, message) -> None:
        self._next(kind)
        self.failed.emit(kind, message)

    def _next(self, kind: str) -> None:
        self.running.discard(kind)
        if kind in self.pending:
            fn, args = self.pending.pop(kind)
            self.compute(kind, fn, *args)

    def shutdown(self) -> None:
        self._wanted_timer.stop()
        self.runner.want_weights(False)
        self.engine.shutdown()

    # ----- which model -----------------------------------------------------------------------
    def _use(self, project, state, text: str, step=None, analysis=None) -> None:
        """Views look at `project` with `state` from now on; `analysis` is `project`'s (the
        document's or the run's: the engine builds the model without analysing again)."""
        self.whole, self._last = project, (project, state, text, step, analysis)
        self.latent = None
        if project is not None and project.networks:  # the views read the shown network's layers
            project, state, analysis = self._shown_network(project, state)
        if project is not self.project:
            self.analysis = analysis  # None: the engine analyses the project itself
        self.project, self.weights_text, self.step = project, text, step
        self.engine.set_model(project, state, self.analysis)
        self.model_changed.emit()

    def _shown_network(self, project, state):
        """(the network whose tab is shown, as a project of its own; its weights; no analysis)."""
        from netbuilder.generative import sampler_info
        from netbuilder.networks import roles

        shown = self.document.project.active
        name = shown if shown in project.networks else next(iter(project.networks))
        if state is not None:
            prefix = f"{name}."
            state = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
        r = roles(project)
        if r is not None and name == r.sampler:
            _, latent, self.noise = sampler_info(project)
            self.latent = tuple(latent)
        return project.graph(name), state, None

    @Slot(str)
    def _network_shown(self, name: str) -> None:
        if self._last is not None and self.whole is not None and self.whole.networks:
            self._use(*self._last)

    @Slot()
    def _graph_edited(self) -> None:
        if self.runner.busy:
            return  # the run's weights stay until it ends
        doc = self.document
        project = doc.project.copy()
        if doc.project.data and doc.data_shape is not None:  # as the run will build it
            fill_data_shape(project, doc.data_shape)
        if self.whole is not None and graph_key(self.whole) == graph_key(project):
            return  # same graph: the weights still fit
        if doc.analysis.errors:
            self.project = self.whole = self._last = None
            self.model_changed.emit()
            return
        self._use(project, None, "initial weights (not trained yet)", analysis=doc.analysis)

    @Slot(object)
    def _bundle_loaded(self, bundle) -> None:
        if bundle is not None and not self.runner.busy:
            self.bundle = bundle
            self.model_changed.emit()

    @Slot(object)
    def _prepared(self, prepared) -> None:
        self.bundle = prepared.bundle
        self._use(prepared.project, None, "training: initial weights", 0, prepared.analysis)

    @Slot(int, object)
    def _weights(self, step, state) -> None:
        if self.project is not None:
            self._use(self.whole, state, f"training: step {step:,}", step, self._last[4])

    @Slot(object)
    def _finished(self, result) -> None:
        checkpoint = result.checkpoint
        if self.project is None or not checkpoint or not Path(checkpoint).is_file():
            return
        from safetensors.torch import load_file

        best = f"best epoch {result.best_epoch}" if result.best_epoch else "last epoch"
        self._use(self.whole, load_file(checkpoint), f"trained ({best})", analysis=self._last[4])

    @Slot()
    def _update_wanted(self) -> None:
        wanted = any(v.isVisible() and getattr(v, "live", True) for v in self.views)
        if wanted != self.runner.weights_wanted:
            self.runner.want_weights(wanted)
