from __future__ import annotations

import pytest
from pydantic import ValidationError

from codemill.licenses import (
    DEFAULT_ALLOW,
    DROP_REASONS,
    LicensePolicy,
    classify,
    decide,
)


@pytest.mark.parametrize(
    ("expr", "category"),
    [
        ("MIT", "permissive"),
        ("Apache-2.0", "permissive"),
        ("BSD-3-Clause", "permissive"),
        ("0BSD", "permissive"),
        ("CC0-1.0", "public_domain"),
        ("Unlicense", "public_domain"),
        ("LGPL-2.1-only", "weak_copyleft"),
        ("MPL-2.0", "weak_copyleft"),
        ("EPL-2.0", "weak_copyleft"),
        ("Artistic-2.0", "weak_copyleft"),
        ("GPL-2.0-only", "copyleft"),
        ("GPL-3.0-or-later", "copyleft"),
        ("AGPL-3.0-only", "copyleft"),
        ("SSPL-1.0", "copyleft"),
        ("EUPL-1.2", "copyleft"),
        ("OSL-3.0", "copyleft"),
        ("CC-BY-NC-4.0", "restrictive"),
        ("CC-BY-NC-SA-4.0", "restrictive"),
        ("BUSL-1.1", "restrictive"),
        ("Elastic-2.0", "restrictive"),
        ("LicenseRef-Proprietary", "unknown"),
        ("LicenseRef-codemill-proprietary", "restrictive"),
        ("LicenseRef-codemill-GPL", "copyleft"),
        ("NotARealLicense-9", "unknown"),
        ("GPL-2.0-only WITH Classpath-exception-2.0", "weak_copyleft"),
        ("Apache-2.0 WITH LLVM-exception", "permissive"),
        ("MIT OR GPL-3.0-only", "permissive"),
        ("MIT AND GPL-3.0-only", "copyleft"),
        ("GPL-3.0-only AND BUSL-1.1", "restrictive"),
        ("(MIT OR GPL-2.0-only) AND LGPL-2.1-only", "weak_copyleft"),
    ],
)
def test_classify(expr, category):
    assert classify(expr) == category


@pytest.mark.parametrize(
    ("expr", "reason"),
    [
        ("MIT", None),
        ("mit", None),
        ("Apache-2.0 OR GPL-2.0-only", None),  # the licensee may choose Apache-2.0
        ("MIT AND Apache-2.0", None),
        ("MIT AND GPL-2.0-only", "license_copyleft"),  # AND: every part must be allowed
        ("GPL-2.0-only OR AGPL-3.0-only", "license_copyleft"),
        ("LGPL-2.1-only", "license_weak_copyleft"),
        ("GPL-2.0-only OR LGPL-2.1-only", "license_weak_copyleft"),  # OR: the mildest refusal
        ("GPL-2.0-only WITH Classpath-exception-2.0", "license_weak_copyleft"),
        ("Apache-2.0 WITH LLVM-exception", None),  # an exception only adds permissions
        ("CC-BY-NC-4.0", "license_restrictive"),
        ("MIT AND BUSL-1.1", "license_restrictive"),
        ("LicenseRef-Proprietary", "license_unknown"),
        ("WTFPL", "license_not_allowed"),
        ("Artistic-2.0", "license_weak_copyleft"),
        (None, "license_missing"),
        ("", "license_missing"),
        ("Some custom words", "license_unknown"),
    ],
)
def test_decide_default_policy(expr, reason):
    assert decide(expr) == reason
    assert reason is None or reason in DROP_REASONS


def test_drop_reasons_are_distinct():
    assert len(set(DROP_REASONS)) == len(DROP_REASONS)
    assert {"license_copyleft", "license_weak_copyleft", "license_restrictive", "license_unknown",
            "license_missing"} <= set(DROP_REASONS)  # fmt: skip


def test_keep_missing_and_unknown():
    assert decide(None, LicensePolicy(keep_missing=True)) is None
    unknown = LicensePolicy(keep_unknown=True)
    assert decide("LicenseRef-Custom", unknown) is None
    assert decide("LicenseRef-Custom AND MIT", unknown) is None
    assert decide("LicenseRef-Custom AND GPL-3.0-only", unknown) == "license_copyleft"
    assert decide("LicenseRef-Custom AND MIT") == "license_unknown"


def test_allow_list_is_the_policy():
    gpl_ok = LicensePolicy(allow=["MIT", "gpl-3.0-or-later"])
    assert gpl_ok.allow == ["GPL-3.0-or-later", "MIT"]
    assert decide("GPL-3.0-or-later", gpl_ok) is None
    assert decide("Apache-2.0", gpl_ok) == "license_not_allowed"


def test_default_allow_list():
    policy = LicensePolicy()
    assert set(policy.allow) == set(DEFAULT_ALLOW)
    assert "Artistic-2.0" not in policy.allow
    for key in policy.allow:
        assert classify(key) in {"permissive", "public_domain"}, key


def test_policy_rejects_unknown_keys_and_expressions():
    with pytest.raises(ValidationError):
        LicensePolicy(allow=["MIT"], keep_everything=True)
    with pytest.raises(ValidationError):
        LicensePolicy(allow=["MIT OR Apache-2.0"])
    policy = LicensePolicy.model_validate({"allow": ["MIT"], "keep_missing": True})
    assert policy.model_dump() == {"allow": ["MIT"], "keep_missing": True, "keep_unknown": False}
