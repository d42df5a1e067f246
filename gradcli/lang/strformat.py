"""``str.format`` (and so every f-string, which the parser builds as one) by our rules.

Python's own ``str.format`` looks up attributes and items inside field names
(``"{0.__class__}"``, ``"{0[0]}"``) and calls each value's ``__format__``: both reach
past the allowlists. Here a field name is a position or a plain keyword, nothing more
(S7), and values format by the script's rules: numbers and strings as in Python, a
tensor as PyTorch's ``Tensor.__format__`` does (a 0-d tensor like its ``item()``, any
other only with an empty spec), every other value as its text with an empty spec.
"""
from __future__ import annotations

import re
import string

from .errors import GxLimitError, GxSecurityError, GxTypeError, GxValueError
from .text import safe_repr, to_str

# Widths and precisions beyond this would build huge strings ("{:999999999}").
MAX_FORMAT_NUMBER = 100_000
_NUMBERS = re.compile(r"\d+")
_NATIVE = (int, float, bool, str)


class _Formatter(string.Formatter):
    def get_field(self, field_name, args, kwargs):
        if not field_name.isdigit() and not field_name.isidentifier():
            raise GxSecurityError(
                f"format field '{field_name}': attribute and index lookups in format "
                "fields are not available in .gx (format the value itself: "
                "'{}'.format(x[0]))")
        return self.get_value(int(field_name) if field_name.isdigit() else field_name,
                              args, kwargs), field_name

    def convert_field(self, value, conversion):
        if conversion is None:
            return value
        if conversion == "s":
            return to_str(value)
        if conversion == "r":
            return value_repr(value)
        if conversion == "a":
            return value_repr(value).encode("ascii", "backslashreplace").decode("ascii")
        raise GxTypeError(f"unknown conversion specifier {conversion}")

    def format_field(self, value, format_spec):
        return format_value(value, format_spec)


def value_repr(value) -> str:
    """repr(value) as a script sees it (a tensor's repr is its text, as in PyTorch)."""
    if isinstance(value, (str, int, float, list, tuple)) or value is None:
        return safe_repr(value)
    return to_str(value)


def format_value(value, spec: str) -> str:
    """format(value, spec) by the script's rules."""
    for m in _NUMBERS.finditer(spec):
        if len(m.group()) > 6 or int(m.group()) > MAX_FORMAT_NUMBER:
            raise GxLimitError(f"format width or precision {m.group()} is larger than "
                               f"{MAX_FORMAT_NUMBER}")
    from ..engine import Variable
    t = type(value)
    if t in _NATIVE or value is None:
        return format(value, spec)
    if t is Variable or isinstance(value, Variable):
        if value.ndim == 0:                       # PyTorch: self.item().__format__(spec)
            return format(value.item(), spec)
        name = "Tensor"
    else:
        name = getattr(t, "__name__", "object")
    if spec:
        raise GxTypeError(f"unsupported format string passed to {name}.__format__")
    return to_str(value)


_FORMATTER = _Formatter()


def str_format(template: str, *args, **kwargs) -> str:
    """``template.format(*args, **kwargs)`` through the allowlisted formatter."""
    if type(template) is not str:
        raise GxTypeError("format() needs a string")
    try:
        return _FORMATTER.vformat(template, args, kwargs)
    except (IndexError, KeyError) as exc:
        what = "index" if isinstance(exc, IndexError) else "key"
        raise GxTypeError(f"format: no argument for field ({what} {exc})") from None
    except ValueError as exc:
        raise GxValueError(f"format: {exc}") from None


def lookup_field(template: str) -> str | None:
    """The first field name of a format template that looks up an attribute or an item
    ('0.__class__', '0[0]'), or None: the static pass refuses such a literal template
    before anything runs, as it refuses ``x.__class__``."""
    stack = [template]
    while stack:
        try:
            parsed = list(string.Formatter().parse(stack.pop()))
        except ValueError:
            return None                 # malformed: str_format reports it at run time
        for _, name, spec, _ in parsed:
            if name and not name.isdigit() and not name.isidentifier():
                return name
            if spec and "{" in spec:
                stack.append(spec)
    return None
