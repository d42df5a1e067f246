"""The REPL: its logic driven line by line, the plain front end through CliRunner,
and the prompt_toolkit front end through a pseudo-terminal (pexpect)."""
import io
import os
import re
import sys
import time

import pytest
from click.testing import CliRunner

from gradcli.cli import cli
from gradcli.render.output import Output
from gradcli.repl import Repl, completions, history_path
from gradcli.session import Session


@pytest.fixture
def repl():
    buf, err = io.StringIO(), io.StringIO()
    out = Output("plain", out=buf, err=err)
    session = Session(on_print=out.print_event, on_warning=out.warning)
    r = Repl(session, out)
    r.buf, r.err = buf, err
    return r


def feed(repl, *lines):
    for line in lines:
        repl.push(line)
    return repl.buf.getvalue()


def test_multiline_while_block_ends_with_an_empty_line(repl):
    assert feed(repl, "x = 0", "while x < 3:", "    x = x + 1") == ""
    assert repl.prompt == "... "
    assert feed(repl, "") == ""
    assert repl.prompt == ">>> "
    assert feed(repl, "x") == "3\n"


def test_open_bracket_continues_until_closed(repl):
    feed(repl, "y = (1 +")
    assert repl.prompt == "... "
    assert feed(repl, "2)", "y") == "3\n"


def test_bare_expression_echoes_tensors_like_pytorch(repl):
    out = feed(repl, "x = tensor([1.0, 2.0], requires_grad=True)", "x * 2", "None")
    assert out == "tensor([2., 4.], grad_fn=<MulBackward0>)\n"


def test_errors_are_reported_and_the_session_goes_on(repl):
    feed(repl, "a = 1", "b = (a + * 2)", "print(a)")
    assert repl.buf.getvalue() == "1\n"
    assert repl.err.getvalue().startswith("<repl>:1:10: SyntaxError")


def test_indent_prefill(repl):
    feed(repl, "def f(x):")
    assert repl.indent() == "    "
    feed(repl, "    if x > 0:")
    assert repl.indent() == "        "
    repl.cancel()
    assert repl.prompt == ">>> " and repl.indent() == ""


def test_colon_commands(repl):
    feed(repl, "x = tensor(2.0, requires_grad=True)", "y = x * x", "n = 3", ":vars")
    assert repl.buf.getvalue() == (
        "name  shape  value  grad  grad_fn\n"
        "----  -----  -----  ----  ------------\n"
        "x     ()     2.     -     leaf\n"
        "y     ()     4.     -     MulBackward0\n"
        "n = 3\n")
    repl.buf.truncate(0), repl.buf.seek(0)
    feed(repl, ":graph y")
    assert repl.buf.getvalue() == ("y: MulBackward0 () [n0]\n"
                                   "├── x: AccumulateGrad () [n1]\n"
                                   "└── -> [n1] x: AccumulateGrad (shown above)\n")
    repl.buf.truncate(0), repl.buf.seek(0)
    feed(repl, ":reset", ":vars", ":nope", ":graph")
    assert repl.buf.getvalue() == ("(all variables forgotten)\n(no variables)\n"
                                   "unknown command :nope; :help lists them\nusage: :graph NAME\n")
    feed(repl, ":help")
    assert ":graph NAME" in repl.buf.getvalue()
    assert not repl.done
    feed(repl, ":quit")
    assert repl.done


def test_graph_of_unknown_name_is_an_error_not_a_crash(repl):
    feed(repl, ":graph nope")
    assert "NameError" in repl.err.getvalue()


def test_completion_of_names_and_attributes(repl):
    feed(repl, "weights = tensor([1.0], requires_grad=True)")
    names = [c for c, _ in completions(repl.session, "y = wei")]
    assert names == ["weights"]
    attrs = dict(completions(repl.session, "weights.gr"))
    assert {"grad", "grad_fn"} <= set(attrs) and attrs["grad"] == -2
    assert all(not a.startswith("_") for a, _ in completions(repl.session, "weights."))
    assert "tensor" in [c for c, _ in completions(repl.session, "ten")]
    assert completions(repl.session, "nothing_here.") == []


def test_history_path(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert history_path() == str(tmp_path / "gradcli" / "history")
    monkeypatch.delenv("XDG_DATA_HOME")
    assert history_path().endswith(os.path.join(".local", "share", "gradcli", "history"))


def test_plain_front_end_when_stdin_is_not_a_terminal():
    source = "x = 0\nwhile x < 3:\n    x = x + 1\n\nx\n:vars\ny = (1 +\n2)\ny\n"
    r = CliRunner().invoke(cli, ["repl"], input=source)
    assert r.exit_code == 0
    assert r.stdout == "3\nx = 3\n3\n"


def test_plain_front_end_runs_an_unfinished_block_at_eof():
    r = CliRunner().invoke(cli, ["repl"], input="for i in range(2):\n    print(i)")
    assert (r.exit_code, r.stdout) == (0, "0\n1\n")


# ----------------------------------------------------------------- a real terminal

pexpect = pytest.importorskip("pexpect")
ANSI = re.compile(r"\x1b\[[0-9;?]*[a-zA-Z]")


def spawn(tmp_path):
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path), NO_COLOR="1", TERM="xterm",
               PROMPT_TOOLKIT_NO_CPR="1")
    return pexpect.spawn(sys.executable, ["-m", "gradcli", "repl"], env=env, encoding="utf-8",
                         timeout=30, dimensions=(24, 100))


