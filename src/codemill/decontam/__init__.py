"""Decontamination: drop training texts that contain benchmark prompts or solutions.

- `benchmarks`: `BenchmarkItem` and `load_benchmarks` (built-in HumanEval, JSONL files of the common schemas).
- `matcher`: `Decontaminator.match` (normalised exact substring, then verified token n-grams) and `digest`.
"""

from codemill.decontam.benchmarks import BenchmarkItem, BenchmarkLoadError, added_blocks, load_benchmarks, load_jsonl
from codemill.decontam.matcher import Decontaminator, Match, normalize, tokens

__all__ = [
    "BenchmarkItem",
    "BenchmarkLoadError",
    "Decontaminator",
    "Match",
    "added_blocks",
    "load_benchmarks",
    "load_jsonl",
    "normalize",
    "tokens",
]
