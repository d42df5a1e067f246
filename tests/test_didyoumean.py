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
