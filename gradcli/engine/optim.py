"""torch.optim's SGD, Adam, AdamW, RMSprop and Adagrad, step for step as PyTorch 2.13 runs them on the CPU.

PyTorch's CPU default is the single-tensor loop (no foreach, no fused kernel); each line below is
one line of that loop, written as the same elementwise arithmetic in the same order, so the
numbers are PyTorch's to the bit (tests/engine/test_optim.py compares every step with torch).
PyTorch's kernels round ``add(x, alpha=a)`` and ``lerp`` once (fused multiply-add), so those go
through ``fma``, and so does ``addcmul`` (``fma(value * t1, t2, self)``); its scalars (lr,
betas, ...) become the parameter's dtype first, as the kernels' ``Scalar`` arguments do. SGD is
bit-identical. Adam and AdamW can differ in the last bit: PyTorch's ``sqrt`` kernel is not
correctly rounded (against IEEE sqrt, 1 in 100 float64 and 1 in 6 float32 results are one ulp
off on this machine's torch 2.13 wheel), and numpy's is.

Updates write into the parameters' arrays outside the graph, as ``torch.no_grad()`` does, and
bump their version counters. Scripts see ``step()``, ``zero_grad()`` and ``param_groups``.
"""
from __future__ import annotations

import math

import numpy as np

from .context import no_grad
from .errors import EngineTypeError, EngineValueError
from .fma import fma
from .inplace import apply, copy_values
from .variable import Variable


def _params(params, who):
    if type(params) is Variable:
        raise EngineTypeError(f"{who}: params argument given to the optimizer should be an "
                              "iterable of Tensors or dicts, but got a Tensor")
    out = list(params)
    if not out:
        raise EngineValueError(f"{who}: optimizer got an empty parameter list")
    for p in out:
        if type(p) is not Variable:
            raise EngineTypeError(f"{who}: optimizer can only optimize Tensors, "
                                  f"but one of the params is {type(p).__name__}")
        if not p.is_leaf:
            raise EngineValueError(f"{who}: can't optimize a non-leaf Tensor")
    return out


def _write(p, new):
    """p's data becomes ``new`` in place (every view and name sees it) and its version moves
    on: the engine's one in-place path, under no_grad as torch.optim's step runs."""
    with no_grad():
        apply(p, copy_values, new)


def _check(name, value, low=0.0):
    if not (isinstance(value, (int, float)) and not isinstance(value, bool)) or not value >= low:
        raise EngineValueError(f"Invalid {name}: {value}")
    return value


class Optimizer:
    """What every optimizer shares: its parameters, hyper-parameters and per-parameter state."""
    attrs = ("step", "zero_grad", "param_groups", "state_dict")
    defaults: dict = {}
    # torch's implementation switches, fixed here (the single-tensor CPU loop): shown by repr
    # as PyTorch 2.13 shows them
    flags: dict = {"differentiable": False, "foreach": None, "fused": None}

    def __init__(self, params, **hyper):
        self.params = _params(params, type(self).__name__)
        self.hyper = hyper
        self.state = [dict() for _ in self.params]

    @property
    def param_groups(self):
        """One group, as a list of one dict (the hyper-parameters and 'params'); read-only here."""
        return [dict(self.hyper, params=list(self.params))]

    def state_dict(self):
        return {"param_groups": [dict(self.hyper)]}

    def zero_grad(self, set_to_none=True):
        for p in self.params:
            if set_to_none:
                p._grad = None
            elif p._grad is not None:
                p._grad = Variable(np.zeros_like(p._grad._data))

    def step(self, closure=None):
        if closure is not None:
            raise EngineValueError(f"{type(self).__name__}.step: closures are not supported")
        for p, state in zip(self.params, self.state):
            if p._grad is not None:
                self._update(p, np.asarray(p._grad._data), state)

    def __repr__(self):
        name = type(self).__name__
        lines = [f"{name} (", "Parameter Group 0"]
        shown = dict(self.flags, **self.hyper)
        for k in sorted(shown):
            lines.append(f"    {k}: {shown[k]}")
        return "\n".join(lines) + "\n)"


class SGD(Optimizer):
    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False,
                 maximize=False):
        _check("learning rate", lr)
        _check("momentum value", momentum)
        _check("weight_decay value", weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise EngineValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, lr=lr, momentum=momentum, dampening=dampening,
                         weight_decay=weight_decay, nesterov=bool(nesterov), maximize=bool(maximize))

    def _update(self, p, grad, state):
        h = self.hyper
        x = p._data
        k = x.dtype.type                       # the kernels' Scalar arguments, in x's dtype
        if h["maximize"]:
            grad = -grad
        if h["weight_decay"] != 0:
            grad = fma(x, k(h["weight_decay"]), grad)              # grad.add(p, alpha=wd)
        if h["momentum"] != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = np.array(grad, copy=True)
            else:                              # buf.mul_(momentum).add_(grad, alpha=1 - dampening)
                buf = fma(grad, k(1 - h["dampening"]), buf * k(h["momentum"]))
            state["momentum_buffer"] = buf
            grad = fma(buf, k(h["momentum"]), grad) if h["nesterov"] else buf
        _write(p, fma(grad, k(-h["lr"]), x))                       # p.add_(grad, alpha=-lr)


