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


def read_columns(path: str, single_name: str | None = None) -> dict:
    """name -> 1-D float64 array, for a columnar file."""
    import numpy as np
    k = kind(path)
    try:
        if k == "csv":
            return _read_csv(path)
        if k == "npz":
            with np.load(path, allow_pickle=False) as z:
                return _float_columns({name: z[name] for name in z.files}, path)
        if k == "npy":
            a = np.load(path, allow_pickle=False, mmap_mode="r")
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
    except (ValueError, KeyError) as e:
        raise FormatError(f"cannot read {path!r}: {e}") from None
    raise FormatError(f"{path!r}: not a columnar file")


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
