"""The graph history of a tensor as plain data, for renderers to draw.

    {"root": "n0",
     "nodes": [{"id": "n0", "op": "MulBackward0", "shape": [2, 2], "kind": "function",
                "name": None}, ...],
     "edges": [{"from": "n0", "to": "n1", "index": 0}, ...]}

Ids are ``n0, n1, ...`` in depth-first preorder from the root following
``next_functions`` in order, so the same program gives the same ids. A node
reached twice appears once (its second edge points back to the same id).
Leaves are ``AccumulateGrad`` nodes with ``kind: "leaf"``; ``names`` maps
``id(variable)`` to a script name for leaves and the root.
"""
from __future__ import annotations

from .node import AccumulateGrad
from .variable import Variable


def history(v: Variable, names: dict | None = None, annotate=None) -> dict:
    """``annotate(node)``, when given, returns more fields for a node's entry
    (``graph --values``: its value and the gradient that reached it)."""
    names = names or {}
    node = v._node
    if node is None:
        return {"root": "n0", "edges": [], "nodes": [{
            "id": "n0", "op": None, "shape": list(v.shape), "dtype": str(v.dtype),
            "kind": "tensor",
            "name": names.get(id(v))}]}
    from .fused_node import expand_reachable
    expand_reachable([node])            # a fused chain shows its unfused graph
    ids: dict = {}
    nodes, edges = [], []
    stack = [node]
    while stack:
        n = stack.pop()
        if n in ids:
            continue
        ids[n] = f"n{len(ids)}"
        leaf = type(n) is AccumulateGrad
        var = n.variable_ref() if leaf else None
        name = names.get(id(var)) if var is not None else None
        if n is node and name is None:
            name = names.get(id(v))
        dt = getattr(n, "dtype", None)
        nodes.append({"id": ids[n], "op": n.name, "shape": list(n.shape),
                      "dtype": None if dt is None else str(dt),
                      "kind": "leaf" if leaf else "function", "name": name})
        if annotate is not None:
            nodes[-1].update(annotate(n))
        stack.extend(c for c in reversed(n.next) if c is not None and c not in ids)
    for n, nid in ids.items():
        for i, c in enumerate(n.next):
            if c is not None:
                edges.append({"from": nid, "to": ids[c], "index": i})
    edges.sort(key=lambda e: (int(e["from"][1:]), e["index"]))
    return {"root": "n0", "nodes": nodes, "edges": edges}
