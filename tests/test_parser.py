"""The .gx parser: source -> AST shape, positions, errors in words, REPL completeness, caches."""
from __future__ import annotations

import ast as pyast
import os
import stat
from pathlib import Path

import pytest

from conftest import SHARED_MISSING, shared
from gradcli.lang import nodes as N
from gradcli.lang.errors import GxError, GxSecurityError, GxSyntaxError
from gradcli.lang.parse import (dump_ast, is_complete, load_ast, parse, parse_cached,
                                parse_expression)
from gradcli.lang.parse import grammar as G

ACCEPTANCE = shared("acceptance")


# ------------------------------------------------------------ a compact shape

def sx(node) -> str:
    """An s-expression of our AST (hand-written expectations below use it)."""
    t = type(node)
    if node is None:
        return "_"
    if isinstance(node, list):
        return "[" + " ".join(sx(n) for n in node) + "]"
    if t is N.Name:
        return node.id
    if t is N.Constant:
        return repr(node.value)
    if t is N.BinOp:
        return f"({node.op} {sx(node.left)} {sx(node.right)})"
    if t is N.UnaryOp:
        return f"(u{node.op} {sx(node.operand)})"
    if t is N.BoolOp:
        return f"({node.op} " + " ".join(sx(v) for v in node.values) + ")"
    if t is N.Compare:
        parts = [sx(node.left)]
        for op, c in zip(node.ops, node.comparators):
            parts += [op, sx(c)]
        return "(cmp " + " ".join(parts) + ")"
    if t is N.IfExp:
        return f"(ifexp {sx(node.test)} {sx(node.body)} {sx(node.orelse)})"
    if t is N.Lambda:
        ps = " ".join(p.name if p.default is None else f"{p.name}={sx(p.default)}"
                      for p in node.params)
        return f"(lambda ({ps}) {sx(node.body)})"
    if t is N.Call:
        args = [sx(a) for a in node.args] + [f"{k.name}={sx(k.value)}" for k in node.keywords]
        return "(call " + " ".join([sx(node.func)] + args) + ")"
    if t is N.Attribute:
        return f"(. {sx(node.value)} {node.attr})"
    if t is N.Subscript:
        return f"([] {sx(node.value)} {sx(node.index)})"
    if t is N.Slice:
        return f"(slice {sx(node.lower)} {sx(node.upper)} {sx(node.step)})"
    if t is N.Tuple:
        return "(tuple" + "".join(" " + sx(e) for e in node.elts) + ")"
    if t is N.List:
        return "(list" + "".join(" " + sx(e) for e in node.elts) + ")"
    if t is N.Assign:
        return "(= " + " ".join(sx(x) for x in node.targets) + " " + sx(node.value) + ")"
    if t is N.AugAssign:
        return f"({node.op}= {sx(node.target)} {sx(node.value)})"
    if t is N.ExprStmt:
        return sx(node.value)
    if t is N.If:
        return f"(if {sx(node.test)} {sx(node.body)} {sx(node.orelse)})"
    if t is N.While:
        return f"(while {sx(node.test)} {sx(node.body)})"
    if t is N.For:
        return f"(for {sx(node.target)} {sx(node.iter)} {sx(node.body)})"
    if t in (N.Break, N.Continue, N.Pass):
        return t.__name__.lower()
    if t is N.Return:
        return f"(return {sx(node.value)})"
    if t is N.FunctionDef:
        ps = " ".join(p.name if p.default is None else f"{p.name}={sx(p.default)}"
                      for p in node.params)
        return f"(def {node.name} ({ps}) {sx(node.body)})"
    if t is N.With:
        items = " ".join(sx(i.context) + (f" as {i.name}" if i.name else "") for i in node.items)
        return f"(with {items} {sx(node.body)})"
    if t is N.Assert:
        return f"(assert {sx(node.test)} {sx(node.msg)})"
    if t is N.Delete:
        return "(del " + " ".join(sx(x) for x in node.targets) + ")"
    if t is N.Import:
        return "(import " + " ".join(a.name + (f" as {a.asname}" if a.asname else "")
                                     for a in node.names) + ")"
    if t is N.ImportFrom:
        return f"(from {node.module} " + " ".join(
            a.name + (f" as {a.asname}" if a.asname else "") for a in node.names) + ")"
    raise AssertionError(f"no shape for {t}")


def body(src: str) -> str:
    return sx(parse(src).body)


def expr(src: str) -> str:
    return sx(parse_expression(src))


# ------------------------------------------------------ expressions (by hand)

