"""The built-ins of .gx: an ALLOWLIST, as a flat registry of small functions.

``make_builtins(rt)`` gives a session its names: the engine's ops passed through as
they are (names.py), then the functions registered here with ``@builtin(...)``, which
take their place where both exist (sizes checked before allocating, Python-like
behaviour on lists and numbers), then the constants. Every callable is wrapped in a
``Builtin``; ``type``, ``getattr``, ``eval``, ``exec``, ``open``, ``exit``, ``quit``,
``__import__`` simply do not exist. A built-in that needs the session's runtime
(limits, print callback, permissions) reads it from ``CURRENT_RT``, the session's
context variable. The attribute allowlist is in attributes.py, the ``torch``/``np``
namespaces in namespaces.py.
"""
from __future__ import annotations

import math

from .. import engine as E
from ..engine.variable import Variable
from .errors import GxTypeError, GxValueError
from .limits import bound_walk
from .names import AUTOGRAD, BITWISE, ELEMENTWISE, LIKE, LINALG, REDUCTIONS, SHAPE_OPS
from .namespaces import lazy_builtin, make_math, make_numpy, make_torch
from .values import check_device
from .pynum import bound_int, check_seq_len
from .runtime import CURRENT_RT, DRY_RUN, RETAIN_ALL, new_leaf
from .sizes import (check_elements, check_shape, data_elements, shape_args, to_data,
                    unwrap_dtype)
from .text import to_str
from .values import Builtin, History, type_name

MAX_ROUND_DIGITS = 1000

REGISTRY: dict = {}      # name -> function (a script calls it through a Builtin)


def builtin(*names):
    """Register the decorated function under ``names``."""
    def register(fn):
        for name in names:
            REGISTRY[name] = fn
        return fn
    return register


def make_builtins(rt) -> dict:
    """The allowlisted names of one session; also sets ``rt.namespaces`` (what an
    import may bind)."""
    B = {}
    for name in ELEMENTWISE + BITWISE + REDUCTIONS + SHAPE_OPS + LINALG + AUTOGRAD + LIKE:
        if name in E._LAZY:                  # its room is imported on the first call
            B[name] = lazy_builtin(name)
            continue
        fn = getattr(E, name, None)
        if fn is not None:
            B[name] = Builtin(name, _like(fn) if name in LIKE else fn)
    for name, fn in REGISTRY.items():
        B[name] = Builtin(name, fn)
    B["inf"], B["nan"], B["pi"], B["e"] = math.inf, math.nan, math.pi, math.e
    rt.namespaces = {"torch": make_torch(B), "numpy": make_numpy(B), "math": make_math()}
    return B


def _like(fn):
    """ones_like & co.: device= checked and dropped, as by every factory (the engine
    checks their dtype=)."""
    def like(*args, **kw):
        if "device" in kw:
            check_device(kw.pop("device"))
        return fn(*args, **kw)
    return like


def _rt():
    return CURRENT_RT.get()


# ------------------------------------------------------------ making tensors

def _factory(name):
    """ones/zeros/rand/randn: the shape checked before the engine allocates."""
    efn = getattr(E, name)

    def make(*args, **kw):
        shape = check_shape(shape_args(args, kw), _rt())
        unwrap_dtype(kw)
        return new_leaf(efn(*shape, **kw))
    make.__name__ = make.__qualname__ = name
    return make


for _name in ("ones", "zeros", "rand", "randn"):
    REGISTRY[_name] = _factory(_name)
del _name


@builtin("full")
def full(size, fill_value, **kw):
    shape = check_shape(size if type(size) in (tuple, list) else (size,), _rt())
    unwrap_dtype(kw)
    return new_leaf(E.full(shape, fill_value, **kw))


@builtin("eye")
def eye(n, m=None, **kw):
    rt = _rt()
    check_shape((n,) if m is None else (n, m), rt)
    if m is None:
        check_elements(n * n, rt)
    unwrap_dtype(kw)
    return E.eye(n, m, **kw) if m is not None else E.eye(n, **kw)


@builtin("arange")
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
    check_elements(max(0, math.ceil(n)), _rt())
    unwrap_dtype(kw)
    if end is not None:
        return E.arange(start, end, step, **kw)
    return E.arange(start, step=step, **kw) if step != 1 else E.arange(start, **kw)


@builtin("linspace")
def linspace(start, end, steps=100, **kw):
    check_shape((steps,), _rt(), "steps")
    unwrap_dtype(kw)
    return E.linspace(start, end, steps, **kw)


