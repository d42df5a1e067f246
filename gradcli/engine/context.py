"""Engine state that scopes nest over: grad mode, default dtype, limits, anomaly mode, RNG.

All of it lives in one immutable ``State`` held by a ``ContextVar`` (never a module
global), so ``with no_grad():`` nests, threads and sessions do not leak into each
other, and an op pays for one ``ContextVar.get()``.

Mutable parts that must survive leaving a scope (the RNG after ``manual_seed``, the
flop budget already spent) sit in small holder objects that copies of the state share.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np


class RngBox:
    """The random generator of a scope (PyTorch's CPU generator, ``rng.Generator``);
    ``manual_seed`` reseeds it in place, so that copies of the state see it. Made on first
    use: importing numpy.random costs a start-up that most scripts never need."""
    __slots__ = ("_gen", "_seed")

    def __init__(self, seed=None):
        self._gen = None
        self._seed = seed

    @property
    def gen(self):
        g = self._gen
        if g is None:
            from .rng import Generator
            g = self._gen = Generator(self._seed)
        return g

    @gen.setter
    def gen(self, value):
        self._gen = value


class Budget:
    """Work spent against ``max_flops`` (costly kernels), and the resident size of the
    process when the scope began (``max_memory`` counts the growth from there)."""
    __slots__ = ("spent", "mem_base")

    def __init__(self, mem_base=None):
        self.spent = 0
        self.mem_base = mem_base


class State:
    __slots__ = ("grad", "dtype", "anomaly", "tag", "max_elements", "max_flops",
                 "budget", "rng", "trace", "max_memory")

    def __init__(self, grad=True, dtype=np.dtype(np.float64), anomaly=None, tag=None,
                 max_elements=None, max_flops=None, budget=None, rng=None, trace=None,
                 max_memory=None):
        self.trace = trace     # a trace.Recorder while a walk is explained, else None
        self.grad = grad
        self.dtype = dtype
        self.anomaly = anomaly
        self.tag = tag
        self.max_elements = max_elements
        self.max_flops = max_flops
        self.budget = budget if budget is not None else Budget()
        self.rng = rng if rng is not None else RngBox()
        self.max_memory = max_memory

    def replace(self, **kw) -> "State":
        new = State.__new__(State)
        for name in State.__slots__:
            setattr(new, name, kw[name] if name in kw else getattr(self, name))
        return new


STATE: ContextVar[State] = ContextVar("gradcli_engine_state", default=State())


@contextmanager
def _scoped(**kw):
    token = STATE.set(STATE.get().replace(**kw))
    try:
        yield
    finally:
        STATE.reset(token)


class _GradMode:
    """``no_grad()`` / ``enable_grad()``: a context manager and a decorator."""

    def __init__(self, mode: bool):
        self.mode = mode
        self._tokens = []

    def __enter__(self):
        self._tokens.append(STATE.set(STATE.get().replace(grad=self.mode)))
        return self

    def __exit__(self, *exc):
        STATE.reset(self._tokens.pop())
        return False

    def __call__(self, fn):
        def wrapper(*args, **kwargs):
            with _GradMode(self.mode):
                return fn(*args, **kwargs)
        wrapper.__name__ = getattr(fn, "__name__", "wrapper")
        wrapper.__doc__ = getattr(fn, "__doc__", None)
        return wrapper

    def __repr__(self):
        return "enable_grad()" if self.mode else "no_grad()"


def no_grad() -> _GradMode:
    """Operations inside record no graph (their results do not require grad)."""
    return _GradMode(False)


def enable_grad() -> _GradMode:
    """Re-enables recording inside a ``no_grad`` scope."""
    return _GradMode(True)


def set_grad_enabled(mode: bool) -> _GradMode:
    return _GradMode(bool(mode))


def is_grad_enabled() -> bool:
    return STATE.get().grad


def default_dtype(dtype):
    """Scope in which Python floats and float factories become ``dtype``."""
    from .dtypes import as_dtype
    dt = as_dtype(dtype, "default_dtype")
    if dt.kind != "f":
        raise TypeError(f"default dtype must be a floating point type, not {dt}")
    return _scoped(dtype=dt)


def get_default_dtype() -> np.dtype:
    return STATE.get().dtype


def limits(max_elements: int | None = None, max_flops: float | None = None,
           max_memory: int | None = None):
    """Scope with size limits, checked before anything is allocated (LimitError):
    ``max_elements`` per array, ``max_flops`` of costly kernels (matmul, inv, det,
    solve, ... forward and backward) in the whole scope, ``max_memory`` bytes per
    array and, for large arrays, the growth of the process since the scope began."""
    base = rss_bytes() if max_memory is not None else None
    return _scoped(max_elements=max_elements, max_flops=max_flops, max_memory=max_memory,
                   budget=Budget(base))


# ------------------------------------------------------------------- the budget
# Every op asks these before it allocates or runs a kernel that cannot be stopped
# midway (a LAPACK call ignores signals): one place for the whole engine.

BIG = 1 << 20      # bytes: an array this large also looks at the process's growth


def rss_bytes() -> int | None:
    """Resident memory of this process (Linux /proc; None elsewhere)."""
    try:
        with open("/proc/self/statm", "rb") as f:
            resident = int(f.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return resident * _PAGE


try:
    import os as _os
    _PAGE = _os.sysconf("SC_PAGE_SIZE")
except (AttributeError, ValueError, OSError):      # pragma: no cover
    _PAGE = 4096


def _count(n) -> str:
    n = int(n)
    if n >= 10 ** 6:
        e = len(str(n)) - 1
        if n == 10 ** e:
            return f"10^{e}"
    return f"{n:,}"


def _bytes(n) -> str:
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{int(n)} bytes"


def afford(n: int, itemsize: int = 8, st: State | None = None) -> None:
    """Raise LimitError before allocating ``n`` elements of ``itemsize`` bytes over the
    scope's limits: elements per array, bytes per array, and (for arrays of ``BIG``
    bytes or more) the process's growth plus this array."""
    st = st or STATE.get()
    limit = st.max_elements
    if limit is not None and n > limit:
        from .errors import LimitError
        raise LimitError(f"array of {_count(n)} elements exceeds the limit of "
                         f"{_count(limit)} elements")
    mem = st.max_memory
    nbytes = n * itemsize
    if mem is None or nbytes < BIG:
        return
    from .errors import LimitError
    if nbytes > mem:
        raise LimitError(f"array of {_bytes(nbytes)} exceeds the memory limit of {_bytes(mem)}")
    base = st.budget.mem_base
    rss = rss_bytes() if base is not None else None
    if rss is not None and rss - base + nbytes > mem:
        raise LimitError(f"memory limit of {_bytes(mem)} exceeded: the run has grown by "
                         f"{_bytes(rss - base)} and needs {_bytes(nbytes)} more")


