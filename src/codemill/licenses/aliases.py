"""License names as people write them in metadata, and Python's trove classifiers, mapped to SPDX.

Package metadata predates SPDX: `license="Apache License, Version 2.0"`, `"GPLv3+"`, `"BSD"`, or a classifier
`License :: OSI Approved :: MIT License`. A name that pins one license maps to its SPDX id. A name that only
pins a family (`BSD`, `GPL` with no version, `Public Domain`) maps to one of our `LicenseRef-codemill-*` refs:
classification still knows what kind of license it is (an unversioned GPL is copyleft whatever its version),
but it is never mistaken for a specific SPDX id, and resolution prefers a specific id from the same family
whenever the repository has one (usually its LICENSE file).
"""

from __future__ import annotations

import re

REF_PREFIX = "LicenseRef-codemill-"
UNKNOWN_REF = f"{REF_PREFIX}unknown"
PROPRIETARY_REF = f"{REF_PREFIX}proprietary"
PUBLIC_DOMAIN_REF = f"{REF_PREFIX}public-domain"


def family_ref(name: str) -> str:
    return f"{REF_PREFIX}{name}"


# Our refs: the family each stands for (the SPDX key prefix it refines to) and its category.
FAMILY_REFS: dict[str, tuple[str, str]] = {
    family_ref("BSD"): ("BSD-", "permissive"),
    family_ref("GPL"): ("GPL-", "copyleft"),
    family_ref("LGPL"): ("LGPL-", "weak_copyleft"),
    family_ref("AGPL"): ("AGPL-", "copyleft"),
    family_ref("MPL"): ("MPL-", "weak_copyleft"),
    family_ref("EPL"): ("EPL-", "weak_copyleft"),
    family_ref("Artistic"): ("Artistic-", "weak_copyleft"),
    family_ref("CC-BY-NC"): ("CC-BY-NC-", "restrictive"),
    family_ref("Commons-Clause"): ("", "restrictive"),
    PUBLIC_DOMAIN_REF: ("", "public_domain"),
    PROPRIETARY_REF: ("", "restrictive"),
    UNKNOWN_REF: ("", "unknown"),
}

