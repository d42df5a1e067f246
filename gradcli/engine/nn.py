"""torch.nn's modules that a tutorial builds without a ``class`` statement.

Layers (``Linear``), containers (``Sequential``), activations and losses as PyTorch 2.13 has
them: the same parameter shapes, names (``0.weight``), initialisation (Kaiming-uniform with
``a = sqrt(5)`` drawn from the scope's generator, so a seeded script gets PyTorch's numbers when
the generator is PyTorch's), forward passes through the functional ops, and reprs
(``Linear(in_features=2, out_features=3, bias=True)``).

Every module's forward is one call of an engine op; a module adds only state and names. Scripts
reach what ``attrs`` lists and nothing else.
"""
from __future__ import annotations

import math

import numpy as np

from .errors import EngineTypeError, EngineValueError
from .errors import shown
from .context import STATE
from .variable import Variable


def _functional():
    from . import nnfunc
    return nnfunc


def _uniform_(shape, bound, dtype):
    """A new leaf drawn as PyTorch's init draws it: ``empty(shape).uniform_(-bound, bound)``."""
    from .printing import PARAMETERS
    w = Variable(np.zeros(shape, dtype))
    w.uniform_(-bound, bound)
    PARAMETERS[id(w)] = w              # prints as PyTorch's nn.Parameter: "Parameter containing:"
    return w.requires_grad_(True)


class Module:
    """Parameters and submodules in registration order, PyTorch's traversal and names."""
    attrs = ("parameters", "named_parameters", "children", "modules", "zero_grad", "forward",
             "train", "eval", "training", "requires_grad_")

    def __init__(self):
        self._params: dict = {}
        self._children: dict = {}
        self.training = True

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def named_parameters(self, prefix="", recurse=True):
        out, seen = [], set()
        for name, p in self._named(prefix, recurse):
            if p is not None and id(p) not in seen:
                seen.add(id(p))
                out.append((name, p))
        return out

    def _named(self, prefix, recurse):
        for name, p in self._params.items():
            yield prefix + name, p
        if recurse:
            for cname, child in self._children.items():
                yield from child._named(f"{prefix}{cname}.", True)

    def parameters(self, recurse=True):
        """A list (PyTorch returns a generator; a list prints and iterates the same here)."""
        return [p for _, p in self.named_parameters(recurse=recurse)]

    def children(self):
        return list(self._children.values())

    def modules(self):
        out, stack = [], [self]
        while stack:
            m = stack.pop()
            out.append(m)
            stack.extend(reversed(list(m._children.values())))
        return out

    def zero_grad(self, set_to_none=True):
        for p in self.parameters():
            if set_to_none:
                p._grad = None
            elif p._grad is not None:
                p._grad = Variable(np.zeros_like(p._grad._data))

    def requires_grad_(self, requires_grad=True):
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def train(self, mode=True):
        for m in self.modules():
            m.training = bool(mode)
        return self

    def eval(self):
        return self.train(False)

    def extra_repr(self) -> str:
        return ""

    def __repr__(self):
        name = type(self).__name__
        if not self._children:
            return f"{name}({self.extra_repr()})"
        lines = [f"{name}("]
        for cname, child in self._children.items():
            body = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({cname}): {body}")
        return "\n".join(lines) + "\n)"

    def __getattr__(self, name):
        # parameters and submodules by name (``model.weight``, ``model.fc1``), as in PyTorch
        d = self.__dict__
        for table in ("_params", "_children"):
            if table in d and name in d[table]:
                return d[table][name]
        raise AttributeError(name)


class Linear(Module):
    """y = x Wᵀ + b with W of shape (out_features, in_features)."""
    attrs = Module.attrs + ("weight", "bias", "in_features", "out_features")

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        for what, n in (("in_features", in_features), ("out_features", out_features)):
            if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
                raise EngineValueError(f"Linear: {what} must be a non-negative integer, got {shown(n)}")
        _device(device)
        self.in_features, self.out_features = int(in_features), int(out_features)
        dtype = np.dtype(dtype) if dtype is not None else STATE.get().dtype
        # kaiming_uniform_(weight, a=sqrt(5)): gain sqrt(2 / (1 + a^2)), bound sqrt(3) * gain / sqrt(fan_in)
        fan_in = self.in_features
        gain = math.sqrt(2.0 / (1 + math.sqrt(5) ** 2))
        wbound = math.sqrt(3.0) * (gain / math.sqrt(fan_in)) if fan_in else 0.0
        self._params["weight"] = _uniform_((self.out_features, fan_in), wbound, dtype)
        if bias:
            bbound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            self._params["bias"] = _uniform_((self.out_features,), bbound, dtype)
        else:
            self._params["bias"] = None

    def forward(self, x):
        return _functional().linear(x, self._params["weight"], self._params["bias"])

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self._params['bias'] is not None}")


class Sequential(Module):
    """Modules applied in order; ``model[i]`` is the i-th, ``len(model)`` their number."""
    attrs = Module.attrs + ("append",)

    def __init__(self, *modules):
        super().__init__()
        for m in modules:
            self.append(m)

    def append(self, module):
        if not isinstance(module, Module):
            raise EngineTypeError(f"{type(module).__name__} is not a Module subclass")
        self._children[str(len(self._children))] = module
        return self

    def forward(self, x):
        for m in self._children.values():
            x = m(x)
        return x

    def __getitem__(self, i):
        if isinstance(i, slice):           # PyTorch keeps the names: model[1:] shows (1), (2)...
            out = Sequential()
            out._children = dict(list(self._children.items())[i])
            return out
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)):
            raise EngineTypeError(f"Sequential indices must be integers or slices, not {type(i).__name__}")
        mods = list(self._children.values())
        if not -len(mods) <= i < len(mods):
            raise IndexError(f"index {i} is out of range")
        return mods[i]

    def __len__(self):
        return len(self._children)

    def __iter__(self):
        return iter(list(self._children.values()))


