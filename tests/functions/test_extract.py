"""extract_functions per language: what counts as a definition, its name, kind, scope, nesting depth and text."""

from __future__ import annotations

from textwrap import dedent

import pytest

from codemill.functions import SUPPORTED, Function, extract_functions, supported


def summary(text: str, language: str) -> list[tuple[str, str, int]]:
    return [(f.kind, f.qualname, f.depth) for f in extract_functions(text, language)]


PYTHON = dedent('''\
    """Module docstring."""
    import functools


    def retry(times):
        """Decorator factory."""
        def wrap(fn):
            @functools.wraps(fn)
            def inner(*args):
                return fn(*args)
            return inner
        return wrap


    class Cache:
        def __init__(self, size: int) -> None:
            self.size = size

        @property
        def full(self) -> bool:
            return False

        async def fetch(self, key):
            class Miss(Exception):
                def __str__(self):
                    return key
            raise Miss()

        handler = lambda self: None


    if True:
        def conditional():
            pass
''')


def test_python_functions_methods_and_nesting() -> None:
    assert summary(PYTHON, "Python") == [
        ("function", "retry", 0),
        ("function", "retry.wrap", 1),
        ("function", "retry.wrap.inner", 2),
        ("method", "Cache.__init__", 0),
        ("method", "Cache.full", 0),
        ("method", "Cache.fetch", 0),
        ("method", "Cache.fetch.Miss.__str__", 1),
        ("function", "conditional", 0),
    ]


def test_python_text_and_lines_exclude_decorators() -> None:
    full = next(f for f in extract_functions(PYTHON, "Python") if f.name == "full")
    lines = PYTHON.splitlines()
    assert lines[full.start_line - 2].strip() == "@property"
    assert full.text == "def full(self) -> bool:\n        return False"
    assert full.start_line == full.end_line - 1


JAVASCRIPT = dedent("""\
    // Arrow functions count when something names them; anonymous callbacks belong to their parent.
    const add = (a, b) => a + b;
    let legacy = function () { return 1; };
    module.exports.helper = function helper(x) { return x * 2; };

    class Store extends Base {
      #items = [];
      onChange = (event) => this.emit(event);
      constructor(items) {
        super();
        this.#items = items;
      }
      static *entries() { yield* []; }
      get size() { return this.#items.length; }
      load() {
        return fetch("/x").then((r) => r.json()).then(function parse(j) { return j; });
      }
    }

    const api = {
      list() { return []; },
      remove: async (id) => id,
    };

    export default function () {}
    function* ids() { function local() {} }
    [1, 2].forEach((n) => console.log(n));
""")


def test_javascript_named_functions_methods_and_arrows() -> None:
    assert summary(JAVASCRIPT, "JavaScript") == [
        ("arrow", "add", 0),
        ("function", "legacy", 0),
        ("function", "module.exports.helper", 0),
        ("arrow", "Store.onChange", 0),
        ("constructor", "Store.constructor", 0),
        ("method", "Store.entries", 0),
        ("method", "Store.size", 0),
        ("method", "Store.load", 0),
        ("method", "list", 0),
        ("arrow", "remove", 0),
        ("function", "default", 0),
        ("function", "ids", 0),
        ("function", "ids.local", 1),
    ]


def test_jsx_parses_with_the_javascript_grammar() -> None:
    text = "export const Card = ({ title }) => (\n  <div className='card'>\n    <h1>{title}</h1>\n  </div>\n);\n"
    assert summary(text, "JSX") == [("arrow", "Card", 0)]
    assert extract_functions(text, "JSX")[0].end_line == 5


TYPESCRIPT = dedent("""\
    export abstract class Repo<T extends { id: string }> implements Reader<T> {
      private cache = new Map<string, T>();
      constructor(private readonly db: Db) {}
      abstract table(): string;
      public async get<K extends keyof T>(id: string, key: K): Promise<T[K] | undefined> {
        const row = this.cache.get(id) ?? (await this.db.find<T>(this.table(), id));
        return row?.[key];
      }
      private key = (id: string): string => `${this.table()}:${id}`;
    }

    export function parse(input: string): number;
    export function parse(input: unknown): number {
      return Number(input);
    }

    interface Reader<T> { get(id: string, key: keyof T): Promise<unknown>; }
    declare function external(x: number): void;
    namespace Util { export const clamp = (x: number) => Math.max(0, x); }
""")


