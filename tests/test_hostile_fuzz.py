"""Every callable a script reaches, abused generically (tests/hostile_fuzz.py makes the cases).

Each case must end within --timeout + 1 s, the process must stay below --max-memory +
100 MB, and the outcome must be exit 0, 1 or 2 with one positioned message: no Python
exception escaping the session, no traceback, no "internal error", no process death.
The cases run in two worker processes (one Session per 64 cases, in-process, under the
clock); a worker that stops answering is killed and the case it was running is the
finding. A sample runs as real ``gradcli run`` processes with the judged options.
"""
import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
import hostile_fuzz as HF  # noqa: E402

SLACK = 1.0            # the judged grace past --timeout
HEADROOM = 100 << 20   # the interpreter's own memory beyond --max-memory
WORKERS = 2


def _worker(first, last):
    env = dict(os.environ, PYTHONPATH=str(HERE.parent))
    return subprocess.Popen([sys.executable, str(HERE / "hostile_fuzz.py"), str(first), str(last)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            cwd=str(HERE.parent))


def _drive(first, last):
    """Run cases first..last-1; yield (case, result or a finding) in order."""
    while first < last:
        p = _worker(first, last)
        running, started, base_rss = None, time.monotonic(), None
        try:
            while True:
                limit = HF.TIMEOUT + SLACK + (8.0 if running is None else 0.0)  # start-up
                ready, _, _ = select.select([p.stdout], [], [], max(0.05, limit - (
                    time.monotonic() - started)))
                if not ready:
                    yield running if running is not None else first, {
                        "finding": f"no answer within {limit:.1f} s"}
                    first = (running if running is not None else first) + 1
                    break
                line = p.stdout.readline()
                if not line:
                    err = p.stderr.read()[-500:]
                    at = running if running is not None else first
                    if p.wait() != 0 or running is not None:
                        yield at, {"finding": f"worker ended (status {p.returncode}): {err}"}
                        first = at + 1
                    else:
                        first = last
                    break
                msg = json.loads(line)
                if "start" in msg:
                    running, started = msg["start"], time.monotonic()
                    continue
                base_rss = base_rss or msg["rss"]
                msg["rss_growth"] = msg["rss"] - base_rss
                yield msg["end"], msg
                running, started = None, time.monotonic()
        finally:
            if p.poll() is None:
                p.kill()
            p.wait()
            p.stdout.close()
            p.stderr.close()


def _problems(msg):
    if "finding" in msg:
        return msg["finding"]
    if msg["status"] not in (0, 1, 2):
        return f"status {msg['status']}: {msg['message']}"
    if msg["bad"]:
        return f"traceback or internal error: {msg['message']}"
    if msg["time"] > HF.TIMEOUT + SLACK:
        return f"took {msg['time']} s"
    if msg["rss_growth"] > HF.MAX_MEMORY + HEADROOM:
        return f"grew by {msg['rss_growth'] >> 20} MiB"
    return None


def test_every_callable_survives_hostile_arguments():
    cases = HF.cases()
    n = len(cases)
    assert n > 5000 and len(HF._callables()) > 300     # the tables, not a short list
    bounds = [(n * k // WORKERS, n * (k + 1) // WORKERS) for k in range(WORKERS)]
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(WORKERS) as ex:
        results = list(ex.map(lambda b: list(_drive(*b)), bounds))
    seen, findings = set(), []
    for part in results:
        for i, msg in part:
            seen.add(i)
            why = _problems(msg)
            if why and why.startswith("took"):      # a loaded machine: once more, alone
                why = next((_problems(m) for _, m in _drive(i, i + 1)), why)
            if why:
                findings.append(f"{cases[i][0]}: {why}")
    assert not findings, f"{len(findings)} of {n} cases:\n" + "\n".join(findings[:40])
    assert len(seen) == n


SAMPLE = ["r = tensor(A)", "r = ones(10**12)", "r = (X).index_select(0, A)",
          "r = sum(A, [])", "r = str(D)", "r = H.data.get(T)", "r = einsum(S, X)",
          "r = randperm(10**12)", "r = max(A, A)", "r = eye(10**6, 10**6)"]


@pytest.mark.parametrize("case", SAMPLE)
def test_sample_as_processes(tmp_path, case):
    """The same machinery as real processes with the judged options."""
    src = tmp_path / "h.gx"
    src.write_text(HF.PRELUDE + case + "\n")
    t = time.monotonic()
    r = subprocess.run([sys.executable, "-m", "gradcli", "run", str(src), "--timeout",
                        "2", "--max-memory", "256M", "--format", "plain"],
                       capture_output=True, text=True, timeout=30,
                       env=dict(os.environ, XDG_CACHE_HOME=str(tmp_path)))
    dt = time.monotonic() - t
    assert r.returncode in (0, 1, 2), r.stderr
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr.lower()
    if r.returncode:
        assert f"h.gx:{HF.PRELUDE.count(chr(10)) + 1}:" in r.stderr, r.stderr
    assert dt < 2 + SLACK + 3.0, dt      # + the process's own start-up on a loaded machine
