"""Derived autograd tools: jacobian, hessian, gradcheck, gradgradcheck, and
torch.autograd.functional's vjp, jvp, vhp, hvp.

``gradcheck`` follows torch.autograd.gradcheck's contract: float64 inputs,
central differences with eps 1e-6, and |analytic - numeric| <= atol + rtol * |numeric|
with atol 1e-5, rtol 1e-3.
"""
from __future__ import annotations

import numpy as np

from ._op import check_size
from .backward import grad
from .context import spend
from .errors import AutogradError
from .variable import Variable, _wrap, to_array


class GradcheckError(AutogradError):
    """Analytic and numerical gradients disagree."""


def _tuple(x):
    return tuple(x) if isinstance(x, (list, tuple)) else (x,)


def _fresh(x):
    v = Variable(np.array(x._data, copy=True)[()] if type(x) is Variable else to_array(x))
    return v.requires_grad_(True)


def _pass_work(y, xs) -> float:
    """A lower bound of one backward pass (or evaluation): every element it reads or
    writes once; what loops of passes charge against ``max_flops``."""
    return float(y.numel() + sum(x.numel() for x in xs))


def _afford_rows(n, y, xs, what) -> None:
    """Before a loop of ``n`` passes: room for its rows, and for its work."""
    for x in xs:
        check_size((n,) + tuple(x.shape))
    spend(n * _pass_work(y, xs), what, charge=False)


