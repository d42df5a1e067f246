"""Fused elementwise chains over big tensors: one pass over memory, on every core, with
the bits of the unfused ops.

``exp(sin(x) * y + x * x)`` on 10^7 elements made by one op at a time reads and writes
five full-size arrays, on one core. Here the whole chain runs block by block (up to
``BLOCK`` elements, so that a block's temporaries stay in cache), the threads taking the
blocks in turn (numpy's ufuncs release the GIL). The blocks are the leaves of numpy's
pairwise summation (``bounds``), so ``sum(<chain>)`` adds the blocks' sums into np.sum's
very bits (``tree_sum``). Each block is computed by the very ufuncs the unfused ops
call, in the same order, so values are bit-identical: a ufunc is elementwise, and its
vector loops give the same result for an element wherever the element sits (tests
check this, op by op). numexpr was measured and not used: per core it was slower than
numpy (its exp three times slower) and its exp, log, tan and tanh differ from numpy's by
1 to 3 ulp (docs/performance.md).

The program (``code``) is a list of instructions in evaluation order, operands being
indices of earlier instructions:

    ("in", k)          the k-th input value: a float64 tensor or a Python number
    (op, i, j)         op in + - * / (a tensor on the left for - and /)
    ("neg", i)         -a
    ("f", name, i)     a function of elementwise.UNARY whose forward is a numpy ufunc

**What the user sees is the unfused graph.** The result's ``grad_fn`` is a ``FusedNode``
named as the root op's node (``ExpBackward0``). Its ``next`` lists the inputs' nodes once
per edge the unfused chain has into them, in the order the unfused backward walk delivers
gradients along those edges, so the walk adds the same gradients in the same order and
meets the nodes in the same order. Anything that looks inside (``next_functions``,
``history``, ``--graph``, ``--explain``, ``create_graph=True``) first *expands* the node:
the chain is replayed with the engine's own ops on the saved values, each replayed node
gets its op's tag, and the fused node takes the replayed root's edges and rule from then
on: exactly the unfused graph. Non-finite values: a forward whose checked intermediates
or result are not finite returns None (the caller runs the chain unfused, so every
NaN/inf report names the same op); a fused backward whose gradients are not finite
reports, through ``report``, what the unfused walk would have reported, node by node.
"""
from __future__ import annotations

import itertools
import math
import os

import numpy as np

from . import elementwise as _ew
from . import summation as _summation
from .context import STATE
from .variable import Variable, _wrap

# Inputs of fewer elements are not fused: below this the chain is cheap anyway and the
# per-block bookkeeping would cost more than it saves (measured in docs/performance.md).
THRESHOLD = 1 << 17
# Elements per block at most (blocks are the leaves of numpy's pairwise sum, ``bounds``:
# from about BLOCK/2 to BLOCK elements), fewer for arrays of fewer than 32 such blocks.
# Every block costs some Python and a dozen numpy calls, each one releasing and taking the
# GIL; the blocks' buffers are the threads' own, reused (docs/performance.md measures).
BLOCK = 1 << 16
# Blocks wanted at least, for the threads to share them evenly
_SPREAD = 32
# numpy sums a run of at most this many elements as one unit (8 accumulators), and
# splits longer ones in two: blocks are never shorter than its units
_PW_UNIT = 128
# Blocks per thread at least, before a second thread is worth starting.
_MIN_BLOCKS = 16

_BINARY = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.true_divide}
_NAMES = {"+": "AddBackward0", "-": "SubBackward0", "*": "MulBackward0",
          "/": "DivBackward0", "neg": "NegBackward0"}
# functions whose forward is a numpy ufunc (computed block by block, bit for bit)
UFUNCS = {name: row[1] for name, row in _ew.UNARY.items() if isinstance(row[1], np.ufunc)}
# a non-finite argument can give a finite result (exp(-inf) = 0, tanh(inf) = 1, a / inf
# = 0): the forward checks such arguments, when computed by the chain, for the NaN watch.
# Every other op turns a non-finite operand into a non-finite result, seen downstream.
_KEEPS_NONFINITE = frozenset({"sin", "cos", "tan", "log", "log1p", "log2", "log10", "sqrt",
                              "abs", "sinh", "cosh", "asin", "acos", "asinh", "acosh",
                              "atanh", "floor", "ceil", "trunc"})


