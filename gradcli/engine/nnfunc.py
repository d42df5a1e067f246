"""torch.nn.functional: activations, normalize, linear and the losses, with PyTorch's
arguments, values, subgradients and node names.

An op whose PyTorch node is one kernel (GeluBackward0, MseLossBackward0, ...) computes
its value with numpy and records a ``rule.node_class`` node whose derivative is written
in engine ops (so order 2 works); an op that PyTorch composes (normalize, l1_loss,
cross_entropy) is composed here the same way, so its graph has PyTorch's nodes.
"""
from __future__ import annotations

import math

import numpy as np

from . import elementwise as ew
from ._op import lift
from .errors import EngineValueError, ShapeError
from .errors import shown
from .linalg import matmul
from .reduce import log_softmax as _log_softmax, mean, norm, softmax as _softmax, sum as _sum
from .rule import node_class, record_rule
from .shape import expand, transpose, unsqueeze
from .variable import Variable, _wrap

relu, sigmoid, tanh, logsigmoid = ew.relu, ew.sigmoid, ew.tanh, ew.logsigmoid


def softmax(input, dim=None, dtype=None):
    return _softmax(_cast(input, dtype), -1 if dim is None else dim)


def log_softmax(input, dim=None, dtype=None):
    return _log_softmax(_cast(input, dtype), -1 if dim is None else dim)


def _cast(x, dtype):
    if dtype is not None:
        raise EngineValueError("softmax: the dtype argument is not supported; cast the input first")
    return lift(x)


def _fl(x):
    x = lift(x)
    if np.asarray(x._data).dtype.kind not in "fc":
        raise EngineValueError(f"expected a floating point tensor, got {np.asarray(x._data).dtype}")
    return x


# ------------------------------------------------------------- activations

_SQRT2, _SQRT_2PI = math.sqrt(2.0), math.sqrt(2.0 * math.pi)
_K, _C = math.sqrt(2.0 / math.pi), 0.044715


def _gelu_rule(g, x, tanh_form):
    if tanh_form:
        t = ew.tanh((x + x * x * x * _C) * _K)
        return (g * ((t + 1) * 0.5 + x * 0.5 * (1 - t * t) * _K * (x * x * (3 * _C) + 1)),)
    cdf = (ew.erf(x / _SQRT2) + 1) * 0.5
    return (g * (cdf + x * ew.exp(x * x * -0.5) / _SQRT_2PI),)


GeluBackward0 = node_class("GeluBackward0", _gelu_rule)


def gelu(input, approximate="none"):
    """x Φ(x) (approximate='tanh': PyTorch's tanh form)."""
    x = _fl(input)
    if approximate not in ("none", "tanh"):
        raise EngineValueError(f"approximate argument must be either none or tanh, got {shown(approximate)}")
    d = x._data
    if approximate == "tanh":
        out = 0.5 * d * (1 + np.tanh(_K * (d + _C * d ** 3)))
    else:
        out = 0.5 * d * (1 + ew.erf(_wrap(d / _SQRT2))._data)
    return record_rule(out[()], GeluBackward0, (x,), (x, approximate == "tanh"))


SiluBackward0 = node_class("SiluBackward0", lambda g, x: (
    g * (ew.sigmoid(x) * (x * (1 - ew.sigmoid(x)) + 1)),))


def silu(input):
    """x sigmoid(x)."""
    x = _fl(input)
    return record_rule((x._data * ew._np_sigmoid(x._data))[()], SiluBackward0, (x,), (x,))


EluBackward0 = node_class("EluBackward0", lambda g, x, alpha: (
    ew.where(x._data > 0, g, g * ew.exp(x) * alpha),))


def elu(input, alpha=1.0):
    """x for x > 0, alpha (e^x - 1) otherwise."""
    x = _fl(input)
    d = x._data
    out = np.where(d > 0, d, alpha * np.expm1(np.minimum(d, 0))).astype(d.dtype)[()]
    return record_rule(out, EluBackward0, (x,), (x, alpha))


LeakyReluBackward0 = node_class("LeakyReluBackward0", lambda g, x, slope: (
    ew.where(x._data > 0, g, g * slope),))


def leaky_relu(input, negative_slope=0.01):
    """x for x > 0, negative_slope x otherwise (the slope also at 0, as PyTorch)."""
    x = _fl(input)
    d = x._data
    return record_rule(np.where(d > 0, d, d * negative_slope)[()], LeakyReluBackward0,
                       (x,), (x, negative_slope))


