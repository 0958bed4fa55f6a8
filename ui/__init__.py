"""NetBuilder's Qt user interface: a thin layer that turns gestures into core calls."""
