"""Errors that a user can read: each names the node (and field) at fault."""

from __future__ import annotations


class ProjectError(Exception):
    """A problem with a project, tied to the node(s) and field at fault where there is one."""

    def __init__(self, message: str, node: str | None = None, field: str | None = None,
                 nodes: tuple[str, ...] = (), network: str | None = None):
        super().__init__(message)
        self.network = network  # in a project with several networks: the one at fault
        self.message = message
        self.node = node
        self.field = field
        self.nodes = tuple(nodes) or ((node,) if node else ())

    def to_dict(self) -> dict:
        out = {"node": self.node, "message": self.message}
        if self.field:
            out["field"] = self.field
        if self.network:
            out["network"] = self.network
        return out

    def __str__(self) -> str:
        return self.message


def os_error_message(exc: OSError) -> str:
    """One line naming the path and the reason, for permissions, a full disk or a path below a file."""
    path = exc.filename if exc.filename is not None else "a file"
    reason = exc.strerror or str(exc) or type(exc).__name__
    return f"The file system refused {path}: {reason}."


class ShapeError(ValueError):
    """Raised by a layer's shape rule; the caller ties it to the node."""
