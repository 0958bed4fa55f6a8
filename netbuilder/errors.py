"""Errors that a user can read: each names the node (and field) at fault."""

from __future__ import annotations

# Machine-readable codes for refusals a script may want to act on (`"code"` in --json):
NO_DATA = "no_data"  # the project has no data section: train needs --data (validate warns of it)


class ProjectError(Exception):
    """A problem with a project, tied to the node(s) and field at fault where there is one."""

    def __init__(self, message: str, node: str | None = None, field: str | None = None,
                 nodes: tuple[str, ...] = (), network: str | None = None, code: str | None = None):
        super().__init__(message)
        self.code = code  # one of the codes above, or None
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
        if self.code:
            out["code"] = self.code
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
