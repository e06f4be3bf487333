from __future__ import annotations

from codemill.llm import extract_blocks


def test_blocks_in_order_with_languages() -> None:
    text = "Problem.\n\n```Python\nx = 1\n```\n\nTests:\n\n```py title=test_x.py\nassert x == 1\n```\n```\nplain\n```"
    assert extract_blocks(text) == [("python", "x = 1"), ("py", "assert x == 1"), ("", "plain")]


def test_longer_and_tilde_fences_can_quote_shorter_ones() -> None:
    text = "````markdown\nUse:\n```python\nprint(1)\n```\n````\n~~~bash\necho ```\n~~~\n"
    assert extract_blocks(text) == [("markdown", "Use:\n```python\nprint(1)\n```"), ("bash", "echo ```")]


def test_indented_fence_is_dedented_and_crlf_is_handled() -> None:
    text = "1. Step:\r\n   ```js\r\n   const a = 1;\r\n     nested();\r\n   ```\r\n"
    assert extract_blocks(text) == [("js", "const a = 1;\n  nested();")]


def test_unclosed_block_and_inline_backticks_are_not_blocks() -> None:
    assert extract_blocks("Call ```foo()``` first.\n```python\ndef half(") == []
    assert extract_blocks("no code here") == []


def test_empty_block_and_braced_info_string() -> None:
    assert extract_blocks("```{.rust}\n```\n") == [("rust", "")]
