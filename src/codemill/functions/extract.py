"""Function and method definitions found with tree-sitter, for function-level deduplication.

One parse per file and one walk of the tree with a `TreeCursor` (measured faster than tree-sitter queries from
Python). Each language is described by a `LanguageSpec`: which node kinds define functions (and how to name
and classify them), which are comments, which are string-like atoms (one token, never descended), which are
identifiers, and which containers (classes, impls, namespaces) make up a definition's scope.

Only definitions with a body count: declarations and signatures (C prototypes, TypeScript overloads, abstract
Java methods, Rust trait signatures) carry no code to deduplicate. Anonymous function expressions (callbacks,
lambdas, closures, Go func literals) are part of the function that contains them; a JavaScript or TypeScript
function expression or arrow function counts when it is given a name: a variable, an assignment target, an
object key, a class field or `export default`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import tree_sitter
from tree_sitter import Node

from codemill.functions.grammars import get_language, get_parser, kind_ids, supported

# (name, kind) of a definition, or None when the node is not one (an anonymous callback, a bodiless method).
Classified = tuple[str, str] | None
Classifier = Callable[[Node, bytes], Classified]


@dataclass(frozen=True)
class Function:
    """One function or method definition in a file.

    `text` runs from the start of the definition node to its end (decorators and annotations before it are not
    part of it; leading indentation of its first line is not either). `depth` is the number of enclosing
    definitions (0 for top-level functions and for methods of top-level classes), `scope` the dotted names of
    the enclosing classes, impls, namespaces and functions (Go: the receiver type), "" at top level.
    """

    name: str
    kind: str
    start_line: int
    end_line: int
    text: str
    depth: int = 0
    scope: str = ""

    @property
    def qualname(self) -> str:
        """`scope.name`, or the name at top level."""
        return f"{self.scope}.{self.name}" if self.scope else self.name


@dataclass(frozen=True)
class LanguageSpec:
    """Node-kind tables of one grammar (kind ids, so the walk compares ints, not strings)."""

    language: str
    functions: frozenset[int]
    classify: Classifier
    containers: frozenset[int]
    container_name: Callable[[Node, bytes], str]
    comments: frozenset[int]  # dropped by normalisation, never descended
    atoms: frozenset[int]  # string-like: one token, never descended (their children leave gaps)
    identifiers: dict[int, bytes]  # kind id → placeholder for normalize_identifiers
    squash: frozenset[int]  # leaves whose inner whitespace is layout (jsx_text, preproc_arg, "\n")
    docstrings: bool  # Python: a leading string statement in a def or class body is documentation
    optional_semicolons: bool  # Python, JavaScript/TypeScript, Go: `;` is layout (formatters add or drop it)
    requote: bool  # Python, JavaScript/TypeScript: 'x' and "x" are one string (formatters rewrite quotes)
    tuples: frozenset[int]  # kinds where a trailing comma matters: `(x,)` is a 1-tuple, `(x)` is not
    wrappers: tuple[tuple[bytes, bytes], ...]  # contexts in which a method's text parses on its own


def decode(data: bytes) -> str:
    """Node text back to str: exact for any text `parse` encoded, lossy only if a slice splits a character."""
    try:
        return data.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return data.decode("utf-8", "replace")


def _text(node: Node | None, src: bytes) -> str:
    if node is None:
        return ""
    return decode(src[node.start_byte : node.end_byte])


def _field_text(node: Node, field: str, src: bytes) -> str:
    return _text(node.child_by_field_name(field), src)


def _compact(node: Node | None, src: bytes) -> str:
    """A name node's text without whitespace (`Foo < T > :: bar` → `Foo<T>::bar`)."""
    return "".join(_text(node, src).split())


# --- Python ---------------------------------------------------------------------------------------------------


def _py_classify(node: Node, src: bytes) -> Classified:
    parent = node.parent
    if parent is not None and parent.type == "decorated_definition":
        parent = parent.parent
    owner = parent.parent if parent is not None and parent.type == "block" else None
    kind = "method" if owner is not None and owner.type == "class_definition" else "function"
    return _field_text(node, "name", src), kind


# --- JavaScript / TypeScript ----------------------------------------------------------------------------------

_JS_NAMING_PARENTS = {
    "variable_declarator": "name",
    "assignment_expression": "left",
    "pair": "key",
    "field_definition": "property",
    "public_field_definition": "name",
}