EXPRESSIONS = [
    ("1", "1"), ("1.5", "1.5"), (".5", "0.5"), ("1e-3", "0.001"), ("1_000", "1000"),
    ("1.", "1.0"), ("2E+2", "200.0"),
    ("True", "True"), ("False", "False"), ("None", "None"),
    ("'a'", "'a'"), ('"b\\n"', "'b\\n'"), ("'a' 'b'", "'ab'"),
    ("-x**2", "(u- (** x 2))"),
    ("2**-1", "(** 2 (u- 1))"),
    ("a**b**c", "(** a (** b c))"),
    ("-a*b", "(* (u- a) b)"),
    ("a - b - c", "(- (- a b) c)"),
    ("a / b * c // d % e @ f", "(@ (% (// (* (/ a b) c) d) e) f)"),
    ("a + b * c", "(+ a (* b c))"),
    ("(a + b) * c", "(* (+ a b) c)"),
    ("+-+x", "(u+ (u- (u+ x)))"),
    ("0 < x < 1", "(cmp 0 < x < 1)"),
    ("a is not b", "(cmp a is not b)"), ("a not in b", "(cmp a not in b)"),
    ("a in b", "(cmp a in b)"), ("a is b", "(cmp a is b)"),
    ("a == b != c >= d <= e > f", "(cmp a == b != c >= d <= e > f)"),
    ("not a == b", "(unot (cmp a == b))"),
    ("not not a", "(unot (unot a))"),
    ("a and b or c and d", "(or (and a b) (and c d))"),
    ("a or b or c", "(or a b c)"),
    ("not a and b", "(and (unot a) b)"),
    ("a if c else b", "(ifexp c a b)"),
    ("a if c else b if d else e", "(ifexp c a (ifexp d b e))"),
    ("x + 1 if x > 0 else -x", "(ifexp (cmp x > 0) (+ x 1) (u- x))"),
    ("f()", "(call f)"), ("f(x, y=2)", "(call f x y=2)"), ("f(x,)", "(call f x)"),
    ("f(a)(b)", "(call (call f a) b)"),
    ("x.y.z", "(. (. x y) z)"), ("x.sum(dim=0)", "(call (. x sum) dim=0)"),
    ("x[0]", "([] x 0)"), ("x[-1]", "([] x (u- 1))"),
    ("x[1:3]", "([] x (slice 1 3 _))"), ("x[:, 0]", "([] x (tuple (slice _ _ _) 0))"),
    ("x[::2]", "([] x (slice _ _ 2))"), ("x[mask]", "([] x mask)"), ("x[1:]", "([] x (slice 1 _ _))"),
    ("x[:-1]", "([] x (slice _ (u- 1) _))"), ("x[a:b:c]", "([] x (slice a b c))"),
    ("x[0, 1]", "([] x (tuple 0 1))"), ("x[0,]", "([] x (tuple 0))"),
    ("[[1, 2], [3, 4]]", "(list (list 1 2) (list 3 4))"), ("[]", "(list)"), ("[1,]", "(list 1)"),
    ("(2, 3)", "(tuple 2 3)"), ("()", "(tuple)"), ("(1,)", "(tuple 1)"), ("(1)", "1"),
    ("1, 2", "(tuple 1 2)"),
    ("-x.grad", "(u- (. x grad))"), ("-f(x)**2", "(u- (** (call f x) 2))"),
    ("2 * x", "(* 2 x)"), ("10.0 / f", "(/ 10.0 f)"), ("x ** 0.5", "(** x 0.5)"),
    ("(x * y).sum()", "(call (. (* x y) sum))"),
    ("f(\n  1,\n  2\n)", "(call f 1 2)"),
    ("[1,\n 2]", "(list 1 2)"),
    # bitwise operators: | loosest, then ^, then &, all tighter than comparisons
    ("a | b ^ c & d", "(| a (^ b (& c d)))"), ("a & b | c", "(| (& a b) c)"),
    ("(x > 0) & (x < 2)", "(& (cmp x > 0) (cmp x < 2))"),
    ("x > 0 & x < 2", "(cmp x > (& 0 x) < 2)"), ("a & b + c", "(& a (+ b c))"),
    ("~x", "(u~ x)"), ("~~x", "(u~ (u~ x))"), ("-~x ** 2", "(u- (u~ (** x 2)))"),
    ("a ^ b ^ c", "(^ (^ a b) c)"), ("not a | b", "(unot (| a b))"),
    # the Ellipsis
    ("...", "Ellipsis"), ("x[...]", "([] x Ellipsis)"), ("x[..., 0]", "([] x (tuple Ellipsis 0))"),
    ("x[0, ...]", "([] x (tuple 0 Ellipsis))"), ("x[..., None]", "([] x (tuple Ellipsis None))"),
    ("x[1:, ..., ::2]", "([] x (tuple (slice 1 _ _) Ellipsis (slice _ _ 2)))"),
    # lambda: the loosest expression, like Python's
    ("lambda: 0", "(lambda () 0)"), ("lambda x: x ** 2", "(lambda (x) (** x 2))"),
    ("lambda a, b=2,: a * b", "(lambda (a b=2) (* a b))"),
    ("lambda x: lambda y: x + y", "(lambda (x) (lambda (y) (+ x y)))"),
    ("f(lambda t: t.sum(), x)", "(call f (lambda (t) (call (. t sum))) x)"),
]


