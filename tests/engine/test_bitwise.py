"""& | ^ ~, bitwise_* and logical_* (engine/bitwise.py): values from Python's own integer
maths, dtypes and error messages as PyTorch 2.13.0 gives them (checked in below, from
/tmp/oracle with torch.set_default_dtype(torch.float64); re-checked against the
installed torch when there is one), in place through the one in-place path."""
from __future__ import annotations

import operator

import numpy as np
import pytest

import gradcli.engine as E
from gradcli.engine.errors import EngineError, EngineTypeError

B, B2 = [True, False, True, False], [True, True, False, False]
I, I2 = [12, 10, -1, 0], [6, 3, 5, -7]
OPERANDS = {"B": B, "B2": B2, "I": I, "I2": I2, "T0b": True, "T0i": 3,
            "True": True, "5": 5, "-1": -1}
TENSORS = {"B", "B2", "I", "I2", "T0b", "T0i"}
PYOPS = {"&": operator.and_, "|": operator.or_, "^": operator.xor}

# (left, right, result dtype): torch 2.13.0's `a & b` (the same for | and ^)
PROMOTION = [
    ("B", "B2", "bool"), ("B", "I", "int64"), ("I", "B", "int64"), ("I", "I2", "int64"),
    ("B", "True", "bool"), ("B", "5", "int64"), ("I", "True", "int64"), ("I", "-1", "int64"),
    ("True", "B", "bool"), ("5", "I", "int64"), ("T0b", "I", "int64"), ("T0i", "B", "int64"),
    ("B", "T0i", "int64"), ("T0b", "T0i", "int64"), ("T0i", "T0i", "int64"),
    ("I", "T0b", "int64"),
]


def make(m, key):
    v = OPERANDS[key]
    return m.tensor(v) if key in TENSORS else v


def expected(a, b, op, dtype):
    """Python's integer maths, element by element, cast to the result dtype."""
    va, vb = np.broadcast_arrays(np.asarray(OPERANDS[a], dtype=object),
                                 np.asarray(OPERANDS[b], dtype=object))
    out = [PYOPS[op](int(p), int(q)) for p, q in zip(va.ravel(), vb.ravel())]
    if dtype == "bool":
        out = [bool(x) for x in out]
    return np.array(out, dtype=dtype).reshape(va.shape).tolist()


@pytest.mark.parametrize("op", ["&", "|", "^"])
@pytest.mark.parametrize("a,b,dtype", PROMOTION, ids=[f"{a}-{b}" for a, b, _ in PROMOTION])
def test_values_are_pythons_and_dtypes_are_pytorchs(a, b, dtype, op):
    out = PYOPS[op](make(E, a), make(E, b))
    assert str(out.dtype) == dtype
    assert out.tolist() == expected(a, b, op, dtype)
    assert not out.requires_grad and out.grad_fn is None
    fn = {"&": E.bitwise_and, "|": E.bitwise_or, "^": E.bitwise_xor}[op]
    assert fn(make(E, a), make(E, b)).tolist() == out.tolist()


def test_invert_is_twos_complement_and_logical_not():
    assert (~E.tensor(I)).tolist() == [~v for v in I]
    assert (~E.tensor(B)).tolist() == [not v for v in B]
    assert E.bitwise_not(E.tensor(I)).dtype == np.int64 and (~E.tensor(True)).item() is False


def test_logical_ops_take_any_dtype_and_give_bool():
    f = E.tensor([1.5, 0.0, float("nan"), -2.0])
    i = E.tensor([0, 2, 0, 1])
    truth = lambda xs: [bool(x) for x in xs]       # noqa: E731 - Python's truth of a number
    tf, ti = truth([1.5, 0.0, float("nan"), -2.0]), truth([0, 2, 0, 1])
    assert E.logical_and(f, i).tolist() == [p and q for p, q in zip(tf, ti)]
    assert E.logical_or(f, i).tolist() == [p or q for p, q in zip(tf, ti)]
    assert E.logical_xor(f, i).tolist() == [p != q for p, q in zip(tf, ti)]
    assert E.logical_not(f).tolist() == [not p for p in tf]
    assert f.logical_and(i).dtype == np.bool_


def test_a_mask_selects_and_index_assignment_through_it_is_differentiable():
    x = E.tensor([-1.0, 0.5, 1.5, 3.0], requires_grad=True)
    m = (x > 0) & (x < 2)
    assert m.tolist() == [False, True, True, False] and (~m | (x > 2)).tolist() == [
        True, False, False, True]
    y = x * 2
    y[(x > 0) & (x < 2)] = 0
    assert y.tolist() == [-2.0, 0.0, 0.0, 6.0] and y.grad_fn.name == "IndexPutBackward0"
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 0.0, 0.0, 2.0]     # d(2x)/dx where kept, 0 where written


