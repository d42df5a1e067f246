"""The built-ins of .gx as an ALLOWLIST, the ``torch``/``np`` namespaces, and the
attribute allowlist per type.

Nothing here hands a Python object to a script: every callable is wrapped in a
``Builtin``; attributes are read only through ``get_attr``/``method_for`` after the
name was found in the table of the value's exact type. ``type``, ``getattr``,
``eval``, ``exec``, ``open``, ``exit``, ``quit``, ``__import__`` simply do not exist.
"""
from __future__ import annotations

import math

from .errors import GxLimitError, GxSecurityError, GxTypeError, GxValueError
from .limits import human, limit_message
from .runtime import (CURRENT_RT, DRY_RUN, RETAIN_ALL, BoundMethod, Builtin, DType, GxFunction,
                      History, Namespace, NodeName, bound_int, check_seq_len, dtype_value, new_leaf,
                      suggest)

# ------------------------------------------------------------ name tables

ELEMENTWISE = ("exp log log1p expm1 sqrt abs sign sin cos tan asin acos atan sinh cosh tanh "
               "sigmoid relu softplus clamp maximum minimum where pow").split()
REDUCTIONS = ("sum mean prod max min norm var std logsumexp softmax log_softmax cumsum "
              "argmax argmin").split()
SHAPE_OPS = "reshape view flatten squeeze unsqueeze transpose permute expand cat stack".split()
LINALG = "matmul dot outer inv det solve trace diag".split()
AUTOGRAD = ("grad jacobian hessian gradcheck no_grad enable_grad set_grad_enabled "
            "is_grad_enabled").split()
FACTORIES = "ones zeros full eye arange linspace rand randn".split()
LIKE = "ones_like zeros_like full_like rand_like randn_like".split()

VAR_ATTRS = ("data grad grad_fn requires_grad is_leaf shape ndim dtype T retains_grad").split()
VAR_METHODS = ("backward item tolist size numel dim detach clone retain_grad requires_grad_ "
               "zero_ fill_ float double add sub mul div neg t mm").split()
VAR_SETTABLE = ("data", "grad", "requires_grad")
NODE_ATTRS = ("name", "next_functions", "variable")

MAX_ROUND_DIGITS = 1000


# ---------------------------------------------------------- type names

def type_name(v) -> str:
    t = type(v)
    if t is Namespace:
        return f"module '{v.name}'"
    names = {list: "list", tuple: "tuple", str: "str", int: "int", float: "float", bool: "bool",
             type(None): "None", GxFunction: "function", Builtin: "built-in function",
             BoundMethod: "method", dict: "dict", range: "range", DType: "dtype",
             History: "history"}
    if t in names:
        return names[t]
    from ..engine.variable import Variable
    from ..engine.node import Node
    if t is Variable:
        return "tensor"
    if isinstance(v, Node):
        return "grad_fn node"
    return "value"


# -------------------------------------------------------- attribute tables

_TABLES = None      # type -> {name: getter(obj)}
_METHODS = None     # type -> {name: fn(obj, *args, **kw)}
_NODE_TABLE = None
_NODE_METHODS = {}


def _engine():
    from .. import engine
    return engine


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
        elif hasattr(Variable, name):
            vt[name] = _attrgetter(name)
    cands = set(VAR_METHODS) | set(ELEMENTWISE) | set(REDUCTIONS) | set(SHAPE_OPS) | set(LINALG)
    cands |= {"type_as", "allclose", "isclose"}
    from ..engine.inplace import OPS as INPLACE     # every in-place method: add_, exp_, copy_...
    cands |= set(INPLACE)
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
    tables[Variable] = vt
    methods[Variable] = vm
    from ..engine.reduce import MinMax
    tables[MinMax] = {"values": lambda m: m.values, "indices": lambda m: m.indices}
    methods[MinMax] = {}

    # lists, tuples, strings, dicts (history data): a few harmless methods
    methods[list] = {"append": _list_append, "pop": list.pop, "index": list.index,
                     "count": list.count}
    methods[tuple] = {"index": tuple.index, "count": tuple.count}
    methods[str] = {"upper": str.upper, "lower": str.lower, "strip": str.strip,
                    "startswith": str.startswith, "endswith": str.endswith}
    methods[dict] = {"keys": lambda d: list(d.keys()), "values": lambda d: list(d.values()),
                     "items": lambda d: list(d.items()), "get": dict.get}
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
        else:
            tbl = {}
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
            raise GxTypeError(f"assigned grad must be a tensor or None, not {type_name(value)}")
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


