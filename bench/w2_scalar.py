"""W2 scalar loop: `steps` times `y = y * 1.0001 + 0.5 * x - tanh(y) * 0.01`, then backward.

Six ops a step (mul, mul, add, tanh, mul, sub); x = 0.5 and y starts as x itself, so every op of
every step is recorded on every side. float64 everywhere. Each side's `prepare(params)` returns
`once()`, timed forward and backward separately where the side allows it (see worker.py).
The top level imports the standard library only: the runner imports this module too.
"""
import time

OPS_PER_STEP = 6
X0 = 0.5

def pc():
    """Wall and CPU time in one number: the real part is time.perf_counter(), the imaginary part
    time.process_time() (all threads). Differences subtract both; worker.py splits them into
    "fwd" / "cpu_fwd" and so on."""
    return complex(time.perf_counter(), time.process_time())


def floor(p):
    """Python floats and math.tanh; the reverse pass written by hand from a tape of tanh values."""
    from math import tanh
    n = p["steps"]

    def once():
        t0 = pc()
        x = X0
        y = x
        tape = []
        keep = tape.append
        for _ in range(n):
            t = tanh(y)
            keep(t)
            y = y * 1.0001 + 0.5 * x - t * 0.01
        t1 = pc()
        gy, gx = 1.0, 0.0
        for t in reversed(tape):
            gx += 0.5 * gy
            gy *= 1.0001 - 0.01 * (1.0 - t * t)
        gx += gy  # y0 is x
        t2 = pc()
        return {"fwd": t1 - t0, "bwd": t2 - t1, "value": gx}
    return once


def _loop(make_leaf, tanh, grad_of):
    """The timed W2 loop, the same code for every side that runs it as Python operators."""
    def run(n):
        x = make_leaf(n)
        t0 = pc()
        y = x
        for _ in range(n):
            y = y * 1.0001 + 0.5 * x - tanh(y) * 0.01
        t1 = pc()
        y.backward()
        t2 = pc()
        return {"fwd": t1 - t0, "bwd": t2 - t1, "value": grad_of(x)}
    run(50)
    return run


def gradcli_engine(p):
    """gradcli's engine called from Python, as a library user would."""
    import gradcli
    run = _loop(lambda n: gradcli.tensor(X0, requires_grad=True), gradcli.tanh,
                lambda x: float(x.grad.item()))
    return lambda: run(p["steps"])


GX = """import torch
x = torch.tensor(0.5, requires_grad=True)
y = x
print("start")
for i in range(STEPS):
    y = y * 1.0001 + 0.5 * x - torch.tanh(y) * 0.01
print("forward")
y.backward()
"""


def gx_session(marks, variables=None, **limits):
    """A gradcli Session with generous limits (the benchmark, not the limits, is measured;
    ``limits`` raise more of them) and ``variables`` as its variables; each print event's text
    is stamped with the clock as it arrives."""
    from gradcli.session import Session, Options
    opts = Options(variables=variables or {})
    try:
        import dataclasses
        from gradcli.session import Limits
        big = dict(timeout=3600, max_steps=10**9, max_graph=10**9, max_depth=10**6, **limits)
        names = (set(Limits.field_names()) if hasattr(Limits, "field_names")   # a Record now
                 else {f.name for f in dataclasses.fields(Limits)})
        opts = Options(limits=Limits(**{k: v for k, v in big.items() if k in names}),
                       variables=variables or {})
    except Exception:
        pass
    return Session(opts, on_print=lambda event: marks.__setitem__(event.text, pc()))


def gx_run(source, filename):
    """Run a script whose prints mark phases; returns ({mark: clock}, end clock, session)."""
    marks = {}
    s = gx_session(marks)
    s.run(source, filename)
    return marks, pc(), s


def gradcli_gx(p):
    """The same loop as a .gx script through gradcli.session.Session.run, parse cached by the
    warm-up. The script prints "start" before the loop and "forward" after it: forward is the time
    between the two print events, backward from "forward" to the end of the run."""
    src = GX.replace("STEPS", str(p["steps"]))
    gx_run(GX.replace("STEPS", "50"), "w2.gx")
    gx_run(src, "w2.gx")

    def once():
        m, end, s = gx_run(src, "w2.gx")
        return {"fwd": m["forward"] - m["start"], "bwd": end - m["forward"],
                "value": float(s.variables["x"].grad.item())}
    return once


def torch_side(p):
    """PyTorch eager, 0-d float64 tensors."""
    import torch
    run = _loop(lambda n: torch.tensor(X0, dtype=torch.float64, requires_grad=True), torch.tanh,
                lambda x: float(x.grad.item()))
    return lambda: run(p["steps"])


def hips_side(p):
    """HIPS autograd: make_vjp traces the forward, calling the vjp is the backward."""
    import autograd.numpy as anp
    from autograd import make_vjp
    tanh = anp.tanh

    def run(n):
        def f(x):
            y = x
            for _ in range(n):
                y = y * 1.0001 + 0.5 * x - tanh(y) * 0.01
            return y
        t0 = pc()
        vjp, _ = make_vjp(f)(X0)
        t1 = pc()
        g = vjp(1.0)
        t2 = pc()
        return {"fwd": t1 - t0, "bwd": t2 - t1, "value": float(g)}
    run(50)
    return lambda: run(p["steps"])


def micrograd_tanh(Value):
    """micrograd 0.1.0 has no tanh: added the way micrograd writes its own ops (one node,
    its local derivative in a closure), so it costs what a native micrograd op costs."""
    from math import tanh as mtanh

    def tanh(v):
        t = mtanh(v.data)
        out = Value(t, (v,), "tanh")

        def _backward():
            v.grad += (1 - t * t) * out.grad
        out._backward = _backward
        return out
    return tanh


def micrograd_side(p, raise_limit=True):
    """micrograd as published (recursive topological sort). Its `a - b` is `a + b * -1`, so a step
    records 8 nodes for our 6 ops; per-op figures still divide by 6. The recursion limit is raised
    to fit the graph (sys.setrecursionlimit), or left at Python's default with raise_limit=False."""
    import sys
    from micrograd.engine import Value

    def make_leaf(n):
        if raise_limit:
            sys.setrecursionlimit(max(sys.getrecursionlimit(), 12 * n + 10_000))
        return Value(X0)
    run = _loop(make_leaf, micrograd_tanh(Value), lambda x: float(x.grad))
    return lambda: run(p["steps"])


SIDES = {
    "floor": floor,
    "gradcli": gradcli_engine,
    "gradcli-gx": gradcli_gx,
    "torch": torch_side,
    "hips": hips_side,
    "micrograd": micrograd_side,
}
