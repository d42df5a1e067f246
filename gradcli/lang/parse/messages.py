"""Syntax-error messages: Lark's exceptions -> one GxSyntaxError worded for a person.

Only the reference parse (lalr.run, after the fast path failed) gets here, so this
module may take its time: it looks at the parser's expected terminals, the source line
and the words before the error to say what went wrong and what to write instead.
"""
from __future__ import annotations

import re

from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from ..errors import GxSyntaxError
from .words import KEYWORDS, NOT_SUPPORTED


_EXPR_START = {"NAME", "NUMBER", "STRING", "LPAR", "LSQB", "TRUE", "FALSE", "NONE",
               "MINUS", "PLUS", "TILDE", "NOT", "ELLIPSIS"}
_TOKEN_WORDS = {
    "NAME": "name", "NUMBER": "number", "STRING": "string", "_NEWLINE": "end of line",
    "$END": "end of file", "_INDENT": "indent", "_DEDENT": "unindent",
}
_BLOCK_WORDS = ("if", "elif", "else", "while", "for", "def", "with")
_UNSUPPORTED_CHARS = {
    "{": "dict and set literals ('{...}')",
    "}": "dict and set literals ('{...}')", "`": "backquotes",
}


def _describe(tok) -> str:
    typ = tok.type
    if typ in ("NAME", "NUMBER"):
        return f"{_TOKEN_WORDS[typ]} '{tok.value}'"
    if typ == "STRING":
        return "string " + (tok.value if len(tok.value) <= 20 else tok.value[:17] + "...")
    if typ in _TOKEN_WORDS:
        return _TOKEN_WORDS[typ]
    return f"'{tok.value}'"


def _terminal_text(parser, name: str) -> str | None:
    if name in _TOKEN_WORDS:
        return _TOKEN_WORDS[name]
    try:
        pattern = parser.get_terminal(name).pattern
    except (KeyError, AttributeError):
        return None
    if pattern.type == "str":
        return f"'{pattern.value}'"
    return None


def _eof_position(text: str) -> tuple[int, int]:
    lines = text.split("\n")
    # text ends with '\n': the position after it is the start of an empty last line
    return len(lines), 1


def _block_header(text: str, before_line: int):
    """The compound statement header whose block is missing: (word, line, col)."""
    lines = text.split("\n")
    for ln in range(min(before_line, len(lines)) - 1, 0, -1):
        stripped = lines[ln - 1].lstrip(" \t")
        m = re.match(r"[A-Za-z_]+", stripped)
        if m and m.group() in _BLOCK_WORDS:
            return m.group(), ln, len(lines[ln - 1]) - len(stripped) + 1
    return None


def translate(exc: UnexpectedInput, text: str, filename: str, parser) -> GxSyntaxError:
    """The GxSyntaxError for Lark's exception ``exc`` while parsing ``text``."""
    lines = text.split("\n")

    def make(msg, line, col, width=1, incomplete=False):
        src = lines[line - 1] if 0 < line <= len(lines) else ""
        err = GxSyntaxError(msg, filename=filename, line=line, col=col, end_line=line,
                            end_col=col + max(1, width), source_line=src)
        if incomplete:
            err.incomplete = True
        return err

    if isinstance(exc, UnexpectedCharacters):
        return _unexpected_character(exc, text, make)
    if not isinstance(exc, UnexpectedToken):
        line = getattr(exc, "line", None) or 1
        col = getattr(exc, "column", None) or 1
        return make("invalid syntax", line if line > 0 else 1, col if col > 0 else 1)
    return _unexpected_token(exc, text, lines, parser, make)


def _unexpected_character(exc, text, make):
    """A character no terminal matches: '{', '!', a stray backslash or quote..."""
    line, col = exc.line, exc.column
    ch = text[exc.pos_in_stream] if 0 <= exc.pos_in_stream < len(text) else "?"
    if ch in _UNSUPPORTED_CHARS:
        return make(f"{_UNSUPPORTED_CHARS[ch]} is not supported in .gx", line, col)
    if ch == "!":
        return make("unexpected '!' (use 'not' for negation, '!=' to compare)", line, col)
    if ch == "\\":
        return make("unexpected '\\': a backslash continues a line only at its end", line, col)
    if ch in "\"'":
        return make("unterminated string literal", line, col)
    return make(f"unexpected {ch!r}", line, col)


def _expected(exc) -> set:
    """The terminals the parser could have taken where it stopped."""
    expected = set(exc.expected or ())
    state = getattr(exc, "state", None)
    try:        # the parser's own view (the contextual lexer reports only what it could lex)
        expected = {k for k in state.parse_conf.states[state.position] if k.isupper()}
    except (AttributeError, KeyError, TypeError):
        pass
    return expected