@pytest.mark.parametrize("src,shape", EXPRESSIONS)
def test_expression_shapes(src, shape):
    assert expr(src) == shape
    # and as a statement
    assert body(src + "\n") == f"[{shape}]"


# ------------------------------------------- expressions against Python's ast

def py_sx(node) -> str:
    """The same s-expression, from Python's own parser (an independent oracle)."""
    ops = {pyast.Add: "+", pyast.Sub: "-", pyast.Mult: "*", pyast.Div: "/",
           pyast.FloorDiv: "//", pyast.Mod: "%", pyast.Pow: "**", pyast.MatMult: "@",
           pyast.USub: "-", pyast.UAdd: "+", pyast.Not: "not", pyast.And: "and", pyast.Or: "or",
           pyast.Lt: "<", pyast.LtE: "<=", pyast.Gt: ">", pyast.GtE: ">=", pyast.Eq: "==",
           pyast.NotEq: "!=", pyast.Is: "is", pyast.IsNot: "is not", pyast.In: "in",
           pyast.NotIn: "not in", pyast.BitAnd: "&", pyast.BitOr: "|", pyast.BitXor: "^",
           pyast.Invert: "~"}
    t = type(node)
    if node is None:
        return "_"
    if t is pyast.Expression:
        return py_sx(node.body)
    if t is pyast.Name:
        return node.id
    if t is pyast.Constant:
        return repr(node.value)
    if t is pyast.BinOp:
        return f"({ops[type(node.op)]} {py_sx(node.left)} {py_sx(node.right)})"
    if t is pyast.UnaryOp:
        return f"(u{ops[type(node.op)]} {py_sx(node.operand)})"
    if t is pyast.BoolOp:
        return f"({ops[type(node.op)]} " + " ".join(py_sx(v) for v in node.values) + ")"
    if t is pyast.Compare:
        parts = [py_sx(node.left)]
        for op, c in zip(node.ops, node.comparators):
            parts += [ops[type(op)], py_sx(c)]
        return "(cmp " + " ".join(parts) + ")"
    if t is pyast.IfExp:
        return f"(ifexp {py_sx(node.test)} {py_sx(node.body)} {py_sx(node.orelse)})"
    if t is pyast.Lambda:
        a = node.args
        defaults = [None] * (len(a.args) - len(a.defaults)) + a.defaults
        ps = " ".join(p.arg if d is None else f"{p.arg}={py_sx(d)}"
                      for p, d in zip(a.args, defaults))
        return f"(lambda ({ps}) {py_sx(node.body)})"
    if t is pyast.Call:
        args = [py_sx(a) for a in node.args] + [f"{k.arg}={py_sx(k.value)}" for k in node.keywords]
        return "(call " + " ".join([py_sx(node.func)] + args) + ")"
    if t is pyast.Attribute:
        return f"(. {py_sx(node.value)} {node.attr})"
    if t is pyast.Subscript:
        return f"([] {py_sx(node.value)} {py_sx(node.slice)})"
    if t is pyast.Slice:
        return f"(slice {py_sx(node.lower)} {py_sx(node.upper)} {py_sx(node.step)})"
    if t is pyast.Tuple:
        return "(tuple" + "".join(" " + py_sx(e) for e in node.elts) + ")"
    if t is pyast.List:
        return "(list" + "".join(" " + py_sx(e) for e in node.elts) + ")"
    raise AssertionError(f"no shape for {t}")


PY_ORACLE = [
    "-2 ** -3 ** 2", "a * -b ** c / d", "not a or b and not c", "a < b == c is not d",
    "a if b or c else d and e", "x[1:2, ::3][0].T @ y.sum(0) - 1",
    "- - - x", "a + b - c * d / e // f % g", "f(a, b)(c)[d].e(f=g)",
    "(a, b), [c, (d,)]", "1 if 2 else 3 if 4 else 5", "a ** b * c ** -d ** e",
    "not a in b", "a - -b", "x.grad.data.norm() < 1000",
    "a | b & c ^ d == e", "~a ** b & -c | d ^ e", "(x > 0) & (x < 2) | ~m", "a & b & c | d",
    "not a & b or c | d", "a ^ b if c | d else e & f", "x[..., 0] & y[0, ...]",
    "-~+~a", "a @ b & c", "1 | 2 < 3 ^ 4",
    "lambda x, y=1: x if y else -x", "(lambda: 1)()", "a if b else lambda c: c or d",
    "lambda x: x[..., 0] | ~x", "f(lambda a=lambda: 2: a, 3)",
]


