"""Raw-text checks (lexcheck) and the parse-time rows of shared/HOSTILE.md: P1-P12, R10-R12."""
from __future__ import annotations

import time

import pytest

from gradcli.lang import lexcheck
from gradcli.lang.errors import GxLimitError, GxSyntaxError
from gradcli.lang.parse import parse

# ---------------------------------------------------------------- HOSTILE rows
# (row, source, error class or None for OK, line, col, words in the message)

HOSTILE = [
    ("P1", b"if x > 0:\n", GxSyntaxError, 2, 1, "expected an indented block after 'if' (1:1)"),
    ("P1-eof", b"if x > 0:", GxSyntaxError, 2, 1, "expected an indented block after 'if' (1:1)"),
    ("P2", b"if x:\n\ty = 1\n        z = 2\n", GxSyntaxError, 3, 1,
     "inconsistent use of tabs and spaces"),
    ("P2-mixed-line", b"if x:\n    \ty = 1\n\tz = 2\n", GxSyntaxError, 3, 1,
     "inconsistent use of tabs and spaces"),
    ("P3", b"if x:\n        y = 1\n    z = 2\n", GxSyntaxError, 3, 5,
     "unindent does not match any outer level"),
    ("P4", b"y = (1 +\n", GxSyntaxError, 1, 5, "'(' opened at 1:5 was never closed"),
    ("P4-eof", b"y = [1, 2,\n  3,\n", GxSyntaxError, 1, 5, "'[' opened at 1:5 was never closed"),
    ("P5", b"x = 1)", GxSyntaxError, 1, 6, "unmatched ')'"),
    ("P5-bracket", b"x = [1)]", GxSyntaxError, 1, 7, "closing ')' does not match '[' opened at 1:5"),
    ("P6-nbsp", "if x:\n\u00a0\u00a0y = 1".encode(), GxSyntaxError, 2, 1,
     "invalid character U+00A0 (no-break space)"),
    ("P6-zwsp", "x\u200b = 1".encode(), GxSyntaxError, 1, 2,
     "invalid character U+200B (zero width space)"),
    ("P7", "\u0430 = 1".encode(), GxSyntaxError, 1, 1, "non-ASCII identifier"),
    ("P7-later", "x = 1\ny = x\u00e9\n".encode(), GxSyntaxError, 2, 6, "non-ASCII identifier"),
    ("P8", "x = 1  # \u202e } \u2066".encode(), GxSyntaxError, 1, 10,
     "bidirectional control character U+202E"),
    ("P8-string", "s = 'abc\u2067'\n".encode(), GxSyntaxError, 1, 9,
     "bidirectional control character U+2067"),
    ("P9", b"x = 1\x00", GxSyntaxError, 1, 6, "NUL byte"),
    ("P10", b"x = \xff", GxSyntaxError, 1, 5, "invalid UTF-8 at byte 4 (1:5)"),
    ("P10-line2", b"x = 1\ny = '\xc3'\n", GxSyntaxError, 2, 6, "invalid UTF-8 at byte 11 (2:6)"),
    ("P11-bom", b"\xef\xbb\xbfx = 1\n", None, 0, 0, ""),
    ("P11-crlf", b"x = 1\r\nif x:\r\n    y = 2\r\n", None, 0, 0, ""),
    ("P11-cr", b"x = 1\rif x:\r    y = 2\r", None, 0, 0, ""),
    ("P11-no-final-newline", b"x = 1\ny = 2", None, 0, 0, ""),
    ("P12", b"x = 1 $ 2", GxSyntaxError, 1, 7, "unexpected '$'"),
    ("R10-parens", b"x = " + b"(" * 10_000 + b"1" + b")" * 10_000, GxLimitError, 1, 105,
     "nesting deeper than 100"),
    ("R10-lists", b"x = " + b"[" * 5_000 + b"]" * 5_000, GxLimitError, 1, 105,
     "nesting deeper than 100"),
    ("R10-calls", b"x = " + b"f(" * 5_000 + b"1" + b")" * 5_000, GxLimitError, 1, 206,
     "nesting deeper than 100"),
    ("R11", b"x = " + b"-" * 100_000 + b"1", GxLimitError, 1, 105, "nesting deeper than 100"),
    ("R11-not", b"x = " + b"not " * 5_000 + b"1", GxLimitError, 1, 405,
     "nesting deeper than 100"),
    ("R12", b"x = 1" + b"+1" * 200_000, GxLimitError, 1, 1, "source larger than 128 KiB"),
]


