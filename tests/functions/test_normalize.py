"""normalized_function and function_hashes: invariant under layout and comments, sensitive to code and names."""

from __future__ import annotations

from textwrap import dedent

import pytest
import xxhash

from codemill.functions import (
    extract_functions,
    function_hashes,
    hashed_functions,
    normalized_function,
)

# Per language: (original, reformatted and re-commented copy, copy with one identifier renamed). Each holds one
# function of well over 20 tokens.
CASES: dict[str, tuple[str, str, str]] = {
    "Python": (
        dedent('''\
            def moving_average(values, window):
                """Mean of each run of `window` values."""
                out = []
                for i in range(len(values) - window + 1):
                    out.append(sum(values[i:i + window]) / window)
                return out
        '''),
        dedent('''\
            # Smoothing helpers.
            def moving_average( values,
                                window ):
                # a different comment
                out = [ ]
                for i in range( len( values ) - window + 1 ):  # slide
                    out.append(
                        sum(values[i : i + window]) / window
                    )

                return out
        '''),
        dedent('''\
            def moving_average(values, size):
                """Mean of each run of `window` values."""
                out = []
                for i in range(len(values) - size + 1):
                    out.append(sum(values[i:i + size]) / size)
                return out
        '''),
    ),
    "JavaScript": (
        "function debounce(fn, ms) {\n  let t;\n  return (...args) => {\n    clearTimeout(t);\n"
        "    t = setTimeout(() => fn(...args), ms);\n  };\n}\n",
        "/** Debounce. */\nfunction debounce (fn, ms)\n{\n    let t // timer\n"
        "    return (...args) => { clearTimeout(t); /* restart */ t = setTimeout(() => fn(...args), ms) }\n}\n",
        "function debounce(fn, delay) {\n  let t;\n  return (...args) => {\n    clearTimeout(t);\n"
        "    t = setTimeout(() => fn(...args), delay);\n  };\n}\n",
    ),
    "TypeScript": (
        "export function chunk<T>(xs: T[], n: number): T[][] {\n  const out: T[][] = [];\n"
        "  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));\n  return out;\n}\n",
        "export function chunk<T>(\n  xs: T[],\n  n: number, // size\n): T[][] {\n  const out: T[][] = []\n"
        "  for (let i = 0; i < xs.length; i += n)\n    out.push(xs.slice(i, i + n))\n  return out\n}\n",
        "export function chunk<T>(items: T[], n: number): T[][] {\n  const out: T[][] = [];\n"
        "  for (let i = 0; i < items.length; i += n) out.push(items.slice(i, i + n));\n  return out;\n}\n",
    ),
    "Java": (
        "class U {\n  static int gcd(int a, int b) {\n    while (b != 0) { int t = b; b = a % b; a = t; }\n"
        "    return a;\n  }\n}\n",
        "class U {\n    // Euclid\n    static int gcd(int a,\n                   int b)\n    {\n"
        "        while (b != 0)\n        {\n"
        "            int t = b;   /* swap */\n            b = a % b;\n            a = t;\n        }\n"
        "        return a;\n    }\n}\n",
        "class U {\n  static int gcd(int a, int b) {\n    while (b != 0) { int tmp = b; b = a % b; a = tmp; }\n"
        "    return a;\n  }\n}\n",
    ),
    "Go": (
        "package m\n\nfunc Sum(xs []int) (total int) {\n\tfor _, x := range xs {\n\t\ttotal += x\n\t}\n"
        "\treturn total\n}\n",
        "package m\n\n// Sum adds.\nfunc Sum(xs []int) (total int) {\n\tfor _, x := range xs { total += x }"
        " // loop\n\treturn total\n}\n",
        "package m\n\nfunc Sum(xs []int) (acc int) {\n\tfor _, x := range xs {\n\t\tacc += x\n\t}\n"
        "\treturn acc\n}\n",
    ),
    "Rust": (
        "fn clamp(x: i64, lo: i64, hi: i64) -> i64 {\n    if x < lo { lo } else if x > hi { hi } else { x }\n}\n",
        "/// Clamp.\nfn clamp(x: i64,\n         lo: i64,\n         hi: i64) -> i64 {\n    // bounds\n"
        "    if x < lo {\n        lo\n    } else if x > hi {\n        hi\n    } else {\n        x\n    }\n}\n",
        "fn clamp(v: i64, lo: i64, hi: i64) -> i64 {\n    if v < lo { lo } else if v > hi { hi } else { v }\n}\n",
    ),
    "C": (
        "size_t count_char(const char *s, char c) {\n  size_t n = 0;\n  for (; *s; s++) if (*s == c) n++;\n"
        "  return n;\n}\n",
        "/* Count c in s. */\nsize_t\ncount_char (const char *s, char c)\n{\n  size_t n = 0;  // total\n"
        "  for (; *s; s++)\n    if (*s == c)\n      n++;\n  return n;\n}\n",
        "size_t count_char(const char *str, char c) {\n  size_t n = 0;\n  for (; *str; str++) if (*str == c) n++;\n"
        "  return n;\n}\n",
    ),
    "C++": (
        "struct Stack {\n  void push(int v) { if (size_ == cap_) grow(); data_[size_++] = v; }\n};\n",
        "struct Stack {\n  // Push one value.\n  void push(int v)\n  {\n"
        "    if (size_ == cap_)\n      grow();  // double\n"
        "    data_[size_++] = v;\n  }\n};\n",
        "struct Stack {\n  void push(int value) { if (size_ == cap_) grow(); data_[size_++] = value; }\n};\n",
    ),
}


