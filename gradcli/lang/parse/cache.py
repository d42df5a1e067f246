"""The AST cache: a script (or a `gradcli grad` expression) parsed before is loaded from
the user's cache directory instead of parsed again, without importing Lark.

The key is the hash of the text, the grammar, the package version, the parser's own
code and the limits; only texts that parsed and passed the static pass are stored.

An entry is data that cannot execute: ``marshal`` of plain tuples, lists, strings and
numbers (a node is ``(class number, field values...)``), carrying the format, the
fingerprint above and the hash of the text it was parsed from; each is compared on
loading, the tree is rebuilt by a checker that accepts only node classes with the
right number of fields and plain values, and the static pass runs again on it. The
directory is opened once and entries relative to it (``lang/cachestore.py``: only
regular files of this user, 0700 directories, atomic writes, bounded size).
"""
from __future__ import annotations

import gc
import marshal
import os

from .. import nodes as N
from . import grammar as _grammar


_FORMAT = 2


def _fingerprint() -> str:
    """Grammar, package version and the code that shapes the AST."""
    global _FINGERPRINT
    if _FINGERPRINT is None:
        from ... import __version__
        h = _grammar.hasher(f"{_FORMAT}:{__version__}:{_grammar.grammar_hash()}".encode())
        for path in _shaping_files():
            try:
                h.update(_read(path))
            except OSError:
                pass
        _FINGERPRINT = h.hexdigest()
    return _FINGERPRINT


_FINGERPRINT = None


def _shaping_files() -> list:
    """The code that decides what a cached tree is: this package, the node classes,
    the static pass and the character checks."""
    here = os.path.dirname(os.path.realpath(__file__))
    lang = os.path.dirname(here)
    files = sorted(os.path.join(here, f) for f in os.listdir(here) if f.endswith(".py"))
    return files + [os.path.join(lang, f) for f in ("nodes.py", "static.py", "lexcheck.py")]


def _read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def _key(data: bytes, max_source: int, max_nesting: int) -> str:
    h = _grammar.hasher(data)
    h.update(f"|{_fingerprint()}|{max_source}|{max_nesting}".encode())
    return h.hexdigest()[:40]


def _store():
    """The 'ast' store of the user's cache directory (lang/cachestore.py), or None."""
    directory = _grammar.cache_path()
    if directory is None:
        return None
    from ..cachestore import Store
    top = Store.open(directory, create=False)
    if top is None:
        return None
    try:
        return top.sub("ast")
    finally:
        top.close()


def cached(parse_fn, kind, source, filename, max_source, max_nesting):
    """``parse_fn(source, filename, ...)``'s tree, from the cache when it is there."""
    data = source if isinstance(source, bytes) else str(source).encode("utf-8", "surrogatepass")
    if len(data) > max_source:
        return parse_fn(source, filename, max_source=max_source, max_nesting=max_nesting)
    store = _store()
    if store is None:
        return parse_fn(source, filename, max_source=max_source, max_nesting=max_nesting)
    with store:
        name = _key(kind.encode() + b"\0" + data, max_source, max_nesting) + ".ast"
        digest = _grammar.hasher(data).hexdigest()
        entry = store.read(name)
        if entry is not None:
            tree = _checked(entry, kind, digest, max_nesting)
            if tree is not None:
                return tree
        tree = parse_fn(source, filename, max_source=max_source, max_nesting=max_nesting)
        try:
            store.write(name, _entry(tree, kind, digest))
        except (ValueError, RecursionError):       # a tree marshal cannot hold: uncached
            pass
        return tree


def _entry(tree, kind: str, digest: str) -> bytes:
    return marshal.dumps((_FORMAT, _fingerprint(), kind, digest, dump_ast(tree)))


def _checked(entry: bytes, kind: str, digest: str, max_nesting: int):
    """The tree of a cache entry, or None: anything that is not what this code would
    have written for this very text (format, fingerprint, kind, text hash), any value
    that is not a node or plain data, and any tree the static pass refuses."""
    try:
        head = _loads(entry)
        if type(head) is not tuple or len(head) != 5:
            return None
        fmt, fingerprint, k, d, payload = head
        if fmt != _FORMAT or fingerprint != _fingerprint() or k != kind or d != digest:
            return None
        with _no_gc():          # 10^5 new nodes: the collector would rescan them
            tree = _build(payload, len(entry) >= BIG_ENTRY)
            if not (type(tree) is N.Module if kind == "module" else isinstance(tree, N.Node)):
                return None
            from .. import static
            static.check(tree, max_nesting=max_nesting)      # never trust what was on disk
        return tree
    except Exception:       # noqa: BLE001 - a stale, damaged or planted entry: parse again
        return None


def _loads(data: bytes):
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return marshal.loads(data)
    finally:
        if gc_was_enabled:
            gc.enable()


# Node classes by number (sorted names: the fingerprint covers nodes.py, so a number
# means the same class in every entry this code accepts).
_NODE_CLASSES = {name: cls for name, cls in vars(N).items()
                 if isinstance(cls, type) and hasattr(cls, "_fields")
                 and cls.__module__ == N.__name__}
_BY_NUMBER = [_NODE_CLASSES[name] for name in sorted(_NODE_CLASSES)]
_NUMBER = {cls: i for i, cls in enumerate(_BY_NUMBER)}
_PLAIN = (str, int, float, bool, type(None), type(Ellipsis))     # marshal has them all