def fusable_function(fn):
    """The UNARY name of the engine op ``fn`` if a chain may contain it, else None."""
    return _BY_OP.get(fn)


_BY_OP = {getattr(_ew, name): name for name in UFUNCS}


# ---------------------------------------------------------------- the plan of one chain

class _Plan:
    """What one evaluation of ``code`` on given inputs needs to know (made per call: it
    depends on which inputs require grad)."""
    __slots__ = ("code", "req", "keep", "check", "order", "edges", "deliveries", "dead", "frees",
                 "name", "root_saves_y")

    def __init__(self, code, values, grad):
        self.code = code
        n = len(code)
        req = [False] * n
        for i, ins in enumerate(code):
            if ins[0] == "in":
                v = values[ins[1]]
                req[i] = grad and type(v) is Variable and v._node is not None
            else:
                req[i] = grad and any(req[j] for j in _operands(ins))
        self.req = req
        keep = set()              # intermediates saved in full for the backward
        check = set()             # intermediates checked for non-finite values (NaN watch)
        frees = False
        for i, ins in enumerate(code):
            op = ins[0]
            if op == "f":
                a = ins[2]
                if ins[1] not in _KEEPS_NONFINITE and code[a][0] != "in":
                    check.add(a)
                if req[i]:
                    saves = _ew.UNARY[ins[1]][3]
                    frees = frees or bool(saves)
                    if saves == "x" and code[a][0] != "in":
                        keep.add(a)
                    elif saves == "y":
                        keep.add(i)
            elif op in ("*", "/"):
                a, b = ins[1], ins[2]
                if op == "/" and code[b][0] != "in":
                    check.add(b)
                if req[i]:
                    frees = True
                    for k in (a, b):
                        if code[k][0] != "in":
                            keep.add(k)
        root = n - 1
        check.add(root)
        self.keep, self.check, self.frees = keep, check, frees
        self.root_saves_y = root in keep
        self.name = _node_name(code[root])
        # the unfused walk, simulated: every internal node has one consumer, so it runs
        # as soon as its consumer has run (Kahn's order with a LIFO stack, as backward.py)
        order, edges, deliveries, dead = [], {}, [], set()
        stack = [root] if req[root] else []
        while stack:
            i = stack.pop()
            order.append(i)
            es = []
            square = code[i][0] == "*" and code[i][1] != code[i][2] and \
                _same_input(code, values, code[i][1], code[i][2])
            for k in _node_operands(code[i], values, code):
                if square and es:          # x * x: the second edge carries no gradient
                    dead.add(len(deliveries))
                if k is None or not req[k]:
                    es.append(None)
                    continue
                if code[k][0] == "in":
                    es.append(("leaf", len(deliveries)))
                    deliveries.append(k)
                else:
                    es.append(("node", k))
                    stack.append(k)
            edges[i] = es
        self.order, self.edges, self.deliveries, self.dead = order, edges, deliveries, dead


def _same_input(code, values, a, b):
    return code[a][0] == "in" and code[b][0] == "in" and \
        values[code[a][1]] is values[code[b][1]] and type(values[code[a][1]]) is Variable


def _operands(ins):
    op = ins[0]
    if op == "in":
        return ()
    if op == "f":
        return (ins[2],)
    if op == "neg":
        return (ins[1],)
    return (ins[1], ins[2])


def _node_operands(ins, values, code):
    """The instruction's operands in the order of its node's ``next`` (a constant on the
    left of + and * is the engine's second operand: ``2 * x`` records mul(x, 2))."""
    ops = _operands(ins)
    if len(ops) == 2 and _is_number(code, values, ops[0]):
        return (ops[1], None)
    return tuple(None if _is_number(code, values, k) else k for k in ops)


def _is_number(code, values, k):
    return code[k][0] == "in" and type(values[code[k][1]]) is not Variable


def _node_name(ins):
    return _ew.UNARY[ins[1]][0] if ins[0] == "f" else _NAMES[ins[0]]


def big(v) -> bool:
    """``v`` (a Variable) holds an array of at least THRESHOLD elements and fusion is not
    switched off (GRADCLI_FUSE=0): the compiler's cheap first test, before it reads a
    chain's other operands."""
    d = v._data
    return type(d) is np.ndarray and d.size >= THRESHOLD and \
        os.environ.get("GRADCLI_FUSE") != "0"


