"""In-place methods that change a tensor's layout or graph, not its values: ``t_``
``transpose_`` ``squeeze_`` ``unsqueeze_`` (one path, ``relayout``) and ``detach_``,
with PyTorch's node names, version bumps and leaf checks (the rest: inplace.py)."""
from __future__ import annotations

import numpy as np

from . import shape as sh
from ._op import dims
from .context import STATE
from .errors import AutogradError, ShapeError
from .inplace import LEAF, VIEW_LEAF, _node, _root
from .node import AccumulateGrad
from .variable import shared_array
from .versions import counter_of


class TBackward1(sh.TBackward0):
    __slots__ = ()
    name = "TBackward1"


class TransposeBackward1(sh.TransposeBackward0):
    __slots__ = ()
    name = "TransposeBackward1"


class SqueezeBackward3(sh.ViewBackward0):
    """squeeze_() (4: squeeze_(dim), 5: squeeze_(dims))."""
    __slots__ = ()
    name = "SqueezeBackward3"


class SqueezeBackward4(sh.ViewBackward0):
    __slots__ = ()
    name = "SqueezeBackward4"


class SqueezeBackward5(sh.ViewBackward0):
    __slots__ = ()
    name = "SqueezeBackward5"


class UnsqueezeBackward1(sh.ViewBackward0):
    __slots__ = ()
    name = "UnsqueezeBackward1"


def relayout(x, fn, inverse, cls, saved):
    """``x`` takes the layout ``fn(array)`` of the same memory (t_, transpose_, squeeze_,
    unsqueeze_), as PyTorch: the leaf check, one version bump, x's history continued by
    ``cls`` (TBackward1...). Views keep seeing the same memory: a view of x is found from
    x's new layout through ``inverse``; x, if a view, appends ``fn`` to its steps."""
    st = STATE.get()
    root = _root(x)
    if st.grad and type(root._node) is AccumulateGrad:
        raise AutogradError(LEAF if root is x else VIEW_LEAF)
    vc = counter_of(root)
    new = fn(shared_array(x))
    if x is root:
        for v in vc.live_views():
            if v._view[0] is x:
                v._view = (x, (inverse,) + v._view[1])
    else:
        x._view = (root, x._view[1] + (fn,))
    x._data = new
    node = x._node
    if type(node) is AccumulateGrad:     # a leaf under no_grad: its .grad takes the new shape
        node.shape = new.shape
    elif node is not None and st.grad:
        x._node = _node(cls, (node,), saved, new.shape, new.dtype)
    vc.n += 1
    return x


def _t_(x):
    n = x._data.ndim
    if n > 2:
        raise ShapeError(f"t_() expects a tensor with <= 2 dimensions, but self is {n}D")
    order = (1, 0) if n == 2 else tuple(range(n))
    swap = (lambda a: np.transpose(a, order))
    return relayout(x, swap, swap, TBackward1, order)


def _transpose_(x, dim0, dim1):
    n = x._data.ndim
    a, b = dims(n, dim0)[0], dims(n, dim1)[0]
    order = list(range(n))
    order[a], order[b] = order[b], order[a]
    order = tuple(order)
    swap = (lambda arr: np.transpose(arr, order))
    return relayout(x, swap, swap, TransposeBackward1, order)


def _squeeze_(x, dim=None):
    xs = x._data.shape
    ax = tuple(range(len(xs))) if dim is None else dims(len(xs), dim)
    gone = tuple(i for i in ax if xs[i] == 1)
    cls = (SqueezeBackward3 if dim is None else
           SqueezeBackward5 if isinstance(dim, (tuple, list)) else SqueezeBackward4)
    return relayout(x, lambda a: np.squeeze(a, axis=gone), lambda a: np.expand_dims(a, gone),
                    cls, xs)


def _unsqueeze_(x, dim):
    xs = x._data.shape
    d = dims(len(xs) + 1, dim)[0]
    return relayout(x, lambda a: np.expand_dims(a, d), lambda a: np.squeeze(a, axis=d),
                    UnsqueezeBackward1, xs)


def _detach_(x):
    """x leaves the graph in place (no version bump); a view cannot, as in PyTorch."""
    if getattr(x, "_view", None) is not None:
        raise AutogradError(
            "Can't detach views in-place. Use detach() instead. If you are using "
            "DistributedDataParallel (DDP) for training, and gradient_as_bucket_view is set as "
            "True, gradients are views of DDP buckets, and hence detach_() cannot be called on "
            "these gradients. To fix this error, please refer to the Optimizer.zero_grad() "
            "function in torch/optim/optimizer.py as the solution.")
    x._node = None
    return x


# the in-place methods that change the layout or the graph, not the values
META = {"t_": _t_, "transpose_": _transpose_, "squeeze_": _squeeze_, "unsqueeze_": _unsqueeze_,
        "detach_": _detach_}
