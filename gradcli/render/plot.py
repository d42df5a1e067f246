"""``gradcli plot``: f and df/dx over an interval, in the terminal or to a file.

The terminal plot uses plotext (imported only here). Files are written without
a plotting library: SVG as text, PNG through a small rasteriser and zlib.
Points where f or df/dx is NaN or infinite break the curves.

The legend is drawn outside the plotting area (above it), so it never covers
the data; f and df/dx differ by colour and by line style (files: solid and
dashed; terminal without colour: braille dots and bullets), so either tells them
apart. ``--only f|df`` draws one curve, ``--ylim A:B`` fixes the vertical range.
"""
from __future__ import annotations

import math
import struct
import zlib

WIDTH, HEIGHT = 720, 450
MARGIN_L, MARGIN_R, MARGIN_T, MARGIN_B = 70, 20, 40, 40
COLOURS = {"f": (31, 119, 180), "df": (255, 127, 14)}
DASH = {"f": None, "df": (6, 4)}            # files: f solid, df/dx dashed (on, off pixels)
TERMINAL_MARKERS = {"f": "braille", "df": "•"}      # told apart with or without colour
LEGEND_MARKS = {"f": "⠒⠒", "df": "••"}
LABEL_CHARS = 60                            # a longer expression is cut in the legend


class PlotData:
    def __init__(self, expr, var, xs, fs, dfs, only=None, ylim=None):
        self.expr, self.var, self.xs, self.fs, self.dfs = expr, var, xs, fs, dfs
        self.only = only            # None (both), "f" or "df"
        self.ylim = ylim            # None or (lo, hi)

    @property
    def labels(self):
        expr = self.expr if len(self.expr) <= LABEL_CHARS else self.expr[:LABEL_CHARS - 1] + "…"
        return (f"f({self.var}) = {expr}", f"df/d{self.var}")

    def series(self):
        """(key, ys, label) of each curve drawn."""
        both = (("f", self.fs, self.labels[0]), ("df", self.dfs, self.labels[1]))
        return [item for item in both if self.only in (None, item[0])]


def _scalar(value, expr, what) -> float:
    """The one number of a 0-d (or one-element) value; anything else is an error:
    a chart of NaNs would hide it."""
    shape = tuple(getattr(value, "shape", ()))
    size = 1
    for n in shape:
        size *= n
    if size != 1:
        from ..lang.errors import GxValueError
        raise GxValueError(
            f"plot needs a scalar expression, but {what} has shape {shape}: reduce it "
            f"(sum(...), mean(...)) or pick an element ([0])", filename="<expr>", line=1, col=1,
            end_line=1, end_col=len(expr) + 1, source_line=expr)
    if hasattr(value, "item"):
        value = value.item()
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def sample(session, expr, var, range_, points, variables, only=None, ylim=None,
           done=None) -> PlotData:
    """f and df/dvar at ``points`` points; ``done`` (a list) grows by one per point
    (the progress line counts it)."""
    lo, hi = range_
    xs = [lo + (hi - lo) * i / (points - 1) for i in range(points)]
    fs, dfs = [], []
    for x in xs:
        result = session.grad_expr(expr, {**variables, var: x}, wrt=[var])
        fs.append(_scalar(result.value, expr, expr))
        dfs.append(_scalar(result.grads[var], expr, f"df/d{var}"))
        if done is not None:
            done.append(x)
    return PlotData(expr, var, xs, fs, dfs, only=only, ylim=ylim)


def draw(out, data: PlotData, out_path=None) -> int:
    if out_path:
        if out_path.lower().endswith(".svg"):
            with open(out_path, "w", encoding="utf-8") as f:
                f.write(to_svg(data))
        else:
            with open(out_path, "wb") as f:
                f.write(to_png(data))
        if not out.json:
            out.line(f"wrote {out_path}")
        else:
            out.emit({"event": "plot", "file": out_path})
        return 0
    if out.json:
        from .jsonenc import encode_value
        out.emit({"expr": data.expr, "var": data.var, "x": data.xs,
                  "f": encode_value(data.fs), "df": encode_value(data.dfs)})
        return 0
    out.raw(terminal_plot(data, colour=out.pretty) + "\n")
    return 0


