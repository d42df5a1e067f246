"""The engine's own exception types.

The language layer catches these and attaches a source position; Python users
of the library see them directly. Each also subclasses the matching built-in
exception so ``except ValueError`` style code keeps working.
"""


class EngineError(Exception):
    """Base class of every error the engine raises on purpose."""


class ShapeError(EngineError, ValueError):
    """Shapes that cannot broadcast, multiply or reshape; names both shapes."""


class AutogradError(EngineError, RuntimeError):
    """Misuse of backward/grad: freed graph, implicit seed of a non-scalar, ..."""


class EngineRuntimeError(EngineError, RuntimeError):
    """An operation PyTorch refuses at run time with a RuntimeError (integer division by
    zero: "ZeroDivisionError")."""


class EngineTypeError(EngineError, TypeError):
    """An argument of the wrong kind (an int tensor asked to require grad, ...)."""


class EngineValueError(EngineError, ValueError):
    """An argument of the right kind with a bad value (a negative size, ...)."""


class LimitError(EngineError):
    """A size limit set by the caller (elements per tensor, in total) was hit."""


def shown(value) -> str:
    """``repr(value)`` for a message, bounded: a value a caller passed may be a list
    that holds itself twice per level (2^40 paths) or a million-character string, and
    ``{value!r}`` would walk it natively, holding the interpreter, before any limit
    could stop it. Lists, tuples and strings are cut (``reprlib``: 3 levels, 6 items a
    level, 60 characters a string), so that every message about a value is short."""
    import reprlib
    r = reprlib.Repr()
    r.maxlevel, r.maxlist, r.maxtuple, r.maxdict, r.maxset = 3, 6, 6, 6, 6
    r.maxstring = r.maxother = 60
    r.maxlong = 40
    return r.repr(value)