def test_typescript_skips_signatures_and_keeps_bodies() -> None:
    assert summary(TYPESCRIPT, "TypeScript") == [
        ("constructor", "Repo.constructor", 0),
        ("method", "Repo.get", 0),
        ("arrow", "Repo.key", 0),
        ("function", "parse", 0),
        ("arrow", "Util.clamp", 0),
    ]


def test_tsx_component() -> None:
    text = dedent("""\
        export function List({ items }: { items: string[] }): JSX.Element {
          const render = (s: string) => <li key={s}>{s}</li>;
          return <ul>{items.map(render)}</ul>;
        }
    """)
    assert summary(text, "TSX") == [("function", "List", 0), ("arrow", "List.render", 1)]


JAVA = dedent("""\
    package org.example;

    import java.util.List;

    /** A queue of jobs. */
    public class JobQueue<T extends Job> implements Iterable<T> {
        private final List<T> jobs;

        public JobQueue(List<T> jobs) {
            this.jobs = jobs;
        }

        @Override
        public Iterator<T> iterator() {
            return new Iterator<T>() {
                private int i = 0;
                public boolean hasNext() { return i < jobs.size(); }
                public T next() { return jobs.get(i++); }
            };
        }

        protected abstract void onDone(T job);

        enum State { NEW, DONE; boolean finished() { return this == DONE; } }

        record Entry(String key, int value) {
            Entry {
                if (value < 0) throw new IllegalArgumentException();
            }
        }

        interface Listener { void fired(); default void reset() {} }
    }
""")


def test_java_methods_constructors_and_anonymous_classes() -> None:
    assert summary(JAVA, "Java") == [
        ("constructor", "JobQueue.JobQueue", 0),
        ("method", "JobQueue.iterator", 0),
        ("method", "JobQueue.iterator.hasNext", 1),
        ("method", "JobQueue.iterator.next", 1),
        ("method", "JobQueue.State.finished", 0),
        ("constructor", "JobQueue.Entry.Entry", 0),
        ("method", "JobQueue.Listener.reset", 0),
    ]


GO = dedent("""\
    package cache

    // Store is a generic map with a lock.
    type Store[K comparable, V any] struct {
        mu sync.Mutex
        m  map[K]V
    }

    func New[K comparable, V any]() *Store[K, V] {
        return &Store[K, V]{m: map[K]V{}}
    }

    func (s *Store[K, V]) Get(k K) (V, bool) {
        s.mu.Lock()
        defer s.mu.Unlock()
        v, ok := s.m[k]
        return v, ok
    }

    func (s Store[K, V]) Len() int { return len(s.m) }

    func each(xs []int, f func(int)) {
        for _, x := range xs {
            func() { f(x) }()
        }
    }

    func asm(x uint64) uint64

    type Getter interface { Get(k string) (string, bool) }
""")


def test_go_functions_and_methods_with_receiver_scope() -> None:
    assert summary(GO, "Go") == [
        ("function", "New", 0),
        ("method", "Store.Get", 0),
        ("method", "Store.Len", 0),
        ("function", "each", 0),
    ]


RUST = dedent("""\
    use std::fmt;

    pub struct Point<T> { x: T, y: T }

    impl<T: Copy + Into<f64>> Point<T> {
        pub fn new(x: T, y: T) -> Self { Point { x, y } }
        pub fn norm(&self) -> f64 {
            fn sq(v: f64) -> f64 { v * v }
            (sq(self.x.into()) + sq(self.y.into())).sqrt()
        }
    }

    impl fmt::Display for Point<i32> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "({}, {})", self.x, self.y)
        }
    }

    pub trait Shape {
        fn area(&self) -> f64;
        fn describe(&self) -> String { format!("area {}", self.area()) }
    }

    mod tests {
        #[test]
        fn it_works() { let c = |x: i32| x + 1; assert_eq!(c(1), 2); }
    }

    extern "C" { fn abs(x: i32) -> i32; }
""")


def test_rust_impl_methods_trait_defaults_and_modules() -> None:
    assert summary(RUST, "Rust") == [
        ("method", "Point.new", 0),
        ("method", "Point.norm", 0),
        ("function", "Point.norm.sq", 1),
        ("method", "Point.fmt", 0),
        ("method", "Shape.describe", 0),
        ("function", "tests.it_works", 0),
    ]


C = dedent("""\
    #include <stdio.h>
    #define MAX(a, b) ((a) > (b) ? (a) : (b))

    static int counter;
    int prototype(int x);

    static const char *name_of(int code) {
        switch (code) {
        case 0: return "ok";
        default: return "error";
        }
    }

    int (*pick(int which))(int) {
        return which ? prototype : 0;
    }

    #ifdef HAVE_OLD
    int old_style(a, b)
        int a; char *b;
    {
        return a;
    }
    #endif

    struct point { int x, y; };
""")