@pytest.mark.parametrize("language", sorted(CASES))
def test_reformatted_and_recommented_copy_has_the_same_hash(language: str) -> None:
    original, reformatted, _ = CASES[language]
    [h] = function_hashes(original, language)
    assert function_hashes(reformatted, language) == [h]
    alone = normalized_function(extract_functions(original, language)[0].text, language)
    assert h == xxhash.xxh3_64_intdigest(alone.encode())


@pytest.mark.parametrize("language", sorted(CASES))
def test_renamed_identifier_differs_unless_identifiers_are_normalised(language: str) -> None:
    original, reformatted, renamed = CASES[language]
    assert function_hashes(renamed, language) != function_hashes(original, language)
    normalised = function_hashes(original, language, normalize_identifiers=True)
    assert len(normalised) == 1
    assert function_hashes(renamed, language, normalize_identifiers=True) == normalised
    assert function_hashes(reformatted, language, normalize_identifiers=True) == normalised


def test_normalised_text_is_tokens_without_comments_or_docstring() -> None:
    original = CASES["Python"][0]
    assert normalized_function(original, "Python") == (
        "def moving_average ( values , window ) : out = [ ] for i in range ( len ( values ) - window + 1 ) : "
        "out . append ( sum ( values [ i : i + window ] ) / window ) return out"
    )
    assert normalized_function("int f(int a) { return a; }", "C", normalize_identifiers=True) == (
        "int <identifier> ( int <identifier> ) { return <identifier> ; }"
    )


def test_only_the_leading_string_is_a_docstring() -> None:
    text = 'def f():\n    # note\n    """Doc."""\n    "not a docstring"\n    return 1\n'
    assert normalized_function(text, "Python") == 'def f ( ) : "not a docstring" return 1'
    assert normalized_function('def f():\n    x = "kept"\n', "Python") == 'def f ( ) : x = "kept"'


def test_string_contents_are_kept_exactly() -> None:
    a = 'def greet(name):\n    return "hello,  " + name + " and welcome to the show, friend"\n'
    b = a.replace("hello,  ", "hello, ")
    assert normalized_function(a, "Python").count('"hello,  "') == 1
    assert function_hashes(a, "Python", min_tokens=1) != function_hashes(b, "Python", min_tokens=1)


def test_formatter_choices_do_not_change_the_hash() -> None:
    """black explodes calls with a trailing comma and rewrites quotes; prettier toggles semicolons and quotes."""
    plain = "def f(a, b):\n    x = call(a, b, key='v'); y = [1, 2]\n    return {'k': x, 'n': y}\n"
    black = 'def f(\n    a,\n    b,\n):\n    x = call(\n        a,\n        b,\n        key="v",\n    )\n' \
        '    y = [\n        1,\n        2,\n    ]\n    return {"k": x, "n": y}\n'
    assert normalized_function(plain, "Python") == normalized_function(black, "Python")
    semi = "const f = (a, b) => {\n  const x = call(a, b, 'v');\n  return [x, \"y\"];\n};\n"
    bare = 'const f = (a, b) => {\n  const x = call(\n    a,\n    b,\n    "v",\n  )\n  return [x, "y"]\n}\n'
    assert function_hashes(semi, "JavaScript", min_tokens=0) == function_hashes(bare, "JavaScript", min_tokens=0)
    go_multi = "package p\nfunc f() []int {\n\treturn []int{\n\t\t1,\n\t\t2,\n\t}\n}\n"
    go_one = "package p\nfunc f() []int { return []int{1, 2} }\n"
    assert function_hashes(go_multi, "Go", min_tokens=0) == function_hashes(go_one, "Go", min_tokens=0)


def test_meaningful_commas_and_quotes_are_kept() -> None:
    assert normalized_function("def f(x):\n    return (x,)\n", "Python") == "def f ( x ) : return ( x , )"
    assert normalized_function("def f(x):\n    return (x)\n", "Python") == "def f ( x ) : return ( x )"
    assert normalized_function("fn f(x: u8) -> (u8,) { (x,) }", "Rust") == "fn f ( x : u8 ) -> ( u8 , ) { ( x , ) }"
    assert normalized_function("def f():\n    return 'it\"s'\n", "Python") == "def f ( ) : return 'it\"s'"
    assert normalized_function("def f():\n    return b'\\n'\n", "Python") == "def f ( ) : return b'\\n'"
    assert normalized_function("def f():\n    return rb'x'\n", "Python") == 'def f ( ) : return rb"x"'
    # Quotes mean different things in C, Go, Rust and Java: 'x' is a character there.
    assert normalized_function("int f(void) { return 'x'; }", "C") == "int f ( void ) { return 'x' ; }"
    # Rust statements and expressions differ by a semicolon; C, Java and Rust keep theirs.
    assert normalized_function("fn f() { g(); }", "Rust") != normalized_function("fn f() { g() }", "Rust")


