"""What a running script needs besides its compiled code.

- ``Runtime``: the per-run state (limits, step budget and deadline, call depth, the
  position of the operation being run, callbacks). One per Session; never global.
- The values scripts see besides numbers, strings, lists, tuples and tensors:
  ``Builtin`` (a wrapped allowlisted callable), ``GxFunction`` (a ``def``),
  ``BoundMethod``, ``Namespace`` (``torch``, ``np``) and ``DType``.
- ``convert``: any exception raised while an expression ran -> the matching GxError
  with that expression's position.
- Python-number arithmetic with the language's rules: no bigints, no complex,
  division by zero gives inf/nan plus a NUM warning (or an error under strict).
"""
from __future__ import annotations

import math
import re
import time
from contextvars import ContextVar

from .errors import (GxError, GxLimitError, GxNameError, GxNumericError, GxRuntimeError,
                     GxSecurityError, GxShapeError, GxTypeError, GxValueError, GxWarning)
from .limits import Clock, Limits, human, limit_message

CHUNK = 256          # steps between two looks at the clock / graph size (at most)
TICK_SECONDS = 0.01  # aim: a look at the clock at least every 10 ms

# During `check`: backward()/grad() keep their graphs (the script is run again).
# (Ops run by derivative rules raise no NaN/inf events: the engine's walk turns its
# anomaly hook off and reports non-finite gradients as backward events itself.)
RETAIN_ALL: ContextVar[bool] = ContextVar("gradcli_retain_all", default=False)
# The runtime of the session whose engine context is current (methods shared by all
# sessions, like list.append's length check, read their limits from it).
CURRENT_RT: ContextVar = ContextVar("gradcli_current_runtime", default=None)
# `check` re-runs a script many times: save() checks its path but writes nothing then.
DRY_RUN: ContextVar[bool] = ContextVar("gradcli_dry_run", default=False)
# `check` re-runs a script with its n-th leaf perturbed: called with each new leaf.
LEAF_HOOK: ContextVar = ContextVar("gradcli_leaf_hook", default=None)


def new_leaf(v):
    """Report a tensor that just became a leaf requiring grad (for `check`)."""
    h = LEAF_HOOK.get()
    if h is not None and v.requires_grad and v.is_leaf:
        h(v)
    return v
INT_BOUND = 2 ** 63  # Python ints beyond this become float64 (no bigints)


_PAGE = None


