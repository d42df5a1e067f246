"""The Session API of docs/architecture.md. Expected numbers from calculus:
d/dx x^2 sin x = 2x sin x + x^2 cos x, d2/dx2 = 2 sin x + 4x cos x - x^2 sin x."""
import math
import os

import pytest

from gradcli.lang.errors import GxError, GxNameError, GxSecurityError
from gradcli.session import (CheckResult, CheckRow, GradResult, Options, PrintEvent,
                             Session)


def test_run_accepts_bytes_and_str():
    out = []
    s = Session(Options(), on_print=out.append)
    s.run(b"print(1 + 1)\n", "a.gx")
    s.run("print('two')", "b.gx")
    assert [e.text for e in out] == ["2", "two"]
    assert all(isinstance(e, PrintEvent) for e in out)


def test_variables_in_definition_order_without_builtins():
    s = Session()
    s.run("import torch\nb = 1\na = tensor(2.)\ndef f():\n    return 1\nb = 3\n", "t.gx")
    v = s.variables
    assert list(v) == ["b", "a", "f"]
    assert v["b"] == 3
    assert "tensor" not in v and "torch" not in v


def test_names_and_attributes_for_completion():
    s = Session()
    s.run("x = tensor([1., 2.], requires_grad=True)\n", "t.gx")
    names = s.names()
    assert "x" in names and "tanh" in names and "print" in names
    assert "eval" not in names and "getattr" not in names
    attrs = s.attributes(s.variables["x"])
    for a in ("grad", "data", "backward", "sum", "shape", "grad_fn"):
        assert a in attrs
    assert not any(a.startswith("_") for a in attrs)
    assert "numpy" not in attrs and "ctypes" not in attrs
    s.run("import torch\n", "t.gx")
    assert "ones" in s.attributes(s._globals["torch"])


def test_reset_forgets_everything():
    s = Session()
    s.run("a = 1\n", "t.gx")
    s.reset()
    assert s.variables == {}
    with pytest.raises(GxNameError):
        s.run("b = a\n", "t.gx")


def test_sessions_are_independent():
    s1, s2 = Session(), Session()
    s1.run("a = 1\nmanual_seed(1)\n", "t.gx")
    with pytest.raises(GxNameError):
        s2.run("b = a\n", "t.gx")


def test_seed_option_makes_runs_repeatable():
    def draw(seed):
        s = Session(Options(seed=seed))
        s.run("r = randn(4).tolist()\n", "t.gx")
        return s.variables["r"]
    assert draw(7) == draw(7)
    assert draw(7) != draw(8)


def test_seed_persists_across_repl_entries():
    s = Session(Options(seed=3))
    s.exec_interactive("a = randn(2)\n")
    s.exec_interactive("b = randn(2)\n")
    t = Session(Options(seed=3))
    t.run("a = randn(2)\nb = randn(2)\n", "t.gx")
    assert s.variables["b"].tolist() == t.variables["b"].tolist()


def test_dtype_option():
    s = Session(Options(dtype="float32"))
    s.run("x = tensor([1., 2.])\nr = str(x.dtype)\n", "t.gx")
    assert s.variables["r"] == "torch.float32"
    s = Session(Options(dtype="float64"))
    s.run("x = tensor([1., 2.])\nr = str(x.dtype)\n", "t.gx")
    assert s.variables["r"] == "torch.float64"


def test_exec_interactive_bare_expression():
    s = Session()
    assert s.exec_interactive("x = 2\n") == (False, None)
    shown, v = s.exec_interactive("x * 3\n")
    assert shown and v == 6
    shown, v = s.exec_interactive("y = tensor(1., requires_grad=True)\ny * 2\n")
    assert shown and v.item() == 2.0


def test_exec_interactive_error_keeps_earlier_statements():
    s = Session()
    s.exec_interactive("a = 1\n")
    with pytest.raises(GxError):
        s.exec_interactive("b = 2\nc = undefined_name\n")
    assert s.variables == {"a": 1, "b": 2}


def test_is_complete():
    s = Session()
    assert s.is_complete("x = 1\n")
    assert not s.is_complete("if x:\n")
    assert not s.is_complete("y = (1 +\n")