class _Activation(Module):
    """A module around one functional op; ``args`` are shown in the repr as PyTorch shows them."""
    fn = ""

    def __init__(self, **kwargs):
        super().__init__()
        self.kwargs = kwargs

    def forward(self, x):
        return getattr(_functional(), self.fn)(x, **self.kwargs)

    def extra_repr(self):
        return ", ".join(f"{k}={v}" for k, v in self.kwargs.items())


def _activation(name, fn, params=()):
    """A module class ``name`` calling ``nnfunc.fn``; ``params`` its (keyword, default) pairs."""
    def __init__(self, *args, **kwargs):
        if len(args) > len(params):
            raise EngineTypeError(f"{name}() takes at most {len(params)} arguments")
        values = dict(params)
        unknown = set(kwargs) - set(values)
        if unknown:
            raise EngineTypeError(f"{name}() got an unexpected keyword argument '{sorted(unknown)[0]}'")
        values.update(zip([k for k, _ in params], args))
        values.update(kwargs)
        _Activation.__init__(self, **values)
    return type(name, (_Activation,), {"fn": fn, "__init__": __init__,
                                       "__doc__": f"torch.nn.{name}: applies F.{fn}."})


ReLU = _activation("ReLU", "relu")
Tanh = _activation("Tanh", "tanh")
Sigmoid = _activation("Sigmoid", "sigmoid")
GELU = _activation("GELU", "gelu", (("approximate", "none"),))
SiLU = _activation("SiLU", "silu")
ELU = _activation("ELU", "elu", (("alpha", 1.0),))
LeakyReLU = _activation("LeakyReLU", "leaky_relu", (("negative_slope", 0.01),))
Softplus = _activation("Softplus", "softplus", (("beta", 1.0), ("threshold", 20.0)))
Softmax = _activation("Softmax", "softmax", (("dim", None),))
LogSoftmax = _activation("LogSoftmax", "log_softmax", (("dim", None),))


class Identity(Module):
    def forward(self, x):
        return x


class Flatten(Module):
    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        from .shape import flatten
        return flatten(x, self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class _Loss(Module):
    """A loss module: the functional loss with the module's keyword arguments."""
    fn = ""
    params: tuple = ()

    def __init__(self, *args, **kwargs):
        super().__init__()
        names = [k for k, _ in self.params]
        if len(args) > len(names):
            raise EngineTypeError(f"{type(self).__name__}() takes at most {len(names)} arguments")
        values = dict(self.params)
        unknown = set(kwargs) - set(values)
        if unknown:
            raise EngineTypeError(f"{type(self).__name__}() got an unexpected keyword argument "
                                  f"'{sorted(unknown)[0]}'")
        values.update(zip(names, args))
        values.update(kwargs)
        if values.get("reduction") not in ("mean", "sum", "none"):
            raise EngineValueError(f"{values.get('reduction')} is not a valid value for reduction")
        self.kwargs = values

    def forward(self, input, target):
        return getattr(_functional(), self.fn)(input, target, **self.kwargs)


def _loss(name, fn, params=()):
    return type(name, (_Loss,), {"fn": fn, "params": tuple(params) + (("reduction", "mean"),),
                                 "__doc__": f"torch.nn.{name}: F.{fn} as a module."})


MSELoss = _loss("MSELoss", "mse_loss")
L1Loss = _loss("L1Loss", "l1_loss")
SmoothL1Loss = _loss("SmoothL1Loss", "smooth_l1_loss", (("beta", 1.0),))
HuberLoss = _loss("HuberLoss", "huber_loss", (("delta", 1.0),))
BCELoss = _loss("BCELoss", "binary_cross_entropy", (("weight", None),))
BCEWithLogitsLoss = _loss("BCEWithLogitsLoss", "binary_cross_entropy_with_logits",
                          (("weight", None), ("pos_weight", None)))
NLLLoss = _loss("NLLLoss", "nll_loss", (("weight", None), ("ignore_index", -100)))
CrossEntropyLoss = _loss("CrossEntropyLoss", "cross_entropy",
                         (("weight", None), ("ignore_index", -100), ("label_smoothing", 0.0)))


def _device(device):
    """Only the CPU exists here: ``None``, ``'cpu'`` and ``torch.device('cpu')`` pass."""
    if device is None:
        return
    text = str(device)
    if text != "cpu" and not text.startswith("cpu:"):
        raise EngineValueError(f"device '{text}' is not available: gradcli computes on the CPU only "
                               "(use 'cpu' or leave device out)")


MODULES = {c.__name__: c for c in (
    Linear, Sequential, Identity, Flatten, ReLU, Tanh, Sigmoid, GELU, SiLU, ELU, LeakyReLU,
    Softplus, Softmax, LogSoftmax, MSELoss, L1Loss, SmoothL1Loss, HuberLoss, BCELoss,
    BCEWithLogitsLoss, NLLLoss, CrossEntropyLoss)}
