"""Files shipped inside the package (templates, built-in data), found through importlib.resources
so that an installed wheel finds them as well as a checkout does."""

from __future__ import annotations

from importlib.resources import files
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.abc import Traversable  # importlib.resources.abc from Python 3.11


def resource(*parts: str) -> Traversable:
    """The shipped file or folder at resources/<parts...>."""
    node = files(__name__)
    for part in parts:
        node = node / part
    return node
