"""String literals: prefixes, triple quotes, and f-strings as ``str.format`` calls.

An f-string is not a new kind of expression. ``f"a{x:.3f}b{y!r}"`` is built as
``"a{:.3f}b{!r}".format(x, y)``: its fields are parsed as ordinary expressions (so the
static rules and the compiler's allowlists see them as they see any expression) and
formatting goes through the one safe ``str.format`` of lang/strformat.py. A nested
spec ``{x:{w}}`` becomes ``{:{}}`` with ``w`` as the next argument, which is how
``str.format`` numbers automatic fields.
"""
from __future__ import annotations

import ast as _pyast

from .. import nodes as N
from ..errors import GxError, GxSyntaxError

_CLOSERS = {"(": ")", "[": "]", "{": "}"}


def split(value: str) -> tuple[str, str, str]:
    """(prefix in lower case, quote, body) of a STRING token's text."""
    i = 0
    while value[i] not in "'\"":
        i += 1
    q = value[i] * 3 if value[i:i + 3] in ('"""', "'''") else value[i]
    return value[:i].lower(), q, value[i + len(q):len(value) - len(q)]


def decode(prefix: str, quote: str, raw: str) -> str:
    """The value of a literal's text (escapes applied unless raw)."""
    return _pyast.literal_eval(prefix.replace("f", "") + quote + raw + quote)


class _Piece:
    """One f-string token being turned into a template and argument nodes."""

    def __init__(self, tok, prefix, quote, body):
        self.tok, self.prefix, self.quote, self.body = tok, prefix, quote, body
        self.base = len(tok.value) - len(body) - len(quote)   # offset of body in the token
        self.template: list[str] = []
        self.args: list = []

    # -- positions -------------------------------------------------------
    def where(self, i: int) -> tuple[int, int]:
        """(line, col) of body offset i."""
        v = self.tok.value
        off = self.base + i
        nl = v.rfind("\n", 0, off)
        if nl < 0:
            return self.tok.line, self.tok.column + off
        return self.tok.line + v.count("\n", 0, off), off - nl

    def error(self, msg: str, i: int, length: int = 1) -> GxSyntaxError:
        line, col = self.where(i)
        return GxSyntaxError(msg, line=line, col=col, end_line=line, end_col=col + length)

    # -- scanning ----------------------------------------------------------
    def literal(self, raw: str, i: int):
        if not raw:
            return
        try:
            text = decode(self.prefix, self.quote, raw)
        except (ValueError, SyntaxError) as exc:
            raise self.error(f"invalid string literal ({getattr(exc, 'msg', exc)})", i) from None
        self.template.append(text.replace("{", "{{").replace("}", "}}"))

    def run(self):
        body, i, n, start, raw = self.body, 0, len(self.body), 0, []
        while i < n:
            c = body[i]
            if c == "\\" and "r" not in self.prefix:
                raw.append(body[i:i + 2])
                i += 2
            elif c in "{}" and body[i + 1:i + 2] == c:
                raw.append(c)
                i += 2
            elif c == "{":
                self.literal("".join(raw), start)
                raw = []
                i = self.field(i + 1)
                start = i
            elif c == "}":
                raise self.error("f-string: single '}' is not allowed", i)
            else:
                raw.append(c)
                i += 1
        self.literal("".join(raw), start)

    def expression_end(self, i: int) -> int:
        """Where the expression of a field starting at i ends ('!', ':' or '}')."""
        body, stack, quote = self.body, [], None
        while i < len(body):
            c = body[i]
            if quote:
                if c == quote:
                    quote = None
            elif c in "'\"":
                quote = c
            elif c in _CLOSERS:
                stack.append(_CLOSERS[c])
            elif stack and c == stack[-1]:
                stack.pop()
            elif not stack and (c in ":}" or (c == "!" and body[i + 1:i + 2] != "=")):
                return i
            i += 1
        raise self.error("f-string: expecting '}'", len(body) - 1)

    def field(self, i: int) -> int:
        """Parse the field at i (just past '{'); append to template/args; return the
        offset just past its '}'."""
        end = self.expression_end(i)
        self.args.append(self.expression(i, end))
        out = ["{"]
        if self.body[end] == "!":
            conv = self.body[end + 1:end + 2]
            if conv not in ("r", "s", "a"):
                raise self.error("f-string: invalid conversion character: expected 's', "
                                 "'r', or 'a'", end + 1)
            out.append("!" + conv)
            end += 2
        if self.body[end:end + 1] == ":":
            out.append(":")
            end = self.spec(end + 1, out)
        if self.body[end:end + 1] != "}":
            raise self.error("f-string: expecting '}'", end)
        out.append("}")
        self.template.append("".join(out))
        return end + 1

    def spec(self, i: int, out: list) -> int:
        body = self.body
        while i < len(body) and body[i] != "}":
            if body[i] == "{":
                end = self.expression_end(i + 1)
                if body[end] != "}":
                    raise self.error("f-string: nested format fields take no conversion "
                                     "or spec here", end)
                self.args.append(self.expression(i + 1, end))
                out.append("{}")
                i = end + 1
            else:
                out.append(body[i])
                i += 1
        return i

    def expression(self, i: int, end: int):
        text = self.body[i:end]
        stripped = text.lstrip()
        i += len(text) - len(stripped)
        stripped = stripped.rstrip()
        if not stripped:
            raise self.error("f-string: empty expression not allowed", i)
        from .. import lexcheck
        from .api import _lalr
        try:
            norm = stripped.replace("\n", " ") + "\n"
            lexcheck.scan(norm, "<f-string>")
            expr = _lalr(norm, "eval_input", "<f-string>")
        except GxError as err:
            col = (err.col or 1) - 1
            raise self.error(f"f-string: {err.message}", i + col) from None
        line, col = self.where(i)
        _shift(expr, line - 1, col - 1)
        return expr


def _shift(expr, dline: int, dcol: int):
    """Move the positions of a field's expression (parsed alone, at 1:1) to where the
    field is in the script (the field's text is one line)."""
    for n in N.walk(expr):
        for name in ("col", "end_col", "op_col", "attr_col"):
            v = getattr(n, name, 0)
            if v:
                setattr(n, name, v + dcol)
        for name in ("line", "end_line", "op_line"):
            v = getattr(n, name, 0)
            if v:
                setattr(n, name, v + dline)


def build(tokens):
    """The AST of adjacent string tokens: a Constant, or (with an f-string among them)
    ``template.format(*fields)``."""
    first, last = tokens[0], tokens[-1]
    pieces = [split(t.value) for t in tokens]
    if not any("f" in p for p, _, _ in pieces):
        try:
            value = "".join(decode(p, q, b) for p, q, b in pieces)
        except (ValueError, SyntaxError) as exc:
            raise GxSyntaxError(f"invalid string literal ({exc.__class__.__name__}: "
                                f"{getattr(exc, 'msg', exc)})", line=first.line,
                                col=first.column, end_line=last.end_line,
                                end_col=last.end_column) from None
        return N.Constant(first.line, first.column, last.end_line, last.end_column, value)
    template, args = [], []
    for tok, (p, q, b) in zip(tokens, pieces):
        piece = _Piece(tok, p, q, b)
        if "f" in p:
            piece.run()
        else:
            piece.literal(b, 0)
        template.extend(piece.template)
        args.extend(piece.args)
    const = N.Constant(first.line, first.column, last.end_line, last.end_column,
                       "".join(template))
    func = N.Attribute(first.line, first.column, last.end_line, last.end_column, const,
                       "format", last.end_column)
    return N.Call(first.line, first.column, last.end_line, last.end_column, func, args, [])
