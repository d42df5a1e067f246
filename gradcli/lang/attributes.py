"""The attribute allowlist: which attributes and methods a script may use, per exact type.

Nothing else reaches a script: ``get_attr``/``method_for`` look the name up in the
table of the value's type, and ``refuse`` words the error for anything not there
(a SecurityError when the attribute exists in Python, a TypeError with a suggestion
when it does not).
"""
from __future__ import annotations

from .errors import GxLimitError, GxSecurityError, GxTypeError, GxValueError, suggest
from .limits import human, limit_message
from .names import BITWISE, ELEMENTWISE, LINALG, REDUCTIONS, SHAPE_OPS
from .runtime import CURRENT_RT, RETAIN_ALL, new_leaf
from .values import (CPU, BoundMethod, Builtin, Device, DType, GxFunction, History, Namespace,
                     NodeName, check_device, dtype_value, type_name)

VAR_ATTRS = ("data grad grad_fn requires_grad is_leaf shape ndim dtype T retains_grad device").split()
VAR_METHODS = ("backward item tolist size numel dim detach clone retain_grad requires_grad_ "
               "zero_ fill_ float double add sub mul div neg t mm uniform_ normal_ bernoulli_ all any").split()
VAR_SETTABLE = ("data", "grad", "requires_grad")
NODE_ATTRS = ("name", "next_functions", "variable")

# -------------------------------------------------------- attribute tables

_TABLES = None      # type -> {name: getter(obj)}
_METHODS = None     # type -> {name: fn(obj, *args, **kw)}
_NODE_TABLE = None


def _tables():
    global _TABLES, _METHODS, _NODE_TABLE
    if _TABLES is not None:
        return _TABLES, _METHODS
    from ..engine.variable import Variable
    tables, methods = {}, {}

    # tensors
    vt, vm = {}, {}
    for name in VAR_ATTRS:
        if name == "dtype":
            vt[name] = lambda o: dtype_value(o.dtype)
        elif name == "shape":
            vt[name] = lambda o: tuple(o.shape)
        elif name == "device":                   # every tensor is on the CPU: device(type='cpu')
            vt[name] = lambda o: CPU
        elif hasattr(Variable, name):
            vt[name] = _attrgetter(name)
    cands = set(VAR_METHODS) | set(ELEMENTWISE) | set(REDUCTIONS) | set(SHAPE_OPS) | set(LINALG)
    cands |= {"type_as", "allclose", "isclose"} | set(BITWISE) | {n + "_" for n in BITWISE}
    from ..engine.inplace import OPS as INPLACE     # every in-place method: add_, exp_, copy_...
    from ..engine.relayout import META              # and t_, transpose_, squeeze_, unsqueeze_
    cands |= set(INPLACE) | set(META)
    for name in sorted(cands):
        fn = getattr(Variable, name, None)
        if fn is None or name.startswith("_") or name in vt:
            continue
        if isinstance(fn, property):
            vt[name] = _attrgetter(name)
            continue
        if name in ("float", "double"):
            fn = _wrap_float_method(fn)
        if name == "size":
            fn = _size_method
        if name == "backward":
            fn = _backward_method(fn)
        if name == "requires_grad_":
            fn = _requires_grad_method(fn)
        vm[name] = fn
        vt[name] = _method_getter(fn, name)
    for name, fn in (("to", _to_method), ("cpu", _cpu_method)):
        vm[name] = fn
        vt[name] = _method_getter(fn, name)
    for name, fn in vm.items():
        # the wrappers made here take the script's method name, so that Python's own call
        # errors name it: "to() got an unexpected keyword argument 'requires_grad'"
        if getattr(fn, "__module__", None) == __name__ and fn.__name__ != name:
            fn.__name__ = fn.__qualname__ = name
    tables[Variable] = vt
    methods[Variable] = vm
    tables[Device] = {"type": lambda d: d.type}
    methods[Device] = {}
    from ..engine.reduce import MinMax
    tables[MinMax] = {"values": lambda m: m.values, "indices": lambda m: m.indices}
    methods[MinMax] = {}

    # lists, tuples, strings, dicts (history data): a few harmless methods
    from .strformat import str_format
    methods[list] = {"append": _list_append, "pop": list.pop, "index": _walked(list.index),
                     "count": _walked(list.count)}
    methods[tuple] = {"index": _walked(tuple.index), "count": _walked(tuple.count)}
    methods[str] = {"upper": str.upper, "lower": str.lower, "strip": str.strip,
                    "startswith": str.startswith, "endswith": str.endswith,
                    "format": str_format}
    methods[dict] = {"keys": lambda d: list(d.keys()), "values": lambda d: list(d.values()),
                     "items": lambda d: list(d.items()),
                     "get": _hashed(dict.get)}
    for t in (list, tuple, str, dict):
        tables[t] = {k: _method_getter(f, k) for k, f in methods[t].items()}
    tables[History] = {"data": lambda h: h.data}
    tables[DType] = {"name": lambda d: d.name}
    for t in (int, float, bool, type(None), GxFunction, Builtin, BoundMethod, range):
        tables.setdefault(t, {})
        methods.setdefault(t, {})
    _NODE_TABLE = {"name": lambda n: NodeName(n.name), "next_functions": lambda n: n.next_functions,
                   "variable": lambda n: getattr(n, "variable", None)}
    _TABLES, _METHODS = tables, methods
    return tables, methods


