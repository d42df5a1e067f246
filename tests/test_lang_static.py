"""The static pass (gradcli/lang/static.py) holds every static rule; the parser only
builds. With several problems in a script, the first in source order is reported,
whichever rules they break."""
import pytest

from gradcli.lang import nodes as N
from gradcli.lang import static
from gradcli.lang.errors import GxSecurityError, GxSyntaxError
from gradcli.lang.parse import parse


@pytest.mark.parametrize("src,cls,line,col,words", [
    ("f(x=1, x=2)\n_y = 1\n", GxSyntaxError, 1, 8, "repeated"),
    ("__y = 1\nf(x=1, x=2)\n", GxSecurityError, 1, 1, "'__y'"),
    ("f(__a, k=1, k=2)\n", GxSecurityError, 1, 3, "'__a'"),
    ("def f(a, a=1, _b):\n    return 1\n", GxSyntaxError, 1, 10, "duplicate parameter"),
    ("import os\nbreak\n", GxSyntaxError, 1, 8, "import of 'os'"),
    ("break\nimport os\n", GxSyntaxError, 1, 1, "'break' outside a loop"),
    ("x = 1\nf() = 2\ny._z = 3\n", GxSyntaxError, 2, 1, "cannot assign to a function call"),
    ("for f(i) in r:\n    x = nonlocal\n", GxSyntaxError, 1, 5, "target of a for loop"),
    ("x = nonlocal\n", GxSyntaxError, 1, 5, "'nonlocal' is not supported"),
    ("f = lambda a, a: 1\nf(k=1, k=2)\n", GxSyntaxError, 1, 15, "duplicate parameter"),
    ("f = lambda a=1, b: __c\n", GxSyntaxError, 1, 17, "without a default follows"),
    ("f = lambda a: a.__dict__\n", GxSecurityError, 1, 16, "'__dict__'"),
])
def test_first_problem_in_source_order_across_rules(src, cls, line, col, words):
    with pytest.raises(cls) as info:
        parse(src, "s.gx")
    err = info.value
    assert words in err.message and (err.line, err.col) == (line, col), str(err)


def test_the_parser_only_builds():
    # without the static pass the same texts parse into trees (rules are not the parser's)
    for src in ("f(x=1, x=2)\n", "_y = 1\n", "def f(a, a):\n    pass\n", "import os\n",
                "f() = 2\n", "break\n"):
        assert parse(src, check=False).body


def test_every_rule_is_registered_for_a_node_class():
    assert set(static.RULES) <= {c for c in vars(N).values() if isinstance(c, type)}
    assert all(callable(r) for r in static.RULES.values())
