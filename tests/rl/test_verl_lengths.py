"""verl's prompt and response lengths come from the export's own prompts: counted with the run's tokenizer when
there is one, else bounded by UTF-8 bytes / 2; verl's 512-token defaults cut a function prompt."""

from __future__ import annotations

import math
import re
import textwrap
from pathlib import Path

import pytest

from codemill.exports.rl import (
    BYTES_PER_TOKEN,
    CHAT_TEMPLATE_TOKENS,
    RLPrompt,
    VerlLengths,
    answer_text,
    rl_readme,
    verl_lengths,
)
from codemill.extras import EXTRAS, MissingExtra
from codemill.rl.functions import stub
from codemill.rl.prompt import task_prompt
from codemill.rl.workspace import FunctionGroundTruth, Workspaces
from codemill.sandbox import Sandbox
from codemill.swe.env import era_named
from codemill.tokenize import encode_batch, train_tokenizer

SOURCE = Path(textwrap.__file__).read_text(encoding="utf-8")  # a real module: textwrap's long methods
FUNCTIONS = ("TextWrapper._wrap_chunks", "TextWrapper._split", "dedent", "shorten")


def prompts() -> list[RLPrompt]:
    out = []
    for qualname in FUNCTIONS:
        stubbed = stub(SOURCE, qualname)
        assert stubbed is not None
        out.append(RLPrompt(f"t-{qualname}", "repo_function", task_prompt("cpython", "Lib/textwrap.py", qualname,
                                                                          stubbed, 32_000),
                            "{}", "cpython", "Lib/textwrap.py", qualname, "PSF-2.0", stubbed.reference))
    return out


def readme_settings(readme: str) -> dict[str, str]:
    return dict(re.findall(r"^\s+(data\.\w+|custom_reward_function\.\w+)=(\S+) \\$", readme, re.M))


def test_without_a_tokenizer_lengths_are_bounded_by_bytes():
    ps = prompts()
    lengths = verl_lengths(ps, None)
    longest = max(len(p.prompt.encode()) for p in ps)
    assert lengths.prompt_tokens == math.ceil(longest / BYTES_PER_TOKEN)
    assert lengths.answer_tokens == max(math.ceil(len(answer_text(p).encode()) / BYTES_PER_TOKEN) for p in ps)
    assert lengths.max_prompt_length >= lengths.prompt_tokens + CHAT_TEMPLATE_TOKENS
    assert lengths.max_prompt_length > 512  # the whole file around the stub: verl's default would cut it
    assert lengths.max_response_length >= 2 * lengths.answer_tokens and lengths.max_response_length >= 512
    readme = rl_readme({"train": {"repo_function": 4}}, lengths)
    settings = readme_settings(readme)
    assert settings == {"data.train_files": "rl/verl/train.parquet",
                        "data.max_prompt_length": str(lengths.max_prompt_length),
                        "data.max_response_length": str(lengths.max_response_length),
                        "custom_reward_function.path": "pkg://codemill.rewards",
                        "custom_reward_function.name": "compute_score"}
    assert "UTF-8 bytes / 2" in readme and "set `data.val_files`" in readme  # no held-out split to name


def test_the_runs_tokenizer_counts_the_prompts():
    ps = prompts()
    tok = train_tokenizer([SOURCE], vocab_size=400, special_tokens=["<|endoftext|>"])
    lengths = verl_lengths(ps, tok, "ab" * 32)
    assert lengths.prompt_tokens == max(len(ids) for ids in encode_batch(tok, [p.prompt for p in ps]))
    assert lengths.answer_tokens == max(len(ids) for ids in encode_batch(tok, [answer_text(p) for p in ps]))
    assert lengths.prompt_tokens != verl_lengths(ps, None).prompt_tokens
    readme = rl_readme({"train": {"repo_function": 3}, "validation": {"repo_function": 1}}, lengths)
    assert readme_settings(readme)["data.val_files"] == "rl/verl/validation.parquet"
    assert "sha256 abababababab" in readme and "set `data.val_files`" not in readme


@pytest.mark.parametrize(("tokens", "expected"), [(0, 256), (100, 256), (192, 256), (193, 512), (1800, 2048)])
def test_max_prompt_length_leaves_room_for_the_chat_template(tokens: int, expected: int):
    assert VerlLengths(tokens, 0, "").max_prompt_length == expected


def test_a_reward_without_the_tasks_extra_names_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Found by `make test-consumers`: in verl's environment with plain `pip install codemill`, the first reward
    crashed with `FileNotFoundError: 'uv'`. It now stops with the extra to install, and the README names it."""
    monkeypatch.setitem(EXTRAS, "tasks", ("codemill_no_such_module",))
    truth = FunctionGroundTruth(workspace="w.tar.gz", sha256="0" * 64, path="m.py", function="f", tests=["t"])
    spaces = Workspaces(root=tmp_path, cache=tmp_path / "cache", sandbox=Sandbox())
    with pytest.raises(MissingExtra, match=r"pip install 'codemill\[tasks\]'"):
        spaces._prepare(truth, era_named(truth.python), tmp_path / "checkout", spaces.sandbox)
