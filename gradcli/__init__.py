"""gradcli: PyTorch-faithful reverse-mode autograd on numpy, from the shell.

    >>> from gradcli import tensor, Variable, grad, no_grad

The engine is imported lazily so that `gradcli --help` starts without numpy.
"""
import importlib

__version__ = "0.1.0"


def __getattr__(name):
    if name.startswith("__") and name != "__all__":
        raise AttributeError(name)
    if name == "batch":         # many points at once (gradcli.pipeline, docs/scaling.md)
        return importlib.import_module("gradcli.pipeline").batch
    engine = importlib.import_module("gradcli.engine")
    if name == "__all__":
        return list(engine.__all__)
    if name in engine.__all__:
        return getattr(engine, name)
    raise AttributeError(f"module 'gradcli' has no attribute {name!r}")


def __dir__():
    engine = importlib.import_module("gradcli.engine")
    return sorted(set(globals()) | set(engine.__all__))
