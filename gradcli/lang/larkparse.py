"""The Lark half of the parser: the AST builder Lark calls at each reduction, the
runs of Lark (fast path, then the reference path for errors), and the translation of
Lark's exceptions into GxSyntaxErrors worded for a person. Imported by parser.py
only when a text is not in the AST cache."""
from __future__ import annotations

import ast as _pyast
import gc
import re

from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.lexer import Token

from . import larkgrammar as _grammar
from . import nodes as N
from .errors import GxError, GxLimitError, GxSecurityError, GxSyntaxError
from .parser import _locate

# Python words that are not part of .gx: a clear message instead of "unexpected name".
NOT_SUPPORTED = {
    "raise": "'raise'", "class": "'class' (classes)", "lambda": "'lambda'",
    "global": "'global'", "nonlocal": "'nonlocal'", "del": "'del'", "try": "'try'",
    "except": "'except'", "finally": "'finally'", "yield": "'yield'", "async": "'async'",
    "await": "'await'",
}


# Keywords of .gx. The contextual lexer reads a keyword as a NAME where no
# keyword is expected, so names are checked against this list.
KEYWORDS = frozenset("""if elif else while for in def return with as assert import from
    pass break continue not and or is True False None""".split())


# ----------------------------------------------------------------- AST builder

def _start(x):
    if type(x) is Token:
        return x.line, x.column
    return x.line, x.col


def _end(x):
    if type(x) is Token:
        return x.end_line, x.end_column
    return x.end_line, x.end_col


def _security(what: str, line: int, col: int, end_line: int, end_col: int) -> GxSecurityError:
    return GxSecurityError(
        f"{what} starts with '_': private and dunder names are not accessible in .gx",
        static=True, line=line, col=col, end_line=end_line, end_col=end_col)


def _syntax(msg: str, first, last=None) -> GxSyntaxError:
    line, col = _start(first)
    end_line, end_col = _end(last if last is not None else first)
    return GxSyntaxError(msg, line=line, col=col, end_line=end_line, end_col=end_col)


def _check_ident(tok: Token, what: str = "name") -> str:
    value = str(tok)
    if value[0] == "_":
        raise _security(f"{what} '{value}'", tok.line, tok.column, tok.end_line, tok.end_column)
    if value in NOT_SUPPORTED:
        raise _syntax(f"{NOT_SUPPORTED[value]} is not supported in .gx", tok)
    if value in KEYWORDS:
        raise _syntax(f"unexpected '{value}' (a keyword cannot be used as a {what})", tok)
    return value


_TARGET_WORDS = {
    N.Call: "a function call", N.Constant: "a literal", N.BinOp: "an expression",
    N.UnaryOp: "an expression", N.BoolOp: "an expression", N.Compare: "a comparison",
    N.IfExp: "a conditional expression", N.Slice: "a slice",
}


def _check_target(node, augmented: bool = False, for_loop: bool = False):
    t = type(node)
    if t is N.Name:
        return
    if t in (N.Attribute, N.Subscript) and not for_loop:
        return
    if t in (N.Tuple, N.List) and not augmented:
        for e in node.elts:
            _check_target(e, for_loop=for_loop)
        return
    if for_loop:
        raise _syntax("the target of a for loop must be a name or names (for i in ...)", node)
    what = _TARGET_WORDS.get(t, "this expression")
    if augmented and t in (N.Tuple, N.List):
        what = "a tuple or list (augmented assignment)"
    raise _syntax(f"cannot assign to {what}", node)