# Free-text names (compared after `_key`: lower case, "licence" -> "license", punctuation dropped, filler
# words removed) -> expression. Written in their usual spelling; keys are derived below.
_NAMES: dict[str, str] = {
    "MIT": "MIT",
    "MIT License": "MIT",
    "The MIT License (MIT)": "MIT",
    "MIT/X11": "MIT",
    "Expat": "MIT",
    "MIT-style": "MIT",
    "X11": "X11",
    "MIT No Attribution": "MIT-0",
    "Apache": "Apache-2.0",
    "Apache 2": "Apache-2.0",
    "Apache 2.0": "Apache-2.0",
    "Apache2": "Apache-2.0",
    "Apache-2": "Apache-2.0",
    "Apache License 2.0": "Apache-2.0",
    "Apache License, Version 2.0": "Apache-2.0",
    "The Apache Software License, Version 2.0": "Apache-2.0",
    "Apache Software License": "Apache-2.0",
    "Apache Software License 2.0": "Apache-2.0",
    "ASL 2.0": "Apache-2.0",
    "ASF 2.0": "Apache-2.0",
    "Apache 1.1": "Apache-1.1",
    "BSD": family_ref("BSD"),
    "BSD License": family_ref("BSD"),
    "BSD-style": family_ref("BSD"),
    "New BSD": "BSD-3-Clause",
    "New BSD License": "BSD-3-Clause",
    "Modified BSD": "BSD-3-Clause",
    "Revised BSD": "BSD-3-Clause",
    "BSD-new": "BSD-3-Clause",
    "3-clause BSD": "BSD-3-Clause",
    "BSD 3-clause": "BSD-3-Clause",
    "BSD 3 clause": "BSD-3-Clause",
    "BSD-3": "BSD-3-Clause",
    "BSD3": "BSD-3-Clause",
    "Simplified BSD": "BSD-2-Clause",
    "FreeBSD": "BSD-2-Clause",
    "2-clause BSD": "BSD-2-Clause",
    "BSD 2-clause": "BSD-2-Clause",
    "BSD 2 clause": "BSD-2-Clause",
    "BSD-2": "BSD-2-Clause",
    "BSD2": "BSD-2-Clause",
    "0BSD": "0BSD",
    "Zero-Clause BSD": "0BSD",
    "ISC": "ISC",
    "ISC License (ISCL)": "ISC",
    "ISCL": "ISC",
    "zlib": "Zlib",
    "zlib/libpng": "Zlib",
    "Boost": "BSL-1.0",
    "Boost Software License": "BSL-1.0",
    "Boost Software License 1.0": "BSL-1.0",
    "Unlicense": "Unlicense",
    "The Unlicense": "Unlicense",
    "CC0": "CC0-1.0",
    "CC0 1.0": "CC0-1.0",
    "CC0 1.0 Universal": "CC0-1.0",
    "Public Domain": PUBLIC_DOMAIN_REF,
    "WTFPL": "WTFPL",
    "PSF": "PSF-2.0",
    "PSFL": "PSF-2.0",
    "Python Software Foundation": "PSF-2.0",
    "Python Software Foundation License": "PSF-2.0",
    "Python": "Python-2.0",
    "MPL": family_ref("MPL"),
    "MPL 2.0": "MPL-2.0",
    "MPL2": "MPL-2.0",
    "MPL-2": "MPL-2.0",
    "MPLv2": "MPL-2.0",
    "Mozilla Public License 2.0": "MPL-2.0",
    "Mozilla Public License, Version 2.0": "MPL-2.0",
    "MPL 1.1": "MPL-1.1",
    "EPL": family_ref("EPL"),
    "EPL 1.0": "EPL-1.0",
    "EPL 2.0": "EPL-2.0",
    "Eclipse Public License 1.0": "EPL-1.0",
    "Eclipse Public License - v 1.0": "EPL-1.0",
    "Eclipse Public License 2.0": "EPL-2.0",
    "Eclipse Public License - v 2.0": "EPL-2.0",
    "EUPL 1.2": "EUPL-1.2",
    "European Union Public License 1.2": "EUPL-1.2",
    "Artistic": family_ref("Artistic"),
    "Artistic 2.0": "Artistic-2.0",
    "Artistic License 2.0": "Artistic-2.0",
    "Perl": "Artistic-1.0-Perl OR GPL-1.0-or-later",
    "Perl 5": "Artistic-1.0-Perl OR GPL-1.0-or-later",
    "same as Perl": "Artistic-1.0-Perl OR GPL-1.0-or-later",
    "Ruby": "Ruby",
    "GPL": family_ref("GPL"),
    "GNU GPL": family_ref("GPL"),
    "GNU General Public License": family_ref("GPL"),
    "GPLv2": "GPL-2.0-only",
    "GPL v2": "GPL-2.0-only",
    "GPL 2": "GPL-2.0-only",
    "GPL 2.0": "GPL-2.0-only",
    "GNU GPL v2": "GPL-2.0-only",
    "GNU GPLv2": "GPL-2.0-only",
    "GNU General Public License v2": "GPL-2.0-only",
    "GNU General Public License version 2": "GPL-2.0-only",
    "GPLv2+": "GPL-2.0-or-later",
    "GPL 2+": "GPL-2.0-or-later",
    "GPLv2 or later": "GPL-2.0-or-later",
    "GNU GPL v2 or later": "GPL-2.0-or-later",
    "GNU General Public License v2 or later": "GPL-2.0-or-later",
    "GPLv3": "GPL-3.0-only",
    "GPL v3": "GPL-3.0-only",
    "GPL 3": "GPL-3.0-only",
    "GPL 3.0": "GPL-3.0-only",
    "GNU GPL v3": "GPL-3.0-only",
    "GNU GPLv3": "GPL-3.0-only",
    "GNU General Public License v3": "GPL-3.0-only",
    "GNU General Public License version 3": "GPL-3.0-only",
    "GPLv3+": "GPL-3.0-or-later",
    "GPL 3+": "GPL-3.0-or-later",
    "GPLv3 or later": "GPL-3.0-or-later",
    "GNU GPL v3 or later": "GPL-3.0-or-later",
    "GNU General Public License v3 or later": "GPL-3.0-or-later",
    "LGPL": family_ref("LGPL"),
    "GNU LGPL": family_ref("LGPL"),
    "GNU Lesser General Public License": family_ref("LGPL"),
    "LGPLv2": "LGPL-2.0-only",
    "LGPLv2+": "LGPL-2.0-or-later",
    "LGPLv2.1": "LGPL-2.1-only",
    "LGPL 2.1": "LGPL-2.1-only",
    "LGPLv2.1+": "LGPL-2.1-or-later",
    "LGPL 2.1+": "LGPL-2.1-or-later",
    "LGPLv3": "LGPL-3.0-only",
    "LGPL 3": "LGPL-3.0-only",
    "LGPL 3.0": "LGPL-3.0-only",
    "LGPLv3+": "LGPL-3.0-or-later",
    "LGPL 3+": "LGPL-3.0-or-later",
    "AGPL": family_ref("AGPL"),
    "GNU AGPL": family_ref("AGPL"),
    "AGPLv3": "AGPL-3.0-only",
    "AGPL 3": "AGPL-3.0-only",
    "AGPL 3.0": "AGPL-3.0-only",
    "GNU AGPLv3": "AGPL-3.0-only",
    "AGPLv3+": "AGPL-3.0-or-later",
    "AGPL 3+": "AGPL-3.0-or-later",
    "GNU Affero General Public License v3": "AGPL-3.0-only",
    "GNU Affero General Public License v3 or later": "AGPL-3.0-or-later",
    "CC BY 4.0": "CC-BY-4.0",
    "Creative Commons Attribution 4.0 International": "CC-BY-4.0",
    "Creative Commons Attribution-ShareAlike 4.0 International": "CC-BY-SA-4.0",
    "Creative Commons Attribution-NonCommercial 4.0 International": "CC-BY-NC-4.0",
    "Creative Commons Attribution-NonCommercial-ShareAlike 4.0 International": "CC-BY-NC-SA-4.0",
    "Creative Commons Attribution-NonCommercial-NoDerivatives 4.0 International": "CC-BY-NC-ND-4.0",
    "Creative Commons Attribution-NoDerivatives 4.0 International": "CC-BY-ND-4.0",
    "Creative Commons Attribution 3.0 Unported": "CC-BY-3.0",
    "Creative Commons Attribution-ShareAlike 3.0 Unported": "CC-BY-SA-3.0",
    "Creative Commons Attribution-NonCommercial 3.0 Unported": "CC-BY-NC-3.0",
    "Creative Commons Attribution-NonCommercial-ShareAlike 3.0 Unported": "CC-BY-NC-SA-3.0",
    "CC BY-SA 4.0": "CC-BY-SA-4.0",
    "CC BY-NC": family_ref("CC-BY-NC"),
    "CC BY-NC 4.0": "CC-BY-NC-4.0",
    "CC BY-NC-SA 4.0": "CC-BY-NC-SA-4.0",
    "Proprietary": PROPRIETARY_REF,
    "Commercial": PROPRIETARY_REF,
    "All rights reserved": PROPRIETARY_REF,
    "Other/Proprietary": PROPRIETARY_REF,
    "UNLICENSED": PROPRIETARY_REF,
    "Commons Clause": family_ref("Commons-Clause"),
}

