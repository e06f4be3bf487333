"""What a stage's outputs are judged current by, besides its inputs: the version of its code and the digest of
the config sections it reads.

Apart from `engine.stage` (which needs pyarrow to write parts) so that `codemill status` can judge a built-in
stage read from its source (`stages.index.StageInfo`) exactly as the `Stage` class it describes: both answer
through the functions below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from codemill.ids import digest_json

if TYPE_CHECKING:
    from codemill.config import Config


class Fingerprinted(Protocol):
    """A stage as status judges it: a `Stage` class, or a built-in read from its source."""

    @property
    def name(self) -> str: ...

    @property
    def upstream(self) -> tuple[str, ...]: ...

    def code_version(self) -> str: ...

    def sections(self) -> tuple[str, ...]: ...

    def config_digest(self, config: Config) -> str: ...


def sections(name: str, section_name: str | None, also_reads: tuple[str, ...]) -> tuple[str, ...]:
    """The config sections a stage reads: its own (named like it unless `section_name` says otherwise; "" for
    none) and `also_reads`."""
    own = name if section_name is None else section_name
    return tuple(s for s in (own, *also_reads) if s)


def config_digest(config: Config, sections: tuple[str, ...], keys: tuple[str, ...] = ()) -> str:
    """The digest of the sections a stage reads, or of only the `section.key`s it reads when it names them."""
    if keys:
        return digest_json({key: getattr(config.section(key.partition(".")[0]), key.partition(".")[2])
                            for key in keys})
    return digest_json({name: config.section(name).digest() for name in sections})
