#!/usr/bin/env bash
# Creates the peers' virtual environment bench/.peers (git-ignored) for the benchmarks:
# PyTorch 2.13.0 (CPU; pip takes it from a file on this machine's disk), HIPS autograd, micrograd,
# numpy (the same version as the project's .venv when there is one), psutil, threadpoolctl.
# Idempotent: a second run checks the versions and installs nothing when they are already there.
# Usage: bash bench/setup.sh            (from anywhere)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
peers="$here/.peers"
py=${PYTHON:-python3}

# numpy: match the project's own so that numpy-bound work costs the same on every side.
numpy_spec=numpy
if [ -x "$root/.venv/bin/python" ]; then
  v=$("$root/.venv/bin/python" -c 'import numpy; print(numpy.__version__)' 2>/dev/null || true)
  [ -n "$v" ] && numpy_spec="numpy==$v"
fi
# Exactly this torch: any other version (or a bare 'torch') downloads a multi-GB CUDA build.
wanted=("torch==2.13.0" "autograd" "micrograd" "$numpy_spec" "psutil" "threadpoolctl")

[ -x "$peers/bin/python" ] || "$py" -m venv "$peers"

have() {  # every wanted package importable at the wanted version?
  "$peers/bin/python" - "$@" <<'PY'
import sys
from importlib.metadata import version, PackageNotFoundError
ok = True
for spec in sys.argv[1:]:
    name, _, want = spec.partition("==")
    try:
        got = version(name)
    except PackageNotFoundError:
        ok = False; continue
    if want and got.split("+")[0] != want:  # torch reports 2.13.0+cpu
        ok = False
sys.exit(0 if ok else 1)
PY
}

if have "${wanted[@]}"; then
  echo "bench/.peers is ready"
else
  "$peers/bin/python" -m pip install -q "${wanted[@]}"
  have "${wanted[@]}" || { echo "bench/setup.sh: peers incomplete" >&2; exit 1; }
fi
"$peers/bin/python" - <<'PY'
from importlib.metadata import version
print("  " + ", ".join(f"{n} {version(n)}" for n in ("torch", "autograd", "micrograd", "numpy", "psutil")))
PY
