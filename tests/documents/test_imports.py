from __future__ import annotations

from codemill.documents import dependency_edges


def edges_of(files: dict[str, tuple[str, str | None]]) -> dict[str, set[str]]:
    return dependency_edges([(p, text, lang) for p, (text, lang) in files.items()])


def test_python_src_layout_relative_and_submodule_imports() -> None:
    files = {
        "pyproject.toml": ("[project]\nname = 'shop'\n", "TOML"),
        "src/shop/__init__.py": ("from .cart import Cart\n", "Python"),
        "src/shop/cart.py": ("import json\nfrom decimal import Decimal\n\nfrom shop.pricing import rules\n"
                             "from . import money as m\n\nclass Cart:\n    pass\n", "Python"),
        "src/shop/money.py": ("from __future__ import annotations\nimport os, shop.util\n", "Python"),
        "src/shop/util.py": ("def helper():\n    return 1\n", "Python"),
        "src/shop/pricing/__init__.py": ("", "Python"),
        "src/shop/pricing/rules.py": ("from ..money import to_cents\nfrom .. import util\n", "Python"),
        "src/shop/pricing/tax.py": ("from ...outside import nothing\nfrom .rules import (\n    a,  # comment\n"
                                    "    b as c,\n)\n", "Python"),
        "tests/test_cart.py": ("import pytest\nfrom shop.cart import Cart\nfrom shop import pricing\n", "Python"),
    }
    edges = edges_of(files)
    assert edges["src/shop/__init__.py"] == {"src/shop/cart.py"}
    assert edges["src/shop/cart.py"] == {"src/shop/pricing/rules.py", "src/shop/money.py"}
    assert edges["src/shop/money.py"] == {"src/shop/util.py"}
    assert edges["src/shop/pricing/rules.py"] == {"src/shop/money.py", "src/shop/util.py"}
    assert edges["src/shop/pricing/tax.py"] == {"src/shop/pricing/rules.py"}
    # `from shop import pricing` is the subpackage; `from shop.cart import Cart` the module (Cart is a class).
    assert edges["tests/test_cart.py"] == {"src/shop/cart.py", "src/shop/pricing/__init__.py"}
    assert edges["pyproject.toml"] == set()


def test_python_scripts_next_to_their_helpers_and_stdlib_names_ignored() -> None:
    files = {
        "tools/report.py": ("import csv\nimport helpers\nfrom helpers import load\n", "Python"),
        "tools/helpers.py": ("import os\n", "Python"),
        "scripts/os_tools.py": ("import os\n", "Python"),
    }
    edges = edges_of(files)
    assert edges["tools/report.py"] == {"tools/helpers.py"}
    assert edges["tools/helpers.py"] == set()


def test_javascript_and_typescript_resolution() -> None:
    files = {
        "package.json": ('{"name": "app"}', "JSON"),
        "src/index.ts": ("import { api } from './api';\nimport type { User } from './models/user.js';\n"
                         "export * from './util';\nimport React from 'react';\n", "TypeScript"),
        "src/api/index.ts": ("import axios from 'axios'\nimport { cfg } from \"../config\"\n", "TypeScript"),
        "src/models/user.ts": ("export interface User { id: number }\n", "TypeScript"),
        "src/util.ts": ("export const x = 1;\n", "TypeScript"),
        "src/config.json": ("{}", "JSON"),
        "src/config.ts": ("export const cfg = {};\n", "TypeScript"),
        "src/App.tsx": ("import { x } from './util'\nconst Lazy = React.lazy(() => import('./pages/Home'));\n", "TSX"),
        "src/pages/Home.tsx": ("export default function Home() { return null }\n", "TSX"),
        "lib/legacy.js": ("const h = require('./helpers');\nconst path = require('path');\n"
                          "import('../src/util.ts?raw');\n", "JavaScript"),
        "lib/helpers.mjs": ("export {}\n", "JavaScript"),
    }
    edges = edges_of(files)
    assert edges["src/index.ts"] == {"src/api/index.ts", "src/models/user.ts", "src/util.ts"}
    assert edges["src/api/index.ts"] == {"src/config.ts"}
    assert edges["src/App.tsx"] == {"src/util.ts", "src/pages/Home.tsx"}
    assert edges["lib/legacy.js"] == {"lib/helpers.mjs", "src/util.ts"}


