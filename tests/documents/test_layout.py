from __future__ import annotations

import random

import pytest

from codemill.documents import (
    FAMILIES,
    Family,
    apply_fim,
    family,
    file_document,
    file_fim,
    layout_repo,
    repo_documents,
    special_tokens_in,
    unfim,
)

FILES = [
    ("shop/db.py", "import sqlite3\n\n\ndef connect(path):\n    return sqlite3.connect(path)\n"),
    ("shop/models.py", "from shop.db import connect\n\n\nclass Item:\n    name: str\n    price: int\n"),
    ("shop/views.py", "from shop.models import Item\n\n\ndef show(item: Item) -> str:\n    return f'{item}'\n"),
    ("README.md", "# Shop\n\nA tiny shop – with ünïcödé and no trailing newline"),
    ("empty.py", ""),
]


def parse(doc: str, fam: Family, repo_name: str) -> list[tuple[str, str]]:
    """Split a token-layout repo document back into (path, content) entries."""
    assert fam.file_sep and fam.repo_name and doc.endswith(fam.eos)
    body = doc[: -len(fam.eos)]
    header = f"{fam.repo_name}{repo_name}{fam.repo_name_end}"
    assert body.startswith(header + fam.file_sep)
    entries = []
    for entry in body[len(header) + len(fam.file_sep):].split(fam.file_sep):
        path, newline, rest = entry.partition("\n")
        assert newline and rest.endswith(fam.file_end)
        entries.append((path, rest[: len(rest) - len(fam.file_end)]))
    return entries


def reassemble(docs: list[str], fam: Family, repo_name: str) -> list[tuple[str, str]]:
    files: list[tuple[str, str]] = []
    for doc in docs:
        for path, content in parse(doc, fam, repo_name):
            if files and files[-1][0] == path:
                files[-1] = (path, files[-1][1] + content)
            else:
                files.append((path, content))
    return files


def test_starcoder2_layout_exactly() -> None:
    fam = FAMILIES["starcoder"]
    (doc,) = repo_documents("acme/shop", FILES[:2], fam, 10_000)
    assert doc == ("<repo_name>acme/shop<file_sep>shop/db.py\n" + FILES[0][1]
                   + "<file_sep>shop/models.py\n" + FILES[1][1] + "<|endoftext|>")
    (bare,) = repo_documents("acme/shop", FILES[:2], fam, 10_000, with_paths=False)
    assert bare == "<file_sep>" + FILES[0][1] + "<file_sep>" + FILES[1][1] + "<|endoftext|>"


def test_qwen_layout_puts_newlines_after_name_and_files() -> None:
    fam = FAMILIES["qwen2.5-coder"]
    (doc,) = repo_documents("lib", [("a.py", "x = 1\n"), ("b.py", "y = 2")], fam, 10_000)
    assert doc == "<|repo_name|>lib\n<|file_sep|>a.py\nx = 1\n\n<|file_sep|>b.py\ny = 2\n<|endoftext|>"


def test_deepseek_layout_writes_paths_as_comments() -> None:
    fam = FAMILIES["deepseek-coder"]
    (doc,) = repo_documents("lib", [("utils.py", "def f(): ...\n"), ("web/app.ts", "f()\n")], fam, 10_000)
    assert doc == "# utils.py\ndef f(): ...\n\n// web/app.ts\nf()\n\n<\uff5cend\u2581of\u2581sentence\uff5c>"


@pytest.mark.parametrize("name", ["starcoder", "qwen2.5-coder"])
@pytest.mark.parametrize("max_chars", [90, 140, 260, 10_000])
def test_split_documents_reconstruct_every_file(name: str, max_chars: int) -> None:
    fam = FAMILIES[name]
    big = "".join(f"line {i}: {'x' * (i % 7)}\n" for i in range(40)) + "y" * 150  # a line longer than a document
    files = [*FILES, ("data/big.txt", big), ("z.py", "print('z')\n")]
    docs = layout_repo("acme/shop", files, fam, max_chars)
    assert all(len(d.text) <= max_chars for d in docs)
    assert reassemble([d.text for d in docs], fam, "acme/shop") == files
    assert [p for d in docs for p in d.paths] == [p for d in docs for p, _c in parse(d.text, fam, "acme/shop")]
    if max_chars < len(big):
        assert any(d.paths == ("data/big.txt",) for d in docs)
        assert len(docs) > 1


