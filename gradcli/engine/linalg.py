"""Linear algebra: matmul (vector, matrix and batched cases), dot, outer, inv, det,
solve, trace, diag. Rules are written in engine ops (matmul, transpose, solve, ...)
so that they differentiate again."""
from __future__ import annotations

import numpy as np

from ._op import check_size, lift, record
from .context import STATE, spend
from .errors import EngineValueError, ShapeError
from .node import Node
from .indexing import getitem, index_add
from .shape import mT, reshape, stack, unbroadcast, unsqueeze
from .variable import _result, _wrap


# -------------------------------------------------------------------- matmul

class MmBackward0(Node):
    __slots__ = ()
    name = "MmBackward0"

    def apply(self, g):
        a, b = self.saved
        na, nb = self.next
        sa, sb = a._data.shape, b._data.shape
        # treat vectors as matrices: a (n,) is (1, n); b (n,) is (n, 1)
        a2 = unsqueeze(a, 0) if len(sa) == 1 else a
        b2 = unsqueeze(b, -1) if len(sb) == 1 else b
        g2 = g
        if len(sa) == 1:
            g2 = unsqueeze(g2, -2) if len(sb) > 1 else unsqueeze(g2, 0)
        if len(sb) == 1:
            g2 = unsqueeze(g2, -1)
        ga = gb = None
        if na is not None:
            ga = reshape(unbroadcast(matmul(g2, mT(b2)), a2._data.shape), sa)
        if nb is not None:
            gb = reshape(unbroadcast(matmul(mT(a2), g2), b2._data.shape), sb)
        return ga, gb

    def fast(self, g):
        a, b = self.saved
        ad, bd = a._data, b._data
        if ad.ndim != 2 or bd.ndim != 2:   # vectors and batches: the general rule
            return tuple(None if v is None else v._data for v in self.apply(_wrap(g)))
        na, nb = self.next
        if not g.flags.c_contiguous:   # a broadcast view (stride 0) would miss BLAS
            g = np.ascontiguousarray(g)
        st = STATE.get()
        if st.max_flops is not None:      # backward's two products, as the forward counts
            m, k = ad.shape
            spend(2 * k * g.size * ((na is not None) + (nb is not None)), "matmul backward", st)
        return (None if na is None else g @ bd.T, None if nb is None else ad.T @ g)


class DotBackward0(MmBackward0):
    __slots__ = ()
    name = "DotBackward0"


class MvBackward0(MmBackward0):
    __slots__ = ()
    name = "MvBackward0"


class BmmBackward0(MmBackward0):
    __slots__ = ()
    name = "BmmBackward0"


def _matmul_shape(sa, sb):
    if not sa or not sb:
        raise ShapeError(f"both arguments to matmul need to be at least 1D, but they are "
                         f"{len(sa)}D and {len(sb)}D")
    k1 = sa[-1]
    k2 = sb[0] if len(sb) == 1 else sb[-2]
    if k1 != k2:
        raise ShapeError(f"matmul: shapes {sa} and {sb} cannot be multiplied ({k1} != {k2})")
    m = sa[-2] if len(sa) > 1 else None
    n = sb[-1] if len(sb) > 1 else None
    try:
        batch = np.broadcast_shapes(sa[:-2], sb[:-2])
    except ValueError:
        raise ShapeError(f"matmul: batch dimensions of {sa} and {sb} cannot broadcast") from None
    return batch + tuple(d for d in (m, n) if d is not None), k1


def mm(a, b):
    """torch.mm: the product of two 2-D tensors (MmBackward0); no broadcasting."""
    a, b = lift(a), lift(b)
    if a.ndim != 2:
        raise ShapeError("mm: self must be a matrix")
    if b.ndim != 2:
        raise ShapeError("mm: mat2 must be a matrix")
    return matmul(a, b)


