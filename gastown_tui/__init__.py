"""Gas Town for Python: a town of rigs, a ledger of beads, and live agent terminals."""

__version__ = "0.1.0"
