"""The parser's public API: text of a .gx script -> checked typed AST
(gradcli/lang/nodes.py), or a GxError.

    parse(source, filename)          -> nodes.Module   (lexcheck, Lark LALR, static checks)
    parse_expression(text, filename) -> an expression node (for `gradcli grad EXPR`)
    is_complete(source)              -> False while more lines could make the text valid (REPL)
    parse_cached(source, filename)   -> like parse, with the AST cached by content hash

Steps: lexcheck (bytes and characters), then lalr.run (the AST is built during the
LALR parse by builder.py; Lark's exceptions are worded by messages.py), then the static
pass (lang/static.py). ``_lalr`` is the one place that imports Lark, lazily: a text
found in the AST cache (cache.py) never loads it.
"""
from __future__ import annotations

from .. import lexcheck
from .. import nodes as N
from .. import static
from ..errors import GxError
from .cache import cached


def _lalr(text: str, start: str, filename: str):
    """Lark's parse of normalized text (the one import of Lark, here)."""
    from .lalr import run
    return run(text, start, filename)


def parse(source: str | bytes, filename: str = "<script>", *,
          max_source: int = lexcheck.DEFAULT_MAX_SOURCE,
          max_nesting: int = lexcheck.DEFAULT_MAX_NESTING,
          check: bool = True) -> N.Module:
    """Parse a script into a Module; raise GxSyntaxError/GxLimitError/GxSecurityError.

    With ``check`` (the default) the static pass (lang/static.py) runs too, so the
    returned AST is safe to compile: no private names, no misplaced
    break/continue/return, only the allowed imports, bounded depth.
    """
    text = lexcheck.check(source, filename, max_source=max_source, max_nesting=max_nesting)
    module = _lalr(text, "start", filename)
    module.filename = filename
    module.source = text
    if check:
        try:
            static.check(module, max_nesting=max_nesting)
        except GxError as err:
            raise err.located(filename, text)
    return module


def parse_expression(text: str | bytes, filename: str = "<expr>", *,
                     max_source: int = lexcheck.DEFAULT_MAX_SOURCE,
                     max_nesting: int = lexcheck.DEFAULT_MAX_NESTING, cache: bool = True):
    """One expression (``gradcli grad 'x**2 + sin(y)'``) -> an expression node.
    An expression seen before is loaded from the AST cache (no Lark import at all:
    this is what makes the one-liner start fast)."""
    if cache:
        return cached(_parse_expression, "expr", text, filename, max_source, max_nesting)
    return _parse_expression(text, filename, max_source=max_source, max_nesting=max_nesting)


def _parse_expression(text, filename, *, max_source, max_nesting):
    norm = lexcheck.decode(text, filename, max_source=max_source).strip() + "\n"
    lexcheck.scan(norm, filename, max_nesting=max_nesting)
    expr = _lalr(norm, "eval_input", filename)
    try:
        static.check(expr, max_nesting=max_nesting)
    except GxError as err:
        raise err.located(filename, norm)
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


def parse_cached(source: str | bytes, filename: str = "<script>", *,
                 max_source: int = lexcheck.DEFAULT_MAX_SOURCE,
                 max_nesting: int = lexcheck.DEFAULT_MAX_NESTING) -> N.Module:
    """parse(), but an unchanged script is loaded from the user's AST cache.

    The key is the hash of the script's bytes, the grammar, the package
    version, the parser's own code and the limits; only scripts that parsed
    and passed the static checks are cached. Writes are atomic.
    """
    module = cached(parse, "module", source, filename, max_source, max_nesting)
    module.filename = filename
    return module