def matmul(a, b):
    a = lift(a)
    b = lift(b)
    ad, bd = a._data, b._data
    shape, k = _matmul_shape(ad.shape, bd.shape)
    if ad.dtype != bd.dtype:
        _mixed(ad, bd)
    st = STATE.get()
    if st.max_elements is not None:
        check_size(shape, st)
    if st.max_flops is not None:
        spend(2 * k * float(np.prod(shape, dtype=np.float64)),
              f"matmul of {ad.shape} and {bd.shape}", st)
    na, nb = len(ad.shape), len(bd.shape)
    if (a._node is not None or b._node is not None) and st.grad and (
            na >= 3 or (na == 1 and nb == 2)):
        composed = _matmul_graph(a, b, na, nb, shape)
        if composed is not None:
            return composed
    out = np.matmul(ad, bd)
    cls = (DotBackward0 if na == nb == 1 else MvBackward0 if nb == 1 else
           MmBackward0 if na <= 2 and nb == 2 else BmmBackward0)
    return record(out, cls, (a._node, b._node), (a, b), st, (a._version, b._version))


_C_NAMES = {"float32": ("float", "Float"), "float64": ("double", "Double"),
            "int64": ("long int", "Long"), "bool": ("bool", "Bool")}


def _mixed(ad, bd):
    """matmul does not promote: PyTorch's errors for operands of two dtypes."""
    from .errors import EngineRuntimeError
    ca, cb = _C_NAMES.get(str(ad.dtype), (str(ad.dtype),) * 2), \
        _C_NAMES.get(str(bd.dtype), (str(bd.dtype),) * 2)
    if ad.ndim == 1 and bd.ndim == 1:
        raise EngineRuntimeError(f"dot : expected both vectors to have same dtype, but found "
                                 f"{ca[1]} and {cb[1]}")
    raise EngineRuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                             f"{ca[0]} != {cb[0]}")


class SqueezeBackward4(Node):
    """The squeeze_(0) that ends PyTorch's vector @ matrix."""
    __slots__ = ()
    name = "SqueezeBackward4"
    frees = False

    def apply(self, g):
        return (reshape(g, self.saved),)


def _mm(a, b):
    st = STATE.get()
    cls = MvBackward0 if b._data.ndim == 1 else MmBackward0
    return record(np.matmul(a._data, b._data), cls, (a._node, b._node), (a, b), st,
                  (a._version, b._version))


def _matmul_graph(a, b, na, nb, shape):
    """The graph PyTorch's matmul records when it rewrites the product (same numbers, its
    node names): vector @ matrix is unsqueeze, mm, squeeze; a batch @ a vector or matrix
    folds the batch into rows (view, mm or mv, _unsafe_view); batches on both sides expand
    to a common batch, reshape to 3-D, bmm, _unsafe_view. Returns None for the cases it
    leaves to one node (a matrix @ a batch)."""
    from .shape import ExpandBackward0, UnsafeViewBackward0, _reshape
    st = STATE.get()
    if na == 1:                                   # vector @ matrix
        out = _mm(unsqueeze(a, 0), b)
        return record(out._data.reshape(shape), SqueezeBackward4, (out._node,),
                      out._data.shape, st)
    if nb <= 2 and _foldable(a, b):
        k = a._data.shape[-1]
        out = _mm(_reshape(a, (-1, k)), b)
        return record(out._data.reshape(shape), UnsafeViewBackward0, (out._node,),
                      out._data.shape, st)
    if nb == 1:
        return None
    batch = shape[:-2] if nb > 1 else shape[:-1]
    n, k = (a._data.shape[-2] if na > 1 else 1), a._data.shape[-1]
    m = b._data.shape[-1]
    nbatch = int(np.prod(batch, dtype=np.int64))

    def expanded(v, tail):
        vd = v._data
        full = batch + tail
        ex = record(np.broadcast_to(vd, full), ExpandBackward0, (v._node,), vd.shape, st)
        return _reshape(ex, (nbatch,) + tail, force=True)
    a3 = expanded(a, (n, k))
    b3 = expanded(b, (k, m))
    out = record(np.matmul(a3._data, b3._data), BmmBackward0, (a3._node, b3._node), (a3, b3),
                 st, (a3._version, b3._version))
    return record(out._data.reshape(shape), UnsafeViewBackward0, (out._node,),
                  out._data.shape, st)


