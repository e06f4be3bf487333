"""Visible text of an HTML page, for StarCoder's HTML filter (visible text >= 100 chars and >= 20 %).

StarCoder took BeautifulSoup's get_text() after removing <script> and <style>; the standard library's
HTMLParser gives the same character data (whitespace between tags included, comments and declarations
excluded) without adding a dependency.
"""

from __future__ import annotations

from html.parser import HTMLParser

_HIDDEN = frozenset({"script", "style"})


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chars = 0
        self._hidden_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self._hidden_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN and self._hidden_depth:
            self._hidden_depth -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden_depth:
            self.chars += len(data)


def visible_text_chars(html: str) -> int:
    """Number of characters of text a browser would render (outside script and style elements)."""
    parser = _VisibleText()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # HTMLParser is lenient; whatever it still raises leaves the count so far
        pass
    return parser.chars