def test_java_imports_by_package_suffix() -> None:
    base = "src/main/java/com/acme/"
    files = {
        base + "app/Main.java": ("package com.acme.app;\n\nimport java.util.List;\nimport com.acme.model.User;\n"
                                 "import static com.acme.util.Strings.join;\nimport com.acme.model.Order.Line;\n"
                                 "import com.acme.service.*;\n", "Java"),
        base + "model/User.java": ("package com.acme.model;\npublic class User {}\n", "Java"),
        base + "model/Order.java": ("package com.acme.model;\npublic class Order { public static class Line {} }\n",
                                    "Java"),
        base + "util/Strings.java": ("package com.acme.util;\n", "Java"),
        base + "service/UserService.java": ("package com.acme.service;\nimport com.acme.model.User;\n", "Java"),
        base + "service/OrderService.java": ("package com.acme.service;\n", "Java"),
        base + "service/README.md": ("docs", "Markdown"),
    }
    edges = edges_of(files)
    assert edges[base + "app/Main.java"] == {
        base + "model/User.java", base + "util/Strings.java", base + "model/Order.java",
        base + "service/UserService.java", base + "service/OrderService.java"}
    assert edges[base + "service/UserService.java"] == {base + "model/User.java"}


def test_java_duplicate_class_resolves_to_the_closest_copy() -> None:
    files = {
        "core/src/com/x/Util.java": ("package com.x;\n", "Java"),
        "web/src/com/x/Util.java": ("package com.x;\n", "Java"),
        "web/src/com/x/Page.java": ("package com.x;\nimport com.x.Util;\n", "Java"),
    }
    assert edges_of(files)["web/src/com/x/Page.java"] == {"web/src/com/x/Util.java"}


def test_go_imports_through_go_mod() -> None:
    files = {
        "go.mod": ("module github.com/acme/svc\n\ngo 1.22\n", None),
        "cmd/server/main.go": ('package main\n\nimport (\n\t"fmt"\n\tdb "github.com/acme/svc/internal/store"\n'
                               '\t_ "github.com/lib/pq"\n\t"github.com/acme/svc/api"\n)\n', "Go"),
        "internal/store/store.go": ('package store\n\nimport "database/sql"\n', "Go"),
        "internal/store/query.go": ("package store\n", "Go"),
        "internal/store/store_test.go": ('package store\nimport "testing"\n', "Go"),
        "api/api.go": ('package api\nimport "github.com/acme/svc/internal/store"\n', "Go"),
    }
    edges = edges_of(files)
    assert edges["cmd/server/main.go"] == {"internal/store/store.go", "internal/store/query.go", "api/api.go"}
    assert edges["api/api.go"] == {"internal/store/store.go", "internal/store/query.go"}
    assert edges["internal/store/store.go"] == set()


def test_go_without_go_mod_matches_directories_by_suffix_and_skips_stdlib() -> None:
    files = {
        "main.go": ('package main\nimport "github.com/someone/tool/pkg/text"\nimport "strings"\n', "Go"),
        "pkg/text/wrap.go": ("package text\n", "Go"),
        "strings/fake.go": ("package strings\n", "Go"),
    }
    assert edges_of(files)["main.go"] == {"pkg/text/wrap.go"}


def test_c_and_cpp_includes() -> None:
    files = {
        "src/main.c": ('#include <stdio.h>\n#include "util.h"\n#include "../include/lib/api.h"\n', "C"),
        "src/util.h": ("#pragma once\n", "C"),
        "src/util.c": ('#include "util.h"\n', "C"),
        "include/lib/api.h": ('#ifndef API_H\n#define API_H\n#include "types.h"\n#endif\n', "C"),
        "include/lib/types.h": ("typedef int t;\n", "C"),
        "engine/render.cpp": ('#include <lib/api.h>\n#include "math/vec.hpp"\n#  include "missing.h"\n', "C++"),
        "third/math/vec.hpp": ("struct vec {};\n", "C++"),
    }
    edges = edges_of(files)
    assert edges["src/main.c"] == {"src/util.h", "include/lib/api.h"}
    assert edges["src/util.c"] == {"src/util.h"}
    assert edges["include/lib/api.h"] == {"include/lib/types.h"}
    assert edges["engine/render.cpp"] == {"include/lib/api.h", "third/math/vec.hpp"}


def test_every_path_present_and_input_order_irrelevant() -> None:
    files = [
        ("a.py", "import b\n", "Python"),
        ("b.py", "import c\n", "Python"),
        ("c.py", "", "Python"),
        ("notes.txt", "import a", "Text"),
    ]
    edges = dependency_edges(files)
    assert edges == {"a.py": {"b.py"}, "b.py": {"c.py"}, "c.py": set(), "notes.txt": set()}
    assert dependency_edges(files[::-1]) == edges
