"""Python-number semantics of .gx: what ``+ - * / // % ** @`` and unary minus do when
neither operand is a tensor.

The language's rules: no bigints (an int beyond int64 becomes a float), no complex,
division by zero and overflow give inf/nan plus a NUM warning (an error under
--strict), and sequences and format strings stay within the length limits.
The compiler's closures handle plain ints/floats in range themselves and call these
for everything else (``SLOW_BINOPS``).
"""
from __future__ import annotations

import math
import operator

from .errors import GxLimitError, GxValueError
from .limits import bound_walk, human, limit_message

INT_BOUND = 2 ** 63  # Python ints beyond this become float64 (no bigints)


def _finite(x) -> bool:
    return x - x == 0


def bound_int(r, rt, pos):
    """An int result too large for int64 becomes a float (no bigints)."""
    if -INT_BOUND <= r < INT_BOUND:
        return r
    try:
        return float(r)
    except OverflowError:
        rt.numeric(pos, "integer overflow produced inf")
        return math.inf if r > 0 else -math.inf


def check_seq_len(n, rt, pos, what="list"):
    lim = rt.limits.max_list
    if n > lim:
        raise GxLimitError(limit_message(
            f"{what} of {human(n)} elements exceeds the length limit", "max_list", lim)
        ).at(pos, rt.filename, rt.source)


_SEQ = (list, tuple, str)


_NODE = {"+": "AddBackward0", "-": "SubBackward0", "*": "MulBackward0", "/": "DivBackward0",
         "//": "DivBackward0", "**": "PowBackward0"}


def _say(op, r, a, b, rt, pos):
    """The NaN/inf report of a Python-number operation, in the words of the engine's
    domain rules (engine/domains.py): "'/' produced inf: division by zero (1.0 / 0)"."""
    from ..engine import domains
    kind = "NaN" if r != r else ("inf" if r > 0 else "-inf")
    rule = domains.forward_rule(_NODE.get(op, ""), r, (a, b)) or \
        domains.generic("forward", "nan" if r != r else "inf", True)
    rt.numeric(pos, f"'{op}' produced {kind}: {rule}")


def _undefined(op, a, b, r, rt, pos):
    """NaN made from infinities that came from outside (a literal inf, a --set value):
    inf - inf, 0 * inf, inf / inf. Infinities a reported op made say nothing more
    (the root cause once: lang/nanreport.py)."""
    if not rt.nonfinite.reported:
        _say(op, r, a, b, rt, pos)


def num_add(a, b, rt, pos):
    r = a + b
    t = type(r)
    if t is int:
        return bound_int(r, rt, pos)
    if t is float:
        if not _finite(r):
            if _finite(a) and _finite(b):
                _say("+", r, a, b, rt, pos)
            elif r != r and a == a and b == b:
                _undefined("+", a, b, r, rt, pos)
        return r
    if t in _SEQ:
        check_seq_len(len(r), rt, pos, "string" if t is str else t.__name__)
    return r


def num_sub(a, b, rt, pos):
    r = a - b
    t = type(r)
    if t is int:
        return bound_int(r, rt, pos)
    if t is float and not _finite(r):
        if _finite(a) and _finite(b):
            _say("-", r, a, b, rt, pos)
        elif r != r and a == a and b == b:
            _undefined("-", a, b, r, rt, pos)
    return r


def num_mul(a, b, rt, pos):
    ta, tb = type(a), type(b)
    if ta in _SEQ or tb in _SEQ:
        seq, n = (a, b) if ta in _SEQ else (b, a)
        if type(n) in (int, bool):
            check_seq_len(len(seq) * max(int(n), 0), rt, pos,
                          "string" if type(seq) is str else type(seq).__name__)
        return a * b
    r = a * b
    t = type(r)
    if t is int:
        return bound_int(r, rt, pos)
    if t is float and not _finite(r):
        if _finite(a) and _finite(b):
            _say("*", r, a, b, rt, pos)
        elif r != r and a == a and b == b:
            _undefined("*", a, b, r, rt, pos)
    return r


def _div_zero(a, op, rt, pos):
    a = float(a)
    if a != a:
        return math.nan                 # NaN in, NaN out: nothing new
    if a == 0:
        _say(op, math.nan, a, 0.0, rt, pos)
        return math.nan
    if op == "%":
        rt.numeric(pos, f"'%' produced NaN: modulo by zero ({_num(a)} % 0)")
        return math.nan
    r = math.inf if a > 0 else -math.inf
    _say(op, r, a, 0.0, rt, pos)
    return r


def _num(v):
    from ..engine.domains import num
    return num(v)


def num_truediv(a, b, rt, pos):
    try:
        r = a / b
    except ZeroDivisionError:
        return _div_zero(a, "/", rt, pos)
    except OverflowError:
        r = math.inf if (a > 0) == (b > 0) else -math.inf
        _say("/", r, a, b, rt, pos)
        return r
    if type(r) is float and not _finite(r):
        if _finite(a) and _finite(b):
            _say("/", r, a, b, rt, pos)
        elif r != r and a == a and b == b:
            _undefined("/", a, b, r, rt, pos)
    return r


def num_floordiv(a, b, rt, pos):
    try:
        r = a // b
    except ZeroDivisionError:
        return _div_zero(a, "//", rt, pos)
    if type(r) is int:
        return bound_int(r, rt, pos)
    return r


def num_mod(a, b, rt, pos):
    if type(a) is str:
        check_percent_format(a, rt, pos)
        if isinstance(b, (list, tuple)):
            from .text import safe_repr
            safe_repr(b)            # a budget check: self-nested lists print for ever
        return a % b
    try:
        return a % b
    except ZeroDivisionError:
        return _div_zero(a, "%", rt, pos)


