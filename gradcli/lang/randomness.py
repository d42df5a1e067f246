"""The random built-ins beyond rand/randn: randint, randperm, normal, bernoulli and
randint_like, each checking its size against the limits before the engine allocates.
The numbers are PyTorch's for the same seed (engine/rng.py)."""
from __future__ import annotations

from .errors import GxTypeError


def make(E, get_rt, check_shape, unwrap_dtype, new_leaf) -> dict:
    """name -> function, for make_builtins to wrap as built-ins (``get_rt()`` gives the
    session's runtime, for its limits)."""

    def _size(size, what):
        if size is None:
            raise GxTypeError(f"{what}() needs a size, e.g. {what}(0, 10, (3,))"
                              if what == "randint" else f"{what}() needs a size")
        return check_shape(tuple(size) if type(size) in (tuple, list) else (size,), get_rt())

    def randint(*args, size=None, **kw):
        """randint(high, size) or randint(low, high, size), as torch.randint."""
        if size is None and args and type(args[-1]) in (tuple, list):
            args, size = args[:-1], args[-1]
        if len(args) == 1:
            low, high = 0, args[0]
        elif len(args) == 2:
            low, high = args
        else:
            raise GxTypeError("randint() takes (high, size) or (low, high, size)")
        shape = _size(size, "randint")
        unwrap_dtype(kw)
        return new_leaf(E.randint(low, high, shape, **kw))

    def randperm(n, **kw):
        check_shape((n,), get_rt())
        unwrap_dtype(kw)
        return new_leaf(E.randperm(n, **kw))

    def normal(mean=0.0, std=1.0, size=None, **kw):
        unwrap_dtype(kw)
        if size is not None:
            size = _size(size, "normal")
        return new_leaf(E.normal(mean, std, size, **kw))

    def bernoulli(input, p=None, **kw):
        return E.bernoulli(input, p, **kw)

    def randint_like(x, low, high=None, **kw):
        unwrap_dtype(kw)
        return new_leaf(E.randint_like(x, low, high, **kw))

    return {"randint": randint, "randperm": randperm, "normal": normal,
            "bernoulli": bernoulli, "randint_like": randint_like}
