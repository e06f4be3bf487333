"""What every consumer check shares; imported by the check scripts, which run in the consumers' environments
(not codemill's), so it needs the standard library alone.

A check runs as `python checks/<consumer>.py <output> <run dir> <work dir> [<facts.json>]`: it loads one output of
the run the way its consumer does and prints, as its last line, a JSON object of what it found (row counts,
token ids, scores); the test in codemill's environment compares that with the run. An exception is a failure.
`facts.json` carries what the consumer cannot know (reference answers, expected counts).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

# ChatML, as Qwen2's tokenizer has it: codemill's trained tokenizer has no chat template (a base tokenizer), so
# the conversational checks give it the one their tiny Qwen2 model would ship with.
CHATML = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


Check = Callable[[Path, Path, dict[str, Any]], dict[str, Any]]


def main(checks: dict[str, Check]) -> None:
    output, run, work, *rest = sys.argv[1:]
    facts = json.loads(Path(rest[0]).read_text(encoding="utf-8")) if rest else {}
    Path(work).mkdir(parents=True, exist_ok=True)
    found = checks[output](Path(run), Path(work), facts)
    print(json.dumps(found, sort_keys=True, default=str))


def tiny_model(tokenizer_dir: Path, out: Path, chat: bool = True) -> Path:
    """A Qwen2 model of random weights (2 layers, hidden 32) built from a config around the run's tokenizer and
    saved with it in `out`: nothing is downloaded. `chat` gives the tokenizer ChatML and its end-of-turn token."""
    from transformers import AutoTokenizer, Qwen2Config, Qwen2ForCausalLM

    tok = AutoTokenizer.from_pretrained(str(tokenizer_dir))
    if chat:
        tok.add_special_tokens({"additional_special_tokens": ["<|im_start|>", "<|im_end|>"]})
        tok.chat_template = CHATML
    tok.model_max_length = 4096
    config = Qwen2Config(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=4096,
                         eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id, bos_token_id=None,
                         tie_word_embeddings=True)
    model = Qwen2ForCausalLM(config)
    model.save_pretrained(str(out))
    tok.save_pretrained(str(out))
    return out