@pytest.mark.parametrize("src", PY_ORACLE)
def test_precedence_matches_python(src):
    assert expr(src) == py_sx(pyast.parse(src, mode="eval"))


# ------------------------------------------------------------------- statements

STATEMENTS = [
    ("x = 1\n", "[(= x 1)]"),
    ("a = b = e\n", "[(= a b e)]"),
    ("a, b = f(x)\n", "[(= (tuple a b) (call f x))]"),
    ("g, = grad(y, x)\n", "[(= (tuple g) (call grad y x))]"),
    ("(a, b) = c\n", "[(= (tuple a b) c)]"),
    ("[a, b] = c\n", "[(= (list a b) c)]"),
    ("w.data = 0\n", "[(= (. w data) 0)]"),
    ("w.grad = None\n", "[(= (. w grad) None)]"),
    ("w.data[0] = 1\n", "[(= ([] (. w data) 0) 1)]"),
    ("t += 1\n", "[(+= t 1)]"), ("t -= 1\n", "[(-= t 1)]"), ("t *= 2\n", "[(*= t 2)]"),
    ("t /= 2\n", "[(/= t 2)]"), ("t **= 2\n", "[(**= t 2)]"), ("t @= m\n", "[(@= t m)]"),
    ("t //= 2\n", "[(//= t 2)]"), ("t %= 2\n", "[(%= t 2)]"),
    ("m &= k\n", "[(&= m k)]"), ("m |= k\n", "[(|= m k)]"), ("m ^= k\n", "[(^= m k)]"),
    ("y[..., 0] = 0\n", "[(= ([] y (tuple Ellipsis 0)) 0)]"), ("y[...] |= m\n", "[(|= ([] y Ellipsis) m)]"),
    ("w.data -= lr * g\n", "[(-= (. w data) (* lr g))]"),
    ("print(a, b)\n", "[(call print a b)]"),
    ("x = 1; y = 2\n", "[(= x 1) (= y 2)]"),
    ("x = 1;\n", "[(= x 1)]"),
    ("if a:\n    b\n", "[(if a [b] [])]"),
    ("if a:\n    b\nelse:\n    c\n", "[(if a [b] [c])]"),
    ("if a:\n    b\nelif c:\n    d\nelif e:\n    f\nelse:\n    g\n",
     "[(if a [b] [(if c [d] [(if e [f] [g])])])]"),
    ("if a: b\n", "[(if a [b] [])]"),
    ("while x < 3:\n    x += 1\n", "[(while (cmp x < 3) [(+= x 1)])]"),
    ("while True: pass\n", "[(while True [pass])]"),
    ("for i in range(3):\n    s = s + i\n", "[(for i (call range 3) [(= s (+ s i))])]"),
    ("for a, b in pairs:\n    pass\n", "[(for (tuple a b) pairs [pass])]"),
    ("for i in range(9):\n    if i: break\n    else: continue\n",
     "[(for i (call range 9) [(if i [break] [continue])])]"),
    ("def f(a, b=1):\n    return a * b\n", "[(def f (a b=1) [(return (* a b))])]"),
    ("def f():\n    return\n", "[(def f () [(return _)])]"),
    ("def f(n): return f(n + 1)\n", "[(def f (n) [(return (call f (+ n 1)))])]"),
    ("with no_grad():\n    y = x * 2\n", "[(with (call no_grad) [(= y (* x 2))])]"),
    ("with torch.no_grad() as g:\n    pass\n", "[(with (call (. torch no_grad)) as g [pass])]"),
    ("assert x\n", "[(assert x _)]"), ("assert x, 'msg'\n", "[(assert x 'msg')]"),
    ("del x\n", "[(del x)]"), ("del a, b[0], c[1:]\n", "[(del a ([] b 0) ([] c (slice 1 _ _)))]"),
    ("del a,\n", "[(del a)]"),
    ("import torch\n", "[(import torch)]"),
    ("import torch.autograd\n", "[(import torch.autograd)]"),
    ("import numpy as np\n", "[(import numpy as np)]"),
    ("from torch.autograd import Variable, grad\n", "[(from torch.autograd Variable grad)]"),
    ("from torch.autograd import (Variable,)\n", "[(from torch.autograd Variable)]"),
    ("from numpy import exp as e\n", "[(from numpy exp as e)]"),
    ("pass\n", "[pass]"),
    ("# only a comment\n\n\n", "[]"), ("", "[]"),
    ("x = 1  # trailing\n# c\n\n  # indented comment\ny = 2\n", "[(= x 1) (= y 2)]"),
    ("if a:\n    # comment\n\n    b\n  # odd comment\nc\n", "[(if a [b] []) c]"),
    ("x = 1 + \\\n    2\n", "[(= x (+ 1 2))]"),
    ("def f(a):\n    if a:\n        return 1\n    return 2\nprint(f(1))\n",
     "[(def f (a) [(if a [(return 1)] []) (return 2)]) (call print (call f 1))]"),
    ("while a:\n\tb = 1\n\tif b:\n\t\tbreak\n", "[(while a [(= b 1) (if b [break] [])])]"),
]


