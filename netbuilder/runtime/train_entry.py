"""Train the model as NetBuilder does; `python train.py --help` lists the options.

The training code is the runtime/ package beside this file (a verbatim copy of the one the
app runs), configured by train_config.json; model.py holds the network."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # model.py and runtime/ also under `python -I` (no script dir)

from model import Model
from runtime.script import run

if __name__ == "__main__":
    run(Model, HERE)
