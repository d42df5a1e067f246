"""Graph history of one tensor as a tree, Graphviz dot, Mermaid or JSON.

Input is the engine's plain-data history (docs/architecture.md)::

    {"root": "n0",
     "nodes": [{"id", "op", "shape", "dtype", "kind": "function"|"leaf", "name"}],
     "edges": [{"from", "to", "index"}]}      # "from" uses the output of "to"

Node ids come from the engine's depth-first numbering, so the same script gives
the same output. Every walk here is iterative: define-by-run loops make deep graphs.
"""
from __future__ import annotations

import json

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


def _quote(text: str) -> str:
    return json.dumps(text)      # a double-quoted string with \" and \\ escaped


def to_dot(history) -> str:
    out = ["digraph history {", "  rankdir=BT;", '  node [fontname="Helvetica"];']
    for n in history["nodes"]:
        if n["kind"] == "leaf":
            attrs = "shape=box, style=filled, fillcolor=lightblue"
        else:
            attrs = "shape=box, style=rounded"
        if n["id"] == history["root"]:
            attrs += ", penwidth=2"
        out.append(f"  {n['id']} [label={_quote(label(n))}, {attrs}];")
    for e in history["edges"]:
        out.append(f"  {e['to']} -> {e['from']};")
    out.append("}")
    return "\n".join(out)


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;")


def to_mermaid(history) -> str:
    out = ["flowchart BT"]
    for n in history["nodes"]:
        text = _mermaid_text(label(n))
        if n["kind"] == "leaf":
            out.append(f'  {n["id"]}(["{text}"])')
        else:
            out.append(f'  {n["id"]}["{text}"]')
    for e in history["edges"]:
        out.append(f"  {e['to']} --> {e['from']}")
    return "\n".join(out)


def to_json(history) -> str:
    from .jsonenc import dumps, encode_value
    return dumps(encode_value(history))


def render_tree(output, history) -> None:
    if output.pretty:
        from rich.text import Text
        for line in tree_lines(history):
            text = Text(line)
            text.highlight_regex(r"\w+Backward\d*|AccumulateGrad", "bold magenta")
            text.highlight_regex(r"\[n\d+\]", "dim")
            text.highlight_regex(r"^[│├└─ .]*(-> )?\w+(?=:)", "bold cyan")
            output.renderable(text)
    else:
        for line in tree_lines(history):
            output.line(line)
