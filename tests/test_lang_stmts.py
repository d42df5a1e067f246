"""Statements: tables of (script -> value of `r`). Expected values by hand or from
the derivative rules (d/dx x**2 = 2x, ...)."""
import pytest

from gradcli.session import Options, Session


def run(src, **opts):
    out = []
    s = Session(Options(**opts), on_print=out.append)
    s.run(src, "t.gx")
    return s, [e.text for e in out]


def r_of(src):
    s, _ = run(src)
    v = s.variables["r"]
    return v.tolist() if type(v).__name__ == "Variable" else v


STMTS = [
    ("assign", "a = 1\nb = a + 1\nr = b\n", 2),
    ("chained assign", "a = b = 3\nr = a + b\n", 6),
    ("tuple unpack", "a, b = 1, 2\nr = (b, a)\n", (2, 1)),
    ("list unpack", "[a, b] = [1, 2]\nr = a - b\n", -1),
    ("nested unpack", "a, (b, c) = 1, (2, 3)\nr = a + b + c\n", 6),
    ("one-element unpack", "x = tensor(3., requires_grad=True)\ng, = grad(x * x, x)\nr = g\n", 6.0),
    ("unpack tensor rows", "a, b = tensor([1., 2.])\nr = (a + b).item()\n", 3.0),
    ("augmented", "r = 1\nr += 2\nr *= 3\nr -= 1\nr /= 4\nr **= 2\n", 4.0),
    ("augmented floordiv mod", "r = 17\nr //= 3\nr %= 3\n", 2),
    ("augmented matmul", "r = eye(2)\nr @= tensor([[1., 2.], [3., 4.]])\n", [[1., 2.], [3., 4.]]),
    # augmented assignment on a tensor is in place, as PyTorch's __iadd__: every name sees it
    ("augassign in place", "a = tensor([1., 2.])\nb = a\nb += 1\nr = a.tolist() + b.tolist()\n",
     [2., 3., 2., 3.]),
    ("augassign rebases history", "x = tensor(2., requires_grad=True)\ny = x * 1\ny += 1\n"
     "z = y * y\nz.backward()\nr = x.grad\n", 6.0),
    ("matmul augassign rebinds", "a = tensor([[1., 2.], [3., 4.]])\nb = a\nb @= a\n"
     "r = a.tolist() + b.tolist()\n", [[1., 2.], [3., 4.], [7., 10.], [15., 22.]]),
    ("number augassign rebinds", "a = 1\nb = a\nb += 1\nr = [a, b]\n", [1, 2]),
    ("list augassign extends", "a = [1]\nb = a\nb += [2, 3]\nr = a\n", [1, 2, 3]),
    ("list item", "l = [1, 2, 3]\nl[0] = 9\nl[1] += 1\nr = l\n", [9, 3, 3]),
    ("data item", "w = tensor([1., 2.], requires_grad=True)\nw.data[0] = 5\nr = w\n", [5., 2.]),
    ("data augassign", "w = tensor([1., 2.], requires_grad=True)\nw.data -= 0.5 * tensor([2., 2.])\n"
     "r = w\n", [0., 1.]),
    ("data assign", "w = tensor([1., 2.], requires_grad=True)\nw.data = tensor([3., 4.])\nr = w\n",
     [3., 4.]),
    ("grad None", "w = tensor(1., requires_grad=True)\n(w * 2).backward()\nw.grad = None\n"
     "r = w.grad\n", None),
    ("requires_grad attr", "w = tensor(1.)\nw.requires_grad = True\n(w * 3).backward()\n"
     "r = w.grad\n", 3.0),
    ("zero_ grad", "w = tensor(1., requires_grad=True)\n(w * 2).backward()\nw.grad.zero_()\n"
     "(w * 3).backward()\nr = w.grad\n", 3.0),
    ("if elif else", "x = 5\nif x < 0:\n    r = -1\nelif x == 0:\n    r = 0\nelif x < 3:\n"
     "    r = 1\nelse:\n    r = 2\n", 2),
    ("if tensor", "x = tensor(2.)\nr = 0\nif x > 1:\n    r = 1\n", 1),
    ("while", "r = 0\ni = 0\nwhile i < 10:\n    i += 1\n    r += i\n", 55),
    ("while break continue", "r = 0\ni = 0\nwhile True:\n    i += 1\n    if i % 2 == 0:\n"
     "        continue\n    if i > 9:\n        break\n    r += i\n", 25),
    ("for range", "r = 0\nfor i in range(1, 11, 2):\n    r += i\n", 25),
    ("for list", "r = []\nfor v in [3, 1, 2]:\n    r.append(v * 2)\n", [6, 2, 4]),
    ("for tensor rows", "r = 0.\nfor row in tensor([[1., 2.], [3., 4.]]):\n    r += row.sum().item()\n",
     10.0),
    ("for tuple target", "r = 0\nfor i, v in enumerate([10, 20]):\n    r += i * v\n", 20),
    ("for break", "r = 0\nfor i in range(100):\n    if i == 5:\n        break\n    r = i\n", 4),
    ("pass", "if True:\n    pass\nr = 1\n", 1),
    ("def return", "def f(a, b=2):\n    return a * b\nr = f(3) + f(3, b=4) + f(b=1, a=5)\n", 23),
    ("def no return", "def f():\n    x = 1\nr = f()\n", None),
    ("recursion", "def fact(n):\n    if n <= 1:\n        return 1\n    return n * fact(n - 1)\n"
     "r = fact(10)\n", 3628800),
    ("closure over module var", "k = 3\ndef f(x):\n    return k * x\nk = 4\nr = f(2)\n", 8),
    ("locals do not leak", "x = 1\ndef f():\n    x = 2\n    return x\nr = (f(), x)\n", (2, 1)),
    ("nested def", "def outer(a):\n    def inner(b):\n        return a + b\n    return inner(10)\n"
     "r = outer(1)\n", 11),
    ("default evaluated at def", "d = 1\ndef f(x=d):\n    return x\nd = 2\nr = f()\n", 1),
    ("function as value", "def sq(x):\n    return x * x\ng = sq\nr = g(4)\n", 16),
    ("with no_grad", "x = tensor(1., requires_grad=True)\nwith no_grad():\n    y = x * 2\n"
     "r = y.requires_grad\n", False),
    ("with torch.no_grad", "import torch\nx = tensor(1., requires_grad=True)\n"
     "with torch.no_grad():\n    y = x * 2\nr = y.requires_grad\n", False),
    ("with enable_grad inside", "x = tensor(1., requires_grad=True)\nwith no_grad():\n"
     "    with enable_grad():\n        y = x * 2\nr = y.requires_grad\n", True),
    ("no_grad restored", "x = tensor(1., requires_grad=True)\nwith no_grad():\n    pass\n"
     "r = (x * 2).requires_grad\n", True),
    ("assert passes", "assert 1 < 2\nassert True, 'msg'\nr = 1\n", 1),
    ("import binds namespaces", "import torch\nimport numpy as np\n"
     "from torch.autograd import Variable\nr = Variable(torch.ones(1)).item() + np.exp(tensor(0.)).item()\n",
     2.0),
    ("import torch.autograd", "import torch.autograd\nr = torch.autograd.Variable(ones(1)).item()\n",
     1.0),
    ("from torch.autograd import grad", "from torch.autograd import grad\n"
     "x = tensor(2., requires_grad=True)\nr, = grad(x ** 3, x)\n", 12.0),
    ("seed reproducible", "manual_seed(3)\na = randn(3)\nmanual_seed(3)\nb = randn(3)\n"
     "r = allclose(a, b)\n", True),
    ("backward accumulates", "x = tensor(1., requires_grad=True)\n(x * 2).backward()\n"
     "(x * 3).backward()\nr = x.grad\n", 5.0),
    ("retain_grad", "x = tensor(2., requires_grad=True)\ny = x * x\ny.retain_grad()\n"
     "z = y * 3\nz.backward()\nr = y.grad\n", 3.0),
    ("detach", "x = tensor(2., requires_grad=True)\ny = x.detach() * x\ny.backward()\nr = x.grad\n",
     2.0),
    ("create_graph backward", "x = tensor(2., requires_grad=True)\ny = x ** 3\n"
     "g, = grad(y, x, create_graph=True)\ng.backward()\nr = x.grad\n", 12.0),
    ("jacobian of def", "def f(x):\n    return x * x\nr = jacobian(f, tensor([1., 2.]))\n",
     [[2., 0.], [0., 4.]]),
    ("hessian of def", "def f(x):\n    return (x ** 3).sum()\nr = hessian(f, tensor([1., 2.]))\n",
     [[6., 0.], [0., 12.]]),
    ("gradcheck", "def f(x):\n    return (x.sin() * x).sum()\n"
     "r = gradcheck(f, (tensor([0.3, 1.2], requires_grad=True),))\n", True),
    ("grad_fn name", "x = tensor(1., requires_grad=True)\nr = (x + 1).grad_fn.name\n",
     "AddBackward0"),
    ("next_functions to leaf", "x = tensor(1., requires_grad=True)\ny = (x * 2) + 1\n"
     "r = y.grad_fn.next_functions[0][0].next_functions[0][0].name\n", "AccumulateGrad"),
    ("leaf has no grad_fn", "x = tensor(1., requires_grad=True)\nr = x.grad_fn\n", None),
    ("is_leaf", "x = tensor(1., requires_grad=True)\nr = (x.is_leaf, (x * 2).is_leaf)\n",
     (True, False)),
    ("history", "x = tensor(1., requires_grad=True)\nh = history(x * 2)\n"
     "r = h.data['nodes'][0]['op']\n", "MulBackward0"),
]


