"""Entry point of the GUI: `netbuilder gui [PROJECT] [--screenshot OUT.png]`."""

from __future__ import annotations

import gc
import os
import sys

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox


def _application() -> QApplication:
    app = QApplication.instance()
    if app is None:
        QCoreApplication.setOrganizationName("NetBuilder")
        QCoreApplication.setApplicationName("NetBuilder")
        app = QApplication(sys.argv[:1])
    return app


def render_screenshot(window, out: str) -> bool:
    """Lay out the window offscreen at its size, fit the graph, and save a PNG."""
    app = QApplication.instance()
    window.show()
    for _ in range(3):
        app.processEvents()
    window.canvas.fit_all()
    app.processEvents()
    return window.grab().save(out)


def main(project_path: str | None = None, screenshot: str | None = None) -> int:
    if screenshot and "QT_QPA_PLATFORM" not in os.environ and not os.environ.get("DISPLAY"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    app = _application()
    from .training.threads import reserve_cores_for_training

    reserve_cores_for_training()  # before any torch work on this thread (see threads.py)
    from netbuilder.errors import ProjectError
    from netbuilder.spec import load_project
    from netbuilder.templates import load_template, template_names

    from . import recovery, theme
    from .main_window import MainWindow
    from .plain import escape
    from .settings import settings

    # The libraries just imported (torch: about a million objects) never become garbage: frozen,
    # they are no longer walked by every collection, which halved opening a 5,000-node project.
    gc.freeze()
    # Opening a project makes objects by the hundred thousand (a 5,000-node one: its nodes, items
    # and analysis), which are all kept: collections while they are made walk them again and
    # again (0.12 s there, two full ones). Collected as usual from the first event on.
    gc.disable()
    QTimer.singleShot(0, gc.enable)
    theme.apply(app, str(settings().value("theme", "dark")))
    project, path = None, None
    if project_path:
        try:
            project, path = load_project(project_path), project_path
        except ProjectError as exc:
            if screenshot:
                print(f"netbuilder: {exc}", file=sys.stderr)
                return 1
            QMessageBox.warning(None, "Cannot open project", escape(str(exc)))
    elif "lenet5" in template_names():
        project = load_template("lenet5")
    window = MainWindow(project, path)
    if screenshot:
        window.resize(1600, 1000)
        ok = render_screenshot(window, screenshot)
        window.recovery.stop()
        window.document.undo_stack.setClean()
        window.close()
        window.deleteLater()
        return 0 if ok else 1
    window.show()
    QTimer.singleShot(0, window.canvas.fit_all)  # once the docks have their real sizes
    pending = recovery.pending()
    if pending is not None:
        window.offer_recovery(pending)
    rc = app.exec()
    return rc


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else None))
