"""What a running script needs besides its compiled code: ``Runtime``, the per-run state
(limits, step budget and deadline, call depth, the position of the operation being
run, the print and warning callbacks). One per Session; never global. The context
variables below carry what `check`'s re-runs change.

Elsewhere: the values scripts see (values.py), Python-number semantics (pynum.py),
exception -> GxError (convert.py).
"""
from __future__ import annotations

import re
import time
from contextvars import ContextVar

from . import nanreport
from .convert import convert
from .errors import GxLimitError, GxNumericError, GxWarning
from .limits import (Clock, Limits, human, limit_message, memory_message, rss_bytes,
                     time_message)

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
        self.nonfinite = nanreport.NonFiniteLog()   # what was reported (root cause once)
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
            raise GxLimitError(time_message(lim.timeout)).at(pos, self.filename, self.source)
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
                    node = v.grad_fn          # None for leaves: no graph
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
            raise GxLimitError(memory_message(lim, rss - self.mem_base)).at(
                pos, self.filename, self.source)

    def check_deadline(self, pos=None):
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise GxLimitError(time_message(self.limits.timeout)).at(
                pos, self.filename, self.source)

    # ----------------------------------------------------------- messages
    def error(self, cls, message, pos, **kw):
        return cls(message, **kw).at(pos, self.filename, self.source)

    def source_line(self, line):
        if not line:
            return None
        lines = self.source.splitlines()
        return lines[line - 1] if 0 < line <= len(lines) else None

    def numeric(self, pos, message, key=None, details=None):
        """A NaN/inf appeared: an error under strict, else a warning (once per site).
        ``details``: the JSON fields of nanreport.details, carried by both."""
        self.nonfinite.reported = True
        if self.strict:
            err = GxNumericError(message).at(pos, self.filename, self.source)
            err.details = details
            raise err
        k = (key or message, getattr(pos, "line", None), getattr(pos, "col", None))
        if k in self.warned:
            return
        self.warned.add(k)
        if self.on_warning is not None:
            w = GxWarning(
                message, filename=self.filename, line=getattr(pos, "line", None),
                col=getattr(pos, "col", None), end_col=getattr(pos, "end_col", None),
                source_line=self.source_line(getattr(pos, "line", None)),
                category="NumericWarning")
            w.details = details
            self.on_warning(w)

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

    def anomaly(self, phase, op_name, tag, report=None):
        """engine.anomaly_mode callback: a forward output or a gradient holds NaN/inf
        (``report``: what the engine saw, ``engine/nonfinite.py``), or an int64 overflow.
        Only a new cause is reported (lang/nanreport.py)."""
        pos = tag if tag is not None else self.pos
        op = op_label(op_name)
        details = None
        if phase == "overflow":
            msg = f"'{op}' overflowed int64 (the result wrapped around)"
        elif report is not None:
            log = self.nonfinite
            if not log.is_new(report):
                return
            msg = nanreport.message(report, op)
            details = nanreport.details(report, op)
        elif phase == "forward":
            msg = f"'{op}' produced NaN or infinity"
        else:
            msg = f"the gradient through '{op}' holds NaN or infinity (backward pass)"
        self.numeric(pos, msg, key=(phase, op_name), details=details)

    # ---------------------------------------------------------- conversion
    def convert(self, e, pos):
        return convert(e, pos, self)


_VT = None



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
