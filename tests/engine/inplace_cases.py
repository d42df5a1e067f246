"""In-place scenarios run the same way on gradcli's engine and on PyTorch.

Each case is a script over a few names (``tensor`` makes float64 tensors, ``zeros``,
``no_grad``, ``ints`` (int64 tensors), ``name(t)`` the name of ``t.grad_fn`` or None, ``L(t)`` a tensor as a
list); it sets ``r`` to what it observed. Running it gives either ``["ok", r]`` or
``["error", message]``. ``inplace_torch213.json`` holds what PyTorch 2.13.0 gave for
every case (written by ``python -m tests.engine.inplace_cases`` with torch installed,
from the oracle venv), so the tests compare with PyTorch with or without torch.
"""
from __future__ import annotations

import json
from pathlib import Path

TABLE = Path(__file__).with_name("inplace_torch213.json")

CASES = {
    # history rebased onto the in-place op's node, with PyTorch's names and versions
    "add_ scalar": "x = tensor([1., 2.], requires_grad=True); y = x * 1; y.add_(3)\n"
                   "y.sum().backward(); r = [name(y), y._version, L(x.grad), L(y)]",
    "add_ tensor alpha": "x = tensor([1., 2.], requires_grad=True); b = tensor([3., 4.], requires_grad=True)\n"
                         "y = x * 1; y.add_(b, alpha=2); (y * y).sum().backward()\n"
                         "r = [name(y), L(x.grad), L(b.grad)]",
    "sub_": "x = tensor([1., 2.], requires_grad=True); y = x * 2; y.sub_(x)\n"
            "(y * y).sum().backward(); r = [name(y), L(x.grad)]",
    "mul_ tensor then add_": "x = tensor([1., 2.], requires_grad=True); b = tensor([3., 4.], requires_grad=True)\n"
                             "y = x * 1; y.mul_(b); y.add_(1); (y * y).sum().backward()\n"
                             "r = [name(y), y._version, L(x.grad), L(b.grad)]",
    "div_ self": "x = tensor([1., 2.], requires_grad=True); y = x * 1; y.div_(x); y.add_(1)\n"
                 "y.sum().backward(); r = [name(y), L(x.grad)]",
    "pow_": "x = tensor([1., 2.], requires_grad=True); y = x * 1; y.pow_(3)\n"
            "y.sum().backward(); r = [name(y), L(x.grad)]",
    "zero_": "x = tensor([1., 2.], requires_grad=True); y = x * 3; y.zero_(); (y + x * x).sum().backward()\n"
             "r = [name(y), L(x.grad), L(y)]",
    "fill_ number": "x = tensor([1., 2.], requires_grad=True); y = x * 3; y.fill_(2.5); (y * x).sum().backward()\n"
                    "r = [name(y), L(x.grad)]",
    "fill_ tensor": "x = tensor([1., 2.], requires_grad=True); v = tensor(2., requires_grad=True)\n"
                    "y = x * 3; y.fill_(v); (y * y).sum().backward(); r = [name(y), L(x.grad), L(v.grad)]",
    "copy_": "x = tensor([1., 2.], requires_grad=True); y = x * 1; y.copy_(x * x * 3)\n"
             "y.sum().backward(); r = [name(y), L(x.grad)]",
    "copy_ broadcast": "x = tensor([[1., 2.], [3., 4.]], requires_grad=True); s = tensor([5., 6.], requires_grad=True)\n"
                       "y = x * 1; y.copy_(s); (y * y).sum().backward(); r = [name(y), L(x.grad), L(s.grad)]",
    "clamp_": "x = tensor([-1., 0.5, 2.], requires_grad=True); y = x * 1; y.clamp_(0, 1); y.add_(1)\n"
              "y.sum().backward(); r = [name(y), L(x.grad)]",
    "neg_": "x = tensor([1., -2.], requires_grad=True); y = x * 1; y.neg_(); (y * y * y).sum().backward()\n"
            "r = [name(y), L(x.grad)]",
    "abs_ then add_": "x = tensor([-1., 2.], requires_grad=True); y = x * 1; y.abs_(); y.add_(1)\n"
                      "y.sum().backward(); r = [name(y), L(x.grad)]",
    "log_": "x = tensor([1., 2.], requires_grad=True); y = x * 1; y.log_(); y.mul_(2)\n"
            "y.sum().backward(); r = [name(y), L(x.grad)]",
    "sin_ cos_": "x = tensor([1., 2.], requires_grad=True); y = x * 1; y.sin_(); y.cos_()\n"
                 "y.sum().backward(); r = [name(y), L(x.grad)]",
    "exp_": "x = tensor([1., 2.], requires_grad=True); y = x * 1; y.exp_()\n"
            "y.sum().backward(); r = [name(y), y._version, L(x.grad)]",
    "tanh_ sigmoid_": "x = tensor([0.5, -1.], requires_grad=True); y = x * 1; y.tanh_(); y.sigmoid_()\n"
                      "y.sum().backward(); r = [name(y), L(x.grad)]",
    "augmented": "x = tensor([1., 2.], requires_grad=True); y = x * 1\n"
                 "y += 1; y *= x; y -= 0.5; y /= 2; y **= 2\n"
                 "y.sum().backward(); r = [name(y), y._version, L(x.grad)]",
    "augmented keeps the object": "a = tensor([1., 2.]); b = a; b += 1; b *= 3; r = [L(a), a is b, a._version]",
    "result tensor not requiring grad": "x = tensor([1., 2.], requires_grad=True); y = zeros(2); y.add_(x * x)\n"
                                        "y.sum().backward(); r = [name(y), L(x.grad)]",
    # index assignment: CopySlices on a basic index, IndexPutBackward0 on a mask
    "setitem number": "x = tensor([1., 2., 3.], requires_grad=True); y = x * 1; y[0] = 5\n"
                      "(y * y).sum().backward(); r = [name(y), y._version, L(x.grad), L(y)]",
    "setitem slice imul": "x = tensor([1., 2., 3.], requires_grad=True); y = x * 1; y[1:] *= 2\n"
                          "(y * y).sum().backward(); r = [name(y), y._version, L(x.grad)]",
    "setitem tensor into zeros": "x = tensor([1., 2., 3.], requires_grad=True); y = zeros(3); y[1:] = x[:2] * x[:2]\n"
                                 "(y * tensor([1., 2., 3.])).sum().backward(); r = [name(y), L(x.grad)]",
    "setitem mask": "x = tensor([1., 2., 3.], requires_grad=True); y = x * 1; y[y > 1.5] = 0\n"
                    "(y * y).sum().backward(); r = [name(y), L(x.grad)]",
    "setitem mask tensor value": "x = tensor([1., 2., 3.], requires_grad=True); v = tensor([7., 8.], requires_grad=True)\n"
                                 "y = x * 1; y[x > 1.5] = v; (y * y).sum().backward(); r = [name(y), L(x.grad), L(v.grad)]",
    "setitem 2-d row": "x = tensor([[1., 2.], [3., 4.]], requires_grad=True); y = x * 1; y[1] = tensor([9., 9.])\n"
                       "(y * y).sum().backward(); r = [name(y), L(x.grad)]",
    "setitem element iadd": "x = tensor([[1., 2.], [3., 4.]], requires_grad=True); y = x * 2; y[0, 1] += x[1, 1]\n"
                            "(y * y).sum().backward(); r = [name(y), y._version, L(x.grad)]",
    # views share the counter; writing one rebases the base (CopySlices) and the views
    "view mul_": "x = tensor([1., 2., 3.], requires_grad=True); y = x * 1; v = y[1:]; v.mul_(2)\n"
                 "(y * y).sum().backward(); r = [name(y), name(v), v._version, y._version, L(x.grad)]",
    "view of view": "x = tensor([1., 2., 3., 4.], requires_grad=True); y = x * 1; v = y.view(2, 2); w = v[0]\n"
                    "w.mul_(3); (y * y).sum().backward(); r = [name(y), name(v), name(w), L(x.grad)]",
    "sibling views": "x = tensor([1., 2., 3., 4.], requires_grad=True); y = x * 1; v = y[0:2]; w = y[1:3]\n"
                     "y.mul_(2); v.mul_(3); (w * w).sum().backward(); r = [name(y), name(v), name(w), L(x.grad)]",
    "transpose view": "x = tensor([[1., 2.], [3., 4.]], requires_grad=True); y = x * 1; t = y.t(); t[0] = 0\n"
                      "(y * y).sum().backward(); r = [name(y), L(y), L(x.grad)]",
    "versions shared": "x = tensor([1., 2., 3.], requires_grad=True); d = x.data; dd = x.detach(); v = x[0:2]\n"
                       "s = x[1]; w = x.view(3, 1); t = x.reshape(3); e = x.expand(2, 3); u = x.unsqueeze(0)\n"
                       "q = x.unsqueeze(0).squeeze(0); p = x.view(3, 1).transpose(0, 1)\n"
                       "with no_grad():\n    x.add_(1)\n    s.add_(1)\n"
                       "r = [t._version for t in (x, d, dd, v, s, w, t, e, u, q, p)] + [L(x)]",
    "element view": "y = tensor([1., 2., 3.]); s = y[1]; s.mul_(10); r = [L(y), s._version, y._version]",
    # .data and detach()
    "data writes invisible": "x = tensor([1., 2., 3.], requires_grad=True); y = x * x; x.data[0] = 5; x.data.mul_(2)\n"
                             "y.sum().backward(); r = [L(x.grad), x._version]",
    "data assign": "x = tensor([1., 2.], requires_grad=True); y = x * x; x.data = tensor([3., 4.])\n"
                   "y.sum().backward(); r = [L(x.grad), x._version, L(x)]",
    "data of output": "x = tensor([1., 2., 3.], requires_grad=True); y = x.sigmoid(); y.data.zero_()\n"
                      "y.sum().backward(); r = L(x.grad)",
    "detach shares version": "x = tensor([1., 2., 3.], requires_grad=True); y = x.sigmoid(); z = y.detach(); z.zero_()\n"
                             "y.sum().backward()",
    # leaves
    "leaf in place": "x = tensor([1., 2.], requires_grad=True); x.add_(1)",
    "leaf setitem": "x = tensor([1., 2.], requires_grad=True); x[0] = 5",
    "leaf view in place": "x = tensor([1., 2.], requires_grad=True); v = x[0:1]; v.mul_(2)",
    "leaf under no_grad": "x = tensor([1., 2.], requires_grad=True)\nwith no_grad():\n    x.add_(1); x -= 0.5; x[0] = 7\n"
                          "r = [L(x), x._version, name(x), x.requires_grad, x.is_leaf]",
    "sgd step keeps grad": "w = tensor([1., 2.], requires_grad=True); (w * w).sum().backward()\n"
                           "with no_grad():\n    w -= 0.1 * w.grad\nw.grad.zero_(); (w * w).sum().backward()\n"
                           "r = [L(w), L(w.grad), w.is_leaf]",
    # saved values modified: PyTorch's message and versions
    "hostile N12": "x = tensor([1., 2.], requires_grad=True); y = x * 2; z = y * y; y.add_(1); z.sum().backward()",
    "saved output exp": "x = tensor([1., 2.], requires_grad=True); y = x.exp(); y.add_(1); y.sum().backward()",
    "saved output exp_": "x = tensor([1., 2.], requires_grad=True); y = x * 1; y.exp_(); y.add_(1); y.sum().backward()",
    "saved output relu_": "x = tensor([1., 2.], requires_grad=True); y = x * 1; y.relu_(); y.add_(1); y.sum().backward()",
    "saved output sqrt_": "x = tensor([1., 2.], requires_grad=True); y = x * 1; y.sqrt_(); y.mul_(2); y.sum().backward()",
    "saved leaf": "x = tensor([1., 2.], requires_grad=True); y = x * x\nwith no_grad():\n    x.add_(1)\ny.sum().backward()",
    "saved constant": "x = tensor([1., 2.], requires_grad=True); b = tensor([[1., 2.], [3., 4.]]); y = x * b\n"
                      "b.add_(1); y.sum().backward()",
    "saved 0-d": "x = tensor(2., requires_grad=True); y = x * 1; z = y * y; y.sub_(1); z.backward()",
    "saved via view": "x = tensor([1., 2., 3.], requires_grad=True); y = x * 1; z = y * y; v = y[0:2]; v.add_(1)\n"
                      "z.sum().backward()",
    "saved view, base written": "x = tensor([1., 2., 3.], requires_grad=True); y = x * 1; v = y[0:2]; z = v * v\n"
                                "y.add_(1); z.sum().backward()",
    "mul_ self": "x = tensor([1., 2., 3.], requires_grad=True); y = x * 1; y.mul_(y); y.sum().backward()",
    "saved twice twice written": "x = tensor([1., 2.], requires_grad=True); y = x * 1; z = y.sin(); y.mul_(2); y.mul_(2)\n"
                                 "z.sum().backward()",
    # dtypes and shapes of the written tensor
    "int += float": "x = ints([1, 2]); x += tensor([1.5, 2.5])",
    "int += int": "x = ints([1, 2]); x += ints([3, 4]); x *= 2; r = L(x)",
    "float32 += float64": "x = tensor([1., 2.]).float(); x += tensor([0.25, 0.5])\n"
                          "r = [L(x), str(x.dtype).replace('torch.', '')]",
    "broadcast into smaller": "x = tensor([1., 2., 3.]); x += zeros(2, 3)",
    "copy_ of another shape": "x = zeros(2, 3); x.copy_(zeros(2, 2))",
    "expanded write": "x = tensor([1., 2.]); e = x.expand(3, 2); e.add_(1)",
}


