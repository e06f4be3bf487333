"""Calls to OpenAI-compatible chat endpoints (vLLM, llama.cpp server, Ollama, hosted APIs) for synthesis.

- `LLMConfig` / `LLMClient`: retries, client-side rate limit, bounded concurrency, on-disk cache, token counts.
- `Completion` / `Usage`: one answer, and the client's running counters.
- `extract_blocks`: fenced code blocks from an answer (problem, solution, tests).

Standard library HTTP only, so any server that speaks `/chat/completions` works without an SDK.
"""

from typing import TYPE_CHECKING

from codemill.lazy import lazy_exports

if TYPE_CHECKING:
    from codemill.llm.blocks import extract_blocks
    from codemill.llm.cache import CacheEntry, ResponseCache, request_key
    from codemill.llm.client import Completion, LLMClient, LLMError, Usage
    from codemill.llm.config import LLMConfig
    from codemill.llm.ratelimit import TokenBucket

__all__ = [
    "CacheEntry", "Completion", "LLMClient", "LLMConfig", "LLMError", "ResponseCache", "TokenBucket", "Usage",
    "extract_blocks", "request_key",
]

__getattr__, __dir__ = lazy_exports(__name__, __file__)  # imported when first used (`codemill.lazy`)
