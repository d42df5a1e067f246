"""Assigning to a built-in's name works as in Python but warns, once per place."""
import pytest
from click.testing import CliRunner

from gradcli.cli import cli

WARN = "Warning: assigning to '{0}' hides the built-in {0} from here on"


def run(src):
    r = CliRunner().invoke(cli, ["run", "-"], input=src)
    return r.exit_code, r.stdout, r.stderr


@pytest.mark.parametrize("src,name,line", [
    ("pi = 3\nprint(pi)\n", "pi", 1),
    ("x = 1.0\nsin = 2\nprint(sin)\n", "sin", 2),
    ("for sum in range(2):\n    pass\nprint(sum)\n", "sum", 1),
    ("abs, y = 5, 2\nprint(abs)\n", "abs", 1),
    ("def f():\n    max = 7\n    return max\nprint(f())\n", "max", 2),
])
def test_shadowing_a_builtin_warns_and_still_assigns(src, name, line):
    code, out, err = run(src)
    assert code == 0
    assert f"<stdin>:{line}:" in err and WARN.format(name) in err
    assert out.strip().splitlines()[-1] in ("3", "2", "1", "5", "7")


def test_warned_once_per_place_in_a_loop():
    code, out, err = run("for i in range(100):\n    len = i\nprint(len)\n")
    assert (code, out) == (0, "99\n") and err.count("hides the built-in len") == 1


@pytest.mark.parametrize("src", ["x = 1\ny = x\n", "def f(max):\n    return max\nprint(f(1))\n",
                                 "e = 2.5\nprint(e)\n", "pi2 = 3\n"])
def test_ordinary_names_do_not_warn(src):
    code, _, err = run(src)
    assert code == 0 and "hides the built-in" not in err


# e is Euler's number, and also the name Python code gives its own variables: it rebinds
# like any built-in, quietly (names.QUIET_BUILTINS)
@pytest.mark.parametrize("src,out", [
    ("print(e)\n", "2.718281828459045"),                 # math.e
    ("print(log(tensor(e)).item())\n", "1.0"),
    ("e = 3\nprint(e)\n", "3"),
    ("for e in range(3):\n    pass\nprint(e)\n", "2"),
    ("def f(e):\n    return e * 2\nprint(f(4), e)\n", "8 2.718281828459045"),
    ("def f():\n    e = 5\n    return e\nprint(f(), e)\n", "5 2.718281828459045"),
    ("e, b = 1, 2\nprint(e + b)\n", "3"),
    ("import math\nprint(e == math.e == torch.e)\n", "True"),
])
def test_e_is_eulers_number_and_an_ordinary_name(src, out):
    code, stdout, err = run("import torch\n" + src)
    assert (code, stdout.strip().splitlines()[-1]) == (0, out)
    assert "hides the built-in" not in err
