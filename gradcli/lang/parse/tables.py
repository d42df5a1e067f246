"""Lark's LALR tables for gx.lark as data shipped in the package: no pickle, no user cache.

Analysing the grammar costs ~0.5 s, so the parser was built from Lark's table cache
(``Lark(..., cache=FILE)``): a pickle in the user's cache directory, i.e. a file found
on disk that runs code when it is loaded. Instead the analysed tables ship inside the
package as ``gx_tables.marshal``: plain dicts, lists, tuples, strings and numbers
(Lark's own ``memo_serialize``), as trusted as the ``.py`` files beside it, made by

    python -m gradcli.lang.parse.lalr        # after changing grammar/gx.lark

and checked by a test (tests/test_hostile.py). ``load`` builds the parser from them
with ``Lark._load_from_dict`` (~30 ms); when the file is missing or was made for
another grammar, Lark version or format, the parser is built from the grammar text.
"""
from __future__ import annotations

import os

FORMAT = 1
TABLES = os.path.join(os.path.dirname(os.path.realpath(__file__)), "gx_tables.marshal")


def _stamp(grammar_hash: str) -> dict:
    import lark
    return {"format": FORMAT, "grammar": grammar_hash, "lark": lark.__version__}


def load(text: str, options: dict, grammar_hash: str):
    """A Lark parser for grammar ``text`` with ``options`` (postlex and transformer are
    objects, given here; the rest must be what the tables were made with)."""
    from lark import Lark
    blob = _read(grammar_hash)
    if blob is not None:
        try:
            return Lark._load_from_dict(blob["data"], blob["memo"],
                                        postlex=options.get("postlex"),
                                        transformer=options.get("transformer"))
        except Exception:        # noqa: BLE001 - tables Lark cannot use: build instead
            pass
    return Lark(text, **options)


def _read(grammar_hash: str):
    import marshal
    try:
        with open(TABLES, "rb") as f:
            blob = marshal.loads(f.read())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if type(blob) is not dict or type(blob.get("data")) is not dict \
            or type(blob.get("memo")) is not dict:
        return None
    if {k: blob.get(k) for k in ("format", "grammar", "lark")} != _stamp(grammar_hash):
        return None
    return blob


def generate(text: str, options: dict, grammar_hash: str) -> bytes:
    """The tables file's bytes for grammar ``text`` built with ``options``."""
    import marshal
    import lark
    from lark import Lark
    parser = Lark(text, **options)
    data, memo = parser.memo_serialize([lark.lexer.TerminalDef, lark.grammar.Rule])
    data = dict(data)
    opts = dict(data["options"])
    for key in ("postlex", "transformer"):     # objects: given again when loading
        opts.pop(key, None)
    data["options"] = opts
    _check_plain((data, memo))
    return marshal.dumps({**_stamp(grammar_hash), "data": data, "memo": memo})


def _check_plain(value) -> None:
    """Only plain data goes into the tables file."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, (list, tuple)):
            stack.extend(v)
        elif not (v is None or isinstance(v, (str, int, float, bool, bytes))):
            raise TypeError(f"not plain data in Lark's tables: {type(v).__name__}")


def write(payload: bytes) -> None:      # pragma: no cover - a maintainer's tool
    tmp = TABLES + ".tmp"
    with open(tmp, "wb") as f:
        f.write(payload)
    os.replace(tmp, TABLES)
    print(f"wrote {TABLES} ({len(payload)} bytes)")
