"""The typed AST of a .gx script.

The parser builds these from the Lark grammar; the static checker and the
compiler read them. Every node carries its source span: ``line`` and ``col``
are 1-based and point at the first character; ``end_line``/``end_col`` point
just past the last character (so a one-character token at 1:5 has end_col 6).

Operators are kept as their source spelling ('+', '**', 'not in', ...), so
error messages can quote them.
"""
from __future__ import annotations

from typing import Union

# The node classes are plain classes whose __init__/__eq__/__repr__ are generated for
# all of them in one exec at the end of this module: dataclasses cost ~11 ms at import,
# which was 7% of `gradcli grad`'s whole start-up. Fields are the annotations, base
# class first (``cls._fields``); defaults are class attributes.
_CLASSES = []


def dataclass(slots=True):
    def register(cls):
        _CLASSES.append(cls)
        return cls
    return register


class _Factory:
    def __init__(self, make):
        self.make = make


def field(default_factory):
    return _Factory(default_factory)


@dataclass(slots=True)
class Node:
    line: int
    col: int
    end_line: int
    end_col: int


# ----------------------------------------------------------------- expressions

@dataclass(slots=True)
class Name(Node):
    id: str


@dataclass(slots=True)
class Constant(Node):
    value: Union[int, float, str, bool, None]


@dataclass(slots=True)
class BinOp(Node):
    op: str            # + - * / // % ** @
    left: "Expr"
    right: "Expr"
    op_line: int = 0   # position of the operator itself (error carets: `1 / 0`
    op_col: int = 0    # points at '/'); 0 when unknown


@dataclass(slots=True)
class UnaryOp(Node):
    op: str            # - + not
    operand: "Expr"


@dataclass(slots=True)
class BoolOp(Node):
    op: str            # and or
    values: list["Expr"]


@dataclass(slots=True)
class Compare(Node):
    left: "Expr"
    ops: list[str]     # < <= > >= == != is 'is not' in 'not in'
    comparators: list["Expr"]


@dataclass(slots=True)
class IfExp(Node):
    test: "Expr"
    body: "Expr"
    orelse: "Expr"


@dataclass(slots=True)
class Keyword(Node):
    name: str
    value: "Expr"


@dataclass(slots=True)
class Call(Node):
    func: "Expr"
    args: list["Expr"]
    keywords: list[Keyword]


@dataclass(slots=True)
class Attribute(Node):
    value: "Expr"
    attr: str
    attr_col: int      # column of the attribute name itself (for error carets)


@dataclass(slots=True)
class Slice(Node):
    lower: "Expr | None"
    upper: "Expr | None"
    step: "Expr | None"


@dataclass(slots=True)
class Subscript(Node):
    value: "Expr"
    index: "Expr"      # an expression, a Slice, or a Tuple of those (x[:, 0])


@dataclass(slots=True)
class Tuple(Node):
    elts: list["Expr"]


@dataclass(slots=True)
class List(Node):
    elts: list["Expr"]


Expr = Union[Name, Constant, BinOp, UnaryOp, BoolOp, Compare, IfExp, Call,
             Attribute, Subscript, Slice, Tuple, List]


# ------------------------------------------------------------------ statements

@dataclass(slots=True)
class Assign(Node):
    targets: list["Expr"]   # a = b = e has two targets; each is Name,
    value: "Expr"           # Attribute, Subscript, or Tuple/List of those


@dataclass(slots=True)
class AugAssign(Node):
    target: "Expr"          # Name, Attribute or Subscript
    op: str                 # the binary operator: '+' for '+=', '@' for '@='
    value: "Expr"


@dataclass(slots=True)
class ExprStmt(Node):
    value: "Expr"


@dataclass(slots=True)
class If(Node):
    test: "Expr"
    body: list["Stmt"]
    orelse: list["Stmt"]    # elif is a single nested If here


@dataclass(slots=True)
class While(Node):
    test: "Expr"
    body: list["Stmt"]


@dataclass(slots=True)
class For(Node):
    target: "Expr"          # Name or Tuple of Names
    iter: "Expr"
    body: list["Stmt"]


@dataclass(slots=True)
class Break(Node):
    pass


@dataclass(slots=True)
class Continue(Node):
    pass


@dataclass(slots=True)
class Pass(Node):
    pass


@dataclass(slots=True)
class Param(Node):
    name: str
    default: "Expr | None"


@dataclass(slots=True)
class FunctionDef(Node):
    name: str
    params: list[Param]
    body: list["Stmt"]


@dataclass(slots=True)
class Return(Node):
    value: "Expr | None"


@dataclass(slots=True)
class WithItem(Node):
    context: "Expr"
    name: "str | None"      # with no_grad() as g: (rare, but Python allows it)


@dataclass(slots=True)
class With(Node):
    items: list[WithItem]
    body: list["Stmt"]


@dataclass(slots=True)
class Assert(Node):
    test: "Expr"
    msg: "Expr | None"


@dataclass(slots=True)
class Alias(Node):
    name: str               # dotted module or imported name: 'torch', 'torch.autograd'
    asname: "str | None"


@dataclass(slots=True)
class Import(Node):
    names: list[Alias]


@dataclass(slots=True)
class ImportFrom(Node):
    module: str             # dotted
    names: list[Alias]


Stmt = Union[Assign, AugAssign, ExprStmt, If, While, For, Break, Continue,
             Pass, FunctionDef, Return, With, Assert, Import, ImportFrom]


@dataclass(slots=True)
class Module:
    body: list[Stmt] = field(default_factory=list)
    filename: str = "<script>"
    source: str = ""


def _generate():
    src = []
    for cls in _CLASSES:
        names = []
        for klass in reversed(cls.__mro__):
            for name in klass.__dict__.get("__annotations__", {}):
                if name not in names:
                    names.append(name)
        cls._fields = tuple(names)
        params, body = [], []
        for name in names:
            default = getattr(cls, name, _NO_DEFAULT)
            if default is _NO_DEFAULT:
                params.append(name)
                body.append(f"    self.{name} = {name}")
            elif isinstance(default, _Factory):
                params.append(f"{name}=None")
                body.append(f"    self.{name} = _defaults[{cls.__name__!r}][{name!r}]() "
                            f"if {name} is None else {name}")
            else:
                params.append(f"{name}=_defaults[{cls.__name__!r}][{name!r}]")
                body.append(f"    self.{name} = {name}")
        _defaults[cls.__name__] = {n: (getattr(cls, n).make if isinstance(getattr(cls, n), _Factory)
                                       else getattr(cls, n))
                                   for n in names if getattr(cls, n, _NO_DEFAULT) is not _NO_DEFAULT}
        src.append(f"def __init__{cls.__name__}(self, {', '.join(params)}):\n"
                   + ("\n".join(body) or "    pass") + "\n")
    namespace = {"_defaults": _defaults}
    exec("\n".join(src), namespace)
    for cls in _CLASSES:
        cls.__init__ = namespace[f"__init__{cls.__name__}"]
        cls.__eq__ = _eq
        cls.__hash__ = None
        cls.__repr__ = _repr


_NO_DEFAULT = object()
_defaults: dict = {}


def _eq(self, other):
    if type(other) is not type(self):
        return NotImplemented
    return all(getattr(self, n) == getattr(other, n) for n in self._fields)


def _repr(self):
    return f"{type(self).__name__}({', '.join(f'{n}={getattr(self, n)!r}' for n in self._fields)})"


_generate()
