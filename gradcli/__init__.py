"""gradcli: PyTorch-faithful reverse-mode autograd on numpy, from the shell.

    >>> from gradcli import tensor, Variable, grad, no_grad

The engine is imported lazily so that `gradcli --help` starts without numpy.
"""
__version__ = "0.1.0"

_ENGINE_NAMES = None


def __getattr__(name):
    global _ENGINE_NAMES
    from . import engine
    if _ENGINE_NAMES is None:
        _ENGINE_NAMES = set(engine.__all__)
    if name in _ENGINE_NAMES:
        return getattr(engine, name)
    raise AttributeError(f"module 'gradcli' has no attribute {name!r}")


def __dir__():
    from . import engine
    return sorted(set(globals()) | set(engine.__all__))
