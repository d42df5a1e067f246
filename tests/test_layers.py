"""Import directions stay one-way (docs/architecture.md), checked by parsing
every module's imports with ``ast`` (top-level and inside functions), and the
start-up promise: ``gradcli --help`` imports neither numpy nor lark nor rich."""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "gradcli"
STDLIB = set(sys.stdlib_module_names)


def imports(path: Path) -> set[str]:
    """Absolute names of every module ``path`` imports (relative ones resolved)."""
    package = ".".join(path.relative_to(ROOT.parent).with_suffix("").parts[:-1])
    if path.name == "__init__.py":
        package = ".".join(path.relative_to(ROOT.parent).parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
                if not node.module:
                    found.update(f"{mod}.{a.name}" for a in node.names)
                    continue
            else:
                mod = node.module
            found.add(mod)
    return found


def modules(sub: str):
    target = ROOT / sub
    return sorted(target.rglob("*.py")) if target.is_dir() else [target]


def top(name: str) -> str:
    return name.split(".")[0]


def check(sub, allowed_third_party=(), forbidden_own=()):
    bad = []
    for path in modules(sub):
        for name in imports(path):
            if top(name) in STDLIB or top(name) in allowed_third_party:
                continue
            if top(name) == "gradcli":
                if any(name == f or name.startswith(f + ".") for f in forbidden_own):
                    bad.append((path.name, name))
                continue
            bad.append((path.name, name))
    return bad


def test_imports_resolve_relative_names():
    assert "gradcli.lang.errors" in imports(ROOT / "render" / "errors.py")
    assert "gradcli.render.jsonenc" in imports(ROOT / "render" / "output.py")


def test_engine_imports_only_numpy_and_stdlib():
    # scipy: only scipy.special, inside the ops that need it (next test), as an optional extra
    assert check("engine", ("numpy", "scipy"), forbidden_own=(
        "gradcli.lang", "gradcli.session", "gradcli.render", "gradcli.cli", "gradcli.repl")) == []


def _import_time_names(tree):
    """Modules imported when the module is imported (not inside a function body)."""
    names, todo = set(), list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level:
            names.add(node.module)
        todo.extend(ast.iter_child_nodes(node))
    return names


def test_engine_imports_optional_libraries_only_inside_functions():
    for path in modules("engine"):
        names = _import_time_names(ast.parse(path.read_text(encoding="utf-8")))
        assert not {n for n in names if top(n) == "scipy"}, f"{path.name} imports scipy at import time"


def test_lang_never_imports_click_rich_or_the_front_ends():
    assert check("lang", ("numpy", "lark"), forbidden_own=(
        "gradcli.session", "gradcli.render", "gradcli.cli", "gradcli.repl")) == []


def test_render_does_not_import_the_front_ends():
    assert check("render", ("numpy", "rich", "plotext"), forbidden_own=(
        "gradcli.session", "gradcli.cli", "gradcli.repl")) == []


def test_session_imports_neither_click_nor_rich():
    assert check("session", ("numpy",), forbidden_own=(
        "gradcli.render", "gradcli.cli", "gradcli.repl")) == []


def test_only_the_parsers_lalr_rooms_import_lark():
    """One lazy import of Lark: api._lalr imports lalr.py, which (with the rooms only it
    imports) is the only code that names lark."""
    lark_rooms = {"lalr.py", "fast.py", "builder.py", "messages.py", "tables.py"}
    users = {p.relative_to(ROOT).as_posix() for p in modules("")
             if any(top(n) == "lark" for n in imports(p))}
    assert users == {f"lang/parse/{name}" for name in lark_rooms}
    api = (ROOT / "lang" / "parse" / "api.py").read_text(encoding="utf-8")
    importers = [p.relative_to(ROOT).as_posix() for p in modules("")
                 if any(n.startswith("gradcli.lang.parse.") and n.split(".")[-1] + ".py"
                        in lark_rooms for n in imports(p))]
    assert sorted(importers) == ["lang/parse/api.py", "lang/parse/lalr.py"], importers
    assert "from .lalr import" in api and "__getattr__" not in api


def _all_modules():
    names = []
    for path in sorted(ROOT.rglob("*.py")):
        if path.name == "__main__.py":      # runs the command line
            continue
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def test_no_import_cycle_at_import_time():
    """Each module imported first, in a fresh state: a cycle shows as an ImportError
    (or AttributeError) for the module that starts it."""
    code = ("import importlib, sys, traceback\n"
            f"names = {_all_modules()!r}\n"
            "bad = []\n"
            "for name in names:\n"
            "    for k in [k for k in sys.modules if k == 'gradcli' or k.startswith('gradcli.')]:\n"
            "        del sys.modules[k]\n"
            "    try:\n"
            "        importlib.import_module(name)\n"
            "    except Exception as e:\n"
            "        bad.append(f'{name}: {type(e).__name__}: {e}')\n"
            "print(bad)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout


def _engine_imports_at_load() -> dict:
    """engine module -> the engine modules its top level imports (``from .x import``,
    ``from . import x``): what loading it loads, functions' own imports aside."""
    graph = {}
    for path in modules("engine"):
        deps = set()
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                deps.update([node.module.split(".")[0]] if node.module else
                            [a.name for a in node.names])
        graph[path.stem] = deps
    return graph


def test_elementwise_does_not_import_the_operators():
    """One direction only: arith (``+ - * /``) and power (``**``) use elementwise's ops
    (reciprocal, where, log); elementwise and what it loads never load them back."""
    graph = _engine_imports_at_load()
    seen, todo = set(), ["elementwise"]
    while todo:
        m = todo.pop()
        if m not in seen:
            seen.add(m)
            todo.extend(graph.get(m, ()))
    assert "elementwise" in graph["arith"] and "elementwise" in graph["power"]
    assert not seen & {"arith", "power"}, sorted(seen)


MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80


@pytest.mark.parametrize("room", ["lang", "session", "engine", "__init__.py"])
def test_rooms_stay_small(room):
    """Modules of the language, the session and the engine stay under ~500 lines, functions under
    80 (a longer one must say why in a comment containing 'hot path' or 'data table')."""
    big = []
    for path in modules(room):
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > MAX_MODULE_LINES:
            big.append(f"{path.name}: {text.count(chr(10))} lines")
        lines = text.split("\n")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = node.end_lineno - node.lineno + 1
                head = "\n".join(lines[node.lineno - 3:node.lineno + 3]).lower()
                if n > MAX_FUNCTION_LINES and "hot path" not in head and "data table" not in head:
                    big.append(f"{path.name}:{node.lineno} {node.name}: {n} lines")
    assert big == []


@pytest.mark.parametrize("module,own", [("cli.py", {"clihelp", "cliparse", "clicommon"}),
                                        ("clicommon.py", {"clihelp", "cliparse"}),
                                        ("clihelp.py", set()),
                                        ("cliparse.py", set()), ("manpage.py", {"clihelp"})])
def test_cli_top_level_imports_only_click(module, own):
    """cli.py may import clihelp (help layout) at the top, which imports only click."""
    tree = ast.parse((ROOT / module).read_text(encoding="utf-8"))
    names = set()
    for node in tree.body:           # module level only: commands import lazily
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add(node.module or ".")
    assert {top(n) for n in names} - STDLIB <= {"click", "__future__", ""} | own


def test_help_imports_neither_numpy_nor_lark_nor_rich():
    code = ("import sys\nfrom gradcli.cli import cli\n"
            "try:\n    cli.main(['--help'], prog_name='gradcli')\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('numpy', 'lark', 'rich', 'prompt_toolkit', 'plotext') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_language_and_session_use_no_private_engine_attributes():
    """Buffer reuse and graph walks are the engine's business: the language and the
    session reach Variables and nodes through public names (buffers.temporary, grad_fn,
    next_functions, numpy()), never ``_data``, ``_node`` and the like."""
    private = {"_data", "_node", "_version", "_base", "_saved", "_next"}
    found = []
    for room in ("lang", "session"):
        for path in modules(room):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Attribute) and node.attr in private:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} .{node.attr}")
    assert found == []
