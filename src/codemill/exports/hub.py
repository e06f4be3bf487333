"""The YAML header of every dataset card, made with `huggingface_hub`'s card classes and keyed by content.

`datasets.load_dataset(folder)` caches a local folder under a hash of the card's `configs` and `dataset_info`,
not of the files: two runs whose folders share a name (every export's is `hf`) and file patterns were served
each other's rows. So each config's `description` names a digest of its data files' checksums, and
`dataset_info` gives each split's rows and bytes: a folder's cache entry changes with its content.

The license is the Hub's id when every row carries one license the Hub knows, `other` otherwise.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatch

from huggingface_hub import DatasetCardData

from codemill.engine.artifacts import Artifact

# SPDX ids the Hub lists as license ids (lower-cased there).
HUB_LICENSES = frozenset({
    "0BSD", "AFL-3.0", "AGPL-3.0", "Apache-2.0", "Artistic-2.0", "BSD-2-Clause", "BSD-3-Clause",
    "BSD-3-Clause-Clear", "BSL-1.0", "CC0-1.0", "CC-BY-4.0", "CC-BY-SA-4.0", "ECL-2.0", "EPL-1.0", "EPL-2.0",
    "EUPL-1.1", "GPL-2.0", "GPL-3.0", "ISC", "LGPL-2.1", "LGPL-3.0", "LPPL-1.3c", "MIT", "MPL-2.0", "MS-PL",
    "NCSA", "ODbL-1.0", "OFL-1.1", "OSL-3.0", "PDDL-1.0", "PostgreSQL", "Unlicense", "WTFPL", "Zlib",
})
SIZE_LABELS = ("n<1K", "1K<n<10K", "10K<n<100K", "100K<n<1M", "1M<n<10M", "10M<n<100M", "100M<n<1B",
               "1B<n<10B", "10B<n<100B", "100B<n<1T")


def size_category(rows: int) -> str:
    """The Hub's `size_categories` bucket for a row count."""
    return next((label for i, label in enumerate(SIZE_LABELS) if rows < 10 ** (i + 3)), "n>1T")


def hub_license(license_mix: Mapping[str, int]) -> str:
    """The Hub's license id when every row has the same license and the Hub knows it, else `other`."""
    used = [lic for lic, n in license_mix.items() if n]
    return used[0].lower() if len(used) == 1 and used[0] in HUB_LICENSES else "other"


@dataclass(frozen=True)
class HubConfig:
    """One `configs` entry: each split's file pattern (relative to the card) and the files a run wrote there."""

    name: str
    patterns: dict[str, str]  # split -> glob
    rows: dict[str, int]  # split -> rows
    files: dict[str, list[Artifact]] = field(default_factory=dict)  # split -> its data files
    default: bool = False

    def digest(self) -> str:
        blob = "\n".join(f"{split} {a.path} {a.sha256}" for split in sorted(self.files)
                         for a in sorted(self.files[split], key=lambda a: a.path))
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def configs_from(name: str, patterns: dict[str, str], rows: dict[str, int], artifacts: Sequence[Artifact],
                 folder: str, default: bool = False) -> HubConfig:
    """A config whose split files are the `artifacts` under `folder` (the card's folder, run-relative) that
    match each split's pattern."""
    prefix = folder.rstrip("/") + "/"
    files = {split: [a for a in artifacts if a.path.startswith(prefix) and fnmatch(a.path[len(prefix):], pattern)]
             for split, pattern in patterns.items()}
    return HubConfig(name, patterns, rows, files, default)


def card_header(title: str, tags: Sequence[str], configs: Sequence[HubConfig], rows: int,
                license_mix: Mapping[str, int]) -> str:
    """The `---`-delimited YAML header (see the module docstring)."""
    entries, infos = [], []
    for c in (c for c in configs if c.patterns):  # a config without files would point loaders at nothing
        entry: dict = {"config_name": c.name}
        if c.default:
            entry["default"] = True
        entry["description"] = f"codemill content {c.digest()}"  # the `datasets` cache key follows the files
        entry["data_files"] = [{"split": split, "path": pattern} for split, pattern in c.patterns.items()]
        entries.append(entry)
        size = {split: sum(a.bytes for a in c.files.get(split, [])) for split in c.patterns}
        infos.append({"config_name": c.name,
                      "splits": [{"name": s, "num_examples": c.rows.get(s, 0), "num_bytes": size[s]}
                                 for s in c.patterns],
                      "download_size": sum(size.values()), "dataset_size": sum(size.values())})
    data = DatasetCardData(
        license=hub_license(license_mix), pretty_name=title, task_categories=["text-generation"],
        size_categories=[size_category(rows)], tags=list(tags), configs=entries or None,
        dataset_info=(infos[0] if len(infos) == 1 else infos) if infos else None)
    return f"---\n{data.to_yaml()}\n---\n"