def num_pow(a, b, rt, pos):
    ta, tb = type(a), type(b)
    if ta is bool:
        a, ta = int(a), int
    if tb is bool:
        b, tb = int(b), int
    if ta is int and tb is int:
        if b >= 0:
            if b == 0:
                return 1
            if a in (0, 1):
                return a
            if a == -1:
                return 1 if b % 2 == 0 else -1
            if b * math.log2(abs(a)) < 63:
                return a ** b
        a = float(a)
        ta = float
    if ta in (int, float) and tb in (int, float):
        a = float(a)
        b = float(b)
        if a < 0 and b != int(b) and math.isfinite(b):
            _say("**", math.nan, a, b, rt, pos)
            return math.nan
        try:
            r = a ** b
        except ZeroDivisionError:
            _say("**", math.inf, a, b, rt, pos)
            return math.inf
        except OverflowError:
            neg = a < 0 and b == int(b) and int(b) % 2 == 1
            r = -math.inf if neg else math.inf
            _say("**", r, a, b, rt, pos)
            return r
        if type(r) is complex:     # pragma: no cover - guarded above
            _say("**", math.nan, a, b, rt, pos)
            return math.nan
        if not _finite(r) and _finite(a) and _finite(b):
            _say("**", r, a, b, rt, pos)
        return r
    return a ** b


def num_matmul(a, b, rt, pos):
    return a @ b


def num_neg(a, rt, pos):
    r = -a
    if type(r) is int:
        return bound_int(r, rt, pos)
    return r


_FMT_NUM = None


def check_percent_format(fmt, rt, pos):
    """'%5.2f' is fine; '%*d' and widths beyond 1000 would let a script allocate."""
    global _FMT_NUM
    if _FMT_NUM is None:
        import re
        _FMT_NUM = re.compile(r"%[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")
    for m in _FMT_NUM.finditer(fmt):
        for g in m.groups():
            if g == "*" or (g and int(g) > 1000):
                raise GxValueError("format width or precision too large (at most 1000)"
                                   ).at(pos, rt.filename, rt.source)


def _bitwise(op):
    """& | ^ of Python ints and bools, as Python computes them (an int64 result stays
    one); floats, strings and lists raise Python's TypeError."""
    def bitwise(a, b, rt, pos):
        if op is operator.xor and (type(a) is float or type(b) is float):
            raise TypeError(f"unsupported operand type(s) for ^: '{type(a).__name__}' and "
                            f"'{type(b).__name__}' (for a power write '**': x**2)")
        return op(a, b)
    bitwise.__name__ = "num_" + op.__name__.strip("_")
    return bitwise


def num_invert(a, rt, pos):
    """~a of a Python int or bool: -a - 1, as Python (~True == -2)."""
    return -int(a) - 1


SLOW_BINOPS = {
    "+": num_add, "-": num_sub, "*": num_mul, "/": num_truediv, "//": num_floordiv,
    "%": num_mod, "**": num_pow, "@": num_matmul, "&": _bitwise(operator.and_),
    "|": _bitwise(operator.or_), "^": _bitwise(operator.xor),
}


# ------------------------------------------- comparisons of lists and tuples

def _seq_eq(a, b):
    """== of lists/tuples as Python defines it, but iterative and within a budget:
    two separately built l = [l, l] towers would otherwise compare for ever."""
    from .runtime import CURRENT_RT
    rt = CURRENT_RT.get()
    budget = 16 * (rt.limits.max_list if rt is not None else 10 ** 6)
    n = 0
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        if x is y:
            continue
        tx = type(x)
        if (tx is list or tx is tuple) and type(y) is tx:
            if len(x) != len(y):
                return False
            n += len(x)
            if n > budget:
                raise GxLimitError(limit_message(
                    "comparison of lists with more than 16 elements per allowed list "
                    "element", "max_list", budget // 16))
            stack.extend(zip(reversed(x), reversed(y)))
        elif not (x == y):
            return False
    return True


_SEQ_TYPES = (list, tuple)
_WALKED = frozenset((list, tuple, dict))      # what Python compares by walking it


def _eq(a, b):
    if type(a) in _WALKED or type(b) in _WALKED:
        bound_walk(a, b)                # before the walk: shared parts count per path
        if type(a) in _SEQ_TYPES and type(b) in _SEQ_TYPES:
            return _seq_eq(a, b)
    return a == b


def _ne(a, b):
    return not _eq(a, b) if type(a) in _WALKED or type(b) in _WALKED else a != b


def _contains(a, b):
    if type(a) in _WALKED or type(b) in _WALKED:
        bound_walk(a, b)
        if type(b) in _SEQ_TYPES and type(a) in _SEQ_TYPES:
            return any(_seq_eq(a, x) for x in b if type(x) is type(a)) or \
                any(a is x for x in b)
    return a in b


def _ordered(op):
    """<, <=, >, >= : Python orders lists and tuples by walking them, natively."""
    def compare(a, b):
        if type(a) in _WALKED or type(b) in _WALKED:
            bound_walk(a, b)
        return op(a, b)
    compare.__name__ = op.__name__
    return compare


def _not_contains(a, b):
    return not _contains(a, b)


CMPOPS = {"<": _ordered(operator.lt), "<=": _ordered(operator.le),
          ">": _ordered(operator.gt), ">=": _ordered(operator.ge),
           "==": _eq, "!=": _ne, "is": operator.is_,
           "is not": operator.is_not, "in": _contains, "not in": _not_contains}