def jacobian(f, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """d f(x) / d x with shape f(x).shape + x.shape (a tuple of those for several inputs).
    ``strict``, ``vectorize`` and ``strategy`` are accepted for PyTorch's signature; the
    result is the same (reverse mode, one backward per output element)."""
    single = not isinstance(inputs, (list, tuple))
    xs = tuple(x if create_graph and type(x) is Variable and x.requires_grad else _fresh(x)
               for x in _tuple(inputs))
    y = f(*xs)
    if type(y) is not Variable:
        raise AutogradError("jacobian: the function must return a tensor")
    n = y.numel()
    _afford_rows(n, y, xs, "jacobian")
    flat_rows = [[] for _ in xs]
    for i in range(n):
        spend(_pass_work(y, xs), "jacobian")
        seed = np.zeros(n, dtype=y.dtype)
        seed[i] = 1
        if y.requires_grad:
            gs = grad([y], list(xs), [_wrap(seed.reshape(y.shape)[()])], retain_graph=True,
                      create_graph=create_graph, allow_unused=True)
        else:
            gs = (None,) * len(xs)
        for k, (x, g) in enumerate(zip(xs, gs)):
            flat_rows[k].append(g if g is not None else _wrap(np.zeros_like(x._data)[()]))
    from .shape import reshape, stack
    out = tuple(reshape(stack(rows), tuple(y.shape) + tuple(x.shape))
                for rows, x in zip(flat_rows, xs))
    return out[0] if single else out


def hessian(f, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """Second derivatives of a scalar function: shape x.shape + x.shape; for several
    inputs a tuple of tuples, H[i][j] = d² f / d x_i d x_j (as PyTorch)."""
    several = isinstance(inputs, (list, tuple))
    xs = tuple(_fresh(x) for x in _tuple(inputs))

    def gradient(i):
        def g_i(*ys):
            y = f(*ys)
            if type(y) is not Variable or y.numel() != 1:
                raise AutogradError("hessian: the function must return a one-element tensor")
            g = grad(y, ys[i], create_graph=True, allow_unused=True)[0]
            return g if g is not None else _wrap(np.zeros_like(ys[i]._data)[()])
        return g_i

    if not several:
        return jacobian(gradient(0), xs[0], create_graph=create_graph)
    return tuple(jacobian(gradient(i), xs, create_graph=create_graph) for i in range(len(xs)))


def _numeric(f, xs, diff, eps):
    """Numerical Jacobians by central differences, one per (output, input) pair."""
    # f runs with grad mode as the caller has it: gradgradcheck's f calls grad() itself
    outs = [np.asarray(o._data, dtype=np.float64).ravel() for o in _tuple(f(*xs))]
    jac = {}
    for k in diff:
        x = xs[k]
        arr = np.array(x._data, dtype=np.float64)
        flat = arr.reshape(-1)
        for o in outs:
            check_size((o.size, flat.size))
        work = 2 * (sum(o.size for o in outs) + sum(v.numel() for v in xs))
        spend(work * flat.size, "gradcheck's numerical columns", charge=False)
        cols = [np.zeros((o.size, flat.size)) for o in outs]
        for j in range(flat.size):
            spend(work, "gradcheck's numerical columns")
            orig = flat[j]
            vals = []
            for delta in (eps, -eps):
                flat[j] = orig + delta
                x._data = arr.copy()[()] if arr.ndim == 0 else arr.copy()
                vals.append([np.asarray(o._data, dtype=np.float64).ravel() for o in _tuple(f(*xs))])
            flat[j] = orig
            x._data = arr.copy()[()] if arr.ndim == 0 else arr.copy()
            for i in range(len(outs)):
                cols[i][:, j] = (vals[0][i] - vals[1][i]) / (2 * eps)
        for i in range(len(outs)):
            jac[i, k] = cols[i]
    return jac


def _analytic(f, xs, diff):
    outs = _tuple(f(*xs))
    jac = {}
    for i, o in enumerate(outs):
        n = o.numel()
        _afford_rows(n, o, [xs[k] for k in diff], "gradcheck's analytical rows")
        for k in diff:
            jac[i, k] = np.zeros((n, xs[k].numel()))
        if not o.requires_grad:
            continue
        for r in range(n):
            spend(_pass_work(o, [xs[k] for k in diff]), "gradcheck's analytical rows")
            seed = np.zeros(n)
            seed[r] = 1
            gs = grad([o], [xs[k] for k in diff], [_wrap(seed.reshape(o.shape)[()])],
                      retain_graph=True, allow_unused=True)
            for k, g in zip(diff, gs):
                if g is not None:
                    jac[i, k][r] = np.asarray(g._data, dtype=np.float64).ravel()
    return jac


def gradcheck(f, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """True when f's analytic gradients match central differences at ``inputs``."""
    xs = _tuple(inputs)
    diff = [k for k, x in enumerate(xs) if type(x) is Variable and x.requires_grad]
    if not diff:
        raise AutogradError("gradcheck expects at least one input tensor to require gradient")
    for k in diff:
        if xs[k].dtype != np.float64:
            raise AutogradError(f"gradcheck: input {k} must be float64 (got {xs[k].dtype}); "
                                "finite differences are not accurate enough otherwise")
    analytic = _analytic(f, xs, diff)
    numeric = _numeric(f, xs, diff, eps)
    for key, a in analytic.items():
        nmr = numeric[key]
        if not np.all(np.abs(a - nmr) <= atol + rtol * np.abs(nmr)):
            if not raise_exception:
                return False
            i, k = key
            raise GradcheckError(
                f"Jacobian mismatch for output {i} with respect to input {k},\n"
                f"numerical:{nmr}\nanalytical:{a}")
    return True


def gradgradcheck(f, inputs, grad_outputs=None, eps=1e-6, atol=1e-5, rtol=1e-3,
                  raise_exception=True, seed=0):
    """gradcheck of the vector-Jacobian product of f: checks second derivatives."""
    xs = _tuple(inputs)
    diff = [k for k, x in enumerate(xs) if type(x) is Variable and x.requires_grad]
    outs = _tuple(f(*xs))
    rng = np.random.default_rng(seed)
    if grad_outputs is None:
        vs = [Variable(rng.standard_normal(o.shape)[()], requires_grad=True) for o in outs]
    else:
        vs = [v if type(v) is Variable else Variable(v, requires_grad=True)
              for v in _tuple(grad_outputs)]
    n = len(xs)

    def vjp(*args):
        ins, v = args[:n], args[n:]
        os_ = _tuple(f(*ins))
        pairs = [(o, w) for o, w in zip(os_, v) if o.requires_grad]
        gs = grad([o for o, _ in pairs], [ins[k] for k in diff], [w for _, w in pairs],
                  create_graph=True, allow_unused=True)
        return tuple(g if g is not None else _wrap(np.zeros_like(ins[k]._data)[()])
                     for k, g in zip(diff, gs))

    return gradcheck(vjp, tuple(xs) + tuple(vs), eps, atol, rtol, raise_exception)


# ------------------------------------------- torch.autograd.functional's products

def _prepare(inputs, create_graph):
    """(is_tuple, fresh leaves requiring grad): the caller's tensors are not touched."""
    is_tuple = isinstance(inputs, (list, tuple))
    xs = tuple(x if create_graph and type(x) is Variable and x.requires_grad else _fresh(x)
               for x in _tuple(inputs))
    return is_tuple, xs


def _vectors(v, like, what):
    """``v`` as a tuple of Variables matching ``like`` in number and shapes (None: allowed
    only for one-element tensors, as PyTorch)."""
    if v is None:
        if any(t.numel() != 1 for t in like):
            raise AutogradError(f"The vector v can only be None if the {what} to the user-provided "
                                "function is a single Tensor with a single element.")
        return tuple(_wrap(np.ones(t.shape, t.dtype)[()]) for t in like)
    vs = tuple(x if type(x) is Variable else Variable(to_array(x)) for x in _tuple(v))
    if len(vs) != len(like):
        raise AutogradError(f"v has {len(vs)} tensors, the {what} has {len(like)}")
    for a, b in zip(vs, like):
        if a.shape != b.shape:
            raise AutogradError(f"Mismatch in shape: v has shape {a.shape} but the {what} "
                                f"has shape {b.shape}")
    return vs


def _grads(outs, xs, vs, create_graph):
    pairs = [(o, w) for o, w in zip(outs, vs) if o.requires_grad]
    if not pairs:
        return tuple(_wrap(np.zeros_like(x._data)[()]) for x in xs)
    gs = grad([o for o, _ in pairs], list(xs), [w for _, w in pairs], create_graph=create_graph,
              retain_graph=True, allow_unused=True)
    return tuple(_wrap(np.zeros_like(x._data)[()]) if g is None else g for x, g in zip(xs, gs))


def _shaped(values, is_tuple, create_graph):
    vals = tuple(v if create_graph else v.detach() for v in values)
    return vals if is_tuple else vals[0]


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), vᵀ J): the vector-Jacobian product, as torch.autograd.functional.vjp."""
    is_tuple, xs = _prepare(inputs, create_graph)
    raw = func(*xs)
    outs = _tuple(raw)
    vs = _vectors(v, outs, "output")
    res = _grads(outs, xs, vs, create_graph)
    return (_shaped(outs, isinstance(raw, (list, tuple)), create_graph),
            _shaped(res, is_tuple, create_graph))


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J v): the Jacobian-vector product (by differentiating a vector-Jacobian
    product with respect to its vector: the double-backward trick PyTorch uses)."""
    is_tuple, xs = _prepare(inputs, create_graph)
    vs = _vectors(v, xs, "input")
    raw = func(*xs)
    outs = _tuple(raw)
    us = tuple(Variable(np.zeros(o.shape, o.dtype)[()], requires_grad=True) for o in outs)
    gx = _grads(outs, xs, us, True)
    pairs = [(g, w) for g, w in zip(gx, vs) if g.requires_grad]
    if pairs:
        res = grad([g for g, _ in pairs], list(us), [w for _, w in pairs],
                   create_graph=create_graph, allow_unused=True)
    else:
        res = (None,) * len(us)
    res = tuple(_wrap(np.zeros(o.shape, o.dtype)[()]) if r is None else r for o, r in zip(outs, res))
    out_tuple = isinstance(raw, (list, tuple))
    return _shaped(outs, out_tuple, create_graph), _shaped(res, out_tuple, create_graph)


def _scalar_out(func, xs):
    y = func(*xs)
    if type(y) is not Variable or y.numel() != 1:
        raise AutogradError("The function given to hvp/vhp should return a single Tensor "
                            "with a single element")
    return y


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), vᵀ H): the vector-Hessian product of a scalar function."""
    is_tuple, xs = _prepare(inputs, create_graph)
    vs = _vectors(v, xs, "input")
    y = _scalar_out(func, xs)
    gs = _grads((y,), xs, (_wrap(np.ones(y.shape, y.dtype)[()]),), True)
    res = _grads(gs, xs, vs, create_graph)
    return _shaped((y,), False, create_graph), _shaped(res, is_tuple, create_graph)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), H v); equal to vhp for the symmetric Hessian of a smooth function,
    and computed the way PyTorch computes hvp (by double backward of vhp)."""
    is_tuple, xs = _prepare(inputs, create_graph)
    vs = _vectors(v, xs, "input")
    y = _scalar_out(func, xs)
    gs = _grads((y,), xs, (_wrap(np.ones(y.shape, y.dtype)[()]),), True)
    us = tuple(Variable(np.zeros(x.shape, x.dtype)[()], requires_grad=True) for x in xs)
    ddx = _grads(gs, xs, us, True)
    res = _grads(ddx, us, vs, create_graph)
    return _shaped((y,), False, create_graph), _shaped(res, is_tuple, create_graph)
