"""The gradcli command line: thin click commands over ``gradcli.session``.

Each command is: options in -> one Session call -> a renderer out. Errors are
mapped to messages and exit codes in exactly one place, ``_guarded``:

    0 success, 1 an error in the script (or a failed check), 2 usage and syntax
    errors, 130 Ctrl-C, 141 the reader closed the pipe (quietly).

Start-up matters (``gradcli --help`` must not import numpy, lark or rich), so
this module imports only click and the standard library at the top; the
session, the renderers and Rich are imported inside the commands that need them.
"""
from __future__ import annotations

import functools
import importlib
import os
import sys

import click

from . import __version__
from .clihelp import SectionedCommand, better_suggestions, help_command, mark_common
from .cliparse import (_click_parser, _valid_name, check_leaves, check_value,  # noqa: F401
                       leaf_problem, limit_option, no_limits, parse_assignment, parse_bound,
                       parse_number, parse_range, parse_size, parse_value, MAX_SIZE, _max_depth)

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPT, EXIT_PIPE = 0, 1, 2, 130, 141


class State:
    """Per-invocation facts the error handler needs (never a module global)."""

    def __init__(self, owns_process: bool = False):
        self.format = None
        self.debug = False
        self.held = []          # the command's clock (limits.Clock), released at the end
        # main() as the program: the process may cap its address space and end itself
        # (watchdog); never when called as a library or by a test runner
        self.owns_process = owns_process

    def release(self):
        while self.held:
            self.held.pop().__exit__(None, None, None)


# value parsing lives in cliparse.py (re-exported here: tests and callers import from cli)


# ----------------------------------------------------------------- common options

class Common:
    """The common options of one invocation, and what is built from them."""

    def __init__(self, **kw):
        self.__dict__.update(kw)

    def output(self):
        from .render.output import Output, resolve_format
        fmt = resolve_format(self.format)
        ctx = click.get_current_context(silent=True)
        if ctx is not None and isinstance(ctx.find_object(State), State):
            ctx.find_object(State).format = fmt
        return Output(fmt, out=sys.stdout, err=sys.stderr)

    def variables(self) -> dict:
        values = {}
        if self.vars_file:
            values.update(self.vars_file)
        for name, value in self.set_values or ():
            values[name] = value
        return values

    def progress(self, output, session, what, steps=None, total=None):
        """A status line on stderr while a long run goes (render/progress.py)."""
        from .render.progress import Progress
        if steps is None:
            steps = lambda: session._rt.used      # noqa: E731 - the runtime's step counter
        timeout = session.options.limits.timeout
        return Progress(output, what, steps=steps, total=total, timeout=timeout)

    def session(self, output, variables=None):
        from .session import Limits, Options, Session
        given = {name: getattr(self, name) for name in LIMIT_OPTIONS}
        base = no_limits(Limits(), LIMIT_OPTIONS) if self.no_limits else {}
        limits = Limits(**{**base, **{k: v for k, v in given.items() if v is not None}})
        opts = Options(dtype=self.dtype, seed=self.seed, strict=self.strict,
                       allow_read=tuple(self.allow_read), allow_write=tuple(self.allow_write),
                       limits=limits, variables=self.variables() if variables is None else variables)
        session = Session(opts, on_print=output.print_event, on_warning=output.warning)
        _hold_for_command(session, limits)
        return session


def _hold_for_command(session, limits) -> None:
    """A command's process: its address space capped from --max-memory, its clock
    held from here to the end (every rerun of check, every point of plot), with the
    watchdog on; the REPL's entries each hold a clock of their own."""
    ctx = click.get_current_context(silent=True)
    state = ctx.find_object(State) if ctx is not None else None
    if state is None:
        return
    if state.owns_process:
        from .lang.limits import cap_address_space
        cap_address_space(limits.max_memory)
        session.watchdog = True
    if ctx.command.name == "repl":
        return
    hold = session.hold_clock(watchdog=state.owns_process)
    hold.__enter__()
    state.held.append(hold)


def _read_vars_file(path: str) -> dict:
    import json
    try:
        with open(path, "rb") as f:
            data = json.loads(f.read(16 * 2**20))
    except OSError as e:
        raise click.BadParameter(f"cannot read {path!r}: {e.strerror}", param_hint="--vars") from None
    except (ValueError, RecursionError) as e:
        raise click.BadParameter(f"{path!r} is not valid JSON: {e}", param_hint="--vars") from None
    if not isinstance(data, dict):
        raise click.BadParameter(f"{path!r} must hold a JSON object of NAME: VALUE", param_hint="--vars")
    out = {}
    for name, value in data.items():
        if not _valid_name(name):
            raise click.BadParameter(f"{name!r} is not a valid variable name", param_hint="--vars")
        try:
            out[name] = check_value(value)
        except ValueError as e:
            raise click.BadParameter(f"{name}: {e}", param_hint="--vars") from None
    return out


