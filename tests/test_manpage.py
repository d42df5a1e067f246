"""gradcli(1) is generated from the click tree and ships in the wheel."""
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import click
import pytest

from gradcli.cli import cli
from gradcli.manpage import render

ROOT = Path(__file__).resolve().parent.parent


def all_options():
    for name, command in cli.commands.items():
        for p in command.params:
            if isinstance(p, click.Option):
                for opt in p.opts:
                    yield name, opt


def test_page_lists_every_command_and_option():
    page = render()
    for name in cli.commands:
        assert f".SS gradcli {name}\n" in page
    sections = re.split(r"^\.SS gradcli (\S+)\n", page, flags=re.M)
    by_command = dict(zip(sections[1::2], sections[2::2]))
    for name, opt in all_options():
        assert f"\\fB{opt.replace('-', chr(92) + '-')}" in by_command[name] or \
            opt.replace("-", "\\-") in by_command[name], (name, opt)


def test_page_has_the_help_sections_in_order():
    run = re.split(r"^\.SS gradcli ", render(), flags=re.M)[1]
    heads = re.findall(r"\\fI(Options|Common options|Sandbox limits):\\fR", run)
    assert heads == ["Options", "Common options", "Sandbox limits"]


def test_page_renders_with_nroff():
    nroff = shutil.which("nroff")
    if nroff is None:
        pytest.skip("no nroff here")
    r = subprocess.run([nroff, "-man", "-ww"], input=render(), capture_output=True, text=True)
    assert r.returncode == 0 and "gradcli grad" in r.stdout
    assert "warning" not in r.stderr.lower(), r.stderr


def test_wheel_build_generates_and_installs_the_page(tmp_path):
    pytest.importorskip("hatchling")
    pytest.importorskip("build")
    r = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "-o",
                        str(tmp_path), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    (wheel,) = tmp_path.glob("gradcli-*.whl")
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        (man,) = [n for n in names if n.endswith(".data/data/share/man/man1/gradcli.1")]
        assert z.read(man).decode() == render()
        assert "gradcli/docs/cli.md" in names       # gradcli help TOPIC reads it
