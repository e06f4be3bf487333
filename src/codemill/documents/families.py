"""Special tokens and repo-level layout conventions of the model families codemill writes documents for.

Sources (checked against the published material, not guessed):

- StarCoder2 (`bigcode/starcoder2-*`): `<repo_name>`, `<file_sep>`, `<fim_prefix>`, `<fim_middle>`, `<fim_suffix>`,
  `<fim_pad>`, `<|endoftext|>`; repo layout `<repo_name>reponame<file_sep>filepath1\\ncode1<file_sep>filepath2\\ncode2
  ... <|endoftext|>` (StarCoder 2 and The Stack v2, arXiv:2402.19173, section 5 "Repository-context"). The other
  special tokens of its tokenizer (`<issue_start>`, `<jupyter_code>`, ...) are listed in `reserved` so that a file
  holding one can be recognised too.
- Qwen2.5-Coder: `<|repo_name|>`, `<|file_sep|>`, `<|fim_prefix|>`, `<|fim_middle|>`, `<|fim_suffix|>`, `<|fim_pad|>`
  (ids 151663, 151664, 151659, 151660, 151661, 151662) and `<|endoftext|>` (151643); its repo layout puts a newline
  after the repository name and after each file (`<|repo_name|>{name}\\n<|file_sep|>{path}\\n{content}\\n...`)
  and its repo-level infilling keeps the path outside the FIM span
  (QwenLM/Qwen2.5-Coder, examples/Qwen2.5-Coder.md, "Repository Level Code Completion" / "... Code Infilling").
- DeepSeek-Coder: `<｜fim▁begin｜>`, `<｜fim▁hole｜>`, `<｜fim▁end｜>` (U+FF5C FULLWIDTH VERTICAL LINE and
  U+2581 LOWER ONE EIGHTH BLOCK; ids 32016, 32015, 32017), EOS `<｜end▁of▁sentence｜>` (32014), BOS
  `<｜begin▁of▁sentence｜>` (32013); PSM is `<｜fim▁begin｜>prefix<｜fim▁hole｜>suffix<｜fim▁end｜>middle`
  (deepseek-ai/DeepSeek-Coder README, "Code Insertion"). It has no repo_name or file separator token: its
  repo-level data concatenates the dependency-ordered files with each file's path added as a comment on top
  (README "Repository Level Code Completion", `# model.py`; maintainer in deepseek-ai/DeepSeek-Coder#43: "For file
  paths, we add them on each code file as a comment"). codemill does the same: a `# path` / `// path` line by file
  extension, files separated by a newline, no repository-name header. It has no FIM pad token (its `<pad>`, 32018,
  is the generic padding token and is never emitted), so `fim_pad` is None.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Family:
    """The special tokens of a target model family and the few layout choices that differ between families.

    `repo_name` and `file_sep` are None for a family without such tokens (DeepSeek-Coder): its paths are then
    written as a comment line. `repo_name_end` and `file_end` are the literal text after the repository name and
    after each file (Qwen2.5-Coder: a newline). `path_in_fim` says whether layout-time FIM keeps the path line inside
    the FIM prefix (StarCoder2: `<file_sep><fim_prefix>path\\ncode_pre...`) or before it (Qwen2.5-Coder).
    """

    name: str
    fim_prefix: str
    fim_middle: str
    fim_suffix: str
    eos: str
    fim_pad: str | None = None
    repo_name: str | None = None
    file_sep: str | None = None
    repo_name_end: str = ""
    file_end: str = ""
    path_in_fim: bool = True
    reserved: tuple[str, ...] = ()

    def special_tokens(self) -> tuple[str, ...]:
        """Every token of the family a file's text must not contain: the tokenizer would read it as a control token."""
        toks = (self.repo_name, self.file_sep, self.fim_prefix, self.fim_middle, self.fim_suffix, self.fim_pad,
                self.eos, *self.reserved)
        return tuple(dict.fromkeys(t for t in toks if t))

    @property
    def fim_overhead(self) -> int:
        """Characters FIM adds to a text (its three sentinels), so layouts can reserve room for them."""
        return len(self.fim_prefix) + len(self.fim_middle) + len(self.fim_suffix)


