"""The values a script sees besides numbers, strings, lists, tuples and tensors.

``Builtin`` (an allowlisted callable), ``BoundMethod`` (``x.sum`` not yet called),
``Namespace`` (``torch``, ``np``), ``DType``, ``History`` (what ``history(y)``
returns), ``NodeName``, ``GxFunction`` (a ``def``), the control-flow signals of
compiled statements, and ``type_name``: what a message calls a value.
"""
from __future__ import annotations

from .errors import GxError, GxLimitError, GxTypeError, GxValueError
from .limits import limit_message
from ..engine.errors import shown


class Builtin:
    """An allowlisted callable. Scripts can call it and print it, nothing else."""
    __slots__ = ("name", "fn", "doc")

    def __init__(self, name, fn, doc=None):
        self.name = name
        self.fn = fn
        self.doc = doc

    def __call__(self, *args, **kw):
        return self.fn(*args, **kw)

    def __repr__(self):
        return f"<built-in function {self.name}>"


class BoundMethod:
    """``x.sum`` taken without calling it."""
    __slots__ = ("obj", "fn", "name")

    def __init__(self, obj, fn, name):
        self.obj = obj
        self.fn = fn
        self.name = name

    def __call__(self, *args, **kw):
        return self.fn(self.obj, *args, **kw)

    def __repr__(self):
        return f"<method {self.name}>"


class Namespace:
    """``torch``, ``torch.autograd``, ``np``: a fixed table of names, nothing else."""
    __slots__ = ("name", "members")

    def __init__(self, name, members):
        self.name = name
        self.members = members

    def __repr__(self):
        return f"<module '{self.name}'>"


class Device:
    """``torch.device('cpu')``: the only device there is."""
    __slots__ = ("type",)

    def __init__(self, type_="cpu"):
        self.type = type_

    def __eq__(self, other):
        return type(other) is Device or other == "cpu"

    def __hash__(self):
        return hash("cpu")

    def __repr__(self):
        return "device(type='cpu')"

    def __str__(self):
        return "cpu"


CPU = Device()


def check_device(d) -> Device:
    """The device a script names (a Device, 'cpu', 'cpu:0' or None), or a clear error."""
    if d is None or type(d) is Device:
        return CPU
    if type(d) is str and d in ("cpu", "cpu:0"):
        return CPU
    raise GxValueError(f"device {shown(d)} is not available: gradcli computes on the CPU only "
                       "(use 'cpu' or leave device= out)")


class DType:
    """``x.dtype`` / ``torch.float32``: a dtype as a script sees it."""
    __slots__ = ("name", "np")

    def __init__(self, name, np_dtype):
        self.name = name
        self.np = np_dtype

    @property
    def dtype(self):
        """numpy reads an object with a ``dtype`` as that dtype: engine calls accept this."""
        return self.np

    def __eq__(self, other):
        if type(other) is DType:
            return self.np == other.np
        if type(other) is str:
            return other in (self.name, "torch." + self.name)
        return NotImplemented

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return f"torch.{self.name}"


_DTYPES = {}


def dtype_value(np_dtype) -> DType:
    name = str(np_dtype)
    d = _DTYPES.get(name)
    if d is None:
        d = _DTYPES[name] = DType(name, np_dtype)
    return d


class History:
    """What ``history(y)`` returns: the engine's plain data, printed as a tree."""
    __slots__ = ("data",)

    def __init__(self, data):
        self.data = data

    def __repr__(self):
        from .history_tree import tree_lines
        return "\n".join(tree_lines(self.data))


class NodeName(str):
    """``grad_fn.name``: prints as the name and, as in PyTorch, ``grad_fn.name()``
    returns it too."""
    __slots__ = ()

    def __call__(self):
        return str(self)


class Signal:
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return self.name


BREAK = Signal("break")
CONTINUE = Signal("continue")
RETURN = Signal("return")
RET = " ret"        # frame key of a return value (not a valid identifier)
UP = " up"          # frame key of the enclosing function's frame


class GxFunction:
    """A ``def``: parameters, defaults evaluated at definition, compiled body."""
    __slots__ = ("name", "params", "nparams", "defaults", "body", "rt", "env", "node",
                 "filename")

    def __init__(self, name, params, defaults, body, rt, env, node, filename):
        self.name = name
        self.params = params
        self.nparams = len(params)
        self.defaults = defaults     # dict name -> value
        self.body = body
        self.rt = rt
        self.env = env               # enclosing function frame or None
        self.node = node
        self.filename = filename

    def bind(self, args, kw):
        params = self.params
        n = len(args)
        if n > self.nparams:
            raise GxTypeError(f"{self.name}() takes {self.nparams} positional argument"
                              f"{'s' if self.nparams != 1 else ''} but {n} were given")
        fr = dict(zip(params, args))
        if kw:
            for k, v in kw.items():
                if k not in params:
                    raise GxTypeError(f"{self.name}() got an unexpected keyword argument '{k}'")
                if k in fr:
                    raise GxTypeError(f"{self.name}() got multiple values for argument '{k}'")
                fr[k] = v
        if len(fr) < self.nparams:
            for p in params:
                if p not in fr:
                    if p in self.defaults:
                        fr[p] = self.defaults[p]
                    else:
                        raise GxTypeError(f"{self.name}() missing required argument '{p}'")
        return fr

    def invoke(self, args, kw, pos):
        rt = self.rt
        if rt.depth >= rt.max_depth:
            raise GxLimitError(limit_message(
                f"call depth {rt.max_depth} exceeded", "max_depth",
                rt.max_depth)).at(pos, rt.filename, rt.source)
        rt.left -= 1
        if rt.left <= 0:
            rt.tick(None, pos)
        if not kw and len(args) == self.nparams:
            fr = dict(zip(self.params, args))
        else:
            try:
                fr = self.bind(args, kw)
            except GxError as e:
                raise e.at(pos, rt.filename, rt.source)
        if self.env is not None:
            fr[UP] = self.env
        rt.depth += 1
        try:
            r = self.body(fr)
        except GxError as e:        # the script's traceback: this call site joins the chain
            raise e.called_from(pos, rt.filename, rt.source, self.name)
        finally:
            rt.depth -= 1
        if r is RETURN:
            return fr[RET]
        return None

    def __call__(self, *args, **kw):     # engine callbacks: jacobian(f, x), hessian, ...
        return self.invoke(args, kw, self.rt.pos)

    def __repr__(self):
        return f"<function {self.name}>"


def type_name(v) -> str:
    """What a message calls the type of ``v``: 'tensor', 'list', "module 'torch'"..."""
    t = type(v)
    if t is Namespace:
        return f"module '{v.name}'"
    name = _TYPE_NAMES.get(t)
    if name is not None:
        return name
    from ..engine.variable import Variable
    from ..engine.node import Node
    if t is Variable:
        return "tensor"
    if isinstance(v, Node):
        return "grad_fn node"
    return "value"


_TYPE_NAMES = {list: "list", tuple: "tuple", str: "str", int: "int", float: "float",
               bool: "bool", type(None): "None", GxFunction: "function",
               Builtin: "built-in function", BoundMethod: "method", dict: "dict",
               range: "range", DType: "dtype", History: "history"}
