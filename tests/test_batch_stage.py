"""`grad` as a pipeline stage: batches, files, grids, --echo, --elementwise, the
Python API, and the stage's contract (exit 141, EXPR checked first, '-x' as EXPR,
clear output errors).

Oracles: the per-point path (``Session.grad_expr`` and ``results.grad_json``, what
``--jsonl`` wrote line by line before batching) for the records; calculus written
out in numpy for the numbers; the full Jacobian for ``--elementwise``."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

import gradcli
from gradcli.cli import cli
from gradcli.render import jsonenc, results
from gradcli.session import Options, Session

GRADCLI = [sys.executable, "-m", "gradcli"]
EXPR = "x**2*sin(y) + exp(x*y)"


def run(*args, input=None):
    r = CliRunner().invoke(cli, list(args), input=input)
    return r.exit_code, r.stdout, r.stderr


def proc(*args, input=None, **kw):
    return subprocess.run(GRADCLI + list(args), input=input, capture_output=True, text=True,
                          timeout=120, **kw)


def per_point_lines(expr, lines, given=None, order=1, strict=False):
    """What `grad --jsonl` wrote line by line before batching (the old loop)."""
    s = Session(Options(strict=strict))
    out = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            assert isinstance(data, dict)
        except (ValueError, AssertionError):
            out.append(None)
            continue
        values = dict(given or {})
        values.update({k: jsonenc.decode_value(v) for k, v in data.items()})
        try:
            r = s.grad_expr(expr, values, order=order)
        except gradcli.engine.EngineError:       # pragma: no cover
            raise
        except Exception as e:                   # GxError
            out.append({"expr": expr, "line": number, "error": {
                "kind": e.kind, "message": e.message, "line": e.line, "col": e.col}})
            continue
        out.append(results.grad_json(expr, r))
    return out


def mixed_lines(n, seed=0):
    rng = np.random.default_rng(seed)
    lines = []
    for i in range(n):
        x, y = rng.normal(0, 3, 2).tolist()
        k = i % 23
        if k == 5:
            lines.append("not json")
        elif k == 7:
            lines.append(json.dumps({"x": [x, 1.0], "y": y}))      # a list: alone
        elif k == 11:
            lines.append(json.dumps({"y": y, "x": x}))             # other order: other grads order
        elif k == 13:
            lines.append(json.dumps({"x": x}))                     # y missing
        elif k == 17:
            lines.append(json.dumps({"x": 800.0, "y": 1.0}))       # exp overflows: inf
        elif k == 19:
            lines.append("")
        elif k == 21:
            lines.append(json.dumps({"x": int(x * 10), "y": "nan"}))
        else:
            lines.append(json.dumps({"x": x, "y": y}))
    return lines


@pytest.mark.parametrize("order", [1, 2])
def test_jsonl_batches_equal_the_per_point_records(order):
    lines = mixed_lines(600, seed=order)
    code, out, err = run("grad", EXPR, "--jsonl", "--order", str(order),
                         input="\n".join(lines) + "\n")
    got = [json.loads(x) for x in out.splitlines()]
    want = per_point_lines(EXPR, lines, order=order)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        if w is None:
            assert g["error"]["kind"] == "InputError"
        else:
            assert json.dumps(g) == json.dumps(w)       # same keys, order and bits
    assert code == 1


def test_a_failing_point_does_not_poison_its_chunk():
    lines = [json.dumps({"x": float(v)}) for v in (4.0, 1.0, -1.0, 9.0, 0.0, 16.0)]
    code, out, err = run("grad", "sqrt(x) * 2", "--jsonl", "--strict", input="\n".join(lines))
    recs = [json.loads(x) for x in out.splitlines()]
    assert [r.get("value") for r in recs] == [4.0, 2.0, None, 6.0, None, 8.0]
    assert recs[2]["line"] == 3 and recs[2]["error"]["kind"] == "NumericError"
    assert recs[4]["line"] == 5 and "backward" in recs[4]["error"]["message"]   # d sqrt(0) = inf
    assert recs == per_point_lines("sqrt(x) * 2", lines, strict=True)
    assert code == 1


def test_jsonl_numbers_are_the_maths():
    rng = np.random.default_rng(5)
    x, y = rng.uniform(-2, 2, (2, 300))
    lines = [json.dumps({"x": a, "y": b}) for a, b in zip(x.tolist(), y.tolist())]
    code, out, _ = run("grad", EXPR, "--jsonl", input="\n".join(lines))
    recs = [json.loads(r) for r in out.splitlines()]
    v = np.array([r["value"] for r in recs])
    gx = np.array([r["grad"]["x"] for r in recs])
    gy = np.array([r["grad"]["y"] for r in recs])
    np.testing.assert_allclose(v, x**2 * np.sin(y) + np.exp(x * y), rtol=1e-14)
    np.testing.assert_allclose(gx, 2 * x * np.sin(y) + y * np.exp(x * y), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(gy, x**2 * np.cos(y) + x * np.exp(x * y), rtol=1e-12, atol=1e-15)
    assert code == 0


def test_non_elementwise_expr_is_per_point():
    lines = [json.dumps({"x": v}) for v in (1.0, 2.0, 3.0)]
    code, out, _ = run("grad", "sum(x) * x", "--jsonl", input="\n".join(lines))
    assert [json.loads(r)["grad"]["x"] for r in out.splitlines()] == [2.0, 4.0, 6.0]


def test_echo_and_grid():
    code, out, _ = run("grad", "x*y", "--grid", "x=0:1:3,y=1:2:2", "--echo")
    recs = [json.loads(r) for r in out.splitlines()]
    assert [(r["line"], r["input"]) for r in recs] == [
        (1, {"x": 0.0, "y": 1.0}), (2, {"x": 0.0, "y": 2.0}), (3, {"x": 0.5, "y": 1.0}),
        (4, {"x": 0.5, "y": 2.0}), (5, {"x": 1.0, "y": 1.0}), (6, {"x": 1.0, "y": 2.0})]
    assert [r["value"] for r in recs] == [0.0, 0.0, 0.5, 1.0, 1.0, 2.0]
    assert [r["grad"] for r in recs][3] == {"x": 2.0, "y": 0.5}
    code, out, _ = run("grad", "x", "--jsonl", "--echo", input='{"x": 2}\n\n{"x": 3}\n')
    recs = [json.loads(r) for r in out.splitlines()]
    assert [(r["line"], r["input"]) for r in recs] == [(1, {"x": 2}), (3, {"x": 3})]


@pytest.mark.parametrize("ext", ["csv", "npz", "npy", "jsonl", "parquet"])
def test_files_in_and_out(tmp_path, ext):
    if ext == "parquet":
        pytest.importorskip("pyarrow")
    rng = np.random.default_rng(3)
    x, y = rng.uniform(-1, 1, (2, 50))
    src = tmp_path / f"in.{ext}"
    if ext == "csv":
        src.write_text("x,y\n" + "".join(f"{a!r},{b!r}\n" for a, b in zip(x.tolist(), y.tolist())))
    elif ext == "npz":
        np.savez(src, x=x, y=y)
    elif ext == "npy":
        rec = np.empty(50, dtype=[("x", "f8"), ("y", "f8")])
        rec["x"], rec["y"] = x, y
        np.save(src, rec)
    elif ext == "jsonl":
        src.write_text("".join(json.dumps({"x": a, "y": b}) + "\n" for a, b in zip(x, y)))
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq
        pq.write_table(pa.table({"x": x, "y": y}), src)
    # JSON lines out: the same records as the per-point path
    code, out, err = run("grad", EXPR, "--input", str(src))
    assert code == 0, err
    want = per_point_lines(EXPR, [json.dumps({"x": a, "y": b}) for a, b in zip(x, y)])
    assert [json.loads(r) for r in out.splitlines()] == want
    if ext == "jsonl":
        return
    dst = tmp_path / f"out.{ext}"
    code, out, err = run("grad", EXPR, "--input", str(src), "--output", str(dst))
    assert code == 0, err
    if ext == "csv":
        lines = dst.read_text().splitlines()
        assert lines[0] == "value,grad_x,grad_y"
        cols = np.array([[float(v) for v in ln.split(",")] for ln in lines[1:]]).T
    elif ext == "npz":
        with np.load(dst) as z:
            cols = [z["value"], z["grad_x"], z["grad_y"]]
    elif ext == "npy":
        rec = np.load(dst)
        cols = [rec["value"], rec["grad_x"], rec["grad_y"]]
    else:
        import pyarrow.parquet as pq
        t = pq.read_table(dst)
        cols = [t.column(n).to_numpy() for n in ("value", "grad_x", "grad_y")]
    for col, key in zip(cols, ("value", "x", "y")):
        ref = [w["value"] if key == "value" else w["grad"][key] for w in want]
        assert np.asarray(col).tolist() == ref           # bit for bit


def test_file_errors_are_messages(tmp_path):
    code, out, err = run("grad", "x", "--input", str(tmp_path / "none.csv"))
    assert code == 2 and "cannot read" in err and "Traceback" not in err
    bad = tmp_path / "bad.csv"
    bad.write_text("x\n1\nabc\n")
    code, out, err = run("grad", "x", "--input", str(bad))
    assert code == 2 and "bad.csv:3: not a number" in err
    good = tmp_path / "g.csv"
    good.write_text("x\n1\n")
    code, out, err = run("grad", "x", "--input", str(good), "--output", str(tmp_path / "no/o.npz"))
    assert code == 1 and "cannot write" in err
    code, out, err = run("grad", "x", "--input", str(good), "--output", str(tmp_path / "o.txt"))
    assert code == 2 and "unknown file type" in err


def test_elementwise_is_the_jacobian_diagonal():
    xs = "[0.5, -1.0, 2.0, 3.0]"
    code, out, _ = run("grad", "sin(x)*y + x**3", "x=" + xs, "y=[1, 2, 3, 4]", "--format", "json")
    full = json.loads(out)
    code, out, _ = run("grad", "sin(x)*y + x**3", "x=" + xs, "y=[1, 2, 3, 4]", "--format", "json",
                       "--elementwise")
    diag = json.loads(out)
    assert code == 0 and diag["value"] == full["value"]
    for name in ("x", "y"):
        assert diag["grad"][name] == [full["grad"][name][i][i] for i in range(4)]
    code, out, err = run("grad", "x @ x", "x=[1, 2]", "--elementwise")
    assert code == 2 and "elementwise" in err
    # in the stage: a line with vectors gets the diagonal; a mixing EXPR is exit 2 at once
    code, out, _ = run("grad", "x**2", "--jsonl", "--elementwise", input='{"x": [1, 3]}\n{"x": 3}\n')
    assert [json.loads(r)["grad"]["x"] for r in out.splitlines()] == [[2.0, 6.0], 6.0]
    code, out, err = run("grad", "sum(x)", "--jsonl", "--elementwise", "--format", "plain",
                         input='{"x": [1, 3]}\n')
    assert code == 2 and err.count("elementwise EXPR") == 1


def test_python_api_matches_the_maths():
    x = np.linspace(-1, 1, 12).reshape(3, 4)
    v, g = gradcli.batch(EXPR, {"x": x, "y": 0.5})
    assert v.shape == g["x"].shape == g["y"].shape == (3, 4)
    np.testing.assert_allclose(v, x**2 * np.sin(0.5) + np.exp(0.5 * x), rtol=1e-14)
    np.testing.assert_allclose(g["x"], 2 * x * np.sin(0.5) + 0.5 * np.exp(0.5 * x), rtol=1e-13)
    v, g, h = gradcli.batch("x**3 * y", {"x": [1.0, 2.0], "y": 3.0}, order=2)
    assert h[("x", "x")].tolist() == [18.0, 36.0] and h[("x", "y")].tolist() == [3.0, 12.0]


def test_dask_map_blocks_runs_the_api():
    da = pytest.importorskip("dask.array")
    x = da.linspace(-2, 2, 10_000, chunks=1_000)
    y = da.ones_like(x) * 0.25

    def values_and_dx(xb, yb):
        v, g = gradcli.batch(EXPR, {"x": xb, "y": yb})
        return np.stack([v, g["x"]])
    out = da.map_blocks(values_and_dx, x, y, new_axis=0, chunks=((2,), x.chunks[0]),
                        dtype=float).compute(scheduler="threads")
    whole_v, whole_g = gradcli.batch(EXPR, {"x": x.compute(), "y": 0.25})
    assert out[0].tolist() == whole_v.tolist() and out[1].tolist() == whole_g["x"].tolist()


# ----------------------------------------------------------------- the stage's contract

def test_expr_is_checked_before_input():
    for expr, kind in (("foo(x)", "NameError"), ("x +", "SyntaxError")):
        code, out, err = run("grad", expr, "--jsonl", input="")
        assert code == 2 and kind in err, (expr, err)
        code, out, err = run("grad", expr, "--jsonl", "--format", "plain",
                             input='{"x": 1}\n{"x": 2}\n')
        assert code == 2 and err.count(kind) == 1
        assert out == "" or [json.loads(out)["event"]] == ["error"]


def test_unknown_function_anywhere_in_expr_is_found_first():
    code, out, err = run("grad", "x + 2 * bar(x)", "--jsonl", "--format", "plain", input="")
    assert code == 2 and "no function named 'bar'" in err and ":1:9:" in err


def test_gradients_only_for_names_in_expr():
    # docs/cli.md: "the gradient with respect to every free variable"; y is not one
    assert run("grad", "x*2", "x=1", "y=2")[1] == "f = tensor(2.)\ndf/dx = tensor(2.)\n"
    code, out, _ = run("grad", "x*2", "--jsonl", input='{"x": 1, "y": 2}\n{"x": 2, "y": 2}\n')
    assert [json.loads(r)["grad"] for r in out.splitlines()] == [{"x": 2.0}, {"x": 2.0}]


def test_expr_starting_with_minus():
    assert run("grad", "-x**2", "x=3")[:2] == (0, "f = tensor(-9.)\ndf/dx = tensor(-6.)\n")
    assert run("grad", "-x**2", "x=3", "--format", "json")[0] == 0
    assert run("grad", "--", "-x**2", "x=3")[:2] == (0, "f = tensor(-9.)\ndf/dx = tensor(-6.)\n")
    assert run("grad", "--wrt", "x", "-sin(x)*y", "x=0", "y=1")[1].endswith("df/dx = tensor(-1.)\n")
    code, out, err = run("grad", "x", "x=1", "--jsnl")
    assert code == 2 and "No such option" in err
    code, out, err = run("check", "-x**3", "x=2")
    assert code == 0 and "-12" in out
    code, out, err = run("plot", "-sin(x)", "--points", "3", "--range", "0:1", "--format", "json")
    assert code == 0 and json.loads(out)["expr"] == "-sin(x)"


def test_interactive_stream_is_answered_line_by_line():
    p = subprocess.Popen(GRADCLI + ["grad", "x*3", "--jsonl"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
    try:
        for v in (1.0, 2.0, 5.0):
            p.stdin.write(json.dumps({"x": v}) + "\n")
            p.stdin.flush()
            assert json.loads(p.stdout.readline())["value"] == 3 * v    # before the next line
    finally:
        p.stdin.close()
        p.wait(timeout=60)
    assert p.returncode == 0


SMALL = "x = tensor([1.0, 2.0], requires_grad=True)\ny = (x * x).sum()\nprint(y)\n"


@pytest.mark.parametrize("args", [
    ["grad", "x**2", "--jsonl"], ["grad", "x", "x=1"], ["grad", "x", "--grid", "x=0:1:5"],
    ["run", "S"], ["run", "S", "--summary"], ["run", "S", "--format", "json"],
    ["graph", "S", "--var", "y", "--format", "dot"], ["graph", "S", "--var", "y", "--format", "json"],
    ["check", "S"], ["check", "x**2", "x=1"], ["plot", "sin(x)"], ["--help"], ["--version"],
    ["grad", "--help"]])
def test_closed_reader_is_141_and_quiet(tmp_path, args):
    script = tmp_path / "s.gx"
    script.write_text(SMALL)
    r, w = os.pipe()
    os.close(r)                                  # the reader is gone before the first write
    try:
        p = subprocess.run(GRADCLI + [str(script) if a == "S" else a for a in args], stdout=w,
                           stderr=subprocess.PIPE, input=b'{"x": 1}\n', timeout=120)
    finally:
        os.close(w)
    assert p.returncode == 141
    assert p.stderr in (b"", b"tensor(5., grad_fn=<SumBackward0>)\n")   # graph: prints go to stderr


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_full_disk_is_a_message():
    with open("/dev/full", "w") as full:
        p = subprocess.run(GRADCLI + ["grad", "x", "x=1"], stdout=full, stderr=subprocess.PIPE,
                           text=True, timeout=60)
    assert p.returncode == 1
    assert p.stderr == "gradcli: error: cannot write standard output: No space left on device\n"


def test_graph_out_into_missing_directory(tmp_path):
    script = tmp_path / "s.gx"
    script.write_text(SMALL)
    code, out, err = run("graph", str(script), "--var", "y", "--format", "dot", "-o",
                         str(tmp_path / "no" / "g.dot"))
    assert code == 1 and "cannot write" in err and "internal error" not in err


def test_grid_across_blocks_and_defaults():
    code, out, _ = run("grad", "x*y + z", "z=2", "--grid", "x=0:1:3,y=0:1:70001")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 3 * 70001
    first, mid, last = (json.loads(lines[i]) for i in (0, 70001 + 7, -1))
    assert first == {"expr": "x*y + z", "value": 2.0, "grad": {"z": 1.0, "x": 0.0, "y": 0.0}}
    assert mid["value"] == 0.5 * (7 / 70000) + 2 and mid["grad"]["y"] == 0.5
    assert last["value"] == 3.0 and last["grad"] == {"z": 1.0, "x": 1.0, "y": 1.0}


def test_interrupt_is_not_a_point_error(monkeypatch):
    from gradcli.lang.errors import GxInterrupt
    from gradcli.pipeline.evaluate import Batch
    s = Session(Options())
    b = Batch(s, "x * 2")

    def interrupted(*a, **k):
        raise GxInterrupt("interrupted")
    monkeypatch.setattr(s, "grad_expr", interrupted)
    for n in (1, 3, 100):
        with pytest.raises(GxInterrupt):
            b.columns({"x": np.arange(n, dtype=float)})


def test_ctrl_c_ends_the_stage_with_130():
    import signal
    import time
    p = subprocess.Popen(GRADCLI + ["grad", "x*3", "--jsonl"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    p.stdin.write('{"x": 1}\n')
    p.stdin.flush()
    assert json.loads(p.stdout.readline())["value"] == 3.0
    time.sleep(0.2)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 130 and "Traceback" not in err
