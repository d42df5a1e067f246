"""Every error text of the engine issue, the subgradient conventions (docs/subgradients.md)
and the engine-level rows of ../shared/HOSTILE.md (N1, N3, N6, N7, N8, N9, N10, N11, N12).

Expected subgradients are PyTorch 2.13's (run by hand with the oracle), except where
docs/subgradients.md records a deliberate difference (all -inf logsumexp: 0, not NaN).
"""
from __future__ import annotations

import re

import math
import warnings

import numpy as np
import pytest

import gradcli.engine as E
from gradcli.engine import (AutogradError, EngineError, EngineTypeError, GradWarning,
                            ShapeError, Variable, abs, amax, amin, cat, clamp, det, dot, exp, grad,
                            log_softmax, logsumexp, matmul, max, maximum, min, minimum,
                            norm, ones, prod, relu, sign, softmax, softplus, sigmoid, solve,
                            sqrt, stack, sum, tensor, where, zeros)


# ------------------------------------------------------------------ error texts

def test_implicit_grad_only_for_scalar_outputs():
    x = Variable(ones(3), requires_grad=True)
    with pytest.raises(AutogradError, match="^grad can be implicitly created only for scalar outputs"):
        (x * 2).backward()
    # a one-element non-scalar output is fine (PyTorch allows it too)
    (tensor([[2.0]], requires_grad=True) * 3).backward()


def test_implicit_grad_in_grad_function_too():
    x = tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(AutogradError, match="only for scalar outputs"):
        grad(x * x, x)


def test_second_backward_names_retain_graph():
    x = tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(AutogradError) as e:
        y.backward()
    msg = str(e.value)
    assert msg.startswith("Trying to backward through the graph a second time")
    assert "Specify retain_graph=True" in msg


@pytest.mark.parametrize("make", [
    lambda x: exp(x).sum(), lambda x: (x * x).sum(), lambda x: (x / (x + 1)).sum(),
    lambda x: prod(x), lambda x: norm(x), lambda x: logsumexp(x, 0), lambda x: x @ x,
    lambda x: sqrt(x).sum(), lambda x: (x ** 3).sum(),
], ids=["exp", "mul", "div", "prod", "norm", "logsumexp", "matmul", "sqrt", "pow"])
def test_second_backward_through_any_saving_op(make):
    x = tensor([1.0, 2.0], requires_grad=True)
    y = make(x)
    y.backward()
    with pytest.raises(AutogradError, match="retain_graph=True"):
        y.backward()


def test_second_grad_call_also_freed():
    x = tensor(2.0, requires_grad=True)
    y = x * x * x
    grad(y, x)
    with pytest.raises(AutogradError, match="second time"):
        grad(y, x)


def test_retain_graph_allows_a_second_backward():
    x = tensor(2.0, requires_grad=True)
    y = x * x * x
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.item() == 24.0


@pytest.mark.parametrize("make", [
    lambda: tensor([1, 2], requires_grad=True),
    lambda: Variable(tensor([1, 2]), requires_grad=True),
    lambda: tensor([1, 2]).requires_grad_(),
    lambda: tensor([True, False], requires_grad=True),
], ids=["tensor", "Variable", "requires_grad_", "bool"])
def test_integer_tensors_cannot_require_grad(make):
    with pytest.raises(EngineTypeError, match="^Only Tensors of floating point dtype can require gradients"):
        make()


def test_integer_tensor_requires_grad_attribute():
    t = tensor([1, 2])
    with pytest.raises(EngineTypeError, match="Only Tensors of floating point dtype"):
        t.requires_grad = True


def test_mismatch_in_shape_of_grad_output():
    x = tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    with pytest.raises(AutogradError, match=re_escape(
            "Mismatch in shape: grad_output[0] has a shape of (3,) and output[0] has a shape of (2,)")):
        y.backward(tensor([1.0, 2.0, 3.0]))
    with pytest.raises(AutogradError, match=re_escape(
            "Mismatch in shape: grad_output[1] has a shape of (1,) and output[1] has a shape of ()")):
        grad([y.sum(), y.sum()], x, [tensor(1.0), tensor([1.0])])