# ------------------------------------------------------------ size checks

def _is_int(v):
    return type(v) is int or (type(v) is bool)


def check_shape(dims, rt, what="size"):
    """Validate a shape before anything is allocated (HOSTILE R2-R4)."""
    lim = rt.limits
    shape = []
    for d in dims:
        from ..engine.variable import Variable
        if type(d) is Variable and d.dtype.kind in "iu" and d.numel() == 1:
            d = int(d.item())
        if type(d) is not int or d < 0:
            raise GxValueError(
                f"{what} must be a non-negative integer ≤ {human(lim.max_elements)}, "
                f"got {d!r}" if type(d) in (int, float) else
                f"{what} must be a non-negative integer ≤ {human(lim.max_elements)}, "
                f"got a {type_name(d)}")
        shape.append(d)
    n = math.prod(shape)
    check_elements(n, rt)
    return tuple(shape)


def check_elements(n, rt, itemsize=8):
    lim = rt.limits
    if n > lim.max_elements:
        raise GxLimitError(limit_message(
            f"array of {human(n)} elements exceeds the limit of {human(lim.max_elements)} "
            "elements per tensor", "max_elements", lim.max_elements))
    if n * itemsize > lim.max_memory:
        raise GxLimitError(limit_message(
            f"array of {human(n * itemsize)} bytes exceeds the memory limit",
            "max_memory", lim.max_memory))


def _shape_args(args, kw):
    size = kw.pop("size", None)
    if size is not None:
        args = (size,)
    if len(args) == 1 and type(args[0]) in (tuple, list):
        return tuple(args[0])
    return tuple(args)


def data_elements(data, rt, depth=0):
    """Element count of nested list data, found along the first elements (ragged data is
    rejected by the engine later; this only has to be an upper bound for regular data)."""
    n = 1
    d = data
    levels = 0
    from ..engine.variable import Variable
    while True:
        t = type(d)
        if t in (list, tuple):
            n *= len(d)
            if not d:
                break
            d = d[0]
        elif t is range:
            n *= len(d)
            break
        elif t is Variable:
            n *= max(1, d.numel())
            break
        else:
            break
        levels += 1
        if levels > 64:
            raise GxValueError("tensor data nested more than 64 levels deep")
        if n > rt.limits.max_elements:
            break
    check_elements(n, rt)
    return n


def _unwrap_dtype(kw):
    dt = kw.get("dtype")
    if dt is None:
        return kw
    import numpy as np
    if type(dt) is DType:
        kw["dtype"] = dt.np
    elif type(dt) is str and dt.replace("torch.", "") in ("float32", "float64", "int64",
                                                           "int32", "bool"):
        kw["dtype"] = np.dtype(dt.replace("torch.", ""))
    elif dt is float:
        kw["dtype"] = np.dtype(np.float64)
    elif dt is int:
        kw["dtype"] = np.dtype(np.int64)
    elif dt is bool:
        kw["dtype"] = np.dtype(np.bool_)
    else:
        raise GxTypeError(f"unknown dtype {dt!r}")
    return kw


def _to_data(x):
    t = type(x)
    if t is range:
        return list(x)
    if t is tuple:
        return [_to_data(v) for v in x] if any(type(v) in (range, tuple) for v in x) else x
    if t is list:
        if any(type(v) in (range, tuple) for v in x):
            return [_to_data(v) for v in x]
    return x


# ---------------------------------------------------------------- builtins

