"""Columnar files streamed block by block (`grad --input F.npy --output G.npy`).

Oracles: ``np.save`` for the bytes of the output, ``np.load`` + ``gradcli.batch``
(the whole columns at once, the path the stage took before streaming) for the numbers,
and ``tracemalloc`` for the memory the stage holds."""
import tracemalloc

import numpy as np
import pytest
from click.testing import CliRunner

import gradcli
from gradcli import io_formats
from gradcli.cli import cli
from gradcli.pipeline import stage

EXPR = "x**2*sin(y) + exp(x*y)"


def run(*args):
    r = CliRunner().invoke(cli, list(args))
    return r.exit_code, r.stdout, r.stderr


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of 7 points, clocks of 3 blocks: every file below spans many blocks,
    and its length is not a multiple of either."""
    monkeypatch.setattr(stage, "BLOCK", 7)
    monkeypatch.setattr(stage, "CHUNK", 21)


def whole(expr, cols):
    """value, grad_x, grad_y of the whole columns at once (gradcli.batch)."""
    v, g = gradcli.batch(expr, cols)
    return [v] + [g[k] for k in cols if k in g]


@pytest.mark.parametrize("layout", ["f8", ">f8", "mixed", "extra", "f4"])
def test_streamed_npy_equals_whole_columns_and_np_save(tmp_path, small_blocks, layout):
    rng = np.random.default_rng(11)
    n = 100
    x, y = rng.uniform(-2, 2, (2, n))
    fields = {"f8": [("x", "<f8"), ("y", "<f8")], ">f8": [("x", ">f8"), ("y", ">f8")],
              "mixed": [("y", "<f8"), ("x", "<i4")], "extra": [("x", "<f8"), ("w", "<f8"),
                                                               ("y", "<f8")],
              "f4": [("x", "<f4"), ("y", "<f4")]}[layout]
    rec = np.zeros(n, dtype=fields)
    rec["x"] = x if layout != "mixed" else np.round(x * 3)
    rec["y"] = y
    if layout == "extra":
        rec["w"] = 5.0
    src, dst = tmp_path / "in.npy", tmp_path / "out.npy"
    np.save(src, rec)
    code, _, err = run("grad", EXPR, "--input", str(src), "--output", str(dst))
    assert code == 0, err
    used = [k for k in rec.dtype.names if k in ("x", "y")]      # grads in the file's order
    v, *grads = whole(EXPR, {k: rec[k].astype(np.float64) for k in used})
    names = ("value",) + tuple(f"grad_{k}" for k in used)
    got = np.load(dst)
    assert got.dtype.names == names
    for name, want in zip(names, [v] + grads):
        assert got[name].tolist() == want.tolist()              # bit for bit
    ref = np.empty(n, dtype=[(name, "<f8") for name in names])
    for name, want in zip(names, [v] + grads):
        ref[name] = want
    np.save(tmp_path / "ref.npy", ref)
    assert dst.read_bytes() == (tmp_path / "ref.npy").read_bytes()


def test_plain_npy_of_one_variable_streams(tmp_path, small_blocks):
    x = np.linspace(-3, 3, 50)
    np.save(tmp_path / "x.npy", x)
    code, _, err = run("grad", "x**3 - sin(x)", "--input", str(tmp_path / "x.npy"),
                       "--output", str(tmp_path / "o.npy"))
    assert code == 0, err
    got = np.load(tmp_path / "o.npy")
    assert got["value"].tolist() == (x**3 - np.sin(x)).tolist()
    assert got["grad_x"].tolist() == (3 * x**2 - np.cos(x)).tolist()


def test_npy_layouts_that_are_not_streamed_keep_their_messages(tmp_path):
    np.save(tmp_path / "2d.npy", np.zeros((3, 2), dtype=[("x", "f8")]))
    code, _, err = run("grad", "x", "--input", str(tmp_path / "2d.npy"),
                       "--output", str(tmp_path / "o.npy"))
    assert code == 2 and "one number per point" in err and "Traceback" not in err
    np.save(tmp_path / "s.npy", np.array([("a",)], dtype=[("x", "U3")]))
    code, _, err = run("grad", "x", "--input", str(tmp_path / "s.npy"),
                       "--output", str(tmp_path / "o.npy"))
    assert code == 2 and "not numeric" in err
    np.save(tmp_path / "bad.npy", np.zeros(3, dtype=[("_x", "f8")]))
    code, _, err = run("grad", "x", "--input", str(tmp_path / "bad.npy"),
                       "--output", str(tmp_path / "o.npy"))
    assert code == 2 and "not a valid variable name" in err


def test_a_truncated_npy_is_a_message(tmp_path):
    rec = np.zeros(1000, dtype=[("x", "f8"), ("y", "f8")])
    np.save(tmp_path / "t.npy", rec)
    data = (tmp_path / "t.npy").read_bytes()
    (tmp_path / "t.npy").write_bytes(data[:-100])
    code, _, err = run("grad", EXPR, "--input", str(tmp_path / "t.npy"),
                       "--output", str(tmp_path / "o.npy"))
    assert code == 2 and "cannot read" in err and "Traceback" not in err
    (tmp_path / "h.npy").write_bytes(data[:20])           # not even a whole header
    code, _, err = run("grad", EXPR, "--input", str(tmp_path / "h.npy"))
    assert code == 2 and "cannot read" in err and "Traceback" not in err


def test_a_stream_that_ends_early_is_a_message(tmp_path):
    rec = np.zeros(10, dtype=[("x", "f8")])
    np.save(tmp_path / "t.npy", rec)
    s = io_formats.NpyStream.open(str(tmp_path / "t.npy"), None)
    s.n = 20                                   # the file shrank after it was opened
    with pytest.raises(io_formats.FormatError, match="ends before"):
        s.take(0, 20)
    s.close()


def test_columns_to_npy_hold_one_block_not_the_file(tmp_path):
    """A grid of 10^6 points into .npy: the output (24 MB) is never held whole."""
    dst = tmp_path / "g.npy"
    tracemalloc.start()
    try:
        code, _, err = run("grad", "x*y", "--grid", "x=0:1:1000,y=0:1:1000",
                           "--output", str(dst))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert code == 0, err
    assert peak < 12e6, peak                  # one block's arrays, not 24 MB of results
    got = np.load(dst)
    assert len(got) == 10**6 and got["grad_x"][1001] == 1 / 999


def test_an_output_that_cannot_be_written_is_said_before_computing(tmp_path):
    np.save(tmp_path / "x.npy", np.zeros(5, dtype=[("x", "f8")]))
    code, _, err = run("grad", "x", "--input", str(tmp_path / "x.npy"),
                       "--output", str(tmp_path / "no" / "o.npy"))
    assert code == 1 and "cannot write" in err and "Traceback" not in err


def test_results_never_share_the_callers_memory():
    a = np.linspace(0, 1, 9)
    v, g = gradcli.batch("x", {"x": a})
    assert v.tolist() == a.tolist() and not np.shares_memory(v, a)
    v[0] = 7.0
    assert a[0] == 0.0


def test_output_over_its_own_input(tmp_path, small_blocks):
    """--output naming the --input file: the input is read whole first, not streamed
    from a file the output is overwriting."""
    x = np.linspace(-1, 1, 5000)             # more than a file object's read-ahead
    rec = np.zeros(len(x), dtype=[("x", "f8")])
    rec["x"] = x
    path = tmp_path / "p.npy"
    np.save(path, rec)
    code, _, err = run("grad", "x*x", "--input", str(path), "--output", str(path))
    assert code == 0, err
    got = np.load(path)
    assert got["value"].tolist() == (x * x).tolist() and got["grad_x"].tolist() == (2 * x).tolist()


def test_empty_and_full_files_are_messages(tmp_path):
    (tmp_path / "empty.npy").write_bytes(b"")
    code, _, err = run("grad", "x*y", "--input", str(tmp_path / "empty.npy"),
                       "--output", str(tmp_path / "o.npy"))
    assert code == 2 and "cannot read" in err and "Interrupted" not in err
    np.save(tmp_path / "none.npy", np.zeros(0, dtype=[("x", "f8"), ("y", "f8")]))
    code, _, err = run("grad", "x*y", "--input", str(tmp_path / "none.npy"),
                       "--output", str(tmp_path / "o.npy"))
    assert code == 0, err
    assert np.load(tmp_path / "o.npy").dtype.names == ("value", "grad_x", "grad_y")


@pytest.mark.skipif(not __import__("os").path.exists("/dev/full"), reason="no /dev/full")
def test_a_full_device_is_the_outputs_message(tmp_path):
    full = tmp_path / "full.npy"
    full.symlink_to("/dev/full")
    for grid in ("x=0:1:10,y=0:1:10", "x=0:1:1000,y=0:1:300"):   # in the buffer, or beyond
        code, _, err = run("grad", "x*y", "--grid", grid, "--output", str(full))
        assert code == 1 and f"cannot write {str(full)!r}" in err and "standard output" not in err
