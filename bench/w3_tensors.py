"""W3 big tensors, float64, forward + backward to every input.

    ew: sum(exp(sin(x) * y + x * x))     x, y of n elements (uniform [0, 1), seed 0)
    mm: mean(tanh(A @ B) @ C)            A, B, C of n x n (standard normal / sqrt(n), seed 0)

Inputs are made before the memory baseline, so "extra memory" is what the forward + backward
needs, including the gradients it returns (each side keeps them alive to the end).
"value" is a checksum of the gradients so that the runner can check the sides agree.
The top level imports the standard library only.
"""
import w2_scalar

pc = w2_scalar.pc


def inputs(p):
    import numpy as np
    rng = np.random.default_rng(0)
    n = p["n"]
    if p["kernel"] == "ew":
        return rng.random(n), rng.random(n)
    s = 1.0 / np.sqrt(n)
    return tuple(rng.standard_normal((n, n)) * s for _ in range(3))


def tiny(p):
    return dict(p, n=64 if p["kernel"] == "ew" else 8)


def checksum(grads):
    return float(sum(float(g.sum()) for g in grads))


# ---------------------------------------------------------------- the floor: numpy by hand
def floor(p):
    """Hand-written numpy forward + backward, buffers reused in place (no needless temporaries).
    mm does the same six matmuls an autograd engine must do (it does not exploit that the
    gradient of the mean is a constant matrix)."""
    import numpy as np

    def ew(x, y):
        t0 = pc()
        s = np.sin(x)
        c = np.multiply(s, y)
        u = np.multiply(x, x)
        u += c
        e = np.exp(u, out=u)
        out = e.sum()
        t1 = pc()
        gy = np.multiply(e, s, out=s)            # d/dy = e * sin(x)
        gx = np.cos(x, out=c)                    # d/dx = e * (cos(x) * y + 2x)
        gx *= y
        gx += x
        gx += x
        gx *= e
        t2 = pc()
        return t1 - t0, t2 - t1, out, (gx, gy)

    def mm(A, B, C):
        n = A.shape[0]
        t0 = pc()
        T = np.matmul(A, B)
        np.tanh(T, out=T)
        Q = T @ C
        out = Q.mean()
        del Q
        t1 = pc()
        gQ = np.full((n, n), 1.0 / (n * n))
        gC = T.T @ gQ
        gT = gQ @ C.T
        del gQ
        gP = np.multiply(T, T, out=T)            # d tanh = 1 - tanh^2, in T's buffer
        np.subtract(1.0, gP, out=gP)
        gP *= gT
        del gT
        gA = gP @ B.T
        gB = A.T @ gP
        t2 = pc()
        return t1 - t0, t2 - t1, out, (gA, gB, gC)

    return _numpy_like(p, ew, mm)


def _numpy_like(p, ew, mm):
    f = ew if p["kernel"] == "ew" else mm
    f(*inputs(tiny(p)))
    args = inputs(p)
    held = []

    def once():
        held.clear()                             # drop the previous sample's gradients first
        tf, tb, _, grads = f(*args)
        held.append(grads)
        return {"fwd": tf, "bwd": tb, "value": checksum(grads)}
    return once


# ---------------------------------------------------------------- gradcli
def gradcli_engine(p):
    import gradcli as g
    tensor = g.tensor

    def build(p):
        leaves = [tensor(a, requires_grad=True) for a in inputs(p)]
        if p["kernel"] == "ew":
            sin, exp, sum_ = g.sin, g.exp, g.sum

            def f(x, y):
                return sum_(exp(sin(x) * y + x * x))
        else:
            tanh, mean = g.tanh, g.mean

            def f(A, B, C):
                return mean(tanh(A @ B) @ C)
        return leaves, f

    return _engine_like(p, build, lambda v: v.grad.numpy() if hasattr(v.grad, "numpy") else v.grad.data)


def _engine_like(p, build, grad_array):
    leaves, f = build(tiny(p))
    f(*leaves).backward()
    leaves, f = build(p)

    def once():
        for v in leaves:
            v.grad = None
        t0 = pc()
        out = f(*leaves)
        t1 = pc()
        out.backward()
        t2 = pc()
        return {"fwd": t1 - t0, "bwd": t2 - t1, "value": checksum([grad_array(v) for v in leaves])}
    return once


GX = {"ew": ("x", "y"), "mm": ("A", "B", "C")}
GX_SRC = {"ew": 'print("start")\nout = sum(exp(sin(x) * y + x * x))\nprint("forward")\nout.backward()\n',
          "mm": 'print("start")\nout = mean(tanh(A @ B) @ C)\nprint("forward")\nout.backward()\n'}


def gradcli_gx(p):
    """The same expression as a .gx script run by one gradcli Session (Session.run). The inputs
    are the session's variables (given once, as `gradcli run --vars` does), made leaves by
    `requires_grad_()`. Each sample runs the script; its print events split forward (between
    "start" and "forward") from backward (from "forward" to the end of the run), as in W2."""
    def build(p):
        marks = {}
        names = GX[p["kernel"]]
        s = w2_scalar.gx_session(marks, dict(zip(names, inputs(p))), max_elements=10**9,
                                 max_memory=2**40, max_flops=1e18)
        s.run("".join(f"{v}.requires_grad_()\n" for v in names), "w3.gx")
        return s, names, marks

    def sample(s, names, marks):
        for v in names:
            s.variables[v].grad = None
        s.run(GX_SRC[p["kernel"]], "w3.gx")
        end = pc()
        return {"fwd": marks["forward"] - marks["start"], "bwd": end - marks["forward"],
                "value": checksum([s.variables[v].grad.data.numpy() for v in names])}

    sample(*build(tiny(p)))
    built = build(p)
    return lambda: sample(*built)


# ---------------------------------------------------------------- peers
def torch_side(p):
    """PyTorch eager on tensors sharing the numpy inputs' memory (torch.from_numpy)."""
    import torch

    def build(p):
        leaves = [torch.from_numpy(a).requires_grad_() for a in inputs(p)]
        if p["kernel"] == "ew":
            def f(x, y):
                return torch.sum(torch.exp(torch.sin(x) * y + x * x))
        else:
            def f(A, B, C):
                return torch.mean(torch.tanh(A @ B) @ C)
        return leaves, f

    return _engine_like(p, build, lambda v: v.grad.numpy())


def hips_side(p):
    """HIPS autograd: make_vjp over every argument traces the forward; the vjp is the backward."""
    import autograd.numpy as anp
    from autograd import make_vjp

    if p["kernel"] == "ew":
        def fun(x, y):
            return anp.sum(anp.exp(anp.sin(x) * y + x * x))
    else:
        def fun(A, B, C):
            return anp.mean(anp.tanh(anp.dot(A, B)) @ C)

    def f(*args):
        t0 = pc()
        vjp, out = make_vjp(fun, argnum=tuple(range(len(args))))(*args)
        t1 = pc()
        grads = vjp(1.0)
        t2 = pc()
        return t1 - t0, t2 - t1, out, grads

    return _numpy_like(p, f, f)


SIDES = {
    "floor": floor,
    "gradcli": gradcli_engine,
    "gradcli-gx": gradcli_gx,
    "torch": torch_side,
    "hips": hips_side,
}
