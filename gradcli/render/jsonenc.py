"""JSON for machines: values, gradients and variables as plain JSON.

JSON has no NaN or infinity, and jq mangles the bare ``NaN``/``Infinity`` that
Python's json module writes by default, so non-finite floats are written as the
strings ``"nan"``, ``"inf"`` and ``"-inf"`` (docs/json.md). Tensors become
numbers (0-d) or nested lists; ``json.dumps`` runs with ``allow_nan=False`` so a
bare NaN can never slip through.

Tensors are recognised by duck typing (``numpy()`` and ``requires_grad``) so
this module needs neither the engine nor numpy to be imported.
"""
from __future__ import annotations

import math
import warnings


def is_tensor(value) -> bool:
    return hasattr(value, "requires_grad") and callable(getattr(value, "numpy", None))


def array_of(value):
    """The ndarray (or numpy scalar) of a tensor, without touching its graph."""
    detach = getattr(value, "detach", None)
    return (detach() if callable(detach) else value).numpy()


def _float(x: float):
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def _clean(obj):
    """Replace non-finite floats inside nested lists (from ndarray.tolist())."""
    if isinstance(obj, float):
        return _float(obj)
    if isinstance(obj, list):
        return [_clean(x) for x in obj]
    return obj


def encode_value(value):
    """Any script value as JSON data: tensors/arrays as numbers or nested lists."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return _float(value)
    if is_tensor(value):
        value = array_of(value)
    if hasattr(value, "tolist") and hasattr(value, "dtype"):    # ndarray or numpy scalar
        if getattr(value.dtype, "kind", "") == "c":
            value = value.real
        return _clean(value.tolist())
    if isinstance(value, (list, tuple)):
        return [encode_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): encode_value(v) for k, v in value.items()}
    return str(value)


def grad_fn_name(value):
    fn = getattr(value, "grad_fn", None)
    if fn is None:
        return None
    return getattr(fn, "name", None) or type(fn).__name__


def read_grad(value):
    """``.grad`` without the engine's warning about non-leaf tensors."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return getattr(value, "grad", None)
        except Exception:
            return None


def encode_variable(value) -> dict:
    """One entry of the ``result`` event's ``vars``."""
    if is_tensor(value):
        grad = read_grad(value)
        return {
            "type": "tensor",
            "value": encode_value(value),
            "grad": None if grad is None else encode_value(grad),
            "shape": list(value.shape),
            "dtype": str(array_of(value).dtype),
            "requires_grad": bool(value.requires_grad),
            "grad_fn": grad_fn_name(value),
        }
    if value is None or isinstance(value, (bool, int, float, str, list, tuple)):
        kind = {bool: "bool", int: "int", float: "float", str: "str",
                list: "list", tuple: "tuple"}.get(type(value), "none")
        return {"type": kind, "value": encode_value(value)}
    kind = "function" if callable(value) else type(value).__name__.lower()
    return {"type": kind, "value": None}


def decode_value(value, text=None):
    """A value given from outside (JSON, --set, NAME=VALUE): a number, a boolean
    or a (nested) list of them; the strings "nan", "inf", "-inf" become floats.
    Raises ValueError otherwise."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, (list, tuple)):
            stack.extend(v)
        elif isinstance(v, str) and v.lower() in ("nan", "inf", "-inf", "+inf"):
            continue
        elif not isinstance(v, (int, float, bool)):
            shown = text if text is not None else v
            raise ValueError(f"not a number or a list of numbers: {shown!r}")
    return _floats(value)


def _floats(value):
    if isinstance(value, str):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [_floats(v) for v in value]
    return value


def dumps(obj) -> str:
    """One compact JSON line (never bare NaN/Infinity)."""
    import json         # here, not at the top: plain output never needs it
    return json.dumps(obj, allow_nan=False, ensure_ascii=False, separators=(", ", ": "))
