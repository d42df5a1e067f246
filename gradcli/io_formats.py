"""Columns of points in and out of files: .jsonl, .csv, .npy, .npz, .parquet.

A file holds one column per variable (reading) or per result (writing: ``value``,
``grad_NAME``, ``hess_A_B``), all of one length:

- ``.csv``: a header of names, then one row per point; numbers written with
  ``repr`` (they read back to the same bits);
- ``.npz``: one 1-D array per name;
- ``.npy``: one structured array whose fields are the names (or, reading, a
  plain 1-D array when EXPR has one variable);
- ``.parquet``: one column per name (needs pyarrow, the ``parquet`` extra).

Errors are ``FormatError`` with a message for the user (the CLI shows it with
exit status 2 for input problems, 1 for output problems). Nothing here imports
numpy at module level.
"""
from __future__ import annotations

import os

COLUMNAR = (".csv", ".npy", ".npz", ".parquet")
LINES = (".jsonl", ".ndjson", ".json")


class FormatError(Exception):
    pass


def kind(path: str) -> str:
    ext = os.path.splitext(path)[1].lower()
    if ext in LINES:
        return "jsonl"
    if ext in COLUMNAR:
        return ext[1:]
    raise FormatError(f"{path!r}: unknown file type {ext or '(none)'}; use .jsonl, .csv, "
                      ".npy, .npz or .parquet")


def _float_columns(cols: dict, path: str):
    import numpy as np
    out, n = {}, None
    for name, col in cols.items():
        if not (name.isidentifier() and name.isascii() and not name.startswith("_")):
            raise FormatError(f"{path}: column {name!r} is not a valid variable name")
        try:
            a = np.asarray(col, dtype=np.float64)
        except (TypeError, ValueError) as e:
            raise FormatError(f"{path}: column {name!r} is not numeric: {e}") from None
        if a.ndim != 1:
            raise FormatError(f"{path}: column {name!r} must be one number per point "
                              f"(its shape is {a.shape})")
        if n is not None and len(a) != n:
            raise FormatError(f"{path}: column {name!r} has {len(a)} rows, not {n}")
        n = len(a)
        out[name] = a
    if not out:
        raise FormatError(f"{path}: no columns")
    return out


def read_columns(path: str, single_name: str | None = None, stream: bool = True):
    """name -> 1-D float64 array, for a columnar file; a .npy of a plain layout as an
    ``NpyStream`` (read block by block). ``stream=False``: every column read into
    memory now (the output will overwrite this very file)."""
    import numpy as np
    k = kind(path)
    try:
        if k == "csv":
            return _read_csv(path)
        if k == "npz":
            with np.load(path, allow_pickle=False) as z:
                return _float_columns({name: z[name] for name in z.files}, path)
        if k == "npy":
            reader = NpyStream.open(path, single_name) if stream else None
            if reader is not None:
                return reader
            a = np.load(path, allow_pickle=False, mmap_mode="r" if stream else None)
            if a.dtype.names:
                return _float_columns({name: a[name] for name in a.dtype.names}, path)
            if single_name is None:
                raise FormatError(f"{path}: a plain array has no variable names; use a "
                                  "structured array (fields = names), .npz or .csv")
            return _float_columns({single_name: a}, path)
        if k == "parquet":
            pq = _pyarrow()
            table = pq.read_table(path)
            return _float_columns({name: table.column(name).to_numpy()
                                   for name in table.column_names}, path)
    except OSError as e:
        raise FormatError(f"cannot read {path!r}: {e.strerror or e}") from None
    except (ValueError, KeyError, EOFError) as e:     # np.load of an empty file: EOFError
        raise FormatError(f"cannot read {path!r}: {e}") from None
    raise FormatError(f"{path!r}: not a columnar file")