def re_escape(s):
    import re
    return re.escape(s)


@pytest.mark.parametrize("op", [
    lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b, lambda a, b: a / b,
    lambda a, b: a ** b, lambda a, b: a % b, maximum, minimum,
    lambda a, b: where(tensor([True, False, True]), a, b),
], ids=["+", "-", "*", "/", "**", "%", "maximum", "minimum", "where"])
def test_broadcast_error_names_both_shapes(op):
    a = tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    with pytest.raises(ShapeError) as e:
        op(a, b)
    assert "(3,)" in str(e.value) and "(4,)" in str(e.value)


def test_broadcast_error_hostile_n8():
    with pytest.raises(ShapeError, match=re_escape("cannot broadcast (3,) and (4,)")):
        ones(3) + ones(4)


@pytest.mark.parametrize("sa,sb", [((2, 3), (2, 3)), ((3,), (4,)), ((2, 3), (4,)),
                                   ((4,), (3, 2)), ((2, 2, 3), (2, 4, 1))])
def test_matmul_error_names_both_shapes(sa, sb):
    with pytest.raises(ShapeError) as e:
        matmul(ones(sa), ones(sb))
    assert str(sa) in str(e.value) and str(sb) in str(e.value)


def test_matmul_error_hostile_n9():
    with pytest.raises(ShapeError, match="matmul.*3 != 2"):
        ones((2, 3)) @ ones((2, 3))


def test_matmul_of_a_scalar_is_an_error():
    with pytest.raises(ShapeError):
        matmul(tensor(2.0), ones(2))
    with pytest.raises(ShapeError):
        dot(ones((2, 2)), ones(2))


def test_backward_of_something_that_does_not_require_grad():
    msg = "^element 0 of tensors does not require grad and does not have a grad_fn"
    with pytest.raises(AutogradError, match=msg):
        tensor(1.0).backward()
    with pytest.raises(AutogradError, match=msg):
        (tensor([1.0, 2.0]) * 2).sum().backward()
    x = tensor(1.0, requires_grad=True)
    with pytest.raises(AutogradError, match="element 1 of tensors does not require grad"):
        grad([x * 2, tensor(3.0)], x)


def test_reading_grad_of_a_non_leaf_warns():
    x = tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.sum().backward()
    with pytest.warns(GradWarning, match="not a leaf Tensor"):
        assert y.grad is None
    # a leaf, a retained non-leaf and a tensor outside the graph do not warn
    z = x * 3
    z.retain_grad()
    z.sum().backward()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert x.grad is not None
        assert z.grad.tolist() == [1.0, 1.0]
        assert tensor(1.0).grad is None


def test_grad_of_unused_input():
    x = tensor(1.0, requires_grad=True)
    z = tensor(2.0, requires_grad=True)
    with pytest.raises(AutogradError, match="allow_unused=True"):
        grad(x * 2, [x, z])
    gx, gz = grad(x * 2, [x, z], allow_unused=True)
    assert gx.item() == 2.0 and gz is None


def test_grad_wrt_a_tensor_that_does_not_require_grad():
    x = tensor(1.0, requires_grad=True)
    with pytest.raises(AutogradError, match="does not require grad"):
        grad(x * 2, tensor(1.0))


def test_inplace_modification_of_a_saved_value_hostile_n12():
    # HOSTILE N12; message and versions as PyTorch 2.13 prints them (oracle run)
    x = tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = y * y
    y.add_(1)
    with pytest.raises(AutogradError, match=re.escape(
            "[torch.DoubleTensor [2]], which is output 0 of Add, is at version 1; "
            "expected version 0 instead.")):
        z.sum().backward()


