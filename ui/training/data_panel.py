"""The Data tab: pick a source, see a preview, the class balance and the shape that reaches
the Input node (red when the graph expects another one, or when the model's output does not
fit the targets).

Loading runs as a background task (ui/tasks.py; a large CSV or image folder would freeze the
window): one load at a time, the newest request waiting behind it and older waiting ones
dropped; a result whose request is no longer the latest is discarded. While loading, the previous preview stays, faded,
under "Loading data…". The trainer loads its own copy in the training thread."""

from __future__ import annotations

import copy
import csv
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGraphicsOpacityEffect,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QStyle,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from netbuilder.data import BUILTIN_SETS, DataBundle, DataError, load_data, tabular
from netbuilder.data.report import target_scale_text
from netbuilder.data.sources import BY_KIND, SOURCES
from netbuilder.data.split import DEFAULT_SPLIT
from netbuilder.errors import ProjectError
from netbuilder.session import (
    USER_ERRORS,
    data_mismatch,
    load_project_data,
    token_ids_needed,
)
from ui import theme
from ui.errors import error_text
from ui.lazy import BuildOnShow
from ui.tasks import Tasks

from . import style
from .class_thumbnails import ClassThumbnails
from .column_table import ColumnTable
from .commands import set_section
from .rows_preview import RowsPreview
from .threads import reserve_cores_for_training, serial_torch

PREVIEW_ROWS = 50  # the Rows tab draws a bounded table whatever the file's size
PREVIEW_COLUMNS = 40
SCALE_TIP = ("Train on the target scaled to mean 0 and std 1 over the training rows (a large "
             "target otherwise gives huge losses and exploding gradients); predictions and "
             "metrics stay in its own units")


def base_dir_of(document) -> Path:
    path = getattr(document, "path", None)
    return Path(path).resolve().parent if path else Path.cwd()


