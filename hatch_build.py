"""Wheel build hook: generate the man page gradcli(1) from the click tree and
install it as share/man/man1/gradcli.1 (``man gradcli`` after ``pip install .``)."""
from __future__ import annotations

import os
import shutil
import sys
import tempfile

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class ManPageHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version, build_data):
        if self.target_name != "wheel" or version == "editable":
            return
        sys.path.insert(0, self.root)      # gradcli.manpage imports only click (a build dependency)
        try:
            from gradcli.manpage import render
            text = render()
        finally:
            sys.path.remove(self.root)
        self._tmp = tempfile.mkdtemp(prefix="gradcli-man-")
        path = os.path.join(self._tmp, "gradcli.1")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        build_data["shared_data"][path] = "share/man/man1/gradcli.1"

    def finalize(self, version, build_data, artifact_path):
        tmp = getattr(self, "_tmp", None)
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
