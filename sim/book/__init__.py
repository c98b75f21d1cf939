"""The focal supplier's own customer book (docs/BOOK.md): reading it, its features and
targets, starting a market from it, and calibrating the model against it."""
