"""What every test module may share: where the project's contract lives."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The shared contract (spec, HOSTILE.md, acceptance scripts) sits beside the project:
# <workspace>/shared next to <workspace>/<project>.
SHARED = ROOT.parent / "shared"
SHARED_MISSING = (f"the shared contract is not at {SHARED} (expected beside the project "
                  "root); clone it there to run these tests")


def shared(*parts: str, required: bool = False) -> Path:
    """A path under ../shared. With ``required`` the calling test is skipped, with the
    reason above, when the directory is absent."""
    path = SHARED.joinpath(*parts)
    if required and not path.exists():
        pytest.skip(SHARED_MISSING)
    return path
