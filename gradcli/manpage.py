"""gradcli(1), generated from the click tree so that it never drifts from --help.

The wheel build runs this (``hatch_build.py``) and installs the page as
``share/man/man1/gradcli.1``; ``python -m gradcli.manpage [FILE]`` writes it by
hand. Sections follow the help: each command's own options, then the common
options, then the sandbox limits (``clihelp.sections``). Imports only click.
"""
from __future__ import annotations

import inspect
import sys

import click

from .clihelp import SECTIONS, TOPICS, section_of


def _esc(text: str) -> str:
    """troff-safe text: backslashes, and a leading dot or quote neutralised."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\n".join(("\\&" + line if line[:1] in (".", "'") else line) for line in text.splitlines())


def _paragraphs(text: str) -> list[str]:
    """click's docstring text: '\\b' blocks kept line by line, others joined."""
    out = []
    for para in inspect.cleandoc(text or "").split("\n\n"):
        if para.startswith("\b"):
            out.append(".nf\n" + _esc(para[1:].strip("\n")) + "\n.fi")
        else:
            out.append(_esc(" ".join(para.split())))
    return out


def _options(command, ctx) -> list[str]:
    lines = []
    grouped: dict[str, list] = {name: [] for name in SECTIONS}
    for param in command.get_params(ctx):
        if isinstance(param, click.Option):
            record = param.get_help_record(ctx)
            if record is not None:
                grouped.setdefault(section_of(param), []).append(record)
    for name, records in grouped.items():
        if not records:
            continue
        lines += [".PP", f"\\fI{_esc(name)}:\\fR"]
        for term, help_text in records:
            lines += [".TP", f"\\fB{_esc(term)}\\fR", _esc(help_text)]
    return lines


def render(group=None, version=None) -> str:
    """The whole page in man(7) markup."""
    if group is None:
        from .cli import cli as group
    if version is None:
        from . import __version__ as version
    root = click.Context(group, info_name="gradcli", **group.context_settings)
    lines = [f'.TH GRADCLI 1 "" "gradcli {version}" "User Commands"',
             ".SH NAME", "gradcli \\- differentiate expressions and .gx scripts from the shell",
             ".SH SYNOPSIS", "\\fBgradcli\\fR [\\fB\\-\\-version\\fR] [\\fB\\-\\-help\\fR] "
             "\\fICOMMAND\\fR [\\fIARGS\\fR]...", ".SH DESCRIPTION"]
    for para in _paragraphs(group.help):
        lines += [para, ".PP"]
    lines.append(".SH COMMANDS")
    for name in group.list_commands(root):
        command = group.get_command(root, name)
        ctx = click.Context(command, info_name=name, parent=root)
        usage = " ".join(command.collect_usage_pieces(ctx))
        lines += [f".SS gradcli {_esc(name)}", f"\\fBgradcli {_esc(name)}\\fR {_esc(usage)}", ".PP"]
        for para in _paragraphs(command.help):
            lines += [para, ".PP"]
        lines += _options(command, ctx)
    lines.append(".SH HELP TOPICS")
    for topic, (_, _, summary) in TOPICS.items():
        lines += [".TP", f"\\fBgradcli help {_esc(topic)}\\fR", _esc(summary)]
    lines += [".SH EXIT STATUS",
              "0 success; 1 an error in the script, a limit reached or a failed check; "
              "2 usage and syntax errors; 130 interrupted; 141 the reader of standard output "
              "went away (\\fBgradcli help exit\\-codes\\fR).",
              ".SH ENVIRONMENT", ".TP", ".B NO_COLOR", "plain output without colour.",
              ".TP", ".B XDG_CACHE_HOME", "where the parse cache lives (gradcli/ under it).",
              ".TP", ".B XDG_DATA_HOME", "where the REPL keeps its history."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    text = render()
    if argv and argv[0] != "-":
        with open(argv[0], "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