def test_history_names_leaves():
    s = Session()
    s.run("x = tensor(1., requires_grad=True)\ny = x * 2 + 1\n", "t.gx")
    h = s.history("y")
    assert h["nodes"][0]["op"] == "AddBackward0"
    assert any(n.get("name") == "x" for n in h["nodes"])
    assert s.history(s.variables["y"]) == h
    with pytest.raises(GxNameError):
        s.history("nosuch")


def test_print_history_draws_the_tree_of_graph():
    # one tree: what print(history(y)) writes is what `run --graph y` renders
    from gradcli.render.history import tree_lines
    printed = []
    s = Session(on_print=lambda e: printed.append(e.text))
    s.run("x = tensor([1., 2.], requires_grad=True)\nw = x * x\ny = (w + x).sum()\n"
          "print(history(y))\n", "t.gx")
    assert printed == ["\n".join(tree_lines(s.history("y")))]
    assert printed[0].splitlines() == [
        "y: SumBackward0 () [n0]",
        "└── AddBackward0 (2,) [n1]",
        "    ├── MulBackward0 (2,) [n2]",                   # names are for leaves
        "    │   ├── x: AccumulateGrad (2,) [n3]",
        "    │   └── -> [n3] x: AccumulateGrad (shown above)",
        "    └── -> [n3] x: AccumulateGrad (shown above)",
    ]


def test_options_variables_are_injected():
    s = Session(Options(variables={"lr": 0.5, "w": [1.0, 2.0]}))
    s.run("r = lr * 2\nt = tensor(w)\n", "t.gx")
    assert s.variables["r"] == 1.0 and s.variables["t"].tolist() == [1.0, 2.0]


# ------------------------------------------------------------------ grad_expr

def test_grad_expr_scalar():
    r = Session().grad_expr("x**2*sin(x)", {"x": 1.5})
    x = 1.5
    assert isinstance(r, GradResult) and r.wrt == ["x"]
    assert r.value.item() == pytest.approx(x * x * math.sin(x))
    assert r.grads["x"].item() == pytest.approx(2 * x * math.sin(x) + x * x * math.cos(x))
    assert r.hessian is None


def test_grad_expr_order_2():
    x = 1.5
    r = Session().grad_expr("x**2*sin(x)", {"x": x}, order=2)
    want = 2 * math.sin(x) + 4 * x * math.cos(x) - x * x * math.sin(x)
    assert r.hessian[("x", "x")].item() == pytest.approx(want)


def test_grad_expr_vectors_and_wrt():
    r = Session().grad_expr("(w * x).sum() + y", {"x": 2.0, "w": [1, 2, 3], "y": 1.0},
                            wrt=["w"])
    assert r.wrt == ["w"] and list(r.grads) == ["w"]
    assert r.grads["w"].tolist() == [2.0, 2.0, 2.0]
    r = Session().grad_expr("(w * x).sum()", {"x": 2.0, "w": [1, 2, 3]}, order=2)
    assert r.hessian[("x", "w")].tolist() == [1.0, 1.0, 1.0]
    assert r.hessian[("w", "w")].tolist() == [[0.0] * 3] * 3


def test_grad_expr_nonscalar_gives_jacobian():
    r = Session().grad_expr("w * x", {"x": 2.0, "w": [1, 2]})
    assert r.grads["x"].tolist() == [1.0, 2.0]
    assert r.grads["w"].tolist() == [[2.0, 0.0], [0.0, 2.0]]


def test_grad_expr_unused_variable_has_zero_gradient():
    r = Session().grad_expr("x * 2", {"x": 1.0, "y": 3.0}, wrt=["x", "y"])
    assert r.grads["y"].item() == 0.0


@pytest.mark.parametrize("expr,used", [
    ("x**2", ["x"]),
    ("x * sin(y)", ["x", "y"]),
    ("f(x) if x > 0 else y", ["x", "y"]),               # names under every node kind
    ("[x, (y,)][0][0] + z.sum()", ["x", "y", "z"]),
    ("max(x, key=y)", ["x", "y"]),
])
def test_grad_expr_differentiates_only_what_the_expression_uses(expr, used):
    # `gradcli grad 'x**2' x=1.5 --set lr=0.1` printed df/dlr = tensor(0.): the names of
    # an expression were looked for in slots the nodes did not have
    from gradcli.session.gradexpr import names_in
    from gradcli.lang.parse import parse_expression
    given = ["x", "y", "z", "lr"]
    assert sorted(names_in(parse_expression(expr, cache=False)) & set(given)) == used


