"""A tiny Qt-free event emitter: an `Event` holds callbacks, `emit` calls them in order.

In the manner of napari's EmitterGroup, a model declares its events as `Event` attributes of an
`Events` group; the Qt adapter connects each one to a Qt signal of the same name."""

from __future__ import annotations

from collections.abc import Callable


class Event:
    def __init__(self, name: str):
        self.name = name
        self._callbacks: list[Callable] = []

    def connect(self, callback: Callable) -> None:
        if callback not in self._callbacks:
            self._callbacks.append(callback)

    def disconnect(self, callback: Callable) -> None:
        if callback in self._callbacks:
            self._callbacks.remove(callback)

    def emit(self, *args) -> None:
        for callback in list(self._callbacks):  # a callback may disconnect itself
            callback(*args)

    def __repr__(self) -> str:
        return f"<Event {self.name}: {len(self._callbacks)} listeners>"


class Events:
    """A group of events declared by name: `Events("changed", "moved").moved.connect(f)`."""

    def __init__(self, *names: str):
        self.names = names
        for name in names:
            setattr(self, name, Event(name))

    def __iter__(self):
        return (getattr(self, name) for name in self.names)
