"""In-place operations, as PyTorch does them: one path (``apply``) for all of them.

``x.op_(*args)`` runs the out-of-place op on x (which records its node, with PyTorch's
name, and the versions of what it saved), writes the result into x's memory, bumps x's
version counter and rebases x's history onto that node:

- x not a view: x's ``grad_fn`` becomes the node (``AddBackward0``, ``ExpBackward0``...);
- x a view of a tensor ``base``: ``base``'s ``grad_fn`` becomes ``CopySlices`` (the
  node applied to the viewed region, the rest passing through) and x's becomes
  ``AsStridedBackward0`` of it, as in PyTorch.

Saved values follow PyTorch too. A node that saved x itself (``mul_``, ``pow_``, ``log_``
need the old x) gets a private copy of the old x, as PyTorch's ``original_self``; any
other saved tensor is saved live, so a later write to it fails at backward with
PyTorch's message (``versions.check``). A node that saved its own output (``exp_``,
``relu_``...) watches x's counter from the version the write gave it.

An in-place op on a leaf that requires grad (or on a view of one) is refused with grad
mode on, allowed under ``no_grad`` (an optimizer's update).
"""
from __future__ import annotations

import numpy as np

from . import arith, compare, elementwise as ew, indexing, modulo, pointwise as pw, power
from . import reduce as rd, shape as sh
from ._op import lift, operand, record
from .shape import unbroadcast
from .context import STATE
from .errors import AutogradError, EngineValueError, ShapeError
from .node import AccumulateGrad, Node
from .rule import node_class
from .variable import Variable, _index, _wrap, shared_array
from .versions import check, counter_of, watch

class InplaceError(AutogradError):
    """A write PyTorch refuses with a RuntimeError: a result of another shape, a dtype
    the tensor cannot hold, memory that several elements share (an expanded view)."""


LEAF = "a leaf Variable that requires grad is being used in an in-place operation."
VIEW_LEAF = ("a view of a leaf Variable that requires grad is being used in an in-place "
             "operation.")
OVERLAP = ("unsupported operation: more than one element of the written-to tensor refers to "
           "a single memory location. Please clone() the tensor before performing the operation.")

