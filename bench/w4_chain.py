"""W4 deep graphs: a chain of n scalar ops `y = y * 1.0000001` starting from y = x = 1.0, then
backward (dy/dx = 1.0000001 ** n). One recorded op per step; float64.
Who survives: a side that raises (micrograd's recursive topological sort) or passes the runner's
time-out is reported as failed, with the reason. The top level imports the standard library only.
"""
import w2_scalar

pc = w2_scalar.pc
C = 1.0000001
X0 = 1.0


def floor(p):
    """Python floats: forward keeps a tape of the multipliers, the reverse pass walks it."""
    n = p["n"]

    def once():
        t0 = pc()
        y = X0
        tape = []
        keep = tape.append
        for _ in range(n):
            keep(C)
            y = y * C
        t1 = pc()
        g = 1.0
        for c in reversed(tape):
            g *= c
        t2 = pc()
        return {"fwd": t1 - t0, "bwd": t2 - t1, "value": g}
    return once


def _chain(make_leaf, grad_of):
    def run(n):
        x = make_leaf()
        t0 = pc()
        y = x
        for _ in range(n):
            y = y * C
        t1 = pc()
        y.backward()
        t2 = pc()
        return {"fwd": t1 - t0, "bwd": t2 - t1, "value": grad_of(x)}
    return run


def gradcli_engine(p):
    import gradcli
    run = _chain(lambda: gradcli.tensor(X0, requires_grad=True), lambda x: float(x.grad.item()))
    run(50)
    return lambda: run(p["n"])


GX = """import torch
x = torch.tensor(1.0, requires_grad=True)
y = x
print("start")
for i in range(STEPS):
    y = y * 1.0000001
print("forward")
y.backward()
"""


def gradcli_gx(p):
    """The chain as a .gx script through Session.run, split by print marks as in W2."""
    w2_scalar.gx_run(GX.replace("STEPS", "50"), "w4.gx")
    src = GX.replace("STEPS", str(p["n"]))

    def once():
        m, end, s = w2_scalar.gx_run(src, "w4.gx")
        return {"fwd": m["forward"] - m["start"], "bwd": end - m["forward"],
                "value": float(s.variables["x"].grad.item())}
    return once


def torch_side(p):
    import torch
    run = _chain(lambda: torch.tensor(X0, dtype=torch.float64, requires_grad=True),
                 lambda x: float(x.grad.item()))
    run(50)
    return lambda: run(p["n"])


def hips_side(p):
    from autograd import make_vjp

    def run(n):
        def f(x):
            y = x
            for _ in range(n):
                y = y * C
            return y
        t0 = pc()
        vjp, _ = make_vjp(f)(X0)
        t1 = pc()
        g = vjp(1.0)
        t2 = pc()
        return {"fwd": t1 - t0, "bwd": t2 - t1, "value": float(g)}
    run(50)
    return lambda: run(p["n"])


def micrograd_side(p, raise_limit=True):
    """micrograd as published; its backward's topological sort is recursive. With raise_limit the
    recursion limit is raised to fit the chain; without it Python's default (1000) stands."""
    import sys
    from micrograd.engine import Value

    def make_leaf():
        if raise_limit:
            sys.setrecursionlimit(max(sys.getrecursionlimit(), 2 * p["n"] + 10_000))
        return Value(X0)
    run = _chain(make_leaf, lambda x: float(x.grad))
    if raise_limit:
        run(50)
    return lambda: run(p["n"])


SIDES = {
    "floor": floor,
    "gradcli": gradcli_engine,
    "gradcli-gx": gradcli_gx,
    "torch": torch_side,
    "hips": hips_side,
    "micrograd": micrograd_side,
    "micrograd-default-limit": lambda p: micrograd_side(p, raise_limit=False),
}
