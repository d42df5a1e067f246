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

# The node classes are slotted classes built by ``node`` from their annotations, as
# ``dataclasses.dataclass(slots=True)`` would build them: each class gets ``__slots__``
# for its own fields (so a node has no ``__dict__``), ``_fields`` (every field, base
# class first) and ``_children`` (the fields that hold nodes, in source order).
# __init__/__eq__/__repr__ are generated for all of them in one exec at the end of this
# module: dataclasses cost ~11 ms at import, which was 7% of `gradcli grad`'s start-up.
_CLASSES = []
_NODE_WORDS = ("Expr", "Stmt", "Keyword", "Param", "WithItem", "Alias")


def node(cls):
    """Rebuild ``cls`` as a slotted class whose fields are its annotations."""
    own = tuple(cls.__dict__.get("__annotations__", {}))
    namespace = {k: v for k, v in cls.__dict__.items()
                 if k not in own and k not in ("__dict__", "__weakref__")}
    defaults = {k: cls.__dict__[k] for k in own if k in cls.__dict__}
    namespace["__slots__"] = own
    new = type(cls)(cls.__name__, cls.__bases__, namespace)
    new._own_defaults = defaults
    _CLASSES.append(new)
    return new


class _Factory:
    def __init__(self, make):
        self.make = make


def field(default_factory):
    return _Factory(default_factory)


@node
class Node:
    line: int
    col: int
    end_line: int
    end_col: int


# ----------------------------------------------------------------- expressions

@node
class Name(Node):
    id: str


@node
class Constant(Node):
    value: Union[int, float, str, bool, None]     # or Ellipsis (`...`)


@node
class BinOp(Node):
    op: str            # + - * / // % ** @ & | ^
    left: "Expr"
    right: "Expr"
    op_line: int = 0   # position of the operator itself (error carets: `1 / 0`
    op_col: int = 0    # points at '/'); 0 when unknown


@node
class UnaryOp(Node):
    op: str            # - + ~ not
    operand: "Expr"


@node
class BoolOp(Node):
    op: str            # and or
    values: list["Expr"]


@node
class Compare(Node):
    left: "Expr"
    ops: list[str]     # < <= > >= == != is 'is not' in 'not in'
    comparators: list["Expr"]


@node
class IfExp(Node):
    test: "Expr"
    body: "Expr"
    orelse: "Expr"


@node
class Lambda(Node):
    params: list["Param"]
    body: "Expr"


@node
class Keyword(Node):
    name: str
    value: "Expr"


@node
class Call(Node):
    func: "Expr"
    args: list["Expr"]
    keywords: list[Keyword]


@node
class Attribute(Node):
    value: "Expr"
    attr: str
    attr_col: int      # column of the attribute name itself (for error carets)


@node
class Slice(Node):
    lower: "Expr | None"
    upper: "Expr | None"
    step: "Expr | None"


@node
class Subscript(Node):
    value: "Expr"
    index: "Expr"      # an expression, a Slice, or a Tuple of those (x[:, 0])


@node
class Tuple(Node):
    elts: list["Expr"]


@node
class List(Node):
    elts: list["Expr"]


Expr = Union[Name, Constant, BinOp, UnaryOp, BoolOp, Compare, IfExp, Lambda, Call,
             Attribute, Subscript, Slice, Tuple, List]


# ------------------------------------------------------------------ statements

@node
class Assign(Node):
    targets: list["Expr"]   # a = b = e has two targets; each is Name,
    value: "Expr"           # Attribute, Subscript, or Tuple/List of those


@node
class AugAssign(Node):
    target: "Expr"          # Name, Attribute or Subscript
    op: str                 # the binary operator: '+' for '+=', '@' for '@='
    value: "Expr"


@node
class ExprStmt(Node):
    value: "Expr"


@node
class If(Node):
    test: "Expr"
    body: list["Stmt"]
    orelse: list["Stmt"]    # elif is a single nested If here


@node
class While(Node):
    test: "Expr"
    body: list["Stmt"]


@node
class For(Node):
    target: "Expr"          # Name or Tuple of Names
    iter: "Expr"
    body: list["Stmt"]


