"""The backward walk, ``Variable.backward`` and ``grad``.

Iterative throughout (a chain of a million nodes is normal in a define-by-run
loop): one depth-first pass counts how many edges enter each node, then nodes run
when all their consumers have delivered (Kahn's order), so a reused intermediate
receives the sum of its gradients before it runs, exactly once.

Saved values of a node are released right after it runs unless
``retain_graph=True``; running it again then raises PyTorch's error.
"""
from __future__ import annotations

import gc
import math

import numpy as np

from ._op import finite
from .buffers import sole
from .context import STATE
from .errors import AutogradError
from .node import FREED, AccumulateGrad
from .variable import Variable, _wrap, to_array
from .versions import check as check_versions

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


def _count_deps(roots):
    """Number of edges entering each node reachable from ``roots`` (iterative DFS)."""
    deps = {}
    get = deps.get
    visited = set(roots)
    stack = list(visited)
    pop, push = stack.pop, stack.append
    while stack:
        for c in pop().next:
            if c is not None:
                d = get(c)
                if d is None:
                    deps[c] = 1
                    if c not in visited:
                        visited.add(c)
                        push(c)
                else:
                    deps[c] = d + 1
    return deps


def run_backward(outputs, grad_outputs, retain_graph, create_graph, targets=None):
    """Propagates gradients from ``outputs``. Without ``targets`` they are added into
    the leaves' ``.grad``; with ``targets`` (a set of nodes) the total gradient
    reaching each target is returned in a dict and no ``.grad`` is touched.

    Without ``create_graph`` the walk carries raw numpy arrays and calls each
    node's ``fast`` rule where it has one (the hot primitives); otherwise, and
    for every other node, it calls ``apply`` on Variables, recording the graph of
    the derivative when ``create_graph`` is set."""
    roots, seeds = _seeds(outputs, grad_outputs)
    st = STATE.get()
    if st.trace is not None:
        retain_graph = True     # explaining: the saved values stay for the explained walk
    if create_graph or st.trace is not None:
        # a fused chain (engine/fuse.py) becomes its unfused graph: recorded, or explained
        from .fused_node import expand_reachable
        expand_reachable(roots)
    gc_was_on = gc.isenabled()
    gc.disable()   # the walk makes no reference cycles; scanning the graph is waste
    try:
        deps = _count_deps(roots)
        needed = _needed(roots, targets) if targets is not None else None
        # ops run by derivative rules are not the script's forward ops: the walk reports
        # non-finite gradients itself, as backward events of the node that made them
        token = STATE.set(st.replace(grad=bool(create_graph), anomaly=None, trace=None))
        try:
            return _walk(roots, seeds, deps, needed, targets, retain_graph,
                         bool(create_graph), st.anomaly, st.trace)
        finally:
            STATE.reset(token)
    finally:
        if gc_was_on:
            gc.enable()


_REPORTED = object()


