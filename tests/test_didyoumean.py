"""The one 'did you mean' matcher: transposition-aware distance, short words kept
honest, the user's names first, other calculators' spellings; and the CLI's
unknown options and commands through it."""
import pytest
from click.testing import CliRunner

from gradcli.cli import cli
from gradcli.lang.didyoumean import close_matches, distance, phrase

BUILTINS = ["sin", "cos", "tan", "exp", "log", "len", "nan", "inf", "sum", "mean", "max",
            "min", "abs", "sqrt", "print", "tensor", "range", "e", "pi", "asin", "zeros"]


@pytest.mark.parametrize("a,b,d", [
    ("sin", "sin", 0), ("sni", "sin", 1), ("lgo", "log", 1), ("exo", "exp", 1),
    ("fromat", "format", 1), ("ln", "len", 1), ("ca", "abc", 3), ("", "abc", 3),
    ("kitten", "sitting", 3), ("abcdef", "badcfe", 3),
])
def test_distance_counts_a_swap_as_one_edit(a, b, d):
    assert distance(a, b) == d == distance(b, a)


@pytest.mark.parametrize("typo,meant", [("sni", "sin"), ("exo", "exp"), ("lgo", "log"),
                                        ("cso", "cos"), ("prnit", "print"), ("tnesor", "tensor"),
                                        ("sqtr", "sqrt"), ("zeors", "zeros")])
def test_typos_find_the_builtin(typo, meant):
    assert close_matches(typo, BUILTINS)[0] == meant


@pytest.mark.parametrize("typo", ["ln", "nn", "ex", "mx", "qq", "zzz", "abcdef"])
def test_no_odd_suggestions(typo):
    """ln is not len, torch.nn is not nan: a short word needs a swap, a doubled letter
    or a name of the user's own."""
    assert close_matches(typo, BUILTINS) == []


def test_the_users_names_come_first_and_a_doubled_letter_is_found():
    assert close_matches("yy", BUILTINS + ["x"], own=["y", "x"]) == ["y"]
    assert close_matches("ww", BUILTINS, own=["w"]) == ["w"]
    assert close_matches("loss2", BUILTINS, own=["loss", "lossy"])[0] == "loss"


def test_other_spellings_get_the_gx_name():
    assert phrase("ln", BUILTINS) == "did you mean 'log'? (.gx spells ln as log)"
    assert phrase("arcsin", BUILTINS) == "did you mean 'asin'? (.gx spells arcsin as asin)"
    assert phrase("arccosh", BUILTINS) is None          # no acosh among the candidates here


@pytest.mark.parametrize("args,want", [
    (["grad", "x", "x=1", "--fromat", "json"], "No such option '--fromat'. Did you mean '--format'?"),
    (["grad", "x", "x=1", "--wtr", "x"], "No such option '--wtr'. Did you mean '--wrt'?"),
    (["grad", "x", "x=1", "--precison", "3"], "Did you mean '--precision'?"),
    (["plot", "x", "--rnage", "0:1"], "Did you mean '--range'?"),
    (["rnu", "x.gx"], "No such command 'rnu'. Did you mean 'run'?"),
])
def test_cli_suggestions(args, want):
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 2 and want in r.output
    assert "one of" not in r.output


def test_cli_nothing_close_means_no_suggestion():
    r = CliRunner().invoke(cli, ["grad", "x", "x=1", "--zzzzzz"])
    assert r.exit_code == 2 and "Did you mean" not in r.output


# ----------------------------------------------------------------- in scripts

def run_script(src):
    r = CliRunner().invoke(cli, ["run", "-"], input=src)
    return r.exit_code, r.stderr.splitlines()[0] if r.stderr else ""


@pytest.mark.parametrize("src,want", [
    ("x = 1.0\nsni(x)\n", "<stdin>:2:1: NameError: name 'sni' is not defined; did you mean 'sin'?"),
    ("exo(1.0)\n", "name 'exo' is not defined; did you mean 'exp'?"),
    ("lgo(2.0)\n", "name 'lgo' is not defined; did you mean 'log'?"),
    ("ln(2.0)\n", "name 'ln' is not defined; did you mean 'log'? (.gx spells ln as log)"),
    ("y = 2\nx = 3\nprint(x*yy)\n", "<stdin>:3:9: NameError: name 'yy' is not defined; did you mean 'y'?"),
    ("x = 2.0^3\n", "<stdin>:1:8: TypeError: unsupported operand type(s) for ^: 'float' and "
                    "'int' (for a power write '**': x**2)"),
    ("x = tensor([2.0])^3\n", "<stdin>:1:18: TypeError: \"bitwise_xor_cpu\" not implemented for "
                              "'Double' (for a power write '**': x**2)"),
    ("x = 1\ny = 2x\n", "<stdin>:2:6: SyntaxError: unexpected name 'x' (write 2*x: .gx multiplies "
                        "only with '*')"),
    ("x = 1\ny = 0.5x\n", "(write 0.5*x: .gx multiplies only with '*')"),
])
def test_script_messages_suggest_the_gx_spelling(src, want):
    code, first = run_script(src)
    assert code in (1, 2) and want in first


@pytest.mark.parametrize("src,not_wanted", [
    ("ln(2.0)\n", "'len'"),
    ("import torch\ntorch.nm\n", "'nan'"),   # torch.nn exists (issue 8)
    ("x = 1\nprint(xx)\n", None),
])
def test_script_messages_make_no_odd_suggestion(src, not_wanted):
    code, first = run_script(src)
    assert code == 1
    if not_wanted:
        assert not_wanted not in first
    else:
        assert "did you mean 'x'?" in first         # a doubled letter of the user's own name


def test_gradcli_grad_expression_gets_the_same_help():
    r = CliRunner().invoke(cli, ["grad", "x^2", "x=1"])     # x is a float tensor: ^ is xor
    assert r.exit_code == 1 and "for a power write '**'" in r.stderr
    r = CliRunner().invoke(cli, ["grad", "ln(x)", "x=1"])
    assert r.exit_code == 1 and "did you mean 'log'?" in r.stderr
