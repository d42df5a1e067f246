"""Shape primitives. Each is linear, and its derivative is another of them:
expand <-> sum_to, reshape <-> reshape, permute <-> permute, cat/stack <-> getitem.
Indexing (getitem <-> index_add) is in indexing.py."""
from __future__ import annotations

import math

import numpy as np

from ._op import check_size, dims, lift, record
from .context import STATE
from .errors import EngineTypeError, ShapeError
from .indexing import getitem
from .node import Node
from .variable import Variable, shared_array
from .versions import mark_view


def _sizes(args) -> tuple:
    """``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])`` -> (2, 3)."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    out = []
    for a in args:
        if type(a) is Variable:
            a = a.item()
        if isinstance(a, bool) or not isinstance(a, (int, np.integer)):
            raise EngineTypeError(f"sizes must be integers, got {type(a).__name__}")
        out.append(int(a))
    return tuple(out)


# ------------------------------------------------------------ expand / sum_to

class ExpandBackward0(Node):
    __slots__ = ()
    name = "ExpandBackward0"
    frees = False

    def apply(self, g):
        return (sum_to(g, self.saved),)

    def fast(self, g):
        return (sum_to_raw(g, self.saved),)


def expand(x, *sizes):
    x = lift(x)
    shape = _sizes(sizes)
    xs = x._data.shape
    if len(shape) < len(xs):
        raise ShapeError(f"expand: the number of sizes provided ({len(shape)}) must be greater "
                         f"or equal to the number of dimensions in the tensor ({len(xs)})")
    lead = len(shape) - len(xs)
    shape = tuple(xs[i - lead] if (s == -1 and i >= lead) else s for i, s in enumerate(shape))
    try:
        np.broadcast_shapes(xs, shape)
        if np.broadcast_shapes(xs, shape) != shape:
            raise ValueError
    except ValueError:
        raise ShapeError(f"expand: the shape {xs} cannot be expanded to {shape}") from None
    st = STATE.get()
    check_size(shape, st)
    if shape == xs:
        return x
    out = np.broadcast_to(shared_array(x), shape)
    return mark_view(record(out, ExpandBackward0, (x._node,), xs, st), x,
                     lambda a: np.broadcast_to(a, shape))


class SumToBackward0(Node):
    __slots__ = ()
    name = "SumToBackward0"
    frees = False

    def apply(self, g):
        return (expand(g, self.saved),)

    def fast(self, g):
        return (np.broadcast_to(g, self.saved),)


def _sum_axes(xs, shape):
    lead = len(xs) - len(shape)
    return lead, tuple(range(lead)) + tuple(
        i + lead for i, s in enumerate(shape) if s == 1 and xs[i + lead] != 1)


def sum_to_raw(d, shape):
    """``sum_to`` on a raw array."""
    lead, axes = _sum_axes(d.shape, shape)
    out = np.sum(d, axis=axes, keepdims=True)
    return out.reshape(shape) if lead else out


def sum_to(x, shape):
    """Sums the broadcast dimensions of ``x`` away so that it has ``shape``."""
    xs = x._data.shape
    if xs == shape:
        return x
    lead, axes = _sum_axes(xs, shape)
    out = np.sum(x._data, axis=axes, keepdims=True)
    if lead:
        out = out.reshape(shape)
    return record(out, SumToBackward0, (x._node,), xs, STATE.get())


def unbroadcast(g, shape):
    """The gradient ``g`` of a broadcast result, summed back to an input's ``shape``."""
    if g is None or g._data.shape == shape:
        return g
    return sum_to(g, shape)


_f64 = np.float64


def unbroadcast_raw(g, shape):
    """``unbroadcast`` on raw arrays, for the ``fast`` rules."""
    if type(g) is _f64 or g.shape == shape:
        return g
    return sum_to_raw(g, shape)



# -------------------------------------------------------------------- reshape

class ViewBackward0(Node):
    __slots__ = ()
    name = "ViewBackward0"
    frees = False

    def apply(self, g):
        return (reshape(g, self.saved),)

    def fast(self, g):
        return (np.reshape(g, self.saved),)


class SqueezeBackward0(ViewBackward0):
    __slots__ = ()
    name = "SqueezeBackward0"


class SqueezeBackward1(ViewBackward0):
    """squeeze(dim) (PyTorch: SqueezeBackward0 without dim, 2 with a tuple of dims)."""
    __slots__ = ()
    name = "SqueezeBackward1"


