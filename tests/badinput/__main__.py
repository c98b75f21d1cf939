"""``python -m tests.badinput``: run the whole corpus, print its size, tally and the cases that
are not clean."""

import collections
import os
import tempfile
import time
from pathlib import Path

from tests.badinput.corpus import all_cases
from tests.badinput.runner import check

os.environ.setdefault("KAMSIM_MAX_MEMORY", "4G")
start = time.perf_counter()
cases = all_cases()
tally: collections.Counter = collections.Counter()
tmp = tempfile.TemporaryDirectory()
for case in cases:  # one tree, each case writing the files it reads over it
    wrong = check(case, Path(tmp.name))
    tally[(case.kind, not wrong)] += 1
    for w in wrong:
        print(f"NOT CLEAN {case.name}: {w}")
clean = sum(n for (_, ok), n in tally.items() if ok)
print(f"{len(cases)} cases: {clean} clean, {len(cases) - clean} not clean "
      f"({time.perf_counter() - start:.0f} s)")
for kind in sorted({k for k, _ in tally}):
    print(f"  {kind:16s} {tally[(kind, True)]:5d} clean {tally[(kind, False)]:4d} not")