class AstBuilder:
    """Lark callbacks, one per grammar rule or alias; each returns an AST node.

    Children arrive as a list (anonymous tokens already dropped; optional
    ``[x]`` items as None). Positions come from the first and last child.
    """

    # ---- module and statements

    def module(self, children):
        return N.Module(self.suite(children))

    def eval_input(self, children):
        return children[0]

    def simple_stmt(self, children):
        return [c for c in children if c is not None]

    def suite(self, children):
        """The statements of a block (or of the module), simple statements' lists flattened."""
        body = []
        for c in children:
            if type(c) is list:
                body.extend(c)
            elif c is not None and type(c) is not Token:
                body.append(c)
        return body

    def expr_stmt(self, children):
        e = children[0]
        return N.ExprStmt(e.line, e.col, e.end_line, e.end_col, e)

    def assign(self, children):
        targets, value = children[:-1], children[-1]
        for t in targets:
            _check_target(t)
        first = targets[0]
        return N.Assign(first.line, first.col, value.end_line, value.end_col, targets, value)

    def augassign(self, children):
        target, op, value = children
        _check_target(target, augmented=True)
        return N.AugAssign(target.line, target.col, value.end_line, value.end_col,
                           target, op.value[:-1], value)

    def pass_stmt(self, children):
        t = children[0]
        return N.Pass(t.line, t.column, t.end_line, t.end_column)

    def break_stmt(self, children):
        t = children[0]
        return N.Break(t.line, t.column, t.end_line, t.end_column)

    def continue_stmt(self, children):
        t = children[0]
        return N.Continue(t.line, t.column, t.end_line, t.end_column)

    def return_stmt(self, children):
        kw, value = children
        last = value if value is not None else kw
        el, ec = _end(last)
        return N.Return(kw.line, kw.column, el, ec, value)

    def assert_stmt(self, children):
        kw, test, msg = children
        el, ec = _end(msg if msg is not None else test)
        return N.Assert(kw.line, kw.column, el, ec, test, msg)

    def dotted_name(self, children):
        return children                          # list of NAME tokens

    def dotted_as_name(self, children):
        names, asname = children
        for t in names:
            _check_ident(t, "module name")
        first, last = names[0], (asname if asname is not None else names[-1])
        if asname is not None:
            _check_ident(asname)
        return N.Alias(first.line, first.column, last.end_line, last.end_column,
                       ".".join(names), str(asname) if asname is not None else None)

    def import_as_name(self, children):
        name, asname = children
        _check_ident(name)
        if asname is not None:
            _check_ident(asname)
        last = asname if asname is not None else name
        return N.Alias(name.line, name.column, last.end_line, last.end_column,
                       str(name), str(asname) if asname is not None else None)

    def import_as_names(self, children):
        return [c for c in children if c is not None]

    def import_name(self, children):
        kw, aliases = children[0], children[1:]
        last = aliases[-1]
        return N.Import(kw.line, kw.column, last.end_line, last.end_col, aliases)

    def import_from(self, children):
        kw, module, names = children
        for t in module:
            _check_ident(t, "module name")
        if type(names) is not list:
            names = [names]
        last = names[-1]
        return N.ImportFrom(kw.line, kw.column, last.end_line, last.end_col,
                            ".".join(module), names)

    def if_stmt(self, children):
        kw, test, body = children[0], children[1], children[2]
        rest = children[3:]
        orelse = []
        if rest and rest[-1] is None:
            rest = rest[:-1]
        elif rest and type(rest[-1]) is list:
            orelse = rest[-1]
            rest = rest[:-1]
        for clause in reversed(rest):          # elif chain -> nested If
            clause.orelse = orelse
            if orelse:
                clause.end_line, clause.end_col = orelse[-1].end_line, orelse[-1].end_col
            orelse = [clause]
        last = orelse[-1] if orelse else body[-1]
        return N.If(kw.line, kw.column, last.end_line, last.end_col, test, body, orelse)

    def elif_clause(self, children):
        kw, test, body = children
        last = body[-1]
        return N.If(kw.line, kw.column, last.end_line, last.end_col, test, body, [])

    def else_clause(self, children):
        return children[0]

    def while_stmt(self, children):
        kw, test, body = children
        last = body[-1]
        return N.While(kw.line, kw.column, last.end_line, last.end_col, test, body)

    def for_stmt(self, children):
        kw, target, it, body = children
        _check_target(target, for_loop=True)
        last = body[-1]
        return N.For(kw.line, kw.column, last.end_line, last.end_col, target, it, body)

    def funcdef(self, children):
        kw, name, params, body = children
        _check_ident(name, "function name")
        params = params or []
        seen = set()
        for p in params:
            if p.name in seen:
                raise GxSyntaxError(f"duplicate parameter '{p.name}'", line=p.line, col=p.col,
                                    end_line=p.end_line, end_col=p.end_col)
            seen.add(p.name)
        defaults = False
        for p in params:
            if p.default is not None:
                defaults = True
            elif defaults:
                raise GxSyntaxError("a parameter without a default follows one with a default",
                                    line=p.line, col=p.col, end_line=p.end_line, end_col=p.end_col)
        last = body[-1]
        return N.FunctionDef(kw.line, kw.column, last.end_line, last.end_col,
                             str(name), params, body)

    def parameters(self, children):
        return [c for c in children if c is not None]

    def param(self, children):
        name, default = children
        _check_ident(name, "parameter")
        el, ec = _end(default if default is not None else name)
        return N.Param(name.line, name.column, el, ec, str(name), default)

    def with_stmt(self, children):
        kw, items, body = children[0], children[1:-1], children[-1]
        last = body[-1]
        return N.With(kw.line, kw.column, last.end_line, last.end_col, items, body)

    def with_item(self, children):
        ctx, name = children
        if name is not None:
            _check_ident(name)
        el, ec = _end(name if name is not None else ctx)
        return N.WithItem(ctx.line, ctx.col, el, ec, ctx, str(name) if name is not None else None)

    # ---- expressions

    def tuple_bare(self, children):
        elts = [c for c in children if c is not None]
        first, last = elts[0], elts[-1]
        return N.Tuple(first.line, first.col, last.end_line, last.end_col, elts)

    def tuple(self, children):
        lpar, rpar = children[0], children[-1]
        elts = [c for c in children[1:-1] if c is not None]
        return N.Tuple(lpar.line, lpar.column, rpar.end_line, rpar.end_column, elts)

    def list(self, children):
        lsqb, rsqb = children[0], children[-1]
        elts = [c for c in children[1:-1] if c is not None]
        return N.List(lsqb.line, lsqb.column, rsqb.end_line, rsqb.end_column, elts)

    def ifexp(self, children):
        body, test, orelse = children
        return N.IfExp(body.line, body.col, orelse.end_line, orelse.end_col, test, body, orelse)

    def or_test(self, children):
        first, last = children[0], children[-1]
        return N.BoolOp(first.line, first.col, last.end_line, last.end_col, "or", children)

    def and_test(self, children):
        first, last = children[0], children[-1]
        return N.BoolOp(first.line, first.col, last.end_line, last.end_col, "and", children)

    def not_test(self, children):
        kw, operand = children
        return N.UnaryOp(kw.line, kw.column, operand.end_line, operand.end_col, "not", operand)

    def comparison(self, children):
        left, last = children[0], children[-1]
        return N.Compare(left.line, left.col, last.end_line, last.end_col,
                         left, children[1::2], children[2::2])

    def comp_op(self, children):
        return " ".join(children)

    def _fold(self, children):
        left = children[0]
        BinOp = N.BinOp
        for i in range(1, len(children), 2):
            op = children[i]
            right = children[i + 1]
            left = BinOp(left.line, left.col, right.end_line, right.end_col,
                         op.value, left, right, op.line, op.column)
        return left

    arith_expr = _fold
    term = _fold

    def power(self, children):
        base, op, exp = children
        return N.BinOp(base.line, base.col, exp.end_line, exp.end_col, "**", base, exp,
                       op.line, op.column)

    def unary(self, children):
        op, operand = children
        return N.UnaryOp(op.line, op.column, operand.end_line, operand.end_col, op.value, operand)

    def call(self, children):
        func, args, rpar = children
        positional, keywords = [], []
        for a in args or ():
            if type(a) is N.Keyword:
                if any(k.name == a.name for k in keywords):
                    raise GxSyntaxError(f"keyword argument '{a.name}' repeated", line=a.line,
                                        col=a.col, end_line=a.end_line, end_col=a.end_col)
                keywords.append(a)
            elif keywords:
                raise GxSyntaxError("positional argument follows keyword argument",
                                    line=a.line, col=a.col, end_line=a.end_line, end_col=a.end_col)
            else:
                positional.append(a)
        return N.Call(func.line, func.col, rpar.end_line, rpar.end_column, func, positional, keywords)

    def arguments(self, children):
        return [c for c in children if c is not None]

    def keyword(self, children):
        name, value = children
        _check_ident(name, "keyword argument")
        return N.Keyword(name.line, name.column, value.end_line, value.end_col, str(name), value)

    def subscript(self, children):
        value, index, rsqb = children
        return N.Subscript(value.line, value.col, rsqb.end_line, rsqb.end_column, value, index)

    def slice(self, children):
        lower, colon, upper, colon2, step = children
        parts = [c for c in children if c is not None]
        line, col = _start(parts[0])
        el, ec = _end(parts[-1])
        return N.Slice(line, col, el, ec, lower, upper, step)

    def attribute(self, children):
        value, dot, name = children
        attr = str(name)
        if attr[0] == "_":
            raise _security(f"attribute '{attr}'", dot.line, dot.column,
                            name.end_line, name.end_column)
        if attr in KEYWORDS:
            _check_ident(name, "attribute name")
        return N.Attribute(value.line, value.col, name.end_line, name.end_column,
                           value, attr, name.column)

    def name(self, children):
        t = children[0]
        value = str(t)
        if value[0] == "_" or value in NOT_SUPPORTED or value in KEYWORDS:
            _check_ident(t)
        return N.Name(t.line, t.column, t.end_line, t.end_column, value)

    def number(self, children):
        t = children[0]
        text = t.value.replace("_", "")
        try:
            if "." in text or "e" in text or "E" in text:
                value = float(text)
            else:
                if len(text) > 1 and text[0] == "0" and text.strip("0"):
                    raise _syntax("leading zeros in a number are not allowed "
                                  "(octal needs 0o in Python, and .gx has none)", t)
                value = int(text)
        except ValueError:
            raise _syntax("number literal too long", t) from None
        return N.Constant(t.line, t.column, t.end_line, t.end_column, value)

    def string(self, children):
        first, last = children[0], children[-1]
        try:
            value = "".join(_pyast.literal_eval(s.value) for s in children)
        except (ValueError, SyntaxError) as exc:
            raise _syntax(f"invalid string literal ({exc.__class__.__name__}: "
                          f"{getattr(exc, 'msg', exc)})", first, last) from None
        return N.Constant(first.line, first.column, last.end_line, last.end_column, value)

    _CONSTS = {"True": True, "False": False, "None": None}

    def const(self, children):
        t = children[0]
        return N.Constant(t.line, t.column, t.end_line, t.end_column, self._CONSTS[t.value])


