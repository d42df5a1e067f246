"""Every row of ../shared/HOSTILE.md, end to end through Session.run.

Outcomes: SYN (GxSyntaxError, or a limit found before running, exit 2 / 1),
SEC (GxSecurityError), RES (GxLimitError naming its option), RT (a runtime error,
exit 1), NUM (a NaN/inf: a positioned warning, GxNumericError under strict), OK.
Limits are lowered where the row only needs *a* limit to trip, so the table runs
in seconds; test_default_limits_* check the defaults themselves on the cheap rows.
"""
import _thread
import json
import threading
import time

import pytest

from gradcli.lang.errors import (GxError, GxInterrupt, GxLimitError, GxNumericError,
                                 GxSecurityError, GxSyntaxError, format_error)
from gradcli.session import Limits, Options, Session

FAST = Limits(max_steps=200_000, max_graph=20_000, max_flops=1e10, timeout=20)

X = "x = tensor([1., 2.], requires_grad=True)\n"

# (row, source, outcome, kind-or-None, (line, col) or None, text in the message)
ROWS = [
    ("S1", X + "x.__class__\n", "SEC", None, (2, 2), "'_'"),
    ("S2", X + "x.__class__.__base__.__subclasses__()\n", "SEC", None, (2, 2), "__class__"),
    ("S3", X + "x.grad_fn.__globals__\n", "SEC", None, (2, 10), "__globals__"),
    ("S4", X + "x.backward.__self__\n", "SEC", None, (2, 11), "__self__"),
    ("S5", '__import__("os").system("id")\n', "SEC", None, (1, 1), "__import__"),
    ("S6 getattr", X + 'getattr(x, "__class__")\n', "RT", "NameError", (2, 1), "not defined"),
    ("S6 eval", 'eval("1")\n', "RT", "NameError", (1, 1), "not defined"),
    ("S6 exec", 'exec("1")\n', "RT", "NameError", (1, 1), "not defined"),
    ("S6 open", 'open("/etc/passwd")\n', "RT", "NameError", (1, 1), "not defined"),
    ("S7", X + '"{0.__class__}".format(x)\n', "SEC", None, (2, 17), "format"),
    ("S8 ctypes", X + "x.data.ctypes\n", "SEC", None, (2, 8), "ctypes"),
    ("S8 tofile", X + 'x.data.tofile("/tmp/pwn")\n', "SEC", None, (2, 8), "tofile"),
    ("S8 array_interface", X + "x.data.__array_interface__\n", "SEC", None, (2, 7), "'_'"),
    ("S9", 'np.load("evil.npy", allow_pickle=True)\n', "RT", "NameError", (1, 1), "'np'"),
    ("S10 type", X + "type(x)\n", "RT", "NameError", (2, 1), "not defined"),
    ("S10 __call__", X + "y = x * 2\ny.grad_fn.next_functions[0][0].__call__\n", "SEC", None,
     (3, 31), "__call__"),
    ("S11 raise", "raise SystemExit(0)\n", "SYN", None, (1, 1), ""),
    ("S11 exit", "exit()\n", "RT", "NameError", (1, 1), "not defined"),
    ("S11 quit", "quit()\n", "RT", "NameError", (1, 1), "not defined"),
    ("S12 import", "import os\n", "SYN", None, (1, 8), "os"),
    ("S12 from", "from os import system\n", "SYN", None, (1, 1), "os"),
    ("R1", "y = 10 ** 10 ** 10\n", "NUM", None, (1, 8), "'**'"),
    ("R2", "ones(10 ** 12)\n", "RES", None, (1, 1), "10^12 elements exceeds"),
    ("R3", "ones((100000, 100000))\n", "RES", None, (1, 1), "10^10 elements"),
    ("R4 negative", "ones(-1)\n", "RT", "ValueError", (1, 1), "non-negative integer"),
    ("R4 float", "ones(1.5)\n", "RT", "ValueError", (1, 1), "non-negative integer"),
    ("R4 huge", "ones(1e308)\n", "RT", "ValueError", (1, 1), "non-negative integer"),
    ("R5", "a = ones((3000, 3000))\nfor i in range(1000):\n    a = a @ a\n", "RES", None,
     (3, 11), "--max-flops"),
    ("R6", "while True:\n    pass\n", "RES", None, (1, 1), "--max-steps"),
    ("R7", "for i in range(10 ** 12):\n    pass\n", "RES", None, (1, 1), "--max-steps"),
    ("R8", "def f(n): return f(n + 1)\nf(0)\n", "RES", None, (1, 18), "call depth 200"),
    ("R9", "x = tensor(1., requires_grad=True)\ny = x\nfor i in range(10 ** 7):\n"
     "    y = y * 1.0001\n", "RES", None, (3, 1), "graph larger than"),
    ("R10 parens", "x = " + "(" * 10_000 + "1" + ")" * 10_000 + "\n", "SYN", None, None,
     "nest"),
    ("R10 lists", "x = " + "[" * 5_000 + "1" + "]" * 5_000 + "\n", "SYN", None, None, "nest"),
    ("R10 calls", "x = " + "f(" * 5_000 + "1" + ")" * 5_000 + "\n", "SYN", None, None, "nest"),
    ("R11", "x = " + "-" * 100_000 + "1\n", "SYN", None, None, "nest"),
    ("R12", "x = " + "+".join(["1"] * 200_000) + "\n", "SYN", None, None, "128 KiB"),
    ("R13", "x = 1\nl = [x]\nfor i in range(40):\n    l = l + l\n", "RES", None, (4, 11),
     "--max-list"),
    ("P1", "if x > 0:\n", "SYN", None, (2, 1), "indented block"),
    ("P2", "if x:\n\ty = 1\n        z = 2\n", "SYN", None, (3, 1), "tab"),
    ("P3", "if x:\n        y = 1\n    z = 2\n", "SYN", None, (3, 5), "unindent"),
    ("P4", "y = (1 +\n", "SYN", None, None, "never closed"),
    ("P5", "x = 1)\n", "SYN", None, (1, 6), ")"),
    ("P6 nbsp", "if x:\n\u00a0\u00a0y = 1\n", "SYN", None, (2, 1), "U+00A0"),
    ("P6 zwsp", "x\u200b = 1\n", "SYN", None, (1, 2), "U+200B"),
    ("P7", "\u0430 = 1\n", "SYN", None, (1, 1), "non-ASCII"),
    ("P8", "x = 1  # \u202e } \u2066\n", "SYN", None, None, "U+202E"),
    ("P9", "x = 1\x00\n", "SYN", None, (1, 6), "NUL"),
    ("P10", b"x = \xff\n", "SYN", None, (1, 5), "UTF-8"),
    ("P11 bom crlf", "\ufeffx = 1\r\ny = x + 1\r\nassert y == 2", "OK", None, None, ""),
    ("P11 cr", "x = 1\ry = x + 1\rassert y == 2\r", "OK", None, None, ""),
    ("P12", "x = 1 $ 2\n", "SYN", None, (1, 7), "$"),
    ("N1", "x = Variable(0.0, requires_grad=True); y = sqrt(x); y.backward()\n"
     "assert x.grad.item() == inf\n", "NUM", None, (1, 44), "sqrt"),
    ("N2", "y = log(Variable(-1.0))\n", "NUM", None, (1, 5), "log"),
    ("N3", "x = Variable([0.0, 0.0], requires_grad=True)\nnorm(x).backward()\n"
     "assert x.grad.tolist() == [0., 0.]\n", "OK", None, None, ""),
    ("N4", "y = (-8.0) ** (1 / 3)\nassert y != y\n", "NUM", None, (1, 12), "NaN"),
    ("N5 inf", "y = 1 / 0\nassert y == inf\n", "NUM", None, (1, 7), "division by zero"),
    ("N5 nan", "y = 0 / 0\nassert y != y\n", "NUM", None, (1, 7), "NaN"),
    ("N6", "x = Variable([1000.0, 1001.0], requires_grad=True)\ny = softmax(x)\n"
     "assert allclose(y, [0.2689414213699951, 0.7310585786300049])\ny[1].backward()\n"
     "assert allclose(x.grad, [-0.19661193324148185, 0.19661193324148185])\n", "OK", None, None,
     ""),
    ("N8", "ones(3) + ones(4)\n", "RT", "ShapeError", (1, 9), "cannot broadcast (3,) and (4,)"),
    ("N9", "ones((2, 3)) @ ones((2, 3))\n", "RT", "ShapeError", (1, 14), "3 != 2"),
    ("N10", "x = tensor(2., requires_grad=True)\ny = x * x; y.backward(); y.backward()\n",
     "RT", "RuntimeError", (2, 26), "retain_graph=True"),
    ("N11", "x = Variable(ones(3), requires_grad=True); (x * 2).backward()\n", "RT",
     "RuntimeError", (1, 45), "only for scalar outputs"),
    ("N12", "x = Variable([1., 2.], requires_grad=True); y = x * 2; z = y * y\ny.add_(1); "
     "z.sum().backward()\n", "RT", "RuntimeError", (2, 12),
     "which is output 0 of Add, is at version 1; expected version 0"),
]


