"""Decontaminator on HumanEval: planted copies are found, real library files are not."""

from __future__ import annotations

import pickle
import re
import sys
import textwrap
from pathlib import Path

import pytest

from codemill.decontam import BenchmarkItem, Decontaminator, Match, load_benchmarks, normalize, tokens
from codemill.decontam.matcher import _scan

SITE = Path(sys.prefix) / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
# Packages the project depends on (always installed), read in a fixed order.
PACKAGES = ("click", "rich", "typer", "idna", "pydantic", "attr", "charset_normalizer", "license_expression")


def real_files() -> list[tuple[str, str]]:
    out = []
    for pkg in PACKAGES:
        for f in sorted((SITE / pkg).rglob("*.py")) if (SITE / pkg).is_dir() else []:
            out.append((f"{pkg}/{f.relative_to(SITE / pkg)}", f.read_text("utf-8", errors="replace")))
    return out


@pytest.fixture(scope="module")
def items() -> list[BenchmarkItem]:
    return load_benchmarks()


@pytest.fixture(scope="module")
def decon(items: list[BenchmarkItem]) -> Decontaminator:
    return Decontaminator(items)


@pytest.fixture(scope="module")
def host() -> str:
    """A real module to plant benchmark code in; it must not match on its own."""
    files = [t for _, t in real_files() if 4000 < len(t) < 20000]
    if not files:
        pytest.skip("no real source files in site-packages")
    return files[0]


def by_id(items: list[BenchmarkItem], item_id: str) -> BenchmarkItem:
    return next(i for i in items if i.item_id == item_id)


def test_real_library_files_do_not_match(decon: Decontaminator) -> None:
    files = real_files()
    assert len(files) > 200
    matched = [(name, m) for name, text in files if (m := decon.match(text))]
    assert matched == []


def test_planted_prompt_and_solution_reformatted_is_found_with_its_id(
    decon: Decontaminator, items: list[BenchmarkItem], host: str
) -> None:
    assert decon.match(host) is None
    for item_id in ("HumanEval/0", "HumanEval/129", "HumanEval/163"):
        whole = by_id(items, item_id).texts[2]
        # a method of a class: indented one more level, tabs, CRLF, no spaces around operators
        planted = textwrap.indent(whole.replace("    ", "\t"), "    ")
        planted = re.sub(r" ?([=+*<>%-]) ?", r"\1", planted).replace("\n", "\r\n")
        cut = len(host) // 2
        cut = host.index("\n", cut) + 1
        text = host[:cut] + "\nclass Helpers:\n" + planted + "\n" + host[cut:]
        m = decon.match(text)
        assert m is not None
        assert (m.benchmark, m.item_id, m.kind) == ("humaneval", item_id, "substring")


def test_docstring_alone_in_an_instruction_pair_is_found(decon: Decontaminator, items: list[BenchmarkItem]) -> None:
    doc = by_id(items, "HumanEval/17").texts[3]
    pair = f"### Instruction\nImplement this:\n{doc}\n\n### Response\ndef f(s):\n    return [4]\n"
    m = decon.match(pair)
    assert m is not None and (m.item_id, m.kind) == ("HumanEval/17", "substring")


def test_one_shared_ngram_is_found_and_one_token_fewer_is_not(
    items: list[BenchmarkItem], decon: Decontaminator, host: str
) -> None:
    solution = by_id(items, "HumanEval/0").texts[1]
    assert "distance = abs(elem - elem2)\n                if distance < threshold" in solution
    # exactly 10 tokens shared with the solution: distance = abs ( elem - elem2 ) if distance
    ten = (
        "def pairs(elem, elem2):\n    total = 0\n    distance = abs(elem - elem2)\n"
        "    if distance > 0:\n        total += 1\n"
    )
    nine = ten.replace("if distance > 0", "if elem > 0")  # the 10th token differs
    m = decon.match(host + "\n\n" + ten)
    assert m == Match("humaneval", "HumanEval/0", "ngram", "distance = abs ( elem - elem2 ) if distance")
    assert decon.match(host + "\n\n" + nine) is None
    # the n-gram length is a parameter: at 9 tokens the shorter overlap is found
    m9 = Decontaminator(items, ngram=9).match(nine)
    assert m9 is not None and (m9.item_id, m9.kind) == ("HumanEval/0", "ngram")


def test_generic_ngrams_are_not_evidence(decon: Decontaminator) -> None:
    # 10+ tokens shared with HumanEval prompts/solutions, but only keywords, builtins, punctuation, common words
    text = (
        "def is_ready(self) -> bool:\n"
        '    """Check if the worker is ready."""\n'
        "    for i in range(len(numbers)):\n"
        "        result.append(i)\n"
        '    names = ["one", "two", "three", "four"]\n'
        "    return [1, 2, 3, 4, 5, 6, 7, 8]\n"
    )
    assert decon.match(text) is None
    raw = Decontaminator(load_benchmarks(), max_items_per_ngram=10**9, min_informative_tokens=0)
    assert raw.match(text) is not None  # the filter, not a lack of overlap, is why it passes
    # Counting in prose shares "one , two , three , four , five" with HumanEval/101's docstring (square/okio ships
    # Moby-Dick as a test asset): number words are not evidence.
    moby = '"One, two, three, four, five;--there were five oars, sir, and here are five men."\n'
    assert decon.match(moby * 3) is None