def _format_option(f):
    return click.option("--format", "format", type=click.Choice(["pretty", "plain", "json"]),
                        default=None,
                        help="Output format [default: pretty on a terminal, plain otherwise "
                             "or when NO_COLOR is set].")(f)


# the session's Limits fields, each raised by the option of the same name (--max-steps, ...)
LIMIT_OPTIONS = ("timeout", "max_steps", "max_memory", "max_elements", "max_depth", "max_nesting",
                 "max_source", "max_graph", "max_list", "max_flops")

_COMMON = [
    click.option("--seed", type=click.IntRange(0, 2 ** 63 - 1), default=None, metavar="N",
                 help="Seed the random generator."),
    click.option("--dtype", type=click.Choice(["float64", "float32"]), default="float64",
                 show_default=True, help="Default floating dtype of tensors."),
    click.option("--set", "set_values", multiple=True, metavar="NAME=VALUE",
                 callback=_click_parser(parse_assignment, multiple=True),
                 help="Define a variable (a number or a list literal); repeatable."),
    click.option("--vars", "vars_file", type=click.Path(dir_okay=False), metavar="FILE.json",
                 callback=lambda ctx, param, value: _read_vars_file(value) if value else None,
                 help="Define variables from a JSON object of NAME: VALUE."),
    click.option("--allow-read", multiple=True, type=click.Path(), metavar="PATH",
                 help="Let load() read this file or directory; repeatable."),
    click.option("--allow-write", multiple=True, type=click.Path(), metavar="PATH",
                 help="Let save() write this file or directory; repeatable."),
    click.option("--timeout", callback=limit_option("float", 0, 1e6, low_open=True),
                 metavar="SECONDS", help="Stop the command after this much wall time."),
    click.option("--max-steps", callback=limit_option("int", 1, 10 ** 15), metavar="N",
                 help="Stop after N loop iterations and calls."),
    click.option("--max-memory", callback=limit_option("size", 1, MAX_SIZE), metavar="SIZE",
                 help="Total memory the run may grow by (e.g. 512M, 2GiB)."),
    click.option("--max-elements", callback=limit_option("int", 1, 10 ** 12), metavar="N",
                 help="Elements allowed in one tensor."),
    click.option("--max-depth", callback=limit_option("int", 1, _max_depth), metavar="N",
                 help="Nested calls of script functions allowed."),
    click.option("--max-nesting", callback=limit_option("int", 1, 1000), metavar="N",
                 help="Expression and bracket nesting allowed."),
    click.option("--max-source", callback=limit_option("size", 1, 64 * 2 ** 20), metavar="SIZE",
                 help="Largest script text accepted (e.g. 1M)."),
    click.option("--max-graph", callback=limit_option("int", 1, 10 ** 9), metavar="N",
                 help="Depth of a tensor's graph history allowed (nodes)."),
    click.option("--max-list", callback=limit_option("int", 1, 10 ** 9), metavar="N",
                 help="Length of a list, tuple or string a script may make."),
    click.option("--max-flops", callback=limit_option("float", 0, 1e18, low_open=True),
                 metavar="N", help="Work of costly kernels allowed in one run (e.g. 1e12)."),
    click.option("--no-limits", is_flag=True,
                 help="Lift the time, step, memory and size limits (for your own scripts; "
                      "--max-depth and --max-nesting stay)."),
    click.option("--precision", type=click.IntRange(0, 30), metavar="N",
                 help="Digits after the point in printed tensors (PyTorch's default: 4)."),
    click.option("--strict", is_flag=True,
                 help="A NaN or infinity from any operation is an error (else a warning)."),
    click.option("--debug", is_flag=True, help="Show the internal traceback of an error."),
]