def test_c_definitions_not_prototypes() -> None:
    assert summary(C, "C") == [
        ("function", "name_of", 0),
        ("function", "pick", 0),
        ("function", "old_style", 0),
    ]


CPP = dedent("""\
    #include <vector>

    namespace geo {

    template <typename T>
    class Polygon : public Shape {
     public:
      Polygon() : points_() {}
      explicit Polygon(std::vector<T> pts) : points_(std::move(pts)) {}
      ~Polygon() override {}
      Polygon& operator=(const Polygon&) = default;
      size_t size() const { return points_.size(); }
      double area() const override;
      template <typename F>
      void each(F f) const {
        auto wrap = [&](const T& p) { f(p); };
        for (const auto& p : points_) wrap(p);
      }

     private:
      std::vector<T> points_;
    };

    }  // namespace geo

    template <typename T>
    double geo::Polygon<T>::area() const {
      return 0.0;
    }

    Circle::Circle(double r) : r_(r) {}
    Circle::~Circle() {}

    bool operator==(const Circle& a, const Circle& b) { return a.r() == b.r(); }

    int main(int argc, char** argv) { return 0; }
""")


def test_cpp_members_qualified_names_constructors_destructors() -> None:
    assert summary(CPP, "C++") == [
        ("constructor", "geo.Polygon.Polygon", 0),
        ("constructor", "geo.Polygon.Polygon", 0),
        ("destructor", "geo.Polygon.~Polygon", 0),
        ("method", "geo.Polygon.operator=", 0),
        ("method", "geo.Polygon.size", 0),
        ("method", "geo.Polygon.each", 0),
        ("function", "geo::Polygon<T>::area", 0),
        ("constructor", "Circle::Circle", 0),
        ("destructor", "Circle::~Circle", 0),
        ("function", "operator==", 0),
        ("function", "main", 0),
    ]


def test_text_is_the_definition_slice_and_lines_are_one_based_inclusive() -> None:
    for language, text in [("C", C), ("Go", GO), ("Rust", RUST), ("Java", JAVA), ("C++", CPP)]:
        lines = text.splitlines()
        for fn in extract_functions(text, language):
            span = "\n".join(lines[fn.start_line - 1 : fn.end_line])
            assert fn.text in span, (language, fn.name)
            assert fn.text.count("\n") == fn.end_line - fn.start_line, (language, fn.name)


def test_order_is_source_order() -> None:
    for language, text in [("Python", PYTHON), ("JavaScript", JAVASCRIPT), ("C++", CPP), ("Java", JAVA)]:
        starts = [f.start_line for f in extract_functions(text, language)]
        assert starts == sorted(starts)


MALFORMED = [
    "",
    "def broken(:\n    return (\n",
    "class A {\n  m() { if (x { return; }\n",
    "func (s *S) M( {\n\tx := \n",
    "fn f( -> { let x = ; } impl {",
    "int f(int a { return a; \n#if\n",
    "}}}}{{{{ ))) ((( ;;; <<<>>>",
    "\x00\x01\x02 def \x7f\ud800 binary",
    "def ok():\n    return 1\n\ndef bad(:\n",
]


@pytest.mark.parametrize("language", sorted(SUPPORTED))
@pytest.mark.parametrize("text", MALFORMED)
def test_malformed_code_never_raises(language: str, text: str) -> None:
    functions = extract_functions(text, language)
    assert all(isinstance(f, Function) and f.start_line <= f.end_line for f in functions)


def test_malformed_python_keeps_what_parses() -> None:
    names = [f.name for f in extract_functions(MALFORMED[-1], "Python")]
    assert names[0] == "ok"


def test_unsupported_languages() -> None:
    assert {"Python", "JavaScript", "JSX", "TypeScript", "TSX", "Java", "Go", "Rust", "C", "C++"} == SUPPORTED
    assert supported("Python") and supported("JSX")
    assert not supported("Ruby") and not supported(None) and not supported("python")
    assert extract_functions("def f(): pass", "Ruby") == []
    assert extract_functions("def f(): pass", "python") == []


def test_non_ascii_text_round_trips() -> None:
    text = 'def grüße(名前):\n    return f"Hallo {名前} 👋"\n'
    [fn] = extract_functions(text, "Python")
    assert fn.name == "grüße"
    assert fn.text == text.rstrip("\n")
