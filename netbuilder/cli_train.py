"""`netbuilder train PROJECT [...] [--json]`: the GUI's training run, headless.

stdout carries only the result (one JSON object with --json); progress goes to stderr, so
`netbuilder train p.json --json | jq` works. Exit 0 when the run finished (or was stopped by
early stopping), 1 with a one-paragraph message for anything the user can fix."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path

from .cli_report import fail
from .errors import os_error_message
from .session import USER_ERRORS, Overrides, run_training
from .spec import load_project
from .train import Reporter
from .train.checkpoint import json_safe


def _fmt(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


STOP_FILE = "NETBUILDER_STOP_FILE"  # a path whose appearance stops the run, as Ctrl-C does


class ConsoleReporter(Reporter):
    """One line per epoch on stderr; Ctrl-C stops after the current batch, keeping the run
    (a data-parallel run after the current epoch). So does the file named by the environment
    variable NETBUILDER_STOP_FILE once it exists: the app's Stop for a run it launched."""

    def __init__(self, stream=None):
        self.stream, self.interrupted, self.started = stream, False, time.perf_counter()
        self.stop_file = os.environ.get(STOP_FILE) or None

    def _print(self, text: str) -> None:
        print(text, file=self.stream or sys.stderr, flush=True)

    def on_start(self, info: dict) -> None:
        self._print(f"training on {info['device']}: {info['n_train']} train / {info['n_val']} "
                    f"val samples, {info['params']:,} parameters, {info['epochs']} epoch{'s' * (info['epochs'] != 1)}"
                    + (f" -> {info['run_dir']}" if info.get("run_dir") else ""))
        for note in info.get("notes", []):
            self._print(f"note: {note}")

    def on_epoch(self, epoch: int, logs: dict) -> None:
        keys = ["train_loss", "val_loss"] + [k for k in logs if k.startswith("val_")
                                             and k not in ("val_loss", "val_on_train")]
        parts = [f"{k} {_fmt(logs[k])}" for k in keys if k in logs]
        flags = logs.get("grad_flags") or {}
        warn = "  [" + ", ".join(f"{k}: {v} gradient" for k, v in flags.items()) + "]" if flags else ""
        self._print(f"epoch {epoch}: " + "  ".join(parts) + f"  ({logs['epoch_time']:.2f}s)" + warn)

    def should_stop(self) -> bool:
        return self.interrupted or (self.stop_file is not None and os.path.exists(self.stop_file))

    def on_end(self, result) -> None:
        took = time.perf_counter() - self.started
        self._print(f"{result.status} after {result.epochs} epoch{'s' * (result.epochs != 1)} in {took:.1f}s"
                    + (f"; best epoch {result.best_epoch}" if result.best_epoch else ""))


_fail = fail  # the one way a command reports a user error (cli_report.py)


def run(args) -> int:
    from .runtime.distributed import world_size

    if getattr(args, "nproc_per_node", 1) < 1:
        return _fail(f"--nproc-per-node must be at least 1, got {args.nproc_per_node}.", args.json)
    if getattr(args, "nproc_per_node", 1) > 1 and world_size() == 1:
        from .cli_launch import launch

        return launch(args)
    if world_size() > 1:
        code = _run(args, rank_zero=int(os.environ.get("RANK", "0")) == 0)
        # after a finished run, gloo's threads can still abort the interpreter's own exit
        # ("terminate called without an active exception", about once in 15 runs under
        # torchrun on CPU): everything is saved, so leave without that teardown
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return _run(args)


def _run(args, rank_zero: bool = True) -> int:
    reporter = ConsoleReporter() if rank_zero else Reporter()
    if not rank_zero:  # one voice: rank 0 reports and prints the result
        args.json, sys.stdout = False, open(os.devnull, "w")  # noqa: SIM115
    previous = None
    try:
        project_path = Path(args.project)
        project = load_project(project_path)
        # Ctrl-C: finish the batch, save the run, print the result (a second Ctrl-C aborts)
        def interrupt(signum, frame):
            if rank_zero:
                reporter.interrupted = True
            signal.signal(signal.SIGINT, previous or signal.default_int_handler)
        previous = signal.signal(signal.SIGINT, interrupt)
        result = run_training(project, project_path.parent, overrides=Overrides.from_args(args),
                              out_dir=args.out, project_path=project_path, reporter=reporter,
                              resume_from=getattr(args, "resume", None),
                              on_prepared=lambda p: [reporter._print(f"note: {n}") for n in p.notes])
    except USER_ERRORS as err:
        return _fail(err, args.json)
    except MemoryError:
        return _fail("Out of memory: lower the batch size or the model's size.", args.json)
    except OSError as err:  # a read-only or full run folder: the path and the reason
        return _fail(os_error_message(err), args.json)
    except Exception as err:  # a bug of ours: still one paragraph, the trace only on request
        if os.environ.get("NETBUILDER_DEBUG"):
            raise
        return _fail(f"Training failed unexpectedly ({type(err).__name__}: {err}). Set "
                     "NETBUILDER_DEBUG=1 to see the traceback.", args.json)
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    out = json_safe(result.to_json())
    if args.json:
        sys.stdout.write(json.dumps(out) + "\n")
    else:
        metrics = "  ".join(f"{k} {_fmt(v)}" for k, v in result.metrics.items())
        print(f"epochs {result.epochs}  train_loss {_fmt(result.train_loss)}  "
              f"val_loss {_fmt(result.val_loss)}  {metrics}")
        if result.checkpoint:
            print(f"checkpoint {result.checkpoint}")
    return 0
