"""Per-file view of a repository for the pretraining corpus: Linguist language and path classes, decoding,
quality signals as columns, and the published filter rules (StarCoder, StarCoder2, RefineCode) over them."""

from typing import TYPE_CHECKING

from codemill.lazy import lazy_exports

if TYPE_CHECKING:
    from codemill.files.decode import Decoded, decode
    from codemill.files.language import PathClasses, detect_language, path_classes
    from codemill.files.rules import RULE_REASONS, first_drop
    from codemill.files.signals import SIGNALS_SCHEMA, compute_signals
    from codemill.files.thresholds import QualityRules

__all__ = [
    "RULE_REASONS", "SIGNALS_SCHEMA", "Decoded", "PathClasses", "QualityRules", "compute_signals", "decode",
    "detect_language", "first_drop", "path_classes",
]

__getattr__, __dir__ = lazy_exports(__name__, __file__)  # imported when first used (`codemill.lazy`)
