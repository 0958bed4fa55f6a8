"""What `netbuilder validate` checks: every problem that summary, export or the first training step
would meet, found without training. With a data section the data is loaded as training loads it,
and the Input and the output are checked against it (as `session.prepare` does)."""

from __future__ import annotations

from pathlib import Path

from .errors import NO_DATA, ProjectError, as_problem
from .spec import Project


def settings_errors(project: Project) -> list[ProjectError]:
    """Problems in the training and data sections that need no file."""
    from .data.loader import DataError, check_spec
    from .train import TrainError, TrainSettings

    errors = []
    if project.training is not None:
        try:
            TrainSettings.from_dict(project.training)
        except TrainError as exc:  # its field is where: training.optimizer.lr
            errors.append(as_problem(exc) if exc.field else ProjectError(exc.message, field="training"))
    if project.data is not None:
        try:
            check_spec(project.data)
        except DataError as exc:
            errors.append(as_problem(exc))
    return errors


def project_warnings(project: Project) -> list[ProjectError]:
    """What leaves the project valid but stops `train` as it stands: no data to train on.
    Summary, compile and export need no data, so this is a warning, not an error."""
    if project.data is None:
        return [ProjectError("The project has no data section, so train needs --data PATH (or a data set "
                             "chosen in the Data tab); validate --data PATH checks that data "
                             "against the graph.", field="data", code=NO_DATA)]
    return []


def project_errors(project: Project, base_dir: str | Path) -> list[ProjectError]:
    """The graph's problems, the settings' problems, and (with data) where data and graph disagree."""
    from .data import DataError
    from .session import data_mismatch, fit_to_data, graph_errors, load_project_data
    from .shapes import analyze

    errors = settings_errors(project)
    bundle = None
    if project.data is not None and not errors:
        try:
            bundle = load_project_data(project, base_dir)
        except DataError as exc:
            errors.append(as_problem(exc))
        except ProjectError as exc:
            errors.append(ProjectError(exc.message, field="data"))
        else:
            project = project.copy()
            fit_to_data(project, bundle)  # what the project leaves to the data (Input shape, loss)
    analysis = analyze(project)
    found = graph_errors(project, analysis)  # every network's, in a project with several
    if bundle is not None and not found:
        mismatch = data_mismatch(project, analysis, bundle)
        errors += [mismatch] if mismatch else []
    return found + errors