def run(source: str, ns: dict):
    env = dict(ns)
    try:
        exec(source, env)
    except Exception as e:   # noqa: BLE001 - the message is the observation
        return ["error", str(e)]
    return ["ok", env.get("r")]


def torch_namespace(torch):
    def tensor(data, requires_grad=False):
        return torch.tensor(data, dtype=torch.float64, requires_grad=requires_grad)

    def zeros(*shape):
        return torch.zeros(*shape, dtype=torch.float64)

    def name(t):
        return None if t.grad_fn is None else type(t.grad_fn).__name__

    def L(t):
        return t.tolist()
    return {"tensor": tensor, "zeros": zeros, "no_grad": torch.no_grad, "name": name, "L": L,
            "ints": torch.tensor}


def engine_namespace():
    import gradcli.engine as E

    def tensor(data, requires_grad=False):
        return E.tensor(data, dtype="float64", requires_grad=requires_grad)

    def zeros(*shape):
        return E.zeros(*shape)

    def name(t):
        return None if t.grad_fn is None else t.grad_fn.name

    def L(t):
        return t.tolist()
    return {"tensor": tensor, "zeros": zeros, "no_grad": E.no_grad, "name": name, "L": L,
            "ints": E.tensor}


if __name__ == "__main__":      # regenerate the table (needs torch)
    import torch
    ns = torch_namespace(torch)
    table = {"torch": torch.__version__, "cases": {k: run(src, ns) for k, src in CASES.items()}}
    TABLE.write_text(json.dumps(table, indent=1) + "\n")
    print(f"wrote {TABLE} ({len(CASES)} cases, torch {torch.__version__})")
