"""How every `netbuilder` command reports a user's mistake, in one place.

Text: one `error: ...` line per error on stderr. With --json: one object on stdout,
`{"error": the first message, "errors": [each error with its locations], "code": ...}` (the
code only where the error has one), plus the command's own keys (validate's "valid" and
"warnings"). An error's locations (node, field, path, row, column, network) are its own
(netbuilder.errors.UserError.to_dict): nothing here rebuilds them."""

from __future__ import annotations

import json
import sys

from .errors import UserError, errors_of


def fail(err: UserError | str, as_json: bool, **keys) -> int:
    """Report `err` (a UserError, or a plain sentence) and return the exit status, 1."""
    errors = errors_of(err)
    for e in errors:
        print(f"error: {e.message}", file=sys.stderr)
    if as_json:
        first = errors[0]
        out = {**keys, "error": err.message if isinstance(err, UserError) else str(err),
               "errors": [e.to_dict() for e in errors]}
        if getattr(first, "code", None):
            out["code"] = first.code
        sys.stdout.write(json.dumps(out) + "\n")
    return 1

