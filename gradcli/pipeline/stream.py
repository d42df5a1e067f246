"""``grad --jsonl`` and ``grad --input/--output/--grid``: points in, records out.

Reading: ``chunks`` takes what standard input (or a file) has ready, up to
``CHUNK`` lines, so a slow interactive stream is answered line by line and a fast
one in chunks; the records of a chunk are written in input order and flushed
together. Each chunk is grouped by the names its lines give (in order), and each
group of plain numbers goes through ``Batch.columns``; a line with lists, or
with a name missing, is evaluated alone (as before batching).
"""
from __future__ import annotations

import json
import os

from ..lang.errors import GxError, GxInterrupt
from ..render import jsonenc

CHUNK = 4096            # lines evaluated together at most

# jsonenc.dumps' settings, made once (json.dumps with arguments builds an encoder per call)
_encode = json.JSONEncoder(allow_nan=False, ensure_ascii=False, separators=(", ", ": ")).encode
_decode_json = json.JSONDecoder().decode


def _fd_lines(fd, chunk):
    """Complete lines (bytes) as they become available: one blocking read, then
    whatever more is ready at once, up to ``chunk`` lines per answer."""
    import select
    rest = b""
    while True:
        data = os.read(fd, 1 << 16)
        if not data:
            if rest:
                yield [rest]
            return
        buf = rest + data
        while buf.count(b"\n") < chunk:
            try:
                ready = select.select([fd], [], [], 0)[0]
            except (OSError, ValueError):
                break
            if not ready:
                break
            more = os.read(fd, 1 << 16)
            if not more:
                break
            buf += more
        lines = buf.split(b"\n")
        rest = lines.pop()
        for i in range(0, len(lines), chunk):
            yield lines[i:i + chunk]


def chunks(stream, chunk=CHUNK):
    """Lists of lines (bytes or str, without their newline) from ``stream``."""
    try:
        fd = stream.fileno()
        os.fstat(fd)
    except (AttributeError, ValueError, OSError):
        fd = None
    if fd is not None:
        yield from _fd_lines(fd, chunk)
        return
    stream = getattr(stream, "buffer", stream)
    block = []
    for line in stream:
        block.append(line.rstrip(b"\r\n") if isinstance(line, bytes) else line.rstrip("\r\n"))
        if len(block) >= chunk:
            yield block
            block = []
    if block:
        yield block


def _input_error(expr, number, message):
    return {"expr": expr, "line": number,
            "error": {"kind": "InputError", "message": message, "line": None, "col": None}}


def _error_record(expr, number, err):
    return {"expr": expr, "line": number,
            "error": {"kind": getattr(err, "kind", type(err).__name__),
                      "message": getattr(err, "message", str(err)),
                      "line": getattr(err, "line", None), "col": getattr(err, "col", None)}}


def _decode(line, given):
    """(values, plain): values of one line over the defaults; plain when every value
    is one float (a point that can join a batch). Raises ValueError."""
    try:
        data = _decode_json(line) if type(line) is str else json.loads(line)
    except (ValueError, RecursionError) as e:
        raise ValueError(f"not JSON: {e}") from None
    if type(data) is not dict:
        raise ValueError("expected a JSON object of NAME: VALUE")
    values = dict(given)
    plain = True
    for name, value in data.items():
        if not (name.isidentifier() and name.isascii() and not name.startswith("_")):
            raise ValueError(f"{name!r} is not a valid variable name")
        t = type(value)
        if t is float:
            values[name] = value
            continue
        value = jsonenc.decode_value(value)
        if type(value) is int and abs(value) < 2**53:
            value = float(value)
        elif type(value) is not float:
            plain = False
        values[name] = value
    return values, data, plain


