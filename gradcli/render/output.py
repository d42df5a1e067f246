"""Where a command's output goes, and in which of the three formats.

One ``Output`` is made per invocation (never a module-level console): it knows
the format (``pretty``, ``plain`` or ``json``), the two streams, and creates a
Rich console only when pretty output is actually written, so plain and json runs
never import Rich.
"""
from __future__ import annotations

import os
import sys

from . import jsonenc

FORMATS = ("pretty", "plain", "json")


class OutputClosed(BaseException):
    """The reader of standard output went away (EPIPE). A BaseException, so that
    it passes through the interpreter (which turns Exceptions into script errors)
    up to the CLI, which ends quietly."""


class OutputFailed(BaseException):
    """Output could not be written (a missing directory, a full disk, a closed
    descriptor): exit 1. A BaseException like OutputClosed, so that a failing
    ``print`` passes through the interpreter (which turns Exceptions into script
    errors) up to the CLI."""
    exit_code = 1


def output_error(e: OSError) -> BaseException:
    """The one mapping of an OSError met while writing output: EPIPE (the reader
    went away) ends quietly with 141 (``OutputClosed``); anything else is one
    clear message (``OutputFailed``), never an internal error."""
    import errno
    if isinstance(e, BrokenPipeError) or e.errno == errno.EPIPE:
        return OutputClosed()
    path = getattr(e, "filename", None)
    what = repr(path) if path else "standard output"
    err = OutputFailed(f"cannot write {what}: {e.strerror or e}")
    err.on_stdout = not path
    return err


# Terminal control: C0 (but tab and newline), DEL, C1, and the bidirectional controls.
# Escaped in what reaches a terminal (a script cannot move the cursor, retitle the
# window or hide text); lone surrogates are escaped everywhere (they cannot be encoded).
_CONTROL = None
_SURROGATE = None


def _escape(m) -> str:
    c = m.group()
    n = ord(c)
    return f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}"


def safe_text(text: str, terminal: bool) -> str:
    """``text`` with control characters escaped when it goes to a terminal and lone
    surrogates escaped always ('\\x1b[2J' instead of clearing the screen)."""
    global _CONTROL, _SURROGATE
    if text.isascii() and text.isprintable():
        return text
    import re
    if _CONTROL is None:
        _CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f"
                              "\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
        _SURROGATE = re.compile("[\ud800-\udfff]")
    return (_CONTROL if terminal else _SURROGATE).sub(_escape, text)


def no_color() -> bool:
    return bool(os.environ.get("NO_COLOR"))


def force_color() -> bool:
    """FORCE_COLOR set and non-empty (force-color.org): colour even when the stream
    is not a terminal (CI logs, ``| less -R``). NO_COLOR still wins."""
    return bool(os.environ.get("FORCE_COLOR")) and not no_color()


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def resolve_format(requested: str | None, stream=None) -> str:
    """The --format given, else pretty on a terminal (or with FORCE_COLOR) without
    NO_COLOR, else plain. NO_COLOR turns pretty into plain even when asked for."""
    stream = stream if stream is not None else sys.stdout
    if requested == "json":
        return "json"
    if no_color():
        return "plain"
    if requested:
        return requested
    return "pretty" if _isatty(stream) or force_color() else "plain"