def _js_classify(node: Node, src: bytes) -> Classified:
    kind = node.type
    if kind in ("function_declaration", "generator_function_declaration"):
        return _field_text(node, "name", src) or "default", "function"
    if kind == "method_definition":
        if node.child_by_field_name("body") is None:
            return None
        name = _field_text(node, "name", src)
        parent = node.parent
        in_class = parent is not None and parent.type == "class_body"
        return name, "constructor" if in_class and name == "constructor" else "method"
    # An expression (function, generator or arrow) counts only when something names it.
    parent = node.parent
    if parent is None:
        return None
    label = "arrow" if kind == "arrow_function" else "function"
    if parent.type == "export_statement":
        return "default", label
    field = _JS_NAMING_PARENTS.get(parent.type)
    if field is None:
        return None
    target = parent.child_by_field_name(field)
    if target is None or target.id == node.id:
        return None
    if parent.type in ("variable_declarator", "assignment_expression"):
        value = parent.child_by_field_name("value" if parent.type == "variable_declarator" else "right")
        if value is None or value.id != node.id:
            return None
    if parent.type == "field_definition" and parent.child_by_field_name("value") is None:
        return None
    return _compact(target, src), label


# --- Java -----------------------------------------------------------------------------------------------------


def _java_classify(node: Node, src: bytes) -> Classified:
    if node.child_by_field_name("body") is None:
        return None
    kind = "method" if node.type == "method_declaration" else "constructor"
    return _field_text(node, "name", src), kind


# --- Go -------------------------------------------------------------------------------------------------------


def _go_classify(node: Node, src: bytes) -> Classified:
    if node.child_by_field_name("body") is None:  # implemented in assembly
        return None
    return _field_text(node, "name", src), "method" if node.type == "method_declaration" else "function"


def _go_receiver(node: Node, src: bytes) -> str:
    """`func (s *Store[K]) Get()` → `Store`: the receiver's base type, the Go method's scope."""
    receiver = node.child_by_field_name("receiver")
    params = receiver.named_children if receiver is not None else []
    typ = params[0].child_by_field_name("type") if params else None
    while typ is not None and typ.type in ("pointer_type", "generic_type", "parenthesized_type"):
        inner = typ.child_by_field_name("type") if typ.type == "generic_type" else None
        typ = inner if inner is not None else (typ.named_children[0] if typ.named_children else None)
    return _text(typ, src)


# --- Rust -----------------------------------------------------------------------------------------------------


def _rust_classify(node: Node, src: bytes) -> Classified:
    if node.child_by_field_name("body") is None:
        return None
    parent = node.parent
    owner = parent.parent if parent is not None and parent.type == "declaration_list" else None
    kind = "method" if owner is not None and owner.type in ("impl_item", "trait_item") else "function"
    return _field_text(node, "name", src), kind


def _rust_container_name(node: Node, src: bytes) -> str:
    if node.type == "impl_item":
        typ = node.child_by_field_name("type")
        if typ is not None and typ.type == "generic_type":
            typ = typ.child_by_field_name("type")
        return _compact(typ, src)
    return _field_text(node, "name", src)


# --- C / C++ --------------------------------------------------------------------------------------------------

_DECLARATOR_WRAPPERS = frozenset(
    {"function_declarator", "pointer_declarator", "reference_declarator", "parenthesized_declarator",
     "attributed_declarator"}
)


def _c_declarator_name(node: Node) -> Node | None:
    """The name inside a definition's declarator: `int (*f(void))(int)` → `f`, `T Foo<T>::bar()` → `Foo<T>::bar`."""
    decl = node.child_by_field_name("declarator")
    while decl is not None and decl.type in _DECLARATOR_WRAPPERS:
        inner = decl.child_by_field_name("declarator")
        if inner is None:  # parenthesized_declarator has no field
            named = [c for c in decl.named_children if c.type not in ("type_qualifier", "ms_call_modifier")]
            inner = named[0] if named else None
        decl = inner
    return decl


def _c_classify(node: Node, src: bytes) -> Classified:
    if node.child_by_field_name("body") is None:
        return None
    return _compact(_c_declarator_name(node), src), "function"


def _strip_template(name: str) -> str:
    return name.split("<", 1)[0]


