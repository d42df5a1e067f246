"""The interactive loop over one Session.

``Repl`` holds the logic (what a line does) and is driven by one of two front
ends: prompt_toolkit on a terminal (line editing, history file, completion),
or plain line reading when standard input is not a terminal.

* A block (a line ending in ``:``) goes on until an empty line; an open
  bracket goes on until the parser says the text is complete
  (``session.is_complete``).
* A bare expression echoes its value (tensors as PyTorch prints them).
* ``:help :vars :graph NAME :reset :quit``; and, as in Python's REPL
  (3.13), ``exit``, ``quit``, ``exit()`` and ``quit()`` leave, ``help`` and
  ``help()`` show the help (unless the script has given the name a value).
* Ctrl-C cancels the line being typed, or stops the running statement: as in
  Python, what the statement had assigned before it was stopped stays (a loop
  keeps its partial updates); Ctrl-D leaves.
"""
from __future__ import annotations

import os
import re

HELP = """\
Commands:
  :help         this help
  :vars         the session's variables (tensors as a table)
  :graph NAME   the graph history of tensor NAME as a tree
  :explain NAME the backward pass from NAME step by step (:explain on records
                the forward values of what follows, :explain off stops)
  :reset        forget every variable
  :quit         leave (also exit, quit(), Ctrl-D)
Write .gx statements as in a script; a block ends with an empty line.
A bare expression shows its value. Ctrl-C cancels the line or stops a running
loop (what it had assigned so far stays, as in Python). gradcli help TOPIC in
the shell has more (limits, json, language)."""

# Python's REPL words, typed alone on a line: (names, what they do)
LEAVE = frozenset({"exit", "quit", "exit()", "quit()"})
HELP_WORDS = frozenset({"help", "help()"})

PROMPT, MORE = ">>> ", "... "


