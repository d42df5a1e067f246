"""Any exception raised while an operation ran -> the matching GxError, positioned at
that operation: the engine's errors by kind, Python's by type, with Python's and the
implementation's names (``gx_len``, ``Variable``, ``NoneType``) put in the script's
words."""
from __future__ import annotations

import re

from .errors import (GxError, GxLimitError, GxRuntimeError, GxShapeError, GxTypeError,
                     GxValueError)

_LOCALS = re.compile(r"[\w]+\.<locals>\.")
_GXPREFIX = re.compile(r"\bgx_(\w+)\(")


MAX_MESSAGE = 500      # characters of a message made from an exception (Python's own
#                        quote whole arguments: float() of a 10^6-character string)


def _pretty(msg: str) -> str:
    if len(msg) > MAX_MESSAGE:
        msg = msg[:MAX_MESSAGE] + "..."
    msg = _GXPREFIX.sub(r"\1(", _LOCALS.sub("", msg))
    return (msg.replace("'Variable'", "'tensor'").replace("'GxFunction'", "'function'")
            .replace("'Builtin'", "'builtin'").replace("'BoundMethod'", "'method'")
            .replace("'Namespace'", "'module'").replace("'NoneType'", "'None'"))


def convert(e: BaseException, pos, rt) -> GxError:
    """The GxError for exception ``e`` raised by the operation at ``pos``."""
    fn = rt.filename if rt is not None else None
    src = rt.source if rt is not None else None
    if isinstance(e, GxError):
        if e.line is None:
            e.at(pos, fn, src)
        return e
    from ..engine import errors as ee
    msg = _pretty(str(e)) or type(e).__name__
    if isinstance(e, ee.LimitError):
        if "--max" not in msg:
            low = msg.lower()
            opt = ("--max-flops" if ("flop" in low or "work budget" in low) else
                   "--max-elements" if "element" in low else "--max-memory")
            msg += f" (raise it with {opt})"
        cls = GxLimitError
    elif isinstance(e, ee.ShapeError):
        cls = GxShapeError
    elif isinstance(e, (ee.AutogradError, ee.EngineRuntimeError)):
        cls = GxRuntimeError
    elif isinstance(e, ee.EngineTypeError):
        cls = GxTypeError
    elif isinstance(e, ee.EngineValueError):
        cls = GxValueError
    elif isinstance(e, RecursionError):
        cls = GxLimitError
        msg = "Python recursion limit reached (the script nests too deeply)"
    elif isinstance(e, MemoryError):
        cls = GxLimitError
        msg = "out of memory (lower the sizes, or raise --max-memory)"
    elif isinstance(e, (TypeError, AttributeError)):
        cls = GxTypeError
    elif isinstance(e, (ValueError, ArithmeticError)):
        cls = GxValueError
    elif isinstance(e, IndexError):
        cls = GxValueError
        msg = "index out of range: " + msg
    elif isinstance(e, KeyError):
        cls = GxValueError
        msg = f"key {msg} not found"
    else:
        cls = GxRuntimeError
        msg = f"{type(e).__name__}: {msg}"
    err = cls(msg)
    err.at(pos, fn, src)
    err.__cause__ = e
    return err
