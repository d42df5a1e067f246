"""Renderers on hand-made data (no session needed): JSON encoding, graph history
as tree/dot/mermaid/json, tables, error messages, plots."""
import io
import re
import json
import math
import struct
import zlib

import numpy as np
import pytest

from gradcli.lang.errors import GxSyntaxError, GxWarning
from gradcli.render import history as h
from gradcli.render import jsonenc
from gradcli.render.output import Output, resolve_format
from gradcli.render.plot import PlotData, _ticks, to_png, to_svg
from gradcli.render.table import plain_table, short


class FakeTensor:
    """Enough of a Variable for the renderers (duck typing)."""
    def __init__(self, data, requires_grad=False, grad=None, grad_fn=None):
        self._d = np.asarray(data, dtype=float)
        self.requires_grad = requires_grad
        self.grad = grad
        self.grad_fn = grad_fn
        self.shape = self._d.shape

    def numpy(self):
        return self._d


class Fn:
    def __init__(self, name):
        self.name = name


# ----------------------------------------------------------------- JSON

def test_json_nonfinite_become_strings():
    value = FakeTensor([1.0, math.nan, math.inf, -math.inf])
    assert jsonenc.encode_value(value) == [1.0, "nan", "inf", "-inf"]
    assert jsonenc.encode_value(math.nan) == "nan"
    text = jsonenc.dumps({"v": jsonenc.encode_value(np.array([[math.nan]]))})
    assert text == '{"v": [["nan"]]}'
    assert "NaN" not in text and "Infinity" not in text


def test_json_scalars_lists_and_numpy():
    assert jsonenc.encode_value(FakeTensor(2.5)) == 2.5
    assert jsonenc.encode_value(np.float32(0.5)) == 0.5
    assert jsonenc.encode_value(np.array([1, 2], dtype=np.int64)) == [1, 2]
    assert jsonenc.encode_value([FakeTensor(1.0), "a", None, True]) == [1.0, "a", None, True]
    assert jsonenc.encode_value((1, 2)) == [1, 2]


def test_json_dumps_refuses_bare_nan():
    with pytest.raises(ValueError):
        jsonenc.dumps({"x": math.nan})


def test_encode_variable_schema():
    x = FakeTensor([1.0, 2.0], requires_grad=True, grad=FakeTensor([0.5, math.inf]))
    assert jsonenc.encode_variable(x) == {
        "type": "tensor", "value": [1.0, 2.0], "grad": [0.5, "inf"], "shape": [2],
        "dtype": "float64", "requires_grad": True, "grad_fn": None}
    y = FakeTensor(3.0, requires_grad=True, grad_fn=Fn("MulBackward0"))
    assert jsonenc.encode_variable(y)["grad_fn"] == "MulBackward0"
    assert jsonenc.encode_variable(y)["shape"] == []
    assert jsonenc.encode_variable(3) == {"type": "int", "value": 3}
    assert jsonenc.encode_variable("hi") == {"type": "str", "value": "hi"}
    assert jsonenc.encode_variable(len) == {"type": "function", "value": None}


# ----------------------------------------------------------------- history

DIAMOND = {  # y = a * b + a: the leaf a is reached twice
    "root": "n0",
    "nodes": [
        {"id": "n0", "op": "AddBackward0", "shape": [], "dtype": "float64", "kind": "function", "name": None},
        {"id": "n1", "op": "MulBackward0", "shape": [], "dtype": "float64", "kind": "function", "name": None},
        {"id": "n2", "op": "AccumulateGrad", "shape": [], "dtype": "float64", "kind": "leaf", "name": "a"},
        {"id": "n3", "op": "AccumulateGrad", "shape": [3], "dtype": "float32", "kind": "leaf", "name": "b"},
    ],
    "edges": [
        {"from": "n0", "to": "n1", "index": 0},
        {"from": "n1", "to": "n2", "index": 0},
        {"from": "n1", "to": "n3", "index": 1},
        {"from": "n0", "to": "n2", "index": 1},
    ],
}


def test_tree_shows_shared_node_once():
    assert h.tree_lines(DIAMOND) == [
        "AddBackward0 () [n0]",
        "├── MulBackward0 () [n1]",
        "│   ├── a: AccumulateGrad () [n2]",
        "│   └── b: AccumulateGrad (3,) float32 [n3]",
        "└── -> [n2] a: AccumulateGrad (shown above)",
    ]


