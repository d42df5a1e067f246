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


MAX_DEPTH = 100            # nesting of lists/tuples/dicts written as JSON
MAX_ITEMS = 1_000_000      # items of lists/tuples/dicts written in one value (tensors
#                            are bounded by --max-elements and not counted here)
CYCLE = "[...]"            # a list that contains itself (as Python's repr writes it)


def encode_value(value, budget=None):
    """Any script value as JSON data: tensors/arrays as numbers or nested lists.

    Always finishes, and always gives something ``dumps`` can write: a list inside
    itself becomes the marker ``"[...]"``; nesting deeper than ``MAX_DEPTH`` or more
    than ``MAX_ITEMS`` items in all (``a = [a, a]`` forty times has 2^40 paths, each
    item counts once per path) is a LimitError before the walk starts: ``weight``
    measures the value over its distinct containers first."""
    limit = MAX_ITEMS if budget is None else budget
    if weight(value, limit) > limit:
        _too_large(f"a value of more than {limit:,} items (counted along every path)")
    return _encode(value, 0, set(), [limit])


def weight(value, cap: int) -> int:
    """Items a walk of ``value`` visits, counted once per path, found over its distinct
    containers (``lang.limits.weigh``, the one measure of every native walk)."""
    from ..lang.limits import weigh
    return weigh(value, cap)[0]


def _encode(value, depth, path, left):
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
    if isinstance(value, (list, tuple, dict)):
        key = id(value)
        if key in path:
            return CYCLE
        if depth >= MAX_DEPTH:
            _too_large(f"a value nested deeper than {MAX_DEPTH} levels")
        _spend(left, len(value))
        path.add(key)
        try:
            if isinstance(value, dict):
                return {str(k) if isinstance(k, (str, int, float, bool)) else type(k).__name__:
                        _encode(v, depth + 1, path, left) for k, v in value.items()}
            return [_encode(v, depth + 1, path, left) for v in value]
        finally:
            path.discard(key)
    return str(value)


def _spend(left, n) -> None:
    left[0] -= n
    if left[0] < 0:
        _too_large(f"a value of more than {MAX_ITEMS:,} items (counted along every path)")


def _too_large(what: str):
    from ..lang.errors import GxLimitError
    raise GxLimitError(f"{what} cannot be written as JSON")


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


MAX_INPUT_DEPTH = 32      # nesting of a value given from outside (--set, --vars, --jsonl)


def decode_value(value, text=None):
    """A value given from outside (JSON, --set, NAME=VALUE): a number, a boolean
    or a (nested, at most ``MAX_INPUT_DEPTH`` deep) list of them; the strings "nan",
    "inf", "-inf" become floats. Raises ValueError otherwise."""
    stack = [(value, 0)]
    while stack:
        v, depth = stack.pop()
        if isinstance(v, (list, tuple)):
            if depth >= MAX_INPUT_DEPTH:
                raise ValueError(f"a list nested deeper than {MAX_INPUT_DEPTH} levels")
            stack.extend((x, depth + 1) for x in v)
        elif isinstance(v, str) and v.lower() in ("nan", "inf", "-inf", "+inf"):
            continue
        elif not isinstance(v, (int, float, bool)):
            shown = text if text is not None else v
            if isinstance(shown, str) and len(shown) > 80:
                shown = shown[:77] + "..."
            raise ValueError(f"not a number or a list of numbers: {shown!r}")
    return _floats(value)


def _floats(value):
    if isinstance(value, str):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [_floats(v) for v in value]
    return value


def dumps(obj) -> str:
    """One compact JSON line (never bare NaN/Infinity; ASCII only, so that a lone
    surrogate or a control character from a script is an escape, never raw bytes)."""
    import json         # here, not at the top: plain output never needs it
    return json.dumps(obj, allow_nan=False, ensure_ascii=True, separators=(", ", ": "))
