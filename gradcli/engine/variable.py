"""The Variable (alias Tensor): an ndarray plus its place in the graph.

Invariant that keeps every op cheap: ``v._node is not None`` exactly when ``v``
requires grad. For a leaf that requires grad ``_node`` is its ``AccumulateGrad``
(``grad_fn`` still reads None, as in PyTorch); for a result it is the node that
made it.

``_data`` is an ndarray or a numpy scalar (0-d results of numpy are scalars,
which are much faster to compute with); in-place writes turn a scalar into a
0-d array first. Op methods (``x.exp()``, ``x.sum(dim=0)``, operators) are
installed by ``gradcli.engine.methods``.
"""
from __future__ import annotations

import warnings

import numpy as np

from .context import STATE
from .errors import AutogradError, EngineTypeError, EngineValueError
from .node import AccumulateGrad

_new = object.__new__


class GradWarning(UserWarning):
    """Reading ``.grad`` of a non-leaf, and similar autograd advice."""


NONLEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
    "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor.")


class Variable:
    # _vc: the version counter (None: version 0, never viewed; gradcli/engine/versions.py);
    # _view: set on views only: (base, steps), the tensor whose memory this one views and
    # the functions (array -> view) that find this view in it
    __slots__ = ("_data", "_node", "_grad", "_vc", "_view", "__weakref__")
    __array_priority__ = 1000      # numpy defers to our reflected operators
    __array_ufunc__ = None

    def __init__(self, data, requires_grad=False, *, dtype=None):
        self._data = to_array(data, dtype)
        self._node = None
        self._grad = None
        self._vc = None
        if requires_grad:
            self.requires_grad_(True)

    # ------------------------------------------------------------ graph state
    @property
    def requires_grad(self) -> bool:
        return self._node is not None

    @requires_grad.setter
    def requires_grad(self, flag):
        self.requires_grad_(flag)

    def requires_grad_(self, requires_grad=True) -> "Variable":
        node = self._node
        if node is not None and type(node) is not AccumulateGrad:
            if not requires_grad:
                raise AutogradError(
                    "you can only change requires_grad flags of leaf variables. If you want to "
                    "use a computed variable in a subgraph that doesn't require differentiation "
                    "use var_no_grad = var.detach().")
            return self
        if requires_grad:
            if node is None:
                if self._data.dtype.kind not in "fc":
                    raise EngineTypeError(
                        "Only Tensors of floating point dtype can require gradients "
                        f"(this one has dtype {self._data.dtype})")
                self._node = AccumulateGrad(self)
        else:
            self._node = None
        return self

    @property
    def is_leaf(self) -> bool:
        node = self._node
        return node is None or type(node) is AccumulateGrad

    @property
    def grad_fn(self):
        node = self._node
        return None if node is None or type(node) is AccumulateGrad else node

    @property
    def grad(self):
        node = self._node
        if node is not None and type(node) is not AccumulateGrad and node.retain is None:
            warnings.warn(NONLEAF_GRAD_WARNING, GradWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is None:
            self._grad = None
            return
        value = value if type(value) is Variable else Variable(value)
        if value.shape != self.shape:
            raise EngineValueError(
                f"assigned grad has shape {value.shape} but the tensor has shape {self.shape}")
        self._grad = value

    def retain_grad(self) -> None:
        node = self._node
        if node is None:
            raise AutogradError("can't retain_grad on Tensor that has requires_grad=False")
        if type(node) is not AccumulateGrad and node.retain is None:
            import weakref
            node.retain = weakref.ref(self)

    @property
    def retains_grad(self) -> bool:
        node = self._node
        return node is not None and type(node) is not AccumulateGrad and node.retain is not None

    # -------------------------------------------------------------- the data
    @property
    def data(self) -> "Variable":
        """A Variable sharing this one's memory, outside the graph and with its own
        version counter: writes through it are invisible to autograd (PyTorch's .data)."""
        return _wrap(shared_array(self))

    @data.setter
    def data(self, value):
        arr = value._data if type(value) is Variable else to_array(value)
        if np.shape(arr) != self._data.shape or arr.dtype != self._data.dtype:
            if self._node is not None and arr.dtype.kind not in "fc":
                raise EngineTypeError(
                    f"data set to a tensor of dtype {arr.dtype} on a tensor that requires grad")
        self._data = arr

    @property
    def _version(self) -> int:
        """How many in-place writes this tensor's memory has had (shared with views)."""
        vc = self._vc
        return 0 if vc is None else vc.n

    @property
    def _base(self):
        """The tensor this one is a view of (None if it is not a view), as PyTorch's."""
        view = getattr(self, "_view", None)
        return None if view is None else view[0]

    @property
    def _is_view(self) -> bool:
        return getattr(self, "_view", None) is not None

    def __setitem__(self, index, value):
        from .inplace import setitem
        setitem(self, index, value)

    @property
    def shape(self) -> tuple:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def dtype(self):
        return self._data.dtype

    def size(self, dim=None):
        shape = self._data.shape
        if dim is None:
            return shape
        return shape[_axis(dim, len(shape))]

    def dim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return int(np.size(self._data))

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise EngineTypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def item(self):
        d = self._data
        if np.size(d) != 1:
            raise EngineValueError(
                f"a Tensor with {np.size(d)} elements cannot be converted to Scalar")
        return d.item() if hasattr(d, "item") else d

    def tolist(self):
        return np.asarray(self._data).tolist()

    def numpy(self) -> np.ndarray:
        if self._node is not None:
            raise AutogradError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        return np.asarray(self._data)

    def __array__(self, dtype=None, copy=None):
        arr = np.asarray(self._data)
        return arr.astype(dtype) if dtype is not None else arr

    def detach(self) -> "Variable":
        """The same memory outside the graph, sharing the version counter (PyTorch)."""
        from .versions import counter_of
        v = _wrap(shared_array(self))
        base = self._base
        v._vc = counter_of(self if base is None else base)
        return v

    def __bool__(self) -> bool:
        d = self._data
        if np.size(d) != 1:
            raise EngineValueError(
                f"Boolean value of Tensor with more than one value is ambiguous (shape {self.shape})")
        return bool(d)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub":
            raise EngineTypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __iter__(self):
        if self._data.ndim == 0:
            raise EngineTypeError("iteration over a 0-d tensor")
        from .indexing import getitem
        return (getitem(self, i) for i in range(self._data.shape[0]))

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        node = self._node
        try:
            from .printing import format_tensor
        except ImportError:  # printing lands separately; keep repr working meanwhile
            fn = "" if node is None else f", grad_fn=<{node.name}>"
            return f"tensor({np.asarray(self._data)!r}{fn})"
        text = format_tensor(np.asarray(self._data), node is not None and self.is_leaf,
                             None if node is None or type(node) is AccumulateGrad else node.name,
                             STATE.get().dtype)     # PyTorch names only a non-default dtype
        from .printing import PARAMETERS, PARAMETER_PREFIX     # nn modules' parameters
        return PARAMETER_PREFIX + text if PARAMETERS.get(id(self)) is self else text

    __str__ = __repr__


Tensor = Variable


# -------------------------------------------------------------------- helpers

def _wrap(data) -> Variable:
    """A Variable outside the graph around ``data`` (no copy, no checks)."""
    v = _new(Variable)
    v._data = data
    v._node = None
    v._grad = None
    v._vc = None
    return v


def shared_array(v):
    """``v``'s data as an ndarray that views may share: a numpy scalar (how 0-d results
    are kept, for speed) becomes a 0-d array first."""
    d = v._data
    if type(d) is not np.ndarray:
        from .versions import counter_of
        if v._vc is None and v._node is not None:
            counter_of(v)        # a node that saved the scalar keeps watching it
        d = v._data = np.array(d)
    return d


def _result(data, node) -> Variable:
    """The output Variable of ``node`` (None: an output that does not require grad)."""
    v = _new(Variable)
    v._data = data
    v._node = node
    v._grad = None
    v._vc = None
    return v


def to_array(data, dtype=None):
    """ndarray (or numpy scalar) from Python data, with PyTorch's dtype rules:
    floats become the scope's default float dtype, ints int64, bools bool."""
    if type(data) is Variable:
        arr = data._data
        arr = arr.copy() if type(arr) is np.ndarray else arr
    elif isinstance(data, (np.ndarray, np.generic)):
        arr = data
    else:
        if isinstance(data, (list, tuple)):
            _check_nested(data)
        try:
            arr = np.asarray(data)
        except (ValueError, TypeError) as e:
            raise EngineValueError(f"cannot make a tensor from {type(data).__name__}: {e}") from None
        if arr.dtype.kind == "f" and dtype is None:
            arr = arr.astype(STATE.get().dtype, copy=False)
        elif arr.dtype.kind in "iu" and dtype is None:
            arr = arr.astype(np.int64, copy=False)
    if dtype is not None:
        from .dtypes import as_dtype
        arr = np.asarray(arr).astype(as_dtype(dtype), copy=False)
    kind = arr.dtype.kind
    if kind not in "fiub":
        raise EngineTypeError(f"tensors hold numbers; got data of dtype {arr.dtype}")
    if type(arr) is np.ndarray and arr.ndim == 0:
        arr = arr[()]
    return arr


MAX_DATA_DIMS = 64     # numpy's and PyTorch's most dimensions: deeper data is refused


def _check_nested(data, strict=True):
    """The one walk over nested list data before numpy sees it (tensor data, list
    operands, list indices). Bounded before numpy's own walk: the lengths met at each
    level multiply to the element count of the result, so a shared tower
    (``a = [a, a]`` forty times: 2^40 paths over 41 lists) is refused as soon as the
    product passes the scope's ``max_elements`` (LimitError), and data nested deeper
    than ``MAX_DATA_DIMS`` levels at once; the walk itself visits at most
    ``max_elements`` items per level. ``strict``: ragged or non-numeric data is an
    error here (else it stops there and numpy words the error, as for an index)."""
    limit = STATE.get().max_elements
    stack = [(data, 0)]
    shape = []
    count = 1
    while stack:
        item, level = stack.pop()
        if isinstance(item, (list, tuple)):
            n = len(item)
            if level == len(shape):
                if level >= MAX_DATA_DIMS:
                    raise EngineValueError(f"data nested more than {MAX_DATA_DIMS} levels "
                                           "deep cannot make a tensor")
                shape.append(n)
                count *= n
                if limit is not None and count > limit:
                    _too_many(count, limit)
            elif shape[level] != n and shape[level] != -1:
                if not strict:
                    return
                raise EngineValueError("nested lists of different lengths cannot make a tensor")
            stack.extend((x, level + 1) for x in item)
        elif level == len(shape) and isinstance(item, (np.ndarray, Variable)):
            shape.append(-1)                 # tensors inside the data: their elements count
            count *= max(1, item.size if type(item) is np.ndarray else item.numel())
            if limit is not None and count > limit:
                _too_many(count, limit)
        elif strict and not isinstance(item, (int, float, bool, np.generic, np.ndarray, Variable)):
            raise EngineTypeError(f"tensors hold numbers, not {type(item).__name__}")


def _too_many(count, limit):
    from .context import _count
    from .errors import LimitError
    raise LimitError(f"nested list data of {_count(count)} elements exceeds the limit of "
                     f"{_count(limit)} elements")


def _axis(dim, ndim: int) -> int:
    d = int(dim)
    if not -max(ndim, 1) <= d < max(ndim, 1):
        from .errors import ShapeError
        raise ShapeError(
            f"Dimension out of range (expected to be in range of [{-max(ndim, 1)}, "
            f"{max(ndim, 1) - 1}], but got {d})")
    return d % max(ndim, 1)


def _index(index):
    """An index with Variables replaced by their arrays (bool masks, int index tensors)."""
    if type(index) is Variable:
        return np.asarray(index._data)
    if type(index) is tuple:
        for i in index:
            if type(i) is list or type(i) is tuple:
                _check_nested(i, strict=False)      # bounded before numpy walks it
        return tuple(np.asarray(i._data) if type(i) is Variable else i for i in index)
    if type(index) is list:
        _check_nested(index, strict=False)
        return np.asarray(index)
    return index
