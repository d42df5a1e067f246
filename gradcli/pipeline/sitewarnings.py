"""A stage's NaN/inf warnings: each site once per run, at the input line of its first point.

A stage evaluates its points in blocks (JSON lines in chunks of up to 4096, columns in
blocks of 2^16, some points alone), and a session reports a NaN or infinity once per
site per evaluation, with its index in that evaluation's tensor. Passed through as
they are, one bad site over 10^7 points would warn 153 times, each at an index into
its block. ``OncePerSite`` stands between the session and the output: the first report
of a site (its position, op, phase and kind) goes out with the place replaced by the
input line (or row) of the first point it saw, the way the records and the error
lines number points; later reports of that site are dropped. The records carry every
point's value ("nan"); the warning explains the first. Other warnings pass once per
text and position.
"""
from __future__ import annotations

from ..lang.nanreport import relocated


class OncePerSite:
    def __init__(self, emit, batch, word: str = "line"):
        self.emit = emit
        self.batch = batch
        self.word = word
        self.seen = set()

    def __call__(self, w):
        d = w.details
        if d is None:
            key = (w.category, w.message, w.line, w.col)
        else:
            key = (w.category, w.line, w.col, d.get("op"), d.get("phase"), d.get("nonfinite"))
        if key in self.seen:
            return
        self.seen.add(key)
        if d is not None:
            index = d.get("index") or (0,)
            where = f" at {self.word} {self.batch.line_of(index[0])}"
            if self.batch.alone and d.get("size") != 1:    # a point of lists: its own index stays
                w.message = relocated(w.message, {"size": 1}, where)
            else:
                w.message = relocated(w.message, d, where)
        self.emit(w)
