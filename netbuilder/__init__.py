"""NetBuilder's engine: project documents, layer types, validation, shapes, compiler (no Qt)."""

__version__ = "0.1.0"