@pytest.mark.parametrize("src,shape", STATEMENTS)
def test_statement_shapes(src, shape):
    assert body(src) == shape


def test_missing_final_newline_and_crlf():
    assert body("x = 1\r\ny = 2") == "[(= x 1) (= y 2)]"
    assert body("if a:\r    b\r") == "[(if a [b] [])]"
    assert body(b"\xef\xbb\xbfx = 1") == "[(= x 1)]"


# -------------------------------------------------------------------- positions

def test_positions_of_nodes():
    m = parse("x = 1\ny = foo(a, b=2) + w.data[0]\n")
    assign = m.body[1]
    assert (assign.line, assign.col, assign.end_line, assign.end_col) == (2, 1, 2, 28)
    add = assign.value
    assert type(add) is N.BinOp and (add.col, add.end_col) == (5, 28)
    assert (add.op_line, add.op_col) == (2, 17)
    call = add.left
    assert (call.line, call.col, call.end_col) == (2, 5, 16)
    kw = call.keywords[0]
    assert (kw.name, kw.col, kw.end_col) == ("b", 12, 15)
    sub = add.right
    assert type(sub) is N.Subscript and (sub.col, sub.end_col) == (19, 28)
    attr = sub.value
    assert (attr.col, attr.end_col, attr.attr_col) == (19, 25, 21)


def test_positions_multiline_and_blocks():
    m = parse("if x:\n    y = (1 +\n         2)\nz = [\n  3]\n")
    if_ = m.body[0]
    # spans of parenthesized expressions exclude the parentheses (as in Python's ast)
    assert (if_.line, if_.col, if_.end_line, if_.end_col) == (1, 1, 3, 11)
    lst = m.body[1].value
    assert (lst.line, lst.col, lst.end_line, lst.end_col) == (4, 5, 5, 5)


def test_positions_of_statements_after_semicolon():
    m = parse("x = Variable(0.0); y = sqrt(x); y.backward()\n")
    call = m.body[1].value
    assert (call.line, call.col) == (1, 24)            # HOSTILE N1 names sqrt at 1:24


def test_unary_minus_chain_positions():
    e = parse_expression("1 / 0")
    assert (e.op_line, e.op_col) == (1, 3)             # HOSTILE N5 warns at 1:3


def test_module_keeps_filename_and_source():
    m = parse("x = 1", "s.gx")
    assert m.filename == "s.gx" and m.source == "x = 1\n"


# ----------------------------------------------------------------- syntax errors

