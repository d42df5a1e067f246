"""Start-up (W1) stays light: the rooms a one-line `gradcli grad` does not need are
imported on first use (engine._LAZY, engine.methods.LAZY_ROOMS, lazy built-ins), and a
script that uses them still gets them. Deterministic: module lists, not timings."""
import json
import os
import subprocess
import sys
import textwrap

import pytest

from gradcli import engine as E
from gradcli.engine import methods

# modules `gradcli grad 'x**2*sin(x)' x=1.5` must not import (each is used by some script)
NOT_AT_START = [
    "gradcli.engine.nnfunc", "gradcli.engine.nn",
    "gradcli.engine.optim", "gradcli.engine.functional", "gradcli.engine.rng",
    "gradcli.engine.inplace", "gradcli.engine.bitwise", "gradcli.engine.relayout",
    "gradcli.engine.linalg", "gradcli.engine.modulo", "gradcli.engine.pointwise",
    "gradcli.engine.fused_node", "gradcli.engine.domains", "gradcli.engine.nonfinite",
    "gradcli.lang.torchargs", "gradcli.lang.didyoumean",
    "gradcli.session.checker", "gradcli.cli_explain", "gradcli.render.explain", "rich",
]
# and once the parse cache holds the expression, the parser
NOT_WHEN_CACHED = ["gradcli.lang.parse.lalr", "lark"]


def _child(code, *args):
    env = dict(os.environ, NO_COLOR="1")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    p = subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args], env=env,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    return p.stdout


def _modules_after_grad(tmp_path):
    code = """
        import json, sys
        sys.argv = ["gradcli", "grad", "x**2*sin(x)", "x=1.5"]
        from gradcli.cli import main
        try:
            main()
        except SystemExit as e:
            assert not e.code, e.code
        print(json.dumps(sorted(sys.modules)))
    """
    out = _child(code)
    text, mods = out.rsplit("\n", 2)[0], json.loads(out.rsplit("\n", 2)[1])
    return text, set(mods)


