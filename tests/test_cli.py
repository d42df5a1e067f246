"""The command line through click's CliRunner: exit codes and exact plain output.

Golden numbers are checked by hand: d/dx x**2 sin x = 2x sin x + x**2 cos x.
"""
import math

import pytest
from click.testing import CliRunner

from gradcli import __version__
from gradcli.cli import cli, parse_assignment, parse_range, parse_size, parse_value


@pytest.fixture
def runner(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    return CliRunner()


def invoke(runner, args, input=None):
    return runner.invoke(cli, args, input=input, catch_exceptions=False)


# ----------------------------------------------------------------- parsing helpers

@pytest.mark.parametrize("text,value", [
    ("1.5", 1.5), ("-2", -2), (".5", 0.5), ("1e-3", 0.001), ("[1, 2, 3]", [1, 2, 3]),
    ("[[1, 0], [0, 1]]", [[1, 0], [0, 1]]), ("[.5, 1]", [0.5, 1]), ("true", True),
])
def test_parse_value(text, value):
    assert parse_value(text) == value


def test_parse_value_nonfinite():
    assert math.isnan(parse_value("nan"))
    assert parse_value("-inf") == -math.inf
    assert parse_value('["inf", 1]') == [math.inf, 1]


@pytest.mark.parametrize("text", ["abc", "[1, 'a']", "{}", "__import__('os')", "[" * 5000])
def test_parse_value_rejects(text):
    with pytest.raises(ValueError):
        parse_value(text)


def test_parse_assignment():
    assert parse_assignment("w=[1,2]") == ("w", [1, 2])
    for bad in ("x", "_x=1", "1x=2", "x.y=1", "é=1"):
        with pytest.raises(ValueError):
            parse_assignment(bad)


@pytest.mark.parametrize("text,size", [("100", 100), ("512M", 512 * 10**6), ("2GiB", 2 * 2**30),
                                       ("1.5k", 1500), ("64 MiB", 64 * 2**20)])
def test_parse_size(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "M", "-1", "0", "12XB"])
def test_parse_size_rejects(text):
    with pytest.raises(ValueError):
        parse_size(text)


def test_parse_range():
    assert parse_range("-1:2.5") == (-1.0, 2.5)
    for bad in ("1", "2:1", "a:b", "0:inf"):
        with pytest.raises(ValueError):
            parse_range(bad)


# ----------------------------------------------------------------- help, version, usage

def test_version(runner):
    r = invoke(runner, ["--version"])
    assert (r.exit_code, r.output) == (0, f"gradcli {__version__}\n")


def test_help_lists_commands_in_order(runner):
    r = invoke(runner, ["--help"])
    assert r.exit_code == 0
    names = [line.split()[0] for line in r.output.split("Commands:\n")[1].splitlines() if line.strip()]
    assert names[:6] == ["run", "grad", "repl", "graph", "check", "plot"]
    assert names[-1] == "help"


@pytest.mark.parametrize("command", ["run", "grad", "repl", "graph", "check", "plot"])
def test_every_command_has_help(runner, command):
    r = invoke(runner, [command, "--help"])
    assert r.exit_code == 0 and r.output.startswith(f"Usage: gradcli {command} ")
    assert "--seed N" in r.output and "--debug" in r.output


@pytest.mark.parametrize("args,message", [
    (["nosuch"], "No such command 'nosuch'"),
    (["run"], "Missing argument 'SCRIPT'"),
    (["run", "/nonexistent/x.gx"], "cannot read '/nonexistent/x.gx': No such file or directory"),
    (["grad", "x", "x"], "expected NAME=VALUE, got 'x'"),
    (["grad", "x", "--set", "x=abc"], "not a number or a list of numbers: 'abc'"),
    (["grad", "x", "--order", "3"], "3 is not in the range 1<=x<=2"),
    (["grad", "x", "--max-memory", "lots"], "not a size: 'lots'"),
    (["grad", "x", "--dtype", "int8"], "'int8' is not one of 'float64', 'float32'"),
    (["grad", "x", "--format", "xml"], "'xml' is not one of 'pretty', 'plain', 'json'"),
    (["graph", "s.gx"], "Missing option '--var'"),
    (["graph", "s.gx", "--var", "y", "--format", "pdf"], "'pdf' is not one of"),
    (["plot", "x", "--range", "3:1"], "expected A:B with finite A < B, got '3:1'"),
    (["plot", "x", "--out", "f.jpg"], "the file name must end in .svg or .png"),
    (["run", "-", "--vars", "/nonexistent.json"], "cannot read '/nonexistent.json'"),
])
def test_usage_errors_exit_2(runner, args, message):
    r = runner.invoke(cli, args)
    assert r.exit_code == 2, r.output
    assert message in r.output
    assert "Traceback" not in r.output


def test_vars_file_must_be_an_object(runner, tmp_path):
    f = tmp_path / "v.json"
    f.write_text("[1, 2]")
    r = runner.invoke(cli, ["run", "-", "--vars", str(f)], input="")
    assert r.exit_code == 2 and "must hold a JSON object" in r.output
    f.write_text('{"_x": 1}')
    r = runner.invoke(cli, ["run", "-", "--vars", str(f)], input="")
    assert r.exit_code == 2 and "'_x' is not a valid variable name" in r.output
