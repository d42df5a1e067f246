"""Fuzzing the parser: grammar-generated programs, random expressions against
Python's own parser, and random or mutated text. Only GxError subclasses may
come out, with a line and column inside the text."""
from __future__ import annotations

import ast as pyast
import functools

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import shared
from gradcli.lang.errors import GxError, GxLimitError
from gradcli.lang.parse import grammar as G
from gradcli.lang.parse import is_complete, parse, parse_expression

from test_parser import py_sx, sx

FAST = settings(max_examples=100, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

ACCEPTANCE = shared("acceptance")
SEEDS = [p.read_text() for p in sorted(ACCEPTANCE.glob("*.gx"))] if ACCEPTANCE.is_dir() else []
SEEDS += [
    "def f(a, b=1):\n    if a > b:\n        return a ** -b\n    return [a, (b,)][0]\n",
    "for i in range(3):\n    while x < 1:\n        x += 0.5; print('i', i)\n",
    "with no_grad():\n    w.data -= lr * w.grad\nassert w.shape == (2, 3), 'shape'\n",
    "y = x[1:2, ::3] if not done else -x @ w.T\n",
]


def assert_located(err: GxError, text: str) -> None:
    """The error's line and column lie inside the (normalized) text."""
    assert isinstance(err, GxError)
    if isinstance(err, GxLimitError) and "source larger" in err.message:
        return
    norm = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    lines = norm.split("\n")
    assert err.line is not None and err.col is not None, repr(err)
    assert 1 <= err.line <= len(lines) + 1, (err.line, len(lines))
    line_text = lines[err.line - 1] if err.line <= len(lines) else ""
    assert 1 <= err.col <= len(line_text) + 1, (err.line, err.col, line_text)
    assert err.filename == "fuzz.gx"


def fast_path_agrees(text) -> None:
    """Where the fast token stream parses, Lark's own lexer gives the same AST."""
    from gradcli.lang import lexcheck
    from gradcli.lang.parse import fast as F, lalr as P
    try:
        norm = lexcheck.check(text)
    except GxError:
        return
    try:
        fast = F.parse_fast(*P._fast(P._lark()), norm, "start")
    except Exception:           # the fast path may give up; parse() then uses Lark's lexer
        return
    assert P.run(norm, "start", "fuzz.gx", fast=False) == fast


def parse_or_gx_error(text) -> str:
    """Parses, or fails with a positioned GxError (any other exception fails the test).
    Returns which of the two happened."""
    try:
        parse(text, "fuzz.gx")
    except GxError as err:
        if isinstance(text, bytes):
            try:
                text = text.decode("utf-8")
            except UnicodeDecodeError:
                return "error"
        assert_located(err, text)
        return "error"
    return "parsed"


# ------------------------------------------------- programs from the grammar

@functools.lru_cache(maxsize=None)
def _lark_strategy(start):
    """Strings drawn from gx.lark itself.

    The expression ladder of a Python-like grammar makes from_lark's random
    expansions explode in size, so brackets are left out of the alphabet
    (dropping the bracket rules); the other strategies below cover brackets.
    Drawing is slow (about 0.1-1 s an example), so few examples are drawn, and
    only whole programs: expressions are covered by EXPRS below.
    """
    from hypothesis.extra.lark import from_lark
    from lark import Lark
    grammar = Lark(G.grammar_text(), parser="lalr", lexer="contextual", start=start)
    explicit = {
        "_NEWLINE": st.sampled_from(["\n", "\n    ", "\n\n", "\n  # c\n"]),
        "_INDENT": st.just(""), "_DEDENT": st.just(""),
        "NAME": st.sampled_from(["x", "y", "grad", "_p", "lambda"]),
        "NUMBER": st.sampled_from(["1", "2.5", ".5", "1e-3", "1_000"]),
        "STRING": st.sampled_from(["'s'", '"t"']),
    }
    return from_lark(grammar, start=start, explicit=explicit,
                     alphabet=st.characters(codec="ascii", exclude_characters="(["))


LARK_FUZZ = settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))


