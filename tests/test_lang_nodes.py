"""The AST vocabulary (gradcli/lang/nodes.py): honest slotted classes, and walkers that
reach every name of every node kind.

For each node class a specimen is built with a distinct private identifier in every
identifier field (``id``, ``name``, ``asname``, ``attr``, ``module``) and a distinct
private Name in every child slot; then every walker of the tree must see all of them:
nodes.walk, the static pass (a private name anywhere is an error that quotes it),
gradexpr.names_in (the names `gradcli grad` differentiates), and the AST cache (a
round trip keeps every field)."""
from __future__ import annotations

import itertools

import pytest

from gradcli.lang import nodes as N
from gradcli.lang import static
from gradcli.lang.parse import dump_ast, load_ast, parse

IDENTIFIER_FIELDS = {"id", "name", "asname", "attr", "module"}
POSITION_FIELDS = {"line", "col", "end_line", "end_col", "op_line", "op_col", "attr_col",
                   "name_line", "name_col"}
NODE_CLASSES = [c for c in vars(N).values()
                if isinstance(c, type) and issubclass(c, N.Node) and c is not N.Node]


class Specimen:
    """Builds nodes with fresh private identifiers, remembering which it used."""

    def __init__(self):
        self.counter = itertools.count(1)
        self.identifiers = []       # every private identifier put in a field
        self.names = []             # the ids of the Name nodes among them

    def ident(self, prefix):
        text = f"_{prefix}{next(self.counter)}"
        self.identifiers.append(text)
        return text

    def name(self):
        ident = self.ident("n")
        self.names.append(ident)
        col = next(self.counter)
        return N.Name(1, col, 1, col + len(ident), ident)

    def child(self, annotation: str):
        if "Keyword" in annotation:
            return self.build(N.Keyword)
        if "Param" in annotation:
            return self.build(N.Param)
        if "WithItem" in annotation:
            return self.build(N.WithItem)
        if "Alias" in annotation:
            return self.build(N.Alias)
        if "Stmt" in annotation:
            return N.ExprStmt(1, 1, 1, 2, self.name())
        return self.name()

    def build(self, cls):
        annotations = {}
        for klass in reversed(cls.__mro__):
            annotations.update(getattr(klass, "__annotations__", {}))
        values = []
        for field in cls._fields:
            ann = str(annotations[field])
            if field in POSITION_FIELDS:
                values.append(next(self.counter))
            elif field in cls._children:
                item = self.child(ann)
                values.append([item] if ann.startswith("list") else item)
            elif field in IDENTIFIER_FIELDS:
                values.append(self.ident(field[0]))
            elif field == "ops":
                values.append(["<"])
            elif field == "op":
                values.append("+")
            else:                               # Constant.value
                values.append(1.5)
        if cls is N.Name:
            self.names.append(values[cls._fields.index("id")])
        return cls(*values)


def specimen(cls):
    s = Specimen()
    return s, s.build(cls)


@pytest.mark.parametrize("cls", NODE_CLASSES, ids=lambda c: c.__name__)
def test_node_classes_are_slotted(cls):
    _, node = specimen(cls)
    assert not hasattr(node, "__dict__"), f"{cls.__name__} instances have a __dict__"
    with pytest.raises(AttributeError):
        node.not_a_field = 1
    assert set(cls._children) <= set(cls._fields)


@pytest.mark.parametrize("cls", NODE_CLASSES, ids=lambda c: c.__name__)
def test_walk_reaches_every_name(cls):
    s, node = specimen(cls)
    found = [n.id for n in N.walk(node) if type(n) is N.Name]
    assert sorted(found) == sorted(s.names)
    children = list(N.iter_child_nodes(node))
    assert all(isinstance(c, N.Node) for c in children)
    assert len(children) == sum(len(v) if type(v) is list else 1
                                for v in (getattr(node, f) for f in cls._children)
                                if v is not None)


@pytest.mark.parametrize("cls", NODE_CLASSES, ids=lambda c: c.__name__)
def test_static_pass_sees_every_identifier(cls):
    s, node = specimen(cls)
    messages = " ".join(e.message for e in static._errors(node, max_nesting=100))
    missing = [i for i in s.identifiers if f"'{i}'" not in messages]
    assert not missing, f"{cls.__name__}: the static pass never looked at {missing}"


@pytest.mark.parametrize("cls", NODE_CLASSES, ids=lambda c: c.__name__)
def test_names_in_reaches_every_name(cls):
    from gradcli.session.gradexpr import names_in
    s, node = specimen(cls)
    assert names_in(node) == set(s.names)


@pytest.mark.parametrize("cls", NODE_CLASSES, ids=lambda c: c.__name__)
def test_ast_cache_keeps_every_field(cls):
    _, node = specimen(cls)
    module = N.Module([node])
    again = load_ast(dump_ast(module))
    assert again == module
    assert again.body[0] is not node


def test_equality_looks_at_every_field():
    a = parse("f(x, k=1)\n").body[0]
    b = parse("f(x, k=2)\n").body[0]
    c = parse("f(x,  k=1)\n").body[0]            # one column further
    assert a == parse("f(x, k=1)\n").body[0]
    assert a != b and a != c


def test_defaults_and_factories():
    assert N.Module().body == [] and N.Module().body is not N.Module().body
    b = N.BinOp(1, 1, 1, 4, "+", N.Name(1, 1, 1, 2, "a"), N.Name(1, 3, 1, 4, "b"))
    assert (b.op_line, b.op_col) == (0, 0)