@builtin("tensor")
def tensor(data, *args, **kw):
    data_elements(data, _rt())
    unwrap_dtype(kw)
    return new_leaf(E.tensor(to_data(data), *args, **kw))


@builtin("Variable")
def variable(data, *args, **kw):
    data_elements(data, _rt())
    unwrap_dtype(kw)
    return new_leaf(E.Variable(to_data(data), *args, **kw))


@builtin("FloatTensor")
def float_tensor(*args, **kw):
    rt = _rt()
    if args and all(type(a) is int for a in args):
        return E.zeros(*check_shape(args, rt), **kw)
    if len(args) != 1:
        raise GxTypeError("FloatTensor() takes one list of numbers or sizes")
    data_elements(args[0], rt)
    if type(args[0]) is Variable:
        return E.tensor(args[0].detach().tolist(), **kw)
    return E.tensor(_float_data(args[0]), **kw)


def _float_data(x):
    t = type(x)
    if t in (list, tuple, range):
        return [_float_data(v) for v in x]
    if t in (int, bool):
        return float(x)
    return x


@builtin("manual_seed", "seed")
def seed(n):
    E.manual_seed(n)


@builtin("set_printoptions")
def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    """torch.set_printoptions: precision, sci_mode and profile (the session's own
    print options: later prints, the REPL's echo and --summary use them)."""
    from ..engine.printing import set_printoptions as setp
    if (threshold, edgeitems, linewidth) != (None, None, None):
        raise GxValueError("set_printoptions() supports precision, sci_mode and profile "
                           "(threshold, edgeitems and linewidth keep PyTorch's defaults)")
    try:
        setp(precision=precision, sci_mode=sci_mode, profile=profile)
    except ValueError as e:
        raise GxValueError(f"set_printoptions(): {e}") from None


def _random_builtins():
    from .randomness import make
    for name, fn in make(E, _rt, check_shape, unwrap_dtype, new_leaf).items():
        REGISTRY[name] = fn


_random_builtins()


# ------------------------------------------------- engine ops with checks first

def _joined(name):
    """cat/stack: a result bigger than its inputs, checked before the engine allocates."""
    efn = getattr(E, name)

    def join(tensors, *args, **kw):
        if type(tensors) not in (list, tuple):
            raise GxTypeError(f"{name}() takes a list or tuple of tensors")
        rt = _rt()
        check_seq_len(len(tensors), rt, None)
        n = 0
        for t in tensors:
            n += t.numel() if type(t) is Variable else data_elements(t, rt)
        check_elements(n, rt)
        return efn(tensors, *args, **kw)
    join.__name__ = join.__qualname__ = name
    return join


REGISTRY["cat"] = _joined("cat")
REGISTRY["stack"] = _joined("stack")


@builtin("grad")
def gx_grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
            allow_unused=False):
    if RETAIN_ALL.get():            # `check` runs the script again: keep every graph
        retain_graph = True
    return E.grad(outputs, inputs, grad_outputs=grad_outputs, retain_graph=retain_graph,
                  create_graph=create_graph, allow_unused=allow_unused)


def _lists_as_tensors(fn):
    def f(a, b, *args, **kw):
        if type(a) in (list, tuple):
            a = E.tensor(to_data(a))
        if type(b) in (list, tuple):
            b = E.tensor(to_data(b))
        return fn(a, b, *args, **kw)
    f.__name__ = f.__qualname__ = fn.__name__
    return f


REGISTRY["allclose"] = _lists_as_tensors(E.allclose)
REGISTRY["isclose"] = _lists_as_tensors(E.isclose)


# ------------------------------------------------------- Python-like helpers

@builtin("len")
def gx_len(x):
    return len(x)


@builtin("range")
def gx_range(*args):
    for a in args:
        if type(a) is not int and type(a) is not bool and type(a) is not Variable:
            raise GxTypeError(f"range() takes integers, not {type_name(a)}")
    return range(*args)


@builtin("abs")
def gx_abs(x):
    if type(x) is Variable:
        return E.abs(x)
    return abs(x)


def _minmax(py, eng_red, eng_pair, name):
    """max()/min(): a tensor's reduction, or Python's over numbers, or pairwise over a
    sequence holding tensors."""
    def f(*args, **kw):
        if len(args) == 1 and type(args[0]) is Variable:
            return eng_red(args[0], **kw)
        if len(args) >= 2 and type(args[0]) is Variable and type(args[1]) is int:
            return eng_red(*args, **kw)
        seq = args[0] if len(args) == 1 and type(args[0]) in (list, tuple, range) else args
        if kw:
            raise GxTypeError(f"{name}() of several values takes no keywords")
        if not seq:
            raise GxValueError(f"{name}() of an empty sequence")
        if any(type(v) is Variable for v in seq):
            r = seq[0]
            for v in seq[1:]:
                r = eng_pair(r, v)
            return r
        bound_walk(seq)             # comparing nested lists walks them natively
        return py(seq)
    f.__name__ = f.__qualname__ = name
    return f


