"""Fused elementwise chains (engine/fuse.py, engine/fused_node.py, lang/compiler/fuse.py).

The oracle is the unfused path: the same script with fusion switched off (the threshold
set beyond any size). Fusion must change nothing a script can see: values and gradients
bit for bit, the graph (names, next_functions, history), NaN/inf reports with their
positions, errors of in-place writes and second walks, create_graph. The sizes and
blocks are made small so that a chain spans many blocks and several threads.
"""
import numpy as np
import pytest

from gradcli.engine import fuse
from gradcli.lang.errors import GxError
from gradcli.session import Limits, Options, Session

N = 5003       # many blocks of 64, and a short last block


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch):
    monkeypatch.setattr(fuse, "BLOCK", 64)
    monkeypatch.setattr(fuse, "_MIN_BLOCKS", 2)
    monkeypatch.setenv("GRADCLI_THREADS", "3")


def run(src, fused, strict=False, **variables):
    """(variables, warnings, error) of ``src`` run fused or not."""
    old = fuse.THRESHOLD
    fuse.THRESHOLD = 1000 if fused else 10 ** 18
    warnings = []
    try:
        s = Session(Options(strict=strict, limits=Limits(),
                            variables={k: np.array(v) for k, v in variables.items()}),
                    on_warning=warnings.append)
        err = None
        try:
            s.run(src, "f.gx")
        except GxError as e:
            err = str(e)
        return s, warnings, err
    finally:
        fuse.THRESHOLD = old


def inputs(seed=0, lo=0.1, hi=2.0):
    r = np.random.default_rng(seed)
    return r.uniform(lo, hi, N), r.uniform(lo, hi, N)


def same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape
    assert np.array_equal(a.view(np.int64) if a.dtype == np.float64 else a,
                          b.view(np.int64) if b.dtype == np.float64 else b)


def warn_list(ws):
    return [(w.message, w.line, w.col, w.end_col) for w in ws]


CHAINS = [
    "exp(sin(x) * y + x * x)",                 # W3
    "x * y - x / 3.0",
    "-exp(x) * y",
    "2 * x + sqrt(y) - 1",
    "log(x) * cos(y) - tan(x)",
    "x / y + y",
    "(x - y) * (x + y)",
    "tanh(x * y) * 3",
    "x * x * x",
    "sin(x) / (y + 1)",
    "expm1(x) - log1p(y) * 0.5",
    "0.5 + x * 2 - y",
]


def _script(expr, y_grad=True):
    return ("x.requires_grad_()\n" + ("y.requires_grad_()\n" if y_grad else "") +
            f"z = {expr}\nout = sum(z)\nout.backward()\n")


@pytest.mark.parametrize("expr", CHAINS)
@pytest.mark.parametrize("y_grad", [True, False])
def test_values_gradients_and_graph_are_the_unfused_ones(expr, y_grad):
    x, y = inputs()
    a, wa, ea = run(_script(expr, y_grad), True, x=x, y=y)
    b, wb, eb = run(_script(expr, y_grad), False, x=x, y=y)
    assert ea is None and eb is None
    za, zb = a.variables["z"], b.variables["z"]
    assert getattr(za._node, "fused", False), "the chain was not fused"
    assert not getattr(zb._node, "fused", False)
    same(za._data, zb._data)
    same(a.variables["out"]._data, b.variables["out"]._data)
    same(a.variables["x"].grad.numpy(), b.variables["x"].grad.numpy())
    if y_grad and b.variables["y"].grad is not None:
        same(a.variables["y"].grad.numpy(), b.variables["y"].grad.numpy())
    assert a.history("out") == b.history("out")
    assert warn_list(wa) == warn_list(wb) == []


def test_graph_seen_before_backward_is_the_unfused_one():
    x, y = inputs()
    src = ("x.requires_grad_()\nz = exp(sin(x) * y + x * x)\n"
           "names = [z.grad_fn.name]\n"
           "for f, i in z.grad_fn.next_functions:\n"
           "    names.append(f.name)\n"
           "    for g, j in f.next_functions:\n"
           "        names.append(None if g is None else g.name)\n"
           "sum(z).backward()\n")
    a, _, ea = run(src, True, x=x, y=y)
    b, _, eb = run(src, False, x=x, y=y)
    assert ea is None and eb is None
    assert a.variables["names"] == b.variables["names"] == [
        "ExpBackward0", "AddBackward0", "MulBackward0", "MulBackward0"]
    same(a.variables["x"].grad.numpy(), b.variables["x"].grad.numpy())