class Output:
    def __init__(self, fmt: str = "plain", out=None, err=None):
        self.format = fmt
        self.out = out if out is not None else sys.stdout
        self.err = err if err is not None else sys.stderr
        self._console = None
        self._err_console = None
        self._warned = set()
        self.terminal = self.format == "pretty" or _isatty(self.out)
        self.pause = None       # render.progress: a context that erases its status line meanwhile
        self.warning_events = False     # JSON event streams (run, repl): warnings as events too

    @property
    def pretty(self) -> bool:
        return self.format == "pretty"

    @property
    def json(self) -> bool:
        return self.format == "json"

    # -- consoles, made on first use
    def console(self):
        if self._console is None:
            from rich.console import Console

            class PipeAwareConsole(Console):
                def on_broken_pipe(self):       # Rich would exit with 1; we end quietly with 141
                    self.quiet = True
                    raise OutputClosed()
            # pretty is chosen on a terminal or asked for explicitly: colour either way
            self._console = PipeAwareConsole(file=self.out, highlight=True, soft_wrap=True,
                                             force_terminal=True)
        return self._console

    def err_console(self):
        if self._err_console is None:
            from rich.console import Console
            self._err_console = Console(file=self.err, highlight=False, soft_wrap=True,
                                        force_terminal=True if force_color() else None)
        return self._err_console

    def err_pretty(self) -> bool:
        return self.format == "pretty" and not no_color() and (_isatty(self.err) or force_color())

    # -- writing
    def line(self, text: str = "") -> None:
        """A line of text: highlighted in pretty mode, as is otherwise."""
        text = safe_text(text, self.terminal)
        if self.pretty:
            self.console().print(text, markup=False, emoji=False)
        else:
            self.out.write(text + "\n")

    def raw(self, text: str) -> None:
        self.out.write(safe_text(text, self.terminal))

    def renderable(self, obj) -> None:
        self.console().print(obj)

    def emit(self, obj) -> None:
        """One JSON object on its own line, flushed (NDJSON)."""
        self.out.write(jsonenc.dumps(obj) + "\n")
        self.out.flush()

    def flush(self) -> None:
        self.out.flush()

    # -- what a session reports while running
    def print_event(self, event) -> None:
        try:
            if self.pause is None:
                self._print_event(event)
            else:
                with self.pause():
                    self._print_event(event)
        except OSError as e:
            raise output_error(e) from None

    def _print_event(self, event) -> None:
        end = getattr(event, "end", "\n")
        if self.json:
            obj = {"event": "print", "text": event.text,
                   "values": [jsonenc.encode_value(v) for v in event.values]}
            if end != "\n":
                obj["end"] = end
            self.emit(obj)
        elif end == "\n":
            self.line(event.text)
        elif self.pretty:
            self.console().print(safe_text(event.text, True), markup=False, emoji=False,
                                 end=safe_text(end, True))
        else:
            self.out.write(safe_text(event.text + end, self.terminal))

    def warning(self, warning) -> None:
        """Each warning once per place and message (as Python's warnings do),
        so a loop does not repeat it thousands of times."""
        from .errors import render_problem
        key = (getattr(warning, "filename", None), getattr(warning, "line", None),
               getattr(warning, "col", None), str(getattr(warning, "message", warning)))
        if key in self._warned:
            return
        self._warned.add(key)
        if self.json and self.warning_events:
            self.emit(warning_event(warning))
        self.flush()
        if self.pause is None:
            render_problem(self, _safe_problem(warning), kind="warning")
        else:
            with self.pause():
                render_problem(self, _safe_problem(warning), kind="warning")

    def forget_warnings(self) -> None:
        """A new REPL entry: its warnings are new even at the same line:col."""
        self._warned.clear()

    def error(self, error) -> None:
        from .errors import render_problem
        render_problem(self, _safe_problem(error), kind="error")


def warning_event(warning) -> dict:
    """The JSON warning event (docs/json.md): the fields of the text on standard error,
    and a NaN/inf explanation's fields (lang/nanreport.py) when it has one."""
    event = {"event": "warning", "category": getattr(warning, "category", "Warning"),
             "message": str(getattr(warning, "message", warning)),
             "file": getattr(warning, "filename", None), "line": getattr(warning, "line", None),
             "col": getattr(warning, "col", None)}
    event.update(getattr(warning, "details", None) or {})
    return event


def _safe_problem(problem):
    """A copy of an error or warning whose texts (a script's assert message, its
    source line) carry no terminal control characters: messages are for people."""
    fields_ = ("message", "source_line", "hint", "filename")
    if not any(isinstance(getattr(problem, f, None), str)
               and safe_text(getattr(problem, f), True) != getattr(problem, f) for f in fields_):
        return problem
    import copy
    safe = copy.copy(problem)
    for f in fields_:
        v = getattr(safe, f, None)
        if isinstance(v, str):
            setattr(safe, f, safe_text(v, True))
    return safe
