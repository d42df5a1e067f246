"""Find grammar/gx.lark, build the Lark LALR parser once per process, cache it.

The grammar ships inside the wheel as ``gradcli/grammar/gx.lark`` (pyproject's
hatch force-include); in a source checkout or editable install it is
``<repo>/grammar/gx.lark``. Lark's own cache (the analysed LALR tables) lives
in the user's cache directory (``$XDG_CACHE_HOME/gradcli`` or
``~/.cache/gradcli``, mode 0700), never in a shared /tmp file; when that
directory cannot be used, the parser is built without a cache.
"""
from __future__ import annotations

import hashlib
import os
import stat
from functools import lru_cache
from pathlib import Path

_PKG_DIR = Path(__file__).resolve().parent.parent          # .../gradcli
_CANDIDATES = (
    _PKG_DIR / "grammar" / "gx.lark",                        # installed wheel
    _PKG_DIR.parent / "grammar" / "gx.lark",                 # source checkout
)

START_RULES = ["start", "eval_input"]
MAX_BLOCK_DEPTH = 100       # Python's own limit on indentation levels


def grammar_path() -> Path:
    for path in _CANDIDATES:
        if path.is_file():
            return path
    raise FileNotFoundError("gx.lark not found in " + ", ".join(map(str, _CANDIDATES)))


@lru_cache(maxsize=1)
def grammar_text() -> str:
    return grammar_path().read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def grammar_hash() -> str:
    """Changes whenever the grammar changes. (Lark's table cache adds Lark's version
    to its own file name; the AST cache needs none: the AST is built by our code.)"""
    return hashlib.sha256(grammar_text().encode("utf-8")).hexdigest()


def cache_dir() -> Path | None:
    """The user's private gradcli cache directory (created 0700), or None.

    None when it cannot be created, is not a directory we own, or is writable
    by others: a cache another user can write is a code-injection vector
    (Lark's cache and ours are pickles).
    """
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not base or not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".cache")
    path = Path(base) / "gradcli"
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = path.lstat()
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


def __getattr__(name):
    """The Lark-dependent half (GxIndenter, build_parser, the fast tokenizer...) lives in
    larkgrammar.py and is imported only when a script must really be parsed: a cached
    AST, and `gradcli --help`, never import lark."""
    if name.startswith("__"):
        raise AttributeError(name)
    from . import larkgrammar
    return getattr(larkgrammar, name)
