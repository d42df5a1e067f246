"""Text of values: ``str(x)`` and ``print(x)`` in the script's terms, with a size budget
(a self-nested list would otherwise print for ever)."""
from __future__ import annotations

from .errors import GxLimitError
from .limits import bound_walk, human, limit_message
from .runtime import CURRENT_RT

MAX_TEXT = 16 * 1024 * 1024      # characters one str()/print() may produce


def to_str(v):
    """str(v) as a script sees it."""
    t = type(v)
    if t is str:
        return v
    if t in (list, tuple, dict) or isinstance(v, tuple):
        return safe_repr(v)
    return str(v)


def safe_repr(v, limit=None) -> str:
    """repr of nested lists/tuples/dicts, iteratively and with a size budget: a list
    that holds itself twice per level (l = [l, l], 40 times) would otherwise print for
    ever. A list inside itself prints as [...], as in Python."""
    if limit is None:
        rt = CURRENT_RT.get()
        limit = 16 * rt.limits.max_list if rt is not None else MAX_TEXT
        bound_walk(v)           # 2^40 paths are refused at once, not after 16M pieces
    out = []
    size = 0
    stack = [v]
    active = set()
    while stack:
        x = stack.pop()
        tx = type(x)
        if tx is _Close:
            active.discard(x.ident)
            piece = x.text
        elif tx is _Sep:
            piece = ", "
        elif tx is list or tx is tuple:
            ident = id(x)
            if ident in active:
                piece = "[...]" if tx is list else "(...)"
            else:
                active.add(ident)
                close = ",)" if tx is tuple and len(x) == 1 else ("]" if tx is list else ")")
                stack.append(_Close(close, ident))
                for i in range(len(x) - 1, -1, -1):
                    stack.append(x[i])
                    if i:
                        stack.append(_SEP)
                piece = "[" if tx is list else "("
        elif tx is dict:
            ident = id(x)
            if ident in active:
                piece = "{...}"
            else:
                active.add(ident)
                stack.append(_Close("}", ident))
                items = list(x.items())
                for i in range(len(items) - 1, -1, -1):
                    stack.append(items[i][1])
                    stack.append(_COLON)
                    stack.append(items[i][0])
                    if i:
                        stack.append(_SEP)
                piece = "{"
        elif tx is _Colon:
            piece = ": "
        else:
            piece = repr(x)
        size += len(piece)
        if size > limit:
            raise GxLimitError(limit_message(
                f"text of more than {human(limit)} characters (16 per allowed list element)",
                "max_list", limit // 16))
        out.append(piece)
    return "".join(out)


class _Close:
    __slots__ = ("text", "ident")

    def __init__(self, text, ident):
        self.text = text
        self.ident = ident


class _Sep:
    __slots__ = ()


_SEP = _Sep()


class _Colon:
    __slots__ = ()


_COLON = _Colon()
