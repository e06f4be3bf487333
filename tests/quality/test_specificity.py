from __future__ import annotations

import pytest

from codemill.quality.specificity import clean_message, identifiers, is_templated, specificity


@pytest.mark.parametrize("message", ["update", "fix bug", "changes", "wip", "Minor fixes.", "fix stuff",
                                     "Refactor code", "Update README.md", "Fix typo", "more tests"])
def test_generic_messages_score_near_zero(message: str) -> None:
    assert specificity(message) <= 0.05


@pytest.mark.parametrize("message", [
    "Bump urllib3 from 1.26.5 to 1.26.18",
    "build(deps): bump actions/checkout from 3 to 4",
    "chore(deps): update dependency eslint to v8.57.0",
    "[pre-commit.ci] pre-commit autoupdate",
    "Merge pull request #4411 from someone/patch-1",
    "Release 2.31.0",
    "serde-1.0.190",
    "deps: update golang.org/x/net to v0.17.0",
    "[maven-release-plugin] prepare for next development iteration",
])
def test_templated_bot_messages_score_low(message: str) -> None:
    assert specificity(message) <= 0.15


@pytest.mark.parametrize(("specific", "generic"), [
    ("Fix off-by-one in pagination when results are empty", "Fix pagination"),
    ("Raise `InvalidHeader` when a header value contains a newline", "Fix header bug"),
    ("Return None instead of raising KeyError in Config.get_section", "Update config"),
    ("parse_date: accept a trailing Z as UTC so that ISO timestamps from GitHub load", "fix date stuff"),
    ("Fix pagination when results are empty", "fix"),
])
def test_specific_message_beats_its_generic_counterpart(specific: str, generic: str) -> None:
    assert specificity(specific) > specificity(generic) + 0.1


def test_a_fix_must_say_what_was_wrong_an_addition_only_what_it_adds() -> None:
    assert specificity("Fix pagination") < specificity("Fix pagination when results are empty")
    assert specificity("Add `chalk.stderr`") > specificity("Fix `chalk.stderr`")


def test_a_focused_message_with_names_and_behaviour_scores_high() -> None:
    assert specificity("Return an empty list from Paginator.page() when offset exceeds the total") > 0.75


def test_identifiers_cover_the_usual_shapes() -> None:
    found = identifiers("max_retries in HttpAdapter.send(), `timeout=None`, parseHeader, setup.cfg, --no-cache, E501")
    assert {"max_retries", "HttpAdapter.send", "timeout=None", "parseHeader", "setup.cfg", "--no-cache",
            "E501"} <= found


def test_prose_has_no_identifiers() -> None:
    assert identifiers("Make the error message clearer for new users, e.g. on first run") == set()


def test_trailers_urls_and_conventional_type_are_not_content() -> None:
    subject, body = clean_message("fix(cli): handle empty input\n\nSigned-off-by: A <a@b.c>\nSee https://x.org/1")
    assert subject == "cli handle empty input"
    assert body == "See"
    # A generic message does not become specific by its sign-off.
    assert specificity("fix\n\nSigned-off-by: Ada Lovelace <ada@example.org>") <= 0.05


def test_very_long_messages_lose_length_credit() -> None:
    focused = "Retry idempotent requests on ConnectionResetError instead of failing"
    rambling = focused + "\n\n" + " ".join(["Also touched the surrounding modules while here."] * 150)
    assert specificity(rambling) < specificity(focused)


def test_templated_recognition_is_about_the_template_not_the_word() -> None:
    assert is_templated("Bump pytest from 7.4.0 to 8.0.0")
    assert not is_templated("Bump the default pool size to 20 when running under gunicorn")
    assert not is_templated("Update Session.send to retry on ConnectionResetError")
    assert not is_templated("update translation links from http to https")


def test_empty_message_scores_zero() -> None:
    assert specificity("") == 0.0
    assert specificity("   \n\n") == 0.0