def test_tree_of_a_deep_chain_is_iterative():
    n = 20000
    nodes = [{"id": f"n{i}", "op": "MulBackward0", "shape": [], "kind": "function", "name": None}
             for i in range(n)]
    edges = [{"from": f"n{i}", "to": f"n{i + 1}", "index": 0} for i in range(n - 1)]
    lines = h.tree_lines({"root": "n0", "nodes": nodes, "edges": edges})
    assert len(lines) == n
    assert max(len(line) for line in lines) < 4 * (h.MAX_INDENT + 2) + 40


def test_dot():
    assert h.to_dot(DIAMOND) == "\n".join([
        "digraph history {",
        "  rankdir=BT;",
        '  node [fontname="Helvetica"];',
        '  n0 [label="AddBackward0 ()", shape=box, style=rounded, penwidth=2];',
        '  n1 [label="MulBackward0 ()", shape=box, style=rounded];',
        '  n2 [label="a: AccumulateGrad ()", shape=box, style=filled, fillcolor=lightblue];',
        '  n3 [label="b: AccumulateGrad (3,) float32", shape=box, style=filled, fillcolor=lightblue];',
        "  n1 -> n0;",
        "  n2 -> n1;",
        "  n3 -> n1;",
        "  n2 -> n0;",
        "}",
    ])


def test_mermaid():
    assert h.to_mermaid(DIAMOND) == "\n".join([
        "flowchart BT",
        '  n0["AddBackward0 ()"]',
        '  n1["MulBackward0 ()"]',
        '  n2(["a: AccumulateGrad ()"])',
        '  n3(["b: AccumulateGrad (3,) float32"])',
        "  n1 --> n0",
        "  n2 --> n1",
        "  n3 --> n1",
        "  n2 --> n0",
    ])


def test_history_json_round_trips():
    assert json.loads(h.to_json(DIAMOND)) == DIAMOND


def test_dot_quotes_labels():
    hist = {"root": "n0", "edges": [],
            "nodes": [{"id": "n0", "op": "X", "shape": [], "kind": "leaf", "name": 'we"ird'}]}
    assert 'label="we\\"ird: X ()"' in h.to_dot(hist)
    assert "we#quot;ird" in h.to_mermaid(hist)


# ----------------------------------------------------------------- tables, output

def test_plain_table_alignment():
    assert plain_table(["name", "n"], [["x", "1"], ["long", "22"]], right={1}) == [
        "name   n", "----  --", "x      1", "long  22"]


def test_short_cuts_long_cells():
    assert short("a\n  b") == "a b"
    assert short("x" * 50, 10) == "x" * 9 + "…"


