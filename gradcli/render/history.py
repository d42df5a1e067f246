"""Graph history of one tensor as a tree, Graphviz dot, Mermaid or JSON.

Input is the engine's plain-data history (docs/architecture.md)::

    {"root": "n0",
     "nodes": [{"id", "op", "shape", "dtype", "kind": "function"|"leaf", "name"}],
     "edges": [{"from", "to", "index"}]}      # "from" uses the output of "to"

Node ids come from the engine's depth-first numbering, so the same script gives
the same output. The text tree is lang/history_tree.py's, the one ``print(history(y))``
shows too.
"""
from __future__ import annotations

import json

from ..lang.history_tree import MAX_INDENT, label, tree_lines

__all__ = ["MAX_INDENT", "label", "tree_lines", "to_dot", "to_mermaid", "to_json", "render_tree"]


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
