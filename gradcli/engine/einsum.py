"""torch.einsum: numpy's einsum forward; the derivative for each operand is another
einsum (of the gradient and the other operands), written with this same op, so that
every order of derivative works.

PyTorch lowers einsum to permutes, views and bmm, so its graph has those nodes; here the
graph has one EinsumBackward node per einsum (a documented difference in node names).
"""
from __future__ import annotations

import numpy as np

from ._op import lift
from .errors import EngineValueError, ShapeError
from .rule import node_class, record_rule
from .shape import expand, unsqueeze
from .variable import Variable, _wrap

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"    # string.ascii_letters


def _parse(equation, shapes):
    """The equation as explicit letters: (list of input subscripts, output subscripts)."""
    eq = equation.replace(" ", "")
    lhs, arrow, out = eq.partition("->")
    ins = lhs.split(",")
    if len(ins) != len(shapes):
        raise EngineValueError(f"einsum(): {len(ins)} operands in the equation, {len(shapes)} given")
    used = set(eq) - set(".,->")
    bad = used - set(_LETTERS)
    if bad:
        raise EngineValueError(f"einsum(): invalid subscript {sorted(bad)[0]!r}: use letters a-z, A-Z")
    spare = [c for c in _LETTERS if c not in used]
    ell = None
    for i, (sub, shape) in enumerate(zip(ins, shapes)):
        n_ell = len(shape) - len(sub.replace("...", ""))
        if "..." in sub:
            if ell is None:
                ell = "".join(spare[:max(n_ell, 0)])
            elif len(ell) < n_ell:
                raise EngineValueError("einsum(): operands with '...' of different ranks are not supported")
            sub = sub.replace("...", ell[len(ell) - n_ell:])
            ins[i] = sub
        if len(sub) != len(shape):
            raise ShapeError(f"einsum(): the subscripts {sub!r} of operand {i} do not match its "
                             f"{len(shape)} dimensions")
    if arrow:
        out = out.replace("...", ell or "")
    else:
        counts = {c: "".join(ins).count(c) for c in set("".join(ins))}
        out = (ell or "") + "".join(sorted(c for c, k in counts.items() if k == 1 and c not in (ell or "")))
    sizes = {}
    for sub, shape in zip(ins, shapes):
        for c, n in zip(sub, shape):
            if sizes.setdefault(c, n) != n:
                raise ShapeError(f"einsum(): subscript {c} has size {n} in one operand and "
                                 f"{sizes[c]} in another")
    if len(set(out)) != len(out) or not set(out) <= set(sizes):
        raise EngineValueError(f"einsum(): invalid output subscripts {out!r}")
    return ins, out, sizes


def _grad_for(k, g, ops, ins, out, sizes):
    """d/d operand k: einsum of g and the other operands onto k's letters, broadcast over
    letters only k has, and put on the diagonal where k repeats a letter."""
    sk = ins[k]
    uniq = "".join(dict.fromkeys(sk))
    others = [(s, o) for i, (s, o) in enumerate(zip(ins, ops)) if i != k]
    have = set(out).union(*[set(s) for s, _ in others])
    got = "".join(c for c in uniq if c in have)
    eq = ",".join([out] + [s for s, _ in others]) + "->" + got
    d = einsum(eq, g, *[o for _, o in others])
    for c in uniq:                       # letters only k has: d is constant along them
        if c not in have:
            pos = uniq.index(c)
            d = unsqueeze(d, pos)
            got = got[:pos] + c + got[pos:]
    d = expand(d, tuple(sizes[c] for c in uniq))
    if len(uniq) == len(sk):
        return d
    # repeated letters: rename each repeat and tie it to its letter with an identity
    spare = [c for c in _LETTERS if c not in set("".join(ins) + out)]
    target, eyes, seen = "", [], set()
    for c in sk:
        if c in seen:
            r = spare.pop(0)
            eyes.append(c + r)
            target += r
        else:
            seen.add(c)
            target += c
    eye_ops = [_wrap(np.eye(sizes[p[0]], dtype=np.result_type(d._data))) for p in eyes]
    return einsum(",".join([uniq] + eyes) + "->" + target, d, *eye_ops)


def _rule(g, ins, out, sizes, *ops):
    return tuple(None if not (type(o) is Variable and o._node is not None) else
                 _grad_for(k, g, ops, ins, out, sizes) for k, o in enumerate(ops))


EinsumBackward = node_class("EinsumBackward", _rule, "einsum: one einsum per operand's gradient")


def einsum(equation, *operands):
    """Sums of products over the subscripts of ``equation`` (numpy's and PyTorch's
    notation: 'ij,jk->ik', implicit output, '...'). The operands may be given as one list."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not isinstance(equation, str):
        raise EngineValueError("einsum(): the first argument must be the equation string")
    ops = tuple(lift(o) for o in operands)
    ins, out, sizes = _parse(equation, [np.shape(o._data) for o in ops])
    res = np.einsum(",".join(ins) + "->" + out, *[o._data for o in ops], optimize=len(ops) > 2)
    res = np.asarray(res)[()]
    return record_rule(res, EinsumBackward, ops, (ins, out, sizes) + ops)


__all__ = ["einsum"]