def common_options(output_format=True):
    """The options every command shares, spelled the same everywhere; the command
    receives them as one ``common`` argument."""
    names = ("seed", "dtype", "set_values", "vars_file", "allow_read", "allow_write",
             "strict", "debug", "format", "no_limits", "precision") + LIMIT_OPTIONS

    def decorate(f):
        @functools.wraps(f)
        def wrapper(*args, **kw):
            common = Common(**{n: kw.pop(n, None) for n in names})
            state = click.get_current_context().find_object(State)
            if state is not None:
                state.debug = bool(common.debug)
                state.format = common.format
            from .engine.printing import set_printoptions
            set_printoptions(precision=common.precision, profile="default")   # fresh per invocation
            return f(*args, common=common, **kw)
        options = list(_COMMON) + ([_format_option] if output_format else [])
        before = len(getattr(wrapper, "__click_params__", ()))
        for option in reversed(options):
            wrapper = option(wrapper)
        mark_common(wrapper.__click_params__[before:], LIMIT_OPTIONS)
        return wrapper
    return decorate


# ----------------------------------------------------------------- the one error handler

def _guarded(call, state: State) -> int:
    """Run the command line; map every outcome to (message, exit code)."""
    try:
        rv = call()
        try:
            sys.stdout.flush()
        except OSError as e:
            from .render.output import output_error
            raise output_error(e) from None
        return rv if isinstance(rv, int) else EXIT_OK
    except click.exceptions.Exit as e:
        return e.exit_code
    except click.ClickException as e:
        better_suggestions(e)
        e.show()
        return e.exit_code
    except click.Abort:
        click.echo("Interrupted", err=True)
        return EXIT_INTERRUPT
    except KeyboardInterrupt:
        _debug_traceback(state)
        click.echo("Interrupted", err=True)
        return EXIT_INTERRUPT
    except BaseException as e:          # noqa: BLE001 - the one place that decides
        from .render.output import OutputClosed, OutputFailed, output_error
        if isinstance(e, OSError):              # writing output failed (EPIPE, a full disk)
            e = output_error(e)
        if isinstance(e, OutputClosed):         # EPIPE while the script was printing
            _silence_stdout()
            return EXIT_PIPE
        if isinstance(e, OutputFailed):
            if e.on_stdout:
                _silence_stdout()
            click.echo(f"gradcli: error: {e}", err=True)
            return e.exit_code
        if not isinstance(e, Exception):        # SystemExit and the like
            raise
        from .lang.errors import GxError
        if isinstance(e, GxError):
            _debug_traceback(state)
            from .render.output import Output, resolve_format
            try:
                out = Output(resolve_format(state.format), out=sys.stdout, err=sys.stderr)
                out.error(e)
                if out.json:                    # machines reading stdout learn of it too
                    out.emit({"event": "error", "kind": e.kind, "message": e.message,
                              "file": e.filename, "line": e.line, "col": e.col,
                              "exit_code": e.exit_code})
            except (BrokenPipeError, OSError):
                pass
            return e.exit_code
        if state.debug:
            _debug_traceback(state)
        click.echo(f"gradcli: internal error: {type(e).__name__}: {e}"
                   + ("" if state.debug else " (run with --debug for the traceback)"), err=True)
        return EXIT_ERROR


def _standard_streams() -> None:
    """A closed standard input reads as empty; a closed standard output fails on the
    first write (OutputFailed, exit 1) instead of crashing on ``None``."""
    import io
    if sys.stdin is None:
        sys.stdin = io.TextIOWrapper(io.BytesIO(b""), encoding="utf-8")
    if sys.stdout is None:
        sys.stdout = io.TextIOWrapper(_ClosedStream(), encoding="utf-8", write_through=True)
    if sys.stderr is None:
        sys.stderr = io.TextIOWrapper(open(os.devnull, "wb"), encoding="utf-8")


class _ClosedStream:
    """The raw stream behind a closed standard output: every write is EBADF."""
    closed = False

    def writable(self):
        return True

    def readable(self):
        return False

    def seekable(self):
        return False

    def write(self, data):
        import errno
        raise OSError(errno.EBADF, os.strerror(errno.EBADF))

    def flush(self):
        pass

    def isatty(self):
        return False

    def fileno(self):
        import io
        raise io.UnsupportedOperation("fileno")

    def close(self):
        pass


def _debug_traceback(state: State) -> None:
    if state.debug:
        import traceback
        traceback.print_exc(file=sys.stderr)


