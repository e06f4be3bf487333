"""One piece of license evidence: which license, found where, by what, and how sure.

Evidence is what detectors produce and what `resolve` consumes; it is also what a stage stores next to the
resolved license, so a surprising decision can be traced to the file, field or rule behind it. Rows are plain
values (no nested objects) so they go straight into Parquet, and `sort_key` fixes an order that does not
depend on the order in which files were read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pyarrow as pa

Kind = Literal["license_file", "spdx_header", "license_header", "package_metadata"]
KINDS: tuple[Kind, ...] = ("license_file", "spdx_header", "license_header", "package_metadata")

ARROW_TYPE = pa.struct(
    [
        ("spdx", pa.string()),
        ("kind", pa.string()),
        ("path", pa.string()),
        ("detail", pa.string()),
        ("confidence", pa.float64()),
        ("span_start", pa.int64()),
        ("span_end", pa.int64()),
    ]
)


@dataclass(frozen=True)
class Evidence:
    """`spdx` is a normalised expression; `path` is repository-relative (POSIX); `span` is the matched character
    range of the file's text, or None when the evidence is not a span (e.g. a LICENSE file next to a go.mod)."""

    spdx: str
    kind: Kind
    path: str
    detail: str
    confidence: float
    span: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown evidence kind {self.kind!r}")
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"confidence {self.confidence} outside 0..1")
        object.__setattr__(self, "confidence", round(float(self.confidence), 3))

    def sort_key(self) -> tuple:
        return (self.path, self.kind, self.spdx, self.span or (-1, -1), self.detail, -self.confidence)

    def to_row(self) -> dict:
        """A flat dict matching `ARROW_TYPE`, for Parquet."""
        return {
            "spdx": self.spdx,
            "kind": self.kind,
            "path": self.path,
            "detail": self.detail,
            "confidence": self.confidence,
            "span_start": self.span[0] if self.span else None,
            "span_end": self.span[1] if self.span else None,
        }

    @property
    def directory(self) -> str:
        """The directory holding `path` ("" for the repository root)."""
        return self.path.rpartition("/")[0]


def sort_evidence(items: list[Evidence]) -> list[Evidence]:
    """Evidence sorted and de-duplicated (the canonical order of every list this package returns)."""
    return sorted(set(items), key=Evidence.sort_key)