def test_grad_expr_with_an_unused_setting():
    r = Session(Options(variables={"lr": 0.1})).grad_expr("x**2", {"lr": 0.1, "x": 1.5})
    assert r.wrt == ["x"] and list(r.grads) == ["x"]
    assert r.grads["x"].item() == 3.0                    # d/dx x^2 = 2x at 1.5


def test_cli_grad_with_an_unused_setting(tmp_path, monkeypatch):
    from click.testing import CliRunner
    from gradcli.cli import cli
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    r = CliRunner().invoke(cli, ["grad", "x**2", "x=1.5", "--set", "lr=0.1"])
    assert r.exit_code == 0, r.output
    assert r.output == "f = tensor(2.2500)\ndf/dx = tensor(3.)\n"


def test_grad_expr_hessian_blocks_of_two_vectors():
    # y = sum(a * b * b): d2y/da_i db_j = 2 b_i [i == j], d2y/db_i db_j = 2 a_i [i == j]
    r = Session().grad_expr("(a * b * b).sum()", {"a": [1.0, 2.0], "b": [3.0, 5.0]}, order=2)
    assert r.hessian[("a", "a")].tolist() == [[0.0, 0.0], [0.0, 0.0]]
    assert r.hessian[("a", "b")].tolist() == [[6.0, 0.0], [0.0, 10.0]]
    assert r.hessian[("b", "a")].tolist() == [[6.0, 0.0], [0.0, 10.0]]
    assert r.hessian[("b", "b")].tolist() == [[2.0, 0.0], [0.0, 4.0]]
    assert r.grads["b"].tolist() == [6.0, 20.0]          # 2 a_i b_i


def test_grad_expr_errors_are_positioned():
    with pytest.raises(GxError) as ei:
        Session().grad_expr("x + nosuch(x)", {"x": 1.0})
    assert ei.value.kind == "NameError" and ei.value.col == 5
    with pytest.raises(GxError):
        Session().grad_expr("x +", {"x": 1.0})
    with pytest.raises(GxError):
        Session().grad_expr("x", {"x": 1.0}, wrt=["z"])


# ---------------------------------------------------------------------- check

def test_check_script_passes():
    src = ("x = tensor([0.5, 1.5], requires_grad=True)\nw = tensor(2.0, requires_grad=True)\n"
           "y = (sin(x) * w).sum()\n")
    c = Session().check(src, "c.gx")
    assert isinstance(c, CheckResult) and c.ok
    assert c.target == "y" and c.leaves == ["x", "w"]
    assert len(c.rows) == 3 and all(isinstance(r, CheckRow) for r in c.rows)
    row = c.rows[0]
    assert row.name == "x" and row.index == (0,)
    assert row.analytic == pytest.approx(2 * math.cos(0.5))
    assert row.abs_err < 1e-6


def test_check_finds_a_wrong_gradient():
    # detach() hides the first factor from autograd, but not from finite differences
    c = Session().check("x = tensor([0.5, 1.5], requires_grad=True)\n"
                        "y = (x.detach() * x).sum()\n", "c.gx")
    assert not c.ok
    assert c.rows[0].analytic == pytest.approx(0.5)
    assert c.rows[0].numeric == pytest.approx(1.0, rel=1e-5)


def test_check_survives_backward_in_script_and_loops_and_randomness():
    src = ("w = randn(3, requires_grad=True)\nloss = tensor(0.)\nfor i in range(3):\n"
           "    loss = loss + (w * i).tanh().sum()\nloss.backward()\nprint(loss)\n")
    c = Session(Options()).check(src, "c.gx")
    assert c.ok and c.target == "loss" and len(c.rows) == 3


def test_check_expression_source_from_cli():
    src = "x = tensor(1.5, requires_grad=True)\nf = x**2*sin(x)\n"
    c = Session().check(src, "<expr>")
    assert c.ok and c.target == "f"


def test_check_explicit_target():
    src = ("x = tensor(1.5, requires_grad=True)\na = x * x\nb = a.sum() * 0\n")
    c = Session().check(src, "c.gx", target="a")
    assert c.target == "a" and c.ok


