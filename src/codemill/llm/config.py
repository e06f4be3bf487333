"""Where and how to call a model: the `[synth] llm` table. A module of its own so that the config, which declares
it, does not load the client."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class LLMConfig(BaseModel):
    """Where and how to call the model. `base_url` includes the API prefix, e.g. `http://localhost:8000/v1`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    base_url: str
    model: str
    api_key_env: str = "OPENAI_API_KEY"
    max_concurrency: int = Field(4, ge=1)
    max_retries: int = Field(5, ge=0)
    timeout_s: float = Field(120, gt=0)
    requests_per_minute: int | None = Field(None, ge=1)
    cache_dir: str | None = None
