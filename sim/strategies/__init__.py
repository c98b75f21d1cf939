"""What suppliers decide each week: the policy seams and their defaults (``policies``), the
strategy library that hooks into them (``library``), and the one place decisions run
(``decisions``)."""
