"""A section edit (`training`, `data`) as one undo step: Qt-free, in netbuilder.app.commands."""

from netbuilder.app.commands import SetSection, set_section

__all__ = ["SetSection", "set_section"]