def rss_bytes() -> int | None:
    """Resident memory of this process (Linux /proc; None elsewhere)."""
    global _PAGE
    try:
        with open("/proc/self/statm", "rb") as f:
            resident = int(f.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    if _PAGE is None:
        import os
        _PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
    return resident * _PAGE


class Pos:
    """A source span that is not a whole AST node (e.g. a binary operator)."""
    __slots__ = ("line", "col", "end_line", "end_col")

    def __init__(self, line, col, end_line, end_col):
        self.line, self.col, self.end_line, self.end_col = line, col, end_line, end_col

    def __repr__(self):
        return f"{self.line}:{self.col}"


# ------------------------------------------------------------------- runtime

class Runtime:
    """Per-session run state. The compiled closures capture one of these."""

    def __init__(self, limits: Limits | None = None, *, strict=False, on_print=None,
                 on_warning=None, allow_read=(), allow_write=()):
        self.limits = limits or Limits()
        self.strict = strict
        self.on_print = on_print
        self.on_warning = on_warning
        self.allow_read = tuple(allow_read)
        self.allow_write = tuple(allow_write)
        self.filename = "<script>"
        self.source = ""
        self.pos = None            # span of the operation being run (anomaly tag)
        self.depth = 0             # call depth of script functions
        self.max_depth = self.limits.max_depth
        self.used = 0              # steps used before the current chunk
        self.chunk = CHUNK
        self.left = CHUNK          # steps left in the current chunk
        self.deadline = None
        self.clock = Clock(self.limits)   # one deadline per command (see limits.Clock)
        self.frame = None          # module globals (graph-size check)
        self.warned = set()
        self.builtins = None
        self.namespaces = {}       # 'torch', 'numpy': what imports may bind

    # -------------------------------------------------------------- budget
    def start(self, filename, source):
        """Called at the start of each run (and REPL entry): fresh budget and clock."""
        self.filename = filename
        self.source = source
        self.depth = 0
        self.used = 0
        self.warned = set()     # warnings are "once per site" within one run or REPL entry
        lim = self.limits
        self.max_depth = lim.max_depth
        self.chunk = self.left = 1       # grows while loop bodies are fast
        self.last_tick = time.monotonic()
        self.mem_base = self.clock.base()
        self.last_mem = self.last_tick
        self.deadline = self.clock.deadline()
        self.pos = None

    def tick(self, fr=None, pos=None):
        """The slow part of the step check, every CHUNK steps."""
        lim = self.limits
        self.used += self.chunk
        if self.used >= lim.max_steps:
            self.left = 1
            self.chunk = 0
            raise GxLimitError(limit_message(
                f"step limit of {human(lim.max_steps)} loop iterations and calls exceeded",
                "max_steps", lim.max_steps)).at(pos, self.filename, self.source)
        now = time.monotonic()
        if self.deadline is not None and now > self.deadline:
            self.chunk = 0
            self.left = 1
            raise GxLimitError(
                f"time limit of {lim.timeout:g} s exceeded (raise it with --timeout)"
            ).at(pos, self.filename, self.source)
        if fr is not None:
            self.check_graph(fr, pos)
        if self.mem_base is not None and now - self.last_mem > 0.005:
            self.last_mem = now
            self.check_memory(pos)
        # adapt the chunk so that slow loop bodies still look at the clock often
        dt = now - self.last_tick
        self.last_tick = now
        chunk = self.chunk or 1
        if dt > TICK_SECONDS:
            chunk = max(1, chunk // 4)
        elif dt < TICK_SECONDS / 4:
            chunk = min(CHUNK, chunk * 2)
        self.chunk = self.left = max(1, min(chunk, lim.max_steps - self.used))

    def check_graph(self, fr, pos=None):
        maxg = self.limits.max_graph
        V = _variable_type()
        for frame in (fr, self.frame):
            if frame is None:
                continue
            for v in frame.values():
                if type(v) is V:
                    node = v._node
                    if node is not None and node.depth > maxg:
                        raise GxLimitError(limit_message(
                            f"graph larger than {human(maxg)} nodes (history depth "
                            f"{node.depth})", "max_graph", maxg)).at(pos, self.filename,
                                                                    self.source)
            if frame is self.frame:
                break

    def check_memory(self, pos=None):
        """Total memory: the growth of the process since the run started (tensors,
        lists, graphs) must stay under max_memory."""
        rss = rss_bytes()
        lim = self.limits.max_memory
        if rss is not None and rss - self.mem_base > lim:
            raise GxLimitError(
                f"memory limit of {_bytes(lim)} exceeded (the run grew by "
                f"{_bytes(rss - self.mem_base)}; raise it with --max-memory)"
            ).at(pos, self.filename, self.source)

    def check_deadline(self, pos=None):
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise GxLimitError(
                f"time limit of {self.limits.timeout:g} s exceeded (raise it with --timeout)"
            ).at(pos, self.filename, self.source)

    # ----------------------------------------------------------- messages
    def error(self, cls, message, pos, **kw):
        return cls(message, **kw).at(pos, self.filename, self.source)

    def source_line(self, line):
        if not line:
            return None
        lines = self.source.splitlines()
        return lines[line - 1] if 0 < line <= len(lines) else None

    def numeric(self, pos, message, key=None):
        """A NaN/inf appeared: an error under strict, else a warning (once per site)."""
        if self.strict:
            raise GxNumericError(message).at(pos, self.filename, self.source)
        k = (key or message, getattr(pos, "line", None), getattr(pos, "col", None))
        if k in self.warned:
            return
        self.warned.add(k)
        if self.on_warning is not None:
            self.on_warning(GxWarning(
                message, filename=self.filename, line=getattr(pos, "line", None),
                col=getattr(pos, "col", None), end_col=getattr(pos, "end_col", None),
                source_line=self.source_line(getattr(pos, "line", None)),
                category="NumericWarning"))

    def warn(self, message, category="Warning", pos=None):
        pos = pos or self.pos
        k = (message, getattr(pos, "line", None), getattr(pos, "col", None))
        if k in self.warned:
            return
        self.warned.add(k)
        if self.on_warning is not None:
            self.on_warning(GxWarning(
                message, filename=self.filename, line=getattr(pos, "line", None),
                col=getattr(pos, "col", None), end_col=getattr(pos, "end_col", None),
                source_line=self.source_line(getattr(pos, "line", None)), category=category))

    def anomaly(self, phase, op_name, tag):
        """engine.anomaly_mode callback: a forward output or a gradient holds NaN/inf."""
        pos = tag if tag is not None else self.pos
        op = op_label(op_name)
        if phase == "forward":
            msg = f"'{op}' produced NaN or infinity"
        else:
            msg = f"the gradient through '{op}' holds NaN or infinity (backward pass)"
        self.numeric(pos, msg, key=(phase, op_name))

    # ---------------------------------------------------------- conversion
    def convert(self, e, pos):
        return convert(e, pos, self)


_VT = None


def _bytes(n) -> str:
    for unit, size in (("GiB", 1024 ** 3), ("MiB", 1024 ** 2), ("KiB", 1024)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n} bytes"
_BACKWARD_SUFFIX = re.compile(r"Backward\d*$")


def op_label(node_name: str) -> str:
    """'SqrtBackward0' -> 'sqrt', 'MmBackward0' -> 'mm' (the op a user wrote)."""
    base = _BACKWARD_SUFFIX.sub("", str(node_name))
    return base.lower() if base else str(node_name)


def _variable_type():
    global _VT
    if _VT is None:
        from ..engine.variable import Variable
        _VT = Variable
    return _VT


# -------------------------------------------------------- exception mapping

_LOCALS = re.compile(r"[\w]+\.<locals>\.")
_GXPREFIX = re.compile(r"\bgx_(\w+)\(")


def _pretty(msg: str) -> str:
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
    elif isinstance(e, ee.AutogradError):
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


# ------------------------------------------------------------------ values

class Builtin:
    """An allowlisted callable. Scripts can call it and print it, nothing else."""
    __slots__ = ("name", "fn", "doc")

    def __init__(self, name, fn, doc=None):
        self.name = name
        self.fn = fn
        self.doc = doc

    def __call__(self, *args, **kw):
        return self.fn(*args, **kw)

    def __repr__(self):
        return f"<built-in function {self.name}>"


class BoundMethod:
    """``x.sum`` taken without calling it."""
    __slots__ = ("obj", "fn", "name")

    def __init__(self, obj, fn, name):
        self.obj = obj
        self.fn = fn
        self.name = name

    def __call__(self, *args, **kw):
        return self.fn(self.obj, *args, **kw)

    def __repr__(self):
        return f"<method {self.name}>"


class Namespace:
    """``torch``, ``torch.autograd``, ``np``: a fixed table of names, nothing else."""
    __slots__ = ("name", "members")

    def __init__(self, name, members):
        self.name = name
        self.members = members

    def __repr__(self):
        return f"<module '{self.name}'>"


class DType:
    """``x.dtype`` / ``torch.float32``: a dtype as a script sees it."""
    __slots__ = ("name", "np")

    def __init__(self, name, np_dtype):
        self.name = name
        self.np = np_dtype

    def __eq__(self, other):
        if type(other) is DType:
            return self.np == other.np
        if type(other) is str:
            return other in (self.name, "torch." + self.name)
        return NotImplemented

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return f"torch.{self.name}"


_DTYPES = {}


def dtype_value(np_dtype) -> DType:
    name = str(np_dtype)
    d = _DTYPES.get(name)
    if d is None:
        d = _DTYPES[name] = DType(name, np_dtype)
    return d


class History:
    """What ``history(y)`` returns: the engine's plain data, printed as a tree."""
    __slots__ = ("data",)

    def __init__(self, data):
        self.data = data

    def __repr__(self):
        return format_history(self.data)


def format_history(h) -> str:
    nodes = {n["id"]: n for n in h.get("nodes", [])}
    kids = {}
    for e in h.get("edges", []):
        kids.setdefault(e["from"], []).append(e["to"])
    out, seen = [], set()
    stack = [(h.get("root"), "", "", True)]
    while stack:
        nid, prefix, branch, last = stack.pop()
        if nid is None or nid not in nodes:
            continue
        n = nodes[nid]
        label = n.get("op") or "?"
        if n.get("name"):
            label += f" '{n['name']}'"
        if n.get("shape"):
            label += f" {list(n['shape'])}"
        if nid in seen:
            out.append(f"{prefix}{branch}{label} (see above)")
            continue
        seen.add(nid)
        out.append(f"{prefix}{branch}{label}")
        ch = kids.get(nid, [])
        sub = prefix + ("" if not branch else ("    " if last else "│   "))
        for i in reversed(range(len(ch))):
            is_last = i == len(ch) - 1
            stack.append((ch[i], sub, "└── " if is_last else "├── ", is_last))
    return "\n".join(out)


class NodeName(str):
    """``grad_fn.name``: prints as the name and, as in PyTorch, ``grad_fn.name()``
    returns it too."""
    __slots__ = ()

    def __call__(self):
        return str(self)


class Signal:
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return self.name


BREAK = Signal("break")
CONTINUE = Signal("continue")
RETURN = Signal("return")
RET = " ret"        # frame key of a return value (not a valid identifier)
UP = " up"          # frame key of the enclosing function's frame


class GxFunction:
    """A ``def``: parameters, defaults evaluated at definition, compiled body."""
    __slots__ = ("name", "params", "nparams", "defaults", "body", "rt", "env", "node",
                 "filename")

    def __init__(self, name, params, defaults, body, rt, env, node, filename):
        self.name = name
        self.params = params
        self.nparams = len(params)
        self.defaults = defaults     # dict name -> value
        self.body = body
        self.rt = rt
        self.env = env               # enclosing function frame or None
        self.node = node
        self.filename = filename

    def bind(self, args, kw):
        params = self.params
        n = len(args)
        if n > self.nparams:
            raise GxTypeError(f"{self.name}() takes {self.nparams} positional argument"
                              f"{'s' if self.nparams != 1 else ''} but {n} were given")
        fr = dict(zip(params, args))
        if kw:
            for k, v in kw.items():
                if k not in params:
                    raise GxTypeError(f"{self.name}() got an unexpected keyword argument '{k}'")
                if k in fr:
                    raise GxTypeError(f"{self.name}() got multiple values for argument '{k}'")
                fr[k] = v
        if len(fr) < self.nparams:
            for p in params:
                if p not in fr:
                    if p in self.defaults:
                        fr[p] = self.defaults[p]
                    else:
                        raise GxTypeError(f"{self.name}() missing required argument '{p}'")
        return fr

    def invoke(self, args, kw, pos):
        rt = self.rt
        if rt.depth >= rt.max_depth:
            raise GxLimitError(limit_message(
                f"call depth {rt.max_depth} exceeded", "max_depth",
                rt.max_depth)).at(pos, rt.filename, rt.source)
        rt.left -= 1
        if rt.left <= 0:
            rt.tick(None, pos)
        if not kw and len(args) == self.nparams:
            fr = dict(zip(self.params, args))
        else:
            try:
                fr = self.bind(args, kw)
            except GxError as e:
                raise e.at(pos, rt.filename, rt.source)
        if self.env is not None:
            fr[UP] = self.env
        rt.depth += 1
        try:
            r = self.body(fr)
        finally:
            rt.depth -= 1
        if r is RETURN:
            return fr[RET]
        return None

    def __call__(self, *args, **kw):     # engine callbacks: jacobian(f, x), hessian, ...
        return self.invoke(args, kw, self.rt.pos)

    def __repr__(self):
        return f"<function {self.name}>"


# --------------------------------------------------------- number semantics

def _f64():
    import numpy as np
    return np


def _finite(x) -> bool:
    return x - x == 0


def bound_int(r, rt, pos):
    """An int result too large for int64 becomes a float (no bigints)."""
    if -INT_BOUND <= r < INT_BOUND:
        return r
    try:
        return float(r)
    except OverflowError:
        rt.numeric(pos, "integer overflow produced inf")
        return math.inf if r > 0 else -math.inf


def check_seq_len(n, rt, pos, what="list"):
    lim = rt.limits.max_list
    if n > lim:
        raise GxLimitError(limit_message(
            f"{what} of {human(n)} elements exceeds the length limit", "max_list", lim)
        ).at(pos, rt.filename, rt.source)


_SEQ = (list, tuple, str)


def num_add(a, b, rt, pos):
    r = a + b
    t = type(r)
    if t is int:
        return bound_int(r, rt, pos)
    if t is float:
        if not _finite(r) and _finite(a) and _finite(b):
            rt.numeric(pos, "'+' overflowed to infinity")
        return r
    if t in _SEQ:
        check_seq_len(len(r), rt, pos, "string" if t is str else t.__name__)
    return r


def num_sub(a, b, rt, pos):
    r = a - b
    t = type(r)
    if t is int:
        return bound_int(r, rt, pos)
    if t is float and not _finite(r) and _finite(a) and _finite(b):
        rt.numeric(pos, "'-' overflowed to infinity")
    return r


def num_mul(a, b, rt, pos):
    ta, tb = type(a), type(b)
    if ta in _SEQ or tb in _SEQ:
        seq, n = (a, b) if ta in _SEQ else (b, a)
        if type(n) in (int, bool):
            check_seq_len(len(seq) * max(int(n), 0), rt, pos,
                          "string" if type(seq) is str else type(seq).__name__)
        return a * b
    r = a * b
    t = type(r)
    if t is int:
        return bound_int(r, rt, pos)
    if t is float and not _finite(r) and _finite(a) and _finite(b):
        rt.numeric(pos, "'*' overflowed to infinity")
    return r


def _div_zero(a, op, rt, pos):
    a = float(a)
    if a != a or a == 0:
        rt.numeric(pos, f"'{op}' of zero by zero produced NaN")
        return math.nan
    if op == "%":
        rt.numeric(pos, "'%' by zero produced NaN")
        return math.nan
    rt.numeric(pos, f"division by zero ('{op}') produced infinity")
    return math.inf if a > 0 else -math.inf


def num_truediv(a, b, rt, pos):
    try:
        r = a / b
    except ZeroDivisionError:
        return _div_zero(a, "/", rt, pos)
    except OverflowError:
        rt.numeric(pos, "'/' overflowed to infinity")
        return math.inf if (a > 0) == (b > 0) else -math.inf
    if type(r) is float and not _finite(r) and _finite(a) and _finite(b):
        rt.numeric(pos, "'/' overflowed to infinity")
    return r


def num_floordiv(a, b, rt, pos):
    try:
        r = a // b
    except ZeroDivisionError:
        return _div_zero(a, "//", rt, pos)
    if type(r) is int:
        return bound_int(r, rt, pos)
    return r


def num_mod(a, b, rt, pos):
    if type(a) is str:
        check_percent_format(a, rt, pos)
        if isinstance(b, (list, tuple)):
            from .builtins import safe_repr
            safe_repr(b)            # a budget check: self-nested lists print for ever
        return a % b
    try:
        return a % b
    except ZeroDivisionError:
        return _div_zero(a, "%", rt, pos)


def num_pow(a, b, rt, pos):
    ta, tb = type(a), type(b)
    if ta is bool:
        a, ta = int(a), int
    if tb is bool:
        b, tb = int(b), int
    if ta is int and tb is int:
        if b >= 0:
            if b == 0:
                return 1
            if a in (0, 1):
                return a
            if a == -1:
                return 1 if b % 2 == 0 else -1
            if b * math.log2(abs(a)) < 63:
                return a ** b
        a = float(a)
        ta = float
    if ta in (int, float) and tb in (int, float):
        a = float(a)
        b = float(b)
        if a < 0 and b != int(b) and math.isfinite(b):
            rt.numeric(pos, "a negative number raised to a fractional power produced NaN")
            return math.nan
        try:
            r = a ** b
        except ZeroDivisionError:
            rt.numeric(pos, "zero raised to a negative power produced infinity")
            return math.inf
        except OverflowError:
            rt.numeric(pos, "'**' overflowed to infinity")
            neg = a < 0 and b == int(b) and int(b) % 2 == 1
            return -math.inf if neg else math.inf
        if type(r) is complex:     # pragma: no cover - guarded above
            rt.numeric(pos, "'**' produced NaN")
            return math.nan
        if not _finite(r) and _finite(a) and _finite(b):
            rt.numeric(pos, "'**' overflowed to infinity")
        return r
    return a ** b


def num_matmul(a, b, rt, pos):
    return a @ b


def num_neg(a, rt, pos):
    r = -a
    if type(r) is int:
        return bound_int(r, rt, pos)
    return r


_FMT_NUM = None


def check_percent_format(fmt, rt, pos):
    """'%5.2f' is fine; '%*d' and widths beyond 1000 would let a script allocate."""
    global _FMT_NUM
    if _FMT_NUM is None:
        import re
        _FMT_NUM = re.compile(r"%[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")
    for m in _FMT_NUM.finditer(fmt):
        for g in m.groups():
            if g == "*" or (g and int(g) > 1000):
                raise GxValueError("format width or precision too large (at most 1000)"
                                   ).at(pos, rt.filename, rt.source)


SLOW_BINOPS = {
    "+": num_add, "-": num_sub, "*": num_mul, "/": num_truediv, "//": num_floordiv,
    "%": num_mod, "**": num_pow, "@": num_matmul,
}


def suggest(name, candidates) -> str | None:
    import difflib
    close = difflib.get_close_matches(name, [c for c in candidates if not c.startswith(" ")],
                                      n=3, cutoff=0.7)
    if not close:
        return None
    if len(close) == 1:
        return f"did you mean '{close[0]}'?"
    return "did you mean " + ", ".join(f"'{c}'" for c in close[:-1]) + f" or '{close[-1]}'?"


def name_error(name, candidates, pos, rt):
    hint = suggest(name, candidates)
    msg = f"name '{name}' is not defined"
    if hint:
        msg += f"; {hint}"
    return GxNameError(msg).at(pos, rt.filename, rt.source)


__all__ = [
    "Runtime", "Pos", "Builtin", "BoundMethod", "Namespace", "DType", "History", "GxFunction",
    "BREAK", "CONTINUE", "RETURN", "RET", "UP", "convert", "SLOW_BINOPS", "num_neg",
    "check_seq_len", "name_error", "suggest", "dtype_value", "GxSecurityError",
]