def _silence_stdout() -> None:
    """After EPIPE, point stdout at /dev/null so the final flush stays quiet."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, ValueError, OSError):
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)
        os.close(devnull)
    except OSError:
        pass


def _output_errors(call, *args, **kw):
    try:
        return call(*args, **kw)
    except OSError as e:
        from .render.output import output_error
        raise output_error(e) from e


class ExprCommand(SectionedCommand):
    """A command whose first argument is an expression: one starting with '-'
    ('-x**2') is taken as that argument, not as an unknown option."""

    def parse_args(self, ctx, args):
        if any(a[:1] == "-" and a[1:2] not in ("", "-") for a in args):   # '-x', not '--x'
            from .pipeline.cli import expr_first
            args = expr_first(self, ctx, list(args))
        return super().parse_args(ctx, args)


class GradcliGroup(click.Group):
    command_class = SectionedCommand        # every command's --help: options under headings

    # click's main() turns EPIPE into exit 1 (and other OSErrors into tracebacks):
    # the two places its main() calls map them first (the reader went away is 141)
    def make_context(self, *args, **kw):
        return _output_errors(super().make_context, *args, **kw)

    def invoke(self, ctx):
        return _output_errors(super().invoke, ctx)

    def list_commands(self, ctx):
        return list(self.commands)      # in the order they are defined: run, grad, repl, ...

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        _standard_streams()
        state = State()
        extra.setdefault("obj", state)
        state = extra["obj"] if isinstance(extra["obj"], State) else state
        try:
            code = _guarded(lambda: super(GradcliGroup, self).main(
                args, prog_name or "gradcli", complete_var, standalone_mode=False, **extra), state)
        finally:
            state.release()
        if standalone_mode:
            sys.exit(code)
        return code


# ----------------------------------------------------------------- commands

def _read_script(path: str):
    """(source bytes, filename for messages); '-' is standard input."""
    limit = 64 * 2**20      # the session refuses far smaller sources; never read more
    if path == "-":
        stream = getattr(sys.stdin, "buffer", None)
        data = stream.read(limit + 1) if stream is not None else sys.stdin.read(limit + 1).encode()
        return data, "<stdin>"
    try:
        with open(path, "rb") as f:
            return f.read(limit + 1), path
    except OSError as e:
        raise click.BadParameter(f"cannot read {path!r}: {e.strerror}", param_hint="SCRIPT") from None


def _parse_values(values) -> dict:
    try:
        return dict(parse_assignment(v) for v in values)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="NAME=VALUE") from None


@click.group(name="gradcli", cls=GradcliGroup, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="gradcli",
                      message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx):
    """Differentiate expressions and .gx scripts (a Python subset with PyTorch's
    autograd) from the shell.

    Without a command: the REPL on a terminal, else the script on standard input.
    """
    if ctx.invoked_subcommand is None:
        if sys.stdin.isatty() and sys.stdout.isatty():
            return ctx.invoke(repl)
        return ctx.invoke(run, script="-")


@cli.command()
@click.argument("script", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--summary", is_flag=True, help="Then a table of the script's tensors.")
@click.option("--graph", "graph_var", metavar="NAME", help="Then the graph history of tensor NAME.")
@click.option("--explain", "explain_var", metavar="NAME",
              help="Then the backward pass from NAME step by step (its sum if not a scalar).")
@click.option("--values", "with_values", is_flag=True,
              help="With --graph: every node carries its value and the gradient that reached it.")
@common_options()
def run(script, summary, graph_var, explain_var, with_values, common):
    """Run a .gx SCRIPT (a path, or - for standard input).

    \b
    Examples:
      gradcli run samples/tour.gx --summary --graph y
      echo 'print(2**10)' | gradcli run -
    """
    out = common.output()
    source, filename = _read_script(script)
    session = common.session(out)
    recorder = _recording(session) if explain_var or (with_values and graph_var) else None
    with common.progress(out, session, f"running {os.path.basename(filename)}"):
        session.run(source, filename)
    from .engine.printing import use_printoptions
    use_printoptions(session.print_options)     # the script's set_printoptions, for --summary
    from .render import results
    annotate = None
    if with_values and graph_var:
        from .explain.walk import annotator
        annotate = annotator(session, graph_var, recorder, filename)
    results.after_run(out, session, summary=summary, graph_var=graph_var, annotate=annotate)
    if explain_var is not None:
        from .explain.walk import explain_value
        from .render import explain
        explain.render(out, explain_value(session, explain_var, recorder, source, filename))


@cli.command(cls=ExprCommand)
@click.argument("expr")
@click.argument("values", nargs=-1, metavar="[NAME=VALUE]...")
@click.option("--wrt", metavar="X,Y", help="Differentiate only with respect to these names.")
@click.option("--order", type=click.IntRange(min=1), default=1, show_default=True,
              help="2 adds the Hessian; N > 2 gives every derivative of order N.")
@click.option("--jsonl", is_flag=True,
              help="Read one JSON object of values per line from stdin; write one JSON line each.")
@click.option("--input", "input_path", type=click.Path(dir_okay=False), metavar="FILE",
              help="Read points from FILE (.jsonl, .csv, .npy, .npz, .parquet).")
@click.option("--output", "output_path", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write results to FILE (.jsonl, .csv, .npy, .npz, .parquet).")
@click.option("--grid", metavar="X=A:B:N[,Y=...]", help="Evaluate at every point of a grid.")
@click.option("--echo", is_flag=True,
              help="Every success record carries its line number and input.")
@click.option("--elementwise", is_flag=True,
              help="Per-element derivatives of an elementwise EXPR instead of the Jacobian.")
@click.option("--explain", is_flag=True,
              help="Then the forward values and the backward pass step by step.")
@click.option("--formula", is_flag=True,
              help="Then the derivative as a formula (SymPy) beside the numbers.")
@common_options()
def grad(expr, values, wrt, order, jsonl, input_path, output_path, grid, echo, elementwise,
         explain, formula, common):
    """Value and gradient of EXPR at the given NAME=VALUE points.

    VALUE is a number or a list literal (w=[1,2,3]). An EXPR starting with -
    is taken as EXPR (or put -- before it).

    \b
    Examples:
      gradcli grad 'x**2*sin(x)' x=1.5
      gradcli grad 'x*y + y**2' x=1 y=2 --order 2
    """
    from .render import results
    given = _parse_values(values)
    wrt_names = [w.strip() for w in wrt.split(",") if w.strip()] if wrt else None
    if order > 2 and (jsonl or input_path or output_path or grid or elementwise):
        raise click.BadParameter("above 2 only for one point (no --jsonl, --input, --output, "
                                 "--grid, --elementwise)", param_hint="--order")
    if jsonl or input_path or output_path or grid:
        from .pipeline.cli import grad_stage
        return grad_stage(common, expr, given, wrt_names, order, jsonl=jsonl, input_path=input_path,
                          output_path=output_path, grid=grid, echo=echo, elementwise=elementwise)
    check_leaves({**common.variables(), **given}, wrt_names)
    out = common.output()
    session = common.session(out)
    if order > 2:
        from .cli_explain import _factory, grad_high_order
        return grad_high_order(out, _factory(common, out), expr,
                               {**common.variables(), **given}, wrt_names, order)
    if (explain or formula) and not elementwise:
        from .cli_explain import grad_explained
        return grad_explained(out, session, expr, {**common.variables(), **given}, wrt_names,
                              order, explain, formula)
    if elementwise:
        from .pipeline.cli import grad_elementwise
        result = grad_elementwise(session, expr, {**common.variables(), **given}, wrt_names, order)
    else:
        result = session.grad_expr(expr, {**common.variables(), **given}, wrt=wrt_names,
                                   order=order)
    results.render_grad(out, expr, result)


@cli.command()
@common_options()
def repl(common):
    """Interactive session: multi-line blocks, history, tab completion.

    \b
    Examples:
      gradcli repl
      gradcli repl --precision 8 --seed 0
    """
    from .repl import run_repl
    return run_repl(common)


@cli.command()
@click.argument("script", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--var", "var", required=True, metavar="NAME", help="The tensor whose history to export.")
@click.option("--format", "graph_format", default="tree", show_default=True,
              type=click.Choice(["tree", "dot", "mermaid", "json", "svg", "png"]),
              help="tree in the terminal; dot, mermaid, json text; svg, png through Graphviz.")
@click.option("--out", "-o", "out_path", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write to FILE instead of standard output.")
@click.option("--values", "with_values", is_flag=True,
              help="Every node carries its value and the gradient that reached it.")
@common_options(output_format=False)
def graph(script, var, graph_format, out_path, with_values, common):
    """Export the graph history of tensor NAME after running SCRIPT.

    \b
    Examples:
      gradcli graph samples/tour.gx --var y
      gradcli graph samples/tour.gx --var y --format svg -o y.svg
    """
    out = common.output()
    source, filename = _read_script(script)
    # standard output carries the graph alone: the script's prints go to stderr
    from .render.output import Output
    session = common.session(Output("plain", out=sys.stderr, err=sys.stderr))
    recorder = _recording(session) if with_values else None
    session.run(source, filename)
    from .render import results
    annotate = None
    if recorder is not None:
        from .explain.walk import annotator
        annotate = annotator(session, var, recorder, filename)
    return results.export_graph(out, session, var, graph_format, out_path, annotate)


def _recording(session):
    """Turns the engine's trace on for --explain/--values (recorded only when asked)."""
    from .engine.recorder import Recorder
    recorder = Recorder()
    session.set_trace(recorder)
    return recorder


