"""The training UI: settings, data, live dashboard and evaluation over netbuilder.session.

Entry point for the main window: `from ui.training.install import install`."""