_TORCH = {"float64": "Double", "float32": "Float", "float16": "Half", "int64": "Long",
          "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _root(v):
    view = getattr(v, "_view", None)
    return v if view is None else view[0]


def apply(x, fn, *args, **kw):
    """``x`` <- ``fn(x, *args, **kw)`` in place; returns ``x`` (every in-place op)."""
    st = STATE.get()
    root = _root(x)
    if st.grad and type(root._node) is AccumulateGrad:
        raise AutogradError(LEAF if root is x else VIEW_LEAF)
    out = fn(x, *args, **kw)
    node = out._node
    if node is not None:
        _own_self(node, x)
    vc = counter_of(root)
    _write(x, out._data)
    vc.n += 1
    if node is not None:
        _rebase(x, root, node, out._data, vc)
    return x


def _own_self(node, x):
    """A node that saved x as its first operand gets the old x, privately (PyTorch's
    ``original_self``): the write below must not change what it differentiates."""
    saved = node.saved
    if type(saved) is tuple and saved and saved[0] is x:
        d = x._data
        snap = _wrap(np.array(d, copy=True) if type(d) is np.ndarray else d)
        snap._node = x._node
        node.saved = (snap,) + saved[1:]
        vers = node.vers
        if type(vers) is tuple and vers:
            node.vers = (0,) + vers[1:]


def check_cast(src_dtype, dst_dtype):
    """PyTorch's rule for writing a result into an existing tensor (in place, ``out=``):
    within its kind or up to a wider one, never float into integer or integer into bool."""
    if not np.can_cast(src_dtype, dst_dtype, "same_kind"):
        raise InplaceError(f"result type {_TORCH.get(str(src_dtype), src_dtype)} can't be cast "
                           f"to the desired output type {_TORCH.get(str(dst_dtype), dst_dtype)}")


def _write(x, src):
    arr = shared_array(x)
    if np.shape(src) != arr.shape:
        raise InplaceError(f"output with shape {list(arr.shape)} doesn't match the broadcast "
                         f"shape {list(np.shape(src))}")
    check_cast(np.result_type(src), arr.dtype)
    if not arr.flags.writeable:
        raise InplaceError(OVERLAP)
    np.copyto(arr, src, casting="unsafe")


def _rebase(x, root, node, outdata, vc):
    if root is x:
        x._node = node
    else:
        shape = root._data.shape
        root._node = _node(CopySlices, (root._node,) + tuple(node.next[1:]),
                           (view_positions(x), node), shape, root._data.dtype)
    # every view of the written memory (x too, if it is one) now reads the new history
    for v in vc.live_views():
        if v._view[0] is root:
            v._node = _node(AsStridedBackward0, (root._node,),
                            (view_positions(v), root._data.shape), v._data.shape, v._data.dtype)
    watch(node, outdata, vc)     # a node that saved its output: from this version on


def view_positions(v) -> np.ndarray:
    """For each element of the view ``v``, its flat position in its base."""
    root = _root(v)
    pos = np.arange(root._data.size).reshape(root._data.shape)
    for f in v._view[1]:
        pos = f(pos)
    return np.asarray(pos)


def _node(cls, next_, saved, shape, dtype):
    st = STATE.get()
    n = object.__new__(cls)
    n.next = next_
    n.saved = saved
    n.vers = None
    n.shape = shape
    n.dtype = dtype
    n.depth = 1 + max((m.depth for m in next_ if m is not None), default=-1)
    n.tag = st.tag() if st.tag is not None else None
    n.retain = None
    return n


# -------------------------------------------------------------- view nodes

def _inner_raw(inner, g):
    check(inner)
    fast = type(inner).fast
    if fast is not None:
        return fast(inner, g)
    return tuple(None if v is None else v._data for v in inner.apply(_wrap(g)))


class CopySlices(Node):
    """The base of a view written in place: the in-place op's node on the viewed
    region, the gradient passing through elsewhere (PyTorch's CopySlices)."""
    __slots__ = ()
    name = "CopySlices"

    def fast(self, g):
        pos, inner = self.saved
        gb = np.array(g, copy=True, dtype=np.result_type(g, np.float32))
        flat = gb.reshape(-1)
        grads = _inner_raw(inner, flat[pos])
        flat[pos] = 0 if grads[0] is None else grads[0]
        return (gb[()],) + tuple(grads[1:])

    def apply(self, g):
        pos, inner = self.saved
        check(inner)
        n = int(np.prod(self.shape))
        flat = sh.reshape(g, (n,))
        keep = np.ones(n, dtype=np.result_type(g._data, np.float32))
        keep[pos.reshape(-1)] = 0
        grads = inner.apply(indexing.getitem(flat, _wrap(pos)))
        gb = flat * _wrap(keep)
        if grads[0] is not None:
            gb = gb + indexing.index_add(grads[0], pos, (n,))
        return (sh.reshape(gb, self.shape),) + tuple(grads[1:])


class AsStridedBackward0(Node):
    """A view whose base was written in place: its gradient goes to the base's
    positions of the view."""
    __slots__ = ()
    name = "AsStridedBackward0"
    frees = False

    def fast(self, g):
        pos, shape = self.saved
        out = np.zeros(int(np.prod(shape)), dtype=np.result_type(g, np.float32))
        np.add.at(out, pos, g)
        return (out.reshape(shape)[()],)

    def apply(self, g):
        pos, shape = self.saved
        return (sh.reshape(indexing.index_add(g, pos, (int(np.prod(shape)),)), shape),)


# ------------------------------------------------- ops with their own nodes

class ZeroBackward0(Node):
    __slots__ = ()
    name = "ZeroBackward0"
    frees = False

    def apply(self, g):
        return (_wrap(np.zeros_like(g._data)[()]),)


class FillBackward2(ZeroBackward0):
    __slots__ = ()
    name = "FillBackward2"


class FillBackward3(Node):
    __slots__ = ()
    name = "FillBackward3"
    frees = False

    def apply(self, g):
        return (_wrap(np.zeros_like(g._data)[()]), g.sum())


class CopyBackwards(Node):
    __slots__ = ()
    name = "CopyBackwards"
    frees = False

    def apply(self, g):
        nx, ns = self.next
        src_shape, src_dtype = self.saved
        gs = None
        if ns is not None:
            gs = unbroadcast(g, src_shape)
            if gs._data.dtype != src_dtype:
                gs = _wrap(np.asarray(gs._data).astype(src_dtype)[()])
        return (_wrap(np.zeros_like(g._data)[()]), gs)


def copy_values(x, values):
    """x's shape and dtype filled with ``values`` (random fills): no gradient to x."""
    out = np.array(np.broadcast_to(values, x._data.shape), dtype=x._data.dtype)[()]
    return record(out, ZeroBackward0, (x._node,), None, STATE.get())


def _zero(x):
    return record(np.zeros_like(x._data)[()], ZeroBackward0, (x._node,), None, STATE.get())


def _fill(x, value):
    if type(value) is Variable:
        if value._data.ndim:
            raise EngineValueError("fill_ only supports 0-dimension value tensor but got tensor "
                                   f"with {value._data.ndim} dimensions.")
        out = np.full_like(x._data, value._data)[()]
        return record(out, FillBackward3, (x._node, value._node), None, STATE.get())
    out = np.full_like(x._data, value)[()]
    return record(out, FillBackward2, (x._node,), None, STATE.get())


def _copy(x, src):
    sd, sn = operand(src)
    xs = x._data.shape
    try:
        out = np.array(np.broadcast_to(sd, xs), dtype=x._data.dtype)[()]
    except ValueError:
        raise ShapeError(_mismatch(xs, np.shape(sd))) from None
    return record(out, CopyBackwards, (x._node, sn), (np.shape(sd), np.result_type(sd)),
                  STATE.get())


def _mismatch(xs, ss) -> str:
    """PyTorch's message for a source that does not broadcast to the destination."""
    try:
        return (f"output with shape {list(xs)} doesn't match the broadcast shape "
                f"{list(np.broadcast_shapes(xs, ss))}")
    except ValueError:
        pass
    n = max(len(xs), len(ss))
    a = (1,) * (n - len(xs)) + tuple(xs)
    b = (1,) * (n - len(ss)) + tuple(ss)
    for d in range(n - 1, -1, -1):
        if b[d] != 1 and a[d] != b[d]:
            return (f"The size of tensor a ({a[d]}) must match the size of tensor b ({b[d]}) "
                    f"at non-singleton dimension {d}")
    return f"cannot copy a tensor of shape {tuple(ss)} into one of shape {tuple(xs)}"


class IndexPutBackward0(Node):
    """``x[idx] = v`` with an advanced index (mask, index tensor): PyTorch's index_put_."""
    __slots__ = ()
    name = "IndexPutBackward0"
    frees = False

    def apply(self, g):
        idx, vshape = self.saved
        nx, nv = self.next
        gx = gv = None
        if nx is not None:
            keep = np.ones(g._data.shape, dtype=np.result_type(g._data, np.float32))
            keep[idx] = 0
            gx = g * _wrap(keep)
        if nv is not None:
            gv = unbroadcast(indexing.getitem(g, idx), vshape)
        return gx, gv


def _index_put(x, idx, value):
    vd, vn = operand(value)
    out = np.array(x._data, copy=True)
    try:
        out[idx] = vd
    except (IndexError, ValueError) as e:
        raise ShapeError(f"index assignment: {e}") from None
    return record(out[()], IndexPutBackward0, (x._node, vn), (idx, np.shape(vd)), STATE.get())


def _whole(x, idx) -> bool:
    """An index that PyTorch's setitem resolves to x itself (``...``, ``:``, ``0:n``,
    ``()``): then it writes x with fill_/copy_, not a view of x with CopySlices."""
    items = idx if type(idx) is tuple else (idx,)
    if sum(1 for i in items if i is Ellipsis) > 1 or not all(
            i is Ellipsis or type(i) is slice for i in items):
        return False
    dims = [i for i in items if i is not Ellipsis]
    if len(dims) > x._data.ndim:
        return False
    k = items.index(Ellipsis) if Ellipsis in items else len(items)
    sizes = x._data.shape[:k] + x._data.shape[x._data.ndim - (len(dims) - k):]
    return all(s.start in (None, 0) and s.step in (None, 1) and (
        s.stop is None or (type(s.stop) is int and s.stop >= n)) for s, n in zip(dims, sizes))


def _fill_or_copy(x, value):
    """``x[...] = value`` as PyTorch's setitem writes it (copy_to): a number or a 0-d
    tensor is fill_ (FillBackward3: a number becomes a 0-d tensor), a tensor of x's shape
    copy_, any other tensor copy_ of it viewed without leading 1s and expanded."""
    if type(value) is not Variable:
        if isinstance(value, (bool, int, float)):
            return _fill(x, lift(value))
        return _copy(x, value)
    shape = value._data.shape
    if shape == x._data.shape:
        return _copy(x, value)
    if not shape:
        return _fill(x, value)
    if value._node is not None:         # the nodes PyTorch records: View, then Expand
        k = next((i for i, n in enumerate(shape) if n != 1), len(shape))
        value = sh.expand(sh._reshaped(value, shape[k:], sh.ViewBackward0, force=True),
                          x._data.shape)
    return _copy(x, value)


def setitem(x, index, value):
    """``x[index] = value``: a view's ``copy_`` for a basic index, ``index_put_`` else;
    x's own fill_/copy_ when the index is the whole of x (PyTorch's setitem)."""
    idx = _index(index)
    if not indexing._is_basic(idx):
        apply(x, _index_put, idx, value)
    elif _whole(x, idx):
        apply(x, _fill_or_copy, value)
    else:
        view = indexing.getitem(x, index)
        if view is x:
            view = indexing.getitem(x, (Ellipsis,))
        apply(view, _fill_or_copy, value)


# --------------------------------------------------------------- the table

def _clamp(x, min=None, max=None):
    return ew.clamp(x, min, max)


def _comparison(name, op):
    """``x.lt_(y)`` & co.: x gets 1.0 / 0.0; PyTorch records ``LtBackward0`` (a number y)
    or ``LtBackward1`` (a tensor y), whose gradients are zeros."""
    zero = node_class(f"{name}Backward0", lambda g: (g * 0,))
    both = node_class(f"{name}Backward1", lambda g: (g * 0, g * 0))

    def fn(x, other):
        out = op(x, other)._data
        if type(other) is Variable:
            return record(out, both, (x._node, other._node), (), STATE.get())
        return record(out, zero, (x._node,), (), STATE.get())
    return fn


# in-place method name -> the out-of-place op it writes back (bitwise_*_ and logical_*_,
# with their dtype check first: bitwise.methods)
OPS = {
    "add_": arith.add_alpha, "sub_": arith.sub_alpha, "mul_": arith.mul, "div_": arith.div, "pow_": power.pow,
    "neg_": arith.neg, "remainder_": modulo.remainder, "floor_divide_": modulo.floor_divide,
    "clamp_": _clamp, "clip_": _clamp, "zero_": _zero, "fill_": _fill, "copy_": _copy,
    "clamp_min_": ew.clamp_min, "clamp_max_": ew.clamp_max, "square_": power.square,
    "atan2_": pw.atan2, "arctan2_": pw.atan2, "hypot_": pw.hypot, "xlogy_": pw.xlogy,
    "lerp_": pw.lerp, "addcmul_": pw.addcmul, "addcdiv_": pw.addcdiv, "cumsum_": rd.cumsum,
    "lt_": _comparison("Lt", compare.lt), "le_": _comparison("Le", compare.le),
    "gt_": _comparison("Gt", compare.gt), "ge_": _comparison("Ge", compare.ge),
    "eq_": _comparison("Eq", compare.eq), "ne_": _comparison("Ne", compare.ne),
}
# every elementwise function of the unary table has its x.op_() (PyTorch's Tensor has
# no softplus_ nor logsigmoid_: nn.functional's are out of place)
NO_INPLACE = {"softplus", "logsigmoid"}
for _n in ew.UNARY:
    if _n not in NO_INPLACE:
        OPS[_n + "_"] = getattr(ew, _n)
del _n

# Python's augmented assignment on a tensor (``@=`` has none: it rebinds, as in PyTorch)
AUGMENTED = {"__iadd__": "add_", "__isub__": "sub_", "__imul__": "mul_",
             "__itruediv__": "div_", "__ipow__": "pow_", "__ifloordiv__": "floor_divide_",
             "__imod__": "remainder_"}


def method(name, fn):
    def op(self, *args, **kw):
        return apply(self, fn, *args, **kw)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"In place: x.{name}(...) writes {name[:-1]}'s result into x (PyTorch's rules)."
    return op


def methods() -> dict:
    """``{name: method}`` for Variable: every in-place op and augmented operator."""
    from .relayout import META      # (relayout builds on this module: imported when used)
    out = {name: method(name, fn) for name, fn in OPS.items()}
    out.update(META)
    for dunder, name in AUGMENTED.items():
        out[dunder] = method(dunder, OPS[name])
    return out
