"""Where the grammar and the caches are: gx.lark, its text and hash, the user's cache
directory. No Lark here (lalr.py builds the parser).

The grammar ships inside the wheel as ``gradcli/grammar/gx.lark`` (pyproject's
hatch force-include); in a source checkout or editable install it is
``<repo>/grammar/gx.lark``. Lark's own cache (the analysed LALR tables) lives
in the user's cache directory (``$XDG_CACHE_HOME/gradcli`` or
``~/.cache/gradcli``, mode 0700), never in a shared /tmp file; when that
directory cannot be used, the parser is built without a cache.
"""
from __future__ import annotations

import os
import stat
from functools import lru_cache

# os.path and _blake2 rather than pathlib and hashlib: every run reads the grammar's hash
# and the cache directory, and those two imports alone cost ~10 ms of a one-liner's start.
_PKG_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))  # .../gradcli
_CANDIDATES = (
    os.path.join(_PKG_DIR, "grammar", "gx.lark"),                        # installed wheel
    os.path.join(os.path.dirname(_PKG_DIR), "grammar", "gx.lark"),       # source checkout
)


def hasher(data: bytes = b""):
    """A BLAKE2b hash object (the cache keys)."""
    try:
        from _blake2 import blake2b        # CPython's own module: no OpenSSL load
    except ImportError:                    # pragma: no cover - other implementations
        from hashlib import blake2b
    return blake2b(data)

START_RULES = ["start", "eval_input"]
MAX_BLOCK_DEPTH = 100       # Python's own limit on indentation levels


def _grammar_file() -> str:
    for path in _CANDIDATES:
        if os.path.isfile(path):
            return path
    raise FileNotFoundError("gx.lark not found in " + ", ".join(_CANDIDATES))


def grammar_path():
    """gx.lark as a pathlib.Path."""
    from pathlib import Path
    return Path(_grammar_file())


@lru_cache(maxsize=1)
def grammar_text() -> str:
    with open(_grammar_file(), encoding="utf-8") as f:
        return f.read()


@lru_cache(maxsize=1)
def grammar_hash() -> str:
    """Changes whenever the grammar changes. (Lark's table cache adds Lark's version
    to its own file name; the AST cache needs none: the AST is built by our code.)"""
    return hasher(grammar_text().encode("utf-8")).hexdigest()


def cache_dir():
    """cache_path() as a pathlib.Path (or None)."""
    path = cache_path()
    if path is None:
        return None
    from pathlib import Path
    return Path(path)


def cache_path() -> str | None:
    """The user's private gradcli cache directory (created 0700), or None.

    None when it cannot be created, is not a directory we own, or is writable
    by others (another user could plant or swap entries). Every directory made on
    the way is 0700 whatever the umask; lang/cachestore.py then opens it once and
    reads entries relative to it.
    """
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not base or not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".cache")
    path = os.path.join(base, "gradcli")
    try:
        from ..cachestore import private_dirs
        private_dirs(path)
        st = os.lstat(path)
        if not stat.S_ISDIR(st.st_mode):
            return None
        if hasattr(os, "getuid") and st.st_uid != os.getuid():
            return None
        if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            return None
        if not os.access(path, os.W_OK | os.X_OK):
            return None
    except OSError:
        return None
    return path

