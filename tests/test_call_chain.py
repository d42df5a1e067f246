"""An error inside a def shows the chain of script calls that led there
(each call site's file:line:col, outermost first, innermost last), never Python's."""
import re

from click.testing import CliRunner

from gradcli.cli import cli


def run(src, *args):
    r = CliRunner().invoke(cli, ["run", "-", *args], input=src)
    return r.exit_code, r.stderr


def chain(stderr):
    part = stderr.split("called from (innermost last):\n", 1)
    return re.findall(r"^  (<stdin>:\d+:\d+): ", part[1], re.M) if len(part) == 2 else []


def test_two_levels_outermost_first():
    src = ("def g(x):\n    return x + undefined_name\n\n"
           "def f(x):\n    y = g(x) * 2\n    return y\n\nz = f(1.0)\n")
    code, err = run(src)
    assert code == 1
    assert err.startswith("<stdin>:2:16: NameError: name 'undefined_name' is not defined")
    assert chain(err) == ["<stdin>:8:5", "<stdin>:5:9"]
    assert "  <stdin>:8:5: z = f(1.0)   (calls f)" in err
    assert "Traceback" not in err and ".py" not in err


def test_engine_errors_inside_a_def_have_the_chain():
    src = "def mm(a, b):\n    return a @ b\n\nx = ones(2, 3)\ny = mm(x, x)\n"
    code, err = run(src)
    assert code == 1 and "ShapeError" in err.splitlines()[0]
    assert err.splitlines()[0].startswith("<stdin>:2:")
    assert chain(err) == ["<stdin>:5:5"]


def test_assert_in_a_def():
    code, err = run('def h(x):\n    assert x > 5, "too small"\n    return x\nprint(h(1))\n')
    assert code == 1 and err.startswith("<stdin>:2:5: AssertionError: too small")
    assert chain(err) == ["<stdin>:4:7"]


def test_deep_recursion_is_cut_in_the_middle():
    code, err = run("def r(n):\n    return r(n + 1)\nr(0)\n")
    assert code == 1 and "call depth 200 exceeded" in err
    assert chain(err) == ["<stdin>:3:1"] + ["<stdin>:2:12"] * 5
    assert "  ... 194 more calls ..." in err


def test_no_chain_outside_functions_and_after_a_handled_call():
    code, err = run("def f(x):\n    return x\nf(1)\ny = 1 + undefined\n")
    assert code == 1 and "called from" not in err


def test_repl_defined_function_errors_show_the_chain():
    src = "def f(x):\n    return x.nope\n\nf(1)\n"
    r = CliRunner().invoke(cli, ["repl"], input=src)
    assert "<repl>:2:" in r.stderr and "called from (innermost last):" in r.stderr


def events_of(src):
    import json
    r = CliRunner().invoke(cli, ["run", "-", "--format", "json"], input=src)
    return r.exit_code, [json.loads(line) for line in r.stdout.splitlines()], r.stderr


def test_json_error_event_carries_the_chain_the_text_shows():
    src = ("def g(x):\n    return x + undefined_name\n\n"
           "def f(x):\n    y = g(x) * 2\n    return y\n\nz = f(1.0)\n")
    code, events, err = events_of(src)
    assert code == 1 and events[-1]["event"] == "error"
    calls = events[-1]["calls"]
    assert calls == [
        {"file": "<stdin>", "line": 8, "col": 5, "source": "z = f(1.0)", "function": "f"},
        {"file": "<stdin>", "line": 5, "col": 9, "source": "y = g(x) * 2", "function": "g"}]
    # the same sites, in the same order, as the text on stderr
    assert [f"{c['file']}:{c['line']}:{c['col']}" for c in calls] == chain(err)


def test_json_error_event_chain_is_whole_for_deep_recursion():
    code, events, err = events_of("def r(n):\n    return r(n + 1)\nr(0)\n")
    assert code == 1
    calls = events[-1]["calls"]
    # the text cuts the middle; the event lists every call: r(0), then 199 recursive calls
    assert len(calls) == 200 and "more calls" in err
    assert calls[0]["line"] == 3 and {c["line"] for c in calls[1:]} == {2}
    assert all(c["function"] == "r" for c in calls)


def test_json_error_event_without_a_def_has_an_empty_chain():
    code, events, _ = events_of("y = 1 + undefined\n")
    assert code == 1 and events[-1]["calls"] == []