def _legend_line(data: PlotData) -> str:
    """The legend, above the chart: each curve's glyph, then its label."""
    return "   ".join(f"{LEGEND_MARKS[key]} {label}" for key, _, label in data.series())


def _finite_runs(xs, ys):
    """Consecutive finite points, as lists of (x, y)."""
    runs, cur = [], []
    for x, y in zip(xs, ys):
        if math.isfinite(y):
            cur.append((x, y))
        elif cur:
            runs.append(cur)
            cur = []
    if cur:
        runs.append(cur)
    return runs


def terminal_plot(data: PlotData, colour=False, width=None, height=None) -> str:
    import shutil

    import plotext
    cols, rows = shutil.get_terminal_size((80, 24))
    width = width or max(40, min(cols, 100))
    height = height or max(12, min(rows - 2, 24))
    fig = plotext.figure
    fig.clear()
    for key, ys, _ in data.series():
        for run in _finite_runs(data.xs, ys):
            signal = fig.signal([p[0] for p in run], [p[1] for p in run],
                                marker=TERMINAL_MARKERS[key])
            signal.lines()
            fig.draw(signal)
    fig.legend(active=False)               # ours goes above the chart, off the data
    fig.plot_size(width, height - 1)
    fig.label(data.var, axis=0)
    x0, x1, y0, y1 = _bounds(data)         # the same y range as the files
    fig.ruler(axis=1).lim(y0, y1)
    for axis, (lo, hi), n in ((0, (x0, x1), width // 10), (1, (y0, y1), height // 3)):
        ticks = _ticks(lo, hi, max(3, n))
        fig.ruler(axis=axis).ticks(ticks, [_tick_label(t) for t in ticks])
    chart = fig.build().string(colorless=not colour).rstrip("\n")
    lines = [_legend_line(data)] + chart.split("\n")
    return "\n".join(line.rstrip() for line in lines)


# ----------------------------------------------------------------- shared geometry

def _bounds(data: PlotData):
    """The x range, and a y range that ignores the top and bottom 1% of values,
    so a pole (1/x near 0) does not flatten the rest; curves are clipped to it."""
    if data.ylim is not None:
        return data.xs[0], data.xs[-1], data.ylim[0], data.ylim[1]
    ys = sorted(y for _, series, _ in data.series() for y in series if math.isfinite(y))
    if ys:
        cut = len(ys) // 100
        lo, hi = ys[cut], ys[len(ys) - 1 - cut]
    else:
        lo, hi = -1.0, 1.0
    if lo == hi:
        lo, hi = lo - 1.0, hi + 1.0
    pad = (hi - lo) * 0.05
    return data.xs[0], data.xs[-1], lo - pad, hi + pad


def _mapper(data: PlotData):
    x0, x1, y0, y1 = _bounds(data)
    pw, ph = WIDTH - MARGIN_L - MARGIN_R, HEIGHT - MARGIN_T - MARGIN_B

    def to_px(x, y):
        return (MARGIN_L + (x - x0) / (x1 - x0) * pw, MARGIN_T + (y1 - y) / (y1 - y0) * ph)
    return to_px, (x0, x1, y0, y1)


def _ticks(lo, hi, n=5):
    """About n round tick values in [lo, hi]."""
    span = hi - lo
    raw = span / n
    mag = 10 ** math.floor(math.log10(raw))
    step = min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=10 * mag)
    k = math.ceil(lo / step - 1e-9)
    ticks = []
    while k * step <= hi + step * 1e-9:
        ticks.append(round(k * step, 12) + 0.0)
        k += 1
    return ticks


def _tick_label(t) -> str:
    text = f"{t:.6g}"
    return "0" if text in ("-0", "0") else text       # never '-0'



def _legend_places(data: PlotData, text_width):
    """(key, x, label) of each legend entry, side by side in the top margin: outside
    the plotting area, so it never covers a curve."""
    x, places = MARGIN_L, []
    for key, _, label in data.series():
        places.append((key, x, label))
        x += 30 + text_width(label) + 24
    return places


# ----------------------------------------------------------------- SVG

def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def to_svg(data: PlotData) -> str:
    to_px, (x0, x1, y0, y1) = _mapper(data)
    left, top, right, bottom = MARGIN_L, MARGIN_T, WIDTH - MARGIN_R, HEIGHT - MARGIN_B
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
           f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">',
           f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
           f'<rect x="{left}" y="{top}" width="{right - left}" height="{bottom - top}" '
           'fill="none" stroke="#444"/>']
    for t in _ticks(x0, x1):
        px, _ = to_px(t, y0)
        out.append(f'<line x1="{px:.2f}" y1="{top}" x2="{px:.2f}" y2="{bottom}" stroke="#eee"/>')
        out.append(f'<text x="{px:.2f}" y="{bottom + 16}" text-anchor="middle">{_tick_label(t)}</text>')
    for t in _ticks(y0, y1):
        _, py = to_px(x0, t)
        out.append(f'<line x1="{left}" y1="{py:.2f}" x2="{right}" y2="{py:.2f}" stroke="#eee"/>')
        out.append(f'<text x="{left - 6}" y="{py + 4:.2f}" text-anchor="end">{_tick_label(t)}</text>')
    if y0 < 0 < y1:
        _, py = to_px(x0, 0.0)
        out.append(f'<line x1="{left}" y1="{py:.2f}" x2="{right}" y2="{py:.2f}" stroke="#999"/>')
    out.append(f'<clipPath id="area"><rect x="{left}" y="{top}" width="{right - left}" '
               f'height="{bottom - top}"/></clipPath>')
    for key, ys, label in data.series():
        colour = "#%02x%02x%02x" % COLOURS[key]
        dash = f' stroke-dasharray="{DASH[key][0]},{DASH[key][1]}"' if DASH[key] else ""
        for run in _finite_runs(data.xs, ys):
            pts = " ".join("%.2f,%.2f" % to_px(x, y) for x, y in run)
            out.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="2"'
                       f'{dash} clip-path="url(#area)"/>')
    for key, x, label in _legend_places(data, lambda text: 7 * len(text)):
        colour = "#%02x%02x%02x" % COLOURS[key]
        dash = f' stroke-dasharray="{DASH[key][0]},{DASH[key][1]}"' if DASH[key] else ""
        y = top - 12
        out.append(f'<line x1="{x}" y1="{y - 4}" x2="{x + 24}" y2="{y - 4}" '
                   f'stroke="{colour}" stroke-width="2"{dash}/>')
        out.append(f'<text x="{x + 30}" y="{y}">{_esc(label)}</text>')
    out.append(f'<text x="{(left + right) / 2}" y="{HEIGHT - 6}" text-anchor="middle">'
               f'{_esc(data.var)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


# ----------------------------------------------------------------- PNG

def _png(width, height, rows: list[bytearray]) -> bytes:
    def chunk(kind, payload):
        return (struct.pack(">I", len(payload)) + kind + payload
                + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF))
    raw = b"".join(b"\x00" + bytes(r) for r in rows)
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