def special_tokens_in(text: str, fam: Family) -> list[str]:
    """The family's special tokens found in `text`; such a file should be left out (the stage does so and counts it)."""
    return [t for t in fam.special_tokens() if t in text]


_STARCODER_RESERVED = (
    "<reponame>", "<filename>", "<gh_stars>", "<issue_start>", "<issue_comment>", "<issue_closed>",
    "<jupyter_start>", "<jupyter_text>", "<jupyter_code>", "<jupyter_output>", "<jupyter_script>", "<empty_output>",
)

FAMILIES: dict[str, Family] = {
    "starcoder": Family(
        name="starcoder", fim_prefix="<fim_prefix>", fim_middle="<fim_middle>", fim_suffix="<fim_suffix>",
        fim_pad="<fim_pad>", eos="<|endoftext|>", repo_name="<repo_name>", file_sep="<file_sep>",
        reserved=_STARCODER_RESERVED),
    "qwen2.5-coder": Family(
        name="qwen2.5-coder", fim_prefix="<|fim_prefix|>", fim_middle="<|fim_middle|>", fim_suffix="<|fim_suffix|>",
        fim_pad="<|fim_pad|>", eos="<|endoftext|>", repo_name="<|repo_name|>", file_sep="<|file_sep|>",
        repo_name_end="\n", file_end="\n", path_in_fim=False, reserved=("<|im_start|>", "<|im_end|>")),
    "deepseek-coder": Family(
        name="deepseek-coder", fim_prefix="<\uff5cfim\u2581begin\uff5c>", fim_middle="<\uff5cfim\u2581end\uff5c>",
        fim_suffix="<\uff5cfim\u2581hole\uff5c>", eos="<\uff5cend\u2581of\u2581sentence\uff5c>", file_end="\n",
        reserved=("<\uff5cbegin\u2581of\u2581sentence\uff5c>",)),
}

_REQUIRED = ("fim_prefix", "fim_middle", "fim_suffix", "eos")
_FIELDS = {f.name for f in dataclasses.fields(Family)} - {"name"}


def family(name: str, overrides: dict[str, Any] | None = None) -> Family:
    """A known family, optionally with some fields replaced, or "custom" built from `overrides` alone.

    A custom family needs fim_prefix, fim_middle, fim_suffix and eos; repo_name and file_sep are optional (without
    file_sep, paths are written as comments, as for DeepSeek-Coder). Unknown keys are an error rather than ignored,
    so a typo in the configuration cannot silently produce documents with the wrong tokens.
    """
    overrides = dict(overrides or {})
    unknown = sorted(set(overrides) - _FIELDS)
    if unknown:
        raise ValueError(f"unknown family fields {unknown}; expected some of {sorted(_FIELDS)}")
    # Configuration gives every value as a string (custom_tokens: dict[str, str]).
    if isinstance(overrides.get("reserved"), str):
        overrides["reserved"] = tuple(overrides["reserved"].split())
    elif "reserved" in overrides:
        overrides["reserved"] = tuple(overrides["reserved"])
    if isinstance(overrides.get("path_in_fim"), str):
        overrides["path_in_fim"] = overrides["path_in_fim"].strip().lower() in ("1", "true", "yes")
    if name == "custom":
        missing = [k for k in _REQUIRED if not overrides.get(k)]
        if missing:
            raise ValueError(f"a custom family needs the tokens {missing}")
        fam = Family(name="custom", **overrides)
    elif name in FAMILIES:
        fam = dataclasses.replace(FAMILIES[name], **overrides)
    else:
        raise ValueError(f"unknown model family {name!r}; expected one of {[*FAMILIES, 'custom']}")
    sentinels = (fam.fim_prefix, fam.fim_middle, fam.fim_suffix)
    if len(set(sentinels)) != 3 or not all(sentinels):
        raise ValueError("fim_prefix, fim_middle and fim_suffix must be three different non-empty tokens")
    return fam