def test_small_tensors_and_other_values_take_the_ordinary_path():
    r = np.random.default_rng(1)
    cases = [dict(x=r.random(10), y=r.random(10)),                 # below the threshold
             dict(x=r.random(N).astype(np.float32), y=r.random(N).astype(np.float32)),
             dict(x=r.random(N), y=r.random(1))]                     # broadcasting
    for v in cases:
        a, _, err = run("z = exp(sin(x) * y + x * x)\n", True, **v)
        assert err is None
        assert not getattr(a.variables["z"]._node, "fused", False)
    a, _, err = run("z = exp(-(2 + 2)) * 3\n", True)          # numbers only
    assert err is None and a.variables["z"] == np.exp(-4.0) * 3
    x, y = inputs()
    src = "def exp(t):\n    return t * 2\nz = exp(sin(x) * y + x)\n"   # a rebound name
    a, _, _ = run(src, True, x=x, y=y)
    b, _, _ = run(src, False, x=x, y=y)
    same(a.variables["z"]._data, b.variables["z"]._data)
    same(a.variables["z"]._data, (np.sin(x) * y + x) * 2)


def test_one_thread_and_many_give_the_same_bits(monkeypatch):
    x, y = inputs()
    src = _script(CHAINS[0])
    monkeypatch.setenv("GRADCLI_THREADS", "1")
    a, _, _ = run(src, True, x=x, y=y)
    monkeypatch.setenv("GRADCLI_THREADS", "4")
    b, _, _ = run(src, True, x=x, y=y)
    same(a.variables["x"].grad.numpy(), b.variables["x"].grad.numpy())
    same(a.variables["z"]._data, b.variables["z"]._data)


NONFINITE = [
    # forward: log of a negative number (NaN made inside the chain)
    ("z = log(x) * y + x\nsum(z).backward()\n", {"x0": -1.0}),
    # forward: an overflow absorbed later (exp(-inf) = 0 is finite)
    ("z = exp(-(x * x * 1e300)) + y\nsum(z).backward()\n", {"x0": 1e10}),
    # backward only: sqrt'(0) is infinite
    ("z = sqrt(x * y) + x\nsum(z).backward()\n", {"x0": 0.0}),
    # an infinite input
    ("z = exp(x) * sin(y)\nsum(z).backward()\n", {"x0": np.inf}),
]


