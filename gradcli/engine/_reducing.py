"""What the reductions share (reduce.py, extrema.py): the axes of a reduction and the
common backward move ``_spread``: put the reduced axes back (size 1) and expand the
gradient to the input's shape."""
from __future__ import annotations

import math

import numpy as np

from ._op import dims
from .shape import expand, reshape


def _kept_shape(shape, axes):
    if axes is None:
        return (1,) * len(shape)
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def _spread(g, shape, axes, keepdim):
    """Gradient of a reduction over ``axes`` back to the input ``shape``."""
    if not keepdim:
        g = reshape(g, _kept_shape(shape, axes))
    return expand(g, shape)


def _spread_raw(g, shape, axes, keepdim):
    if not keepdim:
        g = np.reshape(g, _kept_shape(shape, axes))
    return np.broadcast_to(g, shape)


def _axes(ndim, dim, axis):
    """``dims`` for a reduction: on a 0-d tensor, dim 0 (or -1) reduces its one element,
    as in PyTorch (numpy has no axis 0 there)."""
    axes = dims(ndim, dim, axis)
    return None if ndim == 0 else axes


def _count(shape, axes):
    return math.prod(shape) if axes is None else math.prod(shape[a] for a in axes)