def _cpu_method(o):                            # x.cpu(): the data is on the CPU already
    return o


def _to_method(o, *args, dtype=None, device=None, copy=False, non_blocking=False):
    """x.to(device), x.to(dtype), x.to(device, dtype), x.to(other): as PyTorch, on the CPU
    (any other device is refused by check_device); a new tensor only when the dtype
    changes or copy=True."""
    from ..engine import Variable
    from .sizes import unwrap_dtype
    for a in args:
        if type(a) is DType:
            dtype = a
        elif isinstance(a, Variable):
            dtype = dtype_value(a.dtype)
        else:
            check_device(a)
    check_device(device)
    out = o
    if dtype is not None:
        name = str(unwrap_dtype({"dtype": dtype})["dtype"])
        if name == "float32":
            out = o.float()
        elif name == "float64":
            out = o.double()
        elif name != str(o.dtype):
            raise GxTypeError(f"x.to({name}): only float32 and float64 conversions exist")
    if copy and out is o:
        out = o.clone()
    return out


def _attrgetter(name):
    def get(o):
        return getattr(o, name)
    return get


def _method_getter(fn, name):
    def get(o):
        return BoundMethod(o, fn, name)
    return get


def _wrap_float_method(fn):
    def method(o, *a, **k):
        return fn(o, *a, **k)
    return method


def _backward_method(fn):
    def backward(o, gradient=None, retain_graph=None, create_graph=False, **kw):
        if RETAIN_ALL.get():
            retain_graph = True
        return fn(o, gradient, retain_graph=retain_graph, create_graph=create_graph, **kw)
    return backward


def _requires_grad_method(fn):
    def requires_grad_(o, requires_grad=True):
        r = fn(o, requires_grad)
        if requires_grad:
            new_leaf(o)
        return r
    return requires_grad_


def _size_method(o, dim=None):
    shape = tuple(o.shape)
    if dim is None:
        return shape
    if type(dim) is not int:
        raise GxTypeError("size() takes an integer dimension")
    n = len(shape)
    if not -max(n, 1) <= dim < max(n, 1):
        raise GxValueError(f"dimension {dim} out of range for a tensor of {n} dimensions")
    return shape[dim % max(n, 1)]


def _list_append(lst, v):
    rt = CURRENT_RT.get()
    lim = rt.limits.max_list if rt is not None else 10 ** 6
    if len(lst) >= lim:
        raise GxLimitError(limit_message(f"list of {human(len(lst) + 1)} elements exceeds "
                                         "the length limit", "max_list", lim))
    lst.append(v)



def _node_type(t):
    from ..engine.node import Node
    return issubclass(t, Node)


def table_for(obj):
    tables, _ = _tables()
    t = type(obj)
    tbl = tables.get(t)
    if tbl is None:
        if _node_type(t):
            tbl = tables[t] = _NODE_TABLE
        elif script_object(t):
            tbl = tables[t] = _attrs_table(t)
        else:
            tbl = {}
    return tbl


