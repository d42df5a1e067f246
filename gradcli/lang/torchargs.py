"""PyTorch's keyword names for the arguments of built-ins.

PyTorch code may name any argument: ``torch.matmul(input=a, other=b)``, ``torch.pow(x,
exponent=2)``, ``x.add(other=y)``. The engine's functions take the same arguments in the
same order, under their own names (``matmul(a, b)``). When a call fails because a keyword
is not one of the function's own parameters, the dispatcher asks ``rebind`` to move the
PyTorch-named keywords to their positions and calls again. Nothing runs twice: a call that
names an unknown keyword fails while binding its arguments, before the function's body.
The successful path pays nothing.

``SIGNATURES`` holds the positional names of PyTorch's signatures (``torch.X.__doc__``'s
first line); every other built-in is ``(input, other)``. tests/test_torchargs.py checks the
table against torch when it is installed.
"""
import inspect

DEFAULT = ("input", "other")

SIGNATURES = {
    "pow": ("input", "exponent"),
    "mm": ("input", "mat2"),
    "bmm": ("input", "mat2"),
    "dot": ("input", "tensor"),
    "outer": ("input", "vec2"),
    "mv": ("input", "vec"),
    "where": ("condition", "input", "other"),
    "lerp": ("input", "end", "weight"),
    "addcmul": ("input", "tensor1", "tensor2"),
    "addcdiv": ("input", "tensor1", "tensor2"),
    "cat": ("tensors", "dim"),
    "stack": ("tensors", "dim"),
    "transpose": ("input", "dim0", "dim1"),
    "reshape": ("input", "shape"),
    "permute": ("input", "dims"),
    "clamp": ("input", "min", "max"),
    "diag": ("input", "diagonal"),
    "flatten": ("input", "start_dim", "end_dim"),
    "squeeze": ("input", "dim"),
    "unsqueeze": ("input", "dim"),
    "cumsum": ("input", "dim"),
    "softmax": ("input", "dim"),
    "log_softmax": ("input", "dim"),
    "logsumexp": ("input", "dim", "keepdim"),
    "linspace": ("start", "end", "steps"),
    "full": ("size", "fill_value"),
    "isclose": ("input", "other", "rtol", "atol", "equal_nan"),
    "allclose": ("input", "other", "rtol", "atol", "equal_nan"),
}

_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def rebind(name, fn, args, kw, bound=0):
    """(args, kw) with PyTorch's keyword names moved to their positions, or None when that
    does not apply (every keyword is the function's own, a name is unknown to PyTorch's
    signature too, or a position is given twice). ``bound`` is 1 for a method, whose
    object is ``args[0]`` and PyTorch's ``input``."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return None
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    own = {n for n, p in params.items() if p.kind is not inspect.Parameter.VAR_KEYWORD}
    torch_names = SIGNATURES.get(name, DEFAULT)
    positional = [p for p in params.values() if p.kind in _POSITIONAL]
    moved = {}
    for k in kw:
        if k in own:
            continue
        if k in torch_names and torch_names.index(k) < len(positional):
            moved[torch_names.index(k)] = k
        elif not takes_any:
            return None                     # a name neither signature knows
    if not moved:
        return None
    full = list(args)
    for i in sorted(moved):
        if i < len(full):
            return None                     # given twice
        while len(full) < i:                # a gap: the parameter's own default
            p = positional[len(full)]
            if p.default is inspect.Parameter.empty or p.name in kw:
                return None
            full.append(p.default)
        full.append(kw[moved[i]])
    rest = {k: v for k, v in kw.items() if k not in moved.values()}
    if {p.name for p in positional[:len(full)]} & set(rest):
        return None
    return (full[bound:] if bound else full), rest


def prepare(name, fn, args, kw, bound=0, allow_out=True):
    """(args, kw, out) for a call that failed on its keywords: PyTorch's names moved to
    their positions and ``out=`` taken aside (``NO_OUT`` when not given); None when neither
    applies."""
    out = NO_OUT
    if allow_out and "out" in kw and not takes_out(fn):     # torch.f(..., out=), not methods
        kw = dict(kw)
        out = kw.pop("out")
    fixed = rebind(name, fn, args, kw, bound)
    if fixed is None:
        if out is NO_OUT:
            return None
        fixed = (list(args[bound:]), kw)
    return fixed[0], fixed[1], out


NO_OUT = object()


def requires_grad_anywhere(values):
    from ..engine import is_grad_enabled
    from ..engine.variable import Variable
    return is_grad_enabled() and any(type(v) is Variable and v.requires_grad for v in values)


def takes_out(fn):
    try:
        return "out" in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return True


def out_message(name):
    return (f"{name}(): functions with out=... arguments don't support automatic "
            "differentiation, but one of the arguments requires grad.")


def write_out(name, result, out, warn):
    """PyTorch's ``out=``: the result written into ``out`` (resized, with PyTorch's warning
    when it had other elements; its dtype kept, a float result refused for an integer
    ``out``), and ``out`` returned."""
    import numpy as np

    from .. import engine as E
    from ..engine.inplace import check_cast
    from ..engine.variable import Variable
    from .errors import GxTypeError
    if type(out) is not Variable:
        raise GxTypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if type(result) is not Variable:
        result = E.tensor(result)
    check_cast(result.dtype, out.dtype)          # the in-place ops' rule and message
    with E.no_grad():
        if tuple(out.shape) == tuple(result.shape):
            out.copy_(result)
        else:
            if out.numel() > 0:
                warn(f"An output with one or more elements was resized since it had shape "
                     f"{list(out.shape)}, which does not match the required output shape "
                     f"{list(result.shape)}. This behavior is deprecated, and in a future "
                     "PyTorch release outputs will not be resized unless they have zero "
                     "elements. You can explicitly reuse an out tensor t by resizing it, "
                     "inplace, to zero elements with t.resize_(0).")
            data = result.detach()
            out.data = data if data.dtype == out.dtype else E.tensor(
                np.asarray(data.tolist(), dtype=out.dtype))
    return out
