"""codemill.instruction: squash lists, trailers and bot boilerplate of real commit messages removed, the task kept."""

from __future__ import annotations

from codemill.instruction import clean

# The shape GitHub writes for a squash merge (a real message of colinhacks/zod, shortened).
SQUASH = """perf(v4): prefix issue paths in place in the object JIT failure path (#6445)

* perf(v4): prefix issue paths in place in object JIT failure path

* perf(v4): build the object JIT's prefix loop once

The three call sites emit identical code, so the template goes in a builder.

* Lint

* 1 pct is enough

---------

Co-authored-by: someone <someone@example.com>"""

DEPENDABOT = """Bump lodash from 4.17.20 to 4.17.21 (#123)

Bumps [lodash](https://github.com/lodash/lodash) from 4.17.20 to 4.17.21.
- [Release notes](https://github.com/lodash/lodash/releases)
- [Commits](https://github.com/lodash/lodash/compare/4.17.20...4.17.21)

---
updated-dependencies:
- dependency-name: lodash
  dependency-type: direct:production
...

Signed-off-by: dependabot[bot] <support@github.com>"""


def test_squash_list_and_trailers_go_the_title_stays() -> None:
    c = clean(SQUASH)
    assert c.text == "perf(v4): prefix issue paths in place in the object JIT failure path"
    assert c.removed["squash_list"] >= 4 and c.removed["trailer"] == 1 and c.removed["separator"] == 1
    assert c.removed["pr_suffix"] == 1


def test_prose_before_a_squash_list_is_kept() -> None:
    c = clean("Fix retry on 503 (#9)\n\nRetries used the old delay.\n\n* wip\n\n* fix tests")
    assert c.text == "Fix retry on 503\n\nRetries used the old delay."


def test_bullets_of_an_ordinary_commit_are_content() -> None:
    msg = "Rework the config loader\n\n* read TOML as well as INI\n* reject unknown keys"
    assert clean(msg).text == msg


def test_bot_boilerplate() -> None:
    assert clean(DEPENDABOT).text == ("Bump lodash from 4.17.20 to 4.17.21\n\n"
                                      "Bumps lodash from 4.17.20 to 4.17.21.")


def test_references_tags_emoji_and_template_leftovers() -> None:
    msg = (":bug: Fix std::vector::iterator crash when list is empty [skip ci]\n\nFixes #12.\n"
           "The iterator was dereferenced past the end.\n\n<!-- describe your change -->\n- [x] tests added\n"
           "See owner/repo#7 and #8\n\n(cherry picked from commit 0123456789abc)\nChange-Id: I0123")
    c = clean(msg)
    assert c.text == ("Fix std::vector::iterator crash when list is empty\n\n"
                      "The iterator was dereferenced past the end.")
    assert c.removed["issue_ref"] == 2 and c.removed["emoji"] == 1 and c.removed["skip_tag"] == 1
    assert clean("✨ Add `--json` output").text == "Add `--json` output"


def test_what_looks_like_a_reference_inside_prose_stays() -> None:
    msg = "Handle #123 in anchors\n\nLinks such as page#123 were split at the hash; see issue #5 for the report."
    assert clean(msg).text == msg


def test_reverts_keep_their_reference() -> None:
    msg = 'Revert "Add retry"\n\nThis reverts commit 0123456789abcdef0123456789abcdef01234567.'
    assert clean(msg).text == msg


def test_windows_newlines_and_blank_runs() -> None:
    assert clean("Add x\r\n\r\n\r\n\r\nbody line\r\n").text == "Add x\n\nbody line"


def test_what_a_pull_request_template_leaves_behind() -> None:
    msg = """fix: reject hostnames with a trailing hyphen in the RFC 952 validator (#1570)

## Fixes Or Enhances

Hostname labels ending in a hyphen are now rejected.

**Make sure that you've checked the boxes below before you submit PR:**
- [x] Tests exist or have been written that cover this particular
change.

## Notes

@go-playground/validator-maintainers"""
    c = clean(msg)
    assert c.text == ("fix: reject hostnames with a trailing hyphen in the RFC 952 validator\n\n"
                      "## Fixes Or Enhances\n\nHostname labels ending in a hyphen are now rejected.")
    assert clean("Add x\n\n- Mentions #909\n- Accept y").text == "Add x\n\n- Accept y"
