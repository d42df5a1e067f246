"""When may the engine write into an array instead of allocating a new one?

When nothing else holds it. The engine asks CPython's reference count, the test numpy
uses to reuse temporaries: a caller names every reference it knows of (a dict entry,
a tuple slot, its own local) and ``sole`` says whether there are no others.

That count is exact only where every holder owns a reference. CPython 3.14 lets the
interpreter push *borrowed* references of local variables (``LOAD_FAST_BORROW``), so a
count can be lower than the number of holders (numpy/numpy#28681, python/cpython#133164),
and other implementations have no such count at all. There ``EXACT`` is false and every
test here answers "shared": the engine then allocates as if every buffer were shared,
which is slower and uses more memory, never wrong. tests/engine/test_buffers.py runs the
sharing cases on each supported interpreter.
"""
from __future__ import annotations

import sys

import numpy as np

EXACT = sys.implementation.name == "cpython" and (3, 11) <= sys.version_info[:2] < (3, 14)

_getrefcount = sys.getrefcount
_ndarray = np.ndarray

# Elementwise derivative rules run in blocks of this many elements when they write into
# an existing buffer: a block's temporaries stay in cache and no full-size one is made.
CHUNK = 1 << 16


def sole(arr, holders: int) -> bool:
    """True when ``arr`` is a writable ndarray that owns its memory and that no more
    than ``holders`` references hold (the caller counts the local it passes in)."""
    # getrefcount also sees this function's parameter and its own argument: + 2
    return (EXACT and type(arr) is _ndarray and arr.base is None and arr.flags.writeable
            and _getrefcount(arr) <= holders + 2)


def sole_ref(obj, holders: int) -> bool:
    """True when no more than ``holders`` references hold ``obj`` (any object)."""
    return EXACT and _getrefcount(obj) <= holders + 2


def sole_var(v, holders: int, array_holders: int = 1) -> bool:
    """True when no more than ``holders`` references hold the Variable ``v`` and no more
    than ``array_holders`` its array (v's own reference, plus any local of the caller's),
    which must be a writable ndarray owning its memory: ``v`` is a temporary whose array
    may take a result."""
    # v is also held by this parameter: one more than the caller counts
    return sole_ref(v, holders + 1) and sole(v._data, array_holders)


def fits(buf, shape, dtype) -> bool:
    """``buf`` can hold a result of ``shape`` and ``dtype``."""
    return buf.shape == shape and buf.dtype == dtype


def blocks(shape):
    """Slices along the first axis covering about CHUNK elements each (one slice for a
    0-d or small array)."""
    n = 1
    for s in shape:
        n *= s
    if not shape or n <= CHUNK or shape[0] <= 1:
        return (Ellipsis,)
    step = max(1, CHUNK // (n // shape[0]))
    return [slice(i, i + step) for i in range(0, shape[0], step)]


def temporary(v) -> bool:
    """True when the Variable ``v`` is a temporary its caller may let the engine write a
    result into: at least CHUNK elements, held by nothing but one local of the caller
    (and this call's parameter), its array by nothing but ``v``. The .gx compiler asks
    this before ``arith.add_spare``/``sub_spare`` and ``elementwise.SPARE``."""
    return v._data.size >= CHUNK and sole_var(v, 2)
