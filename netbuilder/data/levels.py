"""A categorical column's cells as level codes, hashed once (pandas.factorize) and then shared
by the profile (counts of all rows), the plan's fit (counts of the training rows) and the
encoding (each row's level): no other pass over the column's strings."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .plan_apply import level_key


@dataclass
class Coded:
    codes: np.ndarray  # int64 per row: an index into keys, -1 where the cell is missing
    keys: np.ndarray  # object array of str: each level as plan_apply.level_key spells it
    numeric: bool  # the column holds numbers (each distinct number spelled once)

    @classmethod
    def of(cls, col) -> "Coded":
        import pandas as pd

        codes, uniques = pd.factorize(col)
        numeric = col.dtype.kind in "iufb"
        if not numeric:
            return cls(codes, np.asarray(uniques.astype(str), dtype=object), False)
        # 3 and 3.0 are one level "3": codes of numbers that spell alike are merged
        spelled = np.array([level_key(float(v)) for v in uniques], dtype=object)
        merged, keys = pd.factorize(spelled)
        codes = np.append(merged, -1)[codes]  # -1 (missing) picks the appended -1
        return cls(codes, np.asarray(keys, dtype=object), True)

    def take(self, rows: np.ndarray) -> "Coded":
        return Coded(self.codes[rows], self.keys, self.numeric)

    def counts(self, rows: np.ndarray | None = None):
        """The levels of `rows` (all when None) and their counts, as Series.value_counts()
        of those cells gives them: most frequent first, ties in order of first appearance."""
        import pandas as pd

        codes = self.codes if rows is None else self.codes[rows]
        present = codes[codes >= 0]
        tally = np.bincount(present, minlength=len(self.keys))
        seen = np.flatnonzero(tally)
        if len(np.unique(tally[seen])) < len(seen):  # a tie: the first to appear goes first
            seen = pd.factorize(present)[1]  # the codes in order of first appearance
        counts = pd.Series(tally[seen], index=pd.Index(self.keys[seen], dtype=object))
        return counts.sort_values(ascending=False, kind="stable")

    def missing(self, rows: np.ndarray | None = None) -> int:
        codes = self.codes if rows is None else self.codes[rows]
        return int(np.count_nonzero(codes < 0))
