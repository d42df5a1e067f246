"""Scripts from PyTorch tutorials (tests/tutorials/*.gx) print what PyTorch 2.13 prints.

expected/NAME.txt is PyTorch's output with float64 as the default dtype, NAME.f32.txt with
PyTorch's float32 default, NAME.error the line and exception where PyTorch stops
(tests/tutorials/make_expected.py writes them with torch; README.md). gradcli's output is
compared line by line: byte for byte, or, for the scripts in NEAR, word for word with each
number within a relative tolerance whose reason is given there (the gap that causes it is named
in tests/tutorials/README.md); for the scripts in KNOWN, after a documented difference is
applied to PyTorch's text (a shape prints as a tuple). Each NEAR script also has a strict byte-for-byte test marked xfail,
which starts passing when the gap closes. Scripts in BLOCKED stop early in gradcli for a gap
outside gradcli's tutorial layer: xfail, with the reason.
"""
import functools
import re
from pathlib import Path

import pytest

from gradcli.lang.errors import GxError
from gradcli.lang.limits import Limits
from gradcli.session import Options, Session

HERE = Path(__file__).resolve().parent / "tutorials"
NAMES = sorted(p.stem for p in HERE.glob("*.gx"))

# name -> (rtol, why): the numbers agree to rtol only, for a reason outside the tutorial layer
NEAR = {
    "polynomial_nn": (1e-14, "float64 sums of 2000-6000 terms and the mm backward are added in "
                             "another order than torch's (README: gap 4)"),
    "polynomial_optim": (2e-3, "as polynomial_nn, and RMSprop divides each gradient by its own "
                               "root mean square: the even coefficients' gradients are pure "
                               "rounding noise of symmetric sums, so the last bit of a sum "
                               "decides their steps (README: gap 4)"),
    "polynomial_tensor": (1e-6, "float32 (the tutorial's dtype): sums of 2000 float32 terms in "
                                "another order (README: gap 5)"),
    "two_layer_net_autograd": (5e-5, "float32 (the tutorial's dtype): sgemm 64x1000x100 and float32 "
                                     "sums accumulate in another order (README: gap 5)"),
}
# name -> a documented difference (docs/language.md) applied to PyTorch's text before comparing
SIZE = re.compile(r"torch\.Size\(\[([^\]]*)\]\)")


def as_tuple(match):
    """torch.Size([3, 28]) -> (3, 28), torch.Size([3]) -> (3,): how gradcli prints a shape."""
    items = match.group(1)
    return f"({items},)" if items and "," not in items else f"({items})"


KNOWN = {"buildmodel": "shapes print as tuples, not torch.Size (README: gap 13)"}
# name -> why gradcli stops before the end
BLOCKED = {
    "math_behind_training": "a generator expression in sum(...) (README: gap 2)",
    "autogradyt": "the @torch.no_grad() decorator (README: gap 7)",
    "tensorqs": "`...` in indexing, out=, type(), torch.Size (README: gaps 9, 10, 12, 13)",
}
# name -> relative tolerance of `--dtype float32` against torch's float32 default (a few times
# what was measured, README's table: float32 sums in another order); a name missing here agrees
# byte for byte
F32 = {"linreg_d2l": 1e-6, "polynomial_nn": 2e-6, "polynomial_optim": 1e-3,
       "polynomial_tensor": 1e-6, "two_layer_net_autograd": 5e-5}
# name -> why gradcli's message differs from torch's (elsewhere an error's text must be torch's)
OWN_WORDS = {"former_torchies_autograd": "torch lists to()'s overloads; gradcli says what "
                                         "Python says of an unknown keyword"}

NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


@functools.lru_cache(maxsize=None)
def run_gradcli(name, dtype="float64"):
    """(printed text, GxError or None) of the script under gradcli, run once per module (the
    longest, two_layer_net_autograd, takes seconds: no time limit on a loaded machine)."""
    out = []
    s = Session(Options(dtype=dtype, limits=Limits(timeout=None)),
                on_print=lambda ev: out.append(ev.text))
    try:
        s.run((HERE / f"{name}.gx").read_text(), f"{name}.gx")
    except GxError as exc:
        return "".join(t + "\n" for t in out), exc
    return "".join(t + "\n" for t in out), None


def expected(name, suffix="txt"):
    return (HERE / "expected" / f"{name}.{suffix}").read_text()


def differences(got, want, rtol):
    """The lines of `got` and `want` that differ: other words, or a number off by more than
    rtol relative to the largest number of the expected line."""
    bad = []
    g_lines, w_lines = got.splitlines(), want.splitlines()
    if len(g_lines) != len(w_lines):
        return [f"{len(g_lines)} lines, expected {len(w_lines)}"]
    for i, (g, w) in enumerate(zip(g_lines, w_lines), 1):
        if NUMBER.sub("#", g) != NUMBER.sub("#", w):
            bad.append(f"line {i}: {g!r} != {w!r}")
            continue
        gn = [float(x) for x in NUMBER.findall(g)]
        wn = [float(x) for x in NUMBER.findall(w)]
        scale = max([abs(x) for x in wn] + [0.0])
        if any(abs(a - b) > rtol * max(abs(b), scale) for a, b in zip(gn, wn)):
            bad.append(f"line {i}: {g!r} != {w!r}")
    return bad