SYNTAX_ERRORS = [
    # source, line, col, words in the message
    ("x = tensor(1.0)\ny = (x + * 2)\n", 2, 10, "unexpected '*'; expected an expression"),
    ("x = 1 $ 2\n", 1, 7, "unexpected '$'"),
    ("x = \n", 1, 5, "unexpected end of line; expected an expression"),
    ("if x > 0\n    y = 1\n", 1, 9, "expected ':'"),
    ("while x\n", 1, 8, "expected ':'"),
    ("if x > 0:\n", 2, 1, "expected an indented block after 'if' (1:1)"),
    ("def f(a):\nreturn a\n", 2, 1, "expected an indented block after 'def' (1:1)"),
    ("for i in x:\n  if i:\n  pass\n", 3, 3, "expected an indented block after 'if' (2:3)"),
    ("if x:\n        y = 1\n    z = 2\n", 3, 5, "unindent does not match any outer"),
    ("x = 1\n    y = 2\n", 2, 5, "unexpected indent"),
    ("x = 1 2\n", 1, 7, "unexpected number '2'"),
    ("f(x y)\n", 1, 5, "unexpected name 'y'"),
    ("if x = 1:\n    pass\n", 1, 6, "unexpected '='"),
    ("f(x=1, 2)\n", 1, 8, "positional argument follows keyword argument"),
    ("f(x=1, x=2)\n", 1, 8, "keyword argument 'x' repeated"),
    ("1 = x\n", 1, 1, "cannot assign to a literal"),
    ("f() = 3\n", 1, 1, "cannot assign to a function call"),
    ("a + b = 3\n", 1, 1, "cannot assign to an expression"),
    ("a, b += 1\n", 1, 1, "cannot assign to a tuple"),
    ("for x.y in z:\n    pass\n", 1, 5, "target of a for loop must be a name"),
    ("def f(a=1, b):\n    pass\n", 1, 12, "without a default follows"),
    ("def f(a, a):\n    pass\n", 1, 10, "duplicate parameter 'a'"),
    ("x = 007\n", 1, 5, "leading zeros"),
    ("x = 1" + "0" * 5000 + "\n", 1, 5, "number literal too long"),
    ("x = 'abc\n", 1, 5, "unterminated string literal"),
    ("x = a ! b\n", 1, 7, "unexpected '!'"),
    ("x = a && b\n", 1, 8, "unexpected '&'"), ("x = a & \n", 1, 9, "expected an expression"),
    ("x = ~\n", 1, 6, "expected an expression"), ("... = 1\n", 1, 1, "cannot assign to a literal"),
    ("x = ....\n", 1, 9, "unexpected end of line"),
    ("f = lambda x\n", 1, 13, "expected ':'"), ("f = lambda *a: a\n", 1, 12, "unexpected '*'"),
    ("f = lambda x: return\n", 1, 15, "unexpected 'return'"),
    ("del x.grad\n", 1, 5, "cannot delete an attribute"), ("del f()\n", 1, 5, "cannot delete a function call"),
    ("del\n", 1, 4, "expected an expression"),
    ("x = \\ 1\n", 1, 5, "backslash"),
    ("x = 1)\n", 1, 6, "unmatched ')'"),
    ("y = (1 +\n", 1, 5, "'(' opened at 1:5 was never closed"),
    ("y = [1, (2]\n", 1, 11, "closing ']' does not match '(' opened at 1:9"),
    ("else:\n    pass\n", 1, 1, "unexpected 'else'"),
    ("x = 1 if y\n", 1, 11, "expected"),
    ("x.1\n", 1, 3, "unexpected number '1'"),
    ("else = 1\n", 1, 1, "unexpected 'else'"),
    ("x = in\n", 1, 5, "unexpected 'in'"),
    ("f(if=1)\n", 1, 3, "unexpected 'if'"),
    ("x.for = 1\n", 1, 3, "unexpected 'for'"),
    ("def if(): pass\n", 1, 5, "unexpected 'if'"),
]


@pytest.mark.parametrize("src,line,col,words", SYNTAX_ERRORS)
def test_syntax_errors(src, line, col, words):
    with pytest.raises(GxSyntaxError) as info:
        parse(src, "t.gx")
    err = info.value
    assert (err.line, err.col) == (line, col), str(err)
    assert words in err.message, err.message
    assert err.filename == "t.gx"
    assert err.end_col is not None and err.end_col > err.col
    assert err.source_line == (src.split("\n") + [""])[line - 1]
    assert err.exit_code == 2
    for lark_word in ("Token(", "__ANON", "_NEWLINE", "$END", "LPAR", "Expected one of"):
        assert lark_word not in err.message


NOT_SUPPORTED = [
    ("raise SystemExit(0)\n", "'raise'"),
    ("class A:\n    pass\n", "'class'"), ("global x\n", "'global'"),
    ("try:\n    x\nexcept:\n    y\n", "'try'"), ("yield x\n", "'yield'"),
    ("x = [i for i in y]\n", "comprehensions"), ("x = f(i for i in y)\n", "comprehensions"),
    ("x = br'a'\n", "string prefix 'br'"), ("x = {1: 2}\n", "dict and set literals"),
    ("x = {1}\n", "dict and set literals"), ("x = b'a'\n", "string prefix 'b'"),
]


@pytest.mark.parametrize("src,words", NOT_SUPPORTED)
def test_python_features_not_in_gx(src, words):
    with pytest.raises(GxSyntaxError) as info:
        parse(src)
    assert words in info.value.message
    assert "not supported in .gx" in info.value.message


def test_error_message_format_has_caret():
    from gradcli.lang.errors import format_error
    with pytest.raises(GxSyntaxError) as info:
        parse("x = tensor(1.0)\ny = (x + * 2)\n", "x03_syntax.gx")
    text = format_error(info.value)
    assert text.splitlines() == [
        "x03_syntax.gx:2:10: SyntaxError: unexpected '*'; expected an expression",
        "    y = (x + * 2)",
        "             ^",
    ]


# ------------------------------------------------------------- parse_expression