class SqueezeBackward2(ViewBackward0):
    __slots__ = ()
    name = "SqueezeBackward2"


class UnsqueezeBackward0(ViewBackward0):
    __slots__ = ()
    name = "UnsqueezeBackward0"


def _reshaped(x, shape, cls, force=False):
    xs = x._data.shape
    if shape == xs and not force:
        return x
    xd = shared_array(x)
    try:
        out = np.reshape(xd, shape)
    except ValueError:
        raise ShapeError(f"shape '{list(shape)}' is invalid for input of size "
                         f"{math.prod(xs)}") from None
    v = record(out, cls, (x._node,), xs, STATE.get())
    if np.may_share_memory(out, xd):     # a view, as PyTorch's view/reshape of contiguous data
        mark_view(v, x, lambda a: np.reshape(a, shape))
    return v


class ReshapeAliasBackward0(ViewBackward0):
    """reshape() of a non-contiguous tensor that can still be a view (PyTorch's
    _reshape_alias)."""
    __slots__ = ()
    name = "ReshapeAliasBackward0"


class UnsafeViewBackward0(ViewBackward0):
    """The reshape after a copy (reshape() of data no view can give, batched matmul)."""
    __slots__ = ()
    name = "UnsafeViewBackward0"


def reshape(x, *shape):
    x = lift(x)
    return _reshape(x, _sizes(shape))


def _reshape(x, shape, force=False):
    """PyTorch's reshape: a view of contiguous data (ViewBackward0); of other data a view
    when strides allow (ReshapeAliasBackward0), else a copy (CloneBackward0) viewed
    (UnsafeViewBackward0)."""
    xd = x._data
    if type(xd) is not np.ndarray or xd.flags.c_contiguous or x._node is None:
        return _reshaped(x, shape, ViewBackward0, force)
    out = _reshaped(x, shape, ReshapeAliasBackward0, force)
    od = out._data
    if out is x or type(od) is np.ndarray and od.base is not None and \
            od.base is (xd.base if xd.base is not None else xd):
        return out
    from .methods import CloneBackward0
    st = STATE.get()
    copy = record(np.ascontiguousarray(xd), CloneBackward0, (x._node,), None, st)
    return record(od, UnsafeViewBackward0, (copy._node,), xd.shape, st)


def view(x, *shape):
    """view(): like reshape, but data no view can give is an error, as in PyTorch."""
    x = lift(x)
    shape = _sizes(shape)
    out = _reshaped(x, shape, ViewBackward0)
    xd, od = x._data, out._data
    if out is not x and type(xd) is np.ndarray and not xd.flags.c_contiguous and not (
            type(od) is np.ndarray and od.base is not None
            and od.base is (xd.base if xd.base is not None else xd)):
        raise ShapeError("view size is not compatible with input tensor's size and stride (at "
                         "least one dimension spans across two contiguous subspaces). Use "
                         ".reshape(...) instead.")
    return out


def flatten(x, start_dim=0, end_dim=-1):
    x = lift(x)
    xs = x._data.shape
    if not xs:
        return _reshaped(x, (1,), ViewBackward0)
    s, e = dims(len(xs), start_dim)[0], dims(len(xs), end_dim)[0]
    if s > e:
        raise ShapeError("flatten() has invalid args: start_dim cannot come after end_dim")
    return _reshape(x, xs[:s] + (math.prod(xs[s:e + 1]),) + xs[e + 1:])


def unchanged(x, cls, saved):
    """A view op that changes nothing (squeeze of no size-1 dim, t() or transpose of a
    vector): x itself off the graph; in the graph PyTorch still records the op's node."""
    st = STATE.get()
    if x._node is None or not st.grad:
        return x
    return mark_view(record(shared_array(x)[...], cls, (x._node,), saved, st), x,
                     lambda a: a[...])


def squeeze(x, dim=None):
    x = lift(x)
    xs = x._data.shape
    if dim is None:
        shape = tuple(s for s in xs if s != 1)
    else:
        ax = dims(len(xs), dim)
        shape = tuple(s for i, s in enumerate(xs) if not (i in ax and s == 1))
    cls = (SqueezeBackward0 if dim is None else
           SqueezeBackward2 if isinstance(dim, (tuple, list)) else SqueezeBackward1)
    return unchanged(x, cls, xs) if shape == xs else _reshaped(x, shape, cls)


def unsqueeze(x, dim):
    x = lift(x)
    xs = x._data.shape
    d = dims(len(xs) + 1, dim)[0]
    return _reshaped(x, xs[:d] + (1,) + xs[d:], UnsqueezeBackward0)


