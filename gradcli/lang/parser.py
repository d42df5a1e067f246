"""Text of a .gx script -> typed AST (gradcli/lang/nodes.py), or a GxError.

    parse(source, filename)          -> nodes.Module   (lexcheck, Lark LALR, static checks)
    parse_expression(text, filename) -> an expression node (for `gradcli grad EXPR`)
    is_complete(source)              -> False while more lines could make the text valid (REPL)
    parse_cached(source, filename)   -> like parse, with the AST cached by content hash

The AST is built during the LALR parse: Lark calls ``AstBuilder``'s methods at
each reduction, so no parse tree is ever made, and nothing executes here.
Every Lark exception becomes a GxSyntaxError worded for a person.
"""
from __future__ import annotations

import gc
import io
import operator
import os
import pickle

from . import grammar as _grammar
from . import lexcheck
from . import nodes as N
from .errors import GxError

def _locate(err: GxError, filename: str, text: str) -> GxError:
    if err.filename is None:
        err.filename = filename
    if err.line is None:
        err.line, err.col = 1, 1
    if err.source_line is None:
        lines = text.split("\n")
        if 0 < err.line <= len(lines):
            err.source_line = lines[err.line - 1]
    return err


def _check_module(module: N.Module, max_nesting: int) -> None:
    from .check import check_module
    check_module(module, max_nesting=max_nesting)


def parse(source: str | bytes, filename: str = "<script>", *,
          max_source: int = lexcheck.DEFAULT_MAX_SOURCE,
          max_nesting: int = lexcheck.DEFAULT_MAX_NESTING,
          check: bool = True) -> N.Module:
    """Parse a script into a Module; raise GxSyntaxError/GxLimitError/GxSecurityError.

    With ``check`` (the default) the static checks of check.py run too, so the
    returned AST is safe to compile: no private names, no misplaced
    break/continue/return, only the allowed imports, bounded depth.
    """
    text = lexcheck.check(source, filename, max_source=max_source, max_nesting=max_nesting)
    from .larkparse import run_lark
    module = run_lark(text, "start", filename)
    module.filename = filename
    module.source = text
    if check:
        try:
            _check_module(module, max_nesting)
        except GxError as err:
            raise _locate(err, filename, text)
    return module


def parse_expression(text: str | bytes, filename: str = "<expr>", *,
                     max_source: int = lexcheck.DEFAULT_MAX_SOURCE,
                     max_nesting: int = lexcheck.DEFAULT_MAX_NESTING, cache: bool = True):
    """One expression (``gradcli grad 'x**2 + sin(y)'``) -> an expression node.
    An expression seen before is loaded from the AST cache (no Lark import at all:
    this is what makes the one-liner start fast)."""
    if cache:
        return _cached(_parse_expression, "expr", text, filename, max_source, max_nesting)
    return _parse_expression(text, filename, max_source=max_source, max_nesting=max_nesting)


def _parse_expression(text, filename, *, max_source, max_nesting):
    norm = lexcheck.decode(text, filename, max_source=max_source).strip() + "\n"
    lexcheck.scan(norm, filename, max_nesting=max_nesting)
    from .larkparse import run_lark
    expr = run_lark(norm, "eval_input", filename)
    try:
        from .check import check_expression
        check_expression(expr, max_nesting=max_nesting)
    except GxError as err:
        raise _locate(err, filename, norm)
    return expr


# ------------------------------------------------------------------ the REPL

def is_complete(source: str) -> bool:
    """False only while more lines could make the text valid.

    Open brackets, a trailing backslash, a block header without its block, or
    a block whose end has not been marked by an empty line (as in Python's
    REPL). Anything else, including text with an error, is complete: running
    it shows the error. The test: text is incomplete when its first error lies
    past its end (after closing any open brackets on a new line).
    """
    try:
        text = lexcheck.decode(source)
        result = lexcheck.scan(text, allow_open=True)
    except GxError:
        return True
    n_lines = text.count("\n")
    probe = text
    if result.open_brackets:
        probe += "".join(")" if ch == "(" else "]" for ch, _ in reversed(result.open_brackets))
        probe += "\n"
    try:
        module = parse(probe, "<repl>")
    except GxError as err:
        return not (err.line is not None and err.line > n_lines)
    if result.open_brackets or result.continued:
        return False
    # a compound statement stays open until an empty line ends it
    body = module.body
    if body and type(body[-1]) in (N.If, N.While, N.For, N.FunctionDef, N.With):
        raw = source.replace("\r\n", "\n").replace("\r", "\n")
        return raw.rstrip(" \t").endswith("\n\n")
    return True


# ------------------------------------------------------------------ AST cache

_FORMAT = 1


def _fingerprint() -> str:
    """Grammar, package version and the code that shapes the AST."""
    global _FINGERPRINT
    if _FINGERPRINT is None:
        from .. import __version__
        h = _grammar.hasher(f"{_FORMAT}:{__version__}:{_grammar.grammar_hash()}".encode())
        here = os.path.dirname(os.path.realpath(__file__))
        for name in ("nodes.py", "parser.py", "larkparse.py", "larkgrammar.py", "check.py",
                     "lexcheck.py"):
            try:
                h.update(_read(os.path.join(here, name)))
            except OSError:
                pass
        _FINGERPRINT = h.hexdigest()
    return _FINGERPRINT


_FINGERPRINT = None


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


def parse_cached(source: str | bytes, filename: str = "<script>", *,
                 max_source: int = lexcheck.DEFAULT_MAX_SOURCE,
                 max_nesting: int = lexcheck.DEFAULT_MAX_NESTING) -> N.Module:
    """parse(), but an unchanged script is loaded from the user's AST cache.

    The key is the hash of the script's bytes, the grammar, the package
    version, the parser's own code and the limits; only scripts that parsed
    and passed the static checks are cached. Writes are atomic.
    """
    module = _cached(parse, "module", source, filename, max_source, max_nesting)
    module.filename = filename
    return module


def _cached(parse_fn, kind, source, filename, max_source, max_nesting):
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


def __getattr__(name):
    """AstBuilder, KEYWORDS, the error translation...: see larkparse.py (lazy)."""
    if name.startswith("__"):
        raise AttributeError(name)
    from . import larkparse
    return getattr(larkparse, name)
