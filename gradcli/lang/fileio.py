"""``load(path)`` and ``save(path, t)`` for scripts: only under allowed paths.

- Paths are resolved (symlinks followed, ``..`` removed) before the check, and the
  resolved path must lie inside one of the directories (or be one of the files)
  the user allowed with ``--allow-read`` / ``--allow-write``.
- ``.npy`` is read with ``allow_pickle=False``; ``.npz`` yields the first array
  (or the one named like the file's only key); ``.csv`` is numbers separated by
  commas (a header line of non-numbers is skipped).
- Writes are atomic: a temporary file in the same directory, then ``os.replace``.
"""
from __future__ import annotations

import os

from .errors import GxSecurityError, GxTypeError, GxValueError, GxLimitError
from .limits import human, limit_message

SUFFIXES = (".npy", ".npz", ".csv")


def _resolve(path) -> str:
    if type(path) is not str:
        raise GxTypeError("a file path must be a string")
    if "\x00" in path:
        raise GxValueError("a file path must not contain NUL")
    return os.path.realpath(os.path.expanduser(path))


def _allowed(real: str, allowed) -> bool:
    for a in allowed:
        base = os.path.realpath(os.path.expanduser(str(a)))
        if real == base:
            return True
        if os.path.isdir(base) and os.path.commonpath([real, base]) == base:
            return True
    return False


def check_path(path, allowed, mode: str) -> str:
    real = _resolve(path)
    if not allowed or not _allowed(real, allowed):
        opt = "--allow-read" if mode == "read" else "--allow-write"
        raise GxSecurityError(
            f"{'reading' if mode == 'read' else 'writing'} '{path}' is not allowed "
            f"(allow it with {opt} PATH)")
    ext = os.path.splitext(real)[1].lower()
    if ext not in SUFFIXES:
        raise GxValueError(f"'{path}': only .npy, .npz and .csv files are supported")
    return real


def load(path, allowed, *, max_elements=10 ** 7):
    import numpy as np
    from .. import engine
    real = check_path(path, allowed, "read")
    ext = os.path.splitext(real)[1].lower()
    if not os.path.isfile(real):
        raise GxValueError(f"'{path}': no such file")
    size = os.path.getsize(real)
    if size > max_elements * 40 + 4096:
        raise GxLimitError(limit_message(f"file of {human(size)} bytes is too large to load",
                                         "max_elements", max_elements))
    try:
        if ext == ".npy":
            arr = np.load(real, allow_pickle=False)
        elif ext == ".npz":
            with np.load(real, allow_pickle=False) as z:
                keys = list(z.keys())
                if not keys:
                    raise GxValueError(f"'{path}' holds no arrays")
                arr = z[keys[0]]
        else:
            arr = _read_csv(real)
    except GxValueError:
        raise
    except (ValueError, OSError, EOFError) as e:
        raise GxValueError(f"cannot read '{path}': {e}") from None
    if arr.dtype.kind not in "fiub":
        raise GxValueError(f"'{path}' does not hold numbers (dtype {arr.dtype})")
    if arr.size > max_elements:
        raise GxLimitError(limit_message(
            f"array of {human(arr.size)} elements exceeds the limit", "max_elements",
            max_elements))
    if arr.dtype.kind == "f":
        arr = arr.astype(engine.get_default_dtype())
    return engine.tensor(arr.tolist()) if arr.ndim == 0 else engine.Variable(arr)


def _read_csv(real):
    import numpy as np
    rows = []
    with open(real, "r", encoding="utf-8") as f:
        for i, line in enumerate(f):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            cells = [c.strip() for c in line.split(",")]
            try:
                rows.append([float(c) for c in cells])
            except ValueError:
                if i == 0 and not rows:
                    continue            # a header line
                raise GxValueError(f"line {i + 1}: not a number in {line[:40]!r}") from None
    if not rows:
        return np.zeros((0,))
    if len({len(r) for r in rows}) != 1:
        raise GxValueError("rows of different lengths")
    arr = np.array(rows, dtype=np.float64)
    if arr.shape[1] == 1:
        arr = arr[:, 0]
    return arr


def save(path, t, allowed):
    import numpy as np
    import tempfile
    from ..engine.variable import Variable
    real = check_path(path, allowed, "write")
    if type(t) is Variable:
        arr = np.asarray(t.detach().numpy())
    elif type(t) in (int, float, bool, list, tuple):
        arr = np.asarray(t, dtype=np.float64)
    else:
        raise GxTypeError("save() takes a tensor, a number or a list of numbers")
    ext = os.path.splitext(real)[1].lower()
    d = os.path.dirname(real)
    if not os.path.isdir(d):
        raise GxValueError(f"'{path}': the directory does not exist")
    fd, tmp = tempfile.mkstemp(prefix=".gx-", suffix=ext, dir=d)
    try:
        with os.fdopen(fd, "wb") as f:
            if ext == ".npy":
                np.save(f, arr, allow_pickle=False)
            elif ext == ".npz":
                np.savez(f, arr)
            else:
                a = arr if arr.ndim == 2 else arr.reshape(-1, 1) if arr.ndim <= 1 else None
                if a is None:
                    raise GxValueError(".csv holds 1-d or 2-d data")
                np.savetxt(f, a, delimiter=",", fmt="%.17g")
        os.replace(tmp, real)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
