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
