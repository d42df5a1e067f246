"""Every callable a script can reach, abused with hostile arguments (tests/test_hostile_fuzz.py).

``cases()`` enumerates, from the live tables (not from a list written here, so a new
built-in is abused the day it is registered): every built-in of the registry, every
member of the ``torch``/``np``/``math`` namespaces (``torch.nn``, ``F``, ``optim``,
``torch.autograd.functional`` included), every method of tensors, lists, tuples, strings,
dicts, nn modules and optimizers; each called with each of ``HOSTILE``'s arguments.

``python tests/hostile_fuzz.py FIRST LAST`` runs cases FIRST..LAST-1 in one process, each
in a fresh Session under the judged limits (--timeout 2, --max-memory 256M), and prints
one JSON line per case, before (``{"start": i}``) and after it ran, so that the parent
can tell which case a process that stopped answering was running.
"""
from __future__ import annotations

import json
import os
import sys
import time

TIMEOUT = 1.0        # per case (the sample processes below run with --timeout 2)
MAX_MEMORY = 256 << 20
FRESH = 64          # cases per session (then a fresh one, its prelude run again)

# built once per session: a 2^40-path tower, a tuple tower, 3000 levels deep, a 10^6 string
PRELUDE = """\
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
import math
import numpy as np
A = [0]
T = (0,)
for i in range(40):
    A = [A, A]
    T = (T, T)
D = [1.0]
for i in range(3000):
    D = [D]
S = "x" * 1000000
X = tensor([1., 2., 3.], requires_grad=True)
M = ones(3, 3)
H = history(X * 2)
L = nn.Linear(3, 2)
O = optim.SGD([X], lr=0.1)
"""

HOSTILE = ["10**12", "-10**12", "-1", "0", "nan", "inf", "-inf", "1e308", "2**62", "A", "T",
           "D", "S", "None", "'abc'", "(10**6, 10**6)", "[10**12]", "[nan, inf]", "X", "M",
           "ones(0)", "H", "print", "True", "L", "(A, A)", "-0.5"]

# receivers of methods, by the table they come from
RECEIVERS = {"tensor": "X", "list": "[1, 2]", "tuple": "(1, 2)", "str": "'ab'",
             "dict": "H.data", "module": "L", "optimizer": "O"}


def _callables():
    """(spelling, receiver-or-None) of every callable a script reaches."""
    from gradcli.lang import attributes
    from gradcli.lang.builtins import make_builtins
    from gradcli.lang.runtime import Runtime
    from gradcli.lang.values import Builtin, Namespace
    rt = Runtime()
    B = make_builtins(rt)
    out, fns = [], set()           # a function reached under several names: abused once

    def add(name, v):
        key = id(getattr(v, "fn", v))
        if key not in fns:
            fns.add(key)
            out.append((name, None))
    for name, v in sorted(B.items()):
        if type(v) is Builtin:
            add(name, v)

    def walk(prefix, ns, seen):
        for name in sorted(ns.members):
            v = ns.members[name]
            if type(v) is Namespace and id(v) not in seen:
                seen.add(id(v))
                walk(f"{prefix}.{name}", v, seen)
            elif type(v) is Builtin:
                add(f"{prefix}.{name}", v)
    for ns_name, spelled in (("torch", "torch"), ("numpy", "np"), ("math", "math")):
        walk(spelled, rt.namespaces[ns_name], set())
    tables, methods = attributes._tables()
    from gradcli.engine.variable import Variable
    for kind, t in (("tensor", Variable), ("list", list), ("tuple", tuple), ("str", str),
                    ("dict", dict)):
        out.extend((m, kind) for m in sorted(methods[t]))
    from gradcli.engine.nn import Linear
    from gradcli.engine.optim import SGD
    for kind, cls in (("module", Linear), ("optimizer", SGD)):
        out.extend((m, kind) for m in cls.attrs if callable(getattr(cls, m, None)))
    return out


PAIRS = ("10**12", "A", "D", "S", "nan", "(10**6, 10**6)", "-1")
STRIDE = 3      # by default each callable gets every STRIDE-th argument (rotating with the
#                 callable, so that all arguments are used across callables): ~9,000 cases;
#                 GRADCLI_FUZZ=all runs the whole product (~27,000 cases, minutes)


def cases(full: bool | None = None) -> list[tuple[str, str]]:
    """(id, one line of .gx) for every callable x hostile arguments, in a fixed order."""
    if full is None:
        full = os.environ.get("GRADCLI_FUZZ") == "all"
    out = []
    for i, (name, kind) in enumerate(_callables()):
        call = name if kind is None else f"({RECEIVERS[kind]}).{name}"
        for j, a in enumerate(HOSTILE):
            if full or (i + j) % STRIDE == 0:
                out.append((f"{call}({a})", f"r = {call}({a})"))
            if full or (i + j + 1) % STRIDE == 0:
                out.append((f"{call}(X, {a})", f"r = {call}(X, {a})"))
        for j, a in enumerate(PAIRS):
            if full or (i + j) % len(PAIRS) == 0:
                out.append((f"{call}({a}, {a})", f"r = {call}({a}, {a})"))
                out.append((f"{call}(X, dim={a})", f"r = {call}(X, dim={a})"))
    return out


# ------------------------------------------------------------------ the worker

def _rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def run(first: int, last: int) -> None:
    from gradcli.lang.errors import GxError, format_error
    from gradcli.lang.limits import cap_address_space
    from gradcli.session import Limits, Options, Session
    cap_address_space(MAX_MEMORY)            # as the CLI process does
    limits = Limits(timeout=TIMEOUT, max_memory=MAX_MEMORY)
    all_cases = cases()
    s = None
    for i in range(first, min(last, len(all_cases))):
        ident, src = all_cases[i]
        print(json.dumps({"start": i}), flush=True)
        if i % FRESH == 0 or s is None:        # a session state a case changed lasts FRESH cases
            s = Session(Options(limits=limits), on_print=lambda *a: None,
                        on_warning=lambda *a: None)
            s.run(PRELUDE, "prelude.gx")
        t = time.monotonic()
        status, message = 0, ""
        try:
            s.exec_interactive(src + "\n", "h.gx")     # parsed, not cached: no files
        except GxError as e:
            status, message = e.exit_code, format_error(e)
            if e.line is None and status != 2:
                status = -3                     # a run-time error without a position
        except BaseException as e:              # noqa: BLE001 - the finding itself
            status, message = -1, f"{type(e).__name__}: {e}"
        dt = time.monotonic() - t
        bad = ("Traceback" in message or "internal error" in message.lower())
        print(json.dumps({"end": i, "id": ident, "status": status, "time": round(dt, 3),
                          "rss": _rss(), "bad": bad, "message": message[-300:]}), flush=True)


if __name__ == "__main__":
    run(int(sys.argv[1]), int(sys.argv[2]))
