"""gradcli plot as a user meets it: pi ranges, --ylim, --only, the legend off the
data, f and df/dx told apart without colour, no '-0' ticks, non-scalar errors."""
import json
import math
import re
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

from gradcli.cli import cli, parse_range
from gradcli.render.plot import COLOURS, MARGIN_B, MARGIN_L, MARGIN_T, WIDTH, HEIGHT

from test_render import _decode_png

PI = math.pi


@pytest.fixture
def run(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("LINES", "24")

    def go(*args):
        return CliRunner().invoke(cli, ["plot", *args])
    return go


@pytest.mark.parametrize("text,lo,hi", [
    ("-2pi:2pi", -2 * PI, 2 * PI), ("-pi/2:pi", -PI / 2, PI), ("0:3*pi/4", 0.0, 3 * PI / 4),
    ("-π:π", -PI, PI), ("-1.5:.5pi", -1.5, PI / 2), ("pi:2.5pi", PI, 2.5 * PI),
])
def test_range_accepts_pi_multiples(text, lo, hi):
    got = parse_range(text)
    assert got == pytest.approx((lo, hi), rel=1e-15, abs=0)


@pytest.mark.parametrize("text", ["pi/0:1", "2pi:pi", "pipi:1", "-x:1", "2 pi pi:3"])
def test_range_rejects_nonsense(text):
    with pytest.raises(ValueError):
        parse_range(text)


def test_pi_range_through_the_cli(run):
    r = run("sin(x)", "--range", "-2pi:2pi", "--points", "5", "--format", "json")
    data = json.loads(r.output)
    assert data["x"] == pytest.approx([-2 * PI, -PI, 0, PI, 2 * PI])
    assert data["f"] == pytest.approx([0, 0, 0, 0, 0], abs=1e-15)
    assert data["df"] == pytest.approx([1, -1, 1, -1, 1])


def _svg(run, tmp_path, *args):
    path = tmp_path / "p.svg"
    r = run(*args, "-o", str(path))
    assert r.exit_code == 0, r.output
    return ET.fromstring(path.read_text())


def _texts(root):
    return [(float(e.get("x")), float(e.get("y")), e.text) for e in root.iter()
            if e.tag.endswith("text")]


def test_ylim_sets_the_vertical_range(run, tmp_path):
    root = _svg(run, tmp_path, "x**3", "--range", "-3:3", "--ylim", "-2:2")
    yticks = [float(t) for x, y, t in _texts(root) if x == MARGIN_L - 6]
    assert min(yticks) == -2 and max(yticks) == 2


def test_ylim_must_be_an_interval(run):
    r = run("x", "--ylim", "2:1")
    assert r.exit_code == 2 and "--ylim" in r.output


@pytest.mark.parametrize("only,drawn", [("f", {"f"}), ("df", {"df"}), (None, {"f", "df"})])
def test_only_draws_one_curve(run, tmp_path, only, drawn):
    args = ["x**2", "--range", "-1:1"] + (["--only", only] if only else [])
    root = _svg(run, tmp_path, *args)
    colours = {e.get("stroke") for e in root.iter() if e.tag.endswith("polyline")}
    want = {"#%02x%02x%02x" % COLOURS[k] for k in drawn}
    assert colours == want
    legend = [t for _, _, t in _texts(root) if t.startswith(("f(x)", "df/dx"))]
    assert len(legend) == len(drawn)


@pytest.mark.parametrize("expr", ["x**2*sin(x)", "1/x", "exp(x)", "2 - x"])
def test_svg_legend_is_outside_the_plotting_area(run, tmp_path, expr):
    root = _svg(run, tmp_path, expr)
    legend = [(x, y) for x, y, t in _texts(root) if t.startswith(("f(x)", "df/dx"))]
    assert len(legend) == 2 and all(y < MARGIN_T for _, y in legend)
    legend_lines = [e for e in root.iter() if e.tag.split("}")[-1] == "line"
                    and e.get("stroke") in {"#%02x%02x%02x" % c for c in COLOURS.values()}]
    assert len(legend_lines) == 2 and all(float(e.get("y1")) < MARGIN_T for e in legend_lines)


def test_df_is_dashed_and_f_solid_in_files(run, tmp_path):
    """Without colour (printed in grey) the two curves still differ."""
    root = _svg(run, tmp_path, "x")
    style = {e.get("stroke"): e.get("stroke-dasharray") for e in root.iter()
             if e.tag.endswith("polyline")}
    assert style["#%02x%02x%02x" % COLOURS["f"]] is None
    assert style["#%02x%02x%02x" % COLOURS["df"]] is not None
    # PNG: f = 1 and df/dx = 1 are horizontal lines; count the runs of their colour along them
    for key, expr in (("f", "x*0 + 1"), ("df", "x")):
        path = tmp_path / f"{key}.png"
        assert run(expr, "--only", key, "--ylim", "0:2", "-o", str(path)).exit_code == 0
        _, height, rows = _decode_png(path.read_bytes())
        mid = MARGIN_T + (HEIGHT - MARGIN_T - MARGIN_B) // 2
        colour = bytes(COLOURS[key])
        row = max((rows[y] for y in range(mid - 2, mid + 3)), key=lambda r: r.count(colour))
        on = [row[3 * x:3 * x + 3] == colour for x in range(MARGIN_L + 2, WIDTH - 30)]
        runs = sum(1 for a, b in zip([False] + on, on) if b and not a)
        assert runs == 1 if key == "f" else runs > 20


BRAILLE = re.compile("[\u2801-\u28ff]")


def test_terminal_glyphs_differ_without_colour(run):
    text = run("x**2", "--range", "-2:2").output
    legend, chart = text.split("\n", 1)
    assert legend.startswith("⠒⠒ f(x) = x**2") and "•• df/dx" in legend
    assert "┌" in chart.split("\n")[0]                  # the legend is above the frame
    assert BRAILLE.search(chart) and "•" in chart
    only_f = run("x**2", "--only", "f").output.split("\n", 1)[1]
    only_df = run("x**2", "--only", "df").output.split("\n", 1)[1]
    assert BRAILLE.search(only_f) and "•" not in only_f
    assert "•" in only_df and not BRAILLE.search(only_df)


NEG_ZERO = re.compile(r"(?<![\d.])-0(?:\.0*)?(?![\d.e])")


@pytest.mark.parametrize("range_", ["-1:1", "-pi:pi", "-0.3:0.3", "-2pi:2pi", "-1e-3:1e-3"])
def test_no_negative_zero_ticks(run, tmp_path, range_):
    text = run("x**3 - x", "--range", range_).output
    assert not NEG_ZERO.search(text.split("\n", 1)[1]), text
    root = _svg(run, tmp_path, "x**3 - x", "--range", range_)
    assert not [t for _, _, t in _texts(root) if NEG_ZERO.fullmatch(t)]


def test_no_trailing_spaces_in_the_terminal_plot(run):
    text = run("sin(x)", "--range", "-3:3").output
    assert all(line == line.rstrip() for line in text.splitlines())


@pytest.mark.parametrize("expr,shape", [("x*[1, 2]", "(2,)"), ("x*ones(2, 3)", "(2, 3)")])
def test_non_scalar_expression_is_an_error(run, tmp_path, expr, shape):
    path = tmp_path / "p.svg"
    r = run(expr, "-o", str(path))
    assert r.exit_code == 1
    assert f"<expr>:1:1: ValueError: plot needs a scalar expression, but {expr} has shape {shape}" \
        in r.output
    assert not path.exists()


def test_one_element_expression_is_fine(run):
    r = run("sum(x*[1, 2])", "--points", "3", "--format", "json")
    assert json.loads(r.output)["df"] == pytest.approx([3, 3, 3])