def _run(src, strict=False, limits=FAST):
    out, warns = [], []
    s = Session(Options(strict=strict, limits=limits), on_print=out.append,
                on_warning=warns.append)
    s.run(src, "h.gx")
    return s, out, warns


@pytest.mark.parametrize("row,src,outcome,kind,pos,text", ROWS, ids=[r[0] for r in ROWS])
def test_hostile_row(row, src, outcome, kind, pos, text):
    if outcome == "OK":
        _, _, warns = _run(src)
        return
    if outcome == "NUM":
        _, _, warns = _run(src)               # by default: a warning, the run succeeds
        assert warns, "expected a NaN/inf warning"
        w = warns[0]
        assert text in w.message
        if pos:
            assert (w.line, w.col) == pos, str(w)
        assert w.source_line is not None
        with pytest.raises(GxNumericError) as ei:   # --strict: an error at the same place
            _run(src, strict=True)
        assert text in ei.value.message and ei.value.exit_code == 1
        if pos:
            assert (ei.value.line, ei.value.col) == pos
        return
    with pytest.raises(GxError) as ei:
        _run(src)
    e = ei.value
    msg = format_error(e)
    assert "Traceback" not in msg
    if outcome == "SYN":
        assert isinstance(e, (GxSyntaxError, GxLimitError, GxSecurityError)), msg
        assert e.exit_code in (1, 2)
        if isinstance(e, GxSyntaxError):
            assert e.exit_code == 2
    elif outcome == "SEC":
        assert isinstance(e, GxSecurityError), msg
    elif outcome == "RES":
        assert isinstance(e, GxLimitError), msg
        assert "--" in e.message, "a limit names the option that raises it"
        assert e.exit_code == 1
    elif outcome == "RT":
        assert e.exit_code == 1, msg
        if kind:
            assert e.kind == kind, msg
    if pos:
        assert (e.line, e.col) == pos, msg
    assert text in e.message, msg
    assert e.filename == "h.gx"


def test_N7_logsumexp_of_minus_inf():
    s, _, warns = _run("x = Variable([-inf, -inf], requires_grad=True)\ny = logsumexp(x)\n"
                       "y.backward()\n")
    assert s.variables["y"].item() == float("-inf")
    assert s.variables["x"].grad.tolist() == [0.0, 0.0]
    # -inf is an infinity: a warning naming logsumexp (the first op the given -inf
    # reaches), none from the backward pass
    assert [w.message for w in warns] == ["'logsumexp' produced -inf: an operand was already "
                                          "infinite"]


def test_S9_with_import_cannot_unpickle():
    with pytest.raises(GxError) as ei:
        _run('import numpy as np\nnp.load("evil.npy", allow_pickle=True)\n')
    assert ei.value.kind == "TypeError" and "allow_pickle" in ei.value.message


def test_S11_host_keeps_running():
    for src in ("exit()\n", "quit()\n"):
        with pytest.raises(GxError):
            _run(src)
    # still here


def test_default_limits_steps_and_depth():
    with pytest.raises(GxLimitError) as ei:
        _run("for i in range(10 ** 12):\n    pass\n", limits=Limits())
    assert "step limit of 10^7" in ei.value.message and "--max-steps" in ei.value.message
    with pytest.raises(GxLimitError) as ei:
        _run("def f(n): return f(n + 1)\nf(0)\n", limits=Limits())
    assert "call depth 200" in ei.value.message and (ei.value.line, ei.value.col) == (1, 18)


def test_default_limits_sizes():
    lim = Limits()
    assert lim.max_elements == 10 ** 7 and lim.max_source == 128 * 1024
    with pytest.raises(GxLimitError) as ei:
        _run("ones(10 ** 12)\n", limits=lim)
    assert "10^12" in ei.value.message and "--max-elements" in ei.value.message
    with pytest.raises(GxLimitError):
        _run("a = [0] * 10 ** 9\n", limits=lim)
    with pytest.raises(GxLimitError):
        _run("s = 'ab' * 10 ** 9\n", limits=lim)
    with pytest.raises(GxLimitError):
        _run("x = tensor([[0.] * 100000] * 1000)\n", limits=Limits(max_elements=10 ** 6))


