"""A status line on standard error while a long run, check or plot goes on.

After ``DELAY`` seconds, and only when standard error is a terminal and the
output is not JSON, a background thread redraws one line on stderr every
``INTERVAL`` seconds::

    gradcli: running train.gx · 1,234,567 steps · 3.2 s · time limit 60 s (--timeout)

The line is erased before anything else is written (the ``Output`` writes a
print or a warning inside ``pause()``, which also keeps the line from being
redrawn until the write is done) and when the work ends, so it never
mixes with the script's output; pipes and JSON consumers never see it.
The thread only reads a counter: it costs the run nothing measurable.
"""
from __future__ import annotations

import contextlib
import shutil
import threading
import time

DELAY = 1.0
INTERVAL = 0.2
CLEAR = "\r\x1b[K"


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def wanted(out) -> bool:
    return not out.json and _isatty(out.err)


class Progress:
    """``with Progress(out, "running s.gx", steps=fn, timeout=60):`` shows the line
    while the block runs; ``steps`` returns the work done so far (or None),
    ``total`` (optional) the work there is."""

    def __init__(self, out, what: str, steps=None, total=None, timeout=None,
                 delay: float = DELAY):
        self.out, self.what, self.steps, self.total = out, what, steps, total
        self.timeout, self.delay = timeout, delay
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.shown = False
        self.thread = None
        self.start = 0.0

    def __enter__(self):
        if wanted(self.out):
            self.start = time.monotonic()
            self.out.pause = self.pause
            self.thread = threading.Thread(target=self._loop, name="gradcli-progress", daemon=True)
            self.thread.start()
        return self

    def __exit__(self, *exc):
        if self.thread is not None:
            self.stop.set()
            self.thread.join(1.0)
            with self.pause():
                self.out.pause = None
        return False

    @contextlib.contextmanager
    def pause(self):
        """Erase the line and keep it away while the block writes (it comes back at
        the next redraw)."""
        with self.lock:
            if self.shown:
                self._write(CLEAR)
                self.shown = False
            yield

    def text(self, width: int = 1000) -> str:
        """The line, at most ``width`` characters: the label is cut first, never the numbers."""
        elapsed = time.monotonic() - self.start
        parts = []
        done = self._done()
        if done is not None:
            parts.append(f"{done:,}/{self.total:,}" if self.total else f"{done:,} steps")
        if self.timeout:
            parts.append(f"{elapsed:.1f} s · time limit {self.timeout:g} s (--timeout)")
        else:
            parts.append(f"{elapsed:.1f} s · no time limit")
        tail = " · " + " · ".join(parts)
        head = f"gradcli: {self.what}"
        room = max(12, width - len(tail))
        if len(head) > room:
            head = head[:room - 1] + "…"
        return (head + tail)[:width]

    def _done(self):
        if self.steps is None:
            return None
        try:
            value = self.steps()
        except Exception:        # a counter that is not there yet: show no count
            return None
        return None if value is None else int(value)

    def _loop(self) -> None:
        if self.stop.wait(self.delay):
            return
        while not self.stop.is_set():
            with self.lock:
                if not self.stop.is_set():
                    width = shutil.get_terminal_size((80, 24)).columns
                    self._write(CLEAR + self.text(max(20, width - 1)))    # one row, never wrapped
                    self.shown = True
            self.stop.wait(INTERVAL)

    def _write(self, text: str) -> None:
        try:
            self.out.err.write(text)
            self.out.err.flush()
        except (OSError, ValueError):
            self.stop.set()
