"""The Runs, Cross-validation and Search tabs (over netbuilder.experiments)."""