def test_timeout_checked_in_slow_loops():
    t = time.monotonic()
    with pytest.raises(GxLimitError) as ei:
        _run("a = ones((400, 400))\nwhile True:\n    a = a @ a * 0.0\n",
             limits=Limits(timeout=0.5))
    assert "--timeout" in ei.value.message
    assert time.monotonic() - t < 5


def test_I1_interrupt_keeps_bindings():
    s = Session(Options(limits=Limits(timeout=30)))
    s.exec_interactive("a = 1\n")
    timer = threading.Timer(0.3, _thread.interrupt_main)
    timer.start()
    try:
        with pytest.raises(GxInterrupt) as ei:
            s.exec_interactive("b = 2\nwhile True:\n    a = a + 1\n")
    finally:
        timer.cancel()
    assert ei.value.exit_code == 130
    assert s.variables["b"] == 2
    assert s.variables["a"] >= 1
    # the session still works
    assert s.exec_interactive("a * 0 + 7\n") == (True, 7)


def test_self_nested_list_prints_within_a_budget():
    with pytest.raises(GxLimitError) as ei:
        _run("l = [0]\nfor i in range(40):\n    l = [l, l]\nprint(l)\n")
    assert ei.value.line == 4 and "--max-list" in ei.value.message


# ---------------------------------------------------------------- mutation fuzz

_TOKENS = ["x", "y", "(", ")", "[", "]", "+", "*", "**", "@", "-", ".", ",", "0", "1.5",
           "'s'", "None", "True", "grad", "backward()", ".data", ".grad", "tensor([1.,2.])",
           "ones(2)", ":", "\n", "    ", "=", "+=", "sum", "[0]", "max", "len", "range(3)",
           "def f(a):\n    return f(a)\n", "f(", "with no_grad():\n    ", "for i in ",
           "while ", "break", "print(", "history(", "%", "//", "/", "0/0", "inf", "nan",
           "l = [l, l]", "'%s' %", "x.data[0] = ", "w.grad = None", "import torch\n"]


def test_mutated_scripts_end_in_gx_errors_only():
    """Acceptance scripts with random token edits, under tight limits: each run ends in
    success or a GxError with a position; no other exception, no hang."""
    import random
    from conftest import shared
    srcs = [p.read_text() for p in sorted(shared("acceptance").glob("*.gx"))]
    if not srcs:
        pytest.skip("no acceptance scripts")
    rnd = random.Random(1234)
    lim = Limits(max_steps=5_000, timeout=2, max_elements=10 ** 5, max_list=10 ** 4)
    for _ in range(300):
        parts = rnd.choice(srcs).split(" ")
        for _ in range(rnd.randint(1, 4)):
            i = rnd.randrange(len(parts))
            op = rnd.random()
            if op < 0.4:
                parts[i] = rnd.choice(_TOKENS)
            elif op < 0.7:
                parts.insert(i, rnd.choice(_TOKENS))
            elif len(parts) > 1:
                del parts[i]
        src = " ".join(parts)
        s = Session(Options(limits=lim), on_print=lambda e: None, on_warning=lambda w: None)
        try:
            s.run(src, "m.gx")
        except GxError as e:
            assert e.line is not None, (src, str(e))


def test_exponentially_shared_lists_compare_within_a_budget():
    with pytest.raises(GxLimitError) as ei:
        _run("a = [0]\nb = [0]\nfor i in range(40):\n    a = [a, a]\n    b = [b, b]\n"
             "c = a == b\n")
    assert ei.value.line == 6 and "--max-list" in ei.value.message


def test_list_equality_keeps_python_semantics():
    s, _, _ = _run("r = ([1, [2, 3]] == [1, [2, 3]], [1, 2] == [1, 3], [1] == (1,), "
                   "(1, 2) != (1, 2), [1, 2] in [[1, 2]], 3 in [1, 3], [1] not in [[2]])\n")
    assert s.variables["r"] == (True, False, False, False, True, True, True)


# ======================================================================================
# Issue 9: limits that cannot be walked around. Each class runs as real processes with
# small limits; every case must end within --timeout + 1 s (plus start-up), with one
# message, its documented exit status, no traceback, no "internal error", no signal.

import json as _json
import os as _os
import signal as _signal
import subprocess as _sp
import sys as _sys

_GRADCLI = [_sys.executable, "-m", "gradcli"]


class Proc:
    def __init__(self, rc, out, err, seconds, rss):
        self.rc, self.out, self.err, self.seconds, self.rss = rc, out, err, seconds, rss

    def clean(self, rc, *texts):
        """The documented status, one message, no traceback, no internal error."""
        assert self.rc == rc, (self.rc, self.err[-2000:])
        for bad in ("Traceback", "internal error", "Exception ignored", "Fatal Python"):
            assert bad not in self.err, self.err[-2000:]
        for t in texts:
            assert t in self.err, self.err[-2000:]
        return self


