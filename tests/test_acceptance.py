"""The shared acceptance scripts through Session.run: a*.gx print OK; x*.gx fail
with the documented kind, text and position (../shared/acceptance/run.sh)."""
import pytest

from conftest import SHARED_MISSING, shared
from gradcli.lang.errors import GxError, format_error
from gradcli.session import Options, Session

SHARED = shared("acceptance")
if not SHARED.is_dir():
    pytest.skip(SHARED_MISSING, allow_module_level=True)

SCRIPTS = sorted(SHARED.glob("a*.gx"))


@pytest.mark.parametrize("path", SCRIPTS, ids=[p.name for p in SCRIPTS])
def test_script_prints_ok(path):
    out, warns = [], []
    s = Session(Options(), on_print=out.append, on_warning=warns.append)
    s.run(path.read_bytes(), path.name)
    assert out and out[-1].text == "OK"


ERRORS = [
    # file, exit code(s), text, (line, col)
    ("x01_nonscalar.gx", {1}, "only for scalar outputs", (2, 2)),
    ("x02_twice.gx", {1}, "retain_graph=True", (4, 1)),
    ("x03_syntax.gx", {2}, "", (2, 10)),
    ("x04_private.gx", {1, 2}, "", (2, None)),
]


@pytest.mark.parametrize("name,codes,text,pos", ERRORS, ids=[e[0] for e in ERRORS])
def test_error_script(name, codes, text, pos):
    path = SHARED / name
    s = Session(Options())
    with pytest.raises(GxError) as ei:
        s.run(path.read_text(), name)
    e = ei.value
    msg = format_error(e)
    assert e.exit_code in codes
    assert text in msg
    assert msg.startswith(f"{name}:{pos[0]}:")
    if pos[1] is not None:
        assert (e.line, e.col) == pos
    assert "Traceback" not in msg


def test_seed_tutorial_output():
    out = []
    Session(Options(), on_print=out.append).run(
        (SHARED / "a01_seed_tutorial.gx").read_text(), "a01.gx")
    texts = [e.text for e in out]
    assert texts[0] == "tensor([[1., 1.],\n        [1., 1.]], requires_grad=True)"
    assert texts[1] == "tensor([[3., 3.],\n        [3., 3.]], grad_fn=<AddBackward0>)"
    assert "AddBackward0" in texts[2]
    assert texts[4] == "tensor([[4.5000, 4.5000],\n        [4.5000, 4.5000]])"