def test_packing_is_greedy_at_file_boundaries() -> None:
    fam = FAMILIES["starcoder"]
    files = [(f"f{i}.py", "a" * 20 + "\n") for i in range(6)]
    header = len("<repo_name>r") + len("<|endoftext|>")
    entry = len("<file_sep>f0.py\n") + 21
    docs = layout_repo("r", files, fam, header + 2 * entry)
    assert [d.paths for d in docs] == [("f0.py", "f1.py"), ("f2.py", "f3.py"), ("f4.py", "f5.py")]


def test_split_big_file_pieces_end_at_line_boundaries() -> None:
    fam = FAMILIES["starcoder"]
    content = "".join(f"def f{i}():\n    return {i}\n" for i in range(50))
    docs = layout_repo("r", [("m.py", content)], fam, 200)
    pieces = [parse(d.text, fam, "r")[0][1] for d in docs]
    assert len(pieces) > 1 and "".join(pieces) == content
    assert all(p.endswith("\n") for p in pieces)


def test_prefimmed_file_too_big_is_restored_then_split() -> None:
    fam = FAMILIES["starcoder"]
    content = "".join(f"x{i} = {i}\n" for i in range(100))
    fimmed = apply_fim(content, random.Random(0), rate=1.0, spm_rate=0.5, family=fam)
    assert fimmed != content
    small = layout_repo("r", [("a.py", fimmed)], fam, 10_000)
    assert parse(small[0].text, fam, "r") == [("a.py", fimmed)]  # fits: kept as rendered
    split = layout_repo("r", [("a.py", fimmed)], fam, 300)
    assert reassemble([d.text for d in split], fam, "r") == [("a.py", content)]
    assert not any(fam.fim_prefix in d.text for d in split)


def test_layout_time_fim_keeps_the_path_where_the_family_wants_it() -> None:
    content = "def add(a, b):\n    return a + b\n"
    sc = FAMILIES["starcoder"]
    (doc,) = repo_documents("r", [("m.py", content)], sc, 10_000,
                            fim=file_fim(random.Random(1), rate=1.0, spm_rate=0.0, family=sc))
    assert doc.startswith("<repo_name>r<file_sep><fim_prefix>m.py\n")  # StarCoder2: path inside the prefix
    body = doc[len("<repo_name>r<file_sep>"): -len(sc.eos)]
    assert unfim(body, sc) == ("m.py\n" + content, "psm")

    qw = FAMILIES["qwen2.5-coder"]
    (doc,) = repo_documents("r", [("m.py", content)], qw, 10_000,
                            fim=file_fim(random.Random(1), rate=1.0, spm_rate=0.0, family=qw))
    assert doc.startswith("<|repo_name|>r\n<|file_sep|>m.py\n<|fim_prefix|>")  # Qwen: path before the FIM
    body = doc[len("<|repo_name|>r\n<|file_sep|>m.py\n"): -len("\n" + qw.eos)]
    assert unfim(body, qw) == (content, "psm")


def test_layout_time_fim_documents_stay_within_max_chars_and_reassemble() -> None:
    fam = FAMILIES["starcoder"]
    files = [*FILES, ("big.py", "".join(f"v{i} = {i}\n" for i in range(200)))]
    for seed in range(20):
        docs = layout_repo("r", files, fam, 400, fim=file_fim(random.Random(seed), rate=0.7, spm_rate=0.5,
                                                              family=fam))
        assert all(len(d.text) <= 400 for d in docs)
        restored = []
        for d in docs:
            body = d.text[len("<repo_name>r"): -len(fam.eos)]
            for entry in body.split(fam.file_sep)[1:]:
                text, _mode = unfim(entry, fam)
                path, _nl, content = text.partition("\n")
                if restored and restored[-1][0] == path:
                    restored[-1] = (path, restored[-1][1] + content)
                else:
                    restored.append((path, content))
        assert restored == files


