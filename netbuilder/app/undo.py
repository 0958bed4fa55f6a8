"""The undo stack, as plain Python: commands with `redo`/`undo`, merging, macros and a clean state.

It follows QUndoStack's rules, so the Qt adapter only re-emits its events: `push` runs the
command, a command pushed on top of one with the same `merge_id` may merge into it (never into
the saved state), and the commands pushed between `begin_macro` and `end_macro` undo as one."""

from __future__ import annotations

from .events import Events


class Command:
    """One undoable edit. `merge_id` other than None lets consecutive edits merge (`merge`)."""

    text = ""
    merge_id: int | None = None

    def redo(self) -> None:
        raise NotImplementedError

    def undo(self) -> None:
        raise NotImplementedError

    def merge(self, other: Command) -> bool:
        """Take in `other` (already done) as part of this command; False when it cannot."""
        return False


class Macro(Command):
    def __init__(self, text: str):
        self.text = text
        self.children: list[Command] = []

    def redo(self) -> None:
        for c in self.children:
            c.redo()

    def undo(self) -> None:
        for c in reversed(self.children):
            c.undo()


class UndoStack:
    """Commands before `index` are done; `clean_index` is the saved state (-1: no longer reachable)."""

    def __init__(self):
        self.commands: list[Command] = []
        self.index = 0
        self.clean_index = 0
        self._macros: list[Macro] = []
        # index_changed(index): after every push, undo, redo and clear; clean_changed(clean)
        self.events = Events("index_changed", "clean_changed")

    # --- queries ---------------------------------------------------------------------------------
    def count(self) -> int:
        return len(self.commands)

    def is_clean(self) -> bool:
        return not self._macros and self.index == self.clean_index

    def can_undo(self) -> bool:
        return not self._macros and self.index > 0

    def can_redo(self) -> bool:
        return not self._macros and self.index < len(self.commands)

    def undo_text(self) -> str:
        return self.commands[self.index - 1].text if self.can_undo() else ""

    def redo_text(self) -> str:
        return self.commands[self.index].text if self.can_redo() else ""

    # --- changes ---------------------------------------------------------------------------------
    def push(self, command: Command) -> None:
        command.redo()
        if self._macros:
            self._add(self._macros[-1].children, command)
            return
        was_clean = self.is_clean()
        del self.commands[self.index:]
        if self.clean_index > self.index:
            self.clean_index = -1  # the saved state was undone and is now overwritten
        top = self.commands[-1] if self.commands else None
        if not (top is not None and self.index != self.clean_index and self._merged(top, command)):
            self.commands.append(command)
        self.index = len(self.commands)
        self._changed(was_clean)

    @staticmethod
    def _merged(top: Command, command: Command) -> bool:
        return command.merge_id is not None and top.merge_id == command.merge_id and top.merge(command)

    def _add(self, children: list[Command], command: Command) -> None:
        if not (children and self._merged(children[-1], command)):
            children.append(command)

    def undo(self) -> None:
        if self.can_undo():
            was_clean = self.is_clean()
            self.index -= 1
            self.commands[self.index].undo()
            self._changed(was_clean)

    def redo(self) -> None:
        if self.can_redo():
            was_clean = self.is_clean()
            self.commands[self.index].redo()
            self.index += 1
            self._changed(was_clean)

    def begin_macro(self, text: str) -> None:
        self._macros.append(Macro(text))

    def end_macro(self) -> None:
        macro = self._macros.pop()
        if self._macros:
            self._macros[-1].children.append(macro)
            return
        was_clean = self.index == self.clean_index
        del self.commands[self.index:]
        if self.clean_index > self.index:
            self.clean_index = -1
        self.commands.append(macro)
        self.index = len(self.commands)
        self._changed(was_clean)

    def set_clean(self) -> None:
        was_clean = self.is_clean()
        self.clean_index = self.index
        self._changed(was_clean, index=False)

    def clear(self) -> None:
        was_clean = self.is_clean()
        self.commands, self.index, self.clean_index, self._macros = [], 0, 0, []
        self._changed(was_clean)

    def _changed(self, was_clean: bool, index: bool = True) -> None:
        if index:
            self.events.index_changed.emit(self.index)
        if self.is_clean() != was_clean:
            self.events.clean_changed.emit(self.is_clean())
