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
