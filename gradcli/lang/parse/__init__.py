"""The parser: text of a .gx script -> a checked typed AST (gradcli/lang/nodes.py).

One module per concept:

    api.py       parse, parse_expression, parse_cached, is_complete (what callers use)
    cache.py     the AST cache (no Lark: a cached text never imports it)
    grammar.py   where gx.lark and the user's cache directory are; the grammar's hash
    lalr.py      Lark's LALR parser, its indenter; run(): fast path, then the reference
                 parse (imported lazily by api.py only)
    tables.py    Lark's analysed tables, shipped in the package as data (gx_tables.marshal)
    fast.py      the fast tokenizer and LALR driver
    builder.py   the AST builder Lark calls at each reduction (it only builds)
    messages.py  Lark's exceptions -> syntax errors worded for a person
    words.py     keywords and the Python words .gx lacks

The rules a parsed script must meet are in lang/static.py, run by api.py.
"""
from .api import is_complete, parse, parse_cached, parse_expression
from .cache import dump_ast, load_ast

__all__ = ["parse", "parse_expression", "parse_cached", "is_complete", "dump_ast", "load_ast"]
