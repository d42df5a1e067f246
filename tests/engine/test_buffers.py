"""The backward walk adds gradients in place into buffers nothing else holds, and
gives a leaf its first gradient without a copy when nothing shares it (decided by
CPython's reference count). These cases share arrays on purpose: every gradient
must still own its memory, so an in-place change of one touches no other."""
import numpy as np
import pytest

from gradcli import exp, tensor


def ones(n=3):
    return tensor(np.ones(n), requires_grad=True)


def test_seed_passed_through_to_two_leaves_is_not_shared():
    x, y = ones(), ones()
    seed = tensor(np.ones(3))
    (x + y).backward(seed)
    x.grad.zero_()
    assert y.grad.tolist() == [1.0, 1.0, 1.0]
    assert seed.tolist() == [1.0, 1.0, 1.0]


def test_same_buffer_reaching_a_node_twice_adds_up():
    a = ones()
    h = a + 0
    (h + h).backward(tensor(np.ones(3)))
    assert a.grad.tolist() == [2.0, 2.0, 2.0]


def test_diamond_gradients_and_independence():
    b, c = ones(), ones()
    z = b + c
    (z * 2 + z).backward(tensor(np.ones(3)))
    assert b.grad.tolist() == [3.0, 3.0, 3.0] and c.grad.tolist() == [3.0, 3.0, 3.0]
    b.grad.zero_()
    assert c.grad.tolist() == [3.0, 3.0, 3.0]


def test_accumulation_does_not_change_an_earlier_grad_object():
    x = ones()
    y = exp(x).sum()
    y.backward(retain_graph=True)
    first = x.grad
    y.backward()
    assert np.allclose(first.numpy(), np.e)
    assert np.allclose(x.grad.numpy(), 2 * np.e)


@pytest.mark.parametrize("make", [lambda u: u * 1.0, lambda u: u + 0])
def test_retained_grad_and_leaf_grad_are_independent(make):
    u = ones()
    v = make(u)
    v.retain_grad()
    (v * 3).sum().backward()
    u.grad.zero_()
    assert v.grad.tolist() == [3.0, 3.0, 3.0]
    v.grad.zero_()
    assert u.grad.tolist() == [0.0, 0.0, 0.0]


def test_user_tensor_used_as_seed_stays_intact_through_a_chain():
    x = ones()
    seed = tensor(np.full(3, 2.0))
    (x + 0 + 0).backward(seed)
    x.grad.fill_(7.0)
    assert seed.tolist() == [2.0, 2.0, 2.0]
