"""Import rules read from the source, without running it, so lazy imports inside functions count
too: the core (`netbuilder/`) never imports Qt, pyqtgraph or the GUI package, and the files the
export copies into a bundle (the runtime, the preprocessing it applies) import only torch and the
standard library."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parent.parent / "netbuilder"
GUI_MODULES = {"PySide6", "shiboken6", "pyqtgraph", "ui"}
GUI_ENTRY = CORE / "cli.py"  # `netbuilder gui` is the one place the core hands over to the GUI package
# copied verbatim beside the exported model.py, which must run with torch alone
BUNDLED = sorted((CORE / "runtime").glob("*.py")) + [CORE / "data" / "plan_apply.py"]
BUNDLE_MODULES = {"torch", "model", "runtime"}  # the bundle's own model.py and runtime package


def imported_roots(path: Path) -> dict[str, int]:
    """Top-level names of every absolute import in a file, with the first line each is on."""
    roots: dict[str, int] = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            roots.setdefault(name.split(".")[0], node.lineno)
    return roots


def test_the_rule_sees_imports_inside_functions(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("import os\ndef later():\n    from PySide6.QtCore import QTimer\n    from . import sibling\n")
    assert imported_roots(probe) == {"os": 1, "PySide6": 3}


def violations(paths, allowed) -> list[str]:
    return [f"{path.relative_to(CORE.parent)}:{line} imports {name}"
            for path in paths for name, line in imported_roots(path).items() if not allowed(name)]


def test_the_core_never_imports_the_gui():
    core = [p for p in sorted(CORE.rglob("*.py")) if p != GUI_ENTRY]
    assert violations(core, lambda name: name not in GUI_MODULES) == []
    assert violations([GUI_ENTRY], lambda name: name not in GUI_MODULES - {"ui"}) == []


def test_bundled_files_import_only_torch_and_the_standard_library():
    assert BUNDLED[0].exists()
    allowed = lambda name: name in BUNDLE_MODULES or name in sys.stdlib_module_names
    assert violations(BUNDLED, allowed) == []
