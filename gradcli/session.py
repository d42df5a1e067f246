"""The core the CLI and the REPL call: run scripts, differentiate expressions, check
gradients. See docs/architecture.md ("Session API") for the contract.

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
from dataclasses import dataclass, field

from .lang.errors import (GxError, GxInterrupt, GxLimitError, GxNameError, GxRuntimeError,
                          GxTypeError, GxValueError)
from .lang.limits import Limits, recursion_want

__all__ = ["Session", "Options", "Limits", "PrintEvent", "GradResult", "CheckResult",
           "CheckRow"]


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


@dataclass
class Options:
    dtype: str = "float64"
    seed: int | None = None
    strict: bool = False
    allow_read: tuple = ()
    allow_write: tuple = ()
    limits: Limits = field(default_factory=Limits)
    variables: dict = field(default_factory=dict)


@dataclass
class PrintEvent:
    """One ``print(...)``: ``text`` is what Python's print writes without ``end``;
    ``end`` is the end string (``"\\n"`` unless the script passed ``end=``)."""
    text: str
    values: list
    end: str = "\n"


@dataclass
class GradResult:
    value: object
    grads: dict
    hessian: dict | None
    wrt: list


@dataclass
class CheckRow:
    name: str
    index: tuple
    analytic: float
    numeric: float
    abs_err: float
    rel_err: float


@dataclass
class CheckResult:
    rows: list
    ok: bool
    target: str | None = None       # the variable that was differentiated
    leaves: list = field(default_factory=list)
    checked: int = 0                # gradient entries compared
    total: int = 0                  # gradient entries in all leaves


# tolerances of `check` (PyTorch's gradcheck uses the same atol/rtol)
CHECK_ATOL = 1e-5
CHECK_RTOL = 1e-3
CHECK_MAX_ENTRIES = 1000          # entries compared at most (evenly spread beyond that)


class Session:
    def __init__(self, options: Options | None = None, on_print=None, on_warning=None):
        self.options = options or Options()
        self.on_print = on_print
        self.on_warning = on_warning
        self._leaf_hook = None
        self.watchdog = False       # the CLI's processes: end a stuck run (limits.Clock)
        self._reset_state()

    # ------------------------------------------------------------ state
    def _reset_state(self):
        from .lang.runtime import Runtime
        from .lang.builtins import make_builtins
        opts = self.options
        self._rt = rt = Runtime(opts.limits, strict=opts.strict, on_print=self._emit_print,
                                on_warning=self._emit_warning, allow_read=opts.allow_read,
                                allow_write=opts.allow_write)
        self._globals = {}
        rt.frame = self._globals
        self._ctx = contextvars.Context()
        self._ctx.run(self._init_engine_state)
        self._builtins = self._ctx.run(make_builtins, rt)
        rt.builtins = self._builtins
        rt.leaf_hook = None
        rt.clock.where = self._where
        self._last_assigned = []
        for k, v in (opts.variables or {}).items():
            self._globals[k] = self._ctx.run(_inject_value, v)

    def _init_engine_state(self):
        import numpy as np
        from .engine import context as ec
        dt = np.dtype(self.options.dtype or "float64")
        if dt.kind != "f":
            raise GxValueError(f"dtype must be float32 or float64, not {dt}")
        rt = self._rt
        st = ec.STATE.get().replace(dtype=dt, rng=ec.RngBox(self.options.seed),
                                    anomaly=rt.anomaly, tag=self._tag)
        ec.STATE.set(st)
        from .lang.runtime import CURRENT_RT
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

    # ------------------------------------------------------------ the clock
    def hold_clock(self, watchdog: bool = True):
        """Context manager: one --timeout for everything until it ends (the CLI holds
        it for a whole command: every rerun of check, every point of plot)."""
        self.watchdog = watchdog
        return self._rt.clock.hold(watchdog)

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
    def _parse(self, source, filename, cached=True):
        from .lang import parser
        lim = self.options.limits
        try:
            if cached and hasattr(parser, "parse_cached"):
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
            module = self._parse(source, filename)
            self._execute(module, filename, interactive=False)

    def exec_interactive(self, source, filename: str = "<repl>"):
        """One REPL entry: (True, value) when it ends in a bare expression, else
        (False, None)."""
        with self._clocked(filename):
            module = self._parse(source, filename, cached=False)
            return self._execute(module, filename, interactive=True)

    def is_complete(self, source) -> bool:
        from .lang import parser
        return parser.is_complete(source)

    def _execute(self, module, filename, interactive):
        return self._ctx.run(self._execute_in_ctx, module, filename, interactive)

    def _execute_in_ctx(self, module, filename, interactive):
        from .lang.compiler import Compiler, assigned_names
        from . import engine
        import numpy as np
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

    _track_assign = False

    def _showwarning(self, message, category, filename, lineno, file=None, line=None):
        from . import engine
        if issubclass(category, engine.GradWarning):
            self._rt.warn(str(message), "GradWarning")

    # -------------------------------------------------------- inspection
    @property
    def variables(self) -> dict:
        from .lang.runtime import Namespace
        return {k: v for k, v in self._globals.items() if type(v) is not Namespace}

    def names(self) -> list:
        return sorted(set(self._globals) | set(self._builtins))

    def attributes(self, value) -> list:
        from .lang.builtins import attribute_names
        try:
            return attribute_names(value)
        except Exception:
            return []

    def history(self, name_or_value) -> dict:
        from . import engine
        from .engine.variable import Variable
        v = name_or_value
        if isinstance(v, str):
            if v not in self._globals:
                from .lang.runtime import suggest
                hint = suggest(v, list(self._globals))
                raise GxNameError(f"no variable named '{v}'" + (f"; {hint}" if hint else ""))
            v = self._globals[v]
        if type(v) is not Variable:
            raise GxTypeError(f"graph history needs a tensor, not {type(v).__name__}")
        names = {}
        for k, x in self._globals.items():
            if type(x) is Variable:
                names.setdefault(id(x), k)
        try:
            return self._ctx.run(engine.history, v, names)
        except Exception as e:        # never a Python traceback
            from .lang.runtime import convert
            raise convert(e, None, self._rt) from e

    # --------------------------------------------------------- grad_expr
    def grad_expr(self, expr, values: dict, wrt=None, order: int = 1) -> GradResult:
        """Evaluate EXPR with ``values`` as leaves requiring grad; gradients (and the
        Hessian blocks for order 2) with respect to ``wrt`` (default: every value
        whose name appears in EXPR, in the order given)."""
        with self._clocked():
            return self._ctx.run(self._grad_expr, expr, values, wrt, order)

    def _grad_expr(self, expr, values, wrt, order):
        from . import engine
        from .engine.variable import Variable
        from .lang import parser
        from .lang.compiler import Compiler
        import numpy as np
        if order not in (1, 2):
            raise GxValueError("--order must be 1 or 2")
        lim = self.options.limits
        tree = parser.parse_expression(expr, "<expr>", max_source=lim.max_source,
                                       max_nesting=lim.max_nesting)
        used = _names_in(tree)
        rt = self._rt
        rt.start("<expr>", str(expr))
        leaves = {}
        g = dict(self._globals)
        for name, val in values.items():
            leaves[name] = _leaf(val, name)
            g[name] = leaves[name]
        if wrt is None:
            wrt = [n for n in values if n in used] or [n for n in values]
        else:
            wrt = list(wrt)
            for n in wrt:
                if n not in leaves:
                    raise GxNameError(f"--wrt names '{n}', which has no value (give {n}=VALUE)")
        comp = Compiler(rt, g, self._builtins)
        old = rt.frame
        rt.frame = g
        old_limit = sys.getrecursionlimit()
        want = recursion_want(lim)
        try:
            if want > old_limit:
                sys.setrecursionlimit(want)
            fn = comp.compile_expression(tree)
            with warnings.catch_warnings(), np.errstate(all="ignore"), \
                    engine.limits(max_elements=lim.max_elements, max_flops=lim.max_flops,
                                  max_memory=lim.max_memory):
                warnings.simplefilter("ignore")
                try:
                    y = fn(g)
                except KeyboardInterrupt:
                    raise GxInterrupt("interrupted") from None
                y = _as_float_tensor(y)
                xs = [leaves[n] for n in wrt]
                grads, hess = {}, None
                if y.requires_grad and xs:
                    if y.numel() == 1:
                        gs = engine.grad(y.reshape(()), xs, create_graph=(order == 2),
                                         retain_graph=True, allow_unused=True)
                    else:
                        gs = _jacobian_rows(engine, y, xs, create_graph=(order == 2))
                else:
                    gs = [None] * len(xs)
                for n, x, gv in zip(wrt, xs, gs):
                    grads[n] = _zeros_if_none(engine, gv, x, y)
                if order == 2:
                    hess = {}
                    for a, x, gv in zip(wrt, xs, gs):
                        for b, x2 in zip(wrt, xs):
                            hess[(a, b)] = _hessian_block(engine, gv, x, x2, y)
                grads = {k: v.detach() if type(v) is Variable else v for k, v in grads.items()}
                return GradResult(y.detach(), grads, hess, wrt)
        except GxError as e:
            if e.line is None:
                e.at(rt.pos, "<expr>", str(expr))
            raise
        except Exception as e:
            from .lang.runtime import convert
            raise convert(e, rt.pos, rt) from e
        finally:
            rt.frame = old
            if sys.getrecursionlimit() != old_limit:
                sys.setrecursionlimit(old_limit)

    # ------------------------------------------------------------- check
    def check(self, source, filename: str = "<script>", target: str | None = None
              ) -> CheckResult:
        """Gradient check of a script.

        What is differentiated: the variable ``target`` if given, else the last
        top-level variable assigned whose value is a scalar tensor with a grad_fn
        (a non-scalar one is summed). Leaves: every leaf tensor that requires grad
        and the target depends on, in order of creation.

        How: the script runs once (analytic gradients by engine.grad, with every
        backward() in the script keeping its graph); then, for each checked entry
        of each leaf, it runs twice more from the start with that entry moved by
        +h and -h at the moment the leaf is created (the n-th leaf that requires
        grad of each run is the same leaf), and the target's values give the
        central difference (f(x+h) - f(x-h)) / 2h. Prints are silenced. Random
        numbers repeat across the runs (a fixed seed when none is set).
        """
        try:
            with self._clocked(filename):
                return self._check(source, filename, target)
        except GxError as e:
            if e.filename is None:
                e.filename = filename
            raise
        except KeyboardInterrupt:
            raise GxInterrupt("interrupted", filename=filename) from None
        except Exception as e:       # never a Python traceback
            from .lang.runtime import convert
            raise convert(e, None, self._rt) from e

    def _check(self, source, filename, target):
        import numpy as np
        module = self._parse(source, filename)
        seed = self.options.seed if self.options.seed is not None else 0
        base = self._check_run(module, filename, seed, None, first=True)
        glb, created = base
        name, y = _pick_target(glb, self._check_order, target)
        from .engine.variable import Variable
        ids = {id(v): k for k, v in enumerate(created)}
        deps = _leaves_of(y)
        leaves = [v for v in created if id(v) in deps]
        names = {}
        for k, v in glb.items():
            if type(v) is Variable:
                names.setdefault(id(v), k)
        ctx = self._check_ctx
        from . import engine

        def analytic():
            yy = y if y.numel() == 1 else y.sum()
            return engine.grad(yy.reshape(()), leaves, retain_graph=True, allow_unused=True)
        if not leaves:
            return CheckResult([], True, name, [], 0, 0)
        gs = ctx.run(analytic)
        dt = np.dtype(self.options.dtype or "float64")
        h = 1e-6 if dt == np.float64 else 1e-3
        atol, rtol = (CHECK_ATOL, CHECK_RTOL) if dt == np.float64 else (1e-3, 1e-2)
        entries = []
        for li, v in enumerate(leaves):
            for flat in range(v.numel()):
                entries.append((li, flat))
        total = len(entries)
        if total > CHECK_MAX_ENTRIES:
            step = total / CHECK_MAX_ENTRIES
            entries = [entries[int(i * step)] for i in range(CHECK_MAX_ENTRIES)]
        rows, ok = [], True
        leaf_index = {id(v): ids[id(v)] for v in leaves}
        for li, flat in entries:
            v = leaves[li]
            k = leaf_index[id(v)]
            fp = self._check_value(module, filename, seed, (k, flat, h), name)
            fm = self._check_value(module, filename, seed, (k, flat, -h), name)
            num = (fp - fm) / (2 * h)
            g = gs[li]
            a = 0.0 if g is None else float(np.asarray(g._data).reshape(-1)[flat])
            abs_err = abs(a - num)
            rel_err = abs_err / max(abs(num), abs(a), 1e-12) if abs_err > 0 else 0.0
            if not (abs_err <= atol + rtol * abs(num)):
                ok = False
            shape = v.shape
            idx = tuple(int(i) for i in np.unravel_index(flat, shape)) if shape else ()
            rows.append(CheckRow(names.get(id(v), f"leaf{k}"), idx, a, num, abs_err, rel_err))
        return CheckResult(rows, ok, name, [names.get(id(v), f"leaf{ids[id(v)]}")
                                            for v in leaves], len(rows), total)

    def _check_run(self, module, filename, seed, perturb, first=False):
        """Run the script in a fresh session for `check`; returns (globals, leaves in
        order of creation)."""
        opts = Options(dtype=self.options.dtype, seed=seed, strict=False,
                       allow_read=self.options.allow_read,
                       allow_write=self.options.allow_write,
                       limits=self.options.limits, variables=dict(self.options.variables))
        sub = Session(opts, on_print=None,
                      on_warning=self.on_warning if first else None)
        sub._track_assign = True
        sub._rt.clock = self._rt.clock      # one clock for all the runs of a check
        created = []

        def hook(v):
            k = len(created)
            created.append(v)
            if perturb is not None and perturb[0] == k:
                import numpy as np
                arr = np.array(v._data, dtype=v._data.dtype, copy=True)
                flat = arr.reshape(-1)
                flat[perturb[1]] += perturb[2]
                v._data = arr.reshape(np.shape(v._data))[()] if arr.ndim == 0 else arr
        from .lang.runtime import LEAF_HOOK, RETAIN_ALL
        sub._ctx.run(LEAF_HOOK.set, hook)
        sub._ctx.run(RETAIN_ALL.set, True)
        if not first:
            from .lang.runtime import DRY_RUN
            sub._ctx.run(DRY_RUN.set, True)
        sub._execute(module, filename, interactive=False)
        if first:
            self._check_order = sub._last_assigned
            self._check_ctx = sub._ctx
        return sub._globals, created

    def _check_value(self, module, filename, seed, perturb, name):
        glb, _ = self._check_run(module, filename, seed, perturb)
        y = glb.get(name)
        from .engine.variable import Variable
        if type(y) is not Variable:
            raise GxRuntimeError(f"check: '{name}' is not a tensor in a perturbed run")
        import numpy as np
        return float(np.sum(y._data))


# ------------------------------------------------------------------ helpers

def _inject_value(v):
    """--set / --vars values: numbers and strings as they are, lists as they are,
    ndarrays as tensors."""
    try:
        import numpy as np
        if isinstance(v, np.ndarray):
            from .engine import Variable
            return Variable(v)
    except ImportError:  # pragma: no cover
        pass
    return v


def _names_in(tree) -> set:
    from .lang import nodes as N
    out = set()
    stack = [tree]
    while stack:
        n = stack.pop()
        if type(n) is N.Name:
            out.add(n.id)
            continue
        for f in getattr(n, "__slots__", ()):
            c = getattr(n, f, None)
            if isinstance(c, N.Node):
                stack.append(c)
            elif type(c) is list:
                stack.extend(x for x in c if isinstance(x, N.Node))
    return out


def _leaf(val, name):
    from . import engine
    from .engine.variable import Variable
    if type(val) is Variable:
        return val.detach().double() if val.dtype.kind != "f" else \
            Variable(val.detach(), requires_grad=True)
    if isinstance(val, bool) or not isinstance(val, (int, float, list, tuple)):
        raise GxValueError(f"value of '{name}' must be a number or a list of numbers")
    data = _floats(val)
    try:
        return engine.tensor(data, requires_grad=True)
    except Exception as e:
        raise GxValueError(f"value of '{name}': {e}") from None


def _floats(v):
    if isinstance(v, (list, tuple)):
        return [_floats(x) for x in v]
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise GxValueError(f"not a number: {v!r}")
    return float(v)


def _as_float_tensor(y):
    from . import engine
    from .engine.variable import Variable
    if type(y) is Variable:
        return y
    if isinstance(y, (int, float)) and not isinstance(y, bool):
        return engine.tensor(float(y))
    raise GxTypeError(f"the expression must give a number or a tensor, not {type(y).__name__}")


def _zeros_if_none(engine, g, x, y):
    if g is not None:
        return g
    shape = tuple(y.shape) + tuple(x.shape) if y.numel() != 1 else tuple(x.shape)
    return engine.zeros(*shape) if shape else engine.tensor(0.0)


def _jacobian_rows(engine, y, xs, create_graph=False):
    """d y / d x for a non-scalar y: shape y.shape + x.shape per input."""
    n = y.numel()
    if n > 10_000:
        raise GxLimitError("the expression has more than 10^4 elements; sum it to get "
                           "a gradient")
    flat = y.reshape(-1)
    rows = [[] for _ in xs]
    for i in range(n):
        gs = engine.grad(flat[i], xs, retain_graph=True, create_graph=create_graph,
                         allow_unused=True)
        for j, (g, x) in enumerate(zip(gs, xs)):
            rows[j].append(g if g is not None else engine.zeros_like(x))
    out = []
    for j, x in enumerate(xs):
        out.append(engine.stack(rows[j]).reshape(*(tuple(y.shape) + tuple(x.shape)))
                   if tuple(y.shape) + tuple(x.shape) else engine.stack(rows[j]).reshape(()))
    return out


def _hessian_block(engine, g, x, x2, y):
    """d(dy/dx)/dx2, shape x.shape + x2.shape (g: dy/dx built with create_graph)."""
    shape = tuple(x.shape) + tuple(x2.shape)
    if g is None or not g.requires_grad or y.numel() != 1:
        if y.numel() != 1:
            raise GxValueError("--order 2 needs an expression with one value")
        return engine.zeros(*shape) if shape else engine.tensor(0.0)
    flat = g.reshape(-1)
    rows = []
    for i in range(flat.numel()):
        h, = engine.grad(flat[i], [x2], retain_graph=True, allow_unused=True)
        rows.append(h.detach() if h is not None else engine.zeros_like(x2))
    return engine.stack(rows).reshape(*shape) if shape else engine.stack(rows).reshape(())


def _pick_target(glb, order, target):
    from .engine.variable import Variable
    if target is not None:
        v = glb.get(target)
        if type(v) is not Variable:
            raise GxNameError(f"check: no tensor named '{target}'")
        return target, v
    other = None
    for name in reversed(order):
        v = glb.get(name)
        if type(v) is Variable and v.grad_fn is not None and v.dtype.kind == "f":
            if v.numel() == 1:
                return name, v
            if other is None:
                other = (name, v)
    if other is not None:
        return other
    raise GxValueError("check: the script assigns no tensor with a grad_fn to differentiate")


def _leaves_of(y) -> set:
    """ids of the leaf Variables (requiring grad) that y depends on."""
    from .engine.node import AccumulateGrad
    out, seen = set(), set()
    stack = [y._node] if y._node is not None else []
    while stack:
        n = stack.pop()
        if n is None or id(n) in seen:
            continue
        seen.add(id(n))
        if type(n) is AccumulateGrad:
            v = n.variable
            if v is not None:
                out.add(id(v))
            continue
        stack.extend(n.next)
    return out