def module_value(t) -> bool:
    """An engine nn module (callable; a Sequential takes an index). Asked only after the
    common types, so that engine/nn.py is imported only by scripts that use it."""
    from ..engine.nn import Module
    return issubclass(t, Module)


def iterable_module(v) -> bool:
    """A Sequential: ``for m in model`` walks its modules, as in PyTorch (asked only after the
    common iterable types)."""
    from ..engine.nn import Sequential
    return isinstance(v, Sequential)


def script_object(t) -> bool:
    """An engine nn module or optimizer: what scripts may reach is its class's ``attrs``."""
    from ..engine.nn import Module
    from ..engine.optim import Optimizer
    return issubclass(t, (Module, Optimizer))


def _attrs_table(t):
    tbl = {}
    for name in t.attrs:
        fn = getattr(t, name, None)
        if callable(fn) and not isinstance(fn, property):
            tbl[name] = _method_getter(fn, name)
        else:
            tbl[name] = _attrgetter(name)
    return tbl


def refuse(obj, name):
    """The error for an attribute not on the allowlist of obj's type."""
    t = type(obj)
    tn = type_name(obj)
    exists = False
    try:
        exists = name in dir(t)
        if not exists and t is not Namespace:
            from ..engine.variable import Variable
            if t is Variable:
                exists = name in dir(__import__("numpy").ndarray)
    except Exception:
        exists = False
    if exists:
        return GxSecurityError(f"attribute '{name}' of {tn} is not available to scripts")
    cands = list(table_for(obj)) if t is not Namespace else list(obj.members)
    hint = suggest(name, cands)
    msg = f"{tn} has no attribute '{name}'"
    if hint:
        msg += f"; {hint}"
    return GxTypeError(msg)


def get_attr(obj, name):
    if type(obj) is Namespace:
        try:
            return obj.members[name]
        except KeyError:
            raise refuse(obj, name) from None
    getter = table_for(obj).get(name)
    if getter is None:
        raise refuse(obj, name)
    return getter(obj)


def method_for(t, obj, name):
    """(fn) such that fn(obj, *args) calls obj.name(*args); None if not a method."""
    _, methods = _tables()
    m = methods.get(t)
    if m is None:
        return None
    return m.get(name)


def set_attr(obj, name, value):
    from ..engine.variable import Variable
    if type(obj) is Variable and name in VAR_SETTABLE:
        if name == "grad" and value is not None and type(value) is not Variable:
            raise GxTypeError("assigned grad expected to be a Tensor or None but got grad of "
                              f"type {type_name(value)}")
        was = obj.requires_grad
        setattr(obj, name, value)
        if name == "requires_grad" and value and not was:
            new_leaf(obj)
        return
    if type(obj) is Variable and name in table_for(obj):
        raise GxTypeError(f"attribute '{name}' of tensor is read-only")
    if type(obj) is Namespace:
        raise GxSecurityError(f"cannot assign to attributes of {type_name(obj)}")
    if name in table_for(obj):
        raise GxTypeError(f"attribute '{name}' of {type_name(obj)} is read-only")
    raise refuse(obj, name)


def attribute_names(obj) -> list[str]:
    if type(obj) is Namespace:
        return sorted(obj.members)
    return sorted(table_for(obj))


SUBSCRIPTABLE = None


def subscriptable():
    global SUBSCRIPTABLE
    if SUBSCRIPTABLE is None:
        from ..engine.variable import Variable
        from ..engine.reduce import MinMax
        SUBSCRIPTABLE = frozenset((Variable, list, tuple, str, dict, range, MinMax))
    return SUBSCRIPTABLE


def _hashed(method):
    """dict.get and the like hash their key, which walks a tuple natively: bounded first."""
    from .limits import bound_walk

    def hashed(self, *args):
        bound_walk(*args)
        return method(self, *args)
    hashed.__name__ = method.__name__
    return hashed


def _walked(method):
    """list.count and the like compare each element natively: bounded first."""
    from .limits import bound_walk

    def walked(self, *args):
        bound_walk(self, *args)
        return method(self, *args)
    walked.__name__ = method.__name__
    return walked
