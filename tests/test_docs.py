"""docs/cli.md documents every command and every option (a new one fails here
until it is documented), and the exit codes and JSON pages exist."""
import re
from pathlib import Path

import click
import pytest

from gradcli.cli import cli

DOCS = Path(__file__).resolve().parent.parent / "docs"
CLI_MD = (DOCS / "cli.md").read_text(encoding="utf-8")


def section(command: str) -> str:
    m = re.search(rf"^## gradcli {command}\n(.*?)(?=^## |\Z)", CLI_MD, re.S | re.M)
    assert m, f"docs/cli.md has no '## gradcli {command}' section"
    return m.group(1)


COMMON = re.search(r"^## Common options\n(.*?)(?=^## )", CLI_MD, re.S | re.M).group(1)
COMMON_NAMES = {"--seed", "--dtype", "--set", "--vars", "--allow-read", "--allow-write",
                "--timeout", "--max-steps", "--max-memory", "--format", "--strict", "--debug"}


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_command_documented(name):
    section(name)


@pytest.mark.parametrize("name,option", [
    (name, opt) for name, cmd in sorted(cli.commands.items())
    for p in cmd.params if isinstance(p, click.Option)
    for opt in p.opts if opt.startswith("--") and opt != "--help"])
def test_option_documented(name, option):
    if option in COMMON_NAMES and not (name == "graph" and option == "--format"):
        assert f"`{option}" in COMMON, f"{option} missing from Common options"
    else:
        assert f"`{option}" in section(name), f"gradcli {name} {option} is not documented"


def test_common_options_are_on_every_command():
    for name, cmd in cli.commands.items():
        opts = {o for p in cmd.params for o in p.opts}
        assert COMMON_NAMES - {"--format"} <= opts, name


def test_top_level_options_documented():
    for opt in ("--version", "--help"):
        assert opt in CLI_MD


def test_other_pages_exist():
    for page in ("json.md", "exit-codes.md"):
        assert (DOCS / page).read_text(encoding="utf-8").strip()
    codes = (DOCS / "exit-codes.md").read_text(encoding="utf-8")
    for code in ("0", "1", "2", "130", "141"):
        assert f"| {code} " in codes or f"| `{code}` " in codes
