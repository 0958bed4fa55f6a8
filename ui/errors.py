"""How the app shows a user's mistake, in one place: the paragraph of one error, or one bullet
per problem of an invalid project (at most `limit`). Where the mistake is (node, field, file,
row, column) is the error's own (netbuilder.errors.UserError); the Problems list marks nodes
from it."""

from __future__ import annotations

from netbuilder.errors import errors_of


def error_text(err: BaseException, limit: int = 12) -> str:
    errors = errors_of(err)
    if len(errors) == 1:
        return errors[0].message
    more = len(errors) - limit
    return "\n".join(f"• {e.message}" for e in errors[:limit]) + (f"\n• … and {more} more" if more > 0 else "")