@pytest.mark.parametrize("src,patch", NONFINITE)
@pytest.mark.parametrize("strict", [False, True])
def test_nan_and_inf_reports_are_the_unfused_ones(src, patch, strict):
    x, y = inputs()
    x[0] = patch["x0"]
    x[N // 2] = patch["x0"]
    full = "x.requires_grad_()\ny.requires_grad_()\n" + src
    a, wa, ea = run(full, True, strict=strict, x=x, y=y)
    b, wb, eb = run(full, False, strict=strict, x=x, y=y)
    assert ea == eb
    assert warn_list(wa) == warn_list(wb)
    assert wa or ea
    if ea is None:
        same(a.variables["x"].grad.numpy(), b.variables["x"].grad.numpy())
        same(a.variables["z"]._data, b.variables["z"]._data)


@pytest.mark.parametrize("src", [
    # an input written in place after the forward
    "w = x * 1.0\nz = exp(w * y) * 2\nw.add_(1)\nsum(z).backward()\n",
    # the chain's own result written in place (ExpBackward0 saved it)
    "z = exp(sin(x) * y)\nz.add_(1)\nsum(z).backward()\n",
    # a second walk of a freed chain
    "z = exp(sin(x) * y)\nout = sum(z)\nout.backward()\nout.backward()\n",
    # a chain of + - only keeps no values: a second walk passes
    "z = (x + y) - x * 1\nout = sum(z)\nout.backward()\nout.backward()\n",
    "z = (x + y) - -x\nout = sum(z)\nout.backward()\nout.backward()\n",
    "z = (x + y) - -x\nout = sum(z)\nout.backward(retain_graph=True)\nout.backward()\n",
    # retain_graph: twice, then the error
    "z = exp(sin(x) * y)\nout = sum(z)\nout.backward(retain_graph=True)\nout.backward()\n",
])
def test_errors_of_inplace_writes_and_second_walks_are_the_unfused_ones(src):
    x, y = inputs()
    full = "x.requires_grad_()\n" + src
    a, wa, ea = run(full, True, x=x, y=y)
    b, wb, eb = run(full, False, x=x, y=y)
    assert ea == eb
    assert warn_list(wa) == warn_list(wb)
    if ea is None:
        same(a.variables["x"].grad.numpy(), b.variables["x"].grad.numpy())


def test_create_graph_differentiates_the_unfused_graph():
    x, y = inputs()
    src = ("x.requires_grad_()\ny.requires_grad_()\nz = exp(sin(x) * y + x * x)\n"
           "out = sum(z)\nout.backward(create_graph=True)\ngx = x.grad\nx.grad = None\n"
           "sum(gx * gx).backward()\n")
    a, _, ea = run(src, True, x=x, y=y)
    b, _, eb = run(src, False, x=x, y=y)
    assert ea is None and eb is None
    same(a.variables["gx"].detach().numpy(), b.variables["gx"].detach().numpy())
    same(a.variables["x"].grad.numpy(), b.variables["x"].grad.numpy())
    same(a.variables["y"].grad.numpy(), b.variables["y"].grad.numpy())
    assert a.history("gx") == b.history("gx")


def test_gradients_match_the_formula():
    """An independent check of the W3 chain: the gradient written out by hand."""
    x, y = inputs()
    a, _, _ = run(_script(CHAINS[0]), True, x=x, y=y)
    e = np.exp(np.sin(x) * y + x * x)
    np.testing.assert_allclose(a.variables["x"].grad.numpy(), e * (np.cos(x) * y + 2 * x),
                               rtol=1e-14)
    np.testing.assert_allclose(a.variables["y"].grad.numpy(), e * np.sin(x), rtol=1e-14)


def test_retain_grad_and_hooks_of_the_chains_result():
    x, y = inputs()
    src = ("x.requires_grad_()\nz = exp(sin(x) * y + x * x)\nz.retain_grad()\n"
           "sum(z * z).backward()\n")
    a, _, ea = run(src, True, x=x, y=y)
    b, _, eb = run(src, False, x=x, y=y)
    assert ea is None and eb is None
    same(a.variables["z"].grad.numpy(), b.variables["z"].grad.numpy())
    same(a.variables["x"].grad.numpy(), b.variables["x"].grad.numpy())


# ---------------------------------------------------------------- random chains

hypothesis = pytest.importorskip("hypothesis")
st = hypothesis.strategies

_FUNCS = ["exp", "sin", "cos", "sqrt", "log", "tanh", "tan", "atan", "expm1", "log1p"]


@st.composite
def _chain(draw, depth=0):
    """(text, is_tensor) of a random chain over x and y."""
    if depth >= 3 or draw(st.integers(0, 3)) == 0:
        leaf = draw(st.sampled_from(["x", "y", "x", "y", "0.5", "2", "3.0"]))
        return leaf, leaf in ("x", "y")
    kind = draw(st.sampled_from(["bin", "bin", "neg", "f"]))
    a, ta = draw(_chain(depth + 1))
    if kind == "neg":
        return (f"-({a})", ta) if ta else ("x", True)
    if kind == "f":
        return (f"{draw(st.sampled_from(_FUNCS))}({a})", True) if ta else ("y", True)
    b, tb = draw(_chain(depth + 1))
    op = draw(st.sampled_from("+-*/"))
    if not ta and (op in "-/" or not tb):
        a, ta = "x", True
    return f"({a} {op} {b})", True


@hypothesis.settings(max_examples=40, deadline=None,
                     suppress_health_check=[hypothesis.HealthCheck.too_slow])
@hypothesis.given(chain=_chain(), seed=st.integers(0, 2 ** 32 - 1),
                  special=st.booleans())
def test_random_chains_are_the_unfused_ones(chain, seed, special):
    """Any chain, with or without zeros, negatives, huge values and infinities among the
    inputs: the same values, gradients, NaN/inf warnings and errors."""
    expr, _ = chain
    r = np.random.default_rng(seed)
    x, y = r.uniform(-3, 3, N), r.uniform(0.01, 3, N)
    if special:
        for arr in (x, y):
            idx = r.integers(0, N, 6)
            arr[idx] = [0.0, -1.0, 1e300, -np.inf, np.inf, 1e-310]
    src = ("x.requires_grad_()\ny.requires_grad_()\n"
           f"z = {expr} + x * 0\nout = sum(z)\nout.backward()\n")
    a, wa, ea = run(src, True, x=x, y=y)
    b, wb, eb = run(src, False, x=x, y=y)
    assert ea == eb
    assert warn_list(wa) == warn_list(wb)
    if ea is None:
        for name in ("z",):
            np.testing.assert_array_equal(a.variables[name]._data, b.variables[name]._data)
        for name in ("x", "y"):
            ga, gb = a.variables[name].grad, b.variables[name].grad
            assert (ga is None) == (gb is None)
            if ga is not None:
                np.testing.assert_array_equal(ga.numpy(), gb.numpy())


@pytest.mark.parametrize("src", [
    "out = sum(exp(sin(x) * y + x * x)) + sum(x * 3)",       # x's other gradient first
    "out = sum(x * 3) + sum(exp(sin(x) * y + x * x))",       # or after the chain's
    "out = sum(exp(sin(x) * y + x * x) * (x * y - x / 3.0))",  # two chains share x, y
])
def test_gradients_from_outside_the_chain_add_in_the_unfused_order(src):
    x, y = inputs()
    full = f"x.requires_grad_()\ny.requires_grad_()\n{src}\nout.backward()\n"
    a, _, ea = run(full, True, x=x, y=y)
    b, _, eb = run(full, False, x=x, y=y)
    assert ea is None and eb is None
    same(a.variables["x"].grad.numpy(), b.variables["x"].grad.numpy())
    same(a.variables["y"].grad.numpy(), b.variables["y"].grad.numpy())


@pytest.mark.parametrize("opts", [["--graph", "z"], ["--graph", "z", "--values"],
                                  ["--explain", "z"], ["--format", "json"], []])
def test_the_cli_shows_the_same_with_and_without_fusion(tmp_path, monkeypatch, opts):
    """gradcli run on tensors big enough to fuse: the graph, the explained walk, the JSON
    output and the warnings are those of GRADCLI_FUSE=0."""
    from click.testing import CliRunner
    from gradcli.cli import cli
    calls = []
    evaluate = fuse.evaluate
    monkeypatch.setattr(fuse, "evaluate", lambda *a, **k: calls.append(1) or evaluate(*a, **k))
    path = tmp_path / "big.gx"
    path.write_text("x = rand(150000, requires_grad=True)\ny = rand(150000)\n"
                    "z = exp(sin(x) * y + x * x) - log(y) * 0\nout = sum(z)\nout.backward()\n"
                    "print(out, x.grad[:3])\n")
    outs = []
    for fuse_env in ("1", "0"):
        monkeypatch.setenv("GRADCLI_FUSE", fuse_env)
        r = CliRunner().invoke(cli, ["run", str(path), "--seed", "3", *opts])
        outs.append((r.exit_code, r.stdout, r.stderr))
    assert outs[0] == outs[1]
    assert outs[0][0] == 0
    # fused when nothing records the forward (--explain and --values record it)
    assert calls == ([] if "--explain" in opts or "--values" in opts else [1])


@pytest.mark.parametrize("expr,fn", [
    ("exp(sin(x) * y + x * x)", lambda t, x, y: t.exp(t.sin(x) * y + x * x)),
    ("log(x) * cos(y) - tan(x)", lambda t, x, y: t.log(x) * t.cos(y) - t.tan(x)),
    ("x / y + sqrt(y) * 2", lambda t, x, y: x / y + t.sqrt(y) * 2),
])
def test_fused_gradients_match_pytorch(expr, fn):
    torch = pytest.importorskip("torch")
    x, y = inputs()
    a, _, err = run(_script(expr), True, x=x, y=y)
    assert err is None and getattr(a.variables["z"]._node, "fused", False)
    tx = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    ty = torch.tensor(y, dtype=torch.float64, requires_grad=True)
    tz = fn(torch, tx, ty)
    tz.sum().backward()
    np.testing.assert_allclose(a.variables["z"]._data, tz.detach().numpy(), rtol=1e-13)
    np.testing.assert_allclose(a.variables["x"].grad.numpy(), tx.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(a.variables["y"].grad.numpy(), ty.grad.numpy(), rtol=1e-12)


# ---------------------------------------------------------------- sum(<chain>) and the blocks

@pytest.mark.parametrize("shape", [(10 ** 6,), (1000, 1007), (3, 5, 30011), (524289,), (4099,)])
@pytest.mark.parametrize("cut", [64, 128, 4096, 16000])
@pytest.mark.parametrize("kind", ["wide", "nan", "negzero", "inf", "overflow"])
def test_block_sums_added_as_the_tree_are_numpys_sum(shape, cut, kind):
    """The oracle is numpy's own np.sum of the whole array: the blocks (``bounds``) and
    the order their sums are added in (``tree_sum``) must give its bits, NaN payloads,
    infinities, signed zeros and overflow included."""
    r = np.random.default_rng(abs(hash((shape, cut, kind))) % 2 ** 32)
    n = int(np.prod(shape))
    a = r.standard_normal(n) * np.exp(r.standard_normal(n) * 10)
    if kind == "nan":
        a[r.integers(n)] = np.nan
    elif kind == "negzero":
        a[:] = -0.0
    elif kind == "inf":
        a[5], a[-3] = np.inf, -np.inf
    elif kind == "overflow":
        a = np.minimum(np.abs(a), 1e10) * 1e298
    spans = fuse.bounds(n, cut)
    assert spans[0][0] == 0 and spans[-1][1] == n
    # no block longer than the cut, nor split below numpy's own unit of 128
    assert all(0 < hi - lo <= max(cut, 128) for lo, hi in spans)
    assert all(spans[k][1] == spans[k + 1][0] for k in range(len(spans) - 1))
    with np.errstate(all="ignore"):
        want = a.reshape(shape).sum()
        got = fuse.tree_sum(n, [a[lo:hi].sum() for lo, hi in spans], cut)
    assert type(got) is np.float64
    assert got.tobytes() == want.tobytes()


SUMMED = ["exp(sin(x) * y + x * x)", "x * y - x / 3.0", "log(x) * cos(y) - tan(x)",
          "x * x * x", "0.5 + x * 2 - y"]


def _summed_script(expr, form="sum({})"):
    return ("x.requires_grad_()\ny.requires_grad_()\n"
            f"out = {form.format(expr)}\nout.backward()\nshown = history(out)\n")


@pytest.fixture
def sums_seen(monkeypatch):
    """The calls of reduce.sum_known (a summed chain whose sum the blocks took)."""
    from gradcli.engine import reduce
    seen = []
    real = reduce.sum_known

    def spy(x, total):
        seen.append(x._data.size)
        return real(x, total)
    monkeypatch.setattr(reduce, "sum_known", spy)
    return seen


@pytest.mark.parametrize("expr", SUMMED)
@pytest.mark.parametrize("limit", [1000, 10 ** 9])
@pytest.mark.parametrize("form", ["sum({})", "({}).sum()"])
def test_a_summed_chain_is_the_unfused_sum(expr, limit, form, monkeypatch, sums_seen):
    """sum(<chain>): with more than EXACT_LIMIT elements the chain's blocks give the sum
    (numpy's order, as the engine's sum takes there); at or below it the engine's sum
    runs on the fused result (PyTorch's order). Either way: the unfused bits and graph."""
    from gradcli.engine import summation
    monkeypatch.setattr(summation, "EXACT_LIMIT", limit)
    x, y = inputs(3)
    a, wa, ea = run(_summed_script(expr, form), True, x=x, y=y)
    assert sums_seen == ([N] if limit < N else [])
    b, wb, eb = run(_summed_script(expr, form), False, x=x, y=y)
    assert ea is None and eb is None
    assert sums_seen == ([N] if limit < N else [])
    assert a.variables["out"].grad_fn.name == "SumBackward0"
    same(a.variables["out"]._data, b.variables["out"]._data)
    same(a.variables["x"].grad.numpy(), b.variables["x"].grad.numpy())
    if "y" in expr:
        same(a.variables["y"].grad.numpy(), b.variables["y"].grad.numpy())
    else:
        assert a.variables["y"].grad is None and b.variables["y"].grad is None
    assert a.history("out") == b.history("out")
    assert warn_list(wa) == warn_list(wb) == []


def test_a_rebound_sum_is_called(monkeypatch, sums_seen):
    from gradcli.engine import summation
    monkeypatch.setattr(summation, "EXACT_LIMIT", 1000)
    x, y = inputs()
    src = "def sum(t):\n    return t * 3\nz = sum(exp(sin(x) * y + x * x))\n"
    a, _, err = run(src, True, x=x, y=y)
    assert err is None and sums_seen == []
    same(a.variables["z"]._data, np.exp(np.sin(x) * y + x * x) * 3)


@pytest.mark.parametrize("src,x0", [
    # the terms are finite, their sum overflows: the sum's own report
    ("out = sum(exp(x * y + 700.0))\nout.backward()\n", 5.0),
    # a NaN inside the chain: the chain falls back to the ops, then the sum reports
    ("out = sum(log(x) * y + x)\nout.backward()\n", -1.0),
])
@pytest.mark.parametrize("strict", [False, True])
def test_nonfinite_sums_report_as_unfused(src, x0, strict, monkeypatch):
    from gradcli.engine import summation
    monkeypatch.setattr(summation, "EXACT_LIMIT", 1000)
    x, y = inputs()
    x[7] = x0
    full = "x.requires_grad_()\n" + src
    a, wa, ea = run(full, True, strict=strict, x=x, y=y)
    b, wb, eb = run(full, False, strict=strict, x=x, y=y)
    assert ea == eb
    assert warn_list(wa) == warn_list(wb)
    assert wa or ea
    if ea is None:
        same(a.variables["out"]._data, b.variables["out"]._data)
        same(a.variables["x"].grad.numpy(), b.variables["x"].grad.numpy())


def test_the_walk_does_not_read_checked_gradients_again(monkeypatch):
    """The fused backward checks its gradients block by block for the NaN watch; the walk
    then skips its own full pass over them (and still makes it after an unfused chain)."""
    from gradcli.engine import backward
    seen = []
    real = backward.finite

    def spy(d):              # (sum's gradient, one value broadcast, is read once: not counted)
        if np.size(d) > 1 and 0 not in np.shape(d) and all(np.asarray(d).strides):
            seen.append(np.size(d))
        return real(d)
    monkeypatch.setattr(backward, "finite", spy)
    x, y = inputs()
    run(_summed_script(SUMMED[0]), True, x=x, y=y)
    assert N not in seen
    run(_summed_script(SUMMED[0]), False, x=x, y=y)
    assert seen.count(N) >= 2


def test_blocks_are_shared_however_the_threads_are_scheduled(monkeypatch):
    """Threads take blocks from one counter: one that runs late does fewer blocks; the
    bits cannot depend on who did which."""
    import threading
    import time
    x, y = inputs()
    src = _summed_script(SUMMED[0])
    want, _, _ = run(src, True, x=x, y=y)
    real = fuse._run_block

    def slow_workers(prog, tmp, b, e):
        if threading.current_thread() is not threading.main_thread():
            time.sleep(0.001)
        return real(prog, tmp, b, e)
    monkeypatch.setattr(fuse, "_run_block", slow_workers)
    got, _, _ = run(src, True, x=x, y=y)
    for v in ("out", "x", "y"):
        a, b = want.variables[v], got.variables[v]
        same(a._data if v == "out" else a.grad.numpy(), b._data if v == "out" else b.grad.numpy())


def _special_values(n=4099, seed=5):
    """Random values of every magnitude, with NaNs of several payloads, infinities,
    signed zeros and subnormals."""
    r = np.random.default_rng(seed)
    a = r.standard_normal(n) * np.exp(r.uniform(-30, 30, n))
    a[::7] = r.uniform(-1, 1, a[::7].size)
    specials = np.array([np.nan, -np.nan, np.inf, -np.inf, 0.0, -0.0, 5e-324, -2.5e-310,
                         1e308, -1e308, 1.0, -1.0])
    a[:specials.size] = specials
    a[specials.size] = np.frombuffer(np.int64(0x7FF8000000000123).tobytes(), np.float64)[0]
    return r.permutation(a)


@pytest.mark.parametrize("name", sorted(__import__(
    "gradcli.engine.fused_grads", fromlist=["BLOCK_RULES"]).BLOCK_RULES))
def test_block_rules_are_the_rules_bit_for_bit(name):
    """Each rule the fused backward writes into its buffers against the engine's own
    rule (elementwise.UNARY, run as the unfused walk runs it on numpy arrays)."""
    from gradcli.engine import elementwise as ew
    from gradcli.engine.fused_grads import BLOCK_RULES
    fwd, rule = ew.UNARY[name][1], ew.UNARY[name][2]
    g, x = _special_values(seed=1), _special_values(seed=2)
    # NaNs of two payloads meeting: which operand comes first decides the result's
    g[100:160] = np.frombuffer(np.int64(0x7FF8000000000456).tobytes(), np.float64)[0]
    x[100:160] = np.frombuffer(np.int64(0x7FF8000000000123).tobytes(), np.float64)[0]
    with np.errstate(all="ignore"):
        y = fwd(x)
        for gg in (g, np.broadcast_to(np.float64(1.0), g.shape)):
            want = rule(ew.RAW, gg, x, y)
            out = np.empty_like(x)
            got = BLOCK_RULES[name](gg, x, y, out)
            assert got is out
            same(got, want)


def test_every_fusable_function_has_a_block_rule():
    from gradcli.engine.fused_grads import BLOCK_RULES
    assert set(fuse.UFUNCS) <= set(BLOCK_RULES)


def test_a_summed_chains_result_takes_a_gradient_when_nothing_else_holds_it(monkeypatch):
    """sum(<chain>) leaves its result to the fused node alone: in a freeing walk it takes
    a gradient (no fresh array); a result the script still holds keeps its values."""
    real = np.empty
    made = []

    def spy(shape, *a, **k):
        if shape == (N,):
            made.append(shape)
        return real(shape, *a, **k)
    monkeypatch.setattr(np, "empty", spy)
    x, y = inputs()
    a, _, err = run(_summed_script(SUMMED[0]), True, x=x, y=y)
    assert err is None and len(made) == 2         # sin(x) and the result; no gradient array
    made.clear()
    src = ("x.requires_grad_()\ny.requires_grad_()\nz = exp(sin(x) * y + x * x)\n"
           "v = z.detach()\nout = sum(z)\nout.backward()\n")
    b, _, err = run(src, True, x=x, y=y)
    assert err is None and len(made) == 3         # z is the script's: y's gradient is new
    monkeypatch.setattr(np, "empty", real)
    c, _, _ = run(src, False, x=x, y=y)
    for v in ("z", "v"):
        same(b.variables[v]._data, c.variables[v]._data)
    for v in ("x", "y"):
        same(a.variables[v].grad.numpy(), c.variables[v].grad.numpy())
        same(b.variables[v].grad.numpy(), c.variables[v].grad.numpy())


@pytest.mark.parametrize("form", ["sum({})", "({}).sum()"])
def test_a_summed_chain_without_gradients(form, monkeypatch, sums_seen):
    from gradcli.engine import summation
    monkeypatch.setattr(summation, "EXACT_LIMIT", 1000)
    x, y = inputs(4)
    src = f"out = {form.format('exp(sin(x) * y + x * x)')}\nr = out.requires_grad\n"
    a, _, ea = run(src, True, x=x, y=y)
    b, _, eb = run(src, False, x=x, y=y)
    assert ea is None and eb is None and sums_seen == [N]
    same(a.variables["out"]._data, b.variables["out"]._data)
    assert a.variables["r"] is b.variables["r"] is False
    same(a.variables["out"]._data, np.exp(np.sin(x) * y + x * x).sum())
