"""From `select`'s shortfall report to the list of synthesis requests, each with its seed and sampling seed.

For every category with `lacking > 0` (in name order) there are `min(lacking, max_requests_per_category)`
requests; `samples_per_seed` consecutive requests share one seed snippet and differ by their request seed, which
the server uses to sample (and which is part of the response cache key). Everything is derived from the config's
`seed`, the category and the request number, so a request list is reproducible and an id names one request.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from codemill.config import SynthConfig
from codemill.ids import stable_id
from codemill.synth.prompts import messages
from codemill.synth.seeds import Hunk, Seed, pool_order, seed_for


@dataclass(frozen=True)
class SynthRequest:
    synth_id: str
    category: str
    index: int  # request number within its category
    sample: int  # which sample of its seed snippet
    seed: Seed | None  # None: no train-split code to seed from
    messages: list[dict[str, str]]
    request_seed: int

    def llm_request(self, cfg: SynthConfig) -> dict[str, Any]:
        """The keyword arguments of `LLMClient.complete` (and `complete_many`)."""
        return {"messages": self.messages, "temperature": cfg.temperature, "max_tokens": cfg.max_tokens,
                "seed": self.request_seed}


def lacking(shortfall: dict) -> dict[str, int]:
    """category -> pairs it lacks, from `select/shortfall.json` (empty when select did not balance)."""
    cats = shortfall.get("categories") or {}
    return {c: int(v.get("lacking") or 0) for c, v in sorted(cats.items()) if int(v.get("lacking") or 0) > 0}


def request_seed(seed: int, category: str, index: int) -> int:
    """A 31-bit sampling seed: servers take it as a signed 32-bit integer at least."""
    digest = hashlib.sha256(f"{seed}\x1f{category}\x1f{index}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def plan_requests(shortfall: dict, hunks: list[Hunk], cfg: SynthConfig) -> list[SynthRequest]:
    out = []
    for category, missing in lacking(shortfall).items():
        order = pool_order(hunks, cfg.seed, category)
        for i in range(min(missing, cfg.max_requests_per_category)):
            slot, sample = divmod(i, cfg.samples_per_seed)
            seed = seed_for(order, seed=cfg.seed, category=category, slot=slot, min_lines=cfg.snippet_min_lines,
                            max_lines=cfg.snippet_max_lines) if order else None
            where = [seed.hunk.key, str(seed.start_line), str(seed.lines)] if seed else []
            out.append(SynthRequest(
                synth_id=stable_id("synth", category, str(i), *where), category=category, index=i, sample=sample,
                seed=seed, messages=messages(category, seed) if seed else [],
                request_seed=request_seed(cfg.seed, category, i)))
    return out
