"""torch.optim's SGD, Adam, AdamW, RMSprop, Adagrad: every step against PyTorch 2.13 (when installed), and the
first steps against their formulas (always)."""
import math

import numpy as np
import pytest

from gradcli.engine import no_grad, tensor
from gradcli.engine.errors import EngineTypeError, EngineValueError
from gradcli.engine.optim import SGD, Adagrad, Adam, AdamW, RMSprop

P0 = [[0.5, -1.25, 2.0], [0.0, 3.5, -0.75]]
GRADS = [np.array(g) for g in (
    [[0.1, -0.2, 0.3], [0.0, 1.5, -2.5]],
    [[-0.4, 0.25, 0.0], [1e-3, -1.5, 2.0]],
    [[0.3, 0.3, -0.3], [0.7, 0.0, 0.125]],
    [[1.0, -1.0, 0.5], [-0.5, 0.25, 0.75]],
)]

CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3)),
    ("SGD", dict(lr=0.01, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.1, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.05, weight_decay=0.5, amsgrad=True, maximize=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, eps=1e-6, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.1, weight_decay=0.01, initial_accumulator_value=0.5)),
    ("Adagrad", dict(lr=0.05, eps=1e-6, maximize=True)),
]
OURS = {"SGD": SGD, "Adam": Adam, "AdamW": AdamW, "RMSprop": RMSprop, "Adagrad": Adagrad}


def run_ours(name, kw, dtype=np.float64):
    p = tensor(np.array(P0, dtype=dtype), requires_grad=True)
    opt = OURS[name]([p], **kw)
    out = []
    for g in GRADS:
        p.grad = tensor(g.astype(dtype))
        opt.step()
        out.append(np.array(p._data, copy=True))
    return out


@pytest.mark.parametrize("name,kw", CONFIGS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_steps_match_torch(name, kw, dtype):
    torch = pytest.importorskip("torch")
    tdt = torch.float64 if dtype == np.float64 else torch.float32
    p = torch.tensor(P0, dtype=tdt, requires_grad=True)
    opt = getattr(torch.optim, name)([p], **kw)
    expected = []
    for g in GRADS:
        p.grad = torch.tensor(g, dtype=tdt)
        opt.step()
        expected.append(p.detach().numpy().copy())
    got = run_ours(name, kw, dtype)
    for i, (a, b) in enumerate(zip(got, expected)):
        assert a.dtype == b.dtype
        if name == "SGD":
            np.testing.assert_array_equal(a, b, err_msg=f"step {i + 1}")
        else:
            # torch's sqrt kernel is not correctly rounded (numpy's is): a few ulps, no more
            ulp = np.finfo(dtype).eps
            np.testing.assert_allclose(a, b, rtol=4 * ulp, atol=4 * ulp, err_msg=f"step {i + 1}")


def test_sgd_first_step_is_p_minus_lr_g():
    got = run_ours("SGD", dict(lr=0.1))[0]
    np.testing.assert_array_equal(got, np.array(P0) - 0.1 * GRADS[0])


def test_sgd_momentum_by_hand():
    # buf1 = g1; p1 = p0 - lr g1; buf2 = m buf1 + g2; p2 = p1 - lr buf2
    lr, m = 0.05, 0.9
    got = run_ours("SGD", dict(lr=lr, momentum=m))
    p1 = np.array(P0) - lr * GRADS[0]
    p2 = p1 - lr * (m * GRADS[0] + GRADS[1])
    np.testing.assert_allclose(got[1], p2, rtol=1e-15, atol=1e-15)


def test_adam_first_step_moves_each_entry_by_lr_times_sign():
    # m_hat = g, v_hat = g^2: the step is lr * g / (|g| + eps), i.e. about lr * sign(g)
    lr, eps = 0.01, 1e-8
    got = run_ours("Adam", dict(lr=lr, eps=eps))[0]
    g = GRADS[0]
    np.testing.assert_allclose(got, np.array(P0) - lr * g / (np.abs(g) + eps), rtol=1e-12, atol=1e-15)


def test_adamw_decays_the_weights_before_the_step():
    lr, wd = 0.01, 0.5
    got = run_ours("AdamW", dict(lr=lr, weight_decay=wd))[0]
    g = GRADS[0]
    expected = np.array(P0) * (1 - lr * wd) - lr * g / (np.abs(g) + 1e-8)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)


