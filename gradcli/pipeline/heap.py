"""Freed memory kept in the process while a stage streams blocks of points.

A columnar stage evaluates one block of ``stage.BLOCK`` points after another; each
block allocates the same few dozen arrays (half a MiB each) and frees them. glibc's
malloc hands such chunks back to the kernel (an ``mmap`` per array above its
threshold, and a trim of the heap's top when much is free), so every block faults
its memory in again: about 0.1 to 0.2 s of system time over 10^7 points on the W7b
machine, more than the multiplications cost (docs/scaling.md, "Speed"). Raising the
two thresholds keeps the blocks' memory in the process, and the next block reuses
it. Only the stage calls this (a process that ends with the stage); ``gradcli.batch``,
called inside someone else's program, leaves their allocator as it is.
"""
from __future__ import annotations

_M_TRIM_THRESHOLD = -1      # glibc's mallopt parameters (malloc.h)
_M_MMAP_THRESHOLD = -3
MMAP_AT = 32 << 20          # chunks below this come from the heap (glibc's upper bound)
TRIM_AT = 256 << 20         # free memory at the heap's top kept up to this


def keep_freed_memory() -> bool:
    """Ask glibc to keep freed blocks (True when it could be asked; elsewhere a no-op).
    numpy has imported ctypes already, so this costs no import."""
    try:
        import ctypes
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (ImportError, OSError, AttributeError):
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_AT)) and bool(mallopt(_M_TRIM_THRESHOLD, TRIM_AT))