def accepts(code, values) -> bool:
    """True when ``code`` on ``values`` can run fused: float64 tensors of one shape, C
    order, at least THRESHOLD elements; numbers that are ints or floats; every op has a
    tensor operand, and a number is on the left only of + and *."""
    shape = None
    tensor = [False] * len(code)
    for i, ins in enumerate(code):
        op = ins[0]
        if op == "in":
            v = values[ins[1]]
            t = type(v)
            if t is Variable:
                d = v._data
                if type(d) is not np.ndarray or d.dtype != np.float64 \
                        or not d.flags.c_contiguous:
                    return False
                if shape is None:
                    if d.size < THRESHOLD:
                        return False
                    shape = d.shape
                elif d.shape != shape:
                    return False
                tensor[i] = True
            elif t is not float and t is not int:
                return False
        elif op == "f" or op == "neg":
            k = ins[2] if op == "f" else ins[1]
            if not tensor[k]:
                return False
            tensor[i] = True
        else:
            a, b = ins[1], ins[2]
            if not tensor[a] and (op in ("-", "/") or not tensor[b]):
                return False
            tensor[i] = True
    return shape is not None


# ---------------------------------------------------------------- blocks, and threads

def bounds(n, cut=None):
    """The blocks of n elements, [(lo, hi), ...] in order: the leaves of numpy's pairwise
    summation over n elements (numpy/_core/src/umath/loops_utils.h.src: a run longer than
    ``cut`` splits in two, the first half rounded down to a multiple of 8), so that the
    sums of the blocks, added as that tree adds them (``tree_sum``), are ``np.sum`` bit
    for bit: a chain's sum can be taken block by block, in cache (``evaluate``)."""
    cut = _cut(n, cut)
    out, stack = [], [(0, n)]
    while stack:
        lo, m = stack.pop()
        if m <= cut:
            out.append((lo, lo + m))
            continue
        h = m // 2
        h -= h % 8
        stack.append((lo + h, m - h))
        stack.append((lo, h))
    return out


