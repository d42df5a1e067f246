"""Session: the state of one script's world and the calls the CLI and the REPL make.

A Session owns everything a script can change: its globals, its runtime (limits,
step budget, warnings), and an engine context (``contextvars.Context``) holding the
session's dtype, random generator and anomaly callback. Nothing lives in module
globals, so two sessions (or a REPL ``:reset``) never see each other's state.
"""
from __future__ import annotations

import contextvars
import gc
import sys
import warnings
from contextlib import contextmanager

import numpy as np

from .. import engine
from ..engine import context as ec
from ..engine.printing import get_printoptions, use_printoptions
from ..engine.variable import Variable
from ..lang import parse as parser
from ..lang.attributes import attribute_names
from ..lang.builtins import make_builtins
from ..lang.compiler import Compiler, assigned_names
from ..lang.convert import convert
from ..lang.errors import (GxError, GxInterrupt, GxLimitError, GxNameError, GxRuntimeError,
                           GxTypeError, GxValueError, suggest)
from ..lang.limits import recursion_want
from ..lang.runtime import CURRENT_RT, Runtime
from ..lang.values import Namespace
from .gradexpr import grad_expr
from .options import CheckResult, GradResult, Options, PrintEvent


@contextmanager
def _graph_gc():
    """Raise the cyclic GC's thresholds while a script runs, then restore them.

    A define-by-run loop allocates a few graph objects per operation and frees
    almost none until backward; with the default gen-0 threshold (700) Python's
    collector rescans the growing graph again and again (about half the time of
    a 10^6-node chain, and ~25% of a 10^4-step scalar loop). The graph holds no
    reference cycles, so collecting rarely loses nothing; memory limits are
    enforced separately (--max-memory)."""
    old = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*old)