def test_code_change_changes_the_hash() -> None:
    original = CASES["Go"][0]
    assert function_hashes(original.replace("total += x", "total -= x"), "Go") != function_hashes(original, "Go")


def test_min_tokens_skips_tiny_functions() -> None:
    text = dedent("""\
        class Point:
            def x(self):
                return self._x

            def distance(self, other):
                dx = self._x - other._x
                dy = self._y - other._y
                return (dx * dx + dy * dy) ** 0.5
    """)
    assert len(function_hashes(text, "Python")) == 1
    assert len(function_hashes(text, "Python", min_tokens=0)) == 2
    assert len(function_hashes(text, "Python", min_tokens=10_000)) == 0
    [hashed] = hashed_functions(text, "Python")
    assert hashed.function.name == "distance" and hashed.tokens >= 20


def test_nested_functions_are_part_of_their_parent() -> None:
    text = dedent("""\
        def outer(items):
            def key(item):
                return (item.priority, item.created_at, item.name, item.owner, item.size)
            return sorted(items, key=key, reverse=True)
    """)
    assert len(extract_functions(text, "Python")) == 2
    [h] = function_hashes(text, "Python")
    changed_inner = text.replace("item.size", "item.weight")
    assert function_hashes(changed_inner, "Python") != [h]


def test_duplicates_in_one_file_are_kept_in_source_order() -> None:
    fn = CASES["C"][0]
    other = "int add3(int a, int b, int c) {\n  int s = a + b;\n  s = s + c;\n  return s * 1 + 0 - 0;\n}\n"
    text = fn + "\n" + other + "\n" + CASES["C"][1]
    hashes = function_hashes(text, "C")
    [h_fn] = function_hashes(fn, "C")
    [h_other] = function_hashes(other, "C")
    assert hashes == [h_fn, h_other, h_fn]


def test_hashes_are_unsigned_64_bit() -> None:
    for language, (original, _, _) in CASES.items():
        for h in function_hashes(original, language) + function_hashes(original, language, normalize_identifiers=True):
            assert isinstance(h, int) and 0 <= h < 2**64, language


@pytest.mark.parametrize(
    ("language", "text", "name"),
    [
        ("JavaScript", "class A {\n  async load(url) {\n    const r = await fetch(url); // go\n"
         "    return r.json();\n  }\n}\n", "load"),
        ("JavaScript", "const o = { get size() { return this.items.length + this.pending.length + 1; } };\n", "size"),
        ("JavaScript", "const f = function (a, b) { return a * b + a - b; };\n", "f"),
        ("TypeScript", "class A {\n  private key = (id: string): string => `${this.t}:${id}`;\n}\n", "key"),
        ("Java", "class A {\n  public A(int x) { super(); this.x = x; }\n}\n", "A"),
        ("C++", "class A {\n  A(int x) : x_(x), y_(x * 2) { init(); }\n  int x_, y_;\n};\n", "A"),
        ("Rust", "impl A {\n    pub fn get(&self, i: usize) -> Option<&T> { self.v.get(i) }\n}\n", "get"),
        ("Go", "package p\nfunc (s *S) Get(k string) (string, bool) { v, ok := s.m[k]; return v, ok }\n", "Get"),
    ],
)
def test_normalizing_a_method_alone_matches_its_hash_in_the_file(language: str, text: str, name: str) -> None:
    """A method's text parses differently alone (a JS method is a call and a block): the hashes must agree."""
    [fn] = [f for f in extract_functions(text, language) if f.name == name]
    for identifiers in (False, True):
        [h] = function_hashes(text, language, min_tokens=0, normalize_identifiers=identifiers)
        alone = normalized_function(fn.text, language, normalize_identifiers=identifiers)
        assert xxhash.xxh3_64_intdigest(alone.encode()) == h, (language, identifiers, alone)


def test_unsupported_language() -> None:
    assert function_hashes("def f(): pass", "Ruby") == []
    assert hashed_functions("def f(): pass", "Ruby") == []
    assert normalized_function("def  f\n  end", "Ruby") == "def f end"


@pytest.mark.parametrize("language", sorted(CASES))
def test_malformed_code_does_not_raise(language: str) -> None:
    original = CASES[language][0]
    for text in (original[: len(original) // 2], original.replace("(", "", 1), "\x00\ud800 }{", ""):
        hashes = function_hashes(text, language, min_tokens=0)
        assert all(0 <= h < 2**64 for h in hashes)
        assert isinstance(normalized_function(text, language), str)
