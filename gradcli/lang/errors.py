"""Errors of the .gx language: one class per kind, each with a source span.

``format_error`` renders the message every front end shows:

    script.gx:2:10: SyntaxError: unexpected '*'; expected an expression
        y = (x + * 2)
                 ^

Exit codes follow shared/spec/CLI.md: syntax/static errors 2, everything that
happens while running 1 (a security refusal found before running is 2).
"""
from __future__ import annotations


class GxError(Exception):
    kind = "Error"
    exit_code = 1
    # call sites of script functions the error came out of, outermost first:
    # (filename, line, col, source text, function name); see called_from
    calls: tuple = ()
    # extra fields of the JSON error event (a NumericError's explanation: lang/nanreport.py)
    details: dict | None = None

    def __init__(self, message: str, *, filename: str | None = None,
                 line: int | None = None, col: int | None = None,
                 end_line: int | None = None, end_col: int | None = None,
                 source_line: str | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.filename = filename
        self.line = line
        self.col = col
        self.end_line = end_line
        self.end_col = end_col
        self.source_line = source_line
        self.hint = hint

    def at(self, node, filename=None, source=None) -> "GxError":
        """Fill in the position from an AST node (only if none is set yet)."""
        if self.line is None and node is not None:
            self.line, self.col = node.line, node.col
            self.end_line, self.end_col = node.end_line, node.end_col
        if self.filename is None and filename is not None:
            self.filename = filename
        if self.source_line is None and source is not None and self.line:
            lines = source.splitlines()
            if 0 < self.line <= len(lines):
                self.source_line = lines[self.line - 1]
        return self

    def called_from(self, node, filename, source, function: str) -> "GxError":
        """Record the call of script function ``function`` at ``node`` that the error
        came out of (GxFunction.invoke calls this as it passes through, so the
        outermost call ends up first, like a short traceback of the script)."""
        line = getattr(node, "line", None)
        if line is None:
            return self
        lines = source.splitlines() if source else []
        text = lines[line - 1].strip() if 0 < line <= len(lines) else ""
        self.calls = ((filename, line, getattr(node, "col", None), text, function),) + self.calls
        return self

    def located(self, filename: str, text: str) -> "GxError":
        """Fill in what is missing from the whole text of a script (line 1 when the
        error has no position at all)."""
        if self.filename is None:
            self.filename = filename
        if self.line is None:
            self.line, self.col = 1, 1
        if self.source_line is None:
            lines = text.split("\n")
            if 0 < self.line <= len(lines):
                self.source_line = lines[self.line - 1]
        return self

    @property
    def location(self) -> str:
        parts = [self.filename or "<script>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.col is not None:
                parts.append(str(self.col))
        return ":".join(parts)

    def __str__(self) -> str:
        return f"{self.location}: {self.kind}: {self.message}"


class GxSyntaxError(GxError):
    kind = "SyntaxError"
    exit_code = 2


class GxNameError(GxError):
    kind = "NameError"


class GxTypeError(GxError):
    kind = "TypeError"


class GxShapeError(GxError):
    kind = "ShapeError"


class GxValueError(GxError):
    kind = "ValueError"


class GxRuntimeError(GxError):
    """Autograd misuse, failed asserts, and other errors while running."""
    kind = "RuntimeError"


class GxAssertionError(GxRuntimeError):
    kind = "AssertionError"


class GxLimitError(GxError):
    """A resource limit was reached; the message names the option raising it."""
    kind = "LimitError"


class GxSecurityError(GxError):
    """A sandbox refusal. Static ones (found before running) exit with 2."""
    kind = "SecurityError"

    def __init__(self, message: str, *, static: bool = False, **kw):
        super().__init__(message, **kw)
        self.exit_code = 2 if static else 1


class GxNumericError(GxError):
    """A NaN or infinity appeared under --strict."""
    kind = "NumericError"


class GxInterrupt(GxError):
    """Ctrl-C stopped a running script. The class owns its words, so that the
    message says it once: 'file:line:col: Interrupted: stopped by Ctrl-C'."""
    kind = "Interrupted"
    exit_code = 130

    def __init__(self, message: str = "", **kw):
        super().__init__("stopped by Ctrl-C", **kw)


class GxWarning:
    """A warning with a position (NaN/inf without --strict, .grad of a non-leaf)."""

    def __init__(self, message: str, *, filename=None, line=None, col=None,
                 end_col=None, source_line=None, category="NumericWarning"):
        self.message = message
        self.filename = filename
        self.line = line
        self.col = col
        self.end_col = end_col
        self.source_line = source_line
        self.category = category
        self.details = None         # extra JSON fields (lang/nanreport.py)

    def __str__(self) -> str:
        loc = ":".join(str(p) for p in (self.filename or "<script>", self.line, self.col)
                       if p is not None)
        return f"{loc}: {self.category}: {self.message}"


def caret_lines(source_line: str | None, col: int | None, end_col: int | None = None,
                end_line_same: bool = True) -> list[str]:
    """The quoted source line and a caret line under the column (1-based)."""
    if source_line is None or col is None:
        return []
    text = source_line.expandtabs(1).rstrip("\n")
    width = 1
    if end_col is not None and end_line_same and end_col > col:
        width = min(end_col - col, max(1, len(text) - col + 1))
    return ["    " + text, "    " + " " * (col - 1) + "^" * width]


def format_error(err: "GxError | GxWarning") -> str:
    """Plain-text message: 'file:line:col: Kind: message', source line, caret."""
    lines = [str(err)]
    same = getattr(err, "end_line", None) in (None, err.line)
    lines += caret_lines(err.source_line, err.col, getattr(err, "end_col", None), same)
    hint = getattr(err, "hint", None)
    if hint:
        lines.append(f"hint: {hint}")
    lines += call_chain_lines(getattr(err, "calls", ()))
    return "\n".join(lines)


def error_event(err: GxError) -> dict:
    """The JSON error event (docs/json.md): what format_error prints, as fields.
    ``calls`` is the chain of script calls, outermost first, every one of them (the
    text cuts a deep recursion in the middle; a machine gets the whole list)."""
    event = {"event": "error", "kind": err.kind, "message": err.message,
             "file": err.filename, "line": err.line, "col": err.col,
             "exit_code": err.exit_code,
             "calls": [{"file": f, "line": ln, "col": col, "source": text, "function": fn}
                       for f, ln, col, text, fn in err.calls]}
    event.update(getattr(err, "details", None) or {})
    return event


CHAIN_SHOWN = 3     # calls shown at each end of a long chain (deep recursion)


def call_chain_lines(calls) -> list[str]:
    """'called from (innermost last):' and one line per call site."""
    if not calls:
        return []
    rows = [f"  {f or '<script>'}:{ln}:{col}: {text}   (calls {fn})"
            for f, ln, col, text, fn in calls]
    if len(rows) > 2 * CHAIN_SHOWN + 1:
        rows = (rows[:CHAIN_SHOWN] + [f"  ... {len(rows) - 2 * CHAIN_SHOWN} more calls ..."]
                + rows[-CHAIN_SHOWN:])
    return ["called from (innermost last):"] + rows


def suggest(name, candidates, own=()) -> str | None:
    """'did you mean 'x'?' for the close matches of ``name`` among ``candidates``
    (``own``: the script's names, preferred); didyoumean.py has the rules."""
    from .didyoumean import phrase
    return phrase(name, candidates, own)


def name_error(name, candidates, pos, filename=None, source=None, own=()) -> "GxNameError":
    """'name 'x' is not defined', with the closest of ``candidates`` suggested."""
    hint = suggest(name, candidates, own)
    msg = f"name '{name}' is not defined"
    if hint:
        msg += f"; {hint}"
    return GxNameError(msg).at(pos, filename, source)
