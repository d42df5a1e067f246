"""The AST cache: a script (or a `gradcli grad` expression) parsed before is loaded from
the user's cache directory instead of parsed again, without importing Lark.

The key is the hash of the text, the grammar, the package version, the parser's own
code and the limits; only texts that parsed and passed the static pass are stored.
Writes are atomic. Entries are pickles that may name AST node classes only.
"""
from __future__ import annotations

import gc
import io
import operator
import os
import pickle

from .. import nodes as N
from . import grammar as _grammar


_FORMAT = 1


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


def _ast_cache_path(data: bytes, max_source: int, max_nesting: int) -> str | None:
    directory = _grammar.cache_path()
    if directory is None:
        return None
    h = _grammar.hasher(data)
    h.update(f"|{_fingerprint()}|{max_source}|{max_nesting}".encode())
    sub = os.path.join(directory, "ast")
    try:
        os.mkdir(sub, 0o700)
    except FileExistsError:
        pass
    except OSError:
        return None
    return os.path.join(sub, h.hexdigest()[:40] + ".pickle")


def cached(parse_fn, kind, source, filename, max_source, max_nesting):
    """``parse_fn(source, filename, ...)``'s tree, from the cache when it is there."""
    data = source if isinstance(source, bytes) else str(source).encode("utf-8", "surrogatepass")
    if len(data) > max_source:
        return parse_fn(source, filename, max_source=max_source, max_nesting=max_nesting)
    path = _ast_cache_path(kind.encode() + b"\0" + data, max_source, max_nesting)
    if path is not None:
        tree = _load_ast(path, N.Module if kind == "module" else N.Node)
        if tree is not None:
            return tree
    tree = parse_fn(source, filename, max_source=max_source, max_nesting=max_nesting)
    if path is not None:
        _atomic_write(path, dump_ast(tree))
    return tree


# The AST pickles as (class, field values) calls: unpickling runs the dataclass
# __init__ (fast) instead of the slots dataclass __setstate__, and only node
# classes may be named in a cache file.
_NODE_CLASSES = {name: cls for name, cls in vars(N).items()
                 if isinstance(cls, type) and hasattr(cls, "_fields")
                 and cls.__module__ == N.__name__}
_REDUCERS = {}
for _cls in _NODE_CLASSES.values():
    _get = operator.attrgetter(*_cls._fields)
    _REDUCERS[_cls] = (lambda cls, get: lambda obj: (cls, get(obj)))(_cls, _get)
del _cls, _get


class _NodeUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if module == N.__name__ and name in _NODE_CLASSES:
            return _NODE_CLASSES[name]
        raise pickle.UnpicklingError(f"{module}.{name} is not an AST node")


def dump_ast(module: N.Module) -> bytes:
    buf = io.BytesIO()
    pickler = pickle.Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _REDUCERS
    pickler.dump(module)
    return buf.getvalue()


def load_ast(data: bytes, kind: type = N.Module):
    """A cached tree; ``kind`` is N.Module, or N.Node for any expression node."""
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        module = _NodeUnpickler(io.BytesIO(data)).load()
    finally:
        if gc_was_enabled:
            gc.enable()
    if not (type(module) is kind if kind is N.Module else isinstance(module, kind)):
        raise pickle.UnpicklingError(f"not a {kind.__name__}")
    return module


def _load_ast(path: str, kind: type = N.Module):
    try:
        with open(path, "rb") as f:
            return load_ast(f.read(), kind)
    except Exception:       # a missing, stale or damaged cache entry: parse again
        return None


def _atomic_write(path: str, payload: bytes) -> None:
    head, name = os.path.split(path)
    tmp = os.path.join(head, f".{name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
        os.replace(tmp, path)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