SoftplusBackward0 = node_class("SoftplusBackward0", lambda g, x, beta, threshold: (
    ew.where(x._data * beta > threshold, g, g * ew.sigmoid(x * beta)),))


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + e^{beta x}) / beta, and x itself where beta x > threshold (PyTorch)."""
    x = _fl(input)
    d = x._data
    out = np.where(d * beta > threshold, d, np.logaddexp(0, d * beta) / beta).astype(d.dtype)[()]
    return record_rule(out, SoftplusBackward0, (x,), (x, beta, threshold))


# --------------------------------------------------------- normalize, linear

def normalize(input, p=2.0, dim=1, eps=1e-12):
    """input / max(norm(input, p, dim), eps), as PyTorch composes it."""
    x = _fl(input)
    return x / expand(ew.clamp_min(norm(x, p, dim, keepdim=True), eps), x.shape)


def _addmm_rule(g, x, w):
    return g @ w, transpose(g, 0, 1) @ x, _sum(g, 0)


AddmmBackward0 = node_class("AddmmBackward0", _addmm_rule)


def linear(input, weight, bias=None):
    """input @ weight.T + bias (2-D input with a bias: one AddmmBackward0, as PyTorch)."""
    x, w = lift(input), lift(weight)
    if w.ndim not in (1, 2):
        raise ShapeError(f"linear: weight must be 1-D or 2-D, got shape {tuple(w.shape)}")
    if bias is not None and x.ndim == 2 and w.ndim == 2:
        b = lift(bias)
        if x.shape[1] != w.shape[1]:
            raise ShapeError(f"mat1 and mat2 shapes cannot be multiplied "
                             f"({x.shape[0]}x{x.shape[1]} and {w.shape[1]}x{w.shape[0]})")
        out = b._data + x._data @ w._data.T
        if np.shape(out) != (x.shape[0], w.shape[0]):
            raise ShapeError(f"linear: bias of shape {tuple(b.shape)} does not match the output")
        return record_rule(out, AddmmBackward0, (x, w, b), (x, w))
    y = matmul(x, transpose(w, 0, 1) if w.ndim == 2 else w)
    return y if bias is None else y + bias


# ------------------------------------------------------------------ losses

REDUCTIONS = ("none", "mean", "sum")


def _reduction(reduction):
    if reduction not in REDUCTIONS:
        raise EngineValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(d, reduction):
    if reduction == "mean":
        return np.mean(d)[()]
    return np.sum(d)[()] if reduction == "sum" else d


def _pair(input, target):
    x, t = _fl(input), lift(target)
    if np.shape(x._data) != np.shape(t._data):
        try:
            np.broadcast_shapes(np.shape(x._data), np.shape(t._data))
        except ValueError:
            raise ShapeError(f"The size of tensor a {tuple(x.shape)} must match the size of "
                             f"tensor b {tuple(t.shape)}") from None
    return x, t


def _pointwise_loss(name, value, deriv):
    """A loss l(x - t) reduced: value(z) in numpy, deriv(z) in engine ops (z a Variable)."""
    def rule(g, x, t, reduction, n, *args):
        gz = g / n if reduction == "mean" else g
        d = gz * deriv(x - t, *args)
        return d, -d

    cls = node_class(name, rule)

    def loss(input, target, reduction, *args):
        x, t = _pair(input, target)
        z = np.asarray(x._data - t._data)
        out = _reduce(value(z, *args), _reduction(reduction))
        return record_rule(np.asarray(out, dtype=z.dtype)[()], cls, (x, t),
                           (x, t, reduction, z.size, *args))
    return cls, loss


MseLossBackward0, _mse = _pointwise_loss("MseLossBackward0", lambda z: z * z, lambda z: z * 2)


def mse_loss(input, target, reduction="mean"):
    """The squared error (x - t)², reduced."""
    return _mse(input, target, reduction)


def l1_loss(input, target, reduction="mean"):
    """|x - t|, reduced (PyTorch composes it: Sub, Abs, Mean)."""
    x, t = _pair(input, target)
    d = ew.abs(x - t)
    r = _reduction(reduction)
    return mean(d) if r == "mean" else _sum(d) if r == "sum" else d


SmoothL1LossBackward0, _smooth_l1 = _pointwise_loss(
    "SmoothL1LossBackward0",
    lambda z, beta: np.where(np.abs(z) < beta, 0.5 * z * z / (beta or 1), np.abs(z) - 0.5 * beta),
    lambda z, beta: ew.where(np.abs(z._data) < beta, z / (beta or 1), ew.sign(z)))


def smooth_l1_loss(input, target, reduction="mean", beta=1.0):
    """0.5 z² / beta where |z| < beta, |z| - beta / 2 elsewhere (z = x - t)."""
    if beta < 0:
        raise EngineValueError("smooth_l1_loss does not support negative values for beta.")
    if beta == 0:                     # PyTorch: the l1 loss itself
        return l1_loss(input, target, reduction)
    return _smooth_l1(input, target, reduction, float(beta))


HuberLossBackward0, _huber = _pointwise_loss(
    "HuberLossBackward0",
    lambda z, delta: np.where(np.abs(z) < delta, 0.5 * z * z, delta * (np.abs(z) - 0.5 * delta)),
    lambda z, delta: ew.where(np.abs(z._data) < delta, z, ew.sign(z) * delta))


def huber_loss(input, target, reduction="mean", delta=1.0):
    """0.5 z² where |z| < delta, delta (|z| - delta / 2) elsewhere (z = x - t)."""
    if delta <= 0:
        raise EngineValueError("huber_loss does not support non-positive values for delta.")
    return _huber(input, target, reduction, float(delta))


# --------------------------------------------------------- classification

def _targets(x, target, ignore_index):
    """Class indices as an int array, checked against the class count; the class axis
    of ``x`` (0 for a (C,) input, else 1)."""
    t = np.asarray(target._data if type(target) is Variable else target)
    if t.dtype.kind not in "iu":
        raise EngineValueError(f"expected class indices of an integer dtype, got {t.dtype}")
    cdim = 0 if x.ndim == 1 else 1
    want = () if x.ndim == 1 else (x.shape[0],) + tuple(x.shape[2:])
    if t.shape != want:
        raise ShapeError(f"expected target of shape {want} for input of shape {tuple(x.shape)}, "
                         f"got {t.shape}")
    c = x.shape[cdim]
    bad = (t != ignore_index) & ((t < 0) | (t >= c))
    if np.any(bad):
        raise EngineValueError(f"Target {int(t[bad].flat[0])} is out of bounds.")
    return t, cdim, c


def _nll_rule(g, coef, reduction):
    # coef: the constant -w[t] / denominator at each target position, 0 elsewhere
    if reduction == "none" and coef.ndim > 1:
        g = unsqueeze(g, 1)          # one loss per sample: spread along the class axis
    return (g * _wrap(coef),)


NllLossBackward0 = node_class("NllLossBackward0", _nll_rule)


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    """-w[t] input[t] per sample (the input holds log-probabilities), reduced; ``mean``
    divides by the sum of the weights of the samples not ignored."""
    x = _fl(input)
    reduction = _reduction(reduction)
    t, cdim, c = _targets(x, target, ignore_index)
    w = np.ones(c, x.dtype) if weight is None else np.asarray(lift(weight)._data, x.dtype)
    keep_ = t != ignore_index
    ts = np.where(keep_, t, 0)
    wt = np.where(keep_, w[ts], 0.0).astype(x.dtype)
    picked = np.take_along_axis(np.asarray(x._data), np.expand_dims(ts, cdim), cdim).squeeze(cdim)
    per = -wt * picked
    if reduction == "none":
        out, denom = per, 1.0
    elif reduction == "sum":
        out, denom = np.sum(per), 1.0
    else:
        denom = np.sum(wt)
        out = np.sum(per) / denom if denom else np.asarray(np.nan, x.dtype)
    coef = np.zeros(x.shape, x.dtype)
    np.put_along_axis(coef, np.expand_dims(ts, cdim), np.expand_dims(-wt / denom, cdim), cdim)
    return record_rule(np.asarray(out, x.dtype)[()], NllLossBackward0, (x,), (coef, reduction))


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean",
                  label_smoothing=0.0):
    """log_softmax over the class axis, then nll_loss (class indices) or -sum(p log q)
    (class probabilities), with PyTorch's label smoothing, as PyTorch composes it."""
    x = _fl(input)
    reduction = _reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise EngineValueError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    cdim = 0 if x.ndim == 1 else 1
    logp = _log_softmax(x, cdim)
    c = x.shape[cdim]
    wshape = [1] * x.ndim
    wshape[cdim] = c
    wv = None if weight is None else lift(weight).reshape(tuple(wshape))
    td = np.asarray(target._data if type(target) is Variable else target)
    if td.dtype.kind == "f":                      # class probabilities
        p = lift(target)
        if label_smoothing > 0:
            p = p * (1 - label_smoothing) + label_smoothing / c
        prod = logp * p if wv is None else logp * p * wv
        if reduction == "sum":
            return -_sum(prod)
        per = -_sum(prod, cdim)
        if reduction == "mean":
            return _sum(per) / (x.numel() // c) if x.ndim > 1 else _sum(per)
        return per
    loss = nll_loss(logp, target, weight, ignore_index, reduction)
    if label_smoothing <= 0:
        return loss
    t, _, _ = _targets(x, target, ignore_index)
    ignored = t == ignore_index
    smooth = -_sum(logp if wv is None else logp * wv, cdim)
    smooth = ew.where(ignored, 0.0, smooth)
    if reduction == "mean":
        if weight is None:
            denom = float(np.sum(~ignored))
        else:
            denom = float(np.sum(np.asarray(lift(weight)._data)[t[~ignored]]))
        ret = _sum(smooth) / denom
    else:
        ret = _sum(smooth) if reduction == "sum" else smooth
    return loss * (1 - label_smoothing) + ret * (label_smoothing / c)


# ------------------------------------------------------------ binary losses

_EPS = 1e-12


def _bce_rule(g, x, t, w, reduction, n):
    gz = g / n if reduction == "mean" else g
    if w is not None:
        gz = gz * w
    gx = gz * (x - t) / ew.clamp(x * (1 - x), min=_EPS)
    gt = gz * (ew.clamp(ew.log(1 - x), min=-100) - ew.clamp(ew.log(x), min=-100))
    return gx, gt, None


BinaryCrossEntropyBackward0 = node_class("BinaryCrossEntropyBackward0", _bce_rule)


def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    """-w (t log x + (1 - t) log(1 - x)), each log clamped at -100 as PyTorch does."""
    x, t = _pair(input, target)
    xd = np.asarray(x._data)
    if np.any((xd < 0) | (xd > 1)):
        raise EngineValueError("all elements of input should be between 0 and 1")
    if np.shape(x._data) != np.shape(t._data):
        raise ShapeError(f"Using a target size ({tuple(t.shape)}) that is different to the input "
                         f"size ({tuple(x.shape)}) is deprecated. Please ensure they have the same size.")
    w = None if weight is None else lift(weight)
    with np.errstate(divide="ignore"):
        per = -(t._data * np.maximum(np.log(xd), -100) + (1 - t._data) * np.maximum(np.log1p(-xd), -100))
    if w is not None:
        per = per * w._data
    out = _reduce(np.asarray(per), _reduction(reduction))
    return record_rule(np.asarray(out, xd.dtype)[()], BinaryCrossEntropyBackward0, (x, t, w),
                       (x, t, w, reduction, np.size(per)))


def _bcel_rule(g, x, t, w, pw, reduction, n):
    gz = g / n if reduction == "mean" else g
    if w is not None:
        gz = gz * w
    s = ew.sigmoid(x)
    if pw is None:
        return gz * (s - t), gz * -x, None, None
    pt = pw * t
    gx = gz * ((pt + 1 - t) * s - pt)
    gt = gz * ((pw - 1) * ew.softplus(-x) - x)
    return gx, gt, None, gz * t * ew.softplus(-x)


BinaryCrossEntropyWithLogitsBackward0 = node_class("BinaryCrossEntropyWithLogitsBackward0",
                                                   _bcel_rule)


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean",
                                     pos_weight=None):
    """(1 - t) x + (1 + (pw - 1) t) softplus(-x), times w: sigmoid and BCE in one stable step."""
    x, t = _pair(input, target)
    if np.shape(x._data) != np.shape(t._data):
        raise ShapeError(f"Target size ({tuple(t.shape)}) must be the same as input size ({tuple(x.shape)})")
    w = None if weight is None else lift(weight)
    pw = None if pos_weight is None else lift(pos_weight)
    xd, td = np.asarray(x._data), np.asarray(t._data)
    sp = np.logaddexp(0, -xd)
    per = (1 - td) * xd + (sp if pw is None else (1 + (pw._data - 1) * td) * sp)
    if w is not None:
        per = per * w._data
    out = _reduce(np.asarray(per), _reduction(reduction))
    return record_rule(np.asarray(out, xd.dtype)[()], BinaryCrossEntropyWithLogitsBackward0,
                       (x, t, w, pw), (x, t, w, pw, reduction, np.size(per)))


__all__ = ["relu", "gelu", "silu", "elu", "leaky_relu", "softplus", "sigmoid", "tanh",
           "softmax", "log_softmax", "logsigmoid", "normalize", "linear", "mse_loss", "l1_loss",
           "smooth_l1_loss", "huber_loss", "cross_entropy", "nll_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits"]
