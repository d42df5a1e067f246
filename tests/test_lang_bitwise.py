"""The language's & | ^ ~ (and &= |= ^=) and ``...``: on Python ints and bools exactly as
Python (Python's own eval is the oracle, precedence included), on tensors as PyTorch
(a script's printed text against PyTorch 2.13.0's, checked in below and re-run in
torch when it is installed), errors with the operator's position."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from gradcli.lang.errors import GxError
from gradcli.session import Options, Session


def run(src):
    out = []
    s = Session(Options(), on_print=out.append)
    s.run(src, "t.gx")
    return s, "\n".join(e.text for e in out)


def value_of(src, name="r"):
    return run(src)[0].variables[name]


# ------------------------------------------------------------ Python numbers

_ints = st.one_of(st.integers(min_value=-2 ** 40, max_value=2 ** 40), st.booleans())


@settings(max_examples=200, deadline=None)
@given(a=_ints, b=_ints, op=st.sampled_from(["&", "|", "^"]))
def test_int_and_bool_operators_are_pythons(a, b, op):
    want = eval(f"({a!r}) {op} ({b!r})")
    got = value_of(f"r = ({a!r}) {op} ({b!r})\n")
    assert type(got) is type(want) and got == want


@settings(max_examples=50, deadline=None)
@given(a=_ints)
def test_invert_is_pythons(a):
    want = -int(a) - 1            # Python's ~ (for a bool: ~True == -2, as Python 3.11)
    got = value_of(f"r = ~({a!r})\n")
    assert type(got) is int and got == want


_atoms = st.sampled_from(["a", "b", "c", "3", "5", "(a > 1)", "True", "-2"])
_binops = st.sampled_from(["&", "|", "^", "+", "-", "*", "<", "==", "and", "or"])


@st.composite
def _expressions(draw, depth=3):
    if depth == 0 or draw(st.booleans()):
        e = draw(_atoms)
    else:
        e = f"{draw(_expressions(depth - 1))} {draw(_binops)} {draw(_expressions(depth - 1))}"
    return draw(st.sampled_from(["", "~", "-", "not "])) + e if draw(st.booleans()) else e


@settings(max_examples=200, deadline=None)
@given(src=_expressions())
def test_precedence_and_values_are_pythons(src):
    env = {"a": 6, "b": 3, "c": 12}
    try:
        code = compile(src, "<src>", "eval")
    except SyntaxError:                  # ~not a: Python refuses it, and so does .gx
        with pytest.raises(GxError) as info:
            run(f"r = {src}\n")
        assert info.value.exit_code == 2
        return
    want = eval(code, {}, dict(env))
    got = value_of(f"a = 6\nb = 3\nc = 12\nr = {src}\n")
    assert type(got) is type(want) and got == want, src


@pytest.mark.parametrize("src,col,words", [
    ("r = 1.5 & 1\n", 9, "unsupported operand type(s) for &: 'float' and 'int'"),
    ("r = 2 | 0.5\n", 7, "unsupported operand type(s) for |: 'int' and 'float'"),
    ("r = 2.5 ^ 2\n", 9, "for a power write '**'"),
    ("r = ~1.5\n", 5, "bad operand type for unary ~: 'float'"),
    ("r = ~'a'\n", 5, "bad operand type for unary ~: 'str'"),
    ("r = [1] & 1\n", 9, "unsupported operand type(s) for &"),
])
def test_errors_name_the_operator(src, col, words):
    with pytest.raises(GxError) as info:
        run(src)
    err = info.value
    assert (err.line, err.col, err.kind, err.exit_code) == (1, col, "TypeError", 1)
    assert words in err.message


def test_augmented_assignment_rebinds_numbers():
    s, _ = run("a = 12\nb = a\na &= 6\nc = True\nc |= False\nd = 5\nd ^= 1\n")
    assert (s.variables["a"], s.variables["b"], s.variables["c"], s.variables["d"]) == (
        4, 12, True, 4)


# ------------------------------------------------------------------ tensors

SCRIPT = """\
import torch
x = torch.tensor([-1.0, 0.5, 1.5, 3.0], requires_grad=True)
m = (x > 0) & (x < 2)
print(m, ~m, m | (x > 2), m ^ True)
y = x * 2
y[(x > 0) & (x < 2)] = 0
print(y)
y.sum().backward()
print(x.grad)
i = torch.tensor([12, 10, -1])
j = i
i &= 6
print(j, i is j, 1 | i, i ^ torch.tensor([True, False, True]))
b = torch.tensor([True, False, True])
print(b & True, b & 1, torch.tensor(True) & 3, torch.bitwise_not(i), i.bitwise_or(b))
print(torch.logical_and(x[:3], i), torch.logical_not(x), x[1:].logical_or(b), torch.logical_xor(b, b))
k = torch.tensor([5, 6, 7])
k[k > 5] ^= 1
k.bitwise_xor_(2)
print(k)
A = torch.tensor([[0.6, 1.2, 0.9], [1.1, 0.7, 1.3]], requires_grad=True)
B = A * 1
print(B[..., 0], B[0, ...], B[..., None].grad_fn, B[...].grad_fn, B[1, ..., 2])
C = A * 2
C[...] = 0
D = A * 3
D[..., 0] = 5
D[0, ...] *= 2
print(C, D)
(D * D).sum().backward()
print(A.grad)
E = torch.arange(24.0).reshape(2, 3, 4)
print(E[..., None, 2], E[1, ..., 0], E[...].sum())
print(...)
"""

# PyTorch 2.13.0's output of SCRIPT (torch.set_default_dtype(torch.float64) first)
EXPECTED = """\
tensor([False,  True,  True, False]) tensor([ True, False, False,  True]) tensor([False,  True,  True,  True]) tensor([ True, False, False,  True])
tensor([-2.,  0.,  0.,  6.], grad_fn=<IndexPutBackward0>)
tensor([2., 0., 0., 2.])
tensor([4, 2, 6]) True tensor([5, 3, 7]) tensor([5, 2, 7])
tensor([ True, False,  True]) tensor([1, 0, 1]) tensor(1) tensor([-5, -3, -7]) tensor([5, 2, 7])
tensor([True, True, True]) tensor([False, False, False, False]) tensor([True, True, True]) tensor([False, False, False])
tensor([7, 5, 4])
tensor([0.6000, 1.1000], grad_fn=<SelectBackward0>) tensor([0.6000, 1.2000, 0.9000], grad_fn=<SelectBackward0>) <UnsqueezeBackward0> <AliasBackward0> tensor(1.3000, grad_fn=<SelectBackward0>)
tensor([[0., 0., 0.],
        [0., 0., 0.]], grad_fn=<FillBackward3>) tensor([[10.0000,  7.2000,  5.4000],
        [ 5.0000,  2.1000,  3.9000]], grad_fn=<CopySlices>)
