"""A stage's NaN/inf warnings: each site once per run, placed at the input line (or
row) of the first point that broke the rule, however the points were split into
blocks or evaluated alone (gradcli/pipeline/sitewarnings.py). The expected places
come from the inputs: the first point where the argument of sqrt is negative."""
import json

import numpy as np
import pytest
from click.testing import CliRunner

from gradcli.cli import cli
from gradcli.pipeline import stage


def run(*args, input=None):
    r = CliRunner().invoke(cli, list(args), input=input)
    return r.exit_code, r.stdout, r.stderr


@pytest.fixture
def small_blocks(monkeypatch):
    monkeypatch.setattr(stage, "BLOCK", 7)
    monkeypatch.setattr(stage, "CHUNK", 21)
    monkeypatch.setattr(stage, "LINE_BLOCK", 5)


def warnings_of(err):
    return [line for line in err.splitlines() if "Warning:" in line]


@pytest.mark.parametrize("out", ["npy", "jsonl"])
def test_a_grid_warns_once_at_the_first_bad_row(tmp_path, small_blocks, out):
    # x = 0.45 - 1.45 i / 39 for i = 0..39 (never 0): negative from i = 13 on (row 14),
    # the second of 6 blocks
    xs = np.linspace(0.45, -1, 40)
    first = int(np.argmax(xs < 0)) + 1
    assert first == 14 and not (xs == 0).any()
    code, _, err = run("grad", "sqrt(x)", "--grid", "x=0.45:-1:40",
                       "--output", str(tmp_path / f"o.{out}"))
    assert code == 0, err
    word = "row" if out == "npy" else "line"
    w = warnings_of(err)
    assert len(w) == 1, err
    assert f"'sqrt' produced NaN at {word} {first}: argument -0.0" in w[0]


@pytest.mark.parametrize("expr", ["sqrt(x) * 2", "sum(sqrt(x))"])   # batched, and alone
def test_json_lines_warn_once_at_the_line_of_the_first_bad_point(expr):
    lines = ['{"x": 1}', "", '{"x": 4}', '{"x": -1}', '{"x": 9}', '{"x": -2}', '{"x": -3}']
    code, out, err = run("grad", expr, "--jsonl", input="\n".join(lines) + "\n")
    assert code == 0, err
    assert [json.loads(o)["value"] for o in out.splitlines()].count("nan") == 3
    w = warnings_of(err)
    assert len(w) == 1, err
    assert "'sqrt' produced NaN at line 4: argument -1.0 < 0" in w[0]


def test_each_site_is_its_own_warning():
    lines = ['{"x": -0.5}', '{"x": 2}', '{"x": -2}']
    code, _, err = run("grad", "sqrt(x) + sqrt(x + 1)", "--jsonl", input="\n".join(lines))
    w = warnings_of(err)
    assert len(w) == 2, err
    assert ":1:1:" in w[0] and "at line 1:" in w[0]
    assert ":1:11:" in w[1] and "at line 3:" in w[1]
