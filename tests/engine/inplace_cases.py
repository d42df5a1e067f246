"""In-place scenarios run the same way on gradcli's engine and on PyTorch.

Each case is a script over a few names (``tensor`` makes float64 tensors, ``zeros``,
``no_grad``, ``ints`` (int64 tensors), ``name(t)`` the name of ``t.grad_fn`` or None, ``L(t)`` a tensor as a
list); ``nf(t)`` its name and its next_functions' names; it sets ``r`` to what it observed. Running it gives either ``["ok", r]`` or
``["error", message]``. ``inplace_torch213.json`` holds what PyTorch 2.13.0 gave for
every case (written by ``python -m tests.engine.inplace_cases`` with torch installed,
from the oracle venv), so the tests compare with PyTorch with or without torch.
"""
from __future__ import annotations

import json
from pathlib import Path

TABLE = Path(__file__).with_name("inplace_torch213.json")

# the start and end of the table cases of the in-place methods (a non-leaf y of x; b, c leaves)
B = ("x = tensor([1., 2.], requires_grad=True); b = tensor([3., 4.], requires_grad=True)\n"
     "c = tensor([5., 0.5], requires_grad=True); y = x * 1\n")
G = "(y * y).sum().backward(); r = [nf(y), L(y), y._version, L(x.grad)"

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
    # every in-place method PyTorch has for our ops (LANGUAGE.md): value, node, edges, grads
    "square_": B + "y.square_(); " + G + "]",
    "atan2_": B + "y.atan2_(b); " + G + ", L(b.grad)]",
    "arctan2_": B + "y.arctan2_(b); " + G + ", L(b.grad)]",
    "hypot_": B + "y.hypot_(b); " + G + ", L(b.grad)]",
    "xlogy_ tensor": B + "y.xlogy_(b); " + G + ", L(b.grad)]",
    "xlogy_ number": B + "y.xlogy_(3.); " + G + "]",
    "lerp_ number": B + "y.lerp_(b, 0.25); " + G + ", L(b.grad)]",
    "lerp_ tensor": B + "y.lerp_(b, c); " + G + ", L(b.grad), L(c.grad)]",
    "addcmul_": B + "y.addcmul_(b, c, value=2); " + G + ", L(b.grad), L(c.grad)]",
    "addcdiv_": B + "y.addcdiv_(b, c, value=0.5); " + G + ", L(b.grad), L(c.grad)]",
    "clamp_min_ number": B + "y.clamp_min_(1.5); " + G + "]",
    "clamp_max_ number": B + "y.clamp_max_(1.5); " + G + "]",
    "clamp_min_ tensor": B + "y.clamp_min_(c); " + G + ", L(c.grad)]",
    "clamp_max_ tensor": B + "y.clamp_max_(c); " + G + ", L(c.grad)]",
    "cumsum_": B + "y.cumsum_(0); " + G + "]",
    "floor_ ceil_ round_ trunc_ frac_": B + "y.mul_(1.3); y.floor_(); z = x * 1.3; z.ceil_(); w = x * 1.7; w.frac_()\n"
                                        "(y + z + w).sum().backward(); r = [nf(y), nf(z), nf(w), L(y), L(z), L(w), L(x.grad)]",
    "sqrt_ rsqrt_ reciprocal_": B + "y.sqrt_(); y.reciprocal_(); y.rsqrt_(); " + G + "]",
    "relu_ sigmoid_ tanh_ log_ abs_ neg_": B + "y.neg_(); y.abs_(); y.log_(); y.relu_(); y.sigmoid_(); y.tanh_(); " + G + "]",
    "lt_ number": B + "y.lt_(1.5); y.sum().backward(); r = [nf(y), L(y), L(x.grad), y.requires_grad]",
    "ge_ tensor": B + "y.ge_(tensor([1., 3.])); y.sum().backward(); r = [nf(y), L(y), L(x.grad)]",
    "eq_ ne_ le_ gt_": "y = tensor([1., 2., 3.]); z = y * 1; w = y * 1; v = y * 1\n"
                       "y.eq_(2); z.ne_(2); w.le_(2); v.gt_(2); r = [L(y), L(z), L(w), L(v), y._version]",
    "bitwise_ in place": "a = ints([1, 2, 3]); a.bitwise_and_(ints([3, 3, 1])); b = ints([1, 2]); b.bitwise_or_(ints([4, 4]))\n"
                         "c = ints([5, 6]); c.bitwise_xor_(ints([1, 1])); d = ints([True, False]); d.bitwise_not_()\n"
                         "r = [L(a), L(b), L(c), L(d), a._version, d._version]",
    "add alpha out of place": B + "z = add(x, b, alpha=2); w = sub(x, b, alpha=0.5)\n"
                              "(z * w).sum().backward(); r = [nf(z), nf(w), L(z), L(w), L(x.grad), L(b.grad)]",
    "add_ alpha folded": B + "y.add_(b, alpha=-3); y.sub_(c, alpha=0.1); " + G + ", L(b.grad), L(c.grad)]",
    "add alpha number": B + "z = x.add(3, alpha=2); z.sum().backward(); r = [nf(z), L(z), L(x.grad)]",
    "add alpha int": "r = L(ints([1, 2]).add(ints([3, 4]), alpha=2))",
    "add float alpha int": "ints([1, 2]).add(ints([3, 4]), alpha=2.5)",
    "add alpha fma": "a = tensor([0.1, 0.7, 1e16, -0.3, 0.2, 0.9, 1.1]); b = tensor([0.3, 0.1, 3., 0.1, 0.7, 0.3, 0.9])\n"
                     "r = [L(add(a, b, alpha=0.1)), L(sub(a, b, alpha=3.7)), L(add(a[0:2], b[0:2], alpha=3.7))]",
    # metadata in place: t_ transpose_ squeeze_ unsqueeze_
    "t_": "x = tensor([[1., 2.], [3., 4.]], requires_grad=True); y = x * 1; y.t_()\n"
          "(y * tensor([[1., 2.], [3., 4.]])).sum().backward(); r = [nf(y), L(y), y._version, L(x.grad), y.t_() is y]",
    "t_ 1-d": "x = tensor([1., 2.], requires_grad=True); y = x * 1; y.t_(); r = [nf(y), y._version]",
    "t_ 3-d": "x = tensor([[[1., 2.]]], requires_grad=True); y = x * 1; y.t_()",
    "transpose_": "x = tensor([[1., 2., 3.]], requires_grad=True); y = x * 2; y.transpose_(-1, 0)\n"
                  "(y * tensor([[1.], [2.], [3.]])).sum().backward(); r = [nf(y), L(y), y._version, L(x.grad)]",
    "transpose_ same dim": "x = tensor([[1., 2.]], requires_grad=True); y = x * 1; y.transpose_(0, 0); r = [nf(y), y._version]",
    "transpose_ bad dim": "x = tensor([[1., 2.]], requires_grad=True); y = x * 1; y.transpose_(0, 2)",
    "squeeze_": "x = tensor([[1., 2.]], requires_grad=True); y = x * 3; y.squeeze_()\n"
                "(y * tensor([1., 2.])).sum().backward(); r = [nf(y), L(y), L(x.grad)]",
    "squeeze_ dim and dims": "x = tensor([[[1., 2.]]], requires_grad=True); y = x * 1; z = x * 1; y.squeeze_(0); z.squeeze_((0, 1))\n"
                             "(y.sum() + z.sum()).backward(); r = [nf(y), nf(z), L(y), L(z), L(x.grad)]",
    "squeeze_ no-op": "x = tensor([1., 2.], requires_grad=True); y = x * 1; y.squeeze_(); r = [nf(y), y._version]",
    "unsqueeze_": "x = tensor([1., 2.], requires_grad=True); y = x * 2; y.unsqueeze_(-1)\n"
                  "(y * tensor([[1.], [3.]])).sum().backward(); r = [nf(y), L(y), L(x.grad)]",
    "unsqueeze_ bad dim": "x = tensor([1., 2.], requires_grad=True); y = x * 1; y.unsqueeze_(3)",
    "t_ leaf": "x = tensor([[1., 2.], [3., 4.]], requires_grad=True); x.t_()",
    "t_ view of leaf": "x = tensor([[1., 2.], [3., 4.]], requires_grad=True); v = x[0:1]; v.t_()",
    "t_ leaf no_grad": "x = tensor([[1., 2.], [3., 5.]], requires_grad=True)\nwith no_grad():\n    x.t_()\n"
                       "(x * tensor([[1., 2.], [3., 4.]])).sum().backward(); r = [nf(x), x._version, L(x), L(x.grad)]",
    "unsqueeze_ leaf no_grad": "x = tensor([1., 2.], requires_grad=True)\nwith no_grad():\n    x.unsqueeze_(0)\n"
                               "(x * x).sum().backward(); r = [L(x.grad), x.is_leaf]",
    "t_ non-leaf no_grad": "x = tensor([[1., 2.], [3., 4.]], requires_grad=True); y = x * 1\nwith no_grad():\n    y.t_()\n"
                           "(y * tensor([[1., 2.], [3., 4.]])).sum().backward(); r = [nf(y), y._version, L(x.grad)]",
    "t_ of a view": "x = tensor([[1., 2.], [3., 4.]], requires_grad=True); y = x * 1; v = y[0:2]; v.t_()\n"
                    "r = [nf(v), v._version, nf(y), y._version]",
    "old view after root t_": "x = tensor([[1., 2.], [3., 4.]], requires_grad=True); y = x * 1; v = y[0]; y.t_(); v.mul_(10)\n"
                              "(y * tensor([[1., 2.], [3., 4.]])).sum().backward(); r = [L(y), nf(y), nf(v), v._version, L(x.grad)]",
    "root t_ then write a row": "x = tensor([[1., 2.], [3., 4.]], requires_grad=True); y = x * 1; y.t_(); y[0] = 0\n"
                                "(y * tensor([[1., 2.], [3., 4.]])).sum().backward(); r = [L(y), nf(y), L(x.grad)]",
    "view t_ then write": "x = tensor([[1., 2., 3.], [4., 5., 6.]], requires_grad=True); y = x * 1; v = y[:, 1:]; v.t_(); v.mul_(2)\n"
                          "(y * y).sum().backward(); r = [L(y), nf(y), nf(v), L(v), L(x.grad)]",
    "saved then t_": "x = tensor([[1., 2.], [3., 4.]], requires_grad=True); y = x * 1; z = y * y; y.t_(); z.sum().backward()",
    "saved then squeeze_ no_grad write": "x = tensor([[1., 2.]], requires_grad=True); y = x * 1; y.squeeze_(0); q = y * y\n"
                                         "with no_grad():\n    y.add_(1)\nq.sum().backward()",
    "saved clamp then no_grad write": "x = tensor([1., 2.], requires_grad=True); z = x.clamp(min=0.); q = z * z\n"
                                      "with no_grad():\n    z.add_(1)\nq.sum().backward()",
    "detach_": "x = tensor([1., 2.], requires_grad=True); y = x * 1; d = y.detach_(); x.detach_()\n"
               "r = [d is y, y.requires_grad, y._version, nf(y), x.requires_grad, x.is_leaf]",
    "detach_ of a view": "x = tensor([1., 2.], requires_grad=True); y = x * 1; v = y[0:1]; v.detach_()",
    "detach t_": "x = tensor([[1., 2.], [3., 4.]], requires_grad=True); y = x * 1; d = y.detach(); d.t_()\n"
                 "r = [y._version, d._version, L(y), L(d), nf(y)]",
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

    def nf(t):
        return None if t.grad_fn is None else [name(t), [
            None if f is None else type(f).__name__ for f, _ in t.grad_fn.next_functions]]
    return {"tensor": tensor, "zeros": zeros, "no_grad": torch.no_grad, "name": name, "L": L,
            "ints": torch.tensor, "nf": nf, "add": torch.add, "sub": torch.sub}


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

    def nf(t):
        return None if t.grad_fn is None else [name(t), [
            None if f is None else f.name for f, _ in t.grad_fn.next_functions]]
    return {"tensor": tensor, "zeros": zeros, "no_grad": E.no_grad, "name": name, "L": L,
            "ints": E.tensor, "nf": nf, "add": E.add, "sub": E.sub}


if __name__ == "__main__":      # regenerate the table (needs torch)
    import torch
    ns = torch_namespace(torch)
    table = {"torch": torch.__version__, "cases": {k: run(src, ns) for k, src in CASES.items()}}
    TABLE.write_text(json.dumps(table, indent=1) + "\n")
    print(f"wrote {TABLE} ({len(CASES)} cases, torch {torch.__version__})")
