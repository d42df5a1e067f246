"""Tensors printed the way PyTorch prints them.

``format_tensor(data, requires_grad, grad_fn_name)`` returns what ``repr`` of a
PyTorch tensor with the same values shows, e.g.::

    tensor([[4.5000, 4.5000],
            [4.5000, 4.5000]])
    tensor(27., grad_fn=<MeanBackward0>)
    tensor([1., 2.], requires_grad=True)
    tensor([1, 2, 3])

The rules are PyTorch's (torch/_tensor_str.py, default print options):

* 4 digits after the point; every element of a tensor uses one width.
* Floats whose nonzero finite values are all integers print as ``1.``, ``-3.``.
* Scientific notation (``1.0000e+09``) when the largest nonzero finite magnitude
  exceeds 1e8, the smallest is below 1e-4, or their ratio exceeds 1000.
* Above 1000 elements the tensor is summarized: 3 items at each end of every
  dimension with ``...`` between; the format is chosen from the shown items only.
* Lines are wrapped at 80 columns; suffixes go on a new line if they would not fit.
* ``grad_fn=<Name>`` for results of differentiable ops, else
  ``requires_grad=True`` for leaves that require grad.
* ``dtype=torch.<name>`` is shown only when the dtype is not the default one.
  PyTorch's default float is float32, ours is float64 (``--dtype`` changes it),
  so a float64 tensor prints without a suffix and a float32 one shows
  ``dtype=torch.float32``. int64 and bool never show their dtype, as in PyTorch.

Only numpy and the standard library are used, so the engine can call this from
``Variable.__repr__`` without depending on anything else.
"""
from __future__ import annotations

import math
import weakref
from contextvars import ContextVar

import numpy as np

from .errors import shown

PRECISION = 4
# the tensors nn modules made as their parameters (engine/nn.py adds them): PyTorch's
# nn.Parameter prints as "Parameter containing:" and the tensor below it
# (id -> tensor, weakly: a dropped module's parameters leave; identity, never tensor ==)
PARAMETERS: "weakref.WeakValueDictionary" = weakref.WeakValueDictionary()
PARAMETER_PREFIX = "Parameter containing:\n"
THRESHOLD = 1000
EDGEITEMS = 3
LINEWIDTH = 80

__all__ = ["format_tensor", "format_body", "torch_dtype_name", "PrintOptions",
           "set_printoptions", "get_printoptions"]


class PrintOptions:
    """PyTorch's print options that gradcli supports (``torch.set_printoptions``).
    ``sci_mode`` None chooses the notation per tensor, True/False force it. Immutable
    (contexts share it), compared by value. A plain class, not a frozen dataclass: this
    module is on every start-up (W1) and a dataclass compiles its methods at import."""
    __slots__ = ("precision", "sci_mode")

    def __init__(self, precision: int = PRECISION, sci_mode: bool | None = None):
        object.__setattr__(self, "precision", precision)
        object.__setattr__(self, "sci_mode", sci_mode)

    def __setattr__(self, name, value):
        raise AttributeError(f"cannot assign to field {name!r}")

    def _key(self):
        return (self.precision, self.sci_mode)

    def __eq__(self, other):
        return self._key() == other._key() if type(other) is PrintOptions else NotImplemented

    def __hash__(self):
        return hash(self._key())

    def __repr__(self):
        return f"PrintOptions(precision={self.precision!r}, sci_mode={self.sci_mode!r})"

    def replace(self, **changes) -> "PrintOptions":
        return PrintOptions(**{"precision": self.precision, "sci_mode": self.sci_mode,
                               **changes})


_OPTIONS: ContextVar[PrintOptions] = ContextVar("gradcli_printoptions", default=PrintOptions())


def get_printoptions() -> PrintOptions:
    return _OPTIONS.get()


def use_printoptions(options: PrintOptions) -> None:
    """Adopt another context's options (a session's, after it ran)."""
    _OPTIONS.set(options)


def set_printoptions(precision=None, sci_mode=None, profile=None) -> None:
    """As ``torch.set_printoptions``: ``precision`` is kept when not given,
    ``sci_mode`` is always set (None: automatic), ``profile='default'`` first
    restores the defaults (``'short'``: precision 2). Raises ValueError on a bad value."""
    options = _OPTIONS.get()
    if profile is not None:
        if profile not in ("default", "short", "full"):
            raise ValueError(f"profile must be 'default', 'short' or 'full', not {shown(profile)}")
        options = PrintOptions(precision=2 if profile == "short" else PRECISION)
    if precision is not None:
        if isinstance(precision, bool) or not isinstance(precision, (int, np.integer)) \
                or not 0 <= precision <= 30:
            raise ValueError(f"precision must be an integer from 0 to 30, not {shown(precision)}")
        options = options.replace(precision=int(precision))
    if sci_mode is not None and not isinstance(sci_mode, (bool, np.bool_)):
        raise ValueError(f"sci_mode must be True, False or None, not {shown(sci_mode)}")
    _OPTIONS.set(options.replace(sci_mode=None if sci_mode is None else bool(sci_mode)))


def torch_dtype_name(dtype) -> str:
    """PyTorch's spelling of a numpy dtype: float64 -> 'torch.float64'."""
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return "torch.bool"
    return f"torch.{dtype.name}"