@LARK_FUZZ
@given(st.data())
def test_grammar_generated_programs_parse_or_fail_cleanly(data):
    text = data.draw(_lark_strategy("start"))
    assert parse_or_gx_error(text) in ("parsed", "error")


# ------------------------------------ expressions: our parser vs Python's parser

NAMES = st.sampled_from(["x", "y", "w", "a1", "grad"])
ATOMS = st.one_of(NAMES, st.integers(0, 999).map(str),
                  st.sampled_from(["0.5", "1e-3", "True", "None", "'s'"]))
BINOPS = ["+", "-", "*", "/", "//", "%", "**", "@", "<", "<=", "==", "!=", "is", "is not",
          "in", "not in", "and", "or"]


def _compose(children):
    return st.one_of(
        st.tuples(children, st.sampled_from(BINOPS), children).map(lambda t: f"{t[0]} {t[1]} {t[2]}"),
        st.tuples(st.sampled_from(["-", "+", "not "]), children).map(lambda t: t[0] + t[1]),
        children.map(lambda c: f"({c})"),
        st.tuples(children, children, children).map(lambda t: f"{t[0]} if {t[1]} else {t[2]}"),
        st.tuples(NAMES, st.lists(children, max_size=3)).map(lambda t: f"{t[0]}({', '.join(t[1])})"),
        st.tuples(children, NAMES).map(lambda t: f"({t[0]}).{t[1]}"),
        st.tuples(NAMES, children, st.booleans()).map(
            lambda t: f"{t[0]}[{t[1]}:{t[1]}]" if t[2] else f"{t[0]}[{t[1]}, ::2]"),
        st.lists(children, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]"),
    )


EXPRS = st.recursive(ATOMS, _compose, max_leaves=12)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EXPRS)
def test_expressions_agree_with_python(src):
    try:
        expected = py_sx(pyast.parse(src, mode="eval"))
    except SyntaxError:
        assume(False)
    assert sx(parse_expression(src)) == expected
    fast_path_agrees(f"y = {src}\nif {src}:\n    z = [{src},\n  {src}]\n")


# ------------------------------------------------------ random and mutated text

ALPHABET = st.sampled_from(list("()[]{}:;,.=+-*/%@<>!&|^~#'\"\\ \t\n\r\x00_aZ09")
                           + ["if ", "else", "def ", "while ", "for ", " in ", "return",
                              "\u00a0", "\u200b", "\u202e", "\u0430", "\u00e9", "    ", "\t",
                              "__class__", "import os", "**", "//", "lambda"])


@FAST
@given(st.lists(ALPHABET, max_size=40).map("".join))
def test_random_text_gives_only_located_gx_errors(text):
    parse_or_gx_error(text)
    assert is_complete(text) in (True, False)


@FAST
@given(st.sampled_from(SEEDS), st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 3),
                                                  ALPHABET), min_size=1, max_size=4))
def test_mutated_scripts_give_only_located_gx_errors(seed, edits):
    text = seed
    for pos, kind, piece in edits:
        pos = pos % (len(text) + 1)
        if kind == 0:
            text = text[:pos] + piece + text[pos:]          # insert
        elif kind == 1:
            text = text[:pos] + text[pos + 1:]              # delete a character
        elif kind == 2:
            text = text[:pos] + piece + text[pos + 1:]      # replace
        else:
            text = text[:pos]                               # truncate
    assert parse_or_gx_error(text) in ("parsed", "error")
    assert parse_or_gx_error(text.encode("utf-8", "surrogatepass")) in ("parsed", "error")
    fast_path_agrees(text)


@FAST
@given(st.binary(max_size=60))
def test_random_bytes_give_only_gx_errors(data):
    assert parse_or_gx_error(data) in ("parsed", "error")


@pytest.mark.parametrize("seed", range(len(SEEDS)))
def test_fast_path_agrees_on_seed_scripts(seed):
    fast_path_agrees(SEEDS[seed])
    from gradcli.lang import lexcheck
    from gradcli.lang.parse import fast as F, lalr as P
    norm = lexcheck.check(SEEDS[seed])
    try:
        parse(norm)
    except GxError:
        return                  # the error scripts (x03, x04)
    F.parse_fast(*P._fast(P._lark()), norm, "start")   # it does not give up