def spend(work: float, what: str, st: State | None = None, charge: bool = True) -> None:
    """Charge ``work`` floating point operations of a costly kernel (``what``) to the
    scope's budget before it runs; LimitError if it would go over ``max_flops``.
    ``charge=False`` only looks (a loop that will charge its parts as they run)."""
    st = st or STATE.get()
    limit = st.max_flops
    if limit is None:
        return
    budget = st.budget
    if budget.spent + work > limit:
        from .errors import LimitError
        raise LimitError(f"{what} would exceed the work budget of {limit:.3g} floating "
                         f"point operations (it needs {float(work):.3g})")
    if charge:
        budget.spent += work


def anomaly_mode(callback, tag=None):
    """Scope in which every forward op whose output, and every backward node whose
    gradient, holds a NaN or infinity calls ``callback(phase, op_name, tag_value)``.
    ``tag`` is a zero-argument callable; each node keeps its value from creation time
    (the language passes the current source position)."""
    return _scoped(anomaly=callback, tag=tag)


def trace_mode(recorder):
    """Scope in which every recorded node calls ``recorder.forward(node, out)`` and every
    backward walk calls ``recorder.backward(...)`` per node (``engine/recorder.py``).
    Off by default: the plain paths pay one ``is None`` test per node."""
    return _scoped(trace=recorder)


def rng_scope(seed=None):
    """Scope with its own random generator (a session owns one)."""
    return _scoped(rng=RngBox(seed))


def manual_seed(seed: int):
    """Reseeds the generator of the current scope (like ``torch.manual_seed``: the same
    seed gives PyTorch's numbers) and returns it."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) \
            or not -2 ** 63 <= seed < 2 ** 64:
        from .errors import EngineValueError, shown
        raise EngineValueError(f"seed must be an integer in [-2**63, 2**64), got {shown(seed)}")
    return STATE.get().rng.gen.manual_seed(int(seed))     # negative seeds wrap, as in PyTorch


seed = manual_seed


def generator():
    """The current scope's generator (``rng.Generator``)."""
    return STATE.get().rng.gen


def initial_seed() -> int:
    return STATE.get().rng.gen.initial_seed()
