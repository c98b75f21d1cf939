"""``python -m tests.regression``: recompute and save the regression baseline."""

from tests.regression import BASELINE_FILE, write

write()
print(f"wrote {BASELINE_FILE}")
