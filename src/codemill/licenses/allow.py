"""The license allow-list a run keeps code under: the `[license]` section's model and its default. A module of its
own so that the config, which declares it, does not load the classifier (`licenses.policy` decides with it)."""

from __future__ import annotations

from functools import cache

from pydantic import BaseModel, ConfigDict, Field, field_validator

from codemill.licenses import expressions

DEFAULT_ALLOW = (
    "MIT", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "ISC", "0BSD", "Zlib", "Unlicense", "CC0-1.0",
    "BSL-1.0", "PSF-2.0", "Python-2.0", "MIT-0", "BSD-3-Clause-Clear", "X11", "NCSA", "UPL-1.0",
)  # fmt: skip


class LicensePolicy(BaseModel):
    """Which licenses keep a repository's (or a file's) code in the dataset.

    A plain pydantic model that rejects unknown keys, shaped like a config section so it can become one.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    allow: list[str] = Field(
        default_factory=lambda: list(DEFAULT_ALLOW),
        validate_default=True,  # defaults normalised and sorted like user values, so both digest the same
        description="SPDX ids kept; an OR is kept if any alternative is listed, an AND if every part is",
    )
    keep_missing: bool = Field(False, description="keep code for which no license was found")
    keep_unknown: bool = Field(False, description="treat licenses we cannot identify or classify as allowed")

    @field_validator("allow")
    @classmethod
    def _ids(cls, v: list[str]) -> list[str]:
        out = []
        for item in v:
            norm = expressions.normalize(item)
            if norm is None or expressions.top_operator(norm) is not None:
                raise ValueError(f"{item!r} is not a single SPDX license id")
            out.append(norm)
        return sorted(set(out), key=str.lower)

    def allows(self, key: str) -> bool:
        return key.lower() in _allowed_set(tuple(self.allow))


@cache
def _allowed_set(allow: tuple[str, ...]) -> frozenset[str]:
    return frozenset(a.lower() for a in allow)
