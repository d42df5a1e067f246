"""Strings as tutorials write them: triple quotes, prefixes, f-strings and str.format,
names starting with one '_'. The oracle is Python itself: each script below is run by
gradcli and by exec() (on plain numbers and strings both must agree); tensors format as
PyTorch's Tensor.__format__ does (0-d: like item(); others: only an empty spec)."""
import pytest

from gradcli.lang.errors import GxError, GxSecurityError, GxSyntaxError
from gradcli.session import Options, Session

SCRIPTS = [
    '"""A module docstring\nover two lines."""\nr = 1\n',
    "r = '''a\n'b'\n\"c\"'''\n",
    'r = """x\\ty\\\nz"""\n',
    "r = r'a\\n' + R\"b\\t\"\n",
    "for _ in range(3):\n    _tmp = _ if _ else 10\nr = (_, _tmp)\n",
    "x = 3.14159\nr = f'{x:.3f}|{x:>10.2f}|{x:<8}|{x:e}'\n",
    "w = 8\np = 2\nr = f'{2.5:{w}.{p}f}|{7:0{w}d}'\n",
    "r = f\"{'a'!r}{'b'!s}{'c'!a}{3!r:>4}\"\n",
    "r = f'{{}}{1 + 2}{{x}}' 'plain {} braces' f'{[1, 2]}'\n",
    "n = 5\nr = f'''line {n}\nnext {n * 2:03d}'''\n",
    "r = F'{(1, 2)}' + rf'\\n{3}' + fR'{4}'\n",
    "r = '{} and {:>6} {x}'.format(1, 'ab', x=2.5) + '{1}{0}'.format('a', 'b')\n",
    "r = '{:{}.{}f}'.format(3.14159, 10, 3)\n",
    "r = '{!r:>8}|{:+.1%}|{:,}'.format('s', 0.25, 1234567)\n",
    "def f(x):\n    return x * x\nr = f'f(5) = {f(5):.3f}'\n",
    "r = f'{True} {None} {1 == 1.0} {-0.0}'\n",
]


def run_gx(src):
    s = Session(Options())
    s.run(src, "t.gx")
    return s.variables


@pytest.mark.parametrize("src", SCRIPTS)
def test_strings_as_python(src):
    expected = {}
    exec(src, {}, expected)
    got = run_gx(src)
    assert got["r"] == expected["r"], (got["r"], expected["r"])


TENSORS = [   # (expression, text): PyTorch 2.13's format(t, spec) (0-d: item()'s format)
    ("f'{torch.tensor(1.5):.3f}'", "1.500"),
    ("f'{torch.tensor(2):>4}'", "   2"),
    ("'{:.2e}'.format(torch.tensor(1234.5))", "1.23e+03"),
    ("f'{torch.tensor([1.0, 2.0])}'", "tensor([1., 2.])"),
    ("f'{torch.tensor(0.5)!r}'", "tensor(0.5000)"),
    ("f'{(torch.ones(2) * 3).sum().item():.4f}'", "6.0000"),
]


@pytest.mark.parametrize("expr,text", TENSORS)
def test_tensors_format_as_pytorch(expr, text):
    assert run_gx(f"import torch\nr = {expr}\n")["r"] == text


def test_tensors_format_against_torch():
    torch = pytest.importorskip("torch")
    torch.set_default_dtype(torch.float64)
    try:
        for expr, text in TENSORS:
            assert eval(expr[:1] + expr[1:], {"torch": torch}) == text, expr
    finally:
        torch.set_default_dtype(torch.float32)


@pytest.mark.parametrize("src,cls,pos,words", [
    # S7: no attribute or index lookup through a format field, literal or not
    ('x = 1\n"{0.__class__}".format(x)\n', GxSecurityError, (2, 17), "format field"),
    ('x = [1]\n"{0[0]}".format(x)\n', GxSecurityError, (2, 10), "format field"),
    ('t = "{0.real}"\nt.format(1)\n', GxSecurityError, (2, 1), "format field"),
    ('x = 1\nr = f"{x.__class__}"\n', GxSecurityError, (2, 9), "'__class__'"),
    ('r = f"a{x._y}"\n', GxSecurityError, (1, 10), "'_y'"),
    ('r = f"{__import__}"\n', GxSecurityError, (1, 8), "'__import__'"),
    ("__x = 1\n", GxSecurityError, (1, 1), "'__x'"),
    ("x = 1\nx._y\n", GxSecurityError, (2, 2), "'_y'"),
    ('r = f"{}"\n', GxSyntaxError, (1, 8), "empty expression"),
    ('r = f"{1!x}"\n', GxSyntaxError, (1, 10), "conversion"),
    ('r = f"}"\n', GxSyntaxError, (1, 7), "single '}'"),
    ('r = f"{1 +}"\n', GxSyntaxError, (1, 11), "f-string"),
    ('r = """abc\n', GxSyntaxError, (1, 5), "unterminated triple-quoted"),
    ("import torch\nr = f'{torch.ones(2):.2f}'\n", GxError, (2, 5), "Tensor.__format__"),
    ("r = '{:.2f}'.format([1])\n", GxError, (1, 5), "list.__format__"),
    ("r = '{:999999999}'.format(1)\n", GxError, (1, 5), "larger than"),
    ("r = '{}{}'.format(1)\n", GxError, (1, 5), "no argument"),
])
def test_refused(src, cls, pos, words):
    with pytest.raises(cls) as info:
        run_gx(src)
    err = info.value
    assert words in err.message and (err.line, err.col) == pos, str(err)
