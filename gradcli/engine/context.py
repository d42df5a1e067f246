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
    """Work spent against ``max_flops`` (matmul-class operations)."""
    __slots__ = ("spent",)

    def __init__(self):
        self.spent = 0


class State:
    __slots__ = ("grad", "dtype", "anomaly", "tag", "max_elements", "max_flops",
                 "budget", "rng", "trace")

    def __init__(self, grad=True, dtype=np.dtype(np.float64), anomaly=None, tag=None,
                 max_elements=None, max_flops=None, budget=None, rng=None, trace=None):
        self.trace = trace     # a trace.Recorder while a walk is explained, else None
        self.grad = grad
        self.dtype = dtype
        self.anomaly = anomaly
        self.tag = tag
        self.max_elements = max_elements
        self.max_flops = max_flops
        self.budget = budget if budget is not None else Budget()
        self.rng = rng if rng is not None else RngBox()

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


def limits(max_elements: int | None = None, max_flops: float | None = None):
    """Scope with size limits, checked before anything is allocated (LimitError)."""
    return _scoped(max_elements=max_elements, max_flops=max_flops, budget=Budget())


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
        from .errors import EngineValueError
        raise EngineValueError(f"seed must be an integer in [-2**63, 2**64), got {seed!r}")
    return STATE.get().rng.gen.manual_seed(int(seed))     # negative seeds wrap, as in PyTorch


seed = manual_seed


def generator():
    """The current scope's generator (``rng.Generator``)."""
    return STATE.get().rng.gen


def initial_seed() -> int:
    return STATE.get().rng.gen.initial_seed()