def make_builtins(rt) -> dict:
    """The allowlisted names of one session (closures over its runtime ``rt``)."""
    E = _engine()
    from ..engine.variable import Variable
    _tables()
    B = {}

    def add(name, fn, doc=None):
        B[name] = Builtin(name, fn, doc)

    # ---- engine ops, passed through
    for name in ELEMENTWISE + REDUCTIONS + SHAPE_OPS + LINALG + AUTOGRAD:
        fn = getattr(E, name, None)
        if fn is not None:
            add(name, fn)

    # results bigger than their inputs: checked before the engine allocates
    def _joined(name):
        efn = getattr(E, name)

        def join(tensors, *args, **kw):
            if type(tensors) not in (list, tuple):
                raise GxTypeError(f"{name}() takes a list or tuple of tensors")
            check_seq_len(len(tensors), rt, None)
            n = 0
            for t in tensors:
                n += t.numel() if type(t) is Variable else data_elements(t, rt)
            check_elements(n, rt)
            return efn(tensors, *args, **kw)
        return join
    for name in ("cat", "stack"):
        if hasattr(E, name):
            add(name, _joined(name))

    def gx_grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
                allow_unused=False):
        if RETAIN_ALL.get():
            retain_graph = True
        return E.grad(outputs, inputs, grad_outputs=grad_outputs, retain_graph=retain_graph,
                      create_graph=create_graph, allow_unused=allow_unused)
    add("grad", gx_grad)

    # ---- making tensors (sizes checked before allocating)
    def factory(name):
        efn = getattr(E, name)

        def make(*args, **kw):
            dims = _shape_args(args, kw)
            shape = check_shape(dims, rt)
            _unwrap_dtype(kw)
            return new_leaf(efn(*shape, **kw))
        return make

    for name in ("ones", "zeros", "rand", "randn"):
        if hasattr(E, name):
            add(name, factory(name))

    if hasattr(E, "full"):
        def full(size, fill_value, **kw):
            shape = check_shape(size if type(size) in (tuple, list) else (size,), rt)
            _unwrap_dtype(kw)
            return new_leaf(E.full(shape, fill_value, **kw))
        add("full", full)

    if hasattr(E, "eye"):
        def eye(n, m=None, **kw):
            check_shape((n,) if m is None else (n, m), rt)
            if m is None:
                check_elements(n * n, rt)
            _unwrap_dtype(kw)
            return E.eye(n, m, **kw) if m is not None else E.eye(n, **kw)
        add("eye", eye)

    if hasattr(E, "arange"):
        def arange(start, end=None, step=1, **kw):
            lo, hi = (0, start) if end is None else (start, end)
            for v in (lo, hi, step):
                if type(v) not in (int, float, bool):
                    raise GxTypeError("arange() takes numbers")
            if step == 0:
                raise GxValueError("arange() step must not be zero")
            n = (hi - lo) / step
            if not math.isfinite(n):
                raise GxValueError("arange() bounds must be finite")
            check_elements(max(0, math.ceil(n)), rt)
            _unwrap_dtype(kw)
            return E.arange(start, end, step, **kw) if end is not None else \
                E.arange(start, step=step, **kw) if step != 1 else E.arange(start, **kw)
        add("arange", arange)

    if hasattr(E, "linspace"):
        def linspace(start, end, steps=100, **kw):
            check_shape((steps,), rt, "steps")
            _unwrap_dtype(kw)
            return E.linspace(start, end, steps, **kw)
        add("linspace", linspace)

    for name in LIKE:
        fn = getattr(E, name, None)
        if fn is not None:
            add(name, fn)

    def tensor(data, *args, **kw):
        data_elements(data, rt)
        _unwrap_dtype(kw)
        return new_leaf(E.tensor(_to_data(data), *args, **kw))
    add("tensor", tensor)

    def variable(data, *args, **kw):
        data_elements(data, rt)
        _unwrap_dtype(kw)
        return new_leaf(E.Variable(_to_data(data), *args, **kw))
    add("Variable", variable)

    def float_tensor(*args, **kw):
        if args and all(type(a) is int for a in args):
            return E.zeros(*check_shape(args, rt), **kw)
        if len(args) != 1:
            raise GxTypeError("FloatTensor() takes one list of numbers or sizes")
        data_elements(args[0], rt)
        if type(args[0]) is Variable:
            return E.tensor(args[0].detach().tolist(), **kw)
        return E.tensor(_float_data(args[0]), **kw)
    add("FloatTensor", float_tensor)

    def seed(n):
        E.manual_seed(n)
    add("manual_seed", seed)
    add("seed", seed)

    # ---- Python-like helpers
    def gx_len(x):
        return len(x)
    add("len", gx_len)

    def gx_range(*args):
        for a in args:
            if type(a) is not int and type(a) is not bool:
                if type(a) is Variable:
                    continue
                raise GxTypeError(f"range() takes integers, not {type_name(a)}")
        return range(*args)
    add("range", gx_range)

    def gx_abs(x):
        if type(x) is Variable:
            return E.abs(x)
        return abs(x)
    add("abs", gx_abs)

    def _minmax(py, eng_red, eng_pair, name):
        def f(*args, **kw):
            if len(args) == 1 and type(args[0]) is Variable:
                return eng_red(args[0], **kw)
            if len(args) >= 2 and type(args[0]) is Variable and type(args[1]) is int:
                return eng_red(*args, **kw)
            if len(args) == 1 and type(args[0]) in (list, tuple, range):
                seq = args[0]
            else:
                seq = args
            if kw:
                raise GxTypeError(f"{name}() of several values takes no keywords")
            if not seq:
                raise GxValueError(f"{name}() of an empty sequence")
            if any(type(v) is Variable for v in seq):
                r = seq[0]
                for v in seq[1:]:
                    r = eng_pair(r, v)
                return r
            return py(seq)
        return f
    add("max", _minmax(max, E.max, E.maximum, "max"))
    add("min", _minmax(min, E.min, E.minimum, "min"))

    def gx_sum(x, *args, **kw):
        if type(x) in (list, tuple, range) and not args and not kw:
            r = 0
            for v in x:
                r = r + v
            return r
        return E.sum(x, *args, **kw)
    add("sum", gx_sum)

    def gx_float(x=0.0):
        if type(x) is str:
            return float(x)
        return float(x)
    add("float", gx_float)

    def gx_int(x=0):
        r = int(x) if type(x) is not float else _float_to_int(x)
        return bound_int(r, rt, rt.pos) if type(r) is int else r
    add("int", gx_int)

    def gx_round(x, ndigits=None):
        if type(x) is Variable:
            x = float(x)
        if ndigits is not None and (type(ndigits) is not int or abs(ndigits) > MAX_ROUND_DIGITS):
            raise GxValueError("round() digits must be an integer of at most 1000")
        r = round(x, ndigits) if ndigits is not None else round(x)
        return bound_int(r, rt, rt.pos) if type(r) is int else r
    add("round", gx_round)

    def gx_bool(x=False):
        return bool(x)
    add("bool", gx_bool)

    def gx_str(x=""):
        return _to_str(x)
    add("str", gx_str)

    def _materialize(it, what):
        import itertools
        lim = rt.limits.max_list
        if type(it) in (list, tuple, str, range, dict):
            check_seq_len(len(it), rt, None, what)
            return list(it)
        out = list(itertools.islice(iter(it), lim + 1))
        check_seq_len(len(out), rt, None, what)
        return out

    def gx_list(x=()):
        return _materialize(x, "list")
    add("list", gx_list)

    def gx_tuple(x=()):
        return tuple(_materialize(x, "tuple"))
    add("tuple", gx_tuple)

    def gx_enumerate(x, start=0):
        if type(x) not in (list, tuple, str, range, Variable):
            raise GxTypeError("enumerate() takes a list, tuple, range or tensor")
        return list(enumerate(_materialize(x, "list"), start))
    add("enumerate", gx_enumerate)

    def gx_zip(*seqs):
        return list(zip(*[_materialize(s, "list") for s in seqs]))
    add("zip", gx_zip)

    def gx_shape(x):
        if type(x) is Variable:
            return tuple(x.shape)
        shp = []
        while type(x) in (list, tuple):
            shp.append(len(x))
            if not x:
                break
            x = x[0]
        return tuple(shp)
    add("shape", gx_shape)

    for name in ("allclose", "isclose"):
        fn = getattr(E, name, None)
        if fn is not None:
            add(name, _lists_as_tensors(fn, E))

    def gx_print(*args, sep=" ", end="\n"):
        if sep is None:
            sep = " "
        if end is None:
            end = "\n"
        if type(sep) is not str or type(end) is not str:
            raise GxTypeError("print() sep and end must be strings")
        text = sep.join(_to_str(a) for a in args)
        if rt.on_print is not None:
            rt.on_print(text, list(args), end)
    add("print", gx_print)

    def gx_history(y):
        if type(y) is not Variable:
            raise GxTypeError(f"history() takes a tensor, not {type_name(y)}")
        names = {}
        if rt.frame is not None:
            for k, v in rt.frame.items():
                if type(v) is Variable:
                    names.setdefault(id(v), k)
        return History(E.history(y, names))
    add("history", gx_history)

    from . import fileio

    def gx_load(path):
        return fileio.load(path, rt.allow_read, max_elements=rt.limits.max_elements)
    add("load", gx_load)

    def gx_save(path, t):
        real = fileio.check_path(path, rt.allow_write, "write")
        if DRY_RUN.get():          # `check` re-runs: the first run wrote the file already
            return
        fileio.save(real, t, rt.allow_write)
    add("save", gx_save)

    B["inf"] = math.inf
    B["nan"] = math.nan
    B["pi"] = math.pi

    # ---- compatibility namespaces: bound only by an import (no module object
    # exists otherwise: HOSTILE S9)
    rt.namespaces = {"torch": make_torch(B, E), "numpy": make_numpy(B, E)}
    return B