def test_inplace_modification_of_a_saved_value_through_grad():
    x = tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()   # MulBackward0 saves x
    with E.no_grad():
        x.mul_(2)
    with pytest.raises(AutogradError, match=r"\[torch.DoubleTensor \[2\]\] is at version 1; "
                       r"expected version 0"):
        grad(y, x)


def test_inplace_on_a_leaf_that_requires_grad_is_refused():
    x = tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(AutogradError, match="^a leaf Variable that requires grad is being used"):
        x.add_(1)
    with pytest.raises(AutogradError, match="^a view of a leaf Variable that requires grad"):
        x[0] = 3.0
    assert x.tolist() == [1.0, 2.0] and x._version == 0


def test_data_writes_are_invisible_to_autograd():
    x = tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * x
    x.data[0] = 5
    x.data.mul_(2)
    y.sum().backward()          # no error: PyTorch gives 2 * x's new data, version 0
    assert x.grad.tolist() == [20.0, 8.0, 12.0] and x._version == 0


def test_data_writes_are_allowed_and_bypass_autograd():
    x = tensor([1.0, 2.0], requires_grad=True)
    x.data[0] = 5.0
    y = (x * x).sum()
    y.backward()
    assert x.grad.tolist() == [10.0, 4.0]


def test_errors_are_engine_errors_and_builtin_types():
    with pytest.raises(EngineError):
        ones(3) + ones(4)
    with pytest.raises(ValueError):
        ones(3) + ones(4)
    with pytest.raises(RuntimeError):
        tensor(1.0).backward()
    with pytest.raises(TypeError):
        tensor([1, 2], requires_grad=True)


def test_shape_errors_of_shape_ops():
    with pytest.raises(ShapeError, match="invalid for input of size 6"):
        ones((2, 3)).reshape(4, 2)
    with pytest.raises(ShapeError, match=re_escape("(2, 3)")):
        ones((2, 3)).expand(3, 3)
    with pytest.raises(ShapeError):
        cat([ones((2, 3)), ones((2, 2))])
    with pytest.raises(ShapeError):
        stack([ones(2), ones(3)])
    with pytest.raises(ShapeError, match="Dimension out of range"):
        sum(ones((2, 3)), 2)
    with pytest.raises(ShapeError):
        ones(3)[5]


def test_singular_matrix_is_a_clear_error():
    from gradcli.engine import EngineValueError, inv
    with pytest.raises(EngineValueError, match="singular"):
        inv(zeros((2, 2)))
    with pytest.raises(EngineValueError, match="singular"):
        solve(zeros((2, 2)), ones(2))


# ------------------------------------------------------------------ subgradients

def _grad_of(f, x):
    v = tensor(x, requires_grad=True)
    with np.errstate(all="ignore"):
        f(v).backward()
    return v.grad.tolist()


