"""InspectController: which model and data the inspect views look at, and the engine that
computes for them.

The model is the current graph with its initial weights until a run starts; then the weights
the training thread hands over (a few times a second, only while a view is visible); after the
run, the run's best weights, until the graph is edited so that they no longer fit."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from netbuilder.session import loss_name

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
        self.project = None  # the project the weights belong to
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
        self._graph_edited()

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
        if project is not None and project.networks:  # the views read one network's layers
            self.project = None
            self.model_changed.emit()
            return
        if project is not self.project:
            self.analysis = analysis  # None: the engine analyses the project itself
        self.project, self.weights_text, self.step = project, text, step
        self.engine.set_model(project, state, self.analysis)
        self.model_changed.emit()

    @Slot()
    def _graph_edited(self) -> None:
        if self.runner.busy:
            return  # the run's weights stay until it ends
        doc = self.document
        if self.project is not None and graph_key(self.project) == graph_key(doc.project):
            return  # same graph: the weights still fit
        if doc.analysis.errors:
            self.project = None
            self.model_changed.emit()
            return
        self._use(doc.project.copy(), None, "initial weights (not trained yet)", analysis=doc.analysis)

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
            self._use(self.project, state, f"training: step {step:,}", step)

    @Slot(object)
    def _finished(self, result) -> None:
        checkpoint = result.checkpoint
        if self.project is None or not checkpoint or not Path(checkpoint).is_file():
            return
        from safetensors.torch import load_file

        best = f"best epoch {result.best_epoch}" if result.best_epoch else "last epoch"
        self._use(self.project, load_file(checkpoint), f"trained ({best})")

    @Slot()
    def _update_wanted(self) -> None:
        wanted = any(v.isVisible() and getattr(v, "live", True) for v in self.views)
        if wanted != self.runner.weights_wanted:
            self.runner.want_weights(wanted)