def test_in_place_forms_change_the_same_tensor():
    i = E.tensor(I)
    alias = i
    i &= 6
    assert i is alias and alias.tolist() == [v & 6 for v in I]
    i |= E.tensor(B)
    assert alias.tolist() == [(v & 6) | int(b) for v, b in zip(I, B)]
    i.bitwise_xor_(3)
    i.bitwise_not_()
    assert alias.tolist() == [~(((v & 6) | int(b)) ^ 3) for v, b in zip(I, B)]
    b = E.tensor(B)
    v0 = b._version
    b.logical_xor_(E.tensor(B2))
    assert b.tolist() == [p != q for p, q in zip(B, B2)] and b._version == v0 + 1
    k = E.tensor([5, 6, 7])
    k[k > 5] ^= 1
    assert k.tolist() == [5, 7, 6]


# (expression, PyTorch 2.13.0's message): float64 is the default dtype in both
ERRORS = [
    (lambda m, f, i, b: f & i, "\"bitwise_and_cpu\" not implemented for 'Double'"),
    (lambda m, f, i, b: i | 1.5, "\"bitwise_or_cpu\" not implemented for 'Double'"),
    (lambda m, f, i, b: b & f.float(), "\"bitwise_and_cpu\" not implemented for 'Float'"),
    (lambda m, f, i, b: m.bitwise_xor(f, 2), "\"bitwise_xor_cpu\" not implemented for 'Double'"),
    (lambda m, f, i, b: m.bitwise_not(f), "\"bitwise_not_cpu\" not implemented for 'Double'"),
    (lambda m, f, i, b: ~f, "~ (operator.invert) is only implemented on integer and "
                            "Boolean-type tensors"),
    (lambda m, f, i, b: m.bitwise_not(3), "bitwise_not(): argument 'input' (position 1) must "
                                          "be Tensor, not int"),
    (lambda m, f, i, b: m.logical_and(f, 0), "logical_and(): argument 'other' (position 2) "
                                             "must be Tensor, not int"),
    (lambda m, f, i, b: b.__iand__(i), "result type Long can't be cast to the desired output "
                                       "type Bool"),
    (lambda m, f, i, b: i.__ixor__(f), "result type Double can't be cast to the desired output "
                                       "type Long"),
    (lambda m, f, i, b: i.bitwise_or_(1.5), "result type Double can't be cast to the desired "
                                            "output type Long"),
    (lambda m, f, i, b: f.requires_grad_().__iand__(1), "a leaf Variable that requires grad is "
                                                        "being used in an in-place operation."),
]


def _operands(m):
    return m.tensor([1.5, 0.0]), m.tensor([1, 2]), m.tensor([True, False])


@pytest.mark.parametrize("k", range(len(ERRORS)))
def test_errors_are_pytorchs(k):
    fn, message = ERRORS[k]
    with pytest.raises(EngineError) as info:
        fn(E, *_operands(E))
    assert str(info.value) == message


def test_x_caret_2_on_a_float_tensor_hints_at_the_power():
    with pytest.raises(EngineTypeError) as info:
        E.tensor([1.5]) ^ 2
    assert str(info.value).startswith("\"bitwise_xor_cpu\" not implemented for 'Double'")
    assert "x**2" in str(info.value)


@pytest.mark.parametrize("other", [None, "a", [1, 2]])
def test_other_operands_are_pythons_type_error(other):
    with pytest.raises(TypeError, match="unsupported operand"):
        E.tensor([1, 2]) & other
    with pytest.raises(TypeError, match="unsupported operand"):
        other | E.tensor([1, 2])


def test_shapes_that_do_not_broadcast_are_refused():
    with pytest.raises(E.ShapeError):
        E.tensor([True, False]) & E.tensor([True, False, True])


# ------------------------------------------------------------- the oracle

@pytest.mark.parametrize("op", ["&", "|", "^"])
@pytest.mark.parametrize("a,b,dtype", PROMOTION, ids=[f"{a}-{b}" for a, b, _ in PROMOTION])
def test_checked_in_values_and_dtypes_are_torchs(a, b, dtype, op):
    torch = pytest.importorskip("torch")
    out = PYOPS[op](make(torch, a), make(torch, b))
    assert str(out.dtype) == f"torch.{dtype}" and out.tolist() == expected(a, b, op, dtype)


@pytest.mark.parametrize("k", range(len(ERRORS)))
def test_checked_in_messages_are_torchs(k):
    torch = pytest.importorskip("torch")
    fn, message = ERRORS[k]
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        with pytest.raises(Exception) as info:
            fn(torch, *_operands(torch))
    finally:
        torch.set_default_dtype(old)
    assert str(info.value).splitlines()[0] == message


def test_logical_ops_match_torch():
    torch = pytest.importorskip("torch")
    fv, iv = [1.5, 0.0, float("nan"), -2.0], [0, 2, 0, 1]
    for name in ("logical_and", "logical_or", "logical_xor"):
        ours = getattr(E, name)(E.tensor(fv), E.tensor(iv))
        assert ours.tolist() == getattr(torch, name)(torch.tensor(fv), torch.tensor(iv)).tolist()
    assert E.logical_not(E.tensor(fv)).tolist() == torch.logical_not(torch.tensor(fv)).tolist()
