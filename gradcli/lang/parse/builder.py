"""The AST builder: Lark calls one method per grammar rule at each reduction, so the
typed AST (gradcli/lang/nodes.py) is made during the LALR parse and no parse tree ever
is. It only builds: every rule about what a script may say is in lang/static.py.
What it refuses are literals it cannot build (a number with leading zeros, a bad
string literal)."""
from __future__ import annotations

from lark.lexer import Token

from .. import nodes as N
from . import fstrings
from ..errors import GxSyntaxError


def _start(x):
    if type(x) is Token:
        return x.line, x.column
    return x.line, x.col


def _end(x):
    if type(x) is Token:
        return x.end_line, x.end_column
    return x.end_line, x.end_col


def _syntax(msg: str, first, last=None) -> GxSyntaxError:
    line, col = _start(first)
    end_line, end_col = _end(last if last is not None else first)
    return GxSyntaxError(msg, line=line, col=col, end_line=end_line, end_col=end_col)


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
        first = targets[0]
        return N.Assign(first.line, first.col, value.end_line, value.end_col, targets, value)

    def augassign(self, children):
        target, op, value = children
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

    def del_stmt(self, children):
        kw, target = children
        targets = target.elts if type(target) is N.Tuple else [target]
        return N.Delete(kw.line, kw.column, target.end_line, target.end_col, targets)

    def dotted_name(self, children):
        return children                          # list of NAME tokens

    def dotted_as_name(self, children):
        names, asname = children
        first, last = names[0], (asname if asname is not None else names[-1])
        return N.Alias(first.line, first.column, last.end_line, last.end_column,
                       ".".join(names), str(asname) if asname is not None else None)

    def import_as_name(self, children):
        name, asname = children
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
        last = body[-1]
        return N.For(kw.line, kw.column, last.end_line, last.end_col, target, it, body)

    def funcdef(self, children):
        kw, name, params, body = children
        last = body[-1]
        return N.FunctionDef(kw.line, kw.column, last.end_line, last.end_col,
                             str(name), params or [], body, name.line, name.column)

    def parameters(self, children):
        return [c for c in children if c is not None]

    def param(self, children):
        name, default = children
        el, ec = _end(default if default is not None else name)
        return N.Param(name.line, name.column, el, ec, str(name), default)

    def with_stmt(self, children):
        kw, items, body = children[0], children[1:-1], children[-1]
        last = body[-1]
        return N.With(kw.line, kw.column, last.end_line, last.end_col, items, body)

    def with_item(self, children):
        ctx, name = children
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

    def lambdef(self, children):
        kw, params, body = children
        return N.Lambda(kw.line, kw.column, body.end_line, body.end_col, params or [], body)

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
    bitor_expr = _fold
    bitxor_expr = _fold
    bitand_expr = _fold

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
        for a in args or ():       # the static pass checks their order by position
            (keywords if type(a) is N.Keyword else positional).append(a)
        return N.Call(func.line, func.col, rpar.end_line, rpar.end_column, func, positional, keywords)

    def arguments(self, children):
        return [c for c in children if c is not None]

    def keyword(self, children):
        name, value = children
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
        return N.Attribute(value.line, value.col, name.end_line, name.end_column,
                           value, str(name), name.column)

    def name(self, children):
        t = children[0]
        return N.Name(t.line, t.column, t.end_line, t.end_column, str(t))

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
        return fstrings.build(children)

    def ellipsis(self, children):        # ... (Python's Ellipsis, as in x[..., 0])
        t = children[0]
        return N.Constant(t.line, t.column, t.end_line, t.end_column, Ellipsis)

    _CONSTS = {"True": True, "False": False, "None": None}

    def const(self, children):
        t = children[0]
        return N.Constant(t.line, t.column, t.end_line, t.end_column, self._CONSTS[t.value])


