"""Rendering a stored pair as a conversation, from templates in the export config."""

from __future__ import annotations

from codemill.config import ExportConfig


def to_messages(pair: dict, cfg: ExportConfig) -> list[dict]:
    fields = {"repo": pair.get("repo_name") or pair["repo_id"], "instruction": pair["instruction"],
              "response": pair["response"]}
    return [
        {"role": "system", "content": cfg.system_prompt.format_map(fields)},
        {"role": "user", "content": cfg.user_template.format_map(fields)},
        {"role": "assistant", "content": cfg.assistant_template.format_map(fields)},
    ]


def debugging_turns(pair: dict, fix: str) -> list[dict]:
    """A debugging pair as the session it stands for: the user reports failing tests; the assistant runs them,
    reads the output, opens the code the failure goes through, writes `fix` (the rendered response), and the
    tests pass. Tool output comes back as user turns (the roles every chat format accepts), so turns alternate
    and the last is the assistant's. Built from the pair's stored pieces, so it says nothing they do not."""
    code = pair["code_context"] or []
    tests = pair["test_command"].removeprefix("python -m pytest ")
    reads = "\n".join(f"sed -n '{e['start']},{e['end']}p' {e['path']}" for e in code)
    shown = "\n\n".join(f"{e['path']} (lines {e['start']}-{e['end']}):\n```\n{e['code'].rstrip()}\n```" for e in code)
    n = pair["passed"]
    return [
        {"role": "user", "content": f"These tests of {pair.get('repo_name') or pair['repo_id']} fail: {tests}. "
                                    "Find the cause and fix the code, without changing the tests."},
        {"role": "assistant", "content": f"I will run them first.\n\n```sh\n{pair['test_command']}\n```"},
        {"role": "user", "content": f"```text\n{pair['test_output'].rstrip()}\n```"},
        {"role": "assistant", "content": "The failure goes through this code; I will read it.\n\n"
                                         f"```sh\n{reads}\n```"},
        {"role": "user", "content": shown},
        {"role": "assistant", "content": f"This change fixes it:\n\n{fix}"},
        {"role": "user", "content": f"```text\n$ {pair['test_command']}\n{n} passed\n```"},
        {"role": "assistant", "content": f"The {'test passes' if n == 1 else f'{n} tests pass'} now."},
    ]


def export_row(pair: dict, cfg: ExportConfig) -> dict:
    """The exported record: the conversation plus the provenance a user needs to trace it."""
    return {
        "messages": to_messages(pair, cfg),
        "pair_id": pair["pair_id"],
        "kind": pair["kind"],
        "repo": pair.get("repo_name") or pair["repo_id"],
        "repo_id": pair["repo_id"],
        "commit_sha": pair["commit_sha"],
        "base_sha": pair.get("base_sha"),
        "pr_number": pair.get("pr_number"),
        "license": pair["license"],
        "languages": pair["languages"],
        "web_url": pair["web_url"],
    }
