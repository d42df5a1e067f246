"""Plain records: what ``@dataclass`` gave the session's options and results and the
language's limits (keyword or positional arguments in field order, defaults, per-instance
defaults, ``==``, ``repr``, ``replace``), made from one ``FIELDS`` table per class.

Dataclasses generate and compile their methods at import, ~2.5 ms a class, and these
records are on every start-up (W1; docs/architecture.md "Start-up").
"""
from __future__ import annotations

REQUIRED = object()


class Factory:
    """A default made per instance (dataclasses' ``field(default_factory=...)``)."""
    __slots__ = ("make",)

    def __init__(self, make):
        self.make = make


class Record:
    """``FIELDS``: ((name, default), ...) in order; ``REQUIRED`` for none."""
    FIELDS: tuple = ()
    __hash__ = None                                     # mutable, compared by value

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        for name, default in cls.FIELDS:        # as a dataclass: Limits.max_source is 131072
            if default is not REQUIRED and type(default) is not Factory:
                setattr(cls, name, default)

    def __init__(self, *args, **kw):
        fields = self.FIELDS
        if len(args) > len(fields):
            raise TypeError(f"{type(self).__name__}() takes {len(fields)} arguments "
                            f"but {len(args)} were given")
        for (name, default), value in zip(fields, args):
            if name in kw:
                raise TypeError(f"{type(self).__name__}() got multiple values for "
                                f"argument {name!r}")
            setattr(self, name, value)
        for name, default in fields[len(args):]:
            if name in kw:
                setattr(self, name, kw.pop(name))
            elif default is REQUIRED:
                raise TypeError(f"{type(self).__name__}() missing required argument {name!r}")
            else:
                setattr(self, name, default.make() if type(default) is Factory else default)
        if kw:
            raise TypeError(f"{type(self).__name__}() got an unexpected keyword argument "
                            f"{next(iter(kw))!r}")

    def _values(self):
        return tuple(getattr(self, name) for name, _ in self.FIELDS)

    def __eq__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return self._values() == other._values()

    def __repr__(self):
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name, _ in self.FIELDS)
        return f"{type(self).__name__}({inner})"

    def replace(self, **changes):
        """A copy with ``changes`` (dataclasses.replace)."""
        return type(self)(**{name: changes.pop(name, getattr(self, name))
                             for name, _ in self.FIELDS}, **changes)

    @classmethod
    def field_names(cls) -> tuple:
        return tuple(name for name, _ in cls.FIELDS)