def test_parse_expression():
    assert sx(parse_expression("x**2 + sin(y)")) == "(+ (** x 2) (call sin y))"
    assert sx(parse_expression("  x * y  \n")) == "(* x y)"
    with pytest.raises(GxSyntaxError):
        parse_expression("x = 1")
    with pytest.raises(GxSyntaxError) as info:
        parse_expression("x +", "<expr>")
    assert info.value.filename == "<expr>" and info.value.col == 4
    with pytest.raises(GxSecurityError):
        parse_expression("x.__class__")
    with pytest.raises(GxSyntaxError):
        parse_expression("")


# ---------------------------------------------------------------- is_complete

@pytest.mark.parametrize("src,complete", [
    ("x = 1", True), ("x = 1\n", True), ("", True),
    ("x = (1 +", False), ("f(a,\n  b", False), ("x = [1,", False),
    ("x = 1 + \\", False), ("x = 1 + \\\n", False),
    ("if x:", False), ("if x:\n", False), ("def f(a):\n", False), ("while x:\n  # c\n", False),
    ("if x:\n    y = 1\n", False), ("if x:\n    y = 1\n\n", True),
    ("if x:\n    y = 1\nelse:\n", False),
    ("for i in range(3):\n    if i:\n        pass\n", False),
    ("x = 1)", True), ("x = 1 $", True), ("x = (1 $", True), ("x = 'abc", True),
    ("x.__class__", True), ("import os", True), ("x = 1 +", True),
])
def test_is_complete(src, complete):
    assert is_complete(src) is complete


# ---------------------------------------------------------------- acceptance

def _acceptance_scripts():
    if not ACCEPTANCE.is_dir():
        return []
    return sorted(ACCEPTANCE.glob("a*.gx"))


@pytest.mark.skipif(not ACCEPTANCE.is_dir(), reason=SHARED_MISSING)
@pytest.mark.parametrize("path", _acceptance_scripts(), ids=lambda p: p.name)
def test_acceptance_scripts_parse(path):
    module = parse(path.read_bytes(), str(path))
    assert module.body


@pytest.mark.skipif(not ACCEPTANCE.is_dir(), reason=SHARED_MISSING)
def test_acceptance_error_scripts():
    with pytest.raises(GxSyntaxError) as info:
        parse((ACCEPTANCE / "x03_syntax.gx").read_bytes(), "x03_syntax.gx")
    assert info.value.location == "x03_syntax.gx:2:10"
    with pytest.raises(GxSecurityError) as info:
        parse((ACCEPTANCE / "x04_private.gx").read_bytes(), "x04_private.gx")
    assert info.value.location.startswith("x04_private.gx:2:")
    assert info.value.exit_code == 2


def test_seed_tutorial_shape():
    src = ("import torch\nfrom torch.autograd import Variable\n"
           "x = Variable(torch.ones(2, 2), requires_grad=True)\n"
           "while y.data.norm() < 1000:\n    y = y * 2\n")
    assert body(src) == ("[(import torch) (from torch.autograd Variable) "
                         "(= x (call Variable (call (. torch ones) 2 2) requires_grad=True)) "
                         "(while (cmp (call (. (. y data) norm)) < 1000) [(= y (* y 2))])]")


# -------------------------------------------------------- grammar and caches

def test_grammar_is_found_and_ships_in_the_wheel_layout():
    assert G.grammar_path().name == "gx.lark"
    pyproject = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text()
    assert '"grammar/gx.lark" = "gradcli/grammar/gx.lark"' in pyproject
    # the installed-wheel location is searched first
    assert Path(G._CANDIDATES[0]).parts[-3:] == ("gradcli", "grammar", "gx.lark")


def test_grammar_is_clean_under_lark_strict_mode():
    pytest.importorskip("interegular")
    from lark import Lark
    # strict=True raises on any terminal collision or shift/reduce conflict
    from gradcli.lang.parse.lalr import GxIndenter
    parser = Lark(G.grammar_text(), parser="lalr", lexer="contextual", postlex=GxIndenter(),
                  start=G.START_RULES, strict=True)
    assert {t.name for t in parser.terminals} >= {"NAME", "NUMBER", "STRING"}


def test_cache_dir_is_private(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "c"))
    d = G.cache_dir()
    assert d == tmp_path / "c" / "gradcli"
    assert stat.S_IMODE(d.stat().st_mode) == 0o700


def test_cache_dir_refuses_a_world_writable_dir(tmp_path, monkeypatch):
    (tmp_path / "gradcli").mkdir(mode=0o777)
    os.chmod(tmp_path / "gradcli", 0o777)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert G.cache_dir() is None