# ------------------------------------------------------------------ the parser

_BUILDER = AstBuilder()


def _lark():
    return _grammar.get_parser(_BUILDER)


_FAST = None


def _fast(parser):
    """The fast tokenizer and LALR driver for this process's parser."""
    global _FAST
    if _FAST is None:
        _FAST = (_grammar.FastTokenizer(parser), _grammar.FastDriver(parser))
    return _FAST


def run_lark(text: str, start: str, filename: str, *, fast: bool = True):
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
                return _grammar.parse_fast(*_fast(parser), text, start)
            except Exception:       # noqa: BLE001 - any trouble: the reference path decides
                pass
        return parser.parse(text, start=start)
    except GxError as err:
        raise _locate(err, filename, text)
    except UnexpectedInput as exc:
        raise _translate(exc, text, filename, parser) from None
    except LarkError as exc:            # any other Lark error: never let it escape
        err = GxSyntaxError(f"invalid syntax ({exc.__class__.__name__})", filename=filename)
        raise _locate(err, filename, text) from None
    except RecursionError:
        raise GxLimitError("script too deeply nested to parse", filename=filename,
                           hint="raise the limit with --max-nesting N") from None
    finally:
        if gc_was_enabled:
            gc.enable()


# ------------------------------------------------------------------ errors