def _cpp_classify(node: Node, src: bytes) -> Classified:
    name_node = _c_declarator_name(node)
    name = _compact(name_node, src)
    if node.child_by_field_name("body") is None and not any(
        c.type in ("default_method_clause", "delete_method_clause", "pure_virtual_clause") for c in node.children
    ):
        return None
    if name_node is None:
        return name, "function"
    last = name_node
    if name_node.type == "qualified_identifier":  # Foo::bar, ns::Foo::~Foo: the class, if any, is the qualifier
        parts = name.split("::")
        while last.type == "qualified_identifier":
            inner = last.child_by_field_name("name")
            if inner is None:
                break
            last = inner
        if last.type == "destructor_name":
            return name, "destructor"
        if len(parts) >= 2 and _strip_template(parts[-1]) == _strip_template(parts[-2]):
            return name, "constructor"
        return name, "function"
    parent = node.parent
    if parent is not None and parent.type == "template_declaration":
        parent = parent.parent
    if parent is None or parent.type != "field_declaration_list":
        return name, "function"
    if name_node.type == "destructor_name":
        return name, "destructor"
    owner = parent.parent
    if owner is not None and _strip_template(_compact(owner.child_by_field_name("name"), src)) == name:
        return name, "constructor"
    return name, "method"


def _named_container(node: Node, src: bytes) -> str:
    return _compact(node.child_by_field_name("name"), src)


# --- Language table -------------------------------------------------------------------------------------------

# Identifier kind → placeholder. Names of values, members and labels share one placeholder: the grammars give
# one name different kinds by context (a C++ method's name is a field_identifier in its class and an identifier
# outside it, a JavaScript method's a property_identifier), and a function must normalise the same in its file
# and alone. Type, namespace and package names keep their own.
_PLACEHOLDERS = {
    "identifier": b"<identifier>", "field_identifier": b"<identifier>", "property_identifier": b"<identifier>",
    "private_property_identifier": b"<identifier>", "shorthand_property_identifier": b"<identifier>",
    "shorthand_property_identifier_pattern": b"<identifier>", "shorthand_field_identifier": b"<identifier>",
    "statement_identifier": b"<identifier>", "label_name": b"<identifier>",
    "type_identifier": b"<type_identifier>", "namespace_identifier": b"<namespace_identifier>",
    "package_identifier": b"<package_identifier>",
}  # fmt: skip
_SQUASH = ("jsx_text", "preproc_arg", "preproc_directive", "hash_bang_line")

_JS_FUNCTIONS = ("function_declaration", "generator_function_declaration", "method_definition",
                 "function_expression", "generator_function", "arrow_function")  # fmt: skip
_JS_CONTAINERS = ("class_declaration", "abstract_class_declaration", "class", "internal_module", "module")
_C_ATOMS = ("string_literal", "char_literal", "system_lib_string", "raw_string_literal")

# name → (functions, classify, containers, container_name, comments, atoms, wrappers)
_TABLE: dict[str, tuple[tuple[str, ...], Classifier, tuple[str, ...], Callable[[Node, bytes], str],
                        tuple[str, ...], tuple[str, ...], tuple[tuple[bytes, bytes], ...]]] = {
    "Python": (("function_definition",), _py_classify, ("class_definition",), _named_container,
               ("comment", "line_continuation"), ("string",), ()),
    "JavaScript": (_JS_FUNCTIONS, _js_classify, _JS_CONTAINERS, _named_container,
                   ("comment", "html_comment"), ("string", "template_string", "regex"),
                   ((b"class __W__ {\n", b"\n}"), (b"({\n", b"\n})"))),
    "Java": (("method_declaration", "constructor_declaration", "compact_constructor_declaration"), _java_classify,
             ("class_declaration", "interface_declaration", "enum_declaration", "record_declaration",
              "annotation_type_declaration"), _named_container,
             ("line_comment", "block_comment"), ("string_literal", "character_literal"),
             ((b"class __W__ {\n", b"\n}"), (b"record __W__() {\n", b"\n}"))),
    "Go": (("function_declaration", "method_declaration"), _go_classify, (), _named_container,
           ("comment",), ("interpreted_string_literal", "raw_string_literal", "rune_literal"), ()),
    "Rust": (("function_item",), _rust_classify, ("impl_item", "trait_item", "mod_item"), _rust_container_name,
             ("line_comment", "block_comment"), ("string_literal", "raw_string_literal", "char_literal"),
             ((b"impl __W__ {\n", b"\n}"),)),
    "C": (("function_definition",), _c_classify, (), _named_container, ("comment",), _C_ATOMS, ()),
    "C++": (("function_definition",), _cpp_classify,
            ("class_specifier", "struct_specifier", "union_specifier", "namespace_definition"), _named_container,
            ("comment",), _C_ATOMS, ((b"struct __W__ {\n", b"\n};"),)),
}  # fmt: skip
_TABLE["JSX"] = _TABLE["TypeScript"] = _TABLE["TSX"] = _TABLE["JavaScript"]