# (name, function of x, x, PyTorch 2.13's gradient)
SUBGRADIENTS = [
    ("abs'(0) = 0", lambda x: abs(x).sum(), [0.0, -1.0, 2.0], [0.0, -1.0, 1.0]),
    ("relu'(0) = 0", lambda x: relu(x).sum(), [0.0, -1.0, 2.0], [0.0, 0.0, 1.0]),
    ("sign' = 0", lambda x: sign(x).sum(), [0.0, -1.0, 2.0], [0.0, 0.0, 0.0]),
    ("full max: ties split evenly", lambda x: max(x), [1.0, 3.0, 3.0], [0.0, 0.5, 0.5]),
    ("full min: ties split evenly", lambda x: min(x), [1.0, 1.0, 3.0], [0.5, 0.5, 0.0]),
    ("full max: three-way tie", lambda x: max(x), [2.0, 2.0, 2.0], [1 / 3, 1 / 3, 1 / 3]),
    ("max(dim): all to the first index", lambda x: max(x, 1).values.sum(),
     [[3.0, 3.0, 1.0], [2.0, 5.0, 5.0]], [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]),
    ("min(dim): all to the first index", lambda x: min(x, 0).values.sum(),
     [[3.0, 3.0, 1.0], [2.0, 5.0, 5.0]], [[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]]),
    ("max(dim, keepdim): first index", lambda x: max(x, 0, True).values.sum(),
     [[4.0, 1.0], [4.0, 2.0]], [[1.0, 0.0], [0.0, 1.0]]),
    ("norm'(0) = 0 (N3)", lambda x: norm(x), [0.0, 0.0], [0.0, 0.0]),
    ("norm(dim) with a zero row", lambda x: norm(x, dim=1).sum(),
     [[0.0, 0.0], [1.0, 2.0]], [[0.0, 0.0], [1 / math.sqrt(5), 2 / math.sqrt(5)]]),
    ("norm(p=3)'(0) = 0", lambda x: norm(x, 3), [0.0, 0.0], [0.0, 0.0]),
    ("norm(p=1)'(0) = 0", lambda x: norm(x, 1), [0.0, 0.0], [0.0, 0.0]),
    ("norm(p=inf): ties split evenly", lambda x: norm(x, math.inf), [1.0, -1.0, 0.5],
     [0.5, -0.5, 0.0]),
    ("norm(p=inf, dim): ties split evenly per row", lambda x: norm(x, math.inf, dim=1).sum(),
     [[1.0, -1.0, 0.5], [2.0, 0.0, 2.0]], [[0.5, -0.5, 0.0], [0.5, 0.0, 0.5]]),
    ("amax(dim): ties split evenly per row", lambda x: amax(x, 1).sum(),
     [[3.0, 3.0, 1.0], [2.0, 5.0, 5.0]], [[0.5, 0.5, 0.0], [0.0, 0.5, 0.5]]),
    ("amin: ties split evenly", lambda x: amin(x), [1.0, 1.0, 3.0], [0.5, 0.5, 0.0]),
    ("amax over both dims", lambda x: amax(x, (0, 1)),
     [[3.0, 3.0, 1.0], [2.0, 5.0, 5.0]], [[0.0, 0.0, 0.0], [0.0, 0.5, 0.5]]),
    ("var of one element: NaN", lambda x: x.var(), [1.0], [math.nan]),
    ("std of one element: NaN", lambda x: x.std(), [1.0], [math.nan]),
    ("var of one element, correction=0: 0", lambda x: x.var(correction=0), [1.0], [0.0]),
    ("std of constant data: 0", lambda x: x.std(), [2.0, 2.0], [0.0, 0.0]),
    ("std(dim) with a constant row", lambda x: x.std(1).sum(), [[2.0, 2.0], [1.0, 3.0]],
     [[0.0, 0.0], [-1 / math.sqrt(2), 1 / math.sqrt(2)]]),
    ("var of constant data: 0", lambda x: x.var(), [2.0, 2.0], [0.0, 0.0]),
    ("softmax tie", lambda x: softmax(x, 0)[0], [1.0, 1.0], [0.25, -0.25]),
    ("log'(0) = inf", lambda x: x.log().sum(), [0.0], [math.inf]),
    ("x ** -1 at 0: -inf", lambda x: (x ** -1).sum(), [0.0], [-math.inf]),
    ("asin'(1) = inf", lambda x: x.asin().sum(), [1.0], [math.inf]),
    ("clamp: bounds inclusive", lambda x: clamp(x, -1.0, 1.0).sum(),
     [-1.0, 0.0, 1.0, 2.0], [1.0, 1.0, 1.0, 0.0]),
    ("clamp min only: bound inclusive", lambda x: clamp(x, min=0.0).sum(), [0.0, -1.0], [1.0, 0.0]),
    ("sqrt'(0) = inf (N1)", lambda x: sqrt(x), 0.0, math.inf),
    ("x ** 0.5 at 0: inf", lambda x: (x ** 0.5).sum(), [0.0, 4.0], [math.inf, 0.25]),
    ("x ** 0 gives 0", lambda x: (x ** 0).sum(), [0.0, 2.0], [0.0, 0.0]),
    ("prod with one zero: product of the others", lambda x: prod(x), [0.0, 2.0, 3.0], [6.0, 0.0, 0.0]),
    ("prod with two zeros: all 0", lambda x: prod(x), [0.0, 2.0, 0.0], [0.0, 0.0, 0.0]),
    ("logsumexp all -inf: 0 (N7; PyTorch NaN)", lambda x: logsumexp(x, 0),
     [-math.inf, -math.inf], [0.0, 0.0]),
    ("logsumexp one -inf", lambda x: logsumexp(x, 0), [-math.inf, 0.0], [0.0, 1.0]),
    ("log_softmax with -inf", lambda x: log_softmax(x, 0).sum(), [-math.inf, 0.0], [1.0, -1.0]),
]


