"""The dtypes a tensor can have, and the one door every ``dtype=`` argument goes through.

The language documents four: float32, float64, int64 and bool (with PyTorch's aliases
float, double, long). Every factory, ``tensor``, ``*_like``, ``to``/``type`` and the
default-dtype scope call ``as_dtype``, so no path makes a tensor of another dtype.
"""
from __future__ import annotations

import numpy as np

from .errors import EngineTypeError
from .errors import shown

DOCUMENTED = (np.dtype(np.float32), np.dtype(np.float64), np.dtype(np.int64), np.dtype(np.bool_))
_NAMES = {"float32": DOCUMENTED[0], "float": DOCUMENTED[0], "float64": DOCUMENTED[1],
          "double": DOCUMENTED[1], "int64": DOCUMENTED[2], "long": DOCUMENTED[2],
          "bool": DOCUMENTED[3]}
_PY = {float: DOCUMENTED[1], int: DOCUMENTED[2], bool: DOCUMENTED[3]}
_LIST = "float32, float64, int64 and bool"


def as_dtype(x, what: str = "dtype") -> np.dtype:
    """``x`` (a numpy dtype or type, a name such as 'float32' or 'torch.long', Python's
    float/int/bool, or any object numpy reads as a dtype) as one of the documented dtypes;
    anything else is an EngineTypeError naming them."""
    if type(x) is np.dtype:
        dt = x
    elif type(x) is str:
        dt = _NAMES.get(x[6:] if x.startswith("torch.") else x)
        if dt is None:
            raise EngineTypeError(f"{what}: unknown dtype {shown(x)}; the dtypes are {_LIST}")
    elif type(x) is type and x in _PY:     # (hashing any other x could walk a deep tuple)
        dt = _PY[x]
    elif isinstance(x, (list, tuple, dict)):   # numpy's record and sub-array specs: never ours
        raise EngineTypeError(f"{what}: {shown(x)} is not a dtype; the dtypes are {_LIST}")
    else:
        try:
            dt = np.dtype(x)
        except TypeError:
            raise EngineTypeError(f"{what}: {shown(x)} is not a dtype; the dtypes are {_LIST}") from None
    if dt not in DOCUMENTED:
        raise EngineTypeError(f"{what}: dtype {dt} is not supported; the dtypes are {_LIST}")
    return dt
