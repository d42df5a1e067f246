"""``gradcli grad`` as a pipeline stage: where points come from and where results go.

Called by the CLI with the session already made; returns the exit status. The EXPR
is checked (``Batch``) before any input is read. Sources: standard input
(``--jsonl``), ``--input FILE`` (.jsonl or a columnar file), ``--grid``. Sinks:
standard output or ``--output FILE`` (.jsonl, or a columnar file).
"""
from __future__ import annotations

import io
import os
import sys

import numpy as np

from .. import io_formats
from ..lang.errors import GxError
from .evaluate import Batch
from .heap import keep_freed_memory
from .sitewarnings import OncePerSite
from .stream import Records, _encode, _error_record, run_jsonl

# Columnar points evaluated together at most: a block's arrays (half a MiB each) stay
# in the caches, below the engine's fusion threshold (no threads: CPU time is what a
# batch job pays) and below its "big array" memory checks; the per-block cost of the
# graph is ~0.2 ms per block, a tenth of W7b's EXPR on it (docs/scaling.md, "Speed").
BLOCK = 1 << 16
LINE_BLOCK = 1 << 16     # points turned into JSON lines together at most
CHUNK = 1 << 20          # columnar points under one --timeout


class StageError(Exception):
    """A problem with the stage's files or options: (message, exit status)."""

    def __init__(self, message, code=2):
        super().__init__(message)
        self.code = code


def parse_grid(text: str) -> dict:
    """'x=0:1:11,y=-1:1:3' -> {'x': (0.0, 1.0, 11), 'y': (-1.0, 1.0, 3)} (ValueError)."""
    out = {}
    for part in text.split(","):
        name, sep, spec = part.partition("=")
        name = name.strip()
        bits = spec.split(":")
        if not sep or not name.isidentifier() or name.startswith("_") or len(bits) != 3:
            raise ValueError(f"expected NAME=A:B:N[,NAME=A:B:N...], got {part!r}")
        try:
            a, b, n = float(bits[0]), float(bits[1]), int(bits[2])
        except ValueError:
            raise ValueError(f"expected numbers in {part!r}") from None
        if n < 1 or not (abs(a) < float("inf") and abs(b) < float("inf")):
            raise ValueError(f"expected finite A, B and N >= 1 in {part!r}")
        out[name] = (a, b, n)
    return out


class Columns:
    """Points as columns, taken a block at a time: ``names``, ``n`` and
    ``take(lo, hi) -> {name: 1-D array}``. A grid is made block by block (its axes
    by np.linspace, each point's coordinates by its index), so a grid of 10^9
    points streams in constant memory; NAME=VALUE defaults fill whole blocks."""

    def __init__(self, arrays=None, grid=None, defaults=None):
        # arrays: {name: 1-D array}, or a stream of them (io_formats.NpyStream)
        self.stream = arrays if hasattr(arrays, "take") else None
        self.arrays = {} if self.stream is not None else (arrays or {})
        streamed = self.stream.names if self.stream is not None else []
        self.defaults = {k: v for k, v in (defaults or {}).items()
                         if k not in self.arrays and k not in streamed and k not in (grid or {})}
        for v in self.defaults.values():
            if type(v) is not float:
                raise StageError("NAME=VALUE defaults of a columnar input must be numbers")
        self.axes = {k: np.linspace(a, b, n) for k, (a, b, n) in (grid or {}).items()}
        self.shape = tuple(len(a) for a in self.axes.values())
        if self.axes:
            self.n = int(np.prod(self.shape, dtype=object))
        elif self.stream is not None:
            self.n = self.stream.n
        else:
            self.n = len(next(iter(self.arrays.values())))
        # the defaults first, as in a JSON line's values (defaults, then the line's)
        self.names = list(self.defaults) + list(self.axes) + list(self.arrays) + streamed

    def take(self, lo, hi):
        out = {k: np.full(hi - lo, v) for k, v in self.defaults.items()}
        if self.axes:
            idx = np.unravel_index(np.arange(lo, hi), self.shape)
            out.update((k, a[i]) for (k, a), i in zip(self.axes.items(), idx))
        out.update((k, v[lo:hi]) for k, v in self.arrays.items())
        if self.stream is not None:
            out.update(self.stream.take(lo, hi))
        return out

    def close(self):
        if self.stream is not None:
            self.stream.close()