@pytest.mark.parametrize("row,src,cls,line,col,words", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_rows(row, src, cls, line, col, words):
    t0 = time.perf_counter()
    if cls is None:
        module = parse(src, "h.gx")
        assert module.body
        return
    with pytest.raises(cls) as info:
        parse(src, "h.gx")
    err = info.value
    assert type(err) is cls
    assert words in err.message, err.message
    assert (err.line, err.col) == (line, col), str(err)
    assert err.filename == "h.gx"
    assert err.source_line is not None or row == "R12"
    # refusals are quick: no seconds-long parse of a hostile file
    assert time.perf_counter() - t0 < 5


def test_p11_normalization_gives_the_same_ast():
    a = parse(b"x = 1\nif x:\n    y = 2\n")
    for variant in (b"\xef\xbb\xbfx = 1\nif x:\n    y = 2\n", b"x = 1\r\nif x:\r\n    y = 2",
                    b"x = 1\rif x:\r    y = 2\r", "\ufeffx = 1\nif x:\n    y = 2"):
        b = parse(variant)
        assert b.body == a.body


def test_r12_size_is_checked_before_decoding():
    # invalid UTF-8 beyond the limit: the size error wins (nothing is decoded)
    with pytest.raises(GxLimitError):
        parse(b"\xff" * (128 * 1024 + 1))
    with pytest.raises(GxLimitError):
        parse("x" * (128 * 1024 + 1))
    # multi-byte characters count as bytes
    with pytest.raises(GxLimitError):
        parse("# " + "\u00e9" * 70_000)
    # exactly at the limit is fine
    src = b"x = 1\n" + b"#" * (128 * 1024 - 7) + b"\n"
    assert len(src) == 128 * 1024
    assert parse(src).body


def test_limits_are_parameters():
    deep = "x = " + "(" * 150 + "1" + ")" * 150 + "\n"
    with pytest.raises(GxLimitError):
        parse(deep)
    assert parse(deep, max_nesting=200).body
    with pytest.raises(GxLimitError) as info:
        parse("x = 1\n", max_source=3)
    assert "source larger than 3 bytes" in info.value.message


def test_limit_errors_name_the_option():
    with pytest.raises(GxLimitError) as info:
        parse("x = " + "[" * 101 + "]" * 101)
    assert "--max-nesting" in info.value.hint
    with pytest.raises(GxLimitError) as info:
        parse(b"#" * 200_000)
    assert "--max-source" in info.value.hint


def test_nesting_at_the_limit_is_accepted():
    src = "x = " + "(" * 100 + "1" + ")" * 100
    assert parse(src).body
    src = "x = " + "-" * 99 + "1"
    assert parse(src).body


# ------------------------------------------------------- characters and strings

@pytest.mark.parametrize("src", [
    "s = 'caf\u00e9 \u00b5 \u2192'\n",          # non-ASCII inside strings is fine
    "x = 1  # caf\u00e9 \u00a0 comment\n",      # and inside comments
    "s = \"it's ( [ # not a comment\"\n",
    "s = 'a\\'b' + \"c\\\"d\"\n",
    "x = 1\f\n",
])
def test_accepted_text(src):
    assert parse(src).body


@pytest.mark.parametrize("src,line,col,words", [
    ("x = 1\x01\n", 1, 6, "invalid character U+0001"),
    ("s = 'a\x00'\n", 1, 7, "NUL byte"),
    ("x = 'abc\n", 1, 5, "unterminated string literal"),
    ('x = "abc\\"\n', 1, 5, "unterminated string literal"),
    ("x = '''\nabc'''\n", 1, 7, "unterminated string literal"),   # no triple quotes
    ("x = \u00bd\n", 1, 5, "invalid character U+00BD"),
    ("x = 1 \u2212 2\n", 1, 7, "invalid character U+2212 (minus sign)"),
    ("x = [1,\n  2,)\n", 2, 5, "closing ')' does not match '[' opened at 1:5"),
    ("  x = 1\n", 1, 3, "unexpected indent"),
    ("\n# c\n   x = 1\n", 3, 4, "unexpected indent"),
])
def test_rejected_text(src, line, col, words):
    with pytest.raises(GxSyntaxError) as info:
        parse(src)
    assert words in info.value.message
    assert (info.value.line, info.value.col) == (line, col), str(info.value)


def test_brackets_inside_strings_and_comments_do_not_count():
    assert parse("s = '(((' # ]]]\nt = \"[\"\n").body


def test_tabs_alone_are_consistent():
    assert parse("if x:\n\ty = 1\n\tif y:\n\t\tz = 2\nw = 3\n").body


def test_backslash_continuation_lines_are_not_indentation():
    assert parse("x = 1 + \\\n        2\ny = 3\n").body
    assert parse("if a and \\\n\tb:\n    pass\n").body


def test_decode_and_scan_directly():
    assert lexcheck.decode(b"\xef\xbb\xbfa\r\nb\rc") == "a\nb\nc\n"
    assert lexcheck.decode("a") == "a\n"
    r = lexcheck.scan("f(a, [b\n", allow_open=True)
    assert [ch for ch, _ in r.open_brackets] == ["(", "["]
    assert lexcheck.scan("x = 1 + \\\n").continued
    assert not lexcheck.scan("x = 1\n").continued
    assert lexcheck.position("ab\ncd", 4) == (2, 2)
