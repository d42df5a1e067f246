"""Checks on the raw text of a script, before Lark sees it.

Lark would accept some hostile inputs silently (tabs mixed with spaces), fail
without a position (unmatched ')'), or spend seconds on them (a 400 KB file,
10,000 nested brackets). This pass rejects them in one linear scan with
regular expressions and returns the normalized text (BOM stripped, line ends
``\\n``, a final newline).

Rows of shared/HOSTILE.md handled here: R10, R11, R12, P2, P4-P11.
"""
from __future__ import annotations

import re

from .errors import GxLimitError, GxSyntaxError

DEFAULT_MAX_SOURCE = 128 * 1024
DEFAULT_MAX_NESTING = 100

# Bidirectional control characters (CVE-2021-42574, "Trojan Source").
BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                 "\u2066\u2067\u2068\u2069")

_OPEN = {"(": ")", "[": "]"}
_CLOSE = {")": "(", "]": "["}

# One scanner for everything that matters: strings and comments (so brackets
# inside them are ignored), brackets, line ends, backslash continuations and
# chains of unary operators.
_SCAN = re.compile(r"""
    (?P<str>"{3}(?:[^"\\]|\\[\s\S]|"(?!""))*(?:"{3}|\Z)|'{3}(?:[^'\\]|\\[\s\S]|'(?!''))*(?:'{3}|\Z)
           |"(?:[^"\\\n]|\\.)*"?|'(?:[^'\\\n]|\\.)*'?)
  | (?P<com>\#[^\n]*)
  | (?P<open>[(\[])
  | (?P<close>[)\]])
  | (?P<brace>[{}])
  | (?P<nl>\n)
  | (?P<cont>\\[ \t\f]*(?:\n|\Z))
  | (?P<signs>[-+](?:[ \t]*[-+])+)
  | (?P<nots>\bnot(?:[ \t]+not\b)+)
""", re.VERBOSE)

_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_BAD_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_INDENT = re.compile(r"[ \t\f]*")


def position(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, col) of a character offset."""
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col


def _line_text(text: str, line: int) -> str:
    lines = text.split("\n")
    return lines[line - 1] if 0 < line <= len(lines) else ""


def _error(cls, message, text, offset, length=1, filename=None, **kw):
    line, col = position(text, offset)
    err = cls(message, filename=filename, line=line, col=col, end_line=line,
              end_col=col + max(1, length), source_line=_line_text(text, line), **kw)
    return err


def decode(source: str | bytes, filename: str = "<script>", *,
           max_source: int = DEFAULT_MAX_SOURCE) -> str:
    """Size limit, UTF-8 decoding, BOM and line-end normalization."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        if len(data) > max_source:
            raise _too_big(len(data), max_source, filename)
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            start = exc.start
            line = data.count(b"\n", 0, start) + 1
            line_start = data.rfind(b"\n", 0, start) + 1
            col = len(data[line_start:start].decode("utf-8", "replace")) + 1
            end = data.find(b"\n", start)
            shown = data[line_start:end if end >= 0 else len(data)].decode("utf-8", "replace")
            raise GxSyntaxError(
                f"invalid UTF-8 at byte {start} ({line}:{col})", filename=filename,
                line=line, col=col, end_line=line, end_col=col + 1,
                source_line=shown) from None
    else:
        text = str(source)
        if len(text) > max_source or (not text.isascii()
                                      and len(text.encode("utf-8", "surrogatepass")) > max_source):
            raise _too_big(len(text.encode("utf-8", "surrogatepass")), max_source, filename)
        if text.startswith("\ufeff"):
            text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.endswith("\n"):
        text += "\n"
    return text


def _too_big(size, limit, filename):
    return GxLimitError(
        f"source larger than {_kib(limit)} ({size} bytes)", filename=filename,
        line=1, col=1, hint="raise the limit with --max-source BYTES")


def _kib(n: int) -> str:
    return f"{n // 1024} KiB" if n % 1024 == 0 else f"{n} bytes"


