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


# the shared options are documented in two sections, as --help groups them
COMMON = (re.search(r"^## Common options\n(.*?)(?=^## )", CLI_MD, re.S | re.M).group(1)
          + re.search(r"^## Sandbox limits\n(.*?)(?=^## )", CLI_MD, re.S | re.M).group(1))
COMMON_NAMES = {"--seed", "--dtype", "--set", "--vars", "--allow-read", "--allow-write",
                "--timeout", "--max-steps", "--max-memory", "--max-elements", "--max-depth",
                "--max-nesting", "--max-source", "--max-graph", "--max-list", "--max-flops",
                "--format", "--strict", "--debug", "--precision", "--no-limits"}
NO_COMMON = {"help"}        # gradcli help runs no script


def test_every_limit_has_an_option():
    from gradcli.lang.limits import Limits
    options = {o for p in cli.commands["run"].params for o in p.opts}
    assert len(Limits.field_names()) == 10
    assert {Limits.option_name(name) for name in Limits.field_names()} <= options


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_command_documented(name):
    assert section(name).strip(), f"the section of gradcli {name} in docs/cli.md is empty"


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
        if name in NO_COMMON:
            continue
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


# ----------------------------------------------------------------- the README tour

README = (DOCS.parent / "README.md").read_text(encoding="utf-8")


def tour_steps():
    """($ command, expected output) pairs from the README's console blocks."""
    steps = []
    for block in re.findall(r"```console\n(.*?)```", README, re.S):
        for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
            command, _, output = chunk.partition("\n")
            steps.append((command, output))
    return steps


def test_readme_keeps_the_two_setup_commands():
    assert ("python3 -m venv .venv && .venv/bin/pip install -e '.[test]'" in README
            and ".venv/bin/python -m pytest" in README)


def test_tour_has_steps():
    assert len(tour_steps()) >= 8


@pytest.mark.parametrize("command,expected", tour_steps())
def test_readme_tour_output_is_true(command, expected, tmp_path):
    import os
    import subprocess
    import sys
    (tmp_path / "samples").symlink_to(DOCS.parent / "samples")
    env = {"PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
           "NO_COLOR": "1", "HOME": str(tmp_path)}
    r = subprocess.run(command, shell=True, cwd=tmp_path, capture_output=True, text=True,
                       env=env, timeout=120)
    assert r.stdout + r.stderr == expected


# ----------------------------------------------------------------- console examples of the docs

def doc_steps(page):
    """($ command, expected standard output) of the console blocks of a docs page."""
    text = (DOCS / page).read_text(encoding="utf-8")
    steps = []
    for block in re.findall(r"```console\n(.*?)```", text, re.S):
        for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
            command, _, output = chunk.partition("\n")
            steps.append((command, output))
    return steps


def loose(expected: str):
    """A pattern for expected output in which '...' stands for any text on its line."""
    return re.compile("".join(".*?" if part == "..." else re.escape(part)
                              for part in re.split(r"(\.\.\.)", expected)), re.S)


@pytest.mark.parametrize("page", ["cli.md", "json.md"])
def test_docs_have_console_examples(page):
    assert len(doc_steps(page)) >= 3


@pytest.mark.parametrize("page,command,expected",
                         [(p, c, e) for p in ("cli.md", "json.md") for c, e in doc_steps(p)])
def test_docs_console_examples_are_true(page, command, expected, tmp_path):
    """Run from a copy of the project's layout; standard output must match."""
    import os
    import subprocess
    import sys
    (tmp_path / "samples").symlink_to(DOCS.parent / "samples")
    env = {"PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
           "NO_COLOR": "1", "HOME": str(tmp_path)}
    r = subprocess.run(command, shell=True, cwd=tmp_path, capture_output=True, text=True,
                       env=env, timeout=120)
    assert loose(expected).fullmatch(r.stdout), (command, r.stdout)
    for line in r.stdout.splitlines():       # and every JSON example is JSON
        if line.startswith("{"):
            import json
            json.loads(line)


def test_the_documented_value_is_the_maths():
    import math
    value = 1.5 ** 2 * math.sin(1.5)
    assert repr(value) == "2.2443637198591224"
    for page in ("cli.md", "json.md"):
        assert '"value": 2.2443637198591224' in (DOCS / page).read_text(encoding="utf-8")
        assert "2.2443642" not in (DOCS / page).read_text(encoding="utf-8")


def test_readme_says_how_a_user_installs():
    assert "pipx install ." in README and "pip install ." in README
    assert re.search(r"then\s+(run\s+)?`gradcli`", README)
