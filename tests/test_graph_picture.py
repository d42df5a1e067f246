"""graph --format svg|png through a real Graphviz: the system's dot, or the
graphviz-pure program (the 'picture' extra, in the test extra so CI draws for real)."""
import os
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from gradcli.cli import cli
from gradcli.render import results

TOUR = str(Path(__file__).resolve().parent.parent / "samples" / "tour.gx")


def need_dot():
    exe = results.find_dot()
    if exe is None:
        pytest.skip("neither Graphviz's dot nor graphviz-pure is installed")
    return exe


def test_svg_file_is_a_real_drawing(tmp_path):
    need_dot()
    path = tmp_path / "y.svg"
    r = CliRunner().invoke(cli, ["graph", TOUR, "--var", "y", "--format", "svg", "-o", str(path)])
    assert r.exit_code == 0, r.output
    root = ET.fromstring(path.read_bytes())
    assert root.tag.endswith("svg")
    text = " ".join(t for e in root.iter() for t in [e.text or ""])
    for node in ("SumBackward0", "MulBackward0", "AccumulateGrad"):
        assert node in text


def test_png_file_is_a_real_picture(tmp_path):
    need_dot()
    path = tmp_path / "y.png"
    r = CliRunner().invoke(cli, ["graph", TOUR, "--var", "y", "--format", "png", "-o", str(path)])
    assert r.exit_code == 0, r.output
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width > 50 and height > 100          # three nodes stacked


def test_graphviz_pure_is_used_when_dot_is_absent(monkeypatch):
    real = shutil.which
    if real("graphviz-pure") is None and real("graphviz-pure", path=os.path.dirname(
            __import__("sys").executable)) is None:
        pytest.skip("graphviz-pure is not installed")
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None if name == "dot" else real(name, *a, **k))
    assert os.path.basename(results.find_dot()) == "graphviz-pure"


def test_without_any_graphviz_the_message_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda *a, **k: None)
    path = tmp_path / "y.svg"
    r = CliRunner().invoke(cli, ["graph", TOUR, "--var", "y", "--format", "svg", "-o", str(path)])
    assert r.exit_code == 1
    assert "pip install 'gradcli[picture]'" in r.output and "apt install graphviz" in r.output
    assert not path.exists()
