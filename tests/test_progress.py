"""The status line of long runs: on a terminal's stderr after a second, erased
before every print and at the end; never in pipes or JSON mode."""
import io
import os
import re
import subprocess
import sys
import time

import pytest

from gradcli.render.output import Output
from gradcli.render.progress import CLEAR, Progress

pexpect = pytest.importorskip("pexpect")

LOOP = "x = ones(1000)\ni = 0\nwhile True:\n    x = x + 1\n    i = i + 1\n    if i % 3000 == 0:\n        print('tick', i)\n"


def gradcli(tmp_path, *args):
    script = tmp_path / "loop.gx"
    script.write_text(LOOP)
    env = dict(os.environ, NO_COLOR="1", XDG_CACHE_HOME=str(tmp_path / "cache"))
    c = pexpect.spawn(sys.executable, ["-m", "gradcli", "run", str(script), *args], env=env,
                      encoding="utf-8", timeout=30, dimensions=(24, 120))
    c.expect(pexpect.EOF)
    c.close()
    return c.before, c.exitstatus


def test_long_run_on_a_terminal_shows_steps_elapsed_and_limit(tmp_path):
    text, status = gradcli(tmp_path, "--timeout", "2.5")
    assert status == 1 and "time limit of 2.5 s exceeded" in text
    lines = re.findall(r"gradcli: running loop\.gx · ([\d,]+) steps · ([\d.]+) s · time limit "
                       r"2\.5 s \(--timeout\)", text)
    assert len(lines) >= 3
    steps = [int(s.replace(",", "")) for s, _ in lines]
    elapsed = [float(e) for _, e in lines]
    assert steps == sorted(steps) and steps[-1] > steps[0]
    assert 1.0 <= elapsed[0] < elapsed[-1] <= 2.5 + 2.0    # the clock includes start-up
    # erased before each print and at the end: a print never follows the status text
    assert "tick" in text and not re.search(r"\(--timeout\)[^\r\x1b]", text)
    before_error = text.split(str(tmp_path))[-2]
    assert before_error.endswith((CLEAR, "\n"))     # the message starts on a clean line


def test_no_limits_says_there_is_none(tmp_path):
    script = tmp_path / "short.gx"
    script.write_text("x = ones(1000)\nfor i in range(40000):\n    x = x + 1\nprint('done')\n")
    env = dict(os.environ, NO_COLOR="1", XDG_CACHE_HOME=str(tmp_path / "cache"))
    start = time.monotonic()
    c = pexpect.spawn(sys.executable, ["-m", "gradcli", "run", str(script), "--no-limits"],
                      env=env, encoding="utf-8", timeout=60, dimensions=(24, 120))
    c.expect(pexpect.EOF)
    if time.monotonic() - start < 1.6:
        pytest.skip("this machine ran it in under a second")
    assert "s · no time limit" in c.before and "done" in c.before


def test_json_mode_on_a_terminal_has_no_status_line(tmp_path):
    text, _ = gradcli(tmp_path, "--timeout", "1.6", "--format", "json")
    assert "gradcli: running" not in text and '"event": "print"' in text


def test_pipes_never_get_a_status_line(tmp_path):
    script = tmp_path / "loop.gx"
    script.write_text(LOOP)
    r = subprocess.run([sys.executable, "-m", "gradcli", "run", str(script), "--timeout", "1.6"],
                       capture_output=True, text=True, env=dict(os.environ, NO_COLOR="1"))
    assert r.returncode == 1 and "gradcli: running" not in r.stderr + r.stdout
    assert r.stderr.startswith(str(script))


def test_quick_runs_show_nothing(tmp_path):
    script = tmp_path / "quick.gx"
    script.write_text("print(1 + 1)\n")
    env = dict(os.environ, NO_COLOR="1", XDG_CACHE_HOME=str(tmp_path / "cache"))
    for _ in range(2):                  # the first run fills the parse cache
        start = time.monotonic()
        c = pexpect.spawn(sys.executable, ["-m", "gradcli", "run", str(script)], env=env,
                          encoding="utf-8", timeout=30)
        c.expect(pexpect.EOF)
    if time.monotonic() - start > 0.8:
        pytest.skip("the machine is too busy for a run under a second")
    assert c.before.strip() == "2" and "\x1b[K" not in c.before


class Tty(io.StringIO):
    def isatty(self):
        return True


def test_counts_against_a_total_and_erases_at_the_end():
    err = Tty()
    out = Output("plain", out=io.StringIO(), err=err)
    done = []
    with Progress(out, "sampling sin(x)", steps=lambda: len(done), total=200, timeout=None,
                  delay=0.05):
        for _ in range(120):
            done.append(1)
        time.sleep(0.35)
        out.print_event(type("E", (), {"text": "hello", "values": []})())
        time.sleep(0.3)
    text = err.getvalue()
    assert "gradcli: sampling sin(x) · 120/200 · " in text and "no time limit" in text
    assert text.endswith(CLEAR) and out.pause is None
    assert out.out.getvalue() == "hello\n"