def _foldable(a, b):
    """PyTorch's should_fold for a batch (3-D or more) times a vector or matrix: fold the
    batch into rows when the other operand requires grad, or when the batch dims of the
    first are laid out contiguously (a view can fold them)."""
    if b._node is not None:
        return True
    ad = np.asarray(a._data)
    if ad.size == 0:
        return True
    sh, strides = ad.shape, ad.strides
    return all(strides[i] == strides[i + 1] * sh[i + 1] for i in range(ad.ndim - 2))


def dot(a, b):
    a, b = lift(a), lift(b)
    if a._data.ndim != 1 or b._data.ndim != 1:
        raise ShapeError(f"1D tensors expected, but got {a._data.ndim}D and {b._data.ndim}D tensors")
    return matmul(a, b)


def outer(a, b):
    """PyTorch's graph: ``a.reshape(-1, 1) * b`` (a ViewBackward0 on a's side only)."""
    a, b = lift(a), lift(b)
    if a._data.ndim != 1 or b._data.ndim != 1:
        raise ShapeError(f"outer: expected 1-D tensors, got shapes {a._data.shape} and {b._data.shape}")
    return reshape(a, (-1, 1)) * b


# ----------------------------------------------------------------- inv / det

def _square(x, what, extra=0.0):
    """Square (batches of) matrices only; then the kernel's work (2n^3 per matrix, an
    LU and its use, plus ``extra``) is charged before LAPACK runs: it ignores signals."""
    s = x._data.shape
    if len(s) < 2 or s[-1] != s[-2]:
        raise ShapeError(f"{what}: A must be batches of square matrices, but they are {s}")
    st = STATE.get()
    if st.max_flops is not None:
        n = float(s[-1])
        spend(float(np.prod(s[:-2], dtype=np.float64)) * (2 * n ** 3) + extra, what, st)


def _linalg(fn, what, *args):
    try:
        return fn(*args)
    except np.linalg.LinAlgError as e:
        raise EngineValueError(f"{what}: the matrix is singular ({e}); it has no inverse") from None


class LinalgInvExBackward0(Node):
    __slots__ = ()
    name = "LinalgInvExBackward0"

    def apply(self, g):
        y = mT(_result(self.saved, self))
        return (-(y @ g @ y),)


def inv(x):
    x = lift(x)
    _square(x, "linalg.inv")
    out = _linalg(np.linalg.inv, "linalg.inv", x._data)
    return record(out, LinalgInvExBackward0, (x._node,), out, STATE.get())


class LinalgDetBackward0(Node):
    __slots__ = ()
    name = "LinalgDetBackward0"

    def apply(self, g):
        x, out = self.saved
        if np.any(np.asarray(out) == 0):
            # singular: det(A) inv(A)^T is 0 * inf; the gradient is the cofactor matrix
            return (unsqueeze(unsqueeze(g, -1), -1) * _cofactors(x),)
        d = _result(out, self)
        # d det(A)/dA = det(A) * inv(A)^T
        return (unsqueeze(unsqueeze(g * d, -1), -1) * mT(inv(x)),)


def _cofactors(x):
    """The cofactor matrix (adj(A)^T) of (a batch of) square matrices, in engine ops and
    without an inverse, so that it exists and differentiates for singular matrices."""
    n = x._data.shape[-1]
    if n == 1:
        return _wrap(np.ones_like(x._data))
    # n^2 determinants of (n-1)-minors (O(n^5)): the whole path is afforded before
    # it starts; each det then charges its own part as it runs
    batch = float(np.prod(x._data.shape[:-2], dtype=np.float64))
    m = float(n - 1)
    spend(batch * n * n * (2 * m ** 3 + m * m), f"the gradient of det of a singular "
          f"{n}x{n} matrix (cofactors)", charge=False)
    rows = []
    for i in range(n):
        keep_r = np.array([k for k in range(n) if k != i])[:, None]
        row = []
        for j in range(n):
            keep_c = np.array([k for k in range(n) if k != j])[None, :]
            minor = det(getitem(x, (Ellipsis, keep_r, keep_c)))
            row.append(minor if (i + j) % 2 == 0 else -minor)
        rows.append(stack(row, -1))
    return stack(rows, -2)


