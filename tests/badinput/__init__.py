"""The generated bad-input corpus (``corpus.py``) and its test; ``python -m tests.badinput``
prints the corpus size and its tally (clean / not clean) with every case that is not clean."""