# -------------------------------------------------------------------- permute

class PermuteBackward0(Node):
    __slots__ = ()
    name = "PermuteBackward0"
    frees = False

    def apply(self, g):
        return (permute(g, tuple(np.argsort(self.saved))),)


class TransposeBackward0(PermuteBackward0):
    __slots__ = ()
    name = "TransposeBackward0"


class TBackward0(PermuteBackward0):
    """x.t() of a matrix."""
    __slots__ = ()
    name = "TBackward0"


def permute(x, *order, _cls=PermuteBackward0):
    x = lift(x)
    n = x._data.ndim
    order = _sizes(order)
    if sorted(d % max(n, 1) for d in order) != list(range(n)) or len(order) != n:
        raise ShapeError(f"permute: dims {order} are not a permutation of the {n} dimensions")
    order = tuple(d % n for d in order)
    if order == tuple(range(n)):
        return x
    return mark_view(record(np.transpose(x._data, order), _cls, (x._node,), order, STATE.get()),
                     x, lambda a: np.transpose(a, order))


def transpose(x, dim0=0, dim1=1):
    x = lift(x)
    n = x._data.ndim
    if n < 2 and dim0 in (0, -1) and dim1 in (0, 1, -1):
        return unchanged(x, TransposeBackward0, tuple(range(n)))
    a, b = dims(n, dim0)[0], dims(n, dim1)[0]
    order = list(range(n))
    order[a], order[b] = order[b], order[a]
    return permute(x, tuple(order), _cls=TransposeBackward0)


def T(x):
    """``x.T``: all dimensions reversed (a no-op below 2-D)."""
    n = x._data.ndim
    return x if n < 2 else permute(x, tuple(range(n - 1, -1, -1)))


def mT(x):
    return transpose(x, -2, -1)


# ---------------------------------------------------------------- cat / stack

class CatBackward0(Node):
    __slots__ = ()
    name = "CatBackward0"
    frees = False

    def apply(self, g):
        axis, sizes = self.saved
        out, start = [], 0
        pre = (slice(None),) * axis
        for size, n in zip(sizes, self.next):
            out.append(None if n is None else getitem(g, pre + (slice(start, start + size),)))
            start += size
        return tuple(out)


def cat(tensors, dim=0, *, axis=None):
    ts = [lift(t) for t in _seq(tensors, "cat")]
    datas = [np.asarray(t._data) for t in ts]
    nd = datas[0].ndim
    if nd == 0:
        raise ShapeError("zero-dimensional tensor cannot be concatenated")
    ax = dims(nd, axis if axis is not None else dim)[0]
    check_size(datas[0].shape[:ax] + (sum(d.shape[ax] if d.ndim == nd else 0 for d in datas),)
               + datas[0].shape[ax + 1:])
    try:
        out = np.concatenate(datas, axis=ax)
    except ValueError:
        raise ShapeError("cat: sizes of tensors must match except in dimension "
                         f"{ax}; got shapes {[d.shape for d in datas]}") from None
    st = STATE.get()
    return record(out, CatBackward0, tuple(t._node for t in ts),
                  (ax, tuple(d.shape[ax] for d in datas)), st)


class StackBackward0(Node):
    __slots__ = ()
    name = "StackBackward0"
    frees = False

    def apply(self, g):
        pre = (slice(None),) * self.saved
        return tuple(None if n is None else getitem(g, pre + (i,)) for i, n in enumerate(self.next))


def stack(tensors, dim=0, *, axis=None):
    ts = [lift(t) for t in _seq(tensors, "stack")]
    datas = [np.asarray(t._data) for t in ts]
    ax = dims(datas[0].ndim + 1, axis if axis is not None else dim)[0]
    check_size((len(datas),) + datas[0].shape)
    try:
        out = np.stack(datas, axis=ax)
    except ValueError:
        raise ShapeError(f"stack expects each tensor to be equal size, got shapes "
                         f"{[d.shape for d in datas]}") from None
    return record(out, StackBackward0, tuple(t._node for t in ts), ax, STATE.get())


def _seq(tensors, what):
    if type(tensors) is Variable or not isinstance(tensors, (list, tuple)):
        raise EngineTypeError(f"{what}() expects a list or tuple of tensors")
    if not tensors:
        raise EngineValueError(f"{what}() expects a non-empty list of tensors")
    return tensors


from .errors import EngineValueError  # noqa: E402  (used by _seq)