class _Canvas:
    def __init__(self, w, h):
        self.w, self.h = w, h
        self.rows = [bytearray(b"\xff" * (3 * w)) for _ in range(h)]
        self.clip = (0, 0, w - 1, h - 1)

    def dot(self, x, y, rgb, size=1):
        x0, y0, x1, y1 = self.clip
        for dx in range(size):
            for dy in range(size):
                px, py = int(x) + dx, int(y) + dy
                if x0 <= px <= x1 and y0 <= py <= y1:
                    self.rows[py][3 * px:3 * px + 3] = bytes(rgb)

    def text(self, x, y, text, rgb, anchor="start", scale=1):
        """``text`` in the 5x7 font; (x, y) is the baseline's start, middle or end."""
        from .font5x7 import HEIGHT as FH, pixels, text_width
        w = text_width(text, scale)
        x0 = x - (w if anchor == "end" else w / 2 if anchor == "middle" else 0)
        y0 = y - FH * scale
        for px, py in pixels(text, scale):
            self.dot(round(x0) + px, round(y0) + py, rgb)

    def line(self, a, b, rgb, size=1, dash=None, phase=0.0) -> float:
        """A line from a to b; ``dash`` (on, off) pixels, starting ``phase`` pixels into
        the pattern. Returns the phase at b, so a polyline's dashes run on."""
        (x0, y0), (x1, y1) = a, b
        length = math.hypot(x1 - x0, y1 - y0)
        if max(abs(x1 - x0), abs(y1 - y0)) > 4 * (self.w + self.h):     # far off the canvas
            return phase + length
        n = int(max(abs(x1 - x0), abs(y1 - y0))) + 1
        for i in range(n + 1):
            t = i / n
            if dash is None or (phase + t * length) % (dash[0] + dash[1]) < dash[0]:
                self.dot(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t, rgb, size)
        return phase + length


