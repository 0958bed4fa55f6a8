"""The document's edits: Qt-free undo commands, in netbuilder.app.commands."""

from netbuilder.app.commands import AddItems, Connect, DeleteItems, MoveNodes, SetFrozen, SetParam

__all__ = ["AddItems", "Connect", "DeleteItems", "MoveNodes", "SetFrozen", "SetParam"]