REGISTRY["max"] = _minmax(max, E.max, E.maximum, "max")
REGISTRY["min"] = _minmax(min, E.min, E.minimum, "min")


@builtin("sum")
def gx_sum(x, *args, **kw):
    if type(x) in (list, tuple, range) and not args and not kw:
        r = 0
        for v in x:
            r = r + v
        return r
    return E.sum(x, *args, **kw)


def _truth(py, eng):
    def truth(x, *args, **kw):
        """all/any: Python's on a list, tuple or range; PyTorch's (a bool tensor, dim=,
        keepdim=) on a tensor."""
        if type(x) in (list, tuple, range) and not args and not kw:
            return py(bool(v) for v in x)
        return eng(x, *args, **kw)
    truth.__name__ = truth.__qualname__ = py.__name__
    return truth


REGISTRY["all"] = _truth(all, E.all)
REGISTRY["any"] = _truth(any, E.any)


@builtin("float")
def gx_float(x=0.0):
    return float(x)


@builtin("int")
def gx_int(x=0):
    if type(x) is float and not math.isfinite(x):
        raise GxValueError(f"cannot convert {x} to an integer")
    r = int(x)
    rt = _rt()
    return bound_int(r, rt, rt.pos) if type(r) is int else r


@builtin("round")
def gx_round(x, ndigits=None):
    if type(x) is Variable:
        x = float(x)
    if ndigits is not None and (type(ndigits) is not int or abs(ndigits) > MAX_ROUND_DIGITS):
        raise GxValueError("round() digits must be an integer of at most 1000")
    r = round(x, ndigits) if ndigits is not None else round(x)
    rt = _rt()
    return bound_int(r, rt, rt.pos) if type(r) is int else r


@builtin("bool")
def gx_bool(x=False):
    return bool(x)


@builtin("str")
def gx_str(x=""):
    return to_str(x)


def _materialize(it, what):
    """A list of ``it``'s items, refused beyond the list-length limit."""
    import itertools
    rt = _rt()
    if type(it) in (list, tuple, str, range, dict):
        check_seq_len(len(it), rt, None, what)
        return list(it)
    out = list(itertools.islice(iter(it), rt.limits.max_list + 1))
    check_seq_len(len(out), rt, None, what)
    return out


@builtin("list")
def gx_list(x=()):
    return _materialize(x, "list")


@builtin("tuple")
def gx_tuple(x=()):
    return tuple(_materialize(x, "tuple"))


@builtin("enumerate")
def gx_enumerate(x, start=0):
    if type(x) not in (list, tuple, str, range, Variable):
        raise GxTypeError("enumerate() takes a list, tuple, range or tensor")
    return list(enumerate(_materialize(x, "list"), start))


@builtin("zip")
def gx_zip(*seqs):
    return list(zip(*[_materialize(s, "list") for s in seqs]))


@builtin("shape")
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


# ------------------------------------------------------- output and files

@builtin("print")
def gx_print(*args, sep=" ", end="\n"):
    if sep is None:
        sep = " "
    if end is None:
        end = "\n"
    if type(sep) is not str or type(end) is not str:
        raise GxTypeError("print() sep and end must be strings")
    text = sep.join(to_str(a) for a in args)
    rt = _rt()
    if rt.on_print is not None:
        rt.on_print(text, list(args), end)


@builtin("history")
def gx_history(y):
    if type(y) is not Variable:
        raise GxTypeError(f"history() takes a tensor, not {type_name(y)}")
    names = {}
    rt = _rt()
    if rt.frame is not None:
        for k, v in rt.frame.items():
            if type(v) is Variable:
                names.setdefault(id(v), k)
    return History(E.history(y, names))


@builtin("load")
def gx_load(path):
    from . import fileio
    rt = _rt()
    return fileio.load(path, rt.allow_read, max_elements=rt.limits.max_elements)


@builtin("save")
def gx_save(path, t):
    from . import fileio
    rt = _rt()
    real = fileio.check_path(path, rt.allow_write, "write")
    if DRY_RUN.get():          # `check` re-runs: the first run wrote the file already
        return
    fileio.save(real, t, rt.allow_write)