def det(x):
    x = lift(x)
    _square(x, "linalg.det")
    out = np.linalg.det(x._data)[()]
    return record(out, LinalgDetBackward0, (x._node,), (x, out), STATE.get(), (x._version,))


class LinalgSolveExBackward0(Node):
    __slots__ = ()
    name = "LinalgSolveExBackward0"

    def apply(self, g):
        a, out, vec = self.saved
        na, nb = self.next
        x = _result(out, self)
        gb = solve(mT(a), g)
        ga = None
        if na is not None:
            if vec:
                ga = -(unsqueeze(gb, -1) @ unsqueeze(x, -2))
            else:
                ga = -(gb @ mT(x))
            ga = unbroadcast(ga, a._data.shape)
        return ga, (unbroadcast(gb, nb.shape) if nb is not None else None)


def solve(a, b):
    a, b = lift(a), lift(b)
    bs = b._data.shape
    _square(a, "linalg.solve", 2.0 * (a._data.shape or (0,))[-1] ** 2 * float(np.prod(bs)))
    n = a._data.shape[-1]
    vec = len(bs) == 1 or (len(bs) == len(a._data.shape) - 1 and bs == a._data.shape[:-1])
    if (bs[0] if len(bs) == 1 else bs[-2] if not vec else bs[-1]) != n:
        raise ShapeError(f"linalg.solve: incompatible shapes of A {a._data.shape} and B {bs}")
    if vec:
        out = _linalg(np.linalg.solve, "linalg.solve", a._data, np.asarray(b._data)[..., None])[..., 0]
    else:
        out = _linalg(np.linalg.solve, "linalg.solve", a._data, b._data)
    return record(out, LinalgSolveExBackward0, (a._node, b._node), (a, out, vec), STATE.get(),
                  (a._version,))


# --------------------------------------------------------------- trace / diag

class TraceBackward0(Node):
    __slots__ = ()
    name = "TraceBackward0"
    frees = False

    def apply(self, g):
        return (g * _wrap(np.eye(*self.saved, dtype=STATE.get().dtype)),)


def trace(x):
    x = lift(x)
    s = x._data.shape
    if len(s) != 2:
        raise ShapeError(f"trace: expected a matrix, but got a tensor of shape {s}")
    return record(np.trace(x._data)[()], TraceBackward0, (x._node,), s, STATE.get())


class DiagBackward0(Node):
    __slots__ = ()
    name = "DiagBackward0"
    frees = False

    def apply(self, g):
        shape, k = self.saved
        ar = np.arange(k)
        if len(shape) == 1:          # diag made a matrix: read its diagonal back
            return (getitem(g, (ar, ar)),)
        return (index_add(g, (ar, ar), shape),)


class DiagEmbedBackward0(DiagBackward0):
    """diag of a vector (PyTorch's name)."""
    __slots__ = ()
    name = "DiagEmbedBackward0"


class DiagonalBackward0(DiagBackward0):
    """diag of a matrix (PyTorch's name)."""
    __slots__ = ()
    name = "DiagonalBackward0_copy"   # PyTorch 2.13's name for diag of a matrix


def diag(x):
    """1-D: the square matrix with x on its diagonal; 2-D: the diagonal."""
    x = lift(x)
    s = x._data.shape
    if len(s) not in (1, 2):
        raise ShapeError(f"diag: expected a 1-D or 2-D tensor, got shape {s}")
    if len(s) == 1:
        check_size((s[0], s[0]))
    out = np.diag(x._data).copy()
    k = s[0] if len(s) == 1 else min(s)
    cls = DiagEmbedBackward0 if len(s) == 1 else DiagonalBackward0
    return record(out, cls, (x._node,), (s, k), STATE.get())