def _check_characters(text: str, filename: str, strings: list[tuple[int, int]]) -> None:
    """NUL, control characters, bidi controls, non-ASCII outside strings/comments."""
    m = _BAD_CONTROL.search(text)
    while m is not None:
        ch = m.group()
        off = m.start()
        if ch == "\x00":
            raise _error(GxSyntaxError, "NUL byte in source", text, off, filename=filename)
        if not _inside(strings, off):
            raise _error(GxSyntaxError, f"invalid character U+{ord(ch):04X} (control character)",
                         text, off, filename=filename)
        m = _BAD_CONTROL.search(text, off + 1)
    if text.isascii():
        return
    import unicodedata
    for m in _NON_ASCII.finditer(text):
        ch, off = m.group(), m.start()
        if ch in BIDI:
            raise _error(GxSyntaxError,
                         f"bidirectional control character U+{ord(ch):04X} "
                         f"({unicodedata.name(ch, 'unnamed').lower()}) can make code read "
                         "differently than it runs", text, off, filename=filename)
        if _inside(strings, off):
            continue
        if 0xD800 <= ord(ch) <= 0xDFFF:
            raise _error(GxSyntaxError, f"invalid character U+{ord(ch):04X} (surrogate)",
                         text, off, filename=filename)
        if ("a" + ch).isidentifier():
            raise _error(GxSyntaxError,
                         f"non-ASCII identifier: {ch!r} is U+{ord(ch):04X} "
                         f"({unicodedata.name(ch, 'unnamed').lower()}); "
                         ".gx names use ASCII letters, digits and '_'",
                         text, off, filename=filename)
        raise _error(GxSyntaxError,
                     f"invalid character U+{ord(ch):04X} "
                     f"({unicodedata.name(ch, 'unnamed').lower()})",
                     text, off, filename=filename)


def _inside(spans: list[tuple[int, int]], off: int) -> bool:
    """Is offset inside one of the sorted (start, end) spans?"""
    lo, hi = 0, len(spans)
    while lo < hi:
        mid = (lo + hi) // 2
        if spans[mid][1] <= off:
            lo = mid + 1
        else:
            hi = mid
    return lo < len(spans) and spans[lo][0] <= off


class ScanResult:
    """What the scan learned; the REPL asks whether more lines could help."""
    __slots__ = ("open_brackets", "continued")

    def __init__(self, open_brackets, continued):
        self.open_brackets = open_brackets      # [(char, offset)] still open at EOF
        self.continued = continued              # text ends with a backslash continuation


