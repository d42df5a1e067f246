"""The backward walk, ``Variable.backward`` and ``grad``.

Iterative throughout (a chain of a million nodes is normal in a define-by-run
loop): one depth-first pass counts how many edges enter each node, then nodes run
when all their consumers have delivered (Kahn's order), so a reused intermediate
receives the sum of its gradients before it runs, exactly once.

Saved values of a node are released right after it runs unless
``retain_graph=True``; running it again then raises PyTorch's error.
"""
from __future__ import annotations

import numpy as np

from ._op import finite
from .context import STATE
from .errors import AutogradError
from .node import FREED, AccumulateGrad
from .variable import Variable, _wrap, to_array

SECOND_BACKWARD = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward.")


def _seeds(outputs, grad_outputs):
    roots, seeds = [], []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if type(out) is not Variable:
            raise AutogradError(f"output {i} is not a tensor")
        if out._node is None:
            raise AutogradError(
                f"element {i} of tensors does not require grad and does not have a grad_fn")
        od = out._data
        if g is None:
            if np.size(od) != 1:
                raise AutogradError("grad can be implicitly created only for scalar outputs")
            g = _wrap(np.ones_like(od)[()])
        else:
            if type(g) is not Variable:
                g = _wrap(to_array(g))
            if g._data.shape != od.shape:
                raise AutogradError(
                    f"Mismatch in shape: grad_output[{i}] has a shape of {g._data.shape} and "
                    f"output[{i}] has a shape of {od.shape}.")
            if g._data.dtype != od.dtype:
                g = _wrap(np.asarray(g._data).astype(od.dtype)[()])
        roots.append(out._node)
        seeds.append(g)
    return roots, seeds


def _needed(roots, targets):
    """Nodes from which some target is reachable (post-order, iterative)."""
    needed = {}
    stack = [(r, False) for r in roots]
    while stack:
        n, done = stack.pop()
        if done:
            needed[n] = n in targets or any(needed.get(c, False) for c in n.next if c is not None)
            continue
        if n in needed:
            continue
        needed[n] = False
        stack.append((n, True))
        for c in n.next:
            if c is not None and c not in needed:
                stack.append((c, False))
    return needed


def _own(g):
    """A gradient that no other tensor shares (so ``x.grad.zero_()`` is safe)."""
    d = g._data
    if type(d) is np.ndarray:
        return _wrap(d.copy()) if g._node is None else g
    return g


def run_backward(outputs, grad_outputs, retain_graph, create_graph, targets=None):
    """Propagates gradients from ``outputs``. Without ``targets`` they are added into
    the leaves' ``.grad``; with ``targets`` (a set of nodes) the total gradient
    reaching each target is returned in a dict and no ``.grad`` is touched."""
    roots, seeds = _seeds(outputs, grad_outputs)
    st = STATE.get()
    anomaly = st.anomaly

    deps = {}
    visited = set(roots)
    stack = list(visited)
    while stack:
        n = stack.pop()
        for c in n.next:
            if c is None:
                continue
            d = deps.get(c)
            deps[c] = 1 if d is None else d + 1
            if c not in visited:
                visited.add(c)
                stack.append(c)
    del visited

    needed = _needed(roots, targets) if targets is not None else None
    captured = {} if targets is not None else None

    buf = {}
    for r, g in zip(roots, seeds):
        prev = buf.get(r)
        buf[r] = g if prev is None else prev + g
    ready = [r for r in dict.fromkeys(roots) if r not in deps]

    token = STATE.set(st.replace(grad=bool(create_graph)))
    try:
        while ready:
            n = ready.pop()
            g = buf.pop(n, None)
            if targets is not None and n in targets and g is not None:
                captured[n] = g
            if type(n) is AccumulateGrad:
                if g is not None and targets is None:
                    leaf = n.variable_ref()
                    if leaf is not None:
                        _accumulate(leaf, g)
                continue
            if n.retain is not None and g is not None and targets is None:
                var = n.retain()
                if var is not None:
                    _accumulate(var, g)
            grads = None
            if g is not None and (needed is None or needed.get(n, False)):
                saved = n.saved
                if saved is FREED:
                    raise AutogradError(SECOND_BACKWARD)
                if n.vers is not None:
                    _check_versions(n)
                grads = n.apply(g)
                if not retain_graph and type(n).frees:
                    n.saved = FREED
            for i, c in enumerate(n.next):
                if c is None:
                    continue
                if grads is not None:
                    cg = grads[i]
                    if cg is not None:
                        if cg._data.shape != c.shape:
                            raise AutogradError(
                                f"Function {n.name} returned an invalid gradient at index {i} - "
                                f"got {cg._data.shape} but expected shape {c.shape}")
                        if anomaly is not None and not finite(cg._data):
                            anomaly("backward", n.name, n.tag)
                        prev = buf.get(c)
                        buf[c] = cg if prev is None else prev + cg
                d = deps[c] - 1
                deps[c] = d
                if d == 0:
                    ready.append(c)
    finally:
        STATE.reset(token)
    return captured