def test_short_texts_are_not_used_as_substrings() -> None:
    item = BenchmarkItem("tiny", "1", ("return a + b",))
    text = "def add(a, b):\n    return a + b\n"
    assert Decontaminator([item]).match(text) is None
    m = Decontaminator([item], min_substring_chars=8).match(text)
    assert m == Match("tiny", "1", "substring", "return a + b")


def test_texts_with_few_or_no_interior_tokens_are_still_substring_checked() -> None:
    long_word = "x" * 60
    items = [
        BenchmarkItem("b", "few", ("supercalifragilisticexpialidocious_and_antidisestablishmentarianism(z)",)),
        BenchmarkItem("b", "none", (long_word,)),
    ]
    d = Decontaminator(items)
    assert d.match("y = 1\nsupercalifragilisticexpialidocious_and_antidisestablishmentarianism (z)\n") == Match(
        "b", "few", "substring", "supercalifragilisticexpialidocious_and_antidisestablishmentarianism(z)"
    )
    m = d.match(f"data = '{long_word}'\n")
    assert m is not None and m.item_id == "none"
    assert d.match("data = 'x'\n") is None
    assert d.match("") is None


def test_swebench_fix_in_a_later_file_is_found(tmp_path: Path) -> None:
    item = BenchmarkItem(
        "swe",
        "pallets__flask-4045",
        (
            "Flask.run ignores SERVER_NAME.",
            "        host = self.config.get('SERVER_NAME')\n        port = int(self.config.get('PORT', 5000))\n",
        ),
    )
    later = (
        "class Flask:\n    def run(self):\n        host = self.config.get( 'SERVER_NAME' )\n"
        "        port = int(self.config.get('PORT', 5000))\n        return host, port\n"
    )
    m = Decontaminator([item]).match(later)
    assert m is not None and (m.item_id, m.kind) == ("pallets__flask-4045", "substring")


def test_vectorised_tokenizer_agrees_with_the_regex() -> None:
    texts = [t for _, t in real_files()[:150]]
    texts += ["x=1.5e-3;y=0x1F ü_name→arrow 'str' \x00\x1c\x7f", "", "   ", "a", "((", "naïve café 日本語 = 3"]
    for text in texts:
        norm = normalize(text)
        starts, hashes = _scan(norm)
        toks = tokens(norm)
        assert len(hashes) == len(toks)
        assert [norm[s : s + len(t)] for s, t in zip(starts.tolist(), toks, strict=True)] == toks


def test_normalize_is_case_and_whitespace_insensitive() -> None:
    assert normalize("  Def  F(x):\r\n\tRETURN x\n") == normalize("def f(x): return x") == b"def f(x): return x"


def test_digest_is_stable_and_follows_items_and_parameters(items: list[BenchmarkItem]) -> None:
    base = Decontaminator(items[:20])
    assert base.digest() == Decontaminator(list(items[:20])).digest()
    changed_text = BenchmarkItem(items[0].benchmark, items[0].item_id, (*items[0].texts[:-1], "other"))
    others = [
        Decontaminator(items[:20], ngram=13),
        Decontaminator(items[:20], min_substring_chars=80),
        Decontaminator(items[:20], min_informative_tokens=3),
        Decontaminator(items[:19]),
        Decontaminator(items[:21]),
        Decontaminator([changed_text, *items[1:20]]),
        Decontaminator([BenchmarkItem("renamed", i.item_id, i.texts) for i in items[:20]]),
    ]
    digests = {base.digest(), *(d.digest() for d in others)}
    assert len(digests) == len(others) + 1


def test_invalid_parameters_are_rejected(items: list[BenchmarkItem]) -> None:
    with pytest.raises(ValueError, match="ngram"):
        Decontaminator(items, ngram=1)
    with pytest.raises(ValueError, match="min_substring_chars"):
        Decontaminator(items, min_substring_chars=0)


def test_pickled_decontaminator_matches_the_same(decon: Decontaminator, items: list[BenchmarkItem], host: str) -> None:
    """Stages ship the built index to worker processes."""
    copy = pickle.loads(pickle.dumps(decon))
    planted = host + "\n" + by_id(items, "HumanEval/42").texts[2]
    assert copy.digest() == decon.digest()
    assert (
        copy.match(planted)
        == decon.match(planted)
        == Match(
            "humaneval",
            "HumanEval/42",
            "substring",
            normalize(by_id(items, "HumanEval/42").texts[0]).decode()[:117] + "...",
        )
    )