def test_the_tutorials_are_there():
    assert len(NAMES) >= 15
    for name in NAMES:
        assert (HERE / "expected" / f"{name}.txt").exists()
        assert (HERE / "expected" / f"{name}.f32.txt").exists()
    assert set(NEAR) | set(BLOCKED) | set(F32) | set(KNOWN) | set(OWN_WORDS) <= set(NAMES)


def _check_error(name, error):
    """PyTorch stops at LINE with EXC (expected/NAME.error): gradcli stops there too, with the
    same exception class; without such a file, gradcli must not stop at all."""
    path = HERE / "expected" / f"{name}.error"
    if not path.exists():
        assert error is None, f"gradcli stopped: {error}"
        return
    line, kind, message = path.read_text().rstrip("\n").split(" ", 2)
    assert error is not None, "torch raises here, gradcli ran to the end"
    assert (error.line, f"{error.kind}:") == (int(line), kind)
    if name not in OWN_WORDS:
        assert error.message == message


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.xfail(reason=BLOCKED.get(n) or NEAR[n][1], strict=False))
    if n in BLOCKED or n in NEAR else
    pytest.param(n, marks=pytest.mark.xfail(reason=KNOWN[n], strict=True)) if n in KNOWN else n
    for n in NAMES])
def test_gradcli_prints_what_pytorch_prints(name):
    got, error = run_gradcli(name)
    _check_error(name, error)
    assert got == expected(name)


@pytest.mark.parametrize("name", sorted(KNOWN))
@pytest.mark.parametrize("dtype,suffix", [("float64", "txt"), ("float32", "f32.txt")])
def test_known_differences_are_the_only_ones(name, dtype, suffix):
    got, error = run_gradcli(name, dtype)
    _check_error(name, error)
    want = SIZE.sub(as_tuple, expected(name, suffix))
    assert want != expected(name, suffix) and got == want


def test_as_tuple_writes_shapes_as_python_does():
    assert SIZE.sub(as_tuple, "torch.Size([3, 28, 28]) torch.Size([3]) torch.Size([])") == \
        "(3, 28, 28) (3,) ()"


@pytest.mark.parametrize("name", sorted(NEAR))
def test_near_scripts_agree_within_their_tolerance(name):
    got, error = run_gradcli(name)
    _check_error(name, error)
    assert differences(got, expected(name), NEAR[name][0]) == []


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.xfail(reason=BLOCKED[n], strict=False))
    if n in BLOCKED else n for n in NAMES if n not in KNOWN])
def test_float32_agrees_with_pytorchs_float32(name):
    got, error = run_gradcli(name, "float32")
    _check_error(name, error)
    if name in F32:
        assert differences(got, expected(name, "f32.txt"), F32[name]) == []
    else:
        assert got == expected(name, "f32.txt")


def test_a_refused_keyword_names_the_method_as_the_script_calls_it():
    # torch 2.13 refuses `a.to(requires_grad=True)` (former_torchies_autograd.gx:52), and so does
    # gradcli, naming `to()` as Python would, not an internal function
    _, error = run_gradcli("former_torchies_autograd")
    assert error.line == 52 and error.kind == "TypeError"
    assert error.message == "to() got an unexpected keyword argument 'requires_grad'"


def test_differences_sees_a_changed_word_a_far_number_and_a_missing_line():
    want = "99 195.55943935863777\ntensor([1.0000, 2.0000])\n"
    assert differences(want, want, 0.0) == []
    assert differences("99 195.55943935863797\ntensor([1.0000, 2.0000])\n", want, 1e-12) == []
    assert len(differences("99 195.56\ntensor([1.0000, 2.0000])\n", want, 1e-12)) == 1
    assert len(differences("99 195.55943935863777\ntensor([1.0000, 2.0001])\n", want, 1e-6)) == 1
    assert len(differences("99 195.55943935863777\nTensor([1.0000, 2.0000])\n", want, 1.0)) == 1
    assert differences("99 195.55943935863777\n", want, 1.0) == ["1 lines, expected 2"]


@pytest.mark.parametrize("name", NAMES)
def test_pytorch_still_prints_the_expected_text(name):
    pytest.importorskip("torch")
    import sys
    sys.path.insert(0, str(HERE))
    try:
        import make_expected
    finally:
        sys.path.remove(str(HERE))
    out, error = make_expected.run(HERE / f"{name}.gx", make_expected.PRELUDE["txt"])
    assert out == expected(name)
    path = HERE / "expected" / f"{name}.error"
    assert (error + "\n" if error else None) == (path.read_text() if path.exists() else None)