# Python trove classifiers (the part after "License :: "), exactly as PyPI lists them.
_CLASSIFIERS: dict[str, str] = {
    "OSI Approved :: MIT License": "MIT",
    "OSI Approved :: MIT No Attribution License (MIT-0)": "MIT-0",
    "OSI Approved :: Apache Software License": "Apache-2.0",
    "OSI Approved :: BSD License": family_ref("BSD"),
    "OSI Approved :: ISC License (ISCL)": "ISC",
    "OSI Approved :: zlib/libpng License": "Zlib",
    "OSI Approved :: Boost Software License 1.0 (BSL-1.0)": "BSL-1.0",
    "OSI Approved :: The Unlicense (Unlicense)": "Unlicense",
    "OSI Approved :: Python Software Foundation License": "PSF-2.0",
    "OSI Approved :: Universal Permissive License (UPL)": "UPL-1.0",
    "OSI Approved :: University of Illinois/NCSA Open Source License": "NCSA",
    "OSI Approved :: Historical Permission Notice and Disclaimer (HPND)": "HPND",
    "OSI Approved :: Blue Oak Model License (BlueOak-1.0.0)": "BlueOak-1.0.0",
    "OSI Approved :: Zero-Clause BSD (0BSD)": "0BSD",
    "OSI Approved :: Mozilla Public License 1.0 (MPL)": "MPL-1.0",
    "OSI Approved :: Mozilla Public License 1.1 (MPL 1.1)": "MPL-1.1",
    "OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "OSI Approved :: Eclipse Public License 1.0 (EPL-1.0)": "EPL-1.0",
    "OSI Approved :: Eclipse Public License 2.0 (EPL-2.0)": "EPL-2.0",
    "OSI Approved :: Common Development and Distribution License 1.0 (CDDL-1.0)": "CDDL-1.0",
    "OSI Approved :: European Union Public Licence 1.0 (EUPL 1.0)": "EUPL-1.0",
    "OSI Approved :: European Union Public Licence 1.1 (EUPL 1.1)": "EUPL-1.1",
    "OSI Approved :: European Union Public Licence 1.2 (EUPL 1.2)": "EUPL-1.2",
    "OSI Approved :: Artistic License": family_ref("Artistic"),
    "OSI Approved :: Academic Free License (AFL)": "AFL-3.0",
    "OSI Approved :: GNU General Public License (GPL)": family_ref("GPL"),
    "OSI Approved :: GNU General Public License v2 (GPLv2)": "GPL-2.0-only",
    "OSI Approved :: GNU General Public License v2 or later (GPLv2+)": "GPL-2.0-or-later",
    "OSI Approved :: GNU General Public License v3 (GPLv3)": "GPL-3.0-only",
    "OSI Approved :: GNU General Public License v3 or later (GPLv3+)": "GPL-3.0-or-later",
    "OSI Approved :: GNU Lesser General Public License v2 (LGPLv2)": "LGPL-2.0-only",
    "OSI Approved :: GNU Lesser General Public License v2 or later (LGPLv2+)": "LGPL-2.0-or-later",
    "OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)": "LGPL-3.0-only",
    "OSI Approved :: GNU Lesser General Public License v3 or later (LGPLv3+)": "LGPL-3.0-or-later",
    "OSI Approved :: GNU Library or Lesser General Public License (LGPL)": family_ref("LGPL"),
    "OSI Approved :: GNU Affero General Public License v3": "AGPL-3.0-only",
    "OSI Approved :: GNU Affero General Public License v3 or later (AGPLv3+)": "AGPL-3.0-or-later",
    "OSI Approved :: Server Side Public License (SSPL)": "SSPL-1.0",
    "CC0 1.0 Universal (CC0 1.0) Public Domain Dedication": "CC0-1.0",
    "Public Domain": PUBLIC_DOMAIN_REF,
    "Other/Proprietary License": PROPRIETARY_REF,
    "Free For Educational Use": PROPRIETARY_REF,
    "Free For Home Use": PROPRIETARY_REF,
    "Free for non-commercial use": PROPRIETARY_REF,
    "Freeware": PROPRIETARY_REF,
    "Shareware": PROPRIETARY_REF,
    "Free To Use But Restricted": PROPRIETARY_REF,
    "Eiffel Forum License (EFL)": "EFL-2.0",
    "GUST Font License 1.0": "LPPL-1.3c",
    "Nokia Open Source License (NOKOS)": "Nokia",
    "Aladdin Free Public License (AFPL)": "Aladdin",
    "Repoze Public License": "BSD-3-Clause",
}