_EXPR_START = {"NAME", "NUMBER", "STRING", "LPAR", "LSQB", "TRUE", "FALSE", "NONE",
               "MINUS", "PLUS", "NOT"}
_TOKEN_WORDS = {
    "NAME": "name", "NUMBER": "number", "STRING": "string", "_NEWLINE": "end of line",
    "$END": "end of file", "_INDENT": "indent", "_DEDENT": "unindent",
}
_BLOCK_WORDS = ("if", "elif", "else", "while", "for", "def", "with")
_UNSUPPORTED_CHARS = {
    "&": "the operator '&'", "|": "the operator '|'", "^": "the operator '^'",
    "~": "the operator '~'", "{": "dict and set literals ('{...}')",
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


def _translate(exc: UnexpectedInput, text: str, filename: str, parser) -> GxSyntaxError:
    lines = text.split("\n")

    def make(msg, line, col, width=1, incomplete=False):
        src = lines[line - 1] if 0 < line <= len(lines) else ""
        err = GxSyntaxError(msg, filename=filename, line=line, col=col, end_line=line,
                            end_col=col + max(1, width), source_line=src)
        if incomplete:
            err.incomplete = True
        return err

    if isinstance(exc, UnexpectedCharacters):
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

    if not isinstance(exc, UnexpectedToken):
        line = getattr(exc, "line", None) or 1
        col = getattr(exc, "column", None) or 1
        return make("invalid syntax", line if line > 0 else 1, col if col > 0 else 1)

    tok = exc.token
    expected = set(exc.expected or ())
    state = getattr(exc, "state", None)
    try:        # the parser's own view (the contextual lexer reports only what it could lex)
        expected = {k for k in state.parse_conf.states[state.position] if k.isupper()}
    except (AttributeError, KeyError, TypeError):
        pass
    typ = tok.type
    if typ == "$END":
        line, col = _eof_position(text)
        width = 1
    elif typ in ("_NEWLINE", "_INDENT", "_DEDENT"):
        if typ == "_NEWLINE":
            line, col = tok.line, tok.column
        else:                    # the indentation of the line after the newline
            line, col = tok.end_line, tok.end_column
        width = 1
    else:
        line, col = tok.line, tok.column
        width = len(tok.value) if tok.end_line == tok.line else 1
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

    # Python words that .gx does not have
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
    elif typ in ("NAME", "NUMBER", "STRING", "LPAR", "LSQB") and "_NEWLINE" in expected:
        hint = " (missing operator or comma?)"
    words_expected = sorted(filter(None, (_terminal_text(parser, n) for n in expected)))
    if 0 < len(words_expected) <= 3:
        hint += "; expected " + " or ".join(words_expected)
    return make(f"unexpected {unexpected}{hint}", line, col, width)


def _terminal_in(parser, expected, text: str) -> bool:
    return any(_terminal_text(parser, n) == f"'{text}'" for n in expected)




_run_lark = run_lark   # the name tests and older callers use
