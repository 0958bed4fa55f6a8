"""Errors that a user can read. Each is a UserError: one paragraph (`message`) and where the
mistake is, as absolute locations (node, field, path, row, column), so that every caller can
show or point at it without rebuilding anything."""

from __future__ import annotations

# Machine-readable codes for refusals a script may want to act on (`"code"` in --json):
NO_DATA = "no_data"  # the project has no data section: train needs --data (validate warns of it)


class UserError(Exception):
    """A mistake the user can fix. `field` is a dotted path from the project's top
    ("training.optimizer.lr", "data", "out_features" of `node`); `path` a file, `row` 1-based
    as a spreadsheet counts (the header is row 1), `column` a column's name; `code` one of the
    codes above, for scripts."""

    def __init__(self, message: str, *, node: str | None = None, field: str | None = None,
                 path: str | None = None, row: int | None = None, column: str | None = None,
                 network: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.node, self.field, self.network = node, field, network
        self.path, self.row, self.column, self.code = path, row, column, code

    def to_dict(self) -> dict:
        """The error as `--json` carries it: "message", and "node" (null when none), then each
        other location that is set."""
        out = {"node": self.node, "message": self.message}
        for key, kind in (("field", str), ("network", str), ("path", str), ("row", int), ("column", str),
                          ("code", str)):
            if getattr(self, key, None) is not None:  # plain JSON values (a Path, a numpy integer...)
                out[key] = kind(getattr(self, key))
        return out

    def __str__(self) -> str:
        return self.message


class ProjectError(UserError):
    """A problem with a project, tied to the node(s) and field at fault where there is one."""

    def __init__(self, message: str, node: str | None = None, field: str | None = None,
                 nodes: tuple[str, ...] = (), network: str | None = None, code: str | None = None):
        super().__init__(message, node=node, field=field or None, network=network or None, code=code)
        self.nodes = tuple(nodes) or ((node,) if node else ())


def errors_of(err: BaseException | str) -> list[UserError]:
    """The user errors one refusal holds: an invalid project holds one per problem; anything
    else (a sentence, another exception) becomes one UserError with its text."""
    if not isinstance(err, UserError):
        return [UserError(str(err))]
    return list(getattr(err, "errors", None) or [err])


def as_problem(err: UserError) -> ProjectError:
    """A user error as one of the project's problems (validate's list, the app's Problems tab),
    with every location it has."""
    if isinstance(err, ProjectError):
        return err
    problem = ProjectError(err.message, node=err.node, field=err.field, network=err.network, code=err.code)
    problem.path, problem.row, problem.column = err.path, err.row, err.column
    return problem


class TrainError(UserError, ValueError):
    """A training problem explained for the user (a bad setting, a NaN loss...). `field` is
    where in the project it lies, e.g. "training.optimizer.lr"."""

    def __init__(self, message: str, field: str | None = None, path: str | None = None):
        super().__init__(message, field=field, path=path)


def os_error_message(exc: OSError) -> str:
    """One line naming the path and the reason, for permissions, a full disk or a path below a file."""
    path = exc.filename if exc.filename is not None else "a file"
    reason = exc.strerror or str(exc) or type(exc).__name__
    return f"The file system refused {path}: {reason}."


class ShapeError(ValueError):
    """Raised by a layer's shape rule; the caller ties it to the node."""