def to_png(data: PlotData) -> bytes:
    """The same picture as the SVG: ticks and their labels, axes, both curves, the legend
    and the variable's name (text in a 5x7 bitmap font, gradcli/render/font5x7.py)."""
    to_px, (x0, x1, y0, y1) = _mapper(data)
    c = _Canvas(WIDTH, HEIGHT)
    left, top, right, bottom = MARGIN_L, MARGIN_T, WIDTH - MARGIN_R, HEIGHT - MARGIN_B
    grey, light = (68, 68, 68), (230, 230, 230)
    ink = (0, 0, 0)
    for t in _ticks(x0, x1):
        px, _ = to_px(t, y0)
        c.line((px, top), (px, bottom), light)
        c.line((px, bottom), (px, bottom + 5), grey)
        c.text(px, bottom + 16, _tick_label(t), ink, anchor="middle")
    for t in _ticks(y0, y1):
        _, py = to_px(x0, t)
        c.line((left, py), (right, py), light)
        c.line((left - 5, py), (left, py), grey)
        c.text(left - 8, py + 4, _tick_label(t), ink, anchor="end")
    if y0 < 0 < y1:
        _, py = to_px(x0, 0.0)
        c.line((left, py), (right, py), (150, 150, 150))
    for a, b in (((left, top), (right, top)), ((right, top), (right, bottom)),
                 ((right, bottom), (left, bottom)), ((left, bottom), (left, top))):
        c.line(a, b, grey)
    c.clip = (left, top, right, bottom)
    for key, ys, _ in data.series():
        for run in _finite_runs(data.xs, ys):
            pts = [to_px(x, y) for x, y in run]
            phase = 0.0
            for a, b in zip(pts, pts[1:]):
                phase = c.line(a, b, COLOURS[key], size=2, dash=DASH[key], phase=phase)
            if len(pts) == 1:
                c.dot(*pts[0], COLOURS[key], size=2)
    c.clip = (0, 0, WIDTH - 1, HEIGHT - 1)
    from .font5x7 import text_width
    for key, x, label in _legend_places(data, text_width):
        y = top - 12
        c.line((x, y - 4), (x + 24, y - 4), COLOURS[key], size=2, dash=DASH[key])
        c.text(x + 30, y, label, ink)
    c.text((left + right) / 2, HEIGHT - 8, data.var, ink, anchor="middle")
    return _png(WIDTH, HEIGHT, c.rows)