def _float_data(x):
    t = type(x)
    if t in (list, tuple, range):
        return [_float_data(v) for v in x]
    if t in (int, bool):
        return float(x)
    return x


def _float_to_int(x):
    if not math.isfinite(x):
        raise GxValueError(f"cannot convert {x} to an integer")
    return int(x)


MAX_TEXT = 16 * 1024 * 1024      # characters one str()/print() may produce


def _to_str(v):
    t = type(v)
    if t is str:
        return v
    if t in (list, tuple) or isinstance(v, tuple):
        return safe_repr(v)
    return str(v)


def safe_repr(v, limit=None) -> str:
    """repr of nested lists/tuples, iteratively and with a size budget: a list that
    holds itself twice per level (l = [l, l], 40 times) would otherwise print for ever.
    A list inside itself prints as [...], as in Python."""
    if limit is None:
        rt = CURRENT_RT.get()
        limit = 16 * rt.limits.max_list if rt is not None else MAX_TEXT
    out = []
    size = 0
    stack = [v]
    active = set()
    while stack:
        x = stack.pop()
        tx = type(x)
        if tx is _Close:
            active.discard(x.ident)
            piece = x.text
        elif tx is _Sep:
            piece = ", "
        elif tx is list or tx is tuple:
            ident = id(x)
            if ident in active:
                piece = "[...]" if tx is list else "(...)"
            else:
                active.add(ident)
                close = ",)" if tx is tuple and len(x) == 1 else ("]" if tx is list else ")")
                stack.append(_Close(close, ident))
                for i in range(len(x) - 1, -1, -1):
                    stack.append(x[i])
                    if i:
                        stack.append(_SEP)
                piece = "[" if tx is list else "("
        else:
            piece = repr(x)
        size += len(piece)
        if size > limit:
            raise GxLimitError(limit_message(
                f"text of more than {human(limit)} characters (16 per allowed list element)",
                "max_list", limit // 16))
        out.append(piece)
    return "".join(out)


class _Close:
    __slots__ = ("text", "ident")

    def __init__(self, text, ident):
        self.text = text
        self.ident = ident


class _Sep:
    __slots__ = ()


_SEP = _Sep()


def _lists_as_tensors(fn, E):
    def f(a, b, *args, **kw):
        if type(a) in (list, tuple):
            a = E.tensor(_to_data(a))
        if type(b) in (list, tuple):
            b = E.tensor(_to_data(b))
        return fn(a, b, *args, **kw)
    return f


def _ns(name, members):
    return Namespace(name, members)


def make_torch(B, E) -> Namespace:
    names = (ELEMENTWISE + REDUCTIONS + SHAPE_OPS + LINALG + FACTORIES + LIKE +
             ["tensor", "manual_seed", "seed", "no_grad", "enable_grad", "set_grad_enabled",
              "is_grad_enabled", "allclose", "isclose", "FloatTensor", "load", "save"])
    m = {n: B[n] for n in names if n in B}
    m["Tensor"] = B["FloatTensor"]
    m["DoubleTensor"] = B["FloatTensor"]
    m["inf"], m["nan"], m["pi"] = math.inf, math.nan, math.pi
    if "clamp" in B:
        m["clip"] = B["clamp"]
    if "cat" in B:
        m["concat"] = B["cat"]
    import numpy as np
    m["float32"] = dtype_value(np.dtype(np.float32))
    m["float64"] = dtype_value(np.dtype(np.float64))
    m["double"] = m["float64"]
    m["float"] = m["float32"]
    m["int64"] = dtype_value(np.dtype(np.int64))
    m["long"] = m["int64"]
    m["bool"] = dtype_value(np.dtype(np.bool_))
    ag = {"Variable": B["Variable"]}
    for n in ("grad", "gradcheck"):
        if n in B:
            ag[n] = B[n]
    fun = {n: B[n] for n in ("jacobian", "hessian") if n in B}
    ag["functional"] = _ns("torch.autograd.functional", fun)
    m["autograd"] = _ns("torch.autograd", ag)
    return _ns("torch", m)


NP_ALIASES = {"arcsin": "asin", "arccos": "acos", "arctan": "atan", "power": "pow",
              "clip": "clamp", "concatenate": "cat", "expand_dims": "unsqueeze",
              "amax": "max", "amin": "min", "array": "tensor", "asarray": "tensor",
              "absolute": "abs"}


def make_numpy(B, E) -> Namespace:
    names = (ELEMENTWISE + REDUCTIONS + SHAPE_OPS + LINALG + FACTORIES + LIKE +
             ["allclose", "isclose", "load", "save"])
    m = {n: B[n] for n in names if n in B}
    for alias, target in NP_ALIASES.items():
        if target in B:
            m[alias] = B[target]
    m["inf"], m["nan"], m["pi"] = math.inf, math.nan, math.pi
    m["e"] = math.e
    import numpy as np
    m["float32"] = dtype_value(np.dtype(np.float32))
    m["float64"] = dtype_value(np.dtype(np.float64))
    m["linalg"] = _ns("np.linalg", {n: B[n] for n in ("inv", "det", "solve", "norm")
                                    if n in B})
    m["random"] = _ns("np.random", {"seed": B["seed"], "randn": B["randn"],
                                    "rand": B["rand"]} if "randn" in B else {"seed": B["seed"]})
    return _ns("np", m)


# imports a script may write, and what each binds
def resolve_module(module: str, namespaces: dict):
    """The namespace of a dotted module name ('torch.autograd'), or None."""
    parts = module.split(".")
    ns = namespaces.get(parts[0])
    if ns is None:
        return None
    for p in parts[1:]:
        v = ns.members.get(p)
        if type(v) is not Namespace:
            return None
        ns = v
    return ns


__all__ = ["make_builtins", "get_attr", "set_attr", "method_for", "attribute_names",
           "refuse", "type_name", "subscriptable", "resolve_module", "table_for"]
