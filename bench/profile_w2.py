"""Where gradcli's W2 time goes: cProfile of the scalar loop (forward + backward), top functions by
own time. The engine from Python always; the .gx script through Session.run when it exists.

    .venv/bin/python bench/profile_w2.py [--steps 10000] [--top 18]

cProfile adds its own cost per call, so read the shares, not the absolute times.
"""
import argparse
import cProfile
import io
import os
import pstats
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import w2_scalar  # noqa: E402


def report(title, fn, top):
    prof = cProfile.Profile()
    prof.enable()
    fn()
    prof.disable()
    buf = io.StringIO()
    st = pstats.Stats(prof, stream=buf)
    st.sort_stats("tottime").print_stats(top)
    text = buf.getvalue()
    # keep the summary line and the table; drop pstats' preamble
    lines = [ln for ln in text.splitlines() if ln.strip()]
    keep = [ln for ln in lines if "function calls" in ln]
    start = next((i for i, ln in enumerate(lines) if ln.lstrip().startswith("ncalls")), None)
    if start is not None:
        keep += lines[start:]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
    print(f"--- {title}")
    print("\n".join(ln.replace(root, "") for ln in keep))
    print()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=10_000)
    ap.add_argument("--top", type=int, default=18)
    a = ap.parse_args()
    once = w2_scalar.gradcli_engine({"steps": a.steps})
    report(f"engine from Python, {a.steps} steps x 6 ops", once, a.top)
    try:
        once = w2_scalar.gradcli_gx({"steps": a.steps})
    except ImportError as e:
        print(f"--- .gx via Session: skipped ({e})")
        return
    src = w2_scalar.GX.replace("STEPS", str(a.steps)).replace("BACKWARD", "y.backward()")
    report(f".gx via Session.run, {a.steps} steps x 6 ops",
           lambda: w2_scalar.gx_run(src, "w2.gx"), a.top)


if __name__ == "__main__":
    main()
