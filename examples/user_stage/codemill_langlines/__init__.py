"""An example user stage for codemill (see README.md)."""

from codemill_langlines.stage import LangLinesConfig, LangLinesStage

__all__ = ["LangLinesConfig", "LangLinesStage"]
