"""Signals of real-world use of a repository (history, authors, tests, CI, packaging, forks and mirrors),
computed from the repository alone, as plain columns for the `repos` stage and a decision stage."""

from codemill.signals.compute import SIGNALS_SCHEMA, Signals, compute_signals

__all__ = ["SIGNALS_SCHEMA", "Signals", "compute_signals"]