@node
class Break(Node):
    pass


@node
class Continue(Node):
    pass


@node
class Pass(Node):
    pass


@node
class Param(Node):
    name: str
    default: "Expr | None"


@node
class FunctionDef(Node):
    name: str
    params: list[Param]
    body: list["Stmt"]
    name_line: int = 0      # position of the name itself (error carets); 0 when unknown
    name_col: int = 0


@node
class Return(Node):
    value: "Expr | None"


@node
class WithItem(Node):
    context: "Expr"
    name: "str | None"      # with no_grad() as g: (rare, but Python allows it)


@node
class With(Node):
    items: list[WithItem]
    body: list["Stmt"]


@node
class Assert(Node):
    test: "Expr"
    msg: "Expr | None"


@node
class Delete(Node):
    targets: list["Expr"]   # Names and Subscripts (the static pass checks)


@node
class Alias(Node):
    name: str               # dotted module or imported name: 'torch', 'torch.autograd'
    asname: "str | None"


@node
class Import(Node):
    names: list[Alias]


@node
class ImportFrom(Node):
    module: str             # dotted
    names: list[Alias]


Stmt = Union[Assign, AugAssign, ExprStmt, If, While, For, Break, Continue,
             Pass, FunctionDef, Return, With, Assert, Delete, Import, ImportFrom]


@node
class Module:
    body: list[Stmt] = field(default_factory=list)
    filename: str = "<script>"
    source: str = ""


def _generate():
    src = []
    for cls in _CLASSES:
        names, defaults, children = [], {}, []
        for klass in reversed(cls.__mro__):
            for name, ann in klass.__dict__.get("__annotations__", {}).items():
                if name not in names:
                    names.append(name)
                    if any(word in str(ann) for word in _NODE_WORDS):
                        children.append(name)
            defaults.update(klass.__dict__.get("_own_defaults", {}))
        cls._fields = tuple(names)
        cls._children = tuple(children)
        params, body = [], []
        for name in names:
            default = defaults.get(name, _NO_DEFAULT)
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
        _defaults[cls.__name__] = {n: (d.make if isinstance(d, _Factory) else d)
                                   for n, d in defaults.items()}
        src.append(f"def __init__{cls.__name__}(self, {', '.join(params)}):\n"
                   + ("\n".join(body) or "    pass") + "\n")
    _INIT_SOURCE.append("\n".join(src))
    for cls in _CLASSES:
        cls.__init__ = _first_init
        cls.__eq__ = _eq
        cls.__hash__ = None
        cls.__repr__ = _repr


# The generated __init__s are compiled when the first node is made with a constructor
# (the parser's builder): compiling them costs ~20M instructions, and a start-up whose
# script comes from the parse cache never calls one (the cache makes nodes without
# __init__; start-up is a benchmark, W1). Afterwards each class holds its own function.
_INIT_SOURCE: list = []


def _first_init(self, *args, **kw):
    namespace = {"_defaults": _defaults}
    exec(_INIT_SOURCE[0], namespace)
    for cls in _CLASSES:
        cls.__init__ = namespace[f"__init__{cls.__name__}"]
    type(self).__init__(self, *args, **kw)


_NO_DEFAULT = object()
_defaults: dict = {}


def _eq(self, other):
    if type(other) is not type(self):
        return NotImplemented
    return all(getattr(self, n) == getattr(other, n) for n in self._fields)


def _repr(self):
    return f"{type(self).__name__}({', '.join(f'{n}={getattr(self, n)!r}' for n in self._fields)})"


_generate()


# ------------------------------------------------------------------ walking

def iter_child_nodes(n):
    """The nodes directly inside ``n``, in source order."""
    for name in n._children:
        child = getattr(n, name)
        if child is None:
            continue
        if type(child) is list:
            yield from child
        else:
            yield child


def walk(n):
    """``n`` and every node inside it, depth first in source order (iterative: a deep
    tree cannot exhaust the Python stack)."""
    stack = [n]
    pop, extend = stack.pop, stack.extend
    while stack:
        n = pop()
        yield n
        kids = list(iter_child_nodes(n))
        kids.reverse()
        extend(kids)
