"""Shape primitives. Each is linear, and its derivative is another of them:
expand <-> sum_to, reshape <-> reshape, permute <-> permute, getitem <-> index_add,
cat/stack <-> getitem."""
from __future__ import annotations

import math

import numpy as np

from ._op import check_size, dims, lift, record
from .context import STATE
from .errors import EngineTypeError, ShapeError
from .node import Node
from .summation import fsum
from .variable import Variable, _index, shared_array
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
    out = fsum(d, axes, True)                   # torch's sum_to: one sum, its order
    return out.reshape(shape) if lead else out


def sum_to(x, shape):
    """Sums the broadcast dimensions of ``x`` away so that it has ``shape``."""
    xs = x._data.shape
    if xs == shape:
        return x
    lead, axes = _sum_axes(xs, shape)
    out = fsum(x._data, axes, True)
    if lead:
        out = out.reshape(shape)
    return record(out, SumToBackward0, (x._node,), xs, STATE.get())


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
    return _reshaped(x, shape, cls)


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
        return x
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


# ------------------------------------------------------------------- indexing

def _is_basic(idx) -> bool:
    items = idx if type(idx) is tuple else (idx,)
    return all(i is None or i is Ellipsis or isinstance(i, (slice, int, np.integer))
               for i in items)


def _index_count(shape, idx) -> int:
    """Elements of ``x[idx]`` for an advanced index, from the shapes alone (numpy would
    allocate first: a (10^4,) index of each of two axes makes 10^8 elements). An index
    numpy refuses counts 0 here and raises there."""
    items = idx if type(idx) is tuple else (idx,)
    try:
        arrays = [None if i is None or i is Ellipsis or isinstance(i, (slice, int, np.integer))
                  else np.asarray(i) for i in items]
        used = sum(0 if i is None or i is Ellipsis else
                   (a.ndim if a is not None and a.dtype == bool else 1)
                   for i, a in zip(items, arrays))
        total, dim, adv = 1, 0, []
        for i, a in zip(items, arrays):
            if i is None:
                continue
            if i is Ellipsis:
                span = len(shape) - used
                total *= math.prod(shape[dim:dim + span])
                dim += span
            elif isinstance(i, slice):
                total *= len(range(*i.indices(shape[dim])))
                dim += 1
            elif a is None:
                dim += 1
            elif a.dtype == bool:
                adv.append((int(np.count_nonzero(a)),))
                dim += a.ndim
            else:
                adv.append(a.shape)
                dim += 1
        if not any(i is Ellipsis for i in items):
            total *= math.prod(shape[dim:])
        if adv:
            total *= math.prod(np.broadcast_shapes(*adv))
        return total
    except (IndexError, ValueError, TypeError):
        return 0


class IndexBackward0(Node):
    __slots__ = ()
    name = "IndexBackward0"
    frees = False

    def apply(self, g):
        idx, shape = self.saved
        return (index_add(g, idx, shape),)


class SliceBackward0(IndexBackward0):
    __slots__ = ()
    name = "SliceBackward0"


class SelectBackward0(IndexBackward0):
    __slots__ = ()
    name = "SelectBackward0"


