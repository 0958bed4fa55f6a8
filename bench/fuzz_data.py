"""A longer campaign of the data-file fuzz test (tests/test_data_fuzz.py), with counts:
python -m bench.fuzz_data [N]  -> inputs tried, loads, refusals by message kind, other errors."""

from __future__ import annotations

import collections
import re
import sys
import tempfile
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from netbuilder.data import DataError, load_data
from tests.test_data_fuzz import csv_files


def main(n: int = 500) -> None:
    counts, other, slowest = collections.Counter(), [], [0.0]

    @settings(max_examples=n, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(csv_files())
    def run(case):
        data, spec, loss = case
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "f.csv").write_bytes(data)
            start = time.perf_counter()
            try:
                load_data({"kind": "csv", "path": "f.csv", **spec}, Path(tmp), loss)
                counts["loaded"] += 1
            except DataError as err:
                kind = re.sub(r'"[^"]*"|\S*f\.csv|\d+', "_", str(err))[:60]
                counts[f"refused: {kind}"] += 1
            except Exception as err:  # noqa: BLE001 - what this campaign looks for
                other.append(f"{type(err).__name__}: {err}")
            slowest[0] = max(slowest[0], time.perf_counter() - start)

    run()
    total = sum(counts.values()) + len(other)
    print(f"{total} CSV inputs: {counts['loaded']} loaded, {total - counts['loaded'] - len(other)} "
          f"refused with a DataError, {len(other)} other exceptions; slowest {slowest[0]:.2f} s")
    for kind, c in counts.most_common(15):
        print(f"  {c:5d}  {kind}")
    for line in other[:10]:
        print("  OTHER", line)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
