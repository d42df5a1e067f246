"""'Did you mean ...?': the one matcher behind every suggestion (unknown names and
attributes in scripts, unknown options and commands on the command line).

* Distance: optimal string alignment (Damerau–Levenshtein where a swap of two
  neighbours costs 1), so ``sni``, ``exo``, ``lgo`` are one edit from
  ``sin``, ``exp``, ``log``; ``difflib``'s ratio, which this replaces, ranks
  ``--wrt`` close to ``--fromat``.
* How far: one edit for words of up to four characters, two up to eight, three
  beyond. A one- or two-character word is matched only by a swap, a doubled
  letter (``yy`` -> ``y``) or a name the user made (a script variable), so
  ``ln`` never becomes ``len`` and ``torch.nn`` never ``nan``.
* Order: distance, then the user's own names, then how common a built-in is
  (``FREQUENT``), then alphabetical.
* Other spellings: ``ln`` and ``arcsin`` name .gx's ``log`` and ``asin``
  (``ALIASES``): qalc, Octave and maths-textbook habits.

Standard library only; no click, no numpy.
"""
from __future__ import annotations

# Built-ins by how often people reach for them (first = most common); a tie in
# distance goes to the more common one.
FREQUENT = (
    "print", "tensor", "sin", "cos", "exp", "log", "sqrt", "sum", "mean", "range", "len",
    "abs", "max", "min", "tanh", "sigmoid", "relu", "grad", "backward", "zeros", "ones",
    "randn", "rand", "matmul", "tan", "pow", "norm", "softmax", "reshape", "item", "float",
    "int", "list", "pi", "e", "inf", "nan",
)
_RANK = {name: i for i, name in enumerate(FREQUENT)}

# what users of other calculators type -> the .gx name
ALIASES = {
    "ln": "log", "arcsin": "asin", "arccos": "acos", "arctan": "atan",
    "arcsinh": "asinh", "arccosh": "acosh", "arctanh": "atanh", "fabs": "abs", "power": "pow",
}


def distance(a: str, b: str, limit: int | None = None) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions and
    swaps of neighbours each cost 1. Stops early past ``limit`` (returns limit + 1)."""
    if a == b:
        return 0
    if limit is not None and abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if limit is not None and min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def allowed(word: str) -> int:
    """How many edits a suggestion for ``word`` may be away."""
    n = len(word)
    return 1 if n <= 4 else 2 if n <= 8 else 3


def _short_word_ok(word: str, candidate: str, own: bool) -> bool:
    """A 1-2 character word: only a swap, a doubled letter, or the user's own name."""
    if own:
        return True
    if sorted(word) == sorted(candidate) and len(word) == len(candidate):
        return True         # a swap: 'xy' for 'yx'
    return len(word) == len(candidate) + 1 and any(
        word[:i] + word[i + 1:] == candidate and word[i] == word[i - 1] for i in range(1, len(word)))


def close_matches(word: str, candidates, own=(), n: int = 3) -> list[str]:
    """The best suggestions for ``word`` among ``candidates`` (best first); ``own``
    are the names the user made (script variables), preferred on a tie."""
    own = set(own)
    pool = set(candidates) | own
    pool.discard(word)
    limit = allowed(word)
    scored = []
    for cand in pool:
        if not cand or cand.startswith((" ", "_")):
            continue
        d = distance(word.lower(), cand.lower(), limit)
        if d > limit or d >= max(len(word), len(cand)):
            continue
        if len(word) <= 2 and not _short_word_ok(word, cand, cand in own):
            continue
        scored.append((d, cand not in own, _RANK.get(cand, len(_RANK)), cand))
    scored.sort()
    return [s[3] for s in scored if s[0] == scored[0][0]][:n]     # the nearest ones only


def alias_of(word: str, candidates=None) -> str | None:
    """The .gx name for another calculator's spelling (``ln`` -> ``log``)."""
    target = ALIASES.get(word)
    if target is None or (candidates is not None and target not in candidates):
        return None
    return target


def phrase(word: str, candidates, own=()) -> str | None:
    """"did you mean 'x'?" (or "'a' or 'b'"), the alias note first; None when nothing is close."""
    alias = alias_of(word, set(candidates) | set(own))
    if alias is not None:
        return f"did you mean '{alias}'? (.gx spells {word} as {alias})"
    close = close_matches(word, candidates, own)
    if not close:
        return None
    if len(close) == 1:
        return f"did you mean '{close[0]}'?"
    return "did you mean " + ", ".join(f"'{c}'" for c in close[:-1]) + f" or '{close[-1]}'?"
