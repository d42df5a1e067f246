"""``load(path)`` and ``save(path, t)`` for scripts: only under allowed paths.

- Paths are resolved (symlinks followed, ``..`` removed) before the check, and the
  resolved path must lie inside one of the directories (or be one of the files)
  the user allowed with ``--allow-read`` / ``--allow-write``.
- ``.npy`` is read with ``allow_pickle=False``; ``.npz`` yields the first array
  (or the one named like the file's only key); ``.csv`` is numbers separated by
  commas (a header line of non-numbers is skipped).
- Sizes come from the headers before any data is read: a ``.npy`` header (or the
  header of an ``.npz`` member, read from the decompressing stream) gives dtype and
  shape, which must pass the element and memory budget; then exactly that many bytes
  are read (a 3 MB zip bomb never inflates). Only regular files are opened (a FIFO
  named ``x.npy`` would block for ever).
- Writes are atomic: a temporary file in the same directory, written and fsync'ed,
  then ``os.replace``; an overwritten file keeps its mode (a new one gets the umask's);
  the temporary is removed on any error, Ctrl-C or SIGTERM.
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
    from .. import engine
    real = check_path(path, allowed, "read")
    ext = os.path.splitext(real)[1].lower()
    if not os.path.exists(real):
        raise GxValueError(f"'{path}': no such file")
    size = os.path.getsize(real)
    if size > max_elements * 40 + 4096:
        raise GxLimitError(limit_message(f"file of {human(size)} bytes is too large to load",
                                         "max_elements", max_elements))
    try:
        with _open_regular(real, path) as f:
            if ext == ".csv":
                arr = _read_csv(f)
            else:
                if ext == ".npy":
                    arr = _read_npy(f, path, max_elements)
                else:
                    arr = _read_npz(f, path, max_elements)
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


def _open_regular(real, path):
    """The file at ``real`` opened for reading, only if it is a regular file."""
    import stat
    fd = os.open(real, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise GxValueError(f"'{path}' is not a regular file")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _read_npy(f, path, max_elements):
    """One array from an .npy stream: header first, budget, then exactly its bytes."""
    import math
    import numpy as np
    from numpy.lib import format as npf
    version = npf.read_magic(f)
    if version == (1, 0):
        shape, fortran, dtype = npf.read_array_header_1_0(f)
    elif version in ((2, 0), (3, 0)):
        shape, fortran, dtype = npf.read_array_header_2_0(f)
    else:
        raise GxValueError(f"'{path}': unsupported .npy version {version}")
    if dtype.kind not in "fiub" or dtype.fields is not None or dtype.subdtype is not None:
        raise GxValueError(f"'{path}' does not hold numbers (dtype {dtype})")
    n = math.prod(shape)
    if n > max_elements:
        raise GxLimitError(limit_message(
            f"array of {human(n)} elements exceeds the limit", "max_elements", max_elements))
    from ..engine.context import afford
    afford(n, dtype.itemsize)          # bytes and the process's growth (--max-memory)
    nbytes = n * dtype.itemsize
    data = f.read(nbytes)
    if len(data) != nbytes:
        raise GxValueError(f"'{path}' is truncated ({len(data)} of {nbytes} bytes)")
    arr = np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran else "C")
    return arr.copy()


def _read_npz(f, path, max_elements):
    """The first array of an .npz (a zip of .npy members), read through its header."""
    import zipfile
    try:
        z = zipfile.ZipFile(f)
    except zipfile.BadZipFile as e:
        raise GxValueError(f"cannot read '{path}': {e}") from None
    with z:
        names = [n for n in z.namelist() if n.endswith(".npy")]
        if not names:
            raise GxValueError(f"'{path}' holds no arrays")
        try:
            with z.open(names[0]) as member:
                return _read_npy(member, path, max_elements)
        except (zipfile.BadZipFile, RuntimeError, NotImplementedError) as e:
            raise GxValueError(f"cannot read '{path}': {e}") from None


def _read_csv(raw):
    import io
    import numpy as np
    rows = []
    with io.TextIOWrapper(raw, encoding="utf-8") as f:
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
    mode = _mode_for(real)
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
            f.flush()
            os.fchmod(f.fileno(), mode)
            os.fsync(f.fileno())
        os.replace(tmp, real)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _mode_for(real) -> int:
    """The mode of the file ``real`` replaces (kept), or what the umask gives a new one."""
    import stat
    try:
        st = os.stat(real)
        if stat.S_ISREG(st.st_mode):
            return stat.S_IMODE(st.st_mode)
    except OSError:
        pass
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask
