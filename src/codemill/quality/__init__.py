"""Quality of SFT pairs: separate components in [0, 1], each a pure function, and their weighted combination.

- `specificity(instruction)`: does the message name concrete code and a behaviour?
- `coherence(instruction, files)`: is the diff one focused change that the message describes?
- `tests_signal(files)`: did tests change with the code?
- `label_signal(labels)`: what issue/PR labels say (None: no evidence).
- `author_signal(stats)`: the author's standing in the repository (`author_stats` computes it from commits).
- `combine` / `score_pair`: the weighted mean over present components; `fit_weights` / `evaluate` calibrate
  and measure it on labelled pairs.

Components are stored apart from the combined score so a ranking can be re-weighted without re-scoring.
"""

from codemill.quality.authors import AuthorStats, author_signal, author_stats
from codemill.quality.calibrate import evaluate, fit_weights
from codemill.quality.coherence import FileChange, coherence
from codemill.quality.labels import label_signal
from codemill.quality.score import COMPONENTS, Quality, Weights, combine, score_pair
from codemill.quality.specificity import specificity
from codemill.quality.tests_signal import tests_signal

__all__ = [
    "COMPONENTS", "AuthorStats", "FileChange", "Quality", "Weights", "author_signal", "author_stats", "coherence",
    "combine", "evaluate", "fit_weights", "label_signal", "score_pair", "specificity", "tests_signal",
]