def _gx(tmp_path, args, src=None, name="h.gx", stdin=None, stdout=None, wait=30, env=None):
    """gradcli as a process in tmp_path (its own parse cache); src is written to name."""
    if src is not None:
        (tmp_path / name).write_text(src)
    e = dict(_os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"), NO_COLOR="1")
    e.update(env or {})
    t = time.monotonic()
    p = _sp.Popen(_GRADCLI + list(args), cwd=tmp_path, env=e,
                  stdin=stdin if stdin is not None else _sp.DEVNULL,
                  stdout=stdout if stdout is not None else _sp.PIPE, stderr=_sp.PIPE)
    try:
        out, err = p.communicate(timeout=wait)
    except _sp.TimeoutExpired:
        p.kill()
        p.communicate()
        raise AssertionError(f"gradcli {args} did not end within {wait} s")
    seconds = time.monotonic() - t
    return Proc(p.returncode, (out or b"").decode(errors="replace"),
                err.decode(errors="replace"), seconds, None)


START = 3.0     # a process's own start-up and teardown on a loaded 2-core machine


# ---------------------------------------------------------------- time: one preemptive clock

TIME_CASES = [
    # straight-line statements, each a long built-in (no back-edge, no call of a script)
    ("inv lines", "a = ones((900, 900)) + eye(900)\n" + "b = inv(a)\n" * 400),
    ("matmul lines", "a = ones((700, 700))\n" + "b = a @ a\n" * 400),
    # each case takes several seconds without a limit on an idle machine (fancy index: ~5 s)
    ("fancy index lines", "i = arange(2000) % 7\na = ones((2000, 500))\n" + "b = a[i] + 1\n" * 2000),
    ("gradcheck columns", "x = rand(20000, requires_grad=True)\n"
                          "def f(x):\n    return (x * x).sum()\ngradcheck(f, x)\n"),
    ("backward walk", "x = tensor(1., requires_grad=True)\ny = x\n"
                      "for i in range(5000):\n    y = y * 1.0001\n" + "y.backward(retain_graph=True)\n" * 3000),
    ("one long expression", "a = ones((900, 900))\nb = " + " @ ".join(["a"] * 300) + "\n"),
]


def test_jsonl_stream_gives_each_point_its_own_timeout(tmp_path):
    # a stage runs as long as its input lasts: a stream longer than --timeout whose
    # points are each fast is never cut; --timeout bounds each evaluation
    e = dict(_os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"))
    p = _sp.Popen(_GRADCLI + ["grad", "x**2", "--jsonl", "--timeout", "0.5"], env=e,
                  stdin=_sp.PIPE, stdout=_sp.PIPE, stderr=_sp.PIPE, text=True)
    t = time.monotonic()
    for k in range(6):                          # 6 points over ~1.8 s, 3.6 timeouts
        p.stdin.write(f'{{"x": {k}}}\n')
        p.stdin.flush()
        time.sleep(0.3)
    out, err = p.communicate(timeout=30)
    assert time.monotonic() - t > 1.5
    assert p.returncode == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["grad"]["x"] for r in rows] == [2.0 * k for k in range(6)]


def test_jsonl_stream_stops_a_slow_point(tmp_path):
    # each point whose evaluation outlives --timeout is stopped at its own deadline and
    # reported as that line's LimitError record; the stage goes on, then exits 1
    slow = "sum(" + " + ".join(["eye(1500) * x"] * 300) + ")"    # ~900 ops on 2.25M elements
    e = dict(_os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"))
    t = time.monotonic()
    r = _sp.run(_GRADCLI + ["grad", slow, "--jsonl", "--timeout", "0.3"], env=e,
                input='{"x": 1}\n{"x": 2}\n', capture_output=True, text=True, timeout=60)
    assert time.monotonic() - t < 2 * (0.3 + 1) + START
    assert r.returncode == 1, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert [row["line"] for row in rows] == [1, 2]
    for row in rows:
        assert row["error"]["kind"] == "LimitError"
        assert "time limit of 0.3 s" in row["error"]["message"]
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("name,src", TIME_CASES, ids=[c[0] for c in TIME_CASES])
def test_deadline_fires_inside_statements(tmp_path, name, src):
    p = _gx(tmp_path, ["run", "--timeout", "1", "--max-flops", "1e15", "--max-graph", "10000000",
                       "h.gx"], src)
    p.clean(1, "--timeout", "h.gx:")
    assert p.seconds < 1 + 1 + START, p.seconds


def test_deadline_is_one_clock_for_all_reruns_of_check(tmp_path):
    # each run does 6 GFLOP (~0.1 s on this project's 2-core machines, 3.7 s for the 41 runs
    # of the whole check when idle): with a clock per run, no run alone would pass 1 s
    src = ("x = tensor([1.] * 20, requires_grad=True)\na = ones((1000, 1000))\n"
           "b = a @ a @ a @ a\ny = (x * x).sum()\n")
    p = _gx(tmp_path, ["check", "h.gx", "--timeout", "1"], src)
    p.clean(1, "--timeout")
    assert p.seconds < 1 + 1 + START


def test_deadline_is_one_clock_for_all_points_of_plot(tmp_path):
    expr = "sum(ones((500, 500)) @ ones((500, 500))) * x"
    p = _gx(tmp_path, ["plot", expr, "--points", "2000", "--timeout", "1", "--format", "plain"])
    p.clean(1, "--timeout")
    assert p.seconds < 1 + 1 + START


def test_watchdog_ends_a_native_call_that_outlives_the_deadline(tmp_path):
    # one LAPACK call that takes seconds here: the signal waits for it, the watchdog not
    src = "a = rand(2500, 2500) + eye(2500)\nb = inv(a)\nb = inv(b)\nb = inv(b)\n"
    p = _gx(tmp_path, ["run", "--timeout", "0.3", "--max-flops", "1e15", "h.gx"], src)
    p.clean(1, "LimitError", "time limit of 0.3 s exceeded")
    assert p.seconds < 0.3 + 1 + START


@pytest.mark.parametrize("sig,rc", [(_signal.SIGINT, 130), (_signal.SIGTERM, 130)])
def test_interrupt_and_terminate_end_with_a_message(tmp_path, sig, rc):
    (tmp_path / "h.gx").write_text("a = ones((300, 300))\nwhile True:\n    a = a @ a * 0.0\n")
    e = dict(_os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"))
    p = _sp.Popen(_GRADCLI + ["run", "h.gx"], cwd=tmp_path, env=e, stdout=_sp.PIPE,
                  stderr=_sp.PIPE)
    time.sleep(1.5)
    p.send_signal(sig)
    out, err = p.communicate(timeout=10)
    assert p.returncode == rc, err
    assert b"Traceback" not in err and b"nterrupt" in err


# ---------------------------------------------------------------- work and memory: one budget

BUDGET_CASES = [
    ("where three-way broadcast", "a = ones((600, 1, 1))\nb = ones((1, 600, 1))\n"
                                  "c = ones((1, 1, 600))\nd = where(a > 0, b, c)\n", "--max-elements"),
    ("clamp three-way broadcast", "a = ones((600, 1, 1))\nb = ones((1, 600, 1))\n"
                                  "c = ones((1, 1, 600))\nd = clamp(a, b, c)\n", "--max-elements"),
    ("advanced index broadcast", "m = ones((10, 10))\nr = arange(20000).reshape(20000, 1) % 10\n"
                                 "c = arange(20000).reshape(1, 20000) % 10\ny = m[r, c]\n",
     "--max-elements"),
    ("boolean masks", "m = ones((3000, 3000))\n" + "".join(f"k{i} = m[m > 0]\n" for i in range(6)),
     "--max-memory"),
    ("many straight-line tensors", "".join(f"x{i} = ones(10 ** 7)\n" for i in range(40)),
     "--max-memory"),
    ("inv beyond the flops", "a = ones((3000, 3000)) + eye(3000)\nb = inv(a)\n", "--max-flops"),
    ("det of a singular matrix, backward", "a = ones((250, 250)).tolist()\n"
     "a = tensor(a, requires_grad=True)\nd = det(a)\nd.backward()\n", "--max-flops"),
    ("solve beyond the flops", "a = eye(3000)\nb = ones((3000, 3000))\nx = solve(a, b)\n",
     "--max-flops"),
    ("jacobian rows", "x = rand(20000, requires_grad=True)\n"
                      "def f(x):\n    return x * x\njacobian(f, x)\n", "--max-elements"),
    ("matmul backward", "a = ones((2000, 2000), requires_grad=True)\nb = a @ a\n"
                        "b.sum().backward()\n", "--max-flops"),
]


@pytest.mark.parametrize("name,src,option", BUDGET_CASES, ids=[c[0] for c in BUDGET_CASES])
def test_budget_refuses_before_allocating(tmp_path, name, src, option):
    p = _gx(tmp_path, ["run", "--max-memory", "256M", "--max-flops", "2e10", "--timeout", "20",
                       "h.gx"], src)
    p.clean(1, "LimitError", option, "h.gx:")


def test_load_reads_sizes_from_headers(tmp_path):
    np = pytest.importorskip("numpy")
    np.savez_compressed(tmp_path / "bomb.npz", np.zeros((20000, 20000)))   # 3 MB on disk
    with open(tmp_path / "big.npy", "wb") as f:     # a header that promises 10^10 elements
        np.lib.format.write_array_header_1_0(
            f, {"descr": "<f8", "fortran_order": False, "shape": (100000, 100000)})
        f.write(b"\0" * 64)
    with open(tmp_path / "short.npy", "wb") as f:   # a header that promises more than follows
        np.lib.format.write_array_header_1_0(
            f, {"descr": "<f8", "fortran_order": False, "shape": (1000,)})
        f.write(b"\0" * 64)
    assert (tmp_path / "bomb.npz").stat().st_size < 4 << 20
    for name, text in (("bomb.npz", "--max-elements"), ("big.npy", "--max-elements"),
                       ("short.npy", "truncated")):
        p = _gx(tmp_path, ["run", "--allow-read", ".", "--max-memory", "256M", "h.gx"],
                f'a = load("{name}")\n')
        p.clean(1, text)
    _os.mkfifo(tmp_path / "pipe.npy")
    p = _gx(tmp_path, ["run", "--allow-read", ".", "h.gx"], 'a = load("pipe.npy")\n', wait=10)
    p.clean(1, "not a regular file")
    np.save(tmp_path / "ok.npy", np.arange(6.0).reshape(2, 3))
    np.savez(tmp_path / "ok.npz", np.arange(4.0))
    p = _gx(tmp_path, ["run", "--allow-read", ".", "h.gx"],
            'a = load("ok.npy")\nb = load("ok.npz")\nprint(a.sum().item(), b.tolist())\n')
    p.clean(0)
    assert p.out.split() == ["15.0", "[0.0,", "1.0,", "2.0,", "3.0]"]


def test_address_space_is_capped_from_max_memory():
    code = ("from gradcli.lang.limits import cap_address_space\n"
            "cap_address_space(64 << 20)\n"
            "try:\n    b = bytearray(8 << 30)\nexcept MemoryError:\n    print('MemoryError')\n")
    r = _sp.run([_sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.stdout.strip() == "MemoryError", r.stderr


# ---------------------------------------------------------------- option values: exit 2

BAD_OPTIONS = [
    ("--timeout", "nan"), ("--timeout", "inf"), ("--timeout", "-1"), ("--timeout", "0"),
    ("--timeout", "1e400"), ("--max-memory", "1e400"), ("--max-memory", "nan"),
    ("--max-memory", "-5M"), ("--max-depth", "1e8"), ("--max-depth", "100000000"),
    ("--max-flops", "nan"), ("--max-flops", "inf"), ("--max-steps", "1.5"),
    ("--max-elements", "0"), ("--max-list", "1e30"), ("--max-nesting", "100000"),
    ("--max-source", "1e400"), ("--max-graph", "-1"), ("--seed", "-1"),
]


@pytest.mark.parametrize("option,value", BAD_OPTIONS, ids=[" ".join(o) for o in BAD_OPTIONS])
def test_option_values_are_usage_errors(tmp_path, option, value):
    p = _gx(tmp_path, ["run", option, value, "h.gx"], "x = 1\n")
    p.clean(2, "Invalid value", option)


def test_good_option_values_still_work(tmp_path):
    p = _gx(tmp_path, ["run", "--timeout", "2.5", "--max-memory", "1GiB", "--max-depth", "500",
                       "--max-steps", "1e6", "--max-flops", "1e12", "h.gx"], "print(1 + 1)\n")
    p.clean(0)
    assert p.out == "2\n"


def test_recursion_never_outruns_the_c_stack(tmp_path):
    src = ("a = [1]\nb = [1]\nfor i in range(70000):\n    a = [a]\n    b = [b]\n"
           "print(a < b)\n")
    for stack in ("8192", "2048"):
        (tmp_path / "h.gx").write_text(src)
        e = dict(_os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"))
        r = _sp.run(["bash", "-c", f"ulimit -s {stack}; exec \"$@\"", "sh"] + _GRADCLI +
                    ["run", "--max-depth", "1000", "h.gx"], cwd=tmp_path, env=e,
                    capture_output=True, text=True, timeout=60)
        if r.returncode == 2 and "--max-depth" in r.stderr:
            continue             # a small stack bounds --max-depth itself: also fine
        assert r.returncode == 1, (stack, r.returncode, r.stderr[-500:])
        assert "LimitError" in r.stderr and "Traceback" not in r.stderr


# ---------------------------------------------------------------- output that cannot hurt

def test_json_is_always_encodable(tmp_path):
    cases = [
        ('assert False, "\\ud800"\n', 1, "AssertionError"),
        ('a = [1]\na.append(a)\n', 0, None),
        ('a = [0]\nfor i in range(40):\n    a = [a, a]\n', 1, "LimitError"),
        ('print("\\x1b[2J", "\\ud83d")\n', 0, None),
    ]
    for src, rc, kind in cases:
        p = _gx(tmp_path, ["run", "--format", "json", "h.gx"], src)
        p.clean(rc)
        events = [_json.loads(line) for line in p.out.splitlines()]
        assert p.out.isascii()
        if kind:
            assert events[-1]["event"] == "error" and events[-1]["kind"] == kind
    p = _gx(tmp_path, ["run", "--format", "json", "h.gx"], 'a = [1]\na.append(a)\n')
    result = [_json.loads(line) for line in p.out.splitlines()][-1]
    assert result["vars"]["a"]["value"] == [1, "[...]"]


def test_terminal_control_characters_are_escaped():
    import io
    from gradcli.render.output import Output
    from gradcli.session import PrintEvent

    class Tty(io.StringIO):
        def isatty(self):
            return True
    for fmt in ("plain", "pretty"):
        tty = Tty()
        Output(fmt, out=tty, err=io.StringIO()).print_event(
            PrintEvent("\x1b]0;owned\x07\x1b[2J\u202eevil\x9b", []))
        import re
        text = re.sub("\x1b\\[[0-9;]*m", "", tty.getvalue())   # Rich's own colour codes
        for raw in ("\x1b]", "\x07", "\x1b[2J", "\u202e", "\x9b"):
            assert raw not in text, (fmt, text)
        assert "\\x1b]0;owned" in text and "evil" in text
    pipe = io.StringIO()                 # to a file or a pipe the bytes stay as printed
    Output("plain", out=pipe, err=io.StringIO()).print_event(PrintEvent("\x1b[1mb", []))
    assert pipe.getvalue() == "\x1b[1mb\n"


def test_errors_on_output_map_to_their_status(tmp_path):
    src = 'print("hello")\n'
    with open(_os.devnull if not _os.path.exists("/dev/full") else "/dev/full", "wb") as full:
        p = _gx(tmp_path, ["run", "h.gx"], src, stdout=full)
    p.clean(1, "cannot write standard output")
    (tmp_path / "h.gx").write_text(src)
    e = dict(_os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"))
    r = _sp.run(["bash", "-c", 'exec "$@" >&-', "sh"] + _GRADCLI + ["run", "h.gx"],
                cwd=tmp_path, env=e, capture_output=False, stderr=_sp.PIPE, timeout=60)
    assert r.returncode == 1 and b"cannot write standard output" in r.stderr, r.stderr
    r = _sp.run(["bash", "-c", 'exec "$@" <&-', "sh"] + _GRADCLI + ["grad", "--jsonl", "x * 2"],
                cwd=tmp_path, env=e, capture_output=True, timeout=60)
    assert r.returncode == 0 and r.stderr == b"", r.stderr


def test_check_expr_never_runs_a_file_named_like_it(tmp_path):
    (tmp_path / "x*2").write_text('print("the file ran")\n')
    p = _gx(tmp_path, ["check", "x*2", "x=1.5", "--format", "plain"])
    p.clean(0)
    assert "the file ran" not in p.out and "OK" in p.out
    p = _gx(tmp_path, ["check", "x\nprint(1)", "x=1.5"])
    p.clean(2, "SyntaxError")
    p = _gx(tmp_path, ["check", "x; y = 2", "x=1.5"])
    p.clean(2, "SyntaxError")


def test_save_keeps_modes_and_leaves_no_temporaries(tmp_path):
    (tmp_path / "kept.npy").write_bytes(b"")
    _os.chmod(tmp_path / "kept.npy", 0o640)
    p = _gx(tmp_path, ["run", "--allow-write", ".", "h.gx"],
            'save("kept.npy", ones(3))\nsave("new.csv", ones(3))\nsave("bad.csv", ones((2, 2, 2)))\n')
    p.clean(1, ".csv holds 1-d or 2-d data")
    assert _os.stat(tmp_path / "kept.npy").st_mode & 0o777 == 0o640
    assert _os.stat(tmp_path / "new.csv").st_mode & 0o777 == 0o666 & ~_umask()
    assert not [n for n in _os.listdir(tmp_path) if n.startswith(".gx-")]


def _umask():
    m = _os.umask(0o022)
    _os.umask(m)
    return m


def test_repl_history_is_private(tmp_path):
    from gradcli.repl import _private_file
    old = _os.umask(0)
    try:
        path = tmp_path / "data" / "gradcli" / "history"
        _private_file(str(path))
    finally:
        _os.umask(old)
    assert _os.stat(path).st_mode & 0o777 == 0o600
    assert _os.stat(path.parent).st_mode & 0o777 == 0o700
    _os.chmod(path, 0o644)                     # an old history file is made private too
    _private_file(str(path))
    assert _os.stat(path).st_mode & 0o777 == 0o600
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "elsewhere")
    with pytest.raises(OSError):
        _private_file(str(link))


# ---------------------------------------------------------------- a cache that is data

def test_cache_store_accepts_only_private_regular_files(tmp_path):
    from gradcli.lang.cachestore import Store
    old = _os.umask(0)
    try:
        store = Store.open(str(tmp_path / "a" / "b" / "gradcli"))
    finally:
        _os.umask(old)
    assert store is not None
    for d in ("a", "a/b", "a/b/gradcli"):            # created 0700 under umask 000
        assert _os.stat(tmp_path / d).st_mode & 0o777 == 0o700, d
    base = tmp_path / "a" / "b" / "gradcli"
    assert store.write("good", b"data") and store.read("good") == b"data"
    assert _os.stat(base / "good").st_mode & 0o777 == 0o600
    _os.mkfifo(base / "fifo")                                   # would hang a reader
    (base / "zero").symlink_to("/dev/zero")                     # would grow for ever
    (base / "link").symlink_to(base / "good")                   # swapped in later
    _os.link(base / "good", base / "hard")                      # a second name
    (base / "big").write_bytes(b"x" * 100)
    (base / "theirs").write_bytes(b"planted")
    _os.chown(base / "theirs", 12345, 12345) if _os.geteuid() == 0 else None
    t = time.monotonic()
    for name in ("fifo", "zero", "link", "hard", "missing"):
        assert store.read(name) is None, name
    assert store.read("big", cap=50) is None
    if _os.geteuid() == 0:
        assert store.read("theirs") is None
    assert time.monotonic() - t < 2
    store.close()


def test_cache_store_refuses_directories_it_does_not_own(tmp_path):
    from gradcli.lang.cachestore import Store
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    (tmp_path / "swapped").symlink_to(real)                  # the directory swapped for a link
    assert Store.open(str(tmp_path / "swapped"), create=False) is None
    if _os.geteuid() == 0:
        other = tmp_path / "other"
        other.mkdir()
        _os.chown(other, 12345, 12345)
        assert Store.open(str(other), create=False) is None
    wide = tmp_path / "wide"
    wide.mkdir()
    _os.chmod(wide, 0o777)
    s = Store.open(str(wide), create=False)                  # ours but open: closed first
    assert s is not None and _os.stat(wide).st_mode & 0o777 == 0o700
    s.close()


def test_cache_store_is_bounded(tmp_path):
    from gradcli.lang.cachestore import Store
    s = Store.open(str(tmp_path / "c"))
    for i in range(30):
        s.write(f"e{i}", b"x")
        _os.utime(tmp_path / "c" / f"e{i}", (1000 + i, 1000 + i))
    assert s.prune(keep=10) == 20
    left = sorted(_os.listdir(tmp_path / "c"))
    assert left == sorted(f"e{i}" for i in range(20, 30))      # the newest stay
    s.close()


def test_lark_tables_shipped_are_current_and_plain_data():
    from gradcli.lang.parse import tables as larktables
    from gradcli.lang.parse.grammar import grammar_hash, grammar_text
    from gradcli.lang.parse.lalr import lark_options_for_tables
    assert larktables._read(grammar_hash()) is not None, \
        "gx_tables.marshal is stale: run python -m gradcli.lang.parse.lalr"
    # the shipped tables parse like tables analysed now from the grammar (Lark's analysis
    # orders its sets by hash, so the bytes differ from run to run; the parses may not)
    from lark import Lark
    import glob
    from pathlib import Path
    shipped = larktables.load(grammar_text(), lark_options_for_tables(), grammar_hash())
    fresh = Lark(grammar_text(), **lark_options_for_tables())
    root = Path(__file__).resolve().parents[1]
    texts = [Path(f).read_text() for f in sorted(glob.glob(str(root / "samples" / "*.gx")))]
    texts += ["x = (1 +\n", "def f(a, b=1):\n    return a[1:2, ::3] ** -b\n", "1 2\n", "if x:\n"]

    def outcome(p, text):
        try:
            return p.parse(text, start="start")
        except Exception as e:          # noqa: BLE001 - the error and where
            return type(e).__name__, getattr(e, "line", None), getattr(e, "column", None)
    assert len(texts) > 4
    for text in texts:
        assert outcome(shipped, text) == outcome(fresh, text), text[:80]
    # a table file made for another grammar is not used: the grammar is analysed instead
    assert larktables._read("0" * 64) is None


def _entry_name(src, kind="module"):
    from gradcli.lang import lexcheck
    from gradcli.lang.parse import cache as C
    data = src.encode()
    return C._key(kind.encode() + b"\0" + data, lexcheck.DEFAULT_MAX_SOURCE,
                  lexcheck.DEFAULT_MAX_NESTING) + ".ast"


def test_ast_cache_entries_are_checked_data(tmp_path, monkeypatch):
    import marshal
    from gradcli.lang.parse import cache as C, parse, parse_cached
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    src = "lr = 0.1\n"
    honest = parse(src, "a.gx")
    parse_cached(src, "a.gx")
    ast_dir = tmp_path / "gradcli" / "ast"
    entry = ast_dir / _entry_name(src)
    assert entry.exists() and not list(ast_dir.glob("*.pickle"))
    fmt, fp, kind, digest, payload = marshal.loads(entry.read_bytes())
    evil_tree = C.dump_ast(parse("lr = 1000.0\n"))
    dunder = C.dump_ast(parse("x = 1\n"))
    dunder = (dunder[0], [(dunder[1][0][0],) + dunder[1][0][1:]], *dunder[2:])
    planted = {
        "another text's tree": marshal.dumps((fmt, fp, kind, C._grammar.hasher(b"lr = 1000.0\n")
                                              .hexdigest(), evil_tree)),
        "another version": marshal.dumps((fmt, "0" * 64, kind, digest, evil_tree)),
        "a code object": marshal.dumps((fmt, fp, kind, digest, compile("1", "x", "eval"))),
        "a pickle": __import__("pickle").dumps(honest),
        "garbage": b"\x00" * 100,
    }
    for what, data in planted.items():
        entry.write_bytes(data)
        assert parse_cached(src, "a.gx") == honest, what
    # the static pass runs again on what was loaded: a tree naming __class__ is refused
    from gradcli.lang import nodes as N
    bad = parse("lr = 0.1\n")
    for n in N.walk(bad):
        if type(n) is N.Name:
            n.id = "__class__"
    entry.write_bytes(marshal.dumps((fmt, fp, kind, digest, C.dump_ast(bad))))
    assert parse_cached(src, "a.gx") == honest


def test_ast_cache_ignores_what_it_does_not_own(tmp_path, monkeypatch):
    from gradcli.lang.parse import parse, parse_cached
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    src = "y = 2 * 3\n"
    honest = parse(src, "b.gx")
    parse_cached(src, "b.gx")
    ast_dir = tmp_path / "gradcli" / "ast"
    entry = ast_dir / _entry_name(src)
    good = entry.read_bytes()
    entry.unlink()
    _os.mkfifo(entry)
    t = time.monotonic()
    assert parse_cached(src, "b.gx") == honest
    entry.unlink()
    entry.symlink_to("/dev/zero")
    assert parse_cached(src, "b.gx") == honest
    assert time.monotonic() - t < 5
    # a forged entry that passes every check of its content (right format, fingerprint
    # and text hash, a clean tree: y = 7): only its owner gives it away
    import marshal
    from gradcli.lang.parse import cache as C
    fmt, fp, kind, digest, _ = marshal.loads(good)
    forged = marshal.dumps((fmt, fp, kind, digest, C.dump_ast(parse("y = 7\n"))))
    entry.unlink()
    entry.write_bytes(forged)
    assert parse_cached(src, "b.gx") != honest        # ours: accepted (we wrote it)
    if _os.geteuid() == 0:                             # planted by another user: refused
        _os.chown(entry, 12345, 12345)
        assert parse_cached(src, "b.gx") == honest
        entry.unlink()
        entry.write_bytes(forged)                      # a second name for the same file
        _os.link(entry, ast_dir / "other")
        assert parse_cached(src, "b.gx") == honest


def test_cache_directories_are_private_under_umask_000(tmp_path):
    e = dict(_os.environ, XDG_CACHE_HOME=str(tmp_path / "base" / "cache"))
    (tmp_path / "h.gx").write_text("print(1)\n")
    r = _sp.run(["bash", "-c", 'umask 000; exec "$@"', "sh"] + _GRADCLI + ["run", "h.gx"],
                cwd=tmp_path, env=e, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout == "1\n", r.stderr
    for d in ("base", "base/cache", "base/cache/gradcli", "base/cache/gradcli/ast"):
        assert _os.stat(tmp_path / d).st_mode & 0o777 == 0o700, d
    for f in (tmp_path / "base" / "cache" / "gradcli" / "ast").iterdir():
        assert f.stat().st_mode & 0o777 == 0o600
    assert not list((tmp_path / "base").rglob("*.pickle"))
    assert not list((tmp_path / "base").rglob("gx-lark-*"))


# ---------------------------------------------------------------- bounded values

_TOWERS = "a = [0]\nb = [0]\nfor i in range(40):\n    a = [a, a]\n    b = [b, b]\n"
WALKS = ["x = a < a", "x = a == b", "x = a != b", "x = max(a, b)", "x = min([a, b])",
         "x = [a].count(b)", "x = [a].index(a)", "x = (a,) < (b,)", "x = a in [b]",
         "x = str(a)", "print(a)", 'x = "%s" % (a,)', "x = a >= b"]


@pytest.mark.parametrize("walk", WALKS)
def test_native_walks_are_bounded_before_they_start(walk):
    # 41 lists, 2^40 paths: every walk Python would do natively is refused at once
    t = time.monotonic()
    with pytest.raises(GxLimitError) as ei:
        _run(_TOWERS + walk + "\n", limits=Limits(timeout=20))
    assert time.monotonic() - t < 3
    assert ei.value.line == 6 and "--max-list" in ei.value.message


# every native walk a script can start, by kind: (snippet on line 11, text of the message)
_TABLE_PRELUDE = (_TOWERS + "t = (0,)\nfor i in range(40):\n    t = (t, t)\n"
                  "h = history(tensor([1., 2.], requires_grad=True) * 2).data\nx = ones(3)\n")
WALK_TABLE = [
    # hashing: a deep tuple as a dict key
    ("hash: d[t]", "r = h[t]", "steps to walk"),
    ("hash: d.get(t)", "r = h.get(t)", "steps to walk"),
    ("hash: t in d", "r = t in h", "steps to walk"),
    # text: repr, str, format, f-strings, %, assert messages
    ("f-string", 'r = f"{a}"', "steps to walk"),
    ("str.format", 'r = "{}".format(a)', "steps to walk"),
    ("format !r", 'r = "{!r}".format(t)', "steps to walk"),
    ("% tuple", 'r = "%s" % (a,)', "steps to walk"),
    ("assert message", "assert False, a", "steps to walk"),
    ("str of tuple", "r = str(t)", "steps to walk"),
    # comparisons, membership, counting, extrema
    ("== in in", "r = a in [b]", "steps to walk"),
    ("tuple <", "r = t < t", "steps to walk"),
    ("count", "r = [a, b].count(b)", "steps to walk"),
    ("index", "r = (t,).index(t)", "steps to walk"),
    ("max of list", "r = max([a, b])", "steps to walk"),
    # tensor data, list operands, list indices, index assignment (numpy would walk them)
    ("tensor(list)", "r = tensor([[1.], a])", "nested list data"),
    ("operand", "r = x + a", "nested list data"),
    ("index list", "r = x[a]", "nested list data"),
    ("index tuple", "r = x[t]", "nested list data"),
    ("setitem", "x[0] = a", "nested list data"),
    ("sum of lists", "r = sum([a, a], [])", "nested list data"),
    ("allclose tuple", "r = allclose(x, t)", "nested list data"),
    ("clamp bound", "r = clamp(x, a)", "nested list data"),
    ("mm operand", "r = x.mm(a)", "nested list data"),
    ("dtype spec", "r = ones(3, dtype=t)", "dtype"),
]


@pytest.mark.parametrize("name,line,text", WALK_TABLE, ids=[w[0] for w in WALK_TABLE])
def test_every_native_walk_is_bounded(name, line, text):
    # under the judged limits; ends at once (never by the clock), positioned at line 11
    t = time.monotonic()
    with pytest.raises(GxError) as ei:
        _run(_TABLE_PRELUDE + line + "\n", limits=Limits(timeout=2, max_memory=256 << 20))
    assert time.monotonic() - t < 1.0 + 1.0
    e = ei.value
    assert e.exit_code == 1 and e.line == 11, format_error(e)
    assert text in e.message and "time limit" not in e.message, e.message
    assert "Traceback" not in format_error(e)


def test_repl_echo_is_bounded(tmp_path):
    # the REPL shows a bare expression's value: a 2^40-path list or tuple is refused at
    # once (the echo walked it natively for hours, under no clock); :vars likewise
    src = ("a = [0]\nfor i in range(40):\n    a = [a, a]\n\na\nt = (0,)\n"
           "for i in range(40):\n    t = (t, t)\n\nt\n:vars\n[1, (2,), 'x']\n")
    (tmp_path / "in.txt").write_text(src)
    with open(tmp_path / "in.txt") as stdin:
        p = _gx(tmp_path, ["repl", "--timeout", "2"], stdin=stdin, wait=30)
    assert p.seconds < 2 + 1 + START
    assert p.err.count("LimitError") == 2 and "--max-list" in p.err, p.err
    assert "<repl>" in p.err and "Traceback" not in p.err
    assert "a = <not shown" in p.out and "[1, (2,), 'x']" in p.out, p.out


def test_bounded_walks_keep_their_answers():
    s, out, _ = _run("h = history(tensor([1., 2.], requires_grad=True) * 2).data\n"
                     "r = (h.get((1, (2,))), (1, (2,)) in h, f\"{[1, (2,)]}\", "
                     "'{!r}'.format(('a',)), tensor([(1., 2.), (3., 4.)]).shape, "
                     "ones(3)[[0, 2]].shape, str(h)[:10])\n"
                     "assert True, [1]\n")
    assert s.variables["r"] == (None, False, "[1, (2,)]", "('a',)", (2, 2), (2,),
                                "{'root': '")


@pytest.mark.parametrize("walk", ["x = a < b", "x = a == b", "print(a)", "x = max(a, b)"])
def test_deep_values_are_refused_not_crashed(walk):
    src = "a = [1]\nb = [1]\nfor i in range(5000):\n    a = [a]\n    b = [b]\n" + walk + "\n"
    with pytest.raises(GxLimitError) as ei:
        _run(src, limits=Limits(timeout=20))
    assert ei.value.line == 6 and "nested more than 1000" in ei.value.message


def test_bounded_walks_keep_python_semantics():
    s, out, _ = _run("a = [1, [2, 3]]\nb = [1, [2, 4]]\nr = (a < b, a == a, max(a, b), "
                     "[a, b].count(b), [a, b].index(b), (1, 2) >= (1, 2), str([1, (2,)]))\n")
    assert s.variables["r"] == (True, True, [1, [2, 4]], 1, 1, True, "[1, (2,)]")


def test_weigh_counts_paths_over_distinct_containers():
    from gradcli.lang.limits import weigh
    a = [0]
    for _ in range(40):
        a = [a, a]
    t = time.monotonic()
    items, depth = weigh(a, 10 ** 30)
    assert (items, depth) == (3 * 2 ** 40 - 2, 41)      # w(k+1) = 2 + 2 w(k), w(0) = 1
    assert time.monotonic() - t < 0.1
    c = [1, 2]
    c.append(c)
    assert weigh(c, 100) == (4, 1)                       # a list inside itself counts once
    # dict: 2 entries + [1, 2] (2) + key (1, 2) (2) + ([3],) (1 + 1)
    assert weigh({"k": [1, 2], (1, 2): ([3],)}, 100) == (8, 3)