def test_file_document() -> None:
    sc = FAMILIES["starcoder"]
    assert file_document("a/b.py", "x = 1\n", sc, with_path=True) == "<file_sep>a/b.py\nx = 1\n<|endoftext|>"
    assert file_document("a/b.py", "x = 1\n", sc, with_path=False) == "x = 1\n<|endoftext|>"
    ds = FAMILIES["deepseek-coder"]
    assert file_document("q.sql", "select 1;\n", ds, with_path=True).startswith("-- q.sql\nselect 1;\n")


def test_families_tokens_and_custom() -> None:
    assert FAMILIES["deepseek-coder"].fim_prefix == "<｜fim▁begin｜>"
    assert FAMILIES["deepseek-coder"].fim_suffix == "<｜fim▁hole｜>"
    assert FAMILIES["deepseek-coder"].fim_middle == "<｜fim▁end｜>"
    assert FAMILIES["qwen2.5-coder"].special_tokens()[:2] == ("<|repo_name|>", "<|file_sep|>")
    custom = family("custom", {"fim_prefix": "<PRE>", "fim_middle": "<MID>", "fim_suffix": "<SUF>", "eos": "</s>",
                               "file_sep": "<FILE>"})
    assert custom.repo_name is None and custom.file_sep == "<FILE>"
    assert repo_documents("r", [("a.c", "int x;\n")], custom, 1000) == ["<FILE>a.c\nint x;\n</s>"]
    assert family("starcoder", {"eos": "<eos>"}).eos == "<eos>"
    with pytest.raises(ValueError, match="needs the tokens"):
        family("custom", {"fim_prefix": "<PRE>"})
    with pytest.raises(ValueError, match="unknown family fields"):
        family("starcoder", {"fim_prefx": "x"})
    with pytest.raises(ValueError, match="unknown model family"):
        family("gpt", None)


def test_special_tokens_in_text_are_reported() -> None:
    sc = FAMILIES["starcoder"]
    assert special_tokens_in("tok.decode(ids) + '<|endoftext|>'", sc) == ["<|endoftext|>"]
    assert special_tokens_in("x = '<jupyter_code>'", sc) == ["<jupyter_code>"]
    assert special_tokens_in("plain code", sc) == []


def test_custom_family_from_string_configuration() -> None:
    fam = family("custom", {"fim_prefix": "<PRE>", "fim_middle": "<MID>", "fim_suffix": "<SUF>", "eos": "</s>",
                            "repo_name": "<REPO>", "file_sep": "<FILE>", "path_in_fim": "false",
                            "reserved": "<A> <B>"})
    assert fam.path_in_fim is False and fam.reserved == ("<A>", "<B>")
    assert special_tokens_in("x = '<B>'", fam) == ["<B>"]
    with pytest.raises(ValueError, match="three different"):
        family("custom", {"fim_prefix": "<X>", "fim_middle": "<X>", "fim_suffix": "<S>", "eos": "</s>"})


def test_layout_time_fim_with_a_generator_per_path_does_not_depend_on_neighbours() -> None:
    fam = FAMILIES["starcoder"]

    def rng_for(path: str) -> random.Random:
        return random.Random(f"7:{path}")

    transform = file_fim(rng_for, rate=0.5, spm_rate=0.5, family=fam)
    alone = {p: repo_documents("r", [(p, c)], fam, 10_000, fim=transform)[0] for p, c in FILES}
    (together,) = repo_documents("r", FILES[::-1], fam, 10_000, fim=transform)
    for p, _c in FILES:
        entry = alone[p][len("<repo_name>r"): -len(fam.eos)]
        assert entry in together
    assert any(fam.fim_prefix in d for d in alone.values()) and any(fam.fim_prefix not in d for d in alone.values())