class Adam(Optimizer):
    decoupled = False
    flags = dict(Optimizer.flags, capturable=False, decoupled_weight_decay=False)

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, maximize=False):
        _check("learning rate", lr)
        _check("epsilon value", eps)
        _check("weight_decay value", weight_decay)
        betas = tuple(betas)
        for i, b in enumerate(betas):
            if not 0.0 <= b < 1.0:
                raise EngineValueError(f"Invalid beta parameter at index {i}: {b}")
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=bool(amsgrad), maximize=bool(maximize))

    def _update(self, p, grad, state):
        h = self.hyper
        beta1, beta2 = h["betas"]
        lr, wd = h["lr"], h["weight_decay"]
        x = p._data
        k = x.dtype.type
        if h["maximize"]:
            grad = -grad
        if not state:
            state.update(step=0.0, exp_avg=np.zeros_like(x), exp_avg_sq=np.zeros_like(x))
            if h["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(x)
        state["step"] += 1
        if wd != 0:
            if self.decoupled:
                x = x * k(1 - lr * wd)                              # p.mul_(1 - lr * wd)
            else:
                grad = fma(x, k(wd), grad)                          # grad.add(p, alpha=wd)
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m = _lerp(m, grad, k(1 - beta1))
        v = fma(k(1 - beta2) * grad, grad, v * k(beta2))            # mul_(b2).addcmul_(g, g, 1 - b2)
        state["exp_avg"], state["exp_avg_sq"] = m, v
        step = state["step"]
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        step_size = lr / bias_correction1
        bias_correction2_sqrt = math.sqrt(bias_correction2)
        if h["amsgrad"]:
            state["max_exp_avg_sq"] = np.maximum(state["max_exp_avg_sq"], v)
            v = state["max_exp_avg_sq"]
        denom = np.sqrt(v) / k(bias_correction2_sqrt) + k(h["eps"])
        _write(p, x + k(-step_size) * m / denom)                   # addcdiv_(m, denom, -step_size)


class AdamW(Adam):
    decoupled = True
    flags = dict(Adam.flags, decoupled_weight_decay=True)

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, maximize=False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad, maximize=maximize)


class RMSprop(Optimizer):
    """Divides by a running root mean square of the gradients (torch 2.13's single-tensor loop)."""
    flags = {"capturable": False, "differentiable": False, "foreach": None}

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, maximize=False):
        _check("learning rate", lr)
        _check("epsilon value", eps)
        _check("momentum value", momentum)
        _check("weight_decay value", weight_decay)
        _check("alpha value", alpha)
        super().__init__(params, lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                         momentum=momentum, centered=bool(centered), maximize=bool(maximize))

    def _update(self, p, grad, state):
        h = self.hyper
        x = p._data
        k = x.dtype.type
        if not state:
            state.update(step=0, square_avg=np.zeros_like(x))
            if h["momentum"] > 0:
                state["momentum_buffer"] = np.zeros_like(x)
            if h["centered"]:
                state["grad_avg"] = np.zeros_like(x)
        state["step"] += 1
        if h["maximize"]:
            grad = -grad
        if h["weight_decay"] != 0:
            grad = fma(x, k(h["weight_decay"]), grad)                  # grad.add(p, alpha=wd)
        alpha = h["alpha"]
        sq = fma(k(1 - alpha) * grad, grad, state["square_avg"] * k(alpha))
        state["square_avg"] = sq                   # square_avg.mul_(alpha).addcmul_(g, g, 1 - alpha)
        if h["centered"]:
            ga = state["grad_avg"] = _lerp(state["grad_avg"], grad, k(1 - alpha))
            avg = np.sqrt(fma(-ga, ga, sq))        # square_avg.addcmul(ga, ga, value=-1).sqrt_()
        else:
            avg = np.sqrt(sq)
        avg = avg + k(h["eps"])
        if h["momentum"] > 0:                      # buf.mul_(momentum).addcdiv_(grad, avg)
            buf = state["momentum_buffer"] = state["momentum_buffer"] * k(h["momentum"]) + grad / avg
            _write(p, fma(buf, k(-h["lr"]), x))                       # p.add_(buf, alpha=-lr)
        else:
            _write(p, x + k(-h["lr"]) * grad / avg)                   # p.addcdiv_(g, avg, value=-lr)


class Adagrad(Optimizer):
    """Divides by the root of the summed squared gradients (torch 2.13's single-tensor loop)."""

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, maximize=False):
        _check("learning rate", lr)
        _check("lr_decay value", lr_decay)
        _check("weight_decay value", weight_decay)
        _check("initial_accumulator_value value", initial_accumulator_value)
        _check("epsilon value", eps)
        super().__init__(params, lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                         initial_accumulator_value=initial_accumulator_value, eps=eps,
                         maximize=bool(maximize))
        for p, state in zip(self.params, self.state):     # torch fills its state at construction
            state.update(step=0, sum=np.full_like(p._data, initial_accumulator_value))

    def _update(self, p, grad, state):
        h = self.hyper
        x = p._data
        k = x.dtype.type
        state["step"] += 1
        if h["maximize"]:
            grad = -grad
        if h["weight_decay"] != 0:
            grad = fma(x, k(h["weight_decay"]), grad)                  # grad.add(p, alpha=wd)
        clr = h["lr"] / (1 + (state["step"] - 1) * h["lr_decay"])
        total = state["sum"] = fma(k(1) * grad, grad, state["sum"])    # sum.addcmul_(g, g, value=1)
        std = np.sqrt(total) + k(h["eps"])                             # sum.sqrt().add_(eps)
        _write(p, x + k(-clr) * grad / std)                            # p.addcdiv_(g, std, value=-clr)


def _lerp(start, end, weight):
    """PyTorch's lerp: fma(w, end - start, start) for |w| < 0.5, else fma(w - 1, end - start, end)."""
    if abs(weight) < 0.5:
        return fma(weight, end - start, start)
    return fma(weight - 1, end - start, end)


OPTIMIZERS = {"SGD": SGD, "Adam": Adam, "AdamW": AdamW, "RMSprop": RMSprop, "Adagrad": Adagrad}