tensor([[ 0.0000, 86.4000, 64.8000],
        [ 0.0000, 12.6000, 23.4000]])
tensor([[[ 2.],
         [ 6.],
         [10.]],

        [[14.],
         [18.],
         [22.]]]) tensor([12., 16., 20.]) tensor(276.)
Ellipsis"""


def test_tensor_script_prints_what_pytorch_prints():
    assert run(SCRIPT)[1] == EXPECTED


def test_expected_is_what_torch_prints():
    torch = pytest.importorskip("torch")
    import contextlib
    import io
    import re
    buf = io.StringIO()
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        with contextlib.redirect_stdout(buf):
            exec(SCRIPT, {})
    finally:
        torch.set_default_dtype(old)
    # torch prints `<XBackward0 object at 0x...>` where gradcli prints `<XBackward0>`
    assert re.sub(r" object at 0x[0-9a-f]+>", ">", buf.getvalue().rstrip("\n")) == EXPECTED


@pytest.mark.parametrize("src,words", [
    ("x = tensor([1.5])\nr = x & 1\n", "\"bitwise_and_cpu\" not implemented for 'Double'"),
    ("x = tensor([1.5])\nr = x ^ 2\n", "(for a power write '**': x**2)"),
    ("x = tensor([1.5])\nr = ~x\n", "~ (operator.invert) is only implemented on integer"),
    ("b = tensor([True])\nb &= tensor([2])\n", "result type Long can't be cast to the "
                                               "desired output type Bool"),
    ("r = torch.logical_and(tensor([1.0]), 1)\n", "argument 'other' (position 2) must be "
                                                  "Tensor, not int"),
])
def test_tensor_errors_are_pytorchs_with_the_position(src, words):
    with pytest.raises(GxError) as info:
        run("import torch\n" + src)
    assert info.value.line == src.count("\n") + 1 and words in info.value.message
    assert info.value.exit_code == 1


def test_ellipsis_is_a_value_and_a_statement():
    s, out = run("...\nr = ...\nq = r is ...\n")
    assert s.variables["r"] is Ellipsis and s.variables["q"] is True


def test_bitwise_results_never_require_grad():
    s, _ = run("x = tensor([1.0, 2.0], requires_grad=True)\nr = (x > 1) | (x < 0)\n"
               "q = r.requires_grad\n")
    assert s.variables["q"] is False and s.variables["r"].grad_fn is None