def test_one_line_grad_imports_no_unneeded_room(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    for cached in (False, True):       # a cold and a warm parse cache
        text, mods = _modules_after_grad(tmp_path)
        # d/dx x^2 sin x = 2x sin x + x^2 cos x at 1.5
        assert "tensor(2.2444)" in text and "tensor(3.1516)" in text
        assert "gradcli.engine" in mods and "gradcli.engine.elementwise" in mods   # it ran
        unwanted = NOT_AT_START + (NOT_WHEN_CACHED if cached else [])
        assert sorted(m for m in unwanted if m in mods) == []


def test_a_script_still_reaches_every_lazy_room(tmp_path):
    """Operators, methods, built-ins and namespaces of the lazy rooms, in a fresh process
    (nothing imported beforehand); values by hand."""
    script = tmp_path / "rooms.gx"
    script.write_text(textwrap.dedent("""\
        import torch
        a = torch.tensor([3, 5])
        print((a & 6).tolist(), (a | 1).tolist(), (a ^ 1).tolist(), (~a).tolist())
        print((a % 4).tolist(), (a // 2).tolist(), (7 % a).tolist())
        m = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
        print((m @ m).tolist(), m.mm(m).tolist(), torch.einsum("ij,jk->ik", m, m).tolist())
        print(torch.matmul(m, m).tolist(), m.det().item(), torch.remainder(a, 3).tolist())
        z = torch.zeros(2)
        z.add_(1)
        z += 2
        print(z.tolist(), z.t_().tolist())
        print(torch.atan2(torch.tensor(1.0), torch.tensor(1.0)).item() * 4)
        lin = torch.nn.Linear(2, 1)
        opt = torch.optim.SGD(lin.parameters(), lr=0.1)
        print(lin.weight.shape, torch.nn.functional.relu(torch.tensor(-1.0)).item())
        x = torch.tensor(2.0, requires_grad=True)
        print(torch.autograd.functional.jacobian(lambda t: t * t, x).item())
        """))
    out = _child("""
        import sys
        sys.argv = ["gradcli", "run", sys.argv[1]]
        from gradcli.cli import main
        main()
    """, str(script))
    lines = out.splitlines()
    assert lines[0] == "[2, 4] [3, 5] [2, 4] [-4, -6]"
    assert lines[1] == "[3, 1] [1, 2] [1, 2]"
    mm = [[7.0, 10.0], [15.0, 22.0]]
    assert lines[2] == f"{mm} {mm} {mm}"
    assert lines[3].startswith(f"{mm} -2.0000") and lines[3].endswith("[0, 2]")
    assert lines[4] == "[3.0, 3.0] [3.0, 3.0]"
    assert abs(float(lines[5]) - 3.141592653589793) < 1e-12
    assert lines[6] == "(1, 2) 0.0"
    assert lines[7] == "4.0"


@pytest.mark.parametrize("module", sorted(methods.LAZY_ROOMS))
def test_lazy_rooms_list_exactly_their_methods(module):
    """methods.LAZY_ROOMS names each room's methods without importing it: the lists must
    be what the room gives (a method missing there would not exist until the room was
    imported by something else)."""
    import importlib
    names = methods.LAZY_ROOMS[module]
    mod = importlib.import_module(module, "gradcli.engine")
    if type(names) is dict:
        assert all(callable(getattr(mod, a)) for a in names.values())
    else:
        assert sorted(names) == sorted(mod.methods())


def test_a_resolved_method_is_the_plain_function():
    """After the first use, the class holds the function itself: no descriptor stays on
    the per-op path (W2)."""
    import types
    from gradcli.engine.variable import Variable
    x = E.tensor([[1.0, 2.0], [3.0, 4.0]])
    (x @ x).add_(1)
    for name in ("__matmul__", "add_", "dot", "__and__"):
        getattr(Variable, name)
        assert type(Variable.__dict__[name]) is types.FunctionType, name
    assert (x @ x).tolist() == [[7.0, 10.0], [15.0, 22.0]]


def test_engine_lazy_names_resolve_to_their_rooms():
    import importlib
    for name, (module, attr) in E._LAZY.items():
        mod = importlib.import_module(module, "gradcli.engine")
        want = mod if attr is None else getattr(mod, attr)
        assert getattr(E, name) is want, name
        assert name in E.__all__, name
        assert name != module[1:], name        # else importing the room shadows the name
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        E.nope


def test_numpy_is_imported_at_the_bottom_of_the_stack():
    """Imported from deep inside click's call chain, numpy's import recursion crossed a
    boundary of CPython's frame-stack chunks back and forth (~800 mmap/munmap pairs, a few
    ms of system time per start-up): GradcliGroup.main imports the engine first. The frame
    depth of numpy's first import is the deterministic proxy (`python -c 'import numpy'`: 5;
    from inside the grad command it was 33)."""
    out = _child("""
        import sys

        class Spy:
            depth = None

            def find_spec(self, name, path=None, target=None):
                if name == "numpy" and Spy.depth is None:
                    f, n = sys._getframe(), 0
                    while f is not None:
                        n, f = n + 1, f.f_back
                    Spy.depth = n
                return None

        sys.meta_path.insert(0, Spy())
        sys.argv = ["gradcli", "grad", "x**2*sin(x)", "x=1.5"]
        from gradcli.cli import main
        try:
            main()
        except SystemExit:
            pass
        print(Spy.depth)
    """)
    assert int(out.split()[-1]) <= 12


@pytest.mark.parametrize("user", [None, "7"])
def test_the_cli_shortens_openblas_spin_unless_the_user_set_it(user):
    """OpenBLAS reads OPENBLAS_THREAD_TIMEOUT once, when numpy loads it: the CLI sets it
    (2**20 cycles instead of 2**28) before its first numpy import, and never over the
    user's own value (clicommon.BLAS_SPIN)."""
    code = ("import os, sys\n"
            "from gradcli.cli import cli\n"
            "assert 'numpy' not in sys.modules\n"
            "cli.main(['grad', 'x*x', 'x=1'], standalone_mode=False)\n"
            "print(os.environ.get('OPENBLAS_THREAD_TIMEOUT'))\n")
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_THREAD_TIMEOUT"}
    if user is not None:
        env["OPENBLAS_THREAD_TIMEOUT"] = user
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-1] == (user or "20")