class NpyStream:
    """A .npy file of points read block by block, in constant memory: ``names``,
    ``n`` and ``take(lo, hi) -> {name: 1-D float64 array}``. Each block is read
    (``readinto``) into one reused buffer of the file's records and its fields copied
    into reused float64 columns, so a file of 10^7 points costs the memory of one
    block (the arrays ``take`` returns are overwritten by the next call). Only the
    plain layouts are streamed: one dimension, numeric fields (or one numeric array);
    anything else is read whole by np.load, which says what is wrong with it."""

    def __init__(self, f, offset, dtype, n, names):
        self.f, self.offset, self.dtype, self.n, self.names = f, offset, dtype, n, names
        self._buf = self._cols = None

    @classmethod
    def open(cls, path, single_name):
        """A stream of the file, or None when its layout is not a plain one."""
        f = open(path, "rb")
        try:
            stream = cls._plain(f, path, single_name)
        except BaseException:
            f.close()
            raise
        if stream is None:
            f.close()
        return stream

    @classmethod
    def _plain(cls, f, path, single_name):
        import numpy as np
        from numpy.lib import format as npf
        try:
            read = {(1, 0): npf.read_array_header_1_0,
                    (2, 0): npf.read_array_header_2_0}.get(npf.read_magic(f))
            if read is None:
                return None
            shape, _, dtype = read(f)
        except ValueError:         # not a .npy header: np.load gives the message
            return None
        offset = f.tell()
        fields = dtype.names or ()
        plain = len(shape) == 1 and (
            all(dtype.fields[k][0].kind in "biuf" and dtype.fields[k][0].shape == ()
                for k in fields) if fields else
            dtype.kind in "biuf" and single_name is not None)
        n = shape[0] if shape else 0
        if not plain or os.fstat(f.fileno()).st_size < offset + n * dtype.itemsize:
            return None
        names = list(fields) or [single_name]
        _float_columns({k: np.empty(0) for k in names}, path)     # the names' checks
        return cls(f, offset, dtype, n, names)

    def take(self, lo, hi):
        import numpy as np
        k = hi - lo
        if self._buf is None or len(self._buf) < k:
            self._buf = np.empty(k, self.dtype)
            self._cols = {name: np.empty(k) for name in self.names}
        buf = self._buf[:k]
        raw = buf.view(np.uint8)
        self.f.seek(self.offset + lo * self.dtype.itemsize)
        got = 0
        while got < len(raw):
            m = self.f.readinto(raw[got:])
            if not m:
                raise FormatError(f"{self.f.name}: the file ends before its {self.n} points")
            got += m
        if not self.dtype.names:
            return {self.names[0]: buf.astype(np.float64, copy=False)}
        out = {}
        for name in self.names:
            col = self._cols[name][:k]
            np.copyto(col, buf[name], casting="unsafe")
            out[name] = col
        return out

    def close(self):
        self.f.close()


def _read_csv(path):
    import csv
    with open(path, newline="", encoding="utf-8") as f:
        rows = csv.reader(f)
        header = next(rows, None)
        if not header:
            raise FormatError(f"{path}: empty file (the first line must name the variables)")
        header = [h.strip() for h in header]
        cols = [[] for _ in header]
        for number, row in enumerate(rows, 2):
            if not row:
                continue
            if len(row) != len(header):
                raise FormatError(f"{path}:{number}: {len(row)} fields, the header has "
                                  f"{len(header)}")
            for c, v in zip(cols, row):
                try:
                    c.append(float(v))
                except ValueError:
                    raise FormatError(f"{path}:{number}: not a number: {v!r}") from None
    return _float_columns(dict(zip(header, cols)), path)


def _pyarrow():
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise FormatError(".parquet files need pyarrow: pip install 'gradcli[parquet]'") from None
    return pq


def result_columns(value, grads: dict, hess: dict | None) -> dict:
    cols = {"value": value}
    for name, g in grads.items():
        cols[f"grad_{name}"] = g
    for (a, b), h in (hess or {}).items():
        cols[f"hess_{a}_{b}"] = h
    return cols


def result_names(wrt, order) -> list:
    """The output columns, in order: value, grad_X..., hess_A_B... (order 2)."""
    names = ["value"] + [f"grad_{k}" for k in wrt]
    if order == 2:
        names += [f"hess_{a}_{b}" for a in wrt for b in wrt]
    return names


