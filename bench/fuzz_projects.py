"""A fuzz campaign over project files: mutated templates through validate, summary, compile and export.

    python bench/fuzz_projects.py 2000 [--seed 0] [--no-export] [--keep DIR] [--train N]
    python bench/fuzz_projects.py 250 --seed 0 --skip 250 --json part2.json   # inputs 250-499 of seed 0

A long campaign can run in chunks (--skip, one short process each, so that it does not hold the
machine for half an hour); --json writes the chunk's counts for adding up.

Prints the inputs tried, how many were valid, the refusals by kind, and the crashes (an exception
or a disagreement between the steps), hangs (an input over --slow seconds) and internal-error lines,
all of which must be 0. The suite runs the same checks on a few dozen inputs (tests/test_fuzz_projects.py).
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.project_fuzz import INTERNAL, TEMPLATES, mutate, refusal_kind, run_steps, train_one_epoch, write_doc


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("count", type=int)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-export", action="store_true")
    parser.add_argument("--slow", type=float, default=10.0, help="seconds after which an input counts as a hang")
    parser.add_argument("--keep", metavar="DIR", help="copy each failing input there")
    parser.add_argument("--train", type=int, default=0, metavar="N",
                        help="also train valid inputs for one epoch until N have trained (validate must not accept "
                             "what train refuses, except for the reason of a warning it gave, e.g. no data)")
    parser.add_argument("--skip", type=int, default=0, metavar="K",
                        help="start after the seed's first K inputs (a campaign in chunks)")
    parser.add_argument("--json", metavar="FILE", help="also write the counts there")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    for _ in range(args.skip):
        mutate(rng)
    counts: collections.Counter = collections.Counter()
    refusals: collections.Counter = collections.Counter()
    problems: list[str] = []
    slowest = (0.0, "")
    signal.signal(signal.SIGALRM, _alarm)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        write_doc(mutate(random.Random(-1), TEMPLATES[0], steps=1).doc, tmp / "warm.json")
        run_steps(tmp / "warm.json", tmp, export=not args.no_export)  # imports are not the inputs' time
        start = time.perf_counter()
        for i in range(args.skip, args.skip + args.count):
            mutated = mutate(rng)
            path = tmp / "p.json"
            write_doc(mutated.doc, path)
            label = f"#{i} {mutated.template} {mutated.changes}"
            t0 = time.perf_counter()
            kind, took = "", 0.0
            signal.alarm(int(args.slow * 12) + 120)  # a true hang is cut off and counted
            try:
                outcome = run_steps(path, tmp, export=not args.no_export)
                took = time.perf_counter() - t0  # training, when asked for, is not counted
                if outcome.valid and counts["trained"] < args.train:
                    warned = train_one_epoch(path, tmp, outcome.warned)
                    counts["refused as validate warned" if warned else "trained"] += 1
            except Hang:
                kind, outcome = "hang", None
            except AssertionError as exc:
                kind, outcome = ("internal error" if INTERNAL in str(exc) else "disagreement"), None
                label += f": {str(exc)[:300]}"
            except Exception as exc:  # noqa: BLE001 - what the campaign is looking for
                kind, outcome = "crash", None
                label += f": {type(exc).__name__}: {str(exc)[:300]}"
            finally:
                signal.alarm(0)
            took = took if outcome is not None else time.perf_counter() - t0
            slowest = max(slowest, (took, label))
            if outcome is not None and took > args.slow:
                kind = "hang"
            if outcome is None or kind == "hang":
                counts[kind] += 1
                problems.append(f"{kind} ({took:.1f} s) {label}")
                if args.keep:
                    Path(args.keep).mkdir(parents=True, exist_ok=True)
                    shutil.copy(path, Path(args.keep) / f"{i}.json")
                continue
            counts["valid" if outcome.valid else "refused"] += 1
            if outcome.valid:
                counts["exported"] += outcome.exported
            else:
                refusals[refusal_kind(outcome.refusal)] += 1
        elapsed = time.perf_counter() - start
    print(f"inputs tried: {args.count} (seed {args.seed}{f', from input {args.skip}' if args.skip else ''}, "
          f"{elapsed:.0f} s, slowest {slowest[0]:.2f} s)")
    print(f"valid: {counts['valid']} (exported {counts['exported']}, trained one epoch {counts['trained']}, "
          f"train refused as validate warned {counts['refused as validate warned']}), refused: {counts['refused']}")
    for kind in ("crash", "hang", "internal error", "disagreement"):
        print(f"{kind}{'es' if kind == 'crash' else 's'}: {counts[kind]}")
    print(f"refusals by kind ({len(refusals)} kinds, top 25):")
    for kind, n in refusals.most_common(25):
        print(f"  {n:6d}  {kind}")
    for line in problems[:30]:
        print("PROBLEM", line)
    if args.json:
        Path(args.json).write_text(json.dumps({
            "seed": args.seed, "skip": args.skip, "inputs": args.count, "seconds": elapsed,
            "slowest": slowest, "counts": counts, "refusals": refusals, "problems": problems}), encoding="utf-8")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
