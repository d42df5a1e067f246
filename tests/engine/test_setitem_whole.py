"""Index assignment as PyTorch's setitem writes it, ``...`` (Ellipsis) in every position:
an index that is the whole tensor (``...``, ``:``, ``0:n``, ``()``) writes the tensor
itself (fill_ for a number or a 0-d tensor: FillBackward3; copy_ else: CopyBackwards),
any other basic index a view of it (CopySlices); a value that broadcasts and needs a
gradient is viewed and expanded first. EXPECTED was recorded from PyTorch 2.13.0
(/tmp/oracle, default dtype float64: C = 2A, the assignment, backward of sum(C * C));
the values are simple enough to check by hand, and the gradients are checked against
central differences below. A torch-gated test re-records them."""
from __future__ import annotations

import numpy as np
import pytest

import gradcli.engine as E


VALUES = {"row": ([1.0, 2.0, 3.0], False), "rowg": ([1.0, 2.0, 3.0], True),
          "row2g": ([1.0, 2.0], True), "colg": ([[1.0], [2.0]], True),
          "fullg": (np.ones((2, 3)).tolist(), True), "t0g": (4.0, True), "t0": (4.0, False)}
E_, S = Ellipsis, slice
CASES = {
    "[...] = 0": (E_, 0), "[...] = 1.5": (E_, 1.5), "[...] = True": (E_, True),
    "[:] = 0": (S(None), 0), "[0:100] = 0": (S(0, 100), 0), "[-2:] = 0": (S(-2, None), 0),
    "[:, 0:3] = 0": ((S(None), S(0, 3)), 0), "[:, :2] = 0": ((S(None), S(None, 2)), 0),
    "[::1, ...] = 0": ((S(None, None, 1), E_), 0), "[()] = 0": ((), 0),
    "[..., 0] = 0": ((E_, 0), 0), "[0, ...] = 0": ((0, E_), 0), "[..., None] = 0": ((E_, None), 0),
    "[1, ..., 2] = t0": ((1, E_, 2), "t0"), "[0] = t0g": (0, "t0g"),
    "[...] = row": (E_, "row"), "[...] = rowg": (E_, "rowg"), "[...] = colg": (E_, "colg"),
    "[...] = fullg": (E_, "fullg"), "[...] = t0g": (E_, "t0g"),
    "[..., 1:] = row2g": ((E_, S(1, None)), "row2g"), "[None, ...] = rowg": ((None, E_), "rowg"),
}


def structure(fn, name, depth=0):
    if fn is None:
        return None
    if depth > 6:
        return name(fn)
    return (name(fn), tuple(structure(n, name, depth + 1) for n, _ in fn.next_functions))


def run(m, name, key, aug=None):
    """C = 2A; C[index] = value (or C[index] op= 2); backward of sum(C * C): the values,
    C's graph, A's and the value's gradients."""
    A = m.tensor((np.arange(6.0).reshape(2, 3) + 1).tolist(), requires_grad=True)
    C = A * 2
    idx, v = CASES[key] if aug is None else (aug, None)
    if v in VALUES:
        data, req = VALUES[v]
        v = m.tensor(data, requires_grad=req)
    if aug is None:
        C[idx] = v
    else:
        C[idx] *= 2
    (C * C).sum().backward()
    vg = v.grad.tolist() if getattr(v, "grad", None) is not None else None
    return C.tolist(), structure(C.grad_fn, name), A.grad.tolist(), vg


