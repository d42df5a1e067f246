"""Bitwise and logical operators of bool and integer tensors, as PyTorch has them.

``a & b``, ``a | b``, ``a ^ b``, ``~a`` and ``bitwise_and/or/xor/not``: the operands
promote as ``torch.result_type`` (a bool tensor with an int64 one is int64, a Python int
or a 0-d tensor does not raise a dimensioned bool tensor's dtype beyond its category);
a floating result type is PyTorch's error (``"bitwise_and_cpu" not implemented for
'Double'``). ``logical_and/or/xor/not`` take tensors of any dtype and give bool.
In place (``&= |= ^=``, ``bitwise_and_`` ...) through inplace.apply, the one path of
every in-place op, so a bool tensor refuses an int64 result with PyTorch's message.

None of these has a derivative: their results are bool or integer, which never
require grad (a float tensor that requires grad is refused before anything runs).
"""
from __future__ import annotations

import numpy as np

from ._op import broadcast_check, result_type
from .context import STATE
from .errors import EngineTypeError
from .inplace import _TORCH as TORCH_NAMES          # numpy dtype name -> PyTorch's name
from .inplace import InplaceError, method
from .variable import Variable, _wrap

_NUMBERS = (bool, int, float)


def _operand(x, fn, position):
    """The data of one operand of the function form: a tensor or a Python number."""
    if type(x) is Variable:
        return x._data
    if type(x) in _NUMBERS:
        return x
    arg = "input" if position == 1 else "other"
    raise EngineTypeError(f"{fn}(): argument '{arg}' (position {position}) must be Tensor, "
                          f"not {type(x).__name__}")


def _binary(ufunc, name):
    kernel = f'"{name}_cpu" not implemented for '

    def op(input, other):
        if type(input) is not Variable and type(other) is not Variable:
            raise EngineTypeError(f"{name}(): expected a tensor, got "
                                  f"({type(input).__name__}, {type(other).__name__})")
        a, b = _operand(input, name, 1), _operand(other, name, 2)
        dt = result_type(a, b)
        if dt.kind not in "biu":
            raise EngineTypeError(kernel + f"'{TORCH_NAMES.get(dt.name, dt.name)}'")
        # a Python int is converted to the result's dtype as PyTorch does (int64 wraps)
        a = np.asarray(a).astype(dt, copy=False)
        b = np.asarray(b).astype(dt, copy=False)
        broadcast_check(a, b, STATE.get())
        return _wrap(ufunc(a, b)[()])
    op.__name__ = op.__qualname__ = name
    op.__doc__ = (f"{name}(input, other): elementwise on bool and integer tensors "
                  "(PyTorch's type promotion; no gradient).")
    return op


bitwise_and = _binary(np.bitwise_and, "bitwise_and")
bitwise_or = _binary(np.bitwise_or, "bitwise_or")
bitwise_xor = _binary(np.bitwise_xor, "bitwise_xor")


def bitwise_not(input):
    """Logical not of a bool tensor, two's complement not of an integer one."""
    d = np.asarray(_tensor(input, "bitwise_not", "input", 1))
    if d.dtype.kind not in "biu":
        raise EngineTypeError(f'"bitwise_not_cpu" not implemented for '
                              f"'{TORCH_NAMES.get(d.dtype.name, d.dtype.name)}'")
    return _wrap(np.invert(d)[()])


def invert(input):
    """``~x``: bitwise_not, with PyTorch's own message for a floating tensor."""
    if np.asarray(input._data).dtype.kind not in "biu":
        raise EngineTypeError("~ (operator.invert) is only implemented on integer and "
                              "Boolean-type tensors")
    return bitwise_not(input)


def _logical(ufunc, name):
    def op(input, other):
        a = _tensor(input, name, "input", 1)
        b = _tensor(other, name, "other", 2)
        broadcast_check(a, b, STATE.get())
        return _wrap(ufunc(a, b)[()])
    op.__name__ = op.__qualname__ = name
    op.__doc__ = (f"{name}(input, other): elementwise truth (nonzero is True) of tensors "
                  "of any dtype; a bool tensor, no gradient.")
    return op


def _tensor(x, fn, arg, position):
    if type(x) is not Variable:
        raise EngineTypeError(f"{fn}(): argument '{arg}' (position {position}) must be Tensor, "
                              f"not {type(x).__name__}")
    return x._data


logical_and = _logical(np.logical_and, "logical_and")
logical_or = _logical(np.logical_or, "logical_or")
logical_xor = _logical(np.logical_xor, "logical_xor")


def logical_not(input):
    """A bool tensor: True where ``input`` is zero (False)."""
    return _wrap(np.logical_not(_tensor(input, "logical_not", "input", 1))[()])


def _operator(fn):
    """``tensor op other`` for Python's operator protocol: anything but a tensor or a
    number is NotImplemented, so Python raises its own TypeError."""
    def op(a, b):
        if type(b) is not Variable and type(b) not in _NUMBERS:
            return NotImplemented
        return fn(a, b)
    op.__name__ = fn.__name__
    return op


def _reflected(fn):
    def op(a, b):
        if type(b) not in _NUMBERS:
            return NotImplemented
        return fn(b, a)
    op.__name__ = "r" + fn.__name__
    return op


OPS = {"bitwise_and": bitwise_and, "bitwise_or": bitwise_or, "bitwise_xor": bitwise_xor,
       "bitwise_not": bitwise_not, "logical_and": logical_and, "logical_or": logical_or,
       "logical_xor": logical_xor, "logical_not": logical_not}


def _xor_operator(a, b):
    """``a ^ b``; a float operand gets a hint, since x^2 is a power in a calculator."""
    try:
        return bitwise_xor(a, b)
    except EngineTypeError as e:
        if "not implemented" in str(e):
            raise EngineTypeError(f"{e} (for a power write '**': x**2)") from None
        raise


def _inplace_binary(name, fn):
    """``x.bitwise_and_(y)``, ``x &= y``: as PyTorch, the result type must fit x's
    dtype (checked before the kernel's own dtype error), then the one in-place path."""
    write = method(name, fn)

    def op(x, other):
        od = other._data if type(other) is Variable else _operand(other, name[:-1], 2)
        dt, xd = result_type(x._data, od), x._data.dtype
        if not np.can_cast(dt, xd, "same_kind"):
            raise InplaceError(f"result type {TORCH_NAMES.get(dt.name, dt)} can't be cast to "
                               f"the desired output type {TORCH_NAMES.get(xd.name, xd)}")
        return write(x, other)
    op.__name__ = op.__qualname__ = name
    return op


def methods() -> dict:
    """``{name: method}`` for Variable: the operators, the ops as methods and their
    in-place forms (``x.bitwise_and_(y)``, ``x &= y``)."""
    out = dict(OPS)
    out.update({name + "_": method(name + "_", fn) for name, fn in OPS.items()})
    for dunder, fn in (("and", bitwise_and), ("or", bitwise_or), ("xor", bitwise_xor)):
        out[fn.__name__ + "_"] = _inplace_binary(fn.__name__ + "_", fn)
        out[f"__{dunder}__"] = _operator(_xor_operator if dunder == "xor" else fn)
        out[f"__r{dunder}__"] = _reflected(fn)
        out[f"__i{dunder}__"] = _operator(_inplace_binary(f"__i{dunder}__", fn))
    out["__invert__"] = invert
    return out


__all__ = ["bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "logical_and",
           "logical_or", "logical_xor", "logical_not"]