@cli.command(cls=ExprCommand)
@click.argument("target", metavar="SCRIPT_OR_EXPR")
@click.argument("values", nargs=-1, metavar="[NAME=VALUE]...")
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True,
              help="Rows of the table of the worst errors.")
@common_options()
def check(target, values, top, common):
    """Compare analytic gradients with central finite differences.

    SCRIPT_OR_EXPR is a .gx file (every leaf that requires grad is checked) or an
    expression whose free variables are given as NAME=VALUE. Exit 1 on mismatch.

    \b
    Examples:
      gradcli check 'sum(x**3)' 'x=[1, 2]'
      gradcli check samples/01_seed_tutorial.gx --top 3
    """
    out = common.output()
    given = _parse_values(values)
    if target == "-" or target.endswith(".gx"):
        source, filename = _read_script(target)
    else:
        # an expression, never a file that happens to be named like one, and never
        # statements: it must parse as one expression before it becomes a script
        from .lang.parse import parse_expression
        from .lang.limits import Limits
        parse_expression(target, "<expr>",
                                max_source=common.max_source or Limits.max_source,
                                max_nesting=common.max_nesting or Limits.max_nesting)
        from .render.results import expr_check_source
        check_leaves({**common.variables(), **given})
        source, filename = expr_check_source(target, {**common.variables(), **given}), "<expr>"
        given = {}
    session = common.session(out, variables={**common.variables(), **given})
    with common.progress(out, session, f"checking {os.path.basename(filename)}"):
        result = session.check(source, filename)
    if filename == "<expr>":
        result.where = {}           # positions in the generated script would mean nothing
    from .render import results
    return results.render_check(out, result, top)