def test_cache_dir_unusable_falls_back_silently(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert G.cache_dir() is None
    from gradcli.lang.parse.lalr import build_parser
    parser = build_parser(None)            # builds without a cache
    assert parser.parse("x = 1\n", start="start") is not None
    assert sx(parse_cached("x = 1\n").body) == "[(= x 1)]"


def test_lark_tables_come_from_the_package_not_the_user_dir(tmp_path, monkeypatch):
    # Lark's own cache is a pickle: nothing of Lark's is written to or read from the
    # user's directory (the tables ship as data in the package: lang/parse/tables.py)
    from gradcli.lang.parse.lalr import build_parser
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    build_parser(None)
    assert not list(tmp_path.rglob("gx-lark-*")) and not list(tmp_path.rglob("*.tmp"))


def test_ast_cache_roundtrip(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    src = "def f(a, b=1):\n    return a[1:2, ::3] ** -b\nprint(f(x), 'a')\n"
    first = parse_cached(src, "a.gx")
    files = list((tmp_path / "gradcli" / "ast").glob("*.ast"))
    assert len(files) == 1
    second = parse_cached(src, "b.gx")
    assert second == parse(src, "b.gx")       # dataclass equality: every field and position
    assert second.filename == "b.gx" and first.filename == "a.gx"
    # a changed script gets its own entry
    parse_cached(src + "y = 2\n")
    assert len(list((tmp_path / "gradcli" / "ast").glob("*.ast"))) == 2


def test_ast_cache_roundtrips_the_new_syntax(tmp_path, monkeypatch):
    # Ellipsis constants, lambda, del and the bitwise operators come back from the cache
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    src = "x = y[..., 0]\nz = ...\nf = lambda a=...: a\ndel z\nm &= ~k | j ^ i\n"
    parse_cached(src, "a.gx")
    again = parse_cached(src, "a.gx")
    assert again == parse(src, "a.gx") and again.body[1].value.value is Ellipsis
    assert load_ast(dump_ast(again)) == again


def test_ast_cache_damaged_entry_is_reparsed(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    src = "x = 1\n"
    parse_cached(src)
    (entry,) = (tmp_path / "gradcli" / "ast").glob("*.ast")
    entry.write_bytes(b"garbage")
    assert sx(parse_cached(src).body) == "[(= x 1)]"


def test_ast_cache_refuses_foreign_classes():
    import marshal
    import pickle
    for evil in (pickle.dumps(os.system), marshal.dumps(compile("1", "f", "eval")),
                 marshal.dumps((999, 1)), marshal.dumps({"a": 1}), marshal.dumps((0,))):
        with pytest.raises(ValueError):
            load_ast(evil)
    assert load_ast(dump_ast(parse("x = 1\n"))) == parse("x = 1\n")


def test_errors_are_not_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    for _ in range(2):
        with pytest.raises(GxSyntaxError):
            parse_cached("x = (\n")
    assert not list((tmp_path / "gradcli" / "ast").glob("*.ast"))


def test_parser_does_not_import_numpy_click_or_rich():
    import subprocess
    import sys
    code = ("import sys; from gradcli.lang import parse, static, lexcheck; "
            "parse.parse('x = 1\\n'); "
            "print(sorted(m for m in ('numpy', 'click', 'rich') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_gc_is_reenabled_after_errors():
    import gc
    assert gc.isenabled()
    with pytest.raises(GxError):
        parse("x = (1 $ 2)\n")
    assert gc.isenabled()


@pytest.mark.parametrize("module", ["builder.py", "lalr.py", "fast.py", "api.py", "words.py",
                                    "nodes.py", "static.py"])
def test_ast_cache_key_covers_the_code_that_builds_the_ast(module, monkeypatch):
    # a cached AST must not outlive a change to any module that shapes it
    import os
    from gradcli.lang.parse import cache as P
    monkeypatch.setattr(P, "_FINGERPRINT", None)
    before = P._fingerprint()
    real = P._read

    def edited(path):
        data = real(path)
        return data + b"\n# edited\n" if os.path.basename(path) == module else data
    monkeypatch.setattr(P, "_read", edited)
    monkeypatch.setattr(P, "_FINGERPRINT", None)
    assert P._fingerprint() != before


def test_small_and_big_entries_are_rebuilt_alike():
    # a small entry is rebuilt by the generic builder, a big one by the generated ones
    # (lang/parse/cache.py: generating them costs start-up): same trees, same refusals
    from gradcli.lang.parse.cache import _build
    src = "x = y[..., 0]\nf = lambda a=1: a * 2\nfor i in range(3):\n    x = x + -i ** 2\n"
    data = dump_ast(parse(src))
    assert _build(data, False) == _build(data, True) == parse(src)
    for evil in ((999, 1), {"a": 1}, (0,), (0, 1, 2, 3, 4, 5, 6, 7, 8), [1, (None,)], os.system):
        for big in (False, True):
            with pytest.raises(ValueError):
                _build(evil, big)