def sink(path, names, n):
    """Where result columns go, block by block: an object with ``put(lo, cols)``
    (cols: name -> 1-D array of one block, starting at point ``lo``), ``close()``,
    which finishes the file, and ``abort()`` when a block failed. A .npy is written
    as the blocks come (``NpyWriter``: the memory of one block); the other kinds are
    gathered whole and written by ``close``. Opening may raise OSError (the CLI
    maps it), or MemoryError when the whole columns do not fit."""
    if kind(path) == "npy":
        return NpyWriter(path, names, n)
    return _WholeSink(path, names, n)


class _WholeSink:
    def __init__(self, path, names, n):
        self.path = path
        self.out, self.cols = allocate(path, names, n)

    def put(self, lo, cols):
        for name, target in self.cols.items():
            c = cols[name]
            target[lo:lo + len(c)] = c

    def close(self):
        write_columns(self.path, self.out)

    def abort(self):
        pass


class NpyWriter:
    """A structured .npy of ``n`` float64 records written block by block: the header
    first, then each block's records from one reused buffer. The bytes are those
    ``np.save`` writes for the whole array (tests/test_batch_files.py)."""

    def __init__(self, path, names, n):
        import numpy as np
        from numpy.lib import format as npf
        self.names, self.n, self.done = names, n, 0
        self.dtype = np.dtype([(name, np.float64) for name in names])
        self._buf = None
        self.f = open(path, "wb")
        header = {"descr": npf.dtype_to_descr(self.dtype), "fortran_order": False,
                  "shape": (n,)}
        try:
            try:
                npf.write_array_header_1_0(self.f, header)
            except ValueError:           # a header over 64 KiB: version 2.0, as np.save
                self.f.seek(0)
                npf.write_array_header_2_0(self.f, header)
        except BaseException:
            self.f.close()
            raise

    def put(self, lo, cols):
        import numpy as np
        k = len(cols[self.names[0]])
        if lo != self.done:
            raise ValueError("NpyWriter: blocks must come in order")
        if self._buf is None or len(self._buf) < k:
            self._buf = np.empty(k, self.dtype)
        buf = self._buf[:k]
        for name in self.names:
            buf[name] = cols[name]
        self.f.write(buf.view(np.uint8).data)
        self.done += k

    def close(self):
        self.f.close()

    def abort(self):
        """Close after a failure (its buffered bytes may not be writable either)."""
        try:
            self.f.close()
        except OSError:
            pass


def allocate(path, names, n):
    """(what write_columns takes, {name: writable 1-D float64 array of n}): for .npy
    one structured array (its fields are the arrays), else one array per name."""
    import numpy as np
    if kind(path) == "npy":
        rec = np.empty(n, dtype=[(name, np.float64) for name in names])
        return rec, {name: rec[name] for name in names}
    cols = {name: np.empty(n) for name in names}
    return cols, cols


def allocate_from(cols: dict):
    """A structured array holding these columns (for .npy)."""
    import numpy as np
    n = len(next(iter(cols.values())))
    rec = np.empty(n, dtype=[(name, np.asarray(c).dtype) for name, c in cols.items()])
    for name, c in cols.items():
        rec[name] = c
    return rec


def write_columns(path: str, cols) -> None:
    """Write result columns; OSErrors propagate (the CLI maps them)."""
    import numpy as np
    k = kind(path)
    if k == "npz":
        with open(path, "wb") as f:
            np.savez(f, **cols)
    elif k == "npy":
        rec = cols if getattr(cols, "dtype", None) is not None else allocate_from(cols)
        with open(path, "wb") as f:
            np.save(f, rec)
    elif k == "csv":
        import csv
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(cols)
            w.writerows(zip(*(np.asarray(c).tolist() for c in cols.values())))
    elif k == "parquet":
        pq = _pyarrow()
        import pyarrow as pa
        pq.write_table(pa.table({name: np.asarray(c) for name, c in cols.items()}), path)
    else:
        raise FormatError(f"{path!r}: --output of this kind writes JSON lines; "
                          "use .jsonl")