@functools.cache
def spec(language: str) -> LanguageSpec:
    """The node-kind tables for a supported Linguist name (KeyError otherwise), built once per process."""
    functions, classify, containers, container_name, comments, atoms, wrappers = _TABLE[language]
    lang = get_language(language)
    identifiers = {i: _PLACEHOLDERS[lang.node_kind_for_id(i)] for i in kind_ids(lang, _PLACEHOLDERS)}
    newline = frozenset(i for i in range(lang.node_kind_count) if lang.node_kind_for_id(i) == "\n")
    return LanguageSpec(
        language=language,
        functions=kind_ids(lang, functions),
        classify=classify,
        containers=kind_ids(lang, containers),
        container_name=container_name,
        comments=kind_ids(lang, comments),
        atoms=kind_ids(lang, atoms),
        identifiers=identifiers,
        squash=kind_ids(lang, _SQUASH) | newline,
        docstrings=language == "Python",
        optional_semicolons=language in ("Python", "JavaScript", "JSX", "TypeScript", "TSX", "Go"),
        requote=language in ("Python", "JavaScript", "JSX", "TypeScript", "TSX"),
        tuples=kind_ids(lang, ("tuple", "tuple_pattern", "tuple_expression", "tuple_type")),
        wrappers=wrappers,
    )


# --- Walking --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Definition:
    """A definition node found by `definitions`, before its text is cut out."""

    node: Node
    name: str
    kind: str
    depth: int
    scope: str


def parse(text: str, language: str) -> tuple[tree_sitter.Tree, bytes]:
    """Parse `text` once; the bytes are what node offsets index.

    `surrogatepass` keeps text decoded with `surrogateescape` (undecodable bytes) parseable instead of raising.
    """
    src = text.encode("utf-8", "surrogatepass")
    return get_parser(language).parse(src), src


def definitions(root: Node, src: bytes, language_spec: LanguageSpec, *, nested: bool = True) -> Iterator[Definition]:
    """Definitions under `root` in source order; with `nested=False`, the outermost ones only (not descended)."""
    sp = language_spec
    functions, containers = sp.functions, sp.containers
    opaque = sp.comments | sp.atoms
    # Open scopes as (end byte, name, is a function); entries that end before the current node are stale and
    # are dropped lazily, when a definition or container is met, so the hot loop does no bookkeeping.
    scopes: list[tuple[int, str, bool]] = []
    cursor = root.walk()
    while True:
        node = cursor.node
        assert node is not None
        kind = node.kind_id
        descend = kind not in opaque
        if kind in functions or kind in containers:
            start = node.start_byte
            while scopes and scopes[-1][0] <= start:
                scopes.pop()
            if kind in functions:
                found = sp.classify(node, src)
                if found is not None:
                    scope_names = [s[1] for s in scopes if s[1]]
                    if sp.language == "Go" and found[1] == "method":
                        scope_names.append(_go_receiver(node, src))
                    yield Definition(node, found[0], found[1], sum(s[2] for s in scopes), ".".join(scope_names))
                    if not nested:
                        descend = False
                    scopes.append((node.end_byte, found[0], True))
            else:
                scopes.append((node.end_byte, sp.container_name(node, src), False))
        if descend and cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return


def function_from_definition(d: Definition, src: bytes) -> Function:
    """The `Function` record of a definition (its text cut out of `src`)."""
    node = d.node
    return Function(
        name=d.name,
        kind=d.kind,
        start_line=node.start_point[0] + 1,
        end_line=node.end_point[0] + 1,
        text=decode(src[node.start_byte : node.end_byte]),
        depth=d.depth,
        scope=d.scope,
    )


def extract_functions(text: str, language: str) -> list[Function]:
    """Every function, method and constructor definition in `text`, nested ones included, in source order.

    Never raises on malformed code (tree-sitter recovers and the parts that parse are returned); an
    unsupported language gives [].
    """
    if not supported(language):
        return []
    tree, src = parse(text, language)
    return [function_from_definition(d, src) for d in definitions(tree.root_node, src, spec(language))]