EXPECTED = \
{'[()] = 0': ([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
              ('FillBackward3', (('MulBackward0', (('AccumulateGrad', ()), None)), None)),
              [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
              None),
 '[-2:] = 0': ([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
               ('CopySlices', (('MulBackward0', (('AccumulateGrad', ()), None)), None)),
               [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
               None),
 '[..., 0] *= 2': ([[4.0, 4.0, 6.0], [16.0, 10.0, 12.0]],
                   ('CopySlices',
                    (('CopySlices', (('MulBackward0', (('AccumulateGrad', ()), None)), None)),
                     ('AsStridedBackward0',
                      (('CopySlices',
                        (('MulBackward0', (('AccumulateGrad', ()), None)), None)),)))),
                   [[32.0, 16.0, 24.0], [128.0, 40.0, 48.0]],
                   None),
 '[..., 0] = 0': ([[0.0, 4.0, 6.0], [0.0, 10.0, 12.0]],
                  ('CopySlices', (('MulBackward0', (('AccumulateGrad', ()), None)), None)),
                  [[0.0, 16.0, 24.0], [0.0, 40.0, 48.0]],
                  None),
 '[..., 1:] = row2g': ([[2.0, 1.0, 2.0], [8.0, 1.0, 2.0]],
                       ('CopySlices',
                        (('MulBackward0', (('AccumulateGrad', ()), None)),
                         ('ExpandBackward0', (('ViewBackward0', (('AccumulateGrad', ()),)),)))),
                       [[8.0, 0.0, 0.0], [32.0, 0.0, 0.0]],
                       [4.0, 8.0]),
 '[..., None] = 0': ([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
                     ('CopySlices', (('MulBackward0', (('AccumulateGrad', ()), None)), None)),
                     [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
                     None),
 '[...] *= 2': ([[4.0, 8.0, 12.0], [16.0, 20.0, 24.0]],
                ('CopyBackwards',
                 (('CopySlices', (('MulBackward0', (('AccumulateGrad', ()), None)), None)),
                  ('AsStridedBackward0',
                   (('CopySlices', (('MulBackward0', (('AccumulateGrad', ()), None)), None)),)))),
                [[32.0, 64.0, 96.0], [128.0, 160.0, 192.0]],
                None),
 '[...] = 0': ([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
               ('FillBackward3', (('MulBackward0', (('AccumulateGrad', ()), None)), None)),
               [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
               None),
 '[...] = 1.5': ([[1.5, 1.5, 1.5], [1.5, 1.5, 1.5]],
                 ('FillBackward3', (('MulBackward0', (('AccumulateGrad', ()), None)), None)),
                 [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
                 None),
 '[...] = True': ([[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]],
                  ('FillBackward3', (('MulBackward0', (('AccumulateGrad', ()), None)), None)),
                  [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
                  None),
 '[...] = colg': ([[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]],
                  ('CopyBackwards',
                   (('MulBackward0', (('AccumulateGrad', ()), None)),
                    ('ExpandBackward0', (('ViewBackward0', (('AccumulateGrad', ()),)),)))),
                  [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
                  [[6.0], [12.0]]),
 '[...] = fullg': ([[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]],
                   ('CopyBackwards',
                    (('MulBackward0', (('AccumulateGrad', ()), None)), ('AccumulateGrad', ()))),
                   [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
                   [[2.0, 2.0, 2.0], [2.0, 2.0, 2.0]]),
 '[...] = row': ([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]],
                 ('CopyBackwards', (('MulBackward0', (('AccumulateGrad', ()), None)), None)),
                 [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
                 None),
 '[...] = rowg': ([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]],
                  ('CopyBackwards',
                   (('MulBackward0', (('AccumulateGrad', ()), None)),
                    ('ExpandBackward0', (('ViewBackward0', (('AccumulateGrad', ()),)),)))),
                  [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
                  [4.0, 8.0, 12.0]),
 '[...] = t0g': ([[4.0, 4.0, 4.0], [4.0, 4.0, 4.0]],
                 ('FillBackward3',
                  (('MulBackward0', (('AccumulateGrad', ()), None)), ('AccumulateGrad', ()))),
                 [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
                 48.0),
 '[0, ...] = 0': ([[0.0, 0.0, 0.0], [8.0, 10.0, 12.0]],
                  ('CopySlices', (('MulBackward0', (('AccumulateGrad', ()), None)), None)),
                  [[0.0, 0.0, 0.0], [32.0, 40.0, 48.0]],
                  None),
 '[0:100] = 0': ([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
                 ('FillBackward3', (('MulBackward0', (('AccumulateGrad', ()), None)), None)),
                 [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
                 None),
 '[0] = t0g': ([[4.0, 4.0, 4.0], [8.0, 10.0, 12.0]],
               ('CopySlices',
                (('MulBackward0', (('AccumulateGrad', ()), None)), ('AccumulateGrad', ()))),
               [[0.0, 0.0, 0.0], [32.0, 40.0, 48.0]],
               24.0),
 '[1, ..., 2] = t0': ([[2.0, 4.0, 6.0], [8.0, 10.0, 4.0]],
                      ('CopySlices', (('MulBackward0', (('AccumulateGrad', ()), None)), None)),
                      [[8.0, 16.0, 24.0], [32.0, 40.0, 0.0]],
                      None),
 '[:, 0:3] = 0': ([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
                  ('FillBackward3', (('MulBackward0', (('AccumulateGrad', ()), None)), None)),
                  [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
                  None),
 '[:, :2] = 0': ([[0.0, 0.0, 6.0], [0.0, 0.0, 12.0]],
                 ('CopySlices', (('MulBackward0', (('AccumulateGrad', ()), None)), None)),
                 [[0.0, 0.0, 24.0], [0.0, 0.0, 48.0]],
                 None),
 '[::1, ...] = 0': ([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
                    ('FillBackward3', (('MulBackward0', (('AccumulateGrad', ()), None)), None)),
                    [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
                    None),
 '[:] = 0': ([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
             ('FillBackward3', (('MulBackward0', (('AccumulateGrad', ()), None)), None)),
             [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
             None),
 '[None, ...] = rowg': ([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]],
                        ('CopySlices',
                         (('MulBackward0', (('AccumulateGrad', ()), None)),
                          ('ExpandBackward0', (('ViewBackward0', (('AccumulateGrad', ()),)),)))),
                        [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
                        [4.0, 8.0, 12.0])}

AUG = {"[...] *= 2": Ellipsis, "[..., 0] *= 2": (Ellipsis, 0)}


def _gx(key):
    if key in AUG:
        return run(E, lambda n: n.name, None, aug=AUG[key])
    return run(E, lambda n: n.name, key)


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_values_graph_and_gradients_are_pytorchs(key):
    assert _gx(key) == EXPECTED[key]


@pytest.mark.parametrize("key", sorted(CASES))
def test_gradient_of_a_by_central_differences(key):
    """d/dA of sum(C * C), C = 2A then C[index] = value, against central differences
    of the same computation on numpy arrays (no autograd)."""
    idx, v = CASES[key]
    value = np.asarray(VALUES[v][0]) if v in VALUES else v
    a0 = np.arange(6.0).reshape(2, 3) + 1

    def f(a):
        c = 2 * a
        c[idx] = value
        return float((c * c).sum())
    num = np.zeros_like(a0)
    for i in np.ndindex(a0.shape):
        d = np.zeros_like(a0)
        d[i] = 1e-6
        num[i] = (f(a0 + d) - f(a0 - d)) / 2e-6
    np.testing.assert_allclose(_gx(key)[2], num, atol=1e-5)


def test_a_leaf_that_requires_grad_is_refused_and_no_grad_writes_it():
    w = E.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(E.AutogradError, match="leaf Variable"):
        w[...] = 0
    with E.no_grad():
        w[...] = 0
    assert w.tolist() == [0.0, 0.0] and w.requires_grad and w.is_leaf


def test_whole_writes_keep_the_object_and_bump_the_version():
    x = E.zeros(2, 3)
    v0 = x._version
    x[...] = E.tensor([1.0, 2.0, 3.0])
    x[:] = 5
    assert x.tolist() == [[5.0] * 3] * 2 and x._version == v0 + 2


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_expected_is_torchs(key):
    torch = pytest.importorskip("torch")
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        name = lambda n: type(n).__name__          # noqa: E731
        got = run(torch, name, None, aug=AUG[key]) if key in AUG else run(torch, name, key)
    finally:
        torch.set_default_dtype(old)
    assert got == EXPECTED[key]
