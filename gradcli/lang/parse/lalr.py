"""Lark's LALR parser for gx.lark: the indenter, the parser build (from the tables
shipped in the package, tables.py), and ``run``: the fast path (fast.py), then on any trouble the reference parse,
whose errors messages.py words. The one module of the parser that the public API
(api.py) imports lazily: lark is loaded only when a text is not in the AST cache.
"""
from __future__ import annotations

import gc

from lark import Lark
from lark.exceptions import LarkError, UnexpectedInput
from lark.indenter import Indenter

from ..errors import GxError, GxLimitError, GxSyntaxError
from . import fast as _fast_mod
from .builder import AstBuilder
from .grammar import MAX_BLOCK_DEPTH, START_RULES, grammar_hash, grammar_text
from .messages import translate


class GxIndenter(Indenter):
    """Python's INDENT/DEDENT tokens, with positions on the indentation errors.

    Lark's Indenter raises a DedentError without a position and asserts on an
    unmatched ')'. Brackets are checked before parsing (lexcheck), so here only
    the dedent error needs its line and column, and blocks are limited in depth.
    """
    NL_type = "_NEWLINE"
    OPEN_PAREN_types = ["LPAR", "LSQB"]
    CLOSE_PAREN_types = ["RPAR", "RSQB"]
    INDENT_type = "_INDENT"
    DEDENT_type = "_DEDENT"
    tab_len = 8

    def handle_NL(self, token):
        if self.paren_level > 0:
            return
        yield token
        indent_str = token.rsplit("\n", 1)[1]
        indent = indent_str.count(" ") + indent_str.count("\t") * self.tab_len
        levels = self.indent_level
        if indent > levels[-1]:
            if len(levels) > MAX_BLOCK_DEPTH:
                raise GxLimitError(
                    f"blocks nested deeper than {MAX_BLOCK_DEPTH} levels",
                    line=token.end_line, col=token.end_column,
                    end_line=token.end_line, end_col=token.end_column + 1)
            levels.append(indent)
            yield token.new_borrow_pos(self.INDENT_type, indent_str, token)
        else:
            while indent < levels[-1]:
                levels.pop()
                yield token.new_borrow_pos(self.DEDENT_type, indent_str, token)
            if indent != levels[-1]:
                raise GxSyntaxError(
                    "unindent does not match any outer level",
                    line=token.end_line, col=token.end_column,
                    end_line=token.end_line, end_col=token.end_column + 1)

    def process(self, stream):
        # a fresh indenter per parse: the parser (and this postlexer) is shared
        # by the whole process, so its state must not be
        fresh = GxIndenter()
        return fresh._process(stream)

    def _process(self, stream):
        open_types, close_types = self.OPEN_PAREN_types, self.CLOSE_PAREN_types
        nl_type = self.NL_type
        token = None
        for token in stream:
            typ = token.type
            if typ == nl_type:
                yield from self.handle_NL(token)
            else:
                yield token
                if typ in open_types:
                    self.paren_level += 1
                elif typ in close_types and self.paren_level > 0:
                    self.paren_level -= 1
        while len(self.indent_level) > 1:
            self.indent_level.pop()
            if token is not None:
                yield token.new_borrow_pos(self.DEDENT_type, "", token)


def _lark_options(transformer) -> dict:
    return dict(parser="lalr", lexer="contextual", postlex=GxIndenter(),
                start=START_RULES, transformer=transformer,
                maybe_placeholders=True, propagate_positions=False)


def build_parser(transformer=None, *, use_cache: bool = True) -> Lark:
    """A new Lark parser for gx.lark, from the analysed tables shipped in the package
    (tables.py: data, never a pickle from the user's cache); ``use_cache=False``
    analyses the grammar text instead (~0.5 s)."""
    text = grammar_text()
    opts = _lark_options(transformer)
    if not use_cache:
        return Lark(text, **opts)
    from . import tables
    return tables.load(text, opts, grammar_hash())


def lark_options_for_tables() -> dict:
    """The options the shipped tables are made with (write_tables)."""
    return _lark_options(None)


def write_tables() -> None:           # pragma: no cover - a maintainer's tool
    """Analyse gx.lark and write the tables the package ships (tables.py)."""
    from . import tables
    tables.write(tables.generate(grammar_text(), lark_options_for_tables(), grammar_hash()))


_PARSERS: dict = {}


def get_parser(transformer) -> Lark:
    """The process-wide parser for this transformer class (built on first use)."""
    key = type(transformer)
    parser = _PARSERS.get(key)
    if parser is None:
        parser = _PARSERS[key] = build_parser(transformer)
    return parser


# ------------------------------------------------------------------ the parser

_BUILDER = AstBuilder()


def _lark():
    return get_parser(_BUILDER)


_FAST = None


def _fast(parser):
    """The fast tokenizer and LALR driver for this process's parser."""
    global _FAST
    if _FAST is None:
        _FAST = (_fast_mod.FastTokenizer(parser), _fast_mod.FastDriver(parser))
    return _FAST


def run(text: str, start: str, filename: str, *, fast: bool = True):
    """Parse normalized text with Lark; every error becomes a GxError.

    First Lark's LALR parser runs on the fast token stream; if anything goes
    wrong there, the text is parsed again the ordinary way (contextual lexer +
    GxIndenter), whose errors are the reference: so errors cost two parses,
    and every message comes from one path.
    """
    parser = _lark()
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        if fast:
            try:
                return _fast_mod.parse_fast(*_fast(parser), text, start)
            except Exception:       # noqa: BLE001 - any trouble: the reference path decides
                pass
        return parser.parse(text, start=start)
    except GxError as err:
        raise err.located(filename, text)
    except UnexpectedInput as exc:
        raise translate(exc, text, filename, parser) from None
    except LarkError as exc:            # any other Lark error: never let it escape
        err = GxSyntaxError(f"invalid syntax ({exc.__class__.__name__})", filename=filename)
        raise err.located(filename, text) from None
    except RecursionError:
        raise GxLimitError("script too deeply nested to parse", filename=filename,
                           hint="raise the limit with --max-nesting N") from None
    finally:
        if gc_was_enabled:
            gc.enable()


if __name__ == "__main__":           # pragma: no cover
    write_tables()