@pytest.mark.parametrize("name,f,x,expected", SUBGRADIENTS, ids=[s[0] for s in SUBGRADIENTS])
def test_subgradient(name, f, x, expected):
    np.testing.assert_allclose(_grad_of(f, x), expected, rtol=1e-12, atol=0)


def test_maximum_minimum_ties_give_half_to_each():
    a = tensor([1.0, 2.0, 5.0], requires_grad=True)
    b = tensor([1.0, 3.0, 4.0], requires_grad=True)
    (maximum(a, b).sum() + 10 * minimum(a, b).sum()).backward()
    assert a.grad.tolist() == [5.5, 10.0, 1.0]
    assert b.grad.tolist() == [5.5, 1.0, 10.0]


def test_maximum_tie_with_a_number_and_broadcast():
    a = tensor([[0.5, 1.0], [2.0, 0.5]], requires_grad=True)
    maximum(a, 0.5).sum().backward()
    assert a.grad.tolist() == [[0.5, 1.0], [1.0, 0.5]]
    b = tensor([0.5], requires_grad=True)
    x = tensor([0.5, 1.0, 0.0], requires_grad=True)
    maximum(x, b).sum().backward()
    assert x.grad.tolist() == [0.5, 1.0, 0.0]
    assert b.grad.tolist() == [1.5]


def test_clamp_tensor_bounds_inclusive():
    x = tensor([0.5, -1.0, 2.0], requires_grad=True)
    lo = tensor([0.5, 0.0, 0.0], requires_grad=True)
    hi = tensor([1.0, 1.0, 1.0], requires_grad=True)
    clamp(x, lo, hi).sum().backward()
    assert x.grad.tolist() == [1.0, 0.0, 0.0]     # x == min: inclusive, to x
    assert lo.grad.tolist() == [0.0, 1.0, 0.0]
    assert hi.grad.tolist() == [0.0, 0.0, 1.0]


def test_clamp_tensor_bounds_min_above_max_pytorch_rule():
    # PyTorch 2.13: min(max(x, lo), hi) is hi when lo >= hi; the gradient goes to hi where
    # x > hi or hi < lo, and to nobody where x < lo == hi (checked with torch 2.13.0)
    x = tensor([0.0, 0.0, 0.0, 3.0], requires_grad=True)
    lo = tensor([1.0, 2.0, 0.0, 1.0], requires_grad=True)
    hi = tensor([1.0, 1.0, 0.0, 1.0], requires_grad=True)
    y = clamp(x, lo, hi)
    assert y.tolist() == [1.0, 1.0, 0.0, 1.0]
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 1.0, 0.0]
    assert lo.grad.tolist() == [0.0, 0.0, 0.0, 0.0]
    assert hi.grad.tolist() == [0.0, 1.0, 0.0, 1.0]


def test_pow_tensor_exponent_at_zero_base():
    x = tensor([0.0, 2.0], requires_grad=True)
    p = tensor([2.0, 0.5], requires_grad=True)
    (x ** p).sum().backward()
    np.testing.assert_allclose(x.grad.tolist(), [0.0, 0.5 / math.sqrt(2)])
    np.testing.assert_allclose(p.grad.tolist(), [0.0, math.sqrt(2) * math.log(2)])


