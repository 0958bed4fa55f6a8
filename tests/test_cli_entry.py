"""`netbuilder PROJECT.json` opens the app with that project, as desktop apps do."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from netbuilder import __version__, cli


@pytest.fixture
def opened(monkeypatch):
    calls = []
    monkeypatch.setattr(cli, "cmd_gui", lambda args: calls.append((args.project, args.screenshot)) or 0)
    return calls


def test_a_project_path_alone_opens_the_app_with_it(opened):
    assert cli.main(["my net.json"]) == 0
    assert cli.main(["lenet.json", "--screenshot", "out.png"]) == 0
    assert cli.main([]) == 0
    assert opened == [("my net.json", None), ("lenet.json", "out.png"), (None, None)]


def test_commands_and_options_still_win_over_a_path(opened, capsys):
    assert cli.main(["templates"]) == 0
    assert "lenet5" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        cli.main(["--version"])
    assert capsys.readouterr().out.strip() == f"netbuilder {__version__}"
    assert opened == []


def test_a_reader_that_leaves_early_is_no_error(tmp_path):
    """`netbuilder templates | head -3`: the pipe closes before the list is written."""
    proc = subprocess.Popen([sys.executable, "-m", "netbuilder.cli", "templates"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=tmp_path,
                            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 1 and err == ""