_NFIELDS = [len(cls._fields) + 1 for cls in _BY_NUMBER]
_PLAIN_SET = frozenset(_PLAIN)
_GETTERS = {cls: __import__("operator").attrgetter(*cls._fields) if len(cls._fields) > 1
            else (lambda f: lambda o: (getattr(o, f),))(cls._fields[0]) if cls._fields
            else (lambda o: ()) for cls in _BY_NUMBER}


def dump_ast(tree):
    """The tree as plain data: a node is ``(class number, field values...)``, a list a
    list, everything else a string, number, bool, None or Ellipsis."""
    with _no_gc():
        return _dump(tree)


def _dump(v):
    cls = type(v)
    if cls in _PLAIN_SET:
        return v
    if cls is list:
        return [x if type(x) in _PLAIN_SET else _dump(x) for x in v]
    number = _NUMBER.get(cls)
    if number is None:
        raise ValueError(f"a {cls.__name__} in an AST")
    return (number, *[x if type(x) in _PLAIN_SET else _dump(x) for x in _GETTERS[cls](v)])


BIG_ENTRY = 1 << 16        # marshal bytes from which the generated builders pay off


def load_ast(data, kind: type = N.Module):
    """The tree of ``dump_ast`` data (or of its marshal bytes); ValueError for anything
    else. ``kind`` is N.Module, or N.Node for any expression node."""
    big = True
    if isinstance(data, (bytes, bytearray)):
        big = len(data) >= BIG_ENTRY
        data = _loads(bytes(data))
    tree = _build(data, big)
    if not (type(tree) is kind if kind is N.Module else isinstance(tree, kind)):
        raise ValueError(f"not a {kind.__name__}")
    return tree


def _build(v, big=True):
    """The tree of plain data; ValueError for anything that is not a node of a known
    class with its number of fields, a list, or a plain value. (The collector is off
    meanwhile: 10^5 new nodes would make it rescan them again and again.) A small entry
    (a one-line EXPR, a short script) is rebuilt by ``_make_small``: generating the fast
    builders costs ~10 ms, which only a big tree pays back."""
    global _make
    with _no_gc():
        if not big:
            return _make_small(v)
        if _make is None:
            _make = _generate_builders()
        return _make(v)


def _make_small(v):
    """The same checks as the generated builders, by one generic function."""
    t = type(v)
    if t is tuple:
        i = v[0] if v else None
        if type(i) is not int or not 0 <= i < len(_BY_NUMBER):
            raise ValueError("not an AST node")
        cls = _BY_NUMBER[i]
        names = cls._fields
        if len(v) != len(names) + 1:
            raise ValueError("not an AST node")
        o = object.__new__(cls)
        for name, x in zip(names, v[1:]):
            setattr(o, name, x if type(x) in _PLAIN_SET else _make_small(x))
        return o
    if t is list:
        return [x if type(x) in _PLAIN_SET else _make_small(x) for x in v]
    if t in _PLAIN_SET:
        return v
    raise ValueError(f"a {t.__name__} in a cached AST")


def _generate_builders():
    """``_make``: one generated function per node class (no ``__init__`` call, no list
    built per node: ~92,000 nodes of a 10,000-line script are rebuilt ~20% faster than
    by one generic function), checking exactly what the generic one did: a node is a
    tuple ``(class number, fields...)`` with an int number in range and that class's
    number of fields; a field or list element is a plain value, a list, or a node."""
    src = ["def _make(v):",
           "    t = type(v)",
           "    if t is tuple:",
           "        i = v[0] if v else None",
           "        if type(i) is not int or not 0 <= i < _COUNT:",
           "            raise ValueError('not an AST node')",
           "        return _BUILD[i](v)",
           "    if t is list:",
           "        return [x if type(x) in _PLAIN else _make(x) for x in v]",
           "    if t in _PLAIN:",
           "        return v",
           "    raise ValueError(f'a {t.__name__} in a cached AST')",
           ""]
    ns = {"_PLAIN": _PLAIN_SET, "_new": object.__new__, "_COUNT": len(_BY_NUMBER)}
    for i, cls in enumerate(_BY_NUMBER):
        ns[f"_C{i}"] = cls
        names = cls._fields
        xs = [f"x{k}" for k in range(len(names))]
        src += [f"def _b{i}(v):",
                f"    if len(v) != {len(names) + 1}:",
                "        raise ValueError('not an AST node')",
                f"    o = _new(_C{i})"]
        if names:
            src.append(f"    _, {', '.join(xs)}, = v")
            for x in xs:
                src += [f"    if type({x}) not in _PLAIN:", f"        {x} = _make({x})"]
            src.append(f"    {', '.join('o.' + n for n in names)} = {', '.join(xs)}")
        src += ["    return o", ""]
    exec("\n".join(src), ns)       # noqa: S102 - our own text, made from the node classes
    ns["_BUILD"] = [ns[f"_b{i}"] for i in range(len(_BY_NUMBER))]
    return ns["_make"]


_make = None          # the generated builders, made on the first big entry


class _no_gc:
    __slots__ = ("was",)

    def __enter__(self):
        self.was = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc):
        if self.was:
            gc.enable()
        return False