@cli.command(cls=ExprCommand)
@click.argument("expr")
@click.option("--var", default="x", show_default=True, metavar="NAME", help="The variable on the x axis.")
@click.option("--range", "range_", default="-5:5", show_default=True, metavar="A:B",
              callback=_click_parser(parse_range), help="The interval of the variable.")
@click.option("--points", type=click.IntRange(2, 5000), default=201, show_default=True,
              help="Number of sample points.")
@click.option("--ylim", default=None, metavar="A:B", callback=_click_parser(parse_range),
              help="The vertical range (default: fitted to the curves).")
@click.option("--only", type=click.Choice(["f", "df"]), default=None,
              help="Draw only f or only df/dVAR (default: both).")
@click.option("--out", "-o", "out_path", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write a .svg or .png file instead of drawing in the terminal.")
@common_options()
def plot(expr, var, range_, points, ylim, only, out_path, common):
    """Draw EXPR and df/dVAR over a range, in the terminal or to a file.

    \b
    Examples:
      gradcli plot 'x**2*sin(x)' --range -3:3
      gradcli plot 'tanh(x)' --range -2pi:2pi --out tanh.svg
    """
    if not _valid_name(var):
        raise click.BadParameter(f"not a variable name: {var!r}", param_hint="--var")
    if out_path and not out_path.lower().endswith((".svg", ".png")):
        raise click.BadParameter("the file name must end in .svg or .png", param_hint="--out")
    check_leaves({k: v for k, v in common.variables().items() if k != var})
    out = common.output()
    session = common.session(out)
    from .render import plot as plotting
    done = []
    with common.progress(out, session, f"sampling {expr}", steps=lambda: len(done), total=points):
        data = plotting.sample(session, expr, var, range_, points, common.variables(),
                               only=only, ylim=ylim, done=done)
    return plotting.draw(out, data, out_path)


# the commands that explain derivatives (issue 10) live in their own module
# (not `from . import`: that asks gradcli.__getattr__ first, which imports the engine)
for _command in importlib.import_module(".cli_explain", __package__).commands(common_options):
    cli.add_command(_command)
cli.add_command(help_command)       # gradcli help TOPIC (clihelp.py)


def main():
    cli.main(prog_name="gradcli", obj=State(owns_process=True))


if __name__ == "__main__":
    main()