def run_stage(session, expr, given, wrt, order, *, jsonl=False, input_path=None,
              output_path=None, grid=None, echo=False, elementwise=False, stdin=None,
              stdout=None) -> int:
    stdin = stdin if stdin is not None else sys.stdin
    stdout = stdout if stdout is not None else sys.stdout
    given = {k: float(v) if type(v) is int else v for k, v in given.items()}
    batch = Batch(session, expr, wrt, order, elementwise)   # EXPR checked before any input
    records = Records(expr, echo)
    try:
        out_kind = io_formats.kind(output_path) if output_path else "jsonl"
        in_kind = "grid" if grid is not None else (io_formats.kind(input_path) if input_path
                                                   else "jsonl")
    except io_formats.FormatError as e:
        raise StageError(str(e)) from None
    if session.on_warning is not None:      # each site once, at its first point's line/row
        session.on_warning = OncePerSite(session.on_warning, batch,
                                         "line" if out_kind == "jsonl" else "row")
    if in_kind == "jsonl":
        if out_kind != "jsonl":
            raise StageError("JSON lines in give JSON lines out: --output must be .jsonl "
                             "(or give --input as .csv, .npy, .npz or .parquet)")
        stream = _open_in(input_path) if input_path else stdin
        if input_path and _same_file(input_path, output_path):
            with stream:                # read whole before the output truncates it
                stream = io.BytesIO(stream.read())
        try:
            with _Sink(output_path, stdout) as sink:
                return 1 if run_jsonl(batch, records, given, stream, sink.write,
                                      sink.flush) else 0
        finally:
            if input_path:
                stream.close()
    if in_kind == "grid":
        cols = Columns(grid=grid, defaults=given)
    else:
        free = [n for n in batch.used if n not in given]
        try:
            arrays = io_formats.read_columns(input_path, free[0] if len(free) == 1 else None,
                                             stream=not _same_file(input_path, output_path))
        except io_formats.FormatError as e:
            raise StageError(str(e)) from None
        cols = Columns(arrays, defaults=given)
    try:
        if out_kind == "jsonl":
            return _columns_to_lines(batch, records, cols, output_path, stdout)
        return _columns_to_file(batch, cols, output_path)
    except io_formats.FormatError as e:      # an input file that ends early
        raise StageError(str(e)) from None
    finally:
        cols.close()


def _same_file(a, b) -> bool:
    """``--output`` names the ``--input`` file: the input is then read whole first (a
    stream would read what the output has just overwritten)."""
    try:
        return bool(b) and os.path.samefile(a, b)
    except OSError:
        return False


def _open_in(path):
    try:
        return open(path, "rb")
    except OSError as e:
        raise StageError(f"cannot read {path!r}: {e.strerror}") from None


class _Sink:
    """Standard output, or a file opened for writing (its errors are clear messages)."""

    def __init__(self, path, stdout):
        self.path = path
        self.f = stdout
        if path:
            try:
                self.f = open(path, "w", encoding="utf-8")
            except OSError as e:
                raise StageError(f"cannot write {path!r}: {e.strerror}", 1) from None
        self.write = self.f.write
        self.flush = self.f.flush

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.path:
            self.f.close()


def _columns_to_lines(batch, records, cols, output_path, stdout):
    failed = False
    names, n = cols.names, cols.n
    with _Sink(output_path, stdout) as sink:
        for lo in range(0, n, LINE_BLOCK):
            hi = min(n, lo + LINE_BLOCK)
            part = cols.take(lo, hi)
            batch.base = lo
            rows = batch.columns(part)
            lines = []
            for i, r in enumerate(rows):
                if isinstance(r, GxError):
                    failed = True
                    lines.append(_encode(_error_record(batch.expr, lo + i + 1, r)))
                else:
                    data = {k: float(part[k][i]) for k in names} if records.echo else None
                    lines.append(records.success_line(lo + i + 1, data, *r))
                    continue
                lines[-1] += "\n"
            sink.write("".join(lines))
            sink.flush()
    return 1 if failed else 0


def _columns_to_file(batch, cols, output_path):
    """Columns in, columns out, a block at a time: each block of points is read,
    evaluated and handed to the output (a .npy is written as the blocks come, so
    memory is that of one block; io_formats.sink)."""
    n = cols.n
    wrt = batch.wrt_for(tuple(cols.names))
    names = io_formats.result_names(wrt, batch.order)
    try:
        out = io_formats.sink(output_path, names, n)
    except MemoryError:
        raise StageError(f"{n} points do not fit in memory as {output_path!r}; "
                         "write .jsonl or .npy instead (they stream)", 1) from None
    except OSError as e:
        raise StageError(f"cannot write {output_path!r}: {e.strerror or e}", 1) from None
    errors = []
    keep_freed_memory()
    session = batch.session
    try:
        for start in range(0, n, CHUNK):
            # --timeout bounds each chunk (one clock for its blocks: starting a clock
            # per block would start and stop its watchdog threads 16 times as often)
            with session.hold_clock(session.watchdog):
                for lo in range(start, min(n, start + CHUNK), BLOCK):
                    batch.base = lo
                    value, grads, hess, errs = batch.arrays(cols.take(lo, min(n, lo + BLOCK)))
                    out.put(lo, io_formats.result_columns(value, grads, hess))
                    errors.extend((lo + i, e) for i, e in errs)
        out.close()
    except OSError as e:
        out.abort()
        raise StageError(f"cannot write {output_path!r}: {e.strerror or e}", 1) from None
    except BaseException:
        out.abort()
        raise
    for i, e in errors[:20]:
        print(f"gradcli: row {i + 1}: {e.kind}: {e.message}", file=sys.stderr)
    if len(errors) > 20:
        print(f"gradcli: ... and {len(errors) - 20} more failed rows (NaN in {output_path})",
              file=sys.stderr)
    return 1 if errors else 0


__all__ = ["run_stage", "parse_grid", "Columns", "StageError"]