def history_path() -> str:
    """$XDG_DATA_HOME/gradcli/history (default ~/.local/share/gradcli/history)."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(base, "gradcli", "history")


def _opens_block(line: str) -> bool:
    code = line.split("#", 1)[0].rstrip()
    return code.endswith(":")


class Repl:
    def __init__(self, session, out):
        self.session = session
        self.out = out
        self.buffer: list[str] = []
        self.done = False

    # -- what the front ends ask
    @property
    def prompt(self) -> str:
        return MORE if self.buffer else PROMPT

    def indent(self) -> str:
        """Indentation to pre-fill on a continuation line."""
        if not self.buffer:
            return ""
        last = self.buffer[-1]
        if not last.strip():
            return ""
        lead = last[: len(last) - len(last.lstrip())]
        return lead + "    " if _opens_block(last) else lead

    def cancel(self) -> None:
        self.buffer = []

    def push(self, line: str) -> None:
        """One line typed by the user."""
        if not self.buffer:
            if not line.strip():
                return
            if line.strip().startswith(":"):
                self.command(line.strip())
                return
            if self._repl_word(line.strip()):
                return
        self.buffer.append(line.rstrip("\r\n"))
        source = "\n".join(self.buffer) + "\n"
        blank = not line.strip()
        in_block = _opens_block(self.buffer[0]) or len(self.buffer) > 1 and any(
            _opens_block(b) for b in self.buffer)
        if not blank and not self._complete(source):
            return
        if in_block and not blank:
            return
        self.buffer = []
        self.execute(source)

    def _repl_word(self, word: str) -> bool:
        """exit/quit/help typed alone, as in Python's REPL; a script variable of
        that name wins (``exit = 3`` then ``exit`` shows 3)."""
        if word not in LEAVE and word not in HELP_WORDS:
            return False
        if word.rstrip("()") in self.session.variables:
            return False
        if word in LEAVE:
            self.done = True
        else:
            self.command(":help")
        return True

    def finish(self) -> None:
        """End of input: run what is left in the buffer."""
        if self.buffer:
            source = "\n".join(self.buffer) + "\n"
            self.buffer = []
            self.execute(source)

    def _complete(self, source: str) -> bool:
        try:
            return bool(self.session.is_complete(source))
        except Exception:      # let execute() report the problem with its position
            return True

    def execute(self, source: str) -> None:
        from .lang.errors import GxError
        from .render.results import tensor_text
        from .engine.printing import use_printoptions
        self.out.forget_warnings()
        try:
            shown, value = self.session.exec_interactive(source, filename="<repl>")
        except GxError as e:
            self.out.flush()
            self.out.error(e)
            return
        finally:        # echo as the session prints (its set_printoptions)
            use_printoptions(self.session.print_options)
        if shown and value is not None:
            try:        # the echo walks the value: bounded by the session's --max-list
                text = self.session.run_in_context(tensor_text, value)
            except GxError as e:
                if e.filename is None:
                    e.filename = "<repl>"
                self.out.error(e)
                return
            if self.out.json:
                from .render.jsonenc import encode_value
                self.out.emit({"event": "value", "text": text, "value": encode_value(value)})
            else:
                self.out.line(text)

    # -- colon commands
    def command(self, text: str) -> None:
        from .lang.errors import GxError
        name, _, arg = text.partition(" ")
        arg = arg.strip()
        if name in (":quit", ":q", ":exit"):
            self.done = True
        elif name in (":help", ":h", ":?"):
            for line in HELP.splitlines():
                self.out.line(line)
        elif name == ":vars":
            self.show_vars()
        elif name == ":reset":
            self.session.reset()
            self.out.line("(all variables forgotten)")
        elif name == ":graph":
            if not arg:
                self.out.line("usage: :graph NAME")
                return
            from .render.history import render_tree
            try:
                render_tree(self.out, self.session.history(arg))
            except GxError as e:
                self.out.error(e)
        elif name == ":explain":
            self.explain(arg)
        else:
            self.out.line(f"unknown command {name}; :help lists them")

    def explain(self, arg: str) -> None:
        """:explain on|off|NAME (gradcli/explain/walk.py)."""
        from .engine.recorder import Recorder
        from .lang.errors import GxError
        if arg in ("on", "off"):
            self.recorder = Recorder() if arg == "on" else None
            self.session.set_trace(self.recorder)
            self.out.line(f"(forward values {'recorded' if arg == 'on' else 'not recorded'})")
            return
        if not arg:
            self.out.line("usage: :explain NAME, :explain on, :explain off")
            return
        from .explain.walk import explain_value
        from .render import explain
        recorder = getattr(self, "recorder", None) or Recorder()
        try:
            explain.render(self.out, explain_value(self.session, arg, recorder, "", "<repl>"))
        except GxError as e:
            self.out.error(e)
        if recorder is not getattr(self, "recorder", None):
            self.out.line("(values of the forward pass appear after :explain on)")

    def show_vars(self) -> None:
        from .render.jsonenc import is_tensor
        from .render.results import tensor_text
        from .render.table import render_summary, short
        variables = self.session.variables
        if not variables:
            self.out.line("(no variables)")
            return
        if any(is_tensor(v) for v in variables.values()):
            render_summary(self.out, variables)
        from .lang.errors import GxError
        for name, value in variables.items():
            if not is_tensor(value):
                try:
                    text = self.session.run_in_context(tensor_text, value)
                except GxError as e:
                    text = f"<not shown: {e.message}>"
                self.out.line(f"{name} = {short(text, 60)}")


# ----------------------------------------------------------------- completion

_ATTR = re.compile(r"([A-Za-z][A-Za-z0-9_]*)\.([A-Za-z0-9_]*)$")
_NAME = re.compile(r"([A-Za-z][A-Za-z0-9_]*)$")


def completions(session, text_before_cursor: str) -> list[tuple[str, int]]:
    """(candidate, start offset) pairs for the word before the cursor."""
    m = _ATTR.search(text_before_cursor)
    if m:
        owner, prefix = m.group(1), m.group(2)
        value = session.variables.get(owner)
        if value is None:
            return []
        try:
            names = session.attributes(value)
        except Exception:
            return []
        return [(n, -len(prefix)) for n in sorted(names) if n.startswith(prefix)]
    m = _NAME.search(text_before_cursor)
    if not m:
        return []
    prefix = m.group(1)
    return [(n, -len(prefix)) for n in sorted(set(session.names())) if n.startswith(prefix)]


def _completer(session):
    from prompt_toolkit.completion import Completer, Completion

    class GxCompleter(Completer):
        def get_completions(self, document, complete_event):
            for text, start in completions(session, document.text_before_cursor):
                yield Completion(text, start_position=start)
    return GxCompleter()


# ----------------------------------------------------------------- front ends

def run_repl(common) -> int:
    import sys
    out = common.output()
    out.warning_events = True           # an event stream: warnings are events too
    session = common.session(out)
    repl = Repl(session, out)
    stdin = sys.stdin
    if stdin.isatty() and out.out.isatty():
        return _terminal_loop(repl, session)
    return _plain_loop(repl, stdin)


def _plain_loop(repl: Repl, stdin) -> int:
    for line in stdin:
        try:
            repl.push(line)
        except KeyboardInterrupt:
            repl.cancel()
        if repl.done:
            return 0
    repl.finish()
    return 0


def _private_file(path: str) -> None:
    """The history file exists, mode 0600 in a 0700 directory (what a user types may
    hold secrets), whatever the umask; never through a symbolic link."""
    d = os.path.dirname(path)
    old = os.umask(0o077)
    try:
        os.makedirs(d, mode=0o700, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0),
                     0o600)
    finally:
        os.umask(old)
    try:
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


def _terminal_loop(repl: Repl, session) -> int:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory, InMemoryHistory
    path = history_path()
    try:
        _private_file(path)
        history = FileHistory(path)
    except OSError:
        history = InMemoryHistory()
    prompt = PromptSession(history=history, completer=_completer(session),
                           complete_while_typing=False)
    repl.out.line("gradcli REPL: .gx statements, :help for commands, Ctrl-D to leave")
    while not repl.done:
        try:
            line = prompt.prompt(repl.prompt, default=repl.indent())
        except KeyboardInterrupt:
            repl.cancel()
            continue
        except EOFError:
            break
        try:
            repl.push(line)
        except KeyboardInterrupt:
            repl.cancel()
            repl.out.line("Interrupted")
    return 0