def csv_columns(path: Path) -> list[str]:
    """The header row only: enough to offer the target column."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            sample = fh.read(8192)
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
        return next(csv.reader(sample.splitlines(), dialect))
    except (OSError, csv.Error, StopIteration, UnicodeDecodeError):
        return []


def load_for_tab(project, base_dir: Path):
    """(bundle, problem, columns) for the tab: the data as training loads it. When only the
    loss does not fit the target, the data as its target implies, so the columns still show
    under the problem (and its one-click fix); without a target, every column of the table,
    so the target is one click in the column table."""
    try:
        return load_project_data(project, base_dir), None, None
    except DataError as err:
        data = project.data or {}
        if (err.suggest or {}).get("loss"):
            return load_data(data, base_dir, None), err, None
        if data.get("kind") != "csv" or "target" in data or not data.get("path"):
            raise
        from netbuilder.data.csv_read import read_frame
        from netbuilder.data.profile import profile_columns

        try:
            frame, _ = read_frame(base_dir / data["path"], data)
            columns = [{**c.to_dict(), "features": "–"}
                       for c in profile_columns(frame, data, [])]
        except DataError:
            raise err from None
        return None, err, columns


class DataPanel(QWidget):
    bundle_loaded = Signal(object)  # DataBundle or None
    problem_changed = Signal(object)  # ProjectError or None: why the data cannot be trained on

    def __init__(self, document, parent=None):
        super().__init__(parent)
        reserve_cores_for_training()  # before a loader thread can change torch's default
        self.document = document
        self.bundle: DataBundle | None = None
        self.error_text = ""
        self.error: Exception | None = None  # the DataError behind error_text
        self.fix = None  # (label, action) of the one-click fix for the problem shown
        self._loading = False  # the widgets are being filled from the document
        self._wanted_key = None  # the data source asked for last
        self.loader = Tasks(self, "Loading the data", name="netbuilder-data", prepare=serial_torch)
        self.loader.finished.connect(self._loaded)
        self.loader.failed.connect(self._load_failed)

        self.source = QComboBox()
        for source in SOURCES:
            self.source.addItem(source.label, source.kind)
        self.builtin = QComboBox()
        self.builtin.addItems(BUILTIN_SETS)
        self.path = QLineEdit()
        self.path.setPlaceholderText("file or folder, relative to the project file")
        self.browse = QPushButton("Browse…")
        self.target = QComboBox()
        self.target.setEditable(True)
        self.target.setToolTip("The column the network learns to predict")
        self.target.lineEdit().setPlaceholderText("choose the target column")
        # a series: `window` rows make one sample, the target `horizon` rows after it
        self.window = QSpinBox(minimum=0, maximum=100_000, suffix=" rows", specialValueText="off")
        self.window.setToolTip("Time series: this many consecutive rows make one sample, split "
                               "in time order (off: every row is a sample)")
        self.horizon = QSpinBox(minimum=1, maximum=100_000, prefix="predict ", suffix=" row(s) ahead")
        self.horizon.setToolTip("The target is the value this many rows after the window")
        for box in (self.window, self.horizon):
            box.setKeyboardTracking(False)  # one edit when the number is typed, not per digit
        # a regression target standardised on the training rows (data.scale_target; its default
        # is tabular.SCALE_TARGET, which the loader reads too)
        self.scale_target = QCheckBox("Standardise a numeric target")
        self.scale_target.setToolTip(SCALE_TIP)
        self.window_row = QWidget()
        window_layout = QHBoxLayout(self.window_row)
        window_layout.setContentsMargins(0, 0, 0, 0)
        window_layout.addWidget(self.window)
        window_layout.addWidget(self.horizon, 1)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path, 1)
        path_row.addWidget(self.browse)
        self.file_box = QWidget()
        file_form = QFormLayout(self.file_box)
        file_form.setContentsMargins(0, 0, 0, 0)
        file_form.addRow("Path", path_row)
        file_form.addRow("Target column", self.target)  # tables only
        file_form.addRow("Window", self.window_row)
        file_form.addRow("", self.scale_target)
        self.file_form = file_form
        # the split: the best epoch is chosen on validation, the test part is scored once, at the end
        self.val_split = QSpinBox(minimum=0, maximum=90, prefix="validation ", suffix=" %")
        self.test_split = QSpinBox(minimum=0, maximum=90, prefix="test ", suffix=" %")
        self.val_split.setToolTip("Rows held out to choose the best epoch")
        self.test_split.setToolTip("Rows held out until the end: the Evaluation tab and "
                                   "train --json report them (test_metrics)")
        self.split_row = QWidget()
        split_layout = QHBoxLayout(self.split_row)
        split_layout.setContentsMargins(0, 0, 0, 0)
        for box in (self.val_split, self.test_split):
            box.setKeyboardTracking(False)
            split_layout.addWidget(box, 1)
        self.builtin_box = QWidget()  # a form row, so the combo keeps its natural height
        builtin_form = QFormLayout(self.builtin_box)
        builtin_form.setContentsMargins(0, 0, 0, 0)
        builtin_form.addRow("Data set", self.builtin)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.builtin_box)
        self.stack.addWidget(self.file_box)
        self.stack.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Maximum)

        self.shape_label = QLabel()
        self.shape_label.setWordWrap(True)
        self.shape_label.setTextFormat(Qt.PlainText)  # messages quote column names
        self.fix_button = QPushButton()
        self.fix_button.hide()
        self.fix_button.clicked.connect(self._apply_fix)
        self.predict_button = QPushButton("Predict new rows…")
        self.predict_button.setToolTip("Predict a CSV of new rows with a trained run's weights")
        self.predict_button.clicked.connect(self.open_predict)
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.PlainText)
        self.summary.setObjectName("dim")
        self.summary.setWordWrap(True)

        self.table = RowsPreview()
        self.thumbs = ClassThumbnails()  # images: a row per class, and what loading did
        self.columns = ColumnTable()
        self.columns.spec_changed.connect(self._columns_edited)
        self.views = QTabWidget()  # a table: its columns (what the app does) and its rows
        self.views.addTab(self.columns, "Columns")
        self.views.addTab(self.table, "Rows")
        self.preview = QStackedWidget()
        self.preview.addWidget(self.views)
        self.preview.addWidget(self.thumbs)
        self.balance = BuildOnShow(self._build_balance)  # a plot: built when first shown
        self._balance_counts: dict | None = None  # the train split's, drawn when built

        left = QWidget()
        form = QFormLayout(left)
        form.addRow("Source", self.source)
        form.addRow(self.stack)
        form.addRow("Split", self.split_row)
        form.addRow(self.shape_label)
        form.addRow(self.fix_button)
        form.addRow(self.summary)
        form.addRow(self.predict_button)
        form.setRowWrapPolicy(QFormLayout.DontWrapRows)
        holder = QWidget()
        holder_layout = QVBoxLayout(holder)
        holder_layout.setContentsMargins(0, 0, 0, 0)
        holder_layout.addWidget(left)
        holder_layout.addStretch(1)
        # the bottom area is often short (170 px by default): the pane scrolls rather than
        # squeezing its rows and cutting off the shape message and the summary
        self.left_scroll = QScrollArea()
        self.left_scroll.setWidget(holder)
        self.left_scroll.setWidgetResizable(True)
        self.left_scroll.setFrameShape(QFrame.NoFrame)
        self.left_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        bar = self.left_scroll.style().pixelMetric(QStyle.PM_ScrollBarExtent)
        self.left_scroll.setMinimumWidth(holder.minimumSizeHint().width() + bar)  # never cut off
        split = QSplitter(Qt.Horizontal)
        split.addWidget(self.left_scroll)
        split.addWidget(self.preview)
        split.addWidget(self.balance)
        split.setSizes([320, 520, 300])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)

        self.source.currentIndexChanged.connect(self._source_changed)
        self.builtin.currentTextChanged.connect(self._edited)
        self.path.editingFinished.connect(self._edited)
        self.target.currentTextChanged.connect(self._edited)
        self.target.activated.connect(self._edited)  # picking the column already shown
        self.browse.clicked.connect(self._browse)
        self.window.valueChanged.connect(self._edited)
        self.scale_target.toggled.connect(self._edited)
        self.horizon.valueChanged.connect(self._edited)
        self.val_split.valueChanged.connect(self._edited)
        self.test_split.valueChanged.connect(self._edited)
        self._reload_timer = QTimer(self, singleShot=True, interval=120)
        self._reload_timer.timeout.connect(self.reload)
        self._rest = None  # (bundle, error, shown): the second half of a load's outcome
        self._rest_timer = QTimer(self, singleShot=True, interval=0)
        self._rest_timer.timeout.connect(self._apply_rest)
        document.analyzed.connect(self._document_changed)  # not on a move: nothing it shows moved
        self._document_changed()

    # ----- document -> widgets -----------------------------------------------------------------
    @Slot()
    def _document_changed(self) -> None:
        data = self.document.project.data or {}
        self._loading = True
        try:
            kind = data.get("kind", "builtin")
            index = max(0, self.source.findData(kind))
            self.source.setCurrentIndex(index)
            self.stack.setCurrentIndex(0 if kind == "builtin" else 1)
            # the path shown is this project's own (never a path left from another project)
            self.path.setText(str(data.get("path", "")) if kind != "builtin" else "")
            self._show_kind(kind)
            if kind == "builtin":
                self.builtin.setCurrentText(data.get("name", BUILTIN_SETS[0]))
            else:
                self._fill_targets(kind, data.get("target"))
            window, horizon = data.get("window"), data.get("horizon")
            self.window.setValue(window if isinstance(window, int) else 0)
            self.horizon.setValue(horizon if isinstance(horizon, int) else 1)
            self.horizon.setEnabled(self.window.value() > 0)
            self.scale_target.setChecked(data.get("scale_target", tabular.SCALE_TARGET) is not False)
            split = data.get("split") if isinstance(data.get("split"), dict) else {}
            for box, key in ((self.val_split, "val"), (self.test_split, "test")):
                value = split.get(key, DEFAULT_SPLIT[key])
                box.setValue(round(value * 100) if isinstance(value, (int, float)) else 0)
        finally:
            self._loading = False
        self._reload_timer.start()  # data, loss or Input shape may have changed

    def _fill_targets(self, kind: str, current) -> None:
        """Offer the file's columns, showing `current` (the project's target). Without one the
        combo stays blank under its placeholder: showing the first column would look chosen
        when it is not, and picking it would change nothing."""
        loading, self._loading = self._loading, True  # filling is not the user choosing
        try:
            self.target.clear()
            self.target.setEnabled(kind == "csv")
            if kind != "csv":
                return
            path = Path(self.path.text())
            columns = csv_columns(path if path.is_absolute()
                                  else base_dir_of(self.document) / path)
            self.target.addItems(columns)
            index = self.target.findText(current) if isinstance(current, str) else -1
            self.target.setCurrentIndex(index)
            if index < 0:
                self.target.setEditText(current if isinstance(current, str) else "")
        finally:
            self._loading = loading

    # ----- widgets -> document -----------------------------------------------------------------
    def _show_kind(self, kind: str) -> None:
        self.stack.setCurrentIndex(0 if kind == "builtin" else 1)
        self.file_form.setRowVisible(self.target, kind == "csv")  # folders name their classes
        self.file_form.setRowVisible(self.window_row, kind == "csv")
        self.file_form.setRowVisible(self.scale_target, kind == "csv")
        self.predict_button.setVisible(kind == "csv")

    @Slot()
    def _source_changed(self, *_) -> None:
        kind = self.source.currentData()
        self._show_kind(kind)
        if not self._loading:
            was = (self.document.project.data or {}).get("kind")
            if kind != was:
                self.path.clear()  # a CSV's path is no image folder (and the other way round)
            if kind == "builtin" or self.path.text():
                self._edited()
            elif not self._browse():  # cancelled: what is shown is the old source's, until a path is typed
                self._set_stale(True)
                noun = "folder" if BY_KIND[kind].folder else "file"
                self._set_message(f"Browse… for the {noun}, or type its path.",
                                  theme.current().dim_text)

    @Slot()
    def _browse(self) -> bool:
        """Ask for the source's file or folder; whether one was chosen."""
        kind = self.source.currentData()
        start = str(base_dir_of(self.document))
        if BY_KIND[kind].folder:
            chosen = QFileDialog.getExistingDirectory(self, "Image folder (one subfolder per "
                                                      "class)", start)
        else:
            chosen, _ = QFileDialog.getOpenFileName(self, "Data file", start, BY_KIND[kind].file_filter)
        if chosen:
            self.set_path(chosen)
        return bool(chosen)

    def set_path(self, chosen: str) -> None:
        """Point the data at a file or folder (relative to the project when possible)."""
        base = base_dir_of(self.document)
        try:
            chosen = str(Path(chosen).resolve().relative_to(base))
        except ValueError:
            pass
        self.path.setText(chosen)
        self._fill_targets(self.source.currentData(), None)
        self._edited()

    @Slot()
    def _edited(self, *_) -> None:
        if self._loading:
            return
        kind = self.source.currentData()
        old = self.document.project.data or {}
        keep = {k: v for k, v in old.items() if k in ("split", "normalize")}
        split = dict(old["split"]) if isinstance(old.get("split"), dict) else {}
        for box, key in ((self.val_split, "val"), (self.test_split, "test")):
            now = split.get(key, DEFAULT_SPLIT[key])
            if not isinstance(now, (int, float)) or box.value() != round(now * 100):
                split[key] = box.value() / 100  # only what the boxes changed is written
        if split:
            keep["split"] = split
        if kind == "builtin":
            data = {"kind": "builtin", "name": self.builtin.currentText(), **keep}
            if old.get("kind") == "builtin" and old.get("name") == data["name"]:
                data = {**old, **data}  # keep noise, size...
        else:
            data = {"kind": kind, "path": self.path.text(), **keep}
            if kind == "csv" and self.target.currentText():
                data["target"] = self.target.currentText()
            if kind == "csv" and self.window.value():
                data["window"] = self.window.value()
                if self.horizon.value() != 1:
                    data["horizon"] = self.horizon.value()
            if kind == "csv" and self.scale_target.isChecked() != tabular.SCALE_TARGET:
                data["scale_target"] = self.scale_target.isChecked()  # written only when not the default
            if old.get("target") == "input":
                data["target"] = "input"
        set_section(self.document, "data", data, "data")

    # ----- loading -----------------------------------------------------------------------------
    @property
    def loading(self) -> bool:
        """A load runs, or its outcome is not all shown yet (see `_apply`)."""
        return self.loader.busy or self._rest is not None

    @Slot()
    def reload(self) -> None:
        """Load the data when its source changed (in the loader thread), else recheck shapes."""
        project = self.document.project
        key = (repr(project.data), repr((project.training or {}).get("loss")),
               repr(str(getattr(self.document, "path", ""))))
        if key == self._wanted_key:
            if not self.loading:
                self._show_shape()  # the graph may have changed: recheck Input and output
            return
        self._wanted_key = key
        if not project.data:  # nothing to load: answer at once, no thread for a blank project
            self.loader.cancel()  # whatever loads or waits is outdated now
            self.error = None
            self._apply(None, "No data set chosen: pick a source above.")
            return
        self._set_message("Loading data…", theme.current().dim_text)
        self._set_stale(True)
        # painted faded now, before the loader thread starts: painted during the load, each of
        # the paint's Python calls (the column table's delegate, the plot) would wait for the
        # loader to let go of the GIL (measured 24-38 ms against 11 ms)
        self.repaint()
        # the newest request wins; the load in flight answers it when it loads this source
        self.loader.start(load_for_tab, copy.deepcopy(project), base_dir_of(self.document),
                          key=key)

    @Slot(object)
    def _loaded(self, result) -> None:
        bundle, problem, columns = result
        self.error = problem
        if problem is None:
            self._apply(bundle, "")
        else:  # shown, not trained on: the bundle is not the one training would load
            self._apply(None, error_text(problem), shown=bundle, columns=columns)

    @Slot(object)
    def _load_failed(self, failure) -> None:
        self.error = failure.error if isinstance(failure.error, USER_ERRORS) else None
        self._apply(None, failure.message)

    def _apply(self, bundle, error: str, shown=None, columns=None) -> None:
        """Show a load's outcome in two turns of the event loop, each painted before the next
        (one block of both was ~25 ms on the GUI thread): the preview (the column table), then
        the summary, the shape message, the class balance and `bundle_loaded`."""
        self._set_stale(False, (self.preview,))
        self._show_preview(bundle or shown)
        if columns:
            self.columns.show_columns(columns, self.document.project.data or {})
            self.views.setTabVisible(0, True)
            self.views.setCurrentWidget(self.columns)
        self._rest = (bundle, error, shown)
        self._rest_timer.start()

    @Slot()
    def _apply_rest(self) -> None:
        if self._rest is None:
            return
        (bundle, error, shown), self._rest = self._rest, None
        self._rest_timer.stop()
        self.bundle, self.error_text = bundle, error
        self._set_stale(False)
        self._show_summary(bundle or shown)
        self._show_scale_target(bundle or shown)
        self.bundle_loaded.emit(self.bundle)
        # an Input without a shape takes the data's (shown too: only the loss did not fit)
        self.document.set_data_shape(getattr(bundle or shown, "input_shape", None))
        self._show_shape()
        self._preselect_loss()

    def shutdown(self) -> None:
        """Join the load running (after its load: a load cannot be interrupted) and start no
        other until the panel is shown again. Call once the window is really closing. Nothing
        is forgotten: the joined load's result is still shown if it is the latest request, and
        a newer request keeps waiting, so a panel that lives on shows the right data once it is
        shown (or `resume` is called)."""
        self.loader.hold()
        self._reload_timer.stop()
        self.loader.join()
        self._apply_rest()  # the joined load's outcome, all shown

    def resume(self) -> None:
        """Undo `shutdown`: run the load that waited (and any pending recheck)."""
        if not self.loader.held:
            return
        self.loader.resume()
        self._reload_timer.start()  # edits made while stopped

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.resume()

    def closeEvent(self, event) -> None:  # the panel on its own; in the app, TrainingPanel.shutdown
        self.shutdown()
        super().closeEvent(event)

    def _show_shape(self) -> None:
        t = theme.current()
        if self.bundle is None:
            self._set_message(self.error_text or "No data loaded.", t.error)
            self._set_fix(self._settings_fix())
            no_data_yet = self.document.project.data is None  # a blank project is not a problem
            self.problem_changed.emit(None if no_data_yet or not self.error_text
                                      else ProjectError(self.error_text, field="data"))
            return
        project = self.document.project
        problem = data_mismatch(project, self.document.analysis, self.bundle)
        self.problem_changed.emit(problem)
        self._set_fix(self._graph_fix(problem) if problem else None)
        if problem:
            self._set_message(problem.message, t.error)
        else:
            dtype = str(self.bundle.model_inputs(self.bundle.x_train[:1]).dtype).removeprefix("torch.")
            shape = list(self.bundle.input_shape)
            self._set_message(f"✓ Each sample reaches the Input as {shape} {dtype}.", t.ok)

    # ----- one-click fixes for the problems the tab explains --------------------------------------
    def _settings_fix(self):
        suggest = getattr(self.error, "suggest", None)
        if not suggest or "loss" not in suggest:
            return None
        loss = suggest["loss"]

        def use_loss():
            training = {k: v for k, v in (self.document.project.training or {}).items()
                        if k != "metrics"}  # the new task's usual metrics
            set_section(self.document, "training", {**training, "loss": loss}, "loss")
        return f"Use {loss}", use_loss

    def _graph_fix(self, problem):
        b, node, field = self.bundle, getattr(problem, "node", None), getattr(problem, "field", None)
        if node is None or b is None:
            return None
        if field == "shape":
            value = list(b.input_shape)
        elif field == "out_features":
            value = b.num_classes if b.task == "classification" else int(b.target_shape[-1])
        elif field == "num_embeddings":
            value = token_ids_needed(b)
        else:
            return None

        def set_param():
            from ui.commands import SetParam

            self.document.push(SetParam(self.document, node, field, value))
        return f"Set {node}.{field} to {value}", set_param

    def _set_fix(self, fix) -> None:
        self.fix = fix
        self.fix_button.setVisible(fix is not None)
        if fix is not None:
            self.fix_button.setText(fix[0])

    @Slot()
    def _apply_fix(self) -> None:
        if self.fix is not None:
            self.fix[1]()

    def _preselect_loss(self) -> None:
        """No loss in the project: the one the data implies, with that task's metrics."""
        b, training = self.bundle, self.document.project.training or {}
        if b is not None and b.info.get("loss_inferred") and "loss" not in training:
            set_section(self.document, "training", {**training, "loss": b.info["loss"]}, "loss")

    @Slot(dict)
    def _columns_edited(self, data: dict) -> None:
        set_section(self.document, "data", data, "columns")

    @Slot()
    def open_predict(self) -> None:
        from .predict_dialog import PredictDialog

        dialog = PredictDialog(self.document, base_dir_of(self.document), self)
        dialog.setModal(True)
        dialog.show()
        self.predict_dialog = dialog

    def _set_stale(self, stale: bool, widgets=None) -> None:
        """While loading, the previous source's preview stays, faded (not blank: most loads
        take milliseconds and would flicker)."""
        for w in widgets or (self.summary, self.preview, self.balance):
            w.setEnabled(not stale)
            if stale:
                w.setGraphicsEffect(QGraphicsOpacityEffect(w, opacity=0.35))
            else:
                w.setGraphicsEffect(None)

    def _set_message(self, text: str, color: str) -> None:
        self.shape_label.setText(text)
        self.shape_label.setStyleSheet(f"color: {color};")

    def _show_preview(self, b) -> None:
        self.table.show_rows([], [])
        self.thumbs.clear()
        if b is None:  # an error: nothing to preview (the message says why)
            self.columns.setRowCount(0)
            self.preview.setCurrentWidget(self.views)
        elif b.info.get("layout") == "image":
            self._show_thumbnails(b)
        else:
            self._show_table(b)

    def _show_summary(self, b) -> None:
        self._balance_counts = None
        if b is None:
            self.summary.clear()
            if self.balance.is_built:
                self._draw_balance()  # not the last data's bars and class names
            self.balance.hide()
            return
        counts = b.info.get("counts", {})
        task = {"classification": f"{b.num_classes} classes", "binary": "binary",
                "regression": "regression"}[b.task]
        self.summary.setText(f"{len(b):,} samples: {counts.get('train', 0):,} train, "
                             f"{counts.get('val', 0):,} val, {counts.get('test', 0):,} test. "
                             f"Task: {task}. Targets {list(b.target_shape) or 'class index'}."
                             + _table_note(b.info, b.target_scale))
        self._balance_counts = (b.info.get("class_balance") or {}).get("train") or None
        if self.balance.is_built:
            self._draw_balance()
        self.balance.setVisible(bool(self._balance_counts))

    def _show_scale_target(self, b) -> None:
        """The box applies to a regression target only: for a class it is greyed, saying why
        (not hidden: the rows below would jump as the target changes)."""
        applies = b is None or b.task == "regression"
        self.scale_target.setEnabled(applies)
        self.scale_target.setToolTip(SCALE_TIP if applies else (
            f"Not used: the target is a class ({b.task}); only a numeric regression target "
            "is standardised"))

    def _build_balance(self):
        import pyqtgraph as pg

        graphics = style.layout_widget()
        self._balance_plot = style.style_plot(graphics.addPlot(), "Class balance (train)")
        self._balance_bars = pg.BarGraphItem(x=[], height=[], width=0.7, brush=style.TRAIN)
        self._balance_plot.addItem(self._balance_bars)
        self._draw_balance()
        return graphics

    @property
    def balance_plot(self):
        self.balance.content()
        return self._balance_plot

    def _draw_balance(self) -> None:
        counts = self._balance_counts or {}
        names = list(counts)
        self._balance_bars.setOpts(x=list(range(len(names))), height=list(counts.values()))
        ticks = [list(enumerate(names))] if 0 < len(names) <= 20 else None
        self._balance_plot.getAxis("bottom").setTicks(ticks)

    def _show_table(self, b: DataBundle) -> None:
        rows, columns = b.preview(PREVIEW_ROWS)
        self.preview.setCurrentWidget(self.views)
        profile = b.info.get("columns")
        self.views.setTabVisible(0, bool(profile))
        if profile:
            self.columns.show_columns(profile, self.document.project.data or {})
        else:
            self.views.setCurrentWidget(self.table)
        if len(columns) > PREVIEW_COLUMNS:  # the first columns and the last one; the
            keep = [*range(PREVIEW_COLUMNS - 1), len(columns) - 1]  # column table has all
            columns = [columns[i] for i in keep]
            rows = [[row[i] for i in keep] for row in rows]
        self.table.show_rows(columns, rows)

    def _show_thumbnails(self, b: DataBundle) -> None:
        self.preview.setCurrentWidget(self.thumbs)
        self.thumbs.show_bundle(b)


