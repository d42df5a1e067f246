"""Which names a ``def`` binds: the compiler resolves every name at compile time (a
local of the def, a local of an enclosing def read through the frame's UP link, or a
module global / built-in)."""
from __future__ import annotations

from .. import nodes as N

class Scope:
    __slots__ = ("kind", "locals", "parent")

    def __init__(self, kind, locals_=(), parent=None):
        self.kind = kind              # 'module' | 'function'
        self.locals = set(locals_)
        self.parent = parent


def _target_names(t, out):
    tt = type(t)
    if tt is N.Name:
        out.add(t.id)
    elif tt in (N.Tuple, N.List):
        for e in t.elts:
            _target_names(e, out)


def assigned_names(body) -> set:
    """Names a function body binds (not looking into nested defs)."""
    out = set()
    stack = list(body)
    while stack:
        s = stack.pop()
        t = type(s)
        if t is N.Assign:
            for tg in s.targets:
                _target_names(tg, out)
        elif t is N.AugAssign:
            _target_names(s.target, out)
        elif t is N.Delete:                     # as Python: del x makes x local
            for tg in s.targets:
                _target_names(tg, out)
        elif t is N.For:
            _target_names(s.target, out)
            stack.extend(s.body)
        elif t is N.FunctionDef:
            out.add(s.name)
        elif t in (N.If,):
            stack.extend(s.body)
            stack.extend(s.orelse)
        elif t is N.While:
            stack.extend(s.body)
        elif t is N.With:
            for it in s.items:
                if it.name:
                    out.add(it.name)
            stack.extend(s.body)
        elif t in (N.Import, N.ImportFrom):
            for a in s.names:
                out.add(a.asname or a.name.split(".")[0])
    return out
