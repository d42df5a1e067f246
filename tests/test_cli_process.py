"""The installed command as a real process: standard input, pipes, signals,
NO_COLOR, JSON streams."""
import json
import os
import signal
import subprocess
import sys
import time

GRADCLI = [sys.executable, "-m", "gradcli"]


def env(**extra):
    e = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    e.update(extra)
    return e


def gradcli(*args, input=None, **kw):
    return subprocess.run(GRADCLI + list(args), input=input, capture_output=True, text=True,
                          env=kw.pop("env", env()), timeout=60, **kw)


def test_stdin_without_subcommand():
    r = gradcli(input="x = tensor(2.0, requires_grad=True)\n(x * x).backward()\nprint(x.grad)\n")
    assert (r.returncode, r.stdout, r.stderr) == (0, "tensor(4.)\n", "")


def test_closed_pipe_is_quiet(tmp_path):
    script = tmp_path / "big.gx"
    script.write_text("for i in range(200000):\n    print(i)\n")
    for fmt in ("plain", "json", "pretty"):
        p = subprocess.Popen(GRADCLI + ["run", str(script), "--format", fmt],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env())
        first = p.stdout.readline()
        p.stdout.close()                      # like `| head -1`
        err = p.stderr.read()
        p.wait(timeout=60)
        assert b"0" in first
        assert err == b"", err
        assert p.returncode == 141


def test_shell_pipe_head():
    r = subprocess.run("printf 'for i in range(100000):\\n    print(i)\\n' | "
                       f"{sys.executable} -m gradcli run - | head -1",
                       shell=True, capture_output=True, text=True, env=env(), timeout=60)
    assert (r.stdout, r.stderr) == ("0\n", "")


def test_no_color_means_plain(tmp_path):
    source = "print(tensor([1.0, 2.0]), [1, 2])\nx = log(tensor(-1.0))\n"
    r = gradcli("run", "-", "--format", "pretty", input=source, env=env(NO_COLOR="1"))
    assert "\x1b[" not in r.stdout + r.stderr
    assert r.stdout == "tensor([1., 2.]) [1, 2]\n"
    r = gradcli("run", "-", "--format", "pretty", input=source)
    assert "\x1b[" in r.stdout


def test_plain_when_not_a_terminal():
    r = gradcli("run", "-", input="print(tensor([1.0]))\n")
    assert r.stdout == "tensor([1.])\n"


def test_json_stream_parses_and_has_no_nan():
    source = ("x = tensor([0.0, 1.0, -1.0], requires_grad=True)\n"
              "y = log(x)\nprint(y)\nprint('a', 1.5)\n")
    r = gradcli("run", "-", "--format", "json", input=source)
    assert r.returncode == 0
    def bare(constant):
        raise AssertionError(f"bare {constant} in the JSON output")
    events = [json.loads(line, parse_constant=bare) for line in r.stdout.splitlines()]
    # the NaN/inf warning is an event too (its message's words may say NaN, as text)
    assert [e["event"] for e in events] == ["warning", "print", "print", "result"]
    assert "Infinity" not in r.stdout
    assert events[1]["values"] == [["-inf", 0.0, "nan"]]


def test_jsonl_is_a_flushed_pipeline_stage():
    p = subprocess.Popen(GRADCLI + ["grad", "x**2", "--jsonl"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env())
    results = []
    for x in (1, 2, 3):
        p.stdin.write(json.dumps({"x": x}) + "\n")
        p.stdin.flush()
        results.append(json.loads(p.stdout.readline()))   # answered before the next line is sent
    p.stdin.close()
    assert p.wait(timeout=60) == 0
    assert [(r["value"], r["grad"]["x"]) for r in results] == [(1.0, 2.0), (4.0, 4.0), (9.0, 6.0)]


def test_ctrl_c_exits_130(tmp_path):
    script = tmp_path / "loop.gx"
    script.write_text("print('started')\nwhile True:\n    pass\n")
    p = subprocess.Popen(GRADCLI + ["run", str(script)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=env())
    assert p.stdout.readline() == "started\n"
    time.sleep(0.3)
    p.send_signal(signal.SIGINT)
    err = p.communicate(timeout=60)[1]
    assert p.returncode == 130
    assert "Interrupted" in err and "Traceback" not in err
    assert err.lower().count("interrupt") == 1          # said once
    assert f"{script}:" in err


def test_errors_never_show_a_traceback(tmp_path):
    cases = ["x = 1 $ 2\n", "x.__class__\n", "ones(10 ** 12)\n", "def f(n):\n    return f(n + 1)\nf(0)\n",
             "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n", "x = \xff\n"]
    for source in cases:
        r = subprocess.run(GRADCLI + ["run", "-"], input=source.encode("latin-1"),
                           capture_output=True, env=env(), timeout=60)
        assert r.returncode in (1, 2), source
        assert b"Traceback" not in r.stderr
        assert r.stderr.startswith(b"<stdin>:")


def test_help_is_fast_to_import():
    code = ("import sys, runpy\nsys.argv = ['gradcli', '--help']\n"
            "try:\n    runpy.run_module('gradcli', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('numpy', 'lark', 'rich') if m in sys.modules), file=sys.stderr)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.stderr.strip() == "[]"


def test_one_liner_avoids_rich_and_prompt_toolkit():
    """Nor, once its parse is cached, lark, numpy.random, pathlib or hashlib (each costs
    5 to 30 ms of a start-up of about 200 ms)."""
    code = ("import sys\nfrom gradcli.cli import cli\n"
            "code = cli.main(['grad', 'x**2*sin(x)', 'x=1.5'], standalone_mode=False)\n"
            "print(sorted(m for m in ('rich', 'prompt_toolkit', 'plotext', 'lark', 'numpy.random', "
            "'pathlib', 'hashlib') if m in sys.modules), file=sys.stderr)")
    for _ in range(2):          # the first run may parse (and import lark) to fill the cache
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           timeout=60, env=env())
    assert r.stdout == "f = tensor(2.2444)\ndf/dx = tensor(3.1516)\n"
    assert r.stderr.strip() == "[]"
