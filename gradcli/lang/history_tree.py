"""The graph history of a tensor drawn as an indented text tree: what
``print(history(y))`` shows and what ``gradcli run --graph`` / ``gradcli graph`` print
(render/history.py draws these same lines, in colour when pretty).

Input is the engine's plain-data history (docs/architecture.md)::

    {"root": "n0",
     "nodes": [{"id", "op", "shape", "dtype", "kind": "function"|"leaf", "name"}],
     "edges": [{"from", "to", "index"}]}      # "from" uses the output of "to"

A node reached twice is drawn once and then referred to. The walk is iterative:
define-by-run loops make deep graphs.
"""
from __future__ import annotations

MAX_INDENT = 40     # deeper levels of the tree are drawn at this indentation


def _shape(node) -> str:
    shape = node.get("shape")
    if shape is None:
        return "?"
    shape = tuple(shape)
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def label(node) -> str:
    """'MulBackward0 (2, 2)' or, for a named leaf, 'x: AccumulateGrad (2, 2)'."""
    text = f"{node['op']} {_shape(node)}"
    dtype = node.get("dtype")
    if dtype and dtype not in ("float64",):
        text += f" {dtype}"
    if node.get("name"):
        text = f"{node['name']}: {text}"
    return text


def _children(history) -> dict:
    kids = {n["id"]: [] for n in history["nodes"]}
    for e in sorted(history["edges"], key=lambda e: e.get("index", 0)):
        kids.setdefault(e["from"], []).append(e["to"])
    return kids


def tree_lines(history) -> list[str]:
    """The history as an indented tree; a node reached again is written as a
    reference ('-> [n3] AddBackward0 (shown above)') instead of being repeated."""
    nodes = {n["id"]: n for n in history["nodes"]}
    kids = _children(history)
    seen = set()
    lines = []
    # stack of (node id, prefix of this line, prefix of its children, depth)
    stack = [(history["root"], "", "", 0)]
    while stack:
        nid, head, rest, depth = stack.pop()
        node = nodes[nid]
        if nid in seen:
            who = f"{node['name']}: " if node.get("name") else ""
            lines.append(f"{head}-> [{nid}] {who}{node['op']} (shown above)")
            continue
        seen.add(nid)
        lines.append(f"{head}{label(node)} [{nid}]")
        children = kids.get(nid, [])
        for i in range(len(children) - 1, -1, -1):
            last = i == len(children) - 1
            branch = "└── " if last else "├── "
            if depth >= MAX_INDENT:     # keep very deep chains readable: stop indenting
                stack.append((children[i], rest + branch, rest, depth + 1))
            else:
                stack.append((children[i], rest + branch,
                              rest + ("    " if last else "│   "), depth + 1))
    return lines