class _Formatter:
    """Chooses one width and one notation for every element of a tensor."""

    def __init__(self, values: np.ndarray):
        options = _OPTIONS.get()
        self.precision = precision = options.precision
        self.floating = values.dtype.kind in "fc"
        self.int_mode = True
        self.sci_mode = False
        self.width = 1
        flat = values.reshape(-1)
        if not self.floating:
            for v in flat.tolist():
                self.width = max(self.width, len(str(v)))
            return
        shown = flat[np.isfinite(flat) & (flat != 0)]
        if shown.size == 0:
            return
        magnitudes = np.abs(shown.astype(np.float64))
        lo, hi = float(magnitudes.min()), float(magnitudes.max())
        self.int_mode = bool(np.all(shown == np.ceil(shown)))
        self.sci_mode = (hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
                         if options.sci_mode is None else options.sci_mode)
        for v in shown.tolist():
            if self.sci_mode:
                text = f"{v:.{precision}e}"
            elif self.int_mode:
                text = f"{v:.0f}."
            else:
                text = f"{v:.{precision}f}"
            self.width = max(self.width, len(text))

    def format(self, v) -> str:
        if not self.floating:
            text = str(v)
        elif self.sci_mode:
            text = f"{v:.{self.precision}e}"
        elif self.int_mode:
            text = f"{v:.0f}"
            if math.isfinite(v):
                text += "."
        else:
            text = f"{v:.{self.precision}f}"
        return text.rjust(self.width)


def _edges(n: int, summarize: bool) -> list[int] | None:
    """Indices shown along an axis of length n, or None when all are shown."""
    if summarize and n > 2 * EDGEITEMS:
        return list(range(EDGEITEMS)) + list(range(n - EDGEITEMS, n))
    return None


def _summarized(data: np.ndarray) -> np.ndarray:
    """The elements a summarized print shows (the formatter looks only at those)."""
    index = []
    for n in data.shape:
        keep = _edges(n, True)
        index.append(np.arange(n) if keep is None else np.array(keep))
    return data[np.ix_(*index)] if data.ndim else data


def _vector(row: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    per_line = max(1, (LINEWIDTH - indent) // (fmt.width + 2))
    keep = _edges(row.shape[0], summarize)
    if keep is None:
        items = [fmt.format(v) for v in row.tolist()]
    else:
        items = ([fmt.format(v) for v in row[:EDGEITEMS].tolist()] + [" ..."]
                 + [fmt.format(v) for v in row[-EDGEITEMS:].tolist()])
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(data: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    if data.ndim == 0:
        return fmt.format(data.item())
    if data.ndim == 1:
        return _vector(data, indent, summarize, fmt)
    n = data.shape[0]
    keep = _edges(n, summarize)
    if keep is None:
        parts = [_nested(data[i], indent + 1, summarize, fmt) for i in range(n)]
    else:
        parts = ([_nested(data[i], indent + 1, summarize, fmt) for i in keep[:EDGEITEMS]]
                 + ["..."]
                 + [_nested(data[i], indent + 1, summarize, fmt) for i in keep[EDGEITEMS:]])
    sep = "," + "\n" * (data.ndim - 1) + " " * (indent + 1)
    return "[" + sep.join(parts) + "]"


def format_body(data: np.ndarray, indent: int = 0) -> str:
    """The values part only: '[[1., 2.],\\n [3., 4.]]' (continuation lines are
    indented by ``indent`` + 1 columns, as inside ``tensor(``)."""
    data = np.asarray(data)
    if data.size == 0:
        return "[]"
    summarize = data.size > THRESHOLD
    fmt = _Formatter(_summarized(data) if summarize else data)
    return _nested(data, indent, summarize, fmt)


def _with_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    out = [text]
    # PyTorch's measure of the last line (it counts two columns more than it is).
    last = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last + len(suffix) + 2 > LINEWIDTH:
            out.append(",\n" + " " * indent + suffix)
            last = indent + len(suffix)
        else:
            out.append(", " + suffix)
            last += len(suffix) + 2
    out.append(")")
    return "".join(out)


def format_tensor(data, requires_grad: bool = False, grad_fn_name: str | None = None,
                  default_dtype=np.float64) -> str:
    """``repr`` of a tensor holding ``data``, as PyTorch writes it.

    ``grad_fn_name`` is the name of the node that made it (``'MulBackward0'``),
    or None for a leaf; ``requires_grad`` matters only for leaves.
    ``default_dtype`` is the session's default float dtype (float64 unless
    ``--dtype float32``); tensors of another dtype show ``dtype=...``.
    """
    data = np.asarray(data)
    prefix = "tensor("
    indent = len(prefix)
    suffixes = []
    default = np.dtype(default_dtype)
    if data.size == 0:
        if data.ndim != 1:
            suffixes.append(f"size={tuple(data.shape)}")
        if data.dtype != default:
            suffixes.append(f"dtype={torch_dtype_name(data.dtype)}")
        body = "[]"
    else:
        if data.dtype not in (default, np.dtype(np.int64), np.dtype(np.bool_)):
            suffixes.append(f"dtype={torch_dtype_name(data.dtype)}")
        body = format_body(data, indent)
    if grad_fn_name is not None:
        suffixes.append(f"grad_fn=<{grad_fn_name}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")
    return _with_suffixes(prefix + body, suffixes, indent)
