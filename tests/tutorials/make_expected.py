"""Writes expected/NAME.txt (and NAME.f32.txt, NAME.error) from PyTorch: run with torch.

    /tmp/oracle/bin/python tests/tutorials/make_expected.py [NAME ...]

Each script runs in a fresh interpreter twice: once after `torch.set_default_dtype(torch.float64)`
(gradcli's default dtype) -> NAME.txt, once with torch's own float32 default -> NAME.f32.txt (what
`gradcli run --dtype float32` is compared with). What the script prints is kept, except the
address in a grad_fn's repr (`<AddBackward0 object at 0x7f...>` -> `<AddBackward0>`): it changes
from run to run, and gradcli prints the name only. A script that raises in PyTorch also gets
NAME.error: `LINE ExceptionName: message` of the exception (the message's first line). gradcli never writes these files.
"""
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ADDRESS = re.compile(r" object at 0x[0-9a-fA-F]+>")
PRELUDE = {"txt": "import torch; torch.set_default_dtype(torch.float64)\n", "f32.txt": ""}
RUNNER = r'''
import sys, traceback
src = open(sys.argv[1]).read()
try:
    exec(compile(sys.argv[2] + src, sys.argv[1], "exec"), {"__name__": "__main__"})
except Exception as exc:
    line = traceback.extract_tb(exc.__traceback__)[-1].lineno - sys.argv[2].count("\n")
    sys.stdout.flush()
    sys.stderr.write(f"@@ERROR {line} {type(exc).__name__}: {exc}\n")
'''


def run(path, prelude):
    res = subprocess.run([sys.executable, "-c", RUNNER, str(path), prelude],
                         capture_output=True, text=True, check=True)
    errors = [ln[len("@@ERROR "):] for ln in res.stderr.splitlines() if ln.startswith("@@ERROR ")]
    return ADDRESS.sub(">", res.stdout), errors[0] if errors else None


def main(names):
    for name in names or sorted(p.stem for p in HERE.glob("*.gx")):
        for suffix, prelude in PRELUDE.items():
            out, error = run(HERE / f"{name}.gx", prelude)
            (HERE / "expected" / f"{name}.{suffix}").write_text(out)
            if suffix == "txt":
                err_file = HERE / "expected" / f"{name}.error"
                if error:
                    err_file.write_text(error + "\n")
                elif err_file.exists():
                    err_file.unlink()
        print(name, "error: " + error if error else "")


if __name__ == "__main__":
    main(sys.argv[1:])
