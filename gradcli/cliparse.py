"""What the command line's values mean: numbers and lists (NAME=VALUE, --set,
--vars), sizes (512M), ranges (-2pi:2pi), and which values can be leaves that
require grad. Click and the standard library only (``gradcli --help`` stays fast);
cli.py re-exports these names.
"""
from __future__ import annotations

import re
import sys

import click

def parse_value(text: str):
    """A number or a (nested) list literal: '1.5', '-2', '[1, 2, 3]', 'nan', 'inf'."""
    import json
    special = {"nan": float("nan"), "inf": float("inf"), "+inf": float("inf"),
               "-inf": float("-inf"), "true": True, "false": False}
    t = text.strip()
    if t.lower() in special:
        return special[t.lower()]
    try:
        value = json.loads(t)
    except (ValueError, RecursionError):
        try:
            import ast
            value = ast.literal_eval(t)
        except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
            raise ValueError(f"not a number or a list of numbers: {text!r}") from None
    return check_value(value, text)


def check_value(value, text=None):
    from .render.jsonenc import decode_value
    return decode_value(value, text)


def _valid_name(name: str) -> bool:
    return name.isidentifier() and name.isascii() and not name.startswith("_")


def parse_assignment(text: str):
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or not _valid_name(name):
        raise ValueError(f"expected NAME=VALUE, got {text!r}")
    parsed = parse_value(value)
    if "inf" not in value.lower() and _overflowed(parsed):
        became = ("-inf" if parsed == float("-inf") else "inf" if isinstance(parsed, float)
                  else "a list holding inf")
        click.echo(f"gradcli: warning: {name}={value.strip()} is beyond the float range "
                   f"(about 1.8e308) and became {became}", err=True)
    return name, parsed


def _overflowed(value) -> bool:
    if isinstance(value, list):
        return any(_overflowed(v) for v in value)
    return isinstance(value, float) and value in (float("inf"), float("-inf"))


def leaf_problem(value) -> str | None:
    """Why a value given on the command line cannot be a leaf tensor that requires
    grad (grad, check EXPR, plot), or None. Checked here, so that it is a usage
    error (exit 2) and not an error of a script nobody wrote."""
    if isinstance(value, bool):
        return "True/False cannot be differentiated; give a number (1.0 or 0.0)"
    if isinstance(value, list):
        if not value:
            return "an empty list has nothing to differentiate; give numbers ([1.0, 2.0])"
        shapes = set()
        for item in value:
            problem = leaf_problem(item)
            if problem:
                return problem
            shapes.add(_shape_of(item))
        if len(shapes) > 1:
            return "the rows of a nested list must have one length (a rectangular array)"
    return None


def _shape_of(value):
    return (len(value),) + _shape_of(value[0]) if isinstance(value, list) and value else ()


def check_leaves(values: dict, wrt=None) -> None:
    """Usage errors for values that cannot be differentiated, and --wrt names
    without a value."""
    for name, value in values.items():
        problem = leaf_problem(value)
        if problem:
            raise click.BadParameter(f"{name}: {problem}", param_hint="NAME=VALUE")
    for name in wrt or ():
        if name not in values:
            raise click.BadParameter(f"{name!r} has no value (give {name}=VALUE)",
                                     param_hint="--wrt")


_UNITS = {"": 1, "b": 1, "k": 10**3, "kb": 10**3, "kib": 2**10, "m": 10**6, "mb": 10**6,
          "mib": 2**20, "g": 10**9, "gb": 10**9, "gib": 2**30, "t": 10**12, "tb": 10**12, "tib": 2**40}


def parse_size(text: str) -> int:
    """'512M', '2GiB', '100000' -> bytes."""
    t = text.strip().lower().replace(" ", "")
    i = len(t)
    while i and not (t[i - 1].isdigit() or t[i - 1] == "."):
        i -= 1
    number, unit = t[:i], t[i:]
    try:
        value = float(number) * _UNITS[unit]
    except (ValueError, KeyError):
        raise ValueError(f"not a size: {text!r} (examples: 512M, 2GiB, 100000)") from None
    if not value > 0:
        raise ValueError(f"size must be positive: {text!r}")
    if not value <= MAX_SIZE:
        raise ValueError(f"size must be at most 1 PiB: {text!r}")
    return int(value)