def _table_note(info: dict, target_scale: dict | None = None) -> str:
    """What the tab did to a table's columns and missing cells, in one or two sentences."""
    columns, missing = info.get("columns"), info.get("missing") or {}
    if not columns:
        return ""
    used = sum(c["role"] == "feature" or c.get("features", 0) > 0 for c in columns)
    ignored = sum(c["role"] == "ignored" for c in columns)
    text = f" {used} feature columns, {ignored} ignored."
    if info.get("tokens"):
        t = info["tokens"]
        text += (f' "{t["column"]}" is read as {t["length"]} word ids per row, vocabulary '
                 f'{t["vocabulary"]} (<pad> 0, <unk> 1): an Embedding needs num_embeddings '
                 f'of at least {t["vocabulary"]}.')
    if target_scale:
        text += f" The {target_scale_text(target_scale)}."
    if info.get("window"):
        h = info["horizon"]
        text += (f" Each sample is a window of {info['window']} rows in file order, its target "
                 f"{h} row{'' if h == 1 else 's'} after it; split in time order"
                 f" ({info['rows']:,} rows).")
    if missing.get("cells"):
        how = {"impute": "filled in", "drop": "their rows dropped", "error": "refused"}
        text += (f" {missing['cells']} missing cells in {missing['rows']} rows "
                 f"({how.get(missing['policy'], missing['policy'])}).")
    if missing.get("target_rows_dropped"):
        text += f" {missing['target_rows_dropped']} rows without a target dropped."
    return text