@pytest.mark.parametrize("name,src,expected", STMTS, ids=[n for n, _, _ in STMTS])
def test_statement(name, src, expected):
    got = r_of(src)
    if isinstance(expected, float):
        assert got == pytest.approx(expected)
    else:
        assert got == expected


def test_print_in_loop_is_delivered_as_it_happens():
    seen = []
    s = Session(Options(), on_print=lambda e: seen.append((e.text, dict(s.variables).get("i"))))
    s.run("for i in range(3):\n    print(i)\n", "t.gx")
    assert seen == [("0", 0), ("1", 1), ("2", 2)]


def test_grad_of_nonleaf_warns():
    warnings = []
    s = Session(Options(), on_warning=warnings.append)
    s.run("x = tensor(1., requires_grad=True)\ny = x * 2\ny.backward()\nr = y.grad\n", "t.gx")
    assert s.variables["r"] is None
    assert warnings and warnings[0].category == "GradWarning" and warnings[0].line == 4


def test_define_by_run_loop_gradient():
    # d/dx of x * 1.5**n where n depends on the data: 1.5**n
    src = ("x = tensor(1., requires_grad=True)\ny = x\nn = 0\nwhile y.item() < 10:\n"
           "    y = y * 1.5\n    n += 1\ny.backward()\nr = (n, x.grad.item())\n")
    n, g = r_of(src)
    assert n == 6 and g == pytest.approx(1.5 ** 6)
