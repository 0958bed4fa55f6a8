"""The progress line of a long experiment: how far, and about how long is left."""

from __future__ import annotations


def eta_text(done: int, total: int, eta: float | None, unit: str) -> str:
    left = "" if eta is None else (f", about {eta:.0f} s left" if eta < 120 else
                                   f", about {eta / 60:.0f} min left")
    return f"{done} of {total} {unit}{left}"
