"""--help layout (own options first, then common ones, then the sandbox's limits),
the examples in every command's help (each one is run), and `gradcli help TOPIC`."""
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from gradcli.cli import LIMIT_OPTIONS, cli, common_options
from gradcli.clihelp import COMMON, LIMITS, OWN, SectionedCommand, TOPICS, sections

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = ["run", "grad", "repl", "graph", "check", "plot"]
LIMIT_FLAGS = {"--" + n.replace("_", "-") for n in LIMIT_OPTIONS} | {
    "--allow-read", "--allow-write", "--no-limits"}


def help_of(args):
    r = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return r.output


def headed(text: str) -> dict[str, str]:
    """{heading: the lines under it} of a help text."""
    parts = re.split(r"^(\S[^\n]*):\n", text, flags=re.M)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


@pytest.mark.parametrize("command", COMMANDS)
def test_sections_in_order_and_limits_apart(command):
    text = help_of([command, "--help"])
    blocks = headed(text)
    order = [h for h in blocks if h in (OWN, COMMON, LIMITS)]
    assert order == [OWN, COMMON, LIMITS]
    under_limits = set(re.findall(r"^  (--[a-z-]+)", blocks[LIMITS], re.M))
    assert under_limits == LIMIT_FLAGS
    for heading in (OWN, COMMON):
        assert not LIMIT_FLAGS & set(re.findall(r"(--[a-z-]+)", blocks[heading].replace(
            "--max-depth and --max-nesting", "")))
    assert "--help" in blocks[OWN] and "--seed" in blocks[COMMON] and "--precision" in blocks[COMMON]


@pytest.mark.parametrize("command,own", [("grad", {"--wrt", "--order", "--jsonl"}),
                                         ("run", {"--summary", "--graph"}),
                                         ("check", {"--top"})])
def test_own_options_come_first(command, own):
    block = headed(help_of([command, "--help"]))[OWN]
    assert own <= set(re.findall(r"^  (--[a-z-]+)", block, re.M))


def test_a_new_option_falls_under_the_right_heading():
    """The mechanism, not a list: options added later need no change in clihelp."""
    @click.command(cls=SectionedCommand)
    @click.option("--brand-new", is_flag=True)
    @common_options()
    def cmd(brand_new, common):
        pass
    got = sections(cmd)
    assert "--brand-new" in got[OWN]
    assert "--timeout" in got[LIMITS] and "--max-flops" in got[LIMITS]
    assert "--seed" in got[COMMON] and "--timeout" not in got[COMMON]


def test_grad_help_reaches_its_own_options_before_the_shared_ones():
    """The complaint was 47 lines with the own options buried: they now come first,
    and the 11 limits come last."""
    text = help_of(["grad", "--help"])
    head = text.split("Common options:")[0]
    assert "--wrt" in head and "--order" in head and "--timeout" not in head
    assert text.index("Sandbox limits:") > text.index("Common options:") > text.index("--wrt")


def examples(command):
    text = help_of([command, "--help"])
    block = text.split("Examples:\n", 1)[1].split("\n\n", 1)[0]
    return [line.strip() for line in block.splitlines() if line.strip()]


@pytest.mark.parametrize("command", COMMANDS + ["help"])
def test_every_command_has_examples(command):
    found = examples(command)
    assert found and all(f"gradcli {command}" in e for e in found)


RUNNABLE = [(c, e) for c in COMMANDS + ["help"] if c != "repl" for e in examples(c)]


@pytest.mark.parametrize("command,example", RUNNABLE)
def test_examples_run(command, example, tmp_path):
    """Each example in --help works as written (from the project's root layout)."""
    (tmp_path / "samples").symlink_to(ROOT / "samples")
    bindir = os.path.dirname(sys.executable)
    env = {**os.environ, "PATH": bindir + os.pathsep + os.environ.get("PATH", ""),
           "NO_COLOR": "1", "XDG_CACHE_HOME": str(tmp_path / "cache")}
    if "--format svg" in example and not (_which("dot") or _which("graphviz-pure")):
        pytest.skip("no Graphviz dot nor graphviz-pure here")
    r = subprocess.run(example, shell=True, cwd=tmp_path, env=env, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, (example, r.stderr)
    outs = [w for a, w in zip(shlex.split(example), shlex.split(example)[1:]) if a in ("-o", "--out")]
    for name in outs:
        assert (tmp_path / name).stat().st_size > 100


def _which(name):
    import shutil
    return shutil.which(name, path=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))


# ----------------------------------------------------------------- gradcli help TOPIC

@pytest.mark.parametrize("topic", sorted(TOPICS))
def test_help_topics(topic):
    text = help_of(["help", topic])
    assert text.startswith("#") and len(text.splitlines()) >= 5


def test_help_limits_lists_every_limit_and_the_way_out():
    text = help_of(["help", "limits"])
    for flag in LIMIT_FLAGS:
        assert f"`{flag}" in text, flag


def test_help_without_topic_lists_topics_and_commands():
    text = help_of(["help"])
    for topic in TOPICS:
        assert f"  {topic} " in text
    assert "run, grad, repl" in text


def test_help_command_is_its_help():
    assert help_of(["help", "grad"]) == help_of(["grad", "--help"])


def test_help_unknown_topic_is_a_usage_error():
    r = CliRunner().invoke(cli, ["help", "limts"])
    assert r.exit_code == 2
    assert "no help topic 'limts' (did you mean 'limits'?)" in r.output
