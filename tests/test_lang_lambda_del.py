"""lambda and del, as Python has them (Python itself runs the same source as the oracle).
lambda: a def whose body returns one expression, passed where tutorials pass it
(jacobian, hessian, vjp ...; their numbers against closed forms), under the same static
rules as a def. del: names (local in a def, as Python) and list items."""
from __future__ import annotations

import pytest

from gradcli.lang.errors import GxError
from gradcli.session import Options, Session


def run(src):
    out = []
    s = Session(Options(), on_print=out.append)
    s.run(src, "t.gx")
    return s, [e.text for e in out]


PYTHON_SAME = [
    "f = lambda x: x ** 2 + 1\nprint(f(3), f(0.5))\n",
    "g = lambda a, b=10: a * b\nprint(g(2), g(2, b=3), g(b=1, a=4), (lambda: 7)())\n",
    "def outer(k):\n    return lambda v: v * k\nprint(outer(5)(2), outer(3)(outer(2)(1)))\n",
    "add = lambda x: lambda y: x + y\nprint(add(1)(2))\n",
    "k = 2\nh = lambda x: x * k\nk = 3\nprint(h(1))\n",             # late binding, as Python
    "fs = []\nfor i in range(3):\n    fs.append(lambda q, i=i: q + i)\nprint(fs[2](10))\n",
    "f = lambda x: x if x > 0 else -x\nprint(f(-2), f(3), (lambda: lambda: 4)()())\n",
    "def apply(fn, v):\n    return fn(v)\nprint(apply(lambda t: t * 3, 4))\n",
    "n = lambda x: x & 1 | 2\nprint(n(5))\n",
]


@pytest.mark.parametrize("src", PYTHON_SAME)
def test_lambda_runs_as_python(src):
    import contextlib
    import io
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        exec(src, {})
    assert run(src)[1] == buf.getvalue().splitlines()


def test_lambda_with_the_autograd_functions():
    _, out = run(
        "import torch\n"
        "x = torch.tensor([1.0, 2.0], requires_grad=True)\n"
        "print(torch.autograd.functional.jacobian(lambda t: t ** 2, x).tolist())\n"
        "print(hessian(lambda t: (t ** 3).sum(), x).tolist())\n"
        "o, p = torch.autograd.functional.vjp(lambda t: t.exp().sum(), x)\n"
        "print(p.tolist())\n")
    import math
    assert out[0] == str([[2.0, 0.0], [0.0, 4.0]])           # d(t^2)/dt = diag(2t)
    assert out[1] == str([[6.0, 0.0], [0.0, 12.0]])          # d2(sum t^3) = diag(6t)
    assert out[2] == str([math.exp(1.0), math.exp(2.0)])


def test_a_lambda_prints_as_a_function_and_errors_name_it():
    s, out = run("f = lambda x: x\nprint(f)\n")
    assert out == ["<function <lambda>>"]
    with pytest.raises(GxError) as info:
        run("f = lambda x: x / undefined\ny = f(1)\n")
    err = info.value
    assert (err.kind, err.line, err.col) == ("NameError", 1, 19)
    from gradcli.lang.errors import format_error
    assert "t.gx:2:5: y = f(1)   (calls <lambda>)" in format_error(err)


def test_recursion_through_a_lambda_is_bounded():
    with pytest.raises(GxError) as info:
        run("f = lambda n: f(n + 1)\nf(0)\n")
    assert info.value.kind == "LimitError" and "call depth" in info.value.message


# ------------------------------------------------------------------ del

DEL_PYTHON_SAME = [
    "b = [1, 2, 3, 4, 5]\ndel b[0], b[1:3]\nprint(b)\n",
    "a = 1\nc = 2\ndel a, c\na = 3\nprint(a)\n",
    "def f():\n    x = 2\n    del x\n    x = 5\n    return x\nprint(f())\n",
    "l = [[1, 2], [3]]\ndel l[0][1]\ndel l[-1]\nprint(l)\n",
    "x = 1\ndef g():\n    return x\ndel x\nx = 4\nprint(g())\n",
]


@pytest.mark.parametrize("src", DEL_PYTHON_SAME)
def test_del_runs_as_python(src):
    import contextlib
    import io
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        exec(src, {})
    assert run(src)[1] == buf.getvalue().splitlines()


@pytest.mark.parametrize("src,kind,line,col,words", [
    ("a = 1\ndel a\nprint(a)\n", "NameError", 3, 7, "name 'a' is not defined"),
    ("del zz\n", "NameError", 1, 5, "name 'zz' is not defined"),
    ("def f():\n    del q\nf()\n", "NameError", 2, 9, "local variable 'q' referenced before"),
    ("def f():\n    y = 1\n    del y\n    return y\nf()\n", "NameError", 4, 12,
     "local variable 'y' referenced before"),
    ("x = tensor([1.0])\ndel x[0]\n", "TypeError", 2, 5, "'tensor' object does not support "
                                                         "item deletion"),
])
def test_del_errors(src, kind, line, col, words):
    with pytest.raises(GxError) as info:
        run(src)
    err = info.value
    assert (err.kind, err.line, err.col) == (kind, line, col) and words in err.message


def test_del_of_a_rebound_builtin_brings_the_builtin_back():
    s, out = run("import math\ne = 3\ndel e\nprint(e == math.e)\n")
    assert out == ["True"] and "e" not in s.variables
