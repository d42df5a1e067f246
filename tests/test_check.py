"""Static checks before running: private names (S1-S5), imports (S12), misplaced
break/continue/return, expression depth."""
from __future__ import annotations

import pytest

from gradcli.lang import nodes as N
from gradcli.lang.static import check_module
from gradcli.lang.errors import GxLimitError, GxSecurityError, GxSyntaxError
from gradcli.lang.parse import parse

# --------------------------------------------------------- HOSTILE S1-S5, S12

SECURITY = [
    # row, source, line, col, name in the message
    ("S1", "x.__class__", 1, 2, "'__class__'"),
    ("S2", "x.__class__.__base__.__subclasses__()", 1, 2, "'__class__'"),
    ("S3", "x.grad_fn.__globals__", 1, 10, "'__globals__'"),
    ("S4", "x.backward.__self__", 1, 11, "'__self__'"),
    ("S5", '__import__("os").system("id")', 1, 1, "'__import__'"),
    ("S10", "x.grad_fn.next_functions[0][0].__call__", 1, 31, "'__call__'"),
    ("x04", "x = tensor(1.0)\nprint(x._data)", 2, 8, "'_data'"),
    ("private-name", "_secret = 1", 1, 1, "'_secret'"),
    ("underscore", "_ = 1", 1, 1, "'_'"),
    ("in-def", "def f(x):\n    return x.__dict__\n", 2, 13, "'__dict__'"),
    ("keyword-arg", "f(_x=1)", 1, 3, "'_x'"),
    ("param", "def f(_a):\n    pass\n", 1, 7, "'_a'"),
    ("def-name", "def __init__():\n    pass\n", 1, 5, "'__init__'"),
    ("with-as", "with no_grad() as _g:\n    pass\n", 1, 19, "'_g'"),
    ("import-as", "import numpy as _np", 1, 17, "'_np'"),
    ("from-import", "from torch import _C", 1, 19, "'_C'"),
    ("target", "x._data = 1", 1, 2, "'_data'"),
    ("for-target", "for _i in range(3):\n    pass\n", 1, 5, "'_i'"),
]


@pytest.mark.parametrize("row,src,line,col,name", SECURITY, ids=[s[0] for s in SECURITY])
def test_private_names_are_refused_before_running(row, src, line, col, name):
    with pytest.raises(GxSecurityError) as info:
        parse(src, "s.gx")
    err = info.value
    assert name in err.message and "starts with '_'" in err.message
    assert (err.line, err.col) == (line, col), str(err)
    assert err.exit_code == 2                          # static: found before running
    assert str(err).startswith(f"s.gx:{line}:{col}: SecurityError:")


def test_underscore_inside_names_and_strings_is_fine():
    m = parse("requires_grad_ = 1\nx.requires_grad_()\nx.zero_()\nprint('__class__')\n")
    assert len(m.body) == 4


IMPORTS_REFUSED = [
    ("S12", "import os", 1, 8, "'os'"),
    ("S12-from", "from os import system", 1, 1, "'os'"),
    ("sys", "import sys", 1, 8, "'sys'"),
    ("second", "import torch, subprocess", 1, 15, "'subprocess'"),
    ("submodule", "import torch.nn", 1, 8, "'torch.nn'"),
    ("numpy-sub", "from numpy.linalg import inv", 1, 1, "'numpy.linalg'"),
    ("builtins", "from builtins import open", 1, 1, "'builtins'"),
]


@pytest.mark.parametrize("row,src,line,col,name", IMPORTS_REFUSED, ids=[i[0] for i in IMPORTS_REFUSED])
def test_imports_outside_torch_and_numpy_are_refused(row, src, line, col, name):
    with pytest.raises(GxSyntaxError) as info:
        parse(src, "i.gx")
    err = info.value
    assert f"import of {name} is not allowed: only torch and numpy compatibility names exist" \
        in err.message
    assert (err.line, err.col) == (line, col)
    assert err.exit_code == 2


