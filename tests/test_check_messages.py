"""gradcli check: failures say where (file:line:col of the leaf), and an error in a
perturbed finite-difference rerun says that it happened there."""
import json

from click.testing import CliRunner

from gradcli.cli import cli


def check(tmp_path, src, *args):
    path = tmp_path / "s.gx"
    path.write_text(src)
    r = CliRunner().invoke(cli, ["check", str(path), *args])
    return r, str(path)


def test_failed_check_names_the_leaf_and_where_it_was_made(tmp_path):
    # y switches formula at x[0] = 1: the analytic gradient (2) and the FD one disagree
    src = ("x = tensor([1.0, 2.0], requires_grad=True)\ny = (x * x).sum()\n"
           "if x[0] > 1.0:\n    y = x.sum() + 1e6\n")
    r, path = check(tmp_path, src)
    assert r.exit_code == 1
    assert r.output.splitlines()[-1] == (
        "FAILED: analytic and finite-difference gradients differ (2 gradient entries checked; "
        f"worst: x[0], a leaf made at {path}:1:5)")
    r, _ = check(tmp_path, src, "--format", "json")
    assert json.loads(r.output)["where"] == {"x": f"{path}:1:5"}


def test_assert_broken_by_the_perturbation_says_so(tmp_path):
    src = ('x = tensor([1.0, 2.0], requires_grad=True)\nassert x.sum() <= 3.0, "sum too big"\n'
           "y = (x * x).sum()\n")
    r, path = check(tmp_path, src)
    assert r.exit_code == 1
    first = r.stderr.splitlines()[0]
    assert first == (f"{path}:2:1: AssertionError: sum too big (in the finite-difference rerun "
                     "with x[0] moved by +1e-06: asserts and branches see the moved value)")


def test_a_plain_failing_assert_is_not_blamed_on_the_rerun(tmp_path):
    r, path = check(tmp_path, "x = tensor([1.0], requires_grad=True)\nassert False, 'no'\n")
    assert r.exit_code == 1
    assert r.stderr.splitlines()[0] == f"{path}:2:1: AssertionError: no"


def test_expressions_have_no_positions_to_show():
    r = CliRunner().invoke(cli, ["check", "sum(x**3)", "x=[1, 2]", "--format", "json"])
    assert json.loads(r.output)["where"] == {}
