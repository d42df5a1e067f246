"""Runtime errors: one table of (script -> error kind, line, col, text in message).
Every error carries the position of the expression that raised it; no other Python
exception escapes Session.run."""
import pytest

from gradcli.lang.errors import GxError, format_error
from gradcli.session import Limits, Options, Session


def error_of(src, **opts):
    s = Session(Options(**opts))
    with pytest.raises(GxError) as ei:
        s.run(src, "t.gx")
    return ei.value


ERRORS = [
    # names
    ("x = 1\ny = tanhh(x)\n", "NameError", 2, 5, "did you mean 'tanh'"),
    ("y = undefined_thing\n", "NameError", 1, 5, "not defined"),
    ("def f():\n    y = x\n    x = 1\nf()\n", "NameError", 2, 9, "before assignment"),
    # types
    ("x = 1 + 'a'\n", "TypeError", 1, 7, "unsupported operand"),
    ("x = 3\nx(1)\n", "TypeError", 2, 1, "not callable"),
    ("x = 1\ny = x[0]\n", "TypeError", 2, 5, "not subscriptable"),
    ("for i in 5:\n    pass\n", "TypeError", 1, 10, "not iterable"),
    ("def f(a):\n    return a\nf(1, 2)\n", "TypeError", 3, 1, "positional argument"),
    ("def f(a):\n    return a\nf()\n", "TypeError", 3, 1, "missing required argument 'a'"),
    ("def f(a):\n    return a\nf(b=1)\n", "TypeError", 3, 1, "unexpected keyword"),
    ("with 1:\n    pass\n", "TypeError", 1, 6, "no_grad()"),
    ("with no_grad:\n    pass\n", "TypeError", 1, 6, "parentheses"),
    ("x = tensor(1.)\nx.shape = (2,)\n", "TypeError", 2, 3, "read-only"),
    ("x = tensor(1.)\ny = x.nosuch\n", "TypeError", 2, 7, "no attribute"),
    ("x = tensor(1.)\ny = x.sumx()\n", "TypeError", 2, 7, "did you mean 'sum'"),
    ("a, b = 1\n", "TypeError", 1, 1, "cannot unpack"),
    ("a, b = [1, 2, 3]\n", "ValueError", 1, 1, "too many values"),
    ("a, b, c = (1, 2)\n", "ValueError", 1, 1, "not enough values"),
    ("t = (1, 2)\nt[0] = 3\n", "TypeError", 2, 1, "item assignment"),
    # values and shapes
    ("x = [1, 2][5]\n", "ValueError", 1, 5, "out of range"),
    ("x = ones(3) + ones(4)\n", "ShapeError", 1, 13, "cannot broadcast (3,) and (4,)"),
    ("x = ones((2, 3)) @ ones((2, 3))\n", "ShapeError", 1, 18, "3 != 2"),
    ("x = ones(3).reshape(2, 2)\n", "ShapeError", 1, 5, ""),
    ("x = tensor([1, 2], requires_grad=True)\n", "TypeError", 1, 5, "floating point"),
    ("x = tensor([1., 2.])\nif x > 0:\n    pass\n", "ValueError", 2, 4, "ambiguous"),
    ("x = tensor([[1., 2.], [3.]])\n", "ValueError", 1, 5, ""),
    # autograd misuse
    ("x = tensor([1., 2., 3.], requires_grad=True)\n(x * 2).backward()\n", "RuntimeError", 2, 2,
     "only for scalar outputs"),
    ("x = tensor(1., requires_grad=True)\ny = x * x\ny.backward()\ny.backward()\n",
     "RuntimeError", 4, 1, "retain_graph=True"),
    ("x = tensor([1., 2.], requires_grad=True)\ny = x * x\ny.mul_(2)\nz = y * y\ny.zero_()\n"
     "z.sum().backward()\n", "RuntimeError", 6, 1, "version 2; expected version 1"),
    # asserts
    ("n = 3\nassert n == 4\n", "AssertionError", 2, 1, "n == 4"),
    ("assert 1 > 2, 'one is not more than two'\n", "AssertionError", 1, 1,
     "one is not more than two"),
    # inside functions: the position of the failing expression, not of the call
    ("def f(x):\n    return x + 'a'\ny = f(1)\n", "TypeError", 2, 14, "unsupported"),
    # imports resolved at run time
    ("from torch.autograd import nothing\n", None, 1, None, "nothing"),
]


@pytest.mark.parametrize("src,kind,line,col,text", ERRORS, ids=[e[0][:40] for e in ERRORS])
def test_error_position(src, kind, line, col, text):
    e = error_of(src)
    if kind is not None:
        assert e.kind == kind, format_error(e)
    assert e.line == line, format_error(e)
    if col is not None:
        assert e.col == col, format_error(e)
    assert text in e.message, format_error(e)
    assert e.filename == "t.gx"
    assert e.source_line is not None
    assert "Traceback" not in format_error(e)


def test_error_message_has_caret():
    e = error_of("x = 1\ny = x + 'a'\n")
    text = format_error(e)
    assert text.splitlines()[0].startswith("t.gx:2:7: TypeError:")
    assert text.splitlines()[1] == "    y = x + 'a'"
    assert text.splitlines()[2] == "          ^"


def test_python_type_names_are_not_shown():
    e = error_of("x = tensor(1.)\ny = x + 'a'\n")
    assert "Variable" not in e.message


def test_limit_in_function_reports_the_call():
    e = error_of("def f(n):\n    return f(n + 1)\nf(0)\n")
    assert e.kind == "LimitError" and (e.line, e.col) == (2, 12)
    assert "--max-depth" in e.message


def test_recursion_limit_respects_option():
    s = Session(Options(limits=Limits(max_depth=500)))
    s.run("def f(n):\n    if n == 0:\n        return 0\n    return 1 + f(n - 1)\nr = f(450)\n",
          "t.gx")
    assert s.variables["r"] == 450


def test_internal_error_never_escapes_as_python_exception():
    # a value the engine does not accept as a tensor element
    e = error_of("x = tensor([1., 'a'])\n")
    assert isinstance(e, GxError) and e.line == 1