class Session:
    def __init__(self, options: Options | None = None, on_print=None, on_warning=None, *,
                 track_assignments: bool = False):
        self.options = options or Options()
        self._track_assign = track_assignments
        self.on_print = on_print
        self.on_warning = on_warning
        self.watchdog = False       # the CLI's processes: end a stuck run (limits.Clock)
        self._reset_state()

    # ------------------------------------------------------------ state
    def _reset_state(self):
        opts = self.options
        self._rt = rt = Runtime(opts.limits, strict=opts.strict, on_print=self._emit_print,
                                on_warning=self._emit_warning, allow_read=opts.allow_read,
                                allow_write=opts.allow_write)
        self._globals = {}
        rt.frame = self._globals
        shown = get_printoptions()          # a session starts with its creator's print options
        self._ctx = contextvars.Context()
        self._ctx.run(use_printoptions, shown)
        self._ctx.run(self._init_engine_state)
        self._builtins = self._ctx.run(make_builtins, rt)
        rt.clock.where = self._where
        self._last_assigned = []
        for k, v in (opts.variables or {}).items():
            self._globals[k] = self._ctx.run(_inject_value, v)

    def _init_engine_state(self):
        dt = np.dtype(self.options.dtype or "float64")
        if dt.kind != "f":
            raise GxValueError(f"dtype must be float32 or float64, not {dt}")
        rt = self._rt
        st = ec.STATE.get().replace(dtype=dt, rng=ec.RngBox(self.options.seed),
                                    anomaly=rt.anomaly, tag=self._tag)
        ec.STATE.set(st)
        CURRENT_RT.set(rt)

    def _tag(self):
        return self._rt.pos

    def _emit_print(self, text, values, end="\n"):
        if self.on_print is not None:
            self.on_print(PrintEvent(text, values, end))

    def _emit_warning(self, w):
        if self.on_warning is not None:
            self.on_warning(w)

    def reset(self):
        self._reset_state()

    def set_trace(self, recorder):
        """Turns the engine's trace (``engine/recorder.py``) on in this session with
        ``recorder``, or off with None: what ``--explain`` records."""
        self._ctx.run(lambda: ec.STATE.set(ec.STATE.get().replace(trace=recorder)))

    # ------------------------------------------------------------ the clock
    def hold_clock(self, watchdog: bool = True):
        """Context manager: one --timeout for everything until it ends (the CLI holds
        it for a whole command: every rerun of check, every point of plot)."""
        self.watchdog = watchdog
        return self._rt.clock.hold(watchdog)

    def share_clock(self, other: "Session") -> None:
        """Count this session's runs against ``other``'s clock (check's reruns)."""
        self._rt.clock = other._rt.clock

    @contextmanager
    def _clocked(self, filename=None):
        clock = self._rt.clock
        try:
            with clock.hold(self.watchdog), clock.running():
                yield
        except GxError as e:            # the timer fired between two statements
            if e.filename is None:
                rt = self._rt
                e.at(rt.pos, filename or rt.filename, rt.source)
            raise

    def _where(self) -> str:
        rt = self._rt
        pos = rt.pos
        if pos is None:
            return rt.filename or ""
        return f"{rt.filename}:{pos.line}:{pos.col}"

    # -------------------------------------------------------------- run
    def parse(self, source, filename: str = "<script>", cached: bool = True):
        """The checked AST of a script under this session's limits (raises GxError)."""
        lim = self.options.limits
        try:
            if cached:
                return parser.parse_cached(source, filename, max_source=lim.max_source,
                                           max_nesting=lim.max_nesting)
            return parser.parse(source, filename, max_source=lim.max_source,
                                max_nesting=lim.max_nesting)
        except GxError:
            raise
        except KeyboardInterrupt:
            raise GxInterrupt("interrupted", filename=filename) from None
        except RecursionError:
            raise GxLimitError("the script nests too deeply to parse (raise --max-nesting?)",
                               filename=filename) from None
        except Exception as e:        # a parser bug: still one message, never a traceback
            raise GxRuntimeError(f"internal parser error: {type(e).__name__}: {e}",
                                 filename=filename) from e

    def run(self, source, filename: str = "<script>"):
        """Run a whole script; prints go to on_print as they happen. Raises GxError."""
        with self._clocked(filename):
            module = self.parse(source, filename)
            self.execute(module, filename, interactive=False)

    def exec_interactive(self, source, filename: str = "<repl>"):
        """One REPL entry: (True, value) when it ends in a bare expression, else
        (False, None)."""
        with self._clocked(filename):
            module = self.parse(source, filename, cached=False)
            return self.execute(module, filename, interactive=True)

    def is_complete(self, source) -> bool:
        return parser.is_complete(source)

    def execute(self, module, filename: str = "<script>", interactive: bool = False):
        """Run a parsed script (``parse``) in this session."""
        return self._ctx.run(self._execute_in_ctx, module, filename, interactive)

    def _execute_in_ctx(self, module, filename, interactive):
        rt = self._rt
        source = getattr(module, "source", "") or ""
        rt.start(filename, source)
        rt.frame = self._globals
        comp = Compiler(rt, self._globals, self._builtins)
        lim = self.options.limits
        old_limit = sys.getrecursionlimit()
        want = recursion_want(lim)
        result = (False, None)
        node = None
        try:
            if want > old_limit:
                sys.setrecursionlimit(want)
            items = comp.compile_module(module, interactive=interactive)
            with warnings.catch_warnings(), np.errstate(all="ignore"), _graph_gc(), \
                    engine.limits(max_elements=lim.max_elements, max_flops=lim.max_flops,
                                  max_memory=lim.max_memory):
                warnings.simplefilter("always", engine.GradWarning)
                warnings.showwarning = self._showwarning
                check = rt.clock.check
                for node, fn, is_expr in items:
                    rt.pos = None
                    check()
                    if is_expr:
                        result = (True, fn(self._globals))
                    else:
                        fn(self._globals)
                        if self._track_assign:
                            self._last_assigned.extend(assigned_names([node]))
        except GxError as e:
            if e.line is None:
                e.at(rt.pos or node, filename, source)
            raise
        except KeyboardInterrupt:
            raise GxInterrupt("interrupted").at(rt.pos or node, filename, source) from None
        except RecursionError:
            raise GxLimitError(
                "the script nests calls or expressions too deeply (lower the nesting or "
                "--max-depth)").at(rt.pos or node, filename, source) from None
        except MemoryError:
            raise GxLimitError("out of memory (raise --max-memory or use smaller tensors)"
                               ).at(rt.pos or node, filename, source) from None
        except Exception as e:   # an internal error: still one positioned message
            err = GxRuntimeError(f"internal error: {type(e).__name__}: {e}")
            err.at(rt.pos or node, filename, source)
            raise err from e
        finally:
            if sys.getrecursionlimit() != old_limit:
                sys.setrecursionlimit(old_limit)
        return result

    def _showwarning(self, message, category, filename, lineno, file=None, line=None):
        if issubclass(category, engine.GradWarning):
            self._rt.warn(str(message), "GradWarning")

    # -------------------------------------------------------- inspection
    @property
    def print_options(self):
        """The session's print options (``--precision``, then the script's
        ``set_printoptions``), for whoever prints its values: ``use_printoptions``."""
        return self._ctx.run(get_printoptions)

    @property
    def variables(self) -> dict:
        return {k: v for k, v in self._globals.items() if type(v) is not Namespace}

    def names(self) -> list:
        return sorted(set(self._globals) | set(self._builtins))

    def attributes(self, value) -> list:
        try:
            return attribute_names(value)
        except Exception:
            return []

    def history(self, name_or_value, annotate=None) -> dict:
        v = name_or_value
        if isinstance(v, str):
            if v not in self._globals:
                hint = suggest(v, list(self._globals), own=list(self._globals))
                raise GxNameError(f"no variable named '{v}'" + (f"; {hint}" if hint else ""))
            v = self._globals[v]
        if type(v) is not Variable:
            raise GxTypeError(f"graph history needs a tensor, not {type(v).__name__}")
        names = {}
        for k, x in self._globals.items():
            if type(x) is Variable:
                names.setdefault(id(x), k)
        try:
            return self._ctx.run(engine.history, v, names, annotate)
        except Exception as e:        # never a Python traceback
            raise convert(e, None, self._rt) from e

    # --------------------------------------------------------- grad_expr
    def grad_expr(self, expr, values: dict, wrt=None, order: int = 1,
                  elementwise: bool = False, tree=None) -> GradResult:
        """Evaluate EXPR with ``values`` as leaves requiring grad; gradients (and the
        Hessian blocks for order 2) with respect to ``wrt`` (default: every value
        whose name appears in EXPR, in the order given). ``elementwise``: the caller
        knows that EXPR does not mix elements (gradcli.pipeline.plan decides it), so
        the derivatives are the Jacobians' diagonals, by one backward. ``tree``: EXPR
        already parsed (a batch evaluates one EXPR many times). See gradexpr.py."""
        with self._clocked("<expr>"):
            return self._ctx.run(grad_expr, self, expr, values, wrt, order, elementwise, tree)

    def compile_expression(self, tree, frame: dict):
        """The closure ``fn(frame) -> value`` of a parsed expression, in this session's
        runtime and built-ins (names not in ``frame`` are built-ins)."""
        return Compiler(self._rt, frame, self._builtins).compile_expression(tree)

    def start_expression(self, expr: str, leaves: dict):
        """Get the runtime ready for one `grad` expression: returns (frame, old), the
        frame to evaluate it in (the session's globals with ``leaves`` set) and what
        to give ``end_expression`` afterwards."""
        rt = self._rt
        rt.start("<expr>", str(expr))
        frame = dict(self._globals)
        frame.update(leaves)
        old, rt.frame = rt.frame, frame
        return frame, old

    def end_expression(self, old_frame) -> None:
        self._rt.frame = old_frame

    @property
    def position(self):
        """The source span of the operation running (or that failed) last."""
        return self._rt.pos

    def convert_error(self, e: BaseException, pos=None) -> GxError:
        """Any exception -> the GxError a user sees (never a traceback)."""
        return convert(e, pos, self._rt)

    # ------------------------------------------------------------- check
    def check(self, source, filename: str = "<script>", target: str | None = None
              ) -> CheckResult:
        """Gradient check of a script (checker.py says how)."""
        try:
            with self._clocked(filename):
                from .checker import check_script         # gradcli check only (W1)
                return check_script(self, source, filename, target)
        except GxError as e:
            if e.filename is None:
                e.filename = filename
            raise
        except KeyboardInterrupt:
            raise GxInterrupt("interrupted", filename=filename) from None
        except Exception as e:       # never a Python traceback
            raise self.convert_error(e) from e

    # ---------------------------------------------- for checker.py and tools
    def run_in_context(self, fn, *args):
        """``fn(*args)`` inside this session's engine context (dtype, generator, hooks)."""
        return self._ctx.run(fn, *args)

    @property
    def assigned(self) -> list:
        """Top-level names in the order the script assigned them (with
        ``track_assignments=True``)."""
        return self._last_assigned


def _inject_value(v):
    """--set / --vars values: numbers and strings as they are, lists as they are,
    ndarrays as tensors."""
    if isinstance(v, np.ndarray):
        return Variable(v)
    return v
