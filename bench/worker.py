"""One measurement in a fresh process: `python bench/worker.py MODULE SIDE 'JSON-PARAMS'`.

run.py starts this with each side's own interpreter (gradcli's .venv or bench/.peers) and reads
one JSON line from stdout. The side's `prepare(params)` imports its library, builds the inputs and
warms up on a tiny size; it returns `once()`, which does one forward + backward and returns
{"fwd": s, "bwd": s, "value": float} (or {"total": s, ...}). The first call after `prepare` is
the memory measurement:

    extra memory = peak RSS during that call - RSS just before it

The peak comes from Linux's VmHWM after resetting it with `echo 5 > /proc/self/clear_refs`, so
memory freed during set-up cannot hide the workload's own peak (a plain ru_maxrss delta can).
Where clear_refs is refused, the delta of ru_maxrss is used and the result says so.
"""
import gc
import importlib
import json
import os
import resource
import sys
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))


def _status_kib(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1])
    return None


def _reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return "VmHWM"
    except OSError:
        return "ru_maxrss"


def split(sample):
    """Complex clock differences (see w2_scalar.pc) become wall "k" and CPU "cpu_k"."""
    out = {}
    for k, v in sample.items():
        if isinstance(v, complex):
            out[k], out["cpu_" + k] = v.real, v.imag
        else:
            out[k] = v
    return out


def _collected(once):
    gc.collect()
    return split(once())


def main():
    module, side, params = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    reps = int(params.pop("reps", 1))
    sys.path.insert(0, HERE)
    out = {"ok": False, "module": module, "side": side}
    try:
        mod = importlib.import_module(module)
        once = mod.SIDES[side](params)
        gc.collect()
        method = _reset_peak()
        rss0 = _status_kib("VmRSS")
        maxrss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        samples = [split(once())]
        if method == "VmHWM":
            extra = _status_kib("VmHWM") - rss0
        else:
            extra = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - maxrss0
        # With reps > 1 the first sample only measures memory: the later, warm ones are timed
        # (thread pools started, allocator settled). With reps == 1 it counts for both.
        # Each after a full collection outside the clock: what an earlier sample left as
        # cyclic garbage (a .gx Session, a graph) is not collected inside a later one's clock.
        timed = [_collected(once) for _ in range(reps - 1)] or samples
        out.update(ok=True, samples=timed, first=samples[0], extra_kib=extra, mem_method=method,
                   rss0_kib=rss0, value=samples[0].get("value"))
    except RecursionError as e:
        out.update(error=f"RecursionError: {e}")
    except MemoryError:
        out.update(error="MemoryError")
    except Exception as e:  # a side that breaks is a result to report, not a crash of the runner
        out.update(error=f"{type(e).__name__}: {e}", trace=traceback.format_exc(limit=6))
    sys.stdout.write("\n" + json.dumps(out) + "\n")
    sys.stdout.flush()
    os._exit(0)  # skip tearing down big graphs: that is not part of any workload's cost


if __name__ == "__main__":
    main()