# One function on purpose: helpers are bound to locals once (pop_ready, buf_get,
# isfinite...), the scalar edge is one type test inline, gradients are summed in place;
# split into helpers, every node and edge would pay Python calls and re-bind the locals.
# This is the hot path of every backward (W2's backward: this loop, ~6 nodes a step).
def _walk(roots, seeds, deps, needed, targets, retain_graph, graph, anomaly, trace=None):
    captured = {} if targets is not None else None
    buf = {}
    for r, g in zip(roots, seeds):
        g = g if graph else g._data
        prev = buf.get(r)
        buf[r] = g if prev is None else prev + g
    ready = [r for r in dict.fromkeys(roots) if r not in deps]
    pop_ready, push_ready = ready.pop, ready.append
    buf_pop, buf_get = buf.pop, buf.get
    accumulate = _accumulate if graph else _accumulate_raw
    f64 = np.float64
    f64dt = np.dtype(f64)
    isfinite = math.isfinite
    reported = _REPORTED
    tainted = saved = None      # nodes sent a non-finite gradient (made on the report path)
    while ready:
        n = pop_ready()
        g = buf_pop(n, None)
        cls = type(n)
        if targets is not None and g is not None and n in targets:
            captured[n] = g
        if trace is not None:
            trace.backward(n, g, None if cls is AccumulateGrad else
                           (needed is None or needed.get(n, False)))
        if cls is AccumulateGrad:
            if g is not None and targets is None:
                leaf = n.variable_ref()
                if leaf is not None:
                    accumulate(leaf, g)
            continue
        if g is None or (needed is not None and not needed.get(n, False)):
            grads = None
        else:
            if n.retain is not None and targets is None:
                var = n.retain()
                if var is not None:
                    accumulate(var, g)
            if n.saved is FREED:
                raise AutogradError(SECOND_BACKWARD)
            if n.vers is not None:
                check_versions(n)
            fast = cls.fast
            if graph:
                grads = n.apply(g)
            elif fast is not None:
                if cls.spend is not None and type(g) is not f64 and \
                        (not retain_graph or cls.fused):
                    if cls.fused:       # it also sees which nodes already wait with a gradient
                        grads = n.walked(g, buf, retain_graph, anomaly is not None)
                    else:
                        # the saved values die here: the rule may write into those nobody
                        # else holds
                        saved = n.saved
                        n.saved = FREED
                        grads = cls.spend(n, g, saved)
                else:
                    grads = fast(n, g)
            else:
                grads = tuple(None if v is None else v._data for v in n.apply(_wrap(g)))
            if trace is not None:
                trace.sent(n, grads)
            if not retain_graph and cls.frees:
                if saved is None:       # (spend took it already)
                    saved = n.saved     # kept to the end of this step, for a NaN report
                n.saved = FREED
        i = -1
        checked = None
        for c in n.next:
            i += 1
            if c is None:
                continue
            if grads is not None:
                cg = grads[i]
                if cg is not None:
                    d = cg._data if graph else cg
                    if type(d) is f64:              # the scalar path: one type test
                        if c.shape:
                            raise _invalid(n, i, d, c)
                        if c.dtype is not f64dt:
                            cg = d = _restore(cg, c, graph)
                        if anomaly is not None and not isfinite(d):
                            tainted = _report(anomaly, n, g, d, saved, tainted, c)
                    else:
                        if d.shape != c.shape:
                            raise _invalid(n, i, d, c)
                        if d.dtype != c.dtype:
                            cg = _restore(cg, c, graph)
                            d = cg._data if graph else cg
                        if anomaly is not None and d is not checked and checked is not reported:
                            # (a fused chain checked its gradients block by block: clean)
                            if not (cls.fused and n.clean) and not finite(d):
                                if cls.fused and n.real is None:
                                    # a fused chain reports each node it stands for, at once
                                    tainted = n.report(anomaly, g, tainted, _report)
                                    d = reported
                                else:
                                    tainted = _report(anomaly, n.real if cls.fused else n, g,
                                                      d, saved, tainted, c)
                            checked = d           # (an add passes one array to both edges)
                    prev = buf_get(c)
                    if prev is None:
                        buf[c] = cg
                    elif not graph and sole(prev, 2) and prev.shape == np.shape(cg) \
                            and prev.dtype == np.result_type(prev, cg):
                        prev += cg          # nobody else holds this buffer: add in place
                    else:
                        buf[c] = prev + cg
            dc = deps[c] - 1
            deps[c] = dc
            if dc == 0:
                push_ready(c)
        grads = cg = d = prev = checked = saved = None   # drop references: buffers can then be recognised as sole
    if captured is not None and not graph:
        captured = {k: _wrap(v) for k, v in captured.items()}
    return captured


def _report(anomaly, n, g, d, saved, tainted, c):
    """The report path of a non-finite gradient ``d`` that node ``n`` sends to node ``c``:
    the anomaly callback gets (phase, op name, tag, nonfinite.Report). ``saved`` is what
    ``n`` saved (the walk frees it after this step; the retained graph's own otherwise);
    ``tainted`` the nodes sent a non-finite gradient so far, returned with ``c`` added:
    a node whose incoming gradient was not finite is no new cause."""
    from .nonfinite import backward_report
    if saved is None or saved is FREED:
        saved = n.saved
    known_bad = tainted is not None and n in tainted
    anomaly("backward", n.name, n.tag, backward_report(n, g, d, saved, known_bad))
    if tainted is None:
        tainted = set()
    tainted.add(c)
    return tainted


def _restore(cg, c, graph):
    """The gradient ``cg`` for node ``c`` in ``c``'s dtype: a promoting op (float32 with
    float64) casts each input's gradient back to that input's dtype, as PyTorch's engine
    does when it checks a node's outputs. Integer inputs get no gradient anyway."""
    if c.dtype.kind != "f":
        return cg
    if graph:
        from .methods import _cast
        return _cast(cg, c.dtype)          # differentiable: a ToCopyBackward0 when recorded
    return np.asarray(cg).astype(c.dtype)[()]


def _invalid(n, i, d, c):
    return AutogradError(f"Function {n.name} returned an invalid gradient at index {i} - "
                         f"got {np.shape(d)} but expected shape {c.shape}")


def _accumulate_raw(var, d):
    """Adds a raw array gradient into ``var.grad`` (the walk without create_graph)."""
    vd = var._data
    if d.dtype != vd.dtype and vd.dtype.kind == "f":
        d = np.asarray(d).astype(vd.dtype)[()]
    old = var._grad
    if old is None:
        # the new .grad must not share memory with anything (x.grad.zero_() is in place)
        var._grad = _wrap(d.copy() if type(d) is np.ndarray and not sole(d, 2) else d)
    else:
        var._grad = _wrap(old._data + d)


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
