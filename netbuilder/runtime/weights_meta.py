"""What a weights file says about itself, in its safetensors "__metadata__" (text to text).

    netbuilder.target_scale   how the regression target was scaled for training:
                              '{"shift": [...], "scale": [...]}' (one pair per target column,
                              outputs * scale + shift are in the target's units), or "none"
                              (the target as it is: a class, data.scale_target false)

Weights carry it so that they predict in the target's units even away from the run folder's
preprocessing.json. Files written before it have no such key (unknown)."""

from __future__ import annotations

import json

TARGET_SCALE = "netbuilder.target_scale"
NOT_SCALED = "none"
UNKNOWN = "unknown"  # recorded_target_scale's answer for a file that says nothing


def weights_metadata(config: dict) -> dict[str, str]:
    """The metadata a run's weights are written with (`config`: the runtime's)."""
    scale = config.get("target_scale")
    if not scale:
        return {TARGET_SCALE: NOT_SCALED}
    return {TARGET_SCALE: json.dumps({"shift": [float(v) for v in scale["shift"]],
                                      "scale": [float(v) for v in scale["scale"]]})}


def recorded_target_scale(metadata: dict[str, str]):
    """{"shift", "scale"} the weights were trained against, None (not scaled), or UNKNOWN
    (no record, or one that cannot be read: older files, weights from elsewhere)."""
    text = metadata.get(TARGET_SCALE)
    if text == NOT_SCALED:
        return None
    try:
        value = json.loads(text) if text else None
        shift, scale = [float(v) for v in value["shift"]], [float(v) for v in value["scale"]]
    except (ValueError, TypeError, KeyError):
        return UNKNOWN
    if not shift or len(shift) != len(scale):
        return UNKNOWN
    return {"shift": shift, "scale": scale}