def getitem(x, index):
    x = lift(x)
    idx = _index(index)
    basic = _is_basic(idx)
    xd = shared_array(x) if basic else x._data     # basic indexing makes a view
    if not basic:
        check_size((_index_count(np.shape(xd), idx),))
    try:
        out = np.asarray(xd)[idx]
    except IndexError as e:
        raise ShapeError(f"index {index!r} is out of range for a tensor of shape {xd.shape}: {e}") from None
    except (TypeError, ValueError) as e:
        raise EngineTypeError(f"invalid index {index!r}: {e}") from None
    if basic and type(out) is not np.ndarray:       # one element: a 0-d view, not a copy
        out = xd[(idx if type(idx) is tuple else (idx,)) + (Ellipsis,)]
    if not basic and type(out) is np.ndarray and out.ndim == 0:
        out = out[()]
    st = STATE.get()
    if x._node is not None and st.grad and type(idx) is tuple and len(idx) > 1 and not any(
            type(i) is np.ndarray and i.dtype == bool for i in idx):   # (masks: one node)
        chained = _index_chain(x, idx, out)
        if chained is not None:
            if basic:                 # the chain's last step may hold a copy: the view instead
                chained._data = out
                mark_view(chained, x, lambda a: a[idx])
            return chained
    if basic:
        cls = SelectBackward0 if isinstance(idx, (int, np.integer)) else \
            UnsqueezeIndexBackward0 if idx is None else \
            AliasBackward0 if idx is Ellipsis else SliceBackward0
        return mark_view(record(out, cls, (x._node,), (idx, xd.shape), st), x, lambda a: a[idx])
    return record(out, IndexBackward0, (x._node,), (idx, xd.shape), st)


class AliasBackward0(IndexBackward0):
    """``x[...]``, ``x[:, :]``: an index that selects everything is an alias in PyTorch."""
    __slots__ = ()
    name = "AliasBackward0"


class UnsqueezeIndexBackward0(IndexBackward0):
    """``x[None]``: PyTorch records an unsqueeze."""
    __slots__ = ()
    name = "UnsqueezeBackward0"


def _index_chain(x, idx, expected):
    """A multi-part index as PyTorch applies it: left to right, an integer is a select, a
    slice that is not the whole dimension a slice, None an unsqueeze (one node each);
    then the tensor indices, if any, in one IndexBackward0 over the result. Returns None
    when the chain would not give numpy's result (then one node stands for the index)."""
    st = STATE.get()
    n_used = sum(1 for i in idx if i is not None and i is not Ellipsis)
    cur, d, adv = x, 0, []
    for item in idx:
        shape = cur._data.shape
        if item is Ellipsis:
            skip = len(x._data.shape) - n_used
            adv.extend([slice(None)] * skip)
            d += skip
        elif item is None:
            cur = _step(cur, (slice(None),) * d + (None,), UnsqueezeIndexBackward0, st)
            adv.append(slice(None))
            d += 1
        elif isinstance(item, (int, np.integer)) and not isinstance(item, bool):
            cur = _step(cur, (slice(None),) * d + (item,), SelectBackward0, st)
        elif type(item) is slice:
            if item.indices(shape[d]) != (0, shape[d], 1):
                cur = _step(cur, (slice(None),) * d + (item,), SliceBackward0, st)
            adv.append(slice(None))
            d += 1
        else:
            adv.append(item)
            d += 1
    if any(type(i) is not slice for i in adv):
        while adv and type(adv[-1]) is slice:
            adv.pop()
        cur = _step(cur, tuple(adv), IndexBackward0, st)
    if np.shape(cur._data) != np.shape(expected):
        return None
    if cur is x:
        cur = _step(x, (Ellipsis,), AliasBackward0, st)
    return cur


def _step(v, sub, cls, st):
    vd = v._data
    out = np.asarray(vd)[sub]
    if type(out) is np.ndarray and out.ndim == 0:
        out = out[()]
    return record(out, cls, (v._node,), (sub, vd.shape), st)


class IndexPutBackward0(Node):
    """Derivative of ``index_add`` (the derivative of indexing): indexing again."""
    __slots__ = ()
    name = "IndexPutBackward0"
    frees = False

    def apply(self, g):
        return (getitem(g, self.saved),)


def index_add(g, idx, shape):
    """zeros(shape) with ``g`` added at ``idx``; repeated indices add up."""
    out = np.zeros(shape, dtype=np.result_type(g._data, np.float32))
    np.add.at(out, idx, g._data)
    if out.ndim == 0:
        out = out[()]
    return record(out, IndexPutBackward0, (g._node,), idx, STATE.get())


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
