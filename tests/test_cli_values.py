"""Values given on the command line: what cannot be differentiated is a usage
error (exit 2, click's message, no '<script>:' prefix); overflow warns; and the
environment and --no-limits options a user reaches for."""
import pytest
from click.testing import CliRunner

from gradcli.cli import cli
from gradcli.cli import leaf_problem, no_limits


def invoke(args, input=None, env=None):
    return CliRunner().invoke(cli, args, input=input, env=env or {})


@pytest.mark.parametrize("args,message", [
    (["grad", "x*2", "x=True"], "x: True/False cannot be differentiated"),
    (["grad", "x*2", "x=false"], "x: True/False cannot be differentiated"),
    (["grad", "sum(x)", "x=[]"], "x: an empty list has nothing to differentiate"),
    (["grad", "sum(x)", "x=[[1], []]"], "x: an empty list has nothing to differentiate"),
    (["grad", "sum(x)", "x=[[1], [1, 2]]"], "x: the rows of a nested list must have one length"),
    (["grad", "sum(x)", "x=[1, True]"], "x: True/False cannot be differentiated"),
    (["grad", "x*2", "x=1", "--wrt", "z"], "Invalid value for --wrt: 'z' has no value (give z=VALUE)"),
    (["grad", "x*y", "x=1", "y=2", "--wrt", "x,w"], "'w' has no value"),
    (["grad", "x*2", "--set", "x=True"], "x: True/False cannot be differentiated"),
    (["check", "x*2", "x=True"], "x: True/False cannot be differentiated"),
    (["check", "sum(x)", "x=[]"], "x: an empty list"),
    (["plot", "x*a", "--set", "a=[]"], "a: an empty list"),
])
def test_undifferentiable_values_are_usage_errors(args, message):
    r = invoke(args)
    assert r.exit_code == 2, r.output
    assert message in r.output
    assert "<script>" not in r.output and "<expr>" not in r.output and "Traceback" not in r.output


def test_run_still_takes_booleans_and_empty_lists():
    """A script sees the Python value: only leaves that require grad are refused."""
    r = invoke(["run", "-", "--set", "b=True", "--set", "e=[]"], input="print(b, e)\n")
    assert (r.exit_code, r.output) == (0, "True []\n")


@pytest.mark.parametrize("value", [1.5, -2, 0, [1.0, 2.0], [[1, 2], [3, 4]], float("inf")])
def test_numbers_are_fine(value):
    assert leaf_problem(value) is None


@pytest.mark.parametrize("given,became", [("1e400", "inf"), ("-1e999", "-inf"),
                                          ("[1, 1e500]", "a list holding inf")])
def test_overflow_warns(given, became):
    r = invoke(["grad", "x*1", f"x={given}"])
    assert r.exit_code == 0
    assert (f"gradcli: warning: x={given} is beyond the float range (about 1.8e308) and "
            f"became {became}") in r.stderr


@pytest.mark.parametrize("given", ["inf", "-inf", "1e300", "[1, 2]"])
def test_no_overflow_warning_when_meant(given):
    r = invoke(["grad", "x*1" if "[" not in given else "sum(x)", f"x={given}"])
    assert "beyond the float range" not in r.stderr


# ----------------------------------------------------------------- FORCE_COLOR

def test_force_color_colours_a_pipe():
    plain = invoke(["grad", "x**2", "x=3"])
    forced = invoke(["grad", "x**2", "x=3"], env={"FORCE_COLOR": "1"})
    assert "\x1b[" not in plain.output and "\x1b[" in forced.output
    err = invoke(["grad", "x**", "x=3"], env={"FORCE_COLOR": "1"})
    assert "\x1b[" in err.stderr and "SyntaxError" in err.stderr


@pytest.mark.parametrize("env", [{"FORCE_COLOR": "1", "NO_COLOR": "1"}, {"FORCE_COLOR": ""}])
def test_no_color_wins_and_empty_force_color_is_unset(env):
    r = invoke(["grad", "x**2", "x=3"], env=env)
    assert "\x1b[" not in r.output


def test_force_color_does_not_change_explicit_formats():
    r = invoke(["grad", "x**2", "x=3", "--format", "json"], env={"FORCE_COLOR": "1"})
    assert r.output.startswith("{") and "\x1b[" not in r.output


# ----------------------------------------------------------------- --no-limits

def test_no_limits_lifts_time_and_sizes_and_keeps_the_stack_guards():
    from gradcli.lang.limits import Limits
    lifted = Limits(**no_limits(Limits()))
    default = Limits()
    assert lifted.timeout is None
    for name in ("max_steps", "max_memory", "max_elements", "max_source", "max_graph",
                 "max_list", "max_flops"):
        assert getattr(lifted, name) > 1000 * getattr(default, name), name
    assert (lifted.max_depth, lifted.max_nesting) == (default.max_depth, default.max_nesting)


def test_no_limits_runs_past_a_default_limit_and_explicit_limits_still_win():
    # max_list's default is 10^6: a list of 2*10^6 needs --no-limits (or --max-list)
    src = "n = len(list(range(2000000)))\nprint(n)\n"
    assert invoke(["run", "-"], input=src).exit_code == 1
    r = invoke(["run", "-", "--no-limits"], input=src)
    assert (r.exit_code, r.output) == (0, "2000000\n")
    r = invoke(["run", "-", "--no-limits", "--max-list", "10"], input=src)
    assert r.exit_code == 1 and "--max-list" in r.stderr


def test_the_timeout_message_names_both_ways_out():
    r = invoke(["run", "-", "--timeout", "0.3"], input="while True:\n    pass\n")
    assert r.exit_code == 1
    assert "time limit of 0.3 s exceeded (raise it with --timeout, or --no-limits" in r.stderr


@pytest.mark.parametrize("src,line,col", [("x = 1e400\nprint(x)\n", 1, 5),
                                          ("y = 2.0\nz = y * -1e999\nprint(z)\n", 2, 10)])
def test_a_literal_that_overflows_warns(src, line, col):
    r = invoke(["run", "-"], input=src)
    assert r.exit_code == 0 and r.stdout.strip() in ("inf", "-inf")
    assert (f"<stdin>:{line}:{col}: Warning: this number is beyond the float range "
            "(about 1.8e308) and became inf") in r.stderr


def test_inf_by_name_does_not_warn():
    r = invoke(["run", "-"], input="x = inf\ny = 1e308\nprint(x, y)\n")
    assert r.exit_code == 0 and "beyond the float range" not in r.stderr