def scan(text: str, filename: str = "<script>", *,
         max_nesting: int = DEFAULT_MAX_NESTING, allow_open: bool = False) -> ScanResult:
    """Brackets, nesting, strings, indentation and characters of normalized text."""
    stack: list[tuple[str, int]] = []
    spans: list[tuple[int, int]] = []          # strings and comments
    line_starts: list[int] = [0]               # offsets where a logical line may start
    continued = False
    for m in _SCAN.finditer(text):
        kind = m.lastgroup
        if kind == "nl":
            if not stack:
                line_starts.append(m.end())
            continued = False
        elif kind == "str":
            s = m.group()
            spans.append((m.start(), m.end()))
            if s[:3] in ('"""', "'''") and (len(s) < 6 or s[-3:] != s[:3]):
                raise _error(GxSyntaxError, "unterminated triple-quoted string literal", text,
                             m.start(), 3, filename=filename)
            if len(s) < 2 or s[-1] != s[0]:
                raise _error(GxSyntaxError, "unterminated string literal", text, m.start(),
                             len(s), filename=filename)
        elif kind == "com":
            spans.append((m.start(), m.end()))
        elif kind == "open":
            stack.append((m.group(), m.start()))
            if len(stack) > max_nesting:
                raise _nesting_error(text, m.start(), max_nesting, filename)
        elif kind == "close":
            ch = m.group()
            if not stack:
                raise _error(GxSyntaxError, f"unmatched '{ch}'", text, m.start(), filename=filename)
            opener, where = stack.pop()
            if opener != _CLOSE[ch]:
                line, col = position(text, where)
                raise _error(GxSyntaxError,
                             f"closing '{ch}' does not match '{opener}' opened at {line}:{col}",
                             text, m.start(), filename=filename)
        elif kind == "brace":
            raise _error(GxSyntaxError,
                         "dict and set literals ('{...}') are not supported in .gx",
                         text, m.start(), filename=filename)
        elif kind == "cont":
            continued = m.group().endswith("\n") or m.end() == len(text)
            if not stack and m.end() < len(text):
                pass    # the next physical line continues this logical line
        else:   # a chain of unary operators nests like brackets (R11)
            ops = m.group().split() if kind == "nots" else [c for c in m.group() if c in "+-"]
            if len(stack) + len(ops) > max_nesting:
                k = max_nesting - len(stack)          # the operator that goes too deep
                offs = [i for i, c in enumerate(m.group()) if c in "+-"] if kind == "signs" \
                    else [mm.start() for mm in re.finditer(r"not", m.group())]
                raise _nesting_error(text, m.start() + offs[min(k, len(offs) - 1)],
                                     max_nesting, filename)
    _check_characters(text, filename, spans)
    if stack and not allow_open:
        ch, where = stack[-1]
        line, col = position(text, where)
        err = _error(GxSyntaxError, f"'{ch}' opened at {line}:{col} was never closed",
                     text, where, filename=filename)
        err.incomplete = True
        raise err
    _check_indentation(text, filename, line_starts, spans)
    return ScanResult(stack, continued)


def _nesting_error(text, offset, limit, filename):
    return _error(GxLimitError, f"nesting deeper than {limit} levels", text, offset,
                  filename=filename, hint="raise the limit with --max-nesting N")


def _check_indentation(text: str, filename: str, line_starts: list[int],
                       spans: list[tuple[int, int]]) -> None:
    """Unexpected indent on the first line; tabs and spaces mixed (P2)."""
    has_tab = "\t" in text
    stack = [""]
    first = True
    prev_continued = False
    for start in line_starts:
        if start >= len(text):
            break
        m = _INDENT.match(text, start)
        rest = m.end()
        if rest >= len(text) or text[rest] in "\n#":
            continue                               # blank or comment-only line
        if _inside(spans, start):
            continue
        # a line after a backslash continuation is not a logical line start
        if start >= 2 and _ends_with_continuation(text, start - 1):
            continue
        indent = m.group()
        if first:
            first = False
            if indent:
                raise _error(GxSyntaxError, "unexpected indent", text, rest, filename=filename)
        if not has_tab:
            continue
        if indent in stack:
            del stack[stack.index(indent) + 1:]
            continue
        top = stack[-1]
        if indent.startswith(top):
            stack.append(indent)
            continue
        width8 = len(indent.expandtabs(8))
        if "\t" in indent or any("\t" in s for s in stack):
            if any(len(s.expandtabs(8)) == width8 for s in stack) or width8 > len(top.expandtabs(8)):
                raise _error(GxSyntaxError, "inconsistent use of tabs and spaces in indentation",
                             text, start, max(1, len(indent)), filename=filename)
        # otherwise the indenter reports the mismatched unindent
        stack.append(indent)
    del prev_continued


def _ends_with_continuation(text: str, nl_offset: int) -> bool:
    """Does the physical line ending at text[nl_offset] == '\\n' end with a backslash?"""
    i = nl_offset - 1
    while i >= 0 and text[i] in " \t\f":
        i -= 1
    return i >= 0 and text[i] == "\\"


def check(source: str | bytes, filename: str = "<script>", *,
          max_source: int = DEFAULT_MAX_SOURCE,
          max_nesting: int = DEFAULT_MAX_NESTING) -> str:
    """All raw-text checks; returns the normalized text for the parser."""
    text = decode(source, filename, max_source=max_source)
    scan(text, filename, max_nesting=max_nesting)
    return text