MAX_SIZE = 2 ** 50


def parse_number(text: str, integer: bool = False) -> float | int:
    """A finite number ('1.5', '1e6'); integer=True: an integral one ('10', '1e6')."""
    t = text.strip()
    try:
        return int(t)
    except ValueError:
        pass
    try:
        value = float(t)
    except ValueError:
        raise ValueError(f"not a number: {text!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"must be a finite number, not {text!r}")
    if integer:
        if value != int(value):
            raise ValueError(f"must be a whole number, not {text!r}")
        return int(value)
    return value


def limit_option(kind: str, low, high, low_open: bool = False):
    """The one validation of every limit option's value: a finite number (or size)
    in [low, high] (low excluded with low_open); else a usage error, exit 2. The
    upper bounds keep the process sound (``high`` may be a function: the C stack
    decides how deep calls may go)."""
    def parse(text):
        if kind == "size":
            value = parse_size(text)
        else:
            value = parse_number(text, integer=(kind == "int"))
        hi = high() if callable(high) else high
        if value < low or (low_open and value == low) or value > hi:
            lo_s = f"> {low:g}" if low_open else f">= {low:g}"
            raise ValueError(f"must be {lo_s} and <= {hi:g}, not {text!r}")
        return value
    return _click_parser(parse)


def _max_depth():
    from .lang.limits import max_depth_option
    return max_depth_option()


# a multiple of pi: an optional sign and factor, pi (or π), an optional divisor
_PI_MULTIPLE = re.compile(r"([+-]?)(\d+(?:\.\d*)?|\.\d+)?\s*\*?\s*(?:pi|π)"
                          r"\s*(?:/\s*(\d+(?:\.\d*)?|\.\d+))?", re.I)


def parse_bound(text: str) -> float:
    """A number, or a multiple of pi: '1.5', 'pi', '-2pi', '2*pi', '-pi/2', '3pi/4', 'π'."""
    t = text.strip()
    try:
        return float(t)
    except ValueError:
        pass
    m = _PI_MULTIPLE.fullmatch(t)
    if not m or (m.group(3) is not None and float(m.group(3)) == 0):
        raise ValueError(t)
    sign, k, d = m.groups()
    value = (float(k) if k else 1.0) * 3.141592653589793 / (float(d) if d else 1.0)
    return -value if sign == "-" else value


def parse_range(text: str):
    """'A:B' with numbers or pi multiples: '-5:5', '-2pi:2pi', '-pi/2:pi'."""
    a, sep, b = text.partition(":")
    try:
        lo, hi = parse_bound(a), parse_bound(b)
    except ValueError:
        raise ValueError(f"expected A:B with numbers or multiples of pi (-2pi:2pi), "
                         f"got {text!r}") from None
    if not sep or not lo < hi or not (abs(lo) < float("inf") and abs(hi) < float("inf")):
        raise ValueError(f"expected A:B with finite A < B, got {text!r}")
    return lo, hi


def _click_parser(fn, multiple=False):
    def callback(ctx, param, value):
        if value is None:
            return None
        try:
            return [fn(v) for v in value] if multiple else fn(value)
        except ValueError as e:
            raise click.BadParameter(str(e), ctx=ctx, param=param) from None
    return callback


# what --no-limits keeps: the limits that protect gradcli's own stack (deep recursion,
# deep nesting) rather than bound the time or memory of a trusted script
KEPT_BY_NO_LIMITS = ("max_depth", "max_nesting")


def no_limits(defaults, names=None) -> dict:
    """The Limits fields --no-limits lifts: no wall-time limit, and every size or
    count limit as large as a machine can hold (an explicit --max-... still wins)."""
    lifted = {}
    for name in names or [f for f in vars(defaults) if not f.startswith("_")]:
        if name == "timeout":
            lifted[name] = None
        elif name not in KEPT_BY_NO_LIMITS:
            lifted[name] = type(getattr(defaults, name))(sys.maxsize)
    return lifted
