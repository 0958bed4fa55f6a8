"""ReplaceContent: a run's or a trial's version of the project as one undo step (Qt-free, in
netbuilder.app.commands)."""

from netbuilder.app.commands import ReplaceContent

__all__ = ["ReplaceContent"]