class Records:
    """Turns results into output lines, with ``--echo``'s line and input. The common
    record (numbers only, no echo, no Hessian) is written from a template per set of
    names: the same text as ``jsonenc.dumps`` (floats by ``float.__repr__``, as the
    json module writes them; NaN and infinities as strings)."""

    def __init__(self, expr, echo=False):
        self.expr = expr
        self.echo = echo
        self._head = ('{"expr": ' + _encode(expr) + ', "value": ').replace("%", "%%")
        self._templates = {}

    def success(self, number, data, value, grads, hess):
        obj = {"expr": self.expr}
        if self.echo:
            obj["line"] = number
            obj["input"] = data
        obj["value"] = jsonenc._clean(value)
        obj["grad"] = {k: jsonenc._clean(g) for k, g in grads.items()}
        if hess is not None:
            nested = {}
            for (a, b), h in hess.items():
                nested.setdefault(a, {})[b] = jsonenc._clean(h)
            obj["hessian"] = nested
        return obj

    def success_line(self, number, data, value, grads, hess):
        if not (self.echo or hess is not None or type(value) is not float):
            keys = tuple(grads)
            tpl = self._templates.get(keys)
            if tpl is None:
                tpl = self._templates[keys] = self._head + "%s, \"grad\": {" + ", ".join(
                    _encode(k).replace("%", "%%") + ": %s" for k in keys) + "}}\n"
            try:
                return tpl % (_num(value), *[_num(grads[k]) for k in keys])
            except TypeError:
                pass
        return _encode(self.success(number, data, value, grads, hess)) + "\n"


def _num(x):
    if type(x) is not float:
        raise TypeError
    if x - x == 0.0:
        return x.__repr__()
    return '"nan"' if x != x else ('"inf"' if x > 0 else '"-inf"')


def evaluate_lines(batch, records, lines, first, given, want_plain=True):
    """One chunk of JSON lines -> (output lines in input order, failed)."""
    expr = batch.expr
    lines = _texts(lines)
    out = [None] * len(lines)
    groups = {}             # names -> [indices], [values dicts]
    decoded = [None] * len(lines)
    failed = False
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            values, data, plain = _decode(line, given)
        except ValueError as e:
            out[i] = _input_error(expr, first + i, str(e))
            failed = True
            continue
        decoded[i] = (values, data)
        if plain and want_plain and all(type(v) is float for v in values.values()):
            key = tuple(values)
            groups.setdefault(key, []).append(i)
        else:
            groups.setdefault(None, []).append(i)
    for key, idx in groups.items():
        batch.lines = [first + i for i in idx]     # where a warning's point sits
        if key is None or not batch.used <= set(key) | _BUILTIN_OK(batch):
            results = [_alone(batch, decoded[i][0], k) for k, i in enumerate(idx)]
        else:
            cols = {k: [decoded[i][0][k] for i in idx] for k in key}
            import numpy as np
            results = batch.columns({k: np.array(v) for k, v in cols.items()})
        for i, r in zip(idx, results):
            if isinstance(r, GxError):
                out[i] = _error_record(expr, first + i, r)
                failed = True
            else:
                out[i] = records.success_line(first + i, decoded[i][1], *r)
    return [o if type(o) is str else _encode(o) + "\n" for o in out if o is not None], failed


def _texts(lines):
    """Lines as str: the chunk decoded at once; a line that is not UTF-8 stays bytes
    (json then says why it is not JSON)."""
    if not lines or type(lines[0]) is str:
        return lines
    try:
        return b"\n".join(lines).decode("utf-8").split("\n")
    except UnicodeDecodeError:
        out = []
        for line in lines:
            try:
                out.append(line.decode("utf-8"))
            except UnicodeDecodeError:
                out.append(line)
        return out


def _BUILTIN_OK(batch):
    """Free names of EXPR that need no value from the line (built-ins, --set)."""
    ok = getattr(batch, "_static_names", None)
    if ok is None:
        s = batch.session
        ok = batch._static_names = {n for n in batch.used if n in set(s.names())}
    return ok


def _alone(batch, values, k=0):
    from .evaluate import _plain
    try:
        return _plain(batch.point(values, k))
    except GxInterrupt:
        raise
    except GxError as e:
        return e


def run_jsonl(batch, records, given, stream, write, flush) -> bool:
    """The whole stage; returns True when some line failed."""
    failed = False
    first = 1
    for lines in chunks(stream):
        objs, bad = evaluate_lines(batch, records, lines, first, given)
        failed = failed or bad
        first += len(lines)
        write("".join(objs))
        flush()
    return failed