def test_rmsprop_first_step_by_hand():
    # square_avg = (1 - alpha) g^2, so the step is lr * g / (sqrt(1 - alpha) |g| + eps)
    lr, alpha, eps = 0.01, 0.99, 1e-8
    got = run_ours("RMSprop", dict(lr=lr))[0]
    g = GRADS[0]
    expected = np.array(P0) - lr * g / (math.sqrt(1 - alpha) * np.abs(g) + eps)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)


def test_rmsprop_centered_subtracts_the_mean_square():
    # centered: avg = sqrt(E[g^2] - E[g]^2) = sqrt(a(1-a)) |g| after one step (a = 1 - alpha)
    lr, alpha = 0.01, 0.9
    got = run_ours("RMSprop", dict(lr=lr, alpha=alpha, centered=True))[0]
    g, a = GRADS[0], 1 - alpha
    expected = np.array(P0) - lr * g / (math.sqrt(a * (1 - a)) * np.abs(g) + 1e-8)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)


def test_adagrad_two_steps_by_hand():
    # sum_n = g_1^2 + ... + g_n^2; p_n = p_{n-1} - lr g_n / (sqrt(sum_n) + eps)
    lr, eps = 0.1, 1e-10
    got = run_ours("Adagrad", dict(lr=lr))
    g1, g2 = GRADS[0], GRADS[1]
    p1 = np.array(P0) - lr * g1 / (np.abs(g1) + eps)
    p2 = p1 - lr * g2 / (np.sqrt(g1 ** 2 + g2 ** 2) + eps)
    np.testing.assert_allclose(got[1], p2, rtol=1e-12, atol=1e-15)


def test_step_is_in_place_bumps_the_version_and_skips_missing_grads():
    p = tensor([1.0, 2.0], requires_grad=True)
    q = tensor([3.0], requires_grad=True)
    alias = p
    v0 = p._version
    opt = SGD([p, q], lr=0.5)
    p.grad = tensor([1.0, 1.0])
    opt.step()
    assert alias is p and p.tolist() == [0.5, 1.5] and q.tolist() == [3.0]
    assert p._version > v0 and p.requires_grad and p.is_leaf
    opt.zero_grad()
    assert p.grad is None


def test_zero_grad_set_to_none_false_keeps_zeros():
    p = tensor([1.0], requires_grad=True)
    p.grad = tensor([4.0])
    SGD([p], lr=1.0).zero_grad(set_to_none=False)
    assert p.grad.tolist() == [0.0]


@pytest.mark.parametrize("make,err", [
    (lambda p: SGD(p, lr=-1), EngineValueError),
    (lambda p: SGD(p, lr=0.1, nesterov=True), EngineValueError),
    (lambda p: Adam(p, betas=(1.0, 0.9)), EngineValueError),
    (lambda p: Adam(p, eps=-1.0), EngineValueError),
    (lambda p: RMSprop(p, alpha=-0.5), EngineValueError),
    (lambda p: RMSprop(p, momentum=-1), EngineValueError),
    (lambda p: Adagrad(p, lr_decay=-1), EngineValueError),
    (lambda p: Adagrad(p, initial_accumulator_value=-1), EngineValueError),
    (lambda p: SGD([], lr=0.1), EngineValueError),
    (lambda p: SGD(p[0], lr=0.1), EngineTypeError),
    (lambda p: SGD([1.0], lr=0.1), EngineTypeError),
])
def test_bad_arguments_are_clear_errors(make, err):
    with pytest.raises(err):
        make([tensor([1.0], requires_grad=True)])


def test_training_loop_converges_like_gradient_descent():
    # minimise (w - 3)^2 from w = 0: plain SGD with lr 0.1 gives w_n = 3 (1 - 0.8^n)
    w = tensor([0.0], requires_grad=True)
    opt = SGD([w], lr=0.1)
    for _ in range(20):
        opt.zero_grad()
        ((w - 3.0) ** 2).sum().backward()
        opt.step()
    assert math.isclose(w.item(), 3 * (1 - 0.8 ** 20), rel_tol=1e-12)
    with no_grad():
        assert w.requires_grad