def test_max_of_tensor_dim_returns_first_index():
    x = tensor([[3.0, 3.0, 1.0], [2.0, 5.0, 5.0]])
    assert max(x, 1).indices.tolist() == [0, 1]
    assert min(x, 0).indices.tolist() == [1, 0, 0]


# ------------------------------------------------------------------ numerics (N1, N6, N7)

def test_n1_sqrt_at_zero_gives_inf_gradient():
    x = Variable(0.0, requires_grad=True)
    y = sqrt(x)
    with np.errstate(all="ignore"):
        y.backward()
    assert y.item() == 0.0 and x.grad.item() == math.inf


def test_n3_norm_of_zero_vector():
    x = Variable([0.0, 0.0], requires_grad=True)
    n = norm(x)
    n.backward()
    assert n.item() == 0.0
    assert x.grad.tolist() == [0.0, 0.0]


def test_n6_softmax_of_large_inputs():
    x = Variable([1000.0, 1001.0], requires_grad=True)
    y = softmax(x)
    np.testing.assert_allclose(y.tolist(), [0.2689414213699951, 0.7310585786300049], rtol=1e-12)
    y[1].backward()
    s0, s1 = 1 / (1 + math.e), math.e / (1 + math.e)
    np.testing.assert_allclose(x.grad.tolist(), [-s0 * s1, s1 * (1 - s1)], rtol=1e-12)
    assert np.all(np.isfinite(x.grad.tolist()))


def test_n6_log_softmax_and_logsumexp_of_large_inputs():
    x = tensor([1000.0, 1001.0], requires_grad=True)
    lse = logsumexp(x, 0)
    assert lse.item() == pytest.approx(1001.0 + math.log1p(math.exp(-1.0)), rel=1e-15)
    ls = log_softmax(x)
    np.testing.assert_allclose(ls.tolist(), [-1.0 - math.log1p(math.exp(-1)), -math.log1p(math.exp(-1))])
    (lse + ls.sum()).backward()
    assert np.all(np.isfinite(x.grad.tolist()))


def test_n7_logsumexp_of_all_minus_inf():
    x = Variable([-math.inf, -math.inf], requires_grad=True)
    y = logsumexp(x)
    assert y.item() == -math.inf
    y.backward()
    assert x.grad.tolist() == [0.0, 0.0]


def test_logsumexp_all_minus_inf_along_a_dim():
    x = tensor([[-math.inf, -math.inf], [0.0, 0.0]], requires_grad=True)
    y = logsumexp(x, 1)
    assert y.tolist()[0] == -math.inf
    assert y.tolist()[1] == pytest.approx(math.log(2))
    y.sum().backward()
    assert x.grad.tolist() == [[0.0, 0.0], [0.5, 0.5]]