def _cut(n, cut):
    if cut is None:
        cut = min(BLOCK, n // _SPREAD)
    return max(cut, _PW_UNIT)


def tree_sum(n, sums, cut=None):
    """np.sum of n elements from the sums of its ``bounds(n, cut)`` blocks, added in
    numpy's pairwise order (tests/test_fuse.py checks the bits, NaN and signed zeros
    included)."""
    cut = _cut(n, cut)
    it = iter(sums)

    def rec(m):
        if m <= cut:
            return next(it)
        h = m // 2
        h -= h % 8
        a = rec(h)
        return a + rec(m - h)
    with np.errstate(all="ignore"):     # numpy's own sum warns nowhere here either
        return rec(n)


_POOL = []        # [executor, size] once made: a cache of threads, no scope state


def threads() -> int:
    """Threads a fused chain uses: GRADCLI_THREADS, or the cores this process may run on."""
    env = os.environ.get("GRADCLI_THREADS")
    if env and env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):        # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _parallel(block, spans):
    """Runs ``block(k, lo, hi, scratch)`` for every block k of ``spans`` and returns the
    results by k. The threads (this one too) take the blocks in turn from one counter
    (atomic under the GIL), so a thread that gets less of the machine does fewer blocks
    instead of making the others wait; ``scratch`` is the thread's own dict of buffers.
    The caller's numpy error state applies in every thread."""
    nb = len(spans)
    out = [None] * nb
    take = itertools.count().__next__

    def run():
        scratch = {}
        k = take()
        while k < nb:
            lo, hi = spans[k]
            out[k] = block(k, lo, hi, scratch)
            k = take()
    t = min(threads(), max(1, nb // _MIN_BLOCKS))
    if t == 1:
        run()
        return out
    err = np.geterr()

    def worker():
        with np.errstate(**err):
            run()
    pool = _executor(t - 1)
    futures = [pool.submit(worker) for _ in range(t - 1)]
    try:
        run()
    finally:
        for f in futures:
            f.result()
    return out


def _executor(size):
    if not _POOL or _POOL[1] < size:
        from concurrent.futures import ThreadPoolExecutor
        if _POOL:
            _POOL[0].shutdown(wait=False)
        _POOL[:] = [ThreadPoolExecutor(max_workers=size, thread_name_prefix="gradcli-fuse"),
                    size]
    return _POOL[0]


# ---------------------------------------------------------------- forward

def evaluate(code, values, tags, check=None, summed=False):
    """The chain's result as a Variable (with a FusedNode when it requires grad), or None
    when the unfused ops must run instead: the NaN watch is on (``check``) and a checked
    value is not finite. ``tags``: each instruction's tag (what the unfused op's node
    would hold), used for the root and for expansion. With ``summed``, returns (result,
    its np.sum) or None: the sum taken block by block while each block is in cache (the
    same block sums the NaN watch takes of the result). Its sum is None when the engine's
    ``sum`` would not take numpy's order: summation.EXACT_LIMIT elements or fewer, which
    it adds in PyTorch's order."""
    st = STATE.get()
    plan = _Plan(code, values, st.grad)
    first = next(values[ins[1]] for ins in code
                 if ins[0] == "in" and type(values[ins[1]]) is Variable)
    shape = first._data.shape
    size = first._data.size
    flat = [values[ins[1]]._data.reshape(-1) if ins[0] == "in" and
            type(values[ins[1]]) is Variable else None for ins in code]
    root = len(code) - 1
    full = {i: np.empty(shape) for i in plan.keep | {root}}
    fullflat = {i: a.reshape(-1) for i, a in full.items()}
    watch = check if check is not None else st.anomaly is not None
    checks = [i for i in sorted(plan.check) if i != root] if watch else ()
    summing = summed and size > _summation.EXACT_LIMIT
    take_sum = watch or summing         # the root's block sums: its check, and its sum
    prog = _program(code, values, flat, fullflat)
    isfinite = math.isfinite

    def block(k, lo, hi, tmp):
        """This block's sum of the result, or None when a checked value is not finite."""
        vals = _run_block(prog, tmp, lo, hi)
        for i in checks:
            if not _finite_block(vals[i]):
                return None
        if not take_sum:
            return 0.0
        s = vals[root].sum()
        if watch and not isfinite(s) and not np.isfinite(vals[root]).all():
            return None
        return s

    sums = _parallel(block, bounds(size))
    if any(s is None for s in sums):
        return None
    out = full[root]
    v = _wrap(out)
    if plan.req[root]:
        from .fused_node import make_node
        v._node = make_node(plan, values, full, shape, tags)
    if summed:
        return v, (tree_sum(size, sums) if summing else None)
    return v


def _forward_block(code, values, flat, fullflat, tmp, b, e):
    """The values of every instruction for elements [b, e) (``tmp``: this thread's
    block buffers; ``fullflat``: instructions kept in full)."""
    return _run_block(_program(code, values, flat, fullflat), tmp, b, e)


def _program(code, values, flat, fullflat):
    """``code`` as steps for ``_run_block``: (index, ufunc, operand a, operand b or -1,
    full destination or None); inputs as (index, flat array or None, value)."""
    ins_steps, steps = [], []
    for i, ins in enumerate(code):
        op = ins[0]
        if op == "in":
            ins_steps.append((i, flat[i], values[ins[1]]))
        elif op == "f":
            steps.append((i, UFUNCS[ins[1]], ins[2], -1, fullflat.get(i)))
        elif op == "neg":
            steps.append((i, np.negative, ins[1], -1, fullflat.get(i)))
        else:
            steps.append((i, _BINARY[op], ins[1], ins[2], fullflat.get(i)))
    return len(code), ins_steps, steps


def _run_block(prog, tmp, b, e):
    count, ins_steps, steps = prog
    vals = [None] * count
    n = e - b
    for i, f, v in ins_steps:
        vals[i] = f[b:e] if f is not None else v
    for i, uf, a, bb, dest in steps:
        if dest is not None:
            out = dest[b:e]
        else:
            buf = tmp.get(i)
            if buf is None or buf.size < n:
                buf = tmp[i] = np.empty(n)
            out = buf[:n] if buf.size != n else buf
        if bb < 0:
            uf(vals[a], out=out)
        else:
            uf(vals[a], vals[bb], out=out)
        vals[i] = out
    return vals


def _finite_block(a) -> bool:
    s = a.sum()
    if math.isfinite(s):
        return True
    return bool(np.isfinite(a).all())      # a finite block whose sum overflowed


