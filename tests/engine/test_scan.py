"""What one static read of a source states: imports, candidate data names, literal class attributes, name tuples;
and that it survives the JSON the cache stores it as."""

from __future__ import annotations

from codemill.engine.scan import Scan, scan_source

SOURCE = b'''
from codemill.engine.stage import Stage
from . import sibling
import json
from codemill.files import decode as _d

MODEL = "model.json"
PIPELINE = (AStage, BStage)

class AStage(Stage[int]):
    name = "a"
    upstream: tuple = ("x", "y")
    version = 2
    schema = make_schema()

    def plan(self):
        import codemill.later

@register
class BStage(Stage):
    name = "b"

class CStage(Stage):
    name = "c"
    upstream = ()
    upstream += ("z",)

CStage.version = 3
'''


def test_a_scan_states_what_the_source_writes() -> None:
    s = scan_source(SOURCE, "codemill.stages.demo", ("codemill",))
    assert set(s.imports) == {("codemill.engine.stage", ("Stage",)), ("codemill.stages.demo", ("sibling",)),
                              ("codemill.files", ("decode",)), ("codemill.later", None)}
    assert "model.json" in s.strings and "json" not in {m for m, _n in s.imports}
    assert s.tuples == {"PIPELINE": ("AStage", "BStage")}
    a, b, c = s.classes["AStage"], s.classes["BStage"], s.classes["CStage"]
    assert a.bases == ("Stage[int]",) and a.plain
    assert a.attrs == {"name": "a", "upstream": ("x", "y"), "version": 2}
    assert set(a.other) == {"schema", "plan"}
    assert not b.plain  # decorated: the decorator may change anything
    assert not c.plain and "upstream" in c.other  # augmented in the body, patched after it


def test_a_scan_round_trips_through_json_and_a_broken_file_reads_empty() -> None:
    s = scan_source(SOURCE, "codemill.stages.demo", ("codemill",))
    assert Scan.from_json(s.to_json()) == s
    assert scan_source(b"def broken(:\n", "codemill", ("codemill",)) == Scan((), (), {}, {})
