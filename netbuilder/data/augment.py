"""data.augment: checked here (a DataError naming the field); applied by the runtime's
ImageAugment, the one implementation the app and the exported train.py share."""

from __future__ import annotations

from ..runtime.augment import ImageAugment as _RuntimeAugment
from .errors import DataError

KEYS = ("flip", "crop", "rotation", "noise")


class ImageAugment(_RuntimeAugment):
    @classmethod
    def from_spec(cls, spec: dict | None) -> ImageAugment | None:
        if not spec:
            return None
        for key in spec:
            if key not in KEYS:
                raise DataError(f'data.augment has an unknown field "{key}"; expected '
                                f"{', '.join(KEYS)}.")
        return cls.from_dict(spec)
