"""What every test module may share: where the project's contract lives."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The shared contract (spec, HOSTILE.md, acceptance scripts) sits beside the project:
# <workspace>/shared next to <workspace>/<project>. GRADCLI_SHARED names another place
# (a checkout elsewhere, e.g. a git worktree).
SHARED = Path(os.environ.get("GRADCLI_SHARED") or ROOT.parent / "shared")
SHARED_MISSING = (f"the shared contract is not at {SHARED} (expected beside the project "
                  "root); clone it there, or set GRADCLI_SHARED, to run these tests")


def shared(*parts: str, required: bool = False) -> Path:
    """A path under ../shared. With ``required`` the calling test is skipped, with the
    reason above, when the directory is absent."""
    path = SHARED.joinpath(*parts)
    if required and not path.exists():
        pytest.skip(SHARED_MISSING)
    return path