def test_stable_sigmoid_and_softplus_at_extremes():
    x = tensor([0.0, -50.0, 50.0, 800.0, -800.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")     # no overflow on the way
        y = sigmoid(x)
        z = softplus(x)
        (y + z).sum().backward()
    np.testing.assert_allclose(y.tolist(), [0.5, 1.9287498479639178e-22, 1.0, 1.0, 0.0], rtol=1e-12)
    np.testing.assert_allclose(z.tolist(), [math.log(2), 1.9287498479639178e-22, 50.0, 800.0, 0.0],
                               rtol=1e-12)
    np.testing.assert_allclose(x.grad.tolist(), [0.75, 3.857499695927835e-22, 1.0, 1.0, 0.0],
                               rtol=1e-12)


def test_log1p_expm1_accurate_near_zero():
    x = tensor([1e-12, -1e-12], requires_grad=True)
    from gradcli.engine import expm1, log1p
    np.testing.assert_allclose(log1p(x).tolist(), [1e-12 - 5e-25, -1e-12 - 5e-25], rtol=1e-15)
    np.testing.assert_allclose(expm1(x).tolist(), [1e-12 + 5e-25, -1e-12 + 5e-25], rtol=1e-15)


def test_softmax_of_minus_inf_entries():
    x = tensor([-math.inf, 0.0, 0.0], requires_grad=True)
    y = softmax(x)
    assert y.tolist() == [0.0, 0.5, 0.5]
    y[1].backward()
    assert x.grad.tolist() == [0.0, 0.25, -0.25]


def test_det_of_a_singular_matrix_has_the_adjugate_as_gradient():
    # d det(A) / dA = adj(A)^T, a polynomial's derivative, defined for singular A too.
    # PyTorch 2.13 returns zeros here and fails its own gradcheck (docs/subgradients.md).
    a = tensor([[1.0, 2.0], [2.0, 4.0]], requires_grad=True)
    d = det(a)
    assert d.item() == pytest.approx(0.0, abs=1e-12)
    d.backward()
    np.testing.assert_allclose(a.grad.tolist(), [[4.0, -2.0], [-2.0, 1.0]], atol=1e-12)


# ------------------------------------------------------------------ N2, N4, N5 and anomaly mode

def test_n2_n4_n5_nan_and_inf_propagate_and_anomaly_mode_names_the_op():
    from gradcli.engine import anomaly_mode, log
    events = []
    with np.errstate(all="ignore"), anomaly_mode(lambda *e: events.append(e), tag=lambda: "1:5"):
        a = log(Variable(-1.0))                  # N2: NaN, not an exception
        b = tensor(-8.0) ** (1 / 3)              # N4: NaN, never a complex number
        c = tensor(1.0) / 0                      # N5: inf, no ZeroDivisionError
        d = tensor(0.0) / tensor(0.0)            # N5: NaN
        ok = tensor(4.0) * 2                     # finite: no event
        x = Variable(0.0, requires_grad=True)
        sqrt(x).backward()                       # N1 under anomaly mode: backward event
    assert math.isnan(a.item()) and math.isnan(b.item()) and math.isnan(d.item())
    assert c.item() == math.inf and ok.item() == 8.0
    assert isinstance(b.item(), float)
    assert [e[:3] for e in events] == [
        ("forward", "LogBackward0", "1:5"), ("forward", "PowBackward0", "1:5"),
        ("forward", "DivBackward0", "1:5"), ("forward", "DivBackward0", "1:5"),
        ("backward", "SqrtBackward0", "1:5")]
    # the fourth argument explains each (engine/nonfinite.py)
    assert [e[3].kind for e in events] == ["nan", "nan", "inf", "nan", "inf"]


def test_anomaly_tag_is_the_one_at_creation_time():
    from gradcli.engine import anomaly_mode
    where_ = ["1:1"]
    events = []
    with np.errstate(all="ignore"), anomaly_mode(lambda *e: events.append(e), tag=lambda: where_[0]):
        x = Variable(0.0, requires_grad=True)
        y = sqrt(x)        # created at 1:1
        where_[0] = "2:7"
        y.backward()       # run at 2:7: the node still reports where it was made
    assert [e[:3] for e in events] == [("backward", "SqrtBackward0", "1:1")]


@pytest.mark.parametrize("shape, wrong", [((3,), np.ones(2)), ((), np.ones(2)),
                                          ((3,), np.float64(1.0))])
def test_a_rule_returning_the_wrong_shape_is_named(shape, wrong, monkeypatch):
    from gradcli.engine.arith import MulBackward0
    monkeypatch.setattr(MulBackward0, "fast", lambda self, g: (wrong, None))
    monkeypatch.setattr(MulBackward0, "spend", None)
    x = tensor(np.ones(shape), requires_grad=True)
    y = (x * 2.0).sum()
    with pytest.raises(AutogradError, match=r"Function MulBackward0 returned an invalid "
                       r"gradient at index 0 - got \(\S*\) but expected shape \(\S*\)"):
        y.backward()