# ----------------------------------------------------------------- load/save

def test_load_and_save_only_where_allowed(tmp_path):
    import numpy as np
    np.save(tmp_path / "a.npy", np.array([1.0, 2.0]))
    (tmp_path / "b.csv").write_text("u,v\n1,2\n3,4\n")
    out = tmp_path / "out"
    out.mkdir()
    s = Session(Options(allow_read=(str(tmp_path),), allow_write=(str(out),)))
    s.run(f"a = load('{tmp_path}/a.npy')\nb = load('{tmp_path}/b.csv')\n"
          f"save('{out}/c.npy', a * 2)\nc = load('{out}/c.npy')\n", "t.gx")
    assert s.variables["a"].tolist() == [1.0, 2.0]
    assert s.variables["b"].tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert s.variables["c"].tolist() == [2.0, 4.0]
    assert [p.name for p in out.iterdir()] == ["c.npy"]   # atomic: no temp file left
    with pytest.raises(GxSecurityError) as ei:
        s.run(f"save('{tmp_path}/evil.npy', a)\n", "t.gx")
    assert "--allow-write" in ei.value.message and ei.value.line == 1
    assert not (tmp_path / "evil.npy").exists()
    with pytest.raises(GxSecurityError):
        s.run("x = load('/etc/passwd')\n", "t.gx")


def test_load_follows_symlinks_before_checking(tmp_path):
    import numpy as np
    secret = tmp_path / "secret"
    secret.mkdir()
    np.save(secret / "s.npy", np.array([7.0]))
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    os.symlink(secret / "s.npy", allowed / "link.npy")
    s = Session(Options(allow_read=(str(allowed),)))
    with pytest.raises(GxSecurityError):
        s.run(f"x = load('{allowed}/link.npy')\n", "t.gx")
    with pytest.raises(GxSecurityError):
        s.run(f"x = load('{allowed}/../secret/s.npy')\n", "t.gx")


def test_load_refuses_pickles(tmp_path):
    import numpy as np
    np.save(tmp_path / "o.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    s = Session(Options(allow_read=(str(tmp_path),)))
    with pytest.raises(GxError) as ei:
        s.run(f"x = load('{tmp_path}/o.npy')\n", "t.gx")
    assert ei.value.kind == "ValueError"


def test_nothing_allowed_by_default(tmp_path):
    with pytest.raises(GxSecurityError) as ei:
        Session().run(f"save('{tmp_path}/x.npy', ones(2))\n", "t.gx")
    assert "--allow-write" in ei.value.message
    assert list(tmp_path.iterdir()) == []


def test_check_runs_save_once(tmp_path):
    src = (f"x = tensor([1., 2.], requires_grad=True)\ny = (x * x).sum()\n"
           f"save('{tmp_path}/y.npy', x * 10)\n")
    c = Session(Options(allow_write=(str(tmp_path),))).check(src, "c.gx")
    import numpy as np
    assert c.ok and c.target == "y"
    assert np.load(tmp_path / "y.npy").tolist() == [10.0, 20.0]   # unperturbed data


@pytest.mark.parametrize("ext", ["npy", "npz", "csv"])
def test_save_load_round_trip(tmp_path, ext):
    s = Session(Options(allow_read=(str(tmp_path),), allow_write=(str(tmp_path),)))
    s.run(f"a = tensor([[1.5, -2.], [3., 4.25]])\nsave('{tmp_path}/a.{ext}', a)\n"
          f"b = load('{tmp_path}/a.{ext}')\n", "t.gx")
    assert s.variables["b"].tolist() == [[1.5, -2.0], [3.0, 4.25]]


def test_float32_session_check():
    c = Session(Options(dtype="float32")).check(
        "x = tensor([0.5, 1.5], requires_grad=True)\ny = (x * x).sum()\n", "c.gx")
    assert c.ok


def test_numeric_warning_is_reported_again_in_a_later_repl_entry():
    # "once per site" holds within one run or REPL entry; a new entry warns again
    warnings = []
    s = Session(Options(), on_print=lambda e: None, on_warning=warnings.append)
    s.exec_interactive("y = log(tensor(-1.0))\n")
    s.exec_interactive("y = log(tensor(-1.0))\n")
    assert len(warnings) == 2
    assert all("log" in w.message for w in warnings)
