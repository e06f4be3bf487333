"""The trained tokenizer has the StarCoder layout and round-trips any text; loading is local and strict."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from tokenizers import Tokenizer
from tokenizers.processors import TemplateProcessing

from codemill.tokenize import (
    encode_batch,
    eos_id,
    load_tokenizer,
    save_tokenizer,
    train_tokenizer,
    transformers_config,
    write_transformers_config,
)

UNICODE_CODE = (
    "# -*- coding: utf-8 -*-\n"
    "def grüße(名前: str) -> str:\n"
    '\t"""Say hello — 你好, привет, こんにちは 🎉👩‍💻 e\u0301."""\n'
    "    return f'{名前}: {1234567890 + 0x1F}'  \r\n"
    "\n\n  \u00a0trailing   \n"
)


def test_vocab_size_and_special_tokens_are_single_ids(small_tok: Tokenizer, specials: tuple[str, ...]):
    assert small_tok.get_vocab_size() == 512
    assert specials[:3] == ("<|endoftext|>", "<file_sep>", "<repo_name>")
    ids = [small_tok.token_to_id(t) for t in specials]
    assert ids == list(range(len(specials)))  # the trainer puts specials first, before the byte alphabet
    for t, i in zip(specials, ids, strict=True):
        assert encode_batch(small_tok, [t]) == [[i]]
        [doc] = encode_batch(small_tok, [f"<repo_name>org/repo{t}import os\n"])
        assert doc.count(i) == (2 if t == "<repo_name>" else 1) and doc[0] == 2
    # Decoding without skipping specials gives the document text back, separators included.
    text = "<repo_name>a/b<file_sep>x.py\nprint(1)\n<|endoftext|>"
    assert small_tok.decode(encode_batch(small_tok, [text])[0], skip_special_tokens=False) == text


def test_round_trip_of_code_with_unicode(small_tok: Tokenizer, code_texts: list[str]):
    texts = [UNICODE_CODE, code_texts[0][:5000], "", " leading space", "x"]
    encoded = encode_batch(small_tok, texts)
    assert [small_tok.decode(ids) for ids in encoded] == texts
    assert len(encoded[0]) < len(UNICODE_CODE.encode())  # merges learned from code do apply
    assert encoded[3] != encode_batch(small_tok, ["leading space"])[0]  # no prefix space added


def test_digits_are_split_one_by_one(small_tok: Tokenizer):
    # Byte-level maps ASCII digits to themselves, so a merged number would show up as two digits in a token.
    assert not [t for t in small_tok.get_vocab() if re.search(r"[0-9]{2}", t)]
    [ids] = encode_batch(small_tok, ["x = 2024"])
    assert [small_tok.id_to_token(i) for i in ids][-4:] == ["2", "0", "2", "4"]


def test_encode_batch_adds_no_template_tokens(small_tok: Tokenizer, tmp_path: Path):
    tok = load_tokenizer(save_tokenizer(small_tok, tmp_path))
    eos = eos_id(tok, "<|endoftext|>")
    tok.post_processor = TemplateProcessing(single="$A <|endoftext|>", special_tokens=[("<|endoftext|>", eos)])
    assert tok.encode("a = 1").ids[-1] == eos  # the template is live ...
    assert encode_batch(tok, ["a = 1"]) == encode_batch(small_tok, ["a = 1"])  # ... and encode_batch skips it
    assert eos not in encode_batch(tok, ["a = 1"])[0]
    assert encode_batch(tok, []) == []


def test_save_and_load_from_file_or_directory(small_tok: Tokenizer, tmp_path: Path):
    path = save_tokenizer(small_tok, tmp_path / "tok")
    assert path == tmp_path / "tok" / "tokenizer.json" and [p.name for p in path.parent.iterdir()] == [path.name]
    for where in (path, path.parent, str(path)):
        tok = load_tokenizer(where)
        assert encode_batch(tok, [UNICODE_CODE]) == encode_batch(small_tok, [UNICODE_CODE])
        assert tok.get_vocab() == small_tok.get_vocab()


def test_load_errors_are_clear(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="no tokenizer file"):
        load_tokenizer(tmp_path / "missing.json")
    with pytest.raises(FileNotFoundError, match=r"no tokenizer\.json in directory"):
        load_tokenizer(tmp_path)
    (tmp_path / "tokenizer.json").write_text('{"not": "a tokenizer"}')
    with pytest.raises(ValueError, match=r"is not a Hugging Face tokenizer\.json"):
        load_tokenizer(tmp_path)
    (tmp_path / "broken.json").write_text("{")
    with pytest.raises(ValueError, match=r"is not a Hugging Face tokenizer\.json"):
        load_tokenizer(tmp_path / "broken.json")


def test_eos_id_and_bad_vocab_size(small_tok: Tokenizer):
    assert eos_id(small_tok, "<file_sep>") == 1
    with pytest.raises(ValueError, match="not in the tokenizer's vocabulary"):
        eos_id(small_tok, "</s>")
    with pytest.raises(ValueError, match="cannot hold the 256 byte symbols"):
        train_tokenizer(["x"], vocab_size=257, special_tokens=["<a>", "<b>"])


def test_transformers_config_names_eos_pad_and_every_special(small_tok: Tokenizer, specials, tmp_path: Path):
    folder = save_tokenizer(small_tok, tmp_path / "tok").parent
    written = write_transformers_config(small_tok, folder, eos="<|endoftext|>", model_max_length=2048)
    assert sorted(written) == [folder / "special_tokens_map.json", folder / "tokenizer_config.json"]
    assert sorted(p.name for p in folder.iterdir()) == ["special_tokens_map.json", "tokenizer.json",
                                                        "tokenizer_config.json"]
    config = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
    assert config["tokenizer_class"] == "PreTrainedTokenizerFast" and config["model_max_length"] == 2048
    assert config["eos_token"] == config["pad_token"] == "<|endoftext|>"
    assert config["bos_token"] is None and config["unk_token"] is None  # byte-level BPE: no unknown token
    assert sorted([config["eos_token"], *config["additional_special_tokens"]]) == sorted(specials)
    tok = load_tokenizer(folder)  # the tokens it names are the tokenizer's, each a single id
    assert all(len(tok.encode(t, add_special_tokens=False).ids) == 1 for t in specials)
    special_map = json.loads((folder / "special_tokens_map.json").read_text(encoding="utf-8"))
    assert special_map == {"eos_token": "<|endoftext|>", "pad_token": "<|endoftext|>",
                           "additional_special_tokens": config["additional_special_tokens"]}
    with pytest.raises(ValueError, match="not in the tokenizer's vocabulary"):
        transformers_config(small_tok, eos="</s>", model_max_length=2048)


def test_transformers_loads_the_folder_with_its_eos_and_pad(small_tok: Tokenizer, specials, tmp_path: Path):
    transformers = pytest.importorskip(
        "transformers", reason="transformers is not installed (codemill does not depend on it): install "
        "transformers 5.x or 4.57 in this environment to run this check")
    folder = save_tokenizer(small_tok, tmp_path / "tok").parent
    write_transformers_config(small_tok, folder, eos="<|endoftext|>", model_max_length=2048)
    hf = transformers.AutoTokenizer.from_pretrained(str(folder))
    eos = small_tok.token_to_id("<|endoftext|>")
    assert hf.eos_token == hf.pad_token == "<|endoftext|>" and hf.eos_token_id == hf.pad_token_id == eos
    assert hf.model_max_length == 2048 and set(specials) <= set(hf.all_special_tokens)
    text = f"<file_sep>{UNICODE_CODE}<|endoftext|>"
    ids = hf(text, add_special_tokens=False)["input_ids"]
    assert ids == encode_batch(small_tok, [text])[0] and hf.decode(ids) == text  # the corpus's ids, unchanged
    assert hf.decode(ids, skip_special_tokens=True) == UNICODE_CODE
    batch = hf(["a = 1", "b = [1, 2, 3]"], padding=True)
    assert batch["input_ids"][0][-1] == eos and batch["attention_mask"][0][-1] == 0  # padding works
