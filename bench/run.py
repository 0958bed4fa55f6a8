"""Run every benchmark in bench/ (each prints its own figures and ratios)."""

import pathlib
import runpy
import sys

if __name__ == "__main__":
    here = pathlib.Path(__file__).resolve().parent
    sys.path.insert(0, str(here.parent))
    chosen = sys.argv[1:] or sorted(p.stem for p in here.glob("bench_*.py"))
    for name in chosen:
        print(f"== {name}")
        sys.argv = [str(here / f"{name}.py")]  # each bench parses its own options
        runpy.run_path(sys.argv[0], run_name="__main__")
