"""`gradcli check`: a script's analytic gradients against central differences.

What is differentiated: the variable ``target`` if given, else the last top-level
variable assigned whose value is a scalar tensor with a grad_fn (a non-scalar one is
summed). Leaves: every leaf tensor that requires grad and the target depends on, in
order of creation.

How: the script runs once in a fresh session (analytic gradients by engine.grad, with
every backward() in the script keeping its graph); then, for each checked entry of
each leaf, it runs twice more from the start with that entry moved by +h and -h at
the moment the leaf is created (the n-th leaf that requires grad of each run is the
same leaf), and the target's values give the central difference
(f(x+h) - f(x-h)) / 2h. Prints are silenced. Random numbers repeat across the runs
(a fixed seed when none is set). Everything goes through Session's public API.
"""
from __future__ import annotations

import numpy as np

from .. import engine
from ..engine.node import AccumulateGrad
from ..engine.variable import Variable
from ..lang.errors import GxError, GxNameError, GxRuntimeError, GxValueError
from ..lang.runtime import DRY_RUN, LEAF_HOOK, RETAIN_ALL
from .options import CheckResult, CheckRow, Options

# tolerances (PyTorch's gradcheck uses the same atol/rtol for float64)
CHECK_ATOL = 1e-5
CHECK_RTOL = 1e-3
CHECK_MAX_ENTRIES = 1000          # entries compared at most (evenly spread beyond that)


def check_script(session, source, filename: str, target: str | None) -> CheckResult:
    module = session.parse(source, filename)
    opts = session.options
    seed = opts.seed if opts.seed is not None else 0
    first, created = _run(session, module, filename, seed, None, first=True)
    name, y = _pick_target(first.variables, first.assigned, target)
    leaves = [v for v in created if id(v) in _leaves_of(y)]
    if not leaves:
        return CheckResult([], True, name, [], 0, 0)
    order = {id(v): k for k, v in enumerate(created)}
    names = {}
    for k, v in first.variables.items():
        if type(v) is Variable:
            names.setdefault(id(v), k)

    def analytic():
        yy = y if y.numel() == 1 else y.sum()
        return engine.grad(yy.reshape(()), leaves, retain_graph=True, allow_unused=True)
    gs = first.run_in_context(analytic)
    dt = np.dtype(opts.dtype or "float64")
    h = 1e-6 if dt == np.float64 else 1e-3
    atol, rtol = (CHECK_ATOL, CHECK_RTOL) if dt == np.float64 else (1e-3, 1e-2)
    entries = [(li, flat) for li, v in enumerate(leaves) for flat in range(v.numel())]
    total = len(entries)
    if total > CHECK_MAX_ENTRIES:
        step = total / CHECK_MAX_ENTRIES
        entries = [entries[int(i * step)] for i in range(CHECK_MAX_ENTRIES)]
    rows, ok = [], True
    for li, flat in entries:
        v = leaves[li]
        k = order[id(v)]
        idx = tuple(int(i) for i in np.unravel_index(flat, v.shape)) if v.shape else ()
        moved = names.get(id(v), f"leaf{k}") + ("[" + ", ".join(map(str, idx)) + "]" if idx else "")
        fp = _value(session, module, filename, seed, (k, flat, h), name, moved)
        fm = _value(session, module, filename, seed, (k, flat, -h), name, moved)
        num = (fp - fm) / (2 * h)
        g = gs[li]
        a = 0.0 if g is None else float(g.detach().numpy().reshape(-1)[flat])
        abs_err = abs(a - num)
        rel_err = abs_err / max(abs(num), abs(a), 1e-12) if abs_err > 0 else 0.0
        if not (abs_err <= atol + rtol * abs(num)):
            ok = False
        rows.append(CheckRow(names.get(id(v), f"leaf{k}"), idx, a, num, abs_err, rel_err))
    made_at = getattr(first, "leaves_made_at", [])
    where = {names.get(id(v), f"leaf{order[id(v)]}"): made_at[order[id(v)]]
             for v in leaves if order[id(v)] < len(made_at)}
    return CheckResult(rows, ok, name, [names.get(id(v), f"leaf{order[id(v)]}")
                                        for v in leaves], len(rows), total, where)


def _run(session, module, filename, seed, perturb, first=False):
    """Run the script in a fresh session; returns (that session, the leaves requiring
    grad in order of creation). ``perturb`` = (leaf number, flat index, h)."""
    opts = session.options
    sub = type(session)(Options(dtype=opts.dtype, seed=seed, strict=False,
                          allow_read=opts.allow_read, allow_write=opts.allow_write,
                          limits=opts.limits, variables=dict(opts.variables)),
                  on_print=None, on_warning=session.on_warning if first else None,
                  track_assignments=first)
    sub.share_clock(session)          # one --timeout for all the runs of a check
    created = []
    made_at = []                 # where each leaf was made (file:line:col)

    def hook(v):
        k = len(created)
        created.append(v)
        pos = sub.position
        made_at.append(f"{filename}:{pos.line}:{pos.col}" if getattr(pos, "line", None) else filename)
        if perturb is not None and perturb[0] == k:
            arr = np.array(v.detach().numpy(), copy=True)
            arr.reshape(-1)[perturb[1]] += perturb[2]
            v.data = arr
    sub.run_in_context(LEAF_HOOK.set, hook)
    sub.run_in_context(RETAIN_ALL.set, True)     # backward() keeps graphs: we run again
    if not first:
        sub.run_in_context(DRY_RUN.set, True)    # save() writes only in the first run
    sub.execute(module, filename)
    sub.leaves_made_at = made_at
    return sub, created


def _value(session, module, filename, seed, perturb, name, moved="") -> float:
    """The target's sum in a rerun with one leaf entry moved; an error there (an
    assert, a branch the small move takes) says it happened in that rerun."""
    try:
        sub, _ = _run(session, module, filename, seed, perturb)
    except GxError as e:
        e.message = (f"{e.message} (in the finite-difference rerun with {moved} moved by "
                     f"{perturb[2]:+g}: asserts and branches see the moved value)")
        e.args = (e.message,)
        raise
    y = sub.variables.get(name)
    if type(y) is not Variable:
        raise GxRuntimeError(f"check: '{name}' is not a tensor in a perturbed run")
    return float(y.detach().numpy().sum())


def _pick_target(variables, order, target):
    if target is not None:
        v = variables.get(target)
        if type(v) is not Variable:
            raise GxNameError(f"check: no tensor named '{target}'")
        return target, v
    other = None
    for name in reversed(order):
        v = variables.get(name)
        if type(v) is Variable and v.grad_fn is not None and v.dtype.kind == "f":
            if v.numel() == 1:
                return name, v
            if other is None:
                other = (name, v)
    if other is not None:
        return other
    raise GxValueError("check: the script assigns no tensor with a grad_fn to differentiate")


def _leaves_of(y) -> set:
    """ids of the leaf Variables (requiring grad) that y depends on, through the graph's
    public face (grad_fn, next_functions, AccumulateGrad.variable)."""
    if y.grad_fn is None:
        return {id(y)} if y.requires_grad else set()
    out, seen = set(), set()
    stack = [y.grad_fn]
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
        stack.extend(fn for fn, _ in n.next_functions)
    return out
