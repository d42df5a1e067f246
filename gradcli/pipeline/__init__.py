"""Many points of one expression: the batch evaluator behind ``grad --jsonl``,
``--input``/``--output``/``--grid``, and the Python API ``gradcli.batch``."""
from __future__ import annotations


def batch(expr: str, inputs: dict, order: int = 1, *, wrt=None, dtype: str = "float64"):
    """Values and per-point gradients of EXPR at many points.

    ``inputs`` maps each free variable of EXPR to an array (or a number); they are
    broadcast to one shape, and every element is one point. Returns
    ``(values, grads)`` with ``grads = {name: array}`` (each of that shape), and
    for ``order=2`` ``(values, grads, hessian)`` with ``hessian = {(a, b): array}``.
    Exactly what ``gradcli grad EXPR x=...`` gives point by point, to the bit: an
    elementwise EXPR (docs/cli.md) is evaluated as one tensor per variable; any
    other point by point. A point that fails (a NaN under no strict mode is not a
    failure) raises ``GxError`` for the first failing point.
    """
    import numpy as np

    from ..session import Options, Session
    from .evaluate import Batch
    session = Session(Options(dtype=dtype))
    b = Batch(session, expr, wrt=wrt, order=order)
    names = list(inputs)
    arrays = np.broadcast_arrays(*(np.asarray(inputs[k], dtype=np.float64) for k in names))
    shape = arrays[0].shape if arrays else ()
    cols = {k: np.ascontiguousarray(a).reshape(-1) for k, a in zip(names, arrays)}
    value, grads, hess, errors = b.arrays(cols)
    if errors:
        i, err = errors[0]
        where = np.unravel_index(i, shape) if shape else ()
        err.message = f"at index {tuple(int(j) for j in where)}: {err.message}"
        raise err
    value = value.reshape(shape)
    grads = {k: g.reshape(shape) for k, g in grads.items()}
    if order == 2:
        return value, grads, {k: h.reshape(shape) for k, h in hess.items()}
    return value, grads


__all__ = ["batch"]
