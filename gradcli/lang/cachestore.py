"""The user's cache directory as a store of data that nobody else can plant or swap.

Threats: another local user who can write a parent of the cache directory (a shared
``XDG_CACHE_HOME``, a world-writable ``/tmp`` base, a umask of 000) swaps a file or a
directory between a check and an open, or plants entries (a FIFO that hangs the
reader, ``/dev/zero`` that grows its memory, a tree that changes ``lr = 0.1``). So:

- every directory gradcli creates is 0700, whatever the umask (parents too);
- the cache directory is opened once (``O_NOFOLLOW | O_DIRECTORY``) and checked on
  the open descriptor: a directory, owned by this user, no group or other access;
  every entry is then opened *relative to that descriptor* (``dir_fd``) with
  ``O_NOFOLLOW | O_NONBLOCK`` and accepted only as a regular file owned by this
  user, with one link and at most ``MAX_ENTRY`` bytes;
- writes go to a fresh temporary name (``O_EXCL``, 0600) and are renamed into place;
- the store is bounded: past ``MAX_ENTRIES`` entries the oldest go.

What an entry holds is the caller's business; callers store data, never code
(``parse.cache`` decodes its entries with a checker, and re-checks the result).
Standard library only: a cached run must not import more than it needs.
"""
from __future__ import annotations

import os
import stat

MAX_ENTRY = 16 << 20       # bytes of one entry
MAX_ENTRIES = 512          # entries of one store kept (oldest out)

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def _euid() -> int:
    return os.geteuid() if hasattr(os, "geteuid") else -1


def private_dirs(path: str) -> None:
    """``os.makedirs(path)`` with every directory it creates 0700, whatever the umask."""
    old = os.umask(0o077)
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)
    finally:
        os.umask(old)


class Store:
    """One open, checked cache directory; entries are names inside it."""

    def __init__(self, fd: int):
        self.fd = fd
        self.writes = 0

    @classmethod
    def open(cls, path: str, create: bool = True) -> "Store | None":
        """The directory ``path`` (created 0700 if missing), or None when it is not a
        private directory of this user (then nothing is cached)."""
        if not path or not os.path.isabs(path):
            return None
        try:
            if create:
                private_dirs(path)
            fd = os.open(path, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC)
        except OSError:
            return None
        try:
            st = os.fstat(fd)
            if not stat.S_ISDIR(st.st_mode) or st.st_uid != _euid():
                raise OSError("not our directory")
            if st.st_mode & 0o077:
                os.fchmod(fd, 0o700)          # ours, but open to others: close it first
            return cls(fd)
        except OSError:
            os.close(fd)
            return None

    def sub(self, name: str) -> "Store | None":
        """A subdirectory, created 0700 and checked like the store itself."""
        try:
            os.mkdir(name, 0o700, dir_fd=self.fd)
        except FileExistsError:
            pass
        except OSError:
            return None
        try:
            fd = os.open(name, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC, dir_fd=self.fd)
        except OSError:
            return None
        try:
            st = os.fstat(fd)
            if not stat.S_ISDIR(st.st_mode) or st.st_uid != _euid():
                raise OSError("not our directory")
            if st.st_mode & 0o077:
                os.fchmod(fd, 0o700)
            return Store(fd)
        except OSError:
            os.close(fd)
            return None

    def close(self) -> None:
        if self.fd >= 0:
            try:
                os.close(self.fd)
            except OSError:
                pass
            self.fd = -1

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    # --------------------------------------------------------------- entries
    def read(self, name: str, cap: int = MAX_ENTRY) -> bytes | None:
        """The bytes of entry ``name``, or None: missing, not a regular file of ours
        with one link, or larger than ``cap``."""
        try:
            fd = os.open(name, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC, dir_fd=self.fd)
        except OSError:
            return None
        try:
            st = os.fstat(fd)
            if (not stat.S_ISREG(st.st_mode) or st.st_uid != _euid() or st.st_nlink != 1
                    or st.st_size > cap):
                return None
            chunks, left = [], st.st_size + 1
            while left > 0:
                chunk = os.read(fd, min(left, 1 << 20))
                if not chunk:
                    break
                chunks.append(chunk)
                left -= len(chunk)
            data = b"".join(chunks)
            return data if len(data) <= cap else None
        except OSError:
            return None
        finally:
            os.close(fd)

    def write(self, name: str, data: bytes) -> bool:
        """Entry ``name`` := ``data``, atomically (a temporary name, then rename)."""
        if len(data) > MAX_ENTRY:
            return False
        tmp = f".{name}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC,
                         0o600, dir_fd=self.fd)
        except OSError:
            return False
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, name, src_dir_fd=self.fd, dst_dir_fd=self.fd)
        except OSError:
            try:
                os.unlink(tmp, dir_fd=self.fd)
            except OSError:
                pass
            return False
        self.writes += 1
        self.prune()
        return True

    def prune(self, keep: int = MAX_ENTRIES) -> int:
        """Remove the oldest entries beyond ``keep`` (and stale temporaries); how many."""
        try:
            entries = []
            with os.scandir(self.fd) as it:
                for e in it:
                    try:
                        st = e.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    if stat.S_ISDIR(st.st_mode):
                        continue
                    entries.append((st.st_mtime, e.name))
        except OSError:
            return 0
        if len(entries) <= keep:
            return 0
        entries.sort()
        removed = 0
        for _, name in entries[: len(entries) - keep]:
            try:
                os.unlink(name, dir_fd=self.fd)
                removed += 1
            except OSError:
                pass
        return removed