def test_resolve_format(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert resolve_format(None, io.StringIO()) == "plain"
    assert resolve_format("pretty", io.StringIO()) == "pretty"
    assert resolve_format("json", io.StringIO()) == "json"
    monkeypatch.setenv("NO_COLOR", "1")
    assert resolve_format("pretty", io.StringIO()) == "plain"
    assert resolve_format("json", io.StringIO()) == "json"


class Ev:
    def __init__(self, text, values):
        self.text, self.values = text, values


def test_print_events_plain_and_json():
    buf = io.StringIO()
    Output("plain", out=buf).print_event(Ev("tensor(1.) 2", [FakeTensor(1.0), 2]))
    assert buf.getvalue() == "tensor(1.) 2\n"
    buf = io.StringIO()
    Output("json", out=buf).print_event(Ev("x", [FakeTensor([math.nan, 1.0])]))
    assert json.loads(buf.getvalue()) == {"event": "print", "text": "x", "values": [["nan", 1.0]]}


def test_error_message_plain():
    err = GxSyntaxError("unexpected '*'", filename="s.gx", line=2, col=10, source_line="y = (x + * 2)")
    buf = io.StringIO()
    Output("plain", err=buf).error(err)
    assert buf.getvalue() == "s.gx:2:10: SyntaxError: unexpected '*'\n    y = (x + * 2)\n             ^\n"


def test_warning_shown_once_per_place():
    buf = io.StringIO()
    out = Output("plain", err=buf)
    w = GxWarning("log produced NaN", filename="s.gx", line=1, col=5, source_line="y = log(x)")
    for _ in range(3):
        out.warning(w)
    assert buf.getvalue() == ("s.gx:1:5: NumericWarning: log produced NaN\n"
                              "    y = log(x)\n        ^\n")


def test_forget_warnings_shows_them_again():
    buf = io.StringIO()
    out = Output("plain", err=buf)
    w = GxWarning("x", filename="<repl>", line=1, col=1)
    out.warning(w)
    out.forget_warnings()         # the REPL does this before each entry
    out.warning(w)
    assert buf.getvalue().count("NumericWarning") == 2


def test_pretty_error_is_coloured_only_on_a_terminal():
    class Tty(io.StringIO):
        def isatty(self):
            return True
    err = GxSyntaxError("bad", filename="s.gx", line=1, col=1, source_line="x")
    buf = Tty()
    Output("pretty", err=buf).error(err)
    assert "\x1b[" in buf.getvalue() and "s.gx:1:1" in buf.getvalue()


# ----------------------------------------------------------------- plots

def _data():
    xs = [i / 10 for i in range(-20, 21)]
    fs = [x * x for x in xs]
    dfs = [2 * x for x in xs]
    fs[5] = math.nan           # a gap in f
    return PlotData("x**2", "x", xs, fs, dfs)


def test_ticks_are_round():
    assert _ticks(-2, 2) == [-2.0, -1.0, 0.0, 1.0, 2.0]
    assert _ticks(0, 0.9) == [0.0, 0.2, 0.4, 0.6, 0.8]
    assert _ticks(-37, 1234) == [0.0, 500.0, 1000.0]


def test_svg_is_wellformed_and_breaks_at_nan():
    import xml.etree.ElementTree as ET
    svg = to_svg(_data())
    root = ET.fromstring(svg)
    lines = [e for e in root.iter() if e.tag.endswith("polyline")]
    assert len(lines) == 3          # f split in two by the NaN, df/dx whole
    assert "df/dx" in svg and "f(x) = x**2" in svg


def _decode_png(png):
    """(width, height, rows of RGB bytes) of our own PNGs (filter 0 on every row)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    pos, raw = 8, b""
    while pos < len(png):
        n = struct.unpack(">I", png[pos:pos + 4])[0]
        kind = png[pos + 4:pos + 8]
        if kind == b"IDAT":
            raw += png[pos + 8:pos + 8 + n]
        pos += 12 + n
    pixels = zlib.decompress(raw)
    # IDAT payload inflates to height rows of (1 + 3 * width) bytes
    assert len(pixels) == height * (1 + 3 * width)
    stride = 1 + 3 * width
    return width, height, [pixels[r * stride + 1:(r + 1) * stride] for r in range(height)]


def test_png_decodes():
    width, height, rows = _decode_png(to_png(_data()))
    assert any(bytes((31, 119, 180)) in r for r in rows)     # the f curve's colour is drawn


def test_png_has_the_svgs_text():
    """Tick labels, legend and the variable's name, in black, which nothing else uses."""
    from gradcli.render.plot import MARGIN_B, MARGIN_L, MARGIN_T
    width, height, rows = _decode_png(to_png(_data()))

    def black(x0, y0, x1, y1):
        return sum(rows[y][3 * x:3 * x + 3] == b"\0\0\0"
                   for y in range(y0, y1) for x in range(x0, x1))
    assert black(MARGIN_L, height - MARGIN_B + 6, width, height - 18) > 20   # x tick labels
    assert black(0, MARGIN_T, MARGIN_L - 6, height - MARGIN_B) > 20           # y tick labels
    assert black(MARGIN_L, 0, width // 2, MARGIN_T) > 60                      # the legend, above
    assert black(0, height - 16, width, height) > 5                          # "x"
    # nothing black inside the plotting area: the legend never covers the curves
    assert black(MARGIN_L + 1, MARGIN_T + 1, width - 30, height - MARGIN_B - 1) == 0


def test_png_font_covers_printable_ascii_and_draws_distinct_digits():
    from gradcli.render import font5x7 as F
    assert set(F.GLYPHS) == {chr(c) for c in range(32, 127)}
    assert all(len(g) == 5 and all(0 <= b < 128 for b in g) for g in F.GLYPHS.values())
    assert len({F.GLYPHS[d] for d in "0123456789"}) == 10
    assert list(F.pixels(" ")) == [] and F.text_width("ab") == 11
    assert len(list(F.pixels("\u00e9"))) == len(list(F.pixels("\u00e8"))) > 0   # a box, not a crash


def test_pretty_renderers_write_coloured_text():
    from gradcli.render.table import render_summary, render_table
    buf = io.StringIO()
    out = Output("pretty", out=buf)
    h.render_tree(out, DIAMOND)
    render_table(out, ["a", "b"], [["1", "2"]], title="t")
    render_summary(out, {"x": FakeTensor([1.0, 2.0], requires_grad=True, grad=FakeTensor([3.0, 4.0]))})
    out.print_event(Ev("tensor([1., 2.])", []))
    text = buf.getvalue()
    assert "\x1b[" in text
    plain = re.sub(r"\x1b\[[0-9;]*m", "", text)
    assert "a: AccumulateGrad () [n2]" in plain and "[3., 4.]" in plain and "tensor([1., 2.])" in plain
