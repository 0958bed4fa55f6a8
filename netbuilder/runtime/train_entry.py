"""Train the model as NetBuilder does; `python train.py --help` lists the options.

The training code is the runtime/ package beside this file (a verbatim copy of the one the
app runs), configured by train_config.json; model.py holds the network."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main():
    # model.py and runtime/ are found also under `python -I` (no script dir on sys.path)
    sys.path.insert(0, str(HERE))
    from model import Model
    from runtime.script import run

    run(Model, HERE)


if __name__ == "__main__":
    main()