def test_terminal_block_and_ctrl_c_keep_variables(tmp_path):
    c = spawn(tmp_path)
    c.expect(">>>")
    c.sendline("x = 0")
    c.expect(">>>")
    c.sendline("while x < 3:")
    c.expect(r"\.\.\.")
    c.sendline("x = x + 1")             # the continuation line is pre-filled with the indent
    c.expect(r"\.\.\.")
    c.sendline("")
    c.expect(">>>")
    c.sendline("while True: pass")
    c.expect(r"\.\.\.")
    c.sendline("")
    time.sleep(0.5)
    c.sendintr()                          # Ctrl-C stops the loop ...
    c.expect("Interrupted")
    c.expect(">>>")
    c.sendline("print(x * 10)")           # ... and x is still 3
    c.expect("30")
    c.expect(">>>")
    c.sendline("abc = (1 +")
    c.expect(r"\.\.\.")
    c.sendintr()                          # Ctrl-C cancels the line being typed
    c.expect(">>>")
    c.sendeof()                           # Ctrl-D leaves
    c.expect(pexpect.EOF)
    c.close()
    assert c.exitstatus == 0


def test_terminal_history_persists_across_sessions(tmp_path):
    c = spawn(tmp_path)
    c.expect(">>>")
    c.sendline("marker = 41 + 1")
    c.expect(">>>")
    c.sendline(":quit")
    c.expect(pexpect.EOF)
    c.close()
    assert "marker = 41 + 1" in (tmp_path / "gradcli" / "history").read_text()
    c = spawn(tmp_path)
    c.expect(">>>")
    time.sleep(1.0)                       # prompt_toolkit loads the history file in a thread
    c.send("\x1b[A")                      # Up, Up: past ':quit' to the line before it
    time.sleep(0.2)
    c.send("\x1b[A")
    c.expect("marker = 41")
    c.send("\r")
    c.expect(">>>")
    c.sendline("marker")
    c.expect("42")
    c.expect(">>>")
    c.sendline(":quit")
    c.expect(pexpect.EOF)


def test_no_subcommand_on_a_terminal_opens_the_repl(tmp_path):
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path), NO_COLOR="1", TERM="xterm",
               PROMPT_TOOLKIT_NO_CPR="1")
    c = pexpect.spawn(sys.executable, ["-m", "gradcli"], env=env, encoding="utf-8", timeout=30,
                      dimensions=(24, 100))
    c.expect(">>>")
    c.sendline("tensor([1.0, 2.0]) * 2")
    c.expect(r"tensor\(\[2\., 4\.\]\)")
    c.expect(">>>")
    c.sendeof()
    c.expect(pexpect.EOF)



def test_plain_front_end_json():
    import json
    r = CliRunner().invoke(cli, ["repl", "--format", "json"], input="x = 2\nprint(x)\nx * 3\n")
    assert [json.loads(line) for line in r.stdout.splitlines()] == [
        {"event": "print", "text": "2", "values": [2]},
        {"event": "value", "text": "6", "value": 6}]


# ----------------------------------------------------------------- Python's REPL words

def _until(c, marker):
    c.expect(marker)
    return ANSI.sub("", c.before)


@pytest.mark.parametrize("word", ["exit", "quit", "exit()", "quit()"])
def test_terminal_exit_and_quit_leave(tmp_path, word):
    c = spawn(tmp_path)
    c.expect(">>>")
    c.sendline(word)
    c.expect(pexpect.EOF)
    c.close()
    assert c.exitstatus == 0
    assert "NameError" not in ANSI.sub("", c.before)


@pytest.mark.parametrize("word", ["help", "help()"])
def test_terminal_help_shows_the_commands(tmp_path, word):
    c = spawn(tmp_path)
    c.expect(">>>")
    c.sendline(word)
    text = _until(c, "the shell has more")
    assert ":vars" in text and "exit" in text and "NameError" not in text
    c.sendline("exit")
    c.expect(pexpect.EOF)


def test_a_variable_named_exit_wins(repl):
    assert feed(repl, "exit = 5", "exit") == "5\n"
    assert not repl.done
    feed(repl, "quit")
    assert repl.done


def test_terminal_interrupted_loop_keeps_partial_updates_and_says_so_once(tmp_path):
    """As in Python: the assignments a loop made before Ctrl-C stay (docs/cli.md)."""
    c = spawn(tmp_path)
    c.expect(">>>")
    c.sendline("i = 0")
    c.expect(">>>")
    c.sendline("while True:")
    c.expect(r"\.\.\.")
    c.sendline("i = i + 1")
    c.expect(r"\.\.\.")
    c.sendline("")
    time.sleep(1.0)
    c.sendintr()
    text = _until(c, r"\^\r\n")              # the caret under the place it stopped
    c.sendline("i > 1000")
    text += _until(c, "True")
    assert text.count("Interrupted") == 1 and text.lower().count("interrupt") == 1, text
    c.expect(">>>")
    c.sendline("quit()")
    c.expect(pexpect.EOF)