def _token_position(tok, text):
    """(line, col, width) of the unexpected token; layout tokens point at the text after."""
    typ = tok.type
    if typ == "$END":
        line, col = _eof_position(text)
        return line, col, 1
    if typ == "_NEWLINE":
        return tok.line, tok.column, 1
    if typ in ("_INDENT", "_DEDENT"):      # the indentation of the line after the newline
        return tok.end_line, tok.end_column, 1
    return tok.line, tok.column, (len(tok.value) if tok.end_line == tok.line else 1)


def _unexpected_token(exc, text, lines, parser, make):
    tok = exc.token
    expected = _expected(exc)
    typ = tok.type
    line, col, width = _token_position(tok, text)
    src = lines[line - 1] if 0 < line <= len(lines) else ""

    # a block header without its block
    if "_INDENT" in expected and typ != "_INDENT":
        header = _block_header(text, line if typ != "$END" else len(lines))
        where = f" after '{header[0]}' ({header[1]}:{header[2]})" if header else ""
        return make(f"expected an indented block{where}", line, col,
                    incomplete=(typ in ("$END", "_DEDENT")))
    if typ == "_INDENT":
        return make("unexpected indent", line, col)
    if typ == "_DEDENT":
        return make("unexpected unindent (the block ended too early?)", line, col)
    found = _python_words(tok, src, line, col, make)
    if found is not None:
        return found
    if typ == "NAME" and tok.value in KEYWORDS:
        return make(f"unexpected '{tok.value}'", line, col, width)
    unexpected = _describe(tok)
    if typ in ("_NEWLINE", "$END") and "COLON" in expected:
        return make("expected ':'", line, col)
    if expected & _EXPR_START and typ not in _EXPR_START:
        return make(f"unexpected {unexpected}; expected an expression", line, col, width)
    hint = ""
    if typ == "EQUAL" and "__ANON_1" in expected or (typ == "EQUAL" and _terminal_in(parser, expected, "==")):
        hint = " (use '==' to compare)"
    elif typ == "NAME" and col > 1 and (src[col - 2].isdigit() or src[col - 2] == "."):
        number = re.search(r"[\w.]+$", src[:col - 1]).group()      # 2x, 1e3x: maths notation
        hint = f" (write {number}*{tok.value}: .gx multiplies only with '*')"
    elif typ in ("NAME", "NUMBER", "STRING", "LPAR", "LSQB") and "_NEWLINE" in expected:
        hint = " (missing operator or comma?)"
    words_expected = sorted(filter(None, (_terminal_text(parser, n) for n in expected)))
    if 0 < len(words_expected) <= 3:
        hint += "; expected " + " or ".join(words_expected)
    return make(f"unexpected {unexpected}{hint}", line, col, width)


def _python_words(tok, src, line, col, make):
    """Python that .gx does not have (lambda, f-strings, comprehensions, a stray 'else'),
    or None."""
    typ = tok.type
    words = re.findall(r"[A-Za-z_]\w*", src[:col - 1] + (tok.value if typ == "NAME" else ""))
    stripped = src.lstrip()
    first_word = re.match(r"[A-Za-z_]\w*", stripped)
    if first_word and first_word.group() in NOT_SUPPORTED:
        return make(f"{NOT_SUPPORTED[first_word.group()]} is not supported in .gx", line,
                    len(src) - len(stripped) + 1, len(first_word.group()))
    for w in words:
        if w in NOT_SUPPORTED:
            i = src.find(w)
            return make(f"{NOT_SUPPORTED[w]} is not supported in .gx", line, i + 1, len(w))
    if typ == "STRING" and col > 1 and re.search(r"(^|[^\w])[A-Za-z]{1,2}$", src[:col - 1]):
        prefix = re.search(r"[A-Za-z]{1,2}$", src[:col - 1]).group()
        if "f" in prefix.lower():
            return make("f-strings are not supported in .gx (use print(a, b) or "
                        "string concatenation)", line, col - len(prefix), len(prefix) + 1)
        return make(f"string prefix '{prefix}' is not supported in .gx", line,
                    col - len(prefix), len(prefix) + 1)
    if typ == "FOR":
        return make("comprehensions ('for' inside brackets) are not supported in .gx",
                    line, col, 3)
    if first_word and first_word.group() in ("else", "elif", "in", "is", "and", "or", "as") \
            and typ != "_INDENT":
        w = first_word.group()
        extra = " (no 'if' before it at this indentation)" if w in ("else", "elif") else ""
        return make(f"unexpected '{w}'{extra}", line, len(src) - len(stripped) + 1, len(w))
    return None


def _terminal_in(parser, expected, text: str) -> bool:
    return any(_terminal_text(parser, n) == f"'{text}'" for n in expected)