def _check_versions(n):
    for v, ver in zip(n.saved, n.vers):
        if v is not None and type(v) is Variable and v._version != ver:
            raise AutogradError(
                "one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: a saved value of {n.name} was modified in place "
                f"(version {v._version} != {ver})")


def _accumulate(var, g):
    if g._data.dtype != var._data.dtype and var._data.dtype.kind == "f":
        g = _wrap(np.asarray(g._data).astype(var._data.dtype)[()]) if g._node is None else g
    old = var._grad
    var._grad = _own(g) if old is None else old + g


def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
    """Computes the gradient of this tensor w.r.t. the graph leaves and adds it into
    their ``.grad`` (PyTorch's ``Tensor.backward``)."""
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is not None:
        ins = _as_list(inputs)
        grads = grad([self], ins, [gradient], retain_graph=retain_graph,
                     create_graph=create_graph, allow_unused=True)
        for v, g in zip(ins, grads):
            if g is not None:
                _accumulate(v, g)
        return None
    run_backward([self], [gradient], retain_graph, create_graph)
    return None


def _as_list(x):
    if type(x) is Variable:
        return [x]
    if isinstance(x, (list, tuple)):
        return list(x)
    raise AutogradError(f"expected a tensor or a sequence of tensors, got {type(x).__name__}")


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False, materialize_grads=False):
    """Gradients of ``outputs`` w.r.t. ``inputs`` as a tuple, without touching ``.grad``;
    with ``create_graph=True`` they are differentiable again (PyTorch's autograd.grad)."""
    outs = _as_list(outputs)
    ins = _as_list(inputs)
    if grad_outputs is None:
        gouts = [None] * len(outs)
    else:
        gouts = _as_list(grad_outputs) if not isinstance(grad_outputs, (int, float)) \
            else [grad_outputs]
        if len(gouts) != len(outs):
            raise AutogradError(f"grad requires one grad_output per output: got {len(gouts)} "
                                f"for {len(outs)} outputs")
    if retain_graph is None:
        retain_graph = create_graph
    targets = {}
    for v in ins:
        if type(v) is not Variable:
            raise AutogradError(f"inputs to grad must be tensors, got {type(v).__name__}")
        if v._node is None:
            raise AutogradError("One of the differentiated Tensors does not require grad")
        targets.setdefault(v._node, None)
    captured = run_backward(outs, gouts, retain_graph, create_graph, targets)
    result = []
    for v in ins:
        g = captured.get(v._node)
        if g is None:
            if materialize_grads:
                g = _wrap(np.zeros_like(v._data)[()])
            elif not allow_unused:
                raise AutogradError(
                    "One of the differentiated Tensors appears to not have been used in the "
                    "graph. Set allow_unused=True if this is the desired behavior.")
        elif not create_graph and g._node is not None:
            g = _wrap(g._data)
        result.append(g)
    return tuple(result)
