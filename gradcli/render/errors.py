"""Error and warning messages: ``file:line:col: Kind: message``, the source line
and a caret under the column, on standard error.

The text is always ``gradcli.lang.errors.format_error``'s; pretty mode (on a
terminal, without NO_COLOR) only colours it.
"""
from __future__ import annotations


def render_problem(output, problem, kind: str = "error") -> None:
    from ..lang.errors import format_error
    text = format_error(problem)
    if not output.err_pretty():
        output.err.write(text + "\n")
        output.err.flush()
        return
    from rich.text import Text
    colour = "bold red" if kind == "error" else "bold yellow"
    lines = text.split("\n")
    styled = Text()
    head = lines[0]
    location, sep, rest = head.partition(": ")
    styled.append(location + sep, style="bold")
    label, sep2, message = rest.partition(": ")
    styled.append(label + sep2, style=colour)
    styled.append(message)
    for line in lines[1:]:
        styled.append("\n")
        if line.strip() and set(line.strip()) == {"^"}:
            styled.append(line, style=colour)
        elif line.startswith("hint: "):
            styled.append(line, style="cyan")
        else:
            styled.append(line)
    output.err_console().print(styled)


def render_message(output, message: str) -> None:
    """A problem without a source position (a missing file, no Graphviz, ...)."""
    if output.err_pretty():
        from rich.text import Text
        output.err_console().print(Text("gradcli: ", style="bold") + Text(message, style="red"))
    else:
        output.err.write(f"gradcli: {message}\n")
        output.err.flush()
