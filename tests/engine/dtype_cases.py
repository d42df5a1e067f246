"""Operand kinds and ops for the type-promotion table, written once for the engine and for
torch (``make(kind, lib)``); make_dtype_table.py runs them with torch 2.13."""
from __future__ import annotations

import itertools

import numpy as np

KINDS = ("f32[2]", "f64[2]", "i64[2]", "b[2]", "f32()", "f64()", "i64()", "b()",
         "int", "float", "bool")
VALUES = {"f": ([1.5, 2.0], 1.5), "i": ([1, 2], 3), "b": ([True, False], True)}
DTYPES = {"f32": "float32", "f64": "float64", "i64": "int64", "b": "bool"}
BINARY = ("+", "-", "*", "/", "**", "maximum", "minimum", "where", "<", "==")


def make(kind: str, lib: str):
    if kind == "int":
        return 3
    if kind == "float":
        return 2.5
    if kind == "bool":
        return True
    name, shape = kind.split("[") if "[" in kind else kind.split("(")
    vec, scalar = VALUES[name[0]]
    data = vec if "[" in kind else scalar
    if lib == "torch":
        import torch
        return torch.tensor(data, dtype=getattr(torch, DTYPES[name]))
    import gradcli.engine as E
    return E.tensor(data, dtype=np.dtype(DTYPES[name]))


def apply(op: str, a, b, lib: str):
    if lib == "torch":
        import torch as m
    else:
        import gradcli.engine as m
    if op == "maximum":
        return m.maximum(a, b)
    if op == "minimum":
        return m.minimum(a, b)
    if op == "where":
        return m.where(m.tensor([True, False]), a, b)
    return {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b, "/": lambda: a / b,
            "**": lambda: a ** b, "<": lambda: a < b, "==": lambda: a == b}[op]()


def cases():
    """(op, kind a, kind b): at least one tensor; maximum/minimum/where take tensors."""
    out = []
    for op in BINARY:
        for ka, kb in itertools.product(KINDS, repeat=2):
            if ka in ("int", "float", "bool") and kb in ("int", "float", "bool"):
                continue
            if op in ("maximum", "minimum") and ("[" not in ka and "(" not in ka or
                                                  "[" not in kb and "(" not in kb):
                continue
            if op == "where" and "[" not in ka and "(" not in ka:
                continue
            out.append((op, ka, kb))
    return out


def outcome(op, ka, kb, lib, default="float64"):
    """The result's dtype name, or 'error' when the library refuses the operation."""
    if lib == "torch":
        import torch
        torch.set_default_dtype(getattr(torch, default))
        try:
            return str(apply(op, make(ka, lib), make(kb, lib), lib).dtype).replace("torch.", "")
        except (RuntimeError, TypeError, NotImplementedError):
            return "error"
    import gradcli.engine as E
    with E.default_dtype(np.dtype(default)):
        try:
            return str(apply(op, make(ka, lib), make(kb, lib), lib).dtype)
        except E.EngineError:
            return "error"
