"""The CPU generator gives PyTorch 2.13's numbers for the same seed.

Two oracles: torch itself when it is installed, and random_table.json, digests of torch's
outputs made by make_random_table.py with torch 2.13.0 (see there), for when it is not.
Cases (random_cases.py) cover rand/randn/uniform_/normal/bernoulli/randint/randperm in both
float dtypes, sizes on both sides of the 16-element vector path, several seeds, and
sequences of calls that carry the generator's cached normal between them.
"""
import json
import pathlib

import numpy as np
import pytest

import gradcli.engine as E
from gradcli.engine.errors import EngineTypeError, EngineValueError
from gradcli.engine.rng import Generator

from . import random_cases as rc

TABLE = json.loads((pathlib.Path(__file__).parent / "random_table.json").read_text())
CASES = rc.cases()
IDS = [rc.case_id(c) for c in CASES]


def _vector_float32(case):
    """float32 normals of 16+ elements: PyTorch's vector kernel (AVX2/AVX-512), which the
    table was made with; other CPUs' PyTorch uses a scalar kernel with other last bits."""
    return case[1] == "float32" and any(
        op in ("randn", "normal", "normal_t") and np.prod(a[-1] if op == "normal" else a) >= 16
        for op, a in case[2])


def test_table_is_complete():
    assert set(TABLE["digests"]) == set(IDS)
    assert TABLE["torch"].startswith("2.13")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_same_numbers_as_the_torch_table(case):
    assert rc.digest(rc.run(case, "gx")) == TABLE["digests"][rc.case_id(case)]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_same_numbers_as_torch(case):
    torch = pytest.importorskip("torch")
    if _vector_float32(case) and torch.backends.cpu.get_cpu_capability() not in ("AVX2", "AVX512"):
        pytest.skip("this CPU's PyTorch uses the scalar float32 normal kernel")
    ours, theirs = rc.run(case, "gx"), rc.run(case, "torch")
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)


def test_first_values_readable():
    """A few values of the table in plain numbers (seed 0), for a reader."""
    first = TABLE["first"]
    assert first["0-float64-rand[3]+randn[3]"] == pytest.approx(
        [0.9700530018065531, 0.707819864399788, 0.45938294312745087], abs=0)
    E.manual_seed(0)
    assert E.randn(3).tolist() == [pytest.approx(v, abs=0) for v in
                                   first["0-float64-randn[3]+randn[20]+randn[1]+randn[4,5]+rand[2,3]"]]


def test_mt19937_reference_output():
    """The C++ standard's check of std::mt19937: default seed 5489, the 10000th output is
    4123659995 ([rand.predef])."""
    assert int(Generator(5489).random(10000)[-1]) == 4123659995


def test_seed_keeps_64_bits_for_initial_seed_and_32_for_the_engine():
    g = Generator(2 ** 32 + 7)
    assert g.initial_seed() == 2 ** 32 + 7
    assert np.array_equal(g.random(5), Generator(7).random(5))


def test_negative_seed_wraps_as_in_torch():
    E.manual_seed(-1)
    a = E.rand(2).tolist()
    E.manual_seed(2 ** 64 - 1)
    assert E.rand(2).tolist() == a
    assert E.initial_seed() == 2 ** 64 - 1
    # torch.manual_seed(-1); torch.rand(2, dtype=torch.float64), torch 2.13
    assert a == [0.9503951604874923, 0.5600645841090078]


def test_reseeding_drops_the_cached_normal():
    E.manual_seed(3)
    E.randn(1)                 # leaves the sin half of a pair in the generator
    E.manual_seed(3)
    a = E.randn(2).tolist()
    E.manual_seed(3)
    assert E.randn(2).tolist() == a


def test_generator_objects_are_independent_of_the_global_one():
    g = Generator(5)
    E.manual_seed(5)
    a = E.randn(4, generator=g).tolist()
    b = E.randn(4).tolist()
    assert a == b
    assert E.randn(4, generator=Generator(5)).tolist() == a


def test_state_round_trip():
    g = Generator(9)
    g.normal((1,), np.float64)
    st = g.get_state()
    a = g.normal((5,), np.float64)
    g.set_state(st)
    np.testing.assert_array_equal(g.normal((5,), np.float64), a)


def test_like_factories_follow_the_tensor():
    x = E.zeros(2, 3, dtype=np.float32)
    E.manual_seed(1)
    a = E.rand_like(x)
    E.manual_seed(1)
    b = E.rand(2, 3, dtype=np.float32)
    assert a.dtype == np.float32 and a.shape == (2, 3)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    E.manual_seed(1)
    r = E.randint_like(x, 10)
    assert r.dtype == np.float32 and r.shape == (2, 3)
    assert E.randn_like(x, dtype=np.float64).dtype == np.float64


@pytest.mark.parametrize("call, err, text", [
    (lambda: E.randint(5, 5, (2,)), EngineValueError, "from=5 >= to=5"),
    (lambda: E.randint(0, 1.5, (2,)), EngineTypeError, "integers"),
    (lambda: E.randint(10), EngineTypeError, "needs a size"),
    (lambda: E.rand(2, dtype=np.int64), EngineTypeError, "floating point"),
    (lambda: E.rand_like(E.tensor([1, 2])), EngineTypeError, "floating point"),
    (lambda: E.randn(-1), EngineValueError, "non-negative"),
    (lambda: E.normal(0.0, -1.0, (3,)), EngineValueError, "std >= 0.0"),
    (lambda: E.normal(E.zeros(3), -1.0), EngineValueError, "std >= 0.0"),
    (lambda: E.normal(0.0, 1.0), EngineTypeError, "needs a size"),
    (lambda: E.bernoulli(E.tensor([0.5, 1.5])), EngineValueError, "[0, 1]"),
    (lambda: E.bernoulli(E.tensor([0, 1])), EngineTypeError, "floating point"),
    (lambda: E.zeros(3).uniform_(2, 1), EngineValueError, "from=2 > to=1"),
    (lambda: E.tensor([1, 2]).normal_(), EngineTypeError, "floating point"),
    (lambda: E.randn(2, generator=3), EngineTypeError, "Generator"),
    (lambda: E.manual_seed(2 ** 64), EngineValueError, "seed"),
    (lambda: E.manual_seed(1.5), EngineValueError, "seed"),
])
def test_bad_arguments_are_clear_errors(call, err, text):
    with pytest.raises(err, match=None) as info:
        call()
    assert text in str(info.value)


def test_in_place_fills_refuse_a_leaf_that_requires_grad():
    from gradcli.engine.errors import AutogradError
    w = E.zeros(3, requires_grad=True)
    with pytest.raises(AutogradError):
        w.normal_()
    with E.no_grad():
        w.normal_()              # PyTorch's init pattern
    assert w.requires_grad and w.is_leaf and np.all(w.detach().numpy() != 0)
