"""How ``--help`` is laid out, in one place: options under headings.

Every command of the ``gradcli`` group is a ``SectionedCommand`` (the group's
``command_class``), whose help lists its options in sections:

* ``Options``: the command's own options (and ``--help``), first, so that they
  are not buried;
* ``Common options``: the options every command shares (``common_options`` in
  cli.py marks them with ``mark_common``);
* ``Sandbox limits``: the limit options (their names are given to
  ``mark_common``), ``--allow-read``/``--allow-write`` and ``--no-limits``.

A new option needs nothing here: one added to a command falls under ``Options``,
one added to the shared list under ``Common options``, a new limit (a name in
``LIMIT_OPTIONS``) under ``Sandbox limits``.

This module imports only click (``gradcli --help`` must stay fast).
"""
from __future__ import annotations

import os
import sys

import click

OWN, COMMON, LIMITS = "Options", "Common options", "Sandbox limits"
SECTIONS = (OWN, COMMON, LIMITS)

# shared options that belong with the limits although they are not Limits fields
SANDBOX_NAMES = frozenset({"allow_read", "allow_write", "no_limits"})


def mark_common(params, limit_names) -> None:
    """Put shared options under ``Common options`` or, for limits and the
    sandbox's permissions, ``Sandbox limits``."""
    for p in params:
        if getattr(p, "help_section", None) is None:
            p.help_section = LIMITS if (p.name in limit_names or p.name in SANDBOX_NAMES) else COMMON


def section_of(param) -> str:
    return getattr(param, "help_section", None) or OWN


class SectionedCommand(click.Command):
    """A click command whose options are listed under ``SECTIONS``."""

    def format_options(self, ctx, formatter):
        groups: dict[str, list] = {name: [] for name in SECTIONS}
        for param in self.get_params(ctx):
            if not isinstance(param, click.Option):     # arguments are in the usage line
                continue
            record = param.get_help_record(ctx)
            if record is not None:
                groups.setdefault(section_of(param), []).append(record)
        for name, records in groups.items():
            if records:
                with formatter.section(name):
                    formatter.write_dl(records)


def sections(command, ctx=None) -> dict[str, list[str]]:
    """{section: [option names]} of a command, as its help shows them (for the
    man page and tests)."""
    ctx = ctx or click.Context(command, info_name=command.name)
    out: dict[str, list[str]] = {}
    for param in command.get_params(ctx):
        if isinstance(param, click.Option) and param.get_help_record(ctx) is not None:
            out.setdefault(section_of(param), []).extend(param.opts + param.secondary_opts)
    return out


# ----------------------------------------------------------------- gradcli help TOPIC

# topic -> (page under docs/, the "## " section of it or None for the whole page, summary)
TOPICS = {
    "limits": ("cli.md", "Sandbox limits", "the sandbox's limits, their defaults and --no-limits"),
    "options": ("cli.md", "Common options", "the options every command shares"),
    "json": ("json.md", None, "the JSON output of every command (--format json)"),
    "exit-codes": ("exit-codes.md", None, "exit statuses and what causes each"),
    "language": ("language.md", None, "the .gx language: statements, built-ins, torch names"),
    "repl": ("cli.md", "gradcli repl", "the interactive session"),
    "subgradients": ("subgradients.md", None, "derivatives where a function has a kink"),
    "cli": ("cli.md", None, "every command and option (the whole manual)"),
}


def docs_dir():
    """docs/ as shipped in the wheel (gradcli/docs) or beside the package in a checkout."""
    from pathlib import Path
    here = Path(__file__).resolve().parent
    for candidate in (here / "docs", here.parent / "docs"):
        if (candidate / "cli.md").is_file():
            return candidate
    return None


def topic_text(topic: str) -> str | None:
    """The markdown of a help topic, or None when it is unknown or not installed."""
    if topic not in TOPICS:
        return None
    page, heading, _ = TOPICS[topic]
    base = docs_dir()
    if base is None:
        return None
    text = (base / page).read_text(encoding="utf-8")
    if heading is None:
        return text.rstrip() + "\n"
    lines, keep = [], False
    for line in text.splitlines():
        if line.startswith("## "):
            keep = line[3:].strip() == heading
        if keep:
            lines.append(line)
    return "\n".join(lines).rstrip() + "\n" if lines else None


def topics_listing(commands) -> str:
    width = max(len(t) for t in TOPICS)
    rows = ["Topics (gradcli help TOPIC):"]
    rows += [f"  {name.ljust(width)}  {summary}" for name, (_, _, summary) in TOPICS.items()]
    rows += ["", "Commands (gradcli help COMMAND is gradcli COMMAND --help):",
             "  " + ", ".join(commands)]
    return "\n".join(rows) + "\n"


# ----------------------------------------------------------------- did you mean (options, commands)

def better_suggestions(e) -> None:
    """click's 'Did you mean' uses difflib, which offers --wrt for --fromat; ours
    (lang/didyoumean.py, the scripts' matcher too) offers --format alone."""
    if not isinstance(e, (click.NoSuchOption, click.NoSuchCommand)) or e.ctx is None:
        return
    from .lang.didyoumean import close_matches
    if isinstance(e, click.NoSuchOption):
        if not e.option_name.startswith("--"):
            return
        names = [o[2:] for p in e.ctx.command.get_params(e.ctx) for o in p.opts + p.secondary_opts
                 if o.startswith("--")]
        e.possibilities = ["--" + m for m in close_matches(e.option_name[2:], names)]
    else:
        e.possibilities = close_matches(e.command_name, e.ctx.command.list_commands(e.ctx))


@click.command(name="help")
@click.argument("topic", required=False, metavar="[TOPIC|COMMAND]")
@click.pass_context
def help_command(ctx, topic):
    """Read a help topic (limits, json, exit-codes, language, ...) or a command's help.

    \b
    Examples:
      gradcli help limits
      gradcli help grad
    """
    group = ctx.parent.command
    if topic is None:
        click.echo(topics_listing(group.list_commands(ctx)), nl=False)
        return 0
    if topic in group.commands and topic not in TOPICS:
        command = group.commands[topic]
        with click.Context(command, info_name=topic, parent=ctx.parent) as sub:
            click.echo(command.get_help(sub))
        return 0
    text = topic_text(topic)
    if text is None:
        from .lang.didyoumean import close_matches
        close = close_matches(topic, list(TOPICS) + group.list_commands(ctx), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise click.UsageError(f"no help topic {topic!r}{hint}; topics: {', '.join(TOPICS)}")
    if sys.stdout.isatty() and not os.environ.get("NO_COLOR"):
        from rich.console import Console
        from rich.markdown import Markdown
        Console().print(Markdown(text))
    else:
        click.echo(text, nl=False)
    return 0
