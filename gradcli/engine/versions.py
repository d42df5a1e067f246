"""Version counters, as PyTorch keeps them, and the check that backward makes with them.

Every tensor has a version: the number of in-place writes made to its memory through
it or through a view of it. Views (basic indexing, ``view``/``reshape`` without a
copy, ``t()``, ``transpose``, ``permute``, ``expand``, ``squeeze``/``unsqueeze``) and
``detach()`` share their base's counter; ``.data`` does not (PyTorch's rules).

The counter is made lazily, so that the per-op path stays one store: a Variable's
``_vc`` is None while it has never been written in place nor viewed (version 0), and a
``Counter`` otherwise, shared by every view of the same memory.

What a node saved is checked when backward reaches it (``check``), once per saved value:

- an input Variable: the node's ``vers`` holds its version at save time (the op passes
  it to ``record``);
- the node's own output (``exp``, ``tanh``, ``relu``... save their result): when a
  counter is first made for that output, ``watch`` hangs a ``Watched`` on the node
  with the version the output had when it was saved.
"""
from __future__ import annotations

import re
import weakref

from .errors import AutogradError


class Counter:
    """One version counter, shared by a tensor, its views and its ``detach()``; it also
    knows the base's live views (weak references), whose history an in-place write
    with autograd rebases."""
    __slots__ = ("n", "views", "prune_at")

    def __init__(self, n=0):
        self.n = n
        self.views = None
        self.prune_at = 8

    def add_view(self, v) -> None:
        views = self.views
        if views is None:
            views = self.views = []
        views.append(weakref.ref(v))
        if len(views) >= self.prune_at:          # dead views (x[i] in a loop): amortised O(1)
            views[:] = [r for r in views if r() is not None]
            self.prune_at = max(8, 2 * len(views))

    def live_views(self) -> list:
        views = self.views
        return [] if views is None else [v for v in (r() for r in views) if v is not None]


class Watched:
    """A node's ``vers`` once its saved output has a counter: the counter, the version
    the output had when saved, and the node's versions of saved inputs (or None)."""
    __slots__ = ("counter", "expected", "inputs")

    def __init__(self, counter, expected, inputs):
        self.counter = counter
        self.expected = expected
        self.inputs = inputs


def counter_of(v) -> Counter:
    """``v``'s counter, made on first need; a node that saved ``v``'s array as its own
    output starts watching it (see module docstring)."""
    vc = v._vc
    if vc is None:
        vc = v._vc = Counter()
        node = v._node
        if node is not None:
            watch(node, v._data, vc)
    return vc


def watch(node, data, vc) -> None:
    """If ``node`` saved ``data`` (its output) by identity, record ``vc`` and its
    version on the node."""
    saved = node.saved
    if saved is None or type(node.vers) is Watched:
        return
    if saved is data or (type(saved) is tuple and any(s is data for s in saved)):
        node.vers = Watched(vc, vc.n, node.vers)


def mark_view(out, x, fn):
    """Makes ``out`` (whose array is a numpy view of ``x``'s) a view of ``x``'s base as
    PyTorch's views are: the same version counter, and ``fn`` (array -> the view)
    appended to the steps that find it in the base (in-place writes to it use them)."""
    view = getattr(x, "_view", None)
    root = x if view is None else view[0]
    vc = out._vc = counter_of(root)
    out._view = (root, (fn,) if view is None else view[1] + (fn,))
    vc.add_view(out)
    return out


# ----------------------------------------------------------------- the check

_TYPES = {"float64": "DoubleTensor", "float32": "FloatTensor", "float16": "HalfTensor",
          "int64": "LongTensor", "int32": "IntTensor", "int16": "ShortTensor",
          "int8": "CharTensor", "uint8": "ByteTensor", "bool": "BoolTensor"}


def short_name(name: str) -> str:
    """The name PyTorch's message gives a node: ``MulBackward0`` -> ``Mul``,
    ``TBackward1`` -> ``T1``."""
    if name == "CopySlices":
        return "torch::autograd::CopySlices"
    # PyTorch drops "Backward0" and keeps another overload number: ClampBackward1 -> Clamp1
    return re.sub(r"Backward(\d*)$", lambda m: "" if m.group(1) in ("", "0") else m.group(1),
                  name)


def _describe(dtype, shape) -> str:
    t = _TYPES.get(str(dtype), f"{dtype}Tensor")
    return f"[torch.{t} [{', '.join(str(s) for s in shape)}]]"


def modified_error(dtype, shape, node_name, now, expected) -> AutogradError:
    which = "" if node_name is None else f", which is output 0 of {short_name(node_name)},"
    return AutogradError(
        "one of the variables needed for gradient computation has been modified by an "
        f"inplace operation: {_describe(dtype, shape)}{which} is at version {now}; expected "
        f"version {expected} instead. Hint: enable anomaly detection to find the operation "
        "that failed to compute its gradient, with torch.autograd.set_detect_anomaly(True, "
        "check_nan=False).")


def check(n) -> None:
    """Raise PyTorch's error if a value ``n`` saved was written in place since."""
    vers = n.vers
    out = None
    if type(vers) is Watched:
        out, vers = vers, vers.inputs
    if vers:
        saved = n.saved
        for v, ver in zip(saved if type(saved) is tuple else (saved,), vers):
            if v is not None and hasattr(v, "_vc"):
                vc = v._vc
                now = 0 if vc is None else vc.n
                if now != ver:
                    node = v._node
                    name = None if node is None or node.name == "AccumulateGrad" else node.name
                    d = v._data
                    raise modified_error(d.dtype, d.shape, name, now, ver)
    if out is not None and out.counter.n != out.expected:
        raise modified_error(n.dtype, n.shape, n.name, out.counter.n, out.expected)