@pytest.mark.parametrize("src", [
    "import torch", "import torch.autograd", "import numpy as np", "import numpy",
    "from torch.autograd import Variable", "from torch.autograd import Variable, grad",
    "from torch import tensor", "from numpy import exp", "import torch, numpy as np",
])
def test_tutorial_imports_are_accepted(src):
    m = parse(src)
    assert type(m.body[0]) in (N.Import, N.ImportFrom)


def test_import_alias_other_than_np_is_refused():
    with pytest.raises(GxSyntaxError) as info:
        parse("import numpy as numpie")
    assert "import numpy as np" in info.value.message
    with pytest.raises(GxSyntaxError):
        parse("import torch as t")


# ------------------------------------------------------ break / continue / return

MISPLACED = [
    ("break\n", 1, 1, "'break' outside a loop"),
    ("continue\n", 1, 1, "'continue' outside a loop"),
    ("if x:\n    break\n", 2, 5, "'break' outside a loop"),
    ("return 1\n", 1, 1, "'return' outside a function"),
    ("while x:\n    return\n", 2, 5, "'return' outside a function"),
    ("while x:\n    def f():\n        break\n", 3, 9, "'break' outside a loop"),
    ("for i in y:\n    pass\nelse_ = 1\ncontinue\n", 4, 1, "'continue' outside a loop"),
    ("with no_grad():\n    continue\n", 2, 5, "'continue' outside a loop"),
]


@pytest.mark.parametrize("src,line,col,words", MISPLACED)
def test_misplaced_flow_statements(src, line, col, words):
    with pytest.raises(GxSyntaxError) as info:
        parse(src, "m.gx")
    assert words in info.value.message
    assert (info.value.line, info.value.col) == (line, col)
    assert info.value.source_line == src.split("\n")[line - 1]


@pytest.mark.parametrize("src", [
    "while x:\n    if y:\n        break\n    continue\n",
    "for i in r:\n    with no_grad():\n        break\n",
    "def f():\n    if x:\n        return 1\n    for i in r:\n        return i\n    return\n",
    "def f():\n    def g():\n        return 1\n    return g\n",
    "while a:\n    def f():\n        return 1\n    break\n",
])
def test_well_placed_flow_statements(src):
    assert parse(src).body


def test_first_problem_in_source_order_is_reported():
    src = "if a:\n    break\nreturn 1\n"
    with pytest.raises(GxSyntaxError) as info:
        parse(src)
    assert info.value.line == 2


# ------------------------------------------------------------------ depth

def test_long_operator_chain_is_a_limit_error_not_a_crash():
    src = "x = 1" + "+1" * 60_000 + "\n"        # under 128 KiB, 60,000 nodes deep
    with pytest.raises(GxLimitError) as info:
        parse(src)
    assert "nested deeper than 400" in info.value.message
    assert (info.value.line, info.value.col) == (1, 5)


def test_right_assoc_power_chain_depth():
    with pytest.raises(GxLimitError):
        parse("x = " + "2 ** " * 1000 + "2\n")
    assert parse("x = " + "2 ** " * 50 + "2\n").body


def test_moderate_chains_are_fine():
    assert parse("x = " + " + ".join(["a"] * 300) + "\n").body


def test_check_module_directly_on_a_built_ast():
    # an AST made by hand (e.g. by a tool) is checked just the same
    name = N.Name(1, 1, 1, 2, "x")
    attr = N.Attribute(1, 1, 1, 12, name, "__class__", 3)
    module = N.Module([N.ExprStmt(1, 1, 1, 12, attr)])
    with pytest.raises(GxSecurityError) as info:
        check_module(module)
    assert (info.value.line, info.value.col) == (1, 2)
    module = N.Module([N.Break(1, 1, 1, 6)])
    with pytest.raises(GxSyntaxError):
        check_module(module)
    deep = N.Name(1, 1, 1, 2, "x")
    for _ in range(1000):
        deep = N.UnaryOp(1, 1, 1, 2, "-", deep)
    with pytest.raises(GxLimitError):
        check_module(N.Module([N.ExprStmt(1, 1, 1, 2, deep)]))


def test_parse_without_checks_leaves_them_to_the_caller():
    m = parse("break\n", check=False)
    assert type(m.body[0]) is N.Break
    with pytest.raises(GxSyntaxError):
        check_module(m)
