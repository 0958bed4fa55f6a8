"""The training runtime: torch and the standard library only.

The app's Trainer drives it, and the Python export copies these files verbatim beside model.py,
so the app and the exported train.py run the same code. Nothing here imports netbuilder."""