# Words that carry no identity in a license name.
_FILLER = {"the", "license", "licence", "licensed", "version", "software", "v", "public", "under"}


def _key(name: str) -> str:
    s = name.lower().replace("licence", "license")
    s = re.sub(r"\bv(?:ersion)?\.?\s*(\d)", r" \1", s)  # "v2", "version 2", "v.2" -> " 2"
    s = re.sub(r"(?<=[a-z])v(?=\d)", " ", s)  # "gplv3" -> "gpl 3"
    s = re.sub(r"\bor\s+(?:any\s+)?later(?:\s+version)?", "+", s)  # "or later", "or any later version" -> "+"
    s = s.replace("+", " + ")
    words = [w for w in re.findall(r"[a-z0-9]+(?:\.[0-9]+)*|\+", s) if w not in _FILLER]
    words = [w[:-2] if w.endswith(".0") and w[:-2].isdigit() else w for w in words]  # "2.0" -> "2"
    return " ".join(words)


_NAME_INDEX: dict[str, str] = {_key(k): v for k, v in _NAMES.items()}
_CLASSIFIER_INDEX: dict[str, str] = {" ".join(k.split()).lower(): v for k, v in _CLASSIFIERS.items()}


def lookup(name: str) -> str | None:
    """The expression for a free-text license name, or None if the name is not one we know."""
    key = _key(name)
    if not key:
        return None
    return _NAME_INDEX.get(key)


def classifier(text: str) -> str | None:
    """The expression for a trove classifier (`License :: ...`), or None when it is not a license classifier.

    Returns `UNKNOWN_REF` for a license classifier we do not know, and None for the bare `OSI Approved`.
    """
    parts = [p.strip() for p in text.split("::")]
    if len(parts) < 2 or parts[0].lower() != "license":
        return None
    rest = " :: ".join(parts[1:])
    if rest.lower() == "osi approved":
        return None
    hit = _CLASSIFIER_INDEX.get(" ".join(rest.split()).lower())
    if hit is not None:
        return hit
    paren = re.search(r"\(([^()]+)\)\s*$", rest)
    if paren and (alias := lookup(paren.group(1))):
        return alias
    return lookup(parts[-1]) or UNKNOWN_REF
