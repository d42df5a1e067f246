"""Indexing: ``x[i]``, PyTorch's node chain for a multi-part index, and its derivative
``index_add`` (zeros with the gradient added at the index). A basic index is a view."""
from __future__ import annotations

import math

import numpy as np

from ._op import check_size, lift, record
from .context import STATE
from .errors import EngineTypeError, ShapeError
from .errors import shown
from .node import Node
from .variable import _index, shared_array
from .versions import mark_view


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
        raise ShapeError(f"index {shown(index)} is out of range for a tensor of shape {xd.shape}: {e}") from None
    except (TypeError, ValueError) as e:
        raise EngineTypeError(f"invalid index {shown(index)}: {e}") from None
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
