"""Every row of ../shared/HOSTILE.md, end to end through Session.run.

Outcomes: SYN (GxSyntaxError, or a limit found before running, exit 2 / 1),
SEC (GxSecurityError), RES (GxLimitError naming its option), RT (a runtime error,
exit 1), NUM (a NaN/inf: a positioned warning, GxNumericError under strict), OK.
Limits are lowered where the row only needs *a* limit to trip, so the table runs
in seconds; test_default_limits_* check the defaults themselves on the cheap rows.
"""
import _thread
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
    # -inf is an infinity: a warning naming logsumexp, none from the backward pass
    assert [w.message for w in warns] == ["'logsumexp' produced NaN or infinity"]


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
