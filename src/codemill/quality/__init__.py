"""Quality of SFT pairs: separate components in [0, 1], each a pure function, and their logistic combination.

- `specificity(instruction)`: does the message name concrete code and a behaviour?
- `coherence(instruction, files)`: is the diff one focused change that the message describes?
- `tests_signal(files)`: did tests change with the code?
- `label_signal(labels)`: what issue/PR labels say (None: no evidence).
- `author_signal(stats)`: the author's standing in the repository (`author_stats` computes it from commits).
- `self_contained(instruction)`: can it be acted on without history the model never sees?
- `payload(files)`: how much of the response is hand-written code rather than data, assets or generated files.
- `code_work`: the category model's probability that the change is code work (from `codemill.categorize`).
- `combine` / `score_pair`: the logistic score over the components; `fit_weights` / `evaluate` fit and measure it.

Components are stored apart from the combined score so a ranking can be re-weighted without re-scoring.
"""

from typing import TYPE_CHECKING

from codemill.lazy import lazy_exports

if TYPE_CHECKING:
    from codemill.quality.authors import AuthorStats, author_signal, author_stats
    from codemill.quality.coherence import FileChange, coherence
    from codemill.quality.fit import evaluate, fit_weights
    from codemill.quality.label_signal import label_signal
    from codemill.quality.payload import payload
    from codemill.quality.score import Quality, combine, components, score_pair
    from codemill.quality.self_contained import self_contained
    from codemill.quality.specificity import specificity
    from codemill.quality.tests_signal import tests_signal
    from codemill.quality.weights import COMPONENTS, Weights

__all__ = [
    "COMPONENTS", "AuthorStats", "FileChange", "Quality", "Weights", "author_signal", "author_stats", "coherence",
    "combine", "components", "evaluate", "fit_weights", "label_signal", "payload", "score_pair", "self_contained",
    "specificity", "tests_signal",
]

__getattr__, __dir__ = lazy_exports(__name__, __file__)  # imported when first used (`codemill.lazy`)
